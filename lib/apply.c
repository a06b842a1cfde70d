/*
 * apply.c - run a plan: organization-level stages in order (parallel
 * within a stage), accounts created in parallel and waited for, then each
 * member account's baseline in parallel.  A failure stops only what
 * depends on it.  CreateAccount is the one change that is not idempotent:
 * its request id goes to the state file before bulwark waits, and after an
 * ambiguous failure bulwark looks for the account (by email) and for an
 * in-flight request (by name) before it tries again.
 */
#include <stdio.h>
#include <time.h>

#include "bulwark/pool.h"
#include "bulwark/retry.h"
#include "engine-internal.h"
#include "internal.h"

struct run {
	struct bw_engine *e;
	struct bw_plan *plan;
	size_t *idx;		/* indexes of the changes of the current stage */
	size_t n;
	pthread_mutex_t lock;
	size_t done, failed;
	bool fatal;
};

/* Sleep ms in slices, returning early (true) when cancelled. */
static bool nap(struct bw_engine *e, long ms)
{
	while (ms > 0) {
		long s = ms > 200 ? 200 : ms;

		if (bw_engine__cancelled(e))
			return true;
		bw_sleep_ms(s);
		ms -= s;
	}
	return bw_engine__cancelled(e);
}

static void record(struct run *r, struct bw_change *c, int rc, const struct bw_error *err)
{
	char msg[1536];

	c->done = true;
	c->result = rc;
	pthread_mutex_lock(&r->lock);
	if (rc)
		r->failed++;
	else
		r->done++;
	pthread_mutex_unlock(&r->lock);
	if (rc) {
		bw_error_format(msg, sizeof(msg), err);
		c->error = bw_strdup(msg);
		bw_engine__fail(r->e, c->account, c->what, err);
	}
}

/* ---- organization level ------------------------------------------------ */

/* The id of guardrail g: live, or created earlier in this run. */
static const char *scp_id(struct run *r, const struct bw_spec_guardrail *g)
{
	struct bw_org_policy *p = bw_engine__scp_by_name(r->e, g->name);

	if (p)
		return p->id;
	for (size_t i = 0; i < r->plan->n; i++) {
		struct bw_change *c = &r->plan->changes[i];

		if (c->kind == BW_CH_SCP_CREATE && c->guardrail == g && c->done && !c->result)
			return c->id;
	}
	return NULL;
}

static const char *spec_target_id(struct bw_engine *e, const struct bw_spec_target *t)
{
	struct eng_account *acc;

	switch (t->kind) {
	case BW_SPEC_TARGET_ROOT:
		return e->root.id;
	case BW_SPEC_TARGET_UNIT:
		return bw_engine__parent_id(e, t->unit);
	case BW_SPEC_TARGET_ACCOUNT:
		acc = bw_engine__account_by_spec(e, t->account);
		return acc ? acc->a.id : NULL;
	}
	return NULL;
}

/* Look for the account by email in the organization (ListAccounts). */
static int find_by_email(struct bw_engine *e, const char *email, char **id_out,
			 struct bw_error *err)
{
	struct bw_org_account *v = NULL;
	size_t n = 0;
	int rc;

	*id_out = NULL;
	if ((rc = bw_orgs_list_accounts(&v, &n, e->client, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!*id_out && v[i].email && !strcasecmp(v[i].email, email)) {
			*id_out = v[i].id;
			v[i].id = NULL;
		}
		bw_org_account_release(&v[i]);
	}
	free(v);
	return 0;
}

/* An in-flight CreateAccount for name, or NULL. */
static int find_in_progress(struct bw_engine *e, const char *name, char **id_out,
			    struct bw_error *err)
{
	struct bw_create_status *v = NULL;
	size_t n = 0;
	int rc;

	*id_out = NULL;
	if ((rc = bw_orgs_list_create_status(&v, &n, e->client, "IN_PROGRESS", err)))
		return rc;
	for (size_t i = 0; i < n && !*id_out; i++)
		if (!strcmp(v[i].account_name, name) && !(*id_out = bw_strdup(v[i].request_id)))
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	free(v);
	return rc;
}

/* True if a failed CreateAccount may have been acted on by the server. */
static bool ambiguous(const struct bw_error *err)
{
	return err->code == BW_ERR_HTTP || err->code == BW_ERR_TIMEOUT ||
	       (err->code == BW_ERR_AWS && (err->http_status >= 500 ||
					    bw_retry_is_throttle_code(err->aws_code) ||
					    !strcmp(err->aws_code,
						    "ConcurrentModificationException")));
}

static int start_create(struct run *r, struct eng_account *acc, char **request,
			struct bw_error *err)
{
	struct bw_engine *e = r->e;
	const struct bw_spec_account *sa = acc->spec;
	const struct bw_spec_org *so = bw_spec_org(e->spec);
	struct bw_create_status cs;
	long delay = 1000;
	int rc = 0;

	for (int attempt = 1; attempt <= 6; attempt++) {
		json_t *tags = bw_engine__tags_json(sa->tags, sa->n_tags);
		char *id = NULL;

		rc = bw_orgs_create_account(&cs, e->create_client, sa->name, sa->email,
					    so ? so->access_role : NULL, tags, err);
		json_decref(tags);
		if (!rc) {
			*request = bw_strdup(cs.request_id);
			return *request ? 0 : bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		}
		/*
		 * Organizations caps how fast accounts may be created
		 * (ConstraintViolationException, ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED):
		 * nothing was created, so wait longer and ask again.
		 */
		if (!strcmp(err->aws_code, "ConstraintViolationException") && attempt < 6 &&
		    (strstr(err->message, "RATE_LIMIT") || strstr(err->message, "rate limit"))) {
			if (nap(e, 15000L * attempt))
				return bw_error_set(err, BW_ERR_CANCELLED, "interrupted");
			bw_error_clear(err);
			continue;
		}
		if (!ambiguous(err) || attempt == 6)
			break;
		bw_debug("account '%s': CreateAccount failed ambiguously (%s); checking before "
			 "trying again", sa->name, err->aws_code[0] ? err->aws_code : err->message);
		if (nap(e, delay))
			return bw_error_set(err, BW_ERR_CANCELLED, "interrupted");
		delay *= 2;
		/* The server may have acted: is the account, or its request, there? */
		if (find_in_progress(e, sa->name, &id, err) == 0 && id) {
			*request = id;
			return 0;
		}
		if (find_by_email(e, sa->email, &id, err) == 0 && id) {
			pthread_mutex_lock(&e->lock);
			free(acc->a.id);
			acc->a.id = id;
			pthread_mutex_unlock(&e->lock);
			return 0;
		}
		bw_error_clear(err);
	}
	return rc;
}

/*
 * Wait for request to end.  *settled says whether AWS gave its answer
 * (succeeded or failed): only then may the request be forgotten; a poll
 * that failed says nothing about the request.
 */
static int wait_create(struct run *r, struct eng_account *acc, const char *request,
		       bool *settled, struct bw_error *err)
{
	struct bw_engine *e = r->e;
	const struct bw_spec_account *sa = acc->spec;
	struct bw_create_status cs;
	struct timespec start, now;
	long delay = e->opts.poll_ms, waited = 0;
	int rc;

	*settled = false;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (nap(e, delay))
			return bw_error_set(err, BW_ERR_CANCELLED, "interrupted while account '%s' "
					    "was being created (request %s); the next run picks "
					    "it up", sa->name, request);
		rc = bw_orgs_create_status(&cs, e->client, request, err);
		if (rc)
			return rc;
		if (cs.state == BW_CREATE_SUCCEEDED || cs.state == BW_CREATE_FAILED)
			*settled = true;
		if (cs.state == BW_CREATE_SUCCEEDED) {
			char *id = bw_strdup(cs.account_id);

			if (!id)
				return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			pthread_mutex_lock(&e->lock);
			free(acc->a.id);
			acc->a.id = id;
			pthread_mutex_unlock(&e->lock);
			return 0;
		}
		if (cs.state == BW_CREATE_FAILED) {
			struct bw_buf why = BW_BUF_INIT;
			char *id = NULL;

			/*
			 * Our own earlier attempt may have won (a retry after a
			 * lost answer): then the account is in the organization.
			 */
			if (!strcmp(cs.failure_reason, "EMAIL_ALREADY_EXISTS") &&
			    find_by_email(e, sa->email, &id, NULL) == 0 && id) {
				pthread_mutex_lock(&e->lock);
				free(acc->a.id);
				acc->a.id = id;
				pthread_mutex_unlock(&e->lock);
				return 0;
			}
			if (bw_orgs_explain_failure(&why, cs.failure_reason, sa->name, sa->email))
				return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			bw_error_clear(err);
			bw_strlcpy(err->aws_code, cs.failure_reason, sizeof(err->aws_code));
			rc = bw_error_set(err, BW_ERR_AWS, "cannot create account '%s': %s",
					  sa->name, why.ptr);
			bw_buf_release(&why);
			return rc;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited > e->opts.create_timeout_ms)
			return bw_error_set(err, BW_ERR_TIMEOUT, "account '%s' is still being created "
					    "after %lds (request %s); run bulwark again later to "
					    "pick it up", sa->name, waited / 1000, request);
		delay = delay * 3 / 2 > 10000 ? 10000 : delay * 3 / 2;
	}
}

static int exec_account_create(struct run *r, struct bw_change *c, struct bw_error *err)
{
	struct bw_engine *e = r->e;
	struct eng_account *acc = bw_engine__account_by_spec(e, c->spec_account);
	char *request = NULL;
	bool settled = false;
	const char *to;
	int rc = 0;

	if (!acc)
		return bw_error_set(err, BW_ERR_INTERNAL, "account not in the engine");
	bw_engine__progress(e, acc->spec->name, "creating account", false);
	if (acc->pending_request)
		request = bw_strdup(acc->pending_request);
	else if ((rc = start_create(r, acc, &request, err)))
		return rc;
	for (int tries = 1; request; tries++) {
		/* On disk before we wait: a kill now cannot lead to a second account. */
		if (e->opts.state &&
		    (rc = bw_state_pending_add(e->opts.state, acc->spec->name, acc->spec->email,
					       request, err))) {
			free(request);
			return rc;
		}
		bw_engine__progress(e, acc->spec->name, "waiting for the new account", false);
		rc = wait_create(r, acc, request, &settled, err);
		if (e->opts.state && settled) {
			struct bw_error serr = { 0 };

			if (bw_state_pending_remove(e->opts.state, acc->spec->name, &serr))
				bw_log(BW_LOG_WARN, "%s", serr.message);
		}
		free(request);
		request = NULL;
		/*
		 * Organizations refuses concurrent changes now and then; the
		 * request failed without creating anything, so ask again.
		 */
		if (rc == BW_ERR_AWS && tries < 4 &&
		    !strcmp(err->aws_code, "CONCURRENT_ACCOUNT_MODIFICATION")) {
			bw_debug("account '%s': CONCURRENT_ACCOUNT_MODIFICATION; creating again",
				 acc->spec->name);
			if (nap(e, 2000L * tries))
				return bw_error_set(err, BW_ERR_CANCELLED, "interrupted");
			bw_error_clear(err);
			if ((rc = start_create(r, acc, &request, err)))
				return rc;
			continue;
		}
		/*
		 * EMAIL_ALREADY_EXISTS while an earlier attempt of ours, whose
		 * answer was lost, is still in progress: that one is ours, wait
		 * for it.  (If it had finished, wait_create adopted the account.)
		 */
		if (rc == BW_ERR_AWS && tries < 4 &&
		    !strcmp(err->aws_code, "EMAIL_ALREADY_EXISTS") &&
		    find_in_progress(e, acc->spec->name, &request, NULL) == 0 && request) {
			bw_debug("account '%s': EMAIL_ALREADY_EXISTS while request %s is in "
				 "progress; waiting for it", acc->spec->name, request);
			bw_error_clear(err);
			continue;
		}
		if (rc)
			return rc;
	}
	acc->created = true;
	free(acc->a.parent_id);
	acc->a.parent_id = bw_strdup(e->root.id);
	if (!acc->a.status)
		acc->a.status = bw_strdup("ACTIVE");
	/* New accounts start under the root. */
	to = bw_engine__parent_id(e, acc->spec->unit);
	if (!to)
		return bw_error_set(err, BW_ERR_NOTFOUND, "account '%s' was created but its "
				    "organizational unit '%s' does not exist", acc->spec->name,
				    acc->spec->unit ? acc->spec->unit->path : "Root");
	if (strcmp(to, e->root.id)) {
		bw_engine__progress(e, acc->spec->name, "moving the new account", false);
		if ((rc = bw_orgs_move_account(e->client, acc->a.id, e->root.id, to, err)))
			return rc;
		free(acc->a.parent_id);
		acc->a.parent_id = bw_strdup(to);
	}
	return 0;
}

static int exec_scp_delete(struct run *r, struct bw_change *c, struct bw_error *err)
{
	struct bw_org_policy p = { 0 };
	int rc;

	p.id = c->id;
	rc = bw_orgs_policy_targets(&p, r->e->client, err);
	for (size_t i = 0; !rc && i < p.n_targets; i++)
		rc = bw_orgs_detach(r->e->client, c->id, p.targets[i], err);
	p.id = NULL;
	bw_org_policy_release(&p);
	return rc ? rc : bw_orgs_delete_policy(r->e->client, c->id, err);
}

static int render_scp(struct bw_engine *e, const struct bw_spec_guardrail *g, char **doc,
		      struct bw_error *err)
{
	struct bw_spec_runtime rt;

	bw_engine__runtime(e, &rt, NULL);
	return bw_spec_render(doc, e->spec, &g->doc, &rt, NULL, err);
}

static int exec_org_change(struct run *r, struct bw_change *c, struct bw_error *err)
{
	struct bw_engine *e = r->e;
	const struct bw_spec_org *so = bw_spec_org(e->spec);
	const char *pid, *tid, *gid;
	char *id = NULL, *doc = NULL;
	json_t *tags;
	int rc;

	switch (c->kind) {
	case BW_CH_ORG_CREATE:
		if ((rc = bw_orgs_create(&e->org, e->client, so ? so->feature_set : NULL, err)))
			return rc;
		e->has_org = true;
		return bw_orgs_root(&e->root, e->client, err);
	case BW_CH_SCP_ENABLE:
		if ((rc = bw_orgs_enable_scp(e->client, e->root.id, err)))
			return rc;
		e->root.scp_enabled = true;
		return 0;
	case BW_CH_UNIT_CREATE:
		pid = bw_engine__parent_id(e, c->unit->parent);
		if (!pid)
			return bw_error_set(err, BW_ERR_NOTFOUND, "its parent '%s' was not created",
					    c->unit->parent ? c->unit->parent->path : "Root");
		tags = bw_engine__tags_json(c->unit->tags, c->unit->n_tags);
		rc = bw_orgs_create_unit(&id, e->client, pid, c->unit->name, tags, err);
		json_decref(tags);
		if (rc)
			return rc;
		rc = bw_engine__add_unit(e, id, c->unit->name, pid, c->unit->path, c->unit->depth,
					 c->unit);
		free(id);
		return rc ? bw_error_set(err, BW_ERR_NOMEM, "out of memory") : 0;
	case BW_CH_SCP_CREATE:
		if ((rc = render_scp(e, c->guardrail, &doc, err)))
			return rc;
		rc = bw_orgs_create_scp(&id, e->client, c->guardrail->name,
					c->guardrail->description, doc, err);
		free(doc);
		if (!rc) {
			free(c->id);
			c->id = id;
		}
		return rc;
	case BW_CH_SCP_UPDATE:
		if ((rc = render_scp(e, c->guardrail, &doc, err)))
			return rc;
		rc = bw_orgs_update_scp(e->client, c->id, c->guardrail->description, doc, err);
		free(doc);
		return rc;
	case BW_CH_ACCOUNT_CREATE:
		return exec_account_create(r, c, err);
	case BW_CH_ACCOUNT_MOVE:
		pid = bw_engine__parent_id(e, c->spec_account->unit);
		if (!pid)
			return bw_error_set(err, BW_ERR_NOTFOUND, "organizational unit '%s' was not "
					    "created", c->spec_account->unit->path);
		return bw_orgs_move_account(e->client, c->id, c->old, pid, err);
	case BW_CH_ORG_TAGS:
		tags = c->unit ? bw_engine__tags_json(c->unit->tags, c->unit->n_tags) :
				 bw_engine__tags_json(c->spec_account->tags, c->spec_account->n_tags);
		if (!tags)
			return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		rc = bw_orgs_tag(e->client, c->id, tags, err);
		json_decref(tags);
		return rc;
	case BW_CH_SCP_ATTACH:
		gid = scp_id(r, c->guardrail);
		tid = spec_target_id(e, c->target);
		if (!gid || !tid)
			return bw_error_set(err, BW_ERR_NOTFOUND, "the %s was not created",
					    gid ? "target" : "policy");
		/*
		 * EnablePolicyType finishes asynchronously: until it has, AWS
		 * refuses attachments with PolicyTypeNotEnabledException.
		 */
		for (int tries = 1;; tries++) {
			rc = bw_orgs_attach(e->client, gid, tid, err);
			if (rc != BW_ERR_AWS || tries == 15 ||
			    strcmp(err->aws_code, "PolicyTypeNotEnabledException"))
				return rc;
			if (nap(e, 2000))
				return bw_error_set(err, BW_ERR_CANCELLED, "interrupted");
			bw_error_clear(err);
		}
	case BW_CH_SCP_DETACH:
		return bw_orgs_detach(e->client, c->id, c->arg, err);
	case BW_CH_SCP_DELETE:
		return exec_scp_delete(r, c, err);
	case BW_CH_UNIT_DELETE:
		return bw_orgs_delete_unit(e->client, c->id, err);
	default:
		return bw_error_set(err, BW_ERR_INTERNAL, "not an organization-level change");
	}
}

static void run_org_one(void *p, size_t i)
{
	struct run *r = p;
	struct bw_change *c = &r->plan->changes[r->idx[i]];
	struct bw_error err = { 0 };
	int rc;

	bw_engine__progress(r->e, c->account, c->what, false);
	rc = exec_org_change(r, c, &err);
	if (rc == BW_ERR_CANCELLED) {
		c->done = false;	/* counted as skipped */
		return;
	}
	record(r, c, rc, &err);
	if (rc && (c->kind == BW_CH_ORG_CREATE || c->kind == BW_CH_SCP_ENABLE))
		r->fatal = true;
	bw_engine__progress(r->e, c->account, c->what, true);
}

/* ---- a member account's baseline --------------------------------------- */

static int exec_baseline_change(struct eng_account *acc, struct bw_change *c,
				struct bw_error *err)
{
	struct bw_client *cl = acc->client;
	const struct bw_spec_role *sr = c->role;
	const struct bw_spec_managed_policy *mp = c->policy;
	json_t *j;
	char *arn = NULL;
	int rc;

	switch (c->kind) {
	case BW_CH_POLICY_CREATE:
		rc = bw_iam_create_policy(&arn, cl, acc->a.id, mp->name, mp->path, mp->description,
					  c->doc, err);
		free(arn);
		return rc;
	case BW_CH_POLICY_UPDATE:
		return bw_iam_set_policy_document(cl, c->arg, c->doc, err);
	case BW_CH_ROLE_CREATE:
		return bw_iam_create_role(cl, sr->name, sr->path, c->doc, sr->description,
					  sr->max_session, c->arg, NULL, err);
	case BW_CH_ROLE_TRUST:
		return bw_iam_update_trust(cl, sr->name, c->doc, err);
	case BW_CH_ROLE_SETTINGS:
		return bw_iam_update_role(cl, sr->name, sr->description, sr->max_session, err);
	case BW_CH_ROLE_BOUNDARY:
		return bw_iam_set_boundary(cl, sr->name, c->arg, err);
	case BW_CH_ROLE_TAGS:
		if (!(j = bw_engine__tags_json(sr->tags, sr->n_tags)))
			return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		rc = bw_iam_tag_role(cl, sr->name, j, err);
		json_decref(j);
		return rc;
	case BW_CH_ROLE_INLINE_PUT:
		return bw_iam_put_role_policy(cl, sr->name, c->arg, c->doc, err);
	case BW_CH_ROLE_INLINE_DELETE:
		return bw_iam_delete_role_policy(cl, sr->name, c->arg, err);
	case BW_CH_ROLE_ATTACH:
		return bw_iam_attach_role_policy(cl, sr->name, c->arg, err);
	case BW_CH_ROLE_DETACH:
		return bw_iam_detach_role_policy(cl, sr->name, c->arg, err);
	case BW_CH_PASSWORD_POLICY:
		if (!(j = json_loads(c->doc, 0, NULL)))
			return bw_error_set(err, BW_ERR_INTERNAL, "bad password policy");
		rc = bw_iam_set_password_policy(cl, j, err);
		json_decref(j);
		return rc;
	case BW_CH_ALIAS:
		return bw_iam_set_alias(cl, c->old, c->doc, err);
	default:
		return bw_error_set(err, BW_ERR_INTERNAL, "not a baseline change");
	}
}

/* Run the changes of plan that belong to acc, in order; stop at the first failure. */
static void run_account_changes(struct run *r, struct eng_account *acc, struct bw_plan *plan)
{
	bool stop = false;

	for (size_t i = 0; i < plan->n; i++) {
		struct bw_change *c = &plan->changes[i];
		struct bw_error err = { 0 };
		int rc;

		if (c->stage != BW_STAGE_BASELINE || !c->account ||
		    strcmp(c->account, acc->spec->name))
			continue;
		if (stop || bw_engine__cancelled(r->e))
			continue;	/* skipped */
		bw_engine__progress(r->e, acc->spec->name, c->what, false);
		rc = exec_baseline_change(acc, c, &err);
		record(r, c, rc, &err);
		bw_engine__progress(r->e, acc->spec->name, c->what, true);
		stop = rc != 0;
	}
}

static void run_account_one(void *p, size_t i)
{
	struct run *r = p;
	struct bw_engine *e = r->e;
	struct eng_account *acc = e->accounts[i];
	struct bw_plan fresh;
	struct bw_error err = { 0 };
	size_t placeholders = 0;
	bool has = false;
	int rc;

	if (!acc->spec || !acc->spec->baseline || !acc->a.id || acc->failed ||
	    !strcmp(acc->a.id, bw_engine_management_account(e)))
		return;
	/*
	 * Not read (suspended, closing) and not created in this run: the plan
	 * left it alone, and so does apply.
	 */
	if (!acc->baseline && !acc->created)
		return;
	for (size_t k = 0; !has && k < r->plan->n; k++)
		has = r->plan->changes[k].account &&
		      !strcmp(r->plan->changes[k].account, acc->spec->name);
	if (!has && acc->baseline)
		return;
	bw_engine__progress(e, acc->spec->name, "starting", false);
	if (acc->baseline) {
		run_account_changes(r, acc, r->plan);
		return;
	}
	/*
	 * New in this run (or resumed): the plan was made without its id, so
	 * read what is there now and plan it again with the real values.  The
	 * placeholder changes are replaced by the fresh ones.
	 */
	for (size_t k = 0; k < r->plan->n; k++)
		if (r->plan->changes[k].account &&
		    !strcmp(r->plan->changes[k].account, acc->spec->name)) {
			r->plan->changes[k].done = true;
			placeholders++;
		}
	bw_plan_init(&fresh);
	bw_engine__progress(e, acc->spec->name, "waiting for the access role", false);
	rc = bw_engine__assume(e, acc, bw_engine__deadline(e), &err);
	if (!rc)
		rc = bw_engine__read_baseline(e, acc, &err);
	if (!rc)
		rc = bw_diff__baseline(e, acc, &fresh, &err);
	if (rc) {
		pthread_mutex_lock(&r->lock);
		r->failed++;
		pthread_mutex_unlock(&r->lock);
		acc->failed = true;
		bw_engine__fail(e, acc->spec->name, "baseline", &err);
	} else {
		/* The display counted the placeholders: count the real changes. */
		pthread_mutex_lock(&e->lock);
		e->progress_total = e->progress_total + fresh.n - placeholders;
		pthread_mutex_unlock(&e->lock);
		run_account_changes(r, acc, &fresh);
	}
	bw_plan_release(&fresh);
}

/* ---- driving ------------------------------------------------------------ */

/* Before creating accounts: adopt requests a killed run left in flight. */
static int adopt_in_flight(struct bw_engine *e, struct bw_plan *plan, struct bw_error *err)
{
	struct bw_create_status *v = NULL;
	bool need = false;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < plan->n; i++)
		if (plan->changes[i].kind == BW_CH_ACCOUNT_CREATE && !plan->changes[i].id)
			need = true;
	if (!need || !e->has_org)
		return 0;
	if ((rc = bw_orgs_list_create_status(&v, &n, e->client, "IN_PROGRESS", err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct bw_spec_account *sa = bw_spec_find_account(e->spec, v[i].account_name);
		struct eng_account *acc = sa ? bw_engine__account_by_spec(e, sa) : NULL;

		if (acc && !acc->a.id && !acc->pending_request) {
			bw_debug("account '%s': adopting request %s in flight", sa->name,
				 v[i].request_id);
			acc->pending_request = bw_strdup(v[i].request_id);
		}
	}
	free(v);
	return 0;
}

int bw_engine_apply(struct bw_engine *e, struct bw_apply_summary *sum, struct bw_error *err)
{
	struct run r = { .e = e, .plan = &e->plan };
	size_t total, i = 0;
	int rc = 0;

	memset(sum, 0, sizeof(*sum));
	if (!e->planned)
		return bw_error_set(err, BW_ERR_INTERNAL, "apply before plan");
	bw_plan_sort(&e->plan);
	total = e->plan.n;
	r.idx = calloc(total + 1, sizeof(*r.idx));
	if (!r.idx)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&r.lock, NULL);
	pthread_mutex_lock(&e->lock);
	e->progress_done = 0;
	e->progress_total = total;
	pthread_mutex_unlock(&e->lock);

	while (i < total && !r.fatal && !bw_engine__cancelled(e)) {
		int stage = e->plan.changes[i].stage;
		size_t j = i;

		while (j < total && e->plan.changes[j].stage == stage)
			j++;
		if (stage == BW_STAGE_ACCOUNT && (rc = adopt_in_flight(e, &e->plan, err)))
			break;
		if (stage == BW_STAGE_BASELINE) {
			/* Accounts created in this run may have no change planned yet. */
			rc = bw_pool_for(e->n_accounts, e->opts.parallel, run_account_one, &r,
					 e->opts.cancel, NULL, err);
		} else {
			r.n = j - i;
			for (size_t k = 0; k < r.n; k++)
				r.idx[k] = i + k;
			rc = bw_pool_for(r.n, e->opts.parallel, run_org_one, &r, e->opts.cancel,
					 NULL, err);
		}
		if (rc && rc != BW_ERR_CANCELLED)
			break;
		i = j;
		/* Baselines of new accounts even when no change of the stage was planned. */
		if (stage < BW_STAGE_BASELINE && (i == total || e->plan.changes[i].stage >
						  BW_STAGE_BASELINE)) {
			bool created = false;

			for (size_t k = 0; k < e->n_accounts; k++)
				created |= e->accounts[k]->created;
			if (created && !bw_engine__cancelled(e))
				rc = bw_pool_for(e->n_accounts, e->opts.parallel, run_account_one, &r,
						 e->opts.cancel, NULL, err);
			if (rc && rc != BW_ERR_CANCELLED)
				break;
		}
	}
	sum->done = r.done;
	sum->failed = r.failed;
	for (size_t k = 0; k < total; k++)
		sum->skipped += !e->plan.changes[k].done;
	free(r.idx);
	pthread_mutex_destroy(&r.lock);
	if (rc && rc != BW_ERR_CANCELLED)
		return rc;
	if (bw_engine__cancelled(e))
		return bw_error_set(err, BW_ERR_CANCELLED, "interrupted: %zu changes made, %zu not "
				    "started; run bulwark again to finish", sum->done, sum->skipped);
	if (r.failed || r.fatal)
		return bw_error_set(err, BW_ERR_AWS, "%zu of %zu changes failed", r.failed,
				    r.failed + r.done);
	return 0;
}
