/* Tests for ohm-devchain's block construction and block rules
 * (contrib/devchain/block.h, miner.h, validate.h's block_check): the
 * regtest genesis, the coinbase (BIP34 height, subsidy plus fees, BIP141
 * commitment), the merkle root, proof of work, and each block rule
 * failing with Core's reason. */
#include <math.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "bitcoin/script.h"
#include "contrib/devchain/block.h"
#include "contrib/devchain/miner.h"
#include "contrib/devchain/validate.h"
#include "tests/unit/vectors.h"

static const uint8_t payout[22] = {0x00, 0x14, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
				   9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static void test_genesis_is_regtests(void)
{
	const struct chainparams *regtest = chainparams_for_network("regtest");
	struct bitcoin_block *genesis = block_regtest_genesis();
	struct sha256_double hash, root;
	struct validation_state st;

	block_hash(&hash, &genesis->header);
	CHECK_MEMEQ(hash.sha.u8, regtest->chain_hash, 32);
	CHECK(bitcoin_block_merkle_root(&root, NULL, genesis));
	CHECK_MEMEQ(&root, &genesis->header.merkle_root, sizeof(root));
	CHECK(bitcoin_block_header_check_pow(&genesis->header));
	CHECK(genesis->header.bits == REGTEST_BITS);
	CHECK(block_total_size(genesis) == 285);
	CHECK(block_weight(genesis) == 285 * 4);
	/* Genesis has no BIP34 height: it is never checked as a block. */
	CHECK(!block_check(genesis, 0, 0, &st));
	bitcoin_block_free(genesis);
}

static void test_difficulty_is_cores(void)
{
	CHECK(fabs(block_bits_difficulty(REGTEST_BITS) - 4.656542373906925e-10) < 1e-24);
	CHECK(block_bits_difficulty(0x1d00ffff) == 1.0);
}

/* A spend of a fake coin, with a witness so the commitment matters. */
static struct bitcoin_tx *witness_tx(uint8_t tag)
{
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	struct bitcoin_outpoint prevout;
	uint8_t item[8];

	memset(&prevout, tag, sizeof(prevout));
	memset(item, tag, sizeof(item));
	bitcoin_tx_add_input(tx, &prevout, 0xffffffff);
	bitcoin_tx_add_output(tx, 1000, payout, sizeof(payout));
	bitcoin_tx_push_witness(tx, 0, item, sizeof(item));
	return tx;
}

static struct bitcoin_block *mined(uint32_t height, struct bitcoin_tx **txs,
				   size_t num, uint64_t fees)
{
	struct sha256_double prev;
	struct bitcoin_block *b;
	uint64_t tries = 1000000;

	memset(&prev, 0x77, sizeof(prev));
	b = miner_create_block(&prev, height, 1700000000, payout, sizeof(payout),
			       txs, num, fees);
	CHECK(miner_grind(&b->header, &tries));
	return b;
}

static void test_coinbase_pays_subsidy_and_fees_with_bip34_height(void)
{
	struct bitcoin_tx *txs[1] = {witness_tx(1)};
	struct bitcoin_block *b = mined(17, txs, 1, 1234);
	const struct bitcoin_tx *coinbase = b->txs[0];
	struct validation_state st;

	CHECK(b->num_txs == 2);
	CHECK(tx_is_coinbase(coinbase));
	/* BIP34: `CScript() << 17 << OP_0`: a one-byte push of 0x11. */
	CHECK(bytes_are(coinbase->inputs[0].script_sig,
			coinbase->inputs[0].script_sig_len, "011100"));
	CHECK(coinbase->outputs[0].amount_sat == 50 * COIN + 1234);
	CHECK(bytes_equal(coinbase->outputs[0].script, coinbase->outputs[0].script_len,
			  payout, sizeof(payout)));
	CHECK(block_witness_commitment_index(coinbase) == 1);
	CHECK(coinbase->inputs[0].num_witness == 1
	      && coinbase->inputs[0].witness[0].len == 32);
	CHECK(b->header.version == MINER_BLOCK_VERSION);
	CHECK(bitcoin_block_header_check_pow(&b->header));
	CHECK_MSG(block_check(b, 17, 1700000000 - 1, &st), "%s", st.reason);
	bitcoin_block_free(b);
	bitcoin_tx_free(txs[0]);

	/* Heights 1..16 are OP_1..OP_16, as Core writes them. */
	b = mined(1, NULL, 0, 0);
	CHECK(bytes_are(b->txs[0]->inputs[0].script_sig,
			b->txs[0]->inputs[0].script_sig_len, "5100"));
	bitcoin_block_free(b);
	b = mined(300, NULL, 0, 0);
	CHECK(bytes_are(b->txs[0]->inputs[0].script_sig,
			b->txs[0]->inputs[0].script_sig_len, "022c0100"));
	CHECK(b->txs[0]->outputs[0].amount_sat == 1250000000);
	bitcoin_block_free(b);
}

static void test_block_rules_fail_with_cores_reasons(void)
{
	struct bitcoin_tx *txs[2] = {witness_tx(1), witness_tx(2)};
	struct bitcoin_block *b = mined(5, txs, 2, 0);
	struct validation_state st;
	struct sha256_double good_root = b->header.merkle_root;
	uint64_t tries = 1000000;

	CHECK(block_check(b, 5, 0, &st));
	/* The wrong height in the coinbase. */
	CHECK(!block_check(b, 6, 0, &st));
	CHECK_STREQ(st.reason, "bad-cb-height");
	/* Not after the median time past. */
	CHECK(!block_check(b, 5, 1700000000, &st));
	CHECK_STREQ(st.reason, "time-too-old");
	/* A changed witness no longer matches the commitment. */
	b->txs[1]->inputs[0].witness[0].data[0] ^= 1;
	CHECK(!block_check(b, 5, 0, &st));
	CHECK_STREQ(st.reason, "bad-witness-merkle-match");
	b->txs[1]->inputs[0].witness[0].data[0] ^= 1;
	/* A changed transaction no longer matches the merkle root (the
	 * header hash changes too: regrind). */
	b->txs[2]->locktime = 1;
	miner_grind(&b->header, &tries);
	CHECK(!block_check(b, 5, 0, &st));
	CHECK_STREQ(st.reason, "bad-txnmrklroot");
	b->txs[2]->locktime = 0;
	b->header.merkle_root = good_root;
	/* Proof of work: find a nonce that fails. */
	while (bitcoin_block_header_check_pow(&b->header))
		b->header.nonce++;
	CHECK(!block_check(b, 5, 0, &st));
	CHECK_STREQ(st.reason, "high-hash");
	miner_grind(&b->header, &tries);
	CHECK(block_check(b, 5, 0, &st));
	bitcoin_block_free(b);

	/* A non-final transaction. */
	txs[0]->locktime = 10;
	txs[0]->inputs[0].sequence = 0;
	b = mined(5, txs, 1, 0);
	CHECK(!block_check(b, 5, 0, &st));
	CHECK_STREQ(st.reason, "bad-txns-nonfinal");
	bitcoin_block_free(b);
	b = mined(11, txs, 1, 0);
	CHECK(block_check(b, 11, 0, &st));
	bitcoin_block_free(b);

	/* Witness data without a commitment. */
	b = mined(11, txs, 1, 0);
	b->txs[0]->num_outputs = 1;
	bitcoin_block_merkle_root(&b->header.merkle_root, NULL, b);
	miner_grind(&b->header, &tries);
	CHECK(!block_check(b, 11, 0, &st));
	CHECK_STREQ(st.reason, "unexpected-witness");
	b->txs[0]->num_outputs = 2;
	bitcoin_block_free(b);

	/* Two coinbases. */
	b = mined(5, NULL, 0, 0);
	bitcoin_block_add_tx(b, bitcoin_tx_dup(b->txs[0]));
	bitcoin_block_merkle_root(&b->header.merkle_root, NULL, b);
	miner_grind(&b->header, &tries);
	CHECK(!block_check(b, 5, 0, &st));
	CHECK_STREQ(st.reason, "bad-txns-duplicate");
	bitcoin_block_free(b);
	bitcoin_tx_free(txs[0]);
	bitcoin_tx_free(txs[1]);
}

static void test_block_round_trips_and_weighs(void)
{
	struct bitcoin_tx *txs[1] = {witness_tx(3)};
	struct bitcoin_block *b = mined(2, txs, 1, 0), *back;
	struct wirebuf *raw = wirebuf_new(), *stripped = wirebuf_new();

	bitcoin_block_serialize(raw, b, true);
	bitcoin_block_serialize(stripped, b, false);
	CHECK(raw->len == block_total_size(b));
	CHECK(stripped->len == block_stripped_size(b));
	CHECK(block_weight(b) == stripped->len * 3 + raw->len);
	back = bitcoin_block_parse(raw->data, raw->len, NULL);
	CHECK(back && back->num_txs == 2);
	bitcoin_block_free(back);
	bitcoin_block_free(b);
	bitcoin_tx_free(txs[0]);
	wirebuf_free(raw);
	wirebuf_free(stripped);
}

int main(void)
{
	RUN(test_genesis_is_regtests);
	RUN(test_difficulty_is_cores);
	RUN(test_coinbase_pays_subsidy_and_fees_with_bip34_height);
	RUN(test_block_rules_fail_with_cores_reasons);
	RUN(test_block_round_trips_and_weighs);
	return test_done();
}
