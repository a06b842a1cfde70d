/*
 * retry.h - retries as the AWS SDKs' standard and adaptive modes.
 *
 * One struct bw_retry is shared by all threads of a client family.  It
 * holds the retry quota (standard mode: 500 tokens, 5 per retry, 10 per
 * timeout, 1 back per success), the clock-skew offset learnt from response
 * Date headers, and in adaptive mode one client-side rate limiter (CUBIC
 * token bucket) per service.  Delays are full-jitter exponential backoff,
 * capped at 20 s.
 */
#ifndef BULWARK_RETRY_H
#define BULWARK_RETRY_H

#include <stdbool.h>
#include <time.h>

#include "bulwark/error.h"

enum bw_retry_mode {
	BW_RETRY_STANDARD,
	BW_RETRY_ADAPTIVE,
};

enum bw_retry_class {
	BW_RETRY_NO,		/* not retryable */
	BW_RETRY_THROTTLE,	/* throttling error code */
	BW_RETRY_TRANSIENT,	/* 5xx, transient codes, connection errors */
	BW_RETRY_TIMEOUT,	/* transport timeout */
	BW_RETRY_CLOCK_SKEW,	/* signature expired: retry with corrected clock */
};

struct bw_retry;

/* max_attempts >= 1 counts the first try. */
int bw_retry_new(struct bw_retry **out, enum bw_retry_mode mode, int max_attempts,
		 struct bw_error *err) BW_WARN_UNUSED;
void bw_retry_free(struct bw_retry *r);

enum bw_retry_mode bw_retry_mode(const struct bw_retry *r);
int bw_retry_max_attempts(const struct bw_retry *r);

/* Parse "standard"/"adaptive" ("legacy" maps to standard). */
int bw_retry_mode_parse(enum bw_retry_mode *out, const char *s, struct bw_error *err) BW_WARN_UNUSED;

/*
 * Classify an outcome.  aws_code may be NULL or ""; curl_code is 0 when an
 * HTTP response arrived; curl_timeout says the transport timed out.
 */
enum bw_retry_class bw_retry_classify(long http_status, const char *aws_code,
				      int curl_code, bool curl_timeout);

/* Whether aws_code is one of the SDKs' throttling codes. */
bool bw_retry_is_throttle_code(const char *aws_code);

/*
 * Before each attempt: in adaptive mode, wait for a token of service's
 * rate limiter.  Standard mode returns at once.
 */
void bw_retry_before_attempt(struct bw_retry *r, const char *service);

/*
 * After a failed attempt number `attempt` (1-based): decide whether to try
 * again.  On true, *delay_ms is how long to sleep first and *cost what was
 * taken from the quota (to give back on a later success).
 */
bool bw_retry_after_failure(struct bw_retry *r, const char *service, int attempt,
			    enum bw_retry_class cls, unsigned *cost, long *delay_ms);

/* After a successful attempt; cost is what the retries of this call took. */
void bw_retry_after_success(struct bw_retry *r, const char *service, unsigned cost);

/* Record the server's Date header ("Tue, 15 Nov 1994 08:12:31 GMT"). */
void bw_retry_note_server_date(struct bw_retry *r, const char *date_header);

/* Now, corrected by the learnt clock skew: what requests are signed with. */
time_t bw_retry_now(const struct bw_retry *r);

/* Sleep ms milliseconds (interruptible by nothing; tests may stub). */
void bw_sleep_ms(long ms);

#endif
