/*
 * spec.c - loading the YAML spec: libyaml events into a small node tree
 * that keeps every position, then the tree into the model of spec.h,
 * checking as it goes and collecting every problem with file:line:column
 * and a fix.  The AWS naming rules and ${var} rendering are in
 * spec_check.c; judging policy documents is lib/policy.c's
 * (bw_policy_validate); talking to AWS is the engine's.
 *
 * YAML features a spec has no use for are refused rather than half
 * supported: anchors, aliases and merge keys (which also rules out
 * "billion laughs"), tags, several documents, and duplicate keys (YAML
 * says keys are unique; libyaml does not check).  Files are capped at
 * BW_SPEC_MAX_FILE bytes, BW_SPEC_MAX_DEPTH levels and BW_SPEC_MAX_NODES
 * nodes.  All of the model lives in one arena freed by bw_spec_free.
 */
#include <dirent.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "bulwark/policy.h"
#include "bulwark/spec.h"
#include "spec_internal.h"
#include "internal.h"

/* ---- arena --------------------------------------------------------------- */

struct ablk {
	struct ablk *next;
	size_t used, cap;
	max_align_t data[];
};

struct arena {
	struct ablk *head;
};

static void arena_free(struct arena *a)
{
	while (a->head) {
		struct ablk *b = a->head;
		a->head = b->next;
		free(b);
	}
}

/* Zeroed memory, or NULL. */
static void *arena_alloc(struct arena *a, size_t n)
{
	const size_t al = alignof(max_align_t);
	struct ablk *b = a->head;
	void *p;

	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + al - 1) / al * al;
	if (!n)
		n = al;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 16384 ? n : 16384;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

/* ---- the model ----------------------------------------------------------- */

struct bw_spec {
	struct arena ar;
	const char *path;
	const char *base_dir;
	struct bw_spec_org org;
	const char **envs;
	size_t n_envs;
	struct bw_spec_var *vars;
	size_t n_vars;
	struct bw_spec_unit *units;
	size_t n_units;
	struct bw_spec_account *accounts;
	size_t n_accounts;
	struct bw_spec_guardrail *guardrails;
	size_t n_guardrails;
	struct bw_spec_baseline *baselines;
	size_t n_baselines;
	struct bw_spec_sandbox sandbox;
	struct bw_spec_secrets secrets;
	const char **protected_roles;
	size_t n_protected;
	const char *boundary_name;
};

/* ---- the YAML tree -------------------------------------------------------- */

enum ytype { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	int line, col;
	const char *s;		/* scalar, NUL-terminated */
	size_t len;
	bool plain;		/* unquoted scalar: may be null, bool or number */
	struct ynode **kids;	/* seq: items; map: key, value, key, value... */
	size_t n;		/* kids (for a map, twice the pairs) */
};

/* Where "bulwark:scp/NAME" policy references point (make install puts them there). */
#ifndef BW_POLICY_DIR
#define BW_POLICY_DIR "/usr/local/share/bulwark/policies"
#endif

/* Problems kept per load; the rest are counted. */
#define MAX_PROBLEMS 200

/* ---- loading state -------------------------------------------------------- */

struct ld {
	struct bw_spec *spec;
	struct arena *ar;
	const char *file;		/* the spec's name in messages */
	struct bw_spec_diag *d;
	size_t errors;
	size_t first;			/* d->n when loading began */
	size_t dropped;			/* problems past MAX_PROBLEMS */
	bool nomem;
	size_t nodes;
	char why[512];
	struct ent *uidx;		/* units by path */
	size_t nuidx;
	struct ent *aidx;		/* accounts by name */
	size_t naidx;
};

static char *xvfmt(const char *fmt, va_list ap)
{
	struct bw_buf b = BW_BUF_INIT;

	if (bw_buf_vaddf(&b, fmt, ap))
		return NULL;
	return bw_buf_detach(&b, NULL);
}

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvfmt(fmt, ap);
	va_end(ap);
	return s;
}

void bw_spec_diag_init(struct bw_spec_diag *d)
{
	memset(d, 0, sizeof(*d));
}

void bw_spec_diag_release(struct bw_spec_diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
		free(d->items[i].hint);
		free(d->items[i].ref_file);
	}
	free(d->items);
	bw_spec_diag_init(d);
}

int bw_spec_problem_format(struct bw_buf *out, const struct bw_spec_problem *p)
{
	int rc;

	rc = bw_buf_addf(out, "%s:%d:%d: %s: %s%s%s\n", p->file, p->line, p->column,
			 p->severity == BW_SPEC_ERROR ? "error" : "warning", p->message,
			 p->hint ? "; " : "", p->hint ? p->hint : "");
	if (!rc && p->ref_file)
		rc = bw_buf_addf(out, "%s:%d:%d: note: '%s' is referenced here\n", p->ref_file,
				 p->ref_line, p->ref_column, p->file);
	return rc;
}

static void add_problem(struct ld *ld, enum bw_spec_severity sev, const char *file, int line,
			int col, const struct ynode *ref, const char *hint, const char *fmt,
			va_list ap)
{
	struct bw_spec_diag *d = ld->d;
	struct bw_spec_problem *p;

	if (sev == BW_SPEC_ERROR)
		ld->errors++;
	if (!d)
		return;
	/* A hostile file must not make us keep a problem per node. */
	if (d->n - ld->first >= MAX_PROBLEMS) {
		ld->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		void *np = realloc(d->items, cap * sizeof(*d->items));
		if (!np) {
			ld->nomem = true;
			return;
		}
		d->items = np;
		d->cap = cap;
	}
	p = &d->items[d->n];
	memset(p, 0, sizeof(*p));
	p->severity = sev;
	p->file = bw_strdup(file);
	p->line = line;
	p->column = col;
	p->message = xvfmt(fmt, ap);
	p->hint = hint ? bw_strdup(hint) : NULL;
	if (ref) {
		p->ref_file = bw_strdup(ld->file);
		p->ref_line = ref->line;
		p->ref_column = ref->col;
	}
	if (!p->file || !p->message || (hint && !p->hint) || (ref && !p->ref_file)) {
		free(p->file);
		free(p->message);
		free(p->hint);
		free(p->ref_file);
		ld->nomem = true;
		return;
	}
	d->n++;
	if (sev == BW_SPEC_ERROR)
		d->errors++;
	else
		d->warnings++;
}

static void err_at(struct ld *ld, const struct ynode *at, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void err_at(struct ld *ld, const struct ynode *at, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(ld, BW_SPEC_ERROR, ld->file, at ? at->line : 0, at ? at->col : 0, NULL,
		    hint, fmt, ap);
	va_end(ap);
}

static void warn_at(struct ld *ld, const struct ynode *at, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void warn_at(struct ld *ld, const struct ynode *at, const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(ld, BW_SPEC_WARNING, ld->file, at ? at->line : 0, at ? at->col : 0, NULL,
		    hint, fmt, ap);
	va_end(ap);
}

static void err_file(struct ld *ld, const char *file, int line, int col, const struct ynode *ref,
		     const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static void err_file(struct ld *ld, const char *file, int line, int col, const struct ynode *ref,
		     const char *hint, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(ld, BW_SPEC_ERROR, file, line, col, ref, hint, fmt, ap);
	va_end(ap);
}

/* A hint "did you mean 'x'?" from the closest candidate, or NULL. */
static const char *suggest(struct ld *ld, const char *s, const char *const *cands, size_t n)
{
	size_t best = SIZE_MAX, bi = 0;

	for (size_t i = 0; i < n; i++) {
		size_t dist;

		if (!cands[i] || !bw_spec__close(s, cands[i]))
			continue;
		dist = bw_spec__distance(s, cands[i], 8);
		if (dist < best) {
			best = dist;
			bi = i;
		}
	}
	if (best == SIZE_MAX)
		return NULL;
	snprintf(ld->why, sizeof(ld->why), "did you mean '%s'?", cands[bi]);
	return ld->why;
}

static char *astrdup(struct ld *ld, const char *s, size_t n)
{
	char *p = arena_alloc(ld->ar, n + 1);

	if (!p) {
		ld->nomem = true;
		return (char *)"";
	}
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *astr(struct ld *ld, const char *s)
{
	return astrdup(ld, s, strlen(s));
}

static char *afmt(struct ld *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *afmt(struct ld *ld, const char *fmt, ...)
{
	va_list ap;
	char *tmp, *s;

	va_start(ap, fmt);
	tmp = xvfmt(fmt, ap);
	va_end(ap);
	if (!tmp) {
		ld->nomem = true;
		return (char *)"";
	}
	s = astr(ld, tmp);
	free(tmp);
	return s;
}

/* n zeroed elements of size sz, or NULL (n == 0 gives NULL, not an error). */
static void *aarray(struct ld *ld, size_t n, size_t sz)
{
	void *p;

	if (!n)
		return NULL;
	if (n > SIZE_MAX / sz) {
		ld->nomem = true;
		return NULL;
	}
	p = arena_alloc(ld->ar, n * sz);
	if (!p)
		ld->nomem = true;
	return p;
}

/* ---- YAML events into the tree -------------------------------------------- */

struct frame {
	struct ynode *node;
	struct ynode **kids;
	size_t n, cap;
};

static struct ynode *new_node(struct ld *ld, enum ytype t, yaml_mark_t m)
{
	struct ynode *y;

	if (++ld->nodes > BW_SPEC_MAX_NODES)
		return NULL;
	y = arena_alloc(ld->ar, sizeof(*y));
	if (!y) {
		ld->nomem = true;
		return NULL;
	}
	y->type = t;
	y->line = (int)m.line + 1;
	y->col = (int)m.column + 1;
	return y;
}

static int push_kid(struct ld *ld, struct frame *f, struct ynode *y)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		void *p = realloc(f->kids, cap * sizeof(*f->kids));
		if (!p) {
			ld->nomem = true;
			return -1;
		}
		f->kids = p;
		f->cap = cap;
	}
	f->kids[f->n++] = y;
	return 0;
}

struct keyent {
	const struct ynode *key;
	size_t seq;
};

static int keyent_cmp(const void *a, const void *b)
{
	const struct keyent *x = a, *y = b;
	int c = strcmp(x->key->s, y->key->s);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keys must be strings and unique; sorting keeps this fast for big maps. */
static void check_map_keys(struct ld *ld, struct ynode *map)
{
	size_t np = map->n / 2, k = 0;
	struct keyent *e;

	if (np < 2) {
		if (np == 1 && map->kids[0]->type != Y_SCALAR)
			err_at(ld, map->kids[0], "write a plain name before the ':'",
			       "a mapping key must be a string, not a %s",
			       map->kids[0]->type == Y_SEQ ? "list" : "mapping");
		return;
	}
	e = calloc(np, sizeof(*e));
	if (!e) {
		ld->nomem = true;
		return;
	}
	for (size_t i = 0; i < np; i++) {
		struct ynode *key = map->kids[2 * i];
		if (key->type != Y_SCALAR) {
			err_at(ld, key, "write a plain name before the ':'",
			       "a mapping key must be a string, not a %s",
			       key->type == Y_SEQ ? "list" : "mapping");
			continue;
		}
		e[k].key = key;
		e[k].seq = i;
		k++;
	}
	qsort(e, k, sizeof(*e), keyent_cmp);
	for (size_t i = 1; i < k; i++)
		if (!strcmp(e[i].key->s, e[i - 1].key->s))
			err_at(ld, e[i].key, "remove one of them: YAML keys must be unique",
			       "duplicate key '%s' (first at line %d)", e[i].key->s,
			       e[i - 1].key->line);
	free(e);
}

static const char *yaml_hint(const yaml_parser_t *p, const char *text, size_t len)
{
	const char *prob = p->problem ? p->problem : "";
	size_t off = p->problem_mark.index;

	if (off < len && text[off] == '\t')
		return "indent with spaces: YAML does not allow tabs for indentation";
	if (strstr(prob, "UTF-8") || strstr(prob, "utf-8") || strstr(prob, "UTF"))
		return "save the file as UTF-8";
	if (strstr(prob, "control characters"))
		return "remove the control character (the file may be binary)";
	if (strstr(prob, "mapping values are not allowed"))
		return "quote the value (\"...\") if it contains ': ', or check the indentation";
	if (strstr(prob, "did not find expected key"))
		return "check the indentation: keys of one mapping line up";
	return "check the YAML syntax near this position";
}

static bool yaml_extras(struct ld *ld, const yaml_event_t *ev, struct ynode *at)
{
	const unsigned char *anchor = NULL, *tag = NULL;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor)
		err_at(ld, at, "write the value out where it is needed",
		       "YAML anchors ('&%s') are not accepted in a spec", (const char *)anchor);
	if (tag)
		err_at(ld, at, "remove the tag; bulwark infers types from the key",
		       "YAML tags ('%s') are not accepted in a spec", (const char *)tag);
	return anchor || tag;
}

/* 1-based line and column (in characters) of byte off of text. */
static void offset_to_pos(const char *text, size_t len, size_t off, int *line, int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Returns the document's root node, or NULL (with a problem reported). */
static struct ynode *parse_yaml(struct ld *ld, const char *text, size_t len)
{
	struct frame stack[BW_SPEC_MAX_DEPTH + 2];
	yaml_parser_t p;
	yaml_event_t ev;
	struct ynode *root = NULL;
	int depth = 0, docs = 0;
	bool done = false, failed = false;

	memset(stack, 0, sizeof(stack));
	if (!yaml_parser_initialize(&p)) {
		ld->nomem = true;
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done && !failed) {
		struct ynode *y = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR) {
				ld->nomem = true;
			} else {
				const char *hint = yaml_hint(&p, text, len);
				struct ynode at = { .line = (int)p.problem_mark.line + 1,
						    .col = (int)p.problem_mark.column + 1 };

				/* Reader errors (encoding) only give a byte offset. */
				if (p.error == YAML_READER_ERROR)
					offset_to_pos(text, len, p.problem_offset, &at.line, &at.col);
				err_at(ld, &at, hint, "invalid YAML: %s%s%s",
				       p.problem ? p.problem : "syntax error",
				       p.context ? " " : "", p.context ? p.context : "");
			}
			failed = true;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				struct ynode at = { .line = (int)ev.start_mark.line + 1,
						    .col = (int)ev.start_mark.column + 1 };
				err_at(ld, &at, "keep one document: remove this '---' and what follows",
				       "a spec holds one YAML document, this is a second one");
				failed = true;
			}
			break;
		case YAML_ALIAS_EVENT:
			y = new_node(ld, Y_SCALAR, ev.start_mark);
			if (!y)
				break;
			y->s = "";
			y->plain = true;
			err_at(ld, y, "write the value out where it is needed",
			       "YAML aliases ('*%s') are not accepted in a spec",
			       (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			y = new_node(ld, Y_SCALAR, ev.start_mark);
			if (!y)
				break;
			yaml_extras(ld, &ev, y);
			y->len = ev.data.scalar.length;
			y->s = astrdup(ld, (const char *)ev.data.scalar.value, y->len);
			y->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (memchr(y->s, '\0', y->len))
				err_at(ld, y, "remove the \\0 escape", "a string contains a NUL character");
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			y = new_node(ld, ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP,
				     ev.start_mark);
			if (!y)
				break;
			yaml_extras(ld, &ev, y);
			if (depth >= BW_SPEC_MAX_DEPTH) {
				err_at(ld, y, "flatten the structure",
				       "nesting is deeper than %d levels", BW_SPEC_MAX_DEPTH);
				failed = true;
				break;
			}
			stack[depth].node = y;
			stack[depth].n = 0;
			depth++;
			y = NULL;	/* added to its parent when it ends */
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct frame *f = &stack[--depth];

			y = f->node;
			y->n = f->n;
			y->kids = aarray(ld, f->n, sizeof(*y->kids));
			if (y->kids)
				memcpy(y->kids, f->kids, f->n * sizeof(*y->kids));
			else
				y->n = 0;
			if (y->type == Y_MAP)
				check_map_keys(ld, y);
			break;
		}
		case YAML_NO_EVENT:
			break;
		}
		if (ld->nodes > BW_SPEC_MAX_NODES) {
			struct ynode at = { .line = (int)ev.start_mark.line + 1,
					    .col = (int)ev.start_mark.column + 1 };
			err_at(ld, &at, "split the organization or simplify the spec",
			       "the spec has more than %d YAML nodes", BW_SPEC_MAX_NODES);
			failed = true;
		}
		yaml_event_delete(&ev);
		if (ld->nomem)
			failed = true;
		if (y && !failed) {
			if (depth)
				push_kid(ld, &stack[depth - 1], y);
			else
				root = y;
		}
	}
	for (size_t i = 0; i < BW_ARRAY_SIZE(stack); i++)
		free(stack[i].kids);
	yaml_parser_delete(&p);
	return failed ? NULL : root;
}

/* ---- typed access with problems ------------------------------------------ */

static const char *type_name(const struct ynode *y)
{
	if (!y)
		return "nothing";
	if (y->type == Y_SEQ)
		return "a list";
	if (y->type == Y_MAP)
		return "a mapping";
	return "a single value";
}

static bool is_null(const struct ynode *y)
{
	return !y || (y->type == Y_SCALAR && y->plain &&
		      (!y->len || !strcmp(y->s, "~") || !strcmp(y->s, "null") ||
		       !strcmp(y->s, "Null") || !strcmp(y->s, "NULL")));
}

static const struct ynode *mget(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->type == Y_SCALAR && !strcmp(map->kids[i]->s, key))
			return map->kids[i + 1];
	return NULL;
}

/* The key node for key in map (for positions), or the map itself. */
static const struct ynode *mkey(const struct ynode *map, const char *key)
{
	for (size_t i = 0; map && map->type == Y_MAP && i + 1 < map->n; i += 2)
		if (map->kids[i]->type == Y_SCALAR && !strcmp(map->kids[i]->s, key))
			return map->kids[i];
	return map;
}

/* Report keys of map not in keys (NULL-terminated), suggesting the closest. */
static void check_keys(struct ld *ld, const struct ynode *map, const char *const *keys,
		       const char *what)
{
	size_t nk = 0;

	while (keys[nk])
		nk++;
	for (size_t i = 0; map && map->type == Y_MAP && i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		const char *hint;
		size_t j;

		if (k->type != Y_SCALAR)
			continue;
		for (j = 0; j < nk; j++)
			if (!strcmp(k->s, keys[j]))
				break;
		if (j < nk)
			continue;
		if (!strcmp(k->s, "<<")) {
			err_at(ld, k, "write the keys out in full",
			       "YAML merge keys ('<<') are not accepted in a spec");
			continue;
		}
		hint = suggest(ld, k->s, keys, nk);
		if (!hint) {
			char *all = NULL;
			struct bw_buf b = BW_BUF_INIT;
			for (j = 0; j < nk; j++)
				if (bw_buf_addf(&b, "%s%s", j ? ", " : "", keys[j]))
					break;
			all = bw_buf_detach(&b, NULL);
			err_at(ld, k, NULL, "unknown key '%s' in %s; known keys: %s", k->s, what,
			       all ? all : "");
			free(all);
			continue;
		}
		err_at(ld, k, hint, "unknown key '%s' in %s", k->s, what);
	}
}

static bool want_map(struct ld *ld, const struct ynode *y, const char *key, const char *what)
{
	if (y && y->type == Y_MAP)
		return true;
	err_at(ld, y, "write it as 'key: value' lines indented under it",
	       "'%s' in %s must be a mapping, not %s", key, what, type_name(y));
	return false;
}

static bool want_seq(struct ld *ld, const struct ynode *y, const char *key, const char *what)
{
	if (y && y->type == Y_SEQ)
		return true;
	err_at(ld, y, "write one '- item' per line, or [a, b] on one line",
	       "'%s' in %s must be a list, not %s", key, what, type_name(y));
	return false;
}

/* A string value (any non-null scalar); NULL with a problem otherwise. */
static const char *want_str(struct ld *ld, const struct ynode *y, const char *key,
			    const char *what)
{
	if (y && y->type == Y_SCALAR && !is_null(y))
		return y->s;
	if (y && y->type == Y_SCALAR)
		err_at(ld, y, "write a value after the ':'", "'%s' in %s is empty", key, what);
	else
		err_at(ld, y, "write a single value (quote it if it has special characters)",
		       "'%s' in %s must be a string, not %s", key, what, type_name(y));
	return NULL;
}

/* The string at key, or NULL; reports it missing when required. */
static const char *get_str(struct ld *ld, const struct ynode *map, const char *key,
			   const char *what, bool required, const char *example)
{
	const struct ynode *y = mget(map, key);

	if (!y) {
		if (required) {
			char hint[256];
			snprintf(hint, sizeof(hint), "add '%s: %s'", key, example);
			err_at(ld, map, hint, "%s has no '%s'", what, key);
		}
		return NULL;
	}
	/* "description:" with nothing after it is as if it were left out. */
	if (!required && is_null(y))
		return NULL;
	return want_str(ld, y, key, what);
}

static bool get_bool(struct ld *ld, const struct ynode *map, const char *key, const char *what,
		     bool def)
{
	const struct ynode *y = mget(map, key);

	if (!y || is_null(y))
		return def;
	if (y->type == Y_SCALAR && y->plain) {
		if (!strcmp(y->s, "true") || !strcmp(y->s, "True") || !strcmp(y->s, "TRUE"))
			return true;
		if (!strcmp(y->s, "false") || !strcmp(y->s, "False") || !strcmp(y->s, "FALSE"))
			return false;
	}
	err_at(ld, y, "write true or false (without quotes)",
	       "'%s' in %s must be true or false, not '%s'", key, what,
	       y->type == Y_SCALAR ? y->s : type_name(y));
	return def;
}

/* An integer in [min, max]; def when absent; def with a problem if bad. */
static long get_int(struct ld *ld, const struct ynode *map, const char *key, const char *what,
		    long min, long max, long def)
{
	const struct ynode *y = mget(map, key);
	char *end;
	long v;

	if (!y || is_null(y))
		return def;
	if (y->type != Y_SCALAR || !y->plain || !y->len) {
		err_at(ld, y, "write a whole number without quotes",
		       "'%s' in %s must be a number, not %s", key, what,
		       y->type == Y_SCALAR ? "a quoted string" : type_name(y));
		return def;
	}
	errno = 0;
	v = strtol(y->s, &end, 10);
	if (*end || errno) {
		err_at(ld, y, "write a whole number such as 14",
		       "'%s' in %s must be a number, not '%s'", key, what, y->s);
		return def;
	}
	if (v < min || v > max) {
		char hint[128];
		snprintf(hint, sizeof(hint), "write a number from %ld to %ld", min, max);
		err_at(ld, y, hint, "'%s' in %s is %ld; AWS allows %ld to %ld", key, what, v, min,
		       max);
		return def;
	}
	return v;
}

/* "12h", "14d", "90m" or "30s": the largest unit that divides v. */
static const char *fmt_duration(char *buf, size_t n, long v)
{
	if (v && v % 86400 == 0)
		snprintf(buf, n, "%ldd", v / 86400);
	else if (v && v % 3600 == 0)
		snprintf(buf, n, "%ldh", v / 3600);
	else if (v && v % 60 == 0)
		snprintf(buf, n, "%ldm", v / 60);
	else
		snprintf(buf, n, "%lds", v);
	return buf;
}

/* A duration (number of seconds or 90m, 12h, 14d, 2w) in [min, max]. */
static long get_duration(struct ld *ld, const struct ynode *map, const char *key,
			 const char *what, long min, long max, long def)
{
	const struct ynode *y = mget(map, key);
	long v;

	if (!y || is_null(y))
		return def;
	if (y->type != Y_SCALAR || (v = bw_spec_parse_duration(y->s)) < 0) {
		err_at(ld, y, "write seconds or a number with s, m, h, d or w, e.g. 14d",
		       "'%s' in %s is not a duration", key, what);
		return def;
	}
	if (v < min || v > max) {
		char hint[128], a[32], b[32];
		snprintf(hint, sizeof(hint), "write a duration from %s to %s",
			 fmt_duration(a, sizeof(a), min), fmt_duration(b, sizeof(b), max));
		err_at(ld, y, hint, "'%s' in %s is %ld seconds, out of range", key, what, v);
		return def;
	}
	return v;
}

static void check_rule(struct ld *ld, const struct ynode *at, const char *value, const char *what,
		       bool (*rule)(const char *, char *, size_t), const char *hint)
{
	char why[256];

	if (value && !rule(value, why, sizeof(why)))
		err_at(ld, at, hint, "%s '%s' %s", what, value, why);
}

/* tags: {Key: value} into an array. */
static const struct bw_spec_tag *get_tags(struct ld *ld, const struct ynode *map,
					  const char *what, size_t *n)
{
	const struct ynode *y = mget(map, "tags");
	struct bw_spec_tag *t;
	size_t k = 0;
	char why[256];

	*n = 0;
	if (!y || is_null(y))
		return NULL;
	if (!want_map(ld, y, "tags", what))
		return NULL;
	if (y->n / 2 > 50)
		err_at(ld, y, "keep at most 50 tags", "%s has %zu tags; AWS allows 50", what,
		       y->n / 2);
	t = aarray(ld, y->n / 2, sizeof(*t));
	for (size_t i = 0; t && i + 1 < y->n; i += 2) {
		const struct ynode *kn = y->kids[i], *vn = y->kids[i + 1];

		if (kn->type != Y_SCALAR)
			continue;
		if (vn->type != Y_SCALAR) {
			err_at(ld, vn, "write the tag value as a string",
			       "tag '%s' in %s must be a string, not %s", kn->s, what,
			       type_name(vn));
			continue;
		}
		if (!bw_spec__check_tag_key(kn->s, why, sizeof(why)))
			err_at(ld, kn, NULL, "tag key '%s' in %s %s", kn->s, what, why);
		if (!bw_spec__check_tag_value(vn->s, why, sizeof(why)))
			err_at(ld, vn, NULL, "tag value '%s' in %s %s", vn->s, what, why);
		t[k].key = kn->s;
		t[k].value = vn->s;
		k++;
	}
	*n = k;
	return t;
}

/* ---- name index: sorted (key, pointer), for duplicates and lookups ------- */

struct ent {
	const char *key;
	const void *ptr;
	const struct ynode *at;
	size_t seq;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int ent_icmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcasecmp(x->key, y->key);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int ent_key_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct ent *)e)->key);
}

/*
 * Sort e[0..n) by key and report each duplicate (case-insensitive when
 * icase) at its own position.  The index keeps the first of each key.
 */
static size_t index_build(struct ld *ld, struct ent *e, size_t n, bool icase, const char *what,
			  const char *hint)
{
	size_t k = 0;

	if (!n)
		return 0;
	qsort(e, n, sizeof(*e), icase ? ent_icmp : ent_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && !(icase ? strcasecmp(e[i].key, e[k - 1].key) : strcmp(e[i].key, e[k - 1].key))) {
			if (ld)
				err_at(ld, e[i].at, hint, "duplicate %s '%s' (first at line %d)",
				       what, e[i].key, e[k - 1].at ? e[k - 1].at->line : 0);
			continue;
		}
		e[k++] = e[i];
	}
	return k;
}

static const void *index_find(const struct ent *e, size_t n, const char *key)
{
	const struct ent *f;

	if (!n)
		return NULL;
	f = bsearch(key, e, n, sizeof(*e), ent_key_cmp);
	return f ? f->ptr : NULL;
}

/* ---- policy documents ---------------------------------------------------- */

struct pol_report {
	struct ld *ld;
	const char *file;		/* display name, or NULL for inline */
	const struct ynode *ref;	/* the spec node naming it */
	int n;
};

static void on_policy_problem(void *ctx, int line, int column, const char *message)
{
	struct pol_report *r = ctx;

	r->n++;
	if (r->file)
		err_file(r->ld, r->file, line > 0 ? line : 1, column > 0 ? column : 1, r->ref,
			 NULL, "%s", message);
	else
		err_at(r->ld, r->ref, "fix the inline policy document", "in the inline policy: %s%s",
		       message, line > 0 ? "" : "");
}

/* Lexically drop "dir/.." pairs so messages show paths a user would type. */
static char *tidy_path(struct ld *ld, const char *dir, const char *rel)
{
	char *joined, *out, *seg[256];
	size_t ns = 0;
	struct bw_buf b = BW_BUF_INIT;
	bool abs;

	if (rel[0] == '/' || !dir || !strcmp(dir, "."))
		joined = xfmt("%s", rel);
	else
		joined = xfmt("%s/%s", dir, rel);
	if (!joined) {
		ld->nomem = true;
		return (char *)"";
	}
	abs = joined[0] == '/';
	for (char *p = joined, *save = NULL, *tok; (tok = strtok_r(p, "/", &save)); p = NULL) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..") && ns && strcmp(seg[ns - 1], ".."))
			ns--;
		else if (ns < BW_ARRAY_SIZE(seg))
			seg[ns++] = tok;
	}
	if (abs && bw_buf_addch(&b, '/'))
		ld->nomem = true;
	for (size_t i = 0; i < ns; i++)
		if (bw_buf_addf(&b, "%s%s", i ? "/" : "", seg[i]))
			ld->nomem = true;
	out = astr(ld, b.len ? b.ptr : ".");
	bw_buf_release(&b);
	free(joined);
	return out;
}

/* Find the file in dir closest to base for "did you mean". */
/*
 * The file in path's directory closest to its name, as the user would
 * write it: rel (what the spec says) with its last component replaced.
 */
static const char *suggest_file(struct ld *ld, const char *path, const char *rel)
{
	const char *rslash = strrchr(rel, '/');
	char dir[4096];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t best = SIZE_MAX, stem;
	DIR *dp;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	dp = opendir(dir);
	if (!dp)
		return NULL;
	stem = strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".json") ? strlen(base) - 5
									     : strlen(base);
	while ((de = readdir(dp))) {
		size_t d;

		if (de->d_name[0] == '.')
			continue;
		/* "deny-root.json" for "deny-root-user.json": a shortened name. */
		if (stem >= 4 && !strncmp(de->d_name, base, stem))
			d = 4;
		else if (bw_spec__close(base, de->d_name))
			d = bw_spec__distance(base, de->d_name, 8);
		else
			continue;
		if (d < best) {
			best = d;
			snprintf(ld->why, sizeof(ld->why), "did you mean '%.*s%.200s'?",
				 rslash ? (int)(rslash - rel + 1) : 0, rel, de->d_name);
		}
	}
	closedir(dp);
	return best == SIZE_MAX ? NULL : ld->why;
}

static char *read_small_file(const char *path, size_t max, size_t *len, int *errnum)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd;

	*errnum = 0;
	/* O_NONBLOCK: a FIFO with no writer must be refused, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*errnum = errno;
		return NULL;
	}
	if (fstat(fd, &st)) {
		*errnum = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*errnum = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		*errnum = EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*errnum = ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*errnum = errno;
			free(buf);
			buf = NULL;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > (size_t)st.st_size) {
			*errnum = EFBIG;	/* grew while we read it */
			free(buf);
			buf = NULL;
			goto out;
		}
	}
	buf[got] = '\0';
	*len = got;
out:
	close(fd);
	return buf;
}

/* YAML mapping or list into JSON; every scalar becomes a JSON string. */
static json_t *yaml_to_json(const struct ynode *y)
{
	json_t *j;

	switch (y->type) {
	case Y_SCALAR:
		return json_stringn(y->s, y->len);
	case Y_SEQ:
		j = json_array();
		for (size_t i = 0; j && i < y->n; i++)
			if (json_array_append_new(j, yaml_to_json(y->kids[i])))
				goto fail;
		return j;
	case Y_MAP:
		j = json_object();
		for (size_t i = 0; j && i + 1 < y->n; i += 2) {
			/* check_map_keys has reported a non-string key: skip it. */
			if (y->kids[i]->type != Y_SCALAR)
				continue;
			if (json_object_set_new(j, y->kids[i]->s, yaml_to_json(y->kids[i + 1])))
				goto fail;
		}
		return j;
	}
	return NULL;
fail:
	json_decref(j);
	return NULL;
}

/*
 * Fill doc from map's file: or document: key and check the document with
 * bw_policy_validate.  Returns false if there is no usable document.
 */
static bool load_doc(struct ld *ld, const struct ynode *map, const char *what,
		     enum bw_policy_kind kind, unsigned flags, struct bw_spec_doc *doc)
{
	const struct ynode *fn = mget(map, "file"), *dn = mget(map, "document");
	struct pol_report rep = { ld, NULL, NULL, 0 };
	char *text = NULL;
	size_t len = 0;
	int rc;

	doc->kind = kind;
	doc->flags = flags;
	doc->loc.file = ld->file;
	doc->loc.line = map ? map->line : 0;
	doc->loc.column = map ? map->col : 0;
	if (fn && dn) {
		err_at(ld, mkey(map, "document"), "keep either file: or document:",
		       "%s has both 'file' and 'document'", what);
		return false;
	}
	if (!fn && !dn) {
		err_at(ld, map, "add 'file: ../policies/NAME.json' or an inline 'document:'",
		       "%s has no policy document", what);
		return false;
	}
	if (fn) {
		const char *rel = want_str(ld, fn, "file", what), *shown, *opened;
		int errnum;

		if (!rel)
			return false;
		doc->loc.line = fn->line;
		doc->loc.column = fn->col;
		if (!strncmp(rel, "bulwark:", 8)) {
			const char *dir = getenv("BULWARK_POLICY_DIR");
			size_t rl = strlen(rel + 8);
			shown = afmt(ld, "%s/%s%s", dir && *dir ? dir : BW_POLICY_DIR, rel + 8,
				     rl > 5 && !strcmp(rel + 8 + rl - 5, ".json") ? "" : ".json");
			opened = shown;
		} else {
			/*
			 * Open the path as joined, so the kernel resolves ".." after
			 * symbolic links as the user expects; show it tidied.
			 */
			shown = tidy_path(ld, ld->spec->base_dir, rel);
			opened = rel[0] == '/' ? rel : afmt(ld, "%s/%s", ld->spec->base_dir, rel);
		}
		doc->path = shown;
		text = read_small_file(opened, BW_SPEC_MAX_POLICY_FILE, &len, &errnum);
		if (!text) {
			const char *hint = NULL;
			if (errnum == ENOENT)
				hint = suggest_file(ld, opened, rel);
			if (errnum == ENOMEM)
				ld->nomem = true;
			else if (errnum == EFBIG)
				err_at(ld, fn, "policy documents are a few KiB: check the path",
				       "policy file '%s' is larger than %zu bytes", shown,
				       BW_SPEC_MAX_POLICY_FILE);
			else
				err_at(ld, fn, hint ? hint : "paths are relative to the spec's directory",
				       "cannot read policy file '%s' for %s: %s", shown, what,
				       strerror(errnum));
			return false;
		}
		rep.file = shown;
		rep.ref = fn;
	} else if (dn->type == Y_SCALAR) {
		if (is_null(dn)) {
			err_at(ld, dn, "write the policy JSON or a YAML mapping", "%s has an empty document",
			       what);
			return false;
		}
		text = bw_strdup(dn->s);
		len = dn->len;
		doc->loc.line = dn->line;
		doc->loc.column = dn->col;
		rep.ref = dn;
		if (!text) {
			ld->nomem = true;
			return false;
		}
	} else if (dn->type == Y_MAP) {
		json_t *j = yaml_to_json(dn);
		doc->loc.line = dn->line;
		doc->loc.column = dn->col;
		rep.ref = dn;
		text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
		if (!text) {
			ld->nomem = true;
			return false;
		}
		len = strlen(text);
	} else {
		err_at(ld, dn, "write the policy as a YAML mapping (Version:, Statement:) or JSON text",
		       "'document' in %s must be a mapping or a string, not a list", what);
		return false;
	}
	doc->text = astrdup(ld, text, len);
	doc->len = len;
	free(text);
	rc = bw_policy_validate(doc->text, doc->len, kind, flags, on_policy_problem, &rep);
	if (rc < 0) {
		if (rc == BW_ERR_NOMEM)
			ld->nomem = true;
		else
			err_at(ld, rep.ref, NULL, "cannot check the policy of %s: %s", what,
			       bw_strerror(rc));
	}
	/* Rendering needs JSON; a document that is not JSON was reported above. */
	{
		json_t *j = json_loadb(doc->text, doc->len, 0, NULL);
		bool ok = j != NULL;
		json_decref(j);
		if (!ok && rc == 0)
			err_at(ld, rep.ref, "fix the JSON", "the policy of %s is not valid JSON", what);
		return ok;
	}
}

/* ---- sections ------------------------------------------------------------ */

static bool role_name_rule(const char *s, char *why, size_t n)
{
	return bw_spec__check_iam_name(s, 64, why, n);
}

static bool policy_name_rule(const char *s, char *why, size_t n)
{
	return bw_spec__check_iam_name(s, 128, why, n);
}

/* IAM descriptions: at most 1000 characters; SCP descriptions: 512. */
static bool description_rule_1000(const char *s, char *why, size_t n)
{
	return bw_spec__check_text(s, 1000, why, n);
}

static bool description_rule_512(const char *s, char *why, size_t n)
{
	return bw_spec__check_text(s, 512, why, n);
}

static const char *const default_envs[] = { "dev", "staging", "prod" };

static void decode_org(struct ld *ld, const struct ynode *root)
{
	static const char *const keys[] = { "feature_set", "default_region", "allowed_regions",
					    "access_role", NULL };
	const struct ynode *o = mget(root, "organization"), *ar;
	struct bw_spec_org *org = &ld->spec->org;
	const char *s;
	bool seen_default = false;

	org->feature_set = "ALL";
	org->access_role = "OrganizationAccountAccessRole";
	if (!o) {
		err_at(ld, root, "add 'organization:' with default_region and allowed_regions",
		       "the spec has no 'organization'");
		return;
	}
	if (!want_map(ld, o, "organization", "the spec"))
		return;
	check_keys(ld, o, keys, "organization");
	s = get_str(ld, o, "feature_set", "organization", false, "ALL");
	if (s && strcmp(s, "ALL"))
		err_at(ld, mget(o, "feature_set"),
		       "write 'feature_set: ALL': service control policies need all features",
		       "feature_set '%s' is not supported", s);
	s = get_str(ld, o, "default_region", "organization", true, "eu-west-1");
	if (s) {
		check_rule(ld, mget(o, "default_region"), s, "region", bw_spec__check_region,
			   "write a region such as eu-west-1");
		org->default_region = s;
	}
	s = get_str(ld, o, "access_role", "organization", false, "");
	if (s) {
		check_rule(ld, mget(o, "access_role"), s, "access_role",
			   role_name_rule, "use letters, digits and _+=,.@-");
		org->access_role = s;
	}
	ar = mget(o, "allowed_regions");
	if (!ar) {
		err_at(ld, o, "add 'allowed_regions: [eu-west-1]'",
		       "organization has no 'allowed_regions'");
		return;
	}
	if (!want_seq(ld, ar, "allowed_regions", "organization"))
		return;
	if (!ar->n)
		err_at(ld, ar, "list at least the default region", "allowed_regions is empty");
	org->allowed_regions = aarray(ld, ar->n, sizeof(char *));
	for (size_t i = 0; org->allowed_regions && i < ar->n; i++) {
		const char *r = want_str(ld, ar->kids[i], "allowed_regions", "organization");
		if (!r)
			continue;
		check_rule(ld, ar->kids[i], r, "region", bw_spec__check_region,
			   "write a region such as eu-west-1");
		for (size_t j = 0; j < org->n_allowed_regions; j++)
			if (!strcmp(org->allowed_regions[j], r))
				err_at(ld, ar->kids[i], "list each region once",
				       "region '%s' is listed twice", r);
		if (org->default_region && !strcmp(r, org->default_region))
			seen_default = true;
		((const char **)org->allowed_regions)[org->n_allowed_regions++] = r;
	}
	if (org->default_region && !seen_default && ar->n)
		err_at(ld, mget(o, "default_region"), "add it to allowed_regions",
		       "default_region '%s' is not in allowed_regions", org->default_region);
}

static void decode_envs(struct ld *ld, const struct ynode *root)
{
	const struct ynode *e = mget(root, "environments");
	struct bw_spec *sp = ld->spec;

	if (!e || is_null(e)) {
		sp->envs = (const char **)default_envs;
		sp->n_envs = BW_ARRAY_SIZE(default_envs);
		return;
	}
	if (!want_seq(ld, e, "environments", "the spec"))
		return;
	sp->envs = aarray(ld, e->n, sizeof(char *));
	sp->n_envs = 0;
	if (!e->n)
		err_at(ld, e, "list at least one, e.g. [dev, staging, prod]", "environments is empty");
	for (size_t i = 0; sp->envs && i < e->n; i++) {
		const char *s = want_str(ld, e->kids[i], "environments", "the spec");
		if (!s)
			continue;
		check_rule(ld, e->kids[i], s, "environment", bw_spec__check_env_name, NULL);
		for (size_t j = 0; j < sp->n_envs; j++)
			if (!strcmp(sp->envs[j], s))
				err_at(ld, e->kids[i], "list each environment once",
				       "environment '%s' is listed twice", s);
		sp->envs[sp->n_envs++] = s;
	}
}

/* vars: { name: value | [values] } */
static struct bw_spec_var *decode_vars(struct ld *ld, const struct ynode *y, const char *what,
				       size_t *n)
{
	struct bw_spec_var *v;
	char why[256];

	*n = 0;
	if (!y || is_null(y) || !want_map(ld, y, "vars", what))
		return NULL;
	v = aarray(ld, y->n / 2, sizeof(*v));
	for (size_t i = 0; v && i + 1 < y->n; i += 2) {
		const struct ynode *k = y->kids[i], *val = y->kids[i + 1];
		struct bw_spec_var *x = &v[*n];

		if (k->type != Y_SCALAR)
			continue;
		if (!bw_spec__check_var_name(k->s, why, sizeof(why))) {
			err_at(ld, k, NULL, "variable '%s' in %s %s", k->s, what, why);
			continue;
		}
		if (bw_spec__builtin_var(k->s)) {
			err_at(ld, k, "choose another name", "variable '%s' in %s is built in and "
			       "cannot be redefined", k->s, what);
			continue;
		}
		x->name = k->s;
		x->loc.file = ld->file;
		x->loc.line = k->line;
		x->loc.column = k->col;
		if (val->type == Y_MAP || is_null(val)) {
			err_at(ld, val, "write a string or a list of strings",
			       "variable '%s' in %s must be a string or a list, not %s", k->s, what,
			       is_null(val) ? "empty" : "a mapping");
			continue;
		}
		if (val->type == Y_SCALAR) {
			const char **one = aarray(ld, 1, sizeof(char *));
			if (!one)
				continue;
			one[0] = val->s;
			x->values = one;
			x->n_values = 1;
		} else {
			const char **many = aarray(ld, val->n, sizeof(char *));
			x->is_list = true;
			for (size_t j = 0; many && j < val->n; j++) {
				const char *s = want_str(ld, val->kids[j], k->s, what);
				if (s)
					many[x->n_values++] = s;
			}
			x->values = many;
		}
		(*n)++;
	}
	return v;
}

/* ---- units ---------------------------------------------------------------- */

struct udecl {
	const char *path;
	const struct ynode *at;
	const struct ynode *map;	/* for tags; NULL for a path string */
	int depth;
	bool implied;
	size_t seq;
};

struct ulist {
	struct udecl *v;
	size_t n, cap;
};

static void ulist_add(struct ld *ld, struct ulist *l, const char *path, const struct ynode *at,
		      const struct ynode *map, int depth, bool implied)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		void *p = realloc(l->v, cap * sizeof(*l->v));
		if (!p) {
			ld->nomem = true;
			return;
		}
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n] = (struct udecl){ path, at, map, depth, implied, l->n };
	l->n++;
}

/* AWS Organizations nests OUs at most five levels below the root. */
#define MAX_OU_DEPTH 5

/* Check each component of path; add the path and its implied parents. */
static void add_unit_path(struct ld *ld, struct ulist *l, const char *prefix, const char *rel,
			  const struct ynode *at, const struct ynode *map)
{
	char why[256];
	const char *full = prefix ? afmt(ld, "%s/%s", prefix, rel) : rel;
	const char *p = full;
	int depth = 0;
	bool ok = true;

	while (*p && ok) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *comp = astrdup(ld, p, len);

		depth++;
		if (!len) {
			err_at(ld, at, "write paths as Parent/Child without empty parts",
			       "unit path '%s' has an empty part", full);
			ok = false;
		} else if (!bw_spec__check_ou_name(comp, why, sizeof(why))) {
			err_at(ld, at, "OU names are 1-128 characters without '/'",
			       "unit name '%s' %s", comp, why);
			ok = false;
		} else if (depth == 1 && !strcmp(comp, "Root")) {
			err_at(ld, at, "write 'Workloads', not 'Root/Workloads': units are under the root",
			       "'Root' is the organization root, not a unit");
			ok = false;
		}
		if (ok && e)
			ulist_add(ld, l, astrdup(ld, full, (size_t)(e - full)), at, NULL, depth, true);
		p = e ? e + 1 : p + len;
		if (e && !e[1]) {
			err_at(ld, at, "remove the trailing '/'", "unit path '%s' ends with '/'", full);
			ok = false;
		}
	}
	if (!ok)
		return;
	if (depth > MAX_OU_DEPTH)
		err_at(ld, at, "flatten the tree", "unit '%s' is %d levels deep; AWS Organizations "
		       "allows %d", full, depth, MAX_OU_DEPTH);
	ulist_add(ld, l, full, at, map, depth, false);
}

static void decode_unit_list(struct ld *ld, struct ulist *l, const struct ynode *seq,
			     const char *prefix)
{
	static const char *const keys[] = { "name", "units", "tags", NULL };

	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *u = seq->kids[i], *sub;
		const char *name;
		char what[300];

		if (u->type == Y_SCALAR) {
			if (is_null(u))
				err_at(ld, u, "write a unit name or path such as Workloads/Prod",
				       "empty unit");
			else
				add_unit_path(ld, l, prefix, u->s, u, NULL);
			continue;
		}
		if (u->type != Y_MAP) {
			err_at(ld, u, "write '- Workloads/Prod' or '- name: Workloads'",
			       "a unit must be a path or a mapping, not a list");
			continue;
		}
		name = get_str(ld, u, "name", "unit", true, "Workloads");
		snprintf(what, sizeof(what), "unit '%s'", name ? name : "?");
		check_keys(ld, u, keys, what);
		if (!name)
			continue;
		if (strchr(name, '/')) {
			err_at(ld, mget(u, "name"), "nest units under 'units:', or write the path as a "
			       "plain list item", "unit name '%s' contains '/'", name);
			continue;
		}
		add_unit_path(ld, l, prefix, name, mget(u, "name"), u);
		sub = mget(u, "units");
		if (sub && !is_null(sub) && want_seq(ld, sub, "units", what))
			decode_unit_list(ld, l, sub, prefix ? afmt(ld, "%s/%s", prefix, name) : name);
	}
}

static int udecl_path_cmp(const void *a, const void *b)
{
	const struct udecl *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->implied != y->implied)
		return x->implied ? 1 : -1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int udecl_order_cmp(const void *a, const void *b)
{
	const struct udecl *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth - y->depth;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void decode_units(struct ld *ld, const struct ynode *root)
{
	const struct ynode *u = mget(root, "units");
	struct bw_spec *sp = ld->spec;
	struct ulist l = { NULL, 0, 0 };
	size_t k = 0;

	if (!u || is_null(u))
		goto out;
	if (!want_seq(ld, u, "units", "the spec"))
		goto out;
	decode_unit_list(ld, &l, u, NULL);
	if (!l.n)
		goto out;
	/* Group by path: explicit before implied, then in file order. */
	qsort(l.v, l.n, sizeof(*l.v), udecl_path_cmp);
	for (size_t i = 0; i < l.n; i++) {
		if (k && !strcmp(l.v[i].path, l.v[k - 1].path)) {
			if (!l.v[i].implied)
				err_at(ld, l.v[i].at, "declare each unit once",
				       "duplicate unit '%s' (first at line %d)", l.v[i].path,
				       l.v[k - 1].at->line);
			continue;
		}
		l.v[k++] = l.v[i];
	}
	/* Parents first: by depth, then in file order. */
	qsort(l.v, k, sizeof(*l.v), udecl_order_cmp);
	sp->units = aarray(ld, k, sizeof(*sp->units));
	if (!sp->units)
		goto out;
	sp->n_units = k;
	for (size_t i = 0; i < k; i++) {
		struct bw_spec_unit *x = &sp->units[i];
		const char *slash = strrchr(l.v[i].path, '/');
		char what[300];

		x->path = l.v[i].path;
		x->name = slash ? slash + 1 : x->path;
		x->depth = l.v[i].depth;
		x->implied = l.v[i].implied;
		x->loc.file = ld->file;
		x->loc.line = l.v[i].at->line;
		x->loc.column = l.v[i].at->col;
		snprintf(what, sizeof(what), "unit '%s'", x->path);
		if (l.v[i].map)
			x->tags = get_tags(ld, l.v[i].map, what, &x->n_tags);
	}
out:
	free(l.v);
}

/* Build the unit index and parent pointers (after decode_units). */
static void index_units(struct ld *ld)
{
	struct bw_spec *sp = ld->spec;

	ld->uidx = NULL;
	ld->nuidx = 0;
	if (!sp->n_units)
		return;
	ld->uidx = calloc(sp->n_units, sizeof(*ld->uidx));
	if (!ld->uidx) {
		ld->nomem = true;
		return;
	}
	for (size_t i = 0; i < sp->n_units; i++)
		ld->uidx[i] = (struct ent){ sp->units[i].path, &sp->units[i], NULL, i };
	ld->nuidx = index_build(NULL, ld->uidx, sp->n_units, false, NULL, NULL);
	for (size_t i = 0; i < sp->n_units; i++) {
		struct bw_spec_unit *x = &sp->units[i];
		const char *slash = strrchr(x->path, '/');
		if (slash) {
			char *parent = astrdup(ld, x->path, (size_t)(slash - x->path));
			x->parent = index_find(ld->uidx, ld->nuidx, parent);
		}
	}
}

/* A unit by path for a reference at y; reports a missing one. */
static const struct bw_spec_unit *resolve_unit(struct ld *ld, const struct ynode *y,
					       const char *path, const char *what)
{
	const struct bw_spec_unit *u = index_find(ld->uidx, ld->nuidx, path);
	const char *hint = NULL;

	if (u)
		return u;
	if (ld->nuidx) {
		const char **c = calloc(ld->nuidx, sizeof(*c));
		if (c) {
			for (size_t i = 0; i < ld->nuidx; i++)
				c[i] = ld->uidx[i].key;
			hint = suggest(ld, path, c, ld->nuidx);
			free(c);
		}
	}
	err_at(ld, y, hint ? hint : "declare it under 'units:' or fix the path",
	       "%s refers to unit '%s', which the spec does not declare", what, path);
	return NULL;
}

/* ---- baselines ------------------------------------------------------------- */

static const struct bw_spec_managed_policy *find_managed(const struct bw_spec_baseline *b,
							 const char *name)
{
	for (size_t i = 0; i < b->n_managed_policies; i++)
		if (!strcmp(b->managed_policies[i].name, name))
			return &b->managed_policies[i];
	return NULL;
}

/* A managed policy reference: a name from the baseline or an IAM policy ARN. */
static void decode_policy_ref(struct ld *ld, const struct ynode *y, const char *key,
			      const char *what, const struct bw_spec_baseline *b,
			      struct bw_spec_policy_ref *ref)
{
	const char *s = want_str(ld, y, key, what);
	char why[256];

	ref->loc.file = ld->file;
	ref->loc.line = y ? y->line : 0;
	ref->loc.column = y ? y->col : 0;
	if (!s)
		return;
	if (!strncmp(s, "arn:", 4)) {
		if (!bw_spec__check_policy_arn(s, why, sizeof(why)))
			err_at(ld, y, NULL, "'%s' in %s %s", s, what, why);
		ref->arn = s;
		return;
	}
	ref->policy = find_managed(b, s);
	if (!ref->policy) {
		const char **c = calloc(b->n_managed_policies + 1, sizeof(*c));
		const char *hint = NULL;
		for (size_t i = 0; c && i < b->n_managed_policies; i++)
			c[i] = b->managed_policies[i].name;
		if (c)
			hint = suggest(ld, s, c, b->n_managed_policies);
		free(c);
		err_at(ld, y, hint ? hint : "declare it under the baseline's managed_policies: or "
		       "write its ARN", "%s refers to managed policy '%s', which baseline '%s' does "
		       "not declare", what, s, b->name);
	}
}

static bool is_admin_arn(const char *arn)
{
	const char *p = arn ? strstr(arn, ":iam::aws:policy/") : NULL;

	return p && (!strcmp(p + 17, "AdministratorAccess") ||
		     !strcmp(p + 17, "IAMFullAccess") ||
		     !strcmp(p + 17, "PowerUserAccess"));
}

static void decode_role(struct ld *ld, const struct ynode *r, struct bw_spec_baseline *b,
			struct bw_spec_role *role, bool *boundary_used, bool *managed_used_normal,
			bool *managed_used_bg)
{
	static const char *const keys[] = { "name", "description", "path", "max_session",
					    "break_glass", "trust", "policies", "boundary", "tags",
					    NULL };
	static const char *const pkeys[] = { "inline", "managed", NULL };
	static const char *const ikeys[] = { "name", "file", "document", NULL };
	const struct ynode *y, *pol;
	char what[300];
	const char *s;

	role->name = get_str(ld, r, "name", "role", true, "bulwark-deployer");
	snprintf(what, sizeof(what), "role '%s' of baseline '%s'", role->name ? role->name : "?",
		 b->name);
	role->name = role->name ? role->name : "";
	check_keys(ld, r, keys, what);
	role->loc.file = ld->file;
	role->loc.line = r->line;
	role->loc.column = r->col;
	check_rule(ld, mget(r, "name"), role->name[0] ? role->name : NULL, "role name",
		   role_name_rule, NULL);
	s = get_str(ld, r, "description", what, false, "");
	role->description = s ? s : "";
	if (s)
		check_rule(ld, mget(r, "description"), s, "description", description_rule_1000, NULL);
	s = get_str(ld, r, "path", what, false, "/");
	role->path = s ? s : "/";
	if (s)
		check_rule(ld, mget(r, "path"), s, "role path", bw_spec__check_role_path, NULL);
	/* CreateRole MaxSessionDuration: 3600 to 43200 seconds. */
	role->max_session = (int)get_duration(ld, r, "max_session", what, 3600, 43200, 3600);
	role->break_glass = get_bool(ld, r, "break_glass", what, false);
	role->tags = get_tags(ld, r, what, &role->n_tags);

	y = mget(r, "trust");
	if (!y)
		err_at(ld, r, "add 'trust: { file: ../policies/iam/trust-management.json }'",
		       "%s has no trust policy", what);
	else if (want_map(ld, y, "trust", what)) {
		static const char *const tkeys[] = { "file", "document", NULL };
		char twhat[340];
		snprintf(twhat, sizeof(twhat), "the trust policy of %s", what);
		check_keys(ld, y, tkeys, twhat);
		load_doc(ld, y, twhat, BW_POLICY_TRUST, 0, &role->trust);
	}

	pol = mget(r, "policies");
	if (pol && !is_null(pol) && want_map(ld, pol, "policies", what)) {
		const struct ynode *in = mget(pol, "inline"), *mg = mget(pol, "managed");
		check_keys(ld, pol, pkeys, what);
		if (in && !is_null(in) && want_seq(ld, in, "inline", what)) {
			struct bw_spec_inline_policy *ip = aarray(ld, in->n, sizeof(*ip));
			struct ent *e = calloc(in->n + 1, sizeof(*e));
			size_t ne = 0;

			for (size_t i = 0; ip && i < in->n; i++) {
				const struct ynode *p = in->kids[i];
				struct bw_spec_inline_policy *x = &ip[role->n_inline];
				char iwhat[400];

				if (!want_map(ld, p, "inline", what))
					continue;
				x->name = get_str(ld, p, "name", what, true, "deploy");
				snprintf(iwhat, sizeof(iwhat), "inline policy '%s' of %s",
					 x->name ? x->name : "?", what);
				check_keys(ld, p, ikeys, iwhat);
				if (!x->name)
					continue;
				check_rule(ld, mget(p, "name"), x->name, "policy name",
					   policy_name_rule, NULL);
				if (e)
					e[ne++] = (struct ent){ x->name, x, mget(p, "name"), i };
				load_doc(ld, p, iwhat, BW_POLICY_IDENTITY, BW_POLICY_INLINE |
					 (role->break_glass ? BW_POLICY_ALLOW_ADMIN : 0), &x->doc);
				role->n_inline++;
			}
			if (e)
				index_build(ld, e, ne, false, "inline policy", "give each policy of a "
					    "role its own name");
			free(e);
			role->inline_policies = ip;
		}
		if (mg && !is_null(mg) && want_seq(ld, mg, "managed", what)) {
			struct bw_spec_policy_ref *mp = aarray(ld, mg->n, sizeof(*mp));
			/* IAM attaches at most 10 managed policies to a role by default. */
			if (mg->n > 10)
				err_at(ld, mg, "keep at most 10", "%s attaches %zu managed policies; "
				       "IAM allows 10 per role", what, mg->n);
			for (size_t i = 0; mp && i < mg->n; i++) {
				struct bw_spec_policy_ref *x = &mp[role->n_managed];
				decode_policy_ref(ld, mg->kids[i], "managed", what, b, x);
				if (x->policy) {
					size_t idx = (size_t)(x->policy - b->managed_policies);
					if (role->break_glass)
						managed_used_bg[idx] = true;
					else
						managed_used_normal[idx] = true;
				}
				if (!role->break_glass && is_admin_arn(x->arn))
					err_at(ld, mg->kids[i], "mark the role 'break_glass: true' or "
					       "attach a narrower policy", "%s attaches '%s', an "
					       "administrator grant, but is not a break-glass role",
					       what, x->arn);
				if (x->arn || x->policy)
					role->n_managed++;
			}
			role->managed = mp;
		}
	}
	y = mget(r, "boundary");
	if (y && !is_null(y)) {
		decode_policy_ref(ld, y, "boundary", what, b, &role->boundary);
		if (role->boundary.policy)
			boundary_used[role->boundary.policy - b->managed_policies] = true;
	}
}

static void decode_password_policy(struct ld *ld, const struct ynode *y, const char *what,
				   struct bw_spec_password_policy *pp)
{
	static const char *const keys[] = { "min_length", "require_symbols", "require_numbers",
					    "require_uppercase", "require_lowercase",
					    "allow_users_to_change", "max_age_days",
					    "reuse_prevention", "hard_expiry", NULL };
	char pwhat[340];

	if (!y || is_null(y) || !want_map(ld, y, "password_policy", what))
		return;
	snprintf(pwhat, sizeof(pwhat), "the password policy of %s", what);
	check_keys(ld, y, keys, pwhat);
	pp->present = true;
	/* UpdateAccountPasswordPolicy ranges. */
	pp->min_length = (int)get_int(ld, y, "min_length", pwhat, 6, 128, 14);
	pp->require_symbols = get_bool(ld, y, "require_symbols", pwhat, true);
	pp->require_numbers = get_bool(ld, y, "require_numbers", pwhat, true);
	pp->require_uppercase = get_bool(ld, y, "require_uppercase", pwhat, true);
	pp->require_lowercase = get_bool(ld, y, "require_lowercase", pwhat, true);
	pp->allow_users_to_change = get_bool(ld, y, "allow_users_to_change", pwhat, true);
	pp->max_age_days = (int)get_int(ld, y, "max_age_days", pwhat, 1, 1095, 0);
	pp->reuse_prevention = (int)get_int(ld, y, "reuse_prevention", pwhat, 1, 24, 0);
	pp->hard_expiry = get_bool(ld, y, "hard_expiry", pwhat, false);
}

static void decode_baseline(struct ld *ld, const struct ynode *y, struct bw_spec_baseline *b)
{
	static const char *const keys[] = { "name", "roles", "managed_policies",
					    "password_policy", "alias", NULL };
	static const char *const mkeys[] = { "name", "description", "path", "file", "document",
					     "break_glass", NULL };
	const struct ynode *mp = mget(y, "managed_policies"), *roles = mget(y, "roles");
	struct bw_spec_managed_policy *m = NULL;
	const struct ynode **mnodes = NULL;
	bool *bused = NULL, *mused = NULL, *mused_bg = NULL, *mbg = NULL;
	char what[300];
	struct ent *e = NULL;
	size_t ne = 0;

	b->name = get_str(ld, y, "name", "baseline", true, "workload");
	snprintf(what, sizeof(what), "baseline '%s'", b->name ? b->name : "?");
	b->name = b->name ? b->name : "";
	b->loc.file = ld->file;
	b->loc.line = y->line;
	b->loc.column = y->col;
	check_keys(ld, y, keys, what);
	b->alias = get_str(ld, y, "alias", what, false, "");
	if (b->alias) {
		char *probe = NULL;
		struct bw_error e2;
		bw_error_clear(&e2);
		if (bw_spec_expand(&probe, b->alias, "x", "x", NULL, &e2))
			err_at(ld, mget(y, "alias"), NULL, "%s", e2.message);
		free(probe);
	}
	decode_password_policy(ld, mget(y, "password_policy"), what, &b->password_policy);

	/* Managed policies first (roles refer to them), documents later. */
	if (mp && !is_null(mp) && want_seq(ld, mp, "managed_policies", what)) {
		m = aarray(ld, mp->n, sizeof(*m));
		mnodes = calloc(mp->n + 1, sizeof(*mnodes));
		mbg = calloc(mp->n + 1, sizeof(*mbg));
		e = calloc(mp->n + 1, sizeof(*e));
		if (!mnodes || !mbg || !e)
			ld->nomem = true;
		for (size_t i = 0; m && mnodes && mbg && e && i < mp->n; i++) {
			const struct ynode *p = mp->kids[i];
			struct bw_spec_managed_policy *x = &m[b->n_managed_policies];
			const char *s;
			char mwhat[400];

			if (!want_map(ld, p, "managed_policies", what))
				continue;
			x->name = get_str(ld, p, "name", what, true, "bulwark-boundary");
			snprintf(mwhat, sizeof(mwhat), "managed policy '%s' of %s",
				 x->name ? x->name : "?", what);
			check_keys(ld, p, mkeys, mwhat);
			if (!x->name)
				continue;
			check_rule(ld, mget(p, "name"), x->name, "policy name", policy_name_rule, NULL);
			s = get_str(ld, p, "description", mwhat, false, "");
			x->description = s ? s : "";
			if (s)
				check_rule(ld, mget(p, "description"), s, "description",
					   description_rule_1000, NULL);
			s = get_str(ld, p, "path", mwhat, false, "/");
			x->path = s ? s : "/";
			if (s)
				check_rule(ld, mget(p, "path"), s, "policy path",
					   bw_spec__check_policy_path, NULL);
			x->loc.file = ld->file;
			x->loc.line = p->line;
			x->loc.column = p->col;
			mbg[b->n_managed_policies] = get_bool(ld, p, "break_glass", mwhat, false);
			mnodes[b->n_managed_policies] = p;
			e[ne++] = (struct ent){ x->name, x, mget(p, "name"), i };
			b->n_managed_policies++;
		}
		if (e)
			index_build(ld, e, ne, false, "managed policy",
				    "give each managed policy of a baseline its own name");
		b->managed_policies = m;
	}
	bused = calloc(b->n_managed_policies + 1, 1);
	mused = calloc(b->n_managed_policies + 1, 1);
	mused_bg = calloc(b->n_managed_policies + 1, 1);
	if (!bused || !mused || !mused_bg) {
		ld->nomem = true;
		goto out;
	}
	if (!roles || is_null(roles)) {
		warn_at(ld, y, "add roles: unless the baseline only sets the password policy",
			"%s creates no roles", what);
	} else if (want_seq(ld, roles, "roles", what)) {
		struct bw_spec_role *r = aarray(ld, roles->n, sizeof(*r));
		struct ent *re = calloc(roles->n + 1, sizeof(*re));
		size_t nre = 0;
		for (size_t i = 0; r && i < roles->n; i++) {
			if (!want_map(ld, roles->kids[i], "roles", what))
				continue;
			decode_role(ld, roles->kids[i], b, &r[b->n_roles], bused, mused, mused_bg);
			if (re && r[b->n_roles].name[0])
				re[nre++] = (struct ent){ r[b->n_roles].name, &r[b->n_roles],
							  mget(roles->kids[i], "name"), i };
			b->n_roles++;
		}
		if (re)
			index_build(ld, re, nre, false, "role", "give each role of a baseline its "
				    "own name");
		free(re);
		b->roles = r;
	}
	for (size_t i = 0; i < b->n_managed_policies; i++) {
		struct bw_spec_managed_policy *x = &m[i];
		char mwhat[400];

		snprintf(mwhat, sizeof(mwhat), "managed policy '%s' of %s", x->name, what);
		load_doc(ld, mnodes[i], mwhat, bused[i] ? BW_POLICY_BOUNDARY : BW_POLICY_IDENTITY,
			 mbg[i] ? BW_POLICY_ALLOW_ADMIN : 0, &x->doc);
		if (mbg[i] && mused[i])
			err_at(ld, mnodes[i], "attach it only to roles with 'break_glass: true'",
			       "%s may grant administrator access (break_glass: true) but is "
			       "attached to a role that is not break-glass", mwhat);
		if (!bused[i] && !mused[i] && !mused_bg[i])
			warn_at(ld, mnodes[i], "attach it to a role or remove it",
				"%s is attached to no role", mwhat);
	}
out:
	free(e);
	free(mnodes);
	free(mbg);
	free(bused);
	free(mused);
	free(mused_bg);
}

static void decode_baselines(struct ld *ld, const struct ynode *root)
{
	const struct ynode *y = mget(root, "baselines");
	struct bw_spec *sp = ld->spec;
	struct ent *e;
	size_t ne = 0;

	if (!y || is_null(y) || !want_seq(ld, y, "baselines", "the spec"))
		return;
	sp->baselines = aarray(ld, y->n, sizeof(*sp->baselines));
	e = calloc(y->n + 1, sizeof(*e));
	if (!e)
		ld->nomem = true;
	for (size_t i = 0; sp->baselines && e && i < y->n; i++) {
		struct bw_spec_baseline *b = &sp->baselines[sp->n_baselines];

		if (!want_map(ld, y->kids[i], "baselines", "the spec"))
			continue;
		decode_baseline(ld, y->kids[i], b);
		if (b->name[0])
			e[ne++] = (struct ent){ b->name, b, mget(y->kids[i], "name"), i };
		sp->n_baselines++;
	}
	if (e)
		index_build(ld, e, ne, false, "baseline", "give each baseline its own name");
	free(e);
}

static const struct bw_spec_baseline *resolve_baseline(struct ld *ld, const struct ynode *y,
						       const char *name, const char *what)
{
	struct bw_spec *sp = ld->spec;
	const char **c;
	const char *hint = NULL;

	for (size_t i = 0; i < sp->n_baselines; i++)
		if (!strcmp(sp->baselines[i].name, name))
			return &sp->baselines[i];
	c = calloc(sp->n_baselines + 1, sizeof(*c));
	for (size_t i = 0; c && i < sp->n_baselines; i++)
		c[i] = sp->baselines[i].name;
	if (c)
		hint = suggest(ld, name, c, sp->n_baselines);
	free(c);
	err_at(ld, y, hint ? hint : "declare it under 'baselines:'",
	       "%s refers to baseline '%s', which the spec does not declare", what, name);
	return NULL;
}

/* ---- accounts ------------------------------------------------------------- */

static void decode_accounts(struct ld *ld, const struct ynode *root)
{
	static const char *const keys[] = { "name", "email", "unit", "environment", "tags",
					    "baseline", NULL };
	const struct ynode *y = mget(root, "accounts");
	struct bw_spec *sp = ld->spec;
	struct ent *names = NULL, *emails = NULL, *aliases = NULL;
	size_t nn = 0, nem = 0, nal = 0;

	if (!y || is_null(y)) {
		warn_at(ld, root, "add accounts: with dev, staging and prod accounts",
			"the spec declares no accounts");
		return;
	}
	if (!want_seq(ld, y, "accounts", "the spec"))
		return;
	sp->accounts = aarray(ld, y->n, sizeof(*sp->accounts));
	names = calloc(y->n + 1, sizeof(*names));
	emails = calloc(y->n + 1, sizeof(*emails));
	aliases = calloc(y->n + 1, sizeof(*aliases));
	if (!names || !emails || !aliases) {
		ld->nomem = true;
		goto out;
	}
	for (size_t i = 0; sp->accounts && i < y->n; i++) {
		const struct ynode *a = y->kids[i], *n;
		struct bw_spec_account *x = &sp->accounts[sp->n_accounts];
		const char *s;
		char what[300];
		size_t j;

		if (!want_map(ld, a, "accounts", "the spec"))
			continue;
		x->name = get_str(ld, a, "name", "account", true, "acme-prod");
		snprintf(what, sizeof(what), "account '%s'", x->name ? x->name : "?");
		check_keys(ld, a, keys, what);
		x->loc.file = ld->file;
		x->loc.line = a->line;
		x->loc.column = a->col;
		if (x->name) {
			check_rule(ld, mget(a, "name"), x->name, "account name",
				   bw_spec__check_account_name,
				   "use at most 50 printable ASCII characters");
			names[nn++] = (struct ent){ x->name, x, mget(a, "name"), i };
		}
		x->email = get_str(ld, a, "email", what, true, "aws+prod@example.com");
		if (x->email) {
			check_rule(ld, mget(a, "email"), x->email, "email", bw_spec__check_email,
				   "write an address such as aws+prod@example.com");
			emails[nem++] = (struct ent){ x->email, x, mget(a, "email"), i };
		}
		s = get_str(ld, a, "unit", what, true, "Workloads/Prod");
		if (s) {
			if (!strcmp(s, "Root"))
				x->unit = NULL;
			else
				x->unit = resolve_unit(ld, mget(a, "unit"), s, what);
		}
		x->environment = get_str(ld, a, "environment", what, true, "prod");
		if (x->environment) {
			for (j = 0; j < sp->n_envs; j++)
				if (!strcmp(sp->envs[j], x->environment))
					break;
			if (j == sp->n_envs) {
				const char *hint = suggest(ld, x->environment, sp->envs, sp->n_envs);
				char h[256];
				if (!hint) {
					snprintf(h, sizeof(h), "write one of the spec's environments "
						 "(%s...) or add it under 'environments:'",
						 sp->n_envs ? sp->envs[0] : "");
					hint = h;
				}
				err_at(ld, mget(a, "environment"), hint,
				       "environment '%s' of %s is not one of the spec's environments",
				       x->environment, what);
			}
		}
		x->tags = get_tags(ld, a, what, &x->n_tags);
		n = mget(a, "baseline");
		if (n && !is_null(n) && (s = want_str(ld, n, "baseline", what)))
			x->baseline = resolve_baseline(ld, n, s, what);
		if (x->baseline && x->baseline->alias && x->name && x->environment) {
			char *al = NULL, why[256];
			struct bw_error e2;

			bw_error_clear(&e2);
			if (!bw_spec_expand(&al, x->baseline->alias, x->name, x->environment, NULL,
					    &e2)) {
				x->alias = astr(ld, al);
				if (!bw_spec__check_alias(al, why, sizeof(why)))
					err_at(ld, mget(a, "name"), "change the account name or the "
					       "baseline's alias pattern (lowercase letters, digits, "
					       "single '-', 3-63)", "account alias '%s' (from '%s' of "
					       "baseline '%s') %s", al, x->baseline->alias,
					       x->baseline->name, why);
				else
					aliases[nal++] = (struct ent){ x->alias, x, mget(a, "name"), i };
			}
			free(al);
		}
		sp->n_accounts++;
	}
	nn = index_build(ld, names, nn, false, "account name", "give each account its own name");
	/* AWS compares emails without regard to case. */
	index_build(ld, emails, nem, true, "account email",
		    "each account needs its own address (aws+NAME@example.com works)");
	index_build(ld, aliases, nal, false, "account alias",
		    "aliases are unique across AWS: change the alias pattern or the names");
	ld->aidx = names;
	ld->naidx = nn;
	names = NULL;
out:
	free(names);
	free(emails);
	free(aliases);
}

/* ---- guardrails ----------------------------------------------------------- */

/* Attachments by target, then guardrail, then file order. */
static int attach_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->ptr != y->ptr)
		return (uintptr_t)x->ptr < (uintptr_t)y->ptr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void decode_guardrails(struct ld *ld, const struct ynode *root)
{
	static const char *const keys[] = { "name", "description", "file", "document", "attach",
					    "vars", NULL };
	const struct ynode *y = mget(root, "guardrails");
	struct bw_spec *sp = ld->spec;
	struct ent *e = NULL, *att = NULL;
	size_t ne = 0, natt = 0, catt = 0;

	if (!y || is_null(y))
		return;
	if (!want_seq(ld, y, "guardrails", "the spec"))
		return;
	sp->guardrails = aarray(ld, y->n, sizeof(*sp->guardrails));
	e = calloc(y->n + 1, sizeof(*e));
	if (!e) {
		ld->nomem = true;
		return;
	}
	for (size_t i = 0; sp->guardrails && i < y->n; i++) {
		const struct ynode *g = y->kids[i], *at;
		struct bw_spec_guardrail *x = &sp->guardrails[sp->n_guardrails];
		struct bw_spec_target *t;
		const char *s;
		char what[300];

		if (!want_map(ld, g, "guardrails", "the spec"))
			continue;
		x->name = get_str(ld, g, "name", "guardrail", true, "deny-leave-org");
		snprintf(what, sizeof(what), "guardrail '%s'", x->name ? x->name : "?");
		check_keys(ld, g, keys, what);
		x->name = x->name ? x->name : "";
		x->loc.file = ld->file;
		x->loc.line = g->line;
		x->loc.column = g->col;
		/* organizations CreatePolicy: Name 1-128, Description 0-512. */
		if (x->name[0]) {
			char why[256];
			if (strlen(x->name) > 128 || !bw_spec__check_text(x->name, 128, why, sizeof(why)))
				err_at(ld, mget(g, "name"), "use at most 128 characters",
				       "guardrail name '%s' is too long or has control characters",
				       x->name);
			e[ne++] = (struct ent){ x->name, x, mget(g, "name"), i };
		}
		s = get_str(ld, g, "description", what, false, "");
		x->description = s ? s : "";
		if (s)
			check_rule(ld, mget(g, "description"), s, "description", description_rule_512,
				   NULL);
		x->doc.vars = decode_vars(ld, mget(g, "vars"), what, &x->doc.n_vars);
		load_doc(ld, g, what, BW_POLICY_SCP, 0, &x->doc);

		at = mget(g, "attach");
		if (!at || is_null(at)) {
			warn_at(ld, g, "add 'attach: [Root]' or unit paths or account names",
				"%s is attached to nothing", what);
		} else if (at->type == Y_SCALAR) {
			err_at(ld, at, "write a list: attach: [Root]",
			       "'attach' in %s must be a list, not a single value", what);
		} else if (want_seq(ld, at, "attach", what)) {
			t = aarray(ld, at->n, sizeof(*t));
			for (size_t j = 0; t && j < at->n; j++) {
				const struct ynode *tn = at->kids[j];
				struct bw_spec_target *tt = &t[x->n_targets];
				const struct bw_spec_unit *u;
				const struct bw_spec_account *acc;
				const char *key;

				if (!(s = want_str(ld, tn, "attach", what)))
					continue;
				tt->loc.file = ld->file;
				tt->loc.line = tn->line;
				tt->loc.column = tn->col;
				u = index_find(ld->uidx, ld->nuidx, s);
				acc = index_find(ld->aidx, ld->naidx, s);
				if (!strcmp(s, "Root")) {
					tt->kind = BW_SPEC_TARGET_ROOT;
					key = "R";
				} else if (u && acc) {
					err_at(ld, tn, "rename the unit or the account",
					       "'%s' in %s names both a unit and an account", s, what);
					continue;
				} else if (u) {
					tt->kind = BW_SPEC_TARGET_UNIT;
					tt->unit = u;
					key = afmt(ld, "u:%s", s);
				} else if (acc) {
					tt->kind = BW_SPEC_TARGET_ACCOUNT;
					tt->account = acc;
					key = afmt(ld, "a:%s", s);
				} else {
					const char **c = calloc(ld->nuidx + ld->naidx + 2, sizeof(*c));
					const char *hint = NULL;
					size_t nc = 0;
					if (c) {
						c[nc++] = "Root";
						for (size_t k = 0; k < ld->nuidx; k++)
							c[nc++] = ld->uidx[k].key;
						for (size_t k = 0; k < ld->naidx; k++)
							c[nc++] = ld->aidx[k].key;
						hint = suggest(ld, s, c, nc);
					}
					free(c);
					err_at(ld, tn, hint ? hint : "write Root, a unit path from "
					       "'units:' or an account name from 'accounts:'",
					       "%s attaches to '%s', which is neither the root, a unit "
					       "nor an account of the spec", what, s);
					continue;
				}
				if (natt == catt) {
					size_t nc = catt ? catt * 2 : 32;
					void *p = realloc(att, nc * sizeof(*att));
					if (!p) {
						ld->nomem = true;
						continue;
					}
					att = p;
					catt = nc;
				}
				att[natt] = (struct ent){ key, x, tn, natt };
				natt++;
				x->n_targets++;
			}
			x->targets = t;
		}
		sp->n_guardrails++;
	}
	index_build(ld, e, ne, false, "guardrail", "give each guardrail its own name");
	/*
	 * AWS attaches at most 5 SCPs to the root, a unit or an account, and
	 * FullAWSAccess (which deny-list guardrails need) takes one of them.
	 * The same guardrail twice on one target is a mistake too.
	 */
	if (natt) {
		qsort(att, natt, sizeof(*att), attach_cmp);
		for (size_t i = 0; i < natt;) {
			size_t j = i, distinct = 0, last = i;

			/* One target: same guardrails are adjacent (sorted by pointer). */
			for (; j < natt && !strcmp(att[j].key, att[i].key); j++) {
				if (j > i && att[j].ptr == att[j - 1].ptr)
					err_at(ld, att[j].at, "list each target once",
					       "guardrail '%s' is attached to '%s' twice",
					       ((const struct bw_spec_guardrail *)att[j].ptr)->name,
					       att[j].at->s);
				else
					distinct++;
				if (att[j].seq > att[last].seq)
					last = j;
			}
			if (distinct > 4)
				err_at(ld, att[last].at, "merge guardrails into fewer policies or attach "
				       "some to a parent unit", "'%s' would have %zu SCPs with "
				       "FullAWSAccess; AWS allows 5 per target", att[last].at->s,
				       distinct + 1);
			i = j;
		}
	}
	free(att);
	free(e);
}

/* ---- sandbox and secrets ------------------------------------------------- */

static void decode_sandbox(struct ld *ld, const struct ynode *root)
{
	static const char *const keys[] = { "unit", "email", "ttl", "max_ttl", "baseline", NULL };
	const struct ynode *y = mget(root, "sandbox"), *n;
	struct bw_spec_sandbox *sb = &ld->spec->sandbox;
	const char *s;

	if (!y || is_null(y) || !want_map(ld, y, "sandbox", "the spec"))
		return;
	check_keys(ld, y, keys, "sandbox");
	sb->present = true;
	sb->loc.file = ld->file;
	sb->loc.line = y->line;
	sb->loc.column = y->col;
	s = get_str(ld, y, "unit", "sandbox", true, "Sandbox");
	if (s && strcmp(s, "Root"))
		sb->unit = resolve_unit(ld, mget(y, "unit"), s, "sandbox");
	else if (s)
		err_at(ld, mget(y, "unit"), "give sandboxes their own unit, e.g. Sandbox",
		       "sandbox accounts cannot live at the root");
	sb->email = get_str(ld, y, "email", "sandbox", true, "aws+sandbox-{owner}@example.com");
	if (sb->email) {
		const char *p = strstr(sb->email, "{owner}");
		char *probe = NULL, why[256];
		struct bw_error e2;

		bw_error_clear(&e2);
		if (!p || strstr(p + 1, "{owner}")) {
			err_at(ld, mget(y, "email"), "write it once, e.g. aws+sandbox-{owner}@example.com",
			       "sandbox email '%s' must contain '{owner}' exactly once", sb->email);
		} else if (bw_spec_expand(&probe, sb->email, NULL, NULL, "x", &e2)) {
			err_at(ld, mget(y, "email"), NULL, "%s", e2.message);
		} else if (!bw_spec__check_email(probe, why, sizeof(why))) {
			err_at(ld, mget(y, "email"), "write an address such as "
			       "aws+sandbox-{owner}@example.com", "sandbox email '%s' %s", sb->email,
			       why);
		} else if (strlen(probe) - 1 > 64 - 8) {
			/* Owners need room: at least 8 characters of their name. */
			err_at(ld, mget(y, "email"), "shorten the fixed part of the address",
			       "sandbox email '%s' leaves room for only %zu characters of owner name "
			       "(AWS allows 64 in all)", sb->email, 64 - (strlen(probe) - 1));
		}
		free(probe);
	}
	/* TTLs: at least an hour, at most a year. */
	sb->ttl = get_duration(ld, y, "ttl", "sandbox", 3600, 366L * 86400, 7L * 86400);
	sb->max_ttl = get_duration(ld, y, "max_ttl", "sandbox", 3600, 366L * 86400, 30L * 86400);
	if (sb->ttl > sb->max_ttl)
		err_at(ld, mget(y, "ttl") ? mget(y, "ttl") : y, "lower ttl or raise max_ttl",
		       "sandbox ttl (%ld s) is longer than max_ttl (%ld s)", sb->ttl, sb->max_ttl);
	n = mget(y, "baseline");
	if (n && !is_null(n) && (s = want_str(ld, n, "baseline", "sandbox")))
		sb->baseline = resolve_baseline(ld, n, s, "sandbox");
}

static void decode_secrets(struct ld *ld, const struct ynode *root)
{
	static const char *const keys[] = { "prefix", "kms_key", NULL };
	const struct ynode *y = mget(root, "secrets");
	struct bw_spec_secrets *se = &ld->spec->secrets;
	struct bw_spec *sp = ld->spec;

	if (!y || is_null(y) || !want_map(ld, y, "secrets", "the spec"))
		return;
	check_keys(ld, y, keys, "secrets");
	se->present = true;
	se->loc.file = ld->file;
	se->loc.line = y->line;
	se->loc.column = y->col;
	se->prefix = get_str(ld, y, "prefix", "secrets", false, "");
	if (!se->prefix)
		se->prefix = "/bulwark/{environment}/";
	for (size_t i = 0; i < (sp->n_envs ? sp->n_envs : 1); i++) {
		char *probe = NULL, why[256];
		struct bw_error e2;

		bw_error_clear(&e2);
		if (bw_spec_expand(&probe, se->prefix, "acme-example",
				   sp->n_envs ? sp->envs[i] : "dev", NULL, &e2)) {
			err_at(ld, mget(y, "prefix"), NULL, "%s", e2.message);
			break;
		}
		if (!bw_spec__check_secret_name(probe, why, sizeof(why))) {
			err_at(ld, mget(y, "prefix"), "use letters, digits and /_+=.@-",
			       "secret prefix '%s' %s", se->prefix, why);
			free(probe);
			break;
		}
		free(probe);
	}
	se->kms_key = get_str(ld, y, "kms_key", "secrets", false, "");
	if (se->kms_key)
		check_rule(ld, mget(y, "kms_key"), se->kms_key, "kms_key", bw_spec__check_kms_key,
			   NULL);
}

/* ---- checks across sections --------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void collect_protected(struct ld *ld)
{
	struct bw_spec *sp = ld->spec;
	size_t n = 1, k = 0;
	const char **v;
	bool multi_boundary = false;

	for (size_t i = 0; i < sp->n_baselines; i++)
		n += sp->baselines[i].n_roles;
	v = aarray(ld, n, sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < sp->n_baselines; i++) {
		for (size_t j = 0; j < sp->baselines[i].n_roles; j++) {
			const struct bw_spec_role *r = &sp->baselines[i].roles[j];
			const struct bw_spec_managed_policy *bp = r->boundary.policy;

			if (!r->name[0])
				continue;
			if (!strcmp(r->name, sp->org.access_role)) {
				struct ynode at = { .line = r->loc.line, .col = r->loc.column };
				err_at(ld, &at, "give the role another name",
				       "role '%s' of baseline '%s' is the access role bulwark uses to "
				       "reach member accounts", r->name, sp->baselines[i].name);
			}
			/* As the role appears after "role/" in its ARN. */
			v[k++] = strcmp(r->path, "/") ? afmt(ld, "%s%s", r->path + 1, r->name)
						       : r->name;
			if (bp) {
				const char *bn = strcmp(bp->path, "/") ?
					afmt(ld, "%s%s", bp->path + 1, bp->name) : bp->name;
				if (!sp->boundary_name)
					sp->boundary_name = bn;
				else if (strcmp(sp->boundary_name, bn))
					multi_boundary = true;
			}
		}
	}
	if (multi_boundary)
		sp->boundary_name = NULL;
	qsort(v, k, sizeof(*v), cmp_str);
	n = 0;
	for (size_t i = 0; i < k; i++)
		if (!n || strcmp(v[i], v[n - 1]))
			v[n++] = v[i];
	sp->protected_roles = v;
	sp->n_protected = n;
}

struct var_report {
	struct ld *ld;
	const struct bw_spec_doc *doc;
	const char *what;
	bool has_account;
};

/* Position of the first "${name}" in text (1-based), or false. */
static bool find_var(const char *text, size_t len, const char *name, size_t nl, int *line,
		     int *col)
{
	int l = 1, c = 1;

	for (size_t i = 0; i + nl + 3 <= len; i++) {
		if (text[i] == '$' && text[i + 1] == '{' && !strncmp(text + i + 2, name, nl) &&
		    text[i + 2 + nl] == '}') {
			*line = l;
			*col = c;
			return true;
		}
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			c++;
		}
	}
	return false;
}

/* A problem from bw_policy_render: put it where the variable is written. */
static void on_render_problem(void *ctx, int line, int column, const char *message)
{
	struct var_report *r = ctx;
	const struct bw_spec_doc *d = r->doc;
	struct ynode ref = { .line = d->loc.line, .col = d->loc.column };
	const char *open = strstr(message, "'${"), *close = open ? strchr(open, '}') : NULL;
	const char *hint = NULL;

	if (open && close && !line) {
		const char *name = open + 3;
		size_t nl = (size_t)(close - name);
		if (!r->has_account && ((nl == 12 && !strncmp(name, "account_name", nl)) ||
					(nl == 10 && !strncmp(name, "account_id", nl)) ||
					(nl == 11 && !strncmp(name, "environment", nl))))
			hint = "account variables are only known in baseline policies";
		if (d->path)
			find_var(d->text, d->len, name, nl, &line, &column);
	}
	if (d->path && line > 0)
		err_file(r->ld, d->path, line, column > 0 ? column : 1, &ref, hint,
			 "in the policy of %s: %s", r->what, message);
	else
		err_at(r->ld, &ref, hint, "in the policy of %s: %s", r->what, message);
}

/* Placeholders for what is only known at run time. */
static const struct bw_spec_runtime placeholder_rt = {
	"000000000000", "o-exampleorgid", "111111111111",
};

/*
 * Render doc with placeholders for what is learnt at run time, so unknown
 * variables and documents that only outgrow their limit once variables
 * are filled in are caught before any call.  Returns the rendered length
 * (0 if it could not be rendered).
 */
static size_t check_render(struct ld *ld, const struct bw_spec_doc *doc, const char *what,
			   const struct bw_spec_account *acct)
{
	struct var_report r = { ld, doc, what, acct != NULL };
	size_t max_len = bw_policy_limit(doc->kind, doc->flags), len = 0;
	struct bw_error e2;
	char *out = NULL;
	int rc;

	if (!doc->text)
		return 0;
	bw_error_clear(&e2);
	rc = bw_spec__render(&out, ld->spec, doc, &placeholder_rt, acct, on_render_problem, &r,
			     &e2);
	if (rc == BW_ERR_NOMEM)
		ld->nomem = true;
	if (rc)
		return 0;
	len = bw_policy_minified_len(out, strlen(out));	/* as AWS counts */
	/* Only when the template itself fits: bw_policy_validate reported that. */
	if (len > max_len && bw_policy_minified_len(doc->text, doc->len) <= max_len) {
		struct ynode at = { .line = doc->loc.line, .col = doc->loc.column };
		err_at(ld, &at, doc->kind == BW_POLICY_SCP ?
		       "shorten the policy, use wildcards, or split it into two guardrails" :
		       "shorten the policy or split it", "the policy of %s is %zu characters once "
		       "variables are substituted and whitespace removed; AWS allows %zu", what, len,
		       max_len);
	}
	free(out);
	return len;
}

static void check_documents(struct ld *ld)
{
	struct bw_spec *sp = ld->spec;
	struct bw_spec_account sample = { 0 };
	char what[400];

	for (size_t i = 0; i < sp->n_guardrails; i++) {
		snprintf(what, sizeof(what), "guardrail '%s'", sp->guardrails[i].name);
		check_render(ld, &sp->guardrails[i].doc, what, NULL);
	}
	for (size_t i = 0; i < sp->n_baselines; i++) {
		const struct bw_spec_baseline *b = &sp->baselines[i];
		const struct bw_spec_account *acct = &sample;

		/* The first account of the baseline gives realistic values. */
		sample.name = "example-account";
		sample.environment = sp->n_envs ? sp->envs[0] : "dev";
		for (size_t j = 0; j < sp->n_accounts; j++)
			if (sp->accounts[j].baseline == b) {
				acct = &sp->accounts[j];
				break;
			}
		for (size_t j = 0; j < b->n_managed_policies; j++) {
			snprintf(what, sizeof(what), "managed policy '%s' of baseline '%s'",
				 b->managed_policies[j].name, b->name);
			check_render(ld, &b->managed_policies[j].doc, what, acct);
		}
		for (size_t j = 0; j < b->n_roles; j++) {
			const struct bw_spec_role *r = &b->roles[j];
			size_t total = 0;

			snprintf(what, sizeof(what), "role '%s' of baseline '%s'", r->name, b->name);
			check_render(ld, &r->trust, what, acct);
			for (size_t k = 0; k < r->n_inline; k++)
				total += check_render(ld, &r->inline_policies[k].doc, what, acct);
			/* IAM counts a role's inline policies together. */
			if (total > BW_POLICY_MAX_INLINE) {
				struct ynode at = { .line = r->loc.line, .col = r->loc.column };
				err_at(ld, &at, "move some statements into a managed policy",
				       "the inline policies of %s are %zu characters together; IAM "
				       "allows %d per role", what, total, BW_POLICY_MAX_INLINE);
			}
		}
	}
	for (size_t i = 0; i < sp->n_baselines; i++) {
		bool used = sp->sandbox.baseline == &sp->baselines[i];
		for (size_t j = 0; !used && j < sp->n_accounts; j++)
			used = sp->accounts[j].baseline == &sp->baselines[i];
		if (!used) {
			struct ynode at = { .line = sp->baselines[i].loc.line,
					    .col = sp->baselines[i].loc.column };
			warn_at(ld, &at, "give it to an account with 'baseline:' or remove it",
				"baseline '%s' is used by no account", sp->baselines[i].name);
		}
	}
}

/* ---- loading -------------------------------------------------------------- */

static const char *const top_keys[] = { "version", "organization", "environments", "vars",
					"units", "accounts", "guardrails", "baselines", "sandbox",
					"secrets", NULL };

static void decode(struct ld *ld, const struct ynode *root)
{
	const struct ynode *v;

	check_keys(ld, root, top_keys, "the spec");
	v = mget(root, "version");
	if (!v)
		err_at(ld, root, "add 'version: 1' as the first line", "the spec has no 'version'");
	else if (v->type != Y_SCALAR || strcmp(v->s, "1"))
		err_at(ld, v, "write 'version: 1'", "spec version '%s' is not supported by this "
		       "bulwark", v->type == Y_SCALAR ? v->s : type_name(v));
	decode_envs(ld, root);
	ld->spec->vars = decode_vars(ld, mget(root, "vars"), "the spec", &ld->spec->n_vars);
	decode_org(ld, root);
	decode_units(ld, root);
	index_units(ld);
	decode_baselines(ld, root);
	decode_accounts(ld, root);
	decode_guardrails(ld, root);
	decode_sandbox(ld, root);
	decode_secrets(ld, root);
	if (ld->nomem)
		return;
	collect_protected(ld);
	check_documents(ld);
}

/* The spec's own problems first, then each policy file's, by position. */
static int problem_cmp(const struct bw_spec_problem *x, const struct bw_spec_problem *y,
		       const char *spec_file)
{
	bool xs = !strcmp(x->file, spec_file), ys = !strcmp(y->file, spec_file);
	int c;

	if (xs != ys)
		return xs ? -1 : 1;
	if ((c = strcmp(x->file, y->file)))
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return 0;
}

/* Insertion sort: stable, and the lists are short. */
static void sort_problems(struct bw_spec_diag *d, size_t from, const char *spec_file)
{
	for (size_t i = from + 1; i < d->n; i++) {
		struct bw_spec_problem p = d->items[i];
		size_t j = i;
		while (j > from && problem_cmp(&d->items[j - 1], &p, spec_file) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = p;
	}
}

void bw_spec_free(struct bw_spec *spec)
{
	struct arena ar;

	if (!spec)
		return;
	ar = spec->ar;
	arena_free(&ar);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return bw_strdup(".");
	if (slash == path)
		return bw_strdup("/");
	return xfmt("%.*s", (int)(slash - path), path);
}

int bw_spec_load_mem(struct bw_spec **out, const char *name, const char *base_dir,
		     const char *text, size_t len, struct bw_spec_diag *diags,
		     struct bw_error *err)
{
	struct bw_spec_diag local = BW_SPEC_DIAG_INIT;
	struct arena ar = { NULL };
	struct bw_spec *sp;
	struct ld ld;
	struct ynode *root;
	size_t first;
	int rc = 0;

	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	ld.d = diags ? diags : &local;
	first = ld.first = ld.d->n;
	sp = arena_alloc(&ar, sizeof(*sp));
	if (!sp) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory loading the spec");
		goto out;
	}
	ld.spec = sp;
	ld.ar = &ar;
	sp->path = ld.file = astr(&ld, name ? name : "spec");
	sp->base_dir = astr(&ld, base_dir ? base_dir : ".");
	sp->org.feature_set = "ALL";
	sp->org.access_role = "OrganizationAccountAccessRole";
	sp->envs = (const char **)default_envs;
	sp->n_envs = BW_ARRAY_SIZE(default_envs);
	if (!text) {
		text = "";
		len = 0;
	}
	if (len > BW_SPEC_MAX_FILE) {
		struct ynode at = { .line = 1, .col = 1 };
		err_at(&ld, &at, "a spec is a few KiB: check that this is the right file",
		       "the spec is %zu bytes; bulwark reads at most %zu", len, BW_SPEC_MAX_FILE);
		goto done;
	}
	root = parse_yaml(&ld, text, len);
	if (!root) {
		if (!ld.errors && !ld.nomem) {
			struct ynode at = { .line = 1, .col = 1 };
			err_at(&ld, &at, "start from templates/org.yaml", "the spec is empty");
		}
		goto done;
	}
	if (root->type != Y_MAP) {
		if (is_null(root))
			err_at(&ld, root, "start from templates/org.yaml", "the spec is empty");
		else
			err_at(&ld, root, "start with 'version: 1' and the keys organization:, units:, "
			       "accounts:, ... (see templates/org.yaml)",
			       "the spec must be a mapping of keys, not %s", type_name(root));
		goto done;
	}
	decode(&ld, root);
done:
	free(ld.uidx);
	free(ld.aidx);
	if (ld.nomem) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory loading spec '%s'", name);
		goto out;
	}
	sort_problems(ld.d, first, ld.file);
	if (ld.dropped) {
		struct ynode at = { .line = 1, .col = 1 };

		ld.first = ld.d->n;	/* the summary itself is not capped */
		err_at(&ld, &at, "fix the problems shown first", "%zu more problems not shown",
		       ld.dropped);
		ld.errors--;		/* it is not a problem of its own */
	}
	if (ld.errors) {
		rc = bw_error_set(err, BW_ERR_INVALID, "spec '%s' has %zu error%s", ld.file,
				  ld.errors, ld.errors == 1 ? "" : "s");
		goto out;
	}
	sp->ar = ar;
	*out = sp;
	ar.head = NULL;
out:
	arena_free(&ar);
	bw_spec_diag_release(&local);
	return rc;
}

int bw_spec_load(struct bw_spec **out, const char *path, struct bw_spec_diag *diags,
		 struct bw_error *err)
{
	char *text, *dir;
	size_t len = 0;
	int errnum, rc;

	*out = NULL;
	text = read_small_file(path, BW_SPEC_MAX_FILE, &len, &errnum);
	if (!text) {
		if (errnum == ENOMEM)
			return bw_error_set(err, BW_ERR_NOMEM, "out of memory reading spec '%s'", path);
		if (errnum == EFBIG)
			return bw_error_set(err, BW_ERR_INVALID, "spec '%s' is larger than %zu bytes; "
					    "check that this is the right file", path,
					    BW_SPEC_MAX_FILE);
		if (errnum == ENOENT)
			return bw_error_set(err, BW_ERR_INVALID, "cannot read spec '%s': %s; pass "
					    "--spec FILE or start from templates/org.yaml", path,
					    strerror(errnum));
		return bw_error_set(err, errnum == EISDIR || errnum == EINVAL ? BW_ERR_INVALID
				    : BW_ERR_IO, "cannot read spec '%s': %s", path,
				    errnum == EINVAL ? "not a regular file" : strerror(errnum));
	}
	dir = dir_of(path);
	if (!dir) {
		free(text);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	rc = bw_spec_load_mem(out, path, dir, text, len, diags, err);
	free(dir);
	free(text);
	return rc;
}

int bw_spec_locate(const char **out, const char **source, const char *flag,
		   struct bw_error *err)
{
	const char *env = getenv("BULWARK_SPEC");

	if (out)
		*out = NULL;
	if (flag) {
		if (out)
			*out = flag;
		if (source)
			*source = "--spec";
		return 0;
	}
	if (env && *env) {
		if (out)
			*out = env;
		if (source)
			*source = "BULWARK_SPEC";
		return 0;
	}
	if (access("bulwark.yaml", F_OK))
		return bw_error_set(err, BW_ERR_INVALID, "no spec: pass --spec FILE, set "
				    "BULWARK_SPEC, or create ./bulwark.yaml (start from "
				    "templates/org.yaml)");
	if (out)
		*out = "bulwark.yaml";
	if (source)
		*source = "default";
	return 0;
}

/* ---- accessors ------------------------------------------------------------ */

#define LIST(fn, type, field, count)						\
	const type *fn(const struct bw_spec *spec, size_t *n)			\
	{									\
		if (n)								\
			*n = spec->count;					\
		return spec->field;						\
	}

LIST(bw_spec_units, struct bw_spec_unit, units, n_units)
LIST(bw_spec_accounts, struct bw_spec_account, accounts, n_accounts)
LIST(bw_spec_guardrails, struct bw_spec_guardrail, guardrails, n_guardrails)
LIST(bw_spec_baselines, struct bw_spec_baseline, baselines, n_baselines)
LIST(bw_spec_vars, struct bw_spec_var, vars, n_vars)
#undef LIST

const char *const *bw_spec_environments(const struct bw_spec *spec, size_t *n)
{
	if (n)
		*n = spec->n_envs;
	return spec->envs;
}

const char *const *bw_spec_protected_roles(const struct bw_spec *spec, size_t *n)
{
	if (n)
		*n = spec->n_protected;
	return spec->protected_roles;
}

const char *bw_spec__boundary_name(const struct bw_spec *spec)
{
	return spec->boundary_name;
}

const char *bw_spec_path(const struct bw_spec *spec)
{
	return spec->path;
}

const struct bw_spec_org *bw_spec_org(const struct bw_spec *spec)
{
	return &spec->org;
}

const struct bw_spec_sandbox *bw_spec_sandbox(const struct bw_spec *spec)
{
	return &spec->sandbox;
}

const struct bw_spec_secrets *bw_spec_secrets(const struct bw_spec *spec)
{
	return &spec->secrets;
}

const struct bw_spec_unit *bw_spec_find_unit(const struct bw_spec *spec, const char *path)
{
	for (size_t i = 0; path && i < spec->n_units; i++)
		if (!strcmp(spec->units[i].path, path))
			return &spec->units[i];
	return NULL;
}

const struct bw_spec_account *bw_spec_find_account(const struct bw_spec *spec, const char *name)
{
	for (size_t i = 0; name && i < spec->n_accounts; i++)
		if (!strcmp(spec->accounts[i].name, name))
			return &spec->accounts[i];
	return NULL;
}

const struct bw_spec_baseline *bw_spec_find_baseline(const struct bw_spec *spec,
						     const char *name)
{
	for (size_t i = 0; name && i < spec->n_baselines; i++)
		if (!strcmp(spec->baselines[i].name, name))
			return &spec->baselines[i];
	return NULL;
}

const struct bw_spec_guardrail *bw_spec_find_guardrail(const struct bw_spec *spec,
						       const char *name)
{
	for (size_t i = 0; name && i < spec->n_guardrails; i++)
		if (!strcmp(spec->guardrails[i].name, name))
			return &spec->guardrails[i];
	return NULL;
}
