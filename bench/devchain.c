/* bench/devchain: how long does ohm-devchain take to validate a block of
 * 2,000 transactions, and to accept one transaction to its mempool?
 *
 * Runs a real devchain on a temporary directory (SQLite on disk, WAL,
 * synchronous=FULL, as ohm-devchain runs): the pure API has no whole-block
 * validation, because the UTXO set lives in the store.  Setup, not timed:
 * mine coinbases to a P2WPKH key, mature them, fan them out into P2WPKH
 * outputs with a few 1,000-output transactions, and sign TXS transactions
 * shaped as bench/chain's (two P2WPKH inputs with real BIP143 ECDSA
 * signatures, two P2WPKH outputs) into one block.  Then, RUNS times:
 *
 *  - validate_block_ms: devchain_test_block(), generateblock's
 *    TestBlockValidity: CheckBlock (merkle root, weight, sigops, each tx's
 *    CheckTransaction, BIP34 height, witness commitment), then ConnectBlock
 *    against the UTXO set in SQLite (each input looked up and spent, so a
 *    double spend fails; maturity and amounts; BIP68; every script under
 *    the consensus flags; coins, undo data and txindex written), rolled
 *    back.  Submitting a block runs the same connect_block(), then stores
 *    the block and commits.
 *  - scripts_ms: the script checks alone, tx_check_scripts() of every
 *    transaction with its coins in memory (the consensus flags).
 *  - mempool_accept_us_per_tx: mempool_accept(MEMPOOL_TEST) of each
 *    transaction into the empty mempool: the validation sendrawtransaction
 *    and testmempoolaccept run (consensus, policy, standard script flags).
 *
 * Prints one JSON object per run.  Arguments: [RUNS [TXS_PER_BLOCK]]
 * (default 5 and 2000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "contrib/devchain/devchain.h"
#include "contrib/devchain/interpreter.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "crypto/util.h"

#define INPUTS_PER_TX 2
/* Outputs per fan-out transaction: 1,000 keeps it under the standard
 * weight, as a wallet's would be. */
#define FANOUT_OUTPUTS 1000
#define FEE_SAT 1000
#define MAX_TRIES 1000000

struct bench {
	struct devchain d;
	struct privkey key;
	uint8_t pubkey[PUBKEY_CMPR_LEN];
	struct wirebuf *script;		/* our P2WPKH scriptPubKey */
	struct wirebuf *script_code;	/* its BIP143 scriptCode */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs input i of tx, which spends amount_sat paid to our key. */
static void sign_input(struct bench *b, struct bitcoin_tx *tx, size_t i,
		       uint64_t amount_sat)
{
	uint8_t sig[BITCOIN_SIGNATURE_MAX_LEN];
	struct bitcoin_signature bsig;
	struct sha256 sighash;
	size_t sig_len;

	bip143_sighash(&sighash, tx, i, b->script_code->data, b->script_code->len,
		       amount_sat, SIGHASH_ALL);
	bitcoin_signature_sign(b->d.secp, &bsig, &sighash, &b->key, SIGHASH_ALL);
	sig_len = bitcoin_signature_serialize(b->d.secp, sig, &bsig);
	bitcoin_tx_push_witness(tx, i, sig, sig_len);
	bitcoin_tx_push_witness(tx, i, b->pubkey, sizeof(b->pubkey));
}

/* A transaction spending prevouts[0..num_inputs), each worth input_sat,
 * into num_outputs equal outputs to our key, less FEE_SAT; signed. */
static struct bitcoin_tx *make_tx(struct bench *b,
				  const struct bitcoin_outpoint *prevouts,
				  size_t num_inputs, uint64_t input_sat,
				  size_t num_outputs)
{
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	uint64_t output_sat = (input_sat * num_inputs - FEE_SAT) / num_outputs;

	for (size_t i = 0; i < num_inputs; i++)
		bitcoin_tx_add_input(tx, &prevouts[i], 0xfffffffd);
	for (size_t i = 0; i < num_outputs; i++)
		bitcoin_tx_add_output(tx, output_sat, b->script->data, b->script->len);
	for (size_t i = 0; i < num_inputs; i++)
		sign_input(b, tx, i, input_sat);
	return tx;
}

/* Mines one block with txs on the tip, paying our key (generateblock). */
static bool mine(struct bench *b, struct bitcoin_tx *const *txs, size_t num_txs)
{
	struct validation_state st = {0};
	struct sha256_double hash;
	uint64_t tries = MAX_TRIES;
	int made = devchain_mine(&b->d, b->script->data, b->script->len, false,
				 txs, num_txs, &tries, &hash, &st);

	if (made != 1)
		fprintf(stderr, "bench/devchain: mining failed: %s %s\n", st.reason,
			st.debug);
	return made == 1;
}

/* Mines num_fanouts mature coinbases and fans each out into FANOUT_OUTPUTS
 * outputs to our key, confirmed.  Returns: the outputs (free() them),
 * each worth *output_sat; NULL if mining failed. */
static struct bitcoin_outpoint *fan_out(struct bench *b, size_t num_fanouts,
					uint64_t *output_sat)
{
	struct bitcoin_tx **fanouts = wire_calloc(num_fanouts, sizeof(*fanouts));
	struct bitcoin_outpoint *outputs = wire_calloc(num_fanouts * FANOUT_OUTPUTS,
						       sizeof(*outputs));
	bool ok = true;

	for (size_t i = 0; ok && i < num_fanouts + COINBASE_MATURITY; i++)
		ok = mine(b, NULL, 0);
	for (size_t f = 0; ok && f < num_fanouts; f++) {
		const struct block_index *index = chain_at(b->d.chain, (uint32_t)f + 1);
		struct bitcoin_block *block = chain_read_block(b->d.chain, index);
		struct bitcoin_outpoint coinbase = {.vout = 0};

		bitcoin_tx_txid(&coinbase.txid, block->txs[0]);
		fanouts[f] = make_tx(b, &coinbase, 1, block->txs[0]->outputs[0].amount_sat,
				     FANOUT_OUTPUTS);
		*output_sat = fanouts[f]->outputs[0].amount_sat;
		for (size_t j = 0; j < FANOUT_OUTPUTS; j++) {
			bitcoin_tx_txid(&outputs[f * FANOUT_OUTPUTS + j].txid, fanouts[f]);
			outputs[f * FANOUT_OUTPUTS + j].vout = (uint32_t)j;
		}
		bitcoin_block_free(block);
	}
	ok = ok && mine(b, fanouts, num_fanouts);
	for (size_t f = 0; f < num_fanouts; f++)
		bitcoin_tx_free(fanouts[f]);
	free(fanouts);
	if (!ok) {
		free(outputs);
		return NULL;
	}
	return outputs;
}

/* One timed run over txs[0..num_txs) and the block holding them. */
static bool run(struct bench *b, size_t run_number, struct bitcoin_tx *const *txs,
		size_t num_txs, const struct bitcoin_block *block, uint64_t input_sat)
{
	struct coin coins[INPUTS_PER_TX];
	struct validation_state st = {0};
	struct mempool_accept_result res;
	double start, block_seconds, script_seconds, mempool_seconds;
	bool ok;

	start = now_seconds();
	ok = devchain_test_block(&b->d, block, &st);
	block_seconds = now_seconds() - start;

	/* What every input spends (scripts read only the output). */
	for (size_t i = 0; i < INPUTS_PER_TX; i++) {
		coins[i].out.amount_sat = input_sat;
		coins[i].out.script = b->script->data;
		coins[i].out.script_len = b->script->len;
		coins[i].height = 1;
		coins[i].is_coinbase = false;
	}
	start = now_seconds();
	for (size_t t = 0; ok && t < num_txs; t++)
		ok = tx_check_scripts(b->d.secp, txs[t], coins, SCRIPT_VERIFY_MANDATORY, &st);
	script_seconds = now_seconds() - start;

	start = now_seconds();
	for (size_t t = 0; ok && t < num_txs; t++)
		ok = mempool_accept(b->d.mempool, txs[t], devchain_now(&b->d), MEMPOOL_TEST,
				    &res, &st);
	mempool_seconds = now_seconds() - start;
	if (!ok) {
		fprintf(stderr, "bench/devchain: validation failed: %s %s\n", st.reason,
			st.debug);
		return false;
	}
	printf("{\"bench\":\"devchain\",\"run\":%zu,\"txs_per_block\":%zu,\"inputs\":%zu,"
	       "\"block_bytes\":%zu,\"block_weight\":%zu,\"validate_block_ms\":%.1f,"
	       "\"scripts_ms\":%.1f,\"txs_per_second\":%.0f,\"mempool_accept_us_per_tx\":%.1f}\n",
	       run_number, num_txs, num_txs * INPUTS_PER_TX, block_total_size(block),
	       block_weight(block), 1000 * block_seconds, 1000 * script_seconds,
	       num_txs / block_seconds, 1e6 * mempool_seconds / num_txs);
	fflush(stdout);
	return true;
}

/* Removes what devchain_open() created in dir, and dir. */
static void remove_datadir(const char *dir)
{
	static const char *const files[] = {
		"devchain.sqlite3", "devchain.sqlite3-wal", "devchain.sqlite3-shm",
	};
	char path[200];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char *argv[])
{
	size_t runs = argc > 1 ? strtoul(argv[1], NULL, 10) : 5;
	size_t num_txs = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	size_t num_fanouts = (num_txs * INPUTS_PER_TX + FANOUT_OUTPUTS - 1) / FANOUT_OUTPUTS;
	char dir[] = "/tmp/ohm-bench-devchain-XXXXXX", err[300];
	struct bench b = {0};
	struct bitcoin_outpoint *outputs = NULL;
	struct bitcoin_tx **txs = NULL;
	struct bitcoin_block *block = NULL;
	uint64_t output_sat = 0, tries = MAX_TRIES;
	struct ripemd160 key_hash;
	struct pubkey pubkey;
	bool ok;

	if (runs == 0 || num_txs == 0 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench/devchain [RUNS [TXS_PER_BLOCK]]\n");
		return 1;
	}
	ok = devchain_open(&b.d, dir, err, sizeof(err));
	if (!ok)
		fprintf(stderr, "bench/devchain: %s\n", err);
	b.script = wirebuf_new();
	b.script_code = wirebuf_new();
	if (ok) {
		privkey_generate(b.d.secp, &b.key);
		pubkey_from_privkey(b.d.secp, &pubkey, &b.key);
		pubkey_serialize(b.d.secp, b.pubkey, &pubkey);
		hash160(&key_hash, b.pubkey, sizeof(b.pubkey));
		script_p2wpkh(b.script, &key_hash);
		script_code_for_p2wpkh(b.script_code, &key_hash);
		outputs = fan_out(&b, num_fanouts, &output_sat);
		txs = wire_calloc(num_txs, sizeof(*txs));
		ok = outputs != NULL;
	}
	for (size_t t = 0; ok && t < num_txs; t++)
		txs[t] = make_tx(&b, &outputs[t * INPUTS_PER_TX], INPUTS_PER_TX, output_sat,
				 2);
	ok = ok && devchain_make_block(&b.d, b.script->data, b.script->len, false, txs,
				       num_txs, &tries, &block);
	for (size_t r = 1; ok && r <= runs; r++)
		ok = run(&b, r, txs, num_txs, block, output_sat);

	bitcoin_block_free(block);
	for (size_t t = 0; txs && t < num_txs; t++)
		bitcoin_tx_free(txs[t]);
	free(txs);
	free(outputs);
	wirebuf_free(b.script);
	wirebuf_free(b.script_code);
	CRYPTO_WIPE(&b.key);
	devchain_close(&b.d);
	remove_datadir(dir);
	return ok ? 0 : 1;
}
