/*
 * test_sim.c - the C helper that runs the AWS simulator for tests.
 *
 * Starts tests/sim/run in plain and strict mode, talks to its control
 * endpoint, reads its request log, and checks that stop really stops it and
 * cleans up.  What the simulator simulates is tested by tests/sim/check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/sim.h"

static void test_plain_start_control_stop(void **state)
{
	struct bw_sim sim;
	struct stat st;
	char *reply = NULL;
	const char *args[] = { "--page-size", "2", NULL };
	pid_t pid;

	(void)state;
	assert_int_equal(bw_sim_start(&sim, args, 30), 0);
	assert_true(sim.port > 0);
	assert_string_equal(sim.access_key_id, "testing");
	assert_int_equal(strncmp(sim.url, "http://127.0.0.1:", 17), 0);

	assert_int_equal(bw_sim_control(&sim, "GET", "/_sim/knobs", NULL, &reply), 200);
	assert_non_null(strstr(reply, "\"page_size\": 2"));
	free(reply);
	assert_int_equal(bw_sim_control(&sim, "POST", "/_sim/knobs", "{\"nope\": 1}", &reply), 400);
	free(reply);
	assert_int_equal(bw_sim_control(&sim, "POST", "/_sim/seed", "{\"accounts\": 3}", &reply), 200);
	assert_non_null(strstr(reply, "\"accounts\": ["));
	free(reply);
	assert_int_equal(bw_sim_log_count(&sim, NULL), 0);
	assert_int_equal(bw_sim_log_count(&sim, "operation", "CreateAccount", NULL), 0);

	assert_int_equal(bw_sim_setenv(&sim), 0);
	assert_string_equal(getenv("AWS_ENDPOINT_URL"), sim.url);
	assert_string_equal(getenv("AWS_CONFIG_FILE"), sim.config_path);
	assert_int_equal(stat(sim.config_path, &st), 0);
	assert_int_equal(st.st_size, 0);

	pid = sim.pid;
	bw_sim_stop(&sim);
	assert_int_equal(sim.pid, 0);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_not_equal(stat(sim.config_path, &st), 0);
	bw_sim_stop(&sim);	/* twice is fine */
}

static void test_strict_credentials(void **state)
{
	struct bw_sim sim;
	const char *args[] = { "--strict", NULL };
	char *reply = NULL;

	(void)state;
	assert_int_equal(bw_sim_start(&sim, args, 30), 0);
	assert_true(sim.strict);
	assert_int_equal(strncmp(sim.access_key_id, "AKIA", 4), 0);
	assert_int_equal((int)strlen(sim.secret_access_key), 40);
	assert_int_equal(strncmp(sim.noperm_access_key_id, "AKIA", 4), 0);
	assert_string_not_equal(sim.access_key_id, sim.noperm_access_key_id);
	assert_int_equal(bw_sim_control(&sim, "GET", "/_sim/health", NULL, &reply), 200);
	assert_non_null(strstr(reply, "\"strict\": true"));
	free(reply);
	bw_sim_stop(&sim);
	assert_string_equal(sim.secret_access_key, "");
	assert_int_equal(bw_sim_control(&sim, "GET", "/_sim/health", NULL, &reply), -1);
	assert_null(reply);
}

static void test_bad_option_fails_cleanly(void **state)
{
	struct bw_sim sim;
	const char *args[] = { "--no-such-option", NULL };

	(void)state;
	assert_int_equal(bw_sim_start(&sim, args, 30), -1);
	assert_int_equal(sim.pid, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_start_control_stop),
		cmocka_unit_test(test_strict_credentials),
		cmocka_unit_test(test_bad_option_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
