/*
 * cli.h - what the command files share: the command table entry, the
 * global options every command accepts, lazily built configuration and
 * client, and the one way to report an error.  Only cmd/ prints.
 */
#ifndef BULWARK_CLI_H
#define BULWARK_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "bulwark/client.h"
#include "bulwark/config.h"
#include "bulwark/error.h"

/* Exit statuses, the same for every command. */
enum {
	BW_EXIT_OK = 0,
	BW_EXIT_FAIL = 1,	/* the operation failed */
	BW_EXIT_USAGE = 2,	/* usage or invalid input */
	BW_EXIT_DRIFT = 3,	/* findings or drift */
};

struct bw_cli {
	const char *profile;
	const char *region;
	const char *endpoint_url;
	int debug;
	int quiet;
	struct bw_config *cfg;
	struct bw_client *client;
};

enum { BW_CMD_CREDS = 1 << 0 };

struct bw_cmd {
	const char *name;
	int (*fn)(struct bw_cli *cli, int argc, char **argv);
	unsigned flags;
	const char *summary;	/* one line, lowercase, for `bulwark help` */
	const char *usage;	/* mirrors the man page SYNOPSIS, options after */
};

/* Long options every command accepts; append to a command's own array. */
#define BW_GLOBAL_LONGOPTS						\
	{ "profile", required_argument, NULL, 0x100 },			\
	{ "region", required_argument, NULL, 0x101 },			\
	{ "endpoint-url", required_argument, NULL, 0x102 },		\
	{ "debug", no_argument, NULL, 0x103 },				\
	{ "quiet", no_argument, NULL, 'q' }

/* Handle a global option returned by getopt_long; true if it was one. */
bool cli_global_opt(struct bw_cli *cli, int c, const char *arg);

/*
 * A whole number from environment variable name within [min, max], or dflt
 * when it is unset or empty.  A malformed or out-of-range value is printed
 * as an error naming the variable and returns BW_EXIT_USAGE.
 */
int cli_env_long(const char *name, long dflt, long min, long max, long *out);

/* Client options every command shares: BULWARK_HTTP_TIMEOUT (seconds). */
int cli_client_opts(struct bw_client_opts *opts);

/* The configuration and the default-chain client, built on first use. */
int cli_config(struct bw_cli *cli, const struct bw_config **out);
int cli_client(struct bw_cli *cli, struct bw_client **out);

/*
 * Print "bulwark: <formatted error>" to stderr and return the exit status
 * the error calls for (2 for invalid input, 1 otherwise).
 */
int cli_fail(const struct bw_error *err);

/* Print "bulwark: <msg>" and the command's usage, return BW_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

const struct bw_cmd *cli_find_command(const char *name);

/* The commands, one file each in cmd/. */
int cmd_help(struct bw_cli *cli, int argc, char **argv);
int cmd_whoami(struct bw_cli *cli, int argc, char **argv);
int cmd_api(struct bw_cli *cli, int argc, char **argv);
int cmd_bootstrap(struct bw_cli *cli, int argc, char **argv);

#endif
