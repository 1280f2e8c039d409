/* The fee bump of our own anchors commitment (BOLT #3 "to_local_anchor and
 * to_remote_anchor Output (option_anchors)"): its feerate is only the slow
 * estimate (fee_policy.h), so when we broadcast it we also broadcast a
 * child spending our anchor and a wallet coin (CPFP), paying what lifts
 * the package to the feerate for its deadline (the earliest HTLC expiry,
 * else the slow target).  A child not confirmed after
 * ANCHOR_RBF_BLOCKS blocks is replaced (BIP125) aiming higher
 * (cpfp_rbf_feerate), up to fee_policy_anchor_max_feerate.  Bumping stops
 * once a transaction spending the funding output confirms: ours (done) or
 * another (our child can never confirm: the wallet forgets it).
 *
 * Order: the child is stored in the wallet and its row (anchor_bumps) in
 * one transaction, then sent; a restart loads the row and goes on.
 */
#include <stdio.h>
#include <string.h>

#include "bitcoin/cpfp.h"
#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "channel/scripts.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels_internal.h"
#include "daemon/channels/channels_store.h"
#include "daemon/channels/fee_policy.h"
#include "daemon/log.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"

/* Blocks a child may stay unconfirmed before it is replaced. */
#define ANCHOR_RBF_BLOCKS 2

/* Our anchor's witness script and scriptPubKey. */
struct anchor {
	struct wirebuf *wscript, *script;
	const secp256k1_context *secp;
	const struct privkey *key;
};

static void anchor_init(struct anchor *a, const struct chan *chan)
{
	const secp256k1_context *secp = chan->owner->setup.secp;

	a->secp = secp;
	a->key = &chan->secrets.funding;
	a->wscript = wirebuf_new();
	a->script = wirebuf_new();
	channel_script_anchor(a->wscript, secp,
			      &channel_get_params(chan->ch)->party[CHANNEL_LOCAL].funding_pubkey);
	script_p2wsh_for_witness_script(a->script, a->wscript->data, a->wscript->len);
}

static void anchor_clear(struct anchor *a)
{
	wirebuf_free(a->wscript);
	wirebuf_free(a->script);
}

/* BOLT #3: the anchor is spent with <local_sig> (or by anyone after 16
 * blocks): a SIGHASH_ALL signature with the funding key. */
static bool sign_anchor(void *arg, struct bitcoin_tx *tx, size_t index)
{
	struct anchor *a = arg;
	struct sha256 sighash;
	struct bitcoin_signature sig;
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
	const uint8_t *items[2];
	size_t lens[2];

	if (!bip143_sighash(&sighash, tx, index, a->wscript->data, a->wscript->len,
			    CHANNEL_ANCHOR_OUTPUT_SAT, SIGHASH_ALL)
	    || !bitcoin_signature_sign(a->secp, &sig, &sighash, a->key, SIGHASH_ALL))
		return false;
	lens[0] = bitcoin_signature_serialize(a->secp, der, &sig);
	items[0] = der;
	items[1] = a->wscript->data;
	lens[1] = a->wscript->len;
	bitcoin_tx_set_witness(tx, index, items, lens, 2);
	return true;
}

/* The anchor input's weight with the largest signature: outpoint,
 * empty scriptSig and nSequence (41 bytes), then a witness of two items. */
static size_t anchor_input_weight(const struct anchor *a)
{
	return 4 * 41 + 1 + 1 + BITCOIN_SIGNATURE_MAX_LEN + 1 + a->wscript->len;
}

/* The commitment's fee (the funding amount less its outputs). */
static uint64_t commitment_fee_sat(const struct chan *chan, const struct bitcoin_tx *tx)
{
	uint64_t out = 0, funding = channel_get_params(chan->ch)->funding_sat;

	for (size_t i = 0; i < tx->num_outputs; i++)
		out += tx->outputs[i].amount_sat;
	return funding > out ? funding - out : 0;
}

/* What our commitment holds for us: our balance and every HTLC in it (the
 * ones we offered come back by timeout, the others with the preimage).  A
 * fee bump never pays more (Core Lightning does not spend more than the
 * HTLCs it would save either). */
static uint64_t at_stake_sat(const struct chan *chan)
{
	struct htlc_view view;
	uint64_t msat;

	channel_get_view(chan->ch, CHANNEL_LOCAL, &view);
	msat = view.balance_msat[CHANNEL_LOCAL] > 0 ? (uint64_t)view.balance_msat[CHANNEL_LOCAL] : 0;
	for (size_t i = 0; i < view.num_htlcs; i++)
		msat += view.htlcs[i].amount_msat;
	htlc_view_free(&view);
	return msat / 1000;
}

/* The earliest cltv_expiry of an HTLC in our latest commitment, or 0. */
static uint32_t earliest_expiry(const struct chan *chan)
{
	const struct htlc_set *set = channel_get_htlcs(chan->ch);
	uint32_t earliest = 0;

	for (size_t i = 0; i < set->num; i++) {
		const struct htlc *h = &set->htlcs[i];
		if (htlc_in_commitment(h, CHANNEL_LOCAL, false)
		    && (earliest == 0 || h->h.cltv_expiry < earliest))
			earliest = h->h.cltv_expiry;
	}
	return earliest;
}

static struct fee_estimates estimates(const struct chain *chain)
{
	struct fee_estimates est = {
		.urgent_perkw = chain_feerate(chain, FEERATE_URGENT),
		.normal_perkw = chain_feerate(chain, FEERATE_NORMAL),
		.slow_perkw = chain_feerate(chain, FEERATE_SLOW),
	};
	return est;
}

/* Builds, stores and sends a child of commitment aiming at package_perkw
 * (replacing chan->bump if is_replacement).  Returns: false if there is
 * none (logged why). */
static bool bump_send(struct chan *chan, const struct bitcoin_tx *commitment,
		      uint32_t package_perkw, bool is_replacement)
{
	struct channels *chans = chan->owner;
	struct db *db = chans->setup.db;
	struct anchor a;
	struct wallet_bump_params params = {0};
	struct wallet_bump bump = {0};
	struct channels_store_bump row;
	struct bitcoin_txid commitment_txid;
	char err[300], hex[65], parent_hex[65], cid[65];
	bool found = false, ok = false;

	anchor_init(&a, chan);
	bitcoin_tx_txid(&commitment_txid, commitment);
	for (size_t i = 0; i < commitment->num_outputs && !found; i++) {
		const struct bitcoin_tx_output *o = &commitment->outputs[i];
		if (o->script_len == a.script->len
		    && memcmp(o->script, a.script->data, a.script->len) == 0) {
			params.input.txid = commitment_txid;
			params.input.vout = (uint32_t)i;
			params.input_sat = o->amount_sat;
			found = true;
		}
	}
	if (!found) {
		log_broken(channels_log(chans), "anchor", "%s: channel %s: our commitment has no "
			   "anchor of ours", chan->peer_id_hex, chan_id_hex(cid, chan));
		goto out;
	}
	params.input_script = a.script->data;
	params.input_script_len = a.script->len;
	params.input_weight = anchor_input_weight(&a);
	params.parent_weight = bitcoin_tx_weight(commitment);
	params.parent_fee_sat = commitment_fee_sat(chan, commitment);
	params.package_perkw = package_perkw;
	params.max_fee_sat = at_stake_sat(chan);
	params.is_replacement = is_replacement;
	params.old_fee_sat = chan->bump.child_fee_sat;
	params.old_weight = chan->bump.child_weight;
	params.sign_input = sign_anchor;
	params.sign_arg = &a;

	if (!db_begin(db)) {
		log_broken(channels_log(chans), "anchor", "cannot begin storing a fee bump: %s",
			   db_errmsg(db));
		goto out;
	}
	if (is_replacement && !wallet_forget_spend(chans->setup.wallet, &chan->bump.child_txid,
						   "replaced by a higher fee bump")) {
		snprintf(err, sizeof(err), "cannot forget the child it replaces: %s", db_errmsg(db));
		goto fail;
	}
	if (!wallet_bump_prepare(chans->setup.wallet, &params, &bump, err, sizeof(err)))
		goto fail;
	row.commitment_txid = commitment_txid;
	bitcoin_tx_txid(&row.child_txid, bump.tx);
	row.child_fee_sat = bump.fee_sat;
	row.child_weight = (uint32_t)bump.weight;
	row.package_perkw = package_perkw;
	row.broadcast_height = chain_height(chans->setup.chain);
	if (!channels_store_set_bump(db, chan->dbid, &row)) {
		snprintf(err, sizeof(err), "cannot store the fee bump: %s", db_errmsg(db));
		goto fail;
	}
	if (!db_commit(db)) {
		snprintf(err, sizeof(err), "cannot store the fee bump: %s", db_errmsg(db));
		goto fail;
	}
	chan->has_bump = true;
	chan->bump = row;
	log_info(channels_log(chans), "anchor", "%s: channel %s: %s %s of commitment %s: "
		 "fee %llusat at weight %zu lifts the package (commitment %zu weight, %llusat) "
		 "to %u perkw", chan->peer_id_hex, chan_id_hex(cid, chan),
		 is_replacement ? "replacing the fee bump with child" : "fee bump child",
		 bitcoin_txid_to_hex(hex, &row.child_txid),
		 bitcoin_txid_to_hex(parent_hex, &commitment_txid), (unsigned long long)bump.fee_sat,
		 bump.weight, params.parent_weight, (unsigned long long)params.parent_fee_sat,
		 package_perkw);
	chain_broadcast(chans->setup.chain, bump.tx, NULL, NULL);
	bitcoin_tx_free(bump.tx);
	ok = true;
	goto out;
fail:
	db_rollback(db);
	log_unusual(channels_log(chans), "anchor", "%s: channel %s: no fee bump of our "
		    "commitment to %u perkw: %s", chan->peer_id_hex, chan_id_hex(cid, chan),
		    package_perkw, err);
out:
	anchor_clear(&a);
	return ok;
}

/* The first child for commitment, if it needs one (is_quiet: said at
 * debug level only, as at every block). */
static void bump_first(struct chan *chan, const struct bitcoin_tx *commitment, bool is_quiet)
{
	struct channels *chans = chan->owner;
	struct chain *chain = chans->setup.chain;
	uint32_t height = chain_height(chain), target, own;
	char cid[65];

	/* One commitment of ours is ever broadcast: a child exists for it
	 * already, or none is needed. */
	if (!channel_get_params(chan->ch)->option_anchors || chan->has_bump)
		return;
	/* Between the estimates: no cap needed (replacements have one). */
	target = chain_feerate_for_deadline(chain, fee_policy_anchor_deadline(height,
									    earliest_expiry(chan)));
	own = cpfp_package_feerate(bitcoin_tx_weight(commitment),
				   commitment_fee_sat(chan, commitment), 0, 0);
	if (own >= target) {
		log_printf(channels_log(chans), is_quiet ? LOG_DEBUG : LOG_INFO, "anchor", "%s: channel %s: "
			 "our commitment pays %u perkw, the target is %u perkw: no fee bump",
			 chan->peer_id_hex, chan_id_hex(cid, chan), own, target);
		return;
	}
	bump_send(chan, commitment, target, false);
}

void chan_anchor_broadcast(struct chan *chan, const struct bitcoin_tx *commitment)
{
	bump_first(chan, commitment, false);
}

/* Our commitment is out there without a child: the estimate may have
 * risen since it went out, or ohmd stopped before the child did. */
static void bump_missing(struct chan *chan)
{
	struct bitcoin_tx *commitment;

	if (chan->has_bump || chan->forgotten || chan->is_spent
	    || channel_get_state(chan->ch) != CHANNEL_AWAITING_UNILATERAL
	    || !channel_get_params(chan->ch)->option_anchors)
		return;
	commitment = channel_signed_commitment(chan->ch);
	if (commitment)
		bump_first(chan, commitment, true);
	bitcoin_tx_free(commitment);
}

void chan_anchor_fees_changed(struct chan *chan)
{
	bump_missing(chan);
}

/* Stops bumping: the funding output is spent by a confirmed transaction. */
static void bump_stop(struct chan *chan)
{
	struct channels *chans = chan->owner;
	struct db *db = chans->setup.db;
	bool is_ours = bitcoin_txid_eq(&chan->spend_txid, &chan->bump.commitment_txid);
	char cid[65];

	if (!db_begin(db)
	    || (!is_ours && !wallet_forget_spend(chans->setup.wallet, &chan->bump.child_txid,
						 "its commitment can no longer confirm"))
	    || !channels_store_delete_bump(db, chan->dbid) || !db_commit(db)) {
		log_broken(channels_log(chans), "anchor", "cannot end a fee bump: %s",
			   db_errmsg(db));
		db_rollback(db);
		return;
	}
	chan->has_bump = false;
	log_info(channels_log(chans), "anchor", "%s: channel %s: %s confirmed: fee bumping over",
		 chan->peer_id_hex, chan_id_hex(cid, chan),
		 is_ours ? "our commitment" : "another transaction spending the funding output");
}

void chan_anchor_tip(struct chan *chan, uint32_t height)
{
	struct chain *chain = chan->owner->setup.chain;
	struct bitcoin_tx *commitment;
	struct bitcoin_txid txid;
	struct fee_estimates est;
	uint32_t estimate, max, next;

	if (!chan->has_bump) {
		bump_missing(chan);
		return;
	}
	if (chan->is_spent) {
		bump_stop(chan);
		return;
	}
	if (height < chan->bump.broadcast_height + ANCHOR_RBF_BLOCKS)
		return;
	commitment = channel_signed_commitment(chan->ch);
	if (!commitment)
		return;
	bitcoin_tx_txid(&txid, commitment);
	if (bitcoin_txid_eq(&txid, &chan->bump.commitment_txid)) {
		est = estimates(chain);
		estimate = chain_feerate_for_deadline(chain, fee_policy_anchor_deadline(
							      height, earliest_expiry(chan)));
		max = fee_policy_anchor_max_feerate(&est, estimate);
		next = cpfp_rbf_feerate(chan->bump.package_perkw, estimate, max);
		if (next)
			bump_send(chan, commitment, next, true);
	}
	bitcoin_tx_free(commitment);
}

bool chan_anchor_load(struct chan *chan, char *err, size_t errlen)
{
	int rc = channels_store_bump(chan->owner->setup.db, chan->dbid, &chan->bump);

	if (rc < 0) {
		snprintf(err, errlen, "cannot read channel %lld's fee bump: %s",
			 (long long)chan->dbid, db_errmsg(chan->owner->setup.db));
		return false;
	}
	chan->has_bump = rc == 1;
	return true;
}
