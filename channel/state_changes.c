/* The channel as a store of rows holds it (state.h, "Persistence as
 * rows"): what channel_changes_take last handed over, to hand over next
 * time only what differs.
 *
 * Found by comparison, not by marks at every place a step changes an
 * HTLC: a missed mark would lose state at a restart, a comparison cannot.
 * It walks the HTLCs in flight once per take (a group commit, not a
 * step), comparing a few fields each; only changed HTLCs are encoded.
 * HTLCs are matched by seq (htlc_set_add numbers them), so an id used
 * again (a withdrawn HTLC's) is a deletion and a new row. */
#include "channel/state_internal.h"

#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

/* An HTLC's record as stored: struct htlc's fields but the onion (a
 * take compares and moves these, never the onions). */
struct stored_htlc {
	struct channel_htlc h;
	uint64_t seq;
	bool has_path_key, has_onion;
	uint8_t path_key[PUBKEY_CMPR_LEN];
	enum update_step add_step, remove_step;
	enum htlc_removal removal;
	struct preimage preimage;
	uint8_t *fail_reason;		/* owned */
	size_t fail_reason_len;
	struct sha256 sha256_of_onion;
	uint16_t failure_code;
	uint64_t add_order, remove_order;
};

struct channel_stored {
	struct stored_htlc *htlcs;	/* in seq order */
	size_t num;
	uint8_t *row;
	size_t row_len;
	bool has_sigs;
	uint64_t sigs_commit_num;
	struct ecdsa_signature *sigs;
	size_t num_sigs;
};

void channel_set_snapshots(struct channel *ch, bool on)
{
	ch->no_snapshots = !on;
}

static void stored_htlcs_clear(struct channel_stored *st)
{
	for (size_t i = 0; i < st->num; i++)
		free(st->htlcs[i].fail_reason);
	free(st->htlcs);
	st->htlcs = NULL;
	st->num = 0;
}

void channel_stored_free(struct channel *ch)
{
	struct channel_stored *st = ch->stored;

	if (!st)
		return;
	stored_htlcs_clear(st);
	free(st->row);
	free(st->sigs);
	free(st);
	ch->stored = NULL;
}

static void stored_copy(struct stored_htlc *out, const struct htlc *h)
{
	out->h = h->h;
	out->seq = h->seq;
	out->has_path_key = h->has_path_key;
	memcpy(out->path_key, h->path_key, PUBKEY_CMPR_LEN);
	out->add_step = h->add_step;
	out->remove_step = h->remove_step;
	out->removal = h->removal;
	out->preimage = h->preimage;
	out->fail_reason = h->fail_reason_len
		? wire_memdup(h->fail_reason, h->fail_reason_len) : NULL;
	out->fail_reason_len = h->fail_reason_len;
	out->sha256_of_onion = h->sha256_of_onion;
	out->failure_code = h->failure_code;
	out->add_order = h->add_order;
	out->remove_order = h->remove_order;
	out->has_onion = channel_htlc_keeps_onion(h);
}

/* Whether a's record would be b's. */
static bool same_record(const struct htlc *a, const struct stored_htlc *b)
{
	return a->h.id == b->h.id && a->h.offerer == b->h.offerer
		&& a->h.amount_msat == b->h.amount_msat
		&& a->h.cltv_expiry == b->h.cltv_expiry
		&& memcmp(a->h.payment_hash.u8, b->h.payment_hash.u8, 32) == 0
		&& a->has_path_key == b->has_path_key
		&& memcmp(a->path_key, b->path_key, PUBKEY_CMPR_LEN) == 0
		&& a->add_step == b->add_step && a->removal == b->removal
		&& a->remove_step == b->remove_step
		&& memcmp(a->preimage.r, b->preimage.r, 32) == 0
		&& a->fail_reason_len == b->fail_reason_len
		&& (!a->fail_reason_len
		    || memcmp(a->fail_reason, b->fail_reason,
			      a->fail_reason_len) == 0)
		&& memcmp(a->sha256_of_onion.u8, b->sha256_of_onion.u8, 32) == 0
		&& a->failure_code == b->failure_code
		&& a->add_order == b->add_order
		&& a->remove_order == b->remove_order;
}

/* The next entry of a list allocated for every HTLC it may name. */
static struct channel_htlc_change *change_add(struct channel_htlc_change **list,
					      size_t *num)
{
	return &(*list)[(*num)++];
}

static void change_record(struct channel_htlc_change *c, const struct htlc *h)
{
	struct wirebuf *buf = wirebuf_new();

	c->offerer = h->h.offerer;
	c->id = h->h.id;
	c->seq = h->seq;
	channel_htlc_record(buf, h);
	c->record = wirebuf_take(buf, &c->record_len);
}

static bool in_seq_order(const struct htlc_set *set)
{
	for (size_t i = 1; i < set->num; i++)
		if (set->htlcs[i].seq <= set->htlcs[i - 1].seq)
			return false;
	return true;
}

/* The HTLC rows: deletions into dels, the rest into rest. */
static void htlc_changes(struct channel *ch, bool replace_all,
			 struct channel_htlc_change **dels, size_t *num_dels,
			 struct channel_htlc_change **rest, size_t *num_rest)
{
	struct channel_stored *st = ch->stored;
	const struct htlc_set *set = &ch->htlcs;
	struct stored_htlc *now = wire_calloc(set->num + 1, sizeof(*now));
	size_t i = 0, j = 0;

	*dels = wire_calloc(st->num + 1, sizeof(**dels));
	*rest = wire_calloc(set->num + 1, sizeof(**rest));
	while (i < set->num || (!replace_all && j < st->num)) {
		const struct htlc *live = i < set->num ? &set->htlcs[i] : NULL;
		struct stored_htlc *was = !replace_all && j < st->num
			? &st->htlcs[j] : NULL;
		struct channel_htlc_change *c;

		if (was && (!live || was->seq < live->seq)) {
			c = change_add(dels, num_dels);
			c->offerer = was->h.offerer;
			c->id = was->h.id;
			c->seq = was->seq;
			c->is_delete = true;
			j++;
			continue;
		}
		if (was && was->seq == live->seq) {
			j++;
			bool onion = channel_htlc_keeps_onion(live);

			if (same_record(live, was) && was->has_onion == onion) {
				/* Moved, not copied: most HTLCs of a take. */
				now[i++] = *was;
				was->fail_reason = NULL;
				continue;
			}
			stored_copy(&now[i], live);
			c = change_add(rest, num_rest);
			change_record(c, live);
			c->drop_onion = was->has_onion && !now[i].has_onion;
		} else {
			stored_copy(&now[i], live);
			c = change_add(rest, num_rest);
			change_record(c, live);
			c->is_new = true;
			c->onion = now[i].has_onion ? live->onion : NULL;
		}
		i++;
	}
	stored_htlcs_clear(st);
	st->htlcs = now;
	st->num = set->num;
}

static bool sigs_changed(const struct channel *ch)
{
	const struct channel_stored *st = ch->stored;

	return !st->has_sigs
		|| st->sigs_commit_num != ch->commit_num[CHANNEL_LOCAL]
		|| st->num_sigs != ch->num_local_htlc_sigs
		|| (ch->num_local_htlc_sigs
		    && memcmp(st->sigs, ch->local_htlc_sigs,
			      ch->num_local_htlc_sigs * sizeof(st->sigs[0]))
		    != 0);
}

static void stored_sigs_set(struct channel *ch)
{
	struct channel_stored *st = ch->stored;

	free(st->sigs);
	st->sigs = wire_calloc(ch->num_local_htlc_sigs + 1,
			       sizeof(st->sigs[0]));
	if (ch->num_local_htlc_sigs)
		memcpy(st->sigs, ch->local_htlc_sigs,
		       ch->num_local_htlc_sigs * sizeof(st->sigs[0]));
	st->num_sigs = ch->num_local_htlc_sigs;
	st->sigs_commit_num = ch->commit_num[CHANNEL_LOCAL];
	st->has_sigs = true;
}

void channel_changes_take(struct channel *ch, struct channel_changes *out)
{
	struct channel_htlc_change *dels = NULL, *rest = NULL;
	size_t num_dels = 0, num_rest = 0;
	struct wirebuf *row = wirebuf_new();

	memset(out, 0, sizeof(*out));
	if (!ch->stored || !in_seq_order(&ch->htlcs)) {
		channel_stored_free(ch);
		ch->stored = wire_calloc(1, sizeof(*ch->stored));
		out->replace_all = true;
	}
	channel_serialize_row(row, ch);
	if (out->replace_all || row->len != ch->stored->row_len
	    || memcmp(row->data, ch->stored->row, row->len) != 0) {
		free(ch->stored->row);
		ch->stored->row = wirebuf_take(row, &ch->stored->row_len);
		out->row = wire_memdup(ch->stored->row, ch->stored->row_len);
		out->row_len = ch->stored->row_len;
	} else {
		wirebuf_free(row);
	}
	htlc_changes(ch, out->replace_all, &dels, &num_dels, &rest, &num_rest);
	out->num_htlcs = num_dels + num_rest;
	out->htlcs = wire_calloc(out->num_htlcs + 1, sizeof(out->htlcs[0]));
	if (num_dels)
		memcpy(out->htlcs, dels, num_dels * sizeof(dels[0]));
	if (num_rest)
		memcpy(out->htlcs + num_dels, rest, num_rest * sizeof(rest[0]));
	free(dels);
	free(rest);
	/* Before funding is signed there are no signatures to keep. */
	if (ch->has_commitments && sigs_changed(ch)) {
		struct wirebuf *sigs = wirebuf_new();

		channel_sigs_record(sigs, ch);
		out->has_sigs = true;
		out->sigs_commit_num = ch->commit_num[CHANNEL_LOCAL];
		out->sigs = wirebuf_take(sigs, &out->sigs_len);
		stored_sigs_set(ch);
	}
}

void channel_changes_free(struct channel_changes *changes)
{
	free(changes->row);
	for (size_t i = 0; i < changes->num_htlcs; i++)
		free(changes->htlcs[i].record);
	free(changes->htlcs);
	free(changes->sigs);
	memset(changes, 0, sizeof(*changes));
}

/* ---- Rebuilding from rows ---- */

bool channel_restore_htlc(struct channel *ch, uint64_t seq,
			  const uint8_t *record, size_t record_len,
			  const uint8_t *onion, const char **err)
{
	struct htlc h;
	struct htlc *added;

	if (!channel_htlc_from_record(record, record_len, &h, err))
		return false;
	if (seq <= ch->htlcs.last_seq
	    || htlc_set_find(&ch->htlcs, h.h.offerer, h.h.id)) {
		free(h.fail_reason);
		*err = seq <= ch->htlcs.last_seq ? "HTLC rows out of order"
			: "an HTLC stored twice";
		return false;
	}
	if (onion)
		memcpy(h.onion, onion, HTLC_ONION_LEN);
	added = htlc_set_add(&ch->htlcs, &h);
	added->seq = ch->htlcs.last_seq = seq;
	return true;
}

bool channel_restore_sigs(struct channel *ch, uint64_t commit_num,
			  const uint8_t *sigs, size_t sigs_len,
			  const char **err)
{
	struct ecdsa_signature *parsed;
	size_t num;

	if (commit_num != ch->commit_num[CHANNEL_LOCAL]) {
		*err = "HTLC signatures of another commitment";
		return false;
	}
	if (!channel_sigs_from_record(ch->ctx, sigs, sigs_len, &parsed, &num,
				      err))
		return false;
	free(ch->local_htlc_sigs);
	ch->local_htlc_sigs = parsed;
	ch->num_local_htlc_sigs = num;
	if (!ch->stored)
		ch->stored = wire_calloc(1, sizeof(*ch->stored));
	stored_sigs_set(ch);
	return true;
}

bool channel_restore_done(struct channel *ch, const char **err)
{
	struct channel_stored *st;
	struct wirebuf *row = wirebuf_new();

	if (ch->has_commitments && !(ch->stored && ch->stored->has_sigs)) {
		wirebuf_free(row);
		*err = "the HTLC signatures of our commitment are missing";
		return false;
	}
	if (!ch->stored)
		ch->stored = wire_calloc(1, sizeof(*ch->stored));
	st = ch->stored;
	stored_htlcs_clear(st);
	st->htlcs = wire_calloc(ch->htlcs.num + 1, sizeof(st->htlcs[0]));
	/* A row has its onion exactly while the HTLC keeps it: once
	 * dropped, channel_htlc_keeps_onion never holds again. */
	for (size_t i = 0; i < ch->htlcs.num; i++)
		stored_copy(&st->htlcs[i], &ch->htlcs.htlcs[i]);
	st->num = ch->htlcs.num;
	channel_serialize_row(row, ch);
	free(st->row);
	st->row = wirebuf_take(row, &st->row_len);
	return true;
}
