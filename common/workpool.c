/* The parallel map of workpool.h.
 *
 * Invariants, under pool->lock: a map is running while job_fn is set;
 * next is the first index not yet claimed; done counts the indices whose
 * fn returned; busy_workers counts workers inside the current map.  The
 * caller returns only when done == n and busy_workers == 0, so no worker
 * still reads the job once the caller's array goes away.  map_lock is held
 * by the one caller whose map uses the workers. */
#include "common/workpool.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct workpool {
	unsigned threads;
	pthread_t workers[WORKPOOL_MAX_THREADS];
	unsigned num_workers;		/* started */
	pthread_mutex_t map_lock;
	pthread_mutex_t lock;
	pthread_cond_t work;		/* a new map, or stop */
	pthread_cond_t finished;	/* done == n and no busy worker */
	bool stop;
	uint64_t generation;		/* one per map */
	workpool_fn job_fn;
	void *job_arg;
	size_t n, next, done;
	unsigned busy_workers;
};

/* Claims and runs indices of the current map until none is left.
 * Called and returns with pool->lock held. */
static void run_claimed(struct workpool *pool)
{
	while (pool->job_fn && pool->next < pool->n) {
		size_t i = pool->next++;
		workpool_fn fn = pool->job_fn;
		void *arg = pool->job_arg;

		pthread_mutex_unlock(&pool->lock);
		fn(arg, i);
		pthread_mutex_lock(&pool->lock);
		pool->done++;
	}
}

static void *worker_main(void *p)
{
	struct workpool *pool = p;
	uint64_t seen = 0;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		while (!pool->stop && (!pool->job_fn || pool->generation == seen))
			pthread_cond_wait(&pool->work, &pool->lock);
		if (pool->stop)
			break;
		seen = pool->generation;
		pool->busy_workers++;
		run_claimed(pool);
		pool->busy_workers--;
		if (pool->done == pool->n && pool->busy_workers == 0)
			pthread_cond_signal(&pool->finished);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

struct workpool *workpool_new(unsigned threads)
{
	struct workpool *pool = calloc(1, sizeof(*pool));
	sigset_t all, old;

	if (!pool)
		return NULL;
	if (threads == 0)
		threads = 1;
	if (threads > WORKPOOL_MAX_THREADS)
		threads = WORKPOOL_MAX_THREADS;
	pool->threads = threads;
	pthread_mutex_init(&pool->map_lock, NULL);
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->work, NULL);
	pthread_cond_init(&pool->finished, NULL);
	/* Workers block every signal (they inherit the mask), so signals
	 * still reach the thread that runs the event loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&pool->workers[pool->num_workers], NULL, worker_main, pool) != 0)
			break;
		pool->num_workers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pool->num_workers + 1 < threads) {
		workpool_free(pool);
		return NULL;
	}
	return pool;
}

void workpool_free(struct workpool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = true;
	pthread_cond_broadcast(&pool->work);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned t = 0; t < pool->num_workers; t++)
		pthread_join(pool->workers[t], NULL);
	pthread_cond_destroy(&pool->finished);
	pthread_cond_destroy(&pool->work);
	pthread_mutex_destroy(&pool->lock);
	pthread_mutex_destroy(&pool->map_lock);
	free(pool);
}

unsigned workpool_threads(const struct workpool *pool)
{
	return pool ? pool->threads : 1;
}

void workpool_map(struct workpool *pool, workpool_fn fn, void *arg, size_t n)
{
	/* Sequential: no workers, nothing to share, or the pool is busy
	 * (a nested map, or another thread's). */
	if (!pool || pool->num_workers == 0 || n < 2
	    || pthread_mutex_trylock(&pool->map_lock) != 0) {
		for (size_t i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_mutex_lock(&pool->lock);
	pool->job_fn = fn;
	pool->job_arg = arg;
	pool->n = n;
	pool->next = 0;
	pool->done = 0;
	pool->generation++;
	pthread_cond_broadcast(&pool->work);
	run_claimed(pool);
	while (pool->done < n || pool->busy_workers > 0)
		pthread_cond_wait(&pool->finished, &pool->lock);
	pool->job_fn = NULL;
	pthread_mutex_unlock(&pool->lock);
	pthread_mutex_unlock(&pool->map_lock);
}

unsigned workpool_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}
