/* BOLT #7 `announcement_signatures` for an announced channel: when ours
 * goes out (and again after a reconnection), checking the peer's, and the
 * full `channel_announcement` once both are known.
 *
 * Persisted (snapshot version 4): whether ours was ever sent, the peer's
 * two signatures once checked, and whether the announcement was handed
 * over (CHANNEL_EVENT_ANNOUNCED goes out once); and, for this connection
 * (stored as the link state is, forgotten on disconnection): whether ours
 * went out on it, whether the peer's came on it, and a peer's message
 * held until our channel_ready is out (BOLT #7 "SHOULD defer").
 *
 * The engine builds the channel_announcement from the wire/ codecs
 * itself (channel/ sits beside gossip/, not above it); gossip/ checks
 * the same signatures when it receives one. */
#include "channel/state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "wire/wire.h"

/* Where the signed part of a channel_announcement starts: after its type
 * and four signatures (BOLT #7 "beginning at offset 256", of the message
 * after its type). */
#define SIGNED_OFFSET (2 + 4 * SIGNATURE_COMPACT_LEN)

void channel_set_node(struct channel *ch, const struct privkey *node_key,
		      const uint8_t peer_node_id[PUBKEY_CMPR_LEN])
{
	struct pubkey ours;

	if (!pubkey_from_privkey(ch->ctx, &ours, node_key))
		return;
	ch->node_key = *node_key;
	pubkey_serialize(ch->ctx, ch->node_id[CHANNEL_LOCAL], &ours);
	memcpy(ch->node_id[CHANNEL_REMOTE], peer_node_id, PUBKEY_CMPR_LEN);
	ch->has_node = true;
}

/* Whether we are node_1: BOLT #7 "node_id_1 is the lexicographically-
 * lesser of the two compressed keys". */
static bool we_are_node_1(const struct channel *ch)
{
	return memcmp(ch->node_id[CHANNEL_LOCAL], ch->node_id[CHANNEL_REMOTE],
		      PUBKEY_CMPR_LEN) < 0;
}

/* The channel_announcement with its signatures zeroed, and its hash. */
static void unsigned_announcement(const struct channel *ch,
				  struct msg_channel_announcement *ann,
				  struct sha256 *h)
{
	enum channel_side first = we_are_node_1(ch) ? CHANNEL_LOCAL : CHANNEL_REMOTE;
	enum channel_side second = first == CHANNEL_LOCAL ? CHANNEL_REMOTE : CHANNEL_LOCAL;
	struct sha256_double d;
	struct wirebuf *msg;

	memset(ann, 0, sizeof(*ann));
	ann->chain_hash = ch->policy.chain_hash;
	ann->short_channel_id = ch->scid;
	memcpy(ann->node_id_1.bytes, ch->node_id[first], PUBKEY_CMPR_LEN);
	memcpy(ann->node_id_2.bytes, ch->node_id[second], PUBKEY_CMPR_LEN);
	pubkey_serialize(ch->ctx, ann->bitcoin_key_1.bytes,
			 &ch->params.party[first].funding_pubkey);
	pubkey_serialize(ch->ctx, ann->bitcoin_key_2.bytes,
			 &ch->params.party[second].funding_pubkey);
	/* No channel features: ohm announces none. */
	msg = towire_channel_announcement(ann);
	/* BOLT #7:
	 *   - MUST compute the double-SHA256 hash `h` of the message, beginning at offset
	 *   256, up to the end of the message.
	 */
	sha256_double(&d, msg->data + SIGNED_OFFSET, msg->len - SIGNED_OFFSET);
	memcpy(h->u8, d.sha.u8, sizeof(h->u8));
	wirebuf_free(msg);
}

static bool sign_into(const struct channel *ch, struct wire_signature *out,
		      const struct sha256 *h, const struct privkey *key)
{
	struct ecdsa_signature sig;

	if (!ecdsa_sign(ch->ctx, &sig, h, key))
		return false;
	ecdsa_signature_serialize_compact(ch->ctx, out->bytes, &sig);
	return true;
}

static bool sig_is_valid(const struct channel *ch, const struct wire_signature *sig,
			 const struct sha256 *h, const struct pubkey *key)
{
	struct ecdsa_signature s;

	return ecdsa_signature_parse_compact(ch->ctx, &s, sig->bytes)
		&& ecdsa_verify(ch->ctx, &s, h, key);
}

/* Whether BOLT #7 lets us send ours now:
 *   - If the `open_channel` message has the `announce_channel` bit set AND a `shutdown` message has not been sent:
 *     - After `channel_ready` has been sent and received AND the funding transaction has enough confirmations to ensure that it won't be reorganized:
 *       - MUST send `announcement_signatures` for the funding transaction.
 */
static bool may_send(const struct channel *ch)
{
	return ch->has_node && (ch->channel_flags & 1) && !ch->sent_shutdown
		&& ch->sent_channel_ready && ch->received_channel_ready
		&& ch->funding_depth >= CHANNEL_ANNOUNCE_DEPTH
		&& (ch->state == CHANNEL_NORMAL || ch->state == CHANNEL_SHUTTING_DOWN)
		&& ch->link == LINK_UP;
}

static void send_ours(struct channel *ch, struct channel_effects *fx)
{
	struct msg_channel_announcement ann;
	struct msg_announcement_signatures as;
	struct sha256 h;

	unsigned_announcement(ch, &ann, &h);
	memset(&as, 0, sizeof(as));
	as.channel_id = ch->channel_id;
	as.short_channel_id = ch->scid;
	if (!sign_into(ch, &as.node_signature, &h, &ch->node_key)
	    || !sign_into(ch, &as.bitcoin_signature, &h, &ch->secrets.funding))
		return;
	fx_send(fx, towire_announcement_signatures(&as));
	ch->announce_sent = true;
	ch->announce_sent_on_link = true;
}

struct wirebuf *channel_get_announcement(const struct channel *ch)
{
	struct msg_channel_announcement ann;
	struct wire_signature *node_sig[CHANNEL_NUM_SIDES], *bitcoin_sig[CHANNEL_NUM_SIDES];
	bool first_is_us;
	struct sha256 h;

	if (!ch->has_node || !ch->announce_sent || !ch->has_remote_announce_sigs)
		return NULL;
	unsigned_announcement(ch, &ann, &h);
	first_is_us = we_are_node_1(ch);
	node_sig[CHANNEL_LOCAL] = first_is_us ? &ann.node_signature_1 : &ann.node_signature_2;
	node_sig[CHANNEL_REMOTE] = first_is_us ? &ann.node_signature_2 : &ann.node_signature_1;
	bitcoin_sig[CHANNEL_LOCAL] = first_is_us ? &ann.bitcoin_signature_1
						 : &ann.bitcoin_signature_2;
	bitcoin_sig[CHANNEL_REMOTE] = first_is_us ? &ann.bitcoin_signature_2
						  : &ann.bitcoin_signature_1;
	if (!sign_into(ch, node_sig[CHANNEL_LOCAL], &h, &ch->node_key)
	    || !sign_into(ch, bitcoin_sig[CHANNEL_LOCAL], &h, &ch->secrets.funding))
		return NULL;
	*node_sig[CHANNEL_REMOTE] = ch->remote_announce_node_sig;
	*bitcoin_sig[CHANNEL_REMOTE] = ch->remote_announce_bitcoin_sig;
	return towire_channel_announcement(&ann);
}

/* Both signatures known, ours sent, and the funding deep enough (BOLT #7
 * "If it has sent AND received a valid `announcement_signatures` message:
 * If the funding transaction has at least 6 confirmations: SHOULD queue
 * the `channel_announcement` message for its peers."): once. */
static void maybe_announced(struct channel *ch, struct channel_effects *fx)
{
	struct channel_event *ev;
	struct wirebuf *ann;

	if (ch->announced || !ch->announce_sent || !ch->has_remote_announce_sigs
	    || ch->funding_depth < CHANNEL_ANNOUNCE_DEPTH)
		return;
	ann = channel_get_announcement(ch);
	if (!ann)
		return;
	ch->announced = true;
	ev = fx_event(fx, CHANNEL_EVENT_ANNOUNCED);
	ev->announcement = wirebuf_take(ann, &ev->announcement_len);
}

/* Checks and keeps the peer's signatures.  Returns: false if it failed
 * or disconnected the channel. */
static bool take_remote(struct channel *ch, struct channel_effects *fx,
			const uint8_t *msg, size_t len)
{
	struct msg_announcement_signatures *as;
	struct msg_channel_announcement ann;
	struct sha256 h;
	bool node_ok, bitcoin_ok;

	if (!fromwire_announcement_signatures(msg, len, &as)) {
		channel_warn_disconnect(ch, fx, "malformed announcement_signatures");
		return false;
	}
	/* BOLT #7:
	 *   - If the `short_channel_id` doesn't match one of its funding transactions:
	 *     - SHOULD send a `warning`.
	 */
	if (as->short_channel_id.u64 != ch->scid.u64) {
		msg_announcement_signatures_free(as);
		fx_send(fx, towire_warning_text(&ch->channel_id,
						"announcement_signatures short_channel_id "
						"is not our funding transaction's"));
		return true;
	}
	unsigned_announcement(ch, &ann, &h);
	node_ok = sig_is_valid(ch, &as->node_signature, &h, &ch->peer_node_key);
	bitcoin_ok = sig_is_valid(ch, &as->bitcoin_signature, &h,
				  &ch->params.party[CHANNEL_REMOTE].funding_pubkey);
	/* BOLT #7:
	 *   - If the `node_signature` OR the `bitcoin_signature` is NOT correct:
	 *     - MAY send a `warning` and close the connection, or send an `error` and fail the channel.
	 */
	if (!node_ok || !bitcoin_ok) {
		msg_announcement_signatures_free(as);
		channel_warn_disconnect(ch, fx, "announcement_signatures %s is not right",
					node_ok ? "bitcoin_signature" : "node_signature");
		return false;
	}
	ch->remote_announce_node_sig = as->node_signature;
	ch->remote_announce_bitcoin_sig = as->bitcoin_signature;
	ch->has_remote_announce_sigs = true;
	ch->announce_received_on_link = true;
	msg_announcement_signatures_free(as);
	return true;
}

bool channel_handle_announcement_signatures(struct channel *ch,
					    struct channel_effects *fx,
					    const uint8_t *msg, size_t len)
{
	/* Not announced, or not ours to sign (no node key): nothing to do. */
	if (!(ch->channel_flags & 1) || !ch->has_node)
		return true;
	/* BOLT #7:
	 *   - If it has not sent `channel_ready`:
	 *     - SHOULD defer handling the `announcement_signatures` until after it has sent `channel_ready`.
	 */
	if (!ch->sent_channel_ready || !ch->scid.u64) {
		free(ch->announce_deferred);
		ch->announce_deferred = wire_memdup(msg, len);
		ch->announce_deferred_len = len;
		return true;
	}
	if (!pubkey_parse(ch->ctx, &ch->peer_node_key, ch->node_id[CHANNEL_REMOTE]))
		return channel_fail_with(ch, fx, "the peer's node id is not a point");
	if (!take_remote(ch, fx, msg, len))
		return true;
	return channel_step_done(ch, fx);
}

void channel_announce_progress(struct channel *ch, struct channel_effects *fx)
{
	if (ch->announce_deferred && ch->sent_channel_ready && ch->scid.u64
	    && ch->link == LINK_UP) {
		uint8_t *msg = ch->announce_deferred;
		size_t len = ch->announce_deferred_len;

		ch->announce_deferred = NULL;
		if (pubkey_parse(ch->ctx, &ch->peer_node_key, ch->node_id[CHANNEL_REMOTE]))
			take_remote(ch, fx, msg, len);
		free(msg);
		if (ch->link != LINK_UP)
			return;
	}
	/* BOLT #7:
	 *   - Upon reconnection (once the above timing requirements have been met):
	 *     - If it has NOT previously received `announcement_signatures` for the funding transaction:
	 *       - MUST send its own `announcement_signatures` message.
	 *     - If it receives `announcement_signatures` for the funding transaction:
	 *       - MUST respond with its own `announcement_signatures` message.
	 */
	if (may_send(ch) && !ch->announce_sent_on_link
	    && (!ch->has_remote_announce_sigs || ch->announce_received_on_link))
		send_ours(ch, fx);
	maybe_announced(ch, fx);
}

void channel_announce_forget_link(struct channel *ch)
{
	ch->announce_sent_on_link = false;
	ch->announce_received_on_link = false;
	free(ch->announce_deferred);
	ch->announce_deferred = NULL;
	ch->announce_deferred_len = 0;
}

bool channel_announce_has_section(const struct channel *ch)
{
	return ch->announce_sent || ch->has_remote_announce_sigs || ch->announced
		|| ch->announce_sent_on_link || ch->announce_received_on_link
		|| ch->announce_deferred;
}

/* The section's flags. */
enum {
	ANN_SENT = 1,
	ANN_HAS_REMOTE = 2,
	ANN_ANNOUNCED = 4,
	ANN_SENT_ON_LINK = 8,
	ANN_RECEIVED_ON_LINK = 16,
	ANN_DEFERRED = 32,
};

void channel_announce_write(struct wirebuf *out, const struct channel *ch)
{
	towire_u8(out, (uint8_t)((ch->announce_sent ? ANN_SENT : 0)
				 | (ch->has_remote_announce_sigs ? ANN_HAS_REMOTE : 0)
				 | (ch->announced ? ANN_ANNOUNCED : 0)
				 | (ch->announce_sent_on_link ? ANN_SENT_ON_LINK : 0)
				 | (ch->announce_received_on_link ? ANN_RECEIVED_ON_LINK : 0)
				 | (ch->announce_deferred ? ANN_DEFERRED : 0)));
	if (ch->has_remote_announce_sigs) {
		towire_bytes(out, ch->remote_announce_node_sig.bytes, SIGNATURE_COMPACT_LEN);
		towire_bytes(out, ch->remote_announce_bitcoin_sig.bytes, SIGNATURE_COMPACT_LEN);
	}
	if (ch->announce_deferred) {
		towire_u16(out, (uint16_t)ch->announce_deferred_len);
		towire_bytes(out, ch->announce_deferred, ch->announce_deferred_len);
	}
}

bool channel_announce_read(const uint8_t **cursor, size_t *max, struct channel *ch)
{
	uint8_t flags = fromwire_u8(cursor, max);

	if (flags & ~63u)
		return false;
	ch->announce_sent = (flags & ANN_SENT) != 0;
	ch->has_remote_announce_sigs = (flags & ANN_HAS_REMOTE) != 0;
	ch->announced = (flags & ANN_ANNOUNCED) != 0;
	ch->announce_sent_on_link = (flags & ANN_SENT_ON_LINK) != 0;
	ch->announce_received_on_link = (flags & ANN_RECEIVED_ON_LINK) != 0;
	if (ch->has_remote_announce_sigs) {
		fromwire_bytes(cursor, max, ch->remote_announce_node_sig.bytes,
			       SIGNATURE_COMPACT_LEN);
		fromwire_bytes(cursor, max, ch->remote_announce_bitcoin_sig.bytes,
			       SIGNATURE_COMPACT_LEN);
	}
	if (flags & ANN_DEFERRED) {
		size_t len = fromwire_u16(cursor, max);

		if (!*cursor || len == 0 || len > *max)
			return false;
		ch->announce_deferred = wire_memdup(*cursor, len);
		ch->announce_deferred_len = len;
		fromwire_pull(cursor, max, len);
	}
	return *cursor != NULL;
}

bool channel_has_announcement(const struct channel *ch)
{
	return ch->has_remote_announce_sigs && ch->announce_sent;
}
