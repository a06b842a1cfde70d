/*
 * engine.c - the engine's setup and its reading of the live state: the
 * organization-level reads once (parallel by OU level), then each managed
 * member account's baseline in parallel through AssumeRole.  Comparing
 * with the spec is diff.c's and making changes apply.c's.
 */
#include <stdio.h>
#include <time.h>

#include "bulwark/client.h"
#include "bulwark/engine.h"
#include "bulwark/pool.h"
#include "engine-internal.h"
#include "internal.h"

int bw_engine_new(struct bw_engine **out, struct bw_client *client,
		  struct bw_client *create_client, const struct bw_spec *spec,
		  const struct bw_engine_opts *opts, struct bw_error *err)
{
	struct bw_engine *e;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	e->client = client;
	e->create_client = create_client ? create_client : client;
	e->spec = spec;
	if (opts)
		e->opts = *opts;
	if (e->opts.parallel <= 0)
		e->opts.parallel = BW_POOL_DEFAULT_PARALLEL;
	if (e->opts.assume_timeout_ms <= 0)
		e->opts.assume_timeout_ms = 120000;
	if (e->opts.create_timeout_ms <= 0)
		e->opts.create_timeout_ms = 1800000;
	if (e->opts.poll_ms <= 0)
		e->opts.poll_ms = 1000;
	pthread_mutex_init(&e->lock, NULL);
	bw_plan_init(&e->plan);
	bw_buf_init(&e->failures, 0);
	bw_strlcpy(e->partition, "aws", sizeof(e->partition));
	*out = e;
	return 0;
}

void bw_engine__baseline_free(struct eng_baseline *b, const struct bw_spec_baseline *sb)
{
	if (!b)
		return;
	for (size_t i = 0; b->roles && i < sb->n_roles; i++) {
		struct eng_role *r = &b->roles[i];

		for (size_t j = 0; r->inline_docs && j < r->inline_names.n; j++)
			free(r->inline_docs[j]);
		free(r->inline_docs);
		bw_iam_strings_free(&r->inline_names);
		bw_iam_strings_free(&r->attached);
		bw_iam_role_release(&r->role);
	}
	for (size_t i = 0; b->policies && i < sb->n_managed_policies; i++) {
		free(b->policies[i].arn);
		bw_iam_policy_release(&b->policies[i].pol);
	}
	free(b->roles);
	free(b->policies);
	json_decref(b->password_policy);
	free(b->alias);
	free(b);
}

void bw_engine_free(struct bw_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_units; i++) {
		bw_org_unit_release(&e->units[i]->u);
		json_decref(e->units[i]->tags);
		free(e->units[i]->path);
		free(e->units[i]);
	}
	for (size_t i = 0; i < e->n_accounts; i++) {
		struct eng_account *a = e->accounts[i];

		bw_org_account_release(&a->a);
		json_decref(a->tags);
		bw_client_free(a->client);
		if (a->baseline)
			bw_engine__baseline_free(a->baseline, a->spec->baseline);
		free(a->pending_request);
		free(a->error);
		free(a);
	}
	for (size_t i = 0; i < e->n_scps; i++)
		bw_org_policy_release(&e->scps[i]);
	free(e->units);
	free(e->accounts);
	free(e->scps);
	bw_plan_release(&e->plan);
	bw_buf_release(&e->failures);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

const char *bw_engine_management_account(const struct bw_engine *e)
{
	return e->has_org ? e->org.master_account_id : e->caller_account;
}

void bw_engine_set_progress(struct bw_engine *e, bw_progress_fn fn, void *ctx)
{
	pthread_mutex_lock(&e->lock);
	e->opts.progress = fn;
	e->opts.progress_ctx = ctx;
	pthread_mutex_unlock(&e->lock);
}

bool bw_engine__cancelled(const struct bw_engine *e)
{
	return e->opts.cancel && *e->opts.cancel;
}

void bw_engine__fail(struct bw_engine *e, const char *account, const char *what,
		     const struct bw_error *err)
{
	char msg[1536];

	bw_error_format(msg, sizeof(msg), err);
	pthread_mutex_lock(&e->lock);
	if (bw_buf_addf(&e->failures, "%s%s%s%s%s: %s\n", account ? "account '" : "",
			account ? account : "", account ? "': " : "", what ? what : "",
			"", msg) == 0)
		e->n_failures++;
	e->progress_failed++;
	pthread_mutex_unlock(&e->lock);
}

size_t bw_engine_failures(struct bw_engine *e, struct bw_buf *out)
{
	size_t n;

	pthread_mutex_lock(&e->lock);
	n = e->n_failures;
	if (bw_buf_add(out, e->failures.ptr, e->failures.len))
		n = 0;
	pthread_mutex_unlock(&e->lock);
	return n;
}

void bw_engine__progress(struct bw_engine *e, const char *account, const char *step,
			 bool finished)
{
	struct bw_progress p = { account, step, 0, 0, 0, finished };

	if (!e->opts.progress)
		return;
	pthread_mutex_lock(&e->lock);
	if (finished)
		e->progress_done++;
	p.done = e->progress_done;
	p.total = e->progress_total;
	p.failed = e->progress_failed;
	e->opts.progress(e->opts.progress_ctx, &p);
	pthread_mutex_unlock(&e->lock);
}

static void progress_reset(struct bw_engine *e, size_t total)
{
	pthread_mutex_lock(&e->lock);
	e->progress_done = 0;
	e->progress_total = total;
	pthread_mutex_unlock(&e->lock);
}

struct eng_unit *bw_engine__unit_by_path(struct bw_engine *e, const char *path)
{
	struct eng_unit *u = NULL;

	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; !u && i < e->n_units; i++)
		if (!strcmp(e->units[i]->path, path))
			u = e->units[i];
	pthread_mutex_unlock(&e->lock);
	return u;
}

struct eng_unit *bw_engine__unit_by_id(struct bw_engine *e, const char *id)
{
	struct eng_unit *u = NULL;

	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; !u && i < e->n_units; i++)
		if (!strcmp(e->units[i]->u.id, id))
			u = e->units[i];
	pthread_mutex_unlock(&e->lock);
	return u;
}

const char *bw_engine__parent_id(struct bw_engine *e, const struct bw_spec_unit *u)
{
	struct eng_unit *lu;

	if (!u)
		return e->root.id[0] ? e->root.id : NULL;
	lu = bw_engine__unit_by_path(e, u->path);
	return lu ? lu->u.id : NULL;
}

int bw_engine__add_unit(struct bw_engine *e, const char *id, const char *name,
			const char *parent_id, const char *path, int depth,
			const struct bw_spec_unit *spec)
{
	struct eng_unit *u = calloc(1, sizeof(*u));
	int rc = 0;

	if (!u)
		return BW_ERR_NOMEM;
	u->u.id = bw_strdup(id);
	u->u.name = bw_strdup(name);
	u->u.parent_id = bw_strdup(parent_id);
	u->path = bw_strdup(path);
	u->depth = depth;
	u->spec = spec;
	pthread_mutex_lock(&e->lock);
	if (!u->u.id || !u->u.name || !u->u.parent_id || !u->path) {
		rc = BW_ERR_NOMEM;
	} else if (e->n_units == e->cap_units) {
		size_t cap = e->cap_units ? e->cap_units * 2 : 32;
		void *v = realloc(e->units, cap * sizeof(*e->units));

		if (v) {
			e->units = v;
			e->cap_units = cap;
		} else {
			rc = BW_ERR_NOMEM;
		}
	}
	if (!rc)
		e->units[e->n_units++] = u;
	pthread_mutex_unlock(&e->lock);
	if (rc) {
		bw_org_unit_release(&u->u);
		free(u->path);
		free(u);
	}
	return rc;
}

/* Take ownership of a (its strings move into the engine). */
static int add_account(struct bw_engine *e, struct bw_org_account *a, struct eng_account **out)
{
	struct eng_account *acc = calloc(1, sizeof(*acc));
	int rc = 0;

	if (!acc)
		return BW_ERR_NOMEM;
	acc->a = *a;
	memset(a, 0, sizeof(*a));
	pthread_mutex_lock(&e->lock);
	if (e->n_accounts == e->cap_accounts) {
		size_t cap = e->cap_accounts ? e->cap_accounts * 2 : 64;
		void *v = realloc(e->accounts, cap * sizeof(*e->accounts));

		if (v) {
			e->accounts = v;
			e->cap_accounts = cap;
		} else {
			rc = BW_ERR_NOMEM;
		}
	}
	if (!rc)
		e->accounts[e->n_accounts++] = acc;
	pthread_mutex_unlock(&e->lock);
	if (rc) {
		bw_org_account_release(&acc->a);
		free(acc);
		return rc;
	}
	if (out)
		*out = acc;
	return 0;
}

struct eng_account *bw_engine__account_by_spec(struct bw_engine *e,
					       const struct bw_spec_account *sa)
{
	struct eng_account *acc = NULL;

	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; !acc && i < e->n_accounts; i++)
		if (e->accounts[i]->spec == sa)
			acc = e->accounts[i];
	pthread_mutex_unlock(&e->lock);
	return acc;
}

struct bw_org_policy *bw_engine__scp_by_name(struct bw_engine *e, const char *name)
{
	for (size_t i = 0; i < e->n_scps; i++)
		if (!e->scps[i].aws_managed && !strcmp(e->scps[i].name, name))
			return &e->scps[i];
	return NULL;
}

void bw_engine__runtime(struct bw_engine *e, struct bw_spec_runtime *rt, const char *account_id)
{
	rt->management_account_id = bw_engine_management_account(e);
	/* Before CreateOrganization the id is unknown: the plan shows the name. */
	rt->organization_id = e->has_org ? e->org.id : "${organization_id}";
	rt->account_id = account_id ? account_id : "${account_id}";
}

json_t *bw_engine__tags_json(const struct bw_spec_tag *tags, size_t n)
{
	json_t *a;

	if (!n)
		return NULL;
	a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s}", "Key", tags[i].key,
						       "Value", tags[i].value))) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

bool bw_engine__tags_cover(const struct bw_spec_tag *tags, size_t n, const json_t *live)
{
	for (size_t i = 0; i < n; i++) {
		const char *have = NULL;
		const json_t *t;
		size_t k;

		json_array_foreach(live, k, t) {
			const char *key = json_string_value(json_object_get(t, "Key"));

			if (key && !strcmp(key, tags[i].key))
				have = json_string_value(json_object_get(t, "Value"));
		}
		if (!have || strcmp(have, tags[i].value))
			return false;
	}
	return true;
}

/* ---- reading ------------------------------------------------------------ */

static int read_caller(struct bw_engine *e, struct bw_error *err)
{
	json_t *resp = NULL;
	const char *acct, *arn;
	int rc;

	if ((rc = bw_call(&resp, e->client, BW_SVC_STS, "GetCallerIdentity", NULL, err)))
		return rc;
	acct = json_string_value(json_object_get(resp, "Account"));
	arn = json_string_value(json_object_get(resp, "Arn"));
	if (!acct) {
		json_decref(resp);
		return bw_error_set(err, BW_ERR_PARSE, "GetCallerIdentity returned no account");
	}
	bw_strlcpy(e->caller_account, acct, sizeof(e->caller_account));
	/* arn:PARTITION:... */
	if (arn && !strncmp(arn, "arn:", 4)) {
		const char *end = strchr(arn + 4, ':');

		if (end && (size_t)(end - arn - 4) < sizeof(e->partition)) {
			memcpy(e->partition, arn + 4, (size_t)(end - arn - 4));
			e->partition[end - arn - 4] = '\0';
		}
	}
	json_decref(resp);
	return 0;
}

/*
 * A parallel read keeps its first failure: workers run concurrently, the
 * first error is the one reported, later ones add nothing.
 */
struct first_error {
	int rc;
	struct bw_error err;
};

static void keep_first_error(struct bw_engine *e, struct first_error *fe, int rc,
			     const struct bw_error *err)
{
	if (!rc)
		return;
	pthread_mutex_lock(&e->lock);
	if (!fe->rc) {
		fe->rc = rc;
		fe->err = *err;
	}
	pthread_mutex_unlock(&e->lock);
}

/* After the pool: its own failure (rc) first, else the workers' first. */
static int take_first_error(int rc, const struct first_error *fe, struct bw_error *err)
{
	if (rc || !fe->rc)
		return rc;
	if (err)
		*err = fe->err;
	return fe->rc;
}

struct level_ctx {
	struct bw_engine *e;
	struct eng_unit **parents;	/* NULL entry: the root */
	size_t n;
	int depth;
	struct first_error fe;
};

static void read_level_one(void *p, size_t i)
{
	struct level_ctx *lc = p;
	struct bw_engine *e = lc->e;
	struct eng_unit *parent = lc->parents[i];
	const char *pid = parent ? parent->u.id : e->root.id;
	struct bw_org_unit *units = NULL;
	struct bw_error err = { 0 };
	size_t n = 0;
	int rc;

	rc = bw_orgs_list_units(&units, &n, e->client, pid, &err);
	for (size_t k = 0; !rc && k < n; k++) {
		struct bw_buf path = BW_BUF_INIT;

		if (bw_buf_addf(&path, "%s%s%s", parent ? parent->path : "", parent ? "/" : "",
				units[k].name))
			rc = bw_error_set(&err, BW_ERR_NOMEM, "out of memory");
		else if (bw_engine__add_unit(e, units[k].id, units[k].name, pid, path.ptr,
					     lc->depth, bw_spec_find_unit(e->spec, path.ptr)))
			rc = bw_error_set(&err, BW_ERR_NOMEM, "out of memory");
		bw_buf_release(&path);
	}
	for (size_t k = 0; k < n; k++)
		bw_org_unit_release(&units[k]);
	free(units);
	keep_first_error(e, &lc->fe, rc, &err);
}

/* The OU tree, one level at a time, each level's parents in parallel. */
static int read_units(struct bw_engine *e, struct bw_error *err)
{
	struct level_ctx lc = { .e = e };
	struct eng_unit *root_only[1] = { NULL };
	size_t first = 0;
	int rc = 0;

	lc.parents = root_only;
	lc.n = 1;
	for (lc.depth = 1; lc.n && lc.depth <= 64; lc.depth++) {
		size_t before = e->n_units;

		rc = bw_pool_for(lc.n, e->opts.parallel, read_level_one, &lc, e->opts.cancel,
				 NULL, err);
		if (lc.parents != root_only)
			free(lc.parents);
		lc.parents = NULL;
		if (rc || lc.fe.rc)
			break;
		first = before;
		lc.n = e->n_units - first;
		if (lc.n) {
			lc.parents = malloc(lc.n * sizeof(*lc.parents));
			if (!lc.parents)
				return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			memcpy(lc.parents, e->units + first, lc.n * sizeof(*lc.parents));
		}
	}
	if (lc.parents != root_only)
		free(lc.parents);
	return take_first_error(rc, &lc.fe, err);
}

struct accounts_ctx {
	struct bw_engine *e;
	struct first_error fe;
};

static void read_accounts_one(void *p, size_t i)
{
	struct accounts_ctx *ac = p;
	struct bw_engine *e = ac->e;
	const char *pid = i == 0 ? e->root.id : e->units[i - 1]->u.id;
	struct bw_org_account *v = NULL;
	struct bw_error err = { 0 };
	size_t n = 0;
	int rc;

	rc = bw_orgs_list_accounts_for_parent(&v, &n, e->client, pid, &err);
	for (size_t k = 0; k < n; k++) {
		if (!rc && add_account(e, &v[k], NULL))
			rc = bw_error_set(&err, BW_ERR_NOMEM, "out of memory");
		bw_org_account_release(&v[k]);
	}
	free(v);
	keep_first_error(e, &ac->fe, rc, &err);
}

/*
 * ListAccountsForParent per parent: 1 + units calls, where ListAccounts
 * would need ListParents per account to place them.
 */
static int read_accounts(struct bw_engine *e, struct bw_error *err)
{
	struct accounts_ctx ac = { .e = e };
	int rc;

	rc = bw_pool_for(e->n_units + 1, e->opts.parallel, read_accounts_one, &ac,
			 e->opts.cancel, NULL, err);
	rc = take_first_error(rc, &ac.fe, err);
	return rc;
}

struct scp_ctx {
	struct bw_engine *e;
	struct first_error fe;
};

static void read_scp_one(void *p, size_t i)
{
	struct scp_ctx *sc = p;
	struct bw_engine *e = sc->e;
	struct bw_org_policy *pol = &e->scps[i];
	struct bw_error err = { 0 };
	int rc = 0;

	/* Only the policies the spec manages are worth their two calls. */
	if (pol->aws_managed || !bw_spec_find_guardrail(e->spec, pol->name))
		return;
	if (!(rc = bw_orgs_describe_policy(pol, e->client, &err)))
		rc = bw_orgs_policy_targets(pol, e->client, &err);
	keep_first_error(e, &sc->fe, rc, &err);
}

static int read_scps(struct bw_engine *e, struct bw_error *err)
{
	struct scp_ctx sc = { .e = e };
	size_t n_guardrails = 0;
	int rc;

	bw_spec_guardrails(e->spec, &n_guardrails);
	if (!e->root.scp_enabled && !n_guardrails)
		return 0;
	if ((rc = bw_orgs_list_scps(&e->scps, &e->n_scps, e->client, err)))
		return rc;
	rc = bw_pool_for(e->n_scps, e->opts.parallel, read_scp_one, &sc, e->opts.cancel, NULL, err);
	rc = take_first_error(rc, &sc.fe, err);
	return rc;
}

/* Pair live accounts with the spec's by email (how AWS identifies them). */
static int match_accounts(struct bw_engine *e)
{
	const struct bw_spec_account *sa;
	size_t n;

	sa = bw_spec_accounts(e->spec, &n);
	for (size_t i = 0; i < n; i++) {
		struct eng_account *found = NULL;

		for (size_t k = 0; !found && k < e->n_accounts; k++)
			if (!e->accounts[k]->spec && e->accounts[k]->a.email &&
			    !strcasecmp(e->accounts[k]->a.email, sa[i].email))
				found = e->accounts[k];
		if (!found) {
			struct bw_org_account none = { 0 };

			none.name = bw_strdup(sa[i].name);
			none.email = bw_strdup(sa[i].email);
			if (!none.name || !none.email || add_account(e, &none, &found)) {
				bw_org_account_release(&none);
				return BW_ERR_NOMEM;
			}
		}
		found->spec = &sa[i];
	}
	return 0;
}

/* Whether the listing found the account with id. */
static bool account_listed(const struct bw_engine *e, const char *id)
{
	for (size_t k = 0; id && *id && k < e->n_accounts; k++)
		if (e->accounts[k]->a.id && !strcmp(e->accounts[k]->a.id, id))
			return true;
	return false;
}

/*
 * Requests an earlier run recorded and did not see finish: ask how they
 * ended.  A finished one is forgotten (the account, if any, was found by
 * its email); one still in progress is waited for instead of created.
 */
static int resolve_pending(struct bw_engine *e, struct bw_error *err)
{
	struct bw_state *st = e->opts.state;

	if (!st)
		return 0;
	for (size_t i = bw_state_pending_count(st); i-- > 0;) {
		struct bw_state_pending p;
		struct bw_create_status cs;
		struct bw_error cerr = { 0 };
		char name[128];
		int rc;

		if (!bw_state_pending_at(st, i, &p))
			continue;
		bw_strlcpy(name, p.name, sizeof(name));
		rc = bw_orgs_create_status(&cs, e->client, p.request_id, &cerr);
		/*
		 * Succeeded after the accounts were listed: the account is not in
		 * e->accounts yet, so keep the request as pending and let apply
		 * adopt it (its first poll says SUCCEEDED) instead of planning a
		 * second CreateAccount.
		 */
		if (!rc && cs.state == BW_CREATE_SUCCEEDED && !account_listed(e, cs.account_id))
			cs.state = BW_CREATE_IN_PROGRESS;
		if (rc == BW_ERR_NOTFOUND || (!rc && cs.state != BW_CREATE_IN_PROGRESS)) {
			if (!rc && cs.state == BW_CREATE_FAILED)
				bw_log(BW_LOG_WARN, "account '%s': the creation started by an earlier "
				       "run failed: %s", name, cs.failure_reason);
			if ((rc = bw_state_pending_remove(st, name, err)))
				return rc;
			continue;
		}
		if (rc) {
			*err = cerr;
			return rc;
		}
		for (size_t k = 0; k < e->n_accounts; k++) {
			struct eng_account *acc = e->accounts[k];

			if (acc->spec && !acc->a.id && !strcmp(acc->spec->name, name) &&
			    !(acc->pending_request = bw_strdup(p.request_id)))
				return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		}
	}
	return 0;
}

/* Tags are read only for the accounts and units whose spec has some. */
struct tags_ctx {
	struct bw_engine *e;
	struct first_error fe;
};

static void read_tags_one(void *p, size_t i)
{
	struct tags_ctx *tc = p;
	struct bw_engine *e = tc->e;
	struct bw_error err = { 0 };
	json_t **slot;
	const char *id;
	int rc;

	if (i < e->n_units) {
		struct eng_unit *u = e->units[i];

		if (!u->spec || !u->spec->n_tags)
			return;
		id = u->u.id;
		slot = &u->tags;
	} else {
		struct eng_account *a = e->accounts[i - e->n_units];

		if (!a->spec || !a->spec->n_tags || !a->a.id)
			return;
		id = a->a.id;
		slot = &a->tags;
	}
	rc = bw_orgs_list_tags(slot, e->client, id, &err);
	keep_first_error(e, &tc->fe, rc, &err);
}

static int read_tags(struct bw_engine *e, struct bw_error *err)
{
	struct tags_ctx tc = { .e = e };
	int rc;

	rc = bw_pool_for(e->n_units + e->n_accounts, e->opts.parallel, read_tags_one, &tc,
			 e->opts.cancel, NULL, err);
	rc = take_first_error(rc, &tc.fe, err);
	return rc;
}

static bool is_transient_assume_error(const struct bw_error *err)
{
	return strstr(err->aws_code, "AccessDenied") || strstr(err->message, "AccessDenied") ||
	       strstr(err->message, "not authorized") ||
	       (err->code == BW_ERR_CREDS && err->http_status == 403);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

long bw_engine__deadline(const struct bw_engine *e)
{
	return now_ms() + e->opts.assume_timeout_ms;
}

int bw_engine__assume(struct bw_engine *e, struct eng_account *acc, long deadline,
		      struct bw_error *err)
{
	const struct bw_spec_org *so = bw_spec_org(e->spec);
	struct bw_assume_role_opts ao = { 0 };
	struct bw_credentials *cr = NULL;
	struct bw_buf arn = BW_BUF_INIT;
	long delay = 500, start = now_ms(), waited;
	int rc;

	if (acc->client)
		return 0;
	if (bw_buf_addf(&arn, "arn:%s:iam::%s:role/%s", e->partition, acc->a.id,
			so && so->access_role ? so->access_role : "OrganizationAccountAccessRole"))
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	ao.role_arn = arn.ptr;
	ao.session_name = "bulwark-bootstrap";
	for (;;) {
		struct bw_client *c = NULL;

		bw_error_clear(err);
		rc = bw_client_assume_role(&c, e->client, &ao, err);
		/* Fetch now, so AccessDenied shows here and not in the first read. */
		if (!rc && !(rc = bw_creds_get(&cr, bw_client_creds(c), err))) {
			bw_credentials_free(cr);
			acc->client = c;
			break;
		}
		bw_client_free(c);
		waited = now_ms() - start;
		/*
		 * A new account or role is not assumable at once (IAM is
		 * eventually consistent): AccessDenied is retried until the
		 * deadline.
		 */
		if (!is_transient_assume_error(err) || now_ms() + delay > deadline ||
		    bw_engine__cancelled(e)) {
			if (is_transient_assume_error(err) && deadline > start)
				bw_error_prefix(err, "cannot assume '%s' (waited %lds for it to "
						"become usable; check that the role exists and trusts "
						"the management account)", arn.ptr, waited / 1000);
			else
				bw_error_prefix(err, "cannot assume '%s'", arn.ptr);
			break;
		}
		bw_debug("assume %s: %s; retrying in %ld ms", arn.ptr, err->aws_code, delay);
		bw_sleep_ms(delay);
		delay = delay * 2 > 10000 ? 10000 : delay * 2;
	}
	bw_buf_release(&arn);
	return rc;
}

/*
 * Calls to read a baseline one resource at a time, and through
 * GetAccountAuthorizationDetails (one call for every role's inline and
 * attached policies and every customer managed policy, plus GetRole per
 * role for what it lacks: description and maximum session).
 */
static size_t cost_by_resource(const struct bw_spec_baseline *sb)
{
	size_t n = 2 * sb->n_managed_policies;

	for (size_t i = 0; i < sb->n_roles; i++)
		n += 3 + sb->roles[i].n_inline;
	return n;
}

static size_t cost_by_details(const struct bw_spec_baseline *sb)
{
	return 1 + sb->n_roles;
}

static const json_t *find_by(const json_t *list, const char *key, const char *value)
{
	const json_t *o;
	size_t i;

	json_array_foreach(list, i, o) {
		const char *v = json_string_value(json_object_get(o, key));

		if (v && !strcmp(v, value))
			return o;
	}
	return NULL;
}

static int strings_push(struct bw_iam_strings *s, const char *v)
{
	char **nv = realloc(s->v, (s->n + 2) * sizeof(*s->v));

	if (!nv)
		return BW_ERR_NOMEM;
	s->v = nv;
	if (!(s->v[s->n] = bw_strdup(v)))
		return BW_ERR_NOMEM;
	s->n++;
	s->v[s->n] = NULL;
	return 0;
}

static int read_baseline_details(struct bw_engine *e, struct eng_account *acc,
				 struct eng_baseline *b, struct bw_error *err)
{
	const struct bw_spec_baseline *sb = acc->spec->baseline;
	struct bw_client *c = acc->client;
	const json_t *roles, *pols, *o, *x;
	json_t *d = NULL;
	size_t k;
	int rc;

	if ((rc = bw_iam_authorization_details(&d, c, sb->n_managed_policies > 0, err)))
		return rc;
	roles = json_object_get(d, "RoleDetailList");
	pols = json_object_get(d, "Policies");
	for (size_t i = 0; !rc && i < sb->n_managed_policies; i++) {
		const struct bw_spec_managed_policy *mp = &sb->managed_policies[i];
		struct eng_policy *lp = &b->policies[i];
		const char *dv, *desc;

		if (bw_iam_policy_arn(&lp->arn, e->partition, acc->a.id, mp->path, mp->name)) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			break;
		}
		if (!(o = find_by(pols, "Arn", lp->arn)))
			continue;
		dv = json_string_value(json_object_get(o, "DefaultVersionId"));
		x = dv ? find_by(json_object_get(o, "PolicyVersionList"), "VersionId", dv) : NULL;
		desc = json_string_value(json_object_get(o, "Description"));
		lp->pol.arn = bw_strdup(lp->arn);
		lp->pol.description = bw_strdup(desc ? desc : "");
		lp->pol.default_version = bw_strdup(dv);
		lp->pol.document = bw_strdup(json_string_value(json_object_get(x, "Document")));
		if (!lp->pol.document) {
			/* Not in the answer: ask for it the usual way. */
			bw_iam_policy_release(&lp->pol);
			rc = bw_iam_get_policy(&lp->pol, c, lp->arn, err);
			if (rc == BW_ERR_NOTFOUND) {
				bw_error_clear(err);
				rc = 0;
				continue;
			}
		}
		lp->exists = rc == 0;
	}
	for (size_t i = 0; !rc && i < sb->n_roles; i++) {
		const struct bw_spec_role *sr = &sb->roles[i];
		struct eng_role *lr = &b->roles[i];

		if (!(o = find_by(roles, "RoleName", sr->name)))
			continue;
		rc = bw_iam_get_role(&lr->role, c, sr->name, err);
		if (rc == BW_ERR_NOTFOUND) {	/* deleted since */
			bw_error_clear(err);
			rc = 0;
			continue;
		}
		if (rc)
			break;
		lr->exists = true;
		x = json_object_get(o, "RolePolicyList");
		lr->inline_docs = calloc(json_array_size(x) + 1, sizeof(*lr->inline_docs));
		if (!lr->inline_docs) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			break;
		}
		json_array_foreach(x, k, o) {
			const char *name = json_string_value(json_object_get(o, "PolicyName"));
			const char *doc = json_string_value(json_object_get(o, "PolicyDocument"));

			if (!name)
				continue;
			lr->inline_docs[lr->inline_names.n] = bw_strdup(doc);
			if (strings_push(&lr->inline_names, name)) {
				rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
				break;
			}
		}
		o = find_by(roles, "RoleName", sr->name);
		json_array_foreach(json_object_get(o, "AttachedManagedPolicies"), k, x) {
			const char *arn = json_string_value(json_object_get(x, "PolicyArn"));

			if (!rc && arn && strings_push(&lr->attached, arn))
				rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		}
	}
	json_decref(d);
	return rc;
}

int bw_engine__read_baseline(struct bw_engine *e, struct eng_account *acc, struct bw_error *err)
{
	const struct bw_spec_baseline *sb = acc->spec->baseline;
	struct eng_baseline *b;
	struct bw_client *c = acc->client;
	int rc = 0;

	b = calloc(1, sizeof(*b));
	if (!b || !(b->roles = calloc(sb->n_roles + 1, sizeof(*b->roles))) ||
	    !(b->policies = calloc(sb->n_managed_policies + 1, sizeof(*b->policies)))) {
		if (b)
			free(b->roles);
		free(b);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	if (cost_by_details(sb) < cost_by_resource(sb)) {
		rc = read_baseline_details(e, acc, b, err);
		goto rest;
	}
	for (size_t i = 0; !rc && i < sb->n_managed_policies; i++) {
		const struct bw_spec_managed_policy *mp = &sb->managed_policies[i];
		struct eng_policy *lp = &b->policies[i];

		if (bw_iam_policy_arn(&lp->arn, e->partition, acc->a.id, mp->path, mp->name)) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			break;
		}
		rc = bw_iam_get_policy(&lp->pol, c, lp->arn, err);
		lp->exists = rc == 0;
		if (rc == BW_ERR_NOTFOUND) {
			bw_error_clear(err);
			rc = 0;
		}
	}
	for (size_t i = 0; !rc && i < sb->n_roles; i++) {
		const struct bw_spec_role *sr = &sb->roles[i];
		struct eng_role *lr = &b->roles[i];

		rc = bw_iam_get_role(&lr->role, c, sr->name, err);
		if (rc == BW_ERR_NOTFOUND) {
			bw_error_clear(err);
			rc = 0;
			continue;
		}
		if (rc)
			break;
		lr->exists = true;
		if ((rc = bw_iam_role_inline_names(&lr->inline_names, c, sr->name, err)))
			break;
		lr->inline_docs = calloc(lr->inline_names.n + 1, sizeof(*lr->inline_docs));
		if (!lr->inline_docs) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			break;
		}
		/* Only the documents the spec has an opinion on are fetched. */
		for (size_t k = 0; !rc && k < lr->inline_names.n; k++)
			for (size_t s = 0; s < sr->n_inline; s++)
				if (!strcmp(sr->inline_policies[s].name, lr->inline_names.v[k])) {
					rc = bw_iam_get_role_policy(&lr->inline_docs[k], c, sr->name,
								    lr->inline_names.v[k], err);
					break;
				}
		if (!rc)
			rc = bw_iam_role_attached_arns(&lr->attached, c, sr->name, err);
	}
rest:
	if (!rc && sb->password_policy.present) {
		rc = bw_iam_get_password_policy(&b->password_policy, c, err);
		if (rc == BW_ERR_NOTFOUND) {
			bw_error_clear(err);
			rc = 0;
		}
	}
	if (!rc && acc->spec->alias)
		rc = bw_iam_get_alias(&b->alias, c, err);
	if (rc) {
		bw_engine__baseline_free(b, sb);
		return rc;
	}
	acc->baseline = b;
	return 0;
}

static bool wants_baseline(const struct bw_engine *e, const struct eng_account *acc)
{
	return acc->spec && acc->spec->baseline && acc->a.id &&
	       strcmp(acc->a.id, bw_engine_management_account(e)) != 0 &&
	       (!acc->a.status || !strcmp(acc->a.status, "ACTIVE"));
}

static void read_account_one(void *p, size_t i)
{
	struct bw_engine *e = p;
	struct eng_account *acc = e->accounts[i];
	struct bw_error err = { 0 };
	char msg[1536];
	int rc;

	if (!wants_baseline(e, acc) || acc->baseline || acc->failed)
		return;
	bw_engine__progress(e, acc->spec->name, "reading", false);
	rc = bw_engine__assume(e, acc, e->assume_deadline, &err);
	if (rc && !e->assume_deadline && is_transient_assume_error(&err)) {
		/* Perhaps too new to be assumable: the second pass waits for it. */
		acc->assume_again = true;
		return;
	}
	acc->assume_again = false;
	if (!rc)
		rc = bw_engine__read_baseline(e, acc, &err);
	if (rc) {
		bw_error_format(msg, sizeof(msg), &err);
		acc->failed = true;
		acc->error = bw_strdup(msg);
		bw_engine__fail(e, acc->spec->name, "reading the baseline", &err);
	}
	bw_engine__progress(e, acc->spec->name, "read", true);
}

int bw_engine_read(struct bw_engine *e, struct bw_error *err)
{
	size_t todo = 0;
	int rc;

	if ((rc = read_caller(e, err)))
		return rc;
	rc = bw_orgs_describe(&e->org, e->client, err);
	if (rc == BW_ERR_NOTFOUND) {
		bw_error_clear(err);
		e->has_org = false;
		rc = 0;
	} else if (rc) {
		return rc;
	} else {
		e->has_org = true;
		if (strcmp(e->org.master_account_id, e->caller_account))
			return bw_error_set(err, BW_ERR_INVALID,
					    "the credentials are for account %s, a member of "
					    "organization %s; run bootstrap with credentials of its "
					    "management account %s (--profile)", e->caller_account,
					    e->org.id, e->org.master_account_id);
		if ((rc = bw_orgs_root(&e->root, e->client, err)) ||
		    (rc = read_units(e, err)) || (rc = read_accounts(e, err)) ||
		    (rc = read_scps(e, err)))
			return rc;
	}
	if (match_accounts(e))
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	if (e->has_org && ((rc = resolve_pending(e, err)) || (rc = read_tags(e, err))))
		return rc;
	for (size_t i = 0; i < e->n_accounts; i++)
		todo += wants_baseline(e, e->accounts[i]);
	progress_reset(e, todo);
	/*
	 * Every account is tried once without waiting; those that answered
	 * AccessDenied (created moments ago, perhaps by an interrupted run)
	 * are tried again against one deadline shared by all, so a broken
	 * access role costs the run the timeout once, not once per account.
	 */
	e->assume_deadline = 0;
	rc = bw_pool_for(e->n_accounts, e->opts.parallel, read_account_one, e, e->opts.cancel,
			 NULL, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < e->n_accounts; i++)
		if (e->accounts[i]->assume_again && !e->assume_deadline)
			e->assume_deadline = bw_engine__deadline(e);
	if (e->assume_deadline) {
		rc = bw_pool_for(e->n_accounts, e->opts.parallel, read_account_one, e,
				 e->opts.cancel, NULL, err);
		if (rc)
			return rc;
	}
	e->read = true;
	return 0;
}

int bw_engine_plan(struct bw_engine *e, const struct bw_plan **out, struct bw_error *err)
{
	int rc;

	if (!e->read)
		return bw_error_set(err, BW_ERR_INTERNAL, "plan before read");
	bw_plan_release(&e->plan);
	if ((rc = bw_diff__org(e, &e->plan, err)))
		return rc;
	for (size_t i = 0; i < e->n_accounts; i++) {
		struct eng_account *acc = e->accounts[i];

		if (acc->spec && acc->spec->baseline &&
		    (rc = bw_diff__baseline(e, acc, &e->plan, err)))
			return rc;
	}
	bw_plan_sort(&e->plan);
	e->planned = true;
	*out = &e->plan;
	return 0;
}
