/*
 * plan.c - the plan as data (a list of changes, notes and account
 * headings) and as text for a person.  Which changes a spec and a live
 * organization call for is decided in diff.c; running them is apply.c's.
 */
#include <stdarg.h>
#include <stdio.h>

#include "bulwark/plan.h"
#include "internal.h"

void bw_plan_init(struct bw_plan *p)
{
	memset(p, 0, sizeof(*p));
}

static void change_release(struct bw_change *c)
{
	free(c->account);
	free(c->what);
	free(c->detail);
	free(c->id);
	free(c->arg);
	free(c->doc);
	free(c->old);
	free(c->error);
}

void bw_plan_release(struct bw_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		change_release(&p->changes[i]);
	for (size_t i = 0; i < p->n_notes; i++) {
		free(p->notes[i].account);
		free(p->notes[i].text);
	}
	for (size_t i = 0; i < p->n_groups; i++) {
		free(p->groups[i].account);
		free(p->groups[i].label);
	}
	free(p->changes);
	free(p->notes);
	free(p->groups);
	bw_plan_init(p);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return BW_ERR_NOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Copy s into *dst; false when s was set and the copy failed. */
static bool dup_into(char **dst, const char *s)
{
	*dst = bw_strdup(s);
	return !s || *dst;
}

int bw_plan_add(struct bw_plan *p, const struct bw_change *c, struct bw_change **out)
{
	struct bw_change *n;

	if (grow((void **)&p->changes, &p->cap, p->n, sizeof(*p->changes)))
		return BW_ERR_NOMEM;
	n = &p->changes[p->n];
	*n = *c;
	n->error = NULL;
	if (!dup_into(&n->account, c->account) | !dup_into(&n->what, c->what) |
	    !dup_into(&n->detail, c->detail) | !dup_into(&n->id, c->id) |
	    !dup_into(&n->arg, c->arg) | !dup_into(&n->doc, c->doc) |
	    !dup_into(&n->old, c->old)) {
		change_release(n);
		return BW_ERR_NOMEM;
	}
	p->n++;
	switch (c->op) {
	case BW_OP_CREATE: p->n_create++; break;
	case BW_OP_UPDATE: p->n_update++; break;
	case BW_OP_REMOVE: p->n_remove++; break;
	}
	if (out)
		*out = n;
	return 0;
}

static int note_add(struct bw_plan *p, const char *account, bool problem, const char *fmt,
		    va_list ap)
{
	struct bw_buf b = BW_BUF_INIT;
	struct bw_plan_note *n;
	int rc;

	if (grow((void **)&p->notes, &p->cap_notes, p->n_notes, sizeof(*p->notes)))
		return BW_ERR_NOMEM;
	rc = bw_buf_vaddf(&b, fmt, ap);
	n = &p->notes[p->n_notes];
	n->problem = problem;
	if (rc || !dup_into(&n->account, account) || !(n->text = bw_buf_detach(&b, NULL))) {
		bw_buf_release(&b);
		free(n->account);
		return BW_ERR_NOMEM;
	}
	p->n_notes++;
	p->n_problems += problem;
	return 0;
}

int bw_plan_note(struct bw_plan *p, const char *account, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = note_add(p, account, false, fmt, ap);
	va_end(ap);
	return rc;
}

int bw_plan_problem(struct bw_plan *p, const char *account, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = note_add(p, account, true, fmt, ap);
	va_end(ap);
	return rc;
}

int bw_plan_group(struct bw_plan *p, const char *account, const char *label)
{
	struct bw_plan_group *g;

	if (grow((void **)&p->groups, &p->cap_groups, p->n_groups, sizeof(*p->groups)))
		return BW_ERR_NOMEM;
	g = &p->groups[p->n_groups];
	if (!dup_into(&g->account, account) || !dup_into(&g->label, label)) {
		free(g->account);
		return BW_ERR_NOMEM;
	}
	p->n_groups++;
	return 0;
}

size_t bw_plan_count(const struct bw_plan *p)
{
	return p->n_create + p->n_update + p->n_remove;
}

void bw_plan_sort(struct bw_plan *p)
{
	/* Insertion sort: stable, and plans are mostly in order already. */
	for (size_t i = 1; i < p->n; i++) {
		struct bw_change c = p->changes[i];
		size_t j = i;

		while (j > 0 && p->changes[j - 1].stage > c.stage) {
			p->changes[j] = p->changes[j - 1];
			j--;
		}
		p->changes[j] = c;
	}
}

static bool same_account(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int format_change(struct bw_buf *out, const struct bw_change *c, bool color)
{
	static const char sign[] = { '+', '~', '-' };
	static const char *const ansi[] = { "\033[32m", "\033[33m", "\033[31m" };
	int rc;

	if (color)
		rc = bw_buf_addf(out, "  %s%c\033[0m %s\n", ansi[c->op], sign[c->op], c->what);
	else
		rc = bw_buf_addf(out, "  %c %s\n", sign[c->op], c->what);
	if (!rc && c->detail && *c->detail) {
		rc = bw_buf_adds(out, c->detail);
		if (!rc && c->detail[strlen(c->detail) - 1] != '\n')
			rc = bw_buf_addch(out, '\n');
	}
	return rc;
}

static int format_section(struct bw_buf *out, const struct bw_plan *p, const char *account,
			  const char *label, bool color)
{
	bool any = false;
	int rc = 0;

	for (size_t i = 0; !rc && i < p->n; i++) {
		if (!same_account(p->changes[i].account, account))
			continue;
		if (!any)
			rc = bw_buf_addf(out, "%s%s:\n", out->len ? "\n" : "", label);
		any = true;
		if (!rc)
			rc = format_change(out, &p->changes[i], color);
	}
	return rc;
}

int bw_plan_format(struct bw_buf *out, const struct bw_plan *p, bool color)
{
	int rc;

	rc = format_section(out, p, NULL, "Organization", color);
	for (size_t g = 0; !rc && g < p->n_groups; g++)
		rc = format_section(out, p, p->groups[g].account, p->groups[g].label, color);
	for (int problems = 1; problems >= 0; problems--) {
		bool any = false;

		for (size_t i = 0; !rc && i < p->n_notes; i++) {
			if (p->notes[i].problem != (problems == 1))
				continue;
			if (!any)
				rc = bw_buf_addf(out, "%s%s\n", out->len ? "\n" : "", problems ?
						 "Could not be read (not planned):" :
						 "Not in the spec (left alone):");
			any = true;
			if (!rc)
				rc = bw_buf_addf(out, "  %c %s\n", problems ? '?' : '!',
						 p->notes[i].text);
		}
	}
	if (rc)
		return rc;
	if (out->len)
		rc = bw_buf_addch(out, '\n');
	if (!rc && !bw_plan_count(p) && !p->n_problems)
		rc = bw_buf_adds(out, "No changes. The organization matches the spec.\n");
	else if (!rc && !bw_plan_count(p))
		rc = bw_buf_addf(out, "No changes in what could be read; %zu part%s could not be "
				 "read (above).\n", p->n_problems, p->n_problems == 1 ? "" : "s");
	else if (!rc)
		rc = bw_buf_addf(out, "Plan: %zu to create, %zu to update, %zu to remove.%s\n",
				 p->n_create, p->n_update, p->n_remove,
				 p->n_problems ? "  (Partial: see what could not be read.)" : "");
	return rc;
}
