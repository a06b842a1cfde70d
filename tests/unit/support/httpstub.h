/*
 * httpstub.h - a tiny scripted HTTP/1.1 server for unit tests.
 *
 * httpstub_start binds 127.0.0.1 on an ephemeral port and serves from a
 * background thread (one more thread per connection).  Each request gets
 * the next queued response, in arrival order; with the queue empty the
 * handler (if set) answers, else 500 "httpstub: no response queued".
 * Connections are kept alive (Content-Length framing) unless a response
 * says "Connection: close", so tests can assert connection reuse with
 * httpstub_connections.  Every request is recorded for assertions.
 *
 * Everything here is thread-safe.  Test code only: it aborts on allocation
 * failure rather than reporting it.
 */
#ifndef HTTPSTUB_H
#define HTTPSTUB_H

#include <stddef.h>

struct httpstub;

struct httpstub_header {
	char *name;		/* as received */
	char *value;		/* leading and trailing blanks removed */
};

struct httpstub_request {
	char *method;		/* "POST" */
	char *path;		/* request target as received, query included */
	struct httpstub_header *headers;
	size_t n_headers;
	char *body;		/* NUL-terminated (body_len excludes the NUL) */
	size_t body_len;
	unsigned conn;		/* 1-based number of the connection it came on */
};

/*
 * What to answer.  headers is "Name: value" lines separated by "\n" (or
 * NULL); Content-Length is added unless headers has one.  body may hold
 * NULs when body_len is set; body_len 0 means strlen(body).
 */
struct httpstub_response {
	int status;
	const char *headers;
	const char *body;
	size_t body_len;
	long delay_ms;		/* sleep before answering */
	int close;		/* close the connection without answering */
};

/*
 * A handler answers requests when the queue is empty.  It fills *resp;
 * the strings it points to must stay valid until the next handler call or
 * httpstub_stop (static strings or ctx-owned storage).  Runs on a server
 * thread, possibly several at once.
 */
typedef void (*httpstub_handler)(void *ctx, const struct httpstub_request *req,
				 struct httpstub_response *resp);

/* Start a server; returns 0, or -1 with errno set. */
int httpstub_start(struct httpstub **out);
/* Stop it: close every connection, join every thread, free everything (NULL ok). */
void httpstub_stop(struct httpstub *s);

/* "http://127.0.0.1:PORT" (no trailing slash), borrowed. */
const char *httpstub_url(const struct httpstub *s);
int httpstub_port(const struct httpstub *s);

/* Queue a response (strings are copied). */
void httpstub_push(struct httpstub *s, const struct httpstub_response *resp);
/* Shorthands: status with headers (NULL ok) and body (NULL: empty). */
void httpstub_respond(struct httpstub *s, int status, const char *headers, const char *body);
/* The same after sleeping delay_ms. */
void httpstub_respond_delay(struct httpstub *s, long delay_ms, int status,
			    const char *headers, const char *body);
/* Read the request, then close the connection without a word. */
void httpstub_close_next(struct httpstub *s);

void httpstub_set_handler(struct httpstub *s, httpstub_handler fn, void *ctx);

/* Responses still queued. */
size_t httpstub_pending(struct httpstub *s);

/* Requests received so far, and connections accepted so far. */
size_t httpstub_n_requests(struct httpstub *s);
unsigned httpstub_connections(struct httpstub *s);

/*
 * Request i (0-based, arrival order), borrowed until httpstub_stop or
 * httpstub_clear; NULL if there is no such request yet.
 */
const struct httpstub_request *httpstub_request(struct httpstub *s, size_t i);
/* First header named name (case-insensitive) of req, or NULL.  Borrowed. */
const char *httpstub_header(const struct httpstub_request *req, const char *name);

/* Forget recorded requests and queued responses (connections stay). */
void httpstub_clear(struct httpstub *s);

#endif
