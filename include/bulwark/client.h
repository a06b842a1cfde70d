/*
 * client.h - a signed AWS API client for Organizations, IAM, STS and
 * Secrets Manager.
 *
 * bw_call takes the operation's input as a JSON object and returns its
 * output as JSON, whatever the wire protocol: JSON 1.1 bodies pass through;
 * Query requests are form-encoded from the JSON (lists as Name.member.N,
 * structures as Name.Key) and their XML responses are mapped back (the
 * <OpResult> element's children; <member> lists become arrays; IAM's
 * URL-encoded policy documents are decoded).  Errors come back in struct
 * bw_error with the AWS code, message and request id.
 *
 * A client is thread-safe.  Clients derived from one another share the
 * transport (connection pool), the retry state and rate limiters, and the
 * configuration; each has its own credentials.
 */
#ifndef BULWARK_CLIENT_H
#define BULWARK_CLIENT_H

#include <jansson.h>

#include "bulwark/config.h"
#include "bulwark/creds.h"
#include "bulwark/endpoint.h"
#include "bulwark/error.h"

struct bw_client;

struct bw_client_opts {
	long connect_timeout_ms;	/* 0: default */
	long timeout_ms;		/* 0: default */
	/* Override the configuration's retry settings when not user-set. */
	int default_max_attempts;	/* 0: keep */
	int default_adaptive;		/* 1: adaptive unless the user chose */
};

/*
 * A new client over cfg (borrowed: must outlive the client) using creds
 * (owned by the client from now on, also on failure; NULL sends unsigned
 * requests).  opts may be NULL.
 */
int bw_client_new(struct bw_client **out, const struct bw_config *cfg,
		  struct bw_creds *creds, const struct bw_client_opts *opts,
		  struct bw_error *err) BW_WARN_UNUSED;

/*
 * A client sharing parent's transport, retry state and configuration, with
 * its own creds (owned from now on, also on failure).  The parent must
 * outlive it.
 */
int bw_client_derive(struct bw_client **out, struct bw_client *parent,
		     struct bw_creds *creds, struct bw_error *err) BW_WARN_UNUSED;

/* A client with the credentials of role_arn assumed through parent's STS. */
int bw_client_assume_role(struct bw_client **out, struct bw_client *parent,
			  const struct bw_assume_role_opts *opts,
			  struct bw_error *err) BW_WARN_UNUSED;

void bw_client_free(struct bw_client *c);

const struct bw_config *bw_client_config(const struct bw_client *c);
struct bw_creds *bw_client_creds(struct bw_client *c);	/* borrowed, may be NULL */

/* Where svc is for this client (resolved once, cached).  Borrowed. */
const struct bw_endpoint *bw_client_endpoint(struct bw_client *c, enum bw_service svc,
					     struct bw_error *err);

/*
 * Call op of svc with input (borrowed JSON object, NULL for none).  *out is
 * a new reference to the output object (never NULL on success).  Retries
 * per the retry mode.  BW_ERR_AWS with err->aws_code for AWS errors,
 * BW_ERR_HTTP for transport failures after retries.
 */
int bw_call(json_t **out, struct bw_client *c, enum bw_service svc, const char *op,
	    const json_t *input, struct bw_error *err) BW_WARN_UNUSED;

/*
 * Call a paginated list operation until the last page and return one
 * object whose result_key array holds every item (new reference).  Handles
 * NextToken (JSON and STS/IAM-style) and Marker/IsTruncated (IAM).
 */
int bw_call_all(json_t **out, struct bw_client *c, enum bw_service svc, const char *op,
		const json_t *input, const char *result_key,
		struct bw_error *err) BW_WARN_UNUSED;

/* Counters for benchmarks and --debug: calls sent, retries, throttles. */
struct bw_client_stats {
	unsigned long calls;
	unsigned long attempts;
	unsigned long throttled;
	unsigned long retried;
};
void bw_client_stats(const struct bw_client *c, struct bw_client_stats *out);

#endif
