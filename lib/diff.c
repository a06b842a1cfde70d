/*
 * diff.c - compare the spec with the live state the engine read and turn
 * every difference into a change of the plan, in an order apply can follow
 * (organization, policy type, OUs parent first, SCPs, accounts, moves,
 * attachments, then each account's baseline: its managed policies before
 * the roles that use them).  Policy documents are compared by meaning.
 * Nothing is changed here and no call is made.
 */
#include <stdarg.h>
#include <stdio.h>

#include "bulwark/policy.h"
#include "engine-internal.h"
#include "internal.h"

#define NOMEM(err) bw_error_set(err, BW_ERR_NOMEM, "out of memory")

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	struct bw_buf b = BW_BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = bw_buf_vaddf(&b, f, ap);
	va_end(ap);
	if (rc) {
		bw_buf_release(&b);
		return NULL;
	}
	return bw_buf_detach(&b, NULL);
}

/* Add c with what (owned by us, freed here) to p. */
static int add(struct bw_plan *p, struct bw_change *c, char *what, struct bw_error *err)
{
	int rc;

	if (!what)
		return NOMEM(err);
	c->what = what;
	rc = bw_plan_add(p, c, NULL);
	free(what);
	c->what = NULL;
	return rc ? NOMEM(err) : 0;
}

/* A readable diff of two documents, indented under the change. */
static char *doc_diff(const char *old, const char *new)
{
	struct bw_buf b = BW_BUF_INIT;

	if (bw_policy_diff(&b, old, new, 6, NULL)) {
		bw_buf_release(&b);
		return NULL;
	}
	return bw_buf_detach(&b, NULL);
}

static const char *unit_label(const struct bw_spec_unit *u)
{
	return u ? u->path : "Root";
}

/* How a live target id reads: "Root", "ou 'Workloads'", "account 'prod'". */
static char *target_label(struct bw_engine *e, const char *id)
{
	struct eng_unit *u;

	if (!strcmp(id, e->root.id))
		return fmt("Root");
	if ((u = bw_engine__unit_by_id(e, id)))
		return fmt("ou '%s'", u->path);
	for (size_t i = 0; i < e->n_accounts; i++)
		if (e->accounts[i]->a.id && !strcmp(e->accounts[i]->a.id, id))
			return fmt("account '%s' (%s)", e->accounts[i]->spec ?
				   e->accounts[i]->spec->name : e->accounts[i]->a.name, id);
	return fmt("%s", id);
}

/* The live id of a spec target, or NULL while it does not exist. */
static const char *target_id(struct bw_engine *e, const struct bw_spec_target *t)
{
	struct eng_account *acc;

	switch (t->kind) {
	case BW_SPEC_TARGET_ROOT:
		return e->root.id[0] ? e->root.id : NULL;
	case BW_SPEC_TARGET_UNIT:
		return bw_engine__parent_id(e, t->unit);
	case BW_SPEC_TARGET_ACCOUNT:
		acc = bw_engine__account_by_spec(e, t->account);
		return acc ? acc->a.id : NULL;
	}
	return NULL;
}

static char *spec_target_label(const struct bw_spec_target *t)
{
	switch (t->kind) {
	case BW_SPEC_TARGET_ROOT:
		return fmt("Root");
	case BW_SPEC_TARGET_UNIT:
		return fmt("ou '%s'", t->unit->path);
	case BW_SPEC_TARGET_ACCOUNT:
		return fmt("account '%s'", t->account->name);
	}
	return NULL;
}

/*
 * Whether unit u (or a unit under it) holds an account that stays there:
 * one the spec does not manage.  The spec's accounts are moved out before
 * units are pruned.
 */
static bool unit_keeps_accounts(struct bw_engine *e, const struct eng_unit *u)
{
	for (size_t i = 0; i < e->n_accounts; i++) {
		const struct eng_account *a = e->accounts[i];
		struct eng_unit *at;

		if (a->spec || !a->a.parent_id)
			continue;
		/* Walk up from the account's unit: is u on the way to the root? */
		for (at = bw_engine__unit_by_id(e, a->a.parent_id); at;
		     at = bw_engine__unit_by_id(e, at->u.parent_id))
			if (at == u)
				return true;
	}
	return false;
}

static int diff_units(struct bw_engine *e, struct bw_plan *p, struct bw_error *err)
{
	const struct bw_spec_unit *su;
	int max_depth = 0, rc;
	size_t n;

	su = bw_spec_units(e->spec, &n);
	for (size_t i = 0; i < n; i++) {
		struct bw_change c = { .op = BW_OP_CREATE, .kind = BW_CH_UNIT_CREATE,
				       .stage = BW_STAGE_UNIT + su[i].depth, .unit = &su[i] };

		struct eng_unit *lu = bw_engine__unit_by_path(e, su[i].path);

		if (lu && su[i].n_tags && lu->tags &&
		    !bw_engine__tags_cover(su[i].tags, su[i].n_tags, lu->tags)) {
			struct bw_change t = { .op = BW_OP_UPDATE, .kind = BW_CH_ORG_TAGS,
					       .stage = BW_STAGE_MOVE, .unit = &su[i],
					       .id = lu->u.id };

			if ((rc = add(p, &t, fmt("tags of organizational unit '%s'", su[i].path),
				      err)))
				return rc;
		}
		if (lu)
			continue;
		if ((rc = add(p, &c, fmt("organizational unit '%s'", su[i].path), err)))
			return rc;
	}
	for (size_t i = 0; i < e->n_units; i++)
		if (e->units[i]->depth > max_depth)
			max_depth = e->units[i]->depth;
	for (size_t i = 0; i < e->n_units; i++) {
		struct eng_unit *u = e->units[i];
		struct bw_change c = { .op = BW_OP_REMOVE, .kind = BW_CH_UNIT_DELETE,
				       .stage = BW_STAGE_PRUNE_UNIT + max_depth - u->depth,
				       .id = u->u.id };

		if (u->spec)
			continue;
		if (!e->opts.prune)
			rc = bw_plan_note(p, NULL, "organizational unit '%s' (%s): --prune "
					  "removes it once it is empty", u->path, u->u.id);
		else if (unit_keeps_accounts(e, u))
			rc = bw_plan_note(p, NULL, "organizational unit '%s' (%s) holds accounts "
					  "that are not in the spec, so --prune leaves it; move or "
					  "close them first", u->path, u->u.id);
		else
			rc = add(p, &c, fmt("organizational unit '%s' (%s)", u->path, u->u.id), err);
		if (rc)
			return rc < 0 ? rc : NOMEM(err);
	}
	return 0;
}

static int diff_guardrail(struct bw_engine *e, struct bw_plan *p,
			  const struct bw_spec_guardrail *g, struct bw_error *err)
{
	struct bw_org_policy *live = bw_engine__scp_by_name(e, g->name);
	struct bw_spec_runtime rt;
	char *doc = NULL;
	int rc;

	bw_engine__runtime(e, &rt, NULL);
	if ((rc = bw_spec_render(&doc, e->spec, &g->doc, &rt, NULL, err))) {
		bw_error_prefix(err, "guardrail '%s'", g->name);
		return rc;
	}
	if (!live) {
		struct bw_change c = { .op = BW_OP_CREATE, .kind = BW_CH_SCP_CREATE,
				       .stage = BW_STAGE_SCP, .guardrail = g, .doc = doc };

		rc = add(p, &c, fmt("service control policy '%s'", g->name), err);
	} else {
		bool same_doc = bw_policy_equal_text(live->content, doc);
		bool same_desc = !strcmp(live->description ? live->description : "",
					 g->description ? g->description : "");

		if (!same_doc || !same_desc) {
			struct bw_change c = { .op = BW_OP_UPDATE, .kind = BW_CH_SCP_UPDATE,
					       .stage = BW_STAGE_SCP, .guardrail = g,
					       .id = live->id, .doc = doc };

			c.detail = same_doc ? fmt("      description: \"%s\" -> \"%s\"\n",
						  live->description ? live->description : "",
						  g->description ? g->description : "") :
					      doc_diff(live->content, doc);
			rc = add(p, &c, fmt("service control policy '%s' (%s)", g->name, live->id),
				 err);
			free(c.detail);
		}
	}
	free(doc);
	if (rc)
		return rc;

	for (size_t t = 0; t < g->n_targets; t++) {
		const struct bw_spec_target *st = &g->targets[t];
		const char *tid = target_id(e, st);
		bool attached = false;
		char *label;

		for (size_t k = 0; live && tid && k < live->n_targets; k++)
			attached |= !strcmp(live->targets[k], tid);
		if (attached)
			continue;
		label = spec_target_label(st);
		{
			struct bw_change c = { .op = BW_OP_CREATE, .kind = BW_CH_SCP_ATTACH,
					       .stage = BW_STAGE_ATTACH, .guardrail = g,
					       .target = st };

			rc = add(p, &c, label ? fmt("attach '%s' to %s", g->name, label) : NULL,
				 err);
		}
		free(label);
		if (rc)
			return rc;
	}
	for (size_t k = 0; live && k < live->n_targets; k++) {
		bool wanted = false;
		char *label;

		for (size_t t = 0; t < g->n_targets; t++) {
			const char *tid = target_id(e, &g->targets[t]);

			wanted |= tid && !strcmp(tid, live->targets[k]);
		}
		if (wanted)
			continue;
		label = target_label(e, live->targets[k]);
		{
			struct bw_change c = { .op = BW_OP_REMOVE, .kind = BW_CH_SCP_DETACH,
					       .stage = BW_STAGE_ATTACH, .guardrail = g,
					       .id = live->id, .arg = live->targets[k] };

			rc = add(p, &c, label ? fmt("detach '%s' from %s", g->name, label) : NULL,
				 err);
		}
		free(label);
		if (rc)
			return rc;
	}
	return 0;
}

static int diff_scps(struct bw_engine *e, struct bw_plan *p, struct bw_error *err)
{
	const struct bw_spec_guardrail *g;
	size_t n;
	int rc = 0;

	g = bw_spec_guardrails(e->spec, &n);
	if (n && (!e->has_org || !e->root.scp_enabled)) {
		struct bw_change c = { .op = BW_OP_CREATE, .kind = BW_CH_SCP_ENABLE,
				       .stage = BW_STAGE_SCP_ENABLE };

		if ((rc = add(p, &c, fmt("enable service control policies on the root"), err)))
			return rc;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = diff_guardrail(e, p, &g[i], err)))
			return rc;
	for (size_t i = 0; i < e->n_scps; i++) {
		struct bw_org_policy *s = &e->scps[i];
		struct bw_change c = { .op = BW_OP_REMOVE, .kind = BW_CH_SCP_DELETE,
				       .stage = BW_STAGE_PRUNE_SCP, .id = s->id };

		if (s->aws_managed || bw_spec_find_guardrail(e->spec, s->name))
			continue;
		if (e->opts.prune)
			rc = add(p, &c, fmt("service control policy '%s' (%s)", s->name, s->id), err);
		else if (bw_plan_note(p, NULL, "service control policy '%s' (%s): --prune "
				      "removes it", s->name, s->id))
			rc = NOMEM(err);
		if (rc)
			return rc;
	}
	return 0;
}

static int diff_accounts(struct bw_engine *e, struct bw_plan *p, struct bw_error *err)
{
	const char *mgmt = bw_engine_management_account(e);
	int rc = 0;

	for (size_t i = 0; !rc && i < e->n_accounts; i++) {
		struct eng_account *acc = e->accounts[i];
		const struct bw_spec_account *sa = acc->spec;
		const char *want;

		if (!sa) {
			if (acc->a.id && strcmp(acc->a.id, mgmt) &&
			    bw_plan_note(p, NULL, "account '%s' (%s) <%s>: bulwark never removes "
					 "accounts", acc->a.name ? acc->a.name : "", acc->a.id,
					 acc->a.email))
				rc = NOMEM(err);
			continue;
		}
		if (!acc->a.id) {
			struct bw_change c = { .op = BW_OP_CREATE, .kind = BW_CH_ACCOUNT_CREATE,
					       .stage = BW_STAGE_ACCOUNT, .spec_account = sa,
					       .id = acc->pending_request };

			if (acc->pending_request)
				rc = add(p, &c, fmt("account '%s' <%s> in '%s' (creation in progress, "
						    "request %s)", sa->name, sa->email,
						    unit_label(sa->unit), acc->pending_request), err);
			else
				rc = add(p, &c, fmt("account '%s' <%s> in '%s'", sa->name, sa->email,
						    unit_label(sa->unit)), err);
			continue;
		}
		if (acc->a.status && strcmp(acc->a.status, "ACTIVE")) {
			if (bw_plan_note(p, NULL, "account '%s' (%s) is %s; bulwark leaves it alone",
					 sa->name, acc->a.id, acc->a.status))
				rc = NOMEM(err);
			continue;
		}
		if (sa->n_tags && acc->tags && !bw_engine__tags_cover(sa->tags, sa->n_tags, acc->tags)) {
			struct bw_change t = { .op = BW_OP_UPDATE, .kind = BW_CH_ORG_TAGS,
					       .stage = BW_STAGE_MOVE, .spec_account = sa,
					       .id = acc->a.id };

			if ((rc = add(p, &t, fmt("tags of account '%s' (%s)", sa->name, acc->a.id),
				      err)))
				break;
		}
		want = bw_engine__parent_id(e, sa->unit);
		if (!want || !acc->a.parent_id || strcmp(want, acc->a.parent_id)) {
			struct eng_unit *from = acc->a.parent_id ?
				bw_engine__unit_by_id(e, acc->a.parent_id) : NULL;
			struct bw_change c = { .op = BW_OP_UPDATE, .kind = BW_CH_ACCOUNT_MOVE,
					       .stage = BW_STAGE_MOVE, .spec_account = sa,
					       .id = acc->a.id, .old = acc->a.parent_id };

			rc = add(p, &c, fmt("move account '%s' (%s) from '%s' to '%s'", sa->name,
					    acc->a.id, from ? from->path : "Root",
					    unit_label(sa->unit)), err);
		}
	}
	return rc;
}

int bw_diff__org(struct bw_engine *e, struct bw_plan *p, struct bw_error *err)
{
	int rc;

	if (!e->has_org) {
		const struct bw_spec_org *so = bw_spec_org(e->spec);
		struct bw_change c = { .op = BW_OP_CREATE, .kind = BW_CH_ORG_CREATE,
				       .stage = BW_STAGE_ORG };

		if ((rc = add(p, &c, fmt("organization (feature set %s), management account %s",
					 so && so->feature_set ? so->feature_set : "ALL",
					 e->caller_account), err)))
			return rc;
	}
	if ((rc = diff_units(e, p, err)) || (rc = diff_scps(e, p, err)) ||
	    (rc = diff_accounts(e, p, err)))
		return rc;
	return 0;
}

/* ---- a member account's baseline ------------------------------------- */

int bw_diff__ref_arn(struct bw_engine *e, const struct bw_spec_policy_ref *ref,
		     const char *account_id, char **out)
{
	*out = NULL;
	if (ref->policy)
		return bw_iam_policy_arn(out, e->partition, account_id, ref->policy->path,
					 ref->policy->name);
	if (ref->arn)
		return (*out = bw_strdup(ref->arn)) ? 0 : BW_ERR_NOMEM;
	return 0;
}

/*
 * How a plan line names a policy reference: a policy the baseline defines
 * by its name (its ARN holds the account id, unknown before the account
 * exists), anything else by its ARN.
 */
static const char *ref_label(const struct bw_spec_policy_ref *ref, const char *arn)
{
	return ref->policy ? ref->policy->name : arn;
}

/* The password policy the spec asks for, as UpdateAccountPasswordPolicy takes it. */
static json_t *password_json(const struct bw_spec_password_policy *pp)
{
	json_t *o = json_pack("{s:i, s:b, s:b, s:b, s:b, s:b, s:b}",
			      "MinimumPasswordLength", pp->min_length ? pp->min_length : 14,
			      "RequireSymbols", pp->require_symbols,
			      "RequireNumbers", pp->require_numbers,
			      "RequireUppercaseCharacters", pp->require_uppercase,
			      "RequireLowercaseCharacters", pp->require_lowercase,
			      "AllowUsersToChangePassword", pp->allow_users_to_change,
			      "HardExpiry", pp->hard_expiry);

	if (o && pp->max_age_days)
		json_object_set_new(o, "MaxPasswordAge", json_integer(pp->max_age_days));
	if (o && pp->reuse_prevention)
		json_object_set_new(o, "PasswordReusePrevention", json_integer(pp->reuse_prevention));
	return o;
}

/* The fields where live differs from want, "MinimumPasswordLength 8 -> 14", or "". */
static char *password_changes(const json_t *live, const json_t *want)
{
	struct bw_buf b = BW_BUF_INIT;
	const char *key;
	json_t *w;

	json_object_foreach((json_t *)want, key, w) {
		json_t *l = json_object_get(live, key);
		int r = 0;

		if (json_is_boolean(w) && bw_json_bool(l) != json_is_true(w))
			r = bw_buf_addf(&b, "      %s: %s -> %s\n", key, bw_json_bool(l) ? "true" :
					"false", json_is_true(w) ? "true" : "false");
		else if (json_is_integer(w) && bw_json_long(l, -1) != json_integer_value(w))
			r = bw_buf_addf(&b, "      %s: %ld -> %lld\n", key, bw_json_long(l, 0),
					json_integer_value(w));
		if (r) {
			bw_buf_release(&b);
			return NULL;
		}
	}
	/*
	 * Fields the spec leaves unset revert to "none" on update, so a live
	 * value there is a difference too.
	 */
	for (size_t i = 0; i < 2; i++) {
		static const char *const optional[] = { "MaxPasswordAge", "PasswordReusePrevention" };
		long have = bw_json_long(json_object_get(live, optional[i]), 0);

		if (!json_object_get(want, optional[i]) && have > 0 &&
		    bw_buf_addf(&b, "      %s: %ld -> none\n", optional[i], have)) {
			bw_buf_release(&b);
			return NULL;
		}
	}
	return bw_buf_detach(&b, NULL);
}

struct bl_ctx {
	struct bw_engine *e;
	struct bw_plan *p;
	const struct bw_spec_account *sa;
	const char *account_id;
	struct bw_spec_runtime rt;
	struct bw_error *err;
};

static int bl_add(struct bl_ctx *x, enum bw_change_op op, enum bw_change_kind kind,
		  const struct bw_spec_role *role, const struct bw_spec_managed_policy *mp,
		  const char *arg, const char *doc, const char *old, char *detail, char *what)
{
	struct bw_change c = { .op = op, .kind = kind, .stage = BW_STAGE_BASELINE,
			       .account = (char *)x->sa->name, .spec_account = x->sa,
			       .role = role, .policy = mp, .arg = (char *)arg,
			       .doc = (char *)doc, .old = (char *)old, .detail = detail };
	int rc = add(x->p, &c, what, x->err);

	free(detail);
	return rc;
}

static int render(struct bl_ctx *x, const struct bw_spec_doc *doc, char **out, const char *what)
{
	int rc = bw_spec_render(out, x->e->spec, doc, &x->rt, x->sa, x->err);

	if (rc)
		bw_error_prefix(x->err, "account '%s': %s", x->sa->name, what);
	return rc;
}

static int diff_policies(struct bl_ctx *x, const struct eng_baseline *lb)
{
	const struct bw_spec_baseline *sb = x->sa->baseline;
	int rc = 0;

	for (size_t i = 0; !rc && i < sb->n_managed_policies; i++) {
		const struct bw_spec_managed_policy *mp = &sb->managed_policies[i];
		const struct eng_policy *lp = lb ? &lb->policies[i] : NULL;
		char *doc = NULL;

		if ((rc = render(x, &mp->doc, &doc, mp->name)))
			break;
		if (!lp || !lp->exists)
			rc = bl_add(x, BW_OP_CREATE, BW_CH_POLICY_CREATE, NULL, mp, NULL, doc, NULL,
				    NULL, fmt("managed policy '%s'", mp->name));
		else if (!bw_policy_equal_text(lp->pol.document, doc))
			rc = bl_add(x, BW_OP_UPDATE, BW_CH_POLICY_UPDATE, NULL, mp, lp->arn, doc,
				    NULL, doc_diff(lp->pol.document, doc),
				    fmt("managed policy '%s'", mp->name));
		free(doc);
	}
	return rc;
}

static int diff_role(struct bl_ctx *x, const struct bw_spec_role *sr, const struct eng_role *lr)
{
	bool exists = lr && lr->exists;
	char *trust = NULL, *boundary = NULL;
	int rc;

	if ((rc = render(x, &sr->trust, &trust, sr->name)))
		return rc;
	if ((rc = bw_diff__ref_arn(x->e, &sr->boundary, x->account_id, &boundary))) {
		rc = NOMEM(x->err);
		goto out;
	}
	if (!exists) {
		rc = bl_add(x, BW_OP_CREATE, BW_CH_ROLE_CREATE, sr, NULL, boundary, trust, NULL,
			    NULL, fmt("role '%s'%s%s%s", sr->name, boundary ? " with boundary '" : "",
				      boundary ? ref_label(&sr->boundary, boundary) : "",
				      boundary ? "'" : ""));
		if (!rc && sr->n_tags)
			rc = bl_add(x, BW_OP_CREATE, BW_CH_ROLE_TAGS, sr, NULL, NULL, NULL, NULL,
				    NULL, fmt("tags on role '%s'", sr->name));
	} else {
		const struct bw_iam_role *r = &lr->role;
		const char *desc = sr->description ? sr->description : "";
		int max = sr->max_session ? sr->max_session : 3600;

		/* IAM cannot move a role to another path: say so, change the rest. */
		if (strcmp(r->path, sr->path ? sr->path : "/") &&
		    bw_plan_note(x->p, x->sa->name, "role '%s' in account '%s' has path '%s', the "
				 "spec says '%s'; IAM cannot change a role's path: delete the "
				 "role and bulwark creates it again", sr->name, x->sa->name,
				 r->path, sr->path ? sr->path : "/")) {
			rc = NOMEM(x->err);
			goto out;
		}
		if (!bw_policy_equal_text(r->trust, trust))
			rc = bl_add(x, BW_OP_UPDATE, BW_CH_ROLE_TRUST, sr, NULL, NULL, trust, NULL,
				    doc_diff(r->trust, trust),
				    fmt("trust policy of role '%s'", sr->name));
		if (!rc && (strcmp(r->description, desc) || r->max_session != max)) {
			struct bw_buf b = BW_BUF_INIT;
			int w = 0;

			if (strcmp(r->description, desc))
				w = bw_buf_addf(&b, "      description: \"%s\" -> \"%s\"\n",
						r->description, desc);
			if (!w && r->max_session != max)
				w = bw_buf_addf(&b, "      max session: %ds -> %ds\n",
						r->max_session, max);
			if (w) {
				bw_buf_release(&b);
				rc = NOMEM(x->err);
			} else {
				rc = bl_add(x, BW_OP_UPDATE, BW_CH_ROLE_SETTINGS, sr, NULL, NULL, NULL,
					    NULL, bw_buf_detach(&b, NULL),
					    fmt("settings of role '%s'", sr->name));
			}
		}
		if (!rc && (boundary ? !r->boundary_arn || strcmp(boundary, r->boundary_arn) :
				       r->boundary_arn != NULL))
			rc = bl_add(x, boundary ? BW_OP_UPDATE : BW_OP_REMOVE, BW_CH_ROLE_BOUNDARY,
				    sr, NULL, boundary, NULL, r->boundary_arn, NULL,
				    fmt("permissions boundary of role '%s': %s -> %s", sr->name,
					r->boundary_arn ? r->boundary_arn : "none",
					boundary ? boundary : "none"));
		if (!rc && !bw_engine__tags_cover(sr->tags, sr->n_tags, r->tags))
			rc = bl_add(x, BW_OP_UPDATE, BW_CH_ROLE_TAGS, sr, NULL, NULL, NULL, NULL,
				    NULL, fmt("tags on role '%s'", sr->name));
	}
	if (rc)
		goto out;

	for (size_t i = 0; !rc && i < sr->n_inline; i++) {
		const struct bw_spec_inline_policy *ip = &sr->inline_policies[i];
		const char *live = NULL;
		bool found = false;
		char *doc = NULL;

		for (size_t k = 0; exists && k < lr->inline_names.n; k++)
			if (!strcmp(lr->inline_names.v[k], ip->name)) {
				found = true;
				live = lr->inline_docs[k];
			}
		if ((rc = render(x, &ip->doc, &doc, ip->name)))
			break;
		if (!found)
			rc = bl_add(x, BW_OP_CREATE, BW_CH_ROLE_INLINE_PUT, sr, NULL, ip->name, doc,
				    NULL, NULL, fmt("inline policy '%s' of role '%s'", ip->name,
						    sr->name));
		else if (!bw_policy_equal_text(live, doc))
			rc = bl_add(x, BW_OP_UPDATE, BW_CH_ROLE_INLINE_PUT, sr, NULL, ip->name, doc,
				    NULL, doc_diff(live, doc),
				    fmt("inline policy '%s' of role '%s'", ip->name, sr->name));
		free(doc);
	}
	for (size_t k = 0; !rc && exists && k < lr->inline_names.n; k++) {
		bool wanted = false;

		for (size_t i = 0; i < sr->n_inline; i++)
			wanted |= !strcmp(sr->inline_policies[i].name, lr->inline_names.v[k]);
		if (!wanted)
			rc = bl_add(x, BW_OP_REMOVE, BW_CH_ROLE_INLINE_DELETE, sr, NULL,
				    lr->inline_names.v[k], NULL, NULL, NULL,
				    fmt("inline policy '%s' of role '%s'", lr->inline_names.v[k],
					sr->name));
	}
	for (size_t i = 0; !rc && i < sr->n_managed; i++) {
		char *arn = NULL;
		bool on = false;

		if (bw_diff__ref_arn(x->e, &sr->managed[i], x->account_id, &arn)) {
			rc = NOMEM(x->err);
			break;
		}
		for (size_t k = 0; exists && k < lr->attached.n; k++)
			on |= !strcmp(lr->attached.v[k], arn);
		if (!on)
			rc = bl_add(x, BW_OP_CREATE, BW_CH_ROLE_ATTACH, sr, NULL, arn, NULL, NULL,
				    NULL, fmt("attach '%s' to role '%s'",
					      ref_label(&sr->managed[i], arn), sr->name));
		free(arn);
	}
	for (size_t k = 0; !rc && exists && k < lr->attached.n; k++) {
		bool wanted = false;

		for (size_t i = 0; i < sr->n_managed; i++) {
			char *arn = NULL;

			if (bw_diff__ref_arn(x->e, &sr->managed[i], x->account_id, &arn) == 0 && arn)
				wanted |= !strcmp(arn, lr->attached.v[k]);
			free(arn);
		}
		if (!wanted)
			rc = bl_add(x, BW_OP_REMOVE, BW_CH_ROLE_DETACH, sr, NULL, lr->attached.v[k],
				    NULL, NULL, NULL, fmt("detach '%s' from role '%s'",
							  lr->attached.v[k], sr->name));
	}
out:
	free(trust);
	free(boundary);
	return rc;
}

int bw_diff__baseline(struct bw_engine *e, struct eng_account *acc, struct bw_plan *p,
		      struct bw_error *err)
{
	const struct bw_spec_baseline *sb = acc->spec->baseline;
	const struct eng_baseline *lb = acc->baseline;
	struct bl_ctx x = { .e = e, .p = p, .sa = acc->spec, .account_id = acc->a.id, .err = err };
	char *label;
	int rc = 0;

	if (acc->a.id && !strcmp(acc->a.id, bw_engine_management_account(e)))
		return bw_plan_note(p, NULL, "account '%s' is the management account: its "
				    "baseline '%s' is not applied (bulwark assumes the access "
				    "role only in member accounts)", acc->spec->name, sb->name) ?
			NOMEM(err) : 0;
	if (acc->failed)
		return bw_plan_problem(p, acc->spec->name, "account '%s': cannot read its "
				       "baseline: %s", acc->spec->name,
				       acc->error ? acc->error : "") ? NOMEM(err) : 0;
	if (acc->a.id && !lb)
		return 0;	/* suspended or not readable: noted elsewhere */
	label = acc->a.id ? fmt("Account '%s' (%s)", acc->spec->name, acc->a.id) :
			    fmt("Account '%s' (new)", acc->spec->name);
	if (!label || bw_plan_group(p, acc->spec->name, label)) {
		free(label);
		return NOMEM(err);
	}
	free(label);
	bw_engine__runtime(e, &x.rt, acc->a.id);
	x.account_id = x.rt.account_id;

	if ((rc = diff_policies(&x, lb)))
		return rc;
	for (size_t i = 0; !rc && i < sb->n_roles; i++)
		rc = diff_role(&x, &sb->roles[i], lb ? &lb->roles[i] : NULL);
	if (!rc && sb->password_policy.present) {
		json_t *want = password_json(&sb->password_policy);
		char *doc = want ? json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		if (!doc) {
			rc = NOMEM(err);
		} else if (!lb || !lb->password_policy) {
			rc = bl_add(&x, BW_OP_CREATE, BW_CH_PASSWORD_POLICY, NULL, NULL, NULL, doc,
				    NULL, NULL, fmt("password policy (minimum length %d)",
						    sb->password_policy.min_length ?
						    sb->password_policy.min_length : 14));
		} else {
			char *changes = password_changes(lb->password_policy, want);

			if (!changes)
				rc = NOMEM(err);
			else if (*changes)
				rc = bl_add(&x, BW_OP_UPDATE, BW_CH_PASSWORD_POLICY, NULL, NULL, NULL,
					    doc, NULL, changes, fmt("password policy"));
			else
				free(changes);
		}
		json_decref(want);
		free(doc);
	}
	if (!rc && acc->spec->alias && (!lb || !lb->alias || strcmp(lb->alias, acc->spec->alias)))
		rc = bl_add(&x, lb && lb->alias ? BW_OP_UPDATE : BW_OP_CREATE, BW_CH_ALIAS, NULL,
			    NULL, NULL, acc->spec->alias, lb ? lb->alias : NULL, NULL,
			    lb && lb->alias ? fmt("account alias '%s' -> '%s'", lb->alias,
						  acc->spec->alias) :
					      fmt("account alias '%s'", acc->spec->alias));
	return rc;
}
