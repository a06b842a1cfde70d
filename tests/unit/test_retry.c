/*
 * test_retry.c - the retry policy: classification of codes, statuses and
 * transport errors, the retry quota's accounting, backoff bounds with a
 * seeded generator, clock-skew correction from Date headers, and the
 * adaptive limiter against numbers produced by botocore's own
 * ClientRateLimiter under the same fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "bulwark/retry.h"
#include "../../lib/transport.h"

static struct bw_retry *mk(enum bw_retry_mode mode, int attempts)
{
	struct bw_retry *r = NULL;

	assert_int_equal(bw_retry_new(&r, mode, attempts, NULL), 0);
	return r;
}

static void test_classify(void **state)
{
	static const char *const throttles[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
	};
	static const char *const skews[] = {
		"RequestTimeTooSkewed", "RequestExpired", "InvalidSignatureException",
		"SignatureDoesNotMatch", "AuthFailure", "RequestInTheFuture",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(throttles) / sizeof(throttles[0]); i++) {
		assert_true(bw_retry_is_throttle_code(throttles[i]));
		assert_int_equal(bw_retry_classify(400, throttles[i], 0, false), BW_RETRY_THROTTLE);
	}
	for (i = 0; i < sizeof(skews) / sizeof(skews[0]); i++)
		assert_int_equal(bw_retry_classify(403, skews[i], 0, false), BW_RETRY_CLOCK_SKEW);
	/* Organizations throttles with TooManyRequestsException and HTTP 400 */
	assert_int_equal(bw_retry_classify(400, "TooManyRequestsException", 0, false),
			 BW_RETRY_THROTTLE);
	assert_int_equal(bw_retry_classify(400, "RequestTimeout", 0, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(400, "RequestTimeoutException", 0, false),
			 BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(500, "InternalError", 0, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(400, "IDPCommunicationError", 0, false),
			 BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(500, NULL, 0, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(502, "", 0, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(503, "", 0, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(504, "", 0, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(501, "", 0, false), BW_RETRY_NO);
	assert_int_equal(bw_retry_classify(429, "", 0, false), BW_RETRY_NO);
	assert_int_equal(bw_retry_classify(400, "AccessDeniedException", 0, false), BW_RETRY_NO);
	assert_int_equal(bw_retry_classify(400, "throttling", 0, false), BW_RETRY_NO);
	assert_int_equal(bw_retry_classify(0, NULL, CURLE_COULDNT_CONNECT, false),
			 BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(0, NULL, CURLE_RECV_ERROR, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(0, NULL, CURLE_GOT_NOTHING, false), BW_RETRY_TRANSIENT);
	assert_int_equal(bw_retry_classify(0, NULL, CURLE_OPERATION_TIMEDOUT, false),
			 BW_RETRY_TIMEOUT);
	assert_int_equal(bw_retry_classify(0, NULL, 0, true), BW_RETRY_TIMEOUT);
	assert_int_equal(bw_retry_classify(0, NULL, CURLE_PEER_FAILED_VERIFICATION, false),
			 BW_RETRY_NO);
	assert_int_equal(bw_retry_classify(0, NULL, CURLE_UNSUPPORTED_PROTOCOL, false),
			 BW_RETRY_NO);
	assert_false(bw_retry_is_throttle_code(NULL));
	assert_false(bw_retry_is_throttle_code(""));
}

static void test_mode_parse(void **state)
{
	enum bw_retry_mode m;
	struct bw_error err = { 0 };
	struct bw_retry *r = NULL;

	(void)state;
	assert_int_equal(bw_retry_mode_parse(&m, "adaptive", NULL), 0);
	assert_int_equal(m, BW_RETRY_ADAPTIVE);
	assert_int_equal(bw_retry_mode_parse(&m, "standard", NULL), 0);
	assert_int_equal(m, BW_RETRY_STANDARD);
	assert_int_equal(bw_retry_mode_parse(&m, "legacy", NULL), 0);
	assert_int_equal(m, BW_RETRY_STANDARD);
	assert_int_equal(bw_retry_mode_parse(&m, "turbo", &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "'turbo'"));
	assert_int_equal(bw_retry_new(&r, BW_RETRY_STANDARD, 0, &err), BW_ERR_INVALID);
	assert_null(r);
}

static void test_quota(void **state)
{
	struct bw_retry *r = mk(BW_RETRY_STANDARD, 3);
	unsigned cost;
	long delay;
	int i;

	(void)state;
	assert_int_equal(bw_retry__quota(r), 500);
	assert_true(bw_retry_after_failure(r, "iam", 1, BW_RETRY_TRANSIENT, &cost, &delay));
	assert_int_equal(cost, 5);
	assert_int_equal(bw_retry__quota(r), 495);
	assert_true(bw_retry_after_failure(r, "iam", 2, BW_RETRY_TIMEOUT, &cost, &delay));
	assert_int_equal(cost, 10);
	assert_int_equal(bw_retry__quota(r), 485);
	assert_true(bw_retry_after_failure(r, "iam", 1, BW_RETRY_THROTTLE, &cost, &delay));
	assert_int_equal(cost, 5);
	assert_int_equal(bw_retry__quota(r), 480);
	/* max attempts reached: no retry, nothing taken */
	assert_false(bw_retry_after_failure(r, "iam", 3, BW_RETRY_TRANSIENT, &cost, &delay));
	assert_int_equal(cost, 0);
	assert_int_equal(bw_retry__quota(r), 480);
	/* not retryable: nothing taken */
	assert_false(bw_retry_after_failure(r, "iam", 1, BW_RETRY_NO, &cost, &delay));
	assert_int_equal(bw_retry__quota(r), 480);
	/* clock skew: at once and free */
	assert_true(bw_retry_after_failure(r, "iam", 1, BW_RETRY_CLOCK_SKEW, &cost, &delay));
	assert_int_equal(cost, 0);
	assert_int_equal(delay, 0);
	assert_int_equal(bw_retry__quota(r), 480);
	/* success gives back what the last retry took, or 1 */
	bw_retry_after_success(r, "iam", 10);
	assert_int_equal(bw_retry__quota(r), 490);
	bw_retry_after_success(r, "iam", 0);
	assert_int_equal(bw_retry__quota(r), 491);
	for (i = 0; i < 20; i++)
		bw_retry_after_success(r, "iam", 5);
	assert_int_equal(bw_retry__quota(r), 500);	/* never above the start */

	/* exhaustion: 100 retries of 5 empty it, the 101st is refused */
	for (i = 0; i < 100; i++)
		assert_true(bw_retry_after_failure(r, "iam", 1, BW_RETRY_TRANSIENT, &cost, &delay));
	assert_int_equal(bw_retry__quota(r), 0);
	assert_false(bw_retry_after_failure(r, "iam", 1, BW_RETRY_TRANSIENT, &cost, &delay));
	assert_false(bw_retry_after_failure(r, "iam", 1, BW_RETRY_THROTTLE, &cost, &delay));
	/* a clock-skew retry needs no quota */
	assert_true(bw_retry_after_failure(r, "iam", 1, BW_RETRY_CLOCK_SKEW, &cost, &delay));
	bw_retry_after_success(r, "iam", 5);
	assert_int_equal(bw_retry__quota(r), 5);
	/* 5 left: a timeout retry (10) does not fit, a normal one (5) does */
	assert_false(bw_retry_after_failure(r, "iam", 1, BW_RETRY_TIMEOUT, &cost, &delay));
	assert_true(bw_retry_after_failure(r, "iam", 1, BW_RETRY_TRANSIENT, &cost, &delay));
	bw_retry_free(r);
}

static void test_backoff_bounds(void **state)
{
	struct bw_retry *r = mk(BW_RETRY_STANDARD, 10), *r2 = mk(BW_RETRY_STANDARD, 10);
	int attempt, i;

	(void)state;
	bw_retry__seed(r, 42);
	for (attempt = 1; attempt <= 10; attempt++) {
		long cap = attempt >= 6 ? 20000 : 1000L << (attempt - 1);
		long lo = cap, hi = 0;
		double sum = 0;

		for (i = 0; i < 2000; i++) {
			long d = bw_retry__backoff_ms(r, attempt);

			assert_true(d >= 0 && d <= cap);
			lo = d < lo ? d : lo;
			hi = d > hi ? d : hi;
			sum += (double)d;
		}
		/* full jitter: spread over [0, cap], mean near cap/2 */
		assert_true(lo < cap / 20);
		assert_true(hi > cap - cap / 20);
		assert_true(sum / 2000 > cap * 0.4 && sum / 2000 < cap * 0.6);
	}
	/* the same seed gives the same delays */
	bw_retry__seed(r, 7);
	bw_retry__seed(r2, 7);
	for (i = 0; i < 50; i++)
		assert_int_equal(bw_retry__backoff_ms(r, 3), bw_retry__backoff_ms(r2, 3));
	bw_retry_free(r);
	bw_retry_free(r2);
}

static void http_date(char *out, size_t n, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void test_clock_skew(void **state)
{
	struct bw_retry *r = mk(BW_RETRY_STANDARD, 3);
	char d[64];
	time_t now = time(NULL);
	long off;

	(void)state;
	off = (long)(bw_retry_now(r) - time(NULL));
	assert_true(off >= -1 && off <= 1);
	/* a few seconds of difference leave the clock alone */
	http_date(d, sizeof(d), now + 20);
	bw_retry_note_server_date(r, d);
	off = (long)(bw_retry_now(r) - time(NULL));
	assert_true(off >= -1 && off <= 1);
	/* an hour ahead: our requests are signed an hour ahead */
	http_date(d, sizeof(d), now + 3600);
	bw_retry_note_server_date(r, d);
	off = (long)(bw_retry_now(r) - time(NULL));
	assert_true(off >= 3598 && off <= 3601);
	/* junk changes nothing */
	bw_retry_note_server_date(r, "yesterday-ish");
	bw_retry_note_server_date(r, "");
	bw_retry_note_server_date(r, NULL);
	off = (long)(bw_retry_now(r) - time(NULL));
	assert_true(off >= 3598 && off <= 3601);
	/* and back when the server agrees with us again */
	http_date(d, sizeof(d), time(NULL));
	bw_retry_note_server_date(r, d);
	off = (long)(bw_retry_now(r) - time(NULL));
	assert_true(off >= -1 && off <= 1);
	/* an RFC 850 date parses too */
	bw_retry_note_server_date(r, "Sunday, 06-Nov-94 08:49:37 GMT");
	assert_true(bw_retry_now(r) < 800000000);
	bw_retry_free(r);
}

/* ---- adaptive mode under a fake clock ---- */

static double fake_now;
static long slept_ms;

static double fake_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void fake_sleep(long ms)
{
	slept_ms += ms;
	fake_now += (double)ms / 1000.0;
}

struct expect {
	double t;
	bool throttle;
	double fill, maxcap, cap, meas;
	bool enabled;
};

/* Printed by botocore 1.43's ClientRateLimiter with the same inputs. */
static const struct expect botocore_steps[] = {
	{ 1000.1, false, 0.5, 1.0, 0.1, 0.0, false },
	{ 1000.2, false, 0.5, 1.0, 0.15, 0.0, false },
	{ 1000.3, false, 0.5, 1.0, 0.2, 0.0, false },
	{ 1000.4, false, 0.5, 1.0, 0.25, 0.0, false },
	{ 1000.5, false, 0.5, 1.0, 0.3, 8.0, false },
	{ 1000.6, false, 0.5, 1.0, 0.35, 8.0, false },
	{ 1000.7, false, 0.5, 1.0, 0.4, 8.0, false },
	{ 1000.8, false, 0.5, 1.0, 0.45, 8.0, false },
	{ 1000.9, false, 0.5, 1.0, 0.5, 8.0, false },
	{ 1001.0, false, 0.5, 1.0, 0.55, 9.6, false },
	{ 1001.1, true, 6.72, 6.72, 0.6, 9.6, true },
	{ 1001.5, false, 8.164617999741, 8.164617999741, 3.288, 5.12, true },
	{ 1002.0, false, 5.248, 5.248, 5.248, 2.624, true },
	{ 1003.0, true, 0.92736, 1.0, 1.0, 1.3248, true },
	{ 1004.0, false, 1.324800003909, 1.324800003909, 1.0, 1.06496, true },
	{ 1010.0, false, 0.692650666667, 1.0, 1.0, 0.346325333333, true },
};

static void test_adaptive_matches_botocore(void **state)
{
	struct bw_retry *r = mk(BW_RETRY_ADAPTIVE, 3);
	struct bw_retry__limiter_info li;
	unsigned cost;
	long delay;
	size_t i;

	(void)state;
	fake_now = 1000.0;
	bw_retry__set_clock(r, fake_clock, NULL);
	bw_retry__set_sleep(fake_sleep);
	bw_retry_before_attempt(r, "organizations");	/* creates the limiter at t=1000 */
	for (i = 0; i < sizeof(botocore_steps) / sizeof(botocore_steps[0]); i++) {
		const struct expect *e = &botocore_steps[i];

		fake_now = e->t;
		if (e->throttle)
			bw_retry_after_failure(r, "organizations", 1, BW_RETRY_THROTTLE, &cost,
					       &delay);
		else
			bw_retry_after_success(r, "organizations", 0);
		bw_retry__limiter(r, "organizations", &li);
		if (fabs(li.fill_rate - e->fill) > 1e-6 || fabs(li.max_capacity - e->maxcap) > 1e-6 ||
		    fabs(li.capacity - e->cap) > 1e-6 || fabs(li.measured_rate - e->meas) > 1e-6 ||
		    li.enabled != e->enabled)
			fail_msg("step %zu (t=%.1f): fill %.12f/%.12f maxcap %.12f/%.12f cap %.12f/%.12f meas %.12f/%.12f",
				 i, e->t, li.fill_rate, e->fill, li.max_capacity, e->maxcap,
				 li.capacity, e->cap, li.measured_rate, e->meas);
	}
	/* another service has its own limiter, untouched */
	bw_retry__limiter(r, "iam", &li);
	assert_false(li.enabled);
	bw_retry__set_sleep(NULL);
	bw_retry_free(r);
}

static void test_adaptive_waits_after_throttle(void **state)
{
	struct bw_retry *r = mk(BW_RETRY_ADAPTIVE, 3);
	struct bw_retry__limiter_info li;
	unsigned cost;
	long delay;
	int i;

	(void)state;
	fake_now = 5000.0;
	slept_ms = 0;
	bw_retry__set_clock(r, fake_clock, NULL);
	bw_retry__set_sleep(fake_sleep);
	/* before any throttle, sends never wait */
	for (i = 0; i < 50; i++)
		bw_retry_before_attempt(r, "organizations");
	assert_int_equal(slept_ms, 0);
	/* a burst of ~10/s, then throttles */
	for (i = 0; i < 30; i++) {
		fake_now += 0.1;
		bw_retry_after_success(r, "organizations", 0);
	}
	fake_now += 0.1;
	assert_true(bw_retry_after_failure(r, "organizations", 1, BW_RETRY_THROTTLE, &cost, &delay));
	fake_now += 0.1;
	bw_retry_after_failure(r, "organizations", 1, BW_RETRY_THROTTLE, &cost, &delay);
	bw_retry__limiter(r, "organizations", &li);
	assert_true(li.enabled);
	assert_true(li.fill_rate >= 0.5 && li.fill_rate < 10.0);
	/* now 20 sends take about 20 / fill_rate seconds of waiting */
	slept_ms = 0;
	for (i = 0; i < 20; i++)
		bw_retry_before_attempt(r, "organizations");
	assert_true(slept_ms > 0);
	assert_true((double)slept_ms / 1000.0 >= (20.0 - li.capacity - 1.0) / li.fill_rate * 0.9);
	/* other services are not slowed */
	slept_ms = 0;
	bw_retry_before_attempt(r, "iam");
	assert_int_equal(slept_ms, 0);
	bw_retry__set_sleep(NULL);
	bw_retry_free(r);
}

static void test_standard_never_waits(void **state)
{
	struct bw_retry *r = mk(BW_RETRY_STANDARD, 3);
	unsigned cost;
	long delay;
	int i;

	(void)state;
	slept_ms = 0;
	bw_retry__set_sleep(fake_sleep);
	for (i = 0; i < 5; i++)
		bw_retry_after_failure(r, "organizations", 1, BW_RETRY_THROTTLE, &cost, &delay);
	for (i = 0; i < 100; i++)
		bw_retry_before_attempt(r, "organizations");
	assert_int_equal(slept_ms, 0);
	assert_int_equal(bw_retry_mode(r), BW_RETRY_STANDARD);
	assert_int_equal(bw_retry_max_attempts(r), 3);
	bw_retry__set_sleep(NULL);
	bw_retry_free(r);
}

static void test_sleep(void **state)
{
	struct timespec a, b;
	long ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	bw_sleep_ms(30);
	bw_sleep_ms(0);
	bw_sleep_ms(-5);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 29);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_clock_skew),
		cmocka_unit_test(test_adaptive_matches_botocore),
		cmocka_unit_test(test_adaptive_waits_after_throttle),
		cmocka_unit_test(test_standard_never_waits),
		cmocka_unit_test(test_sleep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
