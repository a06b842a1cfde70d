/*
 * error.h - the one error type of bulwark.
 *
 * Every fallible function returns 0 or a negative enum bw_err and takes a
 * caller-owned struct bw_error * as its last argument (NULL allowed).  The
 * struct carries what a user needs to act: our code, the HTTP status, the
 * curl code, the AWS error code and message, and the request id.  There is
 * no thread-local "last error", so parallel work stays safe.
 */
#ifndef BULWARK_ERROR_H
#define BULWARK_ERROR_H

#include <stddef.h>

#define BW_WARN_UNUSED __attribute__((warn_unused_result))

enum bw_err {
	BW_OK = 0,
	BW_ERR_NOMEM = -1,	/* allocation failed */
	BW_ERR_INVALID = -2,	/* bad user input or configuration: exit 2 */
	BW_ERR_IO = -3,		/* local file or process failure */
	BW_ERR_HTTP = -4,	/* transport failure (DNS, TLS, reset, timeout) */
	BW_ERR_AWS = -5,	/* AWS answered with an error */
	BW_ERR_PARSE = -6,	/* a response we cannot understand */
	BW_ERR_CREDS = -7,	/* no usable credentials */
	BW_ERR_TOOBIG = -8,	/* a buffer or response cap was reached */
	BW_ERR_NOTFOUND = -9,	/* a looked-up thing does not exist */
	BW_ERR_TIMEOUT = -10,	/* a wait ran out (e.g. account creation) */
	BW_ERR_CANCELLED = -11,	/* interrupted by the user */
	BW_ERR_INTERNAL = -12,	/* a bug: an invariant did not hold */
};

struct bw_error {
	enum bw_err code;
	long http_status;		/* 0 if no HTTP response */
	int curl_code;			/* CURLcode, 0 if none */
	char service[32];		/* "organizations", "iam", ... or "" */
	char operation[64];		/* "CreateAccount" or "" */
	char aws_code[128];		/* "AccessDeniedException" or "" */
	char request_id[128];		/* x-amzn-RequestId or "" */
	char message[1024];		/* human readable, lowercase, no full stop */
};

/* Reset every field of err (NULL allowed). */
void bw_error_clear(struct bw_error *err);

/*
 * Record code and a printf-style message in err (NULL allowed) and return
 * code, so callers can write `return bw_error_set(err, BW_ERR_INVALID, ...)`.
 * Other fields are left as they are.
 */
int bw_error_set(struct bw_error *err, enum bw_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefix the message with "<context>: ", as git's die_errno callers do when
 * an error crosses a layer ("reading spec 'org.yaml': ...").
 */
void bw_error_prefix(struct bw_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A short static description of code ("out of memory"). */
const char *bw_strerror(enum bw_err code);

/*
 * Format err for a user into out (always NUL-terminated, truncated to n):
 *   "organizations CreateAccount: ConstraintViolationException: <msg> (request id <id>)"
 * Parts that are empty are left out.  Returns the length written.
 */
size_t bw_error_format(char *out, size_t n, const struct bw_error *err);

/* The process exit status for err: 2 for BW_ERR_INVALID, 1 otherwise. */
int bw_error_exit_status(const struct bw_error *err);

#endif
