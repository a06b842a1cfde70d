/*
 * test_endpoint.c - the service table per partition (as botocore 1.43's
 * rule sets resolve it), every endpoint override source in the SDKs'
 * order, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, and refused URLs.  Runs in
 * a temporary HOME with every AWS_* variable cleared (tmpenv).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bulwark/config.h"
#include "bulwark/endpoint.h"
#include "support/tmpenv.h"

static int setup(void **state)
{
	*state = bwt_env_new();
	return 0;
}

static int teardown(void **state)
{
	bwt_env_free(*state);
	return 0;
}

static struct bw_config *load(const char *region, const char *flag)
{
	struct bw_config_opts o = { NULL, region, flag };
	struct bw_config *cfg = NULL;
	struct bw_error err = { 0 };

	if (bw_config_load(&cfg, &o, &err))
		fail_msg("config: %s", err.message);
	return cfg;
}

static void expect(const char *region, enum bw_service svc, const char *url,
		   const char *signing_region, const char *partition)
{
	struct bw_config *cfg = load(region, NULL);
	struct bw_endpoint ep;
	struct bw_error err = { 0 };

	if (bw_endpoint_resolve(&ep, cfg, svc, &err))
		fail_msg("%s %d: %s", region ? region : "(none)", (int)svc, err.message);
	assert_string_equal(ep.url, url);
	assert_string_equal(ep.signing_region, signing_region);
	assert_string_equal(ep.partition, partition);
	assert_string_equal(ep.source, "default");
	bw_config_free(cfg);
}

static void test_table(void **state)
{
	(void)state;
	expect("us-east-1", BW_SVC_ORGANIZATIONS, "https://organizations.us-east-1.amazonaws.com",
	       "us-east-1", "aws");
	expect("eu-west-1", BW_SVC_ORGANIZATIONS, "https://organizations.us-east-1.amazonaws.com",
	       "us-east-1", "aws");
	expect(NULL, BW_SVC_ORGANIZATIONS, "https://organizations.us-east-1.amazonaws.com",
	       "us-east-1", "aws");
	expect("cn-north-1", BW_SVC_ORGANIZATIONS,
	       "https://organizations.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "aws-cn");
	expect("us-gov-east-1", BW_SVC_ORGANIZATIONS,
	       "https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1", "aws-us-gov");
	expect("eu-central-1", BW_SVC_IAM, "https://iam.amazonaws.com", "us-east-1", "aws");
	expect(NULL, BW_SVC_IAM, "https://iam.amazonaws.com", "us-east-1", "aws");
	expect("cn-northwest-1", BW_SVC_IAM, "https://iam.cn-north-1.amazonaws.com.cn",
	       "cn-north-1", "aws-cn");
	expect("us-gov-west-1", BW_SVC_IAM, "https://iam.us-gov.amazonaws.com", "us-gov-west-1",
	       "aws-us-gov");
	expect("eu-west-1", BW_SVC_STS, "https://sts.eu-west-1.amazonaws.com", "eu-west-1", "aws");
	expect("cn-north-1", BW_SVC_STS, "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1",
	       "aws-cn");
	expect("us-gov-east-1", BW_SVC_STS, "https://sts.us-gov-east-1.amazonaws.com",
	       "us-gov-east-1", "aws-us-gov");
	expect("ap-southeast-2", BW_SVC_SECRETSMANAGER,
	       "https://secretsmanager.ap-southeast-2.amazonaws.com", "ap-southeast-2", "aws");
	expect("cn-northwest-1", BW_SVC_SECRETSMANAGER,
	       "https://secretsmanager.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1", "aws-cn");
}

static void test_info(void **state)
{
	const struct bw_service_info *si;

	(void)state;
	si = bw_service_info(BW_SVC_ORGANIZATIONS);
	assert_int_equal(si->protocol, BW_PROTO_JSON);
	assert_string_equal(si->target_prefix, "AWSOrganizationsV20161128");
	assert_true(si->global);
	si = bw_service_info(BW_SVC_IAM);
	assert_int_equal(si->protocol, BW_PROTO_QUERY);
	assert_string_equal(si->api_version, "2010-05-08");
	si = bw_service_info(BW_SVC_STS);
	assert_string_equal(si->api_version, "2011-06-15");
	assert_false(si->global);
	si = bw_service_lookup("secretsmanager");
	assert_non_null(si);
	assert_int_equal(si->id, BW_SVC_SECRETSMANAGER);
	assert_string_equal(si->target_prefix, "secretsmanager");
	assert_string_equal(si->env_suffix, "SECRETS_MANAGER");
	assert_string_equal(si->config_key, "secrets_manager");
	assert_null(bw_service_lookup("s3"));
	assert_null(bw_service_lookup(NULL));
	assert_null(bw_service_info(BW_SVC__COUNT));
	assert_string_equal(bw_region_partition("cn-north-1"), "aws-cn");
	assert_string_equal(bw_region_partition("us-gov-west-1"), "aws-us-gov");
	assert_string_equal(bw_region_partition("us-east-1"), "aws");
	assert_string_equal(bw_region_partition(NULL), "aws");
}

static void test_no_region(void **state)
{
	struct bw_config *cfg = load(NULL, NULL);
	struct bw_endpoint ep;
	struct bw_error err = { 0 };

	(void)state;
	assert_int_equal(bw_endpoint_resolve(&ep, cfg, BW_SVC_STS, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "--region"));
	bw_config_free(cfg);
	cfg = load("us-east-1; rm -rf /", NULL);
	assert_int_equal(bw_endpoint_resolve(&ep, cfg, BW_SVC_SECRETSMANAGER, &err),
			 BW_ERR_INVALID);
	bw_config_free(cfg);
}

static const char *resolve_src(const char *flag, enum bw_service svc, struct bw_endpoint *ep)
{
	struct bw_config *cfg = load("eu-west-1", flag);
	struct bw_error err = { 0 };

	if (bw_endpoint_resolve(ep, cfg, svc, &err))
		fail_msg("resolve: %s", err.message);
	bw_config_free(cfg);
	return ep->source;
}

static void test_override_order(void **state)
{
	struct bwt_env *e = *state;
	struct bw_endpoint ep;

	bwt_write(e, ".aws/config",
		  "[default]\n"
		  "region = eu-west-1\n"
		  "endpoint_url = http://127.0.0.1:5005\n"
		  "services = local\n"
		  "\n"
		  "[services local]\n"
		  "iam =\n"
		  "  endpoint_url = http://127.0.0.1:5003\n"
		  "secrets_manager =\n"
		  "  endpoint_url = http://localhost:5009/\n", 0600);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5004", 1);
	setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5002", 1);

	/* 1. --endpoint-url beats everything */
	assert_string_equal(resolve_src("http://127.0.0.1:5001", BW_SVC_IAM, &ep), "--endpoint-url");
	assert_string_equal(ep.url, "http://127.0.0.1:5001");
	/* with an override, signed for the configured region */
	assert_string_equal(ep.signing_region, "eu-west-1");
	/* 2. AWS_ENDPOINT_URL_IAM */
	assert_string_equal(resolve_src(NULL, BW_SVC_IAM, &ep), "AWS_ENDPOINT_URL_IAM");
	assert_string_equal(ep.url, "http://127.0.0.1:5002");
	/* 3. the services section */
	unsetenv("AWS_ENDPOINT_URL_IAM");
	assert_string_equal(resolve_src(NULL, BW_SVC_IAM, &ep), "services local (profile default)");
	assert_string_equal(ep.url, "http://127.0.0.1:5003");
	assert_string_equal(resolve_src(NULL, BW_SVC_SECRETSMANAGER, &ep),
			    "services local (profile default)");
	assert_string_equal(ep.url, "http://localhost:5009");	/* trailing slash gone */
	/* 4. AWS_ENDPOINT_URL for a service the section does not name */
	assert_string_equal(resolve_src(NULL, BW_SVC_STS, &ep), "AWS_ENDPOINT_URL");
	assert_string_equal(ep.url, "http://127.0.0.1:5004");
	/* 5. the profile's endpoint_url */
	unsetenv("AWS_ENDPOINT_URL");
	assert_string_equal(resolve_src(NULL, BW_SVC_ORGANIZATIONS, &ep), "profile default");
	assert_string_equal(ep.url, "http://127.0.0.1:5005");
	assert_string_equal(ep.signing_region, "eu-west-1");
	/* the service env var names use the SDK identifiers */
	setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://sm.example.com", 1);
	assert_string_equal(resolve_src(NULL, BW_SVC_SECRETSMANAGER, &ep),
			    "AWS_ENDPOINT_URL_SECRETS_MANAGER");
	setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", "https://org.example.com", 1);
	assert_string_equal(resolve_src(NULL, BW_SVC_ORGANIZATIONS, &ep),
			    "AWS_ENDPOINT_URL_ORGANIZATIONS");
	setenv("AWS_ENDPOINT_URL_STS", "https://sts.example.com", 1);
	assert_string_equal(resolve_src(NULL, BW_SVC_STS, &ep), "AWS_ENDPOINT_URL_STS");
}

static void test_ignore(void **state)
{
	struct bwt_env *e = *state;
	struct bw_endpoint ep;

	bwt_write(e, ".aws/config",
		  "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:5005\n"
		  "services = local\n[services local]\niam =\n  endpoint_url = http://127.0.0.1:5003\n",
		  0600);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5004", 1);
	setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5002", 1);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	assert_string_equal(resolve_src(NULL, BW_SVC_IAM, &ep), "default");
	assert_string_equal(ep.url, "https://iam.amazonaws.com");
	assert_string_equal(ep.signing_region, "us-east-1");
	assert_string_equal(resolve_src(NULL, BW_SVC_STS, &ep), "default");
	/* --endpoint-url still counts */
	assert_string_equal(resolve_src("http://127.0.0.1:5001", BW_SVC_IAM, &ep),
			    "--endpoint-url");
}

static void test_global_override_without_region(void **state)
{
	struct bw_config *cfg;
	struct bw_endpoint ep;
	struct bw_error err = { 0 };

	(void)state;
	cfg = load(NULL, "http://127.0.0.1:5000");
	assert_int_equal(bw_endpoint_resolve(&ep, cfg, BW_SVC_ORGANIZATIONS, &err), 0);
	assert_string_equal(ep.signing_region, "us-east-1");
	assert_string_equal(ep.partition, "aws");
	bw_config_free(cfg);
}

static void test_bad_overrides(void **state)
{
	static const char *const bad[] = {
		"http://moto.internal:5000", "ftp://127.0.0.1", "https://u:p@x.example.com",
		"not a url",
	};
	struct bw_config *cfg;
	struct bw_endpoint ep;
	struct bw_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = load("us-east-1", bad[i]);
		memset(&err, 0, sizeof(err));
		assert_int_equal(bw_endpoint_resolve(&ep, cfg, BW_SVC_IAM, &err), BW_ERR_INVALID);
		assert_non_null(strstr(err.message, "--endpoint-url"));
		bw_config_free(cfg);
	}
	setenv("AWS_ENDPOINT_URL_STS", "http://10.1.2.3", 1);
	cfg = load("us-east-1", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(bw_endpoint_resolve(&ep, cfg, BW_SVC_STS, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "AWS_ENDPOINT_URL_STS"));
	assert_non_null(strstr(err.message, "http://10.1.2.3"));
	bw_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test(test_info),
		cmocka_unit_test_setup_teardown(test_no_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_override_without_region, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_overrides, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
