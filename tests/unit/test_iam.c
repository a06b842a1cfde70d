/*
 * test_iam.c - the typed IAM calls against canned Query (XML) answers:
 * GetRole with a URL-encoded trust policy, boundary, tags and a numeric
 * string for MaxSessionDuration; NoSuchEntity as BW_ERR_NOTFOUND;
 * EntityAlreadyExists folded into success; the five-version limit.
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
#include "bulwark/iam.h"
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
	assert_int_equal(bw_creds_static(&creds, "AKIDEXAMPLE", "secret", "token", NULL), 0);
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

#define XML_HDR "Content-Type: text/xml"
#define NS "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""

static void xml(struct fx *f, const char *op, const char *result)
{
	char body[8192];

	snprintf(body, sizeof(body), "<%sResponse " NS "><%sResult>%s</%sResult>"
		 "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></%sResponse>",
		 op, op, result, op, op);
	httpstub_respond(f->stub, 200, XML_HDR, body);
}

static void xml_error(struct fx *f, int status, const char *code)
{
	char body[512];

	snprintf(body, sizeof(body), "<ErrorResponse " NS "><Error><Type>Sender</Type><Code>%s"
		 "</Code><Message>canned</Message></Error><RequestId>r-2</RequestId>"
		 "</ErrorResponse>", code);
	httpstub_respond(f->stub, status, XML_HDR, body);
}

static void get_role(void **state)
{
	struct fx *f = *state;
	struct bw_iam_role r;
	struct bw_error err = { 0 };

	xml(f, "GetRole",
	    "<Role><Path>/bulwark/</Path><RoleName>it-auditor</RoleName>"
	    "<Arn>arn:aws:iam::111122223333:role/bulwark/it-auditor</Arn>"
	    "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"
	    "</AssumeRolePolicyDocument><Description>Read &amp; audit</Description>"
	    "<MaxSessionDuration>14400</MaxSessionDuration>"
	    "<PermissionsBoundary><PermissionsBoundaryType>Policy</PermissionsBoundaryType>"
	    "<PermissionsBoundaryArn>arn:aws:iam::111122223333:policy/b</PermissionsBoundaryArn>"
	    "</PermissionsBoundary><Tags><member><Key>Team</Key><Value>sec</Value></member></Tags>"
	    "</Role>");
	assert_int_equal(bw_iam_get_role(&r, f->c, "it-auditor", NULL), 0);
	assert_string_equal(r.path, "/bulwark/");
	assert_non_null(strstr(r.trust, "\"2012-10-17\""));
	assert_string_equal(r.description, "Read & audit");
	assert_int_equal(r.max_session, 14400);
	assert_string_equal(r.boundary_arn, "arn:aws:iam::111122223333:policy/b");
	assert_int_equal(json_array_size(r.tags), 1);
	bw_iam_role_release(&r);

	/* A bare role: defaults, no boundary, no tags. */
	xml(f, "GetRole", "<Role><RoleName>x</RoleName><Arn>arn:aws:iam::1:role/x</Arn>"
	    "<AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument></Role>");
	assert_int_equal(bw_iam_get_role(&r, f->c, "x", NULL), 0);
	assert_string_equal(r.description, "");
	assert_int_equal(r.max_session, 3600);
	assert_null(r.boundary_arn);
	assert_int_equal(json_array_size(r.tags), 0);
	bw_iam_role_release(&r);

	/* No trust document is a malformed answer. */
	xml(f, "GetRole", "<Role><RoleName>x</RoleName></Role>");
	assert_int_equal(bw_iam_get_role(&r, f->c, "x", NULL), BW_ERR_PARSE);

	xml_error(f, 404, "NoSuchEntity");
	assert_int_equal(bw_iam_get_role(&r, f->c, "gone", &err), BW_ERR_NOTFOUND);
	assert_string_equal(err.aws_code, "NoSuchEntity");
}

static void lists_and_documents(void **state)
{
	struct fx *f = *state;
	struct bw_iam_strings s;
	struct bw_iam_policy p;
	char *doc = NULL, *alias = NULL;
	json_t *pp = NULL;

	xml(f, "ListRolePolicies", "<PolicyNames><member>a</member><member>b</member>"
	    "</PolicyNames><IsTruncated>true</IsTruncated><Marker>m1</Marker>");
	xml(f, "ListRolePolicies", "<PolicyNames><member>c</member></PolicyNames>"
	    "<IsTruncated>false</IsTruncated>");
	assert_int_equal(bw_iam_role_inline_names(&s, f->c, "r", NULL), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[2], "c");
	assert_non_null(strstr(httpstub_request(f->stub, 1)->body, "Marker=m1"));
	bw_iam_strings_free(&s);

	xml(f, "ListAttachedRolePolicies", "<AttachedPolicies><member><PolicyName>b</PolicyName>"
	    "<PolicyArn>arn:aws:iam::1:policy/b</PolicyArn></member></AttachedPolicies>"
	    "<IsTruncated>false</IsTruncated>");
	assert_int_equal(bw_iam_role_attached_arns(&s, f->c, "r", NULL), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.v[0], "arn:aws:iam::1:policy/b");
	bw_iam_strings_free(&s);

	xml(f, "GetRolePolicy", "<RoleName>r</RoleName><PolicyName>a</PolicyName>"
	    "<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</PolicyDocument>");
	assert_int_equal(bw_iam_get_role_policy(&doc, f->c, "r", "a", NULL), 0);
	assert_string_equal(doc, "{\"Version\":\"2012-10-17\"}");
	free(doc);

	xml(f, "GetPolicy", "<Policy><PolicyName>b</PolicyName><DefaultVersionId>v3"
	    "</DefaultVersionId><Description>ceiling</Description></Policy>");
	xml(f, "GetPolicyVersion", "<PolicyVersion><Document>%7B%7D</Document><VersionId>v3"
	    "</VersionId><IsDefaultVersion>true</IsDefaultVersion></PolicyVersion>");
	assert_int_equal(bw_iam_get_policy(&p, f->c, "arn:aws:iam::1:policy/b", NULL), 0);
	assert_string_equal(p.default_version, "v3");
	/*
	 * AWS URL-encodes this document too; the client decodes only fields
	 * named *PolicyDocument, so it may come either way.  The engine
	 * compares with bw_policy_equal_text, which takes both.
	 */
	assert_true(!strcmp(p.document, "{}") || !strcmp(p.document, "%7B%7D"));
	assert_string_equal(p.description, "ceiling");
	assert_non_null(strstr(httpstub_request(f->stub, 5)->body, "VersionId=v3"));
	bw_iam_policy_release(&p);

	xml_error(f, 404, "NoSuchEntity");
	assert_int_equal(bw_iam_get_password_policy(&pp, f->c, NULL), BW_ERR_NOTFOUND);
	xml(f, "GetAccountPasswordPolicy", "<PasswordPolicy><MinimumPasswordLength>14"
	    "</MinimumPasswordLength><RequireSymbols>true</RequireSymbols></PasswordPolicy>");
	assert_int_equal(bw_iam_get_password_policy(&pp, f->c, NULL), 0);
	assert_int_equal(bw_json_long(json_object_get(pp, "MinimumPasswordLength"), 0), 14);
	assert_true(bw_json_bool(json_object_get(pp, "RequireSymbols")));
	json_decref(pp);

	xml(f, "ListAccountAliases", "<AccountAliases/><IsTruncated>false</IsTruncated>");
	assert_int_equal(bw_iam_get_alias(&alias, f->c, NULL), 0);
	assert_null(alias);
	xml(f, "ListAccountAliases", "<AccountAliases><member>acme-prod</member></AccountAliases>"
	    "<IsTruncated>false</IsTruncated>");
	assert_int_equal(bw_iam_get_alias(&alias, f->c, NULL), 0);
	assert_string_equal(alias, "acme-prod");
	free(alias);
}

static void writes(void **state)
{
	struct fx *f = *state;
	const struct httpstub_request *r;
	char *arn = NULL;
	size_t base;

	/* An earlier attempt got through: the role exists, which is success. */
	xml_error(f, 409, "EntityAlreadyExists");
	assert_int_equal(bw_iam_create_role(f->c, "r", "/bulwark/", "{}", "d e", 3600, NULL, NULL,
					    NULL), 0);
	r = httpstub_request(f->stub, 0);
	assert_non_null(strstr(r->body, "Action=CreateRole"));
	assert_non_null(strstr(r->body, "MaxSessionDuration=3600"));
	assert_null(strstr(r->body, "PermissionsBoundary"));

	/* CreatePolicy that exists: its document is set to ours, under the ARN we derive. */
	xml_error(f, 409, "EntityAlreadyExists");
	xml(f, "CreatePolicyVersion", "<PolicyVersion><VersionId>v2</VersionId></PolicyVersion>");
	assert_int_equal(bw_iam_create_policy(&arn, f->c, "111122223333", "b", "/", "", "{}", NULL), 0);
	assert_string_equal(arn, "arn:aws:iam::111122223333:policy/b");
	free(arn);

	/* Five versions already: the oldest non-default one goes first. */
	base = httpstub_n_requests(f->stub);
	xml_error(f, 409, "LimitExceeded");
	xml(f, "ListPolicyVersions", "<Versions>"
	    "<member><VersionId>v5</VersionId><IsDefaultVersion>true</IsDefaultVersion>"
	    "<CreateDate>2020-01-05T00:00:00Z</CreateDate></member>"
	    "<member><VersionId>v3</VersionId><IsDefaultVersion>false</IsDefaultVersion>"
	    "<CreateDate>2020-01-03T00:00:00Z</CreateDate></member>"
	    "<member><VersionId>v1</VersionId><IsDefaultVersion>false</IsDefaultVersion>"
	    "<CreateDate>2020-01-01T00:00:00Z</CreateDate></member>"
	    "</Versions><IsTruncated>false</IsTruncated>");
	xml(f, "DeletePolicyVersion", "");
	xml(f, "CreatePolicyVersion", "<PolicyVersion><VersionId>v6</VersionId></PolicyVersion>");
	assert_int_equal(bw_iam_set_policy_document(f->c, "arn:aws:iam::1:policy/b", "{}", NULL), 0);
	r = httpstub_request(f->stub, base + 2);
	assert_non_null(strstr(r->body, "Action=DeletePolicyVersion"));
	assert_non_null(strstr(r->body, "VersionId=v1"));

	/* The alias belongs to another account: not folded into success. */
	xml_error(f, 409, "EntityAlreadyExists");
	assert_int_equal(bw_iam_set_alias(f->c, NULL, "taken", NULL), BW_ERR_AWS);

	/* Removing what is gone already is done. */
	xml_error(f, 404, "NoSuchEntity");
	assert_int_equal(bw_iam_delete_role_policy(f->c, "r", "p", NULL), 0);
	xml_error(f, 404, "NoSuchEntity");
	assert_int_equal(bw_iam_detach_role_policy(f->c, "r", "arn:aws:iam::1:policy/b", NULL), 0);
}

static void helpers(void **state)
{
	char *arn = NULL;
	json_t *v;

	(void)state;
	assert_int_equal(bw_iam_policy_arn(&arn, "aws-cn", "111122223333", "/team/", "p"), 0);
	assert_string_equal(arn, "arn:aws-cn:iam::111122223333:policy/team/p");
	free(arn);
	assert_int_equal(bw_iam_policy_arn(&arn, NULL, "1", NULL, "p"), 0);
	assert_string_equal(arn, "arn:aws:iam::1:policy/p");
	free(arn);
	v = json_string("12x");
	assert_int_equal(bw_json_long(v, -1), -1);
	json_decref(v);
	v = json_string("");
	assert_int_equal(bw_json_long(v, 7), 7);
	json_decref(v);
	v = json_string("99999999999999999999999");
	assert_int_equal(bw_json_long(v, 7), 7);
	json_decref(v);
	v = json_integer(42);
	assert_int_equal(bw_json_long(v, 7), 42);
	json_decref(v);
	assert_false(bw_json_bool(NULL));
	v = json_string("TRUE");
	assert_false(bw_json_bool(v));
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(get_role, setup, teardown),
		cmocka_unit_test_setup_teardown(lists_and_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(writes, setup, teardown),
		cmocka_unit_test(helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
