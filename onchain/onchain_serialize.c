/* The resolver's database form: one blob, written after every step.
 *
 * Big-endian, with the wire/ codecs (version 2):
 *
 *   u32 magic "ohmo", u16 version, u32 tip
 *   the view: 32 funding txid, u32 vout, u64 funding_sat, u8 opener,
 *     u8 anchors, 2 x party (33 funding_pubkey, 4 x 33 basepoints,
 *     u64 dust_limit_sat, u16 to_self_delay);
 *     local commitment, u16 n + n x 64 HTLC signatures, u8 num_remote,
 *     num_remote x commitment, u16 len + shachain_serialize() bytes,
 *     u32 n + n x HTLC (the offered ones)
 *     where a commitment is u64 number, u32 feerate, 2 x u64 balance_msat,
 *     33 point, u32 n + n x HTLC, and an HTLC is u64 id, u8 offerer,
 *     u64 amount_msat, 32 payment_hash, u32 cltv_expiry
 *   u32 n + n x (u32 height, u32 len + the transaction with witnesses)
 *   u32 n + n x 32 preimage
 *   u32 n + n x (u8 type, u64 htlc_id, 32 txid, u32 vout)
 *   u32 n + n x (u32 len + a pending transaction with witnesses,
 *     u32 since, u64 fee_sat, u32 feerate_perkw, u64 fee_coin_sat)
 *   u32 n + n x HTLC (the known ones)
 *
 * Version 1 (still read) has only the pending transactions: each is
 * taken as first handed over at the stored tip, its fee counted from the
 * outputs it spends (one with a wallet fee coin is never replaced).
 *
 * Not stored: our secrets and the sweep script (the caller has them), and
 * what is derived from the transactions (onchain_rebuild). */
#include "onchain/onchain_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "crypto/secp.h"
#include "wire/wire.h"

#define ONCHAIN_MAGIC 0x6f686d6fu	/* "ohmo" */
#define ONCHAIN_VERSION 2

static void put_pubkey(struct wirebuf *out, const struct onchain *oc, const struct pubkey *pk)
{
	uint8_t b[PUBKEY_CMPR_LEN];

	pubkey_serialize(oc->ctx, b, pk);
	towire_bytes(out, b, sizeof(b));
}

static void put_htlc(struct wirebuf *out, const struct channel_htlc *h)
{
	towire_u64(out, h->id);
	towire_u8(out, (uint8_t)h->offerer);
	towire_u64(out, h->amount_msat);
	towire_bytes(out, h->payment_hash.u8, sizeof(h->payment_hash.u8));
	towire_u32(out, h->cltv_expiry);
}

static void put_commitment(struct wirebuf *out, const struct onchain *oc,
			   const struct channel_onchain_commitment *c)
{
	towire_u64(out, c->state.commitment_number);
	towire_u32(out, c->state.feerate_per_kw);
	towire_u64(out, c->state.balance_msat[0]);
	towire_u64(out, c->state.balance_msat[1]);
	put_pubkey(out, oc, &c->point);
	towire_u32(out, (uint32_t)c->state.num_htlcs);
	for (size_t i = 0; i < c->state.num_htlcs; i++)
		put_htlc(out, &c->state.htlcs[i]);
}

static void put_tx(struct wirebuf *out, const struct bitcoin_tx *tx)
{
	struct wirebuf *raw = wirebuf_new();

	bitcoin_tx_serialize(raw, tx, true);
	towire_u32(out, (uint32_t)raw->len);
	towire_bytes(out, raw->data, raw->len);
	wirebuf_free(raw);
}

void onchain_serialize(struct wirebuf *out, const struct onchain *oc)
{
	const struct channel_onchain_view *v = &oc->view;
	struct wirebuf *chain = wirebuf_new();

	towire_u32(out, ONCHAIN_MAGIC);
	towire_u16(out, ONCHAIN_VERSION);
	towire_u32(out, oc->tip);
	towire_bytes(out, v->params.funding.txid.shad.sha.u8, 32);
	towire_u32(out, v->params.funding.vout);
	towire_u64(out, v->params.funding_sat);
	towire_u8(out, (uint8_t)v->params.opener);
	towire_u8(out, v->params.option_anchors);
	for (size_t s = 0; s < CHANNEL_NUM_SIDES; s++) {
		const struct channel_party *p = &v->params.party[s];
		put_pubkey(out, oc, &p->funding_pubkey);
		put_pubkey(out, oc, &p->basepoints.revocation);
		put_pubkey(out, oc, &p->basepoints.payment);
		put_pubkey(out, oc, &p->basepoints.delayed_payment);
		put_pubkey(out, oc, &p->basepoints.htlc);
		towire_u64(out, p->dust_limit_sat);
		towire_u16(out, p->to_self_delay);
	}
	put_commitment(out, oc, &v->local);
	towire_u16(out, (uint16_t)v->num_local_htlc_sigs);
	for (size_t i = 0; i < v->num_local_htlc_sigs; i++) {
		uint8_t b[64];
		ecdsa_signature_serialize_compact(oc->ctx, b, &v->local_htlc_sigs[i]);
		towire_bytes(out, b, sizeof(b));
	}
	towire_u8(out, (uint8_t)v->num_remote);
	for (size_t i = 0; i < v->num_remote; i++)
		put_commitment(out, oc, &v->remote[i]);
	shachain_serialize(chain, &v->remote_secrets);
	towire_u16(out, (uint16_t)chain->len);
	towire_bytes(out, chain->data, chain->len);
	wirebuf_free(chain);
	towire_u32(out, (uint32_t)v->num_offered);
	for (size_t i = 0; i < v->num_offered; i++)
		put_htlc(out, &v->offered[i]);

	towire_u32(out, (uint32_t)oc->num_log);
	for (size_t i = 0; i < oc->num_log; i++) {
		towire_u32(out, oc->log[i].height);
		put_tx(out, oc->log[i].tx);
	}
	towire_u32(out, (uint32_t)oc->num_preimages);
	for (size_t i = 0; i < oc->num_preimages; i++)
		towire_bytes(out, oc->preimages[i].r, 32);
	towire_u32(out, (uint32_t)oc->num_reported);
	for (size_t i = 0; i < oc->num_reported; i++) {
		towire_u8(out, oc->reported[i].type);
		towire_u64(out, oc->reported[i].htlc_id);
		towire_bytes(out, oc->reported[i].outpoint.txid.shad.sha.u8, 32);
		towire_u32(out, oc->reported[i].outpoint.vout);
	}
	towire_u32(out, (uint32_t)oc->num_pending);
	for (size_t i = 0; i < oc->num_pending; i++) {
		put_tx(out, oc->pending[i].tx);
		towire_u32(out, oc->pending[i].since);
		towire_u64(out, oc->pending[i].fee_sat);
		towire_u32(out, oc->pending[i].feerate_perkw);
		towire_u64(out, oc->pending[i].fee_coin_sat);
	}
	towire_u32(out, (uint32_t)oc->num_known);
	for (size_t i = 0; i < oc->num_known; i++)
		put_htlc(out, &oc->known[i]);
}

/* ---- Reading ---- */

struct reader {
	const secp256k1_context *ctx;
	const uint8_t *cursor;
	size_t max;
	const char *err;
};

static void bad(struct reader *r, const char *why)
{
	if (!r->err)
		r->err = why;
	fromwire_fail(&r->cursor, &r->max);
}

static void get_pubkey(struct reader *r, struct pubkey *pk)
{
	uint8_t b[PUBKEY_CMPR_LEN];

	fromwire_bytes(&r->cursor, &r->max, b, sizeof(b));
	if (r->cursor && !pubkey_parse(r->ctx, pk, b))
		bad(r, "a point is not on the curve");
}

/* A count of items of at least item_len bytes each that fits what is
 * left. */
static size_t get_count(struct reader *r, size_t n, size_t item_len)
{
	if (r->cursor && !fromwire_array_fits(&r->cursor, &r->max, n, item_len))
		bad(r, "a count is larger than the data");
	return r->cursor ? n : 0;
}

static void get_htlc(struct reader *r, struct channel_htlc *h)
{
	uint8_t offerer;

	h->id = fromwire_u64(&r->cursor, &r->max);
	offerer = fromwire_u8(&r->cursor, &r->max);
	if (offerer > CHANNEL_REMOTE)
		bad(r, "an HTLC's offerer is not a side");
	h->offerer = offerer == CHANNEL_LOCAL ? CHANNEL_LOCAL : CHANNEL_REMOTE;
	h->amount_msat = fromwire_u64(&r->cursor, &r->max);
	fromwire_bytes(&r->cursor, &r->max, h->payment_hash.u8, sizeof(h->payment_hash.u8));
	h->cltv_expiry = fromwire_u32(&r->cursor, &r->max);
}

static struct channel_htlc *get_htlcs(struct reader *r, size_t *num)
{
	struct channel_htlc *htlcs;

	*num = get_count(r, fromwire_u32(&r->cursor, &r->max), 53);
	htlcs = oh_calloc(*num + 1, sizeof(*htlcs));
	for (size_t i = 0; i < *num; i++)
		get_htlc(r, &htlcs[i]);
	return htlcs;
}

static void get_commitment(struct reader *r, struct channel_onchain_commitment *c)
{
	c->state.commitment_number = fromwire_u64(&r->cursor, &r->max);
	c->state.feerate_per_kw = fromwire_u32(&r->cursor, &r->max);
	c->state.balance_msat[0] = fromwire_u64(&r->cursor, &r->max);
	c->state.balance_msat[1] = fromwire_u64(&r->cursor, &r->max);
	get_pubkey(r, &c->point);
	c->state.htlcs = get_htlcs(r, &c->state.num_htlcs);
}

static void get_view(struct reader *r, struct channel_onchain_view *v)
{
	uint8_t opener, anchors;
	uint16_t chain_len;
	const uint8_t *chain;

	fromwire_bytes(&r->cursor, &r->max, v->params.funding.txid.shad.sha.u8, 32);
	v->params.funding.vout = fromwire_u32(&r->cursor, &r->max);
	v->params.funding_sat = fromwire_u64(&r->cursor, &r->max);
	opener = fromwire_u8(&r->cursor, &r->max);
	anchors = fromwire_u8(&r->cursor, &r->max);
	if (opener > CHANNEL_REMOTE || anchors > 1)
		bad(r, "the opener or option_anchors is out of range");
	v->params.opener = opener == CHANNEL_LOCAL ? CHANNEL_LOCAL : CHANNEL_REMOTE;
	v->params.option_anchors = anchors;
	for (size_t s = 0; s < CHANNEL_NUM_SIDES; s++) {
		struct channel_party *p = &v->params.party[s];
		get_pubkey(r, &p->funding_pubkey);
		get_pubkey(r, &p->basepoints.revocation);
		get_pubkey(r, &p->basepoints.payment);
		get_pubkey(r, &p->basepoints.delayed_payment);
		get_pubkey(r, &p->basepoints.htlc);
		p->dust_limit_sat = fromwire_u64(&r->cursor, &r->max);
		p->to_self_delay = fromwire_u16(&r->cursor, &r->max);
	}
	get_commitment(r, &v->local);
	v->num_local_htlc_sigs = get_count(r, fromwire_u16(&r->cursor, &r->max), 64);
	v->local_htlc_sigs = oh_calloc(v->num_local_htlc_sigs + 1, sizeof(*v->local_htlc_sigs));
	for (size_t i = 0; i < v->num_local_htlc_sigs; i++) {
		uint8_t b[64];
		fromwire_bytes(&r->cursor, &r->max, b, sizeof(b));
		if (r->cursor && !ecdsa_signature_parse_compact(r->ctx, &v->local_htlc_sigs[i], b))
			bad(r, "an HTLC signature is invalid");
	}
	v->num_remote = fromwire_u8(&r->cursor, &r->max);
	if (r->cursor && (v->num_remote < 1 || v->num_remote > 2)) {
		v->num_remote = 0;
		bad(r, "the number of the peer's commitments is not 1 or 2");
	}
	for (size_t i = 0; i < v->num_remote; i++)
		get_commitment(r, &v->remote[i]);
	chain_len = fromwire_u16(&r->cursor, &r->max);
	chain = fromwire_pull(&r->cursor, &r->max, chain_len);
	if (r->cursor && !shachain_deserialize(&v->remote_secrets, chain, chain_len))
		bad(r, "the peer's secrets are inconsistent");
	v->offered = get_htlcs(r, &v->num_offered);
}

static struct bitcoin_tx *get_tx(struct reader *r)
{
	uint32_t raw_len = fromwire_u32(&r->cursor, &r->max);
	const uint8_t *raw = fromwire_pull(&r->cursor, &r->max, raw_len);
	const char *why;
	struct bitcoin_tx *tx = r->cursor ? bitcoin_tx_parse(raw, raw_len, &why) : NULL;

	if (!tx)
		bad(r, "a stored transaction does not parse");
	return tx;
}

struct onchain *onchain_deserialize(const struct onchain_setup *setup, const uint8_t *data,
				    size_t len, const char **err)
{
	struct reader r = { .ctx = setup->ctx, .cursor = data, .max = len };
	struct onchain *oc = onchain_alloc(setup);
	size_t n;
	uint16_t version = 0;

	if (fromwire_u32(&r.cursor, &r.max) != ONCHAIN_MAGIC
	    || (version = fromwire_u16(&r.cursor, &r.max)) < 1 || version > ONCHAIN_VERSION)
		bad(&r, "not an on-chain resolver of a version we know");
	oc->tip = fromwire_u32(&r.cursor, &r.max);
	get_view(&r, &oc->view);
	n = get_count(&r, fromwire_u32(&r.cursor, &r.max), 8);
	oc->log = oh_calloc(n + 1, sizeof(*oc->log));
	for (size_t i = 0; i < n && r.cursor; i++) {
		uint32_t height = fromwire_u32(&r.cursor, &r.max);
		struct bitcoin_tx *tx = get_tx(&r);
		if (!tx)
			break;
		oc->log[oc->num_log].tx = tx;
		oc->log[oc->num_log].height = height;
		bitcoin_tx_txid(&oc->log[oc->num_log].txid, tx);
		oc->num_log++;
	}
	n = get_count(&r, fromwire_u32(&r.cursor, &r.max), 32);
	oc->preimages = oh_calloc(n + 1, sizeof(*oc->preimages));
	for (size_t i = 0; i < n; i++)
		fromwire_bytes(&r.cursor, &r.max, oc->preimages[i].r, 32);
	oc->num_preimages = n;
	n = get_count(&r, fromwire_u32(&r.cursor, &r.max), 45);
	oc->reported = oh_calloc(n + 1, sizeof(*oc->reported));
	for (size_t i = 0; i < n; i++) {
		oc->reported[i].type = fromwire_u8(&r.cursor, &r.max);
		if (oc->reported[i].type > REPORTED_ALL)
			bad(&r, "an outcome's type is unknown");
		oc->reported[i].htlc_id = fromwire_u64(&r.cursor, &r.max);
		fromwire_bytes(&r.cursor, &r.max, oc->reported[i].outpoint.txid.shad.sha.u8, 32);
		oc->reported[i].outpoint.vout = fromwire_u32(&r.cursor, &r.max);
	}
	oc->num_reported = n;
	n = get_count(&r, fromwire_u32(&r.cursor, &r.max), 4);
	oc->pending = oh_calloc(n + 1, sizeof(*oc->pending));
	for (size_t i = 0; i < n && r.cursor; i++) {
		struct onchain_pending *p = &oc->pending[oc->num_pending];
		struct bitcoin_tx *tx = get_tx(&r);
		if (!tx)
			break;
		p->tx = tx;
		p->since = oc->tip;
		if (version >= 2) {
			p->since = fromwire_u32(&r.cursor, &r.max);
			p->fee_sat = fromwire_u64(&r.cursor, &r.max);
			p->feerate_perkw = fromwire_u32(&r.cursor, &r.max);
			p->fee_coin_sat = fromwire_u64(&r.cursor, &r.max);
		}
		oc->num_pending++;
	}
	/* The setup's are ignored: the snapshot has them. */
	free(oc->known);
	oc->known = get_htlcs(&r, &oc->num_known);
	if (r.cursor && r.max)
		bad(&r, "bytes follow the resolver");
	if (!r.cursor) {
		*err = r.err ? r.err : "the resolver's data is truncated";
		onchain_free(oc);
		return NULL;
	}
	onchain_rebuild(oc);
	if (version < 2)
		for (size_t i = 0; i < oc->num_pending; i++)
			oc->pending[i].fee_sat = onchain_pending_fee(oc, oc->pending[i].tx);
	return oc;
}
