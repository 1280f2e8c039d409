/* Tests for wire/tlv.h: every BOLT #1 Appendix B vector in the n1 and n2
 * namespaces (defined here, by hand, on the generic TLV API), the spec's
 * appending rules, unknown-record keeping and re-serialisation. */
#include "tests/unit/vectors.h"
#include "wire/tlv.h"
#include "wire/wire.h"

/* BOLT #1 Appendix B: the n1 namespace. */
struct n1 {
	bool has_tlv1;
	uint64_t tlv1_amount_msat;
	bool has_tlv2;
	struct short_channel_id tlv2_scid;
	bool has_tlv3;
	struct wire_point tlv3_node_id;
	uint64_t tlv3_amount_msat_1, tlv3_amount_msat_2;
	bool has_tlv4;
	uint16_t tlv4_cltv_delta;
};

static void n1_tlv1_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct n1 *n1 = s;

	n1->has_tlv1 = true;
	n1->tlv1_amount_msat = fromwire_tu64(cursor, max);
}

static bool n1_tlv1_towire(struct wirebuf *buf, const void *s)
{
	const struct n1 *n1 = s;

	if (n1->has_tlv1)
		towire_tu64(buf, n1->tlv1_amount_msat);
	return n1->has_tlv1;
}

static void n1_tlv2_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct n1 *n1 = s;

	n1->has_tlv2 = true;
	fromwire_short_channel_id(cursor, max, &n1->tlv2_scid);
}

static bool n1_tlv2_towire(struct wirebuf *buf, const void *s)
{
	const struct n1 *n1 = s;

	if (n1->has_tlv2)
		towire_short_channel_id(buf, &n1->tlv2_scid);
	return n1->has_tlv2;
}

/* The wire layer keeps points as bytes; this namespace's reader rejects
 * anything that is not in compressed form (prefix 02 or 03), which is
 * what the "not a valid point" vector exercises.  Whether the point is on
 * the curve is crypto/'s question, not the wire's. */
static void n1_tlv3_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct n1 *n1 = s;

	n1->has_tlv3 = true;
	fromwire_point(cursor, max, &n1->tlv3_node_id);
	if (*cursor && n1->tlv3_node_id.bytes[0] != 2
	    && n1->tlv3_node_id.bytes[0] != 3)
		fromwire_fail(cursor, max);
	n1->tlv3_amount_msat_1 = fromwire_u64(cursor, max);
	n1->tlv3_amount_msat_2 = fromwire_u64(cursor, max);
}

static bool n1_tlv3_towire(struct wirebuf *buf, const void *s)
{
	const struct n1 *n1 = s;

	if (!n1->has_tlv3)
		return false;
	towire_point(buf, &n1->tlv3_node_id);
	towire_u64(buf, n1->tlv3_amount_msat_1);
	towire_u64(buf, n1->tlv3_amount_msat_2);
	return true;
}

static void n1_tlv4_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct n1 *n1 = s;

	n1->has_tlv4 = true;
	n1->tlv4_cltv_delta = fromwire_u16(cursor, max);
}

static bool n1_tlv4_towire(struct wirebuf *buf, const void *s)
{
	const struct n1 *n1 = s;

	if (n1->has_tlv4)
		towire_u16(buf, n1->tlv4_cltv_delta);
	return n1->has_tlv4;
}

static const struct tlv_record_type n1_types[] = {
	{ 1, "tlv1", n1_tlv1_fromwire, n1_tlv1_towire },
	{ 2, "tlv2", n1_tlv2_fromwire, n1_tlv2_towire },
	{ 3, "tlv3", n1_tlv3_fromwire, n1_tlv3_towire },
	{ 254, "tlv4", n1_tlv4_fromwire, n1_tlv4_towire },
};
static const struct tlv_namespace n1_namespace = { "n1", n1_types, 4 };

/* BOLT #1 Appendix B: the n2 namespace. */
struct n2 {
	bool has_tlv1;
	uint64_t tlv1_amount_msat;
	bool has_tlv2;
	uint32_t tlv2_cltv_expiry;
};

static void n2_tlv1_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct n2 *n2 = s;

	n2->has_tlv1 = true;
	n2->tlv1_amount_msat = fromwire_tu64(cursor, max);
}

static bool n2_tlv1_towire(struct wirebuf *buf, const void *s)
{
	const struct n2 *n2 = s;

	if (n2->has_tlv1)
		towire_tu64(buf, n2->tlv1_amount_msat);
	return n2->has_tlv1;
}

static void n2_tlv2_fromwire(const uint8_t **cursor, size_t *max, void *s)
{
	struct n2 *n2 = s;

	n2->has_tlv2 = true;
	n2->tlv2_cltv_expiry = fromwire_tu32(cursor, max);
}

static bool n2_tlv2_towire(struct wirebuf *buf, const void *s)
{
	const struct n2 *n2 = s;

	if (n2->has_tlv2)
		towire_tu32(buf, n2->tlv2_cltv_expiry);
	return n2->has_tlv2;
}

static const struct tlv_record_type n2_types[] = {
	{ 0, "tlv1", n2_tlv1_fromwire, n2_tlv1_towire },
	{ 11, "tlv2", n2_tlv2_fromwire, n2_tlv2_towire },
};
static const struct tlv_namespace n2_namespace = { "n2", n2_types, 2 };

/* Either namespace's decoded stream. */
struct decoded {
	struct n1 n1;
	struct n2 n2;
	struct tlv_unknowns unknowns;
	struct tlv_error err;
};

static const struct tlv_namespace *namespace_named(const char *name)
{
	return strcmp(name, "n1") == 0 ? &n1_namespace : &n2_namespace;
}

static void *stream_of(struct decoded *d, const struct tlv_namespace *ns)
{
	return ns == &n1_namespace ? (void *)&d->n1 : (void *)&d->n2;
}

/* Parses bytes[0..len) in ns into a fresh *d; returns success. */
static bool parse(const struct tlv_namespace *ns, const uint8_t *bytes,
		  size_t len, struct decoded *d)
{
	const uint8_t *cursor = bytes ? bytes : (const uint8_t *)"";
	size_t max = len;
	bool ok;

	memset(d, 0, sizeof(*d));
	ok = tlv_stream_fromwire(&cursor, &max, ns, stream_of(d, ns),
				 &d->unknowns, &d->err);
	/* Success consumes everything; failure fails the cursor. */
	if (ok)
		CHECK(cursor != NULL && max == 0);
	else
		CHECK(cursor == NULL && d->err.reason != NULL);
	return ok;
}

static void check_values(const json_t *t, const struct n1 *n1)
{
	const json_t *values = json_object_get(t, "values");
	const json_t *fields = json_object_get(values, "fields");
	char str[SHORT_CHANNEL_ID_STR_MAX], hex[67];
	const char *record;

	/* Only some valid streams give their values. */
	if (!values)
		return;
	record = json_str(values, "record");
	if (strcmp(record, "tlv1") == 0) {
		CHECK(n1->has_tlv1);
		CHECK(n1->tlv1_amount_msat
		      == strtoull(json_str(fields, "amount_msat"), NULL, 10));
	} else if (strcmp(record, "tlv2") == 0) {
		CHECK(n1->has_tlv2);
		CHECK_STREQ(short_channel_id_to_str(str, &n1->tlv2_scid),
			    json_str(fields, "scid"));
	} else if (strcmp(record, "tlv3") == 0) {
		CHECK(n1->has_tlv3);
		CHECK_STREQ(hex_encode(hex, n1->tlv3_node_id.bytes, 33),
			    json_str(fields, "node_id"));
		CHECK(n1->tlv3_amount_msat_1
		      == strtoull(json_str(fields, "amount_msat_1"), NULL, 10));
		CHECK(n1->tlv3_amount_msat_2
		      == strtoull(json_str(fields, "amount_msat_2"), NULL, 10));
	} else if (strcmp(record, "tlv4") == 0) {
		CHECK(n1->has_tlv4);
		CHECK(n1->tlv4_cltv_delta
		      == strtoul(json_str(fields, "cltv_delta"), NULL, 10));
	} else {
		CHECK_MSG(false, "unexpected record %s", record);
	}
}

/* Writes d back out in ns. */
static struct wirebuf *reserialise(const struct tlv_namespace *ns,
				   struct decoded *d)
{
	struct wirebuf *buf = wirebuf_new();

	tlv_stream_towire(buf, ns, stream_of(d, ns), &d->unknowns);
	return buf;
}

/* BOLT #1 Appendix B: all 57 streams, in every namespace each names: the
 * 38 invalid ones fail, the 19 valid ones decode to the given values and
 * re-serialise to the same bytes. */
static void test_tlv_vectors(void)
{
	json_t *root = vectors_load("bolt01-tlv.json");
	json_t *tests = json_object_get(root, "tests");
	size_t i, num_valid = 0, num_invalid = 0, runs = 0;
	json_t *t;

	json_array_foreach(tests, i, t) {
		bool valid = json_is_true(json_object_get(t, "valid"));
		size_t len, j;
		uint8_t *bytes = hex_to_bytes(json_str(t, "stream_hex"), &len);
		json_t *ns_name;

		json_array_foreach(json_object_get(t, "namespaces"), j,
				   ns_name) {
			const struct tlv_namespace *ns =
				namespace_named(json_string_value(ns_name));
			struct decoded d;
			bool ok = parse(ns, bytes, len, &d);

			CHECK_MSG(ok == valid, "%s in %s: %s",
				  json_str(t, "stream_as_written"), ns->name,
				  valid ? "failed" : "decoded");
			if (ok && ns == &n1_namespace)
				check_values(t, &d.n1);
			if (ok) {
				struct wirebuf *buf = reserialise(ns, &d);

				CHECK_MSG(bytes_equal(buf->data, buf->len,
						      bytes, len),
					  "%s re-serialised differently",
					  json_str(t, "stream_as_written"));
				wirebuf_free(buf);
			}
			tlv_unknowns_clear(&d.unknowns);
			runs++;
		}
		if (valid)
			num_valid++;
		else
			num_invalid++;
		free(bytes);
	}
	CHECK(num_invalid == 38);
	CHECK(num_valid == 19);
	printf("# %zu stream/namespace decodes\n", runs);
	json_decref(root);
}

/* The first and last record types of a stream, read raw. */
static bool stream_type_range(const uint8_t *bytes, size_t len,
			      uint64_t *first, uint64_t *last)
{
	const uint8_t *cursor = bytes;
	size_t max = len;
	bool any = false;

	while (cursor && max > 0) {
		uint64_t type = fromwire_bigsize(&cursor, &max);
		uint64_t length = fromwire_bigsize(&cursor, &max);

		fromwire_pull(&cursor, &max, (size_t)length);
		if (!any)
			*first = type;
		*last = type;
		any = true;
	}
	return any;
}

struct vector_stream {
	uint8_t *bytes;
	size_t len;
	bool valid;
	bool in_ns[2];	/* n1, n2 */
};

static size_t load_streams(struct vector_stream **out)
{
	json_t *root = vectors_load("bolt01-tlv.json");
	json_t *tests = json_object_get(root, "tests");
	struct vector_stream *v = calloc(json_array_size(tests), sizeof(*v));
	size_t i, j;
	json_t *t, *ns;

	json_array_foreach(tests, i, t) {
		v[i].bytes = hex_to_bytes(json_str(t, "stream_hex"), &v[i].len);
		v[i].valid = json_is_true(json_object_get(t, "valid"));
		json_array_foreach(json_object_get(t, "namespaces"), j, ns)
			v[i].in_ns[strcmp(json_string_value(ns), "n2") == 0] =
				true;
	}
	*out = v;
	i = json_array_size(tests);
	json_decref(root);
	return i;
}

static uint8_t *concat(const struct vector_stream *a,
		       const struct vector_stream *b, size_t *len)
{
	uint8_t *out = malloc(a->len + b->len + 1);

	if (a->len)
		memcpy(out, a->bytes, a->len);
	if (b->len)
		memcpy(out + a->len, b->bytes, b->len);
	*len = a->len + b->len;
	return out;
}

/* BOLT #1 Appendix B:
 * "Any appending of an invalid stream to a valid stream should trigger
 * a decoding failure.  Any appending of a higher-numbered valid stream to
 * a lower-numbered valid stream should not trigger a decoding failure." */
static void test_tlv_appending_rules(void)
{
	struct vector_stream *v;
	size_t n = load_streams(&v), failures = 0, successes = 0;

	for (int k = 0; k < 2; k++) {
		const struct tlv_namespace *ns = k ? &n2_namespace : &n1_namespace;

		for (size_t a = 0; a < n; a++) {
			for (size_t b = 0; b < n; b++) {
				uint64_t a_first, a_last, b_first, b_last;
				struct decoded d;
				uint8_t *both;
				size_t len;

				if (!v[a].valid || !v[a].in_ns[k] || !v[b].in_ns[k])
					continue;
				if (v[b].valid
				    && (!stream_type_range(v[a].bytes, v[a].len,
							   &a_first, &a_last)
					|| !stream_type_range(v[b].bytes, v[b].len,
							      &b_first, &b_last)
					|| b_first <= a_last))
					continue;
				both = concat(&v[a], &v[b], &len);
				CHECK_MSG(parse(ns, both, len, &d) == v[b].valid,
					  "stream %zu + %zu in %s", a, b, ns->name);
				tlv_unknowns_clear(&d.unknowns);
				free(both);
				if (v[b].valid)
					successes++;
				else
					failures++;
			}
		}
	}
	printf("# %zu appended-invalid, %zu appended-higher streams\n",
	       failures, successes);
	CHECK(failures > 0 && successes > 0);
	for (size_t i = 0; i < n; i++)
		free(v[i].bytes);
	free(v);
}

/* Unknown odd records are kept verbatim, in order, and can be discarded
 * instead by passing no list. */
static void test_tlv_keeps_unknown_odd_records(void)
{
	const uint8_t stream[] = { 0x01, 0x01, 0x2a,		/* tlv1 = 42 */
				   0x05, 0x02, 0xab, 0xcd,	/* unknown 5 */
				   0xfd, 0x02, 0x01, 0x00 };	/* unknown 513 */
	const uint8_t *cursor = stream;
	size_t max = sizeof(stream);
	struct decoded d;
	struct n1 n1 = { 0 };

	CHECK(parse(&n1_namespace, stream, sizeof(stream), &d));
	CHECK(d.n1.has_tlv1 && d.n1.tlv1_amount_msat == 42);
	CHECK(d.unknowns.num == 2);
	CHECK(d.unknowns.records[0].type == 5);
	CHECK(d.unknowns.records[0].length == 2);
	CHECK(d.unknowns.records[0].value[1] == 0xcd);
	CHECK(d.unknowns.records[1].type == 513);
	CHECK(d.unknowns.records[1].length == 0);
	CHECK(d.unknowns.records[1].value == NULL);
	tlv_unknowns_clear(&d.unknowns);
	CHECK(d.unknowns.num == 0 && d.unknowns.records == NULL);

	CHECK(tlv_stream_fromwire(&cursor, &max, &n1_namespace, &n1, NULL,
				  NULL));
	CHECK(n1.has_tlv1 && max == 0);
}

/* Known and unknown records come out merged by increasing type. */
static void test_tlv_towire_merges_by_type(void)
{
	uint8_t five[] = { 0xee };
	struct tlv_record unknown[] = { { 5, 1, five }, { 513, 0, NULL } };
	struct tlv_unknowns unknowns = { unknown, 2, 0 };
	struct n1 n1 = { .has_tlv1 = true, .tlv1_amount_msat = 0,
			 .has_tlv4 = true, .tlv4_cltv_delta = 550 };
	const uint8_t want[] = { 0x01, 0x00,
				 0x05, 0x01, 0xee,
				 0xfd, 0x00, 0xfe, 0x02, 0x02, 0x26,
				 0xfd, 0x02, 0x01, 0x00 };
	struct wirebuf *buf = wirebuf_new();

	tlv_stream_towire(buf, &n1_namespace, &n1, &unknowns);
	CHECK(buf->len == sizeof(want));
	CHECK_MEMEQ(buf->data, want, sizeof(want));
	wirebuf_reset(buf);
	tlv_stream_towire(buf, &n1_namespace, &(struct n1){ 0 }, NULL);
	CHECK(buf->len == 0);
	wirebuf_free(buf);
}

static void check_error(const uint8_t *bytes, size_t len, const char *reason,
			bool has_type, uint64_t type)
{
	struct decoded d;

	CHECK(!parse(&n1_namespace, bytes, len, &d));
	CHECK_STREQ(d.err.reason, reason);
	CHECK(d.err.has_type == has_type);
	if (has_type)
		CHECK(d.err.type == type);
	tlv_unknowns_clear(&d.unknowns);
}

/* Failures say why, naming the record, for the peer's `warning`. */
static void test_tlv_errors_name_the_record(void)
{
	check_error((const uint8_t *)"\x12\x00", 2, "unknown even type",
		    true, 18);
	check_error((const uint8_t *)"\xfd", 1,
		    "type truncated or not minimally encoded", false, 0);
	check_error((const uint8_t *)"\x0f\xfd\x00\x01\x00", 5,
		    "length truncated or not minimally encoded", true, 15);
	check_error((const uint8_t *)"\x03\x05\x00", 3,
		    "length exceeds the bytes remaining", true, 3);
	check_error((const uint8_t *)"\x1f\x00\x0f\x01\x2a", 5,
		    "types not strictly increasing", true, 15);
	check_error((const uint8_t *)"\x01\x01\x00", 3,
		    "malformed or short value", true, 1);
	check_error((const uint8_t *)"\xfd\x00\xfe\x03\x01\x01\x01", 7,
		    "value longer than its encoding", true, 254);
}

/* Hostile streams: huge lengths, the largest type, many tiny records. */
static void test_tlv_hostile_streams(void)
{
	const uint8_t huge_len[] = { 0x21, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0xff, 0x00 };
	const uint8_t max_type[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				     0xff, 0xff, 0xff, 0x00 };
	const size_t n = 16000;	/* 4-byte records: most of a 64k message */
	uint8_t *many = malloc(4 * n);
	const uint8_t *cursor = NULL;
	size_t max = 0;
	struct decoded d;

	CHECK(!parse(&n1_namespace, huge_len, sizeof(huge_len), &d));
	/* 2^64-1 is odd, so unknown and kept. */
	CHECK(parse(&n1_namespace, max_type, sizeof(max_type), &d));
	CHECK(d.unknowns.num == 1 && d.unknowns.records[0].type == UINT64_MAX);
	tlv_unknowns_clear(&d.unknowns);

	/* Empty unknown odd records 0x101, 0x103, ...: all kept, in order. */
	for (size_t i = 0; i < n; i++) {
		uint16_t type = (uint16_t)(0x101 + 2 * i);

		many[4 * i] = 0xfd;
		many[4 * i + 1] = (uint8_t)(type >> 8);
		many[4 * i + 2] = (uint8_t)type;
		many[4 * i + 3] = 0;
	}
	CHECK(parse(&n1_namespace, many, 4 * n, &d));
	CHECK(d.unknowns.num == n);
	CHECK(d.unknowns.records[n - 1].type == 0x101 + 2 * (n - 1));
	tlv_unknowns_clear(&d.unknowns);

	/* The same record twice fails on the second. */
	memcpy(many + 4, many, 4);
	CHECK(!parse(&n1_namespace, many, 4 * n, &d));
	tlv_unknowns_clear(&d.unknowns);
	free(many);

	/* A cursor that already failed stays failed. */
	CHECK(!tlv_stream_fromwire(&cursor, &max, &n1_namespace, &d.n1, NULL,
				   NULL));
}

static void test_tlv_namespace_find(void)
{
	CHECK(tlv_namespace_find(&n1_namespace, 254) == &n1_types[3]);
	CHECK(tlv_namespace_find(&n1_namespace, 4) == NULL);
	CHECK(tlv_namespace_find(&n2_namespace, 0) == &n2_types[0]);
}

int main(void)
{
	RUN(test_tlv_vectors);
	RUN(test_tlv_appending_rules);
	RUN(test_tlv_keeps_unknown_odd_records);
	RUN(test_tlv_towire_merges_by_type);
	RUN(test_tlv_errors_name_the_record);
	RUN(test_tlv_hostile_streams);
	RUN(test_tlv_namespace_find);
	return test_done();
}
