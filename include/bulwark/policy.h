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
	/*
	 * An inline policy of a role (BW_POLICY_IDENTITY or _BOUNDARY kinds
	 * only): the size limit is 10,240 characters (IAM counts all inline
	 * policies of a role together; each document is checked against the
	 * whole quota) instead of 6,144 for a managed policy.
	 */
	BW_POLICY_INLINE = 1 << 1,
};

/* Size limits in characters, whitespace outside strings not counted. */
#define BW_POLICY_MAX_SCP	5120	/* Organizations quota, not adjustable */
#define BW_POLICY_MAX_MANAGED	6144	/* IAM managed policy */
#define BW_POLICY_MAX_INLINE	10240	/* IAM role inline policies, aggregate */
#define BW_POLICY_MAX_TRUST	2048	/* IAM role trust policy, default quota (up to 4,096) */

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
 *
 * Positions: a syntax error carries jansson's exact line and column (and
 * is the only problem reported); a problem in a statement carries the
 * position of the statement's first character; problems of the whole
 * document (Version, size) carry 0/0.  "Version": "2008-10-17" is a
 * problem only when the document uses ${...} variables (they would be
 * literal text), otherwise a bw_log warning.  report may be NULL.
 */
int bw_policy_validate(const char *text, size_t len, enum bw_policy_kind kind,
		       unsigned flags, bw_policy_report_fn report, void *ctx);

/*
 * Parse text (plain or URL-encoded JSON, as IAM's Get* calls return it)
 * into the canonical form used for comparison and diffs: Statement always
 * an array, sorted, without duplicates; Action, NotAction, Resource,
 * NotResource, principal values and condition values always sorted arrays
 * without duplicates; service prefixes lowercased; a 12-digit account in
 * Principal.AWS written as arn:aws:iam::ID:root (as IAM stores it);
 * condition values as strings (true -> "true").  Sid and case of action
 * names are kept for display (bw_policy_equal ignores them).  A missing
 * Version stays missing: IAM then applies 2008-10-17, where policy
 * variables are literal text, so it is a real difference.  *out is a new
 * reference.  BW_ERR_INVALID if text is not a JSON object.
 */
int bw_policy_normalize(json_t **out, const char *text, struct bw_error *err) BW_WARN_UNUSED;

/*
 * True if a and b (as text, plain or URL-encoded) mean the same; false
 * also when either does not parse (NULL counts as not parsing).
 */
bool bw_policy_equal_text(const char *a, const char *b);

/*
 * Append a readable diff of old -> new (canonical, pretty-printed, lines
 * prefixed "- " and "+ ") to out, each line indented by indent spaces.
 */
int bw_policy_diff(struct bw_buf *out, const char *old_text, const char *new_text,
		   int indent, struct bw_error *err) BW_WARN_UNUSED;

/*
 * The size limit of a document of kind, in characters without whitespace
 * (flags: BW_POLICY_INLINE for role inline policies).
 */
size_t bw_policy_limit(enum bw_policy_kind kind, unsigned flags);

/* The minified length (whitespace outside strings removed), as AWS counts. */
size_t bw_policy_minified_len(const char *text, size_t len);

/*
 * Variables for bw_policy_render.  A scalar has value set; a list has
 * value NULL and list/list_len (list_len 0 is an empty list).
 */
struct bw_policy_var {
	const char *name;		/* "account_id": [A-Za-z_][A-Za-z0-9_]* */
	const char *value;		/* scalar value, or NULL for a list */
	const char *const *list;	/* list items (borrowed) when value is NULL */
	size_t list_len;
};

/*
 * Substitute ${name} variables in a policy document on its parsed JSON,
 * never on the text, so a value cannot break out of its string.  Rules:
 *  - in every string (object keys too), ${name} of a scalar variable is
 *    replaced by its value; values are not scanned again;
 *  - an array element naming a list variable expands in place to one
 *    element per item, keeping the text around it:
 *    ["arn:aws:iam::*:role/${protected_roles}"] gives one ARN per role;
 *    any other value that is exactly "${list}" becomes a JSON array of the
 *    items; a list variable elsewhere (in a key, or inside a longer string
 *    that is not an array element) is an error;
 *  - names containing ':' (${aws:username}, ${aws:PrincipalTag/team}) and
 *    IAM's ${*}, ${?}, ${$} are IAM's own variables and stay as written
 *    (write ${$}{name} for a literal "${name}", as in IAM);
 *  - any other ${...} (unknown name, unterminated, bad name) is a problem.
 * Every problem goes to report (NULL allowed) with a fix in the message;
 * syntax errors carry line and column, others 0/0 and the JSON path.
 * On success *out is the minified JSON (the caller frees it with free()).
 * Returns 0, or BW_ERR_INVALID (err holds the first problem; *out NULL),
 * or BW_ERR_NOMEM.  text is len bytes, need not be NUL-terminated.
 */
int bw_policy_render(char **out, const char *text, size_t len,
		     const struct bw_policy_var *vars, size_t n,
		     bw_policy_report_fn report, void *ctx,
		     struct bw_error *err) BW_WARN_UNUSED;

/*
 * As bw_policy_render on an already parsed document (borrowed, not
 * modified).  *out is a new reference.
 */
int bw_policy_render_json(json_t **out, const json_t *doc,
			  const struct bw_policy_var *vars, size_t n,
			  bw_policy_report_fn report, void *ctx,
			  struct bw_error *err) BW_WARN_UNUSED;

/*
 * True if two canonical forms (from bw_policy_normalize, borrowed) mean
 * the same.  This is what bw_policy_equal_text uses: it ignores Sid and
 * Id and compares action names and condition key names without case,
 * which json_equal() on the canonical forms does not.
 */
bool bw_policy_equal(const json_t *a, const json_t *b);

#endif
