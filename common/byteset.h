/* A set of fixed-size byte strings, each with a 64-bit value: the wallet's
 * "is this script / outpoint ours?" and the chain's "have I seen this
 * mempool txid?" lookups, which run for every output of every block and so
 * must not touch the database.
 *
 * Open addressing with linear probing; deletions leave tombstones that the
 * next growth clears.  Keys are copied in.  Pure: no I/O, no globals.
 */
#ifndef OHM_DAEMON_BYTESET_H
#define OHM_DAEMON_BYTESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct byteset;

/* Returns: an empty set of keys key_len bytes long (1 to 255).  Running
 * out of memory aborts, as in wire/. */
struct byteset *byteset_new(size_t key_len);

/* Releases set; NULL is a no-op. */
void byteset_free(struct byteset *set);

/* Adds key with value, or replaces the value of a key already there.
 * Returns: true if the key was new. */
bool byteset_put(struct byteset *set, const void *key, uint64_t value);

/* Returns: true if key is in the set, writing its value to *value (if
 *          value is not NULL). */
bool byteset_get(const struct byteset *set, const void *key, uint64_t *value);

/* Removes key.  Returns: true if it was there. */
bool byteset_del(struct byteset *set, const void *key);

/* Number of keys in the set. */
size_t byteset_count(const struct byteset *set);

/* Removes every key. */
void byteset_clear(struct byteset *set);

/* Iteration: *pos starts at 0; each call returns the next key (pointing
 * into the set) and its value, or NULL at the end.  The set must not change
 * during an iteration, except by byteset_del() of the key just returned. */
const void *byteset_next(const struct byteset *set, size_t *pos, uint64_t *value);

#endif /* OHM_DAEMON_BYTESET_H */
