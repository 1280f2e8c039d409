/* BOLT #4 "`payload` format": the TLV stream each hop finds in its layer
 * of the onion (pay/onion.h), what to forward or accept, and the reader
 * rules about which records a hop needs.
 *
 * The reader answers what a hop must send back when its payload is
 * unusable: invalid_onion_payload naming the TLV type at fault and its
 * offset, or invalid_onion_blinding inside a blinded route.  The checks
 * that need the incoming HTLC, our channels or block height (amounts,
 * CLTV deltas, payment secrets) are the caller's.
 *
 * Keysend (spontaneous payments) puts the preimage in a record of type
 * 5482373484, outside the BOLTs.  That type is even, so a reader must
 * understand it or refuse the payload: we decode it like the spec's own
 * records, and a node that does not take keysend payments answers
 * invalid_onion_payload for it (the caller's policy).  Records we do not
 * know, if odd, are kept in `unknowns` for the caller to read.
 *
 * Memory: hop_payload_decode() fills a struct that owns copies of its
 * variable-length records; release it with hop_payload_clear().
 */
#ifndef OHM_PAY_HOP_PAYLOAD_H
#define OHM_PAY_HOP_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "channel/params.h"
#include "crypto/types.h"
#include "pay/onion_error.h"
#include "wire/short_channel_id.h"
#include "wire/tlv.h"
#include "wire/wirebuf.h"

/* The record types of BOLT #4's `payload` tlv_stream. */
#define HOP_PAYLOAD_AMT_TO_FORWARD 2
#define HOP_PAYLOAD_OUTGOING_CLTV_VALUE 4
#define HOP_PAYLOAD_SHORT_CHANNEL_ID 6
#define HOP_PAYLOAD_PAYMENT_DATA 8
#define HOP_PAYLOAD_ENCRYPTED_RECIPIENT_DATA 10
#define HOP_PAYLOAD_CURRENT_PATH_KEY 12
#define HOP_PAYLOAD_PAYMENT_METADATA 16
#define HOP_PAYLOAD_TOTAL_AMOUNT_MSAT 18

/* Keysend's preimage: not in the BOLTs, but what every implementation
 * reads.  Even, so must-understand. */
#define HOP_PAYLOAD_KEYSEND_PREIMAGE 5482373484ULL

struct hop_payload {
	bool has_amt_to_forward;
	uint64_t amt_to_forward_msat;
	bool has_outgoing_cltv_value;
	uint32_t outgoing_cltv_value;
	bool has_short_channel_id;
	struct short_channel_id short_channel_id;
	/* payment_data: the invoice's payment_secret and the payment's
	 * total across all its parts. */
	bool has_payment_data;
	struct secret payment_secret;
	uint64_t payment_data_total_msat;
	/* Variable-length records: malloc'd (NULL when empty), as
	 * hop_payload_clear() frees them. */
	bool has_encrypted_recipient_data;
	uint8_t *encrypted_recipient_data;
	size_t encrypted_recipient_data_len;
	bool has_current_path_key;
	struct pubkey current_path_key;
	bool has_payment_metadata;
	uint8_t *payment_metadata;
	size_t payment_metadata_len;
	bool has_total_amount_msat;
	uint64_t total_amount_msat;
	bool has_keysend_preimage;
	struct preimage keysend_preimage;
	/* Odd records of types not listed above, by increasing type. */
	struct tlv_unknowns unknowns;
};

/* Why a payload was refused. */
struct hop_payload_error {
	/* What to answer: invalid_onion_payload with payload_type and
	 * payload_offset set (the type at fault, and where its record
	 * starts in the decrypted hop_payloads, length prefix included;
	 * offset 0 for a record that is missing), or
	 * invalid_onion_blinding, whose sha256_of_onion the caller fills
	 * in. */
	struct onion_failure failure;
	const char *why;		/* static text naming the problem */
};

/* An empty payload, ready to fill in and encode. */
void hop_payload_init(struct hop_payload *payload);

/* Frees what payload owns and empties it (it may be reused). */
void hop_payload_clear(struct hop_payload *payload);

/* Appends payload as a TLV stream (without the onion's BigSize length
 * in front), known records and unknowns by increasing type. */
void hop_payload_towire(const secp256k1_context *ctx, struct wirebuf *buf,
			const struct hop_payload *payload);

/* Decodes and checks bytes[0..len), a hop's payload from
 * onion_process(): the TLV stream rules of BOLT #1 and BOLT #4's reader
 * rules for a hop that is_final (the onion ends with us) or not, and
 * whose update_add_htlc carried a path_key (has_path_key) or not.
 * Returns: true on success, out filled (clear it when done); false with
 *          *err saying what to answer, out untouched. */
bool hop_payload_decode(const secp256k1_context *ctx, struct hop_payload *out,
			struct hop_payload_error *err,
			const uint8_t *bytes, size_t len,
			bool is_final, bool has_path_key);

/* The payment's total, for the final node.  BOLT #4: "MUST treat
 * `total_msat` as if it were equal to `amt_to_forward` if it is not
 * present"; total_amount_msat serves blinded routes. */
uint64_t hop_payload_total_msat(const struct hop_payload *payload);

/* Adds an odd record of a type not defined above (a custom record) for
 * hop_payload_towire().
 * Returns: true on success; false, adding nothing, if type is even, one
 *          of the types above, or already present. */
bool hop_payload_add_unknown(struct hop_payload *payload, uint64_t type,
			     const uint8_t *value, size_t len);

/* The custom record of type, or NULL if absent. */
const struct tlv_record *hop_payload_find_unknown(
	const struct hop_payload *payload, uint64_t type);

#endif /* OHM_PAY_HOP_PAYLOAD_H */
