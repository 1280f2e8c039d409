/* Peer messages: the codecs generated from wire/peer_wire.csv (BOLT #1
 * now; BOLT #2 and #7 messages join the CSV as they are implemented), plus
 * the BOLT #1 rules that are about message types or fields rather than
 * about one message's layout.
 *
 * To add a message, copy its spec lines into peer_wire.csv; see the
 * header comment of wire/peer_wire_gen.h (generated) for the API each
 * message gets.
 */
#ifndef OHM_WIRE_PEER_WIRE_H
#define OHM_WIRE_PEER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/peer_wire_gen.h"

/* Longest `data` that fits in an error or warning: 65535 minus type (2),
 * channel_id (32) and len (2). */
#define WIRE_MAX_ERROR_DATA_LEN (WIRE_MAX_MESSAGE_LEN - 2 - 32 - 2)

/* Reads the 2-byte message type at the start of msg into *type.  Returns
 * false if msg is shorter than 2 bytes. */
bool fromwire_peektype(const uint8_t *msg, size_t len, uint16_t *type);

/* BOLT #1 "it's ok to be odd": a message type this table does not define
 * must be ignored if odd (returns true here) ... */
bool peer_wire_is_unknown_odd(uint16_t type);

/* ... and must close the connection if even (returns true here). */
bool peer_wire_is_unknown_even(uint16_t type);

/* Whether an init's `networks` lets us talk to this peer about our chain:
 * true if tlvs is NULL, the peer sent no `networks`, or it lists ours;
 * false if the list (possibly empty) has no chain in common with us, in
 * which case the caller MAY close the connection. */
bool init_networks_compatible(const struct tlv_init_tlvs *tlvs,
			      const struct chain_hash *our_chain);

/* Whether a received ping must be answered with a pong of
 * ping->num_pong_bytes bytes (false: ignore the ping). */
bool ping_wants_pong(const struct msg_ping *ping);

/* True if channel_id is all zeros: an error or warning about every
 * channel with the peer. */
bool channel_id_is_all_zero(const struct channel_id *channel_id);

/* An error or warning carrying text (truncated to
 * WIRE_MAX_ERROR_DATA_LEN bytes).  channel_id NULL means all channels.
 * Never fails; free with wirebuf_free(). */
struct wirebuf *towire_error_text(const struct channel_id *channel_id,
				  const char *text);
struct wirebuf *towire_warning_text(const struct channel_id *channel_id,
				    const char *text);

/* Whether error/warning data is safe to print verbatim: only printable
 * ASCII (bytes 32 to 126). */
bool error_data_is_printable(const uint8_t *data, size_t len);

#endif /* OHM_WIRE_PEER_WIRE_H */
