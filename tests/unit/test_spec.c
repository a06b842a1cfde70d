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

#include <cmocka.h>
#include <jansson.h>

#include "bulwark/spec.h"

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

/* A small valid spec that the rule tests below modify. */
static const char base_head[] =
	"version: 1\n"
	"organization:\n"
	"  default_region: eu-west-1\n"
	"  allowed_regions: [eu-west-1, eu-central-1]\n";

static char *cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_loads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
