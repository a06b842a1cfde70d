/*
 * http.h - the HTTP transport: libcurl with connection reuse.
 *
 * A struct bw_http is shared by every thread: each perform() takes a curl
 * easy handle from an internal pool (so connections are reused) and gives it
 * back.  TLS peer and host verification are always on; AWS_CA_BUNDLE or the
 * ca_bundle option names extra roots.  Only http and https are spoken, no
 * redirects are followed, and response bodies are capped.  Deciding whether
 * a plain-http URL is acceptable is the caller's job (bw_url_check).
 */
#ifndef BULWARK_HTTP_H
#define BULWARK_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "bulwark/buf.h"
#include "bulwark/error.h"
#include "bulwark/sigv4.h"

struct bw_http;

struct bw_http_opts {
	long connect_timeout_ms;	/* 0: 5000 */
	long timeout_ms;		/* whole request; 0: 60000 */
	size_t max_response;		/* body cap; 0: 16 MiB */
	const char *ca_bundle;		/* PEM file or NULL */
};

struct bw_http_request {
	const char *method;
	const char *url;
	const struct bw_header *headers;
	size_t n_headers;
	const void *body;
	size_t body_len;
	long timeout_ms;		/* 0: the transport's default */
};

struct bw_http_response {
	long status;
	struct bw_buf body;
	struct bw_http_header {
		char *name;		/* lowercase */
		char *value;
	} *headers;
	size_t n_headers;
};

/* Create a transport (calls curl_global_init once). */
int bw_http_new(struct bw_http **out, const struct bw_http_opts *opts,
		struct bw_error *err) BW_WARN_UNUSED;
void bw_http_free(struct bw_http *h);

void bw_http_response_init(struct bw_http_response *r);
void bw_http_response_release(struct bw_http_response *r);

/* First header named name (case-insensitive), or NULL.  Borrowed. */
const char *bw_http_response_header(const struct bw_http_response *r, const char *name);

/*
 * Perform req.  A response with any status is success (0); err gets
 * BW_ERR_HTTP with curl_code set for transport failures, BW_ERR_TOOBIG when
 * the body passes the cap.  resp must be initialised and is reset first.
 */
int bw_http_perform(struct bw_http *h, const struct bw_http_request *req,
		    struct bw_http_response *resp, struct bw_error *err) BW_WARN_UNUSED;

/* True if url's host is a loopback address or "localhost". */
bool bw_url_is_loopback(const char *url);

/*
 * Accept url as an AWS endpoint: https, or http to a loopback host.
 * BW_ERR_INVALID with a message naming the URL and the fix otherwise.
 */
int bw_url_check(const char *url, struct bw_error *err) BW_WARN_UNUSED;

#endif
