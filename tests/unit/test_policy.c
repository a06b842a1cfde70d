/*
 * test_policy.c - policy validation, rendering, equality and diffs, and
 * every policy file bulwark ships (rendered with realistic variables and
 * validated for its kind, including the size quotas).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include <cmocka.h>

#include "bulwark/policy.h"

/* ---- helpers ---------------------------------------------------------- */

struct problems {
	int n;
	int line, column;	/* of the first problem */
	char text[8192];	/* every message, one per line */
};

static void collect(void *ctx, int line, int column, const char *message)
{
	struct problems *p = ctx;
	size_t len = strlen(p->text);

	if (!p->n) {
		p->line = line;
		p->column = column;
	}
	p->n++;
	snprintf(p->text + len, sizeof(p->text) - len, "%d:%d: %s\n", line, column, message);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *const regions17[] = {
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
	"eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3",
	"eu-north-1", "eu-south-1", "eu-south-2", "ap-southeast-1",
	"ap-southeast-2", "ap-northeast-1", "sa-east-1",
};
static const char *const protected_roles[] = {
	"bulwark/bulwark-auditor", "bulwark/bulwark-break-glass", "bulwark/bulwark-deployer",
};

#define SCALAR(n, v) { n, v, NULL, 0 }
#define LIST(n, a) { n, NULL, a, sizeof(a) / sizeof((a)[0]) }

static const struct bw_policy_var realistic[] = {
	SCALAR("management_account_id", "111111111111"),
	SCALAR("organization_id", "o-a1b2c3d4e5"),
	LIST("allowed_regions", regions17),
	LIST("protected_roles", protected_roles),
	SCALAR("access_role", "OrganizationAccountAccessRole"),
	SCALAR("account_id", "222222222222"),
	SCALAR("account_name", "acme-payments-prod"),
	SCALAR("environment", "prod"),
	SCALAR("boundary_policy_name", "bulwark-boundary"),
	SCALAR("github_org", "acme-corporation"),
	SCALAR("github_repo", "payments-infrastructure"),
	SCALAR("ci_principal_arn", "arn:aws:iam::333333333333:role/ci-runner"),
	SCALAR("auditor_principal_arn", "arn:aws:iam::444444444444:role/security-audit"),
	SCALAR("deploy_execution_role", "workload/cfn-execution"),
	SCALAR("artifact_bucket", "acme-payments-prod-artifacts"),
	SCALAR("workload_role_path", "workload"),
	SCALAR("audit_role", "bulwark/bulwark-auditor"),
	SCALAR("default_region", "eu-west-1"),
};

/* ---- shipped policies ------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Percent-encode as moto does (Python's quote(): '/' and unreserved kept). */
static char *quote(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-' || c == '~' || c == '/')
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return out;
}

static int check_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int files = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], *text, *out = NULL;
		struct problems p = { 0 };
		enum bw_policy_kind kind;
		unsigned flags = 0;
		struct bw_error err = { 0 };
		int rc;

		if (!ends_with(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = slurp(path);
		assert_non_null(text);
		if (strstr(dir, "scp"))
			kind = BW_POLICY_SCP;
		else if (ends_with(de->d_name, "-trust.json"))
			kind = BW_POLICY_TRUST;
		else if (!strcmp(de->d_name, "boundary.json"))
			kind = BW_POLICY_BOUNDARY;
		else
			kind = BW_POLICY_IDENTITY;
		if (!strcmp(de->d_name, "breakglass.json"))
			flags |= BW_POLICY_ALLOW_ADMIN;

		/* The file is valid as written, variables unrendered (the spec loader checks that first). */
		rc = bw_policy_validate(text, strlen(text), kind, flags, collect, &p);
		if (rc)
			fail_msg("%s as written: %d problems:\n%s", path, rc, p.text);
		rc = bw_policy_render(&out, text, strlen(text), realistic,
				      sizeof(realistic) / sizeof(realistic[0]), collect, &p, &err);
		if (rc)
			fail_msg("%s: render failed: %s\n%s", path, err.message, p.text);
		assert_null(strstr(out, "${account_id}"));
		rc = bw_policy_validate(out, strlen(out), kind, flags, collect, &p);
		if (rc)
			fail_msg("%s: %d problems:\n%s", path, rc, p.text);
		/* Admin grants are caught when not allowed. */
		if (flags & BW_POLICY_ALLOW_ADMIN)
			assert_int_equal(bw_policy_validate(out, strlen(out), kind, 0, NULL, NULL), 1);
		/* The rendered form equals itself as IAM (or moto) returns it. */
		{
			char *pretty = NULL, *enc;
			json_t *j = json_loads(out, 0, NULL);

			assert_non_null(j);
			pretty = json_dumps(j, JSON_INDENT(4));
			enc = quote(pretty);
			assert_true(bw_policy_equal_text(out, enc));
			assert_true(bw_policy_equal_text(text, text));
			free(enc);
			free(pretty);
			json_decref(j);
		}
		print_message("  %-40s %5zu chars minified\n", path, bw_policy_minified_len(out, strlen(out)));
		free(out);
		free(text);
		files++;
	}
	closedir(d);
	return files;
}

static void test_shipped_policies_validate(void **state)
{
	(void)state;
	assert_int_equal(check_dir("policies/scp"), 7);
	assert_int_equal(check_dir("policies/iam"), 8);
	assert_int_equal(check_dir("policies/bulwark"), 3);
}

static char *render_file(const char *path, const struct bw_policy_var *vars, size_t n)
{
	char *text = slurp(path), *out = NULL;
	struct bw_error err = { 0 };

	assert_non_null(text);
	if (bw_policy_render(&out, text, strlen(text), vars, n, NULL, NULL, &err))
		fail_msg("%s: %s", path, err.message);
	free(text);
	return out;
}

static void test_region_scp_size(void **state)
{
	char *out;
	size_t len, i;

	(void)state;
	out = render_file("policies/scp/region-allowlist.json", realistic,
			  sizeof(realistic) / sizeof(realistic[0]));
	len = bw_policy_minified_len(out, strlen(out));
	/* render returns minified JSON: what bulwark sends is what is counted */
	assert_int_equal(len, strlen(out));
	assert_true(len < BW_POLICY_MAX_SCP);
	for (i = 0; i < 17; i++) {
		char q[64];

		snprintf(q, sizeof(q), "\"%s\"", regions17[i]);
		assert_non_null(strstr(out, q));
	}
	assert_non_null(strstr(out, "\"aws:RequestedRegion\":[\"us-east-1\",\"us-east-2\""));
	print_message("  region SCP with 17 regions: %zu of %d characters\n", len, BW_POLICY_MAX_SCP);
	free(out);
}

/* Headroom: every Region AWS has (40 names) and 40 protected roles with paths. */
static void test_scp_headroom(void **state)
{
	static char names[40][64], roles[40][64];
	const char *rl[40], *ro[40];
	struct bw_policy_var vars[sizeof(realistic) / sizeof(realistic[0])];
	const char *files[] = {
		"policies/scp/region-allowlist.json", "policies/scp/protect-roles.json",
		"policies/scp/protect-security-services.json",
	};
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "ap-southeast-%zu", i + 1);
		snprintf(roles[i], sizeof(roles[i]), "platform-team/bulwark-workload-role-%02zu", i);
		rl[i] = names[i];
		ro[i] = roles[i];
	}
	memcpy(vars, realistic, sizeof(vars));
	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (!strcmp(vars[i].name, "allowed_regions")) {
			vars[i].list = rl;
			vars[i].list_len = 40;
		} else if (!strcmp(vars[i].name, "protected_roles")) {
			vars[i].list = ro;
			vars[i].list_len = 40;
		}
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *out = render_file(files[i], vars, sizeof(vars) / sizeof(vars[0]));
		size_t len = bw_policy_minified_len(out, strlen(out));

		print_message("  %-45s %5zu of %d characters with 40 regions and 40 roles\n",
			      files[i], len, BW_POLICY_MAX_SCP);
		assert_true(len < BW_POLICY_MAX_SCP);
		assert_int_equal(bw_policy_validate(out, strlen(out), BW_POLICY_SCP, 0, NULL, NULL), 0);
		free(out);
	}
}

static void test_protect_roles_exception(void **state)
{
	char *out;

	(void)state;
	out = render_file("policies/scp/protect-roles.json", realistic,
			  sizeof(realistic) / sizeof(realistic[0]));
	/* One ARN per protected pattern, plus the access role itself. */
	assert_non_null(strstr(out, "\"Resource\":[\"arn:aws:iam::*:role/OrganizationAccountAccessRole\","
				    "\"arn:aws:iam::*:role/bulwark/bulwark-auditor\",\"arn:aws:iam::*:role/bulwark/bulwark-break-glass\","
				    "\"arn:aws:iam::*:role/bulwark/bulwark-deployer\"]"));
	/* The exception is the access role, by principal ARN. */
	assert_non_null(strstr(out, "\"ArnNotLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::*:role/OrganizationAccountAccessRole\"}"));
	free(out);
}

/* audit.json is read-only: Describe/List/Get, plus the one AssumeRole into members. */
static void test_audit_is_read_only(void **state)
{
	char *text = slurp("policies/bulwark/audit.json");
	json_t *doc, *st, *a;
	size_t i, k;

	(void)state;
	assert_non_null(text);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	json_array_foreach(json_object_get(doc, "Statement"), i, st) {
		json_t *acts = json_object_get(st, "Action");

		assert_string_equal(json_string_value(json_object_get(st, "Effect")), "Allow");
		if (json_is_string(acts)) {
			const char *n = strchr(json_string_value(acts), ':') + 1;

			assert_true(!strncmp(n, "Describe", 8) || !strncmp(n, "List", 4) ||
				    !strncmp(n, "Get", 3) || !strcmp(json_string_value(acts), "sts:AssumeRole"));
			continue;
		}
		json_array_foreach(acts, k, a) {
			const char *n = strchr(json_string_value(a), ':') + 1;

			assert_true(!strncmp(n, "Describe", 8) || !strncmp(n, "List", 4) ||
				    !strncmp(n, "Get", 3));
		}
	}
	json_decref(doc);
	free(text);
}

/* ---- equality ---------------------------------------------------------- */

/* GetRole's example response in the IAM API reference (URL-encoded). */
static const char iam_encoded_trust[] =
	"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22%22%2C"
	"%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C"
	"%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

/* A pretty-printed document percent-encoded the way IAM returns it (RFC 3986). */
static const char iam_encoded_pretty[] =
	"%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%0A"
	"%20%20%20%20%7B%0A%20%20%20%20%20%20%22Effect%22%3A%20%22Allow%22%2C%0A"
	"%20%20%20%20%20%20%22Action%22%3A%20%5B%22s3%3AGetObject%22%2C%20%22s3%3AListBucket%22%5D%2C%0A"
	"%20%20%20%20%20%20%22Resource%22%3A%20%22arn%3Aaws%3As3%3A%3A%3Aacme-logs%2F%2A%22%0A"
	"%20%20%20%20%7D%0A%20%20%5D%0A%7D";

/* A real GetRole response body (botocore debug log), "*" encoded as %2A. */
static const char iam_real_trust[] =
	"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C"
	"%22Principal%22%3A%7B%22AWS%22%3A%22%2A%22%2C%22Service%22%3A%22s3.amazonaws.com%22%7D%2C"
	"%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

struct eq_case {
	const char *a, *b;
	bool equal;
	const char *why;
};

#define V "\"Version\":\"2012-10-17\","

static const struct eq_case eq_cases[] = {
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{\"Statement\":[{\"Resource\":\"*\",\"Action\":\"s3:GetObject\",\"Effect\":\"Allow\"}]," V "\"Id\":\"x\"}",
	  true, "key order, Id" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{\n  \"Version\" : \"2012-10-17\",\n\t\"Statement\": [ {\"Effect\":\"Allow\",\n \"Action\":\"s3:GetObject\",\"Resource\":\"*\"} ]\n}\n",
	  true, "whitespace" },
	{ "{" V "\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":[\"*\"]}]}",
	  true, "string vs one-element list, statement object vs list" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":[\"arn:aws:s3:::a/*\",\"arn:aws:s3:::b/*\"]}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:PutObject\",\"s3:GetObject\"],\"Resource\":[\"arn:aws:s3:::b/*\",\"arn:aws:s3:::a/*\"]}]}",
	  true, "order of actions and resources" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:DeleteObject\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  true, "statement order" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:createrole\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"IAM:CreateRole\",\"Resource\":\"*\"}]}",
	  true, "action case" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:getobject\",\"s3:GetObject\"],\"Resource\":[\"*\",\"*\"]}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  true, "duplicate entries" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  true, "duplicate statements" },
	{ iam_encoded_trust,
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
	  true, "URL-encoded GetRole response, empty Sid" },
	{ iam_real_trust,
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":[\"sts:AssumeRole\"],\"Principal\":{\"Service\":\"s3.amazonaws.com\",\"AWS\":[\"*\"]},\"Effect\":\"Allow\"}]}",
	  true, "URL-encoded trust policy from a real GetRole response" },
	{ iam_real_trust,
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"sts:AssumeRole\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Effect\":\"Allow\"}]}",
	  false, "real GetRole response: one principal fewer" },
	{ iam_encoded_pretty,
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:ListBucket\",\"s3:GetObject\"],\"Resource\":\"arn:aws:s3:::acme-logs/*\"}]}",
	  true, "URL-encoded pretty document" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringNotEquals\":{\"aws:RequestedRegion\":[\"eu-west-1\",\"eu-central-1\"]},\"ArnNotLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::*:role/A\"}}}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"ArnNotLike\":{\"aws:principalarn\":[\"arn:aws:iam::*:role/A\"]},\"StringNotEquals\":{\"AWS:RequestedRegion\":[\"eu-central-1\",\"eu-west-1\",\"eu-west-1\"]}}}]}",
	  true, "condition operator order, key case, value sets" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":true}}}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}}]}",
	  true, "boolean vs string condition value" },
	{ "{" V "\"Statement\":[{\"Sid\":\"One\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Sid\":\"Other\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  true, "Sid does not change meaning" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},\"Action\":\"sts:AssumeRole\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"sts:AssumeRole\"}]}",
	  true, "account id principal as IAM stores it" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{}}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  true, "empty Condition" },

	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  false, "missing Version is 2008-10-17" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  false, "Effect" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"NotAction\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  false, "Action vs NotAction" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::Logs/*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::logs/*\"}]}",
	  false, "resource ARNs are case-sensitive" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":\"Red\"}}}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":\"red\"}}}]}",
	  false, "condition values are case-sensitive" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\",\"s3:PutObject\"],\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  false, "one action fewer" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::x/*\"}]}",
	  false, "extra statement" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-1\"}}}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":{\"StringLike\":{\"aws:PrincipalOrgID\":\"o-1\"}}}]}",
	  false, "condition operator" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sts:AssumeRole\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"sts:AssumeRole\"}]}",
	  false, "principal" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}]}",
	  "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  false, "wildcards are not expanded" },
	{ "{" V "\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  "not json", false, "unparsable" },
};

static void test_equal_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(eq_cases) / sizeof(eq_cases[0]); i++) {
		const struct eq_case *c = &eq_cases[i];

		if (bw_policy_equal_text(c->a, c->b) != c->equal)
			fail_msg("case %zu (%s): expected %s", i, c->why, c->equal ? "equal" : "different");
		if (bw_policy_equal_text(c->b, c->a) != c->equal)
			fail_msg("case %zu (%s): not symmetric", i, c->why);
	}
	assert_false(bw_policy_equal_text(NULL, "{}"));
	assert_true(bw_policy_equal_text("{}", "{ }"));
}

static void test_normalize_form(void **state)
{
	json_t *c = NULL;
	char *s;
	struct bw_error err = { 0 };

	(void)state;
	assert_int_equal(bw_policy_normalize(&c, iam_encoded_trust, &err), 0);
	s = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"\",\"Effect\":\"Allow\","
			       "\"Principal\":{\"Service\":[\"ec2.amazonaws.com\"]},\"Action\":[\"sts:AssumeRole\"]}]}");
	free(s);
	json_decref(c);

	/* Service prefix lowercased, action name kept for display. */
	assert_int_equal(bw_policy_normalize(&c, "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":[\"IAM:CreateRole\",\"ec2:Describe*\"],\"Resource\":\"*\"}}", &err), 0);
	s = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"ec2:Describe*\",\"iam:CreateRole\"],\"Resource\":[\"*\"]}]}");
	free(s);
	json_decref(c);

	assert_int_equal(bw_policy_normalize(&c, "[1,2]", &err), BW_ERR_INVALID);
	assert_null(c);
	assert_int_equal(bw_policy_normalize(&c, "{\"a\":", &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "line 1 column"));
}

/* ---- diff -------------------------------------------------------------- */

static void test_diff_snapshot(void **state)
{
	struct bw_buf out = BW_BUF_INIT;
	struct bw_error err = { 0 };
	const char *old_text =
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"DenyLeave\",\"Effect\":\"Deny\","
		"\"Action\":\"organizations:LeaveOrganization\",\"Resource\":\"*\"},"
		"{\"Sid\":\"Regions\",\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\",\"s3:*\",\"sts:*\"],\"Resource\":\"*\","
		"\"Condition\":{\"StringNotEquals\":{\"aws:RequestedRegion\":[\"eu-west-1\"]}}}]}";
	const char *new_text =
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Regions\",\"Effect\":\"Deny\","
		"\"NotAction\":[\"sts:*\",\"iam:*\",\"organizations:*\"],\"Resource\":\"*\","
		"\"Condition\":{\"StringNotEquals\":{\"aws:RequestedRegion\":[\"eu-central-1\",\"eu-west-1\"]}}},"
		"{\"Sid\":\"DenyLeave\",\"Effect\":\"Deny\",\"Action\":\"organizations:LeaveOrganization\",\"Resource\":\"*\"}]}";
	const char *expected =
		"      {\n"
		"        \"Version\": \"2012-10-17\",\n"
		"        \"Statement\": [\n"
		"          {\n"
		"            \"Sid\": \"DenyLeave\",\n"
		"            \"Effect\": \"Deny\",\n"
		"            \"Action\": [\n"
		"              \"organizations:LeaveOrganization\"\n"
		"            ],\n"
		"            \"Resource\": [\n"
		"              \"*\"\n"
		"            ]\n"
		"          },\n"
		"          {\n"
		"            \"Sid\": \"Regions\",\n"
		"            \"Effect\": \"Deny\",\n"
		"            \"NotAction\": [\n"
		"              \"iam:*\",\n"
		"    -         \"s3:*\",\n"
		"    +         \"organizations:*\",\n"
		"              \"sts:*\"\n"
		"            ],\n"
		"            \"Resource\": [\n"
		"              \"*\"\n"
		"            ],\n"
		"            \"Condition\": {\n"
		"              \"StringNotEquals\": {\n"
		"                \"aws:RequestedRegion\": [\n"
		"    +             \"eu-central-1\",\n"
		"                  \"eu-west-1\"\n"
		"                ]\n"
		"              }\n"
		"            }\n"
		"          }\n"
		"        ]\n"
		"      }\n";

	(void)state;
	assert_int_equal(bw_policy_diff(&out, old_text, new_text, 4, &err), 0);
	if (strcmp(out.ptr, expected))
		fail_msg("diff differs:\n%s", out.ptr);
	bw_buf_release(&out);

	/* Creation: everything added.  Equal documents: no +/- line at all. */
	assert_int_equal(bw_policy_diff(&out, NULL, "{\"Version\":\"2012-10-17\"}", 0, &err), 0);
	assert_string_equal(out.ptr, "+ {\n+   \"Version\": \"2012-10-17\"\n+ }\n");
	bw_buf_release(&out);
	assert_int_equal(bw_policy_diff(&out, old_text, old_text, 0, &err), 0);
	assert_null(strstr(out.ptr, "\n- "));
	assert_null(strstr(out.ptr, "\n+ "));
	bw_buf_release(&out);

	assert_int_equal(bw_policy_diff(&out, "{", new_text, 0, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "old policy: "));
	bw_buf_release(&out);
}

/* ---- validation errors ------------------------------------------------- */

struct verr_case {
	const char *text;
	enum bw_policy_kind kind;
	const char *expect;	/* substring of the first message */
	int line;		/* of the first problem; -1: do not check */
};

#define ST(x) "{\"Version\":\"2012-10-17\",\"Statement\":[" x "]}"

static const struct verr_case verr_cases[] = {
	{ "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  BW_POLICY_IDENTITY, "missing \"Version\": add \"Version\": \"2012-10-17\"", 0 },
	{ "{\"Version\":\"2024-01-01\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}",
	  BW_POLICY_IDENTITY, "\"Version\" must be \"2012-10-17\"", 0 },
	{ "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/${aws:username}\"}]}",
	  BW_POLICY_IDENTITY, "2008-10-17 treats ${...} policy variables as literal text", 0 },
	{ "{\"Version\":\"2012-10-17\"}", BW_POLICY_IDENTITY, "missing \"Statement\"", 0 },
	{ "{\"Version\":\"2012-10-17\",\"Statement\":[]}", BW_POLICY_IDENTITY, "\"Statement\" is empty", 0 },
	{ "{\"Version\":\"2012-10-17\",\"Statement\":\"x\"}", BW_POLICY_IDENTITY, "must be a list of statement objects", 0 },
	{ "{\"Version\":\"2012-10-17\",\"Statements\":[]}", BW_POLICY_IDENTITY,
	  "unknown top-level element 'Statements': a policy has only Version, Id and Statement", 0 },
	{ ST("{\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "statement 1 has no \"Effect\": add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"", 1 },
	{ ST("{\"Effect\":\"allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "\"Effect\" must be \"Allow\" or \"Deny\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "statement 1 has no \"Action\": add \"Action\": [\"service:ActionName\"]", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"NotAction\":\"s3:PutObject\",\"Resource\":\"*\"}"),
	  BW_POLICY_IDENTITY, "has both \"Action\" and \"NotAction\": keep one", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\"}"), BW_POLICY_IDENTITY,
	  "has no \"Resource\": add \"Resource\": \"*\" or the ARNs it applies to", 1 },
	{ ST("{\"Effect\":\"Deny\",\"Action\":\"s3:GetObject\"}"), BW_POLICY_SCP, "has no \"Resource\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"NotResource\":\"x\"}"),
	  BW_POLICY_IDENTITY, "has both \"Resource\" and \"NotResource\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"GetObject\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "'GetObject' is not an action: write \"service:ActionName\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"S3:GetObject\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "write the service prefix in lowercase", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "\"Action\" is an empty list", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":[1],\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "\"Action\" item 1 is not a string: quote it", 1 },
	{ ST("{\"Effect\":\"Allow\",\"action\":\"s3:GetObject\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"),
	  BW_POLICY_IDENTITY, "unknown element 'action': element names are case-sensitive, write \"Action\"", 1 },
	{ ST("{\"Sid\":\"a-b\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "Sid 'a-b' may only hold ASCII letters and digits", 1 },
	{ ST("{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"},\n"
	     "{\"Sid\":\"A\",\"Effect\":\"Deny\",\"Action\":\"s3:PutObject\",\"Resource\":\"*\"}"),
	  BW_POLICY_IDENTITY, "statement 2: Sid 'A' is used twice: give each statement its own Sid", 2 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}"), BW_POLICY_IDENTITY,
	  "allows every action on every resource (administrator access)", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"*:*\",\"Resource\":[\"arn:aws:s3:::x\",\"*\"]}"), BW_POLICY_BOUNDARY,
	  "administrator access", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}"),
	  BW_POLICY_IDENTITY, "has no \"Principal\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"), BW_POLICY_SCP,
	  "a service control policy has no \"Principal\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}"), BW_POLICY_TRUST,
	  "has no \"Principal\": name who may assume the role", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}"),
	  BW_POLICY_TRUST, "a trust policy has no \"Resource\" (the role is the resource): remove it", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:GetObject\"}"),
	  BW_POLICY_TRUST, "'s3:GetObject' has no place in a trust policy", 1 },
	{ ST("{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"sts:AssumeRole\"}"),
	  BW_POLICY_TRUST, "a trust policy cannot use \"NotPrincipal\"", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Principal\":{\"Aws\":\"x\"},\"Action\":\"sts:AssumeRole\"}"),
	  BW_POLICY_TRUST, "unknown principal type 'Aws': use AWS, Service, Federated or CanonicalUser", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Principal\":\"111122223333\",\"Action\":\"sts:AssumeRole\"}"),
	  BW_POLICY_TRUST, "\"Principal\" string must be \"*\": write {\"AWS\": \"111122223333\"}", 1 },
	{ ST("{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":\"x\"}}"),
	  BW_POLICY_SCP, "condition operator 'StringEquals' must map condition keys to values", 1 },
	{ ST("{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":[]}}}"),
	  BW_POLICY_SCP, "has an empty list of values", 1 },
	{ ST("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::caf\xc3\xa9\xe2\x82\xac\"}"),
	  BW_POLICY_IDENTITY, "character U+20AC is not allowed in an IAM policy", 1 },
	{ "[1]", BW_POLICY_IDENTITY, "a policy is a JSON object", 1 },
};

static void test_validate_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(verr_cases) / sizeof(verr_cases[0]); i++) {
		const struct verr_case *c = &verr_cases[i];
		struct problems p = { 0 };
		int rc = bw_policy_validate(c->text, strlen(c->text), c->kind, 0, collect, &p);

		if (rc < 1 || !strstr(p.text, c->expect))
			fail_msg("case %zu: rc %d, expected '%s' in:\n%s", i, rc, c->expect, p.text);
		if (c->line >= 0 && p.line != c->line)
			fail_msg("case %zu: first problem on line %d, expected %d:\n%s", i, p.line, c->line, p.text);
		/* Every message says what to do: it has a ':' followed by advice or a quote. */
		assert_non_null(strchr(p.text, ':'));
	}
}

static void test_statement_positions(void **state)
{
	const char *text =
		"{\n"
		"  \"Version\": \"2012-10-17\",\n"
		"  \"Statement\": [\n"
		"    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n"
		"    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"},\n"
		"\n"
		"      {\"Effect\": \"Allow\", \"Action\": \"s3:PutObject\", \"Resource\": \"*\",\n"
		"       \"Condition\": {\"StringEquals\": {\"s3:x-amz-acl\": \"{[\\\"\"}}}, {\"Effect\": \"Maybe\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}\n"
		"  ]\n"
		"}\n";
	struct problems p = { 0 };

	(void)state;
	assert_int_equal(bw_policy_validate(text, strlen(text), BW_POLICY_IDENTITY, 0, collect, &p), 1);
	/* The fourth statement starts after a string holding brackets and quotes. */
	assert_int_equal(p.line, 8);
	assert_int_equal(p.column, 66);
	assert_non_null(strstr(p.text, "statement 4: \"Effect\" must be"));
}

static void test_syntax_errors(void **state)
{
	static const struct {
		const char *text;
		int line, column;
		const char *expect;
	} cases[] = {
		{ "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\",}\n  ]\n}\n",
		  4, 24, "invalid JSON: string or '}' expected near '}'" },
		{ "{\"Version\": \"2012-10-17\"", 1, 24, "invalid JSON: '}' expected near end of file" },
		{ "{\"Version\": \"2012-10-17\", \"Version\": \"2012-10-17\"}", 1, 35, "duplicate object key" },
		{ "{\"Version\": \"\xff\"}", 1, 13, "invalid JSON: unable to decode byte 0xff" },
		{ "", 1, 0, "invalid JSON" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct problems p = { 0 };
		int rc = bw_policy_validate(cases[i].text, strlen(cases[i].text), BW_POLICY_SCP, 0, collect, &p);

		if (rc != 1 || p.line != cases[i].line || p.column != cases[i].column ||
		    !strstr(p.text, cases[i].expect))
			fail_msg("case %zu: rc %d at %d:%d: %s", i, rc, p.line, p.column, p.text);
		assert_non_null(strstr(p.text, "fix the syntax at this position"));
	}
}

static void test_size_limits(void **state)
{
	struct bw_buf b = BW_BUF_INIT;
	struct problems p = { 0 };
	int i, rc;

	(void)state;
	/* An SCP just over 5,120 characters; the same text is fine as an inline policy. */
	assert_int_equal(bw_buf_adds(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":["), 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(bw_buf_addf(&b, "%s\"ec2:Action%05d\"", i ? ",\n    " : "", i), 0);
	assert_int_equal(bw_buf_adds(&b, "],\"Resource\":\"*\"}]}"), 0);
	assert_true(bw_policy_minified_len(b.ptr, b.len) > BW_POLICY_MAX_SCP);
	assert_true(bw_policy_minified_len(b.ptr, b.len) < BW_POLICY_MAX_MANAGED);
	rc = bw_policy_validate(b.ptr, b.len, BW_POLICY_SCP, 0, collect, &p);
	assert_int_equal(rc, 1);
	if (!strstr(p.text, "service control policy is 5482 characters without whitespace; the limit is 5120: split it"))
		fail_msg("%s", p.text);
	assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_IDENTITY, 0, NULL, NULL), 0);
	bw_buf_release(&b);

	/* 8,000 characters: too big for a managed policy, fine inline. */
	bw_buf_reset(&b);
	assert_int_equal(bw_buf_adds(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":["), 0);
	for (i = 0; i < 250; i++)
		assert_int_equal(bw_buf_addf(&b, "%s\"arn:aws:s3:::bucket-%04d/*\"", i ? ", " : "", i), 0);
	assert_int_equal(bw_buf_adds(&b, "]}]}"), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_IDENTITY, 0, collect, &p), 1);
	assert_non_null(strstr(p.text, "identity policy is 7344 characters without whitespace; the limit is 6144"));
	assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_IDENTITY, BW_POLICY_INLINE, NULL, NULL), 0);
	assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_BOUNDARY, BW_POLICY_INLINE, NULL, NULL), 0);
	assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_BOUNDARY, 0, NULL, NULL), 1);

	/* A trust policy over the default 2,048: the message names the quota. */
	bw_buf_reset(&b);
	assert_int_equal(bw_buf_adds(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"AWS\":["), 0);
	for (i = 0; i < 60; i++)
		assert_int_equal(bw_buf_addf(&b, "%s\"arn:aws:iam::1111222233%02d:root\"", i ? "," : "", i), 0);
	assert_int_equal(bw_buf_adds(&b, "]}}]}"), 0);
	memset(&p, 0, sizeof(p));
	assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_TRUST, 0, collect, &p), 1);
	assert_non_null(strstr(p.text, "the limit is 2048"));
	assert_non_null(strstr(p.text, "2,048 is the default quota; it can be raised to 4,096"));
	bw_buf_release(&b);

	/* Minified length: whitespace in strings counts, outside does not; characters, not bytes. */
	assert_int_equal(bw_policy_minified_len("{ \"a b\" :\n\t[ 1 , 2 ] }", 22), 13);
	assert_int_equal(bw_policy_minified_len("\"caf\xc3\xa9\"", 7), 6);
	assert_int_equal(bw_policy_minified_len("\"a\\\" b\"", 7), 7);
	assert_int_equal(bw_policy_minified_len(NULL, 3), 0);
}

/* ---- rendering --------------------------------------------------------- */

static const char *const two[] = { "eu-west-1", "eu-central-1" };
static const char *const none[1] = { NULL };

static const struct bw_policy_var rvars[] = {
	SCALAR("account_id", "123456789012"),
	SCALAR("quote", "a\"b\\c}"),
	SCALAR("dollar", "${account_id}"),
	LIST("regions", two),
	{ "empty", NULL, none, 0 },
};

static char *render_ok(const char *text)
{
	struct problems p = { 0 };
	struct bw_error err = { 0 };
	char *out = NULL;
	int rc = bw_policy_render(&out, text, strlen(text), rvars, sizeof(rvars) / sizeof(rvars[0]),
				  collect, &p, &err);

	if (rc)
		fail_msg("render of %s failed: %s\n%s", text, err.message, p.text);
	assert_int_equal(p.n, 0);
	return out;
}

static void test_render(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "{\"R\": \"arn:aws:iam::${account_id}:root\"}", "{\"R\":\"arn:aws:iam::123456789012:root\"}" },
		{ "{\"R\": [\"${regions}\"]}", "{\"R\":[\"eu-west-1\",\"eu-central-1\"]}" },
		{ "{\"R\": [\"a\", \"${regions}\", \"z\"]}", "{\"R\":[\"a\",\"eu-west-1\",\"eu-central-1\",\"z\"]}" },
		{ "{\"R\": \"${regions}\"}", "{\"R\":[\"eu-west-1\",\"eu-central-1\"]}" },
		{ "{\"R\": [\"arn:aws:ec2:${regions}:${account_id}:*\"]}",
		  "{\"R\":[\"arn:aws:ec2:eu-west-1:123456789012:*\",\"arn:aws:ec2:eu-central-1:123456789012:*\"]}" },
		{ "{\"R\": [\"${empty}\"]}", "{\"R\":[]}" },
		{ "{\"R\": \"${quote}\"}", "{\"R\":\"a\\\"b\\\\c}\"}" },
		{ "{\"R\": \"${dollar}\"}", "{\"R\":\"${account_id}\"}" },
		{ "{\"R\": \"${aws:username} ${aws:PrincipalTag/team, 'x'} ${*}${?}${$}\"}",
		  "{\"R\":\"${aws:username} ${aws:PrincipalTag/team, 'x'} ${*}${?}${$}\"}" },
		{ "{\"R\": \"${$}{account_id}\"}", "{\"R\":\"${$}{account_id}\"}" },
		{ "{\"k-${account_id}\": [1, true, null, 2.5]}", "{\"k-123456789012\":[1,true,null,2.5]}" },
		{ "{\"a\": {\"b\": [[\"${regions}\"]]}}", "{\"a\":{\"b\":[[\"eu-west-1\",\"eu-central-1\"]]}}" },
		{ "{\"$\": \"{}$ {x}\"}", "{\"$\":\"{}$ {x}\"}" },
	};
	static const struct {
		const char *in, *expect;
	} bad[] = {
		{ "{\"R\": \"${nope}\"}", "R: unknown variable '${nope}': define it in the spec's vars" },
		{ "{\"S\": [{\"R\": \"x${regions}\"}]}", "S[0].R: list variable '${regions}' inside a longer string" },
		{ "{\"${regions}\": 1}", "list variable used as an object key" },
		{ "{\"R\": \"${account_id\"}", "'${' without a closing '}'" },
		{ "{\"R\": \"${a b}\"}", "'${a b}' is not a variable name" },
		{ "{\"R\": [\"${regions}${regions}\"]}", "list variable '${regions}' inside a longer string" },
		{ "{\"R\": ", "invalid JSON" },
	};
	struct bw_error err = { 0 };
	struct problems p = { 0 };
	char *out;
	size_t i;
	json_t *doc, *res = NULL;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		out = render_ok(ok[i].in);
		if (strcmp(out, ok[i].out))
			fail_msg("case %zu: got %s, want %s", i, out, ok[i].out);
		free(out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		out = (char *)1;
		assert_int_equal(bw_policy_render(&out, bad[i].in, strlen(bad[i].in), rvars,
						  sizeof(rvars) / sizeof(rvars[0]), collect, &p, &err),
				 BW_ERR_INVALID);
		assert_null(out);
		if (!strstr(p.text, bad[i].expect) || !strstr(err.message, bad[i].expect))
			fail_msg("case %zu: expected '%s' in '%s' / '%s'", i, bad[i].expect, p.text, err.message);
	}
	/* Every unknown variable is reported, the error counts them. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(bw_policy_render(&out, "[\"${a}\", \"${b}\", \"${c}\"]", 24, NULL, 0, collect, &p, &err),
			 BW_ERR_INVALID);
	assert_int_equal(p.n, 3);
	assert_non_null(strstr(err.message, "3 problems, the first: [0]: unknown variable '${a}'"));
	/* A bad variable name in the table. */
	{
		const struct bw_policy_var badvar[] = { SCALAR("a:b", "x") };

		assert_int_equal(bw_policy_render(&out, "{}", 2, badvar, 1, NULL, NULL, &err), BW_ERR_INVALID);
	}
	/* render_json leaves its input alone. */
	doc = json_loads("{\"R\":\"${account_id}\"}", 0, NULL);
	assert_int_equal(bw_policy_render_json(&res, doc, rvars, 1, NULL, NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(res, "R")), "123456789012");
	assert_string_equal(json_string_value(json_object_get(doc, "R")), "${account_id}");
	json_decref(doc);
	json_decref(res);
}

/* ---- hostile inputs ---------------------------------------------------- */

static void test_hostile(void **state)
{
	struct problems p = { 0 };
	json_t *c = NULL;
	char *big, *out = NULL;
	size_t n, i;
	struct bw_error err = { 0 };

	(void)state;
	/* Deep nesting: jansson refuses past its depth limit, with a position. */
	n = 100000;
	big = malloc(2 * n + 1);
	memset(big, '[', n);
	memset(big + n, ']', n);
	big[2 * n] = '\0';
	assert_int_equal(bw_policy_validate(big, 2 * n, BW_POLICY_SCP, 0, collect, &p), 1);
	assert_non_null(strstr(p.text, "invalid JSON: maximum parsing depth reached"));
	assert_int_equal(bw_policy_normalize(&c, big, &err), BW_ERR_INVALID);
	assert_false(bw_policy_equal_text(big, big));
	free(big);

	/* Nesting jansson accepts (2,000 deep) inside a condition: handled recursively without trouble. */
	{
		struct bw_buf b = BW_BUF_INIT;

		assert_int_equal(bw_buf_adds(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":"), 0);
		for (i = 0; i < 2000; i++)
			assert_int_equal(bw_buf_adds(&b, "{\"k\":"), 0);
		assert_int_equal(bw_buf_adds(&b, "1"), 0);
		for (i = 0; i < 2000; i++)
			assert_int_equal(bw_buf_addch(&b, '}'), 0);
		assert_int_equal(bw_buf_adds(&b, "}]}"), 0);
		memset(&p, 0, sizeof(p));
		assert_true(bw_policy_validate(b.ptr, b.len, BW_POLICY_SCP, 0, collect, &p) >= 1);
		assert_int_equal(bw_policy_normalize(&c, b.ptr, &err), 0);
		json_decref(c);
		assert_true(bw_policy_equal_text(b.ptr, b.ptr));
		assert_int_equal(bw_policy_render(&out, b.ptr, b.len, NULL, 0, NULL, NULL, &err), 0);
		free(out);
		bw_buf_release(&b);
	}

	/* Huge arrays (100,000 actions, ~1.9 MB is refused; 60,000 is under 1 MiB). */
	{
		struct bw_buf b = BW_BUF_INIT;

		assert_int_equal(bw_buf_adds(&b, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":["), 0);
		for (i = 0; i < 60000; i++)
			assert_int_equal(bw_buf_addf(&b, "%s\"s3:A%zu\"", i ? "," : "", i % 5000), 0);
		assert_int_equal(bw_buf_adds(&b, "],\"Resource\":\"*\"}]}"), 0);
		assert_true(b.len < ((size_t)1 << 20));
		memset(&p, 0, sizeof(p));
		assert_int_equal(bw_policy_validate(b.ptr, b.len, BW_POLICY_SCP, 0, collect, &p), 1);
		assert_non_null(strstr(p.text, "the limit is 5120"));
		/* Too many lines to align: shown as replaced, still correct and bounded. */
		{
			struct bw_buf d = BW_BUF_INIT;

			char *other = strdup(b.ptr);

			/* ~5,000 lines each side: 25M cells, over the cap. */
			memcpy(strstr(other, "2012-10-17"), "2008-10-17", 10);
			assert_int_equal(bw_policy_diff(&d, b.ptr, other, 0, &err), 0);
			assert_int_equal(strncmp(d.ptr, "- {\n-   \"Version\": \"2012-10-17\",\n", 33), 0);
			assert_non_null(strstr(d.ptr, "\n-         \"s3:A4999\",\n"));
			assert_non_null(strstr(d.ptr, "\n+ {\n+   \"Version\": \"2008-10-17\",\n"));
			assert_null(strstr(d.ptr, "\n  "));
			bw_buf_release(&d);
			free(other);
			/* Small enough to align: only the removed lines are marked. */
			assert_int_equal(bw_policy_diff(&d, b.ptr, "{\"Version\":\"2012-10-17\"}", 0, &err), 0);
			assert_non_null(strstr(d.ptr, "\n-         \"s3:A4999\",\n"));
			assert_int_equal(strncmp(d.ptr, "  {\n", 4), 0);
			bw_buf_release(&d);
		}
		assert_int_equal(bw_policy_normalize(&c, b.ptr, &err), 0);
		/* duplicates removed: 5,000 distinct actions remain */
		assert_int_equal(json_array_size(json_object_get(json_array_get(json_object_get(c, "Statement"), 0), "Action")), 5000);
		json_decref(c);
		bw_buf_release(&b);
	}

	/* A document of 1 MiB: validated (too big for AWS), not refused. */
	{
		n = (size_t)1 << 20;
		big = malloc(n + 1);
		memcpy(big, "{\"Version\":\"2012-10-17\",\"Id\":\"", 30);
		memset(big + 30, 'a', n - 32);
		memcpy(big + n - 2, "\"}", 2);
		big[n] = '\0';
		memset(&p, 0, sizeof(p));
		assert_int_equal(bw_policy_validate(big, n, BW_POLICY_IDENTITY, 0, collect, &p), 2);
		assert_non_null(strstr(p.text, "missing \"Statement\""));
		assert_non_null(strstr(p.text, "identity policy is 1048576 characters"));
		/* one byte more is refused before parsing */
		big = realloc(big, n + 2);
		memcpy(big + n - 2, "a\"}", 4);
		memset(&p, 0, sizeof(p));
		assert_int_equal(bw_policy_validate(big, n + 1, BW_POLICY_IDENTITY, 0, collect, &p), 1);
		assert_non_null(strstr(p.text, "no AWS policy can exceed 10240 characters"));
		assert_int_equal(bw_policy_normalize(&c, big, &err), BW_ERR_INVALID);
		assert_int_equal(bw_policy_render(&out, big, n + 1, NULL, 0, NULL, NULL, &err), BW_ERR_INVALID);
		free(big);
	}

	/* Non-UTF-8, NUL bytes, lone surrogates, garbage percent-encoding. */
	{
		static const char nul[] = "{\"Version\":\"2012-10-17\"\0,\"x\":1}";

		memset(&p, 0, sizeof(p));
		assert_int_equal(bw_policy_validate(nul, sizeof(nul) - 1, BW_POLICY_SCP, 0, collect, &p), 1);
		assert_non_null(strstr(p.text, "invalid JSON"));
		memset(&p, 0, sizeof(p));
		assert_int_equal(bw_policy_validate("{\"a\":\"\\u0000\"}", 14, BW_POLICY_SCP, 0, collect, &p), 1);
		assert_int_equal(bw_policy_validate("{\"a\":\"\\ud800\"}", 14, BW_POLICY_SCP, 0, NULL, NULL), 1);
		assert_int_equal(bw_policy_validate("\xc0\xaf", 2, BW_POLICY_SCP, 0, NULL, NULL), 1);
		assert_int_equal(bw_policy_normalize(&c, "%7B%2", &err), BW_ERR_INVALID);
		assert_int_equal(bw_policy_normalize(&c, "%ff%fe", &err), BW_ERR_INVALID);
		assert_int_equal(bw_policy_normalize(&c, "%7B%7D%", &err), BW_ERR_INVALID);
		assert_int_equal(bw_policy_normalize(&c, "%7B%7D", &err), 0);
		json_decref(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_policies_validate),
		cmocka_unit_test(test_region_scp_size),
		cmocka_unit_test(test_scp_headroom),
		cmocka_unit_test(test_protect_roles_exception),
		cmocka_unit_test(test_audit_is_read_only),
		cmocka_unit_test(test_equal_table),
		cmocka_unit_test(test_normalize_form),
		cmocka_unit_test(test_diff_snapshot),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test(test_statement_positions),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
