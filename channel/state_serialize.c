/* The channel's database form: one blob, written after every step.
 *
 * Big-endian, with the wire/ codecs, in this order (version 1):
 *
 *   u32 magic "ohmc", u16 version
 *   u8 state, u8 link
 *   2 x config: u64 dust_limit_sat, u64 max_htlc_value_in_flight_msat,
 *               u64 channel_reserve_sat, u64 htlc_minimum_msat,
 *               u16 to_self_delay, u16 max_accepted_htlcs, u32 minimum_depth
 *   funding: 32 txid, u32 vout, u64 funding_sat; u8 opener, u8 anchors
 *   u8 has_remote_keys [5 points: funding, revocation, payment,
 *      delayed_payment, htlc basepoints]
 *   u8 type, u8 channel_flags, u64 push_msat
 *   32 temporary_channel_id, 32 channel_id, u8 has_channel_id
 *   3 x (u16 len, bytes): our shutdown script, the peer's, the peer's
 *      upfront script; u8 upfront_sent
 *   u8 has_commitments, u32 funding_depth, u64 scid, u8 sent_channel_ready,
 *   u8 received_channel_ready
 *   2 x u64 commit_num, u8 awaiting_revoke, u64 last_revoke_order,
 *   u64 shutdown_order
 *   3 x (u8 has, point if has): the peer's previous/current/next points
 *   64 local_commit_sig, u16 n, n x 64 htlc signatures  (compact; zeros
 *      before has_commitments)
 *   u16 len, shachain_serialize() bytes
 *   HTLC set: u8 opener, 2 x u64 settled_msat, 5 x (u32 feerate,
 *      u64 order), u64 next_order, u32 num_htlcs, then per HTLC:
 *      u64 id, u8 offerer, u64 amount_msat, 32 payment_hash,
 *      u32 cltv_expiry, 1366 onion, u8 has_path_key, 33 path_key,
 *      u8 add_step, u8 removal, u8 remove_step, 32 preimage,
 *      u16 len + fail_reason, 32 sha256_of_onion, u16 failure_code,
 *      u64 add_order, u64 remove_order
 *   2 x u64 next_htlc_id
 *   u8 shutdown_wanted, sent_shutdown, received_shutdown, sent_closing,
 *   received_closing; u64 closing_fee_sent, closing_fee_received
 *   u16 len, error text
 *
 * Version 2 (written only while a withdrawn HTLC's failure is held, so
 * every other channel stays version 1) appends:
 *   u32 num_held, then per held failure: u64 id, u64 amount_msat,
 *      32 payment_hash, u32 cltv_expiry, u64 commit_num, u64 key
 *
 * Version 3 (written only while a connection negotiated a closing feature
 * or a simple close is under way) appends version 2's held failures (so
 * u32 num_held may be 0), then:
 *   u8 option_shutdown_anysegwit, u8 option_simple_close,
 *   u8 shutdown_on_link, u8 simple_sent_on_link, u8 is_out, and if is_out:
 *      u64 fee_sat, u32 locktime, u16 len + closee_script, u8 variants
 *
 * Version 4 (written only once announcement_signatures were sent or
 * received, see state_announce.c) appends version 3's sections (u8
 * option_shutdown_anysegwit ... is_out, whatever they hold), then:
 *   u8 flags (1: ours sent, 2: the peer's received, 4: announced, 8: ours
 *      sent on this connection, 16: the peer's received on it, 32: the
 *      peer's deferred); if the peer's were received: 64 node_signature,
 *      64 bitcoin_signature; if deferred: u16 len, the message
 * The channel row (channel_serialize_row, for a store of rows: see
 * state_changes.c) is the same with no HTLC signatures (u16 0) and no
 * HTLCs (u32 0): those are rows of their own, each HTLC as its record
 * (channel_htlc_record: the HTLC's fields above without the onion) and
 * our latest commitment's HTLC signatures as one record (u16 n, n x 64).
 * An HTLC's onion is kept only while it may still be needed (see
 * channel_htlc_keeps_onion); else zeros stand for it.
 *
 * Not stored: our secrets (the caller derives them again from the node
 * secret and the channel's index), our basepoints (derived from them) and
 * the policy (node configuration).  channel_deserialize checks every enum
 * and point, so a corrupt blob is an error, not undefined behaviour. */
#include "channel/state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/secp.h"
#include "wire/wire.h"

#define SERIAL_MAGIC 0x6f686d63u	/* "ohmc" */
#define SERIAL_VERSION 1
#define SERIAL_VERSION_HELD 2
#define SERIAL_VERSION_CLOSE 3
#define SERIAL_VERSION_ANNOUNCE 4

static void towire_bool(struct wirebuf *out, bool v)
{
	towire_u8(out, v ? 1 : 0);
}

static void towire_blob(struct wirebuf *out, const void *bytes, size_t len)
{
	towire_u16(out, (uint16_t)len);
	towire_bytes(out, bytes, len);
}

static void towire_pubkey(struct wirebuf *out, const struct channel *ch,
			  const struct pubkey *key)
{
	uint8_t der[PUBKEY_CMPR_LEN];

	pubkey_serialize(ch->ctx, der, key);
	towire_bytes(out, der, sizeof(der));
}

static void towire_sig(struct wirebuf *out, const struct channel *ch,
		       const struct ecdsa_signature *sig)
{
	uint8_t compact[SIGNATURE_COMPACT_LEN] = { 0 };

	if (ch->has_commitments)
		ecdsa_signature_serialize_compact(ch->ctx, compact, sig);
	towire_bytes(out, compact, sizeof(compact));
}

static void towire_config(struct wirebuf *out, const struct channel_config *c)
{
	towire_u64(out, c->dust_limit_sat);
	towire_u64(out, c->max_htlc_value_in_flight_msat);
	towire_u64(out, c->channel_reserve_sat);
	towire_u64(out, c->htlc_minimum_msat);
	towire_u16(out, c->to_self_delay);
	towire_u16(out, c->max_accepted_htlcs);
	towire_u32(out, c->minimum_depth);
}

bool channel_htlc_keeps_onion(const struct htlc *h)
{
	/* Ours is sent again only while unsigned; the peer's is decoded
	 * until we remove it, never after (a removal of ours stays). */
	return h->h.offerer == CHANNEL_LOCAL ? h->add_step != UPDATE_COMPLETE
		: h->removal == HTLC_NOT_REMOVED;
}

static void towire_htlc(struct wirebuf *out, const struct htlc *h,
			bool with_onion)
{
	static const uint8_t no_onion[HTLC_ONION_LEN];

	towire_u64(out, h->h.id);
	towire_u8(out, (uint8_t)h->h.offerer);
	towire_u64(out, h->h.amount_msat);
	towire_bytes(out, h->h.payment_hash.u8, 32);
	towire_u32(out, h->h.cltv_expiry);
	if (with_onion)
		towire_bytes(out, channel_htlc_keeps_onion(h) ? h->onion
			     : no_onion, HTLC_ONION_LEN);
	towire_bool(out, h->has_path_key);
	towire_bytes(out, h->path_key, PUBKEY_CMPR_LEN);
	towire_u8(out, (uint8_t)h->add_step);
	towire_u8(out, (uint8_t)h->removal);
	towire_u8(out, (uint8_t)h->remove_step);
	towire_bytes(out, h->preimage.r, 32);
	towire_blob(out, h->fail_reason, h->fail_reason_len);
	towire_bytes(out, h->sha256_of_onion.u8, 32);
	towire_u16(out, h->failure_code);
	towire_u64(out, h->add_order);
	towire_u64(out, h->remove_order);
}

static bool has_close_section(const struct channel *ch)
{
	return ch->features.option_shutdown_anysegwit
		|| ch->features.option_simple_close || ch->shutdown_on_link
		|| ch->simple_sent_on_link || ch->simple_out.is_out;
}

static void write_close_section(struct wirebuf *out, const struct channel *ch)
{
	const struct simple_close_out *o = &ch->simple_out;

	towire_bool(out, ch->features.option_shutdown_anysegwit);
	towire_bool(out, ch->features.option_simple_close);
	towire_bool(out, ch->shutdown_on_link);
	towire_bool(out, ch->simple_sent_on_link);
	towire_bool(out, o->is_out);
	if (!o->is_out)
		return;
	towire_u64(out, o->fee_sat);
	towire_u32(out, o->locktime);
	towire_blob(out, o->closee_script, o->closee_script_len);
	towire_u8(out, (uint8_t)o->variants);
}

void channel_htlc_record(struct wirebuf *out, const struct htlc *h)
{
	towire_htlc(out, h, false);
}

void channel_sigs_record(struct wirebuf *out, const struct channel *ch)
{
	towire_u16(out, (uint16_t)ch->num_local_htlc_sigs);
	for (size_t i = 0; i < ch->num_local_htlc_sigs; i++)
		towire_sig(out, ch, &ch->local_htlc_sigs[i]);
}

/* whole: with the HTLCs and their signatures (channel_serialize); else
 * the channel row. */
static void serialize(struct wirebuf *out, const struct channel *ch,
		      bool whole)
{
	const struct channel_party *them = &ch->params.party[CHANNEL_REMOTE];
	const struct htlc_set *set = &ch->htlcs;
	struct wirebuf *chain = wirebuf_new();

	towire_u32(out, SERIAL_MAGIC);
	towire_u16(out, channel_announce_has_section(ch) ? SERIAL_VERSION_ANNOUNCE
			: has_close_section(ch) ? SERIAL_VERSION_CLOSE
			: ch->num_held ? SERIAL_VERSION_HELD : SERIAL_VERSION);
	towire_u8(out, (uint8_t)ch->state);
	towire_u8(out, (uint8_t)ch->link);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		towire_config(out, &ch->config[side]);
	towire_bytes(out, ch->params.funding.txid.shad.sha.u8, 32);
	towire_u32(out, ch->params.funding.vout);
	towire_u64(out, ch->params.funding_sat);
	towire_u8(out, (uint8_t)ch->params.opener);
	towire_bool(out, ch->params.option_anchors);
	towire_bool(out, ch->has_remote_keys);
	if (ch->has_remote_keys) {
		towire_pubkey(out, ch, &them->funding_pubkey);
		towire_pubkey(out, ch, &them->basepoints.revocation);
		towire_pubkey(out, ch, &them->basepoints.payment);
		towire_pubkey(out, ch, &them->basepoints.delayed_payment);
		towire_pubkey(out, ch, &them->basepoints.htlc);
	}
	towire_u8(out, (uint8_t)ch->type);
	towire_u8(out, ch->channel_flags);
	towire_u64(out, ch->push_msat);
	towire_channel_id(out, &ch->temporary_channel_id);
	towire_channel_id(out, &ch->channel_id);
	towire_bool(out, ch->has_channel_id);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		towire_blob(out, ch->shutdown_script[side],
			    ch->shutdown_script_len[side]);
	towire_blob(out, ch->remote_upfront_script,
		    ch->remote_upfront_script_len);
	towire_bool(out, ch->upfront_sent);
	towire_bool(out, ch->has_commitments);
	towire_u32(out, ch->funding_depth);
	towire_short_channel_id(out, &ch->scid);
	towire_bool(out, ch->sent_channel_ready);
	towire_bool(out, ch->received_channel_ready);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		towire_u64(out, ch->commit_num[side]);
	towire_bool(out, ch->awaiting_revoke);
	towire_u64(out, ch->last_revoke_order);
	towire_u64(out, ch->shutdown_order);
	for (size_t i = 0; i < NUM_REMOTE_POINTS; i++) {
		towire_bool(out, ch->has_remote_point[i]);
		if (ch->has_remote_point[i])
			towire_pubkey(out, ch, &ch->remote_point[i]);
	}
	towire_sig(out, ch, &ch->local_commit_sig);
	if (whole)
		channel_sigs_record(out, ch);
	else
		towire_u16(out, 0);
	shachain_serialize(chain, &ch->remote_secrets);
	towire_blob(out, chain->data, chain->len);
	wirebuf_free(chain);

	towire_u8(out, (uint8_t)set->opener);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		towire_u64(out, set->settled_msat[side]);
	for (size_t step = 0; step < UPDATE_NUM_STEPS; step++) {
		towire_u32(out, set->feerate[step]);
		towire_u64(out, set->fee_order[step]);
	}
	towire_u64(out, set->next_order);
	towire_u32(out, whole ? (uint32_t)set->num : 0);
	for (size_t i = 0; whole && i < set->num; i++)
		towire_htlc(out, &set->htlcs[i], true);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		towire_u64(out, ch->next_htlc_id[side]);

	towire_bool(out, ch->shutdown_wanted);
	towire_bool(out, ch->sent_shutdown);
	towire_bool(out, ch->received_shutdown);
	towire_bool(out, ch->sent_closing);
	towire_bool(out, ch->received_closing);
	towire_u64(out, ch->closing_fee_sent);
	towire_u64(out, ch->closing_fee_received);
	towire_blob(out, ch->error_text,
		    ch->error_text ? strlen(ch->error_text) : 0);
	if (!ch->num_held && !has_close_section(ch)
	    && !channel_announce_has_section(ch))
		return;
	towire_u32(out, (uint32_t)ch->num_held);
	for (size_t i = 0; i < ch->num_held; i++) {
		const struct held_failure *h = &ch->held[i];

		towire_u64(out, h->h.id);
		towire_u64(out, h->h.amount_msat);
		towire_bytes(out, h->h.payment_hash.u8, 32);
		towire_u32(out, h->h.cltv_expiry);
		towire_u64(out, h->commit_num);
		towire_u64(out, h->key);
	}
	if (has_close_section(ch) || channel_announce_has_section(ch))
		write_close_section(out, ch);
	if (channel_announce_has_section(ch))
		channel_announce_write(out, ch);
}

void channel_serialize(struct wirebuf *out, const struct channel *ch)
{
	serialize(out, ch, true);
}

void channel_serialize_row(struct wirebuf *out, const struct channel *ch)
{
	serialize(out, ch, false);
}

/* ---- Reading ---- */

/* A reader over the blob that remembers the first problem. */
struct reader {
	const uint8_t *cursor;
	size_t max;
	const char *err;
	const secp256k1_context *ctx;
};

static void bad(struct reader *r, const char *err)
{
	if (!r->err)
		r->err = err;
	fromwire_fail(&r->cursor, &r->max);
}

static bool ok(const struct reader *r)
{
	return r->cursor != NULL;
}

static bool read_bool(struct reader *r)
{
	uint8_t v = fromwire_u8(&r->cursor, &r->max);

	if (v > 1)
		bad(r, "a flag is neither 0 nor 1");
	return v == 1;
}

/* A u8 enum value, at most max_value. */
static unsigned read_enum(struct reader *r, unsigned max_value,
			  const char *what)
{
	uint8_t v = fromwire_u8(&r->cursor, &r->max);

	if (v > max_value)
		bad(r, what);
	return ok(r) ? v : 0;
}

static uint8_t *read_blob(struct reader *r, size_t *len)
{
	uint16_t n = fromwire_u16(&r->cursor, &r->max);
	const uint8_t *bytes = fromwire_pull(&r->cursor, &r->max, n);

	*len = 0;
	if (!bytes)
		return NULL;
	*len = n;
	return wire_memdup(bytes, n);
}

static void read_pubkey(struct reader *r, struct pubkey *out)
{
	const uint8_t *der = fromwire_pull(&r->cursor, &r->max,
					   PUBKEY_CMPR_LEN);

	if (der && !pubkey_parse(r->ctx, out, der))
		bad(r, "a stored point is not on the curve");
}

static void read_sig(struct reader *r, bool has_commitments,
		     struct ecdsa_signature *out)
{
	const uint8_t *compact = fromwire_pull(&r->cursor, &r->max,
					       SIGNATURE_COMPACT_LEN);

	if (compact && has_commitments
	    && !ecdsa_signature_parse_compact(r->ctx, out, compact))
		bad(r, "a stored signature is invalid");
}

static void read_config(struct reader *r, struct channel_config *c)
{
	c->dust_limit_sat = fromwire_u64(&r->cursor, &r->max);
	c->max_htlc_value_in_flight_msat = fromwire_u64(&r->cursor, &r->max);
	c->channel_reserve_sat = fromwire_u64(&r->cursor, &r->max);
	c->htlc_minimum_msat = fromwire_u64(&r->cursor, &r->max);
	c->to_self_delay = fromwire_u16(&r->cursor, &r->max);
	c->max_accepted_htlcs = fromwire_u16(&r->cursor, &r->max);
	c->minimum_depth = fromwire_u32(&r->cursor, &r->max);
}

static void read_htlc(struct reader *r, struct htlc *h, bool with_onion)
{
	memset(h, 0, sizeof(*h));
	h->h.id = fromwire_u64(&r->cursor, &r->max);
	h->h.offerer = read_enum(r, CHANNEL_REMOTE, "bad HTLC offerer");
	h->h.amount_msat = fromwire_u64(&r->cursor, &r->max);
	fromwire_bytes(&r->cursor, &r->max, h->h.payment_hash.u8, 32);
	h->h.cltv_expiry = fromwire_u32(&r->cursor, &r->max);
	if (with_onion)
		fromwire_bytes(&r->cursor, &r->max, h->onion, HTLC_ONION_LEN);
	h->has_path_key = read_bool(r);
	fromwire_bytes(&r->cursor, &r->max, h->path_key, PUBKEY_CMPR_LEN);
	h->add_step = read_enum(r, UPDATE_COMPLETE, "bad HTLC add step");
	h->removal = read_enum(r, HTLC_FAILED_MALFORMED, "bad HTLC removal");
	h->remove_step = read_enum(r, UPDATE_COMPLETE, "bad HTLC remove step");
	fromwire_bytes(&r->cursor, &r->max, h->preimage.r, 32);
	h->fail_reason = read_blob(r, &h->fail_reason_len);
	fromwire_bytes(&r->cursor, &r->max, h->sha256_of_onion.u8, 32);
	h->failure_code = fromwire_u16(&r->cursor, &r->max);
	h->add_order = fromwire_u64(&r->cursor, &r->max);
	h->remove_order = fromwire_u64(&r->cursor, &r->max);
	if (h->removal != HTLC_NOT_REMOVED && h->add_step != UPDATE_COMPLETE)
		bad(r, "an HTLC is removed before it was added");
}

static void read_htlcs(struct reader *r, struct htlc_set *set)
{
	uint32_t num;

	set->opener = read_enum(r, CHANNEL_REMOTE, "bad opener");
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		set->settled_msat[side] = fromwire_u64(&r->cursor, &r->max);
	for (size_t step = 0; step < UPDATE_NUM_STEPS; step++) {
		set->feerate[step] = fromwire_u32(&r->cursor, &r->max);
		set->fee_order[step] = fromwire_u64(&r->cursor, &r->max);
	}
	set->next_order = fromwire_u64(&r->cursor, &r->max);
	num = fromwire_u32(&r->cursor, &r->max);
	/* Each HTLC takes well over 1366 bytes: a count the blob cannot
	 * hold is corrupt, and must not make us allocate. */
	if (!fromwire_array_fits(&r->cursor, &r->max, num, HTLC_ONION_LEN)) {
		bad(r, "truncated HTLC list");
		return;
	}
	for (uint32_t i = 0; i < num && ok(r); i++) {
		struct htlc h;

		read_htlc(r, &h, true);
		htlc_set_add(set, &h);
	}
}

static void read_local_party(struct reader *r, struct channel *ch)
{
	struct channel_party *us = &ch->params.party[CHANNEL_LOCAL];

	if (!channel_secrets_public(ch->ctx, &us->funding_pubkey,
				    &us->basepoints, &ch->secrets))
		bad(r, "the channel secrets are invalid");
	us->dust_limit_sat = ch->config[CHANNEL_LOCAL].dust_limit_sat;
	us->to_self_delay = ch->config[CHANNEL_LOCAL].to_self_delay;
}

static void read_remote_party(struct reader *r, struct channel *ch)
{
	struct channel_party *them = &ch->params.party[CHANNEL_REMOTE];

	ch->has_remote_keys = read_bool(r);
	if (ch->has_remote_keys) {
		read_pubkey(r, &them->funding_pubkey);
		read_pubkey(r, &them->basepoints.revocation);
		read_pubkey(r, &them->basepoints.payment);
		read_pubkey(r, &them->basepoints.delayed_payment);
		read_pubkey(r, &them->basepoints.htlc);
	}
	them->dust_limit_sat = ch->config[CHANNEL_REMOTE].dust_limit_sat;
	them->to_self_delay = ch->config[CHANNEL_REMOTE].to_self_delay;
}

static void read_commitments(struct reader *r, struct channel *ch)
{
	uint8_t *chain;
	size_t chain_len;

	ch->has_commitments = read_bool(r);
	ch->funding_depth = fromwire_u32(&r->cursor, &r->max);
	fromwire_short_channel_id(&r->cursor, &r->max, &ch->scid);
	ch->sent_channel_ready = read_bool(r);
	ch->received_channel_ready = read_bool(r);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		ch->commit_num[side] = fromwire_u64(&r->cursor, &r->max);
	ch->awaiting_revoke = read_bool(r);
	ch->last_revoke_order = fromwire_u64(&r->cursor, &r->max);
	ch->shutdown_order = fromwire_u64(&r->cursor, &r->max);
	for (size_t i = 0; i < NUM_REMOTE_POINTS; i++) {
		ch->has_remote_point[i] = read_bool(r);
		if (ch->has_remote_point[i])
			read_pubkey(r, &ch->remote_point[i]);
	}
	read_sig(r, ch->has_commitments, &ch->local_commit_sig);
	ch->num_local_htlc_sigs = fromwire_u16(&r->cursor, &r->max);
	if (!fromwire_array_fits(&r->cursor, &r->max, ch->num_local_htlc_sigs,
				 SIGNATURE_COMPACT_LEN)) {
		ch->num_local_htlc_sigs = 0;
		bad(r, "truncated HTLC signatures");
		return;
	}
	ch->local_htlc_sigs = wire_calloc(ch->num_local_htlc_sigs + 1,
					  sizeof(ch->local_htlc_sigs[0]));
	for (size_t i = 0; i < ch->num_local_htlc_sigs; i++)
		read_sig(r, ch->has_commitments, &ch->local_htlc_sigs[i]);
	chain = read_blob(r, &chain_len);
	if (ok(r) && !shachain_deserialize(&ch->remote_secrets, chain,
					   chain_len))
		bad(r, "the stored shachain is inconsistent");
	free(chain);
}

/* Version 2's held failures: at least one (else it is version 1). */
static void read_held(struct reader *r, struct channel *ch, uint16_t version)
{
	uint32_t num = fromwire_u32(&r->cursor, &r->max);

	if (!num && version == SERIAL_VERSION_HELD)
		bad(r, "a version 2 snapshot without held failures");
	if (!fromwire_array_fits(&r->cursor, &r->max, num, 68)) {
		bad(r, "truncated held failures");
		return;
	}
	for (uint32_t i = 0; i < num && ok(r); i++) {
		struct held_failure h;

		memset(&h, 0, sizeof(h));
		h.h.offerer = CHANNEL_LOCAL;
		h.h.id = fromwire_u64(&r->cursor, &r->max);
		h.h.amount_msat = fromwire_u64(&r->cursor, &r->max);
		fromwire_bytes(&r->cursor, &r->max, h.h.payment_hash.u8, 32);
		h.h.cltv_expiry = fromwire_u32(&r->cursor, &r->max);
		h.commit_num = fromwire_u64(&r->cursor, &r->max);
		h.key = fromwire_u64(&r->cursor, &r->max);
		if (!h.key)
			bad(r, "a held failure without its key");
		if (ok(r))
			channel_held_append(ch, &h);
	}
}

static void read_close_section(struct reader *r, struct channel *ch)
{
	struct simple_close_out *o = &ch->simple_out;

	ch->features.option_shutdown_anysegwit = read_bool(r);
	ch->features.option_simple_close = read_bool(r);
	ch->shutdown_on_link = read_bool(r);
	ch->simple_sent_on_link = read_bool(r);
	o->is_out = read_bool(r);
	if (!o->is_out)
		return;
	o->fee_sat = fromwire_u64(&r->cursor, &r->max);
	o->locktime = fromwire_u32(&r->cursor, &r->max);
	o->closee_script = read_blob(r, &o->closee_script_len);
	o->variants = fromwire_u8(&r->cursor, &r->max);
	if (!o->variants || (o->variants & ~0xeu))
		bad(r, "bad closing_complete variants");
}

bool channel_htlc_from_record(const uint8_t *data, size_t len,
			      struct htlc *out, const char **err)
{
	struct reader r = { data, len, NULL, NULL };

	read_htlc(&r, out, false);
	if (ok(&r) && r.max != 0)
		bad(&r, "trailing bytes after an HTLC record");
	if (!ok(&r)) {
		free(out->fail_reason);
		out->fail_reason = NULL;
		*err = r.err ? r.err : "truncated HTLC record";
		return false;
	}
	return true;
}

bool channel_sigs_from_record(const secp256k1_context *ctx,
			      const uint8_t *data, size_t len,
			      struct ecdsa_signature **sigs, size_t *num,
			      const char **err)
{
	struct reader r = { data, len, NULL, ctx };
	uint16_t n = fromwire_u16(&r.cursor, &r.max);

	*sigs = NULL;
	*num = 0;
	if (!fromwire_array_fits(&r.cursor, &r.max, n, SIGNATURE_COMPACT_LEN))
		bad(&r, "truncated HTLC signatures");
	else
		*sigs = wire_calloc(n + 1, sizeof(**sigs));
	for (size_t i = 0; i < n && ok(&r); i++)
		read_sig(&r, true, &(*sigs)[i]);
	if (ok(&r) && r.max != 0)
		bad(&r, "trailing bytes after the HTLC signatures");
	if (!ok(&r)) {
		free(*sigs);
		*sigs = NULL;
		*err = r.err ? r.err : "truncated HTLC signatures";
		return false;
	}
	*num = n;
	return true;
}

struct channel *channel_deserialize(const secp256k1_context *ctx,
				    const uint8_t *data, size_t len,
				    const struct channel_secrets *secrets,
				    const struct channel_policy *policy,
				    const char **err)
{
	struct reader r = { data, len, NULL, ctx };
	struct channel *ch = wire_calloc(1, sizeof(*ch));
	uint8_t *error_text;
	size_t text_len;
	uint16_t version;

	ch->ctx = ctx;
	ch->secrets = *secrets;
	ch->policy = *policy;
	shachain_init(&ch->remote_secrets);
	if (fromwire_u32(&r.cursor, &r.max) != SERIAL_MAGIC)
		bad(&r, "not a channel snapshot");
	version = fromwire_u16(&r.cursor, &r.max);
	if (version != SERIAL_VERSION && version != SERIAL_VERSION_HELD
	    && version != SERIAL_VERSION_CLOSE
	    && version != SERIAL_VERSION_ANNOUNCE)
		bad(&r, "unknown snapshot version");
	ch->state = read_enum(&r, CHANNEL_ONCHAIN, "bad channel state");
	ch->link = read_enum(&r, LINK_UP, "bad link state");
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		read_config(&r, &ch->config[side]);
	fromwire_bytes(&r.cursor, &r.max, ch->params.funding.txid.shad.sha.u8,
		       32);
	ch->params.funding.vout = fromwire_u32(&r.cursor, &r.max);
	ch->params.funding_sat = fromwire_u64(&r.cursor, &r.max);
	ch->params.opener = read_enum(&r, CHANNEL_REMOTE, "bad opener");
	ch->params.option_anchors = read_bool(&r);
	read_local_party(&r, ch);
	read_remote_party(&r, ch);
	ch->type = read_enum(&r, CHANNEL_TYPE_ANCHORS, "bad channel type");
	ch->channel_flags = fromwire_u8(&r.cursor, &r.max);
	ch->push_msat = fromwire_u64(&r.cursor, &r.max);
	fromwire_channel_id(&r.cursor, &r.max, &ch->temporary_channel_id);
	fromwire_channel_id(&r.cursor, &r.max, &ch->channel_id);
	ch->has_channel_id = read_bool(&r);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		ch->shutdown_script[side] =
			read_blob(&r, &ch->shutdown_script_len[side]);
	ch->remote_upfront_script = read_blob(&r,
					      &ch->remote_upfront_script_len);
	ch->upfront_sent = read_bool(&r);
	read_commitments(&r, ch);
	if (ok(&r))
		read_htlcs(&r, &ch->htlcs);
	for (size_t side = 0; side < CHANNEL_NUM_SIDES; side++)
		ch->next_htlc_id[side] = fromwire_u64(&r.cursor, &r.max);
	ch->shutdown_wanted = read_bool(&r);
	ch->sent_shutdown = read_bool(&r);
	ch->received_shutdown = read_bool(&r);
	ch->sent_closing = read_bool(&r);
	ch->received_closing = read_bool(&r);
	ch->closing_fee_sent = fromwire_u64(&r.cursor, &r.max);
	ch->closing_fee_received = fromwire_u64(&r.cursor, &r.max);
	error_text = read_blob(&r, &text_len);
	if (error_text) {
		/* Stored without its NUL. */
		ch->error_text = wire_calloc(text_len + 1, 1);
		memcpy(ch->error_text, error_text, text_len);
		free(error_text);
	}
	if (ok(&r) && version >= SERIAL_VERSION_HELD)
		read_held(&r, ch, version);
	if (ok(&r) && version >= SERIAL_VERSION_CLOSE)
		read_close_section(&r, ch);
	if (ok(&r) && version >= SERIAL_VERSION_ANNOUNCE
	    && !channel_announce_read(&r.cursor, &r.max, ch))
		bad(&r, "bad announcement section");
	if (ok(&r) && r.max != 0)
		bad(&r, "trailing bytes after the snapshot");
	if (!ok(&r)) {
		*err = r.err ? r.err : "truncated snapshot";
		channel_free(ch);
		return NULL;
	}
	return ch;
}
