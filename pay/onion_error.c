/* Failure messages and return packets.  Each failure code's data is one
 * of a few shapes; failure_info() maps code to name and shape exactly as
 * BOLT #4 "Failure Messages" lists them, and the reader and writer follow
 * the shape.  A switch without default, so a code added to the enum but
 * not here is a compile error. */
#include "pay/onion_error.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/chacha20.h"
#include "crypto/hash.h"
#include "crypto/util.h"
#include "pay/onion.h"
#include "wire/wire.h"

/* The data a failure code carries, after the code itself. */
enum failure_data {
	DATA_NONE,
	DATA_SHA256_OF_ONION,		/* [sha256:sha256_of_onion] */
	DATA_UPDATE,			/* [u16:len][len*byte:channel_update] */
	DATA_MSAT_UPDATE,		/* [u64:htlc_msat] then DATA_UPDATE */
	DATA_CLTV_UPDATE,		/* [u32:cltv_expiry] then DATA_UPDATE */
	DATA_FLAGS_UPDATE,		/* [u16:disabled_flags] then DATA_UPDATE */
	DATA_MSAT_HEIGHT,		/* [u64:htlc_msat][u32:height] */
	DATA_CLTV,			/* [u32:cltv_expiry] */
	DATA_MSAT,			/* [u64:incoming_htlc_amt] */
	DATA_TYPE_OFFSET,		/* [bigsize:type][u16:offset] */
};

struct failure_info {
	const char *name;
	enum failure_data data;
};

static bool failure_info(struct failure_info *info, uint16_t code)
{
	switch ((enum onion_failure_code)code) {
	case ONION_FAILURE_INVALID_REALM:
		*info = (struct failure_info){ "invalid_realm", DATA_NONE };
		return true;
	case ONION_FAILURE_TEMPORARY_NODE_FAILURE:
		*info = (struct failure_info){ "temporary_node_failure", DATA_NONE };
		return true;
	case ONION_FAILURE_PERMANENT_NODE_FAILURE:
		*info = (struct failure_info){ "permanent_node_failure", DATA_NONE };
		return true;
	case ONION_FAILURE_REQUIRED_NODE_FEATURE_MISSING:
		*info = (struct failure_info){ "required_node_feature_missing", DATA_NONE };
		return true;
	case ONION_FAILURE_INVALID_ONION_VERSION:
		*info = (struct failure_info){ "invalid_onion_version", DATA_SHA256_OF_ONION };
		return true;
	case ONION_FAILURE_INVALID_ONION_HMAC:
		*info = (struct failure_info){ "invalid_onion_hmac", DATA_SHA256_OF_ONION };
		return true;
	case ONION_FAILURE_INVALID_ONION_KEY:
		*info = (struct failure_info){ "invalid_onion_key", DATA_SHA256_OF_ONION };
		return true;
	case ONION_FAILURE_TEMPORARY_CHANNEL_FAILURE:
		*info = (struct failure_info){ "temporary_channel_failure", DATA_UPDATE };
		return true;
	case ONION_FAILURE_PERMANENT_CHANNEL_FAILURE:
		*info = (struct failure_info){ "permanent_channel_failure", DATA_NONE };
		return true;
	case ONION_FAILURE_REQUIRED_CHANNEL_FEATURE_MISSING:
		*info = (struct failure_info){ "required_channel_feature_missing", DATA_NONE };
		return true;
	case ONION_FAILURE_UNKNOWN_NEXT_PEER:
		*info = (struct failure_info){ "unknown_next_peer", DATA_NONE };
		return true;
	case ONION_FAILURE_AMOUNT_BELOW_MINIMUM:
		*info = (struct failure_info){ "amount_below_minimum", DATA_MSAT_UPDATE };
		return true;
	case ONION_FAILURE_FEE_INSUFFICIENT:
		*info = (struct failure_info){ "fee_insufficient", DATA_MSAT_UPDATE };
		return true;
	case ONION_FAILURE_INCORRECT_CLTV_EXPIRY:
		*info = (struct failure_info){ "incorrect_cltv_expiry", DATA_CLTV_UPDATE };
		return true;
	case ONION_FAILURE_EXPIRY_TOO_SOON:
		*info = (struct failure_info){ "expiry_too_soon", DATA_UPDATE };
		return true;
	case ONION_FAILURE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS:
		*info = (struct failure_info){ "incorrect_or_unknown_payment_details", DATA_MSAT_HEIGHT };
		return true;
	case ONION_FAILURE_FINAL_INCORRECT_CLTV_EXPIRY:
		*info = (struct failure_info){ "final_incorrect_cltv_expiry", DATA_CLTV };
		return true;
	case ONION_FAILURE_FINAL_INCORRECT_HTLC_AMOUNT:
		*info = (struct failure_info){ "final_incorrect_htlc_amount", DATA_MSAT };
		return true;
	case ONION_FAILURE_CHANNEL_DISABLED:
		*info = (struct failure_info){ "channel_disabled", DATA_FLAGS_UPDATE };
		return true;
	case ONION_FAILURE_EXPIRY_TOO_FAR:
		*info = (struct failure_info){ "expiry_too_far", DATA_NONE };
		return true;
	case ONION_FAILURE_INVALID_ONION_PAYLOAD:
		*info = (struct failure_info){ "invalid_onion_payload", DATA_TYPE_OFFSET };
		return true;
	case ONION_FAILURE_MPP_TIMEOUT:
		*info = (struct failure_info){ "mpp_timeout", DATA_NONE };
		return true;
	case ONION_FAILURE_INVALID_ONION_BLINDING:
		*info = (struct failure_info){ "invalid_onion_blinding", DATA_SHA256_OF_ONION };
		return true;
	}
	return false;
}

const char *onion_failure_name(uint16_t code)
{
	struct failure_info info;

	return failure_info(&info, code) ? info.name : NULL;
}

void onion_failure_init(struct onion_failure *failure, uint16_t code)
{
	memset(failure, 0, sizeof(*failure));
	failure->code = code;
}

static void towire_channel_update(struct wirebuf *buf,
				  const struct onion_failure *failure)
{
	towire_u16(buf, (uint16_t)failure->channel_update_len);
	towire_bytes(buf, failure->channel_update,
		     failure->channel_update_len);
}

void onion_failure_towire(struct wirebuf *buf,
			  const struct onion_failure *failure)
{
	struct failure_info info = { NULL, DATA_NONE };

	towire_u16(buf, failure->code);
	failure_info(&info, failure->code);
	switch (info.data) {
	case DATA_NONE:
		return;
	case DATA_SHA256_OF_ONION:
		towire_bytes(buf, failure->sha256_of_onion.u8, SHA256_LEN);
		return;
	case DATA_UPDATE:
		towire_channel_update(buf, failure);
		return;
	case DATA_MSAT_UPDATE:
		towire_u64(buf, failure->htlc_msat);
		towire_channel_update(buf, failure);
		return;
	case DATA_CLTV_UPDATE:
		towire_u32(buf, failure->cltv_expiry);
		towire_channel_update(buf, failure);
		return;
	case DATA_FLAGS_UPDATE:
		towire_u16(buf, failure->disabled_flags);
		towire_channel_update(buf, failure);
		return;
	case DATA_MSAT_HEIGHT:
		towire_u64(buf, failure->htlc_msat);
		towire_u32(buf, failure->height);
		return;
	case DATA_CLTV:
		towire_u32(buf, failure->cltv_expiry);
		return;
	case DATA_MSAT:
		towire_u64(buf, failure->htlc_msat);
		return;
	case DATA_TYPE_OFFSET:
		towire_bigsize(buf, failure->payload_type);
		towire_u16(buf, failure->payload_offset);
		return;
	}
}

static void fromwire_channel_update(const uint8_t **cursor, size_t *max,
				    struct onion_failure *f)
{
	uint16_t len = fromwire_u16(cursor, max);

	f->channel_update = fromwire_pull(cursor, max, len);
	f->channel_update_len = f->channel_update ? len : 0;
}

bool onion_failure_fromwire(struct onion_failure *out,
			    const uint8_t *msg, size_t len)
{
	const uint8_t *cursor = msg;
	size_t max = len;
	struct failure_info info = { NULL, DATA_NONE };
	struct onion_failure f;

	onion_failure_init(&f, fromwire_u16(&cursor, &max));
	failure_info(&info, f.code);
	switch (info.data) {
	case DATA_NONE:
		break;
	case DATA_SHA256_OF_ONION:
		fromwire_bytes(&cursor, &max, f.sha256_of_onion.u8, SHA256_LEN);
		break;
	case DATA_UPDATE:
		fromwire_channel_update(&cursor, &max, &f);
		break;
	case DATA_MSAT_UPDATE:
		f.htlc_msat = fromwire_u64(&cursor, &max);
		fromwire_channel_update(&cursor, &max, &f);
		break;
	case DATA_CLTV_UPDATE:
		f.cltv_expiry = fromwire_u32(&cursor, &max);
		fromwire_channel_update(&cursor, &max, &f);
		break;
	case DATA_FLAGS_UPDATE:
		f.disabled_flags = fromwire_u16(&cursor, &max);
		fromwire_channel_update(&cursor, &max, &f);
		break;
	case DATA_MSAT_HEIGHT:
		f.htlc_msat = fromwire_u64(&cursor, &max);
		f.height = fromwire_u32(&cursor, &max);
		break;
	case DATA_CLTV:
		f.cltv_expiry = fromwire_u32(&cursor, &max);
		break;
	case DATA_MSAT:
		f.htlc_msat = fromwire_u64(&cursor, &max);
		break;
	case DATA_TYPE_OFFSET:
		f.payload_type = fromwire_bigsize(&cursor, &max);
		f.payload_offset = fromwire_u16(&cursor, &max);
		break;
	}
	/* BOLT #4:
	 * The _origin node_:
	 *   - MUST ignore any extra bytes in `failuremsg`.
	 */
	if (!cursor)
		return false;
	*out = f;
	return true;
}

/* The um HMAC over everything after the hmac field. */
static void error_hmac(uint8_t out[ONION_ERROR_HMAC_LEN],
		       const struct secret *shared_secret,
		       const uint8_t *packet, size_t len)
{
	struct secret um;

	onion_key_generate(&um, ONION_KEY_UM, shared_secret);
	hmac_sha256(out, um.data, sizeof(um.data),
		    packet + ONION_ERROR_HMAC_LEN, len - ONION_ERROR_HMAC_LEN);
	CRYPTO_WIPE(&um);
}

bool onion_error_create(struct wirebuf *out,
			const struct secret *shared_secret,
			const uint8_t *failure, size_t failure_len,
			size_t padded_len)
{
	uint8_t hmac[ONION_ERROR_HMAC_LEN] = {0};
	struct wirebuf *packet;
	size_t pad_len;

	if (padded_len < ONION_ERROR_PADDED_LEN)
		padded_len = ONION_ERROR_PADDED_LEN;
	if (padded_len < failure_len)
		padded_len = failure_len;
	if (padded_len > UINT16_MAX)
		return false;
	pad_len = padded_len - failure_len;

	/* BOLT #4:
	 * 1. data:
	 *    * [`32*byte`:`hmac`]
	 *    * [`u16`:`failure_len`]
	 *    * [`failure_len*byte`:`failuremsg`]
	 *    * [`u16`:`pad_len`]
	 *    * [`pad_len*byte`:`pad`]
	 */
	packet = wirebuf_new();
	towire_bytes(packet, hmac, sizeof(hmac));
	towire_u16(packet, (uint16_t)failure_len);
	towire_bytes(packet, failure, failure_len);
	towire_u16(packet, (uint16_t)pad_len);
	for (size_t i = 0; i < pad_len; i++)
		towire_u8(packet, 0);

	/* BOLT #4:
	 * Where `hmac` is an HMAC authenticating the remainder of the packet, with a key
	 * generated using the above process, with key type `um`, `failuremsg` as defined
	 * below, and `pad` as the extra bytes used to conceal length.
	 *
	 * BOLT #4:
	 * The erring node then generates a new key, using the key type `ammag`.
	 * This key is then used to generate a pseudo-random stream, which is in turn
	 * applied to the packet using `XOR`.
	 */
	error_hmac(packet->data, shared_secret, packet->data, packet->len);
	onion_error_wrap(packet->data, packet->len, shared_secret);

	wirebuf_append(out, packet->data, packet->len);
	wirebuf_free(packet);
	return true;
}

void onion_error_wrap(uint8_t *packet, size_t len,
		      const struct secret *shared_secret)
{
	static const uint8_t zero_nonce[CHACHA20_NONCE_LEN];
	struct secret ammag;

	onion_key_generate(&ammag, ONION_KEY_AMMAG, shared_secret);
	chacha20_xor(packet, packet, len, &ammag, zero_nonce);
	CRYPTO_WIPE(&ammag);
}

/* Appends the failuremsg of a peeled packet whose HMAC matched, if its
 * failure_len fits. */
static void append_failuremsg(struct wirebuf *failure, const uint8_t *packet,
			      size_t len)
{
	const uint8_t *cursor = packet + ONION_ERROR_HMAC_LEN;
	size_t max = len - ONION_ERROR_HMAC_LEN;
	uint16_t failure_len = fromwire_u16(&cursor, &max);
	const uint8_t *failuremsg = fromwire_pull(&cursor, &max, failure_len);

	if (failuremsg)
		wirebuf_append(failure, failuremsg, failure_len);
}

bool onion_error_decode(struct wirebuf *failure, size_t *erring_index,
			const struct secret *shared_secrets, size_t num_hops,
			const uint8_t *packet, size_t len)
{
	const struct secret dummy = { { 0 } };
	size_t rounds = num_hops > ONION_ERROR_DECODE_ROUNDS
			? num_hops : ONION_ERROR_DECODE_ROUNDS;
	uint8_t hmac[ONION_ERROR_HMAC_LEN];
	bool found = false;
	uint8_t *peeled;

	if (len < ONION_ERROR_HMAC_LEN)
		return false;
	peeled = wire_memdup(packet, len);
	/* BOLT #4:
	 *   - once the return message has been decrypted:
	 *     - SHOULD store a copy of the message.
	 *     - SHOULD continue decrypting, until the loop has been repeated 27 times
	 *     (maximum route length of tlv payload type).
	 *     - SHOULD use constant `ammag` and `um` keys to obfuscate the route length.
	 */
	for (size_t i = 0; i < rounds; i++) {
		const struct secret *secret =
			i < num_hops ? &shared_secrets[i] : &dummy;
		bool matches;

		onion_error_wrap(peeled, len, secret);
		error_hmac(hmac, secret, peeled, len);
		matches = crypto_memeq(hmac, peeled, sizeof(hmac));
		if (matches && !found && i < num_hops) {
			found = true;
			*erring_index = i;
			append_failuremsg(failure, peeled, len);
		}
	}
	free(peeled);
	return found;
}
