/* The channel engine's own view of struct channel, shared by its files:
 * state.c (lifecycle, effects, failing, dispatch), state_open.c,
 * state_htlc.c, state_commit.c, state_reestablish.c, state_close.c,
 * state_close_simple.c, state_onchain.c and state_serialize.c.  Nothing outside channel/state*.c includes this.
 *
 * Commitment numbers and points.  commit_num[side] is the number of side's
 * latest commitment (0 after funding).  Our per-commitment points come
 * from our shachain seed; the peer's we keep as it reveals them:
 *   - not awaiting_revoke: remote_point[POINT_CURRENT] is for
 *     commit_num[REMOTE], remote_point[POINT_NEXT] (once known) for the
 *     next one;
 *   - awaiting_revoke (we sent commitment_signed, no revoke_and_ack yet):
 *     remote_point[POINT_PREVIOUS] is the one the awaited
 *     per_commitment_secret must match, POINT_CURRENT the new one, and
 *     POINT_NEXT is unknown.
 */
#ifndef OHM_CHANNEL_STATE_INTERNAL_H
#define OHM_CHANNEL_STATE_INTERNAL_H

#include "channel/close.h"
#include "channel/commitment.h"
#include "channel/shachain.h"
#include "channel/state.h"

enum remote_point {
	POINT_PREVIOUS,
	POINT_CURRENT,
	POINT_NEXT,
};
#define NUM_REMOTE_POINTS 3

/* The transport, as far as this channel knows it. */
enum channel_link {
	LINK_DOWN,
	LINK_REESTABLISHING,	/* our channel_reestablish sent */
	LINK_UP,
};

/* A withdrawn HTLC whose failure waits (see struct channel's held). */
struct held_failure {
	struct channel_htlc h;
	uint64_t commit_num;	/* the peer's commitment we signed it into */
	uint64_t key;		/* its add_order: channel_event.withdrawn_key */
};

struct channel {
	const secp256k1_context *ctx;
	/* Where commitment signatures are made and checked (NULL:
	 * sequentially); not in the snapshot. */
	const struct ecdsa_batch *batch;
	struct channel_secrets secrets;
	struct channel_policy policy;
	/* A policy set while our closing_signed is out (channel_set_policy):
	 * it takes over when the negotiation restarts. */
	struct channel_policy next_policy;
	bool has_next_policy;
	enum channel_state state;
	enum channel_link link;

	/* [CHANNEL_LOCAL] is what we announced, [CHANNEL_REMOTE] the peer. */
	struct channel_config config[CHANNEL_NUM_SIDES];
	struct channel_params params;
	/* params.party[CHANNEL_REMOTE]'s keys are known (accept_channel or
	 * open_channel parsed). */
	bool has_remote_keys;
	enum channel_type type;
	uint8_t channel_flags;
	uint64_t push_msat;
	struct channel_id temporary_channel_id;
	struct channel_id channel_id;	/* from funding_created on */
	bool has_channel_id;

	/* Shutdown scripts: ours from the setup (or channel_shutdown), the
	 * peer's from its shutdown.  upfront[REMOTE] is what the peer
	 * committed to (empty: nothing); upfront_sent says we committed. */
	uint8_t *shutdown_script[CHANNEL_NUM_SIDES];
	size_t shutdown_script_len[CHANNEL_NUM_SIDES];
	uint8_t *remote_upfront_script;
	size_t remote_upfront_script_len;
	bool upfront_sent;

	/* Funding.  has_commitments: both first commitments are signed, so
	 * funds are at stake and a failure broadcasts ours. */
	bool has_commitments;
	uint32_t funding_depth;
	struct short_channel_id scid;
	bool sent_channel_ready, received_channel_ready;

	/* Commitments (see the comment at the top). */
	uint64_t commit_num[CHANNEL_NUM_SIDES];
	bool awaiting_revoke;
	/* When our last revoke_and_ack and our shutdown went out, on the
	 * HTLC set's next_order clock (as our updates are): a
	 * retransmission repeats them in their original places. */
	uint64_t last_revoke_order, shutdown_order;
	struct pubkey remote_point[NUM_REMOTE_POINTS];
	bool has_remote_point[NUM_REMOTE_POINTS];
	/* The peer's signatures on our latest commitment. */
	struct ecdsa_signature local_commit_sig;
	struct ecdsa_signature *local_htlc_sigs;
	size_t num_local_htlc_sigs;
	struct shachain remote_secrets;

	struct htlc_set htlcs;
	uint64_t next_htlc_id[CHANNEL_NUM_SIDES];
	/* HTLCs we withdrew from a commitment_signed the peer said it never
	 * got (state_reestablish.c): not in the set (their ids are reused),
	 * their failure held until the peer revokes commitment_num. */
	struct held_failure *held;
	size_t num_held;

	/* Mutual close. */
	bool shutdown_wanted, sent_shutdown, received_shutdown;
	bool sent_closing, received_closing;
	uint64_t closing_fee_sent, closing_fee_received;
	/* What the connection negotiated (channel_set_features). */
	struct close_features features;
	/* option_simple_close, for this connection only: the peer's
	 * shutdown came on it; our closing_complete went out (or we chose
	 * not to send one); and the one awaiting its closing_sig. */
	bool shutdown_on_link, simple_sent_on_link;
	struct simple_close_out {
		bool is_out;
		uint64_t fee_sat;
		uint32_t locktime;
		uint8_t *closee_script;		/* as sent (malloc'd) */
		size_t closee_script_len;
		unsigned variants;		/* 1 << enum close_variant */
	} simple_out;

	/* The error we sent, to repeat on reconnection (malloc'd). */
	char *error_text;

	/* What a store of rows holds of the channel (state_changes.c);
	 * NULL: nothing known to be stored.  no_snapshots: steps leave
	 * fx->snapshot NULL (channel_set_snapshots). */
	struct channel_stored *stored;
	bool no_snapshots;
	/* BOLT #7 announcement (state_announce.c).  Not stored: our node
	 * key and both node ids (channel_set_node); the peer's key parsed. */
	bool has_node;
	struct privkey node_key;
	uint8_t node_id[CHANNEL_NUM_SIDES][PUBKEY_CMPR_LEN];
	struct pubkey peer_node_key;
	/* Stored: ours ever sent, the peer's checked, the announcement
	 * handed over (CHANNEL_EVENT_ANNOUNCED). */
	bool announce_sent, has_remote_announce_sigs, announced;
	struct wire_signature remote_announce_node_sig, remote_announce_bitcoin_sig;
	/* This connection only. */
	bool announce_sent_on_link, announce_received_on_link;
	uint8_t *announce_deferred;	/* the peer's, before our channel_ready */
	size_t announce_deferred_len;
};

/* ---- state_serialize.c ---- */
/* Whether h's onion may still be needed (sent again, or decoded). */
bool channel_htlc_keeps_onion(const struct htlc *h);

/* ---- state_changes.c ---- */
/* Forgets what is stored (channel_free). */
void channel_stored_free(struct channel *ch);

/* ---- state.c ---- */

/* Appends msg (taken) to the messages to send. */
void fx_send(struct channel_effects *fx, struct wirebuf *msg);
/* Appends a zeroed event of type and returns it. */
struct channel_event *fx_event(struct channel_effects *fx,
			       enum channel_event_type type);
/* The same, naming the HTLC h (offerer, id, amount, hash, expiry). */
struct channel_event *fx_htlc_event(struct channel_effects *fx,
				    enum channel_event_type type,
				    const struct channel_htlc *h);
/* Sets fx->refusal and returns false. */
bool fx_refuse(struct channel_effects *fx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fails the channel: sends `error` with the text, hands over our latest
 * commitment (or forgets a channel with nothing on chain).  Returns true:
 * the input was handled. */
bool channel_fail_with(struct channel *ch, struct channel_effects *fx,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Ends a step that changed the channel: starts whatever the new state
 * allows (shutdown, closing_signed) and snapshots it.  Returns true. */
bool channel_step_done(struct channel *ch, struct channel_effects *fx);

/* Our per-commitment point for commitment number n. */
void channel_local_point(const struct channel *ch, struct pubkey *out,
			 uint64_t n);

/* owner's commitment number n as the HTLC set describes it now (is_next:
 * with the other side's next commitment_signed applied), at point.
 * Returns: NULL with *err if it cannot be built. */
struct commitment *channel_build_commitment(const struct channel *ch,
					    enum channel_side owner,
					    bool is_next, uint64_t n,
					    const struct pubkey *point,
					    const char **err);

/* The same from another HTLC set than the channel's (an earlier state of
 * it, see state_onchain.c). */
struct commitment *channel_build_commitment_of(const struct channel *ch,
					       const struct htlc_set *set,
					       enum channel_side owner,
					       bool is_next, uint64_t n,
					       const struct pubkey *point,
					       const char **err);

/* A disagreement the peer can fix without a force close: sends a
 * `warning` with the text, then acts as disconnected (the peer's
 * unsigned updates forgotten, what else it sent on this connection
 * ignored); the daemon closes the connection (fx->disconnect).
 * Returns: true. */
bool channel_warn_disconnect(struct channel *ch, struct channel_effects *fx,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Whether the channel is over: closed, failed or forgotten. */
bool channel_is_finished(const struct channel *ch);

/* Whether updates may flow: normal or shutting down, link up. */
bool channel_is_operational(const struct channel *ch);

/* ---- state_open.c ---- */
bool channel_handle_open_channel(struct channel *ch, struct channel_effects *fx,
				 const uint8_t *msg, size_t len);
bool channel_handle_accept_channel(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len);
bool channel_handle_funding_created(struct channel *ch,
				    struct channel_effects *fx,
				    const uint8_t *msg, size_t len);
bool channel_handle_funding_signed(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len);
bool channel_handle_channel_ready(struct channel *ch,
				  struct channel_effects *fx,
				  const uint8_t *msg, size_t len);
/* channel_ready for our commitment 1. */
struct wirebuf *channel_towire_channel_ready(const struct channel *ch);

/* ---- state_htlc.c ---- */
bool channel_handle_update_add_htlc(struct channel *ch,
				    struct channel_effects *fx,
				    const uint8_t *msg, size_t len);
bool channel_handle_update_fulfill_htlc(struct channel *ch,
					struct channel_effects *fx,
					const uint8_t *msg, size_t len);
bool channel_handle_update_fail_htlc(struct channel *ch,
				     struct channel_effects *fx,
				     const uint8_t *msg, size_t len);
bool channel_handle_update_fail_malformed_htlc(struct channel *ch,
					       struct channel_effects *fx,
					       const uint8_t *msg, size_t len);
/* Whether payer keeps, in view (owner's commitment), what it must: with
 * with_reserve the reserve the other side asked of it, and as opener the
 * commitment's fee and anchors. */
bool channel_can_afford(const struct channel *ch, const struct htlc_view *view,
			enum channel_side owner, enum channel_side payer,
			bool with_reserve);
/* Our update messages, as first sent. */
struct wirebuf *channel_towire_add(const struct channel *ch,
				   const struct htlc *htlc);
struct wirebuf *channel_towire_removal(const struct channel *ch,
				       const struct htlc *htlc);
struct wirebuf *channel_towire_fee(const struct channel *ch,
				   uint32_t feerate_per_kw);

/* ---- state_commit.c ---- */
bool channel_handle_update_fee(struct channel *ch, struct channel_effects *fx,
			       const uint8_t *msg, size_t len);
bool channel_handle_commitment_signed(struct channel *ch,
				      struct channel_effects *fx,
				      const uint8_t *msg, size_t len);
bool channel_handle_revoke_and_ack(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len);
/* Signs and sends a new commitment for the peer (the caller checked
 * there is something to sign and no revoke_and_ack is awaited).
 * Returns: false if it failed the channel. */
bool channel_do_send_commit(struct channel *ch, struct channel_effects *fx);
/* commitment_signed for the peer's latest commitment, as sent. */
struct wirebuf *channel_towire_commitment_signed(const struct channel *ch);
/* revoke_and_ack for our previous commitment, as sent. */
struct wirebuf *channel_towire_revoke_and_ack(const struct channel *ch);
/* After channel_reestablish: sends again our unsigned updates, our last
 * revoke_and_ack (if resend_revoke) and our shutdown (if sent), in the
 * order first sent; then, if recommit (our last commitment_signed was
 * lost and undone), signs everything again in a new one.  Returns: false
 * if that failed the channel. */
bool channel_retransmit(struct channel *ch, struct channel_effects *fx,
			bool resend_revoke, bool recommit);

/* ---- state_reestablish.c ---- */
bool channel_handle_channel_reestablish(struct channel *ch,
					struct channel_effects *fx,
					const uint8_t *msg, size_t len);
/* Appends HTLC_FAILED for held, a withdrawn HTLC (as a temporary channel
 * failure of ours). */
void channel_report_held(struct channel_effects *fx,
			 const struct held_failure *held);
/* Appends a copy of held to ch->held. */
void channel_held_append(struct channel *ch, const struct held_failure *held);
/* Reports and forgets every held failure for a commitment up to
 * revoked (the peer revoked it). */
void channel_release_held(struct channel *ch, struct channel_effects *fx,
			  uint64_t revoked);

/* ---- state_close.c ---- */
bool channel_handle_shutdown(struct channel *ch, struct channel_effects *fx,
			     const uint8_t *msg, size_t len);
bool channel_handle_closing_signed(struct channel *ch,
				   struct channel_effects *fx,
				   const uint8_t *msg, size_t len);
/* Sends our shutdown once allowed, and starts closing_signed (or
 * closing_complete) once the channel is clear.  Returns: false if it
 * failed the channel. */
bool channel_close_progress(struct channel *ch, struct channel_effects *fx);
struct wirebuf *channel_towire_shutdown(const struct channel *ch);
/* Whether two scripts are the same bytes. */
bool channel_same_script(const uint8_t *a, size_t a_len, const uint8_t *b,
			 size_t b_len);
/* Whether script breaks the peer's upfront_shutdown_script promise. */
bool channel_breaks_upfront(const struct channel *ch, const uint8_t *script,
			    size_t len);
/* Whether the channel is clear for the closing negotiation: both
 * shutdowns, no HTLC, no revocation awaited. */
bool channel_is_clear(const struct channel *ch);
/* What the closing transaction pays each side (both commitments agree
 * now), to its shutdown script. */
void channel_close_outputs(const struct channel *ch, struct close_outputs *out);

/* ---- state_close_simple.c ---- */
bool channel_handle_closing_complete(struct channel *ch,
				     struct channel_effects *fx,
				     const uint8_t *msg, size_t len);
bool channel_handle_closing_sig(struct channel *ch, struct channel_effects *fx,
				const uint8_t *msg, size_t len);
/* Once clear, with the peer's shutdown on this connection: our
 * closing_complete, once per connection. */
void channel_simple_close_progress(struct channel *ch,
				   struct channel_effects *fx);
/* Forgets the per-connection state (disconnection, channel_free). */
void channel_simple_close_forget(struct channel *ch);

/* ---- state_announce.c ---- */
bool channel_handle_announcement_signatures(struct channel *ch,
					    struct channel_effects *fx,
					    const uint8_t *msg, size_t len);
/* At the end of each step: sends our announcement_signatures when BOLT #7
 * says, handles a deferred one of the peer's, and hands over the
 * channel_announcement once both are known. */
void channel_announce_progress(struct channel *ch, struct channel_effects *fx);
/* Forgets the per-connection state (disconnection, channel_free). */
void channel_announce_forget_link(struct channel *ch);
/* The snapshot's version 4 section: whether there is one, writing and
 * reading it.  Returns (read): false if it is malformed. */
bool channel_announce_has_section(const struct channel *ch);
void channel_announce_write(struct wirebuf *out, const struct channel *ch);
bool channel_announce_read(const uint8_t **cursor, size_t *max, struct channel *ch);

#endif /* OHM_CHANNEL_STATE_INTERNAL_H */
