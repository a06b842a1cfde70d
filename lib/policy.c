/*
 * policy.c - IAM and SCP policy documents: validation against the policy
 * grammar and AWS size quotas, ${name} variable substitution on the parsed
 * JSON, a canonical form so that documents are compared by meaning, and
 * readable line diffs for plans.  Parsing is jansson's; this file only
 * scans the text itself to count characters and to map statements to lines.
 * Deciding which policies to attach where is left to the spec and
 * bootstrap modules.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "bulwark/policy.h"

#include "internal.h"

/* Nothing in AWS takes more than 10,240 characters; refuse to work hard on megabytes. */
#define POLICY_MAX_TEXT ((size_t)1 << 20)

/* Report a problem: printf-style into a line-sized buffer. */
__attribute__((format(printf, 5, 6)))
static void problem(bw_policy_report_fn report, void *ctx, int line, int col,
		    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!report)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, line, col, msg);
}

/* ---- text scanning: minified length, positions ------------------------ */

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t bw_policy_limit(enum bw_policy_kind kind, unsigned flags)
{
	switch (kind) {
	case BW_POLICY_SCP:
		return BW_POLICY_MAX_SCP;
	case BW_POLICY_TRUST:
		return BW_POLICY_MAX_TRUST;
	case BW_POLICY_IDENTITY:
	case BW_POLICY_BOUNDARY:
		break;
	}
	return flags & BW_POLICY_INLINE ? BW_POLICY_MAX_INLINE : BW_POLICY_MAX_MANAGED;
}

size_t bw_policy_minified_len(const char *text, size_t len)
{
	bool in_str = false, esc = false;
	size_t n = 0, i;

	if (!text)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		/* AWS counts characters: skip UTF-8 continuation bytes. */
		if ((c & 0xC0) == 0x80) {
			continue;
		}
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			n++;
			continue;
		}
		if (is_json_space((char)c))
			continue;
		if (c == '"')
			in_str = true;
		n++;
	}
	return n;
}

/* 1-based line and column (in characters) of byte offset off. */
static void offset_pos(const char *text, size_t off, int *line, int *col)
{
	int l = 1, c = 1;
	size_t i;

	for (i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xC0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

struct stmt_pos {
	size_t *off;	/* byte offset of each statement's first character */
	size_t n, cap;
};

static int stmt_pos_add(struct stmt_pos *sp, size_t off)
{
	if (sp->n == sp->cap) {
		size_t cap = sp->cap ? sp->cap * 2 : 16;
		size_t *p = realloc(sp->off, cap * sizeof(*p));

		if (!p)
			return BW_ERR_NOMEM;
		sp->off = p;
		sp->cap = cap;
	}
	sp->off[sp->n++] = off;
	return 0;
}

/*
 * jansson keeps no positions for values, so after it has accepted the text
 * we walk the tokens once to find where each element of the top-level
 * "Statement" starts.  The text is known to be valid JSON here, so the
 * walk only tracks strings and nesting.
 */
static int scan_statements(struct stmt_pos *sp, const char *text, size_t len)
{
	int depth = 0;
	size_t i, key_start = 0, key_len = 0;
	bool in_str = false, esc = false, top_key = false;
	bool in_stmt = false, want_elem = false;
	int rc;

	for (i = 0; i < len; i++) {
		char c = text[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"') {
				in_str = false;
				if (top_key)
					key_len = i - key_start;
			}
			continue;
		}
		if (is_json_space(c))
			continue;
		if (want_elem && c != ']') {
			rc = stmt_pos_add(sp, i);
			if (rc)
				return rc;
			want_elem = false;
		}
		switch (c) {
		case '"':
			in_str = true;
			/* A string right inside the root object in key position. */
			top_key = depth == 1;
			if (top_key)
				key_start = i + 1;
			break;
		case ':':
			if (depth == 1 && key_len == 9 &&
			    !memcmp(text + key_start, "Statement", 9)) {
				size_t j = i + 1;

				while (j < len && is_json_space(text[j]))
					j++;
				if (j < len && text[j] == '[') {
					in_stmt = true;
					want_elem = true;
					i = j;
					depth++;
				} else if (j < len && text[j] == '{') {
					rc = stmt_pos_add(sp, j);
					if (rc)
						return rc;
				}
			}
			top_key = false;
			break;
		case ',':
			if (in_stmt && depth == 2)
				want_elem = true;
			top_key = false;
			break;
		case '{':
		case '[':
			depth++;
			top_key = false;
			break;
		case '}':
		case ']':
			depth--;
			if (depth < 2)
				in_stmt = false;
			top_key = false;
			break;
		default:
			top_key = false;
			break;
		}
	}
	return 0;
}

/* ---- parsing ---------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * IAM's Get* calls return documents percent-encoded (RFC 3986: '+' is a
 * plus sign, not a space).  Invalid escapes are kept as they are.
 */
static char *percent_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Parse plain JSON, or percent-encoded JSON as IAM returns it. */
static json_t *parse_any(const char *text, size_t len, json_error_t *jerr)
{
	json_t *doc;
	char *dec;
	json_error_t derr;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, jerr);
	if (doc || !memchr(text, '%', len))
		return doc;
	dec = percent_decode(text, len);
	if (!dec)
		return NULL;
	doc = json_loads(dec, JSON_REJECT_DUPLICATES, &derr);
	free(dec);
	return doc;
}

/* ---- validation ------------------------------------------------------- */

/*
 * The grammar checked here follows the IAM JSON policy reference and, for
 * SCPs, the Organizations "SCP syntax" page as updated in 2025: SCPs accept
 * Condition, NotAction, Resource and NotResource in Allow and Deny
 * statements alike, and never Principal or NotPrincipal.  We require
 * Resource or NotResource in every non-trust statement, SCPs included:
 * every AWS example has one and requiring it removes any doubt about a
 * default.  Trust policies take Principal (NotPrincipal is not supported
 * in trust policies) and sts:AssumeRole* actions, and no Resource.
 * Size limits (IAM and STS quotas; Organizations quotas): SCP 5,120,
 * managed policy 6,144, role inline policies 10,240 in aggregate, role
 * trust policy 2,048 by default (adjustable to 4,096); whitespace outside
 * strings does not count.
 */

struct vctx {
	bw_policy_report_fn report;
	void *ctx;
	enum bw_policy_kind kind;
	unsigned flags;
	int problems;
	struct stmt_pos pos;
	const char *text;
	bool uses_vars;
};

__attribute__((format(printf, 3, 4)))
static void vproblem(struct vctx *v, long stmt, const char *fmt, ...)
{
	char msg[1024];
	int line = 0, col = 0;
	va_list ap;

	v->problems++;
	if (!v->report)
		return;
	if (stmt >= 0 && (size_t)stmt < v->pos.n)
		offset_pos(v->text, v->pos.off[stmt], &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->report(v->ctx, line, col, msg);
}

static const char *kind_name(enum bw_policy_kind kind)
{
	switch (kind) {
	case BW_POLICY_SCP: return "service control policy";
	case BW_POLICY_IDENTITY: return "identity policy";
	case BW_POLICY_TRUST: return "trust policy";
	case BW_POLICY_BOUNDARY: return "permissions boundary";
	}
	return "policy";
}

static const char *kind_article(enum bw_policy_kind kind)
{
	return kind == BW_POLICY_IDENTITY ? "an" : "a";
}

static bool sid_ok(const char *s)
{
	for (; *s; s++)
		if (!isascii((unsigned char)*s) || !isalnum((unsigned char)*s))
			return false;
	return true;
}

/* "service:Action" with wildcards, or "*". */
static bool action_ok(const char *a, bool *upper_prefix)
{
	const char *colon = strchr(a, ':');
	const char *p;

	*upper_prefix = false;
	if (!strcmp(a, "*"))
		return true;
	if (!colon || colon == a || !colon[1])
		return false;
	for (p = a; p < colon; p++) {
		if (isupper((unsigned char)*p))
			*upper_prefix = true;
		else if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
			 *p != '-' && *p != '*')
			return false;
	}
	for (p = colon + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '*' && *p != '?' &&
		    *p != '-' && *p != '_')
			return false;
	return true;
}

static bool is_trust_action(const char *a)
{
	static const char *const ok[] = {
		"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity",
		"sts:AssumeRoleWithSAML", "sts:TagSession",
		"sts:SetSourceIdentity", "sts:SetContext",
	};
	size_t i;

	for (i = 0; i < BW_ARRAY_SIZE(ok); i++)
		if (!strcasecmp(a, ok[i]))
			return true;
	return false;
}

/* Check a string-or-list-of-strings element; returns false if malformed. */
static bool check_str_list(struct vctx *v, long i, const char *what, const json_t *val)
{
	size_t k;
	json_t *e;

	if (json_is_string(val))
		return true;
	if (!json_is_array(val)) {
		vproblem(v, i, "statement %ld: \"%s\" must be a string or a list of strings",
			 i + 1, what);
		return false;
	}
	if (!json_array_size(val)) {
		vproblem(v, i, "statement %ld: \"%s\" is an empty list: list at least one value or remove the statement",
			 i + 1, what);
		return false;
	}
	json_array_foreach(val, k, e) {
		if (!json_is_string(e)) {
			vproblem(v, i, "statement %ld: \"%s\" item %zu is not a string: quote it",
				 i + 1, what, k + 1);
			return false;
		}
	}
	return true;
}

static bool list_has(const json_t *val, const char *s)
{
	size_t k;
	json_t *e;

	if (json_is_string(val))
		return !strcmp(json_string_value(val), s);
	json_array_foreach(val, k, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), s))
			return true;
	return false;
}

static void check_actions(struct vctx *v, long i, const char *what, const json_t *val)
{
	size_t k, n;
	const json_t *e;

	if (!check_str_list(v, i, what, val))
		return;
	n = json_is_array(val) ? json_array_size(val) : 1;
	for (k = 0; k < n; k++) {
		const char *a;
		bool upper;

		e = json_is_array(val) ? json_array_get(val, k) : val;
		a = json_string_value(e);
		if (strstr(a, "${")) {
			vproblem(v, i, "statement %ld: \"%s\" value '%s' has a variable: actions cannot use policy variables; name the action",
				 i + 1, what, a);
			continue;
		}
		if (!action_ok(a, &upper)) {
			vproblem(v, i, "statement %ld: \"%s\" value '%s' is not an action: write \"service:ActionName\" (e.g. \"iam:CreateRole\") or \"*\"",
				 i + 1, what, a);
			continue;
		}
		if (upper)
			vproblem(v, i, "statement %ld: \"%s\" value '%s': write the service prefix in lowercase",
				 i + 1, what, a);
		if (v->kind == BW_POLICY_TRUST && !is_trust_action(a))
			vproblem(v, i, "statement %ld: '%s' has no place in a trust policy: use sts:AssumeRole, sts:AssumeRoleWithWebIdentity or sts:AssumeRoleWithSAML (plus sts:TagSession, sts:SetSourceIdentity)",
				 i + 1, a);
	}
}

static void check_principal(struct vctx *v, long i, const json_t *p)
{
	static const char *const types[] = { "AWS", "Service", "Federated", "CanonicalUser" };
	const char *key;
	json_t *val;

	if (json_is_string(p)) {
		if (strcmp(json_string_value(p), "*"))
			vproblem(v, i, "statement %ld: \"Principal\" string must be \"*\": write {\"AWS\": \"%s\"} or {\"Service\": \"%s\"}",
				 i + 1, json_string_value(p), json_string_value(p));
		return;
	}
	if (!json_is_object(p) || !json_object_size(p)) {
		vproblem(v, i, "statement %ld: \"Principal\" must be an object such as {\"AWS\": \"arn:aws:iam::111122223333:root\"}",
			 i + 1);
		return;
	}
	json_object_foreach((json_t *)p, key, val) {
		size_t t;

		for (t = 0; t < BW_ARRAY_SIZE(types); t++)
			if (!strcmp(key, types[t]))
				break;
		if (t == BW_ARRAY_SIZE(types)) {
			vproblem(v, i, "statement %ld: unknown principal type '%s': use AWS, Service, Federated or CanonicalUser",
				 i + 1, key);
			continue;
		}
		check_str_list(v, i, key, val);
	}
}

static void check_condition(struct vctx *v, long i, const json_t *c)
{
	const char *op, *key;
	json_t *keys, *val;

	if (!json_is_object(c)) {
		vproblem(v, i, "statement %ld: \"Condition\" must be an object: {\"Operator\": {\"key\": \"value\"}}",
			 i + 1);
		return;
	}
	json_object_foreach((json_t *)c, op, keys) {
		if (!json_is_object(keys) || !json_object_size(keys)) {
			vproblem(v, i, "statement %ld: condition operator '%s' must map condition keys to values, e.g. {\"aws:PrincipalOrgID\": \"o-exampleorgid\"}",
				 i + 1, op);
			continue;
		}
		json_object_foreach(keys, key, val) {
			size_t k;
			json_t *e;

			if (!*key)
				vproblem(v, i, "statement %ld: empty condition key under '%s': name a key such as aws:PrincipalArn",
					 i + 1, op);
			if (json_is_array(val)) {
				if (!json_array_size(val))
					vproblem(v, i, "statement %ld: condition '%s' '%s' has an empty list of values: give at least one value",
						 i + 1, op, key);
				json_array_foreach(val, k, e)
					if (!json_is_string(e) && !json_is_boolean(e) && !json_is_number(e))
						vproblem(v, i, "statement %ld: condition '%s' '%s' item %zu must be a string, number or boolean",
							 i + 1, op, key, k + 1);
			} else if (!json_is_string(val) && !json_is_boolean(val) && !json_is_number(val)) {
				vproblem(v, i, "statement %ld: condition '%s' '%s' must be a string, number, boolean or a list of them",
					 i + 1, op, key);
			}
		}
	}
}

static const char *const stmt_keys[] = {
	"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
	"Principal", "NotPrincipal", "Condition",
};

static void check_statement(struct vctx *v, long i, const json_t *st, json_t *sids)
{
	const json_t *effect, *action, *notaction, *res, *notres, *pr, *notpr, *cond, *sid;
	const char *key;
	json_t *val;
	bool allow = false;

	if (!json_is_object(st)) {
		vproblem(v, i, "statement %ld is not an object: write {\"Effect\": ..., \"Action\": ..., \"Resource\": ...}",
			 i + 1);
		return;
	}
	json_object_foreach((json_t *)st, key, val) {
		size_t k;

		for (k = 0; k < BW_ARRAY_SIZE(stmt_keys); k++)
			if (!strcmp(key, stmt_keys[k]))
				break;
		if (k < BW_ARRAY_SIZE(stmt_keys))
			continue;
		for (k = 0; k < BW_ARRAY_SIZE(stmt_keys); k++)
			if (!strcasecmp(key, stmt_keys[k]))
				break;
		if (k < BW_ARRAY_SIZE(stmt_keys))
			vproblem(v, i, "statement %ld: unknown element '%s': element names are case-sensitive, write \"%s\"",
				 i + 1, key, stmt_keys[k]);
		else
			vproblem(v, i, "statement %ld: unknown element '%s': a statement has Sid, Effect, Action or NotAction, Resource or NotResource, Principal (trust policies) and Condition",
				 i + 1, key);
	}

	sid = json_object_get(st, "Sid");
	if (sid) {
		const char *s = json_string_value(sid);

		if (!s) {
			vproblem(v, i, "statement %ld: \"Sid\" must be a string of letters and digits", i + 1);
		} else if (!sid_ok(s)) {
			vproblem(v, i, "statement %ld: Sid '%s' may only hold ASCII letters and digits: write e.g. \"DenyLeaveOrganization\"",
				 i + 1, s);
		} else if (*s) {
			if (json_object_get(sids, s))
				vproblem(v, i, "statement %ld: Sid '%s' is used twice: give each statement its own Sid",
					 i + 1, s);
			else if (json_object_set_new(sids, s, json_true()))
				v->problems++;
		}
	}

	effect = json_object_get(st, "Effect");
	if (!effect) {
		vproblem(v, i, "statement %ld has no \"Effect\": add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"", i + 1);
	} else if (!json_is_string(effect) ||
		   (strcmp(json_string_value(effect), "Allow") &&
		    strcmp(json_string_value(effect), "Deny"))) {
		vproblem(v, i, "statement %ld: \"Effect\" must be \"Allow\" or \"Deny\" (exactly so capitalised)", i + 1);
	} else {
		allow = !strcmp(json_string_value(effect), "Allow");
	}

	action = json_object_get(st, "Action");
	notaction = json_object_get(st, "NotAction");
	if (action && notaction)
		vproblem(v, i, "statement %ld has both \"Action\" and \"NotAction\": keep one, split the statement in two", i + 1);
	else if (!action && !notaction)
		vproblem(v, i, "statement %ld has no \"Action\": add \"Action\": [\"service:ActionName\"]", i + 1);
	if (action)
		check_actions(v, i, "Action", action);
	if (notaction) {
		if (v->kind == BW_POLICY_TRUST)
			vproblem(v, i, "statement %ld: a trust policy cannot use \"NotAction\": write \"Action\": \"sts:AssumeRole\"", i + 1);
		check_actions(v, i, "NotAction", notaction);
	}

	res = json_object_get(st, "Resource");
	notres = json_object_get(st, "NotResource");
	if (v->kind == BW_POLICY_TRUST) {
		if (res || notres)
			vproblem(v, i, "statement %ld: a trust policy has no \"%s\" (the role is the resource): remove it",
				 i + 1, res ? "Resource" : "NotResource");
	} else {
		if (res && notres)
			vproblem(v, i, "statement %ld has both \"Resource\" and \"NotResource\": keep one", i + 1);
		else if (!res && !notres)
			vproblem(v, i, "statement %ld has no \"Resource\": add \"Resource\": \"*\" or the ARNs it applies to", i + 1);
		if (res)
			check_str_list(v, i, "Resource", res);
		if (notres)
			check_str_list(v, i, "NotResource", notres);
	}

	pr = json_object_get(st, "Principal");
	notpr = json_object_get(st, "NotPrincipal");
	if (v->kind == BW_POLICY_TRUST) {
		if (notpr)
			vproblem(v, i, "statement %ld: a trust policy cannot use \"NotPrincipal\": name the principals in \"Principal\" or use an aws:PrincipalArn condition",
				 i + 1);
		else if (!pr)
			vproblem(v, i, "statement %ld has no \"Principal\": name who may assume the role, e.g. \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}",
				 i + 1);
		if (pr)
			check_principal(v, i, pr);
	} else if (pr || notpr) {
		vproblem(v, i, "statement %ld: %s %s has no \"%s\" (it applies to whoever it is attached to): remove it or use an aws:PrincipalArn condition",
			 i + 1, kind_article(v->kind), kind_name(v->kind), pr ? "Principal" : "NotPrincipal");
	}

	cond = json_object_get(st, "Condition");
	if (cond)
		check_condition(v, i, cond);

	/* SCPs filter rather than grant: FullAWSAccess is Allow * on *. */
	if (allow && action && res && !(v->flags & BW_POLICY_ALLOW_ADMIN) &&
	    (v->kind == BW_POLICY_IDENTITY || v->kind == BW_POLICY_BOUNDARY) &&
	    (list_has(action, "*") || list_has(action, "*:*")) && list_has(res, "*"))
		vproblem(v, i, "statement %ld allows every action on every resource (administrator access): name the actions and resources it needs, or mark the policy as break-glass",
			 i + 1);
}

/* IAM accepts only tab, LF, CR and U+0020..U+00FF in policy documents. */
static void check_charset(struct vctx *v, const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)text[i];
		unsigned long cp;
		size_t n;

		if (c < 0x80) {
			cp = c;
			n = 1;
		} else if ((c & 0xE0) == 0xC0 && i + 1 < len) {
			cp = ((unsigned long)(c & 0x1F) << 6) | (text[i + 1] & 0x3F);
			n = 2;
		} else if ((c & 0xF0) == 0xE0 && i + 2 < len) {
			cp = ((unsigned long)(c & 0x0F) << 12) |
			     ((unsigned long)(text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
			n = 3;
		} else {
			cp = 0x10000;
			n = (c & 0xF8) == 0xF0 ? 4 : 1;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp > 0xFF) {
			int line, col;

			offset_pos(text, i, &line, &col);
			v->problems++;
			problem(v->report, v->ctx, line, col,
				"character U+%04lX is not allowed in an IAM policy (only tab, newline, carriage return and U+0020 to U+00FF): replace it",
				cp);
			return;
		}
		i += n;
	}
}

static bool tree_has_var(const json_t *j)
{
	const char *key;
	json_t *val;
	size_t i;

	if (json_is_string(j))
		return strstr(json_string_value(j), "${") != NULL;
	if (json_is_array(j)) {
		json_array_foreach(j, i, val)
			if (tree_has_var(val))
				return true;
	}
	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, val)
			if (strstr(key, "${") || tree_has_var(val))
				return true;
	}
	return false;
}

int bw_policy_validate(const char *text, size_t len, enum bw_policy_kind kind,
		       unsigned flags, bw_policy_report_fn report, void *ctx)
{
	struct vctx v = { report, ctx, kind, flags, 0, { NULL, 0, 0 }, text, false };
	json_t *doc = NULL, *sids = NULL, *ver, *stmts;
	json_error_t jerr;
	const char *key;
	json_t *val;
	size_t limit, mlen;
	int rc;

	if (!text)
		return BW_ERR_INVALID;
	if (len > POLICY_MAX_TEXT) {
		problem(report, ctx, 0, 0,
			"policy is %zu bytes; no AWS policy can exceed %d characters: shorten it or split it",
			len, BW_POLICY_MAX_INLINE);
		return 1;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		problem(report, ctx, jerr.line, jerr.column,
			"invalid JSON: %s: fix the syntax at this position", jerr.text);
		return 1;
	}
	if (!json_is_object(doc)) {
		problem(report, ctx, 1, 1,
			"a policy is a JSON object: write {\"Version\": \"2012-10-17\", \"Statement\": [...]}");
		rc = 1;
		goto out;
	}
	rc = scan_statements(&v.pos, text, len);
	if (rc)
		goto out;
	sids = json_object();
	if (!sids) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	if (kind != BW_POLICY_SCP)
		check_charset(&v, text, len);

	json_object_foreach(doc, key, val) {
		if (strcmp(key, "Version") && strcmp(key, "Id") && strcmp(key, "Statement"))
			vproblem(&v, -1, "unknown top-level element '%s': a policy has only Version, Id and Statement",
				 key);
	}
	v.uses_vars = tree_has_var(doc);
	ver = json_object_get(doc, "Version");
	if (!ver) {
		vproblem(&v, -1, "missing \"Version\": add \"Version\": \"2012-10-17\" (without it IAM applies 2008-10-17, where ${...} variables are not substituted)");
	} else if (json_is_string(ver) && !strcmp(json_string_value(ver), "2012-10-17")) {
		/* the current version */
	} else if (json_is_string(ver) && !strcmp(json_string_value(ver), "2008-10-17")) {
		if (v.uses_vars)
			vproblem(&v, -1, "\"Version\" 2008-10-17 treats ${...} policy variables as literal text: write \"Version\": \"2012-10-17\"");
		else
			bw_log(BW_LOG_WARN, "policy uses \"Version\": \"2008-10-17\"; prefer \"2012-10-17\"");
	} else {
		vproblem(&v, -1, "\"Version\" must be \"2012-10-17\" (a fixed date naming the policy language, not today's date)");
	}

	stmts = json_object_get(doc, "Statement");
	if (!stmts) {
		vproblem(&v, -1, "missing \"Statement\": add \"Statement\": [{\"Effect\": ..., \"Action\": ..., ...}]");
	} else if (json_is_object(stmts)) {
		check_statement(&v, 0, stmts, sids);
	} else if (json_is_array(stmts)) {
		size_t i;

		if (!json_array_size(stmts))
			vproblem(&v, -1, "\"Statement\" is empty: add at least one statement");
		json_array_foreach(stmts, i, val)
			check_statement(&v, (long)i, val, sids);
	} else {
		vproblem(&v, -1, "\"Statement\" must be a list of statement objects (or one object)");
	}

	limit = bw_policy_limit(kind, flags);
	mlen = bw_policy_minified_len(text, len);
	if (mlen > limit)
		vproblem(&v, -1, "%s is %zu characters without whitespace; the limit is %zu: split it into several policies or shorten it (drop Sids, merge statements, use wildcards)%s",
			 kind_name(kind), mlen, limit,
			 kind == BW_POLICY_TRUST ? " (2,048 is the default quota; it can be raised to 4,096)" : "");
	rc = v.problems;
out:
	free(v.pos.off);
	json_decref(sids);
	json_decref(doc);
	return rc;
}

/* ---- rendering -------------------------------------------------------- */

struct rctx {
	const struct bw_policy_var *vars;
	size_t n;
	bw_policy_report_fn report;
	void *ctx;
	struct bw_error *err;
	int problems;
	struct bw_buf path;
};

__attribute__((format(printf, 2, 3)))
static void rproblem(struct rctx *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!r->problems)
		bw_error_set(r->err, BW_ERR_INVALID, "%s", msg);
	r->problems++;
	if (r->report)
		r->report(r->ctx, 0, 0, msg);
}

static bool var_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static const struct bw_policy_var *find_var(struct rctx *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->vars[i].name && strlen(r->vars[i].name) == n &&
		    !memcmp(r->vars[i].name, s, n))
			return &r->vars[i];
	return NULL;
}

static const char *rpath(struct rctx *r)
{
	return r->path.len ? r->path.ptr : "(document)";
}

/*
 * If s is exactly "${name}" of a list variable, return it.  Otherwise NULL.
 */
static const struct bw_policy_var *whole_list_var(struct rctx *r, const char *s)
{
	size_t n = strlen(s);
	const struct bw_policy_var *var;

	if (n < 4 || s[0] != '$' || s[1] != '{' || s[n - 1] != '}')
		return NULL;
	if (memchr(s + 2, '}', n - 3))
		return NULL;
	var = find_var(r, s + 2, n - 3);
	return var && !var->value ? var : NULL;
}

/* Substitute scalar variables in s into a new string; NULL on problem or OOM. */
static char *subst_string(struct rctx *r, const char *s, int *rc)
{
	struct bw_buf b = BW_BUF_INIT;
	const char *p = s;
	char *out;

	*rc = 0;
	while (*p) {
		const char *open = strstr(p, "${"), *close, *name;
		const struct bw_policy_var *var;
		size_t nlen;

		if (!open) {
			if (bw_buf_adds(&b, p))
				goto nomem;
			break;
		}
		if (bw_buf_add(&b, p, (size_t)(open - p)))
			goto nomem;
		name = open + 2;
		close = strchr(name, '}');
		if (!close) {
			rproblem(r, "%s: '${' without a closing '}' in \"%s\": close the variable, or write ${$}{ for a literal \"${\"",
				 rpath(r), s);
			goto bad;
		}
		nlen = (size_t)(close - name);
		if (memchr(name, ':', nlen) ||
		    (nlen == 1 && (*name == '*' || *name == '?' || *name == '$'))) {
			/* IAM's own variable: ${aws:username}, ${*}, ... */
			if (bw_buf_add(&b, open, (size_t)(close - open) + 1))
				goto nomem;
			p = close + 1;
			continue;
		}
		if (!var_name_ok(name, nlen)) {
			rproblem(r, "%s: '${%.*s}' is not a variable name: names are letters, digits and '_' (IAM variables contain ':'); write ${$}{ for a literal \"${\"",
				 rpath(r), (int)nlen, name);
			goto bad;
		}
		var = find_var(r, name, nlen);
		if (!var) {
			rproblem(r, "%s: unknown variable '${%.*s}': define it in the spec's vars, fix the name, or write ${$}{%.*s} for a literal",
				 rpath(r), (int)nlen, name, (int)nlen, name);
			goto bad;
		}
		if (!var->value) {
			rproblem(r, "%s: list variable '${%.*s}' inside a longer string: use it alone as a list element, e.g. [\"${%.*s}\"]",
				 rpath(r), (int)nlen, name, (int)nlen, name);
			goto bad;
		}
		if (bw_buf_adds(&b, var->value))
			goto nomem;
		p = close + 1;
	}
	out = bw_buf_detach(&b, NULL);
	if (!out)
		*rc = BW_ERR_NOMEM;
	return out;
nomem:
	*rc = BW_ERR_NOMEM;
bad:
	bw_buf_release(&b);
	return NULL;
}

static json_t *list_to_array(const struct bw_policy_var *var)
{
	json_t *a = json_array();
	size_t i;

	if (!a)
		return NULL;
	for (i = 0; i < var->list_len; i++) {
		if (json_array_append_new(a, json_string(var->list[i] ? var->list[i] : ""))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *render_value(struct rctx *r, const json_t *in, int *rc);

static json_t *render_string(struct rctx *r, const json_t *in, int *rc)
{
	const struct bw_policy_var *lv = whole_list_var(r, json_string_value(in));
	json_t *res;
	char *s;

	if (lv) {
		res = list_to_array(lv);
		if (!res)
			*rc = BW_ERR_NOMEM;
		return res;
	}
	s = subst_string(r, json_string_value(in), rc);
	if (!s)
		return NULL;
	res = json_string(s);
	free(s);
	if (!res) {
		/* A value that is not UTF-8: jansson refuses it. */
		rproblem(r, "%s: a substituted value is not valid UTF-8: fix the variable's value", rpath(r));
	}
	return res;
}

/*
 * An array element naming a list variable ("${allowed_regions}" or
 * "arn:aws:iam::*:role/${protected_roles}") becomes one element per item,
 * the text around the variable kept (and its own scalar variables
 * substituted).  Returns 1 if expanded (or a problem was reported), 0 if
 * the element holds no list variable, or BW_ERR_NOMEM.
 */
static int expand_list_element(struct rctx *r, json_t *out, const char *s)
{
	const struct bw_policy_var *var = NULL;
	const char *p = s, *open = NULL, *close = NULL;
	char *pre = NULL, *post = NULL, *head;
	size_t k;
	int rc = 0;

	while ((open = strstr(p, "${")) && (close = strchr(open + 2, '}'))) {
		var = find_var(r, open + 2, (size_t)(close - open - 2));
		if (var && !var->value)
			break;
		var = NULL;
		p = close + 1;
	}
	if (!var)
		return 0;
	head = malloc((size_t)(open - s) + 1);
	if (!head)
		return BW_ERR_NOMEM;
	memcpy(head, s, (size_t)(open - s));
	head[open - s] = '\0';
	pre = subst_string(r, head, &rc);
	free(head);
	if (rc)
		return rc;
	if (!pre)
		return 1;
	post = subst_string(r, close + 1, &rc);
	if (rc || !post) {
		free(pre);
		return rc ? rc : 1;
	}
	for (k = 0; k < var->list_len; k++) {
		struct bw_buf b = BW_BUF_INIT;
		char *item;
		json_t *js;

		if (bw_buf_adds(&b, pre) || bw_buf_adds(&b, var->list[k] ? var->list[k] : "") ||
		    bw_buf_adds(&b, post)) {
			bw_buf_release(&b);
			rc = BW_ERR_NOMEM;
			break;
		}
		item = b.ptr;
		js = json_string(item);
		if (!js) {
			rproblem(r, "%s: item %zu of '${%s}' is not valid UTF-8: fix the variable's value",
				 rpath(r), k + 1, var->name);
		} else if (json_array_append_new(out, js)) {
			rc = BW_ERR_NOMEM;
		}
		bw_buf_release(&b);
		if (rc)
			break;
	}
	free(pre);
	free(post);
	return rc ? rc : 1;
}

static json_t *render_array(struct rctx *r, const json_t *in, int *rc)
{
	json_t *out = json_array(), *e, *ne;
	size_t i, mark = r->path.len;

	if (!out) {
		*rc = BW_ERR_NOMEM;
		return NULL;
	}
	json_array_foreach(in, i, e) {
		bw_buf_truncate(&r->path, mark);
		if (bw_buf_addf(&r->path, "[%zu]", i))
			goto nomem;
		if (json_is_string(e)) {
			int x = expand_list_element(r, out, json_string_value(e));

			if (x < 0) {
				*rc = x;
				goto fail;
			}
			if (x > 0)
				continue;
		}
		ne = render_value(r, e, rc);
		if (*rc)
			goto fail;
		if (ne && json_array_append_new(out, ne))
			goto nomem;
	}
	bw_buf_truncate(&r->path, mark);
	return out;
nomem:
	*rc = BW_ERR_NOMEM;
fail:
	bw_buf_truncate(&r->path, mark);
	json_decref(out);
	return NULL;
}

static json_t *render_object(struct rctx *r, const json_t *in, int *rc)
{
	json_t *out = json_object(), *val, *nv;
	size_t mark = r->path.len;
	const char *key;

	if (!out) {
		*rc = BW_ERR_NOMEM;
		return NULL;
	}
	json_object_foreach((json_t *)in, key, val) {
		char *nk;

		bw_buf_truncate(&r->path, mark);
		if (bw_buf_addf(&r->path, "%s%s", mark ? "." : "", key))
			goto nomem;
		if (whole_list_var(r, key)) {
			rproblem(r, "%s: list variable used as an object key: keys take scalar variables only", rpath(r));
			continue;
		}
		nk = subst_string(r, key, rc);
		if (*rc)
			goto fail;
		if (!nk)
			continue;
		nv = render_value(r, val, rc);
		if (*rc) {
			free(nk);
			goto fail;
		}
		if (nv) {
			if (json_object_get(out, nk))
				rproblem(r, "%s: two keys become '%s' after substitution: rename one", rpath(r), nk);
			if (json_object_set_new(out, nk, nv)) {
				free(nk);
				goto nomem;
			}
		}
		free(nk);
	}
	bw_buf_truncate(&r->path, mark);
	return out;
nomem:
	*rc = BW_ERR_NOMEM;
fail:
	bw_buf_truncate(&r->path, mark);
	json_decref(out);
	return NULL;
}

/*
 * Returns a new reference, or NULL with *rc set (NOMEM) or with a problem
 * counted (*rc 0): the caller keeps going to report every problem.
 */
static json_t *render_value(struct rctx *r, const json_t *in, int *rc)
{
	json_t *res;

	if (json_is_string(in))
		return render_string(r, in, rc);
	if (json_is_array(in))
		return render_array(r, in, rc);
	if (json_is_object(in))
		return render_object(r, in, rc);
	res = json_deep_copy(in);
	if (!res)
		*rc = BW_ERR_NOMEM;
	return res;
}

int bw_policy_render_json(json_t **out, const json_t *doc,
			  const struct bw_policy_var *vars, size_t n,
			  bw_policy_report_fn report, void *ctx,
			  struct bw_error *err)
{
	struct rctx r = { vars, n, report, ctx, err, 0, BW_BUF_INIT };
	json_t *res;
	int rc = 0;
	size_t i;

	*out = NULL;
	if (!doc)
		return bw_error_set(err, BW_ERR_INVALID, "no policy document to render");
	for (i = 0; i < n; i++)
		if (!vars[i].name || !var_name_ok(vars[i].name, strlen(vars[i].name)))
			return bw_error_set(err, BW_ERR_INVALID,
					    "variable name '%s' is not valid: use letters, digits and '_'",
					    vars[i].name ? vars[i].name : "(null)");
	bw_buf_init(&r.path, 4096);
	res = render_value(&r, doc, &rc);
	bw_buf_release(&r.path);
	if (rc == BW_ERR_NOMEM) {
		json_decref(res);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory rendering a policy");
	}
	if (r.problems || !res) {
		json_decref(res);
		if (!r.problems)
			return bw_error_set(err, BW_ERR_INTERNAL, "rendering a policy failed");
		if (r.problems > 1)
			bw_error_prefix(err, "%d problems, the first", r.problems);
		return BW_ERR_INVALID;
	}
	*out = res;
	return 0;
}

int bw_policy_render(char **out, const char *text, size_t len,
		     const struct bw_policy_var *vars, size_t n,
		     bw_policy_report_fn report, void *ctx,
		     struct bw_error *err)
{
	json_t *doc, *res = NULL;
	json_error_t jerr;
	int rc;

	*out = NULL;
	if (!text)
		return bw_error_set(err, BW_ERR_INVALID, "no policy document to render");
	if (len > POLICY_MAX_TEXT)
		return bw_error_set(err, BW_ERR_INVALID,
				    "policy is %zu bytes; no AWS policy can exceed %d characters: shorten it",
				    len, BW_POLICY_MAX_INLINE);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		problem(report, ctx, jerr.line, jerr.column,
			"invalid JSON: %s: fix the syntax at this position", jerr.text);
		return bw_error_set(err, BW_ERR_INVALID, "invalid JSON at line %d column %d: %s",
				    jerr.line, jerr.column, jerr.text);
	}
	rc = bw_policy_render_json(&res, doc, vars, n, report, ctx, err);
	json_decref(doc);
	if (rc)
		return rc;
	*out = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(res);
	if (!*out)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory rendering a policy");
	return 0;
}

/* ---- canonical form --------------------------------------------------- */

/*
 * Equality decisions, by IAM semantics:
 *  - not differences: key order, whitespace, a string vs a one-element
 *    list, the order of Action/NotAction/Resource/NotResource, principal
 *    and condition values and of statements, duplicate entries and
 *    statements, the case of action names (IAM matches actions without
 *    case), the case of condition key names, IAM's percent-encoding, true
 *    vs "true" in conditions, an empty Condition, a bare account id vs its
 *    root ARN in Principal.AWS (IAM stores the latter);
 *  - ignored although visible: Sid and Id never change what a policy
 *    allows, so a Sid-only edit is not drift (the diff still shows Sids);
 *  - differences: a missing Version (IAM applies 2008-10-17, where policy
 *    variables are literal text) vs "2012-10-17"; "Principal": "*" vs
 *    {"AWS": "*"} (some services treat them differently); wildcards are
 *    not expanded ("s3:Get*" is not "s3:GetObject") and "*" next to other
 *    resources is not collapsed; resource ARNs and condition values keep
 *    their case; condition operator names are compared exactly.
 */

static int cmp_ci(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	int c = strcasecmp(x, y);

	return c ? c : strcmp(x, y);
}

static int cmp_cs(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* A condition value or list item as IAM compares it: a string. */
static json_t *scalar_as_string(const json_t *v)
{
	char num[64];

	if (json_is_string(v))
		return json_string(json_string_value(v));
	if (json_is_true(v))
		return json_string("true");
	if (json_is_false(v))
		return json_string("false");
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return json_string(num);
	}
	if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		return json_string(num);
	}
	return NULL;
}

enum set_kind { SET_EXACT, SET_ACTION, SET_PRINCIPAL_AWS };

/* Turn a string or list into a sorted array without duplicates. */
static json_t *canon_set(const json_t *v, enum set_kind kind)
{
	json_t **items = NULL, *out = NULL;
	size_t n, i, k = 0;
	bool ci = kind == SET_ACTION;

	if (!json_is_array(v) && !json_is_string(v) && !json_is_boolean(v) && !json_is_number(v))
		return json_deep_copy(v);
	n = json_is_array(v) ? json_array_size(v) : 1;
	items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		return NULL;
	for (i = 0; i < n; i++) {
		const json_t *src = json_is_array(v) ? json_array_get(v, i) : v;
		json_t *s = scalar_as_string(src);

		if (!s) {
			/* Not a list of scalars: keep as written, compared exactly. */
			out = json_deep_copy(v);
			goto out;
		}
		if (kind == SET_ACTION) {
			/* Service prefixes are lowercase; IAM matches actions without case. */
			const char *a = json_string_value(s), *colon = strchr(a, ':');
			char *lower = bw_strdup(a);
			size_t j;

			if (!lower) {
				json_decref(s);
				goto out;
			}
			for (j = 0; colon && j < (size_t)(colon - a); j++)
				lower[j] = (char)tolower((unsigned char)lower[j]);
			json_decref(s);
			s = json_string(lower);
			free(lower);
		} else if (kind == SET_PRINCIPAL_AWS) {
			const char *a = json_string_value(s);

			/* IAM stores a bare account id as its root ARN. */
			if (strlen(a) == 12 && strspn(a, "0123456789") == 12) {
				char arn[64];

				snprintf(arn, sizeof(arn), "arn:aws:iam::%s:root", a);
				json_decref(s);
				s = json_string(arn);
			}
		}
		if (!s)
			goto out;
		items[k++] = s;
	}
	qsort(items, k, sizeof(*items), ci ? cmp_ci : cmp_cs);
	out = json_array();
	if (!out)
		goto out;
	for (i = 0; i < k; i++) {
		if (i && (ci ? !strcasecmp(json_string_value(items[i]), json_string_value(items[i - 1]))
			     : !strcmp(json_string_value(items[i]), json_string_value(items[i - 1]))))
			continue;
		if (json_array_append(out, items[i])) {
			json_decref(out);
			out = NULL;
			goto out;
		}
	}
out:
	for (i = 0; i < k; i++)
		json_decref(items[i]);
	free(items);
	return out;
}

static json_t *canon_principal(const json_t *p)
{
	json_t *out;
	const char *key;
	json_t *val;

	if (!json_is_object(p))
		return json_deep_copy(p);
	out = json_object();
	if (!out)
		return NULL;
	json_object_foreach((json_t *)p, key, val) {
		json_t *s = canon_set(val, !strcmp(key, "AWS") ? SET_PRINCIPAL_AWS : SET_EXACT);

		if (!s || json_object_set_new(out, key, s)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static json_t *canon_condition(const json_t *c)
{
	json_t *out, *keys, *val;
	const char *op, *key;

	if (!json_is_object(c))
		return json_deep_copy(c);
	out = json_object();
	if (!out)
		return NULL;
	json_object_foreach((json_t *)c, op, keys) {
		json_t *nk;

		if (!json_is_object(keys)) {
			nk = json_deep_copy(keys);
		} else {
			nk = json_object();
			if (nk) {
				json_object_foreach(keys, key, val) {
					json_t *s = canon_set(val, SET_EXACT);

					if (!s || json_object_set_new(nk, key, s)) {
						json_decref(nk);
						nk = NULL;
						break;
					}
				}
			}
		}
		if (!nk || json_object_set_new(out, op, nk)) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* Statement keys in the order a reader expects them. */
static const char *const stmt_order[] = {
	"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
	"Resource", "NotResource", "Condition",
};

static json_t *canon_statement(const json_t *st)
{
	json_t *out, *val, *nv;
	const char *key;
	size_t i;

	if (!json_is_object(st))
		return json_deep_copy(st);
	out = json_object();
	if (!out)
		return NULL;
	for (i = 0; i < BW_ARRAY_SIZE(stmt_order); i++) {
		key = stmt_order[i];
		val = json_object_get(st, key);
		if (!val)
			continue;
		if (!strcmp(key, "Action") || !strcmp(key, "NotAction"))
			nv = canon_set(val, SET_ACTION);
		else if (!strcmp(key, "Resource") || !strcmp(key, "NotResource"))
			nv = canon_set(val, SET_EXACT);
		else if (!strcmp(key, "Principal") || !strcmp(key, "NotPrincipal"))
			nv = canon_principal(val);
		else if (!strcmp(key, "Condition"))
			nv = canon_condition(val);
		else
			nv = json_deep_copy(val);
		if (!nv || json_object_set_new(out, key, nv))
			goto fail;
	}
	/* Elements IAM would reject: kept, compared exactly. */
	json_object_foreach((json_t *)st, key, val) {
		for (i = 0; i < BW_ARRAY_SIZE(stmt_order); i++)
			if (!strcmp(key, stmt_order[i]))
				break;
		if (i < BW_ARRAY_SIZE(stmt_order))
			continue;
		nv = json_deep_copy(val);
		if (!nv || json_object_set_new(out, key, nv))
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* Lowercase an array of strings in place (strings are replaced). */
static int lower_strings(json_t *arr)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		char *s;
		size_t j;

		if (!json_is_string(e))
			continue;
		s = bw_strdup(json_string_value(e));
		if (!s)
			return BW_ERR_NOMEM;
		for (j = 0; s[j]; j++)
			s[j] = (char)tolower((unsigned char)s[j]);
		if (json_array_set_new(arr, i, json_string(s))) {
			free(s);
			return BW_ERR_NOMEM;
		}
		free(s);
	}
	return 0;
}

/*
 * The comparison key of a canonical statement: compact JSON with sorted
 * keys, no Sid, actions and condition key names lowercased.  Condition keys
 * equal but for case stay apart (both must hold), so they get a suffix.
 */
static char *statement_key(const json_t *cst)
{
	json_t *k = NULL, *cond, *ops, *keys, *val;
	const char *op, *key;
	char *res = NULL;

	if (!json_is_object(cst))
		return json_dumps(cst, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	k = json_deep_copy(cst);
	if (!k)
		return NULL;
	json_object_del(k, "Sid");
	if (json_is_array(json_object_get(k, "Action")) && lower_strings(json_object_get(k, "Action")))
		goto out;
	if (json_is_array(json_object_get(k, "NotAction")) && lower_strings(json_object_get(k, "NotAction")))
		goto out;
	cond = json_object_get(k, "Condition");
	if (json_is_object(cond)) {
		if (!json_object_size(cond)) {
			json_object_del(k, "Condition");
		} else {
			ops = json_object();
			if (!ops)
				goto out;
			json_object_foreach(cond, op, keys) {
				json_t *nk = json_object();

				if (!nk || json_object_set_new(ops, op, nk)) {
					json_decref(ops);
					goto out;
				}
				if (!json_is_object(keys)) {
					if (json_object_set(ops, op, keys)) {
						json_decref(ops);
						goto out;
					}
					continue;
				}
				json_object_foreach(keys, key, val) {
					char lk[512];
					size_t j, len = bw_strlcpy(lk, key, sizeof(lk) - 8);
					int suffix = 1;

					if (len >= sizeof(lk) - 8)
						len = sizeof(lk) - 9;
					for (j = 0; j < len; j++)
						lk[j] = (char)tolower((unsigned char)lk[j]);
					while (json_object_get(nk, lk) && suffix < 1000)
						snprintf(lk + len, 8, "#%d", ++suffix);
					if (json_object_set(nk, lk, val)) {
						json_decref(ops);
						goto out;
					}
				}
			}
			if (json_object_set_new(k, "Condition", ops))
				goto out;
		}
	}
	res = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
out:
	json_decref(k);
	return res;
}

struct keyed {
	char *key;
	json_t *st;
};

static int cmp_keyed(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* Canonical statements sorted by meaning, duplicates removed. */
static json_t *canon_statements(const json_t *stmts)
{
	struct keyed *ks;
	json_t *out = NULL;
	size_t n, i, k = 0;

	n = json_is_array(stmts) ? json_array_size(stmts) : 1;
	ks = calloc(n ? n : 1, sizeof(*ks));
	if (!ks)
		return NULL;
	for (i = 0; i < n; i++) {
		json_t *st = canon_statement(json_is_array(stmts) ? json_array_get(stmts, i) : stmts);

		if (!st)
			goto out;
		ks[k].st = st;
		ks[k].key = statement_key(st);
		k++;
		if (!ks[k - 1].key)
			goto out;
	}
	qsort(ks, k, sizeof(*ks), cmp_keyed);
	out = json_array();
	if (!out)
		goto out;
	for (i = 0; i < k; i++) {
		if (i && !strcmp(ks[i].key, ks[i - 1].key))
			continue;
		if (json_array_append(out, ks[i].st)) {
			json_decref(out);
			out = NULL;
			goto out;
		}
	}
out:
	for (i = 0; i < k; i++) {
		free(ks[i].key);
		json_decref(ks[i].st);
	}
	free(ks);
	return out;
}

static int canonicalize(json_t **out, const json_t *doc, struct bw_error *err)
{
	json_t *res, *val, *nv;
	const char *key;

	*out = NULL;
	if (!json_is_object(doc))
		return bw_error_set(err, BW_ERR_INVALID,
				    "a policy is a JSON object: write {\"Version\": \"2012-10-17\", \"Statement\": [...]}");
	res = json_object();
	if (!res)
		goto nomem;
	if ((val = json_object_get(doc, "Version")) &&
	    json_object_set(res, "Version", val))
		goto nomem;
	if ((val = json_object_get(doc, "Id")) && json_object_set(res, "Id", val))
		goto nomem;
	if ((val = json_object_get(doc, "Statement"))) {
		nv = json_is_array(val) || json_is_object(val) ? canon_statements(val)
							       : json_deep_copy(val);
		if (!nv || json_object_set_new(res, "Statement", nv))
			goto nomem;
	}
	json_object_foreach((json_t *)doc, key, val) {
		if (!strcmp(key, "Version") || !strcmp(key, "Id") || !strcmp(key, "Statement"))
			continue;
		nv = json_deep_copy(val);
		if (!nv || json_object_set_new(res, key, nv))
			goto nomem;
	}
	*out = res;
	return 0;
nomem:
	json_decref(res);
	return bw_error_set(err, BW_ERR_NOMEM, "out of memory normalizing a policy");
}

int bw_policy_normalize(json_t **out, const char *text, struct bw_error *err)
{
	json_error_t jerr;
	json_t *doc;
	size_t len;
	int rc;

	*out = NULL;
	if (!text)
		return bw_error_set(err, BW_ERR_INVALID, "no policy document");
	len = strlen(text);
	if (len > POLICY_MAX_TEXT)
		return bw_error_set(err, BW_ERR_INVALID,
				    "policy is %zu bytes; no AWS policy can exceed %d characters",
				    len, BW_POLICY_MAX_INLINE);
	doc = parse_any(text, len, &jerr);
	if (!doc)
		return bw_error_set(err, BW_ERR_INVALID,
				    "policy is not valid JSON (line %d column %d: %s): fix the syntax",
				    jerr.line, jerr.column, jerr.text);
	rc = canonicalize(out, doc, err);
	json_decref(doc);
	return rc;
}

/* What equality compares: Version, other top-level keys, and the set of statement keys. */
static json_t *compare_form(const json_t *canon)
{
	json_t *res, *val, *stmts, *keys;
	const char *key;
	size_t i, n;

	res = json_object();
	if (!res)
		return NULL;
	json_object_foreach((json_t *)canon, key, val) {
		if (!strcmp(key, "Id") || !strcmp(key, "Statement"))
			continue;
		if (json_object_set(res, key, val))
			goto fail;
	}
	stmts = json_object_get(canon, "Statement");
	if (!stmts)
		return res;
	if (!json_is_array(stmts)) {
		if (json_object_set(res, "Statement", stmts))
			goto fail;
		return res;
	}
	keys = json_array();
	n = json_array_size(stmts);
	for (i = 0; keys && i < n; i++) {
		char *k = statement_key(json_array_get(stmts, i));
		json_t *ks = k ? json_string(k) : NULL;

		free(k);
		if (!ks || json_array_append_new(keys, ks)) {
			json_decref(keys);
			keys = NULL;
		}
	}
	if (!keys)
		goto fail;
	/* A NULL value (out of memory) makes json_object_set_new fail. */
	if (json_object_set_new(res, "Statement", canon_set(keys, SET_EXACT))) {
		json_decref(keys);
		goto fail;
	}
	json_decref(keys);
	return res;
fail:
	/* Unknown is never "equal": the caller treats NULL as different. */
	json_decref(res);
	return NULL;
}

bool bw_policy_equal(const json_t *a, const json_t *b)
{
	json_t *ka, *kb;
	bool eq;

	if (!a || !b)
		return false;
	ka = compare_form(a);
	kb = compare_form(b);
	eq = ka && kb && json_equal(ka, kb);
	json_decref(ka);
	json_decref(kb);
	return eq;
}

bool bw_policy_equal_text(const char *a, const char *b)
{
	json_t *ca = NULL, *cb = NULL;
	bool eq = false;

	if (!a || !b)
		return false;
	if (!bw_policy_normalize(&ca, a, NULL) && !bw_policy_normalize(&cb, b, NULL))
		eq = bw_policy_equal(ca, cb);
	json_decref(ca);
	json_decref(cb);
	return eq;
}

/* ---- diff ------------------------------------------------------------- */

struct lines {
	char **v;
	size_t n;
	char *text;
};

static int split_lines(struct lines *l, char *text)
{
	size_t n = 1, i;
	char *p;

	l->text = text;
	for (p = text; *p; p++)
		n += *p == '\n';
	l->v = calloc(n, sizeof(*l->v));
	if (!l->v)
		return BW_ERR_NOMEM;
	l->n = 0;
	if (!*text)
		return 0;
	p = text;
	for (i = 0; i < n; i++) {
		char *nl = strchr(p, '\n');

		l->v[l->n++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return 0;
}

static char *pretty(const char *text, struct bw_error *err, int *rc)
{
	json_t *c = NULL;
	char *s;

	*rc = 0;
	if (!text || !*text) {
		s = bw_strdup("");
		if (!s)
			*rc = BW_ERR_NOMEM;
		return s;
	}
	*rc = bw_policy_normalize(&c, text, err);
	if (*rc)
		return NULL;
	s = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(c);
	if (!s)
		*rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory printing a policy");
	return s;
}

static int emit(struct bw_buf *out, int indent, const char *mark, const char *line)
{
	return bw_buf_addf(out, "%*s%s%s\n", indent, "", mark, line);
}

/* Longest common subsequence over lines: documents are small. */
#define DIFF_MAX_CELLS ((size_t)4 << 20)

int bw_policy_diff(struct bw_buf *out, const char *old_text, const char *new_text,
		   int indent, struct bw_error *err)
{
	struct lines a = { 0 }, b = { 0 };
	char *ta = NULL, *tb = NULL;
	unsigned *dp = NULL;
	size_t i, j, w;
	int rc;

	if (indent < 0)
		indent = 0;
	ta = pretty(old_text, err, &rc);
	if (rc) {
		bw_error_prefix(err, "old policy");
		goto out;
	}
	tb = pretty(new_text, err, &rc);
	if (rc) {
		bw_error_prefix(err, "new policy");
		goto out;
	}
	if ((rc = split_lines(&a, ta)) || (rc = split_lines(&b, tb))) {
		rc = bw_error_set(err, rc, "out of memory diffing policies");
		goto out;
	}
	w = b.n + 1;
	if ((a.n + 1) * w > DIFF_MAX_CELLS) {
		/* Too big to align line by line: show it all as replaced. */
		for (i = 0; i < a.n; i++)
			if ((rc = emit(out, indent, "- ", a.v[i])))
				goto nomem;
		for (j = 0; j < b.n; j++)
			if ((rc = emit(out, indent, "+ ", b.v[j])))
				goto nomem;
		goto out;
	}
	dp = calloc((a.n + 1) * w, sizeof(*dp));
	if (!dp) {
		rc = BW_ERR_NOMEM;
		goto nomem;
	}
	for (i = a.n; i-- > 0;)
		for (j = b.n; j-- > 0;)
			dp[i * w + j] = !strcmp(a.v[i], b.v[j]) ? dp[(i + 1) * w + j + 1] + 1 :
					dp[(i + 1) * w + j] >= dp[i * w + j + 1] ? dp[(i + 1) * w + j] :
					dp[i * w + j + 1];
	i = j = 0;
	while (i < a.n || j < b.n) {
		if (i < a.n && j < b.n && !strcmp(a.v[i], b.v[j])) {
			rc = emit(out, indent, "  ", a.v[i]);
			i++;
			j++;
		} else if (j < b.n && (i == a.n || dp[i * w + j + 1] >= dp[(i + 1) * w + j])) {
			/* On a tie, removals come before additions, as in diff(1). */
			if (i < a.n && dp[i * w + j + 1] == dp[(i + 1) * w + j]) {
				rc = emit(out, indent, "- ", a.v[i]);
				i++;
			} else {
				rc = emit(out, indent, "+ ", b.v[j]);
				j++;
			}
		} else {
			rc = emit(out, indent, "- ", a.v[i]);
			i++;
		}
		if (rc)
			goto nomem;
	}
	goto out;
nomem:
	rc = bw_error_set(err, rc, "cannot build the policy diff: %s", bw_strerror(rc));
out:
	free(dp);
	free(a.v);
	free(b.v);
	free(ta);
	free(tb);
	return rc;
}
