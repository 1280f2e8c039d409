/* The on-chain resolver: one closed channel's outputs, followed until each
 * is irrevocably resolved (BOLT #5), as data in and data out, beside the
 * channel engine (channel/state.h).
 *
 * In: the channel as it stood when its funding output was spent
 * (channel_onchain_view), our secrets, where swept coins go; then every
 * block connected (its height and transactions: the resolver picks the
 * closing transaction, the one spending the funding output, and every
 * later spend of an output it tracks) or disconnected, with the feerates
 * the caller estimates now; and the preimages the caller learns.
 *
 * Out (struct onchain_effects), for the caller to act on in this order:
 *
 *   1. persist fx->snapshot (onchain_serialize's form) in the same
 *      database transaction as the block that taught it;
 *   2. then act on fx->events (a preimage learned for an HTLC we offered:
 *      settle its incoming HTLC upstream; an HTLC we offered failed on
 *      chain: fail it upstream; dust left; everything resolved);
 *   3. then broadcast fx->txs (each with the height by which it must
 *      confirm).  A transaction may be handed over again, or replaced by
 *      one paying more (BIP125), at a later block.
 *
 * The close is classified (enum onchain_close) and each output followed:
 *
 *   - our commitment: to_local swept once to_self_delay has passed;
 *     each HTLC we offered by its HTLC-timeout transaction after its
 *     cltv_expiry, each we received by HTLC-success once we know the
 *     preimage; their outputs swept after to_self_delay;
 *   - the peer's latest or previous (unrevoked) commitment: to_remote is
 *     the wallet's (it pays our payment_basepoint: option_static_remotekey),
 *     or, with option_anchors, swept to the wallet after its CSV of 1;
 *     HTLCs the peer offered claimed with the preimage, HTLCs we offered
 *     claimed after their cltv_expiry;
 *   - a revoked commitment of the peer (found with the secrets it
 *     revealed): one justice transaction takes to_local and every HTLC
 *     output with the revocation key, and the output of any HTLC-timeout
 *     or HTLC-success of the cheater's that confirms; it is signed again
 *     with a higher feerate at every block until it confirms.  Its HTLC
 *     outputs are recognised among the HTLCs of the view and those the
 *     caller kept (setup's known_htlcs): one it did not keep stays
 *     unrecognised (an output "theirs");
 *   - a mutual close: the wallet already has our output.
 *
 * Decisions are re-run from the transactions seen whenever a block is
 * disconnected (a reorg).  Everything is resolved once every output is
 * spent (or left as dust, or not ours) and the last resolving transaction
 * is ONCHAIN_IRREVOCABLE_DEPTH deep (BOLT #5).
 *
 * Fees (issue 13: "each sweep pays a fee from estimatesmartfee for a
 * deadline ... and is replaced (RBF) with a higher fee when it is not
 * confirmed in time"): a sweep first pays the estimate for its kind and
 * is signed again at each block it stays unconfirmed, its feerate
 * rising along onchain_sweep_feerate's schedule toward its cap as its
 * deadline nears, as Core Lightning and LND's sweepers do.  A
 * replacement spends the same outputs and goes out only when it pays at
 * least BIP125's minimum over the one it replaces (rule 3: more absolute
 * fee; rule 4: at least the incremental relay feerate times its own
 * size more), so the last version may stay below the cap by less than
 * that step; one that would leave dust is not made.  Every input signals BIP125 (nSequence below 0xfffffffe: a
 * CSV-locked input's nSequence is its delay, which does).  Our
 * HTLC-timeout/-success transactions of a channel without
 * option_anchors are signed by the peer at the commitment's feerate
 * (SIGHASH_ALL): they cannot be replaced and go out once.
 *
 * The engine is pure: no I/O, no clock; it owns what it allocates and
 * onchain_free() wipes its secrets.
 *
 * option_anchors (BOLT #3): every spend of an HTLC output of a commitment
 * by its counterparty waits one block (nSequence 1); our HTLC-timeout and
 * HTLC-success transactions get their fee from a wallet coin the caller
 * hands over (feerates->fee_source) at the urgent feerate first (then
 * replaced from the same coin with less change, as the sweeps are), with
 * a change output to the sweep script (the wallet must take that coin
 * when the transaction is handed over: it spends an input not the
 * resolver's, see onchain_broadcast's fee_coin); the anchor outputs are
 * left (ONCHAIN_OUT_ANCHOR, resolved from the start: the CPFP of our
 * commitment is the broadcaster's business, and after 16 blocks anyone
 * may sweep them).
 */
#ifndef OHM_ONCHAIN_ONCHAIN_H
#define OHM_ONCHAIN_ONCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "channel/keys.h"
#include "channel/params.h"
#include "channel/state.h"
#include "wire/wirebuf.h"

/* BOLT #5's "reasonable depth", as the channel engine counts it. */
#define ONCHAIN_REASONABLE_DEPTH CHANNEL_ONCHAIN_REASONABLE_DEPTH
/* BOLT #5:
 * Outputs that are *resolved* are considered *irrevocably resolved*
 * once the remote's *resolving* transaction is included in a block at least 100
 * deep, on the most-work blockchain. */
#define ONCHAIN_IRREVOCABLE_DEPTH 100
/* Below this, a sweep's output is not worth making (P2WPKH dust at
 * Bitcoin Core's 3 sat/vB relay fee is 294 sat; anchors' 330 is the
 * round number every implementation uses). */
#define ONCHAIN_DUST_SAT 330
/* How long a to_local sweep may take (a week). */
#define ONCHAIN_SWEEP_DEADLINE_BLOCKS 1008
/* The penalty's feerate grows to at most this many times the urgent
 * estimate while it waits. */
#define ONCHAIN_PENALTY_MAX_BUMP 10
/* An HTLC claim's feerate grows from the urgent estimate to at most this
 * many times it at its deadline (to_local and to_remote sweeps: from the
 * normal estimate to the urgent one). */
#define ONCHAIN_HTLC_MAX_BUMP 4
/* BIP125 rule 4 with Bitcoin Core's -incrementalrelayfee (1 sat/vB). */
#define ONCHAIN_INCREMENTAL_RELAY_PERKW 250

enum onchain_close {
	ONCHAIN_CLOSE_UNKNOWN,		/* not seen yet, or none we recognise */
	ONCHAIN_CLOSE_MUTUAL,
	ONCHAIN_CLOSE_LOCAL,		/* our latest commitment */
	ONCHAIN_CLOSE_REMOTE,		/* the peer's latest */
	ONCHAIN_CLOSE_REMOTE_PREVIOUS,	/* the peer's previous, unrevoked */
	ONCHAIN_CLOSE_REVOKED,		/* a revoked commitment of the peer */
};

/* "mutual", "local", ... */
const char *onchain_close_name(enum onchain_close close);

/* What an output is to us. */
enum onchain_output_kind {
	ONCHAIN_OUT_DELAYED,		/* ours after a CSV: to_local, or an
					 * HTLC transaction's output */
	ONCHAIN_OUT_LOCAL_HTLC_TIMEOUT,	/* our commitment, HTLC we offered */
	ONCHAIN_OUT_LOCAL_HTLC_SUCCESS,	/* our commitment, HTLC we received */
	ONCHAIN_OUT_REMOTE_HTLC_TIMEOUT,/* their commitment, HTLC we offered */
	ONCHAIN_OUT_REMOTE_HTLC_SUCCESS,/* their commitment, HTLC they offered */
	ONCHAIN_OUT_WALLET,		/* to_remote: the wallet's key */
	ONCHAIN_OUT_PENALTY,		/* revoked: the revocation key takes it */
	ONCHAIN_OUT_THEIRS,		/* theirs, or unrecognised */
	/* option_anchors: to_remote of the peer's commitment (or of a
	 * revoked one), ours with the payment_basepoint after a CSV of 1. */
	ONCHAIN_OUT_TO_REMOTE_CSV,
	/* option_anchors: an anchor output (330 sat), ours or the peer's,
	 * only for CPFP; anyone may sweep it after 16 blocks (BOLT #5):
	 * left, not money to resolve. */
	ONCHAIN_OUT_ANCHOR,
};

/* "delayed_to_us", ... */
const char *onchain_output_kind_name(enum onchain_output_kind kind);

/* A confirmed P2WPKH coin of the caller's wallet, to pay the fee of an
 * option_anchors HTLC transaction of ours. */
struct onchain_fee_coin {
	struct bitcoin_outpoint outpoint;
	uint64_t amount_sat;
	uint8_t script[22];		/* its P2WPKH scriptPubKey */
	struct privkey key;		/* its key: wiped once used */
};

/* Where the fee of our option_anchors HTLC transactions comes from: BOLT 3
 * makes them zero-fee, the peer's signature SIGHASH_SINGLE|ANYONECANPAY,
 * so we add a coin of the wallet and a change output (to the sweep
 * script) and sign our side SIGHASH_ALL over the whole. */
struct onchain_fee_source {
	/* Fills coin with a coin worth at least min_sat, not handed out
	 * before in this call of the resolver.  Returns: false if the wallet
	 * has none (the HTLC transaction waits for the next block). */
	bool (*get_coin)(void *arg, uint64_t min_sat, struct onchain_fee_coin *coin);
	/* Fills coin with the coin at outpoint (one handed out before, spent
	 * by the transaction a replacement replaces).  Returns: false if it
	 * is not the wallet's (the transaction is not replaced). */
	bool (*get_same_coin)(void *arg, const struct bitcoin_outpoint *outpoint,
			      struct onchain_fee_coin *coin);
	void *arg;
};

struct onchain_feerates {
	uint32_t urgent_perkw;		/* HTLC claims, the penalty */
	uint32_t normal_perkw;		/* sweeps of our delayed outputs */
	/* option_anchors channels' HTLC transactions on our commitment (NULL:
	 * none, they wait). */
	const struct onchain_fee_source *fee_source;
	/* The rates are the caller's fallbacks, not estimates (a restart
	 * before the first answer): new transactions use them, but no
	 * pending one is replaced on them. */
	bool is_fallback;
};

enum onchain_event_type {
	/* The peer claimed an HTLC we offered with its preimage. */
	ONCHAIN_EVENT_PREIMAGE,
	/* An HTLC we offered can no longer be claimed (timed out on chain,
	 * taken by the penalty, trimmed, or absent from the commitment that
	 * confirmed), ONCHAIN_REASONABLE_DEPTH deep: fail it upstream. */
	ONCHAIN_EVENT_HTLC_FAILED,
	/* An output too small to sweep at the current feerate: left. */
	ONCHAIN_EVENT_DUST_LEFT,
	/* Every output irrevocably resolved: forget the channel. */
	ONCHAIN_EVENT_ALL_RESOLVED,
};

struct onchain_event {
	enum onchain_event_type type;
	struct channel_htlc htlc;		/* PREIMAGE, HTLC_FAILED */
	struct preimage preimage;		/* PREIMAGE */
	struct bitcoin_outpoint outpoint;	/* DUST_LEFT */
	uint64_t amount_sat;			/* DUST_LEFT */
};

struct onchain_broadcast {
	struct bitcoin_tx *tx;
	/* The height by which it must be in a block. */
	uint32_t deadline;
	enum onchain_output_kind kind;		/* of its first input */
	/* It spends a wallet coin (fee_coin, its last input) and pays change
	 * to the sweep script (its last output). */
	bool has_fee_coin;
	struct bitcoin_outpoint fee_coin;
	/* It replaces (BIP125) the pending transaction replaces, which the
	 * caller forgets (if it had a fee coin, it is in fx->abandoned). */
	bool is_replacement;
	struct bitcoin_txid replaces;
	/* The fee it pays, at feerate_perkw (0, 0: not the resolver's to
	 * choose, a pre-signed HTLC transaction). */
	uint64_t fee_sat;
	uint32_t feerate_perkw;
};

struct onchain_effects {
	uint8_t *snapshot;			/* malloc'd, or NULL */
	size_t snapshot_len;
	struct onchain_event *events;
	size_t num_events;
	struct onchain_broadcast *txs;
	size_t num_txs;
	/* Transactions handed over with a wallet fee coin that can no longer
	 * confirm (another spent their HTLC output, a reorg took what they
	 * spend, or a replacement in fx->txs replaces them): the wallet
	 * forgets them before recording fx->txs, and the coin is free
	 * again at once. */
	struct bitcoin_txid *abandoned;
	size_t num_abandoned;
};

void onchain_effects_init(struct onchain_effects *fx);
void onchain_effects_clear(struct onchain_effects *fx);

struct onchain_setup {
	const secp256k1_context *ctx;
	/* Copied. */
	const struct channel_onchain_view *view;
	const struct channel_secrets *secrets;
	/* Where swept coins go (a wallet script); copied. */
	const uint8_t *sweep_script;
	size_t sweep_script_len;
	/* Every HTLC the channel ever carried, as far as the caller kept
	 * them (copied; may be NULL): a revoked commitment's HTLC outputs
	 * are recognised among these and the view's. */
	const struct channel_htlc *known_htlcs;
	size_t num_known_htlcs;
};

struct onchain;

/* A resolver for view's channel, its funding output not spent yet as far
 * as it knows.  Returns: NULL with *err if the channel cannot be followed
 * (no such channel today: every channel type is). */
struct onchain *onchain_new(const struct onchain_setup *setup,
			    const char **err);
/* Wipes and frees.  NULL is a no-op. */
void onchain_free(struct onchain *oc);

/* The block at height joined the chain: the closing transaction and
 * spends of the outputs tracked are taken from it (in order), then what
 * the new tip allows is decided.  Blocks come in height order. */
void onchain_block_connected(struct onchain *oc, struct onchain_effects *fx,
			     uint32_t height, struct bitcoin_tx *const *txs,
			     size_t num_txs,
			     const struct onchain_feerates *feerates);

/* The block at height (the tip) left the chain: what it taught is
 * forgotten and every decision re-run. */
void onchain_block_disconnected(struct onchain *oc, struct onchain_effects *fx,
				uint32_t height,
				const struct onchain_feerates *feerates);

/* A preimage the caller knows (an HTLC the peer offered us that we can
 * now claim).  Unknown hashes are ignored. */
void onchain_add_preimage(struct onchain *oc, struct onchain_effects *fx,
			  const struct preimage *preimage,
			  const struct onchain_feerates *feerates);

/* The fee the resolver's sweeps pay at feerate_perkw: tx's weight with
 * every signature (the first witness item) counted as 73 bytes, rounded
 * up. */
uint64_t onchain_sweep_fee(const struct bitcoin_tx *tx, uint32_t feerate_perkw);

/* The feerate of a sweep first handed over at tip since, due by
 * deadline, at tip: start_perkw at since, rising linearly to end_perkw
 * at deadline and staying there after (end_perkw below start_perkw
 * counts as start_perkw).  For to_local (and to_remote) sweeps start is
 * the normal estimate and end the urgent one; for HTLC claims start is
 * the urgent estimate and end ONCHAIN_HTLC_MAX_BUMP times it. */
uint32_t onchain_sweep_feerate(uint32_t start_perkw, uint32_t end_perkw, uint32_t since,
			       uint32_t deadline, uint32_t tip);

/* After a restart: hands over again every transaction the tip allows
 * (what was handed over before may never have left). */
void onchain_resume(struct onchain *oc, struct onchain_effects *fx,
		    const struct onchain_feerates *feerates);

/* ---- Reading ---- */

/* The last block height the resolver was told of. */
uint32_t onchain_get_tip(const struct onchain *oc);
enum onchain_close onchain_get_close(const struct onchain *oc);
/* Sets *txid and *height of the closing transaction.  Returns: false if
 * none is confirmed. */
bool onchain_get_closing(const struct onchain *oc, struct bitcoin_txid *txid,
			 uint32_t *height);
bool onchain_is_resolved(const struct onchain *oc);
/* The i-th transaction the resolver saw confirm ([0] the closing
 * transaction, then each spend of an output it tracked, in block order),
 * or NULL past the last. */
const struct bitcoin_tx *onchain_get_confirmed_tx(const struct onchain *oc, size_t i);

/* One output being resolved, as the operator sees it. */
struct onchain_output_info {
	struct bitcoin_outpoint outpoint;
	uint64_t amount_sat;
	enum onchain_output_kind kind;
	bool is_resolved;
	struct bitcoin_txid resolved_by;	/* if is_resolved, unless dust */
	bool is_dust;				/* left */
	/* If not resolved: the height from which we can spend it (0: when
	 * we learn the preimage; for THEIRS, never). */
	uint32_t spendable_height;
	uint32_t resolved_height;		/* if is_resolved */
};

size_t onchain_num_outputs(const struct onchain *oc);
void onchain_get_output(const struct onchain *oc, size_t i,
			struct onchain_output_info *out);

/* ---- Persistence ---- */

/* Appends the resolver (not its secrets) to out. */
void onchain_serialize(struct wirebuf *out, const struct onchain *oc);

/* Restores onchain_serialize's output; the setup's view is ignored (the
 * snapshot has it).  Returns: NULL with *err naming the problem. */
struct onchain *onchain_deserialize(const struct onchain_setup *setup,
				    const uint8_t *data, size_t len,
				    const char **err);

#endif /* OHM_ONCHAIN_ONCHAIN_H */
