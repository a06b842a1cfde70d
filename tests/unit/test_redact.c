/* test_redact.c - secret fields are recognised and masked wherever they sit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "bulwark/redact.h"

static void test_keys(void **state)
{
	(void)state;
	assert_true(bw_redact_is_secret_key("SecretString"));
	assert_true(bw_redact_is_secret_key("secretstring"));
	assert_true(bw_redact_is_secret_key("Credentials.SessionToken"));
	assert_true(bw_redact_is_secret_key("SecretAccessKey"));
	assert_false(bw_redact_is_secret_key("SecretId"));
	assert_false(bw_redact_is_secret_key("AccessKeyId"));
	assert_false(bw_redact_is_secret_key("Name"));
	assert_false(bw_redact_is_secret_key(NULL));
}

static void test_nested(void **state)
{
	json_t *v = json_loads("{\"Credentials\":{\"AccessKeyId\":\"AKID\","
			       "\"SecretAccessKey\":\"s3cr3t\",\"SessionToken\":\"tok\"},"
			       "\"List\":[{\"SecretString\":\"pw\"},{\"SecretId\":\"id\"}],"
			       "\"SecretBinary\":null}", 0, NULL);
	char *dump;

	(void)state;
	assert_non_null(v);
	assert_true(bw_json_has_secret(v));
	assert_int_equal(bw_json_redact(v), 3);
	{
		json_t *plain = json_pack("{s:s}", "SecretId", "x");

		assert_false(bw_json_has_secret(plain));
		json_decref(plain);
	}
	dump = json_dumps(v, JSON_SORT_KEYS);
	assert_null(strstr(dump, "s3cr3t"));
	assert_null(strstr(dump, "tok\""));
	assert_null(strstr(dump, "\"pw\""));
	assert_non_null(strstr(dump, "AKID"));
	assert_non_null(strstr(dump, "\"id\""));
	free(dump);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_nested),
	};
	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
