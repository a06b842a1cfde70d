/*
 * spec_internal.h - what lib/spec.c (loading, the model) and
 * lib/spec_check.c (AWS naming rules, patterns, rendering) share.
 */
#ifndef BULWARK_SPEC_INTERNAL_H
#define BULWARK_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/policy.h"

/*
 * The rule checkers return true when s is acceptable; otherwise they write
 * why (lowercase, no full stop, e.g. "is 70 characters; AWS allows 1 to
 * 50") into why[n].
 */
bool bw_spec__check_account_name(const char *s, char *why, size_t n);
bool bw_spec__check_email(const char *s, char *why, size_t n);
bool bw_spec__check_ou_name(const char *s, char *why, size_t n);
bool bw_spec__check_iam_name(const char *s, size_t max, char *why, size_t n);
bool bw_spec__check_role_path(const char *s, char *why, size_t n);
bool bw_spec__check_policy_path(const char *s, char *why, size_t n);
bool bw_spec__check_alias(const char *s, char *why, size_t n);
bool bw_spec__check_tag_key(const char *s, char *why, size_t n);
bool bw_spec__check_tag_value(const char *s, char *why, size_t n);
bool bw_spec__check_region(const char *s, char *why, size_t n);
bool bw_spec__check_kms_key(const char *s, char *why, size_t n);
bool bw_spec__check_secret_name(const char *s, char *why, size_t n);
bool bw_spec__check_text(const char *s, size_t max, char *why, size_t n);
bool bw_spec__check_var_name(const char *s, char *why, size_t n);
bool bw_spec__check_env_name(const char *s, char *why, size_t n);
bool bw_spec__check_policy_arn(const char *s, char *why, size_t n);

/* Levenshtein distance, capped: returns cap+1 once it is exceeded. */
size_t bw_spec__distance(const char *a, const char *b, size_t cap);
/* True if cand is close enough to s to suggest it ("did you mean"). */
bool bw_spec__close(const char *s, const char *cand);

/* True if name is a built-in variable. */
bool bw_spec__builtin_var(const char *name);

struct bw_spec;
struct bw_spec_doc;
struct bw_spec_runtime;
struct bw_spec_account;
struct bw_error;

/*
 * bw_spec_render passing every problem of bw_policy_render to report, so
 * validation can show them all.
 */
int bw_spec__render(char **out, const struct bw_spec *spec, const struct bw_spec_doc *doc,
		    const struct bw_spec_runtime *rt, const struct bw_spec_account *account,
		    bw_policy_report_fn report, void *ctx, struct bw_error *err);

/* The one permissions boundary the baselines use (boundary_policy_name), or NULL. */
const char *bw_spec__boundary_name(const struct bw_spec *spec);

#endif
