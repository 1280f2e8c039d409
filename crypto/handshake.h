/* BOLT #8 "Authenticated Key Exchange Handshake Specification": the
 * Noise_XK_secp256k1_ChaChaPoly_SHA256 handshake as a state machine fed
 * bytes.
 *
 * The caller does all I/O and supplies the ephemeral key (fresh from
 * privkey_generate() in the daemon, fixed in the spec's test vectors):
 *
 *   initiator                                responder
 *   handshake_init_initiator()               handshake_init_responder()
 *   handshake_act1_write()  --- 50 bytes -->  handshake_act1_read()
 *   handshake_act2_read()  <--- 50 bytes ---  handshake_act2_write()
 *   handshake_act3_write()  --- 66 bytes -->  handshake_act3_read()
 *   handshake_finish()                        handshake_finish()
 *
 * Each step returns HANDSHAKE_OK or the reason it failed; after a failure
 * the keys are already wiped, handshake_error_text() explains it, and the
 * connection must be closed without sending anything more.  The caller
 * owns struct handshake (stack or embedded) and calls handshake_wipe()
 * when abandoning one; handshake_finish() wipes it itself.
 */
#ifndef OHM_CRYPTO_HANDSHAKE_H
#define OHM_CRYPTO_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "crypto/cryptomsg.h"
#include "crypto/types.h"

#define HANDSHAKE_ACT1_LEN 50	/* version, ephemeral key, MAC */
#define HANDSHAKE_ACT2_LEN 50	/* version, ephemeral key, MAC */
#define HANDSHAKE_ACT3_LEN 66	/* version, encrypted static key + MAC, MAC */

/* Why a handshake step failed.  handshake_error_name() gives the names
 * the BOLT #8 test vectors use (e.g. "ACT2_BAD_TAG"). */
enum handshake_error {
	HANDSHAKE_OK = 0,
	HANDSHAKE_ACT1_READ_FAILED,	/* not exactly 50 bytes */
	HANDSHAKE_ACT1_BAD_VERSION,	/* version byte is not 0 */
	HANDSHAKE_ACT1_BAD_PUBKEY,	/* initiator's ephemeral key */
	HANDSHAKE_ACT1_BAD_TAG,		/* MAC: it has the wrong key for us */
	HANDSHAKE_ACT2_READ_FAILED,	/* not exactly 50 bytes */
	HANDSHAKE_ACT2_BAD_VERSION,	/* version byte is not 0 */
	HANDSHAKE_ACT2_BAD_PUBKEY,	/* responder's ephemeral key */
	HANDSHAKE_ACT2_BAD_TAG,		/* MAC */
	HANDSHAKE_ACT3_READ_FAILED,	/* not exactly 66 bytes */
	HANDSHAKE_ACT3_BAD_VERSION,	/* version byte is not 0 */
	HANDSHAKE_ACT3_BAD_CIPHERTEXT,	/* MAC on the encrypted static key */
	HANDSHAKE_ACT3_BAD_PUBKEY,	/* initiator's static key */
	HANDSHAKE_ACT3_BAD_TAG,		/* final MAC */
	HANDSHAKE_WRONG_STATE,		/* step called out of order: our bug */
};

enum handshake_state {
	HANDSHAKE_UNINITIALIZED = 0,	/* zeroed or wiped */
	HANDSHAKE_INITIATOR_ACT1,	/* next: act1_write */
	HANDSHAKE_INITIATOR_ACT2,	/* next: act2_read */
	HANDSHAKE_INITIATOR_ACT3,	/* next: act3_write */
	HANDSHAKE_RESPONDER_ACT1,	/* next: act1_read */
	HANDSHAKE_RESPONDER_ACT2,	/* next: act2_write */
	HANDSHAKE_RESPONDER_ACT3,	/* next: act3_read */
	HANDSHAKE_COMPLETE,		/* next: handshake_finish() */
	HANDSHAKE_FAILED,		/* see error and error_text */
};

/* Fields are private to handshake.c, apart from state and error. */
struct handshake {
	enum handshake_state state;
	bool is_initiator;
	struct sha256 h;		/* handshake hash */
	struct secret ck;		/* chaining key */
	struct secret temp_k;		/* temp_k1, temp_k2, then temp_k3 */
	struct privkey local_static, ephemeral;
	struct pubkey local_static_pub, ephemeral_pub;
	struct pubkey remote_static;	/* given, or learned in act three */
	struct pubkey remote_ephemeral;
	enum handshake_error error;
	char error_text[128];
};

/* Starts an initiator's handshake with the node whose static key is
 * remote_static, as local_static, using the ephemeral key ephemeral.
 * Returns: true on success; false if local_static or ephemeral is not a
 *          valid secret key (hs is then left wiped). */
bool handshake_init_initiator(const secp256k1_context *ctx,
			      struct handshake *hs,
			      const struct privkey *local_static,
			      const struct pubkey *remote_static,
			      const struct privkey *ephemeral);

/* Starts a responder's handshake as local_static, using the ephemeral key
 * ephemeral.
 * Returns: true on success; false if local_static or ephemeral is not a
 *          valid secret key (hs is then left wiped). */
bool handshake_init_responder(const secp256k1_context *ctx,
			      struct handshake *hs,
			      const struct privkey *local_static,
			      const struct privkey *ephemeral);

/* Initiator: writes act one, to be sent to the responder, into out.
 * Returns: HANDSHAKE_OK, or HANDSHAKE_WRONG_STATE. */
enum handshake_error handshake_act1_write(const secp256k1_context *ctx,
					  struct handshake *hs,
					  uint8_t out[HANDSHAKE_ACT1_LEN]);

/* Responder: processes act one, in[0..len), as received.
 * Returns: HANDSHAKE_OK, an HANDSHAKE_ACT1_* error, or
 *          HANDSHAKE_WRONG_STATE. */
enum handshake_error handshake_act1_read(const secp256k1_context *ctx,
					 struct handshake *hs,
					 const uint8_t *in, size_t len);

/* Responder: writes act two, to be sent to the initiator, into out.
 * Returns: HANDSHAKE_OK, or HANDSHAKE_WRONG_STATE. */
enum handshake_error handshake_act2_write(const secp256k1_context *ctx,
					  struct handshake *hs,
					  uint8_t out[HANDSHAKE_ACT2_LEN]);

/* Initiator: processes act two, in[0..len), as received.
 * Returns: HANDSHAKE_OK, an HANDSHAKE_ACT2_* error, or
 *          HANDSHAKE_WRONG_STATE. */
enum handshake_error handshake_act2_read(const secp256k1_context *ctx,
					 struct handshake *hs,
					 const uint8_t *in, size_t len);

/* Initiator: writes act three, to be sent to the responder, into out;
 * the handshake is then complete.
 * Returns: HANDSHAKE_OK, or HANDSHAKE_WRONG_STATE. */
enum handshake_error handshake_act3_write(const secp256k1_context *ctx,
					  struct handshake *hs,
					  uint8_t out[HANDSHAKE_ACT3_LEN]);

/* Responder: processes act three, in[0..len), as received; on success the
 * handshake is complete and the initiator's static key known.
 * Returns: HANDSHAKE_OK, an HANDSHAKE_ACT3_* error, or
 *          HANDSHAKE_WRONG_STATE. */
enum handshake_error handshake_act3_read(const secp256k1_context *ctx,
					 struct handshake *hs,
					 const uint8_t *in, size_t len);

/* Ends a complete handshake: derives this side's sending and receiving
 * keys into cs (crypto_state_init() with the final ck), writes the
 * peer's static key (for a responder, the node that connected) to
 * remote_static, and wipes hs.
 * Returns: true on success; false, touching nothing, unless hs is in
 *          HANDSHAKE_COMPLETE. */
bool handshake_finish(struct handshake *hs, struct crypto_state *cs,
		      struct pubkey *remote_static);

/* Wipes every secret in hs and leaves it HANDSHAKE_UNINITIALIZED. */
void handshake_wipe(struct handshake *hs);

/* Returns: the error's name as the BOLT #8 test vectors spell it
 *          ("ACT1_BAD_VERSION", ...), or "OK". */
const char *handshake_error_name(enum handshake_error err);

/* Returns: a human description of hs's failure, starting with the error's
 *          name (e.g. "ACT2_BAD_VERSION 1: act two has handshake version 1;
 *          only version 0 is known"), or "" if hs has not failed.
 *          HANDSHAKE_WRONG_STATE is returned to the caller but not
 *          recorded in hs. */
const char *handshake_error_text(const struct handshake *hs);

#endif /* OHM_CRYPTO_HANDSHAKE_H */
