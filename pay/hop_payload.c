/* The `payload` tlv_stream on wire/tlv.h's generic parser, then BOLT #4's
 * reader rules in the order the spec lists them. */
#include "pay/hop_payload.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/secp.h"
#include "crypto/util.h"
#include "wire/wire.h"

/* What the record callbacks work on: the payload, and the context to
 * parse and serialize current_path_key with. */
struct hop_payload_stream {
	const secp256k1_context *ctx;
	struct hop_payload *payload;
};

static void amt_to_forward_fromwire(const uint8_t **cursor, size_t *max,
				    void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_amt_to_forward = true;
	p->amt_to_forward_msat = fromwire_tu64(cursor, max);
}

static bool amt_to_forward_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_amt_to_forward)
		towire_tu64(buf, p->amt_to_forward_msat);
	return p->has_amt_to_forward;
}

static void outgoing_cltv_value_fromwire(const uint8_t **cursor, size_t *max,
					 void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_outgoing_cltv_value = true;
	p->outgoing_cltv_value = fromwire_tu32(cursor, max);
}

static bool outgoing_cltv_value_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_outgoing_cltv_value)
		towire_tu32(buf, p->outgoing_cltv_value);
	return p->has_outgoing_cltv_value;
}

static void short_channel_id_fromwire(const uint8_t **cursor, size_t *max,
				      void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_short_channel_id = true;
	fromwire_short_channel_id(cursor, max, &p->short_channel_id);
}

static bool short_channel_id_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_short_channel_id)
		towire_short_channel_id(buf, &p->short_channel_id);
	return p->has_short_channel_id;
}

static void payment_data_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_payment_data = true;
	fromwire_bytes(cursor, max, p->payment_secret.data,
		       sizeof(p->payment_secret.data));
	p->payment_data_total_msat = fromwire_tu64(cursor, max);
}

static bool payment_data_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (!p->has_payment_data)
		return false;
	towire_bytes(buf, p->payment_secret.data, sizeof(p->payment_secret.data));
	towire_tu64(buf, p->payment_data_total_msat);
	return true;
}

/* The rest of the record, as a malloc'd copy. */
static void fromwire_rest(const uint8_t **cursor, size_t *max,
			  uint8_t **out, size_t *out_len)
{
	size_t len = *max;
	const uint8_t *bytes = fromwire_pull(cursor, max, len);

	*out = bytes ? wire_memdup(bytes, len) : NULL;
	*out_len = bytes ? len : 0;
}

static void encrypted_recipient_data_fromwire(const uint8_t **cursor,
					      size_t *max, void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_encrypted_recipient_data = true;
	fromwire_rest(cursor, max, &p->encrypted_recipient_data,
		      &p->encrypted_recipient_data_len);
}

static bool encrypted_recipient_data_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_encrypted_recipient_data)
		towire_bytes(buf, p->encrypted_recipient_data,
			     p->encrypted_recipient_data_len);
	return p->has_encrypted_recipient_data;
}

static void current_path_key_fromwire(const uint8_t **cursor, size_t *max,
				      void *s)
{
	struct hop_payload_stream *stream = s;
	struct hop_payload *p = stream->payload;
	struct wire_point point;

	p->has_current_path_key = true;
	fromwire_point(cursor, max, &point);
	if (*cursor && !pubkey_parse(stream->ctx, &p->current_path_key,
				     point.bytes))
		fromwire_fail(cursor, max);
}

static bool current_path_key_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload_stream *stream = s;
	struct wire_point point;

	if (!stream->payload->has_current_path_key)
		return false;
	pubkey_serialize(stream->ctx, point.bytes,
			 &stream->payload->current_path_key);
	towire_point(buf, &point);
	return true;
}

static void payment_metadata_fromwire(const uint8_t **cursor, size_t *max,
				      void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_payment_metadata = true;
	fromwire_rest(cursor, max, &p->payment_metadata,
		      &p->payment_metadata_len);
}

static bool payment_metadata_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_payment_metadata)
		towire_bytes(buf, p->payment_metadata, p->payment_metadata_len);
	return p->has_payment_metadata;
}

static void total_amount_msat_fromwire(const uint8_t **cursor, size_t *max,
				       void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_total_amount_msat = true;
	p->total_amount_msat = fromwire_tu64(cursor, max);
}

static bool total_amount_msat_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_total_amount_msat)
		towire_tu64(buf, p->total_amount_msat);
	return p->has_total_amount_msat;
}

static void keysend_preimage_fromwire(const uint8_t **cursor, size_t *max,
				      void *s)
{
	struct hop_payload *p = ((struct hop_payload_stream *)s)->payload;

	p->has_keysend_preimage = true;
	fromwire_bytes(cursor, max, p->keysend_preimage.r,
		       sizeof(p->keysend_preimage.r));
}

static bool keysend_preimage_towire(struct wirebuf *buf, const void *s)
{
	const struct hop_payload *p = ((const struct hop_payload_stream *)s)->payload;

	if (p->has_keysend_preimage)
		towire_bytes(buf, p->keysend_preimage.r,
			     sizeof(p->keysend_preimage.r));
	return p->has_keysend_preimage;
}

/* BOLT #4 "`payload` format", record for record, and keysend's. */
static const struct tlv_record_type payload_types[] = {
	{ HOP_PAYLOAD_AMT_TO_FORWARD, "amt_to_forward",
	  amt_to_forward_fromwire, amt_to_forward_towire },
	{ HOP_PAYLOAD_OUTGOING_CLTV_VALUE, "outgoing_cltv_value",
	  outgoing_cltv_value_fromwire, outgoing_cltv_value_towire },
	{ HOP_PAYLOAD_SHORT_CHANNEL_ID, "short_channel_id",
	  short_channel_id_fromwire, short_channel_id_towire },
	{ HOP_PAYLOAD_PAYMENT_DATA, "payment_data",
	  payment_data_fromwire, payment_data_towire },
	{ HOP_PAYLOAD_ENCRYPTED_RECIPIENT_DATA, "encrypted_recipient_data",
	  encrypted_recipient_data_fromwire, encrypted_recipient_data_towire },
	{ HOP_PAYLOAD_CURRENT_PATH_KEY, "current_path_key",
	  current_path_key_fromwire, current_path_key_towire },
	{ HOP_PAYLOAD_PAYMENT_METADATA, "payment_metadata",
	  payment_metadata_fromwire, payment_metadata_towire },
	{ HOP_PAYLOAD_TOTAL_AMOUNT_MSAT, "total_amount_msat",
	  total_amount_msat_fromwire, total_amount_msat_towire },
	{ HOP_PAYLOAD_KEYSEND_PREIMAGE, "keysend_preimage",
	  keysend_preimage_fromwire, keysend_preimage_towire },
};

static const struct tlv_namespace payload_namespace = {
	"payload", payload_types, sizeof(payload_types) / sizeof(payload_types[0])
};

void hop_payload_init(struct hop_payload *payload)
{
	memset(payload, 0, sizeof(*payload));
}

void hop_payload_clear(struct hop_payload *payload)
{
	free(payload->encrypted_recipient_data);
	free(payload->payment_metadata);
	tlv_unknowns_clear(&payload->unknowns);
	crypto_wipe(payload, sizeof(*payload));
}

void hop_payload_towire(const secp256k1_context *ctx, struct wirebuf *buf,
			const struct hop_payload *payload)
{
	/* The writers only read the payload: the cast lets them share the
	 * readers' stream struct. */
	struct hop_payload_stream stream = {
		ctx, (struct hop_payload *)payload
	};

	tlv_stream_towire(buf, &payload_namespace, &stream, &payload->unknowns);
}

/* Whether the single record at bytes[0..len) fails to parse on its own. */
static bool record_fails_alone(const secp256k1_context *ctx,
			       const uint8_t *bytes, size_t len)
{
	struct hop_payload scratch;
	struct hop_payload_stream stream = { ctx, &scratch };
	bool ok;

	hop_payload_init(&scratch);
	ok = tlv_stream_fromwire(&bytes, &len, &payload_namespace, &stream,
				 NULL, NULL);
	hop_payload_clear(&scratch);
	return !ok;
}

/* Where, in bytes[0..len), the record the TLV parser refused starts: the
 * first record that breaks the stream's framing or order, or fails to
 * parse by itself with the type the parser named. */
static size_t failed_record_offset(const secp256k1_context *ctx,
				   const uint8_t *bytes, size_t len,
				   const struct tlv_error *err)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	uint64_t prev_type = 0;

	for (bool is_first = true; max > 0; is_first = false) {
		const uint8_t *record = cursor;
		uint64_t type = fromwire_bigsize(&cursor, &max);
		uint64_t length = fromwire_bigsize(&cursor, &max);

		if (!cursor || (!is_first && type <= prev_type) || length > max)
			return (size_t)(record - bytes);
		fromwire_pull(&cursor, &max, (size_t)length);
		if (err->has_type && type == err->type
		    && record_fails_alone(ctx, record, (size_t)(cursor - record)))
			return (size_t)(record - bytes);
		prev_type = type;
	}
	return 0;
}

/* Fills *err and returns false. */
static bool payload_fail(struct hop_payload_error *err, bool is_blinding,
			 uint64_t type, size_t offset, const char *why)
{
	onion_failure_init(&err->failure,
			   is_blinding ? ONION_FAILURE_INVALID_ONION_BLINDING
			   : ONION_FAILURE_INVALID_ONION_PAYLOAD);
	if (!is_blinding) {
		err->failure.payload_type = type;
		err->failure.payload_offset = (uint16_t)offset;
	}
	err->why = why;
	return false;
}

/* The first record a hop inside a blinded route may not have (for the
 * final node, amounts are allowed): its type, or 0 if none. */
static uint64_t first_not_allowed_blinded(const struct hop_payload *p,
					  bool is_final)
{
	if (!is_final && p->has_amt_to_forward)
		return HOP_PAYLOAD_AMT_TO_FORWARD;
	if (!is_final && p->has_outgoing_cltv_value)
		return HOP_PAYLOAD_OUTGOING_CLTV_VALUE;
	if (p->has_short_channel_id)
		return HOP_PAYLOAD_SHORT_CHANNEL_ID;
	if (p->has_payment_data)
		return HOP_PAYLOAD_PAYMENT_DATA;
	if (p->has_payment_metadata)
		return HOP_PAYLOAD_PAYMENT_METADATA;
	if (!is_final && p->has_total_amount_msat)
		return HOP_PAYLOAD_TOTAL_AMOUNT_MSAT;
	if (p->has_keysend_preimage)
		return HOP_PAYLOAD_KEYSEND_PREIMAGE;
	return 0;
}

/* BOLT #4's reader rules (except those needing the HTLC or our channels)
 * for a payload that parsed.  Returns false with *err on a violation. */
static bool check_reader_rules(const struct hop_payload *p,
			       struct hop_payload_error *err,
			       bool is_final, bool has_path_key)
{
	/* BOLT #4:
	 * An _erring node_:
	 *   - if `path_key` is set in the incoming `update_add_htlc`:
	 *     - MUST return an `invalid_onion_blinding` error.
	 *   - if `current_path_key` is set in the onion payload and it is not the
	 *     final node:
	 *     - MUST return an `invalid_onion_blinding` error.
	 */
	bool is_blinding = has_path_key || (p->has_current_path_key && !is_final);
	uint64_t extra;

	if (p->has_encrypted_recipient_data) {
		/* BOLT #4:
		 *   - If `encrypted_recipient_data` is present:
		 *     - If `path_key` is set in the incoming `update_add_htlc`:
		 *       - MUST return an error if `current_path_key` is present.
		 *       - MUST use that `path_key` as `path_key` for decryption.
		 *     - Otherwise:
		 *       - MUST return an error if `current_path_key` is not present.
		 */
		if (has_path_key && p->has_current_path_key)
			return payload_fail(err, is_blinding,
					    HOP_PAYLOAD_CURRENT_PATH_KEY, 0,
					    "current_path_key as well as a path_key");
		if (!has_path_key && !p->has_current_path_key)
			return payload_fail(err, is_blinding,
					    HOP_PAYLOAD_CURRENT_PATH_KEY, 0,
					    "encrypted_recipient_data without a path_key");
		/* BOLT #4:
		 *     - If it is not the final node:
		 *       - MUST return an error if the payload contains other tlv fields than `encrypted_recipient_data` and `current_path_key`.
		 */
		extra = first_not_allowed_blinded(p, is_final);
		if (extra)
			return payload_fail(err, is_blinding, extra, 0,
					    "a record not allowed in a blinded route");
		/* BOLT #4:
		 *     - If it is the final node:
		 *       - MUST return an error if the payload contains other tlv fields than `encrypted_recipient_data`, `current_path_key`, `amt_to_forward`, `outgoing_cltv_value` and `total_amount_msat`.
		 *       - MUST return an error if `amt_to_forward`, `outgoing_cltv_value` or `total_amount_msat` are not present.
		 */
		if (is_final && !p->has_amt_to_forward)
			return payload_fail(err, is_blinding,
					    HOP_PAYLOAD_AMT_TO_FORWARD, 0,
					    "amt_to_forward missing");
		if (is_final && !p->has_outgoing_cltv_value)
			return payload_fail(err, is_blinding,
					    HOP_PAYLOAD_OUTGOING_CLTV_VALUE, 0,
					    "outgoing_cltv_value missing");
		if (is_final && !p->has_total_amount_msat)
			return payload_fail(err, is_blinding,
					    HOP_PAYLOAD_TOTAL_AMOUNT_MSAT, 0,
					    "total_amount_msat missing");
		return true;
	}

	/* BOLT #4:
	 *   - Otherwise (it is not part of a blinded route):
	 *     - MUST return an error if `path_key` is set in the incoming `update_add_htlc` or `current_path_key` is present.
	 *     - MUST return an error if `amt_to_forward` or `outgoing_cltv_value` are not present.
	 *     - if it is not the final node:
	 *       - MUST return an error if:
	 *         - `short_channel_id` is not present,
	 */
	if (has_path_key)
		return payload_fail(err, is_blinding,
				    HOP_PAYLOAD_ENCRYPTED_RECIPIENT_DATA, 0,
				    "a path_key but no encrypted_recipient_data");
	if (p->has_current_path_key)
		return payload_fail(err, is_blinding,
				    HOP_PAYLOAD_CURRENT_PATH_KEY, 0,
				    "current_path_key without encrypted_recipient_data");
	if (!p->has_amt_to_forward)
		return payload_fail(err, is_blinding, HOP_PAYLOAD_AMT_TO_FORWARD,
				    0, "amt_to_forward missing");
	if (!p->has_outgoing_cltv_value)
		return payload_fail(err, is_blinding,
				    HOP_PAYLOAD_OUTGOING_CLTV_VALUE, 0,
				    "outgoing_cltv_value missing");
	if (!is_final && !p->has_short_channel_id)
		return payload_fail(err, is_blinding, HOP_PAYLOAD_SHORT_CHANNEL_ID,
				    0, "short_channel_id missing for a hop that forwards");
	return true;
}

bool hop_payload_decode(const secp256k1_context *ctx, struct hop_payload *out,
			struct hop_payload_error *err,
			const uint8_t *bytes, size_t len,
			bool is_final, bool has_path_key)
{
	struct hop_payload p;
	struct hop_payload_stream stream = { ctx, &p };
	struct tlv_error tlv_err = { NULL, false, 0 };
	const uint8_t *cursor = bytes;
	size_t max = len;

	hop_payload_init(&p);
	if (!tlv_stream_fromwire(&cursor, &max, &payload_namespace, &stream,
				 &p.unknowns, &tlv_err)) {
		bool is_blinding = has_path_key
				   || (p.has_current_path_key && !is_final);
		/* invalid_onion_payload's offset counts from the start of the
		 * decrypted hop_payloads, where our BigSize length sits. */
		size_t offset = bigsize_len(len)
				+ failed_record_offset(ctx, bytes, len, &tlv_err);

		hop_payload_clear(&p);
		return payload_fail(err, is_blinding,
				    tlv_err.has_type ? tlv_err.type : 0,
				    offset, tlv_err.reason);
	}
	if (!check_reader_rules(&p, err, is_final, has_path_key)) {
		hop_payload_clear(&p);
		return false;
	}
	*out = p;
	return true;
}

uint64_t hop_payload_total_msat(const struct hop_payload *payload)
{
	/* BOLT #4:
	 *   - If it is the final node:
	 *     - MUST treat `total_msat` as if it were equal to `amt_to_forward` if it is not present.
	 */
	if (payload->has_payment_data)
		return payload->payment_data_total_msat;
	if (payload->has_total_amount_msat)
		return payload->total_amount_msat;
	return payload->amt_to_forward_msat;
}

const struct tlv_record *hop_payload_find_unknown(
	const struct hop_payload *payload, uint64_t type)
{
	for (size_t i = 0; i < payload->unknowns.num; i++)
		if (payload->unknowns.records[i].type == type)
			return &payload->unknowns.records[i];
	return NULL;
}

bool hop_payload_add_unknown(struct hop_payload *payload, uint64_t type,
			     const uint8_t *value, size_t len)
{
	struct tlv_unknowns *u = &payload->unknowns;
	size_t at = 0;

	if (type % 2 == 0 || tlv_namespace_find(&payload_namespace, type)
	    || hop_payload_find_unknown(payload, type))
		return false;
	if (u->num == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 4;
		struct tlv_record *grown = wire_calloc(cap, sizeof(*grown));

		if (u->num)
			memcpy(grown, u->records, u->num * sizeof(*grown));
		free(u->records);
		u->records = grown;
		u->cap = cap;
	}
	/* Keep them sorted: tlv_stream_towire() merges by type. */
	while (at < u->num && u->records[at].type < type)
		at++;
	memmove(&u->records[at + 1], &u->records[at],
		(u->num - at) * sizeof(u->records[0]));
	u->records[at].type = type;
	u->records[at].length = len;
	u->records[at].value = wire_memdup(value, len);
	u->num++;
	return true;
}
