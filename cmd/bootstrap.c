/*
 * bootstrap.c - `bulwark bootstrap`: load and check the spec, read the
 * live organization, show the plan, ask, apply, and report.  The engine
 * (lib/engine.c, diff.c, apply.c) does the work; this file owns the
 * terminal: the prompt, the progress line, Ctrl-C and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bulwark/creds.h"
#include "bulwark/engine.h"
#include "bulwark/spec.h"
#include "bulwark/state.h"
#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	static const char msg[] = "\nbulwark: interrupted: finishing the calls in flight "
				  "and saving the state (Ctrl-C again to stop at once)\n";

	if (interrupted) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted = 1;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		interrupted = 1;
}

struct progress {
	bool tty;
	bool quiet;
	size_t width;
	bool line_shown;
};

static void show_progress(void *ctx, const struct bw_progress *p)
{
	struct progress *pr = ctx;
	char line[256];

	if (pr->quiet)
		return;
	if (pr->tty) {
		snprintf(line, sizeof(line), "[%zu/%zu%s] %s%s%s", p->done, p->total,
			 p->failed ? ", some failed" : "", p->account ? p->account : "organization",
			 ": ", p->step ? p->step : "");
		if (strlen(line) > pr->width)
			line[pr->width] = '\0';
		fprintf(stderr, "\r\033[K%s", line);
		pr->line_shown = true;
	} else if (p->finished) {
		fprintf(stderr, "bulwark: [%zu/%zu] %s: %s\n", p->done, p->total,
			p->account ? p->account : "organization", p->step ? p->step : "");
	}
	fflush(stderr);
}

static void progress_clear(struct progress *pr)
{
	if (pr->tty && pr->line_shown)
		fputs("\r\033[K", stderr);
	pr->line_shown = false;
}

/* Columns for the status line, so it never wraps (which would break \r). */
static size_t terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return (size_t)ws.ws_col - 1 < 255 ? (size_t)ws.ws_col - 1 : 255;
	return 79;
}

/* Ask on the terminal; true only for "yes". */
static int confirm(bool *yes)
{
	char answer[16] = "";
	FILE *tty = fopen("/dev/tty", "r+");
	FILE *in = tty;

	*yes = false;
	if (!tty) {
		if (!isatty(STDIN_FILENO))
			return -1;
		in = stdin;
	}
	fputs("\nApply these changes?  Only 'yes' is accepted: ", tty ? tty : stderr);
	fflush(tty ? tty : stderr);
	if (fgets(answer, sizeof(answer), in))
		*yes = !strcmp(answer, "yes\n") || !strcmp(answer, "yes");
	if (tty)
		fclose(tty);
	return 0;
}

static int print_spec_problems(const struct bw_spec_diag *d)
{
	struct bw_buf b = BW_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; !rc && i < d->n; i++)
		rc = bw_spec_problem_format(&b, &d->items[i]);
	fputs(b.ptr, stderr);
	bw_buf_release(&b);
	return rc;
}

/* The management client: adaptive retries, 10 attempts unless the user chose. */
static int make_clients(struct bw_cli *cli, struct bw_client **create_client)
{
	struct bw_client_opts opts = { .default_adaptive = 1, .default_max_attempts = 10 };
	struct bw_client_opts once = { .default_max_attempts = 1 };
	const struct bw_config *cfg;
	struct bw_creds *creds = NULL;
	struct bw_error err = { 0 };
	int rc;

	if ((rc = cli_client_opts(&opts)) || (rc = cli_client_opts(&once)) ||
	    (rc = cli_config(cli, &cfg)))
		return rc;
	if (!cli->client &&
	    (bw_creds_default_chain(&creds, cfg, &err) ||
	     bw_client_new(&cli->client, cfg, creds, &opts, &err)))
		return cli_fail(&err);
	/* CreateAccount is not idempotent: the engine re-checks instead of the client retrying. */
	creds = NULL;
	if (bw_creds_default_chain(&creds, cfg, &err) ||
	    bw_client_new(create_client, cfg, creds, &once, &err))
		return cli_fail(&err);
	return 0;
}

int cmd_bootstrap(struct bw_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "plan", no_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "prune", no_argument, NULL, 'P' },
		{ "spec", required_argument, NULL, 's' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, 'N' },
		BW_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct bw_spec_diag diags = BW_SPEC_DIAG_INIT;
	struct bw_engine_opts eo = { 0 };
	struct bw_apply_summary sum;
	struct progress pr = { 0 };
	struct bw_error err = { 0 };
	struct bw_client *create_client = NULL;
	struct bw_engine *engine = NULL;
	struct bw_state *state = NULL;
	struct bw_spec *spec = NULL;
	const struct bw_plan *plan;
	struct bw_buf out = BW_BUF_INIT;
	const char *spec_flag = NULL, *spec_path;
	char *state_path = NULL;
	bool plan_only = false, yes = false, no_progress = false, ok;
	struct sigaction sa, old_int, old_term;
	size_t read_failures, read_len;
	int c, rc = BW_EXIT_OK;
	long parallel = 0, knob;
	char *end;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+yqj:", longopts, NULL)) != -1) {
		if (cli_global_opt(cli, c, optarg))
			continue;
		switch (c) {
		case 'p': plan_only = true; break;
		case 'y': yes = true; break;
		case 'P': eo.prune = true; break;
		case 's': spec_flag = optarg; break;
		case 'N': no_progress = true; break;
		case 'j':
			errno = 0;
			parallel = strtol(optarg, &end, 10);
			if (errno || *end || parallel < 1 || parallel > 256)
				return cli_usage_error("bootstrap", "--parallel takes a number from "
						       "1 to 256, not '%s'", optarg);
			break;
		default:
			return cli_usage_error("bootstrap", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("bootstrap", "unexpected argument '%s'", argv[optind]);
	/* Knobs for waits (documented in bulwark-bootstrap(1)); tests shorten them. */
	if ((rc = cli_env_long("BULWARK_ASSUME_TIMEOUT", 120, 0, 86400, &knob)))
		return rc;
	eo.assume_timeout_ms = knob * 1000;
	if ((rc = cli_env_long("BULWARK_POLL_MS", 0, 0, 600000, &knob)))
		return rc;
	eo.poll_ms = knob;
	if ((rc = cli_env_long("BULWARK_CREATE_TIMEOUT", 1800, 0, 86400, &knob)))
		return rc;
	eo.create_timeout_ms = knob * 1000;

	/* The spec first, whole: every problem at once, before any call. */
	if (bw_spec_locate(&spec_path, NULL, spec_flag, &err))
		return cli_fail(&err);
	if (bw_spec_load(&spec, spec_path, &diags, &err)) {
		print_spec_problems(&diags);
		bw_spec_diag_release(&diags);
		return cli_fail(&err);
	}
	print_spec_problems(&diags);	/* warnings */
	bw_spec_diag_release(&diags);

	if (bw_state_path_for(&state_path, spec_path, &err) ||
	    bw_state_open(&state, state_path, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if ((rc = make_clients(cli, &create_client)))
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	pr.tty = isatty(STDERR_FILENO) && !no_progress;
	pr.quiet = cli->quiet;
	pr.width = terminal_width();
	eo.parallel = (int)parallel;
	eo.state = state;
	eo.cancel = &interrupted;
	/* Reading shows progress on a terminal only; plain lines are for apply. */
	eo.progress = pr.tty && !pr.quiet ? show_progress : NULL;
	eo.progress_ctx = &pr;

	if (bw_engine_new(&engine, cli->client, create_client, spec, &eo, &err) ||
	    bw_engine_read(engine, &err)) {
		progress_clear(&pr);
		rc = cli_fail(&err);
		if (interrupted)
			rc = 130;
		goto restore;
	}
	progress_clear(&pr);
	if (bw_engine_plan(engine, &plan, &err)) {
		rc = cli_fail(&err);
		goto restore;
	}
	if (bw_plan_format(&out, plan, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"))) {
		rc = BW_EXIT_FAIL;
		goto restore;
	}
	fputs(out.ptr, stdout);
	fflush(stdout);
	bw_buf_reset(&out);
	read_failures = bw_engine_failures(engine, &out);
	read_len = out.len;
	if (read_failures) {
		fprintf(stderr, "bulwark: %zu account%s could not be read:\n%s", read_failures,
			read_failures == 1 ? "" : "s", out.ptr);
		rc = BW_EXIT_FAIL;
	}
	bw_buf_reset(&out);
	if (plan_only) {
		if (!rc && bw_plan_count(plan))
			rc = BW_EXIT_DRIFT;
		goto restore;
	}
	if (!bw_plan_count(plan))
		goto restore;
	if (interrupted) {
		rc = 130;
		goto restore;
	}
	if (!yes) {
		if (confirm(&ok) < 0) {
			fprintf(stderr, "bulwark: not applying: no terminal to ask for "
				"confirmation; run with --yes to apply without asking\n");
			rc = BW_EXIT_USAGE;
			goto restore;
		}
		if (!ok) {
			fprintf(stderr, "bulwark: nothing applied\n");
			rc = BW_EXIT_FAIL;
			goto restore;
		}
	}
	if (!pr.tty && !no_progress && !cli->quiet)
		bw_engine_set_progress(engine, show_progress, &pr);
	err = (struct bw_error){ 0 };
	c = bw_engine_apply(engine, &sum, &err);
	progress_clear(&pr);
	bw_buf_reset(&out);
	/* The failures of the read were shown with the plan: only the new ones. */
	if (bw_engine_failures(engine, &out) > read_failures && out.len > read_len)
		fprintf(stderr, "\nbulwark: failures:\n%s", out.ptr + read_len);
	printf("\nApplied: %zu change%s made, %zu failed, %zu not started.\n", sum.done,
	       sum.done == 1 ? "" : "s", sum.failed, sum.skipped);
	if (c == BW_ERR_CANCELLED) {
		fprintf(stderr, "bulwark: %s\n", err.message);
		rc = 130;
	} else if (c) {
		if (err.code != BW_ERR_AWS || sum.failed == 0)
			cli_fail(&err);
		fprintf(stderr, "bulwark: run 'bulwark bootstrap' again to retry what failed; "
			"what succeeded is kept\n");
		rc = BW_EXIT_FAIL;
	} else if (rc == BW_EXIT_OK) {
		printf("The organization matches the spec.\n");
	}
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
out:
	bw_engine_free(engine);
	bw_client_free(create_client);
	bw_state_free(state);
	free(state_path);
	bw_spec_free(spec);
	bw_buf_release(&out);
	return rc;
}
