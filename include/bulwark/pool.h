/*
 * pool.h - a bounded worker pool over pthreads: run fn(ctx, i) for every i
 * in [0, n) on at most `parallel` threads.
 *
 * The engine's unit of parallel work is "one item of a list" (an account,
 * an organizational unit at one depth, a policy), so the pool is a
 * parallel for-loop rather than a general task queue: items are handed out
 * in order from a shared counter, which keeps memory flat for a thousand
 * accounts.  A cancel flag (set by a signal handler) stops the hand-out of
 * new items; items already started run to their end.
 */
#ifndef BULWARK_POOL_H
#define BULWARK_POOL_H

#include <signal.h>
#include <stddef.h>

#include "bulwark/error.h"

/* Work on item i.  Must be thread-safe with respect to ctx. */
typedef void (*bw_pool_fn)(void *ctx, size_t i);

#define BW_POOL_DEFAULT_PARALLEL 16
#define BW_POOL_MAX_PARALLEL 256

/*
 * Run fn(ctx, i) for i = 0..n-1 on min(parallel, n) threads (parallel <= 0
 * means BW_POOL_DEFAULT_PARALLEL; one thread runs inline on the caller).
 * cancel (NULL allowed) is read before each item: once it is non-zero no
 * new item starts.  Workers block SIGINT and SIGTERM so the handler runs on
 * the calling thread.  *started (NULL allowed) gets how many items ran.
 * Returns 0, BW_ERR_CANCELLED if items were skipped, or BW_ERR_NOMEM /
 * BW_ERR_INTERNAL if threads could not be started (then the items not
 * handed out are run on the caller, so every item still runs once).
 */
int bw_pool_for(size_t n, int parallel, bw_pool_fn fn, void *ctx,
		const volatile sig_atomic_t *cancel, size_t *started,
		struct bw_error *err) BW_WARN_UNUSED;

#endif
