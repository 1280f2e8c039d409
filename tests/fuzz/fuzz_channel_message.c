/* Fuzz target: the BOLT #2 channel engine (channel/state.h) fed what a
 * peer sends, in every phase of a channel's life.
 *
 * At the first call two engines run a fixed scenario against each other
 * (tests/unit/channel_pair.h): opening, HTLCs both ways, update_fee, a
 * commitment_signed lost with the connection, a node restarted from a
 * stale snapshot, shutdown with HTLCs in flight, a closing_signed lost
 * too; then again with anchors and option_simple_close.  A
 * *scene* is one node's snapshot at some point of that run plus its
 * *script*: every message it then received and every daemon call made on
 * it, in order.  Replaying a script on the snapshot repeats the run
 * exactly (the engine is deterministic), so an edit to one of its
 * messages reaches the checks behind a valid signature.
 *
 * Input: byte 0 picks the scene (modulo their number), whose snapshot is
 * restored; then, until the input ends, records of
 *   - 0x00..0x7f k: replay script step k (modulo its length), then 4
 *     bytes edit it: u16 pos, u8 kind, u8 value (see edit_message; a
 *     daemon call's edits are in replay(), one of them makes it any
 *     other call);
 *   - 0x80..0xff: a raw message, u16 length then that many bytes.
 *
 * After every call: a refusal changed nothing; a failure left the channel
 * failed (AWAITING_UNILATERAL, FORGOTTEN or DATA_LOSS), sent an `error`
 * and, once funds are committed, handed over our commitment; the snapshot
 * in fx is the channel as it is, and nothing changed without one; the
 * channel survives channel_serialize / channel_deserialize byte for byte;
 * both commitments' balances are non-negative and, with the HTLCs, add up
 * to the funding; a finished channel stays finished; our commitment
 * number never goes back; what we send decodes; HTLC events name real
 * HTLCs and fulfilled ones the right preimage.
 *
 * OHM_FUZZ_TRACE=1 prints every step; OHM_FUZZ_SCENES=1 prints each
 * scene's script as a seed that replays it whole (for fuzz_seeds[]). */
#include "tests/unit/channel_pair.h"

#include "crypto/hash.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* The peer's error or warning (type, channel_id, len, "oops"): for
	 * this channel, for every channel (all zero), before funding, once
	 * failed; and an error with no text. */
	{"02" "80" "0028" "0011"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f1" "0004" "6f6f7073"},
	{"03" "80" "0028" "0001"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f1" "0004" "6f6f7073" "0000000001"},
	{"06" "80" "0028" "0011"
	 "00000000000000000000000000000000"
	 "00000000000000000000000000000000" "0004" "6f6f7073"},
	{"00" "0000000001" "80" "0028" "0011"
	 "77777777777777777777777777777777"
	 "77777777777777777777777777777777" "0004" "6f6f7073"},
	{"07" "0000000001" "0100000001" "0200000001" "80" "0028" "0011"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f1" "0004" "6f6f7073"},
	{"02" "80" "0024" "0011"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	 "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f1" "0000"},
	/* normal_funder: adds an HTLC and a fee update, then (a call step made
	 * another call, edit kind 6) loses the connection before signing
	 * them, and reconnects: what was not signed is undone. */
	{"03" "0100000001" "0200000001" "0000000609" "000000060a"},
	/* Replays, each step with an edit that does nothing (kind 0).  Print
	 * them again with OHM_FUZZ_SCENES=1 if the scenario changes. */
	/* fundee_new: 4 steps */
	{"00" "0000000001" "0100000001" "0200000001" "0300000001"},
	/* funder_opened: 5 steps */
	{"01" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"},
	/* normal_fundee: 10 steps */
	{"02" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"
	 "0500000001" "0600000001" "0700000001" "0800000001" "0900000001"},
	/* normal_funder: 11 steps */
	{"03" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"
	 "0500000001" "0600000001" "0700000001" "0800000001" "0900000001"
	 "0a00000001"},
	/* mid_commit_funder: 4 steps */
	{"04" "0000000001" "0100000001" "0200000001" "0300000001"},
	/* reestablish_fundee: 5 steps */
	{"05" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"},
	/* reestablish_funder: 3 steps */
	{"06" "0000000001" "0100000001" "0200000001"},
	/* stale_funder: 3 steps */
	{"07" "0000000001" "0100000001" "0200000001"},
	/* shutdown_fundee: 12 steps */
	{"08" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"
	 "0500000001" "0600000001" "0700000001" "0800000001" "0900000001"
	 "0a00000001" "0b00000001"},
	/* shutdown_funder: 12 steps */
	{"09" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"
	 "0500000001" "0600000001" "0700000001" "0800000001" "0900000001"
	 "0a00000001" "0b00000001"},
	/* closed_fundee: 3 steps */
	{"0a" "0000000001" "0100000001" "0200000001"},
	/* closing_funder: 3 steps */
	{"0b" "0000000001" "0100000001" "0200000001"},
	/* anchors_fundee: 13 steps */
	{"0c" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"
	 "0500000001" "0600000001" "0700000001" "0800000001" "0900000001"
	 "0a00000001" "0b00000001" "0c00000001"},
	/* anchors_funder: 11 steps */
	{"0d" "0000000001" "0100000001" "0200000001" "0300000001" "0400000001"
	 "0500000001" "0600000001" "0700000001" "0800000001" "0900000001"
	 "0a00000001"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

/* An input signs and verifies commitments, so the driver (driver.c) runs
 * fewer of them than for a parser, unless OHM_FUZZ_ITERATIONS says. */
static void __attribute__((constructor)) default_iterations(void)
{
	setenv("OHM_FUZZ_ITERATIONS", "8000", 0);
}

/* Bounds the work one input can ask for. */
#define MAX_CALLS 40
#define MAX_STEPS 64

enum step_kind {
	STEP_MESSAGE,		/* channel_handle_message(msg) */
	STEP_FUNDING_BUILT,	/* vout a */
	STEP_FUNDING_DEPTH,	/* depth a */
	STEP_SEND_COMMIT,
	STEP_ADD_HTLC,		/* amount_msat a, pair_preimage() index b */
	STEP_FULFILL,		/* id a, pair_preimage() index b */
	STEP_FAIL,		/* id a */
	STEP_FAIL_MALFORMED,	/* id a */
	STEP_UPDATE_FEE,	/* feerate_per_kw a */
	STEP_SHUTDOWN,
	STEP_DISCONNECTED,
	STEP_RECONNECTED,
};

static const char *const step_names[] = {
	"message", "funding_built", "funding_depth", "send_commit", "add_htlc",
	"fulfill", "fail", "fail_malformed", "update_fee", "shutdown",
	"disconnected", "reconnected",
};

struct step {
	enum step_kind kind;
	uint64_t a, b;
	uint8_t *msg;		/* STEP_MESSAGE */
	size_t len;
};

enum scene_id {
	SCENE_FUNDEE_NEW,	/* AWAITING_OPEN */
	SCENE_FUNDER_OPENED,	/* AWAITING_ACCEPT */
	SCENE_NORMAL_FUNDEE,	/* NORMAL, HTLCs both ways */
	SCENE_NORMAL_FUNDER,
	SCENE_MID_COMMIT_FUNDER, /* commitment_signed sent, no revoke yet */
	SCENE_REESTABLISH_FUNDEE, /* reconnected, our reestablish sent */
	SCENE_REESTABLISH_FUNDER,
	SCENE_STALE_FUNDER,	/* restarted from an old snapshot */
	SCENE_SHUTDOWN_FUNDEE,	/* NORMAL with HTLCs, to shutdown and closing */
	SCENE_SHUTDOWN_FUNDER,
	SCENE_CLOSED_FUNDEE,	/* CLOSED, reconnected to a peer that is not */
	SCENE_CLOSING_FUNDER,	/* reconnected while negotiating the fee */
	SCENE_ANCHORS_FUNDEE,	/* NORMAL, option_anchors, to a close */
	SCENE_ANCHORS_FUNDER,
	NUM_SCENES
};

static const char *const scene_names[NUM_SCENES] = {
	"fundee_new", "funder_opened", "normal_fundee", "normal_funder",
	"mid_commit_funder", "reestablish_fundee", "reestablish_funder",
	"stale_funder", "shutdown_fundee", "shutdown_funder", "closed_fundee",
	"closing_funder", "anchors_fundee", "anchors_funder",
};

struct scene {
	int node;		/* which pair node it follows */
	bool recording;
	uint8_t *snapshot;
	size_t snapshot_len;
	struct channel_secrets secrets;
	struct channel_policy policy;
	struct step steps[MAX_STEPS];
	size_t num_steps;
};

/* Built once, at the first call, and kept for the whole run. */
static struct scene scenes[NUM_SCENES];
static secp256k1_context *fuzz_ctx;
static bool tracing;

/* ---- Steps: the daemon calls a script may replay ---- */

/* Applies a step other than a message, as the scenario first did. */
static bool apply_call(struct channel *ch, struct channel_effects *fx,
		       const struct step *st)
{
	struct bitcoin_outpoint funding;
	struct short_channel_id scid = { 0x0000640000010001ULL };
	struct preimage pre;
	struct sha256 hash;
	uint8_t onion[HTLC_ONION_LEN], reason[32];
	uint64_t id;

	switch (st->kind) {
	case STEP_MESSAGE:
		break;
	case STEP_FUNDING_BUILT:
		memset(&funding.txid, 0xf0, sizeof(funding.txid));
		funding.vout = (uint32_t)st->a;
		return channel_funding_built(ch, fx, &funding);
	case STEP_FUNDING_DEPTH:
		return channel_funding_depth(ch, fx, (uint32_t)st->a, &scid);
	case STEP_SEND_COMMIT:
		return channel_send_commit(ch, fx);
	case STEP_ADD_HTLC:
		pair_preimage(&pre, &hash, st->b);
		memset(onion, (int)(st->b & 0xff), sizeof(onion));
		return channel_add_htlc(ch, fx, &id, st->a, &hash,
					500 + (uint32_t)(st->b % 50), onion,
					NULL);
	case STEP_FULFILL:
		pair_preimage(&pre, &hash, st->b);
		return channel_fulfill_htlc(ch, fx, st->a, &pre);
	case STEP_FAIL:
		memset(reason, 0x42, sizeof(reason));
		return channel_fail_htlc(ch, fx, st->a, reason, sizeof(reason));
	case STEP_FAIL_MALFORMED:
		memset(&hash, 0x43, sizeof(hash));
		return channel_fail_malformed_htlc(ch, fx, st->a, &hash, 0xc005);
	case STEP_UPDATE_FEE:
		return channel_update_fee(ch, fx, (uint32_t)st->a);
	case STEP_SHUTDOWN:
		return channel_shutdown(ch, fx, NULL, 0);
	case STEP_DISCONNECTED:
		return channel_disconnected(ch, fx);
	case STEP_RECONNECTED:
		return channel_reconnected(ch, fx);
	}
	abort();
}

/* ---- Building the scenes ---- */

static void scene_add(struct scene *s, const struct step *st)
{
	struct step *copy;

	if (s->num_steps == MAX_STEPS)
		return;
	copy = &s->steps[s->num_steps++];
	*copy = *st;
	copy->msg = wire_memdup(st->msg, st->len);
}

/* Starts following node i from its current state. */
static void scene_begin(struct pair *p, enum scene_id id, int i)
{
	struct scene *s = &scenes[id];
	struct wirebuf *buf = wirebuf_new();

	channel_serialize(buf, p->node[i].ch);
	s->snapshot = wirebuf_take(buf, &s->snapshot_len);
	s->node = i;
	s->secrets = p->node[i].secrets;
	s->policy = p->node[i].policy;
	s->recording = true;
}

static void scene_end(enum scene_id id)
{
	scenes[id].recording = false;
}

/* Adds st to the script of every scene following node i. */
static void record(int i, const struct step *st)
{
	for (size_t k = 0; k < NUM_SCENES; k++)
		if (scenes[k].recording && scenes[k].node == i)
			scene_add(&scenes[k], st);
}

/* A daemon call on node i, recorded. */
static void call(struct pair *p, int i, enum step_kind kind, uint64_t a,
		 uint64_t b)
{
	struct step st = { kind, a, b, NULL, 0 };
	struct channel_effects fx;

	record(i, &st);
	channel_effects_init(&fx);
	apply_call(p->node[i].ch, &fx, &st);
	pair_absorb(p, i, &fx);
}

/* pair_deliver, recording the message. */
static bool deliver(struct pair *p, int i)
{
	struct pair_queue *q = &p->node[i].inbox;

	if (q->head != q->tail) {
		const struct wirebuf *msg = q->msgs[q->head % PAIR_MAX_QUEUE];
		struct step st = { STEP_MESSAGE, 0, 0, msg->data, msg->len };

		record(i, &st);
	}
	return pair_deliver(p, i);
}

/* pair_settle, recording; stops early once node watch (if not -1) is
 * in state until. */
static void settle_until(struct pair *p, int watch, enum channel_state until)
{
	for (int rounds = 0; rounds < 100; rounds++) {
		bool moved = false;

		for (;;) {
			if (watch >= 0
			    && channel_get_state(p->node[watch].ch) == until)
				return;
			if (!deliver(p, 0) && !deliver(p, 1))
				break;
		}
		for (int i = 0; i < 2; i++) {
			if (channel_can_send_commit(p->node[i].ch)) {
				call(p, i, STEP_SEND_COMMIT, 0, 0);
				moved = true;
			}
		}
		if (!moved)
			return;
	}
}

static void settle(struct pair *p)
{
	settle_until(p, -1, CHANNEL_NORMAL);
}

static void require_state(struct pair *p, int i, enum channel_state state)
{
	if (channel_get_state(p->node[i].ch) != state) {
		fprintf(stderr, "scenario: node %d is %s, not %s\n", i,
			channel_state_name(channel_get_state(p->node[i].ch)),
			channel_state_name(state));
		abort();
	}
}

/* Drops the transport (and what was in flight) and brings it back: both
 * sides have sent channel_reestablish, not yet delivered. */
static void bounce(struct pair *p)
{
	pair_disconnect(p);
	p->connected = true;
	for (int i = 0; i < 2; i++)
		PAIR_CALL(p, i, channel_reconnected);
}

/* The main run: every scene but the anchors ones. */
static void build_main(struct pair *p)
{
	struct pair_options o;
	struct channel_id temp;
	struct pair_queue *q;
	struct step st;

	pair_default_options(&o);
	pair_init(p, &o);
	scene_begin(p, SCENE_FUNDEE_NEW, 1);
	memset(temp.bytes, 0x77, sizeof(temp.bytes));
	PAIR_CALL(p, 0, channel_open, &temp, o.funding_sat, o.push_msat,
		  o.feerate_per_kw, CHANNEL_TYPE_STATIC_REMOTEKEY, 1);
	scene_begin(p, SCENE_FUNDER_OPENED, 0);
	settle(p);
	call(p, 0, STEP_FUNDING_BUILT, 1, 0);
	settle(p);
	call(p, 0, STEP_FUNDING_DEPTH, 3, 0);
	call(p, 1, STEP_FUNDING_DEPTH, 3, 0);
	settle(p);
	scene_end(SCENE_FUNDEE_NEW);
	scene_end(SCENE_FUNDER_OPENED);
	require_state(p, 0, CHANNEL_NORMAL);
	require_state(p, 1, CHANNEL_NORMAL);
	/* Offered by node 0: ids 0, 1, 2; by node 1: id 0. */
	call(p, 0, STEP_ADD_HTLC, 20000000, 1);
	call(p, 0, STEP_ADD_HTLC, 30000000, 2);
	call(p, 0, STEP_ADD_HTLC, 4000000, 6);
	call(p, 1, STEP_ADD_HTLC, 10000000, 3);
	settle(p);

	/* Removals both ways, new HTLCs both ways (node 0: id 3, node 1:
	 * id 1), a fee update. */
	scene_begin(p, SCENE_NORMAL_FUNDEE, 1);
	scene_begin(p, SCENE_NORMAL_FUNDER, 0);
	/* Node 0 as it is now will meet node 1 after all that, below. */
	scene_begin(p, SCENE_STALE_FUNDER, 0);
	scene_end(SCENE_STALE_FUNDER);
	call(p, 1, STEP_FULFILL, 0, 1);
	call(p, 1, STEP_FAIL_MALFORMED, 2, 0);
	call(p, 0, STEP_FAIL, 0, 0);
	call(p, 0, STEP_ADD_HTLC, 5000000, 4);
	call(p, 0, STEP_UPDATE_FEE, 3000, 0);
	call(p, 1, STEP_ADD_HTLC, 7000000, 5);
	while (deliver(p, 0) || deliver(p, 1))
		;
	call(p, 0, STEP_SEND_COMMIT, 0, 0);
	scene_begin(p, SCENE_MID_COMMIT_FUNDER, 0);
	settle(p);
	scene_end(SCENE_NORMAL_FUNDEE);
	scene_end(SCENE_NORMAL_FUNDER);
	scene_end(SCENE_MID_COMMIT_FUNDER);

	/* Node 0's new HTLC (id 4) and the commitment_signed carrying it are
	 * lost with the connection. */
	call(p, 0, STEP_ADD_HTLC, 3000000, 7);
	call(p, 0, STEP_SEND_COMMIT, 0, 0);
	bounce(p);
	scene_begin(p, SCENE_REESTABLISH_FUNDEE, 1);
	scene_begin(p, SCENE_REESTABLISH_FUNDER, 0);
	/* The stale node 0 restarts and gets node 1's channel_reestablish:
	 * it must see it lost state. */
	st = (struct step){ STEP_DISCONNECTED, 0, 0, NULL, 0 };
	scene_add(&scenes[SCENE_STALE_FUNDER], &st);
	st.kind = STEP_RECONNECTED;
	scene_add(&scenes[SCENE_STALE_FUNDER], &st);
	q = &p->node[0].inbox;
	if (q->head == q->tail)
		abort();
	st.kind = STEP_MESSAGE;
	st.msg = q->msgs[q->head % PAIR_MAX_QUEUE]->data;
	st.len = q->msgs[q->head % PAIR_MAX_QUEUE]->len;
	scene_add(&scenes[SCENE_STALE_FUNDER], &st);
	settle(p);
	scene_end(SCENE_REESTABLISH_FUNDEE);
	scene_end(SCENE_REESTABLISH_FUNDER);

	/* Shutdown with HTLCs left (node 0's ids 1, 3, 4; node 1's id 1),
	 * drained, then closing_signed until node 1 agrees; its
	 * closing_signed is lost with the connection. */
	scene_begin(p, SCENE_SHUTDOWN_FUNDEE, 1);
	scene_begin(p, SCENE_SHUTDOWN_FUNDER, 0);
	call(p, 0, STEP_SHUTDOWN, 0, 0);
	while (deliver(p, 1) || deliver(p, 0))
		;
	require_state(p, 0, CHANNEL_SHUTTING_DOWN);
	require_state(p, 1, CHANNEL_SHUTTING_DOWN);
	call(p, 1, STEP_FULFILL, 1, 2);
	call(p, 1, STEP_FULFILL, 3, 4);
	call(p, 1, STEP_FAIL, 4, 0);
	call(p, 0, STEP_FULFILL, 1, 5);
	settle_until(p, 1, CHANNEL_CLOSED);
	scene_end(SCENE_SHUTDOWN_FUNDEE);
	scene_end(SCENE_SHUTDOWN_FUNDER);
	require_state(p, 0, CHANNEL_NEGOTIATING_CLOSE);
	require_state(p, 1, CHANNEL_CLOSED);

	/* Node 0 negotiates again; node 1 repeats what it agreed to. */
	bounce(p);
	scene_begin(p, SCENE_CLOSED_FUNDEE, 1);
	scene_begin(p, SCENE_CLOSING_FUNDER, 0);
	settle(p);
	scene_end(SCENE_CLOSED_FUNDEE);
	scene_end(SCENE_CLOSING_FUNDER);
	require_state(p, 0, CHANNEL_CLOSED);
}

/* Again with option_anchors: HTLCs in flight both ways, removed, an
 * update_fee, and a mutual close with option_simple_close (each side's
 * closing_complete and closing_sig). */
static void build_anchors(struct pair *p)
{
	struct pair_options o;

	pair_default_options(&o);
	o.anchors = true;
	o.simple_close = true;
	o.seed = 2;
	pair_init(p, &o);
	if (!pair_open(p))
		require_state(p, 0, CHANNEL_NORMAL);
	call(p, 0, STEP_ADD_HTLC, 15000000, 11);
	call(p, 1, STEP_ADD_HTLC, 9000000, 12);
	settle(p);
	p->node[1].policy.min_feerate_per_kw = 2000;
	channel_set_policy(p->node[1].ch, &p->node[1].policy);
	scene_begin(p, SCENE_ANCHORS_FUNDEE, 1);
	scene_begin(p, SCENE_ANCHORS_FUNDER, 0);
	call(p, 1, STEP_FULFILL, 0, 11);
	call(p, 0, STEP_FAIL, 0, 0);
	call(p, 0, STEP_UPDATE_FEE, 4000, 0);
	settle(p);
	call(p, 1, STEP_SHUTDOWN, 0, 0);
	settle(p);
	scene_end(SCENE_ANCHORS_FUNDEE);
	scene_end(SCENE_ANCHORS_FUNDER);
	require_state(p, 0, CHANNEL_CLOSED);
	require_state(p, 1, CHANNEL_CLOSED);
}

/* Prints each scene's script as a seed replaying it whole. */
static void print_scenes(void)
{
	for (size_t k = 0; k < NUM_SCENES; k++) {
		printf("\t/* %s: %zu steps */\n\t{\"%02zx\"", scene_names[k],
		       scenes[k].num_steps, k);
		for (size_t i = 0; i < scenes[k].num_steps; i++)
			printf("%s\"%02zx00000001\"",
			       i && i % 5 == 0 ? "\n\t " : " ", i);
		printf("},\n");
	}
}

static void build_scenes(void)
{
	struct pair *p = wire_calloc(1, sizeof(*p));

	tracing = getenv("OHM_FUZZ_TRACE") != NULL;
	fuzz_ctx = keys_context_new();
	build_main(p);
	pair_free(p);
	build_anchors(p);
	pair_free(p);
	free(p);
	/* channel_pair.h's own checks (each snapshot restores exactly). */
	FUZZ_CHECK(!test_case_failed);
	for (size_t k = 0; k < NUM_SCENES; k++) {
		if (!scenes[k].snapshot || !scenes[k].num_steps) {
			fprintf(stderr, "scenario: scene %s is empty\n",
				scene_names[k]);
			abort();
		}
	}
	if (getenv("OHM_FUZZ_SCENES"))
		print_scenes();
}

/* ---- Replaying, with the checks ---- */

static uint8_t *serialize(const struct channel *ch, size_t *len)
{
	struct wirebuf *buf = wirebuf_new();

	channel_serialize(buf, ch);
	return wirebuf_take(buf, len);
}

static bool same_bytes(const uint8_t *a, size_t a_len, const uint8_t *b,
		       size_t b_len)
{
	return a_len == b_len && memcmp(a, b, a_len) == 0;
}

static bool is_failed(enum channel_state state)
{
	return state == CHANNEL_AWAITING_UNILATERAL
		|| state == CHANNEL_DATA_LOSS || state == CHANNEL_FORGOTTEN;
}

static bool is_finished(enum channel_state state)
{
	return is_failed(state) || state == CHANNEL_CLOSED;
}

/* Snapshots already shown to restore exactly, by a 64-bit hash: inputs
 * replay the same states over and over, and restoring (which derives our
 * keys again) would be most of the work.  A collision would only skip a
 * check. */
#define RESTORED_SLOTS 16384
static uint64_t restored_hashes[RESTORED_SLOTS];
static size_t num_restored;

static uint64_t hash_bytes(uint64_t h, const void *bytes, size_t len)
{
	const uint8_t *p = bytes;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t word = 0;

		memcpy(&word, p + i, len - i < 8 ? len - i : 8);
		h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

/* Whether s's channel serialized as blob was seen before; remembers it. */
static bool seen_before(const struct scene *s, const uint8_t *blob,
			size_t len)
{
	uint64_t hash = hash_bytes(hash_bytes(len, &s->secrets,
					      sizeof(s->secrets)),
				   blob, len);
	size_t slot;

	if (!hash)
		hash = 1;
	if (num_restored >= RESTORED_SLOTS / 2) {
		memset(restored_hashes, 0, sizeof(restored_hashes));
		num_restored = 0;
	}
	for (slot = hash % RESTORED_SLOTS; restored_hashes[slot];
	     slot = (slot + 1) % RESTORED_SLOTS)
		if (restored_hashes[slot] == hash)
			return true;
	restored_hashes[slot] = hash;
	num_restored++;
	return false;
}

/* channel_deserialize(blob) serializes to blob again. */
static void check_restores(const struct scene *s, const uint8_t *blob,
			   size_t len)
{
	struct channel *again;
	uint8_t *restored;
	size_t restored_len;
	const char *err = NULL;

	if (seen_before(s, blob, len))
		return;
	again = channel_deserialize(fuzz_ctx, blob, len, &s->secrets,
				    &s->policy, &err);
	FUZZ_CHECK(again != NULL);
	restored = serialize(again, &restored_len);
	FUZZ_CHECK(same_bytes(blob, len, restored, restored_len));
	channel_free(again);
	free(restored);
}

/* Whether the peer could decode what we send: a known message, well
 * formed. */
static bool decodes(const uint8_t *msg, size_t len)
{
	uint16_t type;

#define DECODES(name)                                                        \
	do {                                                                 \
		struct msg_##name *m_;                                       \
		if (!fromwire_##name(msg, len, &m_))                         \
			return false;                                        \
		msg_##name##_free(m_);                                       \
		return true;                                                 \
	} while (0)

	if (!fromwire_peektype(msg, len, &type))
		return false;
	switch ((enum peer_wire)type) {
	case WIRE_WARNING:
		DECODES(warning);
	case WIRE_ERROR:
		DECODES(error);
	case WIRE_OPEN_CHANNEL:
		DECODES(open_channel);
	case WIRE_ACCEPT_CHANNEL:
		DECODES(accept_channel);
	case WIRE_FUNDING_CREATED:
		DECODES(funding_created);
	case WIRE_FUNDING_SIGNED:
		DECODES(funding_signed);
	case WIRE_CHANNEL_READY:
		DECODES(channel_ready);
	case WIRE_SHUTDOWN:
		DECODES(shutdown);
	case WIRE_CLOSING_SIGNED:
		DECODES(closing_signed);
	case WIRE_CLOSING_COMPLETE:
		DECODES(closing_complete);
	case WIRE_CLOSING_SIG:
		DECODES(closing_sig);
	case WIRE_UPDATE_ADD_HTLC:
		DECODES(update_add_htlc);
	case WIRE_UPDATE_FULFILL_HTLC:
		DECODES(update_fulfill_htlc);
	case WIRE_UPDATE_FAIL_HTLC:
		DECODES(update_fail_htlc);
	case WIRE_UPDATE_FAIL_MALFORMED_HTLC:
		DECODES(update_fail_malformed_htlc);
	case WIRE_COMMITMENT_SIGNED:
		DECODES(commitment_signed);
	case WIRE_REVOKE_AND_ACK:
		DECODES(revoke_and_ack);
	case WIRE_UPDATE_FEE:
		DECODES(update_fee);
	case WIRE_CHANNEL_REESTABLISH:
		DECODES(channel_reestablish);
	case WIRE_CHANNEL_UPDATE:
		DECODES(channel_update);
	case WIRE_INIT:
	case WIRE_PING:
	case WIRE_PONG:
	case WIRE_CHANNEL_ANNOUNCEMENT:
	case WIRE_NODE_ANNOUNCEMENT:
	case WIRE_ANNOUNCEMENT_SIGNATURES:
	case WIRE_QUERY_SHORT_CHANNEL_IDS:
	case WIRE_REPLY_SHORT_CHANNEL_IDS_END:
	case WIRE_QUERY_CHANNEL_RANGE:
	case WIRE_REPLY_CHANNEL_RANGE:
	case WIRE_GOSSIP_TIMESTAMP_FILTER:
		break;
	}
#undef DECODES
	return false;
}

static bool has_event(const struct channel_effects *fx,
		      enum channel_event_type type)
{
	for (size_t k = 0; k < fx->num_events; k++)
		if (fx->events[k].type == type)
			return true;
	return false;
}

/* Both commitments: balances not negative, and with the HTLCs they add up
 * to the funding. */
static void check_views(const struct channel *ch)
{
	uint64_t funding_msat = channel_get_params(ch)->funding_sat * 1000;

	for (int owner = 0; owner < CHANNEL_NUM_SIDES; owner++) {
		struct htlc_view view;
		uint64_t total;

		channel_get_view(ch, (enum channel_side)owner, &view);
		FUZZ_CHECK(view.balance_msat[CHANNEL_LOCAL] >= 0);
		FUZZ_CHECK(view.balance_msat[CHANNEL_REMOTE] >= 0);
		total = (uint64_t)view.balance_msat[CHANNEL_LOCAL]
			+ (uint64_t)view.balance_msat[CHANNEL_REMOTE];
		for (size_t k = 0; k < view.num_htlcs; k++) {
			FUZZ_CHECK(view.htlcs[k].amount_msat <= funding_msat);
			total += view.htlcs[k].amount_msat;
		}
		FUZZ_CHECK(total == funding_msat);
		htlc_view_free(&view);
	}
}

/* What the daemon would act on makes sense. */
static void check_events(const struct channel *ch,
			 const struct channel_effects *fx)
{
	for (size_t k = 0; k < fx->num_events; k++) {
		const struct channel_event *ev = &fx->events[k];
		const struct htlc *htlc;
		struct sha256 hash;

		switch (ev->type) {
		case CHANNEL_EVENT_HTLC_ADDED:
			htlc = channel_find_htlc(ch, CHANNEL_REMOTE, ev->htlc_id);
			FUZZ_CHECK(ev->offerer == CHANNEL_REMOTE && htlc);
			FUZZ_CHECK(htlc->h.amount_msat == ev->amount_msat);
			FUZZ_CHECK(memcmp(&htlc->h.payment_hash,
					  &ev->payment_hash, sizeof(hash)) == 0);
			break;
		case CHANNEL_EVENT_HTLC_FULFILLED:
			sha256(&hash, ev->preimage.r, sizeof(ev->preimage.r));
			FUZZ_CHECK(ev->offerer == CHANNEL_LOCAL);
			FUZZ_CHECK(memcmp(&hash, &ev->payment_hash,
					  sizeof(hash)) == 0);
			break;
		case CHANNEL_EVENT_HTLC_FAILED:
			FUZZ_CHECK(ev->offerer == CHANNEL_LOCAL);
			break;
		case CHANNEL_EVENT_HTLC_WITHDRAWN:
			/* Withdrawn: its id is free for the next HTLC. */
			FUZZ_CHECK(ev->offerer == CHANNEL_LOCAL
				   && ev->withdrawn_key != 0);
			FUZZ_CHECK(!channel_find_htlc(ch, CHANNEL_LOCAL,
						      ev->htlc_id));
			break;
		case CHANNEL_EVENT_CLOSE_BROADCAST:
		case CHANNEL_EVENT_COMMITMENT_BROADCAST:
			FUZZ_CHECK(ev->tx != NULL);
			break;
		case CHANNEL_EVENT_ANNOUNCED:
			FUZZ_CHECK(ev->announcement != NULL);
			break;
		case CHANNEL_EVENT_FUNDING_NEEDED:
		case CHANNEL_EVENT_FUNDING_BROADCAST:
		case CHANNEL_EVENT_NORMAL:
		case CHANNEL_EVENT_FORGET:
			break;
		}
	}
}

/* One call (a message if st is NULL) on ch, then every check. */
static void run_step(const struct scene *s, struct channel *ch,
		     const struct step *st, const uint8_t *msg, size_t len)
{
	enum channel_state old_state = channel_get_state(ch), state;
	uint64_t old_local = channel_commitment_number(ch, CHANNEL_LOCAL);
	struct channel_effects fx;
	uint8_t *before, *after;
	size_t before_len, after_len;
	uint16_t type = 0;
	bool ok;

	before = serialize(ch, &before_len);
	channel_effects_init(&fx);
	if (!st) {
		fromwire_peektype(msg, len, &type);
		ok = channel_handle_message(ch, &fx, msg, len);
	} else {
		ok = apply_call(ch, &fx, st);
	}
	state = channel_get_state(ch);
	if (tracing)
		fprintf(stderr, "# %s: %s -> %s%s%s\n",
			st ? step_names[st->kind] : peer_wire_name(type),
			channel_state_name(old_state), channel_state_name(state),
			fx.failure ? ", failed: " : fx.refusal ? ", refused: " : "",
			fx.failure ? fx.failure : fx.refusal ? fx.refusal : "");

	/* A refusal changes nothing; anything else that changes the channel
	 * hands over a snapshot of it as it is now. */
	after = serialize(ch, &after_len);
	FUZZ_CHECK(ok == (fx.refusal == NULL));
	if (!ok)
		FUZZ_CHECK(!fx.snapshot && !fx.num_msgs && !fx.num_events
			   && !fx.failure);
	if (fx.snapshot)
		FUZZ_CHECK(same_bytes(fx.snapshot, fx.snapshot_len, after,
				      after_len));
	else
		FUZZ_CHECK(same_bytes(before, before_len, after, after_len));
	check_restores(s, after, after_len);
	free(before);
	free(after);

	/* A failure fails the channel (a mutually closed one stays closed),
	 * says so to the peer (unless it was the peer's error) and, once
	 * funds are committed, hands over our commitment. */
	if (fx.failure) {
		FUZZ_CHECK(is_failed(state) || state == CHANNEL_CLOSED);
		if (type != WIRE_ERROR) {
			uint16_t last = 0;

			FUZZ_CHECK(fx.num_msgs > 0);
			fromwire_peektype(fx.msgs[fx.num_msgs - 1]->data,
					  fx.msgs[fx.num_msgs - 1]->len, &last);
			FUZZ_CHECK(last == WIRE_ERROR);
		}
		if (state == CHANNEL_AWAITING_UNILATERAL)
			FUZZ_CHECK(has_event(&fx,
					     CHANNEL_EVENT_COMMITMENT_BROADCAST));
		if (state == CHANNEL_FORGOTTEN)
			FUZZ_CHECK(has_event(&fx, CHANNEL_EVENT_FORGET));
	}
	if ((state == CHANNEL_AWAITING_UNILATERAL || state == CHANNEL_DATA_LOSS)
	    && !is_failed(old_state))
		FUZZ_CHECK(fx.failure != NULL);
	FUZZ_CHECK(!is_finished(old_state) || is_finished(state));
	/* A mutual close, once agreed, is never replaced by our commitment. */
	FUZZ_CHECK(old_state != CHANNEL_CLOSED || state == CHANNEL_CLOSED);
	FUZZ_CHECK(channel_commitment_number(ch, CHANNEL_LOCAL) >= old_local);
	for (size_t k = 0; k < fx.num_msgs; k++)
		FUZZ_CHECK(decodes(fx.msgs[k]->data, fx.msgs[k]->len));
	check_events(ch, &fx);
	check_views(ch);
	channel_effects_clear(&fx);
}

/* Edits a replayed message in place (msg has room for one more byte).
 * e is u16 pos (modulo the length), u8 kind, u8 value; kind % 8 is
 *   0 nothing, 1 XOR value into byte pos, 2 set it to value,
 *   3 truncate to pos bytes, 4 insert value before byte pos,
 *   5 add value (signed) to the big-endian integer ending at byte pos,
 *   6 delete byte pos, 7 XOR value into the 32 bytes from pos (a key, a
 *   signature, a hash).
 * Returns: the new length. */
static size_t edit_message(uint8_t *msg, size_t len, const uint8_t e[4])
{
	size_t pos = ((size_t)e[0] << 8 | e[1]) % (len ? len : 1);
	uint8_t value = e[3];
	int carry;

	if (!len)
		return 0;
	switch (e[2] % 8) {
	case 1:
		msg[pos] ^= value;
		break;
	case 2:
		msg[pos] = value;
		break;
	case 3:
		return pos;
	case 4:
		memmove(msg + pos + 1, msg + pos, len - pos);
		msg[pos] = value;
		return len + 1;
	case 5:
		carry = (int8_t)value;
		for (size_t i = pos + 1; i-- > 0 && pos - i < 8 && carry;) {
			int v = msg[i] + carry;

			msg[i] = (uint8_t)(v & 0xff);
			carry = (v - (v & 0xff)) / 256;
		}
		break;
	case 6:
		memmove(msg + pos, msg + pos + 1, len - pos - 1);
		return len - 1;
	case 7:
		for (size_t i = pos; i < len && i < pos + 32; i++)
			msg[i] ^= value;
		break;
	}
	return len;
}

/* Replays step st of s on ch, edited by e.  A daemon call's argument a
 * changes for kinds 1 and 5, b for kind 7; kind 6 makes it another call
 * (value picks which), so any call happens at any point of any scene
 * with a call in its script: an HTLC added, then the connection lost
 * before it is signed, say. */
static void replay(const struct scene *s, struct channel *ch,
		   const struct step *st, const uint8_t e[4])
{
	struct step call_step = *st;
	uint8_t *msg;
	size_t len;

	if (st->kind != STEP_MESSAGE) {
		if (e[2] % 8 == 1)
			call_step.a ^= e[3];
		else if (e[2] % 8 == 5)
			call_step.a += (uint64_t)(int64_t)(int8_t)e[3];
		else if (e[2] % 8 == 6)
			call_step.kind = (enum step_kind)(STEP_MESSAGE + 1
							  + e[3] % STEP_RECONNECTED);
		else if (e[2] % 8 == 7)
			call_step.b ^= e[3];
		run_step(s, ch, &call_step, NULL, 0);
		return;
	}
	msg = wire_calloc(st->len + 1, 1);
	memcpy(msg, st->msg, st->len);
	len = edit_message(msg, st->len, e);
	run_step(s, ch, NULL, msg, len);
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct scene *s;
	struct channel *ch;
	const char *err = NULL;
	size_t at = 1;

	if (!fuzz_ctx)
		build_scenes();
	if (size == 0)
		return 0;
	s = &scenes[data[0] % NUM_SCENES];
	ch = channel_deserialize(fuzz_ctx, s->snapshot, s->snapshot_len,
				 &s->secrets, &s->policy, &err);
	FUZZ_CHECK(ch != NULL);
	if (tracing)
		fprintf(stderr, "# scene %s\n", scene_names[data[0] % NUM_SCENES]);
	for (int calls = 0; at < size && calls < MAX_CALLS; calls++) {
		uint8_t op = data[at++];

		if (op < 0x80) {
			uint8_t e[4] = { 0 };

			for (size_t k = 0; k < 4 && at < size; k++)
				e[k] = data[at++];
			replay(s, ch, &s->steps[op % s->num_steps], e);
		} else {
			size_t len = 0;

			if (size - at >= 2)
				len = (size_t)data[at] << 8 | data[at + 1];
			at += size - at >= 2 ? 2 : size - at;
			if (len > size - at)
				len = size - at;
			run_step(s, ch, NULL, data + at, len);
			at += len;
		}
	}
	channel_free(ch);
	return 0;
}
