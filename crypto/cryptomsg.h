/* BOLT #8 "Lightning Message Specification" and "Lightning Message Key
 * Rotation": the encrypted frame every message travels in once the
 * handshake (crypto/handshake.h) is done.
 *
 * A frame is an 18-byte header (the encrypted 2-byte big-endian length and
 * its MAC) followed by the encrypted body and its MAC.  A socket reader
 * reads CRYPTOMSG_HEADER_LEN bytes, calls cryptomsg_decrypt_header() to
 * learn the body length, reads that plus CRYPTOMSG_MAC_LEN bytes, and calls
 * cryptomsg_decrypt_body().  Pure: no I/O, no allocation.  Any failure
 * means the peer (or the stream) is bad and the connection must be closed;
 * the state is then useless and only fit for crypto_state_wipe().
 */
#ifndef OHM_CRYPTO_CRYPTOMSG_H
#define OHM_CRYPTO_CRYPTOMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

#define CRYPTOMSG_MAC_LEN 16
#define CRYPTOMSG_HEADER_LEN (2 + CRYPTOMSG_MAC_LEN)
#define CRYPTOMSG_MAX_MSG_LEN 65535
#define CRYPTOMSG_MAX_FRAME_LEN \
	(CRYPTOMSG_HEADER_LEN + CRYPTOMSG_MAX_MSG_LEN + CRYPTOMSG_MAC_LEN)
/* Uses of a key before it rotates ("Lightning Message Key Rotation"). */
#define CRYPTOMSG_KEY_ROTATION_INTERVAL 1000

/* One direction's key, nonce and chaining key each way.  Owned by the
 * caller (usually embedded in the peer); fields are private to
 * cryptomsg.c, apart from tests reading them. */
struct crypto_state {
	struct secret sk, rk;	/* sending and receiving keys */
	struct secret sck, rck;	/* chaining keys for their rotation */
	uint64_t sn, rn;	/* nonces: uses of sk and rk since rotation */
};

/* Starts a session from the handshake's results: sn = rn = 0 and
 * sck = rck = ck. */
void crypto_state_init(struct crypto_state *cs, const struct secret *sk,
		       const struct secret *rk, const struct secret *ck);

/* Wipes every key in cs. */
void crypto_state_wipe(struct crypto_state *cs);

/* Returns: the size of the frame carrying a msg_len-byte message. */
static inline size_t cryptomsg_frame_len(size_t msg_len)
{
	return CRYPTOMSG_HEADER_LEN + msg_len + CRYPTOMSG_MAC_LEN;
}

/* Encrypts msg[0..msg_len) into out, which must hold
 * cryptomsg_frame_len(msg_len) bytes and must not overlap msg.  Uses two
 * sending nonces, rotating sk as needed.
 * Returns: true on success; false, touching nothing, if msg_len exceeds
 *          CRYPTOMSG_MAX_MSG_LEN. */
bool cryptomsg_encrypt(struct crypto_state *cs, uint8_t *out,
		       const uint8_t *msg, size_t msg_len);

/* Decrypts a frame's 18-byte header into *msg_len, the length of the
 * body that follows (which is *msg_len + CRYPTOMSG_MAC_LEN bytes on the
 * wire).  Uses one receiving nonce.
 * Returns: true on success; false if the header's MAC does not verify. */
bool cryptomsg_decrypt_header(struct crypto_state *cs, uint16_t *msg_len,
			      const uint8_t header[CRYPTOMSG_HEADER_LEN]);

/* Decrypts the body that follows a header: body[0..body_len), where
 * body_len is the header's msg_len + CRYPTOMSG_MAC_LEN, into msg, which
 * must hold body_len - CRYPTOMSG_MAC_LEN bytes (it may equal body).  Uses
 * one receiving nonce.
 * Returns: true on success; false if body_len is shorter than a MAC or
 *          the MAC does not verify (msg then holds zeros). */
bool cryptomsg_decrypt_body(struct crypto_state *cs, uint8_t *msg,
			    const uint8_t *body, size_t body_len);

#endif /* OHM_CRYPTO_CRYPTOMSG_H */
