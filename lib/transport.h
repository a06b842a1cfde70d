/*
 * transport.h - private hooks of the retry and client modules, for the
 * unit tests and for lib/ itself.  Not part of the public API; it includes
 * no lib/ header so tests can use it next to cmocka.
 */
#ifndef BULWARK_TRANSPORT_H
#define BULWARK_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

struct bw_retry;

/* Make the backoff jitter reproducible. */
void bw_retry__seed(struct bw_retry *r, uint64_t seed);

/*
 * Replace the monotonic clock of the adaptive limiters (seconds) with
 * now(ctx); NULL restores the real clock.
 */
void bw_retry__set_clock(struct bw_retry *r, double (*now)(void *ctx), void *ctx);

/*
 * Replace what bw_sleep_ms does, process-wide (NULL restores nanosleep).
 * Tests use it to record backoff delays instead of waiting them out.
 */
void bw_retry__set_sleep(void (*fn)(long ms));

/* Tokens left in the retry quota. */
unsigned bw_retry__quota(struct bw_retry *r);

/* A snapshot of service's adaptive rate limiter. */
struct bw_retry__limiter_info {
	bool enabled;		/* a throttle was seen: sends now wait for tokens */
	double fill_rate;	/* tokens per second */
	double max_capacity;
	double capacity;	/* tokens available */
	double measured_rate;	/* smoothed send rate */
	double last_max_rate;	/* CUBIC w_max */
};
void bw_retry__limiter(struct bw_retry *r, const char *service,
		       struct bw_retry__limiter_info *out);

/* The backoff after failed attempt number `attempt` (1-based), in ms. */
long bw_retry__backoff_ms(struct bw_retry *r, int attempt);

#endif
