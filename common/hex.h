/* Hex encoding and decoding of byte strings (lowercase out, either case in). */
#ifndef OHM_COMMON_HEX_H
#define OHM_COMMON_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the hex string (without NUL) for len bytes. */
static inline size_t hex_str_len(size_t len) { return len * 2; }

/* Writes 2*len lowercase hex digits and a NUL into out, which must hold
 * 2*len+1 bytes.  Returns out. */
char *hex_encode(char *out, const uint8_t *data, size_t len);

/* Decodes exactly out_len bytes from the hex string hex[0..hex_len).
 * Returns false (out untouched) unless hex_len == 2*out_len and every
 * character is a hex digit. */
bool hex_decode(uint8_t *out, size_t out_len, const char *hex, size_t hex_len);

#endif /* OHM_COMMON_HEX_H */
