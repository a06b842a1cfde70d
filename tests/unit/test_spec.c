/*
 * test_spec.c - the YAML spec: templates/org.yaml loads cleanly, every
 * validation rule reports at the right file:line:column with a fix, all
 * problems are reported at once, rendering substitutes variables, and
 * hostile YAML (alias bombs, deep nesting, duplicate keys, tabs, bad
 * UTF-8, huge or empty files) is refused without harm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "bulwark/spec.h"
#include "../../lib/spec_internal.h"

#define DATA "tests/unit/data/spec/"

static void dump(const struct bw_spec_diag *d)
{
	struct bw_buf b = BW_BUF_INIT;

	for (size_t i = 0; i < d->n; i++)
		if (bw_spec_problem_format(&b, &d->items[i]))
			break;
	fprintf(stderr, "%s", b.ptr);
	bw_buf_release(&b);
}

/* Load path; returns the bw_spec_load code; diag is filled. */
static int load(const char *path, struct bw_spec **spec, struct bw_spec_diag *d)
{
	struct bw_error err;
	int rc;

	bw_error_clear(&err);
	bw_spec_diag_init(d);
	rc = bw_spec_load(spec, path, d, &err);
	if (getenv("TEST_SPEC_VERBOSE"))
		dump(d);
	return rc;
}

/* Load YAML text as if it were a file in DATA; returns the code. */
static int load_text(const char *text, struct bw_spec **spec, struct bw_spec_diag *d)
{
	struct bw_error err;
	int rc;

	bw_error_clear(&err);
	bw_spec_diag_init(d);
	rc = bw_spec_load_mem(spec, "t.yaml", DATA, text, strlen(text), d, &err);
	if (getenv("TEST_SPEC_VERBOSE"))
		dump(d);
	return rc;
}

/*
 * True if some problem is in a file ending with file, at line:col (0:
 * any), and its message or hint contains text.
 */
static bool has(const struct bw_spec_diag *d, const char *file, int line, int col,
		const char *text)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct bw_spec_problem *p = &d->items[i];
		size_t fl = strlen(p->file), sl = strlen(file);

		if (fl < sl || strcmp(p->file + fl - sl, file))
			continue;
		if ((line && p->line != line) || (col && p->column != col))
			continue;
		if (strstr(p->message, text) || (p->hint && strstr(p->hint, text)))
			return true;
	}
	return false;
}

#define ASSERT_HAS(d, file, line, col, text)					\
	do {									\
		if (!has(d, file, line, col, text)) {				\
			dump(d);						\
			fail_msg("no problem at %s:%d:%d with '%s'", file, line, col, text); \
		}								\
	} while (0)

/*
 * The first five lines of most specs below, so that line numbers in the
 * tests count from line 6.
 */
#define HEAD								\
	"version: 1\n"							\
	"organization:\n"						\
	"  default_region: eu-west-1\n"					\
	"  allowed_regions: [eu-west-1, eu-central-1]\n"			\
	"units: [Workloads/Prod, Sandbox]\n"

/* An account on lines 6-10. */
#define ACCOUNT								\
	"accounts:\n"							\
	"  - name: acme-prod\n"						\
	"    email: aws+prod@acme.example\n"				\
	"    unit: Workloads/Prod\n"						\
	"    environment: prod\n"

/* Expect the spec to be refused; diag is left for the caller's checks. */
static void refused(const char *text, struct bw_spec_diag *d)
{
	struct bw_spec *spec = NULL;

	assert_int_equal(load_text(text, &spec, d), BW_ERR_INVALID);
	assert_null(spec);
	assert_true(d->errors > 0);
}

/* Expect the spec to load without errors; the caller frees it. */
static struct bw_spec *accepted(const char *text)
{
	struct bw_spec_diag d;
	struct bw_spec *spec = NULL;

	if (load_text(text, &spec, &d))
		dump(&d);
	assert_non_null(spec);
	assert_int_equal(d.errors, 0);
	bw_spec_diag_release(&d);
	return spec;
}

static void test_template_loads(void **state)
{
	struct bw_spec_diag d;
	struct bw_spec *spec = NULL;
	const struct bw_spec_unit *u;
	const struct bw_spec_account *a;
	size_t n;

	(void)state;
	if (load("templates/org.yaml", &spec, &d) || d.n)
		dump(&d);
	assert_non_null(spec);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 0);

	u = bw_spec_units(spec, &n);
	assert_int_equal(n, 6);
	/* Parents come first. */
	assert_string_equal(u[0].path, "Security");
	assert_non_null(bw_spec_find_unit(spec, "Workloads/Prod"));
	assert_ptr_equal(bw_spec_find_unit(spec, "Workloads/Prod")->parent,
			 bw_spec_find_unit(spec, "Workloads"));
	for (size_t i = 0; i < n; i++)
		if (u[i].parent)
			assert_true(u[i].parent < &u[i]);

	a = bw_spec_find_account(spec, "acme-prod");
	assert_non_null(a);
	assert_string_equal(a->unit->path, "Workloads/Prod");
	assert_string_equal(a->environment, "prod");
	assert_string_equal(a->baseline->name, "workload");
	assert_string_equal(a->alias, "acme-prod");
	assert_int_equal(bw_spec_guardrails(spec, &n) != NULL, 1);
	assert_int_equal(n, 7);
	assert_true(bw_spec_sandbox(spec)->present);
	assert_int_equal(bw_spec_sandbox(spec)->ttl, 14 * 86400);
	assert_string_equal(bw_spec_secrets(spec)->kms_key, "alias/bulwark-secrets");
	bw_spec_free(spec);
	bw_spec_diag_release(&d);
}


static void test_template_renders(void **state)
{
	const struct bw_spec_runtime rt = { "123456789012", "o-abcdefghij", "210987654321" };
	struct bw_spec_diag d;
	struct bw_spec *spec = NULL;
	const struct bw_spec_guardrail *g;
	const struct bw_spec_account *a;
	const struct bw_spec_role *r = NULL;
	struct bw_error err;
	char *out = NULL;
	const char *const *pr;
	size_t n;

	(void)state;
	assert_int_equal(load("templates/org.yaml", &spec, &d), 0);
	pr = bw_spec_protected_roles(spec, &n);
	assert_int_equal(n, 3);
	assert_string_equal(pr[0], "bulwark/bulwark-auditor");

	g = bw_spec_find_guardrail(spec, "region-allowlist");
	assert_non_null(g);
	assert_int_equal(g->n_targets, 1);
	assert_int_equal(g->targets[0].kind, BW_SPEC_TARGET_ROOT);
	assert_int_equal(bw_spec_render(&out, spec, &g->doc, &rt, NULL, &err), 0);
	assert_non_null(strstr(out, "[\"eu-west-1\",\"eu-central-1\"]"));
	assert_null(strchr(out, '\n'));
	free(out);

	g = bw_spec_find_guardrail(spec, "protect-roles");
	assert_int_equal(bw_spec_render(&out, spec, &g->doc, &rt, NULL, &err), 0);
	assert_non_null(strstr(out, "arn:aws:iam::*:role/bulwark/bulwark-deployer"));
	assert_non_null(strstr(out, "arn:aws:iam::*:policy/bulwark-boundary"));
	free(out);

	/* Without run-time values the management account id is unknown. */
	a = bw_spec_find_account(spec, "acme-prod");
	for (size_t i = 0; i < a->baseline->n_roles; i++)
		if (!strcmp(a->baseline->roles[i].name, "bulwark-deployer"))
			r = &a->baseline->roles[i];
	assert_non_null(r);
	assert_int_equal(r->max_session, 3600);
	assert_non_null(r->boundary.policy);
	assert_int_equal(bw_spec_render(&out, spec, &r->trust, &rt, a, &err), 0);
	assert_non_null(strstr(out, "repo:acme/platform:environment:prod"));
	assert_non_null(strstr(out, "arn:aws:iam::210987654321:oidc-provider"));
	free(out);
	bw_error_clear(&err);
	assert_int_equal(bw_spec_render(&out, spec, &r->trust, NULL, a, &err), BW_ERR_INVALID);
	assert_null(out);
	assert_non_null(strstr(err.message, "account_id"));
	bw_spec_free(spec);
	bw_spec_diag_release(&d);
}

/* Five and more different problems, all reported, in file order. */
static void test_all_errors_reported(void **state)
{
	struct bw_spec_diag d;
	struct bw_spec *spec = NULL;
	const char *f = "many-errors.yaml";

	(void)state;
	assert_int_equal(load(DATA "many-errors.yaml", &spec, &d), BW_ERR_INVALID);
	assert_null(spec);
	assert_int_equal(d.errors, 10);
	ASSERT_HAS(&d, f, 4, 20, "must be a list");
	ASSERT_HAS(&d, f, 8, 5, "duplicate unit 'Sandbox' (first at line 7)");
	ASSERT_HAS(&d, f, 10, 5, "has no 'email'");
	ASSERT_HAS(&d, f, 11, 5, "did you mean 'email'?");
	ASSERT_HAS(&d, f, 12, 11, "did you mean 'Workloads/Prod'?");
	ASSERT_HAS(&d, f, 15, 12, "exactly one '@'");
	ASSERT_HAS(&d, f, 17, 18, "environment 'qa'");
	ASSERT_HAS(&d, f, 18, 15, "did you mean 'workload'?");
	ASSERT_HAS(&d, f, 23, 22, "from 1h to 12h");
	ASSERT_HAS(&d, f, 24, 24, "policies/nope.json");
	for (size_t i = 1; i < d.n; i++)
		assert_true(d.items[i - 1].line <= d.items[i].line);
	bw_spec_diag_release(&d);
}

static void test_format(void **state)
{
	struct bw_spec_problem p = { BW_SPEC_ERROR, (char *)"org.yaml", 12, 5,
				     (char *)"unknown key 'emial' in account 'acme-prod'",
				     (char *)"did you mean 'email'?", NULL, 0, 0 };
	struct bw_buf b = BW_BUF_INIT;

	(void)state;
	assert_int_equal(bw_spec_problem_format(&b, &p), 0);
	assert_string_equal(b.ptr, "org.yaml:12:5: error: unknown key 'emial' in account "
			    "'acme-prod'; did you mean 'email'?\n");
	bw_buf_reset(&b);
	p.file = (char *)"p.json";
	p.hint = NULL;
	p.ref_file = (char *)"org.yaml";
	p.ref_line = 40;
	p.ref_column = 11;
	assert_int_equal(bw_spec_problem_format(&b, &p), 0);
	assert_non_null(strstr(b.ptr, "\norg.yaml:40:11: note: 'p.json' is referenced here\n"));
	bw_buf_release(&b);
}

static void test_unknown_keys(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused(HEAD
		"acounts:\n"
		"  - name: acme-prod\n"
		"    emial: aws+prod@acme.example\n"
		"sandbox:\n"
		"  unit: Sandbox\n"
		"  email: aws+sandbox-{owner}@acme.example\n"
		"  colour: blue\n", &d);
	ASSERT_HAS(&d, "t.yaml", 6, 1, "did you mean 'accounts'?");
	ASSERT_HAS(&d, "t.yaml", 12, 3, "unknown key 'colour' in sandbox; known keys: unit");
	bw_spec_diag_release(&d);

	refused(HEAD ACCOUNT
		"    emial: x@acme.example\n"
		"    <<: { unit: Sandbox }\n", &d);
	ASSERT_HAS(&d, "t.yaml", 11, 5, "did you mean 'email'?");
	ASSERT_HAS(&d, "t.yaml", 12, 5, "merge keys");
	bw_spec_diag_release(&d);
}

/* A non-string key inside an inline policy is a problem, not "out of memory". */
static void test_inline_policy_bad_key(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused(HEAD
		"guardrails:\n"
		"  - name: g\n"
		"    attach: [Root]\n"
		"    document:\n"
		"      Version: \"2012-10-17\"\n"
		"      [a, b]: x\n", &d);
	ASSERT_HAS(&d, "t.yaml", 11, 7, "a mapping key must be a string");
	bw_spec_diag_release(&d);
}

/* A policy file that is a FIFO is refused at once instead of blocking. */
static void test_policy_file_fifo(void **state)
{
	char dir[] = "/tmp/bw-spec-fifo.XXXXXX", fifo[64], spec_path[64];
	struct bw_spec *spec = NULL;
	struct bw_spec_diag d;
	struct bw_error err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/p.json", dir);
	snprintf(spec_path, sizeof(spec_path), "%s/s.yaml", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	f = fopen(spec_path, "w");
	assert_non_null(f);
	fputs(HEAD "guardrails:\n  - name: g\n    file: p.json\n    attach: [Root]\n", f);
	fclose(f);
	bw_error_clear(&err);
	bw_spec_diag_init(&d);
	assert_int_equal(bw_spec_load(&spec, spec_path, &d, &err), BW_ERR_INVALID);
	ASSERT_HAS(&d, "s.yaml", 8, 11, "cannot read policy file");
	bw_spec_diag_release(&d);
	unlink(fifo);
	unlink(spec_path);
	rmdir(dir);
}

static void test_wrong_types(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused("version: 1\n"
		"organization:\n"
		"  default_region: eu-west-1\n"
		"  allowed_regions: [eu-west-1]\n"
		"units: Sandbox\n"
		"accounts:\n"
		"  - name: acme-prod\n"
		"    email: aws+prod@acme.example\n"
		"    unit: Root\n"
		"    environment: prod\n"
		"    tags: [a, b]\n"
		"    baseline: b\n"
		"baselines:\n"
		"  - name: b\n"
		"    password_policy:\n"
		"      min_length: \"14\"\n"
		"      require_symbols: yes\n"
		"      max_age_days: 2000\n"
		"    roles:\n"
		"      - name: r\n"
		"        max_session: soon\n"
		"        trust: { file: policies/trust.json }\n"
		"  - name\n", &d);
	ASSERT_HAS(&d, "t.yaml", 5, 8, "'units' in the spec must be a list");
	ASSERT_HAS(&d, "t.yaml", 11, 11, "'tags' in account 'acme-prod' must be a mapping");
	ASSERT_HAS(&d, "t.yaml", 16, 19, "must be a number, not a quoted string");
	ASSERT_HAS(&d, "t.yaml", 17, 24, "must be true or false, not 'yes'");
	ASSERT_HAS(&d, "t.yaml", 18, 21, "AWS allows 1 to 1095");
	ASSERT_HAS(&d, "t.yaml", 21, 22, "is not a duration");
	ASSERT_HAS(&d, "t.yaml", 23, 5, "must be a mapping, not a single value");
	bw_spec_diag_release(&d);
}

static void test_duplicates(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused("version: 1\n"
		"organization:\n"
		"  default_region: eu-west-1\n"
		"  allowed_regions: [eu-west-1, eu-west-1]\n"
		"units:\n"
		"  - name: Workloads\n"
		"    units: [{ name: Prod }]\n"
		"  - Workloads/Prod\n"
		"accounts:\n"
		"  - { name: a1, email: aws+1@acme.example, unit: Workloads, environment: dev }\n"
		"  - { name: a1, email: AWS+1@Acme.example, unit: Workloads, environment: dev }\n"
		"guardrails:\n"
		"  - { name: g, file: policies/ok-scp.json, attach: [Root, Root] }\n"
		"  - { name: g, file: policies/ok-scp.json, attach: [a1] }\n", &d);
	ASSERT_HAS(&d, "t.yaml", 4, 32, "region 'eu-west-1' is listed twice");
	ASSERT_HAS(&d, "t.yaml", 8, 5, "duplicate unit 'Workloads/Prod' (first at line 7)");
	ASSERT_HAS(&d, "t.yaml", 11, 13, "duplicate account name 'a1' (first at line 10)");
	ASSERT_HAS(&d, "t.yaml", 11, 24, "duplicate account email 'AWS+1@Acme.example'");
	ASSERT_HAS(&d, "t.yaml", 13, 59, "attached to 'Root' twice");
	ASSERT_HAS(&d, "t.yaml", 14, 13, "duplicate guardrail 'g'");
	bw_spec_diag_release(&d);

	refused(HEAD ACCOUNT
		"    baseline: b\n"
		"baselines:\n"
		"  - name: b\n"
		"    roles:\n"
		"      - { name: r, trust: { file: policies/trust.json } }\n"
		"      - { name: r, trust: { file: policies/trust.json } }\n"
		"  - name: b\n", &d);
	ASSERT_HAS(&d, "t.yaml", 16, 17, "duplicate role 'r'");
	ASSERT_HAS(&d, "t.yaml", 17, 11, "duplicate baseline 'b'");
	bw_spec_diag_release(&d);
}

static void test_missing_references(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused(HEAD
		"accounts:\n"
		"  - name: acme-prod\n"
		"    email: aws+prod@acme.example\n"
		"    unit: Workloads/Dev\n"
		"    environment: prod\n"
		"    baseline: none\n"
		"guardrails:\n"
		"  - name: g\n"
		"    file: policies/ok-scp.jsn\n"
		"    attach: [Workload, acme-prd, Sandbox]\n"
		"baselines:\n"
		"  - name: b\n"
		"    roles:\n"
		"      - name: r\n"
		"        trust: { file: policies/trust.json }\n"
		"        boundary: missing-boundary\n"
		"sandbox:\n"
		"  unit: Sandboxes\n"
		"  email: aws+{owner}@acme.example\n"
		"  baseline: bb\n", &d);
	ASSERT_HAS(&d, "t.yaml", 9, 11, "unit 'Workloads/Dev', which the spec does not declare");
	ASSERT_HAS(&d, "t.yaml", 11, 15, "baseline 'none', which the spec does not declare");
	ASSERT_HAS(&d, "t.yaml", 14, 11, "did you mean 'policies/ok-scp.json'?");
	ASSERT_HAS(&d, "t.yaml", 15, 14, "did you mean 'Workloads'?");
	ASSERT_HAS(&d, "t.yaml", 15, 24, "did you mean 'acme-prod'?");
	ASSERT_HAS(&d, "t.yaml", 21, 19, "managed policy 'missing-boundary'");
	ASSERT_HAS(&d, "t.yaml", 23, 9, "did you mean 'Sandbox'?");
	ASSERT_HAS(&d, "t.yaml", 25, 13, "did you mean 'b'?");
	bw_spec_diag_release(&d);
}

static void test_email_rules(void **state)
{
	static const char *const bad[] = {
		"a@b.c", "no-at.example.com", "a@@acme.example", "a b@acme.example",
		".a@acme.example", "a@-acme.example", "a@acme", "a(b)@acme.example",
		"a@acme_corp.example", "caf\xc3\xa9@acme.example", "@acme.example",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@acme.example",
	};
	static const char *const good[] = {
		"aws+prod@acme.example", "a.b-c_d+e@sub.acme-corp.example", "x1@a.io",
	};
	struct bw_spec_diag d;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bw_spec__check_email(bad[i], why, sizeof(why)))
			fail_msg("'%s' accepted", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!bw_spec__check_email(good[i], why, sizeof(why)))
			fail_msg("'%s' refused: %s", good[i], why);

	refused(HEAD
		"accounts:\n"
		"  - name: acme-prod\n"
		"    email: aws+prod@acme\n"
		"    unit: Workloads/Prod\n"
		"    environment: prod\n", &d);
	ASSERT_HAS(&d, "t.yaml", 8, 12, "has a domain without a dot");
	bw_spec_diag_release(&d);
}

static void test_name_rules(void **state)
{
	struct bw_spec_diag d;
	char why[256];

	(void)state;
	refused(HEAD
		"accounts:\n"
		"  - name: acme-production-workloads-for-the-european-union-xy\n"
		"    email: aws+prod@acme.example\n"
		"    unit: Workloads/Prod\n"
		"    environment: prod\n"
		"    tags: { \"aws:owner\": x, Team: \"a#b\" }\n"
		"baselines:\n"
		"  - name: b\n"
		"    roles:\n"
		"      - name: \"deploy er\"\n"
		"        path: bulwark\n"
		"        trust: { file: policies/trust.json }\n"
		"        policies:\n"
		"          inline: [{ name: \"a/b\", file: policies/identity.json }]\n", &d);
	ASSERT_HAS(&d, "t.yaml", 7, 11, "is 51 characters; AWS allows 1 to 50");
	ASSERT_HAS(&d, "t.yaml", 11, 13, "'aws:', which AWS reserves");
	ASSERT_HAS(&d, "t.yaml", 11, 35, "has '#'");
	ASSERT_HAS(&d, "t.yaml", 15, 15, "role name 'deploy er' has ' '");
	ASSERT_HAS(&d, "t.yaml", 16, 15, "must begin and end with '/'");
	ASSERT_HAS(&d, "t.yaml", 19, 28, "policy name 'a/b' has '/'");
	bw_spec_diag_release(&d);

	/* Units: '/' inside a name, 'Root', depth. */
	refused("version: 1\n"
		"organization: { default_region: eu-west-1, allowed_regions: [eu-west-1] }\n"
		"units:\n"
		"  - Root/Prod\n"
		"  - A/B/C/D/E/F\n"
		"  - name: X/Y\n"
		"  - A//B\n", &d);
	ASSERT_HAS(&d, "t.yaml", 4, 5, "'Root' is the organization root");
	ASSERT_HAS(&d, "t.yaml", 5, 5, "6 levels deep");
	ASSERT_HAS(&d, "t.yaml", 6, 11, "contains '/'");
	ASSERT_HAS(&d, "t.yaml", 7, 5, "empty part");
	bw_spec_diag_release(&d);

	assert_true(bw_spec__check_region("us-gov-west-1", why, sizeof(why)));
	assert_true(bw_spec__check_region("ap-southeast-4", why, sizeof(why)));
	assert_false(bw_spec__check_region("eu-west", why, sizeof(why)));
	assert_false(bw_spec__check_region("EU-WEST-1", why, sizeof(why)));
	assert_true(bw_spec__check_kms_key("alias/bulwark-secrets", why, sizeof(why)));
	assert_true(bw_spec__check_kms_key("1234abcd-12ab-34cd-56ef-1234567890ab", why, sizeof(why)));
	assert_true(bw_spec__check_kms_key("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", why, sizeof(why)));
	assert_false(bw_spec__check_kms_key("bulwark-secrets", why, sizeof(why)));
	assert_true(bw_spec__check_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess", why, sizeof(why)));
	assert_false(bw_spec__check_policy_arn("arn:aws:iam::12:policy/x", why, sizeof(why)));
}

static void test_alias_rule(void **state)
{
	static const char *const bad[] = { "ab", "-abc", "abc-", "a--b", "Abc", "a_b",
		"a234567890123456789012345678901234567890123456789012345678901234" };
	struct bw_spec_diag d;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (bw_spec__check_alias(bad[i], why, sizeof(why)))
			fail_msg("alias '%s' accepted", bad[i]);
	assert_true(bw_spec__check_alias("acme-prod-1", why, sizeof(why)));
	assert_true(bw_spec__check_alias("a-b", why, sizeof(why)));

	refused(HEAD
		"accounts:\n"
		"  - { name: Acme_Prod, email: a1@acme.example, unit: Sandbox, environment: prod, baseline: b }\n"
		"  - { name: acme-dev, email: a2@acme.example, unit: Sandbox, environment: dev, baseline: b }\n"
		"  - { name: acme--dev, email: a3@acme.example, unit: Sandbox, environment: dev, baseline: c }\n"
		"  - { name: x, email: a4@acme.example, unit: Sandbox, environment: dev, baseline: c }\n"
		"baselines:\n"
		"  - { name: b, alias: \"{account}\", roles: [] }\n"
		"  - { name: c, alias: \"acme-dev\", roles: [] }\n"
		"  - { name: e, alias: \"{acount}\", roles: [] }\n", &d);
	ASSERT_HAS(&d, "t.yaml", 7, 13, "account alias 'Acme_Prod' (from '{account}' of baseline 'b') has 'A'");
	ASSERT_HAS(&d, "t.yaml", 9, 13, "duplicate account alias 'acme-dev'");
	ASSERT_HAS(&d, "t.yaml", 10, 13, "duplicate account alias 'acme-dev'");
	ASSERT_HAS(&d, "t.yaml", 14, 23, "unknown placeholder in '{acount}'");
	bw_spec_diag_release(&d);
}

static void test_scp_size(void **state)
{
	struct bw_spec_diag d;
	struct bw_buf b = BW_BUF_INIT;

	(void)state;
	/* The file itself is too big: bw_policy_validate says so, in the file. */
	refused(HEAD
		"guardrails:\n"
		"  - name: big\n"
		"    file: policies/oversize-scp.json\n"
		"    attach: [Root]\n", &d);
	ASSERT_HAS(&d, "oversize-scp.json", 0, 0, "5");
	assert_non_null(d.items[d.n - 1].ref_file);
	assert_int_equal(d.items[d.n - 1].ref_line, 8);
	bw_spec_diag_release(&d);

	/* The template fits; the rendered document does not. */
	assert_int_equal(bw_buf_adds(&b, HEAD "vars:\n  big_list:\n"), 0);
	for (int i = 0; i < 400; i++)
		assert_int_equal(bw_buf_addf(&b, "    - \"%012d\"\n", i), 0);
	assert_int_equal(bw_buf_adds(&b, "guardrails:\n"
				     "  - name: regions\n"
				     "    file: policies/regions.json\n"
				     "    attach: [Root]\n"), 0);
	refused(b.ptr, &d);
	ASSERT_HAS(&d, "t.yaml", 410, 11, "once variables are substituted");
	bw_spec_diag_release(&d);
	bw_buf_release(&b);
}

static void test_malformed_policy(void **state)
{
	struct bw_spec_diag d;
	const struct bw_spec_problem *p = NULL;

	(void)state;
	refused(HEAD
		"guardrails:\n"
		"  - name: broken\n"
		"    file: policies/malformed.json\n"
		"    attach: [Root]\n", &d);
	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.items[i].file, "malformed.json"))
			p = &d.items[i];
	if (!p)
		dump(&d);
	assert_non_null(p);
	/* The missing comma is noticed where "Resource" starts, line 7. */
	assert_int_equal(p->line, 7);
	assert_true(p->column > 0);
	assert_string_equal(p->ref_file, "t.yaml");
	assert_int_equal(p->ref_line, 8);
	assert_int_equal(p->ref_column, 11);
	bw_spec_diag_release(&d);

	/* Inline documents are checked too, at the spec's position. */
	refused(HEAD ACCOUNT
		"    baseline: b\n"
		"baselines:\n"
		"  - name: b\n"
		"    roles:\n"
		"      - name: r\n"
		"        trust:\n"
		"          document: '{\"Version\": \"2012-10-17\", \"Statement\": ['\n", &d);
	ASSERT_HAS(&d, "t.yaml", 17, 21, "in the inline policy");
	bw_spec_diag_release(&d);
}

static void test_admin_grant(void **state)
{
	static const char roles[] =
		HEAD ACCOUNT
		"    baseline: b\n"
		"baselines:\n"
		"  - name: b\n"
		"    managed_policies:\n"
		"      - { name: admin, file: policies/admin.json, break_glass: true }\n"
		"    roles:\n"
		"      - name: break-glass\n"
		"        break_glass: true\n"
		"        trust: { file: policies/trust.json }\n"
		"        policies:\n"
		"          inline: [{ name: admin, file: policies/admin.json }]\n"
		"          managed: [admin, \"arn:aws:iam::aws:policy/AdministratorAccess\"]\n";
	struct bw_spec_diag d;
	struct bw_spec *spec;
	struct bw_buf b = BW_BUF_INIT;

	(void)state;
	/* Allowed on a break-glass role. */
	spec = accepted(roles);
	bw_spec_free(spec);

	/* The same grants on an ordinary role: each one is an error. */
	assert_int_equal(bw_buf_adds(&b, roles), 0);
	assert_int_equal(bw_buf_adds(&b,
		"      - name: deployer\n"
		"        trust: { file: policies/trust.json }\n"
		"        policies:\n"
		"          inline: [{ name: admin, file: policies/admin.json }]\n"
		"          managed: [admin, \"arn:aws:iam::aws:policy/AdministratorAccess\"]\n"), 0);
	refused(b.ptr, &d);
	ASSERT_HAS(&d, "admin.json", 0, 0, "");
	ASSERT_HAS(&d, "t.yaml", 15, 9, "attached to a role that is not break-glass");
	ASSERT_HAS(&d, "t.yaml", 27, 28, "administrator grant");
	bw_spec_diag_release(&d);
	bw_buf_release(&b);

	/* SCP kinds never allow admin grants, but Deny is fine. */
	spec = accepted(HEAD "guardrails: [{ name: g, file: policies/ok-scp.json, attach: [Root] }]\n");
	bw_spec_free(spec);
}

static void test_variables(void **state)
{
	struct bw_spec_diag d;
	struct bw_spec *spec;
	const struct bw_spec_guardrail *g;
	struct bw_error err;
	char *out = NULL;

	(void)state;
	refused(HEAD ACCOUNT
		"vars:\n"
		"  allowed_regions: [x]\n"
		"  \"bad-name\": x\n"
		"guardrails:\n"
		"  - { name: u, file: policies/unknown-var.json, attach: [Root] }\n"
		"  - { name: a, file: policies/identity.json, attach: [Root] }\n", &d);
	ASSERT_HAS(&d, "t.yaml", 12, 3, "built in");
	ASSERT_HAS(&d, "t.yaml", 13, 3, "is not a variable name");
	/* The reference is shown where it is written in the policy file. */
	ASSERT_HAS(&d, "unknown-var.json", 7, 30, "bucket_nmae");
	ASSERT_HAS(&d, "identity.json", 7, 30, "account variables are only known in baseline");
	bw_spec_diag_release(&d);

	/* Guardrail vars win over the spec's. */
	spec = accepted(HEAD
		"vars: { bucket_nmae: spec-bucket }\n"
		"guardrails:\n"
		"  - name: u\n"
		"    file: policies/unknown-var.json\n"
		"    attach: [Root]\n"
		"    vars: { bucket_nmae: own-bucket }\n"
		"  - { name: v, file: policies/unknown-var.json, attach: [Sandbox] }\n");
	g = bw_spec_find_guardrail(spec, "u");
	assert_int_equal(bw_spec_render(&out, spec, &g->doc, NULL, NULL, &err), 0);
	assert_non_null(strstr(out, "arn:aws:s3:::own-bucket/*"));
	free(out);
	g = bw_spec_find_guardrail(spec, "v");
	assert_int_equal(bw_spec_render(&out, spec, &g->doc, NULL, NULL, &err), 0);
	assert_non_null(strstr(out, "arn:aws:s3:::spec-bucket/*"));
	free(out);
	bw_spec_free(spec);
}

static void test_inline_document(void **state)
{
	const struct bw_spec_runtime rt = { "123456789012", "o-abcdefghij", "210987654321" };
	struct bw_spec *spec;
	const struct bw_spec_account *a;
	struct bw_error err;
	char *out = NULL;

	(void)state;
	spec = accepted(HEAD ACCOUNT
		"    baseline: b\n"
		"baselines:\n"
		"  - name: b\n"
		"    roles:\n"
		"      - name: reader\n"
		"        max_session: 7200\n"
		"        trust:\n"
		"          document:\n"
		"            Version: \"2012-10-17\"\n"
		"            Statement:\n"
		"              - Effect: Allow\n"
		"                Principal: { AWS: \"arn:aws:iam::${management_account_id}:root\" }\n"
		"                Action: sts:AssumeRole\n"
		"        policies:\n"
		"          inline:\n"
		"            - name: read\n"
		"              file: policies/identity.json\n");
	a = bw_spec_find_account(spec, "acme-prod");
	assert_int_equal(a->baseline->roles[0].max_session, 7200);
	assert_null(a->baseline->roles[0].trust.path);
	assert_int_equal(bw_spec_render(&out, spec, &a->baseline->roles[0].trust, &rt, a, &err), 0);
	assert_non_null(strstr(out, "\"AWS\":\"arn:aws:iam::123456789012:root\""));
	free(out);
	assert_int_equal(bw_spec_render(&out, spec, &a->baseline->roles[0].inline_policies[0].doc,
					&rt, a, &err), 0);
	/* ${aws:username} is IAM's and stays. */
	assert_non_null(strstr(out, "arn:aws:s3:::acme-prod-data/${aws:username}/*"));
	free(out);
	bw_spec_free(spec);
}

/* "bulwark:" names a shipped policy. */
static void test_shipped_policies(void **state)
{
	struct bw_spec *spec;
	const struct bw_spec_guardrail *g;

	(void)state;
	setenv("BULWARK_POLICY_DIR", "policies", 1);
	spec = accepted(HEAD "guardrails:\n"
			"  - { name: g, file: \"bulwark:scp/deny-leave-organization\", attach: [Root] }\n");
	g = bw_spec_find_guardrail(spec, "g");
	assert_string_equal(g->doc.path, "policies/scp/deny-leave-organization.json");
	assert_non_null(strstr(g->doc.text, "organizations:LeaveOrganization"));
	bw_spec_free(spec);
	unsetenv("BULWARK_POLICY_DIR");
}

static void test_guardrail_targets(void **state)
{
	struct bw_spec_diag d;
	struct bw_spec *spec;
	const struct bw_spec_guardrail *g;

	(void)state;
	refused(HEAD
		"guardrails:\n"
		"  - { name: g1, file: policies/ok-scp.json, attach: [Root] }\n"
		"  - { name: g2, file: policies/ok-scp.json, attach: [Root] }\n"
		"  - { name: g3, file: policies/ok-scp.json, attach: [Root] }\n"
		"  - { name: g4, file: policies/ok-scp.json, attach: [Root] }\n"
		"  - { name: g5, file: policies/ok-scp.json, attach: [Root] }\n"
		"  - { name: g6, file: policies/ok-scp.json, attach: Root }\n", &d);
	ASSERT_HAS(&d, "t.yaml", 11, 54, "AWS allows 5 per target");
	ASSERT_HAS(&d, "t.yaml", 12, 53, "must be a list");
	bw_spec_diag_release(&d);

	spec = accepted(HEAD ACCOUNT
		"guardrails:\n"
		"  - { name: g, file: policies/ok-scp.json, attach: [Root, Workloads, acme-prod] }\n");
	g = bw_spec_find_guardrail(spec, "g");
	assert_int_equal(g->n_targets, 3);
	assert_int_equal(g->targets[1].kind, BW_SPEC_TARGET_UNIT);
	assert_string_equal(g->targets[1].unit->path, "Workloads");
	assert_true(g->targets[1].unit->implied);
	assert_int_equal(g->targets[2].kind, BW_SPEC_TARGET_ACCOUNT);
	assert_string_equal(g->targets[2].account->name, "acme-prod");
	bw_spec_free(spec);
}

static void test_sandbox_and_secrets(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused(HEAD
		"sandbox:\n"
		"  unit: Sandbox\n"
		"  email: aws+sandbox@acme.example\n"
		"  ttl: 40d\n"
		"  max_ttl: 30d\n"
		"secrets:\n"
		"  prefix: \"/acme/{environment}/ x\"\n"
		"  kms_key: bulwark\n", &d);
	ASSERT_HAS(&d, "t.yaml", 8, 10, "must contain '{owner}' exactly once");
	ASSERT_HAS(&d, "t.yaml", 9, 8, "longer than max_ttl");
	ASSERT_HAS(&d, "t.yaml", 12, 11, "has ' '");
	ASSERT_HAS(&d, "t.yaml", 13, 12, "is not a KMS key");
	bw_spec_diag_release(&d);

	refused(HEAD
		"sandbox:\n"
		"  unit: Sandbox\n"
		"  email: \"aws+sandbox-of-the-very-very-long-company-name-{owner}@acme.example\"\n", &d);
	ASSERT_HAS(&d, "t.yaml", 8, 10, "leaves room for only");
	bw_spec_diag_release(&d);
}

static void test_required_sections(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	refused("version: 2\nunits: []\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 10, "write 'version: 1'");
	ASSERT_HAS(&d, "t.yaml", 1, 1, "the spec has no 'organization'");
	bw_spec_diag_release(&d);
	refused("organization:\n"
		"  feature_set: CONSOLIDATED_BILLING\n"
		"  default_region: us-east-1\n"
		"  allowed_regions: [eu-west-1]\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "add 'version: 1'");
	ASSERT_HAS(&d, "t.yaml", 2, 16, "service control policies need all features");
	ASSERT_HAS(&d, "t.yaml", 3, 19, "is not in allowed_regions");
	bw_spec_diag_release(&d);
}

/* ---- hostile YAML ---- */

static void test_yaml_aliases(void **state)
{
	struct bw_spec_diag d;

	(void)state;
	/* A billion laughs: refused at the first anchor, nothing expanded. */
	refused("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 4, "anchors ('&a') are not accepted");
	ASSERT_HAS(&d, "t.yaml", 2, 8, "aliases ('*a') are not accepted");
	bw_spec_diag_release(&d);
}

static void test_yaml_structure(void **state)
{
	struct bw_spec_diag d;
	struct bw_buf b = BW_BUF_INIT;

	(void)state;
	/* Deep nesting stops at the cap. */
	for (int i = 0; i < 200; i++)
		assert_int_equal(bw_buf_addch(&b, '['), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(bw_buf_addch(&b, ']'), 0);
	refused(b.ptr, &d);
	ASSERT_HAS(&d, "t.yaml", 1, 33, "deeper than 32 levels");
	bw_spec_diag_release(&d);
	bw_buf_release(&b);

	/* Too many nodes. */
	assert_int_equal(bw_buf_adds(&b, "version: ["), 0);
	for (int i = 0; i < BW_SPEC_MAX_NODES + 10; i++)
		assert_int_equal(bw_buf_adds(&b, "1,"), 0);
	assert_int_equal(bw_buf_adds(&b, "1]\n"), 0);
	refused(b.ptr, &d);
	ASSERT_HAS(&d, "t.yaml", 1, 0, "more than 100000 YAML nodes");
	bw_spec_diag_release(&d);
	bw_buf_release(&b);

	/* Duplicate keys, anywhere. */
	refused("version: 1\n"
		"organization:\n"
		"  default_region: eu-west-1\n"
		"  default_region: eu-west-2\n"
		"  allowed_regions: [eu-west-1]\n"
		"version: 1\n", &d);
	ASSERT_HAS(&d, "t.yaml", 4, 3, "duplicate key 'default_region' (first at line 3)");
	ASSERT_HAS(&d, "t.yaml", 6, 1, "duplicate key 'version' (first at line 1)");
	bw_spec_diag_release(&d);

	/* Tags, complex keys, a second document. */
	refused("version: !!int 1\n[a]: b\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 10, "tags ('tag:yaml.org,2002:int') are not accepted");
	ASSERT_HAS(&d, "t.yaml", 2, 1, "a mapping key must be a string");
	bw_spec_diag_release(&d);
	refused("version: 1\n---\nversion: 1\n", &d);
	ASSERT_HAS(&d, "t.yaml", 2, 1, "a second one");
	bw_spec_diag_release(&d);
	refused("version: \"1\\0\"\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 10, "NUL");
	bw_spec_diag_release(&d);
}

static void test_yaml_bytes(void **state)
{
	struct bw_spec_diag d;
	struct bw_spec *spec = NULL;
	struct bw_error err;
	char *big;
	FILE *f;

	(void)state;
	refused("version: 1\norganization:\n\tdefault_region: eu-west-1\n", &d);
	ASSERT_HAS(&d, "t.yaml", 3, 1, "indent with spaces");
	bw_spec_diag_release(&d);

	refused("version: 1\nname: caf\xe9\n", &d);
	ASSERT_HAS(&d, "t.yaml", 2, 10, "save the file as UTF-8");
	bw_spec_diag_release(&d);

	refused("version: 1\nname: \x01\n", &d);
	ASSERT_HAS(&d, "t.yaml", 2, 0, "control character");
	bw_spec_diag_release(&d);

	refused("version: 1\n  organization: x\n", &d);
	ASSERT_HAS(&d, "t.yaml", 2, 15, "invalid YAML");
	bw_spec_diag_release(&d);

	/* Empty, comments only, a scalar or a list at the top. */
	refused("", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "the spec is empty");
	bw_spec_diag_release(&d);
	refused("# nothing yet\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "the spec is empty");
	bw_spec_diag_release(&d);
	refused("hello\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "must be a mapping of keys, not a single value");
	bw_spec_diag_release(&d);
	refused("- a\n- b\n", &d);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "not a list");
	bw_spec_diag_release(&d);

	/* Over the size cap: from memory and from disk. */
	big = malloc(BW_SPEC_MAX_FILE + 2);
	assert_non_null(big);
	memset(big, '#', BW_SPEC_MAX_FILE + 1);
	big[BW_SPEC_MAX_FILE + 1] = '\0';
	refused(big, &d);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "bulwark reads at most 1048576");
	bw_spec_diag_release(&d);
	{
		char tmp[] = "/tmp/test_spec_big_XXXXXX";
		int fd = mkstemp(tmp);

		assert_true(fd >= 0);
		f = fdopen(fd, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(big, 1, BW_SPEC_MAX_FILE + 1, f), BW_SPEC_MAX_FILE + 1);
		fclose(f);
		bw_spec_diag_init(&d);
		bw_error_clear(&err);
		assert_int_equal(bw_spec_load(&spec, tmp, &d, &err), BW_ERR_INVALID);
		assert_non_null(strstr(err.message, "larger than"));
		remove(tmp);
	}
	free(big);

	/* A missing file, and a directory. */
	assert_int_equal(bw_spec_load(&spec, DATA "nope.yaml", &d, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "--spec"));
	assert_int_equal(bw_spec_load(&spec, DATA, &d, &err), BW_ERR_INVALID);
	assert_null(spec);
	bw_spec_diag_release(&d);
}

/* A file with thousands of problems keeps 200 and counts the rest. */
static void test_problem_cap(void **state)
{
	struct bw_spec_diag d;
	struct bw_buf b = BW_BUF_INIT;

	(void)state;
	assert_int_equal(bw_buf_adds(&b, HEAD "accounts:\n"), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(bw_buf_addf(&b, "  - { name: a%d, email: bad%d, unit: Sandbox, "
					     "environment: dev }\n", i, i), 0);
	refused(b.ptr, &d);
	assert_int_equal(d.n, 201);
	ASSERT_HAS(&d, "t.yaml", 1, 1, "800 more problems not shown");
	bw_spec_diag_release(&d);
	bw_buf_release(&b);
}

static void test_locate(void **state)
{
	const char *path, *source;
	struct bw_error err;

	(void)state;
	setenv("BULWARK_SPEC", "env.yaml", 1);
	assert_int_equal(bw_spec_locate(&path, &source, "flag.yaml", &err), 0);
	assert_string_equal(path, "flag.yaml");
	assert_string_equal(source, "--spec");
	assert_int_equal(bw_spec_locate(&path, &source, NULL, &err), 0);
	assert_string_equal(path, "env.yaml");
	assert_string_equal(source, "BULWARK_SPEC");
	setenv("BULWARK_SPEC", "", 1);
	bw_error_clear(&err);
	/* The tests run from the repository root, which has no bulwark.yaml. */
	assert_int_equal(bw_spec_locate(&path, &source, NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "./bulwark.yaml"));
	unsetenv("BULWARK_SPEC");
}

static void test_durations_and_patterns(void **state)
{
	struct bw_error err;
	char *out = NULL;

	(void)state;
	assert_int_equal(bw_spec_parse_duration("3600"), 3600);
	assert_int_equal(bw_spec_parse_duration("90s"), 90);
	assert_int_equal(bw_spec_parse_duration("30m"), 1800);
	assert_int_equal(bw_spec_parse_duration("12h"), 43200);
	assert_int_equal(bw_spec_parse_duration("14d"), 14 * 86400);
	assert_int_equal(bw_spec_parse_duration("2w"), 14 * 86400);
	assert_int_equal(bw_spec_parse_duration("1hh"), -1);
	assert_int_equal(bw_spec_parse_duration("-1h"), -1);
	assert_int_equal(bw_spec_parse_duration("h"), -1);
	assert_int_equal(bw_spec_parse_duration("99999999999999999999"), -1);
	assert_int_equal(bw_spec_parse_duration("999999999w"), -1);

	assert_int_equal(bw_spec_expand(&out, "acme-{account}-{environment}", "web", "prod", NULL,
					&err), 0);
	assert_string_equal(out, "acme-web-prod");
	free(out);
	assert_int_equal(bw_spec_expand(&out, "{owner}", "a", "b", NULL, &err), BW_ERR_INVALID);
	assert_null(out);
	assert_int_equal(bw_spec_expand(&out, "{nope}", "a", "b", "c", &err), BW_ERR_INVALID);
	assert_int_equal(bw_spec_expand(&out, "{account", "a", "b", "c", &err), BW_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_loads),
		cmocka_unit_test(test_template_renders),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_inline_policy_bad_key),
		cmocka_unit_test(test_policy_file_fifo),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_missing_references),
		cmocka_unit_test(test_email_rules),
		cmocka_unit_test(test_name_rules),
		cmocka_unit_test(test_alias_rule),
		cmocka_unit_test(test_scp_size),
		cmocka_unit_test(test_malformed_policy),
		cmocka_unit_test(test_admin_grant),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_inline_document),
		cmocka_unit_test(test_shipped_policies),
		cmocka_unit_test(test_guardrail_targets),
		cmocka_unit_test(test_sandbox_and_secrets),
		cmocka_unit_test(test_required_sections),
		cmocka_unit_test(test_yaml_aliases),
		cmocka_unit_test(test_yaml_structure),
		cmocka_unit_test(test_yaml_bytes),
		cmocka_unit_test(test_problem_cap),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_durations_and_patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
