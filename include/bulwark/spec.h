/*
 * spec.h - the YAML spec of `bulwark bootstrap`: finding it, loading and
 * validating it, and the in-memory model the engine converges to.
 *
 * bw_spec_load reads one YAML file (libyaml), checks everything that can be
 * checked without calling AWS (unknown keys, types, duplicates, references,
 * AWS naming rules, the policy documents it points to) and reports every
 * problem, not just the first, with file:line:column and a fix.  The result
 * is immutable, owns all its memory (freed by bw_spec_free) and may be read
 * by any thread.  Everything it points to lives as long as the spec.
 *
 * The format is described in man/bulwark-spec.5; templates/org.yaml is a
 * complete example.
 */
#ifndef BULWARK_SPEC_H
#define BULWARK_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/error.h"
#include "bulwark/policy.h"

/* Caps on what bw_spec_load accepts, so a hostile file cannot exhaust us. */
#define BW_SPEC_MAX_FILE	((size_t)1 << 20)	/* 1 MiB of YAML */
#define BW_SPEC_MAX_POLICY_FILE	((size_t)256 << 10)	/* 256 KiB per policy file */
#define BW_SPEC_MAX_DEPTH	32			/* nested collections */
#define BW_SPEC_MAX_NODES	100000			/* scalars + collections */

/* ---- diagnostics ------------------------------------------------------ */

enum bw_spec_severity { BW_SPEC_ERROR, BW_SPEC_WARNING };

/*
 * One problem.  file is the spec or a policy file (as the user would type
 * it, relative to the current directory); line and column are 1-based, 0
 * when unknown.  hint says what to write instead (may be NULL).  For a
 * problem inside a policy file, ref_file/ref_line/ref_column point to
 * where the spec references that file (ref_file NULL otherwise).
 */
struct bw_spec_problem {
	enum bw_spec_severity severity;
	char *file;
	int line, column;
	char *message;
	char *hint;
	char *ref_file;
	int ref_line, ref_column;
};

/* Problems in the order found (then sorted by file, line, column). */
struct bw_spec_diag {
	struct bw_spec_problem *items;
	size_t n, cap;
	size_t errors, warnings;
};

/* An empty list; BW_SPEC_DIAG_INIT does the same statically. */
#define BW_SPEC_DIAG_INIT { NULL, 0, 0, 0, 0 }
void bw_spec_diag_init(struct bw_spec_diag *d);
/* Free every problem and re-init (NULL-safe). */
void bw_spec_diag_release(struct bw_spec_diag *d);

/*
 * Append one problem as the compiler does, to out:
 *   org.yaml:12:5: error: unknown key 'emial' in account 'acme-prod'; did you mean 'email'?
 * followed, for a policy file, by a second line
 *   org.yaml:40:11: note: 'policies/scp/x.json' is referenced here
 * Each line ends with '\n'.
 */
int bw_spec_problem_format(struct bw_buf *out, const struct bw_spec_problem *p) BW_WARN_UNUSED;

/* ---- the model -------------------------------------------------------- */

/* Where a thing was declared in the spec (file borrowed from the spec). */
struct bw_spec_loc {
	const char *file;
	int line, column;
};

struct bw_spec_tag {
	const char *key;
	const char *value;
};

/* A variable: a string, or a list of strings (is_list). */
struct bw_spec_var {
	const char *name;
	const char *const *values;
	size_t n_values;
	bool is_list;
	struct bw_spec_loc loc;
};

struct bw_spec_org {
	const char *feature_set;		/* "ALL" */
	const char *default_region;
	const char *const *allowed_regions;	/* includes default_region */
	size_t n_allowed_regions;
	const char *access_role;		/* default OrganizationAccountAccessRole */
};

/* An organizational unit, identified by its path ("Workloads/Prod"). */
struct bw_spec_unit {
	const char *name;			/* last component: "Prod" */
	const char *path;			/* "Workloads/Prod" */
	const struct bw_spec_unit *parent;	/* NULL: directly under the root */
	int depth;				/* 1 for a child of the root */
	const struct bw_spec_tag *tags;
	size_t n_tags;
	bool implied;				/* created only as a parent of a path */
	struct bw_spec_loc loc;
};

/*
 * A policy document as written: a file (path set) or inline in the spec.
 * text is the template JSON before variables are substituted; render it
 * with bw_spec_render.  kind and flags are what it was validated as.
 */
struct bw_spec_doc {
	const char *path;		/* file as shown in messages, or NULL when inline */
	const char *text;		/* JSON template, NUL-terminated */
	size_t len;
	enum bw_policy_kind kind;
	unsigned flags;			/* BW_POLICY_ALLOW_ADMIN for break-glass */
	const struct bw_spec_var *vars;	/* the guardrail's own vars:, or none */
	size_t n_vars;
	struct bw_spec_loc loc;		/* where the spec names it */
};

struct bw_spec_baseline;
struct bw_spec_account;

/* Where a guardrail attaches. */
enum bw_spec_target_kind { BW_SPEC_TARGET_ROOT, BW_SPEC_TARGET_UNIT, BW_SPEC_TARGET_ACCOUNT };

struct bw_spec_target {
	enum bw_spec_target_kind kind;
	const struct bw_spec_unit *unit;	/* BW_SPEC_TARGET_UNIT */
	const struct bw_spec_account *account;	/* BW_SPEC_TARGET_ACCOUNT */
	struct bw_spec_loc loc;
};

/* A service control policy and where it attaches. */
struct bw_spec_guardrail {
	const char *name;
	const char *description;		/* "" when not given */
	struct bw_spec_doc doc;			/* kind BW_POLICY_SCP */
	const struct bw_spec_target *targets;
	size_t n_targets;
	struct bw_spec_loc loc;
};

/* A customer managed policy created in each account of a baseline. */
struct bw_spec_managed_policy {
	const char *name;
	const char *description;
	const char *path;			/* IAM path, default "/" */
	struct bw_spec_doc doc;
	struct bw_spec_loc loc;
};

/*
 * A reference to a managed policy: one of the baseline's own
 * (policy != NULL) or an existing policy by ARN (arn != NULL).
 */
struct bw_spec_policy_ref {
	const struct bw_spec_managed_policy *policy;
	const char *arn;
	struct bw_spec_loc loc;
};

struct bw_spec_inline_policy {
	const char *name;
	struct bw_spec_doc doc;			/* kind BW_POLICY_IDENTITY */
};

struct bw_spec_role {
	const char *name;
	const char *description;		/* "" when not given */
	const char *path;			/* default "/" */
	int max_session;			/* seconds, default 3600 */
	bool break_glass;			/* may hold "Action":"*" on "*" */
	struct bw_spec_doc trust;		/* kind BW_POLICY_TRUST */
	const struct bw_spec_inline_policy *inline_policies;
	size_t n_inline;
	const struct bw_spec_policy_ref *managed;
	size_t n_managed;
	struct bw_spec_policy_ref boundary;	/* both NULL: no boundary */
	const struct bw_spec_tag *tags;
	size_t n_tags;
	struct bw_spec_loc loc;
};

/* IAM UpdateAccountPasswordPolicy; 0 in an int field means "not set". */
struct bw_spec_password_policy {
	bool present;
	int min_length;				/* default 14 */
	bool require_symbols, require_numbers;
	bool require_uppercase, require_lowercase;
	bool allow_users_to_change;
	int max_age_days;
	int reuse_prevention;
	bool hard_expiry;
};

struct bw_spec_baseline {
	const char *name;
	const struct bw_spec_role *roles;
	size_t n_roles;
	const struct bw_spec_managed_policy *managed_policies;
	size_t n_managed_policies;
	struct bw_spec_password_policy password_policy;
	const char *alias;		/* pattern with {account}/{environment}, or NULL */
	struct bw_spec_loc loc;
};

struct bw_spec_account {
	const char *name;
	const char *email;
	const char *environment;
	const struct bw_spec_unit *unit;	/* NULL: the root */
	const struct bw_spec_baseline *baseline;	/* NULL: none */
	const char *alias;			/* the expanded alias, or NULL */
	const struct bw_spec_tag *tags;
	size_t n_tags;
	struct bw_spec_loc loc;
};

struct bw_spec_sandbox {
	bool present;
	const struct bw_spec_unit *unit;
	const char *email;			/* pattern with one {owner} */
	long ttl;				/* seconds */
	long max_ttl;				/* seconds, >= ttl */
	const struct bw_spec_baseline *baseline;	/* NULL: none */
	struct bw_spec_loc loc;
};

struct bw_spec_secrets {
	bool present;
	const char *prefix;		/* may contain {environment} and {account} */
	const char *kms_key;		/* alias/..., key id or ARN; NULL: aws/secretsmanager */
	struct bw_spec_loc loc;
};

struct bw_spec;

/* ---- finding and loading ---------------------------------------------- */

/*
 * The spec file to use: flag (--spec) if not NULL, else $BULWARK_SPEC if
 * set and not empty, else ./bulwark.yaml.  *out is borrowed (flag, the
 * environment or a static string); *source names where it came from
 * ("--spec", "BULWARK_SPEC", "default"); either may be NULL.
 * BW_ERR_INVALID when nothing was given and ./bulwark.yaml does not exist,
 * with a message saying how to give one.
 */
int bw_spec_locate(const char **out, const char **source, const char *flag,
		   struct bw_error *err) BW_WARN_UNUSED;

/*
 * Read, parse and validate the spec at path.  Every problem goes to diags
 * (caller-owned, not cleared first, NULL allowed).  Returns 0 and *out (the
 * caller frees it with bw_spec_free) when there is no error (warnings are
 * fine); else *out is NULL and the return is BW_ERR_INVALID (bad spec, exit
 * status 2, err says how many errors), BW_ERR_IO (cannot read: also
 * BW_ERR_INVALID when the file does not exist) or BW_ERR_NOMEM.
 * Policy files are read relative to the directory of path;
 * "bulwark:scp/NAME" names a shipped policy in $BULWARK_POLICY_DIR (else
 * the installed policies directory).
 */
int bw_spec_load(struct bw_spec **out, const char *path, struct bw_spec_diag *diags,
		 struct bw_error *err) BW_WARN_UNUSED;

/*
 * As bw_spec_load, from memory: name is used in messages, base_dir (NULL:
 * ".") is where relative policy paths start.  text need not be
 * NUL-terminated.
 */
int bw_spec_load_mem(struct bw_spec **out, const char *name, const char *base_dir,
		     const char *text, size_t len, struct bw_spec_diag *diags,
		     struct bw_error *err) BW_WARN_UNUSED;

/* NULL-safe. */
void bw_spec_free(struct bw_spec *spec);

/* ---- reading the model (all borrowed, valid until bw_spec_free) -------- */

const char *bw_spec_path(const struct bw_spec *spec);
const struct bw_spec_org *bw_spec_org(const struct bw_spec *spec);
/* Environment names accounts may use (default dev, staging, prod). */
const char *const *bw_spec_environments(const struct bw_spec *spec, size_t *n);

/* Units ordered so that a parent always comes before its children. */
const struct bw_spec_unit *bw_spec_units(const struct bw_spec *spec, size_t *n);
const struct bw_spec_account *bw_spec_accounts(const struct bw_spec *spec, size_t *n);
const struct bw_spec_guardrail *bw_spec_guardrails(const struct bw_spec *spec, size_t *n);
const struct bw_spec_baseline *bw_spec_baselines(const struct bw_spec *spec, size_t *n);
/* The spec's top-level vars: (not the built-ins). */
const struct bw_spec_var *bw_spec_vars(const struct bw_spec *spec, size_t *n);
const struct bw_spec_sandbox *bw_spec_sandbox(const struct bw_spec *spec);
const struct bw_spec_secrets *bw_spec_secrets(const struct bw_spec *spec);

/*
 * The roles bulwark creates in member accounts (every baseline role),
 * written as they appear after "role/" in an ARN ("bulwark/bulwark-deployer"
 * for path /bulwark/), sorted and unique: the built-in variable
 * protected_roles.  The access role is not in it (it is ${access_role}).
 */
const char *const *bw_spec_protected_roles(const struct bw_spec *spec, size_t *n);

/* Lookups by identity; NULL when absent.  "Root" is not a unit. */
const struct bw_spec_unit *bw_spec_find_unit(const struct bw_spec *spec, const char *path);
const struct bw_spec_account *bw_spec_find_account(const struct bw_spec *spec, const char *name);
const struct bw_spec_baseline *bw_spec_find_baseline(const struct bw_spec *spec, const char *name);
const struct bw_spec_guardrail *bw_spec_find_guardrail(const struct bw_spec *spec, const char *name);

/* ---- rendering policy documents ---------------------------------------- */

/* What is only known at run time. */
struct bw_spec_runtime {
	const char *management_account_id;	/* learnt from sts:GetCallerIdentity */
	const char *organization_id;		/* "o-..." */
	const char *account_id;			/* the member account, for baselines */
};

/*
 * Substitute the variables of doc with bw_policy_render (lib/policy.c: on
 * the parsed JSON, so a value cannot leave its string; ${aws:...}, ${*},
 * ${?}, ${$} stay as written; an array element holding a list variable
 * becomes one element per item) and return minified JSON in *out (caller
 * frees with free()).  Variables, first match wins: doc->vars (a
 * guardrail's vars:), the spec's vars:, then the built-ins:
 * allowed_regions and protected_roles (lists), default_region,
 * access_role, boundary_policy_name (path/name of the one permissions
 * boundary the baselines use, if they use exactly one),
 * management_account_id and organization_id (from rt) and, when account
 * is not NULL, account_name, environment and account_id (from rt).
 * rt may be NULL: its variables are then unknown.  BW_ERR_INVALID when a
 * variable is unknown or misused (err says which and where in the JSON).
 */
int bw_spec_render(char **out, const struct bw_spec *spec, const struct bw_spec_doc *doc,
		   const struct bw_spec_runtime *rt, const struct bw_spec_account *account,
		   struct bw_error *err) BW_WARN_UNUSED;

/*
 * Expand a pattern such as "acme-{account}" or "/bulwark/{environment}/":
 * {account}, {environment} and {owner} take the given values (NULL: the
 * placeholder is an error).  *out is the caller's to free().
 */
int bw_spec_expand(char **out, const char *pattern, const char *account,
		   const char *environment, const char *owner,
		   struct bw_error *err) BW_WARN_UNUSED;

/* Parse "3600", "90s", "30m", "12h", "14d", "2w" into seconds; -1 if bad. */
long bw_spec_parse_duration(const char *s);

#endif
