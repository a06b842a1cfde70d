/*
 * plan.h - an ordered list of changes that takes the live organization to
 * its spec, and the way it is shown to a person (like `terraform plan`).
 *
 * A change says what it does (op, kind), to what (the spec item and the
 * live ids it needs), in which stage it may run (stages run in order;
 * changes of one stage are independent of each other and may run in
 * parallel) and, after apply, how it went.  Changes in a member account
 * carry that account's name and run in the account's own sequence.
 * Things that exist but are not in the spec are notes: they are reported,
 * never changed, unless --prune turns the removable ones (OUs and SCPs,
 * never accounts) into changes.
 */
#ifndef BULWARK_PLAN_H
#define BULWARK_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bulwark/buf.h"
#include "bulwark/error.h"
#include "bulwark/spec.h"

enum bw_change_op {
	BW_OP_CREATE,	/* "+" */
	BW_OP_UPDATE,	/* "~" */
	BW_OP_REMOVE,	/* "-" */
};

enum bw_change_kind {
	/* organization level, in stage order */
	BW_CH_ORG_CREATE,
	BW_CH_SCP_ENABLE,
	BW_CH_UNIT_CREATE,
	BW_CH_SCP_CREATE,
	BW_CH_SCP_UPDATE,
	BW_CH_ACCOUNT_CREATE,
	BW_CH_ACCOUNT_MOVE,
	BW_CH_ORG_TAGS,		/* tags of an account or unit */
	BW_CH_SCP_ATTACH,
	BW_CH_SCP_DETACH,
	BW_CH_SCP_DELETE,	/* --prune */
	BW_CH_UNIT_DELETE,	/* --prune */
	/* in a member account */
	BW_CH_POLICY_CREATE,
	BW_CH_POLICY_UPDATE,
	BW_CH_ROLE_CREATE,
	BW_CH_ROLE_TRUST,
	BW_CH_ROLE_SETTINGS,
	BW_CH_ROLE_BOUNDARY,
	BW_CH_ROLE_TAGS,
	BW_CH_ROLE_INLINE_PUT,
	BW_CH_ROLE_INLINE_DELETE,
	BW_CH_ROLE_ATTACH,
	BW_CH_ROLE_DETACH,
	BW_CH_PASSWORD_POLICY,
	BW_CH_ALIAS,
};

/* Stages: everything of a lower stage is done before a higher one starts. */
enum {
	BW_STAGE_ORG = 0,
	BW_STAGE_SCP_ENABLE = 1,
	BW_STAGE_UNIT = 10,		/* + depth */
	BW_STAGE_SCP = 60,
	BW_STAGE_ACCOUNT = 70,
	BW_STAGE_MOVE = 80,
	BW_STAGE_ATTACH = 90,
	BW_STAGE_BASELINE = 100,	/* per account, in the account's order */
	BW_STAGE_PRUNE_SCP = 110,
	BW_STAGE_PRUNE_UNIT = 120,	/* + (max depth - depth) */
};

struct bw_change {
	enum bw_change_op op;
	enum bw_change_kind kind;
	int stage;
	char *account;		/* member account name, NULL: organization level */
	char *what;		/* "organizational unit 'Workloads/Prod'" */
	char *detail;		/* extra lines (a policy diff), or NULL */

	/* What to act on: spec items (borrowed from the spec) ... */
	const struct bw_spec_unit *unit;
	const struct bw_spec_guardrail *guardrail;
	const struct bw_spec_account *spec_account;
	const struct bw_spec_role *role;
	const struct bw_spec_managed_policy *policy;
	const struct bw_spec_target *target;
	/* ... and live values (owned). */
	char *id;		/* the live id acted on (policy, OU, account), or NULL */
	char *arg;		/* a second id, ARN or name (target, parent, inline name) */
	char *doc;		/* the rendered document or value to write */
	char *old;		/* what is replaced (old parent id, old alias), or NULL */

	/* After apply. */
	bool done;
	int result;		/* 0 or a negative enum bw_err */
	char *error;		/* formatted error, or NULL */
};

/*
 * Something live that the spec does not mention, reported and left alone;
 * or (problem) something that could not be read, so the plan is partial.
 */
struct bw_plan_note {
	char *account;		/* member account name, NULL: organization level */
	char *text;
	bool problem;
};

/* A member account's heading in the plan. */
struct bw_plan_group {
	char *account;		/* spec name */
	char *label;		/* "account 'prod' (111122223333)" or "(new)" */
};

struct bw_plan {
	struct bw_change *changes;
	size_t n, cap;
	struct bw_plan_note *notes;
	size_t n_notes, cap_notes;
	struct bw_plan_group *groups;
	size_t n_groups, cap_groups;
	size_t n_create, n_update, n_remove;
	size_t n_problems;
};

void bw_plan_init(struct bw_plan *p);
void bw_plan_release(struct bw_plan *p);

/*
 * Append a change; strings what/detail/id/arg/doc/old are copied (NULL
 * ok).  *out (NULL allowed) points at the new change until the next add.
 */
int bw_plan_add(struct bw_plan *p, const struct bw_change *c, struct bw_change **out) BW_WARN_UNUSED;
int bw_plan_note(struct bw_plan *p, const char *account, const char *fmt, ...)
	__attribute__((format(printf, 3, 4))) BW_WARN_UNUSED;
/* A part of the organization that could not be read (the plan is partial). */
int bw_plan_problem(struct bw_plan *p, const char *account, const char *fmt, ...)
	__attribute__((format(printf, 3, 4))) BW_WARN_UNUSED;
/* Declare the heading of account (in the order the plan shows them). */
int bw_plan_group(struct bw_plan *p, const char *account, const char *label) BW_WARN_UNUSED;

/* Number of changes (creates + updates + removes). */
size_t bw_plan_count(const struct bw_plan *p);

/*
 * Sort changes by stage, keeping the order of changes within a stage and
 * within an account (stable).
 */
void bw_plan_sort(struct bw_plan *p);

/*
 * The plan as a person reads it: organization-level changes first, then
 * each account's under its heading, "+ create", "~ update" (with the
 * policy diff indented under it), "- remove"; then what could not be read;
 * then the notes; then "Plan: N to create, M to update, K to remove." or
 * "No changes. The organization matches the spec." (each saying so when
 * the plan is partial).  color adds ANSI colors to the prefixes.
 */
int bw_plan_format(struct bw_buf *out, const struct bw_plan *p, bool color) BW_WARN_UNUSED;

#endif
