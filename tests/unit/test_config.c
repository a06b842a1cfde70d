/*
 * test_config.c - bw_config_load against fake shared files in a temporary
 * HOME, with the environment set per test: profile and region resolution,
 * section naming in both files, nested blocks, long lines, comments and
 * the errors a user sees for malformed files and bad settings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bulwark/config.h"
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

/* Write the two files under ~/.aws. */
static void files(struct bwt_env *e, const char *config, const char *credentials)
{
	if (config)
		bwt_write(e, ".aws/config", config, 0600);
	if (credentials)
		bwt_write(e, ".aws/credentials", credentials, 0600);
}

static struct bw_config *load_ok(const struct bw_config_opts *opts)
{
	struct bw_config *cfg = NULL;
	struct bw_error err = { 0 };
	int rc = bw_config_load(&cfg, opts, &err);

	if (rc)
		fail_msg("bw_config_load: %d: %s", rc, err.message);
	assert_non_null(cfg);
	return cfg;
}

static int load_err(const struct bw_config_opts *opts, struct bw_error *err)
{
	struct bw_config *cfg = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = bw_config_load(&cfg, opts, err);
	assert_null(cfg);
	assert_int_equal(rc, err->code);
	return rc;
}

static void test_defaults_no_files(void **state)
{
	struct bw_config *cfg;
	char want[512];

	(void)state;
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_profile(cfg), "default");
	assert_false(bw_config_profile_explicit(cfg));
	assert_null(bw_config_region(cfg));
	assert_null(bw_config_region_source(cfg));
	assert_int_equal(bw_config_retry_mode(cfg), BW_RETRY_STANDARD);
	assert_int_equal(bw_config_max_attempts(cfg), 3);
	assert_false(bw_config_retry_explicit(cfg));
	assert_null(bw_config_ca_bundle(cfg));
	assert_null(bw_config_endpoint_url_flag(cfg));
	assert_false(bw_config_ignore_configured_endpoints(cfg));
	assert_false(bw_config_has_profile(cfg, "default"));
	snprintf(want, sizeof(want), "%s/.aws/config", bwt_env_dir(*state));
	assert_string_equal(bw_config_config_file(cfg), want);
	snprintf(want, sizeof(want), "%s/.aws/credentials", bwt_env_dir(*state));
	assert_string_equal(bw_config_credentials_file(cfg), want);
	bw_config_free(cfg);
}

static void test_profile_selection_order(void **state)
{
	struct bw_config_opts opts = { 0 };
	struct bw_config *cfg;

	files(*state, "[profile a]\nregion = r-a\n[profile b]\nregion = r-b\n"
		      "[profile c]\nregion = r-c\n[default]\nregion = r-d\n", NULL);

	setenv("AWS_DEFAULT_PROFILE", "a", 1);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_profile(cfg), "a");
	assert_true(bw_config_profile_explicit(cfg));
	assert_string_equal(bw_config_region(cfg), "r-a");
	bw_config_free(cfg);

	setenv("AWS_PROFILE", "b", 1);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_profile(cfg), "b");
	assert_string_equal(bw_config_region_source(cfg), "profile b");
	bw_config_free(cfg);

	opts.profile = "c";
	cfg = load_ok(&opts);
	assert_string_equal(bw_config_profile(cfg), "c");
	assert_true(bw_config_profile_explicit(cfg));
	assert_string_equal(bw_config_region(cfg), "r-c");
	bw_config_free(cfg);

	/* An empty variable counts as unset, as in the SDKs. */
	setenv("AWS_PROFILE", "", 1);
	unsetenv("AWS_DEFAULT_PROFILE");
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_profile(cfg), "default");
	assert_false(bw_config_profile_explicit(cfg));
	assert_string_equal(bw_config_region(cfg), "r-d");
	bw_config_free(cfg);
}

static void test_missing_profile(void **state)
{
	struct bw_config_opts opts = { .profile = "nope" };
	struct bw_config *cfg;
	struct bw_error err;

	files(*state, "[profile other]\nregion = x\n", NULL);
	assert_int_equal(load_err(&opts, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "profile 'nope' not found"));
	assert_non_null(strstr(err.message, ".aws/config"));

	/* Environment credentials make the profile unnecessary. */
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	cfg = load_ok(&opts);
	assert_string_equal(bw_config_profile(cfg), "nope");
	bw_config_free(cfg);

	/* A profile only in the credentials file exists. */
	unsetenv("AWS_ACCESS_KEY_ID");
	files(*state, NULL, "[nope]\naws_access_key_id = A\n");
	cfg = load_ok(&opts);
	assert_true(bw_config_has_profile(cfg, "nope"));
	bw_config_free(cfg);
}

static void test_region_sources(void **state)
{
	struct bw_config_opts opts = { .region = "eu-north-1" };
	struct bw_config *cfg;

	files(*state, "[default]\nregion = us-west-2\n", NULL);
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	setenv("AWS_REGION", "ca-central-1", 1);

	cfg = load_ok(&opts);
	assert_string_equal(bw_config_region(cfg), "eu-north-1");
	assert_string_equal(bw_config_region_source(cfg), "--region");
	bw_config_free(cfg);

	cfg = load_ok(NULL);
	assert_string_equal(bw_config_region(cfg), "ca-central-1");
	assert_string_equal(bw_config_region_source(cfg), "AWS_REGION");
	bw_config_free(cfg);

	unsetenv("AWS_REGION");
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_region(cfg), "ap-south-1");
	assert_string_equal(bw_config_region_source(cfg), "AWS_DEFAULT_REGION");
	bw_config_free(cfg);

	unsetenv("AWS_DEFAULT_REGION");
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_region(cfg), "us-west-2");
	assert_string_equal(bw_config_region_source(cfg), "profile default");
	bw_config_free(cfg);

	/* The credentials file overrides the config file, as botocore merges. */
	files(*state, NULL, "[default]\nregion = eu-west-3\n");
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_region(cfg), "eu-west-3");
	bw_config_free(cfg);
}

static void test_section_naming(void **state)
{
	struct bw_config *cfg;

	files(*state,
	      "[default]\nk = config-default\n"
	      "[profile dev]\nk = config-dev\nonly_config = yes\n"
	      "[prod]\nk = not-a-profile\n"
	      "[profile \"with space\"]\nk = quoted\n"
	      "[profile a b]\nk = three-words\n"
	      "[profilex]\nk = no-space\n",
	      "[dev]\nk = cred-dev\n"
	      "[profile ops]\nk = literal-name\n"
	      "[default]\nk = cred-default\n");
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_get(cfg, "default", "k"), "config-default");
	assert_string_equal(bw_config_get_cred(cfg, "default", "k"), "cred-default");
	assert_string_equal(bw_config_get(cfg, "dev", "k"), "config-dev");
	assert_string_equal(bw_config_get_cred(cfg, "dev", "k"), "cred-dev");
	assert_string_equal(bw_config_get_cred(cfg, "dev", "only_config"), "yes");
	assert_null(bw_config_get(cfg, "prod", "k"));
	assert_false(bw_config_has_profile(cfg, "prod"));
	assert_string_equal(bw_config_get(cfg, "with space", "k"), "quoted");
	assert_false(bw_config_has_profile(cfg, "a"));
	assert_false(bw_config_has_profile(cfg, "a b"));
	assert_false(bw_config_has_profile(cfg, "profilex"));
	assert_false(bw_config_has_profile(cfg, "x"));
	/* The credentials file keeps "profile " as part of the name. */
	assert_true(bw_config_has_profile(cfg, "profile ops"));
	assert_false(bw_config_has_profile(cfg, "ops"));
	assert_string_equal(bw_config_get_cred(cfg, "profile ops", "k"), "literal-name");
	/* bw_config_get never reads the credentials file. */
	assert_null(bw_config_get(cfg, "profile ops", "k"));
	bw_config_free(cfg);
}

static void test_values_and_comments(void **state)
{
	struct bw_config *cfg;

	files(*state,
	      "\xEF\xBB\xBF# a comment\n"
	      "; another\n"
	      "[default]\r\n"
	      "   # indented comment\n"
	      "Region = us-east-1 ; not a comment for botocore\r\n"
	      "output=json # neither\n"
	      "spaced =    inner   spaces   kept   \n"
	      "colon: value: with = signs\n"
	      "empty =\n"
	      "quoted = \"q\"\n"
	      "semi = a;b\n"
	      "ctl = a\x01z\n"
	      "multi = first\n"
	      "  second\n"
	      "\n"
	      "  third after a blank\n"
	      "k ;x = key with a semicolon\n"
	      "[profile x] ; trailing text after the header\n"
	      "k = v\n", NULL);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_get(cfg, "default", "region"),
			    "us-east-1 ; not a comment for botocore");
	assert_null(bw_config_get(cfg, "default", "Region"));
	assert_string_equal(bw_config_get(cfg, "default", "output"), "json # neither");
	assert_string_equal(bw_config_get(cfg, "default", "spaced"), "inner   spaces   kept");
	assert_string_equal(bw_config_get(cfg, "default", "colon"), "value: with = signs");
	assert_string_equal(bw_config_get(cfg, "default", "empty"), "");
	assert_string_equal(bw_config_get(cfg, "default", "quoted"), "\"q\"");
	assert_string_equal(bw_config_get(cfg, "default", "semi"), "a;b");
	assert_string_equal(bw_config_get(cfg, "default", "ctl"), "a\x01z");
	assert_string_equal(bw_config_get(cfg, "default", "multi"),
			    "first\nsecond\n\nthird after a blank");
	assert_string_equal(bw_config_get(cfg, "default", "k ;x"), "key with a semicolon");
	assert_string_equal(bw_config_get(cfg, "x", "k"), "v");
	bw_config_free(cfg);
}

static void test_services_blocks(void **state)
{
	struct bw_config *cfg;

	files(*state,
	      "[profile dev]\n"
	      "services = local\n"
	      "s3 =\n"
	      "  addressing_style = path\n"
	      "region = eu-west-1\n"
	      "[services local]\n"
	      "iam =\n"
	      "  endpoint_url = http://127.0.0.1:5000\n"
	      "\n"
	      "  other = x = y\n"
	      "sts =\n"
	      "\tendpoint_url = http://localhost:5001/sts\n"
	      "secrets_manager =\n"
	      "    endpoint_url = https://sm.example\n"
	      "    endpoint_url = https://sm2.example\n"
	      "[sso-session corp]\n"
	      "sso_start_url = https://example.awsapps.com/start\n", NULL);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_get(cfg, "dev", "services"), "local");
	assert_string_equal(bw_config_get(cfg, "dev", "region"), "eu-west-1");
	assert_string_equal(bw_config_get(cfg, "dev", "s3"), "");
	assert_string_equal(bw_config_services_get(cfg, "local", "iam", "endpoint_url"),
			    "http://127.0.0.1:5000");
	assert_string_equal(bw_config_services_get(cfg, "local", "iam", "other"), "x = y");
	assert_string_equal(bw_config_services_get(cfg, "local", "sts", "endpoint_url"),
			    "http://localhost:5001/sts");
	/* The last of repeated subkeys wins, as in botocore's dict. */
	assert_string_equal(bw_config_services_get(cfg, "local", "secrets_manager",
						   "endpoint_url"), "https://sm2.example");
	assert_null(bw_config_services_get(cfg, "local", "organizations", "endpoint_url"));
	assert_null(bw_config_services_get(cfg, "nope", "iam", "endpoint_url"));
	assert_false(bw_config_has_profile(cfg, "corp"));
	bw_config_free(cfg);
}

/* A same-indent line after a key is a new key (configparser), not nested. */
static void test_indented_keys(void **state)
{
	struct bw_config *cfg;

	files(*state, "[default]\n  s3 =\n  region = x\n", NULL);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_get(cfg, "default", "s3"), "");
	assert_string_equal(bw_config_get(cfg, "default", "region"), "x");
	bw_config_free(cfg);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_long_values(void **state)
{
	char *tok = repeat('T', 4096), *sec = repeat('s', 4000), *url;
	char *conf, *cred, *name = repeat('n', 300);
	struct bw_config *cfg;

	url = malloc(4200);
	assert_non_null(url);
	snprintf(url, 4200, "http://127.0.0.1:5000/%s", sec);
	assert_true(asprintf(&cred, "[default]\naws_access_key_id = AKID\n"
			     "aws_secret_access_key = %s\naws_session_token = %s\n"
			     "after = still-parsed\n", sec, tok) > 0);
	assert_true(asprintf(&conf, "[profile %s]\nregion = r\n%s = long key\n"
			     "[services big]\niam =\n  endpoint_url = %s\n"
			     "[default]\nlong = %s ; tail\nnext = ok\n",
			     name, name, url, tok) > 0);
	files(*state, conf, cred);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_get_cred(cfg, "default", "aws_session_token"), tok);
	assert_int_equal(strlen(bw_config_get_cred(cfg, "default", "aws_secret_access_key")),
			 4000);
	assert_string_equal(bw_config_get_cred(cfg, "default", "after"), "still-parsed");
	assert_string_equal(bw_config_get(cfg, name, "region"), "r");
	assert_string_equal(bw_config_get(cfg, name, name), "long key");
	assert_string_equal(bw_config_services_get(cfg, "big", "iam", "endpoint_url"), url);
	assert_int_equal(strlen(bw_config_get(cfg, "default", "long")), 4096 + 7);
	assert_string_equal(bw_config_get(cfg, "default", "next"), "ok");
	bw_config_free(cfg);
	free(tok);
	free(sec);
	free(url);
	free(conf);
	free(cred);
	free(name);
}

struct bad_case {
	const char *content;
	int line;
	const char *msg;
};

static void test_malformed(void **state)
{
	static const struct bad_case cases[] = {
		{ "[default]\nregion = x\n[profile a\nk = v\n", 3, "without ']'" },
		{ "[default]\nregion = x\njust some words\n", 3, "expected 'key = value'" },
		{ "region = x\n[default]\n", 1, "before any section header" },
		{ "[default]\nregion = x\nREGION = y\n", 3, "appears twice" },
		{ "[default]\n[x]\n[default]\n", 3, "appears twice" },
		{ "[default]\n= x\n", 2, "empty key" },
		{ "[default]\ns3 =\n  no equals here\n", 3, "nested block of 's3'" },
		{ "# ok\n\n[default]\na = 1\n\tb = 2\nc\n", 6, "expected 'key = value'" },
	};
	struct bw_error err;
	char want[600];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = bwt_write(*state, ".aws/config", cases[i].content, 0600);

		assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
		snprintf(want, sizeof(want), "%s:%d: ", path, cases[i].line);
		if (strncmp(err.message, want, strlen(want)) || !strstr(err.message, cases[i].msg))
			fail_msg("case %zu: got '%s', want '%s...%s'", i, err.message, want,
				 cases[i].msg);
	}

	/* The credentials file gets the same treatment and names itself. */
	unlink(bwt_path(*state, ".aws/config"));
	bwt_write(*state, ".aws/credentials", "[a]\naws_access_key_id\n", 0600);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, ".aws/credentials:2: "));
}

/* A secret on a malformed line never shows up in the error. */
static void test_malformed_keeps_secrets(void **state)
{
	struct bw_error err;

	files(*state, NULL, "[default]\naws_secret_access_key = SECRETVALUE\n"
			    "aws_secret_access_key = SECRETVALUE\n");
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_null(strstr(err.message, "SECRETVALUE"));
	assert_non_null(strstr(err.message, "credentials:3: "));
}

static void test_retry_settings(void **state)
{
	struct bw_config *cfg;
	struct bw_error err;

	files(*state, "[default]\nretry_mode = adaptive\nmax_attempts = 7\n"
		      "[profile legacy]\nretry_mode = legacy\n"
		      "[profile bad]\nmax_attempts = 0\n"
		      "[profile badmode]\nretry_mode = turbo\n"
		      "[profile junk]\nmax_attempts = 3x\n", NULL);
	cfg = load_ok(NULL);
	assert_int_equal(bw_config_retry_mode(cfg), BW_RETRY_ADAPTIVE);
	assert_int_equal(bw_config_max_attempts(cfg), 7);
	assert_true(bw_config_retry_explicit(cfg));
	bw_config_free(cfg);

	setenv("AWS_RETRY_MODE", "standard", 1);
	setenv("AWS_MAX_ATTEMPTS", "2", 1);
	cfg = load_ok(NULL);
	assert_int_equal(bw_config_retry_mode(cfg), BW_RETRY_STANDARD);
	assert_int_equal(bw_config_max_attempts(cfg), 2);
	bw_config_free(cfg);

	setenv("AWS_MAX_ATTEMPTS", "zero", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "AWS_MAX_ATTEMPTS is 'zero'"));
	assert_non_null(strstr(err.message, "whole number"));
	setenv("AWS_MAX_ATTEMPTS", "-1", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	setenv("AWS_MAX_ATTEMPTS", "99999999999999999999", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	unsetenv("AWS_MAX_ATTEMPTS");

	setenv("AWS_RETRY_MODE", "fast", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "AWS_RETRY_MODE is 'fast'"));
	assert_non_null(strstr(err.message, "'standard' or 'adaptive'"));
	unsetenv("AWS_RETRY_MODE");

	setenv("AWS_PROFILE", "legacy", 1);
	cfg = load_ok(NULL);
	assert_int_equal(bw_config_retry_mode(cfg), BW_RETRY_STANDARD);
	assert_true(bw_config_retry_explicit(cfg));
	assert_int_equal(bw_config_max_attempts(cfg), 3);
	bw_config_free(cfg);

	setenv("AWS_PROFILE", "bad", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "max_attempts in profile 'bad' is '0'"));
	setenv("AWS_PROFILE", "junk", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "max_attempts in profile 'junk' is '3x'"));
	setenv("AWS_PROFILE", "badmode", 1);
	assert_int_equal(load_err(NULL, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "retry_mode in profile 'badmode' is 'turbo'"));
}

static void test_tls_and_endpoints(void **state)
{
	struct bw_config_opts opts = { .endpoint_url = "http://127.0.0.1:5000" };
	struct bw_config *cfg;

	files(*state, "[default]\nca_bundle = /etc/corp.pem\n"
		      "ignore_configured_endpoint_urls = TRUE\n", NULL);
	cfg = load_ok(&opts);
	assert_string_equal(bw_config_ca_bundle(cfg), "/etc/corp.pem");
	assert_true(bw_config_ignore_configured_endpoints(cfg));
	assert_string_equal(bw_config_endpoint_url_flag(cfg), "http://127.0.0.1:5000");
	bw_config_free(cfg);

	setenv("AWS_CA_BUNDLE", "/env.pem", 1);
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", 1);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_ca_bundle(cfg), "/env.pem");
	assert_false(bw_config_ignore_configured_endpoints(cfg));
	assert_null(bw_config_endpoint_url_flag(cfg));
	bw_config_free(cfg);
}

static void test_file_env_and_tilde(void **state)
{
	struct bw_config *cfg;
	char want[512];

	bwt_write(*state, "elsewhere/conf", "[default]\nregion = from-env-file\n", 0600);
	bwt_write(*state, "elsewhere/creds", "[default]\nk = c\n", 0600);
	setenv("AWS_CONFIG_FILE", "~/elsewhere/conf", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", bwt_path(*state, "elsewhere/creds"), 1);
	cfg = load_ok(NULL);
	snprintf(want, sizeof(want), "%s/elsewhere/conf", bwt_env_dir(*state));
	assert_string_equal(bw_config_config_file(cfg), want);
	assert_string_equal(bw_config_region(cfg), "from-env-file");
	assert_string_equal(bw_config_get_cred(cfg, "default", "k"), "c");
	bw_config_free(cfg);

	/* "~user" is not expanded; a directory is treated as no file. */
	setenv("AWS_CONFIG_FILE", "~nobody/conf", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", bwt_env_dir(*state), 1);
	cfg = load_ok(NULL);
	assert_string_equal(bw_config_config_file(cfg), "~nobody/conf");
	assert_null(bw_config_region(cfg));
	bw_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_no_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_selection_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_naming, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_and_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_services_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indented_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_keeps_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_and_endpoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_env_and_tilde, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
