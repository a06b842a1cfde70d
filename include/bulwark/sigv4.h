/*
 * sigv4.h - AWS Signature Version 4 for requests (header signing) and
 * presigned URLs (query signing).
 *
 * The signer is pure: it takes the request and the credentials and returns
 * the canonical request, the string to sign, the signature and what must be
 * added to the request.  It does no I/O.  Derived signing keys are kept in
 * a small thread-safe cache keyed by (secret, date, region, service); the
 * cache wipes every key with OPENSSL_cleanse before it is released.
 */
#ifndef BULWARK_SIGV4_H
#define BULWARK_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "bulwark/buf.h"
#include "bulwark/error.h"

struct bw_header {
	const char *name;	/* borrowed */
	const char *value;	/* borrowed */
};

struct bw_sigv4_request {
	const char *method;		/* "POST" */
	const char *path;		/* raw path as on the wire, e.g. "/" */
	const char *query;		/* raw query without '?', or NULL */
	const struct bw_header *headers;	/* must include Host */
	size_t n_headers;
	const void *body;		/* may be NULL when body_len is 0 */
	size_t body_len;
};

struct bw_sigv4_key {
	const char *access_key_id;	/* borrowed */
	const char *secret_access_key;	/* borrowed, never copied in clear */
	const char *session_token;	/* borrowed, NULL if none */
};

enum {
	BW_SIGV4_PRESIGN = 1 << 0,		/* query signing, not a header */
	BW_SIGV4_NORMALIZE_PATH = 1 << 1,	/* RFC 3986 dot-segment removal */
	BW_SIGV4_DOUBLE_ENCODE = 1 << 2,	/* encode the path once more (non-S3) */
	BW_SIGV4_CONTENT_SHA256 = 1 << 3,	/* add and sign x-amz-content-sha256 (header mode) */
	BW_SIGV4_OMIT_SESSION_TOKEN = 1 << 4,	/* add the token after signing */
};

/* What our four services use: normalize, double-encode, nothing else. */
#define BW_SIGV4_SERVICE_FLAGS (BW_SIGV4_NORMALIZE_PATH | BW_SIGV4_DOUBLE_ENCODE)

struct bw_sigv4_params {
	const char *region;	/* signing region, "us-east-1" */
	const char *service;	/* signing name, "iam" */
	time_t when;		/* request time, UTC seconds */
	unsigned flags;		/* BW_SIGV4_* */
	long expires;		/* presign only: X-Amz-Expires seconds */
};

/* Everything the signer produced.  Initialise with bw_sigv4_result_init. */
struct bw_sigv4_result {
	struct bw_buf canonical_request;
	struct bw_buf string_to_sign;
	char signature[65];		/* lowercase hex */
	char amz_date[17];		/* "20150830T123600Z" */
	char payload_hash[65];		/* hex SHA-256 of the body */
	/* Header mode: the value of the Authorization header. */
	struct bw_buf authorization;
	/*
	 * Header mode: headers the caller must add, in order (X-Amz-Date,
	 * then X-Amz-Security-Token and x-amz-content-sha256 as flags ask).
	 * Names and values point into the result, except the token's value,
	 * which is key->session_token itself (so no copy of it is made).
	 * A header the request already carries is not added again.
	 */
	struct bw_header add[3];
	size_t n_add;
	/* Presign mode: the full query string to send, X-Amz-Signature last. */
	struct bw_buf query;
};

void bw_sigv4_result_init(struct bw_sigv4_result *r);
void bw_sigv4_result_release(struct bw_sigv4_result *r);

/*
 * Sign req.  res must be initialised; it is filled on success and must be
 * released by the caller in every case.  Returns 0, BW_ERR_INVALID (bad
 * request: no Host header, bad percent-encoding), BW_ERR_NOMEM.
 *
 * res may be signed into again without a release in between: its buffers
 * are reused (and what may hold the token wiped first), which saves three
 * allocations per request.  An X-Amz-Date header in req is used as the
 * request time instead of p->when.  Header values may contain obs-fold
 * line breaks (LF followed by space or tab); any other control byte is
 * BW_ERR_INVALID.  Authorization, User-Agent, Expect, X-Amzn-Trace-Id and
 * the hop-by-hop headers (Connection, TE, Transfer-Encoding...) are never
 * signed, as in botocore, against which moto checks signatures.
 */
int bw_sigv4_sign(struct bw_sigv4_result *res, const struct bw_sigv4_request *req,
		  const struct bw_sigv4_key *key, const struct bw_sigv4_params *p,
		  struct bw_error *err) BW_WARN_UNUSED;

/*
 * Derive the signing key for (secret, yyyymmdd, region, service) into
 * out[32], through the process-wide cache.  Exposed for the benchmark and
 * tests.
 */
int bw_sigv4_signing_key(unsigned char out[32], const char *secret,
			 const char *date8, const char *region,
			 const char *service) BW_WARN_UNUSED;

/* Drop and wipe every cached signing key (tests, and at exit). */
void bw_sigv4_cache_clear(void);

/* Lowercase hex SHA-256 of data into out[65]. */
void bw_sha256_hex(char out[65], const void *data, size_t len);

/*
 * Percent-encode s as SigV4 wants (unreserved A-Z a-z 0-9 - . _ ~ kept,
 * everything else %XX uppercase); keep '/' when keep_slash.  Appends to b.
 */
int bw_uri_encode(struct bw_buf *b, const char *s, size_t len, int keep_slash) BW_WARN_UNUSED;

#endif
