/* A small pool of worker threads for a parallel map: fn(arg, i) for every
 * i in [0, n), blocking until all are done.  The caller's thread takes
 * part, so a pool of 1 thread starts no thread and runs the map in the
 * caller, in order, exactly as a plain loop would.
 *
 * Results come back in order because each call writes only its own slot
 * i of the caller's array; fn must touch nothing else that another i
 * touches.  One map at a time: a map started while the pool is busy (from
 * inside fn, or from another thread) runs sequentially in its caller, so
 * nesting is safe and deterministic.
 *
 * The daemon's event loop stays the only I/O thread: the workers only run
 * the fn they are handed.
 */
#ifndef OHM_COMMON_WORKPOOL_H
#define OHM_COMMON_WORKPOOL_H

#include <stddef.h>

/* The most threads a pool runs (the caller's included). */
#define WORKPOOL_MAX_THREADS 64

struct workpool;

typedef void (*workpool_fn)(void *arg, size_t i);

/* A pool of threads threads in all, the caller's included (1: no worker
 * thread; 0 is taken as 1; more than WORKPOOL_MAX_THREADS as that).
 * Returns: the pool, or NULL if a thread could not be started. */
struct workpool *workpool_new(unsigned threads);

/* Stops and joins the workers; NULL is a no-op.  No map may be running. */
void workpool_free(struct workpool *pool);

/* Returns: the threads the pool runs maps on, the caller's included (1
 *          for a NULL pool). */
unsigned workpool_threads(const struct workpool *pool);

/* Calls fn(arg, i) once for each i in [0, n) and returns when all have
 * returned.  pool may be NULL (a plain loop). */
void workpool_map(struct workpool *pool, workpool_fn fn, void *arg, size_t n);

/* The number of online processors, at least 1. */
unsigned workpool_cores(void);

#endif /* OHM_COMMON_WORKPOOL_H */
