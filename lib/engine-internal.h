/*
 * engine-internal.h - the engine's shared state, for engine.c (setup and
 * live reads), diff.c (spec vs live into a plan) and apply.c (running it).
 * Not a public interface.
 */
#ifndef BULWARK_ENGINE_INTERNAL_H
#define BULWARK_ENGINE_INTERNAL_H

#include <pthread.h>

#include <jansson.h>

#include "bulwark/client.h"
#include "bulwark/engine.h"
#include "bulwark/iam.h"
#include "bulwark/orgs.h"
#include "bulwark/plan.h"
#include "bulwark/spec.h"
#include "bulwark/state.h"

/* A live organizational unit with its path ("Workloads/Prod"). */
struct eng_unit {
	struct bw_org_unit u;
	char *path;
	int depth;
	const struct bw_spec_unit *spec;	/* NULL: not in the spec */
	json_t *tags;				/* NULL: not read */
};

/* The live baseline of one role of the spec. */
struct eng_role {
	bool exists;
	struct bw_iam_role role;
	struct bw_iam_strings inline_names;
	char **inline_docs;			/* one per inline_names */
	struct bw_iam_strings attached;		/* policy ARNs */
};

/* The live state of one customer managed policy of the baseline. */
struct eng_policy {
	bool exists;
	char *arn;				/* the ARN it has or will have */
	struct bw_iam_policy pol;
};

struct eng_baseline {
	struct eng_role *roles;			/* parallel to spec baseline roles */
	struct eng_policy *policies;		/* parallel to managed_policies */
	json_t *password_policy;		/* NULL: none */
	char *alias;				/* NULL: none */
};

struct eng_account {
	struct bw_org_account a;		/* a.id NULL until it exists */
	const struct bw_spec_account *spec;	/* NULL: not in the spec */
	struct bw_client *client;		/* assumed into the access role, cached */
	struct eng_baseline *baseline;		/* NULL: not read */
	char *pending_request;			/* CreateAccount in flight */
	json_t *tags;				/* NULL: not read */
	bool created;				/* created by this run */
	bool assume_again;			/* AccessDenied: retry with waiting */
	bool failed;				/* reading or applying failed */
	char *error;				/* why, formatted */
};

struct bw_engine {
	struct bw_client *client;
	struct bw_client *create_client;
	const struct bw_spec *spec;
	struct bw_engine_opts opts;
	pthread_mutex_t lock;

	bool read;
	char caller_account[16];
	char partition[16];
	bool has_org;
	struct bw_org org;
	struct bw_org_root root;

	struct eng_unit **units;
	size_t n_units, cap_units;
	struct eng_account **accounts;
	size_t n_accounts, cap_accounts;
	struct bw_org_policy *scps;
	size_t n_scps;

	long assume_deadline;		/* monotonic ms; 0: do not wait */

	struct bw_plan plan;
	bool planned;

	struct bw_buf failures;		/* one line per failure */
	size_t n_failures;
	size_t progress_done, progress_total, progress_failed;
};

/* engine.c */
void bw_engine__fail(struct bw_engine *e, const char *account, const char *what,
		     const struct bw_error *err);
void bw_engine__progress(struct bw_engine *e, const char *account, const char *step,
			 bool finished);
bool bw_engine__cancelled(const struct bw_engine *e);
struct eng_unit *bw_engine__unit_by_path(struct bw_engine *e, const char *path);
struct eng_unit *bw_engine__unit_by_id(struct bw_engine *e, const char *id);
int bw_engine__add_unit(struct bw_engine *e, const char *id, const char *name,
			const char *parent_id, const char *path, int depth,
			const struct bw_spec_unit *spec);
struct eng_account *bw_engine__account_by_spec(struct bw_engine *e,
					       const struct bw_spec_account *sa);
struct bw_org_policy *bw_engine__scp_by_name(struct bw_engine *e, const char *name);
/* The parent id a spec unit (NULL: the root) has live, or NULL. */
const char *bw_engine__parent_id(struct bw_engine *e, const struct bw_spec_unit *u);
/* The runtime of rendering for account (NULL: organization level). */
void bw_engine__runtime(struct bw_engine *e, struct bw_spec_runtime *rt, const char *account_id);
/*
 * Assume into account's access role, retrying AccessDenied (eventual
 * consistency) until deadline, a monotonic time in ms (0: try once).
 */
int bw_engine__assume(struct bw_engine *e, struct eng_account *acc, long deadline,
		      struct bw_error *err);
/* Now plus the assume timeout, as a deadline for bw_engine__assume. */
long bw_engine__deadline(const struct bw_engine *e);
/* Read account's baseline (after assume). */
int bw_engine__read_baseline(struct bw_engine *e, struct eng_account *acc,
			     struct bw_error *err);
void bw_engine__baseline_free(struct eng_baseline *b, const struct bw_spec_baseline *sb);

/* The spec's tags as [{"Key","Value"}] (new reference; NULL when none). */
json_t *bw_engine__tags_json(const struct bw_spec_tag *tags, size_t n);
/* Every spec tag is in live with its value (other live tags are left). */
bool bw_engine__tags_cover(const struct bw_spec_tag *tags, size_t n, const json_t *live);

/* diff.c */
int bw_diff__org(struct bw_engine *e, struct bw_plan *p, struct bw_error *err);
int bw_diff__baseline(struct bw_engine *e, struct eng_account *acc, struct bw_plan *p,
		      struct bw_error *err);
/* The ARN a baseline policy reference means in account_id. */
int bw_diff__ref_arn(struct bw_engine *e, const struct bw_spec_policy_ref *ref,
		     const char *account_id, char **out);

#endif
