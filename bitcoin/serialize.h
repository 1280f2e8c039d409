/* Bitcoin's own serialization primitives: little-endian integers,
 * CompactSize lengths and byte-reversed hex.
 *
 * Bitcoin integers are little-endian, unlike the big-endian Lightning
 * integers in wire/, but the idiom is the same: readers take a cursor and
 * fail it (set it to NULL) on short or malformed input, so a caller reads
 * every field and checks once; writers append to a struct wirebuf.  See
 * wire/wire.h for the cursor contract.
 *
 * CompactSize is Bitcoin's variable-length integer (called var_int in
 * BIP141/BIP144): one byte below 0xfd, else a 0xfd/0xfe/0xff prefix and a
 * 2/4/8-byte little-endian value.  Only the shortest encoding is accepted,
 * as Bitcoin Core does ("non-canonical ReadCompactSize()").
 */
#ifndef OHM_BITCOIN_SERIALIZE_H
#define OHM_BITCOIN_SERIALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

uint16_t fromwire_le16(const uint8_t **cursor, size_t *max);
uint32_t fromwire_le32(const uint8_t **cursor, size_t *max);
uint64_t fromwire_le64(const uint8_t **cursor, size_t *max);

/* Reads a CompactSize; fails the cursor on truncation or on an encoding
 * longer than needed for its value. */
uint64_t fromwire_compactsize(const uint8_t **cursor, size_t *max);

void towire_le16(struct wirebuf *buf, uint16_t v);
void towire_le32(struct wirebuf *buf, uint32_t v);
void towire_le64(struct wirebuf *buf, uint64_t v);

/* Writes the shortest CompactSize for v: 1, 3, 5 or 9 bytes. */
void towire_compactsize(struct wirebuf *buf, uint64_t v);

/* Bytes towire_compactsize() writes for v. */
size_t compactsize_len(uint64_t v);

/* Writes v's CompactSize then v's bytes: a script or witness item. */
void towire_compactsize_bytes(struct wirebuf *buf, const void *bytes,
			      size_t len);

/* Hashes (txids, block hashes) are displayed byte-reversed: the display
 * form is the 256-bit number, most significant byte first.
 * hex_encode_reversed writes 2*len hex digits and a NUL into out (2*len+1
 * bytes) and returns out.  hex_decode_reversed decodes exactly out_len bytes
 * and stores them reversed; it returns false (out untouched) on a bad
 * length or character. */
char *hex_encode_reversed(char *out, const uint8_t *data, size_t len);
bool hex_decode_reversed(uint8_t *out, size_t out_len, const char *hex,
			 size_t hex_len);

#endif /* OHM_BITCOIN_SERIALIZE_H */
