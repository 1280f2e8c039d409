/* gossip/query: the query messages we answer and the replies we check,
 * split to fit, as BOLT #7's requirements for each say. */
#include <string.h>

#include "gossip/encoding.h"
#include "gossip/query.h"
#include "tests/unit/gossip_helpers.h"
#include "tests/unit/test.h"
#include "tests/unit/vectors.h"

static bool is(struct gossip_verdict v, enum gossip_action action, const char *reason)
{
	bool ok = v.action == action
		&& (reason ? v.reason && strcmp(v.reason, reason) == 0 : v.reason == NULL);

	if (!ok)
		printf("# verdict %d \"%s\", expected %d \"%s\"\n", v.action,
		       v.reason ? v.reason : "(null)", action, reason ? reason : "(null)");
	return ok;
}

static struct short_channel_id scid(uint32_t block, uint32_t tx)
{
	struct short_channel_id s;

	short_channel_id_from_parts(&s, block, tx, 0);
	return s;
}

static struct msg_query_channel_range query(uint32_t first, uint32_t num, uint64_t options,
					    struct tlv_query_channel_range_tlvs *tlvs,
					    struct tlv_query_channel_range_tlvs_query_option *opt)
{
	struct msg_query_channel_range q;

	memset(&q, 0, sizeof(q));
	memset(tlvs, 0, sizeof(*tlvs));
	q.chain_hash = gossip_test_chain;
	q.first_blocknum = first;
	q.number_of_blocks = num;
	if (options) {
		opt->query_option_flags = options;
		tlvs->query_option = opt;
		q.tlvs = tlvs;
	}
	return q;
}

static struct range_query range_query_of(const struct msg_query_channel_range *q)
{
	struct range_query rq;

	memset(&rq, 0, sizeof(rq));
	rq.chain_hash = q->chain_hash;
	rq.first_blocknum = q->first_blocknum;
	rq.number_of_blocks = q->number_of_blocks;
	return rq;
}

static void free_msgs(struct wirebuf **msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wirebuf_free(msgs[i]);
	free(msgs);
}

static void test_query_channel_range_check(void)
{
	json_t *root = vectors_load("bolt07-extended-queries.json");
	size_t len;
	uint8_t *raw = hex_to_bytes(json_str(json_array_get(json_object_get(root, "tests"), 1), "hex"),
				    &len);
	struct msg_query_channel_range *q = NULL;

	CHECK(is(gossip_query_channel_range_check(raw, len, &q), GOSSIP_ACCEPT, NULL));
	CHECK(q && q->first_blocknum == 35000 && q->number_of_blocks == 100
	      && q->tlvs && q->tlvs->query_option
	      && q->tlvs->query_option->query_option_flags == 3);
	msg_query_channel_range_free(q);
	CHECK(is(gossip_query_channel_range_check(raw, len - 1, &q), GOSSIP_CLOSE,
		 "malformed query_channel_range"));
	free(raw);
	json_decref(root);
}

/* No channels: one reply, covering the query, complete. */
static void test_reply_channel_range_empty(void)
{
	struct tlv_query_channel_range_tlvs tlvs;
	struct tlv_query_channel_range_tlvs_query_option opt;
	struct msg_query_channel_range q = query(1000, 500, 0, &tlvs, &opt);
	size_t n = 0;
	struct wirebuf **msgs = gossip_reply_channel_range(&q, NULL, 0, &n);
	struct msg_reply_channel_range *r = NULL;

	CHECK(n == 1);
	CHECK(fromwire_reply_channel_range(msgs[0]->data, msgs[0]->len, &r));
	CHECK(r && r->first_blocknum == 1000 && r->number_of_blocks == 500 && r->sync_complete == 1);
	CHECK(r && r->len == 1 && r->encoded_short_ids[0] == 0 && (!r->tlvs || !r->tlvs->timestamps_tlv));
	msg_reply_channel_range_free(r);
	free_msgs(msgs, n);
	/* number_of_blocks 0 still gets a reply past first_blocknum. */
	q.number_of_blocks = 0;
	msgs = gossip_reply_channel_range(&q, NULL, 0, &n);
	CHECK(fromwire_reply_channel_range(msgs[0]->data, msgs[0]->len, &r));
	CHECK(r && r->number_of_blocks == 1);
	msg_reply_channel_range_free(r);
	free_msgs(msgs, n);
}

/* Many channels, timestamps and checksums: split into replies under
 * 65535 bytes that, read back through our own reply check, give every
 * channel in order and end the query; a block too big for one reply is
 * split, in both. */
static void test_reply_channel_range_split(void)
{
	enum { NUM = 10000 };
	struct tlv_query_channel_range_tlvs tlvs;
	struct tlv_query_channel_range_tlvs_query_option opt;
	struct msg_query_channel_range q = query(600000, 10000, QUERY_OPTION_TIMESTAMPS
						 | QUERY_OPTION_CHECKSUMS, &tlvs, &opt);
	struct graph_range_entry *e = calloc(NUM, sizeof(e[0]));
	struct range_query rq = range_query_of(&q);
	size_t n = 0, got = 0;
	struct wirebuf **msgs;
	bool in_order = true, sizes_ok = true;
	uint32_t prev_first = 0;

	/* 3 channels a block, but block 601000 has 4000. */
	for (size_t i = 0, block = 600001; i < NUM; block++) {
		size_t k = block == 601000 ? 4000 : 3;

		for (size_t t = 0; t < k && i < NUM; t++, i++) {
			e[i].scid = scid((uint32_t)block, (uint32_t)t);
			e[i].timestamp[0] = (uint32_t)i;
			e[i].timestamp[1] = (uint32_t)i + 1;
			e[i].checksum[0] = (uint32_t)i * 3;
			e[i].checksum[1] = (uint32_t)i * 5;
		}
	}
	msgs = gossip_reply_channel_range(&q, e, NUM, &n);
	CHECK(n >= 4);
	for (size_t m = 0; m < n; m++) {
		struct range_reply r;
		struct msg_reply_channel_range *raw = NULL;

		sizes_ok &= msgs[m]->len <= WIRE_MAX_MESSAGE_LEN;
		CHECK(fromwire_reply_channel_range(msgs[m]->data, msgs[m]->len, &raw));
		if (!raw)
			break;
		/* BOLT #7: sync_complete false unless final; successive
		 * first_blocknum not decreasing. */
		CHECK(raw->sync_complete == (m == n - 1));
		CHECK(raw->first_blocknum >= prev_first);
		prev_first = raw->first_blocknum;
		if (m == 0)
			CHECK(raw->first_blocknum <= 600000
			      && raw->first_blocknum + raw->number_of_blocks > 600000);
		msg_reply_channel_range_free(raw);
		CHECK(!rq.is_done);
		CHECK(is(gossip_reply_channel_range_check(&rq, msgs[m]->data, msgs[m]->len, &r),
			 GOSSIP_ACCEPT, NULL));
		CHECK(r.timestamps && r.checksums);
		for (size_t i = 0; i < r.num && got < NUM; i++, got++) {
			uint32_t block = short_channel_id_block(&r.scids[i]);
			struct msg_reply_channel_range *hdr = NULL;

			in_order &= r.scids[i].u64 == e[got].scid.u64
				&& r.timestamps[i].timestamp_node_id_2 == e[got].timestamp[1]
				&& r.checksums[i].checksum_node_id_1 == e[got].checksum[0];
			/* Each channel inside its reply's blocks. */
			if (fromwire_reply_channel_range(msgs[m]->data, msgs[m]->len, &hdr)) {
				in_order &= block >= hdr->first_blocknum
					&& block < (uint64_t)hdr->first_blocknum + hdr->number_of_blocks;
				msg_reply_channel_range_free(hdr);
			}
		}
		range_reply_clear(&r);
	}
	CHECK(sizes_ok && in_order && got == NUM);
	CHECK(rq.is_done);
	/* BOLT #7: the final reply reaches the end of the query. */
	{
		struct msg_reply_channel_range *last = NULL;

		CHECK(fromwire_reply_channel_range(msgs[n - 1]->data, msgs[n - 1]->len, &last));
		CHECK(last && (uint64_t)last->first_blocknum + last->number_of_blocks >= 610000);
		msg_reply_channel_range_free(last);
	}
	/* And one more is one too many. */
	{
		struct range_reply r;

		CHECK(is(gossip_reply_channel_range_check(&rq, msgs[0]->data, msgs[0]->len, &r),
			 GOSSIP_WARN, "reply_channel_range after the final one"));
	}
	free_msgs(msgs, n);
	free(e);
}

static struct wirebuf *reply_bytes(uint32_t first, uint32_t num, const struct short_channel_id *ids,
				   size_t n, size_t num_timestamps, uint8_t chain_byte)
{
	struct msg_reply_channel_range r;
	struct tlv_reply_channel_range_tlvs tlvs;
	struct subtype_channel_update_timestamps ts[8];
	struct wirebuf *enc = gossip_encode_scids(ids, n), *out;

	memset(&r, 0, sizeof(r));
	memset(&tlvs, 0, sizeof(tlvs));
	memset(ts, 0, sizeof(ts));
	r.chain_hash = gossip_test_chain;
	r.chain_hash.bytes[0] ^= chain_byte;
	r.first_blocknum = first;
	r.number_of_blocks = num;
	r.sync_complete = 1;
	r.len = (uint16_t)enc->len;
	r.encoded_short_ids = enc->data;
	if (num_timestamps) {
		tlvs.timestamps_tlv = gossip_encode_timestamps(ts, num_timestamps);
		r.tlvs = &tlvs;
	}
	out = towire_reply_channel_range(&r);
	gossip_timestamps_free(tlvs.timestamps_tlv);
	wirebuf_free(enc);
	return out;
}

/* Replies to our query that break BOLT #7's rules. */
static void test_reply_channel_range_refused(void)
{
	struct tlv_query_channel_range_tlvs tlvs;
	struct tlv_query_channel_range_tlvs_query_option opt;
	struct msg_query_channel_range q = query(1000, 100, 0, &tlvs, &opt);
	struct short_channel_id ids[2] = { scid(1000, 1), scid(1050, 1) };
	struct range_query rq = range_query_of(&q);
	struct range_reply r;
	struct wirebuf *w;

	w = reply_bytes(1000, 100, ids, 2, 0, 1);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_WARN,
		 "reply_channel_range for another chain"));
	wirebuf_free(w);
	w = reply_bytes(1001, 100, ids, 2, 0, 0);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_WARN,
		 "first reply_channel_range starts after the query"));
	wirebuf_free(w);
	w = reply_bytes(900, 100, ids, 2, 0, 0);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_WARN,
		 "reply_channel_range outside the query's blocks"));
	wirebuf_free(w);
	w = reply_bytes(1000, 100, ids, 2, 1, 0);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_WARN,
		 "reply_channel_range timestamps do not match its short_channel_ids"));
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len - 1, &r), GOSSIP_CLOSE,
		 "malformed reply_channel_range"));
	wirebuf_free(w);
	/* A first reply for part of the range, then one going back. */
	w = reply_bytes(990, 40, ids, 1, 1, 0);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_ACCEPT, NULL));
	CHECK(r.num == 1 && r.timestamps && !r.checksums && !rq.is_done);
	range_reply_clear(&r);
	wirebuf_free(w);
	w = reply_bytes(980, 200, ids, 0, 0, 0);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_WARN,
		 "reply_channel_range goes back"));
	wirebuf_free(w);
	w = reply_bytes(1030, 70, ids + 1, 1, 0, 0);
	CHECK(is(gossip_reply_channel_range_check(&rq, w->data, w->len, &r), GOSSIP_ACCEPT, NULL));
	CHECK(rq.is_done && r.num == 1 && !r.timestamps);
	range_reply_clear(&r);
	wirebuf_free(w);
	/* The zlib-encoded vector: refused. */
	{
		json_t *root = vectors_load("bolt07-extended-queries.json");
		size_t len;
		uint8_t *raw = hex_to_bytes(json_str(json_array_get(json_object_get(root, "tests"), 3),
						     "hex"), &len);
		struct range_query rq2;

		memset(&rq2, 0, sizeof(rq2));
		hex_to_array(rq2.chain_hash.bytes, 32,
			     "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
		rq2.first_blocknum = 1600;
		rq2.number_of_blocks = 110;
		CHECK(is(gossip_reply_channel_range_check(&rq2, raw, len, &r), GOSSIP_WARN,
			 "zlib encoding (type 1) must not be used"));
		free(raw);
		json_decref(root);
	}
}

static void test_query_flags_for(void)
{
	struct graph_channel ours;
	struct subtype_channel_update_timestamps ts = { 100, 200 };
	struct subtype_channel_update_checksums cs = { 7, 8 };

	CHECK(gossip_query_flags_for(NULL, NULL, NULL) == 31);
	memset(&ours, 0, sizeof(ours));
	CHECK(gossip_query_flags_for(&ours, NULL, NULL) == 0);
	/* We have no updates: theirs are news. */
	CHECK(gossip_query_flags_for(&ours, &ts, NULL)
	      == (QUERY_FLAG_CHANNEL_UPDATE_1 | QUERY_FLAG_CHANNEL_UPDATE_2));
	ours.dir[0].has_update = ours.dir[1].has_update = true;
	ours.dir[0].timestamp = 100;
	ours.dir[1].timestamp = 150;
	ours.dir[1].checksum = 9;
	CHECK(gossip_query_flags_for(&ours, &ts, NULL) == QUERY_FLAG_CHANNEL_UPDATE_2);
	CHECK(gossip_query_flags_for(&ours, &ts, &cs) == QUERY_FLAG_CHANNEL_UPDATE_2);
	/* Newer, but the same parameters. */
	ours.dir[1].checksum = 8;
	CHECK(gossip_query_flags_for(&ours, &ts, &cs) == 0);
	/* Theirs 0: no update of that direction. */
	ts.timestamp_node_id_2 = 0;
	ours.dir[1].has_update = false;
	CHECK(gossip_query_flags_for(&ours, &ts, &cs) == 0);
}

static void test_query_short_channel_ids_check(void)
{
	json_t *root = vectors_load("bolt07-extended-queries.json");
	json_t *tests = json_object_get(root, "tests");
	struct chain_hash chain;
	struct short_channel_id *ids = NULL;
	uint64_t *flags = NULL;
	size_t num = 0, len;
	uint8_t *raw;

	/* Uncompressed, no flags. */
	raw = hex_to_bytes(json_str(json_array_get(tests, 6), "hex"), &len);
	CHECK(is(gossip_query_short_channel_ids_check(raw, len, &chain, &ids, &flags, &num),
		 GOSSIP_ACCEPT, NULL));
	CHECK(num == 3 && flags == NULL && ids && short_channel_id_outnum(&ids[0]) == 142);
	free(ids);
	/* Cut short, the message itself is malformed. */
	CHECK(is(gossip_query_short_channel_ids_check(raw, len - 1, &chain, &ids, &flags, &num),
		 GOSSIP_CLOSE, "malformed query_short_channel_ids"));
	free(raw);
	{
		uint8_t partial[] = { 0, 1, 2, 3 };
		struct msg_query_short_channel_ids m = { gossip_test_chain, 4, partial, NULL };
		struct wirebuf *w = towire_query_short_channel_ids(&m);

		CHECK(is(gossip_query_short_channel_ids_check(w->data, w->len, &chain, &ids, &flags,
							      &num), GOSSIP_WARN,
			 "encoded_short_ids is not a whole number of short_channel_ids"));
		wirebuf_free(w);
	}
	/* zlib short ids. */
	raw = hex_to_bytes(json_str(json_array_get(tests, 7), "hex"), &len);
	CHECK(is(gossip_query_short_channel_ids_check(raw, len, &chain, &ids, &flags, &num),
		 GOSSIP_WARN, "zlib encoding (type 1) must not be used"));
	free(raw);
	/* Uncompressed ids, zlib flags. */
	raw = hex_to_bytes(json_str(json_array_get(tests, 8), "hex"), &len);
	CHECK(is(gossip_query_short_channel_ids_check(raw, len, &chain, &ids, &flags, &num),
		 GOSSIP_WARN, "zlib encoding (type 1) must not be used"));
	free(raw);
	json_decref(root);
	/* Our own: flags must be one per id. */
	{
		struct short_channel_id q[2] = { scid(1, 1), scid(2, 2) };
		uint64_t f[2] = { 1, 6 };
		struct wirebuf *enc = gossip_encode_scids(q, 2), *w;
		struct msg_query_short_channel_ids m;
		struct tlv_query_short_channel_ids_tlvs tlvs;

		memset(&m, 0, sizeof(m));
		memset(&tlvs, 0, sizeof(tlvs));
		m.chain_hash = gossip_test_chain;
		m.len = (uint16_t)enc->len;
		m.encoded_short_ids = enc->data;
		tlvs.query_flags = gossip_encode_query_flags(f, 2);
		m.tlvs = &tlvs;
		w = towire_query_short_channel_ids(&m);
		CHECK(is(gossip_query_short_channel_ids_check(w->data, w->len, &chain, &ids, &flags,
							      &num), GOSSIP_ACCEPT, NULL));
		CHECK(num == 2 && flags && flags[0] == 1 && flags[1] == 6);
		CHECK(memcmp(&chain, &gossip_test_chain, sizeof(chain)) == 0);
		free(ids);
		free(flags);
		wirebuf_free(w);
		gossip_query_flags_free(tlvs.query_flags);
		tlvs.query_flags = gossip_encode_query_flags(f, 1);
		w = towire_query_short_channel_ids(&m);
		CHECK(is(gossip_query_short_channel_ids_check(w->data, w->len, &chain, &ids, &flags,
							      &num), GOSSIP_WARN,
			 "encoded_query_flags does not have one flag per short_channel_id"));
		wirebuf_free(w);
		gossip_query_flags_free(tlvs.query_flags);
		wirebuf_free(enc);
	}
}

static void test_timestamp_filter(void)
{
	struct msg_gossip_timestamp_filter m = { gossip_test_chain, 1000, 100 };
	struct wirebuf *w = towire_gossip_timestamp_filter(&m);
	struct gossip_filter f;

	CHECK(is(gossip_timestamp_filter_check(&gossip_test_chain, w->data, w->len, &f),
		 GOSSIP_ACCEPT, NULL));
	CHECK(f.first_timestamp == 1000 && f.timestamp_range == 100);
	CHECK(!gossip_filter_passes(&f, 999) && gossip_filter_passes(&f, 1000)
	      && gossip_filter_passes(&f, 1099) && !gossip_filter_passes(&f, 1100));
	CHECK(is(gossip_timestamp_filter_check(&gossip_test_chain, w->data, w->len - 1, &f),
		 GOSSIP_CLOSE, "malformed gossip_timestamp_filter"));
	wirebuf_free(w);
	m.chain_hash.bytes[3] ^= 1;
	w = towire_gossip_timestamp_filter(&m);
	CHECK(is(gossip_timestamp_filter_check(&gossip_test_chain, w->data, w->len, &f),
		 GOSSIP_IGNORE, "gossip_timestamp_filter for another chain"));
	wirebuf_free(w);
	/* BOLT #7: "first_timestamp to 0xFFFFFFFF and timestamp_range to 0":
	 * nothing passes; a range past 2^32 does not wrap. */
	f.first_timestamp = 0xFFFFFFFF;
	f.timestamp_range = 0;
	CHECK(!gossip_filter_passes(&f, 0xFFFFFFFF) && !gossip_filter_passes(&f, 0));
	f.first_timestamp = 0xFFFFFFF0;
	f.timestamp_range = 0xFFFFFFFF;
	CHECK(gossip_filter_passes(&f, 0xFFFFFFFF) && !gossip_filter_passes(&f, 5));
}

/* A query whose range runs past block 2^32 - 1 (first_blocknum 1 and
 * number_of_blocks 0xFFFFFFFF, say): no reply can reach its end in 32
 * bits, so the reply reaching block 2^32 - 1 ends it.  (Found by
 * fuzz_gossip: our own replies never ended our own check.) */
static void test_reply_channel_range_to_the_end(void)
{
	struct tlv_query_channel_range_tlvs tlvs;
	struct tlv_query_channel_range_tlvs_query_option opt;
	struct msg_query_channel_range q = query(1, UINT32_MAX, 0, &tlvs, &opt);
	struct range_query rq = range_query_of(&q);
	struct graph_range_entry e = { scid(5, 5), { 0, 0 }, { 0, 0 } };
	struct msg_reply_channel_range *r = NULL;
	struct range_reply got;
	size_t n = 0;
	struct wirebuf **msgs = gossip_reply_channel_range(&q, &e, 1, &n);

	CHECK(n == 1 && fromwire_reply_channel_range(msgs[0]->data, msgs[0]->len, &r));
	CHECK(r && r->first_blocknum == 1 && r->number_of_blocks == UINT32_MAX - 1);
	msg_reply_channel_range_free(r);
	CHECK(is(gossip_reply_channel_range_check(&rq, msgs[0]->data, msgs[0]->len, &got),
		 GOSSIP_ACCEPT, NULL));
	CHECK(rq.is_done && got.num == 1);
	range_reply_clear(&got);
	free_msgs(msgs, n);
}

/* A query from block 2^32 - 1 (the last), running past it: the reply
 * covers that block (number_of_blocks 1, not 0) and ends the query.
 * (Found by fuzz_gossip under libFuzzer.) */
static void test_reply_channel_range_last_block(void)
{
	struct tlv_query_channel_range_tlvs tlvs;
	struct tlv_query_channel_range_tlvs_query_option opt;
	struct msg_query_channel_range q = query(UINT32_MAX, 0xffff0103, 0, &tlvs, &opt);
	struct range_query rq = range_query_of(&q);
	struct msg_reply_channel_range *r = NULL;
	struct range_reply got;
	size_t n = 0;
	struct wirebuf **msgs = gossip_reply_channel_range(&q, NULL, 0, &n);

	CHECK(n == 1 && fromwire_reply_channel_range(msgs[0]->data, msgs[0]->len, &r));
	CHECK(r && r->first_blocknum == UINT32_MAX && r->number_of_blocks == 1);
	msg_reply_channel_range_free(r);
	CHECK(is(gossip_reply_channel_range_check(&rq, msgs[0]->data, msgs[0]->len, &got),
		 GOSSIP_ACCEPT, NULL));
	CHECK(rq.is_done);
	range_reply_clear(&got);
	free_msgs(msgs, n);
}

static void test_filter_channel_and_end(void)
{
	struct gossip_filter f = { 1000, 100 };
	struct graph_channel c;
	struct wirebuf *w;
	struct msg_reply_short_channel_ids_end *end = NULL;

	memset(&c, 0, sizeof(c));
	/* No channel_update: MUST NOT send the announcement. */
	CHECK(!gossip_filter_passes_channel(&f, &c));
	c.dir[1].has_update = true;
	c.dir[1].timestamp = 1050;
	c.dir[0].has_update = true;
	c.dir[0].timestamp = 5;
	CHECK(gossip_filter_passes_channel(&f, &c));
	c.dir[1].timestamp = 1100;
	CHECK(!gossip_filter_passes_channel(&f, &c));
	c.dir[0].timestamp = 1000;
	CHECK(gossip_filter_passes_channel(&f, &c));
	c.is_spent = true;
	CHECK(!gossip_filter_passes_channel(&f, &c));
	w = gossip_reply_short_channel_ids_end(&gossip_test_chain, false);
	CHECK(fromwire_reply_short_channel_ids_end(w->data, w->len, &end));
	CHECK(end && end->full_information == 0
	      && memcmp(&end->chain_hash, &gossip_test_chain, 32) == 0);
	msg_reply_short_channel_ids_end_free(end);
	wirebuf_free(w);
}

int main(void)
{
	RUN(test_query_channel_range_check);
	RUN(test_reply_channel_range_empty);
	RUN(test_reply_channel_range_split);
	RUN(test_reply_channel_range_refused);
	RUN(test_reply_channel_range_to_the_end);
	RUN(test_reply_channel_range_last_block);
	RUN(test_query_flags_for);
	RUN(test_query_short_channel_ids_check);
	RUN(test_timestamp_filter);
	RUN(test_filter_channel_and_end);
	return test_done();
}
