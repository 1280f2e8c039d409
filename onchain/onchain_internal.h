/* The resolver's own view of struct onchain, shared by onchain.c (the
 * transactions seen, events), onchain_classify.c (what the close and each
 * spend mean), onchain_sweep.c (the transactions we sign),
 * onchain_pending.c (those handed over, and their replacements) and
 * onchain_serialize.c.
 *
 * What is stored is what the chain taught (log: the closing transaction
 * and each spend of a tracked output, with its height), the preimages and
 * the outcomes already reported; everything else (outs) is derived from it
 * by onchain_rebuild(), so a disconnected block just leaves the log. */
#ifndef OHM_ONCHAIN_INTERNAL_H
#define OHM_ONCHAIN_INTERNAL_H

#include "channel/commitment.h"
#include "onchain/onchain.h"

struct onchain_out {
	struct bitcoin_outpoint outpoint;
	uint64_t amount_sat;
	enum onchain_output_kind kind;
	/* The P2WSH witness script (NULL for WALLET and THEIRS). */
	uint8_t *wscript;
	size_t wscript_len;
	/* PENALTY: an HTLC output (else a to_local-style one). */
	bool is_penalty_htlc;
	bool has_htlc;
	struct channel_htlc htlc;
	/* LOCAL_HTLC_*: its index among oc->local_c's HTLC outputs. */
	size_t htlc_num;
	uint32_t created_height;
	/* The output of an HTLC transaction (has_htlc names its HTLC). */
	bool is_second_stage;
	uint16_t csv;			/* DELAYED */
	/* Spent by a confirmed transaction (ours or not). */
	bool is_spent;
	struct bitcoin_txid spent_by;
	uint32_t spent_height;
	/* The spend showed the HTLC's preimage. */
	bool revealed;
	struct preimage preimage;
	/* Too small to sweep at the last decision: left. */
	bool is_dust;
};

struct onchain_logged {
	struct bitcoin_tx *tx;
	struct bitcoin_txid txid;
	uint32_t height;
};

enum onchain_reported {
	REPORTED_PREIMAGE,
	REPORTED_FAILED,
	REPORTED_DUST,
	REPORTED_ALL,
};

struct onchain_report {
	uint8_t type;			/* enum onchain_reported */
	uint64_t htlc_id;		/* PREIMAGE, FAILED */
	struct bitcoin_outpoint outpoint;	/* DUST */
};

/* A transaction handed over, not yet confirmed or beaten, and what a
 * replacement of it must beat (BIP125). */
struct onchain_pending {
	struct bitcoin_tx *tx;
	/* The tip when the first version of it was handed over: its fee
	 * schedule starts there (onchain_sweep_feerate). */
	uint32_t since;
	/* The absolute fee it pays and the feerate it was built at (0:
	 * unknown, from a version 1 snapshot: never replaced). */
	uint64_t fee_sat;
	uint32_t feerate_perkw;
	/* An option_anchors HTLC transaction: its wallet fee coin's value
	 * (its last input), 0 if none. */
	uint64_t fee_coin_sat;
};

struct onchain {
	const secp256k1_context *ctx;
	struct channel_onchain_view view;	/* deep copy */
	struct channel_secrets secrets;
	uint8_t *sweep_script;
	size_t sweep_script_len;
	uint32_t tip;
	/* log[0] is the closing transaction once one is seen. */
	struct onchain_logged *log;
	size_t num_log;
	struct preimage *preimages;
	size_t num_preimages;
	struct onchain_report *reported;
	size_t num_reported;
	/* setup's known_htlcs. */
	struct channel_htlc *known;
	size_t num_known;

	/* Derived (onchain_rebuild). */
	enum onchain_close close;
	struct commitment *closing_c;	/* LOCAL, REMOTE*: as rebuilt */
	struct secret revoked_secret;	/* REVOKED */
	struct commitment_keys revoked_keys;
	struct onchain_out *outs;
	size_t num_outs;
	/* Transactions handed over and not yet confirmed or beaten (stored:
	 * after a restart the same ones go out again, not new ones at
	 * another feerate).  An output one of them spends gets no other
	 * transaction but a replacement paying more as its deadline nears
	 * (onchain_sweep_feerate), or the penalty, signed again at every
	 * block. */
	struct onchain_pending *pending;
	size_t num_pending;
};

/* ---- onchain_classify.c ---- */
/* Derives the close and the outputs to track from the closing
 * transaction (after a clear). */
void onchain_classify(struct onchain *oc, const struct onchain_logged *closing);
/* What a confirmed spend of tracked outputs means. */
void onchain_apply_spend(struct onchain *oc, const struct onchain_logged *lt);
bool onchain_spends_funding(const struct onchain *oc, const struct bitcoin_tx *tx);
/* Whether tx spends a tracked output not spent yet. */
bool onchain_spends_tracked(struct onchain *oc, const struct bitcoin_tx *tx);
/* The tracked output at op, or NULL. */
struct onchain_out *onchain_find_out(struct onchain *oc, const struct bitcoin_outpoint *op);

/* ---- onchain.c ---- */
/* Forgets the derived state and derives it again from the log. */
void onchain_rebuild(struct onchain *oc);
/* Deep copy of view into out. */
void onchain_view_copy(struct channel_onchain_view *out,
		       const struct channel_onchain_view *view);
/* An empty resolver around ctx and secrets (view, sweep script unset). */
struct onchain *onchain_alloc(const struct onchain_setup *setup);
/* Whether preimage hashes to hash. */
bool onchain_preimage_matches(const struct preimage *preimage,
			      const struct sha256 *hash);
/* The known preimage for hash, or NULL. */
const struct preimage *onchain_find_preimage(const struct onchain *oc,
					     const struct sha256 *hash);

/* ---- onchain_sweep.c ---- */
/* Hands over (to fx) every transaction the tip allows now; if
 * may_replace (a block was connected: a pending transaction stayed out
 * of it), replaces the pending ones its fee schedule raised.  Not on a
 * restart (the estimates may not be known yet), a preimage or a
 * reorg. */
void onchain_decide(struct onchain *oc, struct onchain_effects *fx,
		    const struct onchain_feerates *feerates, bool may_replace);
/* The height from which out can be spent by us (0: when the preimage is
 * known; UINT32_MAX: never). */
uint32_t onchain_spendable_height(const struct onchain *oc,
				  const struct onchain_out *out);

/* ---- onchain_pending.c ---- */
/* Hands over the pending transactions again (a restart, a reorg). */
void onchain_resend_pending(struct onchain *oc, struct onchain_effects *fx);
/* The pending transaction spending out, or NULL. */
struct onchain_pending *onchain_pending_for(struct onchain *oc, const struct onchain_out *out);
/* Forgets the pending transactions that can no longer confirm, or did
 * (those with a wallet fee coin that did not: to fx->abandoned). */
void onchain_prune_pending(struct onchain *oc, struct onchain_effects *fx);
/* Hands tx over (takes it) and keeps it pending with meta's fee, instead
 * of any pending one it conflicts with (abandoned if it had a fee
 * coin). */
void onchain_hand_over(struct onchain *oc, struct onchain_effects *fx, struct bitcoin_tx *tx,
		       uint32_t deadline, enum onchain_output_kind kind,
		       const struct onchain_pending *meta);
/* Whether fee_sat, at weight, may replace old_fee_sat (BIP125 rules 3
 * and 4). */
bool onchain_replacement_pays_enough(uint64_t fee_sat, size_t weight, uint64_t old_fee_sat);
/* A version 1 snapshot's pending transaction: its fee from the tracked
 * outputs it spends (0 if one is not tracked: a fee coin). */
uint64_t onchain_pending_fee(struct onchain *oc, const struct bitcoin_tx *tx);

#endif /* OHM_ONCHAIN_INTERNAL_H */
