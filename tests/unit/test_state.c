/* test_state.c - the resume state file: round trip, atomic save, lock, bad files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bulwark/state.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/bw-state-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/org.yaml.state.json", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void path_for(void **state)
{
	char *p = NULL;

	(void)state;
	assert_int_equal(bw_state_path_for(&p, "specs/org.yaml", NULL), 0);
	assert_string_equal(p, "specs/org.yaml.state.json");
	free(p);
}

static void round_trip(void **state)
{
	struct bw_state *st = NULL;
	struct bw_state_pending p;
	struct stat sb;

	(void)state;
	assert_int_equal(bw_state_open(&st, path, NULL), 0);
	assert_int_equal(bw_state_pending_count(st), 0);
	/* Nothing to remember: no file is created. */
	assert_int_equal(bw_state_save(st, NULL), 0);
	assert_int_not_equal(access(path, F_OK), 0);

	assert_int_equal(bw_state_pending_add(st, "prod", "prod@example.com", "car-1", NULL), 0);
	assert_int_equal(bw_state_pending_add(st, "dev", "dev@example.com", "car-2", NULL), 0);
	assert_int_equal(bw_state_pending_add(st, "prod", "prod@example.com", "car-3", NULL), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	bw_state_free(st);

	assert_int_equal(bw_state_open(&st, path, NULL), 0);
	assert_int_equal(bw_state_pending_count(st), 2);
	assert_true(bw_state_pending_find(st, "prod", NULL, &p));
	assert_string_equal(p.request_id, "car-3");
	assert_true(bw_state_pending_find(st, "other", "DEV@example.com", &p));
	assert_string_equal(p.name, "dev");
	assert_true(p.started > 0);
	assert_false(bw_state_pending_find(st, "x", "y@z", &p));
	assert_int_equal(bw_state_pending_remove(st, "prod", NULL), 0);
	assert_int_equal(bw_state_pending_remove(st, "dev", NULL), 0);
	bw_state_free(st);

	assert_int_equal(bw_state_open(&st, path, NULL), 0);
	assert_int_equal(bw_state_pending_count(st), 0);
	bw_state_free(st);
}

static void second_run_is_locked_out(void **state)
{
	struct bw_state *a = NULL, *b = NULL;
	struct bw_error err = { 0 };

	(void)state;
	assert_int_equal(bw_state_open(&a, path, NULL), 0);
	assert_int_equal(bw_state_open(&b, path, &err), BW_ERR_INVALID);
	assert_null(b);
	assert_non_null(strstr(err.message, "another bulwark run"));
	bw_state_free(a);
	assert_int_equal(bw_state_open(&b, path, NULL), 0);
	bw_state_free(b);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void bad_files(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"{\"version\": 99, \"pending\": []}",
		"{\"version\": 1, \"pending\": {}}",
		"{\"version\": 1, \"pending\": [{\"name\": \"x\"}]}",
		"{\"version\": 1, \"pending\": [{\"name\": 3, \"request_id\": \"car\"}]}",
		"{\"version\": 1, \"version\": 1}",
		"\"version\"",
	};
	struct bw_state *st = NULL;
	struct bw_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i]);
		assert_int_equal(bw_state_open(&st, path, &err), BW_ERR_INVALID);
		assert_null(st);
		assert_non_null(strstr(err.message, path));
	}
	write_file("{\"version\": 1}");
	assert_int_equal(bw_state_open(&st, path, NULL), 0);
	assert_int_equal(bw_state_pending_count(st), 0);
	bw_state_free(st);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_for),
		cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(second_run_is_locked_out, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
