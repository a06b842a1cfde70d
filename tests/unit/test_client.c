/*
 * test_client.c - bw_call and bw_call_all end to end against httpstub: a
 * JSON 1.1 call and a Query call with their signing headers, retries on
 * 5xx, throttling, dropped connections and clock skew, the retry quota
 * running dry, errors surfacing code, message and request id, pagination
 * with both token styles and a repeating token, unsigned calls, retry
 * defaults, and --debug logs that never show a secret.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "bulwark/client.h"
#include "bulwark/redact.h"
#include "bulwark/config.h"
#include "bulwark/creds.h"
#include "bulwark/log.h"
#include "../../lib/transport.h"
#include "support/httpstub.h"
#include "support/tmpenv.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "SESSIONTOKENEXAMPLE"

struct fx {
	struct bwt_env *env;
	struct httpstub *stub;
	struct bw_config *cfg;
	struct bw_client *c;
};

static long sleeps[64];
static int n_sleeps;

static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;

static void record_sleep(long ms)
{
	pthread_mutex_lock(&sleep_lock);
	if (n_sleeps < 64)
		sleeps[n_sleeps] = ms;
	n_sleeps++;
	pthread_mutex_unlock(&sleep_lock);
}

static void make_client(struct fx *f, const char *token, const struct bw_client_opts *opts)
{
	struct bw_config_opts co = { NULL, "us-east-1", httpstub_url(f->stub) };
	struct bw_creds *creds = NULL;
	struct bw_error err = { 0 };

	if (f->c)
		bw_client_free(f->c);
	if (f->cfg)
		bw_config_free(f->cfg);
	f->c = NULL;
	f->cfg = NULL;
	if (bw_config_load(&f->cfg, &co, &err))
		fail_msg("config: %s", err.message);
	if (token != (const char *)-1)
		assert_int_equal(bw_creds_static(&creds, AKID, SECRET, token, NULL), 0);
	if (bw_client_new(&f->c, f->cfg, creds, opts, &err))
		fail_msg("client: %s", err.message);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->env = bwt_env_new();
	assert_int_equal(httpstub_start(&f->stub), 0);
	make_client(f, TOKEN, NULL);
	n_sleeps = 0;
	bw_retry__set_sleep(record_sleep);
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

static json_t *J(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);

	assert_non_null(v);
	return v;
}

static const struct httpstub_request *req(struct fx *f, size_t i)
{
	const struct httpstub_request *r = httpstub_request(f->stub, i);

	if (!r)
		fail_msg("no request %zu (have %zu)", i, httpstub_n_requests(f->stub));
	return r;
}

static void assert_signed(const struct httpstub_request *r, const char *region,
			  const char *service, const char *signed_headers)
{
	const char *auth = httpstub_header(r, "authorization");
	const char *date = httpstub_header(r, "x-amz-date");
	char want[256];

	assert_non_null(auth);
	assert_non_null(date);
	assert_int_equal(strlen(date), 16);
	snprintf(want, sizeof(want), "AWS4-HMAC-SHA256 Credential=" AKID "/%.8s/%s/%s/aws4_request, "
		 "SignedHeaders=%s, Signature=", date, region, service, signed_headers);
	if (strncmp(auth, want, strlen(want)))
		fail_msg("authorization '%s'\nwant prefix '%s'", auth, want);
	assert_int_equal(strlen(auth), strlen(want) + 64);
	assert_null(strstr(auth, SECRET));
}

static void test_json_call(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	const struct httpstub_request *r;
	json_t *out = NULL;

	httpstub_respond(f->stub, 200, "x-amzn-RequestId: rid-json\nContent-Type: application/x-amz-json-1.1",
			 "{\"Organization\":{\"Id\":\"o-abc\",\"FeatureSet\":\"ALL\"}}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "DescribeOrganization", NULL,
				 &err), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "Organization"),
							       "Id")), "o-abc");
	json_decref(out);
	r = req(f, 0);
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->path, "/");
	assert_string_equal(r->body, "{}");
	assert_string_equal(httpstub_header(r, "content-type"), "application/x-amz-json-1.1");
	assert_string_equal(httpstub_header(r, "x-amz-target"),
			    "AWSOrganizationsV20161128.DescribeOrganization");
	assert_string_equal(httpstub_header(r, "x-amz-security-token"), TOKEN);
	assert_non_null(strstr(httpstub_header(r, "user-agent"), "bulwark/"));
	assert_string_equal(httpstub_header(r, "host") + strlen("127.0.0.1:"),
			    strrchr(httpstub_url(f->stub), ':') + 1);
	/* signed for us-east-1 (the configured region, an override is in use) */
	assert_signed(r, "us-east-1", "organizations",
		      "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");

	/* secretsmanager: target prefix and input passed through */
	{
		json_t *in = J("{\"SecretId\":\"db/pass\"}");

		httpstub_respond(f->stub, 200, NULL, "{\"Name\":\"db/pass\"}");
		assert_int_equal(bw_call(&out, f->c, BW_SVC_SECRETSMANAGER, "DescribeSecret", in,
					 &err), 0);
		json_decref(in);
		json_decref(out);
		r = req(f, 1);
		assert_string_equal(httpstub_header(r, "x-amz-target"), "secretsmanager.DescribeSecret");
		assert_string_equal(r->body, "{\"SecretId\":\"db/pass\"}");
		assert_signed(r, "us-east-1", "secretsmanager",
			      "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
	}
}

static void test_query_call(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	const struct httpstub_request *r;
	json_t *in = J("{\"RoleName\":\"deploy role\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}");
	json_t *out = NULL;

	make_client(f, NULL, NULL);	/* long-term keys: no token header */
	httpstub_respond(f->stub, 200, "x-amzn-RequestId: rid-q",
			 "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
			 "<GetRoleResult><Role><RoleName>deploy role</RoleName>"
			 "<MaxSessionDuration>3600</MaxSessionDuration>"
			 "<AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></Role>"
			 "</GetRoleResult><ResponseMetadata><RequestId>rid-q</RequestId>"
			 "</ResponseMetadata></GetRoleResponse>");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_IAM, "GetRole", in, &err), 0);
	json_decref(in);
	{
		json_t *role = json_object_get(out, "Role");

		assert_string_equal(json_string_value(json_object_get(role, "RoleName")), "deploy role");
		assert_int_equal(json_integer_value(json_object_get(role, "MaxSessionDuration")), 3600);
		assert_string_equal(json_string_value(json_object_get(role, "AssumeRolePolicyDocument")),
				    "{}");
	}
	json_decref(out);
	r = req(f, 0);
	assert_string_equal(r->body, "Action=GetRole&Version=2010-05-08&RoleName=deploy+role"
			    "&Tags.member.1.Key=k&Tags.member.1.Value=v");
	assert_string_equal(httpstub_header(r, "content-type"),
			    "application/x-www-form-urlencoded; charset=utf-8");
	assert_null(httpstub_header(r, "x-amz-target"));
	assert_null(httpstub_header(r, "x-amz-security-token"));
	assert_signed(r, "us-east-1", "iam", "content-type;host;x-amz-date");

	/* sts GetCallerIdentity */
	httpstub_respond(f->stub, 200, NULL,
			 "<GetCallerIdentityResponse><GetCallerIdentityResult>"
			 "<Arn>arn:aws:iam::123456789012:user/a</Arn><UserId>AIDA</UserId>"
			 "<Account>123456789012</Account></GetCallerIdentityResult>"
			 "</GetCallerIdentityResponse>");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_STS, "GetCallerIdentity", NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(out, "Account")), "123456789012");
	json_decref(out);
	assert_string_equal(req(f, 1)->body, "Action=GetCallerIdentity&Version=2011-06-15");
	assert_signed(req(f, 1), "us-east-1", "sts", "content-type;host;x-amz-date");
}

static void test_retry_500_then_ok(void **state)
{
	struct fx *f = *state;
	struct bw_client_stats st;
	json_t *out = NULL;

	httpstub_respond(f->stub, 500, NULL, "{\"__type\":\"InternalFailure\"}");
	httpstub_respond(f->stub, 200, NULL, "{\"Roots\":[]}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL), 0);
	json_decref(out);
	assert_int_equal(httpstub_n_requests(f->stub), 2);
	assert_int_equal(n_sleeps, 1);
	assert_true(sleeps[0] >= 0 && sleeps[0] <= 1000);
	bw_client_stats(f->c, &st);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.attempts, 2);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.throttled, 0);
	/* the retry is signed afresh */
	assert_non_null(httpstub_header(req(f, 1), "authorization"));
}

static void test_throttle_then_ok(void **state)
{
	struct fx *f = *state;
	struct bw_client_stats st;
	json_t *out = NULL;

	httpstub_respond(f->stub, 400, "x-amzn-ErrorType: TooManyRequestsException",
			 "{\"__type\":\"TooManyRequestsException\",\"Message\":\"AWS Organizations can't complete your request because another request is already in progress.\"}");
	httpstub_respond(f->stub, 400, NULL,
			 "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\"}");
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":[]}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListAccounts", NULL, NULL), 0);
	json_decref(out);
	assert_int_equal(httpstub_n_requests(f->stub), 3);
	bw_client_stats(f->c, &st);
	assert_int_equal(st.throttled, 2);
	assert_int_equal(st.retried, 2);
	assert_int_equal(n_sleeps, 2);
	assert_true(sleeps[1] <= 2000);
}

static void test_transport_error_retried(void **state)
{
	struct fx *f = *state;
	json_t *out = NULL;

	httpstub_close_next(f->stub);
	httpstub_respond(f->stub, 200, NULL, "{}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL), 0);
	json_decref(out);
	assert_int_equal(httpstub_n_requests(f->stub), 2);
}

static void always_503(void *ctx, const struct httpstub_request *r, struct httpstub_response *resp)
{
	(void)ctx;
	(void)r;
	resp->status = 503;
	resp->headers = "x-amzn-RequestId: rid-503";
	resp->body = "{\"__type\":\"ServiceUnavailableException\",\"message\":\"try later\"}";
}

static void test_quota_exhaustion(void **state)
{
	struct fx *f = *state;
	struct bw_error err;
	json_t *out = NULL;
	int i;

	httpstub_set_handler(f->stub, always_503, NULL);
	/* each failed call takes two retries (10 tokens): 50 calls drain 500 */
	for (i = 0; i < 50; i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, &err),
				 BW_ERR_AWS);
	}
	assert_int_equal(httpstub_n_requests(f->stub), 150);
	assert_int_equal(err.http_status, 503);
	assert_string_equal(err.aws_code, "ServiceUnavailableException");
	assert_string_equal(err.request_id, "rid-503");
	assert_non_null(strstr(err.message, "3 attempts"));
	/* the quota is empty: the next call fails at once */
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, &err),
			 BW_ERR_AWS);
	assert_int_equal(httpstub_n_requests(f->stub), 151);
	assert_null(out);
}

static void test_clock_skew(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	char hdr[128];
	struct tm tm;
	time_t ahead = time(NULL) + 7200;
	json_t *out = NULL;
	const char *d1, *d2;

	gmtime_r(&ahead, &tm);
	strftime(hdr, sizeof(hdr), "Date: %a, %d %b %Y %H:%M:%S GMT", &tm);
	httpstub_respond(f->stub, 400, hdr,
			 "{\"__type\":\"InvalidSignatureException\",\"message\":\"Signature expired: 20250101T000000Z is now earlier than ...\"}");
	httpstub_respond(f->stub, 200, NULL, "{}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_SECRETSMANAGER, "ListSecrets", NULL, &err), 0);
	json_decref(out);
	assert_int_equal(httpstub_n_requests(f->stub), 2);
	assert_int_equal(n_sleeps, 1);
	assert_int_equal(sleeps[0], 0);	/* retried at once */
	d1 = httpstub_header(req(f, 0), "x-amz-date");
	d2 = httpstub_header(req(f, 1), "x-amz-date");
	strftime(hdr, sizeof(hdr), "%Y%m%dT%H", &tm);
	assert_memory_equal(d2, hdr, 11);	/* the second is signed two hours ahead */
	assert_string_not_equal(d1, d2);

	/* a bad signature without a clock to fix is not retried */
	httpstub_respond(f->stub, 403, NULL,
			 "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error><RequestId>rid-sig</RequestId></ErrorResponse>");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_IAM, "ListRoles", NULL, &err), BW_ERR_AWS);
	assert_int_equal(httpstub_n_requests(f->stub), 3);
	assert_string_equal(err.aws_code, "SignatureDoesNotMatch");
}

static void test_error_surfaces(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	char line[1400];
	json_t *out = NULL, *in = J("{\"RoleName\":\"nope\"}");

	httpstub_respond(f->stub, 404, "x-amzn-RequestId: rid-404",
			 "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
			 "<Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
			 "<Message>The role with name nope cannot be found.</Message></Error>"
			 "<RequestId>rid-404</RequestId></ErrorResponse>");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_IAM, "GetRole", in, &err), BW_ERR_AWS);
	json_decref(in);
	assert_null(out);
	assert_int_equal(httpstub_n_requests(f->stub), 1);
	assert_int_equal(err.code, BW_ERR_AWS);
	assert_int_equal(err.http_status, 404);
	assert_string_equal(err.service, "iam");
	assert_string_equal(err.operation, "GetRole");
	assert_string_equal(err.aws_code, "NoSuchEntity");
	assert_string_equal(err.message, "The role with name nope cannot be found.");
	assert_string_equal(err.request_id, "rid-404");
	bw_error_format(line, sizeof(line), &err);
	assert_string_equal(line, "iam GetRole: NoSuchEntity: The role with name nope cannot be "
			    "found. (request id rid-404)");

	/* a 200 with garbage is a parse error, not a crash */
	httpstub_respond(f->stub, 200, NULL, "<html>oops");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_IAM, "ListRoles", NULL, &err), BW_ERR_PARSE);
	assert_string_equal(err.operation, "ListRoles");
	/* input that is not an object */
	in = J("[1]");
	memset(&err, 0, sizeof(err));
	assert_int_equal(bw_call(&out, f->c, BW_SVC_IAM, "ListRoles", in, &err), BW_ERR_INVALID);
	assert_string_equal(err.service, "iam");
	assert_string_equal(err.operation, "ListRoles");
	json_decref(in);
}

static void test_paginate_json(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	json_t *out = NULL, *in = J("{\"MaxResults\":2}"), *page2;

	httpstub_respond(f->stub, 200, NULL,
			 "{\"Accounts\":[{\"Id\":\"1\"},{\"Id\":\"2\"}],\"NextToken\":\"t1\"}");
	httpstub_respond(f->stub, 200, NULL,
			 "{\"Accounts\":[{\"Id\":\"3\"},{\"Id\":\"4\"}],\"NextToken\":\"t2\"}");
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":[{\"Id\":\"5\"}]}");
	assert_int_equal(bw_call_all(&out, f->c, BW_SVC_ORGANIZATIONS, "ListAccounts", in,
				     "Accounts", &err), 0);
	assert_int_equal(json_array_size(json_object_get(out, "Accounts")), 5);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(out, "Accounts"), 4), "Id")), "5");
	assert_null(json_object_get(out, "NextToken"));
	json_decref(out);
	assert_int_equal(httpstub_n_requests(f->stub), 3);
	assert_string_equal(req(f, 0)->body, "{\"MaxResults\":2}");
	page2 = J(req(f, 1)->body);
	assert_string_equal(json_string_value(json_object_get(page2, "NextToken")), "t1");
	assert_int_equal(json_integer_value(json_object_get(page2, "MaxResults")), 2);
	json_decref(page2);
	assert_non_null(strstr(req(f, 2)->body, "\"NextToken\":\"t2\""));
	/* the caller's input is untouched */
	assert_null(json_object_get(in, "NextToken"));
	json_decref(in);
}

static void test_paginate_marker(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	json_t *out = NULL, *roles;

	httpstub_respond(f->stub, 200, NULL,
			 "<ListRolesResponse><ListRolesResult><IsTruncated>true</IsTruncated>"
			 "<Marker>m/1+</Marker><Roles><member><RoleName>a</RoleName></member>"
			 "<member><RoleName>b</RoleName></member></Roles></ListRolesResult></ListRolesResponse>");
	httpstub_respond(f->stub, 200, NULL,
			 "<ListRolesResponse><ListRolesResult><IsTruncated>true</IsTruncated>"
			 "<Marker>m2</Marker><Roles/></ListRolesResult></ListRolesResponse>");
	httpstub_respond(f->stub, 200, NULL,
			 "<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated>"
			 "<Roles><member><RoleName>c</RoleName></member></Roles></ListRolesResult>"
			 "</ListRolesResponse>");
	assert_int_equal(bw_call_all(&out, f->c, BW_SVC_IAM, "ListRoles", NULL, "Roles", &err), 0);
	roles = json_object_get(out, "Roles");
	assert_int_equal(json_array_size(roles), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(roles, 2), "RoleName")),
			    "c");
	assert_true(json_is_false(json_object_get(out, "IsTruncated")));
	assert_null(json_object_get(out, "Marker"));
	json_decref(out);
	assert_string_equal(req(f, 0)->body, "Action=ListRoles&Version=2010-05-08");
	assert_string_equal(req(f, 1)->body, "Action=ListRoles&Version=2010-05-08&Marker=m%2F1%2B");
	assert_string_equal(req(f, 2)->body, "Action=ListRoles&Version=2010-05-08&Marker=m2");
}

static void test_paginate_query_nexttoken_and_repeat(void **state)
{
	struct fx *f = *state;
	struct bw_error err = { 0 };
	json_t *out = NULL;

	/* Query services with NextToken (as STS-style list calls) */
	httpstub_respond(f->stub, 200, NULL,
			 "<XResponse><XResult><Items><member>1</member></Items><NextToken>n1</NextToken></XResult></XResponse>");
	httpstub_respond(f->stub, 200, NULL,
			 "<XResponse><XResult><Items><member>2</member></Items></XResult></XResponse>");
	assert_int_equal(bw_call_all(&out, f->c, BW_SVC_STS, "X", NULL, "Items", &err), 0);
	assert_int_equal(json_array_size(json_object_get(out, "Items")), 2);
	json_decref(out);
	assert_string_equal(req(f, 1)->body, "Action=X&Version=2011-06-15&NextToken=n1");

	/* a token that comes back again stops with an error */
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":[{\"Id\":\"1\"}],\"NextToken\":\"same\"}");
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":[{\"Id\":\"2\"}],\"NextToken\":\"other\"}");
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":[{\"Id\":\"3\"}],\"NextToken\":\"same\"}");
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":[]}");
	assert_int_equal(bw_call_all(&out, f->c, BW_SVC_ORGANIZATIONS, "ListAccounts", NULL,
				     "Accounts", &err), BW_ERR_PARSE);
	assert_null(out);
	assert_non_null(strstr(err.message, "same"));
	assert_int_equal(httpstub_n_requests(f->stub), 5);
	/* result_key that is not a list */
	httpstub_clear(f->stub);
	httpstub_respond(f->stub, 200, NULL, "{\"Accounts\":{\"Id\":\"1\"}}");
	assert_int_equal(bw_call_all(&out, f->c, BW_SVC_ORGANIZATIONS, "ListAccounts", NULL,
				     "Accounts", &err), BW_ERR_PARSE);
}

static void test_unsigned(void **state)
{
	struct fx *f = *state;
	json_t *out = NULL;
	const struct httpstub_request *r;

	make_client(f, (const char *)-1, NULL);
	assert_null(bw_client_creds(f->c));
	httpstub_respond(f->stub, 200, NULL, "<GetCallerIdentityResponse><GetCallerIdentityResult>"
			 "<Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_STS, "GetCallerIdentity", NULL, NULL), 0);
	json_decref(out);
	r = req(f, 0);
	assert_null(httpstub_header(r, "authorization"));
	assert_null(httpstub_header(r, "x-amz-security-token"));
	assert_non_null(httpstub_header(r, "host"));
	assert_non_null(httpstub_header(r, "user-agent"));
}

static void test_retry_defaults(void **state)
{
	struct fx *f = *state;
	struct bw_client_opts o = { 0, 0, 5, 1 };
	json_t *out = NULL;

	httpstub_set_handler(f->stub, always_503, NULL);
	/* not chosen by the user: the caller's default of 5 applies */
	make_client(f, NULL, &o);
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL),
			 BW_ERR_AWS);
	assert_int_equal(httpstub_n_requests(f->stub), 5);
	/* AWS_MAX_ATTEMPTS wins over the caller's default */
	setenv("AWS_MAX_ATTEMPTS", "2", 1);
	make_client(f, NULL, &o);
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL),
			 BW_ERR_AWS);
	assert_int_equal(httpstub_n_requests(f->stub), 7);
	unsetenv("AWS_MAX_ATTEMPTS");
}

static void test_derive(void **state)
{
	struct fx *f = *state;
	struct bw_client *child = NULL;
	struct bw_creds *creds = NULL;
	struct bw_client_stats st;
	json_t *out = NULL;

	assert_int_equal(bw_creds_static(&creds, "AKIDCHILD", "childsecret", NULL, NULL), 0);
	assert_int_equal(bw_client_derive(&child, f->c, creds, NULL), 0);
	assert_ptr_equal(bw_client_config(child), f->cfg);
	assert_ptr_equal(bw_client_endpoint(child, BW_SVC_IAM, NULL),
			 bw_client_endpoint(f->c, BW_SVC_IAM, NULL));
	httpstub_respond(f->stub, 200, NULL, "{}");
	httpstub_respond(f->stub, 200, NULL, "{}");
	assert_int_equal(bw_call(&out, child, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL), 0);
	json_decref(out);
	assert_int_equal(bw_call(&out, f->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL), 0);
	json_decref(out);
	assert_non_null(strstr(httpstub_header(req(f, 0), "authorization"), "AKIDCHILD/"));
	assert_non_null(strstr(httpstub_header(req(f, 1), "authorization"), AKID "/"));
	/* one connection, shared stats */
	assert_int_equal(httpstub_connections(f->stub), 1);
	bw_client_stats(child, &st);
	assert_int_equal(st.calls, 2);
	bw_client_free(child);
}

/* ---- many threads on one client family ---- */

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned served;

static void sometimes_throttle(void *ctx, const struct httpstub_request *r,
			       struct httpstub_response *resp)
{
	unsigned n;

	(void)ctx;
	(void)r;
	pthread_mutex_lock(&count_lock);
	n = ++served;
	pthread_mutex_unlock(&count_lock);
	if (n % 7 == 0) {
		resp->status = 400;
		resp->body = "{\"__type\":\"TooManyRequestsException\"}";
	} else {
		resp->status = 200;
		resp->body = "{\"Roots\":[{\"Id\":\"r-1\"}]}";
	}
}

struct worker {
	struct bw_client *c;
	int ok;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	json_t *out;
	int i;

	for (i = 0; i < 25; i++) {
		out = NULL;
		if (!bw_call(&out, w->c, BW_SVC_ORGANIZATIONS, "ListRoots", NULL, NULL) &&
		    json_is_array(json_object_get(out, "Roots")))
			w->ok++;
		json_decref(out);
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct fx *f = *state;
	struct bw_client_opts o = { 0, 0, 10, 0 };
	struct bw_client *kids[4];
	struct worker w[4];
	pthread_t t[4];
	struct bw_client_stats st;
	int i, ok = 0;

	make_client(f, TOKEN, &o);
	served = 0;
	httpstub_set_handler(f->stub, sometimes_throttle, NULL);
	for (i = 0; i < 4; i++) {
		struct bw_creds *cr = NULL;

		assert_int_equal(bw_creds_static(&cr, AKID, SECRET, NULL, NULL), 0);
		/* two threads share the root client, two have derived ones */
		kids[i] = NULL;
		if (i >= 2)
			assert_int_equal(bw_client_derive(&kids[i], f->c, cr, NULL), 0);
		else
			bw_creds_free(cr);
		w[i].c = kids[i] ? kids[i] : f->c;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].ok;
		bw_client_free(kids[i]);
	}
	assert_int_equal(ok, 100);
	bw_client_stats(f->c, &st);
	assert_int_equal(st.calls, 100);
	assert_int_equal(st.attempts, httpstub_n_requests(f->stub));
	assert_int_equal(st.throttled, httpstub_n_requests(f->stub) / 7);
	assert_true(httpstub_connections(f->stub) <= 4);
}

/* ---- --debug never shows a secret ---- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char logbuf[65536];

static void capture(void *ctx, enum bw_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	pthread_mutex_lock(&log_lock);
	if (strlen(logbuf) + strlen(msg) + 2 < sizeof(logbuf)) {
		strcat(logbuf, msg);
		strcat(logbuf, "\n");
	}
	pthread_mutex_unlock(&log_lock);
}

static void test_debug_redacts(void **state)
{
	struct fx *f = *state;
	json_t *out = NULL, *in;

	logbuf[0] = '\0';
	bw_log_set(capture, NULL, BW_LOG_DEBUG);
	in = J("{\"Name\":\"db\",\"SecretString\":\"hunter2-in\"}");
	httpstub_respond(f->stub, 200, "x-amzn-RequestId: rid-sm",
			 "{\"ARN\":\"arn:sm\",\"Name\":\"db\",\"SecretString\":\"hunter2-out\","
			 "\"SecretBinary\":\"aHVudGVyMg==\"}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_SECRETSMANAGER, "GetSecretValue", in, NULL), 0);
	json_decref(in);
	/* the caller still gets the value */
	assert_string_equal(json_string_value(json_object_get(out, "SecretString")), "hunter2-out");
	json_decref(out);
	httpstub_respond(f->stub, 200, NULL,
			 "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
			 "<AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>sts-secret-key</SecretAccessKey>"
			 "<SessionToken>sts-session-token</SessionToken></Credentials>"
			 "</AssumeRoleResult></AssumeRoleResponse>");
	in = J("{\"RoleArn\":\"arn:aws:iam::1:role/r\",\"RoleSessionName\":\"s\"}");
	assert_int_equal(bw_call(&out, f->c, BW_SVC_STS, "AssumeRole", in, NULL), 0);
	json_decref(in);
	json_decref(out);
	bw_log_set(NULL, NULL, BW_LOG_WARN);

	assert_null(strstr(logbuf, "hunter2"));
	assert_null(strstr(logbuf, "aHVudGVyMg"));
	assert_null(strstr(logbuf, "sts-secret-key"));
	assert_null(strstr(logbuf, "sts-session-token"));
	assert_null(strstr(logbuf, SECRET));
	assert_null(strstr(logbuf, TOKEN));
	assert_null(strstr(logbuf, "Signature="));
	assert_non_null(strstr(logbuf, BW_REDACTED));
	/* but it does say what happened */
	assert_non_null(strstr(logbuf, "secretsmanager GetSecretValue: POST http://127.0.0.1:"));
	assert_non_null(strstr(logbuf, "attempt 1/3"));
	assert_non_null(strstr(logbuf, "HTTP 200"));
	assert_non_null(strstr(logbuf, "rid-sm"));
	assert_non_null(strstr(logbuf, "ASIAX"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_json_call),
		T(test_query_call),
		T(test_retry_500_then_ok),
		T(test_throttle_then_ok),
		T(test_transport_error_retried),
		T(test_quota_exhaustion),
		T(test_clock_skew),
		T(test_error_surfaces),
		T(test_paginate_json),
		T(test_paginate_marker),
		T(test_paginate_query_nexttoken_and_repeat),
		T(test_unsigned),
		T(test_retry_defaults),
		T(test_derive),
		T(test_threads),
		T(test_debug_redacts),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
