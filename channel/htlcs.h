/* The updates of a channel in flight: its HTLCs and fee changes, and where
 * each stands between the update message and both commitment transactions
 * (BOLT #2 "Normal Operation").  Pure bookkeeping: no keys, no messages.
 *
 * Every update (an HTLC's addition, its removal, or an `update_fee`) has an
 * *initiator*, the side that sent the update message, and walks five steps
 * in order, one per commitment_signed / revoke_and_ack:
 *
 *   UPDATE_SENT       the initiator sent the update message;
 *   UPDATE_COMMITTED  the initiator sent commitment_signed: it is in the
 *                     receiver's latest commitment;
 *   UPDATE_REVOKED    the receiver sent revoke_and_ack for its previous one;
 *   UPDATE_ACKED      the receiver sent commitment_signed: it is in the
 *                     initiator's latest commitment too;
 *   UPDATE_COMPLETE   the initiator sent revoke_and_ack: irrevocable.
 *
 * These are the spec's five states of an update, and (initiator, step)
 * maps one to one onto Core Lightning's twenty HTLC states: an HTLC we
 * offered is SENT_ADD_HTLC, SENT_ADD_COMMIT, RCVD_ADD_REVOCATION,
 * RCVD_ADD_ACK_COMMIT, SENT_ADD_ACK_REVOCATION while being added, then
 * RCVD_REMOVE_HTLC ... RCVD_REMOVE_ACK_REVOCATION while the peer removes
 * it; an HTLC the peer offered runs the mirror image (RCVD_ADD_HTLC ...
 * SENT_REMOVE_ACK_REVOCATION).  htlc_state_name() prints those names.
 *
 * Invariants:
 *  - an HTLC's removal starts only once its addition is UPDATE_COMPLETE;
 *  - an HTLC whose removal reaches UPDATE_COMPLETE is in neither side's
 *    commitment: htlc_set_apply() folds it into settled_msat and drops it;
 *  - a commitment's balances and HTLCs add up to the funding amount.
 */
#ifndef OHM_CHANNEL_HTLCS_H
#define OHM_CHANNEL_HTLCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel/params.h"
#include "crypto/types.h"

/* BOLT #4 onion_routing_packet length. */
#define HTLC_ONION_LEN 1366

enum update_step {
	UPDATE_SENT = 0,
	UPDATE_COMMITTED = 1,
	UPDATE_REVOKED = 2,
	UPDATE_ACKED = 3,
	UPDATE_COMPLETE = 4,
};
#define UPDATE_NUM_STEPS 5

/* The two messages that move updates along. */
enum update_event {
	UPDATE_EVENT_COMMIT,	/* commitment_signed */
	UPDATE_EVENT_REVOKE,	/* revoke_and_ack */
};

/* Returns: the step after step, for an update initiator sent, once actor
 *          sends event; step itself if that does not move it. */
enum update_step update_step_next(enum update_step step,
				  enum channel_side initiator,
				  enum channel_side actor,
				  enum update_event event);

/* Returns: whether an update at step, sent by initiator, is in owner's
 *          latest commitment. */
bool update_step_in_commitment(enum update_step step,
			       enum channel_side initiator,
			       enum channel_side owner);

enum htlc_removal {
	HTLC_NOT_REMOVED,
	HTLC_FULFILLED,		/* update_fulfill_htlc */
	HTLC_FAILED,		/* update_fail_htlc */
	HTLC_FAILED_MALFORMED,	/* update_fail_malformed_htlc */
};

struct htlc {
	struct channel_htlc h;	/* id, offerer, amount, hash, cltv_expiry */
	uint8_t onion[HTLC_ONION_LEN];
	bool has_path_key;	/* update_add_htlc's blinded_path */
	uint8_t path_key[PUBKEY_CMPR_LEN];
	enum update_step add_step;	/* initiator: h.offerer */
	enum htlc_removal removal;
	enum update_step remove_step;	/* initiator: the other side */
	struct preimage preimage;	/* HTLC_FULFILLED */
	uint8_t *fail_reason;		/* HTLC_FAILED: malloc'd */
	size_t fail_reason_len;
	struct sha256 sha256_of_onion;	/* HTLC_FAILED_MALFORMED */
	uint16_t failure_code;		/* HTLC_FAILED_MALFORMED */
	/* When we sent our add (if we offered it) or our removal (if the
	 * peer did), on the set's next_order clock: retransmission after a
	 * reconnection repeats our updates in their original order. */
	uint64_t add_order, remove_order;
	/* Its place among every HTLC the set ever held (htlc_set_add
	 * numbers them 1, 2, ...): the order a store of rows keeps. */
	uint64_t seq;
};

/* The side that initiates the HTLC's removal: the one it was offered to. */
static inline enum channel_side htlc_remover(const struct htlc *htlc)
{
	return channel_side_other(htlc->h.offerer);
}

/* Core Lightning's name for the HTLC's state ("RCVD_ADD_ACK_REVOCATION"),
 * as seen from CHANNEL_LOCAL. */
const char *htlc_state_name(const struct htlc *htlc);

struct htlc_set {
	struct htlc *htlcs;	/* live HTLCs, in the order they were added */
	size_t num, cap;
	/* feerate[step]: the feerate of the latest update_fee at that step
	 * (sent by the opener), 0 for none.  feerate[UPDATE_COMPLETE] is
	 * the irrevocable feerate and is never 0. */
	uint32_t feerate[UPDATE_NUM_STEPS];
	uint64_t fee_order[UPDATE_NUM_STEPS];
	enum channel_side opener;
	/* What each side owns once every HTLC still here is left aside:
	 * the opening balances plus the fulfilled HTLCs already dropped. */
	uint64_t settled_msat[CHANNEL_NUM_SIDES];
	uint64_t next_order;
	uint64_t last_seq;	/* the seq of the latest htlc_set_add */
};

/* Starts an empty set: the opener owns funding_msat - push_msat. */
void htlc_set_init(struct htlc_set *set, enum channel_side opener,
		   uint64_t funding_msat, uint64_t push_msat,
		   uint32_t feerate_per_kw);

/* Releases everything the set owns and empties it. */
void htlc_set_clear(struct htlc_set *set);

/* Appends a copy of htlc (its fail_reason is taken over, not copied),
 * numbered with the next seq.  Returns: the new entry. */
struct htlc *htlc_set_add(struct htlc_set *set, const struct htlc *htlc);

/* Removes set->htlcs[index], freeing what it owns; keeps the order. */
void htlc_set_remove(struct htlc_set *set, size_t index);

/* Returns: the HTLC offerer offered with id, or NULL. */
struct htlc *htlc_set_find(const struct htlc_set *set,
			   enum channel_side offerer, uint64_t id);

/* Whether the HTLC is in owner's latest commitment, or (if is_next) in the
 * one owner will have once the other side signs its next commitment. */
bool htlc_in_commitment(const struct htlc *htlc, enum channel_side owner,
			bool is_next);

/* One commitment as the set describes it.  Balances are signed so that a
 * check can see an update the payer cannot afford; they are never
 * negative for a state the engine accepted. */
struct htlc_view {
	int64_t balance_msat[CHANNEL_NUM_SIDES];
	uint32_t feerate_per_kw;
	struct channel_htlc *htlcs;	/* malloc'd; free with htlc_view_free */
	size_t num_htlcs;
};

/* owner's latest commitment (is_next false), or the one the other side
 * would sign next: every update that side's commitment_signed would carry
 * applied (is_next true). */
void htlc_set_view(struct htlc_view *out, const struct htlc_set *set,
		   enum channel_side owner, bool is_next);
void htlc_view_free(struct htlc_view *view);

/* Returns: the number of HTLCs offerer offered in view, and their total. */
size_t htlc_view_count(const struct htlc_view *view, enum channel_side offerer,
		       uint64_t *total_msat);

/* Returns: whether actor has something to sign: an update that its
 * commitment_signed would move (BOLT #2: a commitment_signed must include
 * updates). */
bool htlc_set_has_changes(const struct htlc_set *set, enum channel_side actor);

/* Whether any update initiator sent is still at UPDATE_SENT. */
bool htlc_set_has_uncommitted(const struct htlc_set *set,
			      enum channel_side initiator);

/* Whether every update is UPDATE_COMPLETE and no HTLC is left. */
bool htlc_set_is_empty(const struct htlc_set *set);

/* Called by htlc_set_apply for each update that reaches UPDATE_COMPLETE:
 * an HTLC's addition (is_removal false) or removal (is_removal true; the
 * HTLC is dropped right after the call). */
typedef void (*htlc_complete_fn)(void *arg, const struct htlc *htlc,
				 bool is_removal);

/* Moves every update along for actor sending event. */
void htlc_set_apply(struct htlc_set *set, enum channel_side actor,
		    enum update_event event, htlc_complete_fn on_complete,
		    void *arg);

/* Forgets every update initiator sent that is still UPDATE_SENT (BOLT #2:
 * "MUST reverse any uncommitted updates sent by the other side" on
 * disconnection).  Returns: the lowest id of an addition forgotten, or
 * UINT64_MAX if none was. */
uint64_t htlc_set_revert_uncommitted(struct htlc_set *set,
				     enum channel_side initiator);

/* Undoes actor's last commitment_signed, which the other side never
 * received (a reconnection says so): actor's updates it carried go back
 * to UPDATE_SENT, the other side's it acknowledged back to
 * UPDATE_REVOKED.  An update_fee it carried is dropped if a newer one
 * already holds the step it would go back to.  Precondition: the other side has not revoked
 * since. */
void htlc_set_undo_commit(struct htlc_set *set, enum channel_side actor);

/* The other side's next commitment as the worst order of initiator's
 * UPDATE_SENT updates could make it for initiator, should they be
 * retransmitted (with, perhaps, initiator's last revoke_and_ack among
 * them): all additions in, none of initiator's unsigned removals nor the
 * other side's removals that revoke_and_ack moved, and the higher of
 * initiator's pending and previous feerates.  The other side checks each
 * update against a commitment that leaves initiator better off. */
void htlc_set_view_for_replay(struct htlc_view *out, const struct htlc_set *set,
			      enum channel_side initiator);

/* Sets the feerate of an update_fee the opener just sent. */
void htlc_set_update_fee(struct htlc_set *set, uint32_t feerate_per_kw);

#endif /* OHM_CHANNEL_HTLCS_H */
