/*
 * test_engine.c - the engine against the simulator, through its API: the
 * plan's order and contents on a fresh organization, an apply that leaves
 * nothing to do, no mutating call from reading, and what a second engine
 * reads back.  The command line and its output are the integration
 * tests' (tests/integration/01*-bootstrap-*.sh).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bulwark/client.h"
#include "bulwark/engine.h"
#include "bulwark/spec.h"
#include "support/sim.h"

#define SPEC "tests/integration/bootstrap/org.yaml"

struct fx {
	struct bw_sim sim;
	struct bw_config *cfg;
	struct bw_client *c;
	struct bw_spec *spec;
};

static int setup(void **state)
{
	static const char *const args[] = { "--page-size", "2", NULL };
	struct bw_client_opts opts = { .default_adaptive = 1, .default_max_attempts = 10 };
	struct bw_config_opts co = { 0 };
	struct bw_creds *creds = NULL;
	struct bw_error err = { 0 };
	struct fx *f = calloc(1, sizeof(*f));

	if (bw_sim_start(&f->sim, args, 60) || bw_sim_setenv(&f->sim))
		fail_msg("cannot start the simulator");
	if (bw_config_load(&f->cfg, &co, &err) || bw_creds_default_chain(&creds, f->cfg, &err) ||
	    bw_client_new(&f->c, f->cfg, creds, &opts, &err))
		fail_msg("client: %s", err.message);
	if (bw_spec_load(&f->spec, SPEC, NULL, &err))
		fail_msg("spec: %s", err.message);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bw_spec_free(f->spec);
	bw_client_free(f->c);
	bw_config_free(f->cfg);
	bw_sim_stop(&f->sim);
	free(f);
	return 0;
}

static const struct bw_change *find(const struct bw_plan *p, enum bw_change_kind kind,
				    const char *what)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->changes[i].kind == kind && strstr(p->changes[i].what, what))
			return &p->changes[i];
	return NULL;
}

static void fresh_organization(void **state)
{
	struct fx *f = *state;
	struct bw_engine_opts eo = { .parallel = 4, .poll_ms = 100, .assume_timeout_ms = 20000 };
	struct bw_engine *e = NULL;
	const struct bw_plan *p;
	struct bw_apply_summary sum;
	struct bw_error err = { 0 };
	const struct bw_change *org, *wl, *prod, *acct, *attach, *role;
	struct bw_buf failures = BW_BUF_INIT;

	assert_int_equal(bw_engine_new(&e, f->c, NULL, f->spec, &eo, &err), 0);
	if (bw_engine_read(e, &err))
		fail_msg("read: %s", err.message);
	assert_int_equal(bw_engine_plan(e, &p, &err), 0);
	assert_int_equal(bw_sim_log_count(&f->sim, "mutating", "true", NULL), 0);

	/* Everything is to create, in an order apply can follow. */
	assert_true(p->n_create > 30);
	assert_int_equal(p->n_update + p->n_remove + p->n_problems, 0);
	org = find(p, BW_CH_ORG_CREATE, "organization");
	wl = find(p, BW_CH_UNIT_CREATE, "'Workloads'");
	prod = find(p, BW_CH_UNIT_CREATE, "'Workloads/Prod'");
	acct = find(p, BW_CH_ACCOUNT_CREATE, "'it-prod'");
	attach = find(p, BW_CH_SCP_ATTACH, "to account 'it-shared'");
	role = find(p, BW_CH_ROLE_CREATE, "'it-auditor'");
	assert_non_null(org);
	assert_non_null(wl);
	assert_non_null(prod);
	assert_non_null(acct);
	assert_non_null(attach);
	assert_non_null(role);
	assert_true(org < wl && wl < prod && prod < acct && acct < attach && attach < role);
	assert_true(wl->stage < prod->stage && acct->stage < attach->stage);
	assert_string_equal(role->account, "it-dev");
	for (size_t i = 1; i < p->n; i++)
		assert_true(p->changes[i - 1].stage <= p->changes[i].stage);

	if (bw_engine_apply(e, &sum, &err)) {
		bw_engine_failures(e, &failures);
		fail_msg("apply: %s\n%s", err.message, failures.ptr);
	}
	assert_int_equal(sum.failed, 0);
	assert_int_equal(sum.skipped, 0);
	assert_true(sum.done >= p->n_create);
	assert_int_equal(bw_sim_log_count(&f->sim, "operation", "CreateAccount", NULL), 3);
	bw_engine_free(e);

	/* A second engine finds nothing to do and changes nothing. */
	e = NULL;
	long before = bw_sim_log_count(&f->sim, "mutating", "true", NULL);
	assert_int_equal(bw_engine_new(&e, f->c, NULL, f->spec, &eo, &err), 0);
	if (bw_engine_read(e, &err))
		fail_msg("read: %s", err.message);
	assert_int_equal(bw_engine_plan(e, &p, &err), 0);
	assert_int_equal(bw_plan_count(p), 0);
	assert_int_equal(p->n_problems, 0);
	assert_int_equal(p->n_notes, 0);
	assert_int_equal(bw_engine_apply(e, &sum, &err), 0);
	assert_int_equal(sum.done, 0);
	assert_int_equal(bw_sim_log_count(&f->sim, "mutating", "true", NULL), before);
	assert_string_equal(bw_engine_management_account(e), "123456789012");
	bw_engine_free(e);
	bw_buf_release(&failures);
}

static void cancelled_before_start(void **state)
{
	struct fx *f = *state;
	static volatile sig_atomic_t cancel = 1;
	struct bw_engine_opts eo = { .cancel = &cancel };
	struct bw_engine *e = NULL;
	const struct bw_plan *p;
	struct bw_error err = { 0 };

	/* Ctrl-C before the accounts are read: no plan from a partial read. */
	assert_int_equal(bw_engine_new(&e, f->c, NULL, f->spec, &eo, &err), 0);
	assert_int_equal(bw_engine_plan(e, &p, &err), BW_ERR_INTERNAL);
	assert_int_equal(bw_engine_read(e, &err), BW_ERR_CANCELLED);
	assert_int_equal(bw_engine_plan(e, &p, &err), BW_ERR_INTERNAL);
	assert_int_equal(bw_sim_log_count(&f->sim, "mutating", "true", NULL), 0);
	bw_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_organization, setup, teardown),
		cmocka_unit_test_setup_teardown(cancelled_before_start, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
