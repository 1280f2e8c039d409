/* short_channel_id parts and string form. */
#include "wire/short_channel_id.h"

#include <stdio.h>

/* BOLT #7:
 * The `short_channel_id` is the unique description of the funding transaction.
 * It is constructed as follows:
 *   1. the most significant 3 bytes: indicating the block height
 *   2. the next 3 bytes: indicating the transaction index within the block
 *   3. the least significant 2 bytes: indicating the output index that pays to the channel.
 */
bool short_channel_id_from_parts(struct short_channel_id *scid,
				 uint32_t block, uint32_t txindex,
				 uint16_t outnum)
{
	if (block > SHORT_CHANNEL_ID_MAX_BLOCK
	    || txindex > SHORT_CHANNEL_ID_MAX_TXINDEX)
		return false;
	scid->u64 = (uint64_t)block << 40 | (uint64_t)txindex << 16 | outnum;
	return true;
}

uint32_t short_channel_id_block(const struct short_channel_id *scid)
{
	return (uint32_t)(scid->u64 >> 40);
}

uint32_t short_channel_id_txindex(const struct short_channel_id *scid)
{
	return (uint32_t)(scid->u64 >> 16) & 0xFFFFFF;
}

uint16_t short_channel_id_outnum(const struct short_channel_id *scid)
{
	return (uint16_t)scid->u64;
}

/* BOLT #7:
 * The standard human readable format for `short_channel_id` is created
 * by printing the above components, in the order:
 * block height, transaction index, and output index.
 * Each component is printed as a decimal number,
 * and separated from each other by the small letter `x`.
 */
char *short_channel_id_to_str(char out[SHORT_CHANNEL_ID_STR_MAX],
			      const struct short_channel_id *scid)
{
	snprintf(out, SHORT_CHANNEL_ID_STR_MAX, "%u" "x" "%u" "x" "%u",
		 (unsigned)short_channel_id_block(scid),
		 (unsigned)short_channel_id_txindex(scid),
		 (unsigned)short_channel_id_outnum(scid));
	return out;
}

/* Reads one decimal number no larger than max from str[*pos..len), stopping
 * at 'x' or the end.  Returns false on no digits, a non-digit or overflow. */
static bool parse_part(const char *str, size_t len, size_t *pos,
		       uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t start = *pos;

	while (*pos < len && str[*pos] != 'x') {
		char c = str[*pos];

		if (c < '0' || c > '9')
			return false;
		if (v > (max - (uint32_t)(c - '0')) / 10)
			return false;
		v = v * 10 + (uint32_t)(c - '0');
		(*pos)++;
	}
	if (*pos == start)
		return false;
	*out = v;
	return true;
}

bool short_channel_id_from_str(struct short_channel_id *scid,
			       const char *str, size_t len)
{
	uint32_t block, txindex, outnum;
	size_t pos = 0;

	if (!parse_part(str, len, &pos, SHORT_CHANNEL_ID_MAX_BLOCK, &block)
	    || pos == len || str[pos++] != 'x')
		return false;
	if (!parse_part(str, len, &pos, SHORT_CHANNEL_ID_MAX_TXINDEX, &txindex)
	    || pos == len || str[pos++] != 'x')
		return false;
	if (!parse_part(str, len, &pos, UINT16_MAX, &outnum) || pos != len)
		return false;
	return short_channel_id_from_parts(scid, block, txindex,
					   (uint16_t)outnum);
}
