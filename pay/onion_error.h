/* BOLT #4 "Returning Errors" and "Failure Messages": the failure codes a
 * hop answers an HTLC with, their data, and the return packet that carries
 * one back to the origin of the payment, readable only by it.
 *
 * The erring node builds the packet from the shared secret it got when it
 * peeled the onion (pay/onion.h), every node on the way back obfuscates it
 * again with its own, and the origin, which knows all the shared secrets,
 * finds which hop made it by trying each hop's HMAC in turn.
 *
 * `attribution_data` (option_attribution_data, which says which hop
 * garbled a packet and carries hold times) is not implemented: packets
 * without it are what every node understands.
 *
 * Pure: no I/O, no globals.
 */
#ifndef OHM_PAY_ONION_ERROR_H
#define OHM_PAY_ONION_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "wire/wirebuf.h"

/* The flags in a failure_code's top byte. */
#define ONION_FAILURE_BADONION 0x8000	/* unparsable onion from the sending peer */
#define ONION_FAILURE_PERM 0x4000	/* permanent (otherwise transient) */
#define ONION_FAILURE_NODE 0x2000	/* node failure (otherwise channel) */
#define ONION_FAILURE_UPDATE 0x1000	/* channel forwarding parameter violated */

enum onion_failure_code {
	/* Legacy: the realm byte of the pre-TLV payload format. */
	ONION_FAILURE_INVALID_REALM = ONION_FAILURE_PERM | 1,
	ONION_FAILURE_TEMPORARY_NODE_FAILURE = ONION_FAILURE_NODE | 2,
	ONION_FAILURE_PERMANENT_NODE_FAILURE =
		ONION_FAILURE_PERM | ONION_FAILURE_NODE | 2,
	ONION_FAILURE_REQUIRED_NODE_FEATURE_MISSING =
		ONION_FAILURE_PERM | ONION_FAILURE_NODE | 3,
	ONION_FAILURE_INVALID_ONION_VERSION =
		ONION_FAILURE_BADONION | ONION_FAILURE_PERM | 4,
	ONION_FAILURE_INVALID_ONION_HMAC =
		ONION_FAILURE_BADONION | ONION_FAILURE_PERM | 5,
	ONION_FAILURE_INVALID_ONION_KEY =
		ONION_FAILURE_BADONION | ONION_FAILURE_PERM | 6,
	ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE = ONION_FAILURE_UPDATE | 7,
	ONION_FAILURE_PERMANENT_CHANNEL_FAILURE = ONION_FAILURE_PERM | 8,
	ONION_FAILURE_REQUIRED_CHANNEL_FEATURE_MISSING = ONION_FAILURE_PERM | 9,
	ONION_FAILURE_UNKNOWN_NEXT_PEER = ONION_FAILURE_PERM | 10,
	ONION_FAILURE_AMOUNT_BELOW_MINIMUM = ONION_FAILURE_UPDATE | 11,
	ONION_FAILURE_FEE_INSUFFICIENT = ONION_FAILURE_UPDATE | 12,
	ONION_FAILURE_INCORRECT_CLTV_EXPIRY = ONION_FAILURE_UPDATE | 13,
	ONION_FAILURE_EXPIRY_TOO_SOON = ONION_FAILURE_UPDATE | 14,
	ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS =
		ONION_FAILURE_PERM | 15,
	ONION_FAILURE_FINAL_INCORRECT_CLTV_EXPIRY = 18,
	ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT = 19,
	ONION_FAILURE_CHANNEL_DISABLED = ONION_FAILURE_UPDATE | 20,
	ONION_FAILURE_EXPIRY_TOO_FAR = 21,
	ONION_FAILURE_INVALID_ONION_PAYLOAD = ONION_FAILURE_PERM | 22,
	ONION_FAILURE_MPP_TIMEOUT = 23,
	ONION_FAILURE_INVALID_ONION_BLINDING =
		ONION_FAILURE_BADONION | ONION_FAILURE_PERM | 24,
};

/* A failure message (`failuremsg`): the code and whichever data fields
 * the spec gives that code; the others are zero. */
struct onion_failure {
	uint16_t code;			/* enum onion_failure_code, or unknown */
	/* invalid_onion_version, _hmac, _key and invalid_onion_blinding. */
	struct sha256 sha256_of_onion;
	/* amount_below_minimum, fee_insufficient and
	 * incorrect_or_unknown_payment_details: `htlc_msat`;
	 * final_incorrect_htlc_amount: `incoming_htlc_amt`. */
	uint64_t htlc_msat;
	/* incorrect_cltv_expiry and final_incorrect_cltv_expiry. */
	uint32_t cltv_expiry;
	/* incorrect_or_unknown_payment_details: our block height. */
	uint32_t height;
	/* channel_disabled: always 0 for now. */
	uint16_t disabled_flags;
	/* invalid_onion_payload: the TLV type at fault and its offset in
	 * the decrypted hop_payloads. */
	uint64_t payload_type;
	uint16_t payload_offset;
	/* The UPDATE codes: the `channel_update` (nodes now send none:
	 * length 0).  Borrowed: onion_failure_fromwire() points into its
	 * input, and onion_failure_towire() copies from here. */
	const uint8_t *channel_update;
	size_t channel_update_len;
};

/* The spec's name of code ("temporary_node_failure"), or NULL if we do
 * not know the code. */
const char *onion_failure_name(uint16_t code);

/* Sets *failure to code with every data field zero. */
void onion_failure_init(struct onion_failure *failure, uint16_t code);

/* Appends the failure message: failure_code, then code's data.  An
 * unknown code is written without data.  Precondition:
 * channel_update_len fits in a u16. */
void onion_failure_towire(struct wirebuf *buf,
			  const struct onion_failure *failure);

/* Parses a failure message.  BOLT #4: "MUST ignore any extra bytes in
 * `failuremsg`" (a TLV stream may follow the data).  An unknown code
 * parses, with no data.  channel_update points into msg.
 * Returns: true on success; false, writing nothing, if msg is shorter
 *          than its code's data. */
bool onion_failure_fromwire(struct onion_failure *out,
			    const uint8_t *msg, size_t len);

/* BOLT #4:
 * The _erring node_:
 *   - MUST set `pad` such that the `failure_len` plus `pad_len` is at least 256.
 *   - SHOULD set `pad` such that the `failure_len` plus `pad_len` is equal to
 *     256. Deviating from this may cause older nodes to be unable to parse the
 *     return message.
 */
#define ONION_ERROR_PADDED_LEN 256

/* The hmac before failure_len, failuremsg, pad_len and pad. */
#define ONION_ERROR_HMAC_LEN 32

/* How many hops the origin tries, whatever the route's length, so an
 * erring node cannot time its distance (BOLT #4: "SHOULD continue
 * decrypting, until the loop has been repeated 27 times"). */
#define ONION_ERROR_DECODE_ROUNDS 27

/* The erring node: appends the return packet for failure[0..failure_len)
 * (a failure message, e.g. from onion_failure_towire()), HMAC'd with the
 * um key of shared_secret and obfuscated with its ammag key: ready for
 * update_fail_htlc's `reason`.  The failure is padded so that failure_len
 * plus pad_len is padded_len, raised to ONION_ERROR_PADDED_LEN and to
 * failure_len if smaller (pass ONION_ERROR_PADDED_LEN unless hiding
 * longer failures).  The packet is 32 + 2 + padded + 2 bytes.
 * Returns: true on success; false, appending nothing, if failure_len or
 *          padded_len does not fit in a u16. */
bool onion_error_create(struct wirebuf *out,
			const struct secret *shared_secret,
			const uint8_t *failure, size_t failure_len,
			size_t padded_len);

/* A node on the way back: obfuscates packet[0..len) in place with the
 * ammag key of the secret it shares with the origin. */
void onion_error_wrap(uint8_t *packet, size_t len,
		      const struct secret *shared_secret);

/* The origin: peels packet[0..len) with the ammag key of each hop's
 * shared secret in route order (shared_secrets[0] is the first hop's, as
 * onion_create() returned them) until the um HMAC of one matches.
 * Returns: true if hop *erring_index made the packet: its failuremsg is
 *          appended to failure (nothing, if the HMAC matched but
 *          failure_len overruns the packet); false if no hop's HMAC
 *          matches, the packet is unreadable, and nothing is written. */
bool onion_error_decode(struct wirebuf *failure, size_t *erring_index,
			const struct secret *shared_secrets, size_t num_hops,
			const uint8_t *packet, size_t len);

#endif /* OHM_PAY_ONION_ERROR_H */
