/*
 * test_orgs.c - the typed Organizations calls against canned answers: JSON
 * into structs, "already done" answers folded into success, pagination,
 * CreateAccount states, and the plain-words failure reasons.
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

#include "bulwark/client.h"
#include "bulwark/orgs.h"
#include "../../lib/transport.h"
#include "support/httpstub.h"
#include "support/tmpenv.h"

struct fx {
	struct bwt_env *env;
	struct httpstub *stub;
	struct bw_config *cfg;
	struct bw_client *c;
};

static void no_sleep(long ms)
{
	(void)ms;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct bw_config_opts co = { NULL, "us-east-1", NULL };
	struct bw_creds *creds = NULL;
	struct bw_error err = { 0 };

	f->env = bwt_env_new();
	assert_int_equal(httpstub_start(&f->stub), 0);
	co.endpoint_url = httpstub_url(f->stub);
	if (bw_config_load(&f->cfg, &co, &err))
		fail_msg("config: %s", err.message);
	assert_int_equal(bw_creds_static(&creds, "AKIDEXAMPLE", "secret", NULL, NULL), 0);
	if (bw_client_new(&f->c, f->cfg, creds, NULL, &err))
		fail_msg("client: %s", err.message);
	bw_retry__set_sleep(no_sleep);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bw_retry__set_sleep(NULL);
	bw_client_free(f->c);
	bw_config_free(f->cfg);
	httpstub_stop(f->stub);
	bwt_env_free(f->env);
	free(f);
	return 0;
}

#define JSON_HDR "Content-Type: application/x-amz-json-1.1"

static void ok(struct fx *f, const char *body)
{
	httpstub_respond(f->stub, 200, JSON_HDR, body);
}

static void aws_error(struct fx *f, const char *code)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"__type\":\"%s\",\"Message\":\"canned\"}", code);
	httpstub_respond(f->stub, 400, JSON_HDR, body);
}

static void no_organization(void **state)
{
	struct fx *f = *state;
	struct bw_org org;
	struct bw_error err = { 0 };

	aws_error(f, "AWSOrganizationsNotInUseException");
	assert_int_equal(bw_orgs_describe(&org, f->c, &err), BW_ERR_NOTFOUND);
	ok(f, "{\"Organization\":{\"Id\":\"o-abc\",\"MasterAccountId\":\"111122223333\","
	      "\"FeatureSet\":\"ALL\"}}");
	assert_int_equal(bw_orgs_describe(&org, f->c, NULL), 0);
	assert_string_equal(org.id, "o-abc");
	assert_string_equal(org.master_account_id, "111122223333");
	/* A answer without an id is not an organization. */
	ok(f, "{\"Organization\":{}}");
	assert_int_equal(bw_orgs_describe(&org, f->c, NULL), BW_ERR_PARSE);
	/* Created by an earlier run: described instead. */
	aws_error(f, "AlreadyInOrganizationException");
	ok(f, "{\"Organization\":{\"Id\":\"o-old\",\"MasterAccountId\":\"111122223333\"}}");
	assert_int_equal(bw_orgs_create(&org, f->c, NULL, NULL), 0);
	assert_string_equal(org.id, "o-old");
}

static void root_and_policy_type(void **state)
{
	struct fx *f = *state;
	struct bw_org_root root;

	ok(f, "{\"Roots\":[{\"Id\":\"r-ab12\",\"PolicyTypes\":[{\"Type\":\"TAG_POLICY\","
	      "\"Status\":\"ENABLED\"},{\"Type\":\"SERVICE_CONTROL_POLICY\",\"Status\":"
	      "\"PENDING_ENABLE\"}]}]}");
	assert_int_equal(bw_orgs_root(&root, f->c, NULL), 0);
	assert_string_equal(root.id, "r-ab12");
	assert_false(root.scp_enabled);
	ok(f, "{\"Roots\":[{\"Id\":\"r-ab12\",\"PolicyTypes\":[{\"Type\":"
	      "\"SERVICE_CONTROL_POLICY\",\"Status\":\"ENABLED\"}]}]}");
	assert_int_equal(bw_orgs_root(&root, f->c, NULL), 0);
	assert_true(root.scp_enabled);
	ok(f, "{\"Roots\":[]}");
	assert_int_equal(bw_orgs_root(&root, f->c, NULL), BW_ERR_PARSE);
	aws_error(f, "PolicyTypeAlreadyEnabledException");
	assert_int_equal(bw_orgs_enable_scp(f->c, "r-ab12", NULL), 0);
	aws_error(f, "AccessDeniedException");
	assert_int_equal(bw_orgs_enable_scp(f->c, "r-ab12", NULL), BW_ERR_AWS);
}

static void units_paginated_and_duplicates(void **state)
{
	struct fx *f = *state;
	struct bw_org_unit *u = NULL;
	size_t n = 0;
	char *id = NULL;

	ok(f, "{\"OrganizationalUnits\":[{\"Id\":\"ou-1\",\"Name\":\"A\"}],\"NextToken\":\"t\"}");
	ok(f, "{\"OrganizationalUnits\":[{\"Id\":\"ou-2\",\"Name\":\"B\"}]}");
	assert_int_equal(bw_orgs_list_units(&u, &n, f->c, "r-1", NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(u[1].name, "B");
	assert_string_equal(u[1].parent_id, "r-1");
	for (size_t i = 0; i < n; i++)
		bw_org_unit_release(&u[i]);
	free(u);

	/* It exists already (an interrupted run): found by name under the parent. */
	aws_error(f, "DuplicateOrganizationalUnitException");
	ok(f, "{\"OrganizationalUnits\":[{\"Id\":\"ou-9\",\"Name\":\"Other\"},"
	      "{\"Id\":\"ou-7\",\"Name\":\"Prod\"}]}");
	assert_int_equal(bw_orgs_create_unit(&id, f->c, "r-1", "Prod", NULL, NULL), 0);
	assert_string_equal(id, "ou-7");
	free(id);

	/* A unit without an id in the answer is an error, never a crash. */
	ok(f, "{\"OrganizationalUnits\":[{\"Name\":\"A\"}]}");
	assert_int_equal(bw_orgs_list_units(&u, &n, f->c, "r-1", NULL), BW_ERR_PARSE);
	for (size_t i = 0; i < n; i++)
		bw_org_unit_release(&u[i]);
	free(u);
}

static void policies(void **state)
{
	struct fx *f = *state;
	struct bw_org_policy *p = NULL;
	size_t n = 0;
	char *id = NULL;
	const struct httpstub_request *r;

	ok(f, "{\"Policies\":[{\"Id\":\"p-FullAWSAccess\",\"Name\":\"FullAWSAccess\","
	      "\"AwsManaged\":true},{\"Id\":\"p-1\",\"Name\":\"mine\",\"AwsManaged\":false,"
	      "\"Description\":\"d\"}]}");
	assert_int_equal(bw_orgs_list_scps(&p, &n, f->c, NULL), 0);
	assert_int_equal(n, 2);
	assert_true(p[0].aws_managed);
	assert_false(p[1].aws_managed);
	ok(f, "{\"Policy\":{\"PolicySummary\":{\"Description\":\"new\"},\"Content\":\"{}\"}}");
	assert_int_equal(bw_orgs_describe_policy(&p[1], f->c, NULL), 0);
	assert_string_equal(p[1].content, "{}");
	assert_string_equal(p[1].description, "new");
	ok(f, "{\"Targets\":[{\"TargetId\":\"r-1\"},{\"TargetId\":\"ou-1\"}],\"NextToken\":\"x\"}");
	ok(f, "{\"Targets\":[{\"TargetId\":\"111122223333\"}]}");
	assert_int_equal(bw_orgs_policy_targets(&p[1], f->c, NULL), 0);
	assert_int_equal(p[1].n_targets, 3);
	assert_string_equal(p[1].targets[2], "111122223333");
	for (size_t i = 0; i < n; i++)
		bw_org_policy_release(&p[i]);
	free(p);

	/* CreatePolicy of a name that exists: adopted and updated to the content. */
	aws_error(f, "DuplicatePolicyException");
	ok(f, "{\"Policies\":[{\"Id\":\"p-5\",\"Name\":\"g\",\"AwsManaged\":false}]}");
	ok(f, "{\"Policy\":{}}");
	assert_int_equal(bw_orgs_create_scp(&id, f->c, "g", "desc", "{\"Version\":\"2012-10-17\"}",
					    NULL), 0);
	assert_string_equal(id, "p-5");
	free(id);
	r = httpstub_request(f->stub, httpstub_n_requests(f->stub) - 1);
	assert_non_null(strstr(r->body, "\"PolicyId\":\"p-5\""));
	assert_non_null(strstr(r->body, "Content"));

	aws_error(f, "DuplicatePolicyAttachmentException");
	assert_int_equal(bw_orgs_attach(f->c, "p-5", "r-1", NULL), 0);
	aws_error(f, "PolicyNotAttachedException");
	assert_int_equal(bw_orgs_detach(f->c, "p-5", "r-1", NULL), 0);
	aws_error(f, "DuplicateAccountException");
	assert_int_equal(bw_orgs_move_account(f->c, "111122223333", "r-1", "ou-1", NULL), 0);
}

static void create_account_states(void **state)
{
	struct fx *f = *state;
	struct bw_create_status cs, *v = NULL;
	struct bw_error err = { 0 };
	size_t n = 0;

	ok(f, "{\"CreateAccountStatus\":{\"Id\":\"car-1\",\"AccountName\":\"prod\","
	      "\"State\":\"IN_PROGRESS\"}}");
	assert_int_equal(bw_orgs_create_account(&cs, f->c, "prod", "p@x.test", NULL, NULL, NULL), 0);
	assert_string_equal(cs.request_id, "car-1");
	assert_int_equal(cs.state, BW_CREATE_IN_PROGRESS);
	ok(f, "{\"CreateAccountStatus\":{\"Id\":\"car-1\",\"State\":\"SUCCEEDED\","
	      "\"AccountId\":\"444455556666\"}}");
	assert_int_equal(bw_orgs_create_status(&cs, f->c, "car-1", NULL), 0);
	assert_int_equal(cs.state, BW_CREATE_SUCCEEDED);
	assert_string_equal(cs.account_id, "444455556666");
	ok(f, "{\"CreateAccountStatus\":{\"Id\":\"car-2\",\"State\":\"FAILED\","
	      "\"FailureReason\":\"EMAIL_ALREADY_EXISTS\"}}");
	assert_int_equal(bw_orgs_create_status(&cs, f->c, "car-2", NULL), 0);
	assert_int_equal(cs.state, BW_CREATE_FAILED);
	assert_string_equal(cs.failure_reason, "EMAIL_ALREADY_EXISTS");
	aws_error(f, "CreateAccountStatusNotFoundException");
	assert_int_equal(bw_orgs_create_status(&cs, f->c, "car-x", &err), BW_ERR_NOTFOUND);
	/* No request id: never treated as started. */
	ok(f, "{\"CreateAccountStatus\":{\"State\":\"IN_PROGRESS\"}}");
	assert_int_equal(bw_orgs_create_account(&cs, f->c, "prod", "p@x.test", NULL, NULL, NULL),
			 BW_ERR_PARSE);
	/* Overlong fields are cut, not overflowed. */
	ok(f, "{\"CreateAccountStatuses\":[{\"Id\":\"car-3\",\"AccountName\":\"a\","
	      "\"State\":\"IN_PROGRESS\"},{\"Id\":\"car-4\",\"AccountName\":"
	      "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\","
	      "\"State\":\"weird\"}]}");
	assert_int_equal(bw_orgs_list_create_status(&v, &n, f->c, "IN_PROGRESS", NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].request_id, "car-3");
	assert_int_equal(strlen(v[1].account_name), sizeof(v[1].account_name) - 1);
	assert_int_equal(v[1].state, BW_CREATE_IN_PROGRESS);
	free(v);
	assert_non_null(strstr(httpstub_request(f->stub, httpstub_n_requests(f->stub) - 1)->body,
			       "\"States\":[\"IN_PROGRESS\"]"));
}

static void failure_reasons_in_plain_words(void **state)
{
	struct bw_buf b = BW_BUF_INIT;

	(void)state;
	assert_int_equal(bw_orgs_explain_failure(&b, "EMAIL_ALREADY_EXISTS", "prod", "p@x.test"), 0);
	assert_string_equal(b.ptr, "the email 'p@x.test' is already used by another AWS account; "
			    "choose another email for account 'prod' in the spec");
	bw_buf_reset(&b);
	assert_int_equal(bw_orgs_explain_failure(&b, "ACCOUNT_LIMIT_EXCEEDED", "prod", NULL), 0);
	assert_non_null(strstr(b.ptr, "ask AWS Support"));
	bw_buf_reset(&b);
	assert_int_equal(bw_orgs_explain_failure(&b, "PENDING_BUSINESS_VALIDATION", "prod", NULL), 0);
	assert_non_null(strstr(b.ptr, "PENDING_BUSINESS_VALIDATION"));
	bw_buf_reset(&b);
	assert_int_equal(bw_orgs_explain_failure(&b, "SOMETHING_NEW", "prod", NULL), 0);
	assert_non_null(strstr(b.ptr, "(SOMETHING_NEW)"));
	bw_buf_reset(&b);
	assert_int_equal(bw_orgs_explain_failure(&b, NULL, "prod", NULL), 0);
	assert_non_null(strstr(b.ptr, "no reason given"));
	bw_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_organization, setup, teardown),
		cmocka_unit_test_setup_teardown(root_and_policy_type, setup, teardown),
		cmocka_unit_test_setup_teardown(units_paginated_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(policies, setup, teardown),
		cmocka_unit_test_setup_teardown(create_account_states, setup, teardown),
		cmocka_unit_test(failure_reasons_in_plain_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
