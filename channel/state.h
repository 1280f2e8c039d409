/* The channel engine: one channel's BOLT #2 state machine ("Channel
 * Establishment v1", "Normal Operation", "Message Retransmission" and the
 * "Channel Close", legacy or option_simple_close), as data in and data
 * out.
 *
 * Inputs are the peer's messages (channel_handle_message) and the daemon's
 * events (channel_open, channel_add_htlc, channel_send_commit, ...).  Each
 * call appends to a struct channel_effects what the daemon must do, in
 * this order:
 *
 *   1. persist fx->snapshot (the whole channel, channel_serialize's form),
 *      or what changed as rows (see "Persistence as rows" below), in one
 *      database transaction;
 *   2. then send fx->msgs to the peer, in order;
 *   3. then act on fx->events (broadcast a transaction, forward an HTLC,
 *      fulfill or fail one upstream, ...).
 *
 * The engine never emits an event twice for the same fact, except that a
 * fulfill the peer repeats after a reconnection is reported again (act on
 * it idempotently).  Events are not in the snapshot: a daemon that must
 * not lose them (HTLC_FULFILLED, HTLC_FAILED) writes them in the same
 * database transaction as the snapshot.  After a restart, the incoming
 * HTLCs still waiting for a decision are the ones channel_get_htlcs()
 * shows offered by CHANNEL_REMOTE, added UPDATE_COMPLETE and not removed.
 *
 * If the step failed the channel, fx->failure says why; the `error`
 * carrying that text is among fx->msgs and, once funds are committed, an
 * event hands over our latest commitment transaction for broadcast.  A
 * call the engine refuses (a bad request from the daemon, not from the
 * peer) returns false with fx->refusal and changes nothing.
 *
 * The engine is pure: no I/O, no clock (block heights come in as
 * parameters), no globals; randomness (our channel secrets, the
 * temporary_channel_id) comes from the caller.  The same engine runs in
 * tests/unit/test_channel_state*.c with two instances wired together.
 *
 * Batching: updates (channel_add_htlc, channel_fulfill_htlc, ...) only
 * send their update_* message; the daemon decides when to sign them all
 * with one channel_send_commit.  The engine answers a commitment_signed
 * with revoke_and_ack by itself, as BOLT #2 requires, and signs by itself
 * only to get a shutdown out (which must follow signed updates) and, after
 * a reconnection, to sign again what a lost commitment_signed carried.
 * After a reconnection it may also withdraw our unsigned HTLCs that no
 * longer fit the channel (CHANNEL_EVENT_HTLC_FAILED with is_withdrawn).
 * One we had signed into a commitment_signed the peer says it never got
 * may still be in a commitment the peer holds: it is withdrawn all the
 * same (CHANNEL_EVENT_HTLC_WITHDRAWN, its id is offered again), but its
 * failure is held until the peer revokes that commitment number or the
 * funding output is spent without it (HTLC_FAILED with withdrawn_key).
 *
 * Ownership: channel_new and channel_deserialize return a channel the
 * caller releases with channel_free, which wipes its secrets.  The context
 * passed to them must outlive the channel.
 */
#ifndef OHM_CHANNEL_STATE_H
#define OHM_CHANNEL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "channel/close.h"
#include "channel/htlcs.h"
#include "channel/keys.h"
#include "channel/open.h"
#include "channel/params.h"
#include "channel/commitment.h"
#include "channel/shachain.h"
#include "crypto/secp_batch.h"
#include "wire/peer_wire.h"
#include "wire/wirebuf.h"

enum channel_state {
	/* Created; as fundee, waiting for open_channel. */
	CHANNEL_AWAITING_OPEN,
	/* Funder: open_channel sent. */
	CHANNEL_AWAITING_ACCEPT,
	/* Funder: accepted; the daemon builds the funding transaction. */
	CHANNEL_AWAITING_FUNDING_TX,
	/* Fundee: accept_channel sent. */
	CHANNEL_AWAITING_FUNDING_CREATED,
	/* Funder: funding_created sent. */
	CHANNEL_AWAITING_FUNDING_SIGNED,
	/* Both first commitments signed: waiting for the funding depth and
	 * channel_ready both ways. */
	CHANNEL_AWAITING_LOCKIN,
	/* Both channel_ready exchanged: HTLCs flow. */
	CHANNEL_NORMAL,
	/* A shutdown was sent or received; HTLCs drain, none are added. */
	CHANNEL_SHUTTING_DOWN,
	/* No HTLC left: closing_signed fee negotiation. */
	CHANNEL_NEGOTIATING_CLOSE,
	/* Mutual close agreed; the closing transaction was handed over. */
	CHANNEL_CLOSED,
	/* Failed: our latest commitment was handed over for broadcast. */
	CHANNEL_AWAITING_UNILATERAL,
	/* The peer proved we lost state: we must not broadcast our
	 * commitment, only wait for theirs (BOLT #2 data loss protection). */
	CHANNEL_DATA_LOSS,
	/* Failed or disconnected before any funds were committed. */
	CHANNEL_FORGOTTEN,
	/* The funding output is spent on chain (BOLT #5: the channel is
	 * closed, whatever the connection): nothing more happens off chain;
	 * what is left is resolved on chain.  Stored: never renumber. */
	CHANNEL_ONCHAIN,
};

/* "CHANNEL_NORMAL" and so on. */
const char *channel_state_name(enum channel_state state);

enum channel_event_type {
	/* Funder: build (do not broadcast) a funding transaction paying
	 * funding_sat to script, then call channel_funding_built. */
	CHANNEL_EVENT_FUNDING_NEEDED,
	/* Funder: funding_signed arrived: broadcast the funding transaction. */
	CHANNEL_EVENT_FUNDING_BROADCAST,
	/* channel_ready was exchanged both ways. */
	CHANNEL_EVENT_NORMAL,
	/* An HTLC the peer offered is irrevocably committed: decode its
	 * onion (channel_find_htlc) and forward, fulfill or fail it. */
	CHANNEL_EVENT_HTLC_ADDED,
	/* The peer fulfilled an HTLC we offered: preimage is the proof;
	 * fulfill the incoming HTLC upstream now. */
	CHANNEL_EVENT_HTLC_FULFILLED,
	/* The peer's failure of an HTLC we offered is irrevocably committed:
	 * fail the incoming HTLC upstream. */
	CHANNEL_EVENT_HTLC_FAILED,
	/* Mutual close agreed: broadcast tx. */
	CHANNEL_EVENT_CLOSE_BROADCAST,
	/* The channel failed: broadcast tx, our latest commitment. */
	CHANNEL_EVENT_COMMITMENT_BROADCAST,
	/* The channel is gone with nothing on chain: forget it (and, as
	 * funder, release the funding transaction's inputs). */
	CHANNEL_EVENT_FORGET,
	/* An HTLC we offered and signed was withdrawn after a reconnection
	 * (the peer says our commitment_signed never arrived): its id is
	 * offered again from now on, but the peer may hold our signature on
	 * a commitment with it, so it is not failed yet.  withdrawn_key
	 * names it until CHANNEL_EVENT_HTLC_FAILED with the same key says
	 * it can no longer be claimed. */
	CHANNEL_EVENT_HTLC_WITHDRAWN,
	/* Both BOLT #7 announcement_signatures exchanged and the funding 6
	 * deep: announcement is the full channel_announcement to hand to
	 * the gossip layer with our channel_update and node_announcement.
	 * Once per channel (channel_get_announcement rebuilds it). */
	CHANNEL_EVENT_ANNOUNCED,
};

struct channel_event {
	enum channel_event_type type;
	/* HTLC events: the HTLC, by its id among those offerer offered. */
	enum channel_side offerer;
	uint64_t htlc_id;
	uint64_t amount_msat;
	struct sha256 payment_hash;
	uint32_t cltv_expiry;
	struct preimage preimage;		/* HTLC_FULFILLED */
	/* HTLC_FAILED: the peer's update_fail_htlc reason (malloc'd), or for
	 * update_fail_malformed_htlc is_malformed with its fields. */
	uint8_t *fail_reason;
	size_t fail_reason_len;
	/* HTLC_FAILED of an HTLC we withdrew after a reconnection, before
	 * the peer ever committed to it (it no longer fitted the channel):
	 * fail it upstream as a temporary channel failure. */
	bool is_withdrawn;
	/* HTLC_WITHDRAWN, and the HTLC_FAILED that ends its hold: a key,
	 * unique in the channel and never 0, for the withdrawn HTLC (whose
	 * id the live HTLCs reuse); 0 for every other event. */
	uint64_t withdrawn_key;
	bool is_malformed;
	uint16_t failure_code;
	struct sha256 sha256_of_onion;
	/* *_BROADCAST (not FUNDING_BROADCAST): the signed transaction. */
	struct bitcoin_tx *tx;
	/* FUNDING_NEEDED: the funding output's scriptPubKey and amount. */
	uint8_t *funding_script;
	size_t funding_script_len;
	uint64_t funding_sat;
	/* ANNOUNCED: the channel_announcement (malloc'd). */
	uint8_t *announcement;
	size_t announcement_len;
};

/* What one or more steps ask of the daemon.  Calls append; the daemon
 * acts, then channel_effects_clear()s. */
struct channel_effects {
	/* The channel after the last step that changed it (malloc'd), or
	 * NULL if nothing needs persisting (or channel_set_snapshots is
	 * off: then changed says it, and channel_changes_take has it). */
	uint8_t *snapshot;
	size_t snapshot_len;
	bool changed;
	struct wirebuf **msgs;		/* to send, in order */
	size_t num_msgs;
	struct channel_event *events;
	size_t num_events;
	/* Why the channel failed (also sent to the peer), or NULL. */
	char *failure;
	/* Why the last call was refused (nothing else happened), or NULL. */
	char *refusal;
	/* Why the connection must close once msgs (a `warning` saying so
	 * among them) are sent, or NULL.  The engine already acts as
	 * disconnected: call channel_reconnected on the next connection. */
	char *disconnect;
};

void channel_effects_init(struct channel_effects *fx);
/* Frees everything fx holds and makes it empty again. */
void channel_effects_clear(struct channel_effects *fx);

/* What we bring to a new channel, funder or fundee. */
struct channel_setup {
	/* Our secrets for it (see channel_secrets_derive); copied. */
	const struct channel_secrets *secrets;
	/* What we announce.  As fundee, config.channel_reserve_sat is raised
	 * to the funder's dust limit if below it, as BOLT #2 asks. */
	struct channel_config config;
	struct channel_policy policy;
	/* Where our funds go on a mutual close; copied. */
	const uint8_t *shutdown_script;
	size_t shutdown_script_len;
	/* option_upfront_shutdown_script negotiated: commit to it in
	 * open_channel / accept_channel. */
	bool upfront_shutdown_script;
	/* What the connection negotiated for closing. */
	struct close_features features;
};

struct channel;

/* A new channel in CHANNEL_AWAITING_OPEN, connected.  As funder, call
 * channel_open next; as fundee, pass it the peer's open_channel.
 * Returns: NULL if setup's secrets are invalid or its shutdown script is
 *          not a valid shutdown form. */
struct channel *channel_new(const secp256k1_context *ctx,
			    const struct channel_setup *setup);

/* Releases ch (NULL is fine), wiping its secrets. */
void channel_free(struct channel *ch);

/* Has the commitment signatures (ours on the peer's commitment, the
 * peer's on ours) made and checked as batches on batch, which must
 * outlive ch (NULL, as a new or deserialized channel starts: in the
 * caller, one by one).  The results are the same either way, so the
 * engine stays deterministic; only who computes them changes.  Not part
 * of the snapshot. */
void channel_set_ecdsa_batch(struct channel *ch, const struct ecdsa_batch *batch);

/* Replaces the policy (fee estimates move; the daemon's configuration may
 * change between restarts).  The policy is not part of the snapshot.
 * While a closing_signed of ours is out, the new policy waits until the
 * negotiation restarts (the peer's answer is held to the fee_range we
 * sent). */
void channel_set_policy(struct channel *ch, const struct channel_policy *policy);

/* What a new connection negotiated (BOLT #9) that changes a close:
 * call before channel_reconnected on every connection after the first
 * (the setup's is the first's).  Stored in the snapshot, as the link
 * state is. */
void channel_set_features(struct channel *ch,
			  const struct close_features *features);

/* The funding depth BOLT #7 asks before announcing a channel. */
#define CHANNEL_ANNOUNCE_DEPTH 6

/* Who we are and who the peer is, for BOLT #7 announcement_signatures
 * (node_key signs them; the channel_announcement names both node ids).
 * Not part of the snapshot: call after channel_new / channel_deserialize.
 * Without it an announced channel (announce_channel set) never sends or
 * takes announcement_signatures.  node_key is copied and wiped by
 * channel_free. */
void channel_set_node(struct channel *ch, const struct privkey *node_key,
		      const uint8_t peer_node_id[PUBKEY_CMPR_LEN]);

/* ---- Events ---- */

/* We fund: sends open_channel.  channel_flags bit 0 is announce_channel.
 * Refused unless CHANNEL_AWAITING_OPEN, or if the amounts or the type are
 * not ones we may propose. */
bool channel_open(struct channel *ch, struct channel_effects *fx,
		  const struct channel_id *temporary_channel_id,
		  uint64_t funding_sat, uint64_t push_msat,
		  uint32_t feerate_per_kw, enum channel_type type,
		  uint8_t channel_flags);

/* A message from the peer for this channel.  Refused if it is not a
 * channel message or names another channel; protocol violations fail
 * the channel (fx->failure). */
bool channel_handle_message(struct channel *ch, struct channel_effects *fx,
			    const uint8_t *msg, size_t len);

/* Funder: the funding transaction (unbroadcast) pays the
 * CHANNEL_EVENT_FUNDING_NEEDED output at funding.  Sends
 * funding_created. */
bool channel_funding_built(struct channel *ch, struct channel_effects *fx,
			   const struct bitcoin_outpoint *funding);

/* The funding transaction has depth confirmations (0: unconfirmed) at
 * scid.  Sends channel_ready once depth reaches minimum_depth. */
bool channel_funding_depth(struct channel *ch, struct channel_effects *fx,
			   uint32_t depth, const struct short_channel_id *scid);

/* Offers an HTLC: sends update_add_htlc, with path_key (33 bytes) as
 * blinded_path if not NULL; *id gets its id.  Refused, naming the limit,
 * if the peer would have to reject it (amount, count, value in flight,
 * reserve, fee), if the channel is not normal or shutting down, or if a
 * shutdown was sent or received. */
bool channel_add_htlc(struct channel *ch, struct channel_effects *fx,
		      uint64_t *id, uint64_t amount_msat,
		      const struct sha256 *payment_hash, uint32_t cltv_expiry,
		      const uint8_t onion[HTLC_ONION_LEN],
		      const uint8_t *path_key);

/* Removes an HTLC the peer offered, once irrevocably committed
 * (CHANNEL_EVENT_HTLC_ADDED): sends update_fulfill_htlc,
 * update_fail_htlc (reason: the onion error, copied) or
 * update_fail_malformed_htlc (failure_code must have BADONION). */
bool channel_fulfill_htlc(struct channel *ch, struct channel_effects *fx,
			  uint64_t id, const struct preimage *preimage);
bool channel_fail_htlc(struct channel *ch, struct channel_effects *fx,
		       uint64_t id, const uint8_t *reason, size_t reason_len);
bool channel_fail_malformed_htlc(struct channel *ch,
				 struct channel_effects *fx, uint64_t id,
				 const struct sha256 *sha256_of_onion,
				 uint16_t failure_code);

/* Funder: sends update_fee.  Refused if we are not the funder, the
 * feerate is outside the policy's bounds, we cannot afford it, or our
 * previous update_fee is not yet signed (channel_send_commit first). */
bool channel_update_fee(struct channel *ch, struct channel_effects *fx,
			uint32_t feerate_per_kw);

/* Signs every update so far into the peer's next commitment: sends
 * commitment_signed.  Refused if there is nothing to sign or we still
 * await the peer's revoke_and_ack for the last one. */
bool channel_send_commit(struct channel *ch, struct channel_effects *fx);

/* Starts a mutual close, paying us to script (NULL: the setup's).  The
 * shutdown goes out once every update (the peer's too) is signed into
 * the peer's commitment; once no HTLC is left, closing_signed negotiation
 * starts by itself, or with option_simple_close our closing_complete goes
 * out (see state_close_simple.c). */
bool channel_shutdown(struct channel *ch, struct channel_effects *fx,
		      const uint8_t *script, size_t script_len);

/* The transport to the peer is up again: sends channel_reestablish (or,
 * for a failed channel, our error again). */
bool channel_reconnected(struct channel *ch, struct channel_effects *fx);

/* The transport dropped: forgets the peer's uncommitted updates (and the
 * whole channel if it was still being opened).  Nothing to do if the
 * engine already disconnected (fx->disconnect). */
bool channel_disconnected(struct channel *ch, struct channel_effects *fx);

/* Fundee in CHANNEL_AWAITING_LOCKIN whose funding transaction never
 * confirmed (BOLT #2: after 2016 blocks): sends an error and forgets the
 * channel (CHANNEL_EVENT_FORGET, no broadcast).  Refused otherwise. */
bool channel_forget_unfunded(struct channel *ch, struct channel_effects *fx,
			     const char *why);

/* The daemon fails the channel (an HTLC timed out, ...): as a peer
 * violation would. */
bool channel_fail(struct channel *ch, struct channel_effects *fx,
		  const char *why);

/* ---- The funding output spent (channel/state_onchain.c) ---- */

/* Which of the channel's valid commitments spent the funding output. */
enum channel_spender {
	CHANNEL_SPENT_BY_LOCAL,		/* our latest commitment */
	CHANNEL_SPENT_BY_REMOTE,	/* the peer's latest commitment */
	/* The peer's previous one, still valid: we signed a newer one and
	 * await its revoke_and_ack. */
	CHANNEL_SPENT_BY_REMOTE_PREVIOUS,
	/* Anything else: a mutual close, a revoked commitment, ... */
	CHANNEL_SPENT_BY_OTHER,
};

/* Blocks after which a spend is taken as final (BOLT #5 "reasonable
 * depth"; LDK's ANTI_REORG_DELAY). */
#define CHANNEL_ONCHAIN_REASONABLE_DEPTH 6

/* Which commitment txid is. */
enum channel_spender channel_spender_of(const struct channel *ch,
					const struct bitcoin_txid *txid);

/* Whether an HTLC we offered (not fulfilled) can be failed now that
 * spender spent the funding output depth blocks deep (1: in the tip):
 * only if it can no longer be claimed on chain (see state_onchain.c). */
bool channel_onchain_can_fail(const struct channel *ch,
			      const struct htlc *htlc,
			      enum channel_spender spender, uint32_t depth);

/* The funding output was spent by txid, depth blocks deep: moves the
 * channel to CHANNEL_ONCHAIN (the first time), and fails every HTLC we
 * offered that channel_onchain_can_fail() allows (CHANNEL_EVENT_HTLC_FAILED
 * with is_withdrawn, or the peer's own failure if it had sent one), which
 * leaves the channel; and the held failures of withdrawn HTLCs once a
 * spend by a commitment we recognise (which lacks them) is reasonably
 * deep.  Call it again at every new block: more can fail
 * once the spend is deep enough.  Refused for a channel that never had
 * commitments or is forgotten.  Produces no snapshot if nothing changed. */
bool channel_funding_spent(struct channel *ch, struct channel_effects *fx,
			   const struct bitcoin_txid *txid, uint32_t depth);

/* What the on-chain resolver (onchain/onchain.h) needs of a channel whose
 * funding output is spent: each commitment that may have spent it, as
 * commitment_new() rebuilds it, and what lets us claim from it.  Taken
 * before channel_funding_spent() drops HTLCs, so every commitment is
 * complete. */
struct channel_onchain_commitment {
	/* state.htlcs is malloc'd (the view owns it). */
	struct commitment_state state;
	/* The owner's per-commitment point for state.commitment_number. */
	struct pubkey point;
};

struct channel_onchain_view {
	struct channel_params params;
	/* Our latest commitment, and the peer's signatures on its HTLC
	 * transactions (in the order of its HTLC outputs: BOLT #2
	 * commitment_signed's htlc_signatures). */
	struct channel_onchain_commitment local;
	struct ecdsa_signature *local_htlc_sigs;	/* malloc'd */
	size_t num_local_htlc_sigs;
	/* The peer's valid commitments: [0] its latest, [1] its previous
	 * while we await its revoke_and_ack (num_remote 2). */
	struct channel_onchain_commitment remote[2];
	size_t num_remote;
	/* Every per-commitment secret the peer revealed: a commitment of its
	 * numbered below remote[num_remote - 1] is revoked. */
	struct shachain remote_secrets;
	/* HTLCs we offered, not fulfilled, signed into some commitment:
	 * each needs an outcome (fulfilled or failed) upstream. */
	struct channel_htlc *offered;			/* malloc'd */
	size_t num_offered;
};

/* Fills out for ch.  Returns: false if ch never had commitments or one
 * cannot be described (out is then empty). */
bool channel_onchain_view(const struct channel *ch,
			  struct channel_onchain_view *out);
/* Frees what view owns (not view itself). */
void channel_onchain_view_clear(struct channel_onchain_view *view);

/* ---- Reading the channel ---- */

enum channel_state channel_get_state(const struct channel *ch);
/* The channel_id, or the temporary_channel_id before funding_created. */
const struct channel_id *channel_get_id(const struct channel *ch);
bool channel_is_opener(const struct channel *ch);
const struct channel_params *channel_get_params(const struct channel *ch);
/* open_channel's channel_flags (bit 0: announce_channel). */
uint8_t channel_get_flags(const struct channel *ch);
/* Why the channel failed (the text of the error we sent), or NULL. */
const char *channel_get_failure(const struct channel *ch);
/* What side announced in open_channel / accept_channel (reserve, limits). */
const struct channel_config *channel_get_config(const struct channel *ch,
					       enum channel_side side);
/* The short_channel_id channel_funding_depth was last given (all zero
 * before the funding transaction confirmed). */
const struct short_channel_id *channel_get_scid(const struct channel *ch);
/* Roughly the largest HTLC side could offer now: its balance in the next
 * commitment less the reserve the other side asked of it, the fee it would
 * pay for one more HTLC (if it is the opener) and the room left under the
 * other side's max_htlc_value_in_flight_msat; 0 if that is negative. */
uint64_t channel_sendable_msat(const struct channel *ch, enum channel_side side);
/* The number of side's latest commitment. */
uint64_t channel_commitment_number(const struct channel *ch,
				   enum channel_side side);
/* Funder: the highest feerate_per_kw channel_update_fee could afford now
 * (BOLT #2: the funder pays it on both commitments and keeps its reserve),
 * 0 if none. */
uint32_t channel_max_affordable_feerate(const struct channel *ch);
/* The feerate of the peer's next commitment, with our unsigned
 * update_fee if any (what a new update_fee would replace). */
uint32_t channel_next_feerate(const struct channel *ch);
/* Whether channel_send_commit would sign something now. */
bool channel_can_send_commit(const struct channel *ch);

/* Returns: true while our last commitment_signed waits for the peer's
 * revoke_and_ack (the flush's policy counts these). */
bool channel_awaits_revoke(const struct channel *ch);
/* Whether the peer's transport is up and channel_reestablish done. */
bool channel_is_connected(const struct channel *ch);
/* owner's latest commitment: balances, feerate and HTLCs (free it with
 * htlc_view_free). */
void channel_get_view(const struct channel *ch, enum channel_side owner,
		      struct htlc_view *out);
/* The earliest cltv_expiry of the HTLCs withdrawn with their failure held
 * (see CHANNEL_EVENT_HTLC_WITHDRAWN), 0 if none: the peer may still hold a
 * commitment with them, so they time out like the HTLCs in flight. */
uint32_t channel_held_expiry(const struct channel *ch);
/* Every HTLC in flight, with its state. */
const struct htlc_set *channel_get_htlcs(const struct channel *ch);
/* The HTLC offerer offered with id, or NULL. */
const struct htlc *channel_find_htlc(const struct channel *ch,
				     enum channel_side offerer, uint64_t id);
/* Our latest commitment transaction with both signatures, as a failure
 * would broadcast it; NULL before funding is signed.  Free with
 * bitcoin_tx_free. */
struct bitcoin_tx *channel_signed_commitment(const struct channel *ch);

/* The channel's full channel_announcement (all four signatures), once
 * both announcement_signatures were exchanged; NULL before.  Free with
 * wirebuf_free. */
struct wirebuf *channel_get_announcement(const struct channel *ch);
/* Whether the peer's announcement_signatures were received and checked. */
bool channel_has_announcement(const struct channel *ch);

/* ---- Persistence ---- */

/* Appends the whole channel (not its secrets or policy) to out:
 * see channel/state_serialize.c for the format. */
void channel_serialize(struct wirebuf *out, const struct channel *ch);

/* Restores a channel from channel_serialize's output, exactly: serializing
 * it again gives the same bytes.  A daemon restarting calls
 * channel_disconnected on it, since the transport did not survive.
 * Returns: the channel, or NULL with *err naming the problem. */
struct channel *channel_deserialize(const secp256k1_context *ctx,
				    const uint8_t *data, size_t len,
				    const struct channel_secrets *secrets,
				    const struct channel_policy *policy,
				    const char **err);

/* ---- Persistence as rows ----
 *
 * A store can keep a channel as rows instead of snapshots: a small
 * channel row (channel_serialize_row), one row per HTLC (its record,
 * added once with its onion; later only its record changes, and its onion
 * goes once it can no longer be needed) and our latest commitment's HTLC
 * signatures, by commitment number.  After the steps that changed the
 * channel (fx->changed), channel_changes_take says what to write: only
 * what differs from what it said before, so a step's cost does not grow
 * with the HTLCs in flight that it did not touch. */

/* Off: steps leave fx->snapshot NULL (fx->changed still says a step
 * changed the channel), for a daemon that stores rows.  On by default. */
void channel_set_snapshots(struct channel *ch, bool on);

/* One HTLC row to write. */
struct channel_htlc_change {
	enum channel_side offerer;
	uint64_t id;
	uint64_t seq;			/* the row's place: load in order */
	bool is_delete;			/* the HTLC left the channel */
	bool is_new;			/* insert (else update the row) */
	uint8_t *record;		/* channel_htlc_record (malloc'd) */
	size_t record_len;
	/* is_new: its onion, if kept (points into the channel: write it
	 * before the next step).  Else drop_onion: delete the onion. */
	const uint8_t *onion;
	bool drop_onion;
};

struct channel_changes {
	/* Nothing known to be stored: delete the channel's HTLC and
	 * signature rows before writing these (every HTLC is is_new). */
	bool replace_all;
	/* The channel row (malloc'd), NULL if unchanged. */
	uint8_t *row;
	size_t row_len;
	/* Deletions first, then the others in seq order. */
	struct channel_htlc_change *htlcs;
	size_t num_htlcs;
	/* Our latest commitment's HTLC signatures, if they changed
	 * (channel_sigs_record, malloc'd); rows for older commitment
	 * numbers can go. */
	bool has_sigs;
	uint64_t sigs_commit_num;
	uint8_t *sigs;
	size_t sigs_len;
};

/* What changed since the last call (or everything, the first time after
 * channel_new or channel_deserialize without channel_restore_done), taken
 * as stored from now on.  Write it all, in one transaction. */
void channel_changes_take(struct channel *ch, struct channel_changes *out);
void channel_changes_free(struct channel_changes *changes);

/* The channel row: the snapshot without HTLCs and HTLC signatures. */
void channel_serialize_row(struct wirebuf *out, const struct channel *ch);
/* An HTLC's record: its fields without the onion. */
void channel_htlc_record(struct wirebuf *out, const struct htlc *htlc);
/* Our latest commitment's HTLC signatures. */
void channel_sigs_record(struct wirebuf *out, const struct channel *ch);
/* Reads a record back (out's fail_reason malloc'd; onion zeros).
 * Returns: false with *err if it is damaged. */
bool channel_htlc_from_record(const uint8_t *data, size_t len,
			      struct htlc *out, const char **err);
bool channel_sigs_from_record(const secp256k1_context *ctx,
			      const uint8_t *data, size_t len,
			      struct ecdsa_signature **sigs, size_t *num,
			      const char **err);

/* Rebuilding a channel from rows: channel_deserialize the channel row,
 * then give it each HTLC row in seq order (onion NULL if the row has
 * none) and the signatures row of its latest local commitment number,
 * then channel_restore_done: the rows count as stored.  Each returns
 * false with *err if a row is damaged or does not fit the channel (the
 * channel is then unusable: free it). */
bool channel_restore_htlc(struct channel *ch, uint64_t seq,
			  const uint8_t *record, size_t record_len,
			  const uint8_t *onion, const char **err);
bool channel_restore_sigs(struct channel *ch, uint64_t commit_num,
			  const uint8_t *sigs, size_t sigs_len,
			  const char **err);
bool channel_restore_done(struct channel *ch, const char **err);

#endif /* OHM_CHANNEL_STATE_H */
