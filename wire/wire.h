/* The BOLT #1 "Fundamental Types": how each is read from and written to a
 * Lightning message.
 *
 * Readers use a cursor: fromwire_X(&cursor, &max) reads from cursor,
 * advances it and decreases max.  On short or malformed input a reader sets
 * the cursor to NULL and returns zero (or zeroes its output); once the
 * cursor is NULL every further read is a no-op.  So a caller reads every
 * field and checks once at the end:
 *
 *	const uint8_t *cursor = msg;
 *	size_t max = len;
 *	uint16_t a = fromwire_u16(&cursor, &max);
 *	uint64_t b = fromwire_bigsize(&cursor, &max);
 *	if (!cursor)
 *		return false;
 *
 * Writers mirror readers: towire_X(buf, v) appends to a struct wirebuf.
 * All multi-byte integers are big-endian (BOLT #1: "All data fields are
 * unsigned big-endian unless otherwise specified").
 *
 * The 32/33/64-byte types are plain bytes here: whether a point is on the
 * curve or a signature verifies is crypto/'s business, not the wire's.
 * They are structs (not bare arrays) so the compiler keeps a channel_id
 * from being passed where a chain_hash is meant.  The ones crypto/ will have
 * its own parsed types for carry a wire_ prefix.
 */
#ifndef OHM_WIRE_WIRE_H
#define OHM_WIRE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/short_channel_id.h"
#include "wire/wirebuf.h"

/* The genesis block hash, in internal byte order (see BOLT #0). */
struct chain_hash {
	uint8_t bytes[32];
};

/* A channel's 32-byte id, or temporary_channel_id (see BOLT #2). */
struct channel_id {
	uint8_t bytes[32];
};

/* A 32-byte SHA2-256 hash, as carried in a message. */
struct wire_sha256 {
	uint8_t bytes[32];
};

/* A 33-byte compressed secp256k1 point, unvalidated. */
struct wire_point {
	uint8_t bytes[33];
};

/* A 64-byte compact ECDSA signature (r || s), unvalidated. */
struct wire_signature {
	uint8_t bytes[64];
};

/* Largest Lightning message, type included: BOLT #1 "the maximum possible
 * size is 65535 bytes".  towire_* does not enforce it; the transport does. */
#define WIRE_MAX_MESSAGE_LEN 65535

/* ---- Readers ---- */

/* Marks the read as failed: sets *cursor to NULL and *max to 0. */
void fromwire_fail(const uint8_t **cursor, size_t *max);

/* Returns a pointer to the next n bytes and skips them, or NULL (and fails
 * the cursor) if fewer than n remain. */
const uint8_t *fromwire_pull(const uint8_t **cursor, size_t *max, size_t n);

/* Copies the next n bytes into out (zeroed on failure). */
void fromwire_bytes(const uint8_t **cursor, size_t *max, void *out, size_t n);

/* Returns true if count elements of elem_size wire bytes each remain;
 * otherwise fails the cursor.  Decoders call it before allocating an array
 * whose length came from the peer, so a 2-byte length cannot make us
 * allocate megabytes for a message that is not there. */
bool fromwire_array_fits(const uint8_t **cursor, size_t *max, size_t count,
			 size_t elem_size);

uint8_t fromwire_u8(const uint8_t **cursor, size_t *max);
uint16_t fromwire_u16(const uint8_t **cursor, size_t *max);
uint32_t fromwire_u32(const uint8_t **cursor, size_t *max);
uint64_t fromwire_u64(const uint8_t **cursor, size_t *max);

/* Two's complement, big-endian (BOLT #1 Appendix D). */
int8_t fromwire_s8(const uint8_t **cursor, size_t *max);
int16_t fromwire_s16(const uint8_t **cursor, size_t *max);
int32_t fromwire_s32(const uint8_t **cursor, size_t *max);
int64_t fromwire_s64(const uint8_t **cursor, size_t *max);

/* Truncated integers fill the rest of their TLV value: these consume all
 * *max bytes.  They fail if there are more bytes than the type holds or
 * the encoding has a leading zero byte (BOLT #1: "Leading zeros in
 * truncated integers MUST be omitted"). */
uint16_t fromwire_tu16(const uint8_t **cursor, size_t *max);
uint32_t fromwire_tu32(const uint8_t **cursor, size_t *max);
uint64_t fromwire_tu64(const uint8_t **cursor, size_t *max);

/* BigSize (BOLT #1 Appendix A); fails on truncation and on any encoding
 * that is not the shortest one for its value. */
uint64_t fromwire_bigsize(const uint8_t **cursor, size_t *max);

void fromwire_chain_hash(const uint8_t **cursor, size_t *max,
			 struct chain_hash *out);
void fromwire_channel_id(const uint8_t **cursor, size_t *max,
			 struct channel_id *out);
void fromwire_sha256(const uint8_t **cursor, size_t *max,
		     struct wire_sha256 *out);
void fromwire_point(const uint8_t **cursor, size_t *max,
		    struct wire_point *out);
void fromwire_signature(const uint8_t **cursor, size_t *max,
			struct wire_signature *out);
void fromwire_short_channel_id(const uint8_t **cursor, size_t *max,
			       struct short_channel_id *out);

/* ---- Writers ---- */

void towire_bytes(struct wirebuf *buf, const void *bytes, size_t n);
void towire_u8(struct wirebuf *buf, uint8_t v);
void towire_u16(struct wirebuf *buf, uint16_t v);
void towire_u32(struct wirebuf *buf, uint32_t v);
void towire_u64(struct wirebuf *buf, uint64_t v);
void towire_s8(struct wirebuf *buf, int8_t v);
void towire_s16(struct wirebuf *buf, int16_t v);
void towire_s32(struct wirebuf *buf, int32_t v);
void towire_s64(struct wirebuf *buf, int64_t v);

/* Minimal encodings: no leading zero bytes, so 0 is written as nothing. */
void towire_tu16(struct wirebuf *buf, uint16_t v);
void towire_tu32(struct wirebuf *buf, uint32_t v);
void towire_tu64(struct wirebuf *buf, uint64_t v);

/* Canonical BigSize: 1, 3, 5 or 9 bytes. */
void towire_bigsize(struct wirebuf *buf, uint64_t v);

void towire_chain_hash(struct wirebuf *buf, const struct chain_hash *v);
void towire_channel_id(struct wirebuf *buf, const struct channel_id *v);
void towire_sha256(struct wirebuf *buf, const struct wire_sha256 *v);
void towire_point(struct wirebuf *buf, const struct wire_point *v);
void towire_signature(struct wirebuf *buf, const struct wire_signature *v);
void towire_short_channel_id(struct wirebuf *buf,
			     const struct short_channel_id *v);

/* ---- Sizes ---- */

/* Bytes towire_bigsize() writes for v: 1, 3, 5 or 9. */
size_t bigsize_len(uint64_t v);

/* Bytes towire_tu64() writes for v: 0 to 8. */
size_t tu64_len(uint64_t v);

/* The smallest of s8/s16/s32/s64 that holds v, in bytes (1, 2, 4 or 8):
 * the encoding BOLT #1 Appendix D's vectors show for each value. */
size_t signed_minimal_len(int64_t v);

/* Writes v as the smallest of s8/s16/s32/s64 that holds it. */
void towire_signed_minimal(struct wirebuf *buf, int64_t v);

#endif /* OHM_WIRE_WIRE_H */
