/* test_buf.c - buffers grow, cap, detach; errors format as users read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bulwark/buf.h"
#include "bulwark/error.h"

static void test_grow_and_cap(void **state)
{
	struct bw_buf b;
	char *p;
	size_t len;

	(void)state;
	bw_buf_init(&b, 16);
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	assert_int_equal(bw_buf_adds(&b, "0123456789"), 0);
	assert_int_equal(bw_buf_addf(&b, "%d%s", 12, "34"), 0);
	assert_string_equal(b.ptr, "01234567891234");
	assert_int_equal(bw_buf_adds(&b, "abc"), BW_ERR_TOOBIG);
	assert_int_equal(b.len, 14);	/* unchanged after a refused add */
	assert_int_equal(bw_buf_add(&b, "ab", 2), 0);
	assert_int_equal(bw_buf_addch(&b, 'x'), BW_ERR_TOOBIG);
	bw_buf_truncate(&b, 3);
	assert_string_equal(b.ptr, "012");
	p = bw_buf_detach(&b, &len);
	assert_int_equal(len, 3);
	assert_string_equal(p, "012");
	free(p);
	assert_int_equal(b.len, 0);
	p = bw_buf_detach(&b, NULL);	/* empty detach gives a fresh "" */
	assert_string_equal(p, "");
	free(p);
	bw_buf_release(&b);
	bw_buf_release_secure(&b);
}

static void test_error_format(void **state)
{
	struct bw_error err = { 0 };
	char out[256];

	(void)state;
	assert_int_equal(bw_error_set(&err, BW_ERR_AWS, "email already in use"), BW_ERR_AWS);
	memcpy(err.service, "organizations", 14);
	memcpy(err.operation, "CreateAccount", 14);
	memcpy(err.aws_code, "ConstraintViolationException", 29);
	memcpy(err.request_id, "abc-123", 8);
	bw_error_format(out, sizeof(out), &err);
	assert_string_equal(out, "organizations CreateAccount: ConstraintViolationException: "
			    "email already in use (request id abc-123)");
	assert_int_equal(bw_error_exit_status(&err), 1);

	bw_error_clear(&err);
	bw_error_set(&err, BW_ERR_INVALID, "unknown key 'x'");
	bw_error_prefix(&err, "reading spec '%s'", "org.yaml");
	bw_error_format(out, sizeof(out), &err);
	assert_string_equal(out, "reading spec 'org.yaml': unknown key 'x'");
	assert_int_equal(bw_error_exit_status(&err), 2);

	bw_error_format(out, 8, &err);	/* truncation keeps a NUL */
	assert_int_equal(strlen(out), 7);
	assert_int_equal(bw_error_set(NULL, BW_ERR_IO, "ignored"), BW_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_and_cap),
		cmocka_unit_test(test_error_format),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
