/* The channel engine against a misbehaving peer: every open_channel and
 * accept_channel check, HTLCs over the receiver's limits, bad signatures
 * and revocations, update_fee from the wrong side, and the rest of the
 * receiving-side MUSTs of BOLT #2.  Each violation must fail the channel
 * with an `error` naming the field and, once funds are at stake, hand over
 * our latest commitment for broadcast. */
#include "tests/unit/channel_pair.h"

/* Node i failed the channel, saying something containing what, and sent
 * an `error`. */
static bool failed_with(struct pair *p, int i, const char *what)
{
	const struct pair_node *n = &p->node[i];
	bool ok = n->last_failure && strstr(n->last_failure, what)
		&& pair_last_sent(p, i) == WIRE_ERROR;

	if (!ok)
		printf("# node %d: failure \"%s\", wanted \"%s\"\n", i,
		       n->last_failure ? n->last_failure : "(none)", what);
	return ok;
}

/* A failure after funding broadcasts our latest commitment. */
static bool broadcast_commitment(struct pair *p, int i)
{
	return channel_get_state(p->node[i].ch) == CHANNEL_AWAITING_UNILATERAL
		&& pair_count(p, i, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 1
		&& p->node[i].broadcast != NULL
		&& p->node[i].broadcast->inputs[0].num_witness == 4;
}

/* ---- open_channel ---- */

typedef void (*open_mutation)(struct msg_open_channel *m);

static void bad_chain(struct msg_open_channel *m) { m->chain_hash.bytes[0] ^= 1; }
static void big_funding(struct msg_open_channel *m) { m->funding_satoshis = 1 << 24; }
static void small_funding(struct msg_open_channel *m) { m->funding_satoshis = 10000; m->push_msat = 0; m->channel_reserve_satoshis = 1000; m->dust_limit_satoshis = 546; }
static void big_push(struct msg_open_channel *m) { m->push_msat = m->funding_satoshis * 1000 + 1; }
static void long_delay(struct msg_open_channel *m) { m->to_self_delay = 2017; }
static void many_htlcs(struct msg_open_channel *m) { m->max_accepted_htlcs = 484; }
static void low_feerate(struct msg_open_channel *m) { m->feerate_per_kw = 252; }
static void high_feerate(struct msg_open_channel *m) { m->feerate_per_kw = 50001; }
static void bad_funding_key(struct msg_open_channel *m) { m->funding_pubkey.bytes[0] = 4; }
static void bad_revocation(struct msg_open_channel *m) { m->revocation_basepoint.bytes[0] = 5; }
static void bad_payment(struct msg_open_channel *m) { m->payment_basepoint.bytes[0] = 0; }
static void bad_delayed(struct msg_open_channel *m) { m->delayed_payment_basepoint.bytes[0] = 9; }
static void bad_htlc(struct msg_open_channel *m) { m->htlc_basepoint.bytes[0] = 1; }
static void bad_first_point(struct msg_open_channel *m) { m->first_per_commitment_point.bytes[0] = 7; }
static void dust_over_reserve(struct msg_open_channel *m) { m->dust_limit_satoshis = 10001; m->channel_reserve_satoshis = 10000; }
static void tiny_dust(struct msg_open_channel *m) { m->dust_limit_satoshis = 353; }
static void huge_dust(struct msg_open_channel *m) { m->dust_limit_satoshis = 10001; m->channel_reserve_satoshis = 20000; }
static void huge_reserve(struct msg_open_channel *m) { m->channel_reserve_satoshis = 200001; }
static void no_fee(struct msg_open_channel *m) { m->push_msat = m->funding_satoshis * 1000 - 1000000; }
static void all_in_reserve(struct msg_open_channel *m) { m->funding_satoshis = 25000; m->push_msat = 0; m->channel_reserve_satoshis = 5000; m->feerate_per_kw = 28000; }
static void no_type(struct msg_open_channel *m) { free(m->tlvs->channel_type->type); free(m->tlvs->channel_type); m->tlvs->channel_type = NULL; }
static void zeroconf_type(struct msg_open_channel *m) { free(m->tlvs->channel_type->type); m->tlvs->channel_type->num_type = 7; m->tlvs->channel_type->type = calloc(7, 1); m->tlvs->channel_type->type[0] = 0x04; m->tlvs->channel_type->type[5] = 0x10; }
static void odd_type(struct msg_open_channel *m) { m->tlvs->channel_type->type[0] |= 0x01; }
static void anchors_type(struct msg_open_channel *m) { free(m->tlvs->channel_type->type); m->tlvs->channel_type->num_type = 3; m->tlvs->channel_type->type = calloc(3, 1); m->tlvs->channel_type->type[0] = 0x40; m->tlvs->channel_type->type[1] = 0x10; }
static void bad_upfront(struct msg_open_channel *m) { m->tlvs->upfront_shutdown_script->shutdown_scriptpubkey[1] = 19; }

static const struct {
	open_mutation mutate;
	const char *field;
} open_cases[] = {
	{ bad_chain, "chain_hash" },
	{ big_funding, "funding_satoshis" },
	{ small_funding, "funding_satoshis" },
	{ big_push, "push_msat" },
	{ long_delay, "to_self_delay" },
	{ many_htlcs, "max_accepted_htlcs" },
	{ low_feerate, "feerate_per_kw" },
	{ high_feerate, "feerate_per_kw" },
	{ bad_funding_key, "funding_pubkey" },
	{ bad_revocation, "revocation_basepoint" },
	{ bad_payment, "payment_basepoint" },
	{ bad_delayed, "delayed_payment_basepoint" },
	{ bad_htlc, "htlc_basepoint" },
	{ bad_first_point, "first_per_commitment_point" },
	{ dust_over_reserve, "dust_limit_satoshis" },
	{ tiny_dust, "dust_limit_satoshis" },
	{ huge_dust, "dust_limit_satoshis" },
	{ huge_reserve, "channel_reserve_satoshis" },
	{ no_fee, "fee" },
	{ all_in_reserve, "channel_reserve_satoshis" },
	{ no_type, "channel_type" },
	{ zeroconf_type, "option_zeroconf" },
	{ odd_type, "channel_type" },
	{ anchors_type, "option_anchors" },
	{ bad_upfront, "upfront_shutdown_script" },
};

/* node 0's open_channel, decoded. */
static struct msg_open_channel *captured_open(struct pair *p)
{
	struct channel_id temp;
	struct msg_open_channel *m = NULL;
	struct wirebuf *msg;

	memset(temp.bytes, 0x33, 32);
	CHECK(PAIR_CALL(p, 0, channel_open, &temp, p->opts.funding_sat,
			p->opts.push_msat, p->opts.feerate_per_kw,
			CHANNEL_TYPE_STATIC_REMOTEKEY, 1));
	msg = pair_take(p, 1);
	CHECK(msg && fromwire_open_channel(msg->data, msg->len, &m));
	wirebuf_free(msg);
	return m;
}

static void test_every_open_channel_violation_fails(void)
{
	for (size_t c = 0; c < sizeof(open_cases) / sizeof(open_cases[0]); c++) {
		struct pair_options o;
		struct pair p;
		struct msg_open_channel *m;

		pair_default_options(&o);
		pair_init(&p, &o);
		m = captured_open(&p);
		if (!m) {
			pair_free(&p);
			continue;
		}
		open_cases[c].mutate(m);
		pair_feed(&p, 1, towire_open_channel(m));
		msg_open_channel_free(m);
		CHECK_MSG(failed_with(&p, 1, open_cases[c].field),
			  "case %zu (%s)", c, open_cases[c].field);
		CHECK(channel_get_state(p.node[1].ch) == CHANNEL_FORGOTTEN);
		CHECK(p.node[1].forgotten);
		/* The error names the temporary channel, not all channels. */
		{
			struct wirebuf *err = pair_take(&p, 0);
			struct msg_error *e = NULL;

			CHECK(err && fromwire_error(err->data, err->len, &e));
			CHECK(e && !channel_id_is_all_zero(&e->channel_id));
			msg_error_free(e);
			wirebuf_free(err);
		}
		pair_free(&p);
	}
}

static void test_valid_open_channel_with_anchors_when_allowed(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_open_channel *m;

	pair_default_options(&o);
	pair_init(&p, &o);
	p.node[1].policy.allow_anchors = true;
	channel_set_policy(p.node[1].ch, &p.node[1].policy);
	m = captured_open(&p);
	anchors_type(m);
	pair_feed(&p, 1, towire_open_channel(m));
	msg_open_channel_free(m);
	CHECK(!p.node[1].last_failure);
	CHECK(channel_get_state(p.node[1].ch)
	      == CHANNEL_AWAITING_FUNDING_CREATED);
	pair_free(&p);
}

/* ---- accept_channel ---- */

typedef void (*accept_mutation)(struct msg_accept_channel *m);

static void deep(struct msg_accept_channel *m) { m->minimum_depth = 145; }
static void reserve_below_our_dust(struct msg_accept_channel *m) { m->channel_reserve_satoshis = 545; }
static void dust_above_our_reserve(struct msg_accept_channel *m) { m->dust_limit_satoshis = 10001; m->channel_reserve_satoshis = 20000; }
static void accept_delay(struct msg_accept_channel *m) { m->to_self_delay = 3000; }
static void accept_htlcs(struct msg_accept_channel *m) { m->max_accepted_htlcs = 500; }
static void accept_point(struct msg_accept_channel *m) { m->htlc_basepoint.bytes[0] = 4; }
static void accept_no_type(struct msg_accept_channel *m) { free(m->tlvs->channel_type->type); free(m->tlvs->channel_type); m->tlvs->channel_type = NULL; }
static void accept_tiny_dust(struct msg_accept_channel *m) { m->dust_limit_satoshis = 300; }

static const struct {
	accept_mutation mutate;
	const char *field;
} accept_cases[] = {
	{ deep, "minimum_depth" },
	{ reserve_below_our_dust, "channel_reserve_satoshis" },
	{ dust_above_our_reserve, "dust_limit_satoshis" },
	{ accept_delay, "to_self_delay" },
	{ accept_htlcs, "max_accepted_htlcs" },
	{ accept_point, "htlc_basepoint" },
	{ accept_no_type, "channel_type" },
	{ accept_tiny_dust, "dust_limit_satoshis" },
};

static void test_every_accept_channel_violation_fails(void)
{
	for (size_t c = 0; c < sizeof(accept_cases) / sizeof(accept_cases[0]);
	     c++) {
		struct pair_options o;
		struct pair p;
		struct msg_open_channel *open;
		struct msg_accept_channel *m = NULL;
		struct wirebuf *msg;

		pair_default_options(&o);
		pair_init(&p, &o);
		open = captured_open(&p);
		pair_feed(&p, 1, towire_open_channel(open));
		msg_open_channel_free(open);
		msg = pair_take(&p, 0);
		CHECK(msg && fromwire_accept_channel(msg->data, msg->len, &m));
		wirebuf_free(msg);
		if (!m) {
			pair_free(&p);
			continue;
		}
		accept_cases[c].mutate(m);
		pair_feed(&p, 0, towire_accept_channel(m));
		msg_accept_channel_free(m);
		CHECK_MSG(failed_with(&p, 0, accept_cases[c].field),
			  "case %zu (%s)", c, accept_cases[c].field);
		CHECK(channel_get_state(p.node[0].ch) == CHANNEL_FORGOTTEN);
		CHECK(!p.node[0].funding_needed);
		pair_free(&p);
	}
}

static void test_accept_channel_type_must_match(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_open_channel *open;
	struct msg_accept_channel *m = NULL;
	struct wirebuf *msg;

	pair_default_options(&o);
	pair_init(&p, &o);
	p.node[0].policy.allow_anchors = true;
	channel_set_policy(p.node[0].ch, &p.node[0].policy);
	open = captured_open(&p);
	pair_feed(&p, 1, towire_open_channel(open));
	msg_open_channel_free(open);
	msg = pair_take(&p, 0);
	CHECK(msg && fromwire_accept_channel(msg->data, msg->len, &m));
	wirebuf_free(msg);
	free(m->tlvs->channel_type->type);
	m->tlvs->channel_type->num_type = 3;
	m->tlvs->channel_type->type = calloc(3, 1);
	m->tlvs->channel_type->type[0] = 0x40;
	m->tlvs->channel_type->type[1] = 0x10;
	pair_feed(&p, 0, towire_accept_channel(m));
	msg_accept_channel_free(m);
	CHECK(failed_with(&p, 0, "channel_type"));
	pair_free(&p);
}

/* ---- Funding signatures ---- */

static void test_bad_funding_signatures_fail(void)
{
	struct pair_options o;
	struct pair p;
	struct wirebuf *msg;
	struct bitcoin_outpoint funding;
	struct channel_id temp;

	/* funding_created with a bad signature: the fundee forgets. */
	pair_default_options(&o);
	pair_init(&p, &o);
	memset(temp.bytes, 4, 32);
	CHECK(PAIR_CALL(&p, 0, channel_open, &temp, o.funding_sat, 0, 2500,
			CHANNEL_TYPE_STATIC_REMOTEKEY, 0));
	pair_run(&p);
	memset(&funding, 0x21, sizeof(funding));
	funding.vout = 0;
	CHECK(PAIR_CALL(&p, 0, channel_funding_built, &funding));
	msg = pair_take(&p, 1);
	msg->data[2 + 32 + 32 + 2 + 5] ^= 0x40;
	pair_feed(&p, 1, msg);
	CHECK(failed_with(&p, 1, "funding_created"));
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_FORGOTTEN);
	pair_free(&p);

	/* funding_signed with a bad signature: the funder never broadcasts. */
	pair_init(&p, &o);
	CHECK(PAIR_CALL(&p, 0, channel_open, &temp, o.funding_sat, 0, 2500,
			CHANNEL_TYPE_STATIC_REMOTEKEY, 0));
	pair_run(&p);
	CHECK(PAIR_CALL(&p, 0, channel_funding_built, &funding));
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_LOCKIN);
	pair_free(&p);

	pair_init(&p, &o);
	CHECK(PAIR_CALL(&p, 0, channel_open, &temp, o.funding_sat, 0, 2500,
			CHANNEL_TYPE_STATIC_REMOTEKEY, 0));
	pair_run(&p);
	CHECK(PAIR_CALL(&p, 0, channel_funding_built, &funding));
	CHECK(pair_deliver(&p, 1));
	msg = pair_take(&p, 0);
	msg->data[2 + 32 + 9] ^= 0x01;
	pair_feed(&p, 0, msg);
	CHECK(failed_with(&p, 0, "funding_signed"));
	CHECK(!p.node[0].funding_broadcast);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_FORGOTTEN);
	pair_free(&p);
}

/* ---- commitment_signed and revoke_and_ack ---- */

static void open_with_htlc(struct pair *p, struct pair_options *o)
{
	uint64_t id;

	pair_default_options(o);
	pair_init(p, o);
	CHECK(pair_open(p));
	CHECK(pair_add_htlc_k(p, 0, 40000000, 1, &id));
	pair_settle(p);
	CHECK(pair_add_htlc_k(p, 0, 30000000, 2, &id));
	CHECK(pair_deliver(p, 1));
	CHECK(PAIR_CALL(p, 0, channel_send_commit));
}

static void test_invalid_commitment_signature_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct wirebuf *msg;

	open_with_htlc(&p, &o);
	msg = pair_take(&p, 1);
	msg->data[2 + 32 + 20] ^= 0x08;		/* the commitment signature */
	pair_feed(&p, 1, msg);
	CHECK(failed_with(&p, 1, "commitment_signed"));
	CHECK(broadcast_commitment(&p, 1));
	/* Its error makes the peer fail too (and broadcast its own). */
	pair_run(&p);
	CHECK(broadcast_commitment(&p, 0));
	CHECK(strstr(p.node[0].last_failure, "peer sent error") != NULL);
	pair_free(&p);
}

static void test_invalid_htlc_signature_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct wirebuf *msg;

	open_with_htlc(&p, &o);
	msg = pair_take(&p, 1);
	/* type, channel_id, signature, num_htlcs, then htlc_signature[0]. */
	msg->data[2 + 32 + 64 + 2 + 30] ^= 0x10;
	pair_feed(&p, 1, msg);
	CHECK(failed_with(&p, 1, "htlc_signature"));
	CHECK(broadcast_commitment(&p, 1));
	pair_free(&p);
}

static void test_commitment_signed_without_changes_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct wirebuf *msg;

	open_with_htlc(&p, &o);
	msg = pair_take(&p, 1);
	pair_feed(&p, 1, msg);
	pair_run(&p);
	pair_settle(&p);
	/* The same commitment_signed again: nothing new to sign. */
	{
		struct msg_commitment_signed m;

		memset(&m, 0, sizeof(m));
		m.channel_id = *channel_get_id(p.node[1].ch);
		pair_feed(&p, 1, towire_commitment_signed(&m));
	}
	CHECK(failed_with(&p, 1, "without any updates"));
	CHECK(broadcast_commitment(&p, 1));
	pair_free(&p);
}

static void test_revocation_secret_mismatch_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct wirebuf *msg;

	open_with_htlc(&p, &o);
	CHECK(pair_deliver(&p, 1));	/* commitment_signed; revoke queued */
	msg = pair_take(&p, 0);
	CHECK(msg->len > 2 + 32 + 32);
	/* Another valid secret key: not the revoked commitment's. */
	memset(msg->data + 2 + 32, 0x42, 32);
	pair_feed(&p, 0, msg);
	CHECK(failed_with(&p, 0, "per_commitment_secret"));
	CHECK(broadcast_commitment(&p, 0));
	pair_free(&p);
}

static void test_unexpected_revoke_and_ack_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_revoke_and_ack m;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	memset(&m, 0, sizeof(m));
	m.channel_id = *channel_get_id(p.node[0].ch);
	memset(m.per_commitment_secret, 1, 32);
	m.next_per_commitment_point.bytes[0] = 2;
	pair_feed(&p, 0, towire_revoke_and_ack(&m));
	CHECK(failed_with(&p, 0, "unexpected revoke_and_ack"));
	CHECK(broadcast_commitment(&p, 0));
	pair_free(&p);
}

/* ---- update_add_htlc limits ---- */

/* An update_add_htlc as node from would send it, unchecked. */
static struct wirebuf *raw_add(struct pair *p, int from, uint64_t id,
			       uint64_t amount_msat, uint32_t cltv)
{
	struct msg_update_add_htlc m;
	struct preimage pre;
	struct sha256 hash;

	memset(&m, 0, sizeof(m));
	m.channel_id = *channel_get_id(p->node[from].ch);
	m.id = id;
	m.amount_msat = amount_msat;
	pair_preimage(&pre, &hash, id);
	memcpy(m.payment_hash.bytes, hash.u8, 32);
	m.cltv_expiry = cltv;
	return towire_update_add_htlc(&m);
}

static void test_htlc_below_minimum_fails(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, raw_add(&p, 0, 0, 999, 600));
	CHECK(failed_with(&p, 1, "amount_msat"));
	CHECK(failed_with(&p, 1, "htlc_minimum_msat"));
	CHECK(broadcast_commitment(&p, 1));
	pair_free(&p);

	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, raw_add(&p, 0, 0, 0, 600));
	CHECK(failed_with(&p, 1, "amount_msat"));
	pair_free(&p);
}

static void test_too_many_htlcs_fails(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	for (uint64_t id = 0; id < 30; id++)
		pair_feed(&p, 1, raw_add(&p, 0, id, 1000000, 600));
	CHECK(!p.node[1].last_failure);
	pair_feed(&p, 1, raw_add(&p, 0, 30, 1000000, 600));
	CHECK(failed_with(&p, 1, "max_accepted_htlcs"));
	pair_free(&p);
}

static void test_too_much_in_flight_fails(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	o.config[1].max_htlc_value_in_flight_msat = 100000000;
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, raw_add(&p, 0, 0, 60000000, 600));
	CHECK(!p.node[1].last_failure);
	pair_feed(&p, 1, raw_add(&p, 0, 1, 40000001, 600));
	CHECK(failed_with(&p, 1, "max_htlc_value_in_flight_msat"));
	pair_free(&p);
}

static void test_htlc_breaking_the_reserve_fails(void)
{
	struct pair_options o;
	struct pair p;

	/* The fundee owns 100000 sat and must keep 10000. */
	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 0, raw_add(&p, 1, 0, 90000001, 600));
	CHECK(failed_with(&p, 0, "channel_reserve_satoshis"));
	pair_free(&p);

	/* Exactly down to the reserve is fine. */
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 0, raw_add(&p, 1, 0, 90000000, 600));
	CHECK(!p.node[0].last_failure);
	pair_free(&p);

	/* The funder must also keep the commitment fee. */
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, raw_add(&p, 0, 0, 890000000, 600));
	CHECK(failed_with(&p, 1, "plus fees"));
	pair_free(&p);
}

static void test_our_own_adds_respect_the_same_limits(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(!pair_add_htlc_k(&p, 1, 90000001, 1, &id));
	CHECK(strstr(p.node[1].last_refusal, "channel_reserve") != NULL);
	CHECK(!pair_add_htlc_k(&p, 0, 999, 1, &id));
	CHECK(strstr(p.node[0].last_refusal, "htlc_minimum_msat") != NULL);
	CHECK(!pair_add_htlc_k(&p, 0, 890000000, 1, &id));
	for (int k = 0; k < 30; k++)
		CHECK(pair_add_htlc_k(&p, 0, 1000000, (uint64_t)k, &id));
	CHECK(!pair_add_htlc_k(&p, 0, 1000000, 99, &id));
	CHECK(strstr(p.node[0].last_refusal, "max_accepted_htlcs") != NULL);
	/* Refusals change nothing: the peer takes all 30. */
	pair_settle(&p);
	CHECK(!pair_is_failed(&p, 0) && !pair_is_failed(&p, 1));
	CHECK(channel_get_htlcs(p.node[1].ch)->num == 30);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

static void test_bad_cltv_and_id_fail(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, raw_add(&p, 0, 0, 1000000, 500000000));
	CHECK(failed_with(&p, 1, "cltv_expiry"));
	pair_free(&p);

	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_feed(&p, 1, raw_add(&p, 0, 1, 1000000, 600));
	CHECK(failed_with(&p, 1, "id 1, expected 0"));
	pair_free(&p);
}

static void test_add_after_shutdown_fails(void)
{
	struct pair_options o;
	struct pair p;
	uint64_t id;

	/* With an HTLC in flight, so the close cannot start yet. */
	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 1, 1000000, 1, &id));
	pair_settle(&p);
	CHECK(PAIR_CALL(&p, 0, channel_shutdown, NULL, 0));
	CHECK(pair_deliver(&p, 1));
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_SHUTTING_DOWN);
	pair_feed(&p, 1, raw_add(&p, 0, 0, 1000000, 600));
	CHECK(failed_with(&p, 1, "after shutdown"));
	pair_free(&p);
}

/* ---- Removals ---- */

static void test_bad_removals_fail(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_update_fulfill_htlc f;
	struct msg_update_fail_malformed_htlc mf;
	struct msg_update_fail_htlc fail;

	open_with_htlc(&p, &o);
	pair_settle(&p);
	memset(&f, 0, sizeof(f));
	f.channel_id = *channel_get_id(p.node[0].ch);
	f.id = 0;
	memset(f.payment_preimage, 9, 32);
	pair_feed(&p, 0, towire_update_fulfill_htlc(&f));
	CHECK(failed_with(&p, 0, "payment_preimage"));
	CHECK(broadcast_commitment(&p, 0));
	pair_free(&p);

	open_with_htlc(&p, &o);
	pair_settle(&p);
	memset(&mf, 0, sizeof(mf));
	mf.channel_id = *channel_get_id(p.node[0].ch);
	mf.failure_code = 0x4005;
	pair_feed(&p, 0, towire_update_fail_malformed_htlc(&mf));
	CHECK(failed_with(&p, 0, "BADONION"));
	pair_free(&p);

	open_with_htlc(&p, &o);
	pair_settle(&p);
	memset(&fail, 0, sizeof(fail));
	fail.channel_id = *channel_get_id(p.node[0].ch);
	fail.id = 7;
	pair_feed(&p, 0, towire_update_fail_htlc(&fail));
	CHECK(failed_with(&p, 0, "id 7"));
	pair_free(&p);
}

/* ---- update_fee ---- */

static void test_update_fee_from_fundee_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_update_fee m;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	m.channel_id = *channel_get_id(p.node[1].ch);
	m.feerate_per_kw = 3000;
	pair_feed(&p, 0, towire_update_fee(&m));
	CHECK(failed_with(&p, 0, "not the funder"));
	CHECK(broadcast_commitment(&p, 0));
	pair_free(&p);
}

/* BOLT #2 lets the receiver of a feerate out of its bounds warn and
 * disconnect instead of failing the channel: ohm does. */
static void test_update_fee_out_of_bounds_warns(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_update_fee m;
	const uint32_t rates[] = {100, 150000};

	pair_default_options(&o);
	for (size_t k = 0; k < 2; k++) {
		pair_init(&p, &o);
		CHECK(pair_open(&p));
		m.channel_id = *channel_get_id(p.node[1].ch);
		m.feerate_per_kw = rates[k];
		pair_feed(&p, 1, towire_update_fee(&m));
		CHECK(p.node[1].last_failure == NULL);
		CHECK(pair_last_sent(&p, 1) == WIRE_WARNING);
		CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
		CHECK(!channel_is_connected(p.node[1].ch));
		CHECK(pair_count(&p, 1, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
		/* The funder's update_fee is forgotten with the connection;
		 * after reconnecting the channel works at the old feerate. */
		pair_disconnect(&p);
		pair_reconnect(&p);
		CHECK(channel_is_connected(p.node[0].ch)
		      && channel_is_connected(p.node[1].ch));
		CHECK(PAIR_CALL(&p, 0, channel_update_fee, 3000));
		pair_settle(&p);
		CHECK(pair_check_agree(&p));
		pair_free(&p);
	}
}

/* The engine disconnects as the warning leaves: what the peer sent after
 * it on that connection (a commitment_signed at the refused feerate) is
 * ignored, not taken as a bad signature. */
static void test_update_fee_warning_ignores_the_rest(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	p.node[0].policy.max_feerate_per_kw = 1000000;
	CHECK(pair_open(&p));
	channel_set_policy(p.node[0].ch, &p.node[0].policy);
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, 150000));
	CHECK(PAIR_CALL(&p, 0, channel_send_commit));
	pair_run(&p);
	CHECK(p.node[1].last_failure == NULL);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_NORMAL);
	CHECK(!channel_is_connected(p.node[1].ch));
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
	pair_free(&p);
}

/* What the funder can afford: the highest feerate channel_update_fee
 * takes, keeping the reserve. */
static void test_max_affordable_feerate(void)
{
	struct pair_options o;
	struct pair p;
	uint32_t max;

	pair_default_options(&o);
	o.push_msat = 900000000;
	pair_init(&p, &o);
	p.node[0].policy.max_feerate_per_kw = UINT32_MAX;
	p.node[1].policy.max_feerate_per_kw = UINT32_MAX;
	CHECK(pair_open(&p));
	channel_set_policy(p.node[0].ch, &p.node[0].policy);
	channel_set_policy(p.node[1].ch, &p.node[1].policy);
	CHECK(channel_max_affordable_feerate(p.node[1].ch) == 0);
	max = channel_max_affordable_feerate(p.node[0].ch);
	/* 100000 sat, less the 10000 sat reserve, pays 724 weight units:
	 * 124310 * 724 / 1000 = 89999 sat fits, 124311 would take 90001. */
	CHECK(max == 124310);
	CHECK(PAIR_CALL(&p, 0, channel_update_fee, max));
	CHECK(channel_next_feerate(p.node[0].ch) == max);
	pair_settle(&p);
	CHECK(pair_check_agree(&p));
	pair_free(&p);
}

/* Our policy: no update_fee once a close is under way, from either side. */
static void test_no_update_fee_once_shutting_down(void)
{
	struct pair_options o;
	struct pair p;

	for (int closer = 0; closer < 2; closer++) {
		/* HTLCs in flight keep the channel shutting down. */
		open_with_htlc(&p, &o);
		pair_settle(&p);
		CHECK(PAIR_CALL(&p, closer, channel_shutdown, NULL, 0));
		/* Our own shutdown, even before it left; the peer's, as soon
		 * as it arrived. */
		if (closer == 1)
			pair_feed(&p, 0, pair_take(&p, 0));
		CHECK(!PAIR_CALL(&p, 0, channel_update_fee, 3000));
		CHECK_MSG(p.node[0].last_refusal
			  && strstr(p.node[0].last_refusal, "shutdown"),
			  "closer %d: %s", closer, p.node[0].last_refusal);
		pair_free(&p);
	}
}

static void test_unaffordable_update_fee_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_update_fee m;

	/* The funder pushed nearly everything away. */
	pair_default_options(&o);
	o.push_msat = 985000000;
	pair_init(&p, &o);
	p.node[1].policy.max_feerate_per_kw = 1000000;
	CHECK(pair_open(&p));
	channel_set_policy(p.node[1].ch, &p.node[1].policy);
	m.channel_id = *channel_get_id(p.node[1].ch);
	m.feerate_per_kw = 500000;
	pair_feed(&p, 1, towire_update_fee(&m));
	CHECK(failed_with(&p, 1, "cannot afford"));
	pair_free(&p);
}

/* ---- Reestablish, shutdown, closing ---- */

static void test_bad_reestablish_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_channel_reestablish m;
	uint64_t id;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(pair_add_htlc_k(&p, 0, 40000000, 1, &id));
	pair_settle(&p);
	pair_disconnect(&p);
	p.connected = true;
	PAIR_CALL(&p, 0, channel_reconnected);
	pair_queue_clear(&p.node[1].inbox);
	memset(&m, 0, sizeof(m));
	m.channel_id = *channel_get_id(p.node[0].ch);
	m.next_commitment_number = 2;
	m.next_revocation_number = 1;
	memset(m.your_last_per_commitment_secret, 0x13, 32);
	pair_feed(&p, 0, towire_channel_reestablish(&m));
	CHECK(failed_with(&p, 0, "your_last_per_commitment_secret"));
	CHECK(broadcast_commitment(&p, 0));
	pair_free(&p);

	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_disconnect(&p);
	p.connected = true;
	PAIR_CALL(&p, 0, channel_reconnected);
	memset(&m, 0, sizeof(m));
	m.channel_id = *channel_get_id(p.node[0].ch);
	pair_feed(&p, 0, towire_channel_reestablish(&m));
	CHECK(failed_with(&p, 0, "next_commitment_number is 0"));
	pair_free(&p);
}

static void test_shutdown_violations(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_shutdown m;
	uint8_t script[22];

	/* Not the upfront script it promised. */
	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	pair_script(script, 0x55);
	m.channel_id = *channel_get_id(p.node[1].ch);
	m.len = sizeof(script);
	m.scriptpubkey = script;
	pair_feed(&p, 0, towire_shutdown(&m));
	CHECK(failed_with(&p, 0, "upfront_shutdown_script"));
	pair_free(&p);

	/* Not a shutdown form at all: a warning, and nothing else. */
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	script[0] = 0x76;
	m.channel_id = *channel_get_id(p.node[1].ch);
	pair_feed(&p, 0, towire_shutdown(&m));
	CHECK(!p.node[0].last_failure);
	CHECK(pair_last_sent(&p, 0) == WIRE_WARNING);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_NORMAL);
	/* And our own shutdown must keep our upfront promise. */
	pair_script(script, 0x56);
	CHECK(!PAIR_CALL(&p, 0, channel_shutdown, script, sizeof(script)));
	CHECK(strstr(p.node[0].last_refusal, "upfront") != NULL);
	pair_free(&p);
}

static void test_bad_closing_signature_fails(void)
{
	struct pair_options o;
	struct pair p;
	struct wirebuf *msg;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 1, channel_shutdown, NULL, 0));
	CHECK(pair_deliver(&p, 0));	/* funder replies, sends closing */
	CHECK(pair_deliver(&p, 1));	/* its shutdown */
	msg = pair_take(&p, 1);		/* its closing_signed */
	msg->data[2 + 32 + 8 + 11] ^= 0x02;
	pair_feed(&p, 1, msg);
	CHECK(failed_with(&p, 1, "closing_signed"));
	CHECK(broadcast_commitment(&p, 1));
	pair_free(&p);
}

/* Once the mutual close is agreed, a peer breaking the protocol (here a
 * bad channel_reestablish, found by tests/fuzz/fuzz_channel_message) gets
 * an error, but our commitment is not broadcast against the closing
 * transaction, and the channel stays closed. */
static void test_violation_after_mutual_close_keeps_it_closed(void)
{
	struct pair_options o;
	struct pair p;
	struct msg_channel_reestablish m;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_open(&p));
	CHECK(PAIR_CALL(&p, 1, channel_shutdown, NULL, 0));
	pair_run(&p);
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_CLOSED);
	pair_disconnect(&p);
	p.connected = true;
	PAIR_CALL(&p, 0, channel_reconnected);
	memset(&m, 0, sizeof(m));
	m.channel_id = *channel_get_id(p.node[0].ch);
	m.next_commitment_number = 7;
	m.next_revocation_number = 1;
	memset(m.your_last_per_commitment_secret, 0x13, 32);
	pair_feed(&p, 0, towire_channel_reestablish(&m));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_CLOSED);
	CHECK(pair_count(&p, 0, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
	CHECK(pair_last_sent(&p, 0) == WIRE_ERROR);
	pair_free(&p);
}

/* BOLT #2: a fundee that never sees the funding transaction forgets the
 * channel; nothing of it is broadcast, since it spends nothing real. */
static void test_fundee_forgets_an_unfunded_channel(void)
{
	struct pair_options o;
	struct pair p;

	pair_default_options(&o);
	pair_init(&p, &o);
	CHECK(pair_fund(&p));
	CHECK(!PAIR_CALL(&p, 0, channel_forget_unfunded, "no funding"));
	CHECK(channel_get_state(p.node[0].ch) == CHANNEL_AWAITING_LOCKIN);
	CHECK(PAIR_CALL(&p, 1, channel_forget_unfunded, "funding not seen in 2016 blocks"));
	CHECK(channel_get_state(p.node[1].ch) == CHANNEL_FORGOTTEN);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_FORGET) == 1);
	CHECK(pair_count(&p, 1, CHANNEL_EVENT_COMMITMENT_BROADCAST) == 0);
	CHECK(pair_last_sent(&p, 1) == WIRE_ERROR);
	pair_free(&p);
}

int main(void)
{
	RUN(test_violation_after_mutual_close_keeps_it_closed);
	RUN(test_fundee_forgets_an_unfunded_channel);
	RUN(test_every_open_channel_violation_fails);
	RUN(test_valid_open_channel_with_anchors_when_allowed);
	RUN(test_every_accept_channel_violation_fails);
	RUN(test_accept_channel_type_must_match);
	RUN(test_bad_funding_signatures_fail);
	RUN(test_invalid_commitment_signature_fails);
	RUN(test_invalid_htlc_signature_fails);
	RUN(test_commitment_signed_without_changes_fails);
	RUN(test_revocation_secret_mismatch_fails);
	RUN(test_unexpected_revoke_and_ack_fails);
	RUN(test_htlc_below_minimum_fails);
	RUN(test_too_many_htlcs_fails);
	RUN(test_too_much_in_flight_fails);
	RUN(test_htlc_breaking_the_reserve_fails);
	RUN(test_our_own_adds_respect_the_same_limits);
	RUN(test_bad_cltv_and_id_fail);
	RUN(test_add_after_shutdown_fails);
	RUN(test_bad_removals_fail);
	RUN(test_update_fee_from_fundee_fails);
	RUN(test_update_fee_out_of_bounds_warns);
	RUN(test_update_fee_warning_ignores_the_rest);
	RUN(test_max_affordable_feerate);
	RUN(test_no_update_fee_once_shutting_down);
	RUN(test_unaffordable_update_fee_fails);
	RUN(test_bad_reestablish_fails);
	RUN(test_shutdown_violations);
	RUN(test_bad_closing_signature_fails);
	return test_done();
}
