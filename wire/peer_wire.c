/* BOLT #1 rules about message types and a few message fields; the
 * per-message codecs are generated into peer_wire_gen.c. */
#include "wire/peer_wire.h"

#include <string.h>

bool fromwire_peektype(const uint8_t *msg, size_t len, uint16_t *type)
{
	const uint8_t *cursor = msg;
	size_t max = len;
	uint16_t t = fromwire_u16(&cursor, &max);

	if (!cursor)
		return false;
	*type = t;
	return true;
}

/* BOLT #1:
 * A receiving node:
 *   - upon receiving a message of _odd_, unknown type:
 *     - MUST ignore the received message.
 *   - upon receiving a message of _even_, unknown type:
 *     - MUST close the connection.
 *     - MAY fail the channels.
 */
bool peer_wire_is_unknown_odd(uint16_t type)
{
	return !peer_wire_name(type) && type % 2 == 1;
}

bool peer_wire_is_unknown_even(uint16_t type)
{
	return !peer_wire_name(type) && type % 2 == 0;
}

/* BOLT #1:
 *   - upon receiving `networks` containing no common chains
 *     - MAY close the connection.
 */
bool init_networks_compatible(const struct tlv_init_tlvs *tlvs,
			      const struct chain_hash *our_chain)
{
	const struct tlv_init_tlvs_networks *networks =
		tlvs ? tlvs->networks : NULL;

	if (!networks)
		return true;
	for (size_t i = 0; i < networks->num_chains; i++) {
		if (memcmp(&networks->chains[i], our_chain,
			   sizeof(*our_chain)) == 0)
			return true;
	}
	return false;
}

/* BOLT #1:
 * A node receiving a `ping` message:
 *   - if `num_pong_bytes` is less than 65532:
 *     - MUST respond by sending a `pong` message, with `byteslen` equal to `num_pong_bytes`.
 *   - otherwise (`num_pong_bytes` is **not** less than 65532):
 *     - MUST ignore the `ping`.
 */
bool ping_wants_pong(const struct msg_ping *ping)
{
	return ping->num_pong_bytes < 65532;
}

/* BOLT #1:
 * The channel is referred to by `channel_id`, unless `channel_id` is 0 (i.e. all bytes are 0), in which case it refers to all channels.
 */
bool channel_id_is_all_zero(const struct channel_id *channel_id)
{
	for (size_t i = 0; i < sizeof(channel_id->bytes); i++) {
		if (channel_id->bytes[i])
			return false;
	}
	return true;
}

/* Fills the fields error and warning share; they have the same layout. */
static void error_fields(const struct channel_id *channel_id,
			 const char *text, struct channel_id *out_id,
			 uint16_t *out_len)
{
	size_t len = strlen(text);

	if (channel_id)
		*out_id = *channel_id;
	else
		memset(out_id, 0, sizeof(*out_id));
	*out_len = (uint16_t)(len > WIRE_MAX_ERROR_DATA_LEN
			      ? WIRE_MAX_ERROR_DATA_LEN : len);
}

/* The casts drop const only because decoded messages own their arrays;
 * towire_* never writes through them. */
struct wirebuf *towire_error_text(const struct channel_id *channel_id,
				  const char *text)
{
	struct msg_error msg = { .data = (uint8_t *)text };

	error_fields(channel_id, text, &msg.channel_id, &msg.len);
	return towire_error(&msg);
}

struct wirebuf *towire_warning_text(const struct channel_id *channel_id,
				    const char *text)
{
	struct msg_warning msg = { .data = (uint8_t *)text };

	error_fields(channel_id, text, &msg.channel_id, &msg.len);
	return towire_warning(&msg);
}

/* BOLT #1:
 *   - if `data` is not composed solely of printable ASCII characters (For reference: the printable character set includes byte values 32 through 126, inclusive):
 *     - SHOULD NOT print out `data` verbatim.
 */
bool error_data_is_printable(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] < 32 || data[i] > 126)
			return false;
	}
	return true;
}
