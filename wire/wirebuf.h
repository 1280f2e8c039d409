/* A growable byte buffer, the thing every towire_* function appends to, and
 * the allocation helpers the wire layer uses for decoded arrays.
 *
 * Ownership: wirebuf_new() allocates, wirebuf_free() releases (NULL is
 * fine).  wirebuf_take() hands the bytes to the caller (free() them) and
 * releases the wrapper.
 *
 * Running out of memory aborts the process.  Every caller would otherwise
 * need an error path for a condition ohm cannot recover from, and a
 * half-written message is worse than none.
 *
 * Invariant: len <= cap, and data is never NULL, so a fromwire cursor over
 * an empty buffer is valid (a NULL cursor means a failed read).
 */
#ifndef OHM_WIRE_WIREBUF_H
#define OHM_WIRE_WIREBUF_H

#include <stddef.h>
#include <stdint.h>

struct wirebuf {
	uint8_t *data;	/* the bytes written so far: data[0..len) */
	size_t len;
	size_t cap;	/* allocated size of data */
};

/* Returns a new, empty buffer.  Never NULL. */
struct wirebuf *wirebuf_new(void);

/* Releases buf and its bytes.  buf may be NULL. */
void wirebuf_free(struct wirebuf *buf);

/* Appends len bytes (bytes may be NULL when len is 0). */
void wirebuf_append(struct wirebuf *buf, const void *bytes, size_t len);

/* Forgets the contents but keeps the allocation, for reuse. */
void wirebuf_reset(struct wirebuf *buf);

/* Releases buf and returns its bytes, which the caller must free();
 * *len receives their number.  Returns NULL (with *len 0) when empty. */
uint8_t *wirebuf_take(struct wirebuf *buf, size_t *len);

/* calloc(count, size) that aborts on exhaustion or on count * size
 * overflowing.  Returns NULL when count or size is 0. */
void *wire_calloc(size_t count, size_t size);

/* A malloc'd copy of len bytes (NULL when len is 0). */
void *wire_memdup(const void *bytes, size_t len);

#endif /* OHM_WIRE_WIREBUF_H */
