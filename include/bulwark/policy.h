/*
 * policy.h - IAM and SCP policy documents: validation, comparison by
 * meaning, readable diffs and variable substitution.
 *
 * Two documents are equal when they grant the same thing: key order,
 * whitespace, a string versus a one-element list, the order of actions,
 * resources and statements, and IAM's URL-encoding are not differences.
 */
#ifndef BULWARK_POLICY_H
#define BULWARK_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bulwark/buf.h"
#include "bulwark/error.h"

enum bw_policy_kind {
	BW_POLICY_SCP,		/* service control policy: 5,120 chars minified */
	BW_POLICY_IDENTITY,	/* inline or managed identity policy */
	BW_POLICY_TRUST,	/* role trust (assume-role) policy */
	BW_POLICY_BOUNDARY,	/* permissions boundary (a managed policy) */
};

enum {
	BW_POLICY_ALLOW_ADMIN = 1 << 0,	/* "Action":"*" on "Resource":"*" allowed (break-glass) */
};

/*
 * A problem found in a document.  line and column are 1-based positions
 * inside the document text (0 when not tied to a position).
 */
typedef void (*bw_policy_report_fn)(void *ctx, int line, int column, const char *message);

/*
 * Check text as a policy of kind: JSON syntax, Version, Statement shape,
 * Effect, Action/NotAction, Resource (not for trust policies), Principal
 * (trust only), size limits, and admin grants unless allowed.  Each
 * problem goes to report (with a fix in the message).  Returns the number
 * of problems (0: valid) or a negative enum bw_err.
 */
int bw_policy_validate(const char *text, size_t len, enum bw_policy_kind kind,
		       unsigned flags, bw_policy_report_fn report, void *ctx);

/*
 * Parse text (plain or URL-encoded JSON) into the canonical form used for
 * comparison.  *out is a new reference.
 */
int bw_policy_normalize(json_t **out, const char *text, struct bw_error *err) BW_WARN_UNUSED;

/* True if a and b (as text, plain or URL-encoded) mean the same. */
bool bw_policy_equal_text(const char *a, const char *b);

/*
 * Append a readable diff of old -> new (canonical, pretty-printed, lines
 * prefixed "- " and "+ ") to out, each line indented by indent spaces.
 */
int bw_policy_diff(struct bw_buf *out, const char *old_text, const char *new_text,
		   int indent, struct bw_error *err) BW_WARN_UNUSED;

/* The minified length (whitespace outside strings removed), as AWS counts. */
size_t bw_policy_minified_len(const char *text, size_t len);

#endif
