/*
 * api.c - `bulwark api SERVICE OPERATION`: one signed call to any operation
 * of the four services, input and output as JSON.  It is how users and the
 * tests poke AWS directly.  Secret fields never reach the terminal: output
 * is redacted, and a secret given inline on the command line (where every
 * local user can read it) is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "bulwark/buf.h"
#include "bulwark/redact.h"
#include "cli.h"

#define INPUT_MAX ((size_t)1 << 20)

/*
 * Read all of fd into b (capped at INPUT_MAX).  read(2), not stdio: the
 * input may hold a secret value, and only our own buffer can be wiped.
 */
static int read_all(struct bw_buf *b, int fd)
{
	char chunk[4096];
	ssize_t n;
	int rc = 0;

	while (!rc && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		rc = bw_buf_add(b, chunk, (size_t)n);
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return rc;
}

/*
 * Parse --input: inline JSON, @FILE or @- (standard input).  On error print
 * it and return BW_EXIT_USAGE.
 */
static int load_input(json_t **out, const char *arg)
{
	struct bw_buf text;
	json_error_t jerr;
	const char *what = "--input";
	json_t *v;

	bw_buf_init(&text, INPUT_MAX);
	if (arg[0] == '@') {
		int fd = strcmp(arg, "@-") ? open(arg + 1, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		int rc;

		if (fd < 0) {
			fprintf(stderr, "bulwark: cannot read input file '%s': %s\n",
				arg + 1, strerror(errno));
			return BW_EXIT_USAGE;
		}
		what = fd == STDIN_FILENO ? "standard input" : arg + 1;
		rc = read_all(&text, fd);
		if (fd != STDIN_FILENO)
			close(fd);
		if (rc) {
			bw_buf_release_secure(&text);
			fprintf(stderr, "bulwark: cannot read %s: %s\n", what,
				rc == BW_ERR_TOOBIG ? "larger than 1 MiB" : strerror(errno));
			return BW_EXIT_USAGE;
		}
		v = json_loadb(text.ptr, text.len, JSON_REJECT_DUPLICATES, &jerr);
		bw_buf_release_secure(&text);
	} else {
		v = json_loads(arg, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (!v) {
		/* Not jerr.text: jansson may quote the input, which may be a secret. */
		fprintf(stderr, "bulwark: invalid JSON in %s at line %d, column %d; the input "
			"must be one JSON object\n", what, jerr.line, jerr.column);
		OPENSSL_cleanse(&jerr, sizeof(jerr));
		return BW_EXIT_USAGE;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		fprintf(stderr, "bulwark: %s must be a JSON object, like '{\"MaxResults\": 10}'\n",
			what);
		return BW_EXIT_USAGE;
	}
	if (arg[0] != '@' && bw_json_has_secret(v)) {
		json_decref(v);
		fprintf(stderr, "bulwark: refusing a secret value on the command line, where "
			"other local users can read it; pass the input with --input @FILE "
			"or --input @- (standard input)\n");
		return BW_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

int cmd_api(struct bw_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "all", required_argument, NULL, 'a' },
		BW_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const struct bw_service_info *svc;
	struct bw_error err = { 0 };
	struct bw_client *client;
	const char *input_arg = NULL, *all_key = NULL, *op;
	json_t *input = NULL, *output = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "i:a:q", longopts, NULL)) != -1) {
		if (cli_global_opt(cli, c, optarg))
			continue;
		switch (c) {
		case 'i': input_arg = optarg; break;
		case 'a': all_key = optarg; break;
		default:
			return cli_usage_error("api", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("api", "expected SERVICE and OPERATION");
	svc = bw_service_lookup(argv[optind]);
	if (!svc)
		return cli_usage_error("api", "unknown service '%s'; use organizations, iam, "
				       "sts or secretsmanager", argv[optind]);
	op = argv[optind + 1];
	for (const char *p = op; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')) || p - op > 64)
			return cli_usage_error("api", "invalid operation name '%s'; operations "
					       "are names like ListAccounts", op);
	if (op[0] < 'A' || op[0] > 'Z')
		return cli_usage_error("api", "invalid operation name '%s'; operations "
				       "start with a capital letter, like ListAccounts", op);
	if (input_arg && (rc = load_input(&input, input_arg)))
		return rc;
	if ((rc = cli_client(cli, &client))) {
		json_decref(input);
		return rc;
	}

	if (all_key)
		rc = bw_call_all(&output, client, svc->id, op, input, all_key, &err);
	else
		rc = bw_call(&output, client, svc->id, op, input, &err);
	json_decref(input);
	if (rc)
		return cli_fail(&err);

	bw_json_redact(output);
	json_dumpf(output, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(output);
	return BW_EXIT_OK;
}
