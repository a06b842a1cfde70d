/*
 * engine.h - read the live organization, compare it with the spec, plan,
 * apply, resume: the core behind `bulwark bootstrap`, meant to serve
 * `audit` (read + plan) and later commands too.
 *
 * Reading makes the organization-level calls once (DescribeOrganization,
 * ListRoots, the OU tree, ListAccountsForParent per OU, the SCPs the spec
 * manages) and then reads every managed member account's baseline in
 * parallel, through AssumeRole into the spec's access role (credentials
 * cached per account for the run), with GetAccountAuthorizationDetails or
 * resource by resource, whichever takes fewer calls for the baseline, and
 * only what the spec has an opinion on.  Policy documents are compared by
 * meaning (bw_policy_equal_text).  Applying runs the plan stage by stage,
 * in parallel within a stage and across accounts; an error in one account
 * does not stop the others.  Non-idempotent steps (CreateAccount) are
 * recorded in the state file before bulwark waits on them, so a run
 * interrupted anywhere resumes without creating anything twice.
 */
#ifndef BULWARK_ENGINE_H
#define BULWARK_ENGINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "bulwark/client.h"
#include "bulwark/error.h"
#include "bulwark/plan.h"
#include "bulwark/spec.h"
#include "bulwark/state.h"

struct bw_engine;

/* What the engine is doing, for a progress display (called from workers). */
struct bw_progress {
	const char *account;	/* account name, or NULL for organization level */
	const char *step;	/* "reading", "creating account", "role 'Admin'" ... */
	size_t done, total;	/* units of work (accounts or changes) */
	size_t failed;
	bool finished;		/* this account or step is over */
};
typedef void (*bw_progress_fn)(void *ctx, const struct bw_progress *p);

struct bw_engine_opts {
	int parallel;			/* accounts at once; 0: 16 */
	bool prune;			/* remove OUs and SCPs the spec does not name */
	long assume_timeout_ms;		/* keep retrying AccessDenied on AssumeRole; 0: 120000 */
	long create_timeout_ms;		/* wait for CreateAccount; 0: 1800000 */
	long poll_ms;			/* first DescribeCreateAccountStatus delay; 0: 1000 */
	struct bw_state *state;		/* borrowed; NULL: nothing is recorded */
	const volatile sig_atomic_t *cancel;	/* set by SIGINT: start nothing new */
	bw_progress_fn progress;	/* NULL: none */
	void *progress_ctx;
};

/*
 * A new engine.  client (borrowed) calls in the management account;
 * create_client (borrowed, NULL: client) is the same identity with retries
 * off, for CreateAccount.  spec and opts->state are borrowed and must
 * outlive the engine.
 */
int bw_engine_new(struct bw_engine **out, struct bw_client *client,
		  struct bw_client *create_client, const struct bw_spec *spec,
		  const struct bw_engine_opts *opts, struct bw_error *err) BW_WARN_UNUSED;
void bw_engine_free(struct bw_engine *e);

/*
 * Read the live state.  BW_ERR_INVALID when the caller is not the
 * organization's management account (the message says which account it
 * is and which it should be).  Failures to read one member account do not
 * fail the read: they are reported in the plan and in bw_engine_failures.
 */
int bw_engine_read(struct bw_engine *e, struct bw_error *err) BW_WARN_UNUSED;

/* Compare and build the plan (after bw_engine_read).  Borrowed result. */
int bw_engine_plan(struct bw_engine *e, const struct bw_plan **out,
		   struct bw_error *err) BW_WARN_UNUSED;

struct bw_apply_summary {
	size_t done;		/* changes made */
	size_t failed;		/* changes that failed */
	size_t skipped;		/* not started (interrupted, or a dependency failed) */
};

/*
 * Apply the plan.  Returns 0 when every change was made; BW_ERR_CANCELLED
 * when interrupted (what was started finished; the state is saved);
 * BW_ERR_AWS (or the first error's code) when some failed, each failure
 * being in the plan's changes (result, error) and in bw_engine_failures.
 */
int bw_engine_apply(struct bw_engine *e, struct bw_apply_summary *sum,
		    struct bw_error *err) BW_WARN_UNUSED;

/*
 * Every failure of the run so far, one per line ("account 'prod': role
 * 'Admin': iam CreateRole: ..."), into out.  Returns how many.
 */
size_t bw_engine_failures(struct bw_engine *e, struct bw_buf *out);

/* Change the progress callback (NULL: none) between steps. */
void bw_engine_set_progress(struct bw_engine *e, bw_progress_fn fn, void *ctx);

/* The management account id, once read ("" before). */
const char *bw_engine_management_account(const struct bw_engine *e);

#endif
