/* BOLT #11 invoices, the writer's side: building a struct bolt11
 * (bolt11_new, the bolt11_set_* and bolt11_add_* helpers, bolt11_free),
 * and bolt11_encode, which writes the hrp, the timestamp and the tagged
 * fields (a decoded invoice's in the order they came, a new one's in a
 * canonical order) and signs them, checking the signature is one a reader
 * accepts.  What the writer shares with the reader is in
 * pay/bolt11_internal.h. */
#include "pay/bolt11.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1_recovery.h>

#include "bitcoin/bech32.h"
#include "crypto/hash.h"
#include "pay/bolt11_internal.h"

/* ---- Construction and release ---- */

struct bolt11 *bolt11_new(const struct chainparams *chain)
{
	struct bolt11 *b11 = wire_calloc(1, sizeof(*b11));

	b11->chain = chain;
	b11->expiry = BOLT11_DEFAULT_EXPIRY;
	b11->min_final_cltv_expiry_delta =
		BOLT11_DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA;
	b11->features = featurebits_new();
	return b11;
}

void bolt11_free(struct bolt11 *b11)
{
	if (!b11)
		return;
	free(b11->description);
	for (size_t i = 0; i < b11->num_fallbacks; i++)
		free(b11->fallbacks[i].program);
	free(b11->fallbacks);
	for (size_t i = 0; i < b11->num_routes; i++)
		free(b11->routes[i].hops);
	free(b11->routes);
	featurebits_free(b11->features);
	free(b11->metadata);
	for (size_t i = 0; i < b11->num_extra_fields; i++)
		free(b11->extra_fields[i].data5);
	free(b11->extra_fields);
	free(b11->field_order);
	free(b11);
}

void bolt11_set_description(struct bolt11 *b11, const char *description,
			    size_t len)
{
	free(b11->description);
	b11->description = wire_calloc(len + 1, 1);
	if (len)
		memcpy(b11->description, description, len);
	b11->description_len = len;
}

void bolt11_set_metadata(struct bolt11 *b11, const uint8_t *metadata,
			 size_t len)
{
	free(b11->metadata);
	b11->metadata = wire_memdup(metadata, len);
	b11->metadata_len = len;
	b11->has_metadata = true;
}

/* A copy of array (num elements of size) with a zeroed one after them;
 * frees array.  For the helpers below, which build small structs: the
 * decoder sizes its arrays once. */
static void *grow_by_one(void *array, size_t num, size_t size)
{
	uint8_t *grown = wire_calloc(num + 1, size);

	if (num)
		memcpy(grown, array, num * size);
	free(array);
	return grown;
}

void bolt11_add_fallback(struct bolt11 *b11, uint8_t version,
			 const uint8_t *program, size_t program_len)
{
	struct bolt11_fallback *f;

	b11->fallbacks = grow_by_one(b11->fallbacks, b11->num_fallbacks,
				     sizeof(*f));
	f = &b11->fallbacks[b11->num_fallbacks++];
	f->version = version;
	f->program = wire_memdup(program, program_len);
	f->program_len = program_len;
}

void bolt11_add_route(struct bolt11 *b11, const struct bolt11_route_hop *hops,
		      size_t num_hops)
{
	struct bolt11_route *r;

	b11->routes = grow_by_one(b11->routes, b11->num_routes, sizeof(*r));
	r = &b11->routes[b11->num_routes++];
	r->hops = wire_memdup(hops, num_hops * sizeof(*hops));
	r->num_hops = num_hops;
}

/* ---- Encoding ---- */

static void be_write(uint8_t *p, uint64_t v, size_t len)
{
	for (size_t i = len; i > 0; i--, v >>= 8)
		p[i - 1] = (uint8_t)v;
}

/* Appends num values of v, most significant first. */
static void put_uint(struct wirebuf *data5, uint64_t v, size_t num)
{
	for (size_t i = num; i > 0; i--) {
		uint8_t value = (uint8_t)((v >> (5 * (i - 1))) & 31);

		wirebuf_append(data5, &value, 1);
	}
}

/* The fewest values that hold v: "no leading 0 field-elements". */
static size_t uint_len5(uint64_t v)
{
	size_t n = 0;

	for (; v; v >>= 5)
		n++;
	return n;
}

static bool put_field(struct wirebuf *data5, char *err, uint8_t type,
		      const uint8_t *values, size_t len)
{
	uint8_t header[3] = { type, (uint8_t)(len / 32), (uint8_t)(len % 32) };

	if (len > FIELD_MAX_LEN5)
		return fail(err, "%s field is too long: %zu values, at most"
			    " %u", field_name(type), len, FIELD_MAX_LEN5);
	wirebuf_append(data5, header, sizeof(header));
	wirebuf_append(data5, values, len);
	return true;
}

/* A field of lead_len 5-bit values, then bytes zero-padded.
 * BOLT #11: MUST pad field data to a multiple of 5 bits, using 0s. */
static bool put_bytes_field(struct wirebuf *data5, char *err, uint8_t type,
			    const uint8_t *lead, size_t lead_len,
			    const uint8_t *bytes, size_t len)
{
	size_t size = lead_len + (len * 8 + 4) / 5 + 1, n;
	uint8_t *values = wire_calloc(size, 1);
	bool ok;

	if (lead_len)
		memcpy(values, lead, lead_len);
	bech32_convert_bits(values + lead_len, &n, size - lead_len, 5, bytes,
			    len, 8, true);
	ok = put_field(data5, err, type, values, lead_len + n);
	free(values);
	return ok;
}

static bool put_uint_field(struct wirebuf *data5, char *err, uint8_t type,
			   uint64_t v)
{
	struct wirebuf *values = wirebuf_new();
	bool ok;

	put_uint(values, v, uint_len5(v));
	ok = put_field(data5, err, type, values->data, values->len);
	wirebuf_free(values);
	return ok;
}

/* BOLT #11:
 * - if `9` contains non-zero bits:
 *   - MUST use the minimum `data_length` possible to encode the non-zero bits
 *     with no 0 field-elements at the start.
 */
static bool put_features(struct wirebuf *data5, char *err,
			 const struct featurebits *features)
{
	size_t bits = features->len * 8, num;
	uint8_t *values;
	bool ok;

	while (bits > 0 && !featurebits_is_set(features, bits - 1))
		bits--;
	num = (bits + 4) / 5;
	values = wire_calloc(num + 1, 1);
	for (size_t i = 0; i < num; i++)
		for (size_t b = 0; b < 5; b++)
			if (featurebits_is_set(features, 5 * (num - 1 - i) + b))
				values[i] |= (uint8_t)(1u << b);
	ok = put_field(data5, err, BOLT11_FIELD_FEATURES, values, num);
	free(values);
	return ok;
}

static bool put_fallback(struct wirebuf *data5, char *err,
			 const struct bolt11_fallback *f)
{
	const char *problem = fallback_problem(f->version, f->program_len);

	if (problem)
		return fail(err, "fallback version %u: %s (not %zu)",
			    f->version, problem, f->program_len);
	return put_bytes_field(data5, err, BOLT11_FIELD_FALLBACK, &f->version,
			       1, f->program, f->program_len);
}

static bool put_route(struct wirebuf *data5, char *err,
		      const struct bolt11_route *route)
{
	size_t len = route->num_hops * ROUTE_HOP_LEN;
	uint8_t *bytes = wire_calloc(len + 1, 1);
	bool ok;

	if (route->num_hops == 0) {
		free(bytes);
		return fail(err, "route (r) hint has no hops");
	}
	for (size_t i = 0; i < route->num_hops; i++) {
		const struct bolt11_route_hop *hop = &route->hops[i];
		uint8_t *p = bytes + i * ROUTE_HOP_LEN;

		memcpy(p, hop->node_id, PUBKEY_CMPR_LEN);
		p += PUBKEY_CMPR_LEN;
		be_write(p, hop->short_channel_id.u64, 8);
		be_write(p + 8, hop->fee_base_msat, 4);
		be_write(p + 12, hop->fee_proportional_millionths, 4);
		be_write(p + 16, hop->cltv_expiry_delta, 2);
	}
	ok = put_bytes_field(data5, err, BOLT11_FIELD_ROUTE, NULL, 0, bytes,
			     len);
	free(bytes);
	return ok;
}

/* What has been written so far. */
struct emitted {
	bool single[NUM_TYPES];		/* fields allowed once */
	size_t fallbacks, routes;	/* how many of each */
	size_t next_extra[NUM_TYPES];	/* where to look for one of a type */
	bool *extra;			/* per extra field */
};

/* Writes the field allowed once of this type, unless b11 lacks it or it
 * is written already.  is_listed: it is in field_order. */
static bool emit_single(struct wirebuf *data5, char *err,
			const struct bolt11 *b11, struct emitted *done,
			uint8_t type, bool is_listed)
{
	if (done->single[type])
		return true;
	switch ((enum bolt11_field_type)type) {
	case BOLT11_FIELD_PAYMENT_HASH:
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->payment_hash.u8, SHA256_LEN);
	case BOLT11_FIELD_PAYMENT_SECRET:
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->payment_secret.data, SECRET_LEN);
	case BOLT11_FIELD_DESCRIPTION:
		if (!b11->description)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       (const uint8_t *)b11->description,
				       b11->description_len);
	case BOLT11_FIELD_DESCRIPTION_HASH:
		if (!b11->has_description_hash)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->description_hash.u8, SHA256_LEN);
	case BOLT11_FIELD_PAYEE:
		if (!b11->has_payee_field)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0, b11->payee,
				       PUBKEY_CMPR_LEN);
	case BOLT11_FIELD_EXPIRY:
		if (!is_listed && b11->expiry == BOLT11_DEFAULT_EXPIRY)
			return true;
		done->single[type] = true;
		return put_uint_field(data5, err, type, b11->expiry);
	case BOLT11_FIELD_MIN_FINAL_CLTV:
		/* BOLT #11: SHOULD include one `c` field
		 * (`min_final_cltv_expiry_delta`).
		 *
		 * Unless re-encoding a decoded invoice that had none. */
		if (!is_listed && b11->num_field_order
		    && b11->min_final_cltv_expiry_delta
		    == BOLT11_DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA)
			return true;
		done->single[type] = true;
		return put_uint_field(data5, err, type,
				      b11->min_final_cltv_expiry_delta);
	case BOLT11_FIELD_FEATURES:
		/* BOLT #11: otherwise: - MUST omit the `9` field altogether. */
		if (!is_listed && b11->features->len == 0)
			return true;
		done->single[type] = true;
		return put_features(data5, err, b11->features);
	case BOLT11_FIELD_METADATA:
		if (!b11->has_metadata)
			return true;
		done->single[type] = true;
		return put_bytes_field(data5, err, type, NULL, 0,
				       b11->metadata, b11->metadata_len);
	case BOLT11_FIELD_ROUTE:
	case BOLT11_FIELD_FALLBACK:
		break;
	}
	return true;
}

static bool emit_extra(struct wirebuf *data5, char *err,
		       const struct bolt11 *b11, struct emitted *done,
		       size_t i)
{
	const struct bolt11_field *f = &b11->extra_fields[i];

	done->extra[i] = true;
	if (f->type >= NUM_TYPES)
		return fail(err, "extra field type %u is not 0 to 31",
			    f->type);
	for (size_t j = 0; j < f->data5_len; j++)
		if (f->data5[j] >= 32)
			return fail(err, "extra field (type %u) has a value"
				    " above 31", f->type);
	return put_field(data5, err, f->type, f->data5, f->data5_len);
}

/* Writes the next unwritten field of this type in field_order. */
static bool emit_listed(struct wirebuf *data5, char *err,
			const struct bolt11 *b11, struct emitted *done,
			const struct bolt11_field_ref *ref)
{
	if (ref->type >= NUM_TYPES)
		return fail(err, "field_order type %u is not 0 to 31",
			    ref->type);
	if (ref->is_extra) {
		for (size_t i = done->next_extra[ref->type];
		     i < b11->num_extra_fields; i++) {
			if (b11->extra_fields[i].type != ref->type
			    || done->extra[i])
				continue;
			done->next_extra[ref->type] = i + 1;
			return emit_extra(data5, err, b11, done, i);
		}
		return true;
	}
	if (ref->type == BOLT11_FIELD_FALLBACK) {
		if (done->fallbacks == b11->num_fallbacks)
			return true;
		return put_fallback(data5, err,
				    &b11->fallbacks[done->fallbacks++]);
	}
	if (ref->type == BOLT11_FIELD_ROUTE) {
		if (done->routes == b11->num_routes)
			return true;
		return put_route(data5, err, &b11->routes[done->routes++]);
	}
	if (is_single_field(ref->type))
		return emit_single(data5, err, b11, done, ref->type, true);
	return true;
}

/* BOLT #11:
 * - if a writer offers more than one of any field type, it:
 *   - MUST specify the most-preferred field first, followed by less-preferred fields, in order.
 *
 * The fields in field_order, then the rest in canonical order. */
static bool put_fields(struct wirebuf *data5, char *err,
		       const struct bolt11 *b11)
{
	static const uint8_t head[] = {
		BOLT11_FIELD_PAYMENT_HASH, BOLT11_FIELD_PAYMENT_SECRET,
		BOLT11_FIELD_DESCRIPTION, BOLT11_FIELD_DESCRIPTION_HASH,
		BOLT11_FIELD_PAYEE, BOLT11_FIELD_EXPIRY,
		BOLT11_FIELD_MIN_FINAL_CLTV,
	};
	struct emitted done;
	bool ok = true;

	memset(&done, 0, sizeof(done));
	done.extra = wire_calloc(b11->num_extra_fields + 1, sizeof(bool));
	for (size_t i = 0; ok && i < b11->num_field_order; i++)
		ok = emit_listed(data5, err, b11, &done, &b11->field_order[i]);
	for (size_t i = 0; ok && i < sizeof(head); i++)
		ok = emit_single(data5, err, b11, &done, head[i], false);
	while (ok && done.fallbacks < b11->num_fallbacks)
		ok = put_fallback(data5, err, &b11->fallbacks[done.fallbacks++]);
	while (ok && done.routes < b11->num_routes)
		ok = put_route(data5, err, &b11->routes[done.routes++]);
	if (ok)
		ok = emit_single(data5, err, b11, &done, BOLT11_FIELD_FEATURES,
				 false);
	if (ok)
		ok = emit_single(data5, err, b11, &done, BOLT11_FIELD_METADATA,
				 false);
	for (size_t i = 0; ok && i < b11->num_extra_fields; i++)
		if (!done.extra[i])
			ok = emit_extra(data5, err, b11, &done, i);
	free(done.extra);
	return ok;
}

/* *value: msat in units of letter (0 for bitcoin); false if inexact. */
static bool amount_in_unit(uint64_t *value, uint64_t msat, char letter)
{
	uint64_t unit = MSAT_PER_BTC;

	if (letter == 'p') {
		if (msat > UINT64_MAX / 10)
			return false;
		*value = msat * 10;
		return true;
	}
	if (letter) {
		size_t i;

		for (i = 0; i < NUM_MULTIPLIERS; i++)
			if (multipliers[i].letter == letter)
				break;
		if (i == NUM_MULTIPLIERS)
			return false;
		unit = multipliers[i].msat;
	}
	if (msat % unit != 0)
		return false;
	*value = msat / unit;
	return true;
}

/* BOLT #11:
 * - SHOULD use the shortest representation possible, by using the largest
 *   multiplier or omitting the multiplier.
 *
 * (After the multiplier the invoice was decoded with, if any.) */
static bool put_hrp(char *hrp, size_t size, char *err,
		    const struct bolt11 *b11)
{
	static const char letters[] = { 0, 'm', 'u', 'n', 'p' };
	const char *currency = NULL;
	uint64_t value;
	char letter[2] = "";
	size_t i;

	for (i = 0; b11->chain && i < NUM_CURRENCIES && !currency; i++)
		if (strcmp(b11->chain->network, currencies[i].network) == 0)
			currency = currencies[i].currency;
	if (!currency)
		return fail(err, "invoice has no network with a BOLT #11"
			    " currency prefix");
	if (!b11->has_amount) {
		snprintf(hrp, size, "ln%s", currency);
		return true;
	}
	if (b11->amount_msat == 0)
		return fail(err, "amount must be positive");
	if (amount_in_unit(&value, b11->amount_msat, b11->amount_multiplier)) {
		letter[0] = b11->amount_multiplier;
	} else {
		for (i = 0; i < sizeof(letters); i++)
			if (amount_in_unit(&value, b11->amount_msat, letters[i]))
				break;
		if (i == sizeof(letters))
			return fail(err, "amount %" PRIu64 " msat is too large",
				    b11->amount_msat);
		letter[0] = letters[i];
	}
	snprintf(hrp, size, "ln%s%" PRIu64 "%s", currency, value, letter);
	return true;
}

/* The signer's output must be what a reader will accept: a valid
 * recoverable signature, and with `n` a low-S one by that key. */
static bool check_new_signature(const secp256k1_context *ctx, char *err,
				const struct bolt11 *b11,
				const uint8_t sig[SIGNATURE_COMPACT_LEN],
				int recovery_id, const struct sha256 *hash)
{
	secp256k1_ecdsa_recoverable_signature rsig;
	secp256k1_ecdsa_signature plain;
	secp256k1_pubkey key;

	if (recovery_id < 0 || recovery_id > 3
	    || !secp256k1_ecdsa_recoverable_signature_parse_compact(
		    ctx, &rsig, sig, recovery_id))
		return fail(err, "signer returned an invalid signature");
	if (!b11->has_payee_field)
		return secp256k1_ecdsa_recover(ctx, &key, &rsig, hash->u8)
			|| fail(err, "signer returned an unrecoverable"
				" signature");
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rsig);
	if (!secp256k1_ec_pubkey_parse(ctx, &key, b11->payee, PUBKEY_CMPR_LEN))
		return fail(err, "payee is not a valid public key");
	if (!secp256k1_ecdsa_verify(ctx, &plain, hash->u8, &key))
		return fail(err, "signature does not verify against payee"
			    " (n)");
	return true;
}

bool bolt11_encode(const secp256k1_context *ctx, char **out, char *err,
		   const struct bolt11 *b11, bolt11_sign_fn sign,
		   void *sign_arg)
{
	struct wirebuf *data5 = wirebuf_new();
	uint8_t sig[RECOVERABLE_SIGNATURE_LEN] = { 0 };
	int recovery_id = -1;
	char hrp[64];
	struct sha256 hash;
	size_t size, unsigned_len;
	char *str = NULL;
	bool ok;

	/* BOLT #11:
	 * - MUST include either exactly one `d` or exactly one `h` field.
	 */
	if (!b11->description == !b11->has_description_hash)
		ok = fail(err, "an invoice needs exactly one of description"
			  " and description_hash");
	else if (b11->timestamp >> 35)
		ok = fail(err, "timestamp %" PRIu64 " does not fit 35 bits",
			  b11->timestamp);
	else
		ok = put_hrp(hrp, sizeof(hrp), err, b11);
	if (ok) {
		put_uint(data5, b11->timestamp, TIMESTAMP_LEN5);
		ok = put_fields(data5, err, b11);
	}
	if (ok) {
		unsigned_len = data5->len;
		signing_hash(&hash, hrp, data5->data, unsigned_len);
		ok = sign(sig, &recovery_id, &hash, sign_arg)
			? check_new_signature(ctx, err, b11, sig, recovery_id,
					      &hash)
			: fail(err, "signing the invoice failed");
	}
	if (ok) {
		size_t n;
		uint8_t sig5[SIGNATURE_LEN5];

		sig[SIGNATURE_COMPACT_LEN] = (uint8_t)recovery_id;
		bech32_convert_bits(sig5, &n, sizeof(sig5), 5, sig,
				    RECOVERABLE_SIGNATURE_LEN, 8, true);
		wirebuf_append(data5, sig5, n);
		size = strlen(hrp) + 1 + data5->len + BECH32_CHECKSUM_LEN + 1;
		str = wire_calloc(size, 1);
		/* BOLT #11: MAY exceed the 90-character limit specified in
		 * BIP-0173. */
		ok = bech32_encode(str, size, hrp, data5->data, data5->len,
				   BECH32_ENCODING_BECH32, SIZE_MAX)
			|| fail(err, "bech32 encoding failed");
	}
	wirebuf_free(data5);
	if (!ok) {
		free(str);
		return false;
	}
	*out = str;
	return true;
}

struct key_signer {
	const secp256k1_context *ctx;
	const struct privkey *key;
};

static bool sign_with_key(uint8_t sig[SIGNATURE_COMPACT_LEN],
			  int *recovery_id, const struct sha256 *hash,
			  void *arg)
{
	const struct key_signer *signer = arg;
	secp256k1_ecdsa_recoverable_signature rsig;

	if (!secp256k1_ecdsa_sign_recoverable(signer->ctx, &rsig, hash->u8,
					      signer->key->secret.data, NULL,
					      NULL))
		return false;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(
		signer->ctx, sig, recovery_id, &rsig);
	return true;
}

bool bolt11_encode_with_key(const secp256k1_context *ctx, char **out,
			    char *err, const struct bolt11 *b11,
			    const struct privkey *key)
{
	struct key_signer signer = { ctx, key };

	return bolt11_encode(ctx, out, err, b11, sign_with_key, &signer);
}
