/* Tests for wire/features.h: BOLT #9 feature bits, the features ohm
 * offers, and the BOLT #1 init checks on a peer's features. */
#include "tests/unit/vectors.h"
#include "wire/features.h"

static const char *to_hex(const struct featurebits *bits)
{
	static char hex[256];

	return hex_encode(hex, bits->bytes, bits->len);
}

static struct featurebits *bits_of(const size_t *bits, size_t n)
{
	struct featurebits *f = featurebits_new();

	for (size_t i = 0; i < n; i++)
		featurebits_set(f, bits[i]);
	return f;
}

/* BOLT #1/#9: bit 0 is the least significant bit of the last byte. */
static void test_bit_numbering(void)
{
	const uint8_t bytes[] = { 0x01, 0x80, 0x02 };
	struct featurebits *f = featurebits_new();

	CHECK(feature_bit_is_set(bytes, 3, 1));
	CHECK(feature_bit_is_set(bytes, 3, 15));
	CHECK(feature_bit_is_set(bytes, 3, 16));
	CHECK(!feature_bit_is_set(bytes, 3, 0));
	CHECK(!feature_bit_is_set(bytes, 3, 17));
	CHECK(!feature_bit_is_set(bytes, 3, 1000));

	featurebits_set(f, 100);
	CHECK(f->len == 13 && f->bytes[0] == 0x10);
	featurebits_set(f, 0);
	CHECK(f->len == 13 && f->bytes[12] == 0x01);
	CHECK(featurebits_is_set(f, 100) && featurebits_is_set(f, 0));
	featurebits_clear(f, 100);
	CHECK(f->len == 1 && f->bytes[0] == 0x01);	/* stays minimal */
	featurebits_clear(f, 0);
	CHECK(f->len == 0);
	featurebits_clear(f, 5000);
	featurebits_free(f);
	featurebits_free(NULL);
}

/* BOLT #1: the receiver ORs globalfeatures and features, right-aligned;
 * the result is of minimal length. */
static void test_init_features_are_ored(void)
{
	const uint8_t global[] = { 0x00, 0x02 }, local[] = { 0x01, 0x00, 0x00 };
	struct featurebits *f = featurebits_from_init(global, 2, local, 3);

	CHECK_STREQ(to_hex(f), "010002");
	featurebits_free(f);

	f = featurebits_from_init(local, 3, global, 2);
	CHECK_STREQ(to_hex(f), "010002");
	featurebits_free(f);

	f = featurebits_from_init(NULL, 0, (const uint8_t *)"\0\0\x04", 3);
	CHECK_STREQ(to_hex(f), "04");
	featurebits_free(f);

	f = featurebits_from_init(NULL, 0, NULL, 0);
	CHECK(f->len == 0);
	featurebits_free(f);
}

static void test_feature_pairs(void)
{
	struct featurebits *ours = featurebits_new(), *theirs = featurebits_new();

	feature_offer(ours, FEATURE_ANCHORS, false);
	CHECK(featurebits_is_set(ours, 23) && !featurebits_is_set(ours, 22));
	CHECK(feature_offered(ours, FEATURE_ANCHORS));
	CHECK(!feature_is_required(ours, FEATURE_ANCHORS));
	CHECK(!feature_negotiated(ours, theirs, FEATURE_ANCHORS));
	feature_offer(theirs, FEATURE_ANCHORS, true);
	CHECK(feature_negotiated(ours, theirs, FEATURE_ANCHORS));

	/* BOLT #9: both bits set means required. */
	feature_offer(theirs, FEATURE_ANCHORS, false);
	CHECK(feature_is_required(theirs, FEATURE_ANCHORS));

	/* We required it and the peer stayed: negotiated without its bit. */
	feature_offer(ours, FEATURE_VAR_ONION_OPTIN, true);
	CHECK(feature_negotiated(ours, theirs, FEATURE_VAR_ONION_OPTIN));
	CHECK(!feature_negotiated(theirs, ours, FEATURE_SPLICE));
	featurebits_free(ours);
	featurebits_free(theirs);
}

static void test_feature_table_lookups(void)
{
	CHECK_STREQ(feature_info(FEATURE_ANCHORS)->name, "option_anchors");
	CHECK(feature_info_by_bit(23) == feature_info(FEATURE_ANCHORS));
	CHECK(feature_info_by_bit(2) == NULL);
	CHECK(feature_info_by_bit(101) == NULL);
	CHECK(feature_in_context(feature_info(FEATURE_BASIC_MPP),
				 FEATURE_CTX_INVOICE));
	CHECK(!feature_in_context(feature_info(FEATURE_DUAL_FUND),
				  FEATURE_CTX_INVOICE));
	CHECK(feature_in_context(feature_info(FEATURE_SCID_ALIAS),
				 FEATURE_CTX_CHANNEL_TYPE));
	CHECK(feature_info(FEATURE_PAYMENT_SECRET)->is_assumed);
	CHECK(feature_info(FEATURE_ZEROCONF)->has_dependency);
	CHECK(feature_info(FEATURE_ZEROCONF)->depends_on == FEATURE_SCID_ALIAS);
	for (size_t i = 1; i < feature_table_len; i++)
		CHECK(feature_table[i - 1].feature < feature_table[i].feature);
}

/* Only implemented features are offered: with channels and payments, the
 * ASSUMED option_data_loss_protect, var_onion_optin,
 * option_static_remotekey, payment_secret and option_channel_type
 * (required 0, 8, 12, 14, 44; var_onion_optin and payment_secret in
 * invoices too), optional gossip_queries (7, BOLT #7 "not worth
 * querying" without it), basic_mpp (17, in invoices too),
 * option_anchors, option_shutdown_anysegwit and option_simple_close;
 * update this when one more lands. */
static void test_ohm_offers_only_implemented(void)
{
	struct featurebits *init = ohm_featurebits(FEATURE_CTX_INIT);
	size_t implemented = 0;
	char why[FEATURES_WHY_MAX];

	struct featurebits *invoice = ohm_featurebits(FEATURE_CTX_INVOICE);

	/* Required 0, 8, 12, 14, 44; optional 7, 17, 23, 27, 61. */
	CHECK_STREQ(to_hex(init), "2000100008825181");
	/* Required 8, 14; optional 17 (basic_mpp). */
	CHECK_STREQ(to_hex(invoice), "024100");
	for (size_t i = 0; i < ohm_features_len; i++)
		implemented += ohm_features[i].is_implemented;
	CHECK(implemented == 10);
	CHECK(features_check_dependencies(init, why));
	CHECK(features_check_dependencies(invoice, why));
	featurebits_free(init);
	featurebits_free(invoice);
}

/* What ohm will offer once every planned feature is implemented, as the
 * hex string RPC would show. */
static void test_ohm_featurebits(void)
{
	struct featurebits *init = ohm_featurebits_planned(FEATURE_CTX_INIT);
	struct featurebits *node = ohm_featurebits_planned(FEATURE_CTX_NODE_ANNOUNCEMENT);
	struct featurebits *invoice = ohm_featurebits_planned(FEATURE_CTX_INVOICE);
	struct featurebits *chan = ohm_featurebits_planned(FEATURE_CTX_CHANNEL_ANNOUNCEMENT);
	char why[FEATURES_WHY_MAX];

	/* Required 0, 8, 12, 14, 44; optional 5, 7, 17, 19, 23, 27, 61. */
	CHECK_STREQ(to_hex(init), "20001000088a51a1");
	CHECK_STREQ(to_hex(node), "20001000088a51a1");
	/* var_onion_optin and payment_secret required, basic_mpp optional. */
	CHECK_STREQ(to_hex(invoice), "024100");
	CHECK(chan->len == 0);
	CHECK(features_check_dependencies(init, why));
	CHECK(features_check_dependencies(invoice, why));
	CHECK(features_check_peer(init, init, why));
	featurebits_free(init);
	featurebits_free(node);
	featurebits_free(invoice);
	featurebits_free(chan);
}

/* Every feature ohm offers has its dependency offered alongside, and is
 * offered only where BOLT #9 allows (ASSUMED features and gossip_queries
 * keep their pre-ASSUMED contexts; see features.c). */
static void test_ohm_features_are_consistent(void)
{
	for (size_t i = 0; i < ohm_features_len; i++) {
		const struct ohm_feature *of = &ohm_features[i];
		const struct feature_info *info = feature_info(of->feature);

		if (info->has_dependency) {
			bool found = feature_info(info->depends_on)->is_assumed;

			for (size_t j = 0; j < ohm_features_len; j++)
				found |= ohm_features[j].feature == info->depends_on;
			CHECK_MSG(found, "%s lacks its dependency", info->name);
		}
		if (info->is_assumed || of->feature == FEATURE_GOSSIP_QUERIES)
			continue;
		for (const char *c = of->contexts; *c; c++)
			CHECK_MSG(strchr(info->context, *c), "%s offered in %c",
				  info->name, *c);
		CHECK_MSG(!of->is_required, "%s required", info->name);
	}
}

/* BOLT #1: an even bit we did not offer closes the connection; the
 * message names the lowest such bit. */
static void test_check_peer_rejects_unknown_required_bits(void)
{
	struct featurebits *ours = ohm_featurebits_planned(FEATURE_CTX_INIT);
	const size_t unknown_even[] = { 101, 100 };
	const size_t known_unsupported[] = { 100, 28, 29 };
	const size_t fine[] = { 1, 6, 23, 201 };
	struct featurebits *theirs;
	char why[FEATURES_WHY_MAX];

	theirs = bits_of(unknown_even, 2);
	CHECK(!features_check_peer(ours, theirs, why));
	CHECK_STREQ(why, "peer requires unknown feature bit 100");
	featurebits_free(theirs);

	theirs = bits_of(known_unsupported, 3);
	CHECK(!features_check_peer(ours, theirs, why));
	CHECK_STREQ(why, "peer requires option_dual_fund (feature bit 28),"
		    " which we do not support");
	featurebits_free(theirs);

	/* Odd bits, unknown or not, and even bits we offer are fine:
	 * gossip_queries (6) required by them, offered odd by us. */
	theirs = bits_of(fine, 4);
	CHECK(features_check_peer(ours, theirs, why));
	featurebits_free(theirs);
	featurebits_free(ours);
}

/* BOLT #9: ASSUMED features "can be safely ignored": a peer requiring
 * them is fine even while we offer nothing. */
static void test_assumed_features_may_be_required(void)
{
	struct featurebits *ours = featurebits_new(), *theirs;
	const size_t assumed[] = { 0, 8, 12, 14, 44 };
	const size_t gossip[] = { 6 };
	char why[FEATURES_WHY_MAX];

	theirs = bits_of(assumed, 5);
	CHECK(features_check_peer(ours, theirs, why));
	featurebits_free(theirs);
	/* gossip_queries is not assumed: required but not offered fails. */
	theirs = bits_of(gossip, 1);
	CHECK(!features_check_peer(ours, theirs, why));
	CHECK_STREQ(why, "peer requires gossip_queries (feature bit 6), which we do not support");
	featurebits_free(theirs);
	featurebits_free(ours);
}

/* BOLT #1: a feature vector missing a known dependency closes the
 * connection; ASSUMED dependencies are met without their bit. */
static void test_check_dependencies(void)
{
	struct featurebits *ours = featurebits_new(), *theirs;
	const size_t zeroconf_alone[] = { 51 }, zeroconf_ok[] = { 51, 47 };
	const size_t mpp_alone[] = { 17 }, simple_close[] = { 61 };
	char why[FEATURES_WHY_MAX];

	theirs = bits_of(zeroconf_alone, 1);
	CHECK(!features_check_dependencies(theirs, why));
	CHECK_STREQ(why, "option_zeroconf (feature bits 50/51) is set without"
		    " its dependency option_scid_alias (feature bits 46/47)");
	CHECK(!features_check_peer(ours, theirs, why));
	featurebits_free(theirs);

	theirs = bits_of(zeroconf_ok, 2);
	CHECK(features_check_dependencies(theirs, why));
	CHECK(features_check_peer(ours, theirs, why));
	featurebits_free(theirs);

	theirs = bits_of(mpp_alone, 1);
	CHECK(features_check_dependencies(theirs, why));
	featurebits_free(theirs);

	theirs = bits_of(simple_close, 1);
	CHECK(!features_check_dependencies(theirs, why));
	CHECK(strstr(why, "option_shutdown_anysegwit") != NULL);
	featurebits_free(theirs);
	featurebits_free(ours);
}

/* A peer can send 65535 bytes of features; only the top bit set. */
static void test_check_peer_huge_vector(void)
{
	struct featurebits *ours = ohm_featurebits(FEATURE_CTX_INIT);
	uint8_t *bytes = calloc(65535, 1);
	struct featurebits *theirs;
	char why[FEATURES_WHY_MAX];

	bytes[0] = 0x40;	/* bit 65535 * 8 - 2 */
	theirs = featurebits_from_bytes(bytes, 65535);
	CHECK(theirs->len == 65535);
	CHECK(!features_check_peer(ours, theirs, why));
	CHECK_STREQ(why, "peer requires unknown feature bit 524278");
	bytes[0] = 0x80;	/* the odd one above it */
	featurebits_free(theirs);
	theirs = featurebits_from_bytes(bytes, 65535);
	CHECK(features_check_peer(ours, theirs, why));
	featurebits_free(theirs);
	free(bytes);
	featurebits_free(ours);
}

int main(void)
{
	RUN(test_bit_numbering);
	RUN(test_init_features_are_ored);
	RUN(test_feature_pairs);
	RUN(test_feature_table_lookups);
	RUN(test_ohm_offers_only_implemented);
	RUN(test_ohm_featurebits);
	RUN(test_assumed_features_may_be_required);
	RUN(test_ohm_features_are_consistent);
	RUN(test_check_peer_rejects_unknown_required_bits);
	RUN(test_check_dependencies);
	RUN(test_check_peer_huge_vector);
	return test_done();
}
