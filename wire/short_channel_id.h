/* short_channel_id: the 8-byte name of a channel by its funding output's
 * position in the chain (BOLT #7 "Definition of short_channel_id"), and
 * its human-readable "539268x845x1" form. */
#ifndef OHM_WIRE_SHORT_CHANNEL_ID_H
#define OHM_WIRE_SHORT_CHANNEL_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct short_channel_id {
	uint64_t u64;	/* block:24 | txindex:24 | outnum:16, as on the wire */
};

/* Largest block height and transaction index that fit in 3 bytes. */
#define SHORT_CHANNEL_ID_MAX_BLOCK 0xFFFFFFu
#define SHORT_CHANNEL_ID_MAX_TXINDEX 0xFFFFFFu

/* Room for the longest string form, "16777215x16777215x65535", and NUL. */
#define SHORT_CHANNEL_ID_STR_MAX sizeof("16777215x16777215x65535")

/* Builds *scid from its parts.  Returns false (and leaves *scid untouched)
 * if block or txindex does not fit in 3 bytes. */
bool short_channel_id_from_parts(struct short_channel_id *scid,
				 uint32_t block, uint32_t txindex,
				 uint16_t outnum);

/* The three parts of scid. */
uint32_t short_channel_id_block(const struct short_channel_id *scid);
uint32_t short_channel_id_txindex(const struct short_channel_id *scid);
uint16_t short_channel_id_outnum(const struct short_channel_id *scid);

/* Writes "BLOCKxTXINDEXxOUTNUM" and a NUL into out; returns out. */
char *short_channel_id_to_str(char out[SHORT_CHANNEL_ID_STR_MAX],
			      const struct short_channel_id *scid);

/* Parses str[0..len) in the form above: three decimal numbers separated
 * by 'x', each in range.  Returns false (*scid untouched) on anything else
 * (signs, spaces, empty or extra parts). */
bool short_channel_id_from_str(struct short_channel_id *scid,
			       const char *str, size_t len);

#endif /* OHM_WIRE_SHORT_CHANNEL_ID_H */
