/* test_plan.c - the plan model and how a person reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bulwark/plan.h"

static void add(struct bw_plan *p, enum bw_change_op op, int stage, const char *account,
		const char *what, const char *detail)
{
	struct bw_change c = { .op = op, .stage = stage, .account = (char *)account,
			       .what = (char *)what, .detail = (char *)detail };

	assert_int_equal(bw_plan_add(p, &c, NULL), 0);
}

static void empty_plan(void **state)
{
	struct bw_plan p;
	struct bw_buf out = BW_BUF_INIT;

	(void)state;
	bw_plan_init(&p);
	assert_int_equal(bw_plan_format(&out, &p, false), 0);
	assert_string_equal(out.ptr, "No changes. The organization matches the spec.\n");
	bw_buf_release(&out);
	bw_plan_release(&p);
}

static void grouped_and_summarised(void **state)
{
	struct bw_plan p;
	struct bw_buf out = BW_BUF_INIT;

	(void)state;
	bw_plan_init(&p);
	assert_int_equal(bw_plan_group(&p, "prod", "Account 'prod' (111122223333)"), 0);
	assert_int_equal(bw_plan_group(&p, "dev", "Account 'dev' (new)"), 0);
	add(&p, BW_OP_CREATE, BW_STAGE_BASELINE, "dev", "role 'Admin'", NULL);
	add(&p, BW_OP_UPDATE, BW_STAGE_BASELINE, "prod", "inline policy 'x' of role 'Admin'",
	    "      - \"s3:GetObject\"\n      + \"s3:PutObject\"\n");
	add(&p, BW_OP_CREATE, BW_STAGE_UNIT + 1, NULL, "organizational unit 'Workloads'", NULL);
	add(&p, BW_OP_REMOVE, BW_STAGE_ATTACH, NULL, "detach 'g' from Root", NULL);
	assert_int_equal(bw_plan_note(&p, NULL, "account '%s' (%s): never removed", "old",
				      "999999999999"), 0);
	assert_int_equal(bw_plan_count(&p), 4);
	assert_int_equal(bw_plan_format(&out, &p, false), 0);
	assert_string_equal(out.ptr,
		"Organization:\n"
		"  + organizational unit 'Workloads'\n"
		"  - detach 'g' from Root\n"
		"\n"
		"Account 'prod' (111122223333):\n"
		"  ~ inline policy 'x' of role 'Admin'\n"
		"      - \"s3:GetObject\"\n"
		"      + \"s3:PutObject\"\n"
		"\n"
		"Account 'dev' (new):\n"
		"  + role 'Admin'\n"
		"\n"
		"Not in the spec (left alone):\n"
		"  ! account 'old' (999999999999): never removed\n"
		"\n"
		"Plan: 2 to create, 1 to update, 1 to remove.\n");
	bw_buf_reset(&out);
	assert_int_equal(bw_plan_format(&out, &p, true), 0);
	assert_non_null(strstr(out.ptr, "\033[32m+\033[0m organizational unit"));
	bw_buf_release(&out);
	bw_plan_release(&p);
	assert_int_equal(p.n, 0);
}

static void partial_plans_say_so(void **state)
{
	struct bw_plan p;
	struct bw_buf out = BW_BUF_INIT;

	(void)state;
	bw_plan_init(&p);
	assert_int_equal(bw_plan_problem(&p, "dev", "account 'dev': cannot read its baseline: %s",
					 "AccessDenied"), 0);
	assert_int_equal(bw_plan_note(&p, NULL, "unit 'Old'"), 0);
	assert_int_equal(bw_plan_format(&out, &p, false), 0);
	assert_string_equal(out.ptr,
		"Could not be read (not planned):\n"
		"  ? account 'dev': cannot read its baseline: AccessDenied\n"
		"\n"
		"Not in the spec (left alone):\n"
		"  ! unit 'Old'\n"
		"\n"
		"No changes in what could be read; 1 part could not be read (above).\n");
	bw_buf_reset(&out);
	add(&p, BW_OP_CREATE, BW_STAGE_ORG, NULL, "organization", NULL);
	assert_int_equal(bw_plan_format(&out, &p, false), 0);
	assert_non_null(strstr(out.ptr, "Plan: 1 to create, 0 to update, 0 to remove.  "
			       "(Partial: see what could not be read.)\n"));
	bw_buf_release(&out);
	bw_plan_release(&p);
}

static void sort_is_stable_by_stage(void **state)
{
	struct bw_plan p;

	(void)state;
	bw_plan_init(&p);
	add(&p, BW_OP_CREATE, BW_STAGE_ATTACH, NULL, "a1", NULL);
	add(&p, BW_OP_CREATE, BW_STAGE_UNIT + 2, NULL, "u2", NULL);
	add(&p, BW_OP_CREATE, BW_STAGE_ORG, NULL, "org", NULL);
	add(&p, BW_OP_CREATE, BW_STAGE_UNIT + 1, NULL, "u1a", NULL);
	add(&p, BW_OP_CREATE, BW_STAGE_ATTACH, NULL, "a2", NULL);
	add(&p, BW_OP_CREATE, BW_STAGE_UNIT + 1, NULL, "u1b", NULL);
	bw_plan_sort(&p);
	assert_string_equal(p.changes[0].what, "org");
	assert_string_equal(p.changes[1].what, "u1a");
	assert_string_equal(p.changes[2].what, "u1b");
	assert_string_equal(p.changes[3].what, "u2");
	assert_string_equal(p.changes[4].what, "a1");
	assert_string_equal(p.changes[5].what, "a2");
	bw_plan_release(&p);
}

static void many_changes(void **state)
{
	struct bw_plan p;
	struct bw_buf out = BW_BUF_INIT;

	(void)state;
	bw_plan_init(&p);
	for (int i = 0; i < 5000; i++)
		add(&p, i % 3 == 0 ? BW_OP_CREATE : BW_OP_UPDATE, BW_STAGE_BASELINE - i % 7, NULL,
		    "x", i % 2 ? "" : NULL);
	bw_plan_sort(&p);
	for (size_t i = 1; i < p.n; i++)
		assert_true(p.changes[i - 1].stage <= p.changes[i].stage);
	assert_int_equal(bw_plan_format(&out, &p, false), 0);
	assert_non_null(strstr(out.ptr, "Plan: 1667 to create, 3333 to update, 0 to remove.\n"));
	bw_buf_release(&out);
	bw_plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_plan),
		cmocka_unit_test(grouped_and_summarised),
		cmocka_unit_test(partial_plans_say_so),
		cmocka_unit_test(sort_is_stable_by_stage),
		cmocka_unit_test(many_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
