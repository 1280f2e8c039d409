/* Two channel engines wired together in memory, the test playing the
 * daemon for both: after every step it "persists" the snapshot by
 * deserializing it into a fresh channel (and checks serializing that
 * gives the same bytes), and also stores the step's rows
 * (channel_changes_take) in a model of the daemon's tables, from which it
 * rebuilds the channel that replaces the live one, checking it serializes
 * to the snapshot exactly; so every test proves the engine restarts from
 * its snapshot and from its rows exactly.  Then it queues the messages
 * for the other node and records the events.
 *
 *	struct pair p;
 *	pair_init(&p, &opts);
 *	pair_open(&p);			// both CHANNEL_NORMAL
 *	pair_add_htlc(&p, 0, 50000000, &id);
 *	pair_settle(&p);		// deliver and commit until quiet
 *	pair_free(&p);
 *
 * Node 0 is always the funder. */
#ifndef OHM_TESTS_UNIT_CHANNEL_PAIR_H
#define OHM_TESTS_UNIT_CHANNEL_PAIR_H

#include <stdlib.h>
#include <string.h>

#include "channel/state.h"
#include "channel/scripts.h"
#include "crypto/hash.h"
#include "tests/unit/keys.h"
#include "wire/wire.h"

#define PAIR_MAX_QUEUE 4096
#define PAIR_MAX_EVENTS 4096

struct pair_queue {
	struct wirebuf *msgs[PAIR_MAX_QUEUE];
	size_t head, tail;
};

/* What a node's events said, for the tests to check. */
struct pair_record {
	enum channel_event_type type;
	uint64_t htlc_id;
	struct sha256 payment_hash;
	struct preimage preimage;
	bool is_malformed, is_withdrawn;
	uint64_t withdrawn_key;
	size_t fail_reason_len;
	struct bitcoin_txid txid;	/* *_BROADCAST */
	uint8_t *announcement;		/* ANNOUNCED (malloc'd) */
	size_t announcement_len;
};

/* The rows of one channel, as daemon/channels/channels_store.c keeps
 * them. */
struct pair_row_htlc {
	enum channel_side offerer;
	uint64_t id, seq;
	uint8_t *record;
	size_t record_len;
	uint8_t *onion;			/* NULL: dropped */
};

struct pair_rows {
	uint8_t *row;
	size_t row_len;
	struct pair_row_htlc *htlcs;	/* in no particular order */
	size_t num_htlcs;
	bool has_sigs;
	uint64_t sigs_commit_num;
	uint8_t *sigs;
	size_t sigs_len;
};

struct pair_node {
	struct channel *ch;
	struct pair_rows rows;		/* what channel_changes_take wrote */
	struct channel_secrets secrets;
	/* Its node key and id (channel_set_node, at every load). */
	struct privkey node_key;
	uint8_t node_id[PUBKEY_CMPR_LEN];
	struct channel_policy policy;
	uint8_t *snapshot;		/* last persisted */
	size_t snapshot_len;
	struct pair_queue inbox;
	struct pair_record records[PAIR_MAX_EVENTS];
	size_t num_records;
	char *last_failure;		/* fx->failure of the last step */
	char *last_refusal;
	struct bitcoin_tx *broadcast;	/* last *_BROADCAST tx */
	bool funding_needed, funding_broadcast, normal, forgotten;
	/* Every message type it sent, in order, for tests that look. */
	uint16_t sent_types[PAIR_MAX_EVENTS];
	size_t num_sent;
};

struct pair_options {
	uint64_t funding_sat;
	uint64_t push_msat;
	uint32_t feerate_per_kw;
	bool anchors;
	/* The connection negotiated option_simple_close (and, as it
	 * requires, option_shutdown_anysegwit). */
	bool simple_close;
	/* Neither commits to its shutdown script in open_channel. */
	bool no_upfront_script;
	/* open_channel without announce_channel. */
	bool is_private;
	struct channel_config config[2];
	uint8_t seed;			/* node secrets differ per seed */
};

struct pair {
	secp256k1_context *ctx;
	struct pair_node node[2];
	struct pair_options opts;
	bool connected;
	/* Drop messages instead of delivering (to simulate loss). */
	bool drop_to[2];
	/* Called with every node's rows to store, before the model stores
	 * them (a test of a real store writes them too). */
	void (*on_changes)(struct pair *p, int i,
			   const struct channel_changes *changes);
	void *on_changes_arg;
};

static inline void pair_default_options(struct pair_options *o)
{
	memset(o, 0, sizeof(*o));
	o->funding_sat = 1000000;
	o->push_msat = 100000000;	/* 100000 sat to the fundee */
	o->feerate_per_kw = 2500;
	for (int i = 0; i < 2; i++) {
		o->config[i].dust_limit_sat = 546;
		o->config[i].max_htlc_value_in_flight_msat = 900000000;
		o->config[i].channel_reserve_sat = 10000;
		o->config[i].htlc_minimum_msat = 1000;
		o->config[i].to_self_delay = (uint16_t)(144 + i);
		o->config[i].max_accepted_htlcs = 30;
		o->config[i].minimum_depth = 3;
	}
	o->seed = 1;
}

static inline void pair_policy(struct channel_policy *p, bool anchors)
{
	memset(p, 0, sizeof(*p));
	memset(p->chain_hash.bytes, 0x06, sizeof(p->chain_hash.bytes));
	p->max_to_self_delay = 2016;
	p->max_minimum_depth = 144;
	p->min_funding_sat = 20000;
	p->max_dust_limit_sat = 10000;
	p->min_feerate_per_kw = 253;
	p->min_anchors_feerate_per_kw = 253;
	p->max_feerate_per_kw = 50000;
	p->closing_feerate_per_kw = 1000;
	p->allow_anchors = anchors;
}

/* A P2WPKH script whose key hash is 20 bytes of b. */
static inline void pair_script(uint8_t script[22], uint8_t b)
{
	script[0] = 0x00;
	script[1] = 20;
	memset(script + 2, b, 20);
}

static inline struct channel *pair_new_channel(struct pair *p, int i)
{
	struct pair_node *n = &p->node[i];
	struct channel_setup setup;
	struct channel *ch;
	uint8_t script[22];

	memset(&setup, 0, sizeof(setup));
	setup.secrets = &n->secrets;
	setup.config = p->opts.config[i];
	setup.policy = n->policy;
	pair_script(script, (uint8_t)(0xa0 + i));
	setup.shutdown_script = script;
	setup.shutdown_script_len = sizeof(script);
	setup.upfront_shutdown_script = !p->opts.no_upfront_script;
	setup.features.option_shutdown_anysegwit = p->opts.simple_close;
	setup.features.option_simple_close = p->opts.simple_close;
	ch = channel_new(p->ctx, &setup);
	if (ch)
		channel_set_node(ch, &n->node_key, p->node[1 - i].node_id);
	return ch;
}

static inline void pair_init(struct pair *p, const struct pair_options *o)
{
	memset(p, 0, sizeof(*p));
	p->ctx = keys_context_new();
	p->opts = *o;
	p->connected = true;
	for (int i = 0; i < 2; i++) {
		struct pair_node *n = &p->node[i];
		struct secret node_secret;

		memset(node_secret.data, o->seed * 2 + i + 1,
		       sizeof(node_secret.data));
		if (!channel_secrets_derive(p->ctx, &n->secrets, &node_secret,
					    o->seed))
			test_bail_out("cannot derive channel secrets");
		pair_policy(&n->policy, o->anchors);
		memset(n->node_key.secret.data, 0x40 + o->seed * 2 + i,
		       sizeof(n->node_key.secret.data));
		{
			struct pubkey id;
			if (!pubkey_from_privkey(p->ctx, &id, &n->node_key))
				test_bail_out("bad node key");
			pubkey_serialize(p->ctx, n->node_id, &id);
		}
	}
	for (int i = 0; i < 2; i++) {
		struct pair_node *n = &p->node[i];

		n->ch = pair_new_channel(p, i);
		if (!n->ch)
			test_bail_out("channel_new failed");
	}
}

static inline void pair_queue_clear(struct pair_queue *q)
{
	while (q->head != q->tail)
		wirebuf_free(q->msgs[q->head++ % PAIR_MAX_QUEUE]);
	q->head = q->tail = 0;
}

static inline void pair_rows_clear_htlcs(struct pair_rows *r)
{
	for (size_t k = 0; k < r->num_htlcs; k++) {
		free(r->htlcs[k].record);
		free(r->htlcs[k].onion);
	}
	free(r->htlcs);
	r->htlcs = NULL;
	r->num_htlcs = 0;
}

static inline void pair_rows_free(struct pair_rows *r)
{
	pair_rows_clear_htlcs(r);
	free(r->row);
	free(r->sigs);
	memset(r, 0, sizeof(*r));
}

static inline struct pair_row_htlc *pair_rows_find(struct pair_rows *r,
						    enum channel_side offerer,
						    uint64_t id)
{
	for (size_t k = 0; k < r->num_htlcs; k++)
		if (r->htlcs[k].offerer == offerer && r->htlcs[k].id == id)
			return &r->htlcs[k];
	return NULL;
}

/* Writes node i's changes into its rows, as the daemon's store does (and
 * checks each change fits the rows: no update of a missing row, no
 * second insert). */
static inline void pair_store_rows(struct pair *p, int i)
{
	struct pair_rows *r = &p->node[i].rows;
	struct channel_changes c;

	channel_changes_take(p->node[i].ch, &c);
	if (p->on_changes)
		p->on_changes(p, i, &c);
	if (c.replace_all) {
		pair_rows_clear_htlcs(r);
		free(r->sigs);
		r->sigs = NULL;
		r->has_sigs = false;
	}
	CHECK_MSG(c.row || r->row, "node %d: no channel row", i);
	if (c.row) {
		free(r->row);
		r->row = c.row;
		r->row_len = c.row_len;
		c.row = NULL;
	}
	for (size_t k = 0; k < c.num_htlcs; k++) {
		struct channel_htlc_change *h = &c.htlcs[k];
		struct pair_row_htlc *row = pair_rows_find(r, h->offerer, h->id);

		if (h->is_delete) {
			CHECK_MSG(row && row->seq == h->seq,
				  "node %d: deletes a missing HTLC row", i);
			if (!row)
				continue;
			free(row->record);
			free(row->onion);
			*row = r->htlcs[--r->num_htlcs];
		} else if (h->is_new) {
			CHECK_MSG(!row, "node %d: inserts an HTLC row twice", i);
			if (row)
				continue;
			r->htlcs = realloc(r->htlcs, (r->num_htlcs + 1)
					   * sizeof(r->htlcs[0]));
			row = &r->htlcs[r->num_htlcs++];
			row->offerer = h->offerer;
			row->id = h->id;
			row->seq = h->seq;
			row->record = h->record;
			row->record_len = h->record_len;
			h->record = NULL;
			row->onion = h->onion
				? wire_memdup(h->onion, HTLC_ONION_LEN) : NULL;
		} else {
			CHECK_MSG(row && row->seq == h->seq,
				  "node %d: updates a missing HTLC row", i);
			if (!row)
				continue;
			free(row->record);
			row->record = h->record;
			row->record_len = h->record_len;
			h->record = NULL;
			if (h->drop_onion) {
				free(row->onion);
				row->onion = NULL;
			}
		}
	}
	if (c.has_sigs) {
		free(r->sigs);
		r->sigs = c.sigs;
		r->sigs_len = c.sigs_len;
		r->sigs_commit_num = c.sigs_commit_num;
		r->has_sigs = true;
		c.sigs = NULL;
	}
	channel_changes_free(&c);
}

static inline int pair_row_seq_cmp(const void *a, const void *b)
{
	const struct pair_row_htlc *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Node i rebuilt from its rows, as ohmd does at start-up; NULL (and a
 * failed check) if they do not make a channel. */
static inline struct channel *pair_from_rows(struct pair *p, int i)
{
	struct pair_node *n = &p->node[i];
	struct pair_rows *r = &n->rows;
	const char *err = NULL;
	struct channel *ch;
	bool ok;

	ch = channel_deserialize(p->ctx, r->row, r->row_len, &n->secrets,
				 &n->policy, &err);
	CHECK_MSG(ch, "node %d: channel row: %s", i, err ? err : "?");
	if (!ch)
		return NULL;
	if (r->num_htlcs)
		qsort(r->htlcs, r->num_htlcs, sizeof(r->htlcs[0]),
		      pair_row_seq_cmp);
	ok = true;
	for (size_t k = 0; ok && k < r->num_htlcs; k++)
		ok = channel_restore_htlc(ch, r->htlcs[k].seq, r->htlcs[k].record,
					  r->htlcs[k].record_len,
					  r->htlcs[k].onion, &err);
	if (ok && r->has_sigs)
		ok = channel_restore_sigs(ch, r->sigs_commit_num, r->sigs,
					  r->sigs_len, &err);
	if (ok)
		ok = channel_restore_done(ch, &err);
	CHECK_MSG(ok, "node %d: restore from rows: %s", i, err ? err : "?");
	if (!ok) {
		channel_free(ch);
		return NULL;
	}
	return ch;
}

static inline void pair_free(struct pair *p)
{
	for (int i = 0; i < 2; i++) {
		struct pair_node *n = &p->node[i];

		channel_free(n->ch);
		pair_rows_free(&n->rows);
		free(n->snapshot);
		free(n->last_failure);
		free(n->last_refusal);
		bitcoin_tx_free(n->broadcast);
		pair_queue_clear(&n->inbox);
		channel_secrets_wipe(&n->secrets);
		for (size_t k = 0; k < n->num_records; k++)
			free(n->records[k].announcement);
	}
	crypto_secp_context_destroy(p->ctx);
}

/* Whether ch serializes to node i's snapshot. */
static inline bool pair_is_snapshot(const struct pair *p, int i,
				    const struct channel *ch)
{
	const struct pair_node *n = &p->node[i];
	struct wirebuf *again = wirebuf_new();
	bool same;

	channel_serialize(again, ch);
	same = again->len == n->snapshot_len
		&& memcmp(again->data, n->snapshot, again->len) == 0;
	wirebuf_free(again);
	return same;
}

/* Restores node i from its last persisted snapshot and from its rows, as
 * a restart would: both must be the snapshot exactly; the one from rows
 * goes on. */
static inline void pair_reload(struct pair *p, int i)
{
	struct pair_node *n = &p->node[i];
	const char *err = NULL;
	struct channel *ch, *from_rows;

	if (!n->snapshot)
		return;
	ch = channel_deserialize(p->ctx, n->snapshot, n->snapshot_len,
				 &n->secrets, &n->policy, &err);
	CHECK_MSG(ch, "node %d: deserialize: %s", i, err ? err : "?");
	if (!ch)
		return;
	channel_set_node(ch, &n->node_key, p->node[1 - i].node_id);
	CHECK_MSG(pair_is_snapshot(p, i, ch),
		  "node %d: serialize(deserialize(s)) != s", i);
	from_rows = n->rows.row ? pair_from_rows(p, i) : NULL;
	if (from_rows) {
		CHECK_MSG(pair_is_snapshot(p, i, from_rows),
			  "node %d: the channel from its rows != its snapshot", i);
		channel_free(ch);
		ch = from_rows;
		channel_set_node(ch, &n->node_key, p->node[1 - i].node_id);
	}
	channel_free(n->ch);
	n->ch = ch;
}

/* Does what the daemon would with fx from node i's last step: persist,
 * send, act. */
static inline void pair_absorb(struct pair *p, int i,
			       struct channel_effects *fx)
{
	struct pair_node *n = &p->node[i];
	struct pair_queue *to = &p->node[1 - i].inbox;

	free(n->last_failure);
	n->last_failure = fx->failure ? strdup(fx->failure) : NULL;
	free(n->last_refusal);
	n->last_refusal = fx->refusal ? strdup(fx->refusal) : NULL;
	CHECK_MSG(!fx->snapshot == !fx->changed,
		  "node %d: a snapshot %s fx->changed", i,
		  fx->snapshot ? "without" : "but");
	if (fx->snapshot) {
		free(n->snapshot);
		n->snapshot = fx->snapshot;
		n->snapshot_len = fx->snapshot_len;
		fx->snapshot = NULL;
		pair_store_rows(p, i);
		pair_reload(p, i);
	}
	for (size_t k = 0; k < fx->num_msgs; k++) {
		uint16_t type = 0;

		fromwire_peektype(fx->msgs[k]->data, fx->msgs[k]->len, &type);
		if (n->num_sent < PAIR_MAX_EVENTS)
			n->sent_types[n->num_sent++] = type;
		if (!p->connected || p->drop_to[1 - i]
		    || to->tail - to->head >= PAIR_MAX_QUEUE)
			continue;
		to->msgs[to->tail++ % PAIR_MAX_QUEUE] = fx->msgs[k];
		fx->msgs[k] = NULL;
	}
	for (size_t k = 0; k < fx->num_events; k++) {
		struct channel_event *ev = &fx->events[k];
		struct pair_record *r = &n->records[n->num_records];

		if (n->num_records < PAIR_MAX_EVENTS) {
			r->type = ev->type;
			r->htlc_id = ev->htlc_id;
			r->payment_hash = ev->payment_hash;
			r->preimage = ev->preimage;
			r->is_malformed = ev->is_malformed;
			r->is_withdrawn = ev->is_withdrawn;
			r->withdrawn_key = ev->withdrawn_key;
			r->fail_reason_len = ev->fail_reason_len;
			n->num_records++;
		}
		switch (ev->type) {
		case CHANNEL_EVENT_FUNDING_NEEDED:
			n->funding_needed = true;
			break;
		case CHANNEL_EVENT_FUNDING_BROADCAST:
			n->funding_broadcast = true;
			break;
		case CHANNEL_EVENT_NORMAL:
			n->normal = true;
			break;
		case CHANNEL_EVENT_FORGET:
			n->forgotten = true;
			break;
		case CHANNEL_EVENT_CLOSE_BROADCAST:
		case CHANNEL_EVENT_COMMITMENT_BROADCAST:
			if (r < n->records + PAIR_MAX_EVENTS)
				bitcoin_tx_txid(&r->txid, ev->tx);
			bitcoin_tx_free(n->broadcast);
			n->broadcast = ev->tx;
			ev->tx = NULL;
			break;
		case CHANNEL_EVENT_ANNOUNCED:
			if (r < n->records + PAIR_MAX_EVENTS) {
				r->announcement = ev->announcement;
				r->announcement_len = ev->announcement_len;
				ev->announcement = NULL;
			}
			break;
		case CHANNEL_EVENT_HTLC_ADDED:
		case CHANNEL_EVENT_HTLC_FULFILLED:
		case CHANNEL_EVENT_HTLC_FAILED:
		case CHANNEL_EVENT_HTLC_WITHDRAWN:
			break;
		}
	}
	channel_effects_clear(fx);
}

/* OHM_CHANNEL_TRACE=1 prints every delivery, for debugging a seed. */
static inline bool pair_tracing(void)
{
	static int tracing = -1;

	if (tracing < 0)
		tracing = getenv("OHM_CHANNEL_TRACE") != NULL;
	return tracing;
}

/* Prints node i's HTLC states, fee steps and commitment numbers. */
static inline void pair_trace_node(const struct pair *p, int i)
{
	const struct channel *ch = p->node[i].ch;
	const struct htlc_set *set = channel_get_htlcs(ch);

	printf("#    node %d: %s local#%llu remote#%llu fees", i,
	       channel_state_name(channel_get_state(ch)),
	       (unsigned long long)channel_commitment_number(ch, CHANNEL_LOCAL),
	       (unsigned long long)channel_commitment_number(ch, CHANNEL_REMOTE));
	for (int s = 0; s < UPDATE_NUM_STEPS; s++)
		printf(" %u", set->feerate[s]);
	for (size_t k = 0; k < set->num; k++)
		printf(" %s%llu:%s", set->htlcs[k].h.offerer ? "R" : "L",
		       (unsigned long long)set->htlcs[k].h.id,
		       htlc_state_name(&set->htlcs[k]));
	printf("\n");
}

/* The type of the next message queued for node i; 0 if none. */
static inline uint16_t pair_next_type(const struct pair *p, int i)
{
	const struct pair_queue *q = &p->node[i].inbox;
	uint16_t type = 0;

	if (q->head != q->tail)
		fromwire_peektype(q->msgs[q->head % PAIR_MAX_QUEUE]->data,
				  q->msgs[q->head % PAIR_MAX_QUEUE]->len, &type);
	return type;
}

/* Delivers the next message queued for node i.  Returns: false if none. */
static inline bool pair_deliver(struct pair *p, int i)
{
	struct pair_queue *q = &p->node[i].inbox;
	struct channel_effects fx;
	struct wirebuf *msg;

	if (q->head == q->tail)
		return false;
	msg = q->msgs[q->head++ % PAIR_MAX_QUEUE];
	if (pair_tracing()) {
		uint16_t type = 0;

		fromwire_peektype(msg->data, msg->len, &type);
		printf("# -> node %d: %s\n", i, peer_wire_name(type));
	}
	channel_effects_init(&fx);
	channel_handle_message(p->node[i].ch, &fx, msg->data, msg->len);
	wirebuf_free(msg);
	pair_absorb(p, i, &fx);
	if (pair_tracing())
		pair_trace_node(p, i);
	return true;
}

/* Node i's channel handles msg directly (as if node 1 - i sent it);
 * takes msg. */
static inline void pair_feed(struct pair *p, int i, struct wirebuf *msg)
{
	struct channel_effects fx;

	channel_effects_init(&fx);
	channel_handle_message(p->node[i].ch, &fx, msg->data, msg->len);
	wirebuf_free(msg);
	pair_absorb(p, i, &fx);
}

/* Takes the next message queued for node i (NULL if none). */
static inline struct wirebuf *pair_take(struct pair *p, int i)
{
	struct pair_queue *q = &p->node[i].inbox;

	if (q->head == q->tail)
		return NULL;
	return q->msgs[q->head++ % PAIR_MAX_QUEUE];
}

/* Delivers everything, both ways, until no message is left. */
static inline void pair_run(struct pair *p)
{
	while (pair_deliver(p, 0) || pair_deliver(p, 1))
		;
}

static inline bool pair_is_failed(const struct pair *p, int i)
{
	enum channel_state s = channel_get_state(p->node[i].ch);

	return s == CHANNEL_AWAITING_UNILATERAL || s == CHANNEL_DATA_LOSS
		|| s == CHANNEL_FORGOTTEN;
}

/* Node 0 opens and funds the channel; both reach CHANNEL_NORMAL. */
/* Opens up to both first commitments signed: CHANNEL_AWAITING_LOCKIN. */
static inline bool pair_fund(struct pair *p)
{
	struct channel_effects fx;
	struct channel_id temp;
	struct bitcoin_outpoint funding;

	memset(temp.bytes, 0x77, sizeof(temp.bytes));
	channel_effects_init(&fx);
	if (!channel_open(p->node[0].ch, &fx, &temp, p->opts.funding_sat,
			  p->opts.push_msat, p->opts.feerate_per_kw,
			  p->opts.anchors ? CHANNEL_TYPE_ANCHORS
					  : CHANNEL_TYPE_STATIC_REMOTEKEY,
			  p->opts.is_private ? 0 : 1))
		CHECK_MSG(false, "channel_open: %s", fx.refusal);
	pair_absorb(p, 0, &fx);
	pair_run(p);
	if (!p->node[0].funding_needed)
		return false;
	memset(&funding.txid, 0xf0, sizeof(funding.txid));
	funding.vout = 1;
	channel_effects_init(&fx);
	channel_funding_built(p->node[0].ch, &fx, &funding);
	pair_absorb(p, 0, &fx);
	pair_run(p);
	return channel_get_state(p->node[0].ch) == CHANNEL_AWAITING_LOCKIN
		&& channel_get_state(p->node[1].ch) == CHANNEL_AWAITING_LOCKIN;
}

/* Opens all the way: the funding reaches its depth, CHANNEL_NORMAL. */
static inline bool pair_open(struct pair *p)
{
	struct channel_effects fx;

	if (!pair_fund(p))
		return false;
	for (int i = 0; i < 2; i++) {
		struct short_channel_id scid = { 0x0000640000010001ULL };

		channel_effects_init(&fx);
		channel_funding_depth(p->node[i].ch, &fx, 3, &scid);
		pair_absorb(p, i, &fx);
	}
	pair_run(p);
	return channel_get_state(p->node[0].ch) == CHANNEL_NORMAL
		&& channel_get_state(p->node[1].ch) == CHANNEL_NORMAL;
}

/* The preimage the tests use for HTLC number k, and its hash. */
static inline void pair_preimage(struct preimage *pre, struct sha256 *hash,
				 uint64_t k)
{
	memset(pre->r, 0, sizeof(pre->r));
	for (int b = 0; b < 8; b++)
		pre->r[b] = (uint8_t)(k >> (8 * b));
	pre->r[31] = 0x5a;
	sha256(hash, pre->r, sizeof(pre->r));
}

/* Node i offers amount_msat with the preimage of k.  Returns: whether
 * the engine took it (*id its id). */
static inline bool pair_add_htlc_k(struct pair *p, int i, uint64_t amount_msat,
				   uint64_t k, uint64_t *id)
{
	struct channel_effects fx;
	struct preimage pre;
	struct sha256 hash;
	uint8_t onion[HTLC_ONION_LEN];
	bool ok;

	memset(onion, (int)(k & 0xff), sizeof(onion));
	pair_preimage(&pre, &hash, k);
	channel_effects_init(&fx);
	ok = channel_add_htlc(p->node[i].ch, &fx, id, amount_msat, &hash,
			      500 + (uint32_t)(k % 50), onion, NULL);
	pair_absorb(p, i, &fx);
	return ok;
}

/* One call on node i's channel, absorbed; returns the call's result. */
#define PAIR_CALL(p, i, call, ...)                                           \
	({                                                                   \
		struct channel_effects fx_;                                  \
		int i_ = (i);                                                \
		bool ok_;                                                    \
		channel_effects_init(&fx_);                                  \
		ok_ = call((p)->node[i_].ch, &fx_, ##__VA_ARGS__);           \
		if (pair_tracing())                                          \
			printf("# node %d: %s %s%s\n", i_, #call,            \
			       ok_ ? "ok" : "refused: ",                     \
			       ok_ ? "" : fx_.refusal);                      \
		pair_absorb((p), i_, &fx_);                                  \
		if (pair_tracing())                                          \
			pair_trace_node((p), i_);                            \
		ok_;                                                         \
	})

/* Delivers, and commits whatever either side can, until nothing moves. */
static inline void pair_settle(struct pair *p)
{
	for (int rounds = 0; rounds < 1000; rounds++) {
		bool moved = false;

		pair_run(p);
		for (int i = 0; i < 2; i++) {
			if (channel_can_send_commit(p->node[i].ch)) {
				PAIR_CALL(p, i, channel_send_commit);
				moved = true;
			}
		}
		if (!moved && p->node[0].inbox.head == p->node[0].inbox.tail
		    && p->node[1].inbox.head == p->node[1].inbox.tail)
			return;
	}
	CHECK_MSG(false, "pair_settle did not settle");
}

/* Drops the transport: both sides disconnected, queued messages lost. */
static inline void pair_disconnect(struct pair *p)
{
	p->connected = false;
	for (int i = 0; i < 2; i++) {
		pair_queue_clear(&p->node[i].inbox);
		PAIR_CALL(p, i, channel_disconnected);
	}
}

/* Transport up again: both send channel_reestablish, then deliver all. */
static inline void pair_reconnect(struct pair *p)
{
	p->connected = true;
	for (int i = 0; i < 2; i++)
		PAIR_CALL(p, i, channel_reconnected);
	pair_run(p);
}

/* Counts node i's records of type. */
static inline size_t pair_count(const struct pair *p, int i,
				enum channel_event_type type)
{
	size_t n = 0;

	for (size_t k = 0; k < p->node[i].num_records; k++)
		n += p->node[i].records[k].type == type;
	return n;
}

/* The type of the last message node i sent; 0 if it sent none. */
static inline uint16_t pair_last_sent(const struct pair *p, int i)
{
	const struct pair_node *n = &p->node[i];

	return n->num_sent > 0 ? n->sent_types[n->num_sent - 1] : 0;
}

/* Whether node i sent exactly the num_want message types of want, in
 * order, from its index `from` on; if not, prints what it sent. */
static inline bool pair_sent_exactly(const struct pair *p, int i, size_t from,
				     const uint16_t *want, size_t num_want)
{
	const struct pair_node *n = &p->node[i];
	bool ok = from <= n->num_sent && n->num_sent - from == num_want;

	for (size_t k = 0; ok && k < num_want; k++)
		ok = n->sent_types[from + k] == want[k];
	if (!ok) {
		printf("# node %d sent:", i);
		for (size_t k = from; k < n->num_sent; k++)
			printf(" %s", peer_wire_name(n->sent_types[k]));
		printf("\n");
	}
	return ok;
}

/* Whether both nodes broadcast, and the same transaction. */
static inline bool pair_same_broadcast(const struct pair *p)
{
	struct bitcoin_txid a, b;

	if (!p->node[0].broadcast || !p->node[1].broadcast)
		return false;
	bitcoin_tx_txid(&a, p->node[0].broadcast);
	bitcoin_tx_txid(&b, p->node[1].broadcast);
	return bitcoin_txid_eq(&a, &b);
}

/* Node i offers an HTLC of amount_msat with the preimage of k (*id its
 * id), both commit it, and node i starts the close.  Returns: whether
 * both then wait in CHANNEL_SHUTTING_DOWN for the HTLC to resolve. */
static inline bool pair_shutdown_with_htlc(struct pair *p, int i,
					   uint64_t amount_msat, uint64_t k,
					   uint64_t *id)
{
	if (!pair_add_htlc_k(p, i, amount_msat, k, id))
		return false;
	pair_settle(p);
	if (!PAIR_CALL(p, i, channel_shutdown, NULL, 0))
		return false;
	pair_run(p);
	return channel_get_state(p->node[0].ch) == CHANNEL_SHUTTING_DOWN
		&& channel_get_state(p->node[1].ch) == CHANNEL_SHUTTING_DOWN;
}

/* Checks both nodes agree on both commitments: each one's view of a
 * commitment is the other's, balances and HTLCs add up to the funding,
 * and each node's latest commitment carries valid signatures. */
static inline bool pair_check_agree(struct pair *p)
{
	bool ok = true;

	for (int owner = 0; owner < 2; owner++) {
		struct htlc_view a, b;
		uint64_t total = 0;

		/* Node 0's view of owner's commitment vs node 1's of the same
		 * commitment (sides mirrored). */
		channel_get_view(p->node[0].ch, (enum channel_side)owner, &a);
		channel_get_view(p->node[1].ch, (enum channel_side)(1 - owner),
				 &b);
		ok &= a.balance_msat[0] == b.balance_msat[1]
			&& a.balance_msat[1] == b.balance_msat[0]
			&& a.feerate_per_kw == b.feerate_per_kw
			&& a.num_htlcs == b.num_htlcs;
		for (size_t k = 0; k < a.num_htlcs && ok; k++) {
			bool found = false;

			for (size_t j = 0; j < b.num_htlcs; j++)
				found |= b.htlcs[j].id == a.htlcs[k].id
					&& b.htlcs[j].offerer
						== channel_side_other(a.htlcs[k].offerer)
					&& b.htlcs[j].amount_msat == a.htlcs[k].amount_msat;
			ok &= found;
			total += a.htlcs[k].amount_msat;
		}
		ok &= a.balance_msat[0] >= 0 && a.balance_msat[1] >= 0;
		total += (uint64_t)a.balance_msat[0] + (uint64_t)a.balance_msat[1];
		ok &= total == p->opts.funding_sat * 1000;
		htlc_view_free(&a);
		htlc_view_free(&b);
	}
	for (int i = 0; i < 2; i++) {
		struct bitcoin_tx *tx = channel_signed_commitment(p->node[i].ch);
		uint64_t out = 0;

		ok &= tx != NULL;
		for (size_t k = 0; tx && k < tx->num_outputs; k++)
			out += tx->outputs[k].amount_sat;
		ok &= out <= p->opts.funding_sat;
		bitcoin_tx_free(tx);
	}
	return ok;
}

/* Node 0 (the funder, 16000 sat) offers HTLC *h (3000 sat, hash k = 1)
 * that just fits, and signs it with the peer's five into the peer's next
 * commitment; node 1 keeps that commitment_signed (returned) and the
 * line drops before it is "received".  Then the line is up again. */
static inline struct wirebuf *pair_sign_and_lose_commit(struct pair *p, uint64_t *h)
{
	struct pair_options o;
	struct pair_queue *q;
	struct wirebuf *kept = NULL;
	uint16_t type = 0;
	uint64_t id;

	pair_default_options(&o);
	o.push_msat = 984000000;	/* the funder keeps 16000 sat */
	pair_init(p, &o);
	CHECK(pair_open(p));
	for (uint64_t k = 0; k < 5; k++)
		CHECK(pair_add_htlc_k(p, 1, 5000000, 10 + k, &id));
	CHECK(PAIR_CALL(p, 1, channel_send_commit));
	CHECK(pair_add_htlc_k(p, 0, 3000000, 1, h));
	for (int k = 0; k < 6; k++)
		CHECK(pair_deliver(p, 0));	/* adds, commit: revoke out */
	/* We sign our HTLC (and the peer's five) into its commitment. */
	CHECK(PAIR_CALL(p, 0, channel_send_commit));
	CHECK(pair_deliver(p, 1));		/* our add: fits still */
	CHECK(pair_deliver(p, 1));		/* the revocation */
	q = &p->node[1].inbox;
	CHECK(q->tail - q->head == 1);
	if (q->tail - q->head == 1) {
		kept = q->msgs[q->head++ % PAIR_MAX_QUEUE];
		fromwire_peektype(kept->data, kept->len, &type);
	}
	CHECK(type == WIRE_COMMITMENT_SIGNED);
	if (kept) {
		/* Our signature on a commitment with all six HTLCs, ours too
		 * (none is trimmed at 2500 perkw). */
		struct msg_commitment_signed *cs = NULL;

		CHECK(fromwire_commitment_signed(kept->data, kept->len, &cs)
		      && cs->num_htlcs == 6);
		msg_commitment_signed_free(cs);
	}
	pair_disconnect(p);
	pair_reconnect(p);
	return kept;
}

#endif /* OHM_TESTS_UNIT_CHANNEL_PAIR_H */
