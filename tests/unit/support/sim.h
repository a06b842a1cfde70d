/*
 * sim.h - start and stop the AWS simulator (tests/sim/run) from a C test.
 *
 * The server runs as a child process on a free loopback port, in a private
 * temporary directory that holds its port file, request log, strict-mode
 * credentials and empty AWS config files.  It dies with the test process
 * (PR_SET_PDEATHSIG), so a crashed test never leaves it behind; tests still
 * call bw_sim_stop().  Run tests from the repository root, or set
 * BW_SIM_RUN to the path of tests/sim/run.
 */
#ifndef BULWARK_TEST_SIM_H
#define BULWARK_TEST_SIM_H

#include <sys/types.h>

struct bw_sim {
	pid_t pid;			/* server process; 0 when not running */
	int port;
	int strict;			/* started with --strict */
	char url[64];			/* "http://127.0.0.1:PORT" */
	char dir[256];			/* private directory, removed by stop */
	char log_path[320];		/* JSON lines, one per AWS call */
	char config_path[320];		/* empty AWS_CONFIG_FILE */
	char credentials_path[320];	/* empty AWS_SHARED_CREDENTIALS_FILE */
	/* Strict mode: the management account's admin user and a user with
	 * no permissions; plain mode: "testing"/"testing" and empty. */
	char access_key_id[128];
	char secret_access_key[128];
	char noperm_access_key_id[128];
	char noperm_secret_access_key[128];
};

/*
 * Start the simulator.  args is a NULL-terminated list of extra options for
 * tests/sim/run (e.g. { "--strict", "--page-size", "2", NULL }); NULL for
 * none.  Waits up to timeout_s seconds for the server to answer.  Returns 0,
 * or -1 after printing why on stderr (sim is then stopped and reusable).
 */
int bw_sim_start(struct bw_sim *sim, const char *const *args, int timeout_s);

/*
 * Stop the server (SIGTERM, then SIGKILL after 5 s), reap it, remove its
 * directory unless BW_SIM_KEEP is set, and wipe the credentials.  Safe to
 * call twice or on a sim that never started (zeroed).
 */
void bw_sim_stop(struct bw_sim *sim);

/*
 * Point the process environment at the simulator: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_REGION,
 * AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE; unsets AWS_PROFILE and
 * AWS_SESSION_TOKEN.  Returns 0 or -1 (errno from setenv).
 */
int bw_sim_setenv(const struct bw_sim *sim);

/*
 * Call the control endpoint: method "GET" or "POST", path such as
 * "/_sim/knobs", body JSON or NULL.  On success *reply (if reply is not
 * NULL) is a malloc'd NUL-terminated body the caller frees.  Returns the
 * HTTP status, or -1 when the server could not be reached.
 */
int bw_sim_control(const struct bw_sim *sim, const char *method, const char *path,
		   const char *body, char **reply);

/*
 * Count request-log lines whose fields match: pairs of field name and
 * expected text (numbers, true/false and null compare as JSON text, e.g.
 * "status", "400"), ended by NULL.  Returns the count, or -1 if the log
 * cannot be read.
 *	bw_sim_log_count(&sim, "operation", "CreateAccount", "status", "200", NULL);
 */
long bw_sim_log_count(const struct bw_sim *sim, ...) __attribute__((sentinel));

#endif
