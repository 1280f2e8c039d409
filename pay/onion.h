/* BOLT #4 Sphinx onions: building the 1366-byte `onion_routing_packet` at
 * the origin of a payment, and peeling one layer of it at each hop.
 *
 * An onion carries one `hop_payload` per hop (see pay/hop_payload.h for
 * their TLV contents), each readable only by its hop: the origin derives a
 * shared secret with every hop by ECDH from a session key it blinds from
 * hop to hop (BOLT #4 "Shared Secret", "Blinding Ephemeral Onion Keys"),
 * and from each shared secret the keys below (BOLT #4 "Key Generation").
 * The origin keeps the shared secrets: it needs them to read the error a
 * hop may send back (pay/onion_error.h).
 *
 * Pure: no I/O, no globals, no randomness of its own (the session key is
 * the caller's, drawn fresh for every onion).  As in crypto/secp.h, the
 * libsecp256k1 context comes first, outputs come before inputs, and a
 * function that fails writes none of its outputs unless it says so.
 *
 * Route blinding: a hop inside a blinded route gets a `path_key` next to
 * the onion (in update_add_htlc) and passes it to onion_process(), which
 * then tweaks the onion's ephemeral key as BOLT #4 "Onion Decryption"
 * says.  Decrypting `encrypted_recipient_data` and deriving the next
 * path_key are the route blinding module's business, not this one's.
 */
#ifndef OHM_PAY_ONION_H
#define OHM_PAY_ONION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "crypto/types.h"

/* The packet: version, public key, hop_payloads, hmac (BOLT #4 "Packet
 * Structure"). */
#define ONION_VERSION 0
#define ONION_HOP_PAYLOADS_LEN 1300
#define ONION_HMAC_LEN 32
#define ONION_PACKET_LEN \
	(1 + PUBKEY_CMPR_LEN + ONION_HOP_PAYLOADS_LEN + ONION_HMAC_LEN)

/* The longest payload a hop can be given: the whole of hop_payloads less
 * its 3-byte BigSize length and the next HMAC. */
#define ONION_MAX_PAYLOAD_LEN (ONION_HOP_PAYLOADS_LEN - 3 - ONION_HMAC_LEN)

/* Key types for onion_key_generate() (BOLT #4 "Key Generation" and
 * "Returning Errors"). */
#define ONION_KEY_RHO "rho"
#define ONION_KEY_MU "mu"
#define ONION_KEY_UM "um"
#define ONION_KEY_PAD "pad"
#define ONION_KEY_AMMAG "ammag"

/* out = HMAC-SHA256(key = key_type, without its NUL; data = secret): the
 * rho, mu, um, pad and ammag keys (and route blinding's, such as
 * "blinded_node_id"). */
void onion_key_generate(struct secret *out, const char *key_type,
			const struct secret *secret);

/* One hop of a route, as the origin sees it. */
struct onion_hop {
	/* The hop's node id, or its blinded node id inside a blinded route. */
	struct pubkey node_id;
	/* The hop's payload (a TLV stream, pay/hop_payload.h), without its
	 * BigSize length: onion_create() writes that. */
	const uint8_t *payload;
	size_t payload_len;
};

/* Builds the onion for a route of num_hops hops (BOLT #4 "Packet
 * Construction"), hops[0] being the first one the packet reaches.
 * assoc_data (the payment hash, for payments) is committed to by every
 * HMAC but not carried.  shared_secrets must have room for num_hops
 * secrets: secret i is the one shared with hops[i], which the origin keeps
 * to decode a returned error.
 * Returns: true on success; false, writing nothing, if num_hops is 0, a
 *          payload is shorter than 2 bytes (lengths 0 and 1 are reserved),
 *          the payloads do not fit in ONION_HOP_PAYLOADS_LEN bytes, or
 *          session_key is not a valid secret key. */
bool onion_create(const secp256k1_context *ctx,
		  uint8_t packet[ONION_PACKET_LEN],
		  struct secret *shared_secrets,
		  const struct privkey *session_key,
		  const struct onion_hop *hops, size_t num_hops,
		  const uint8_t *assoc_data, size_t assoc_data_len);

/* Our node's ECDH, for a node key kept behind an interface: writes
 * SHA256(compressed(node_key * point)) to out (what ecdh_shared_secret()
 * computes) and returns true, or returns false if it cannot. */
typedef bool (*onion_ecdh_fn)(void *arg, struct secret *out,
			      const struct pubkey *point);

/* What a hop learns by peeling its layer. */
struct onion_peeled {
	/* Our payload, without its BigSize length. */
	uint8_t payload[ONION_MAX_PAYLOAD_LEN];
	size_t payload_len;
	/* The next HMAC was all zero: the onion ends here. */
	bool is_final;
	/* The packet to forward to the next hop; all zero if is_final. */
	uint8_t next_packet[ONION_PACKET_LEN];
};

/* Peels our layer off packet (BOLT #4 "Onion Decryption"): checks the
 * version, the public key and the HMAC over hop_payloads and assoc_data,
 * then decrypts our payload and builds the packet for the next hop.
 * path_key is the update_add_htlc's path_key when we are inside a blinded
 * route, else NULL.  ecdh (with ecdh_arg) performs ECDH with our node key.
 * shared_secret receives the secret we share with the origin: keep it to
 * wrap errors going back (pay/onion_error.h).  Refusing a replayed HMAC
 * (BOLT #4 "if `hmac` has previously been received") needs memory of past
 * onions, so it is the caller's job.
 * Returns: 0 on success, having written out and shared_secret.  Otherwise
 *          the BOLT #4 failure_code to answer with (pay/onion_error.h),
 *          out unwritten:
 *          - invalid_onion_version, invalid_onion_key or
 *            invalid_onion_hmac: BADONION codes, for
 *            update_fail_malformed_htlc;
 *          - invalid_onion_payload if the HMAC is good but our payload's
 *            length is malformed: shared_secret is written, so the error
 *            (with type 0, offset 0) can be wrapped for the origin;
 *          - invalid_onion_blinding in place of any of these when path_key
 *            is set.
 *          If why is not NULL it gets a static description of the
 *          failure (NULL on success). */
uint16_t onion_process(const secp256k1_context *ctx,
		       struct onion_peeled *out, struct secret *shared_secret,
		       const char **why,
		       const uint8_t packet[ONION_PACKET_LEN],
		       const uint8_t *assoc_data, size_t assoc_data_len,
		       const struct pubkey *path_key,
		       onion_ecdh_fn ecdh, void *ecdh_arg);

/* onion_process() with our node's secret key at hand. */
uint16_t onion_process_with_key(const secp256k1_context *ctx,
				struct onion_peeled *out,
				struct secret *shared_secret,
				const char **why,
				const uint8_t packet[ONION_PACKET_LEN],
				const uint8_t *assoc_data,
				size_t assoc_data_len,
				const struct pubkey *path_key,
				const struct privkey *node_key);

#endif /* OHM_PAY_ONION_H */
