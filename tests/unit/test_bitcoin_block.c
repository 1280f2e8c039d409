/* Tests for bitcoin/block: BOLT #3's regtest blocks 0 and 1, the mainnet
 * genesis header, merkle roots (odd levels, CVE-2012-2459 mutation),
 * compact targets (Core's SetCompact cases) and hostile blocks. */
#include "bitcoin/block.h"
#include "bitcoin/chainparams.h"
#include "crypto/hash.h"
#include "tests/unit/vectors.h"

static const char mainnet_genesis_header[] =
	"0100000000000000000000000000000000000000000000000000000000000000"
	"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
	"4b1e5e4a29ab5f49ffff001d1dac2b7c";

static struct bitcoin_block *parse_hex(const char *hex, const char **err)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes(hex, &len);
	struct bitcoin_block *block = bitcoin_block_parse(bytes, len, err);

	free(bytes);
	return block;
}

static void test_bolt3_regtest_blocks(void)
{
	json_t *root = vectors_load("bolt03-funding-tx.json");
	json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
	const char *hex0 = json_str(v, "block0_hex");
	const char *hex1 = json_str(v, "block1_hex");
	const char *err = NULL;
	struct bitcoin_block *b0 = parse_hex(hex0, &err), *b1;
	struct bitcoin_blkid id0, id1;
	struct sha256_double root0;
	bool mutated = true;

	CHECK_MSG(b0 != NULL, "%s", err);
	b1 = parse_hex(hex1, &err);
	CHECK_MSG(b1 != NULL, "%s", err);
	if (!b0 || !b1)
		goto out;
	/* Block 0 is the regtest genesis: its hash is BOLT #0's chain_hash. */
	bitcoin_block_header_hash(&id0, &b0->header);
	CHECK_MEMEQ(id0.shad.sha.u8,
		    chainparams_for_network("regtest")->chain_hash, 32);
	CHECK(b0->num_txs == 1 && b1->num_txs == 1);
	CHECK(bitcoin_block_merkle_root(&root0, &mutated, b0));
	CHECK(!mutated);
	CHECK_MEMEQ(root0.sha.u8, b0->header.merkle_root.sha.u8, 32);
	CHECK(bitcoin_block_merkle_root(&root0, NULL, b1));
	CHECK_MEMEQ(root0.sha.u8, b1->header.merkle_root.sha.u8, 32);
	/* Block 1 builds on block 0, and both meet regtest's target. */
	CHECK_MEMEQ(b1->header.prev_hash.shad.sha.u8, id0.shad.sha.u8, 32);
	CHECK(bitcoin_block_header_check_pow(&b0->header));
	CHECK(bitcoin_block_header_check_pow(&b1->header));
	bitcoin_block_header_hash(&id1, &b1->header);
	{
		struct wirebuf *buf = wirebuf_new();

		bitcoin_block_serialize(buf, b1, true);
		CHECK(bytes_are(buf->data, buf->len, hex1));
		wirebuf_reset(buf);
		bitcoin_block_serialize(buf, b0, false);
		CHECK(bytes_are(buf->data, buf->len, hex0));
		wirebuf_free(buf);
	}
	/* A block of txs without witness: witness root of one tx is 0. */
	{
		struct sha256_double wroot, commitment;
		uint8_t zero[32] = { 0 }, reserved[32] = { 0 }, buf[64] = { 0 };
		struct sha256_double want;

		CHECK(bitcoin_block_witness_merkle_root(&wroot, b1));
		CHECK_MEMEQ(wroot.sha.u8, zero, 32);
		bitcoin_witness_commitment(&commitment, &wroot, reserved);
		sha256_double(&want, buf, sizeof(buf));
		CHECK_MEMEQ(commitment.sha.u8, want.sha.u8, 32);
	}
out:
	bitcoin_block_free(b0);
	bitcoin_block_free(b1);
	json_decref(root);
}

static void test_mainnet_genesis_header(void)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes(mainnet_genesis_header, &len);
	const uint8_t *cursor = bytes;
	size_t max = len;
	struct bitcoin_block_header h;
	struct bitcoin_blkid id, parsed;
	char hex[65];

	fromwire_bitcoin_block_header(&cursor, &max, &h);
	CHECK(cursor && max == 0);
	CHECK(h.version == 1 && h.bits == 0x1d00ffff && h.nonce == 2083236893
	      && h.timestamp == 1231006505);
	bitcoin_block_header_hash(&id, &h);
	CHECK_STREQ(bitcoin_blkid_to_hex(hex, &id),
		    "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
	CHECK(bitcoin_blkid_from_hex(&parsed, hex, 64));
	CHECK_MEMEQ(parsed.shad.sha.u8, id.shad.sha.u8, 32);
	CHECK_MEMEQ(id.shad.sha.u8,
		    chainparams_for_network("bitcoin")->chain_hash, 32);
	CHECK(bitcoin_block_header_check_pow(&h));
	/* Any other nonce misses a difficulty-1 target. */
	h.nonce++;
	CHECK(!bitcoin_block_header_check_pow(&h));
	/* Truncated header. */
	cursor = bytes;
	max = 79;
	fromwire_bitcoin_block_header(&cursor, &max, &h);
	CHECK(cursor == NULL);
	free(bytes);
}

/* Core's arith_uint256 SetCompact tests. */
static void test_compact_targets(void)
{
	static const struct {
		uint32_t bits;
		bool ok;
		unsigned pos[3];	/* byte positions of the mantissa */
		uint8_t val[3];
	} cases[] = {
		{ 0x00000000, false, { 0 }, { 0 } },
		{ 0x00123456, false, { 0 }, { 0 } },	/* shifts to zero */
		{ 0x01003456, false, { 0 }, { 0 } },
		{ 0x02000056, false, { 0 }, { 0 } },
		{ 0x03000000, false, { 0 }, { 0 } },
		{ 0x04000000, false, { 0 }, { 0 } },
		{ 0x00923456, false, { 0 }, { 0 } },
		{ 0x01803456, false, { 0 }, { 0 } },
		{ 0x01123456, true, { 0, 0, 0 }, { 0x12, 0x12, 0x12 } },
		{ 0x02123456, true, { 1, 0, 0 }, { 0x12, 0x34, 0x34 } },
		{ 0x03123456, true, { 2, 1, 0 }, { 0x12, 0x34, 0x56 } },
		{ 0x04123456, true, { 3, 2, 1 }, { 0x12, 0x34, 0x56 } },
		{ 0x05009234, true, { 3, 2, 2 }, { 0x92, 0x34, 0x34 } },
		{ 0x20123456, true, { 31, 30, 29 }, { 0x12, 0x34, 0x56 } },
		{ 0x1d00ffff, true, { 27, 26, 26 }, { 0xff, 0xff, 0xff } },
		{ 0x207fffff, true, { 31, 30, 29 }, { 0x7f, 0xff, 0xff } },
		{ 0x04923456, false, { 0 }, { 0 } },	/* negative */
		{ 0x01fedcba, false, { 0 }, { 0 } },	/* negative */
		{ 0xff123456, false, { 0 }, { 0 } },	/* overflow */
		{ 0x21010000, false, { 0 }, { 0 } },	/* overflow */
		{ 0x22000001, true, { 31, 31, 31 }, { 0x01, 0x01, 0x01 } },
		{ 0x23000001, false, { 0 }, { 0 } },	/* overflow */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t t[32], want[32];

		CHECK_MSG(bitcoin_target_from_bits(t, cases[i].bits) == cases[i].ok,
			  "bits %08x", cases[i].bits);
		if (!cases[i].ok)
			continue;
		memset(want, 0, sizeof(want));
		for (size_t j = 0; j < 3; j++)
			want[cases[i].pos[j]] = cases[i].val[j];
		CHECK_MSG(memcmp(t, want, 32) == 0, "bits %08x", cases[i].bits);
	}
}

/* An independent merkle computation for checking. */
static void pair_hash(struct sha256_double *out, const struct sha256_double *a,
		      const struct sha256_double *b)
{
	uint8_t buf[64];

	memcpy(buf, a->sha.u8, 32);
	memcpy(buf + 32, b->sha.u8, 32);
	sha256_double(out, buf, sizeof(buf));
}

static void test_merkle_roots(void)
{
	struct sha256_double leaf[5], ab, cc, cd, abcd, ee, eeee, e8, root;
	bool mutated;

	for (size_t i = 0; i < 5; i++)
		sha256_double(&leaf[i], &i, sizeof(i));
	CHECK(!bitcoin_merkle_root(&root, &mutated, leaf, 0));
	CHECK(bitcoin_merkle_root(&root, &mutated, leaf, 1));
	CHECK_MEMEQ(&root, &leaf[0], 32);
	pair_hash(&ab, &leaf[0], &leaf[1]);
	CHECK(bitcoin_merkle_root(&root, &mutated, leaf, 2));
	CHECK_MEMEQ(&root, &ab, 32);
	/* Three leaves: the odd last one pairs with itself. */
	pair_hash(&cc, &leaf[2], &leaf[2]);
	pair_hash(&abcd, &ab, &cc);
	CHECK(bitcoin_merkle_root(&root, &mutated, leaf, 3));
	CHECK_MEMEQ(&root, &abcd, 32);
	CHECK(!mutated);
	/* Five leaves. */
	pair_hash(&cd, &leaf[2], &leaf[3]);
	pair_hash(&abcd, &ab, &cd);
	pair_hash(&ee, &leaf[4], &leaf[4]);
	pair_hash(&eeee, &ee, &ee);
	pair_hash(&e8, &abcd, &eeee);
	CHECK(bitcoin_merkle_root(&root, &mutated, leaf, 5));
	CHECK_MEMEQ(&root, &e8, 32);
	CHECK(!mutated);
	/* CVE-2012-2459: [a b c] and [a b c c] share a root; the second is
	 * flagged. */
	{
		struct sha256_double four[4] = { leaf[0], leaf[1], leaf[2], leaf[2] };
		struct sha256_double r3;

		CHECK(bitcoin_merkle_root(&r3, &mutated, leaf, 3) && !mutated);
		CHECK(bitcoin_merkle_root(&root, &mutated, four, 4));
		CHECK(mutated);
		CHECK_MEMEQ(&root, &r3, 32);
	}
}

static void test_hostile_blocks(void)
{
	const char *err = NULL;
	char hex[400];
	struct bitcoin_block *b;

	/* Header only, a claimed 2^32 transactions. */
	snprintf(hex, sizeof(hex), "%sfeffffffff", mainnet_genesis_header);
	CHECK(parse_hex(hex, &err) == NULL);
	CHECK_STREQ(err, "truncated or impossible transaction count");
	/* One transaction promised, none present. */
	snprintf(hex, sizeof(hex), "%s01", mainnet_genesis_header);
	CHECK(parse_hex(hex, &err) == NULL);
	/* A truncated header. */
	CHECK(parse_hex("0100", &err) == NULL);
	CHECK_STREQ(err, "truncated block header");
	/* Zero transactions then a trailing byte. */
	snprintf(hex, sizeof(hex), "%s0000", mainnet_genesis_header);
	CHECK(parse_hex(hex, &err) == NULL);
	CHECK_STREQ(err, "trailing bytes after block");
	/* Zero transactions is parseable, but has no merkle root. */
	snprintf(hex, sizeof(hex), "%s00", mainnet_genesis_header);
	b = parse_hex(hex, &err);
	CHECK(b != NULL && b->num_txs == 0);
	if (b) {
		struct sha256_double root;

		CHECK(!bitcoin_block_merkle_root(&root, NULL, b));
		CHECK(!bitcoin_block_witness_merkle_root(&root, b));
	}
	bitcoin_block_free(b);
	bitcoin_block_free(NULL);
}

int main(void)
{
	RUN(test_bolt3_regtest_blocks);
	RUN(test_mainnet_genesis_header);
	RUN(test_compact_targets);
	RUN(test_merkle_roots);
	RUN(test_hostile_blocks);
	return test_done();
}
