/*
 * retry.c - the retry policy of the AWS SDKs' standard and adaptive modes,
 * after botocore's retries/standard.py, quota.py, adaptive.py, bucket.py
 * and throttling.py: error classification, the retry quota, full-jitter
 * exponential backoff, the clock-skew offset, and in adaptive mode a CUBIC
 * client-side rate limiter per service.  Performing requests and reading
 * error codes out of responses are the client's job.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bulwark/retry.h"
#include "transport.h"

#include "internal.h"

#define RETRY_QUOTA_INITIAL 500u
#define RETRY_COST 5u
#define RETRY_TIMEOUT_COST 10u
#define RETRY_NO_RETRY_INCREMENT 1u
#define RETRY_MAX_BACKOFF_S 20.0

/* botocore adaptive.py, bucket.py, throttling.py */
#define LIMITER_MAX_RATE_ADJUST_SCALE 2.0
#define LIMITER_MIN_FILL_RATE 0.5
#define LIMITER_SMOOTHING 0.8
#define LIMITER_TIME_BUCKET 0.5
#define CUBIC_SCALE_CONSTANT 0.4
#define CUBIC_BETA 0.7

/* Skew below this is left alone: AWS accepts 5 minutes either way. */
#define SKEW_THRESHOLD_S 240

#define LIMITER_MAX 16

struct limiter {
	char service[32];
	bool enabled;
	/* token bucket */
	double fill_rate, max_capacity, capacity, last_ts;
	bool have_ts;
	/* rate clocker */
	double measured_rate, last_bucket;
	unsigned long count;
	/* CUBIC */
	double w_max, k, last_fail;
};

struct bw_retry {
	enum bw_retry_mode mode;
	int max_attempts;
	pthread_mutex_t lock;
	unsigned quota;
	uint64_t rng;
	atomic_long skew;
	double (*clock)(void *);
	void *clock_ctx;
	struct limiter lim[LIMITER_MAX];
	size_t n_lim;
};

static const char *const throttle_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
};

static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"PriorRequestNotComplete",
	"InternalError",
	"InternalFailure",
	"ServiceUnavailable",
	/* botocore special.py: STS's web identity provider was unreachable */
	"IDPCommunicationError",
};

static const char *const skew_codes[] = {
	"RequestTimeTooSkewed",
	"RequestExpired",
	"InvalidSignatureException",
	"SignatureDoesNotMatch",
	"AuthFailure",
	"RequestInTheFuture",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	if (!code || !*code)
		return false;
	for (i = 0; i < n; i++)
		if (!strcmp(code, list[i]))
			return true;
	return false;
}

static double real_clock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bw_retry_new(struct bw_retry **out, enum bw_retry_mode mode, int max_attempts,
		 struct bw_error *err)
{
	struct bw_retry *r;
	struct timespec ts;

	*out = NULL;
	if (max_attempts < 1)
		return bw_error_set(err, BW_ERR_INVALID,
				    "max attempts %d is not positive: set max_attempts to 1 or more",
				    max_attempts);
	r = calloc(1, sizeof(*r));
	if (!r)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	r->mode = mode;
	r->max_attempts = max_attempts;
	r->quota = RETRY_QUOTA_INITIAL;
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->skew, 0);
	r->clock = real_clock;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* Jitter needs spread, not secrecy. */
	bw_retry__seed(r, (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
		       (uint64_t)getpid() ^ (uint64_t)(uintptr_t)r);
	*out = r;
	return 0;
}

void bw_retry_free(struct bw_retry *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

enum bw_retry_mode bw_retry_mode(const struct bw_retry *r)
{
	return r->mode;
}

int bw_retry_max_attempts(const struct bw_retry *r)
{
	return r->max_attempts;
}

int bw_retry_mode_parse(enum bw_retry_mode *out, const char *s, struct bw_error *err)
{
	if (s && (!strcmp(s, "standard") || !strcmp(s, "legacy"))) {
		*out = BW_RETRY_STANDARD;
		return 0;
	}
	if (s && !strcmp(s, "adaptive")) {
		*out = BW_RETRY_ADAPTIVE;
		return 0;
	}
	return bw_error_set(err, BW_ERR_INVALID,
			    "unknown retry mode '%s': use 'standard' or 'adaptive'", s ? s : "");
}

bool bw_retry_is_throttle_code(const char *aws_code)
{
	return in_list(aws_code, throttle_codes, BW_ARRAY_SIZE(throttle_codes));
}

enum bw_retry_class bw_retry_classify(long http_status, const char *aws_code,
				      int curl_code, bool curl_timeout)
{
	if (curl_code || curl_timeout) {
		if (curl_timeout || curl_code == CURLE_OPERATION_TIMEDOUT)
			return BW_RETRY_TIMEOUT;
		switch (curl_code) {
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return BW_RETRY_TRANSIENT;
		default:
			/* certificate failures, bad URLs, caps: retrying cannot help */
			return BW_RETRY_NO;
		}
	}
	if (bw_retry_is_throttle_code(aws_code))
		return BW_RETRY_THROTTLE;
	if (in_list(aws_code, skew_codes, BW_ARRAY_SIZE(skew_codes)))
		return BW_RETRY_CLOCK_SKEW;
	if (in_list(aws_code, transient_codes, BW_ARRAY_SIZE(transient_codes)))
		return BW_RETRY_TRANSIENT;
	if (http_status == 500 || http_status == 502 || http_status == 503 ||
	    http_status == 504)
		return BW_RETRY_TRANSIENT;
	return BW_RETRY_NO;
}

/* xorshift64*: reproducible with a seed, which the tests need. */
static double rand01_locked(struct bw_retry *r)
{
	uint64_t x = r->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0);
}

void bw_retry__seed(struct bw_retry *r, uint64_t seed)
{
	pthread_mutex_lock(&r->lock);
	r->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	pthread_mutex_unlock(&r->lock);
}

void bw_retry__set_clock(struct bw_retry *r, double (*now)(void *ctx), void *ctx)
{
	pthread_mutex_lock(&r->lock);
	r->clock = now ? now : real_clock;
	r->clock_ctx = now ? ctx : NULL;
	pthread_mutex_unlock(&r->lock);
}

unsigned bw_retry__quota(struct bw_retry *r)
{
	unsigned q;

	pthread_mutex_lock(&r->lock);
	q = r->quota;
	pthread_mutex_unlock(&r->lock);
	return q;
}

/* botocore: random(0,1) * min(2^(attempt-1), 20) seconds. */
static long backoff_ms_locked(struct bw_retry *r, int attempt)
{
	double cap = attempt >= 6 ? RETRY_MAX_BACKOFF_S : ldexp(1.0, attempt - 1);

	if (cap > RETRY_MAX_BACKOFF_S)
		cap = RETRY_MAX_BACKOFF_S;
	return lround(rand01_locked(r) * cap * 1000.0);
}

long bw_retry__backoff_ms(struct bw_retry *r, int attempt)
{
	long ms;

	pthread_mutex_lock(&r->lock);
	ms = backoff_ms_locked(r, attempt < 1 ? 1 : attempt);
	pthread_mutex_unlock(&r->lock);
	return ms;
}

/* ---- adaptive mode: botocore's ClientRateLimiter, one per service ---- */

static struct limiter *limiter_locked(struct bw_retry *r, const char *service)
{
	struct limiter *l;
	double now;
	size_t i;

	if (!service)
		service = "";
	for (i = 0; i < r->n_lim; i++)
		if (!strcmp(r->lim[i].service, service))
			return &r->lim[i];
	/* More services than slots: share the last one rather than fail. */
	if (r->n_lim == LIMITER_MAX)
		return &r->lim[LIMITER_MAX - 1];
	l = &r->lim[r->n_lim++];
	memset(l, 0, sizeof(*l));
	bw_strlcpy(l->service, service, sizeof(l->service));
	now = r->clock(r->clock_ctx);
	/* TokenBucket(max_rate=1), CubicCalculator(0, now), RateClocker */
	l->fill_rate = 1.0;
	l->max_capacity = 1.0;
	l->capacity = 0.0;
	l->last_ts = now;	/* the max_rate setter refills at construction */
	l->have_ts = true;
	l->w_max = 0.0;
	l->k = 0.0;
	l->last_fail = now;
	l->last_bucket = floor(now);
	return l;
}

static void bucket_refill(struct limiter *l, double now)
{
	double fill;

	if (!l->have_ts) {
		l->last_ts = now;
		l->have_ts = true;
		return;
	}
	fill = (now - l->last_ts) * l->fill_rate;
	l->capacity = fmin(l->max_capacity, l->capacity + fill);
	l->last_ts = now;
}

static void bucket_set_max_rate(struct limiter *l, double value, double now)
{
	bucket_refill(l, now);
	l->fill_rate = fmax(value, LIMITER_MIN_FILL_RATE);
	l->max_capacity = value >= 1.0 ? value : 1.0;
	l->capacity = fmin(l->capacity, l->max_capacity);
}

static double clocker_record(struct limiter *l, double now)
{
	double bucket = floor(now / LIMITER_TIME_BUCKET) * LIMITER_TIME_BUCKET;

	l->count++;
	if (bucket > l->last_bucket) {
		double current = (double)l->count / (bucket - l->last_bucket);

		l->measured_rate = current * LIMITER_SMOOTHING +
				   l->measured_rate * (1.0 - LIMITER_SMOOTHING);
		l->count = 0;
		l->last_bucket = bucket;
	}
	return l->measured_rate;
}

static double cubic_zero_point(double w_max)
{
	return cbrt(w_max * (1.0 - CUBIC_BETA) / CUBIC_SCALE_CONSTANT);
}

/* ClientRateLimiter.on_receiving_response */
static void limiter_on_response(struct bw_retry *r, const char *service, bool throttled)
{
	struct limiter *l;
	double measured, now, new_rate;

	if (r->mode != BW_RETRY_ADAPTIVE)
		return;
	pthread_mutex_lock(&r->lock);
	l = limiter_locked(r, service);
	now = r->clock(r->clock_ctx);
	measured = clocker_record(l, now);
	if (!throttled) {
		double dt = now - l->last_fail - l->k;

		new_rate = CUBIC_SCALE_CONSTANT * dt * dt * dt + l->w_max;
	} else {
		double rate = l->enabled ? fmin(measured, l->fill_rate) : measured;

		l->w_max = rate;
		l->k = cubic_zero_point(rate);
		l->last_fail = now;
		new_rate = rate * CUBIC_BETA;
		l->enabled = true;
	}
	bucket_set_max_rate(l, fmin(new_rate, LIMITER_MAX_RATE_ADJUST_SCALE * measured), now);
	pthread_mutex_unlock(&r->lock);
}

void bw_retry_before_attempt(struct bw_retry *r, const char *service)
{
	if (r->mode != BW_RETRY_ADAPTIVE)
		return;
	for (;;) {
		struct limiter *l;
		double wait;

		pthread_mutex_lock(&r->lock);
		l = limiter_locked(r, service);
		if (!l->enabled) {
			pthread_mutex_unlock(&r->lock);
			return;
		}
		bucket_refill(l, r->clock(r->clock_ctx));
		if (l->capacity >= 1.0) {
			l->capacity -= 1.0;
			pthread_mutex_unlock(&r->lock);
			return;
		}
		wait = (1.0 - l->capacity) / l->fill_rate;
		pthread_mutex_unlock(&r->lock);
		/* Another thread may take the token first: then wait again. */
		bw_sleep_ms((long)ceil(wait * 1000.0));
	}
}

void bw_retry__limiter(struct bw_retry *r, const char *service,
		       struct bw_retry__limiter_info *out)
{
	struct limiter *l;

	pthread_mutex_lock(&r->lock);
	l = limiter_locked(r, service);
	out->enabled = l->enabled;
	out->fill_rate = l->fill_rate;
	out->max_capacity = l->max_capacity;
	out->capacity = l->capacity;
	out->measured_rate = l->measured_rate;
	out->last_max_rate = l->w_max;
	pthread_mutex_unlock(&r->lock);
}

bool bw_retry_after_failure(struct bw_retry *r, const char *service, int attempt,
			    enum bw_retry_class cls, unsigned *cost, long *delay_ms)
{
	unsigned amount;
	bool retry = false;

	*cost = 0;
	*delay_ms = 0;
	limiter_on_response(r, service, cls == BW_RETRY_THROTTLE);
	if (cls == BW_RETRY_NO || attempt >= r->max_attempts)
		return false;
	if (cls == BW_RETRY_CLOCK_SKEW)
		return true;	/* at once, with the corrected clock, free of quota */
	amount = cls == BW_RETRY_TIMEOUT ? RETRY_TIMEOUT_COST : RETRY_COST;
	pthread_mutex_lock(&r->lock);
	if (amount <= r->quota) {
		r->quota -= amount;
		*cost = amount;
		*delay_ms = backoff_ms_locked(r, attempt);
		retry = true;
	}
	pthread_mutex_unlock(&r->lock);
	return retry;
}

void bw_retry_after_success(struct bw_retry *r, const char *service, unsigned cost)
{
	unsigned give = cost ? cost : RETRY_NO_RETRY_INCREMENT;

	limiter_on_response(r, service, false);
	pthread_mutex_lock(&r->lock);
	r->quota = r->quota + give > RETRY_QUOTA_INITIAL ? RETRY_QUOTA_INITIAL : r->quota + give;
	pthread_mutex_unlock(&r->lock);
}

void bw_retry_note_server_date(struct bw_retry *r, const char *date_header)
{
	time_t server, local;
	long skew, cur;

	if (!date_header || !*date_header)
		return;
	server = curl_getdate(date_header, NULL);
	if (server == (time_t)-1)
		return;
	local = time(NULL);
	skew = (long)(server - local);
	cur = atomic_load(&r->skew);
	/* Seconds of jitter between servers must not move our clock. */
	if (labs(skew - cur) >= SKEW_THRESHOLD_S)
		atomic_store(&r->skew, skew);
}

time_t bw_retry_now(const struct bw_retry *r)
{
	long skew = r ? atomic_load((atomic_long *)&r->skew) : 0;

	return time(NULL) + (time_t)skew;
}

static void (*sleep_hook)(long ms);

void bw_retry__set_sleep(void (*fn)(long ms))
{
	sleep_hook = fn;
}

void bw_sleep_ms(long ms)
{
	struct timespec ts, rem;

	if (sleep_hook) {
		sleep_hook(ms);
		return;
	}
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) && errno == EINTR)
		ts = rem;
}
