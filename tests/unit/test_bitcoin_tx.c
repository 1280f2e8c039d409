/* Tests for bitcoin/serialize and bitcoin/tx: CompactSize, BIP144
 * parsing and serialization of every transaction in the BIP143 text and
 * the BOLT #3 funding vector, txid/wtxid, BIP141 weight, building, and
 * hostile inputs. */
#include "bitcoin/serialize.h"
#include "bitcoin/tx.h"
#include "tests/unit/vectors.h"

/* Parses hex, checks the serialization round-trips byte for byte, and
 * returns the tx (caller frees) or NULL. */
static struct bitcoin_tx *roundtrip(const char *hex)
{
	const char *err = NULL;
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(hex, strlen(hex), &err);
	struct wirebuf *buf;

	CHECK_MSG(tx != NULL, "%s: %.40s", err, hex);
	if (!tx)
		return NULL;
	buf = wirebuf_new();
	bitcoin_tx_serialize(buf, tx, true);
	CHECK(bytes_are(buf->data, buf->len, hex));
	CHECK(bitcoin_tx_total_size(tx) == buf->len);
	wirebuf_free(buf);
	return tx;
}

static void test_compactsize(void)
{
	static const struct {
		const char *hex;
		uint64_t value;
		bool ok;
	} cases[] = {
		{ "00", 0, true },
		{ "fc", 0xfc, true },
		{ "fdfd00", 0xfd, true },
		{ "fdffff", 0xffff, true },
		{ "fe00000100", 0x10000, true },
		{ "feffffffff", 0xffffffff, true },
		{ "ff0000000001000000", 0x100000000ULL, true },
		/* Non-canonical: a longer form than the value needs. */
		{ "fdfc00", 0, false },
		{ "fd0000", 0, false },
		{ "feffff0000", 0, false },
		{ "ffffffffff00000000", 0, false },
		/* Truncated. */
		{ "", 0, false },
		{ "fd00", 0, false },
		{ "fe000001", 0, false },
		{ "ff00000000010000", 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *bytes = hex_to_bytes(cases[i].hex, &len);
		const uint8_t *cursor = bytes;
		size_t max = len;
		uint64_t v = fromwire_compactsize(&cursor, &max);

		CHECK_MSG((cursor != NULL) == cases[i].ok, "%s", cases[i].hex);
		if (cases[i].ok) {
			struct wirebuf *buf = wirebuf_new();

			CHECK(v == cases[i].value && max == 0);
			towire_compactsize(buf, v);
			CHECK(bytes_are(buf->data, buf->len, cases[i].hex));
			CHECK(compactsize_len(v) == len);
			wirebuf_free(buf);
		}
		free(bytes);
	}
}

static void test_little_endian(void)
{
	uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	const uint8_t *cursor = bytes;
	size_t max = sizeof(bytes);
	struct wirebuf *buf = wirebuf_new();
	char hex[65];
	uint8_t back[32];

	CHECK(fromwire_le16(&cursor, &max) == 0x0201);
	CHECK(fromwire_le32(&cursor, &max) == 0x06050403);
	CHECK(fromwire_le32(&cursor, &max) == 0 && cursor == NULL);
	cursor = bytes;
	max = sizeof(bytes);
	CHECK(fromwire_le64(&cursor, &max) == 0x0807060504030201ULL);
	towire_le16(buf, 0x0201);
	towire_le32(buf, 0x06050403);
	towire_le64(buf, 0x0807060504030201ULL);
	CHECK(bytes_are(buf->data, buf->len, "0102030405060102030405060708"));
	CHECK_STREQ(hex_encode_reversed(hex, bytes, 4), "04030201");
	CHECK(hex_decode_reversed(back, 4, "04030201", 8));
	CHECK_MEMEQ(back, bytes, 4);
	CHECK(!hex_decode_reversed(back, 4, "0403020", 7));
	wirebuf_free(buf);
}

/* Every transaction printed in BIP143, signed and unsigned. */
static void test_bip143_transactions_roundtrip(void)
{
	json_t *root = vectors_load("bip143-examples.json");
	json_t *signed_txs = json_object_get(root, "signed_transactions");
	json_t *unsigned_txs = json_object_get(root, "unsigned_transactions");
	json_t *extra = json_object_get(root, "findanddelete_transactions");
	size_t n_signed = json_array_size(signed_txs);
	size_t n_unsigned = json_array_size(unsigned_txs);
	size_t n_extra = json_array_size(extra);

	CHECK(n_signed == 6);
	CHECK(n_unsigned == 6);
	CHECK(n_extra == 1);
	for (size_t i = 0; i < n_signed + n_extra; i++) {
		const char *hex = i < n_signed ? json_str_at(signed_txs, i)
			: json_str_at(extra, 0);
		struct bitcoin_tx *tx = roundtrip(hex);
		struct bitcoin_txid txid, wtxid;
		struct wirebuf *legacy = wirebuf_new();

		if (!tx)
			continue;
		CHECK(bitcoin_tx_has_witness(tx));
		bitcoin_tx_txid(&txid, tx);
		bitcoin_tx_wtxid(&wtxid, tx);
		CHECK(!bitcoin_txid_eq(&txid, &wtxid));
		/* The witness-stripped form parses and has the same txid. */
		bitcoin_tx_serialize(legacy, tx, false);
		CHECK(legacy->len == bitcoin_tx_base_size(tx));
		{
			struct bitcoin_tx *stripped =
				bitcoin_tx_parse(legacy->data, legacy->len, NULL);
			struct bitcoin_txid id2;

			CHECK(stripped && !bitcoin_tx_has_witness(stripped));
			if (stripped) {
				bitcoin_tx_txid(&id2, stripped);
				CHECK(bitcoin_txid_eq(&id2, &txid));
				bitcoin_tx_wtxid(&id2, stripped);
				CHECK(bitcoin_txid_eq(&id2, &txid));
			}
			bitcoin_tx_free(stripped);
		}
		/* BIP141: weight = base * 3 + total; vsize rounds up. */
		CHECK(bitcoin_tx_weight(tx) == legacy->len * 3
		      + strlen(hex) / 2);
		CHECK(bitcoin_tx_vsize(tx) == (bitcoin_tx_weight(tx) + 3) / 4);
		wirebuf_free(legacy);
		bitcoin_tx_free(tx);
	}
	for (size_t i = 0; i < n_unsigned; i++) {
		const char *hex = json_str_at(unsigned_txs, i);
		struct bitcoin_tx *tx = roundtrip(hex);

		CHECK(tx && !bitcoin_tx_has_witness(tx));
		/* No witness: weight is 4 bytes per byte. */
		CHECK(tx && bitcoin_tx_weight(tx) == 4 * strlen(hex) / 2);
		bitcoin_tx_free(tx);
	}
	json_decref(root);
}

/* A hand-checked weight: BIP143's native P2WPKH example, signed, is 343
 * bytes, of which 2 are marker and flag and 108 witness (00 for the P2PK
 * input; 02, a 0x47-byte signature and a 0x21-byte key for the P2WPKH
 * one), so base size 233 and weight 233*3 + 343 = 1042, vsize 261. */
static void test_weight_known_value(void)
{
	json_t *root = vectors_load("bip143-examples.json");
	const char *hex = json_str_at(json_object_get(root,
						      "signed_transactions"), 0);
	struct bitcoin_tx *tx;

	tx = bitcoin_tx_from_hex(hex, strlen(hex), NULL);
	CHECK(tx != NULL);
	if (tx) {
		CHECK(bitcoin_tx_base_size(tx) == 233);
		CHECK(bitcoin_tx_total_size(tx) == 343);
		CHECK(bitcoin_tx_weight(tx) == 1042);
		CHECK(bitcoin_tx_vsize(tx) == 261);
	}
	bitcoin_tx_free(tx);
	json_decref(root);
}

static void test_bolt3_funding_txid(void)
{
	json_t *root = vectors_load("bolt03-funding-tx.json");
	json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
	const char *hex = json_str(v, "funding_tx_hex");
	const char *txid_hex = json_str(v, "funding_txid");
	const char *input_hex = json_str(v, "input_txid");
	struct bitcoin_tx *tx = roundtrip(hex);
	struct bitcoin_txid txid, input;
	char shown[65];

	CHECK(tx != NULL);
	if (tx) {
		bitcoin_tx_txid(&txid, tx);
		CHECK_STREQ(bitcoin_txid_to_hex(shown, &txid), txid_hex);
		/* The outpoint is stored in internal order: the displayed
		 * input txid reversed. */
		CHECK(bitcoin_txid_from_hex(&input, input_hex, strlen(input_hex)));
		CHECK(bitcoin_txid_eq(&input, &tx->inputs[0].prevout.txid));
		CHECK(tx->version == 2 && tx->locktime == 0);
		CHECK(tx->num_outputs == 2
		      && tx->outputs[0].amount_sat == 10000000
		      && tx->outputs[1].amount_sat == 4989986080ULL);
		/* No witness: txid == wtxid. */
		CHECK(!bitcoin_tx_has_witness(tx));
	}
	bitcoin_tx_free(tx);
	json_decref(root);
}

static void test_build_and_copy(void)
{
	struct bitcoin_outpoint op;
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 500000), *copy, *parsed;
	const uint8_t script[] = { 0x51 }, item1[] = { 1, 2, 3 };
	const uint8_t *items[] = { item1, NULL };
	const size_t lens[] = { 3, 0 };
	struct wirebuf *a = wirebuf_new(), *b = wirebuf_new();
	struct bitcoin_txid id1, id2;

	memset(&op, 0xab, sizeof(op));
	CHECK(bitcoin_tx_add_input(tx, &op, 0xfffffffd) == 0);
	CHECK(bitcoin_tx_add_input(tx, &op, BITCOIN_SEQUENCE_FINAL) == 1);
	CHECK(bitcoin_tx_add_output(tx, 1000, script, 1) == 0);
	CHECK(bitcoin_tx_add_output(tx, 0, NULL, 0) == 1);
	CHECK(!bitcoin_tx_has_witness(tx));
	bitcoin_tx_set_witness(tx, 1, items, lens, 2);
	bitcoin_tx_set_script_sig(tx, 0, script, 1);
	CHECK(bitcoin_tx_has_witness(tx));
	copy = bitcoin_tx_dup(tx);
	bitcoin_tx_serialize(a, tx, true);
	bitcoin_tx_serialize(b, copy, true);
	CHECK(a->len == b->len && memcmp(a->data, b->data, a->len) == 0);
	parsed = bitcoin_tx_parse(a->data, a->len, NULL);
	CHECK(parsed && parsed->inputs[1].num_witness == 2
	      && parsed->inputs[1].witness[1].len == 0
	      && parsed->inputs[0].num_witness == 0);
	/* Clearing the witness makes txid == wtxid again. */
	bitcoin_tx_set_witness(copy, 1, NULL, NULL, 0);
	bitcoin_tx_txid(&id1, copy);
	bitcoin_tx_wtxid(&id2, copy);
	CHECK(bitcoin_txid_eq(&id1, &id2));
	bitcoin_tx_txid(&id2, tx);
	CHECK(bitcoin_txid_eq(&id1, &id2));
	bitcoin_tx_free(tx);
	bitcoin_tx_free(copy);
	bitcoin_tx_free(parsed);
	bitcoin_tx_free(NULL);
	wirebuf_free(a);
	wirebuf_free(b);
}

static bool parses(const char *hex, const char **err)
{
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(hex, strlen(hex), err);

	bitcoin_tx_free(tx);
	return tx != NULL;
}

/* Every proper prefix of a segwit transaction is rejected. */
static void test_truncated_transactions_rejected(void)
{
	json_t *root = vectors_load("bip143-examples.json");
	json_t *signed_txs = json_object_get(root, "signed_transactions");
	size_t n = json_array_size(signed_txs);

	CHECK(n == 6);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		uint8_t *bytes = hex_to_bytes(json_str_at(signed_txs, i), &len);

		for (size_t cut = 0; cut < len; cut++) {
			const char *err = NULL;
			struct bitcoin_tx *tx = bitcoin_tx_parse(bytes, cut,
								 &err);

			CHECK_MSG(!tx, "prefix %zu of tx %zu parsed", cut, i);
			CHECK(err != NULL);
			bitcoin_tx_free(tx);
		}
		free(bytes);
	}
	json_decref(root);
}

static void test_hostile_transactions_rejected(void)
{
	const char *err;

	/* 2^32-1 inputs claimed in a few bytes: refused before
	 * allocating. */
	CHECK(!parses("01000000feffffffff00000000", &err));
	CHECK_STREQ(err, "truncated or impossible input count");
	CHECK(!parses("01000000ffffffffffffffffff00", &err));
	/* The same for outputs, witness items and a script length. */
	CHECK(!parses("0100000001" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "00" "ffffffff" "feffffff7f", &err));
	CHECK_STREQ(err, "truncated output");
	CHECK(!parses("0100000001" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "feffffff7f" "ffffffff" "00" "00000000", &err));
	CHECK(!parses("010000000001" "01" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "00" "ffffffff" "00" "feffffff7f" "00000000", &err));
	CHECK_STREQ(err, "truncated witness");
	/* Non-canonical CompactSize for the input count. */
	CHECK(!parses("01000000fd0100" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "00" "ffffffff" "00" "00000000", &err));
	/* Trailing bytes. */
	CHECK(!parses("01000000" "01" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "00" "ffffffff" "00" "00000000" "00", &err));
	CHECK_STREQ(err, "trailing bytes after transaction");
	/* BIP144 flag other than 1. */
	CHECK(!parses("010000000002" "01" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "00" "ffffffff" "00" "00000000", &err));
	CHECK_STREQ(err, "unknown segwit flag");
	/* Marker and flag with every witness empty ("Superfluous witness
	 * record"). */
	CHECK(!parses("010000000001" "01" "0000000000000000000000000000000000000000000000000000000000000000"
		      "00000000" "00" "ffffffff" "00" "00" "00000000", &err));
	CHECK_STREQ(err, "segwit flag set but every witness is empty");
	/* Odd or non-hex input. */
	CHECK(!parses("0", &err));
	CHECK(!parses("zz", &err));
	/* A zero-input, zero-output transaction reads as Core does:
	 * version, the 0x00 "marker", a 0x00 flag, locktime. */
	CHECK(parses("01000000" "00" "00" "00000000", &err));
}

/* Mutates BIP143's signed transactions at random (a fixed-seed
 * xorshift, so runs repeat): the parser must never crash or leak, and
 * anything it accepts must re-serialize to exactly the input bytes, i.e.
 * no transaction has two accepted encodings. */
static void test_mutated_transactions_are_canonical(void)
{
	json_t *root = vectors_load("bip143-examples.json");
	json_t *signed_txs = json_object_get(root, "signed_transactions");
	size_t n = json_array_size(signed_txs);
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	size_t accepted = 0;

	if (n == 0)
		test_bail_out("no BIP143 signed transactions");
	for (size_t round = 0; round < 20000; round++) {
		size_t len, pos;
		uint8_t *bytes = hex_to_bytes(json_str_at(signed_txs, round % n),
					      &len);
		struct bitcoin_tx *tx;

		for (int k = 0; k < 1 + (int)(round % 3); k++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			pos = (size_t)(state % len);
			switch ((state >> 32) % 3) {
			case 0:	/* flip a byte */
				bytes[pos] ^= (uint8_t)(state >> 40) | 1;
				break;
			case 1:	/* truncate */
				len = pos;
				break;
			case 2:	/* small values where counts live */
				bytes[pos] = (uint8_t)((state >> 48) % 4);
				break;
			}
			if (len == 0)
				break;
		}
		tx = bitcoin_tx_parse(bytes, len, NULL);
		if (tx) {
			struct wirebuf *buf = wirebuf_new();

			bitcoin_tx_serialize(buf, tx, true);
			CHECK_MSG(bytes_equal(buf->data, buf->len, bytes, len),
				  "round %zu re-serialized differently", round);
			accepted++;
			wirebuf_free(buf);
			bitcoin_tx_free(tx);
		}
		free(bytes);
	}
	printf("# %zu of 20000 mutated transactions parsed\n", accepted);
	json_decref(root);
}

int main(void)
{
	RUN(test_compactsize);
	RUN(test_little_endian);
	RUN(test_bip143_transactions_roundtrip);
	RUN(test_weight_known_value);
	RUN(test_bolt3_funding_txid);
	RUN(test_build_and_copy);
	RUN(test_truncated_transactions_rejected);
	RUN(test_hostile_transactions_rejected);
	RUN(test_mutated_transactions_are_canonical);
	return test_done();
}
