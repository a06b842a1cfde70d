/* test_pool.c - the parallel for-loop: every item once, bounded threads, cancel. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "bulwark/pool.h"

struct ctx {
	pthread_mutex_t lock;
	int seen[1000];
	int active, peak;
	volatile sig_atomic_t cancel;
	size_t cancel_at;
};

static void work(void *p, size_t i)
{
	struct ctx *c = p;

	pthread_mutex_lock(&c->lock);
	c->seen[i]++;
	if (++c->active > c->peak)
		c->peak = c->active;
	if (c->cancel_at && i == c->cancel_at)
		c->cancel = 1;
	pthread_mutex_unlock(&c->lock);
	usleep(200);
	pthread_mutex_lock(&c->lock);
	c->active--;
	pthread_mutex_unlock(&c->lock);
}

static void every_item_once(void **state)
{
	static struct ctx c = { .lock = PTHREAD_MUTEX_INITIALIZER };
	size_t started = 0;

	(void)state;
	assert_int_equal(bw_pool_for(1000, 8, work, &c, &c.cancel, &started, NULL), 0);
	assert_int_equal(started, 1000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(c.seen[i], 1);
	assert_true(c.peak <= 8);
	assert_true(c.peak >= 2);
}

static void inline_and_empty(void **state)
{
	static struct ctx c = { .lock = PTHREAD_MUTEX_INITIALIZER };

	(void)state;
	assert_int_equal(bw_pool_for(0, 4, work, &c, NULL, NULL, NULL), 0);
	assert_int_equal(bw_pool_for(10, 1, work, &c, NULL, NULL, NULL), 0);
	assert_int_equal(c.peak, 1);
	for (int i = 0; i < 10; i++)
		assert_int_equal(c.seen[i], 1);
}

static void cancel_stops_new_items(void **state)
{
	static struct ctx c = { .lock = PTHREAD_MUTEX_INITIALIZER, .cancel_at = 50 };
	struct bw_error err = { 0 };
	size_t started = 0;
	int total = 0;

	(void)state;
	assert_int_equal(bw_pool_for(1000, 4, work, &c, &c.cancel, &started, &err),
			 BW_ERR_CANCELLED);
	assert_true(started < 1000 && started > 50);
	for (int i = 0; i < 1000; i++) {
		assert_true(c.seen[i] <= 1);
		total += c.seen[i];
	}
	assert_int_equal((size_t)total, started);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_item_once),
		cmocka_unit_test(inline_and_empty),
		cmocka_unit_test(cancel_stops_new_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
