/*
 * pool.c - a parallel for-loop on a bounded number of pthreads.  It knows
 * nothing of AWS: rate limits and retries belong to the client, which all
 * workers share, so a throttled service slows every worker down together.
 */
#include <pthread.h>
#include <signal.h>

#include "bulwark/pool.h"
#include "internal.h"

struct pool_run {
	pthread_mutex_t lock;
	size_t next, n, started;
	bw_pool_fn fn;
	void *ctx;
	const volatile sig_atomic_t *cancel;
	bool skipped;
};

/* The next item to run, or false when done or cancelled. */
static bool pool_take(struct pool_run *r, size_t *i)
{
	bool ok = false;

	pthread_mutex_lock(&r->lock);
	if (r->next < r->n) {
		if (r->cancel && *r->cancel) {
			r->skipped = true;
			r->next = r->n;
		} else {
			*i = r->next++;
			r->started++;
			ok = true;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ok;
}

static void *pool_worker(void *arg)
{
	struct pool_run *r = arg;
	size_t i;

	while (pool_take(r, &i))
		r->fn(r->ctx, i);
	return NULL;
}

int bw_pool_for(size_t n, int parallel, bw_pool_fn fn, void *ctx,
		const volatile sig_atomic_t *cancel, size_t *started,
		struct bw_error *err)
{
	struct pool_run r = { .n = n, .fn = fn, .ctx = ctx, .cancel = cancel };
	pthread_t *threads = NULL;
	sigset_t block, old;
	size_t nthreads, running = 0;
	int rc = 0;

	if (parallel <= 0)
		parallel = BW_POOL_DEFAULT_PARALLEL;
	if (parallel > BW_POOL_MAX_PARALLEL)
		parallel = BW_POOL_MAX_PARALLEL;
	nthreads = (size_t)parallel < n ? (size_t)parallel : n;
	if (pthread_mutex_init(&r.lock, NULL))
		return bw_error_set(err, BW_ERR_INTERNAL, "cannot create a mutex");

	if (nthreads > 1) {
		threads = calloc(nthreads, sizeof(*threads));
		if (!threads) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory starting %zu workers",
					  nthreads);
			nthreads = 0;
		}
		/* Threads inherit the mask: block while creating them. */
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		for (; running < nthreads; running++)
			if (pthread_create(&threads[running], NULL, pool_worker, &r))
				break;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (threads && running < nthreads)
			bw_debug("pool: started %zu of %zu workers", running, nthreads);
	}
	/* The caller works too when it started no thread, so nothing is lost. */
	if (!running)
		pool_worker(&r);
	for (size_t t = 0; t < running; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pthread_mutex_destroy(&r.lock);
	if (started)
		*started = r.started;
	if (!rc && r.skipped)
		rc = bw_error_set(err, BW_ERR_CANCELLED, "interrupted: %zu of %zu items not started",
				  n - r.started, n);
	return rc == BW_ERR_NOMEM && r.started == n ? 0 : rc;
}
