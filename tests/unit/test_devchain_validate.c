/* Tests for ohm-devchain's transaction validation and relay policy
 * (contrib/devchain/validate.h, standard.h): each consensus and policy
 * rule, with Core's reject reason and debug text. */
#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "contrib/devchain/interpreter.h"
#include "contrib/devchain/standard.h"
#include "contrib/devchain/validate.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "tests/unit/vectors.h"

static secp256k1_context *ctx;

static const uint8_t p2wpkh[22] = {0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				   11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

static struct bitcoin_tx *simple_tx(uint32_t version, uint32_t locktime,
				    uint32_t sequence, uint64_t amount)
{
	struct bitcoin_tx *tx = bitcoin_tx_new(version, locktime);
	struct bitcoin_outpoint prevout;

	memset(&prevout, 0x42, sizeof(prevout));
	prevout.vout = 0;
	bitcoin_tx_add_input(tx, &prevout, sequence);
	bitcoin_tx_add_output(tx, amount, p2wpkh, sizeof(p2wpkh));
	return tx;
}

static void test_format_money_is_cores(void)
{
	char buf[32];

	CHECK_STREQ(format_money(buf, 50 * COIN), "50.00");
	CHECK_STREQ(format_money(buf, 100000), "0.001");
	CHECK_STREQ(format_money(buf, 1), "0.00000001");
	CHECK_STREQ(format_money(buf, 0), "0.00");
	CHECK_STREQ(format_money(buf, 123456789), "1.23456789");
}

static void test_tx_check_context_free_rules(void)
{
	struct validation_state st;
	struct bitcoin_tx *tx = simple_tx(2, 0, 0xffffffff, 1000);
	struct bitcoin_outpoint prevout;

	CHECK(tx_check(tx, &st));
	prevout = tx->inputs[0].prevout;
	bitcoin_tx_add_input(tx, &prevout, 0);
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-txns-inputs-duplicate");
	bitcoin_tx_free(tx);

	tx = bitcoin_tx_new(2, 0);
	bitcoin_tx_add_output(tx, 1000, p2wpkh, sizeof(p2wpkh));
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-txns-vin-empty");
	bitcoin_tx_free(tx);

	tx = simple_tx(2, 0, 0, 1000);
	tx->outputs[0].amount_sat = (uint64_t)-5;
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-txns-vout-negative");
	tx->outputs[0].amount_sat = MAX_MONEY + 1;
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-txns-vout-toolarge");
	tx->outputs[0].amount_sat = MAX_MONEY;
	bitcoin_tx_add_output(tx, 1, p2wpkh, sizeof(p2wpkh));
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-txns-txouttotal-toolarge");
	bitcoin_tx_free(tx);

	/* A coinbase scriptSig must be 2 to 100 bytes. */
	tx = simple_tx(2, 0, 0, 1000);
	memset(&tx->inputs[0].prevout.txid, 0, sizeof(tx->inputs[0].prevout.txid));
	tx->inputs[0].prevout.vout = 0xffffffff;
	CHECK(tx_is_coinbase(tx));
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-cb-length");
	bitcoin_tx_set_script_sig(tx, 0, (const uint8_t *)"\x51\x00", 2);
	CHECK(tx_check(tx, &st));
	/* The null outpoint in a non-coinbase. */
	prevout = tx->inputs[0].prevout;
	bitcoin_tx_add_input(tx, &prevout, 0);
	tx->inputs[0].prevout.vout = 3;
	CHECK(!tx_check(tx, &st));
	CHECK_STREQ(st.reason, "bad-txns-prevout-null");
	bitcoin_tx_free(tx);
}

static void test_finality_by_height_and_time(void)
{
	struct bitcoin_tx *tx = simple_tx(2, 100, 0xfffffffe, 1000);

	/* nLockTime is the last height it may NOT be in. */
	CHECK(!tx_is_final(tx, 100, 0));
	CHECK(tx_is_final(tx, 101, 0));
	tx->locktime = 500000000 + 10;
	CHECK(!tx_is_final(tx, 1000, 500000010));
	CHECK(tx_is_final(tx, 1000, 500000011));
	/* All-final inputs make nLockTime irrelevant. */
	tx->inputs[0].sequence = 0xffffffff;
	CHECK(tx_is_final(tx, 1, 0));
	bitcoin_tx_free(tx);
}

static int64_t fake_mtp(void *arg, uint32_t height)
{
	/* Blocks ten minutes apart from time 1000000. */
	return 1000000 + (int64_t)height * 600;
}

static void test_bip68_sequence_locks(void)
{
	struct mtp_source mtps = {NULL, fake_mtp};
	struct coin coin = {{0, NULL, 0}, 100, false};
	struct bitcoin_tx *tx = simple_tx(2, 0, 10, 1000);

	/* Mined at 100, 10 blocks relative: first allowed at 110. */
	CHECK(!tx_sequence_locks_ok(tx, &coin, 109, 0, &mtps));
	CHECK(tx_sequence_locks_ok(tx, &coin, 110, 0, &mtps));
	/* Version 1 ignores BIP68. */
	tx->version = 1;
	CHECK(tx_sequence_locks_ok(tx, &coin, 101, 0, &mtps));
	tx->version = 2;
	/* The disable flag. */
	tx->inputs[0].sequence = (1u << 31) | 10;
	CHECK(tx_sequence_locks_ok(tx, &coin, 101, 0, &mtps));
	/* Time-based: 2 units of 512 s after the MTP of the block before
	 * the coin's (height 99: 1059400). */
	tx->inputs[0].sequence = (1u << 22) | 2;
	CHECK(!tx_sequence_locks_ok(tx, &coin, 200, 1059400 + 1024 - 1, &mtps));
	CHECK(tx_sequence_locks_ok(tx, &coin, 200, 1059400 + 1024, &mtps));
	bitcoin_tx_free(tx);
}

static void test_check_inputs_maturity_and_value(void)
{
	struct validation_state st;
	struct coin coin = {{5000, NULL, 0}, 10, true};
	struct bitcoin_tx *tx = simple_tx(2, 0, 0, 4000);
	uint64_t fee = 0;

	CHECK(!tx_check_inputs(tx, &coin, 109, &fee, &st));
	CHECK_STREQ(st.reason, "bad-txns-premature-spend-of-coinbase");
	CHECK_STREQ(st.debug, "tried to spend coinbase at depth 99");
	CHECK(st.result == VALIDATION_PREMATURE_SPEND);
	CHECK(tx_check_inputs(tx, &coin, 110, &fee, &st));
	CHECK(fee == 1000);
	tx->outputs[0].amount_sat = 6000;
	CHECK(!tx_check_inputs(tx, &coin, 110, &fee, &st));
	CHECK_STREQ(st.reason, "bad-txns-in-belowout");
	CHECK_STREQ(st.debug, "value in (0.00005) < value out (0.00006)");
	{
		char full[300];
		CHECK_STREQ(validation_state_string(full, sizeof(full), &st),
			    "bad-txns-in-belowout, value in (0.00005) < value out (0.00006)");
	}
	bitcoin_tx_free(tx);
}

/* A P2WPKH spend signed by key 0x11 with hash type `type`; *coin (whose
 * script lives in script[22]) is what it spends. */
static struct bitcoin_tx *signed_p2wpkh_spend(struct coin *coin, uint8_t *script,
					      uint8_t type)
{
	struct privkey key;
	struct pubkey pub;
	uint8_t der[33], sig[BITCOIN_SIGNATURE_MAX_LEN];
	struct ripemd160 h;
	struct wirebuf *code = wirebuf_new();
	struct bitcoin_tx *tx = simple_tx(2, 0, 0xffffffff, 90000);
	struct bitcoin_signature bsig;
	struct sha256 hash;
	size_t sig_len;

	memset(key.secret.data, 0x11, 32);
	pubkey_from_privkey(ctx, &pub, &key);
	pubkey_serialize(ctx, der, &pub);
	hash160(&h, der, sizeof(der));
	script[0] = 0x00;
	script[1] = 0x14;
	memcpy(script + 2, h.u8, 20);
	coin->out.amount_sat = 100000;
	coin->out.script = script;
	coin->out.script_len = 22;
	coin->height = 1;
	coin->is_coinbase = false;
	script_code_for_p2wpkh(code, &h);
	bip143_sighash(&hash, tx, 0, code->data, code->len, 100000, type);
	bitcoin_signature_sign(ctx, &bsig, &hash, &key, type);
	sig_len = bitcoin_signature_serialize(ctx, sig, &bsig);
	bitcoin_tx_push_witness(tx, 0, sig, sig_len);
	bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
	wirebuf_free(code);
	return tx;
}

static void test_script_failures_name_mandatory_or_not(void)
{
	struct validation_state st;
	uint8_t script[22];
	struct coin coin;
	struct bitcoin_tx *tx = signed_p2wpkh_spend(&coin, script, SIGHASH_ALL);

	CHECK(tx_check_scripts(ctx, tx, &coin, SCRIPT_VERIFY_STANDARD, &st));
	/* A corrupted signature breaks consensus. */
	tx->inputs[0].witness[0].data[10] ^= 1;
	CHECK(!tx_check_scripts(ctx, tx, &coin, SCRIPT_VERIFY_STANDARD, &st));
	CHECK(st.result == VALIDATION_CONSENSUS);
	CHECK_STREQ(st.reason, "mandatory-script-verify-flag-failed (Script evaluated "
		    "without error but finished with a false/empty top stack element)");
	/* In a block, with consensus flags only, the same words. */
	CHECK(!tx_check_scripts(ctx, tx, &coin, SCRIPT_VERIFY_MANDATORY, &st));
	CHECK_STREQ(st.reason, "mandatory-script-verify-flag-failed (Script evaluated "
		    "without error but finished with a false/empty top stack element)");
	bitcoin_tx_free(tx);

	/* An undefined hash type, honestly signed: only policy objects. */
	tx = signed_p2wpkh_spend(&coin, script, 0x04);
	CHECK(tx_check_scripts(ctx, tx, &coin, SCRIPT_VERIFY_MANDATORY, &st));
	CHECK(!tx_check_scripts(ctx, tx, &coin, SCRIPT_VERIFY_STANDARD, &st));
	CHECK(st.result == VALIDATION_NOT_STANDARD);
	CHECK_STREQ(st.reason, "non-mandatory-script-verify-flag (Signature hash type "
		    "missing or not understood)");
	bitcoin_tx_free(tx);
}

static void test_policy_standard_outputs(void)
{
	const char *reason = NULL;
	struct bitcoin_tx *tx = simple_tx(2, 0, 0, 294);
	uint8_t op_return[84] = {0x6a, 0x4c, 80};

	CHECK(policy_is_standard_tx(tx, &reason));
	/* P2WPKH dust is below 294 sat at 3 sat/vB. */
	tx->outputs[0].amount_sat = 293;
	CHECK(!policy_is_standard_tx(tx, &reason));
	CHECK_STREQ(reason, "dust");
	tx->outputs[0].amount_sat = 1000;
	tx->version = 4;
	CHECK(!policy_is_standard_tx(tx, &reason));
	CHECK_STREQ(reason, "version");
	tx->version = 2;
	/* OP_RETURN: 83 bytes of script are standard, 84 are not. */
	bitcoin_tx_add_output(tx, 0, op_return, 83);
	CHECK(policy_is_standard_tx(tx, &reason));
	bitcoin_tx_add_output(tx, 0, op_return, 83);
	CHECK(!policy_is_standard_tx(tx, &reason));
	CHECK_STREQ(reason, "multi-op-return");
	bitcoin_tx_free(tx);

	tx = simple_tx(2, 0, 0, 1000);
	op_return[2] = 82;
	bitcoin_tx_add_output(tx, 0, op_return, 84);
	CHECK(!policy_is_standard_tx(tx, &reason));
	CHECK_STREQ(reason, "scriptpubkey");
	bitcoin_tx_free(tx);

	/* An unknown script. */
	tx = simple_tx(2, 0, 0, 1000);
	tx->outputs[0].script[0] = OP_NOP;
	CHECK(!policy_is_standard_tx(tx, &reason));
	CHECK_STREQ(reason, "scriptpubkey");
	/* A scriptSig that is not pushes. */
	tx->outputs[0].script[0] = 0;
	bitcoin_tx_set_script_sig(tx, 0, (const uint8_t *)"\x76", 1);
	CHECK(!policy_is_standard_tx(tx, &reason));
	CHECK_STREQ(reason, "scriptsig-not-pushonly");
	bitcoin_tx_free(tx);
}

static void test_dust_thresholds_are_cores(void)
{
	uint8_t p2wsh[34] = {0x00, 0x20}, p2tr[34] = {0x51, 0x20};
	uint8_t p2pkh[25] = {0x76, 0xa9, 0x14}, p2sh[23] = {0xa9, 0x14};
	struct bitcoin_tx_output out = {0, (uint8_t *)p2wpkh, sizeof(p2wpkh)};

	CHECK(output_dust_threshold(&out, DUST_RELAY_FEERATE_PER_KVB) == 294);
	out.script = p2wsh;
	out.script_len = sizeof(p2wsh);
	CHECK(output_dust_threshold(&out, DUST_RELAY_FEERATE_PER_KVB) == 330);
	out.script = p2tr;
	CHECK(output_dust_threshold(&out, DUST_RELAY_FEERATE_PER_KVB) == 330);
	p2pkh[23] = OP_EQUALVERIFY;
	p2pkh[24] = OP_CHECKSIG;
	out.script = p2pkh;
	out.script_len = sizeof(p2pkh);
	CHECK(output_dust_threshold(&out, DUST_RELAY_FEERATE_PER_KVB) == 546);
	p2sh[22] = OP_EQUAL;
	out.script = p2sh;
	out.script_len = sizeof(p2sh);
	CHECK(output_dust_threshold(&out, DUST_RELAY_FEERATE_PER_KVB) == 540);
}

static void test_output_classification_names(void)
{
	uint8_t anchor[4] = {0x51, 0x02, 0x4e, 0x73}, v2[4] = {0x52, 0x02, 1, 2};
	uint8_t multisig[37] = {0x51, 33, 0x02};
	unsigned m, n;

	CHECK_STREQ(txout_type_name(script_classify(p2wpkh, sizeof(p2wpkh), NULL, NULL)),
		    "witness_v0_keyhash");
	CHECK_STREQ(txout_type_name(script_classify(anchor, sizeof(anchor), NULL, NULL)),
		    "anchor");
	CHECK_STREQ(txout_type_name(script_classify(v2, sizeof(v2), NULL, NULL)),
		    "witness_unknown");
	multisig[35] = 0x51;
	multisig[36] = OP_CHECKMULTISIG;
	CHECK(script_classify(multisig, sizeof(multisig), &m, &n) == TXOUT_MULTISIG);
	CHECK(m == 1 && n == 1);
	CHECK_STREQ(txout_type_name(script_classify(NULL, 0, NULL, NULL)), "nonstandard");
}

static void test_witness_standardness_limits(void)
{
	uint8_t item[81] = {0}, script[34] = {0x00, 0x20};
	struct bitcoin_tx *tx = simple_tx(2, 0, 0, 1000);
	struct bitcoin_tx_output spent = {1000, script, sizeof(script)};

	bitcoin_tx_push_witness(tx, 0, item, 80);
	bitcoin_tx_push_witness(tx, 0, item, 10);
	CHECK(policy_is_witness_standard(tx, &spent));
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, item, 81);
	bitcoin_tx_push_witness(tx, 0, item, 10);
	CHECK(!policy_is_witness_standard(tx, &spent));
	/* A witness on a non-witness output. */
	spent.script = (uint8_t *)p2wpkh + 1;
	spent.script_len = 5;
	CHECK(!policy_is_witness_standard(tx, &spent));
	bitcoin_tx_free(tx);
}

static void test_regtest_subsidy_halves_every_150_blocks(void)
{
	CHECK(block_subsidy(1) == 50 * COIN);
	CHECK(block_subsidy(149) == 50 * COIN);
	CHECK(block_subsidy(150) == 25 * COIN);
	CHECK(block_subsidy(300) == 1250000000);
	CHECK(block_subsidy(150 * 64) == 0);
}

int main(void)
{
	ctx = crypto_secp_context_new();
	if (!ctx)
		test_bail_out("cannot initialise libsodium and libsecp256k1");
	RUN(test_format_money_is_cores);
	RUN(test_tx_check_context_free_rules);
	RUN(test_finality_by_height_and_time);
	RUN(test_bip68_sequence_locks);
	RUN(test_check_inputs_maturity_and_value);
	RUN(test_script_failures_name_mandatory_or_not);
	RUN(test_policy_standard_outputs);
	RUN(test_dust_thresholds_are_cores);
	RUN(test_output_classification_names);
	RUN(test_witness_standardness_limits);
	RUN(test_regtest_subsidy_halves_every_150_blocks);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
