/*
 * main.c - bulwark's entry point: global options, the command table that
 * drives dispatch, help and usage, the log callback, and the lazily built
 * configuration and client the commands share.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bulwark/buf.h"
#include "bulwark/log.h"
#include "bulwark/sigv4.h"
#include "cli.h"

static const struct bw_cmd commands[] = {
	{ "bootstrap", cmd_bootstrap, BW_CMD_CREDS,
	  "converge the organization to its spec",
	  "bulwark bootstrap [--plan] [-y | --yes] [--prune] [--spec FILE]\n"
	  "                         [-j N | --parallel N] [--no-progress]" },
	{ "whoami", cmd_whoami, BW_CMD_CREDS,
	  "show the caller's identity, credentials source and endpoints",
	  "bulwark whoami [--json]" },
	{ "api", cmd_api, BW_CMD_CREDS,
	  "call any operation of organizations, iam, sts or secretsmanager",
	  "bulwark api SERVICE OPERATION [--input JSON | --input @FILE] [--all KEY]" },
	{ "help", cmd_help, 0,
	  "show help for bulwark or one command",
	  "bulwark help [COMMAND]" },
};

static const char global_usage[] =
	"usage: bulwark [--profile NAME] [--region REGION] [--endpoint-url URL]\n"
	"               [--debug] [--quiet] COMMAND [ARGS]\n"
	"       bulwark --version\n";

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_to_stderr(void *ctx, enum bw_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	(void)ctx;
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "bulwark: %s: %s\n", names[level], msg);
	pthread_mutex_unlock(&log_lock);
}

const struct bw_cmd *cli_find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

bool cli_global_opt(struct bw_cli *cli, int c, const char *arg)
{
	switch (c) {
	case 0x100: cli->profile = arg; return true;
	case 0x101: cli->region = arg; return true;
	case 0x102: cli->endpoint_url = arg; return true;
	case 0x103:
		cli->debug = 1;
		bw_log_set(log_to_stderr, NULL, BW_LOG_DEBUG);
		return true;
	case 'q':
		cli->quiet = 1;
		if (!cli->debug)
			bw_log_set(log_to_stderr, NULL, BW_LOG_ERROR);
		return true;
	}
	return false;
}

int cli_fail(const struct bw_error *err)
{
	char msg[2048];

	bw_error_format(msg, sizeof(msg), err);
	fprintf(stderr, "bulwark: %s\n", msg);
	return bw_error_exit_status(err);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	const struct bw_cmd *c = cmd ? cli_find_command(cmd) : NULL;
	va_list ap;

	fputs("bulwark: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c)
		fprintf(stderr, "usage: %s\n", c->usage);
	else
		fputs(global_usage, stderr);
	return BW_EXIT_USAGE;
}

int cli_config(struct bw_cli *cli, const struct bw_config **out)
{
	struct bw_config_opts opts = { cli->profile, cli->region, cli->endpoint_url };
	struct bw_error err = { 0 };

	if (!cli->cfg && bw_config_load(&cli->cfg, &opts, &err))
		return cli_fail(&err);
	*out = cli->cfg;
	return 0;
}

int cli_env_long(const char *name, long dflt, long min, long max, long *out)
{
	const char *v = getenv(name);
	char *end;
	long n;

	*out = dflt;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || end == v || n < min || n > max) {
		fprintf(stderr, "bulwark: %s must be a whole number from %ld to %ld, not '%s'\n",
			name, min, max, v);
		return BW_EXIT_USAGE;
	}
	*out = n;
	return 0;
}

int cli_client_opts(struct bw_client_opts *opts)
{
	long secs;
	int rc;

	if ((rc = cli_env_long("BULWARK_HTTP_TIMEOUT", 60, 1, 3600, &secs)))
		return rc;
	opts->timeout_ms = secs * 1000;
	return 0;
}

int cli_client(struct bw_cli *cli, struct bw_client **out)
{
	struct bw_client_opts opts = { 0 };
	const struct bw_config *cfg;
	struct bw_creds *creds = NULL;
	struct bw_error err = { 0 };
	int rc;

	if (cli->client) {
		*out = cli->client;
		return 0;
	}
	if ((rc = cli_client_opts(&opts)) || (rc = cli_config(cli, &cfg)))
		return rc;
	if (bw_creds_default_chain(&creds, cfg, &err) ||
	    bw_client_new(&cli->client, cfg, creds, &opts, &err))
		return cli_fail(&err);
	*out = cli->client;
	return 0;
}

static void print_command_list(FILE *f)
{
	fputs("\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nSee 'bulwark help COMMAND' and bulwark(1).\n", f);
}

int cmd_help(struct bw_cli *cli, int argc, char **argv)
{
	const struct bw_cmd *c;

	(void)cli;
	if (argc < 2) {
		fputs(global_usage, stdout);
		print_command_list(stdout);
		return BW_EXIT_OK;
	}
	if (argc > 2)
		return cli_usage_error("help", "too many arguments");
	c = cli_find_command(argv[1]);
	if (!c)
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	printf("usage: %s\n\n%s.\n\nSee bulwark-%s(1) for the details, or bulwark(1).\n",
	       c->usage, c->summary, c->name);
	return BW_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		BW_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct bw_cli cli = { 0 };
	const struct bw_cmd *cmd;
	int c, rc;

	bw_secure_alloc_init();	/* jansson wipes what it frees, from the start */
	bw_log_set(log_to_stderr, NULL, BW_LOG_WARN);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hqV", longopts, NULL)) != -1) {
		if (cli_global_opt(&cli, c, optarg))
			continue;
		switch (c) {
		case 'V':
			printf("bulwark %s\n", BW_VERSION);
			return BW_EXIT_OK;
		case 'h':
			return cmd_help(&cli, 1, argv);
		default:
			return cli_usage_error(NULL, "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		fputs(global_usage, stderr);
		print_command_list(stderr);
		return BW_EXIT_USAGE;
	}
	cmd = cli_find_command(argv[optind]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'; see 'bulwark help'",
				       argv[optind]);

	argc -= optind;
	argv += optind;
	optind = 0;	/* reset getopt (GNU: 0 re-initialises) for the command */
	rc = cmd->fn(&cli, argc, argv);

	bw_client_free(cli.client);
	bw_config_free(cli.cfg);
	bw_sigv4_cache_clear();
	curl_global_cleanup();
	return rc;
}
