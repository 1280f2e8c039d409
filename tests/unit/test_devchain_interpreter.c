/* Tests for ohm-devchain's script interpreter (contrib/devchain/
 * interpreter.h): the signed BOLT #3 transactions verified against the
 * outputs they spend (funding from a P2PKH coinbase, every commitment
 * from the 2-of-2, every HTLC transaction from its commitment output,
 * legacy and anchor variants), then each BOLT #3 script shape built here
 * and spent down its success and failure paths, then P2WPKH, P2SH,
 * Taproot and the odd opcode, each failure with Core's error. */
#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "bitcoin/taproot.h"
#include "bitcoin/tx.h"
#include "contrib/devchain/interpreter.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "tests/unit/vectors.h"

static secp256k1_context *ctx;

#define STANDARD SCRIPT_VERIFY_STANDARD
#define MANDATORY SCRIPT_VERIFY_MANDATORY

/* ---- Helpers ---- */

static struct bitcoin_tx *tx_from_hex(const char *hex)
{
	const char *err = NULL;
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(hex, strlen(hex), &err);

	if (!tx)
		test_bail_out("bad transaction in a vector: %s", err);
	return tx;
}

/* Verifies input i of tx spending *spent (all inputs spend outputs given
 * in spent[], one per input).  Returns the interpreter's error. */
static enum script_error verify_input(const struct bitcoin_tx *tx, size_t i,
				      const struct bitcoin_tx_output *spent,
				      uint32_t flags)
{
	struct script_tx_context sctx = {ctx, tx, i, spent};
	enum script_error err;

	if (!script_verify_input(&err, &sctx, flags))
		return err;
	return SCRIPT_ERR_OK;
}

/* Verifies every input of tx, each spending an output of prev. */
static void check_spends_prev(const struct bitcoin_tx *tx,
			      const struct bitcoin_tx *prev, const char *what)
{
	struct bitcoin_tx_output *spent = calloc(tx->num_inputs, sizeof(*spent));
	struct bitcoin_txid prev_txid;

	bitcoin_tx_txid(&prev_txid, prev);
	for (size_t i = 0; i < tx->num_inputs; i++) {
		uint32_t vout = tx->inputs[i].prevout.vout;
		CHECK_MSG(bitcoin_txid_eq(&tx->inputs[i].prevout.txid, &prev_txid)
			  && vout < prev->num_outputs, "%s: input %zu", what, i);
		if (vout < prev->num_outputs)
			spent[i] = prev->outputs[vout];
	}
	for (size_t i = 0; i < tx->num_inputs; i++) {
		enum script_error err = verify_input(tx, i, spent, STANDARD);
		CHECK_MSG(err == SCRIPT_ERR_OK, "%s: input %zu: %s", what, i,
			  script_error_string(err));
	}
	free(spent);
}

/* The P2WSH output of witness script hex, paying amount_sat. */
static struct bitcoin_tx_output p2wsh_output(struct wirebuf *buf,
					     const uint8_t *script, size_t len,
					     uint64_t amount_sat)
{
	struct bitcoin_tx_output out;

	wirebuf_reset(buf);
	script_p2wsh_for_witness_script(buf, script, len);
	out.amount_sat = amount_sat;
	out.script = buf->data;
	out.script_len = buf->len;
	return out;
}

/* A one-input, one-output transaction to be signed. */
static struct bitcoin_tx *spend_tx(uint32_t version, uint32_t locktime,
				   uint32_t sequence)
{
	static const uint8_t out_script[22] = {0x00, 0x14};
	struct bitcoin_tx *tx = bitcoin_tx_new(version, locktime);
	struct bitcoin_outpoint prevout;

	memset(&prevout, 0x42, sizeof(prevout));
	prevout.vout = 1;
	bitcoin_tx_add_input(tx, &prevout, sequence);
	bitcoin_tx_add_output(tx, 90000, out_script, sizeof(out_script));
	return tx;
}

static struct privkey test_key(uint8_t fill)
{
	struct privkey key;
	memset(key.secret.data, fill, sizeof(key.secret.data));
	return key;
}

static struct pubkey test_pubkey(uint8_t fill)
{
	struct privkey key = test_key(fill);
	struct pubkey pub;
	pubkey_from_privkey(ctx, &pub, &key);
	return pub;
}

/* A BIP143 signature (DER || type) by key over input 0 of tx. */
static size_t sign_v0(uint8_t sig[BITCOIN_SIGNATURE_MAX_LEN],
		      const struct bitcoin_tx *tx, const struct wirebuf *script,
		      uint64_t amount_sat, uint8_t key_fill, uint8_t type)
{
	struct privkey key = test_key(key_fill);
	struct bitcoin_signature bsig;
	struct sha256 hash;

	bip143_sighash(&hash, tx, 0, script->data, script->len, amount_sat, type);
	bitcoin_signature_sign(ctx, &bsig, &hash, &key, type);
	return bitcoin_signature_serialize(ctx, sig, &bsig);
}

/* Sets input 0's witness to items (hex strings; "" for an empty item;
 * "SIG" for sig) followed by the witness script. */
static void set_witness(struct bitcoin_tx *tx, const uint8_t *sig, size_t sig_len,
			const char *const *items, size_t num,
			const struct wirebuf *script)
{
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	for (size_t i = 0; i < num; i++) {
		if (strcmp(items[i], "SIG") == 0) {
			bitcoin_tx_push_witness(tx, 0, sig, sig_len);
		} else {
			size_t len;
			uint8_t *bytes = hex_to_bytes(items[i], &len);
			bitcoin_tx_push_witness(tx, 0, bytes, len);
			free(bytes);
		}
	}
	if (script)
		bitcoin_tx_push_witness(tx, 0, script->data, script->len);
}

static void push_key(struct wirebuf *script, uint8_t fill)
{
	struct pubkey key = test_pubkey(fill);
	script_push_pubkey(script, ctx, &key);
}

/* ---- BOLT #3 vectors ---- */

static void test_bolt3_funding_tx_spends_p2pkh_coinbase(void)
{
	json_t *root = vectors_load("bolt03-funding-tx.json");
	json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
	struct bitcoin_tx *coinbase = tx_from_hex(json_str(v, "coinbase_tx_hex"));
	struct bitcoin_tx *funding = tx_from_hex(json_str(v, "funding_tx_hex"));

	/* A legacy scriptSig against a P2PKH output: the BASE sighash. */
	check_spends_prev(funding, coinbase, "funding tx");
	bitcoin_tx_free(coinbase);
	bitcoin_tx_free(funding);
	json_decref(root);
}

/* The funding output every commitment vector spends. */
static struct bitcoin_tx_output funding_output(struct wirebuf *buf,
					       const json_t *common)
{
	size_t len;
	uint8_t *script = hex_to_bytes(json_str(common, "funding_witness_script"), &len);
	struct bitcoin_tx_output out = p2wsh_output(buf, script, len,
		(uint64_t)json_integer_value(json_object_get(common, "funding_amount_satoshi")));
	free(script);
	return out;
}

static void test_bolt3_commitment_and_htlc_txs_verify(void)
{
	json_t *root = vectors_load("bolt03-commitment-tx.json");
	json_t *common = json_object_get(root, "common");
	json_t *tests = json_object_get(root, "tests");
	struct wirebuf *buf = wirebuf_new();
	struct bitcoin_tx_output funding = funding_output(buf, common);
	size_t num_htlc_txs = 0;

	for (size_t t = 0; t < json_array_size(tests); t++) {
		json_t *test = json_array_get(tests, t);
		json_t *htlcs = json_object_get(test, "htlc_txs");
		struct bitcoin_tx *commit = tx_from_hex(json_str(test, "commit_tx_hex"));
		enum script_error err = verify_input(commit, 0, &funding, STANDARD);

		CHECK_MSG(err == SCRIPT_ERR_OK, "%s: %s", json_str(test, "name"),
			  script_error_string(err));
		for (size_t h = 0; h < json_array_size(htlcs); h++) {
			struct bitcoin_tx *htlc_tx =
				tx_from_hex(json_str(json_array_get(htlcs, h), "tx_hex"));
			check_spends_prev(htlc_tx, commit, json_str(test, "name"));
			bitcoin_tx_free(htlc_tx);
			num_htlc_txs++;
		}
		bitcoin_tx_free(commit);
	}
	CHECK(json_array_size(tests) == 16);
	CHECK(num_htlc_txs == 33);
	wirebuf_free(buf);
	json_decref(root);
}

static void test_bolt3_anchor_commitment_and_htlc_txs_verify(void)
{
	json_t *common_root = vectors_load("bolt03-commitment-tx.json");
	json_t *root = vectors_load("bolt03-commitment-tx-anchors.json");
	json_t *tests = json_object_get(root, "tests");
	struct wirebuf *buf = wirebuf_new();
	struct bitcoin_tx_output funding =
		funding_output(buf, json_object_get(common_root, "common"));
	size_t num_htlc_txs = 0;

	for (size_t t = 0; t < json_array_size(tests); t++) {
		json_t *test = json_array_get(tests, t);
		json_t *htlcs = json_object_get(test, "HtlcDescs");
		struct bitcoin_tx *commit =
			tx_from_hex(json_str(test, "ExpectedCommitmentTxHex"));
		enum script_error err = verify_input(commit, 0, &funding, STANDARD);

		CHECK_MSG(err == SCRIPT_ERR_OK, "%s: %s", json_str(test, "Name"),
			  script_error_string(err));
		/* SIGHASH_SINGLE|ANYONECANPAY remote signatures. */
		for (size_t h = 0; h < json_array_size(htlcs); h++) {
			struct bitcoin_tx *htlc_tx = tx_from_hex(
				json_str(json_array_get(htlcs, h), "ResolutionTxHex"));
			check_spends_prev(htlc_tx, commit, json_str(test, "Name"));
			bitcoin_tx_free(htlc_tx);
			num_htlc_txs++;
		}
		bitcoin_tx_free(commit);
	}
	CHECK(json_array_size(tests) == 9);
	CHECK(num_htlc_txs == 15);
	wirebuf_free(buf);
	json_decref(root);
	json_decref(common_root);
}

/* Flipping a bit of either funding signature must fail: as a consensus
 * failure (false on the stack) and, under policy, as NULLFAIL. */
static void test_bolt3_commitment_with_bad_signature_fails(void)
{
	json_t *root = vectors_load("bolt03-commitment-tx.json");
	json_t *test = json_array_get(json_object_get(root, "tests"), 0);
	struct wirebuf *buf = wirebuf_new();
	struct bitcoin_tx_output funding =
		funding_output(buf, json_object_get(root, "common"));
	struct bitcoin_tx *commit = tx_from_hex(json_str(test, "commit_tx_hex"));

	/* Witness: empty dummy, sig1, sig2, script.  Corrupt s of sig1. */
	commit->inputs[0].witness[1].data[commit->inputs[0].witness[1].len - 3] ^= 1;
	CHECK(verify_input(commit, 0, &funding, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);
	CHECK(verify_input(commit, 0, &funding, STANDARD) == SCRIPT_ERR_SIG_NULLFAIL);
	/* Against another amount the BIP143 digest differs. */
	commit->inputs[0].witness[1].data[commit->inputs[0].witness[1].len - 3] ^= 1;
	CHECK(verify_input(commit, 0, &funding, STANDARD) == SCRIPT_ERR_OK);
	funding.amount_sat++;
	CHECK(verify_input(commit, 0, &funding, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);
	bitcoin_tx_free(commit);
	wirebuf_free(buf);
	json_decref(root);
}

/* ---- BOLT #3 script shapes, built here ---- */

/* BOLT #3 to_local:
 *   OP_IF <revocationpubkey> OP_ELSE `to_self_delay` OP_CHECKSEQUENCEVERIFY
 *   OP_DROP <local_delayedpubkey> OP_ENDIF OP_CHECKSIG */
static void to_local_script(struct wirebuf *s, uint8_t revocation, uint8_t delayed,
			    int64_t delay)
{
	script_push_op(s, OP_IF);
	push_key(s, revocation);
	script_push_op(s, OP_ELSE);
	script_push_num(s, delay);
	script_push_op(s, OP_CHECKSEQUENCEVERIFY);
	script_push_op(s, OP_DROP);
	push_key(s, delayed);
	script_push_op(s, OP_ENDIF);
	script_push_op(s, OP_CHECKSIG);
}

static enum script_error spend_p2wsh(struct bitcoin_tx *tx, const struct wirebuf *script,
				     const char *const *items, size_t num,
				     uint8_t key_fill, uint32_t flags)
{
	struct wirebuf *buf = wirebuf_new();
	struct bitcoin_tx_output spent = p2wsh_output(buf, script->data, script->len, 100000);
	uint8_t sig[BITCOIN_SIGNATURE_MAX_LEN];
	size_t sig_len = key_fill ? sign_v0(sig, tx, script, 100000, key_fill, SIGHASH_ALL) : 0;
	enum script_error err;

	set_witness(tx, sig, sig_len, items, num, script);
	err = verify_input(tx, 0, &spent, flags);
	wirebuf_free(buf);
	return err;
}

static void test_to_local_paths(void)
{
	struct wirebuf *script = wirebuf_new();
	const char *revoke[] = {"SIG", "01"}, *delayed[] = {"SIG", ""};
	const char *not_minimal[] = {"SIG", "02"};
	struct bitcoin_tx *tx;

	to_local_script(script, 0x11, 0x22, 144);
	/* Revocation: the penalty path, any time. */
	tx = spend_tx(2, 0, 0);
	CHECK(spend_p2wsh(tx, script, revoke, 2, 0x11, STANDARD) == SCRIPT_ERR_OK);
	/* Delayed: after to_self_delay, nSequence says so. */
	bitcoin_tx_free(tx);
	tx = spend_tx(2, 0, 144);
	CHECK(spend_p2wsh(tx, script, delayed, 2, 0x22, STANDARD) == SCRIPT_ERR_OK);
	CHECK(spend_p2wsh(tx, script, delayed, 2, 0x11, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);
	CHECK(spend_p2wsh(tx, script, delayed, 2, 0x11, STANDARD) == SCRIPT_ERR_SIG_NULLFAIL);
	/* CSV too early. */
	bitcoin_tx_free(tx);
	tx = spend_tx(2, 0, 143);
	CHECK(spend_p2wsh(tx, script, delayed, 2, 0x22, MANDATORY)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	/* BIP68 is off for version 1, so CSV cannot be satisfied. */
	bitcoin_tx_free(tx);
	tx = spend_tx(1, 0, 144);
	CHECK(spend_p2wsh(tx, script, delayed, 2, 0x22, MANDATORY)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	/* A time-based sequence does not satisfy a block-based delay. */
	bitcoin_tx_free(tx);
	tx = spend_tx(2, 0, (1u << 22) | 144);
	CHECK(spend_p2wsh(tx, script, delayed, 2, 0x22, MANDATORY)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	/* MINIMALIF: policy only, in segwit v0. */
	bitcoin_tx_free(tx);
	tx = spend_tx(2, 0, 0);
	CHECK(spend_p2wsh(tx, script, not_minimal, 2, 0x11, STANDARD) == SCRIPT_ERR_MINIMALIF);
	CHECK(spend_p2wsh(tx, script, not_minimal, 2, 0x11, MANDATORY) == SCRIPT_ERR_OK);
	/* An extra item leaves the stack unclean: consensus in a witness. */
	{
		const char *extra[] = {"00", "SIG", "01"};
		CHECK(spend_p2wsh(tx, script, extra, 3, 0x11, MANDATORY) == SCRIPT_ERR_CLEANSTACK);
	}
	bitcoin_tx_free(tx);
	wirebuf_free(script);
}

/* BOLT #3 to_remote with option_anchors:
 *   <remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY */
static void test_to_remote_anchors_csv(void)
{
	struct wirebuf *script = wirebuf_new();
	const char *items[] = {"SIG"};
	struct bitcoin_tx *tx;

	push_key(script, 0x33);
	script_push_op(script, OP_CHECKSIGVERIFY);
	script_push_num(script, 1);
	script_push_op(script, OP_CHECKSEQUENCEVERIFY);
	tx = spend_tx(2, 0, 1);
	CHECK(spend_p2wsh(tx, script, items, 1, 0x33, STANDARD) == SCRIPT_ERR_OK);
	CHECK(spend_p2wsh(tx, script, items, 1, 0x44, MANDATORY) == SCRIPT_ERR_CHECKSIGVERIFY);
	bitcoin_tx_free(tx);
	tx = spend_tx(2, 0, 0);
	CHECK(spend_p2wsh(tx, script, items, 1, 0x33, STANDARD)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	/* Disabling the relative lock disables the spend. */
	tx = spend_tx(2, 0, 0x80000001);
	CHECK(spend_p2wsh(tx, script, items, 1, 0x33, STANDARD)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
}

/* BOLT #3 anchor output:
 *   <local_funding_pubkey> OP_CHECKSIG OP_IFDUP OP_NOTIF OP_16
 *   OP_CHECKSEQUENCEVERIFY OP_ENDIF */
static void test_anchor_output(void)
{
	struct wirebuf *script = wirebuf_new();
	const char *with_sig[] = {"SIG"}, *anyone[] = {""};
	struct bitcoin_tx *tx;

	push_key(script, 0x55);
	script_push_op(script, OP_CHECKSIG);
	script_push_op(script, OP_IFDUP);
	script_push_op(script, OP_NOTIF);
	script_push_num(script, 16);
	script_push_op(script, OP_CHECKSEQUENCEVERIFY);
	script_push_op(script, OP_ENDIF);
	tx = spend_tx(2, 0, 0);
	CHECK(spend_p2wsh(tx, script, with_sig, 1, 0x55, STANDARD) == SCRIPT_ERR_OK);
	CHECK(spend_p2wsh(tx, script, anyone, 1, 0, STANDARD) == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	/* "spendable by anyone after 16 blocks" */
	tx = spend_tx(2, 0, 16);
	CHECK(spend_p2wsh(tx, script, anyone, 1, 0, STANDARD) == SCRIPT_ERR_OK);
	bitcoin_tx_free(tx);
	tx = spend_tx(2, 0, 15);
	CHECK(spend_p2wsh(tx, script, anyone, 1, 0, STANDARD) == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
}

static void push_hash160_of_key(struct wirebuf *s, uint8_t fill)
{
	struct pubkey key = test_pubkey(fill);
	uint8_t der[PUBKEY_CMPR_LEN];
	struct ripemd160 h;

	pubkey_serialize(ctx, der, &key);
	hash160(&h, der, sizeof(der));
	script_push_data(s, h.u8, sizeof(h.u8));
}

static void push_payment_hash160(struct wirebuf *s, const uint8_t preimage[32])
{
	struct sha256 payment_hash;
	struct ripemd160 h;

	sha256(&payment_hash, preimage, 32);
	ripemd160(&h, payment_hash.u8, sizeof(payment_hash.u8));
	script_push_data(s, h.u8, sizeof(h.u8));
}

/* BOLT #3 offered HTLC (without anchors); keys: revocation 0x11, remote
 * htlc 0x66, local htlc 0x77. */
static void offered_htlc_script(struct wirebuf *s, const uint8_t preimage[32])
{
	script_push_op(s, OP_DUP);
	script_push_op(s, OP_HASH160);
	push_hash160_of_key(s, 0x11);
	script_push_op(s, OP_EQUAL);
	script_push_op(s, OP_IF);
	script_push_op(s, OP_CHECKSIG);
	script_push_op(s, OP_ELSE);
	push_key(s, 0x66);
	script_push_op(s, OP_SWAP);
	script_push_op(s, OP_SIZE);
	script_push_num(s, 32);
	script_push_op(s, OP_EQUAL);
	script_push_op(s, OP_NOTIF);
	script_push_op(s, OP_DROP);
	script_push_num(s, 2);
	script_push_op(s, OP_SWAP);
	push_key(s, 0x77);
	script_push_num(s, 2);
	script_push_op(s, OP_CHECKMULTISIG);
	script_push_op(s, OP_ELSE);
	script_push_op(s, OP_HASH160);
	push_payment_hash160(s, preimage);
	script_push_op(s, OP_EQUALVERIFY);
	script_push_op(s, OP_CHECKSIG);
	script_push_op(s, OP_ENDIF);
	script_push_op(s, OP_ENDIF);
}

static void pubkey_hex(char out[67], uint8_t fill)
{
	struct pubkey key = test_pubkey(fill);
	uint8_t der[PUBKEY_CMPR_LEN];

	pubkey_serialize(ctx, der, &key);
	hex_encode(out, der, sizeof(der));
}

static void test_offered_htlc_paths(void)
{
	static const char preimage_hex[] =
		"0505050505050505050505050505050505050505050505050505050505050505";
	uint8_t preimage[32];
	struct wirebuf *script = wirebuf_new();
	char revocation[67];
	struct bitcoin_tx *tx = spend_tx(2, 0, 0);

	hex_to_array(preimage, sizeof(preimage), preimage_hex);
	offered_htlc_script(script, preimage);
	pubkey_hex(revocation, 0x11);
	{
		/* The remote node claims with the preimage. */
		const char *items[] = {"SIG", preimage_hex};
		CHECK(spend_p2wsh(tx, script, items, 2, 0x66, STANDARD) == SCRIPT_ERR_OK);
		CHECK(spend_p2wsh(tx, script, items, 2, 0x77, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);
	}
	{
		const char *wrong[] = {"SIG",
			"0606060606060606060606060606060606060606060606060606060606060606"};
		CHECK(spend_p2wsh(tx, script, wrong, 2, 0x66, MANDATORY)
		      == SCRIPT_ERR_EQUALVERIFY);
	}
	{
		/* Revocation: <revocation_sig> <revocationpubkey>. */
		const char *items[] = {"SIG", revocation};
		CHECK(spend_p2wsh(tx, script, items, 2, 0x11, STANDARD) == SCRIPT_ERR_OK);
	}
	{
		/* The timeout path's 2-of-2 with only the remote signature:
		 * 0 <remotesig> <> <> fails the multisig, and under policy
		 * the failed non-empty signature is itself an error. */
		const char *items[] = {"", "SIG", "", ""};
		CHECK(spend_p2wsh(tx, script, items, 4, 0x66, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);
		CHECK(spend_p2wsh(tx, script, items, 4, 0x66, STANDARD) == SCRIPT_ERR_SIG_NULLFAIL);
	}
	bitcoin_tx_free(tx);
	wirebuf_free(script);
}

/* BOLT #3 received HTLC (without anchors): the timeout path has the
 * remote node wait for cltv_expiry. */
static void received_htlc_script(struct wirebuf *s, const uint8_t preimage[32],
				 int64_t cltv_expiry)
{
	script_push_op(s, OP_DUP);
	script_push_op(s, OP_HASH160);
	push_hash160_of_key(s, 0x11);
	script_push_op(s, OP_EQUAL);
	script_push_op(s, OP_IF);
	script_push_op(s, OP_CHECKSIG);
	script_push_op(s, OP_ELSE);
	push_key(s, 0x66);
	script_push_op(s, OP_SWAP);
	script_push_op(s, OP_SIZE);
	script_push_num(s, 32);
	script_push_op(s, OP_EQUAL);
	script_push_op(s, OP_IF);
	script_push_op(s, OP_HASH160);
	push_payment_hash160(s, preimage);
	script_push_op(s, OP_EQUALVERIFY);
	script_push_num(s, 2);
	script_push_op(s, OP_SWAP);
	push_key(s, 0x77);
	script_push_num(s, 2);
	script_push_op(s, OP_CHECKMULTISIG);
	script_push_op(s, OP_ELSE);
	script_push_op(s, OP_DROP);
	script_push_num(s, cltv_expiry);
	script_push_op(s, OP_CHECKLOCKTIMEVERIFY);
	script_push_op(s, OP_DROP);
	script_push_op(s, OP_CHECKSIG);
	script_push_op(s, OP_ENDIF);
	script_push_op(s, OP_ENDIF);
}

static void test_received_htlc_timeout_cltv(void)
{
	uint8_t preimage[32];
	struct wirebuf *script = wirebuf_new();
	const char *timeout[] = {"SIG", ""};
	struct bitcoin_tx *tx;

	memset(preimage, 7, sizeof(preimage));
	received_htlc_script(script, preimage, 500);
	tx = spend_tx(2, 500, 0xfffffffe);
	CHECK(spend_p2wsh(tx, script, timeout, 2, 0x66, STANDARD) == SCRIPT_ERR_OK);
	bitcoin_tx_free(tx);
	/* Too early. */
	tx = spend_tx(2, 499, 0xfffffffe);
	CHECK(spend_p2wsh(tx, script, timeout, 2, 0x66, MANDATORY)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	/* A final input would make nLockTime meaningless. */
	tx = spend_tx(2, 500, 0xffffffff);
	CHECK(spend_p2wsh(tx, script, timeout, 2, 0x66, MANDATORY)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	/* A timestamp lock time never satisfies a block height. */
	tx = spend_tx(2, 500000000, 0);
	CHECK(spend_p2wsh(tx, script, timeout, 2, 0x66, MANDATORY)
	      == SCRIPT_ERR_UNSATISFIED_LOCKTIME);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
}

/* 2 <a> <b> 2 OP_CHECKMULTISIG: order and the BIP147 dummy. */
static void test_funding_multisig_rules(void)
{
	struct wirebuf *script = wirebuf_new(), *buf = wirebuf_new();
	struct bitcoin_tx *tx = spend_tx(2, 0, 0xffffffff);
	uint8_t sig_a[BITCOIN_SIGNATURE_MAX_LEN], sig_b[BITCOIN_SIGNATURE_MAX_LEN];
	size_t len_a, len_b;
	struct bitcoin_tx_output spent;
	uint8_t one = 1;

	script_push_num(script, 2);
	push_key(script, 0x11);
	push_key(script, 0x22);
	script_push_num(script, 2);
	script_push_op(script, OP_CHECKMULTISIG);
	spent = p2wsh_output(buf, script->data, script->len, 100000);
	len_a = sign_v0(sig_a, tx, script, 100000, 0x11, SIGHASH_ALL);
	len_b = sign_v0(sig_b, tx, script, 100000, 0x22, SIGHASH_ALL);

	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig_a, len_a);
	bitcoin_tx_push_witness(tx, 0, sig_b, len_b);
	bitcoin_tx_push_witness(tx, 0, script->data, script->len);
	CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_OK);

	/* Signatures in the wrong order. */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig_b, len_b);
	bitcoin_tx_push_witness(tx, 0, sig_a, len_a);
	bitcoin_tx_push_witness(tx, 0, script->data, script->len);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);

	/* A non-empty dummy. */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, &one, 1);
	bitcoin_tx_push_witness(tx, 0, sig_a, len_a);
	bitcoin_tx_push_witness(tx, 0, sig_b, len_b);
	bitcoin_tx_push_witness(tx, 0, script->data, script->len);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_SIG_NULLDUMMY);

	/* A witness script that is not the one committed to. */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig_a, len_a);
	bitcoin_tx_push_witness(tx, 0, sig_b, len_b);
	bitcoin_tx_push_witness(tx, 0, script->data, script->len - 1);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
	wirebuf_free(buf);
}

/* ---- P2WPKH, P2SH, legacy ---- */

static void test_p2wpkh_rules(void)
{
	struct pubkey key = test_pubkey(0x11);
	uint8_t der[PUBKEY_CMPR_LEN], sig[BITCOIN_SIGNATURE_MAX_LEN];
	struct wirebuf *out_script = wirebuf_new(), *code = wirebuf_new();
	struct bitcoin_tx *tx = spend_tx(2, 0, 0xffffffff);
	struct bitcoin_tx_output spent;
	struct ripemd160 key_hash;
	size_t sig_len;

	pubkey_serialize(ctx, der, &key);
	hash160(&key_hash, der, sizeof(der));
	script_p2wpkh(out_script, &key_hash);
	script_code_for_p2wpkh(code, &key_hash);
	spent.amount_sat = 100000;
	spent.script = out_script->data;
	spent.script_len = out_script->len;
	sig_len = sign_v0(sig, tx, code, 100000, 0x11, SIGHASH_ALL);

	bitcoin_tx_push_witness(tx, 0, sig, sig_len);
	bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
	CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_OK);

	/* High S: policy rejects it, consensus does not. */
	{
		secp256k1_ecdsa_signature parsed;
		uint8_t compact[64], high[BITCOIN_SIGNATURE_MAX_LEN];
		size_t high_len = sizeof(high);
		static const uint8_t n[32] = {
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
			0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
		int borrow = 0;
		secp256k1_ecdsa_signature_parse_der(ctx, &parsed, sig, sig_len - 1);
		secp256k1_ecdsa_signature_serialize_compact(ctx, compact, &parsed);
		/* s = n - s */
		for (int i = 31; i >= 0; i--) {
			int d = n[i] - compact[32 + i] - borrow;
			borrow = d < 0;
			compact[32 + i] = (uint8_t)(d + (borrow ? 256 : 0));
		}
		secp256k1_ecdsa_signature_parse_compact(ctx, &parsed, compact);
		secp256k1_ecdsa_signature_serialize_der(ctx, high, &high_len, &parsed);
		high[high_len++] = SIGHASH_ALL;
		bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
		bitcoin_tx_push_witness(tx, 0, high, high_len);
		bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
		CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_SIG_HIGH_S);
		CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_OK);
	}
	/* Another key's witness. */
	{
		struct pubkey other = test_pubkey(0x12);
		uint8_t other_der[PUBKEY_CMPR_LEN];
		pubkey_serialize(ctx, other_der, &other);
		bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
		bitcoin_tx_push_witness(tx, 0, sig, sig_len);
		bitcoin_tx_push_witness(tx, 0, other_der, sizeof(other_der));
		CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_EQUALVERIFY);
	}
	/* Not DER: consensus (BIP66). */
	{
		uint8_t bad[BITCOIN_SIGNATURE_MAX_LEN];
		memcpy(bad, sig, sig_len);
		bad[0] = 0x31;
		bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
		bitcoin_tx_push_witness(tx, 0, bad, sig_len);
		bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
		CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_SIG_DER);
	}
	/* An undefined hash type: policy. */
	{
		uint8_t bad[BITCOIN_SIGNATURE_MAX_LEN];
		memcpy(bad, sig, sig_len);
		bad[sig_len - 1] = 0x04;
		bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
		bitcoin_tx_push_witness(tx, 0, bad, sig_len);
		bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
		CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_SIG_HASHTYPE);
	}
	/* Three witness items, or none, are not P2WPKH's two. */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
	/* A scriptSig on a native witness spend. */
	bitcoin_tx_push_witness(tx, 0, sig, sig_len);
	bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
	bitcoin_tx_set_script_sig(tx, 0, (const uint8_t *)"\x51", 1);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_WITNESS_MALLEATED);
	bitcoin_tx_free(tx);
	wirebuf_free(out_script);
	wirebuf_free(code);
}

static void test_p2sh_p2wpkh(void)
{
	struct pubkey key = test_pubkey(0x21);
	uint8_t der[PUBKEY_CMPR_LEN], sig[BITCOIN_SIGNATURE_MAX_LEN];
	struct wirebuf *redeem = wirebuf_new(), *out_script = wirebuf_new();
	struct wirebuf *code = wirebuf_new(), *script_sig = wirebuf_new();
	struct bitcoin_tx *tx = spend_tx(2, 0, 0xffffffff);
	struct bitcoin_tx_output spent;
	struct ripemd160 key_hash;
	size_t sig_len;

	pubkey_serialize(ctx, der, &key);
	hash160(&key_hash, der, sizeof(der));
	script_p2wpkh(redeem, &key_hash);
	script_p2sh_for_redeem_script(out_script, redeem->data, redeem->len);
	script_code_for_p2wpkh(code, &key_hash);
	script_push_data(script_sig, redeem->data, redeem->len);
	spent.amount_sat = 100000;
	spent.script = out_script->data;
	spent.script_len = out_script->len;
	sig_len = sign_v0(sig, tx, code, 100000, 0x21, SIGHASH_ALL);
	bitcoin_tx_set_script_sig(tx, 0, script_sig->data, script_sig->len);
	bitcoin_tx_push_witness(tx, 0, sig, sig_len);
	bitcoin_tx_push_witness(tx, 0, der, sizeof(der));
	CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_OK);
	/* The redeem script pushed with an extra item. */
	script_push_op(script_sig, OP_0);
	bitcoin_tx_set_script_sig(tx, 0, script_sig->data, script_sig->len);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) != SCRIPT_ERR_OK);
	bitcoin_tx_free(tx);
	wirebuf_free(redeem);
	wirebuf_free(out_script);
	wirebuf_free(code);
	wirebuf_free(script_sig);
}

/* ---- Taproot ---- */

static void test_taproot_key_path(void)
{
	struct privkey key = test_key(0x31);
	struct xonly_pubkey internal, output;
	struct wirebuf *out_script = wirebuf_new();
	struct bitcoin_tx *tx = spend_tx(2, 0, 0xffffffff);
	uint8_t sig[TAPROOT_SIGNATURE_MAX_LEN], program[32];
	struct bitcoin_tx_output spent;
	struct sha256 hash;
	size_t sig_len;

	xonly_pubkey_from_privkey(ctx, &internal, &key);
	taproot_tweak_pubkey(ctx, &output, NULL, &internal, NULL);
	xonly_pubkey_serialize(ctx, program, &output);
	script_p2tr(out_script, program);
	spent.amount_sat = 100000;
	spent.script = out_script->data;
	spent.script_len = out_script->len;

	bip341_sighash(&hash, tx, 0, &spent, SIGHASH_DEFAULT, NULL, 0, NULL);
	taproot_sign_keypath(ctx, sig, &sig_len, &hash, &key, NULL, SIGHASH_DEFAULT, NULL);
	bitcoin_tx_push_witness(tx, 0, sig, sig_len);
	CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_OK);

	sig[10] ^= 1;
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig, sig_len);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_SCHNORR_SIG);
	sig[10] ^= 1;
	/* An explicit SIGHASH_DEFAULT byte is not allowed. */
	sig[64] = 0;
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig, 65);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_SCHNORR_SIG_HASHTYPE);
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig, 63);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_SCHNORR_SIG_SIZE);
	bitcoin_tx_free(tx);
	wirebuf_free(out_script);
}

/* A one-leaf tree: <xonly key> OP_CHECKSIG, spent by script path. */
static void test_taproot_script_path(void)
{
	struct privkey internal_key = test_key(0x41), leaf_key = test_key(0x42);
	struct xonly_pubkey internal, leaf, output;
	struct wirebuf *leaf_script = wirebuf_new(), *out_script = wirebuf_new();
	struct bitcoin_tx *tx = spend_tx(2, 0, 0xffffffff);
	uint8_t leaf_bytes[32], program[32], control[33], sig[64];
	struct taproot_script_path path = {.codesep_pos = 0xffffffff};
	struct bitcoin_tx_output spent;
	struct sha256 hash;
	int parity;

	xonly_pubkey_from_privkey(ctx, &internal, &internal_key);
	xonly_pubkey_from_privkey(ctx, &leaf, &leaf_key);
	xonly_pubkey_serialize(ctx, leaf_bytes, &leaf);
	script_push_data(leaf_script, leaf_bytes, 32);
	script_push_op(leaf_script, OP_CHECKSIG);
	taproot_leaf_hash(&path.tapleaf_hash, TAPROOT_LEAF_TAPSCRIPT,
			  leaf_script->data, leaf_script->len);
	taproot_tweak_pubkey(ctx, &output, &parity, &internal, &path.tapleaf_hash);
	xonly_pubkey_serialize(ctx, program, &output);
	script_p2tr(out_script, program);
	control[0] = (uint8_t)(TAPROOT_LEAF_TAPSCRIPT | parity);
	xonly_pubkey_serialize(ctx, control + 1, &internal);
	spent.amount_sat = 100000;
	spent.script = out_script->data;
	spent.script_len = out_script->len;

	bip341_sighash(&hash, tx, 0, &spent, SIGHASH_DEFAULT, NULL, 0, &path);
	bip340_sign(ctx, sig, hash.u8, sizeof(hash.u8), &leaf_key, NULL);
	bitcoin_tx_push_witness(tx, 0, sig, sizeof(sig));
	bitcoin_tx_push_witness(tx, 0, leaf_script->data, leaf_script->len);
	bitcoin_tx_push_witness(tx, 0, control, sizeof(control));
	CHECK(verify_input(tx, 0, &spent, STANDARD) == SCRIPT_ERR_OK);

	/* The wrong parity bit breaks the commitment. */
	control[0] ^= 1;
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig, sizeof(sig));
	bitcoin_tx_push_witness(tx, 0, leaf_script->data, leaf_script->len);
	bitcoin_tx_push_witness(tx, 0, control, sizeof(control));
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_WITNESS_PROGRAM_MISMATCH);
	control[0] ^= 1;
	/* A short control block. */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, sig, sizeof(sig));
	bitcoin_tx_push_witness(tx, 0, leaf_script->data, leaf_script->len);
	bitcoin_tx_push_witness(tx, 0, control, 32);
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_TAPROOT_WRONG_CONTROL_SIZE);
	/* An empty signature makes CHECKSIG false: not clean. */
	bitcoin_tx_set_witness(tx, 0, NULL, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, NULL, 0);
	bitcoin_tx_push_witness(tx, 0, leaf_script->data, leaf_script->len);
	bitcoin_tx_push_witness(tx, 0, control, sizeof(control));
	CHECK(verify_input(tx, 0, &spent, MANDATORY) == SCRIPT_ERR_EVAL_FALSE);
	bitcoin_tx_free(tx);
	wirebuf_free(leaf_script);
	wirebuf_free(out_script);
}

/* ---- Opcodes ---- */

/* Runs a P2WSH witness script (given as hex) with hex witness items and
 * no signatures; returns the error under policy flags. */
static enum script_error run_script(const char *script_hex, const char *const *items,
				    size_t num)
{
	struct wirebuf *script = wirebuf_new();
	struct bitcoin_tx *tx = spend_tx(2, 0, 0xffffffff);
	size_t len;
	uint8_t *bytes = hex_to_bytes(script_hex, &len);
	enum script_error err;

	wirebuf_append(script, bytes, len);
	err = spend_p2wsh(tx, script, items, num, 0, STANDARD);
	free(bytes);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
	return err;
}

static void test_opcodes(void)
{
	const char *none[] = {NULL};
	const char *abc[] = {"616263"};

	/* 2 3 ADD 5 EQUAL */
	CHECK(run_script("52539355" "87", none, 0) == SCRIPT_ERR_OK);
	/* 2 3 ADD 6 EQUAL */
	CHECK(run_script("5253935687", none, 0) == SCRIPT_ERR_EVAL_FALSE);
	/* 1 2 3 ROT: 2 3 1; DROP DROP 2 EQUAL */
	CHECK(run_script("5152537b7575" "5287", none, 0) == SCRIPT_ERR_OK);
	/* SHA1("abc") */
	CHECK(run_script("a714a9993e364706816aba3e25717850c26c9cd0d89d87", abc, 1)
	      == SCRIPT_ERR_OK);
	/* SHA256("abc") */
	CHECK(run_script("a820ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad87",
			 abc, 1) == SCRIPT_ERR_OK);
	/* 1 IF without ENDIF */
	CHECK(run_script("5163", none, 0) == SCRIPT_ERR_UNBALANCED_CONDITIONAL);
	/* OP_RETURN */
	CHECK(run_script("6a", none, 0) == SCRIPT_ERR_OP_RETURN);
	/* OP_CAT, disabled even unexecuted: 0 IF CAT ENDIF 1 */
	CHECK(run_script("00637e6851", none, 0) == SCRIPT_ERR_DISABLED_OPCODE);
	/* A non-minimal push of 1: policy */
	CHECK(run_script("0101", none, 0) == SCRIPT_ERR_MINIMALDATA);
	/* DROP on an empty stack */
	CHECK(run_script("75", none, 0) == SCRIPT_ERR_INVALID_STACK_OPERATION);
	/* NOP4: discouraged by policy */
	CHECK(run_script("b351", none, 0) == SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS);
	/* 1 2 3 4 2SWAP: 3 4 1 2; 2 EQUALVERIFY 1 EQUALVERIFY DROP DROP 1 */
	CHECK(run_script("51525354725288518875" "7551", none, 0) == SCRIPT_ERR_OK);
	/* 0 NOTIF 1 ELSE 0 ENDIF: takes the NOTIF branch */
	CHECK(run_script("0064516700" "68", none, 0) == SCRIPT_ERR_OK);
	/* 5 SIZE: size of 5 is 1 -> 5 1 ; NIP */
	CHECK(run_script("558277", none, 0) == SCRIPT_ERR_OK);
	/* 1 0 1 WITHIN */
	CHECK(run_script("510051a5", none, 0) == SCRIPT_ERR_EVAL_FALSE);
	/* 0 0 1 WITHIN */
	CHECK(run_script("000051a5", none, 0) == SCRIPT_ERR_OK);
}

static void test_error_strings_are_cores(void)
{
	CHECK_STREQ(script_error_string(SCRIPT_ERR_EVAL_FALSE),
		    "Script evaluated without error but finished with a false/empty top stack element");
	CHECK_STREQ(script_error_string(SCRIPT_ERR_UNSATISFIED_LOCKTIME),
		    "Locktime requirement not satisfied");
	CHECK_STREQ(script_error_string(SCRIPT_ERR_SIG_NULLFAIL),
		    "Signature must be zero for failed CHECK(MULTI)SIG operation");
}

int main(void)
{
	ctx = crypto_secp_context_new();
	if (!ctx)
		test_bail_out("cannot initialise libsodium and libsecp256k1");
	RUN(test_bolt3_funding_tx_spends_p2pkh_coinbase);
	RUN(test_bolt3_commitment_and_htlc_txs_verify);
	RUN(test_bolt3_anchor_commitment_and_htlc_txs_verify);
	RUN(test_bolt3_commitment_with_bad_signature_fails);
	RUN(test_to_local_paths);
	RUN(test_to_remote_anchors_csv);
	RUN(test_anchor_output);
	RUN(test_offered_htlc_paths);
	RUN(test_received_htlc_timeout_cltv);
	RUN(test_funding_multisig_rules);
	RUN(test_p2wpkh_rules);
	RUN(test_p2sh_p2wpkh);
	RUN(test_taproot_key_path);
	RUN(test_taproot_script_path);
	RUN(test_opcodes);
	RUN(test_error_strings_are_cores);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
