/*
 * spec_check.c - the AWS naming rules the spec is checked against, the
 * {account}/{environment}/{owner} patterns, durations, and the ${var}
 * substitution that turns a policy template into the JSON sent to AWS.
 * Reading YAML and building the model is lib/spec.c's; judging policy
 * documents themselves is lib/policy.c's.
 *
 * Limits come from the AWS API references (botocore 1.43 service models
 * agree unless noted):
 *   organizations CreateAccount, CreateOrganizationalUnit, CreatePolicy,
 *   TagResource; iam CreateRole, CreatePolicy, CreateAccountAlias,
 *   UpdateAccountPasswordPolicy; secretsmanager CreateSecret.
 */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "bulwark/policy.h"
#include "bulwark/spec.h"
#include "spec_internal.h"
#include "internal.h"

#define WHY(...) (snprintf(why, n, __VA_ARGS__), false)

static bool len_ok(const char *s, size_t min, size_t max, char *why, size_t n)
{
	size_t l = strlen(s);

	if (l >= min && l <= max)
		return true;
	if (!l)
		return WHY("is empty; AWS needs %zu to %zu characters", min, max);
	return WHY("is %zu characters; AWS allows %zu to %zu", l, min, max);
}

/*
 * CreateAccount AccountName: 1-50 characters of [\u0020-\u007E] in the API
 * reference.  botocore 1.43 models 1-128 of anything; we keep the
 * documented, stricter rule so a name never fails half-way through a run.
 */
bool bw_spec__check_account_name(const char *s, char *why, size_t n)
{
	if (!len_ok(s, 1, 50, why, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return WHY("has a character outside printable ASCII (position %zu)",
				   (size_t)(p - (const unsigned char *)s) + 1);
	return true;
}

/*
 * CreateAccount Email: 6-64 7-bit ASCII characters, one '@'; the local part
 * has no whitespace nor any of " ' ( ) < > [ ] : ; , \ | % & and does not
 * begin with '.'; the domain is [A-Za-z0-9.-], contains a dot and neither
 * begins nor ends with '-' or '.'.
 */
bool bw_spec__check_email(const char *s, char *why, size_t n)
{
	const char *at, *d;
	size_t dl;

	if (!len_ok(s, 6, 64, why, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p > 0x7e || *p < 0x21)
			return WHY("has a space, control or non-ASCII character");
	at = strchr(s, '@');
	if (!at || strchr(at + 1, '@'))
		return WHY("must have exactly one '@'");
	if (at == s)
		return WHY("has nothing before the '@'");
	if (s[0] == '.')
		return WHY("must not begin with '.'");
	for (const char *p = s; p < at; p++)
		if (strchr("\"'()<>[]:;,\\|%&", *p))
			return WHY("has '%c' before the '@', which AWS refuses", *p);
	d = at + 1;
	dl = strlen(d);
	if (!dl)
		return WHY("has no domain after the '@'");
	for (const char *p = d; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return WHY("has '%c' in the domain; only letters, digits, '-' and '.' are allowed", *p);
	if (d[0] == '-' || d[0] == '.' || d[dl - 1] == '-' || d[dl - 1] == '.')
		return WHY("has a domain that begins or ends with '-' or '.'");
	if (!strchr(d, '.'))
		return WHY("has a domain without a dot");
	return true;
}

/*
 * CreateOrganizationalUnit Name: 1-128 characters.  '/' separates units in
 * the spec, so it cannot be part of a name; control characters would be
 * invisible in every listing.
 */
bool bw_spec__check_ou_name(const char *s, char *why, size_t n)
{
	if (!len_ok(s, 1, 128, why, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '/')
			return WHY("contains '/', which separates units in a path");
		if (*p < 0x20 || *p == 0x7f)
			return WHY("contains a control character");
	}
	if (isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1]))
		return WHY("begins or ends with a space");
	return true;
}

/* IAM role and policy names: [\w+=,.@-]+, 1-64 (roles) or 1-128 (policies). */
bool bw_spec__check_iam_name(const char *s, size_t max, char *why, size_t n)
{
	if (!len_ok(s, 1, max, why, n))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_+=,.@-", *p))
			return WHY("has '%c'; IAM names use letters, digits and _+=,.@-", *p);
	return true;
}

/* IAM role path: "/" or "/" [\u0021-\u007E]+ "/", at most 512 characters. */
bool bw_spec__check_role_path(const char *s, char *why, size_t n)
{
	size_t l = strlen(s);

	if (!len_ok(s, 1, 512, why, n))
		return false;
	if (s[0] != '/' || s[l - 1] != '/')
		return WHY("must begin and end with '/' (e.g. /bulwark/)");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return WHY("has a space, control or non-ASCII character");
	return true;
}

/* IAM policy path: ((/[A-Za-z0-9.,+@=_-]+)*)/ */
bool bw_spec__check_policy_path(const char *s, char *why, size_t n)
{
	size_t l = strlen(s);

	if (!len_ok(s, 1, 512, why, n))
		return false;
	if (s[0] != '/' || s[l - 1] != '/')
		return WHY("must begin and end with '/' (e.g. /bulwark/)");
	if (strstr(s, "//"))
		return WHY("has an empty component '//'");
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/.,+@=_-", *p))
			return WHY("has '%c'; policy paths use letters, digits and .,+@=_-", *p);
	return true;
}

/* CreateAccountAlias: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$ */
bool bw_spec__check_alias(const char *s, char *why, size_t n)
{
	size_t l = strlen(s);

	if (!len_ok(s, 3, 63, why, n))
		return false;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return WHY("has '%c'; aliases use lowercase letters, digits and '-'", *p);
	if (s[0] == '-' || s[l - 1] == '-')
		return WHY("begins or ends with '-'");
	if (strstr(s, "--"))
		return WHY("has two '-' in a row");
	return true;
}

/*
 * Tags (organizations and iam): key 1-128, value 0-256, of
 * [\p{L}\p{Z}\p{N}_.:/=+\-@].  Non-ASCII bytes are let through as letters;
 * keys beginning with "aws:" are reserved by AWS.
 */
static bool tag_chars(const char *s, char *why, size_t n)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x80 && !isalnum(*p) && !strchr(" _.:/=+-@", *p))
			return WHY("has '%c'; tags use letters, digits, spaces and _.:/=+-@", *p);
	return true;
}

bool bw_spec__check_tag_key(const char *s, char *why, size_t n)
{
	if (!len_ok(s, 1, 128, why, n) || !tag_chars(s, why, n))
		return false;
	if (!strncasecmp(s, "aws:", 4))
		return WHY("begins with 'aws:', which AWS reserves");
	return true;
}

bool bw_spec__check_tag_value(const char *s, char *why, size_t n)
{
	return len_ok(s, 0, 256, why, n) && tag_chars(s, why, n);
}

/* A region name as AWS spells them: eu-west-1, us-gov-west-1, ap-southeast-4. */
bool bw_spec__check_region(const char *s, char *why, size_t n)
{
	const char *p = s;
	int parts = 0;

	if (!islower((unsigned char)p[0]) || !islower((unsigned char)p[1]) || p[2] != '-')
		goto bad;
	p += 2;
	while (*p == '-' && islower((unsigned char)p[1])) {
		p++;
		while (islower((unsigned char)*p))
			p++;
		parts++;
	}
	if (!parts || *p != '-' || !isdigit((unsigned char)p[1]))
		goto bad;
	p++;
	while (isdigit((unsigned char)*p))
		p++;
	if (!*p && strlen(s) <= 32)
		return true;
bad:
	return WHY("is not a region name like eu-west-1");
}

static bool all_of(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

/*
 * A KMS key as Secrets Manager's KmsKeyId takes it: alias/NAME, a key id
 * (UUID or mrk-...), or the ARN of a key or alias.
 */
bool bw_spec__check_kms_key(const char *s, char *why, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static const char aliaschars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_-";
	size_t l = strlen(s);

	if (!strncmp(s, "alias/", 6)) {
		if (l == 6 || l > 256 || !all_of(s + 6, l - 6, aliaschars))
			return WHY("is not an alias name like alias/bulwark-secrets "
				   "(letters, digits, '/', '_' and '-')");
		return true;
	}
	if (l == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
	    all_of(s, 8, hex) && all_of(s + 9, 4, hex) && all_of(s + 14, 4, hex) &&
	    all_of(s + 19, 4, hex) && all_of(s + 24, 12, hex))
		return true;
	if (l == 36 && !strncmp(s, "mrk-", 4) && all_of(s + 4, 32, hex))
		return true;
	if (!strncmp(s, "arn:aws", 7) && strstr(s, ":kms:") &&
	    (strstr(s, ":key/") || strstr(s, ":alias/")) && l <= 2048)
		return true;
	return WHY("is not a KMS key: write alias/NAME, a key id or a key ARN");
}

/* CreateSecret Name: 1-512 of letters, digits and /_+=.@- */
bool bw_spec__check_secret_name(const char *s, char *why, size_t n)
{
	if (!len_ok(s, 1, 512, why, n))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+=.@-", *p))
			return WHY("has '%c'; secret names use letters, digits and /_+=.@-", *p);
	return true;
}

/* Descriptions: no control characters but tab and newlines, max characters. */
bool bw_spec__check_text(const char *s, size_t max, char *why, size_t n)
{
	size_t chars = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
			return WHY("contains a control character");
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars > max)
		return WHY("is %zu characters; AWS allows at most %zu", chars, max);
	return true;
}

bool bw_spec__check_var_name(const char *s, char *why, size_t n)
{
	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		goto bad;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			goto bad;
	if (strlen(s) > 64)
		goto bad;
	return true;
bad:
	return WHY("is not a variable name: use letters, digits and '_' (at most 64), "
		   "starting with a letter");
}

bool bw_spec__check_env_name(const char *s, char *why, size_t n)
{
	if (!islower((unsigned char)s[0]) || strlen(s) > 32)
		goto bad;
	for (const char *p = s; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			goto bad;
	return true;
bad:
	return WHY("is not an environment name: lowercase letters, digits and '-', "
		   "at most 32, starting with a letter");
}

/* arn:PARTITION:iam::(aws|ACCOUNT):policy/[PATH/]NAME */
bool bw_spec__check_policy_arn(const char *s, char *why, size_t n)
{
	const char *p;

	if (strncmp(s, "arn:aws", 7) || !(p = strstr(s, ":iam::")))
		goto bad;
	p += 6;
	if (!strncmp(p, "aws:", 4)) {
		p += 4;
	} else {
		for (int i = 0; i < 12; i++, p++)
			if (!isdigit((unsigned char)*p))
				goto bad;
		if (*p++ != ':')
			goto bad;
	}
	if (strncmp(p, "policy/", 7) || !p[7] || strlen(s) > 2048)
		goto bad;
	return true;
bad:
	return WHY("is not an IAM policy ARN like arn:aws:iam::aws:policy/ReadOnlyAccess");
}

size_t bw_spec__distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), row[65], i, j;

	if (la > 64 || lb > 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], best;
		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], c;
			c = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			if (row[j - 1] + 1 < c)
				c = row[j - 1] + 1;
			if (up + 1 < c)
				c = up + 1;
			diag = up;
			row[j] = c;
			if (c < best)
				best = c;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

bool bw_spec__close(const char *s, const char *cand)
{
	size_t l = strlen(cand), cap = l < 4 ? 1 : l < 9 ? 2 : 3;

	return bw_spec__distance(s, cand, cap) <= cap;
}

/* ---- patterns and durations ------------------------------------------ */

int bw_spec_expand(char **out, const char *pattern, const char *account,
		   const char *environment, const char *owner, struct bw_error *err)
{
	static const char *const names[] = { "account", "environment", "owner" };
	struct bw_buf b = BW_BUF_INIT;
	const char *vals[3] = { account, environment, owner };
	const char *p = pattern;
	int rc = 0;

	*out = NULL;
	bw_buf_init(&b, 64 << 10);
	while (*p && !rc) {
		const char *close;
		size_t i;

		if (*p != '{') {
			rc = bw_buf_addch(&b, *p++);
			continue;
		}
		close = strchr(p, '}');
		for (i = 0; close && i < BW_ARRAY_SIZE(names); i++)
			if ((size_t)(close - p - 1) == strlen(names[i]) &&
			    !strncmp(p + 1, names[i], strlen(names[i])))
				break;
		if (!close || i == BW_ARRAY_SIZE(names)) {
			rc = bw_error_set(err, BW_ERR_INVALID,
					  "unknown placeholder in '%s': use {account}, {environment} or {owner}",
					  pattern);
			break;
		}
		if (!vals[i]) {
			rc = bw_error_set(err, BW_ERR_INVALID, "'{%s}' cannot be used in '%s'",
					  names[i], pattern);
			break;
		}
		rc = bw_buf_adds(&b, vals[i]);
		p = close + 1;
	}
	if (rc) {
		if (rc != BW_ERR_INVALID)
			bw_error_set(err, rc, "cannot expand '%s': %s", pattern, bw_strerror(rc));
		bw_buf_release(&b);
		return rc;
	}
	*out = bw_buf_detach(&b, NULL);
	return *out ? 0 : bw_error_set(err, BW_ERR_NOMEM, "out of memory");
}

long bw_spec_parse_duration(const char *s)
{
	char *end;
	long v, mul = 1;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v < 0)
		return -1;
	switch (*end) {
	case '\0': case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	case 'w': mul = 7 * 86400; break;
	default: return -1;
	}
	if (*end && end[1])
		return -1;
	if (v > 10L * 366 * 86400 / mul)
		return -1;
	return v * mul;
}

/* ---- ${var} substitution in policy documents ------------------------- */

/*
 * The substitution itself is bw_policy_render's (lib/policy.c); here we
 * only gather the variables in order of precedence: the guardrail's own
 * vars:, the spec's vars:, then the built-ins.  bw_policy_render takes the
 * first match, so a spec may define boundary_policy_name itself.
 */
static const char *const builtins[] = {
	"management_account_id", "organization_id", "allowed_regions", "default_region",
	"protected_roles", "access_role", "account_id", "account_name", "environment",
};

bool bw_spec__builtin_var(const char *name)
{
	for (size_t i = 0; i < BW_ARRAY_SIZE(builtins); i++)
		if (!strcmp(name, builtins[i]))
			return true;
	return false;
}

static void add_spec_vars(struct bw_policy_var *v, size_t *n, const struct bw_spec_var *sv,
			  size_t nsv)
{
	for (size_t i = 0; i < nsv; i++, (*n)++) {
		v[*n].name = sv[i].name;
		if (sv[i].is_list) {
			v[*n].list = sv[i].values;
			v[*n].list_len = sv[i].n_values;
		} else {
			v[*n].value = sv[i].n_values ? sv[i].values[0] : "";
		}
	}
}

static void add_var(struct bw_policy_var *v, size_t *n, const char *name, const char *value)
{
	if (!value)
		return;
	v[*n].name = name;
	v[*n].value = value;
	(*n)++;
}

static void add_list(struct bw_policy_var *v, size_t *n, const char *name,
		     const char *const *list, size_t len)
{
	v[*n].name = name;
	v[*n].list = list;
	v[*n].list_len = len;
	(*n)++;
}

int bw_spec__render(char **out, const struct bw_spec *spec, const struct bw_spec_doc *doc,
		    const struct bw_spec_runtime *rt, const struct bw_spec_account *account,
		    bw_policy_report_fn report, void *ctx, struct bw_error *err)
{
	const struct bw_spec_org *org = bw_spec_org(spec);
	const struct bw_spec_var *sv;
	struct bw_policy_var *v;
	const char *const *pr;
	size_t nsv, npr, n = 0;
	int rc;

	*out = NULL;
	sv = bw_spec_vars(spec, &nsv);
	pr = bw_spec_protected_roles(spec, &npr);
	v = calloc(doc->n_vars + nsv + 16, sizeof(*v));
	if (!v)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	add_spec_vars(v, &n, doc->vars, doc->n_vars);
	add_spec_vars(v, &n, sv, nsv);
	add_list(v, &n, "allowed_regions", org->allowed_regions, org->n_allowed_regions);
	add_list(v, &n, "protected_roles", pr, npr);
	add_var(v, &n, "default_region", org->default_region);
	add_var(v, &n, "access_role", org->access_role);
	add_var(v, &n, "boundary_policy_name", bw_spec__boundary_name(spec));
	if (rt) {
		add_var(v, &n, "management_account_id", rt->management_account_id);
		add_var(v, &n, "organization_id", rt->organization_id);
	}
	if (account) {
		add_var(v, &n, "account_name", account->name);
		add_var(v, &n, "environment", account->environment);
		if (rt)
			add_var(v, &n, "account_id", rt->account_id);
	}
	rc = bw_policy_render(out, doc->text, doc->len, v, n, report, ctx, err);
	free(v);
	return rc;
}

int bw_spec_render(char **out, const struct bw_spec *spec, const struct bw_spec_doc *doc,
		   const struct bw_spec_runtime *rt, const struct bw_spec_account *account,
		   struct bw_error *err)
{
	return bw_spec__render(out, spec, doc, rt, account, NULL, NULL, err);
}
