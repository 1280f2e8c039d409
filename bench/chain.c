/* bench/chain: how many blocks per second does the chain client process?
 *
 * Builds synthetic blocks of 2,000 segwit transactions (two inputs with
 * 72- and 33-byte witness items, two P2WPKH outputs: 372 bytes, 209
 * vbytes each, so ~740 KB blocks), some paying or spending the wallet, and
 * feeds
 * them, hex-encoded as getblock returns them, through what the client does
 * with each: hex decode, parse, the wallet's scan of every input and
 * output, and the database transaction recording the block (on disk,
 * synchronous=FULL, as ohmd runs).  Fetching over RPC is not measured.
 *
 * Prints one JSON object per line, for blocks where 1% of transactions
 * touch the wallet and where none do.  Arguments: [BLOCKS [TXS_PER_BLOCK]]
 * (default 40 and 2000).
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bitcoin/address.h"
#include "bitcoin/block.h"
#include "bitcoin/chainparams.h"
#include "bitcoin/script.h"
#include "common/hex.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "daemon/chain/chain.h"
#include "daemon/log.h"
#include "daemon/commands/rpc_wallet_json.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"

#define OUR_ADDRESSES 50

struct bench {
	struct event_base *base;
	struct log *log;
	struct db *db;
	struct chain *chain;
	struct wallet *wallet;
	struct wirebuf *our_scripts[OUR_ADDRESSES];
	/* Our outputs not yet spent by a generated block. */
	struct bitcoin_outpoint *unspent;
	size_t num_unspent;
	struct bitcoin_blkid tip;
	bool has_blocks;
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t random_below(uint32_t n)
{
	uint32_t r;
	crypto_random_bytes(&r, sizeof(r));
	return r % n;
}

static struct bitcoin_tx *make_tx(struct bench *b, bool touches_wallet)
{
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	uint8_t sig[72], pubkey[33], script[22] = {OP_0, 20};

	crypto_random_bytes(sig, sizeof(sig));
	crypto_random_bytes(pubkey, sizeof(pubkey));
	for (size_t i = 0; i < 2; i++) {
		struct bitcoin_outpoint prevout;
		/* Half the wallet's transactions spend one of its coins. */
		if (touches_wallet && i == 0 && b->num_unspent && random_below(2)) {
			prevout = b->unspent[--b->num_unspent];
			touches_wallet = false;
		} else {
			crypto_random_bytes(&prevout.txid, sizeof(prevout.txid));
			prevout.vout = random_below(4);
		}
		bitcoin_tx_add_input(tx, &prevout, 0xfffffffd);
		bitcoin_tx_push_witness(tx, i, sig, sizeof(sig));
		bitcoin_tx_push_witness(tx, i, pubkey, sizeof(pubkey));
	}
	for (size_t i = 0; i < 2; i++) {
		if (touches_wallet && i == 0) {
			const struct wirebuf *ours = b->our_scripts[random_below(OUR_ADDRESSES)];
			bitcoin_tx_add_output(tx, 10000 + random_below(1000000), ours->data, ours->len);
		} else {
			crypto_random_bytes(script + 2, 20);
			bitcoin_tx_add_output(tx, 10000 + random_below(1000000), script,
					      sizeof(script));
		}
	}
	if (touches_wallet) {
		struct bitcoin_outpoint *grown = realloc(b->unspent, (b->num_unspent + 1)
							 * sizeof(*grown));
		if (grown) {
			b->unspent = grown;
			bitcoin_tx_txid(&b->unspent[b->num_unspent].txid, tx);
			b->unspent[b->num_unspent++].vout = 0;
		}
	}
	return tx;
}

/* The next block on b->tip, hex-encoded as getblock returns it. */
static char *make_block(struct bench *b, uint32_t height, size_t num_txs, unsigned percent_ours)
{
	struct bitcoin_block_header header = {.version = 0x20000000, .prev_hash = b->tip,
					      .timestamp = 1700000000 + height, .bits = 0x207fffff};
	struct bitcoin_block *block = bitcoin_block_new(&header);
	struct bitcoin_tx *coinbase = bitcoin_tx_new(2, 0);
	struct bitcoin_outpoint null = {.vout = 0xffffffff};
	struct wirebuf *raw = wirebuf_new(), *sig = wirebuf_new();
	uint8_t anyone[1] = {OP_TRUE};
	char *hex;

	script_push_num(sig, height);
	bitcoin_tx_add_input(coinbase, &null, 0xffffffff);
	bitcoin_tx_set_script_sig(coinbase, 0, sig->data, sig->len);
	bitcoin_tx_add_output(coinbase, 5000000000ULL, anyone, sizeof(anyone));
	bitcoin_block_add_tx(block, coinbase);
	for (size_t i = 1; i < num_txs; i++)
		bitcoin_block_add_tx(block, make_tx(b, random_below(100) < percent_ours));
	bitcoin_block_merkle_root(&block->header.merkle_root, NULL, block);
	bitcoin_block_header_hash(&b->tip, &block->header);
	bitcoin_block_serialize(raw, block, true);
	hex = malloc(raw->len * 2 + 1);
	if (hex)
		hex_encode(hex, raw->data, raw->len);
	bitcoin_block_free(block);
	wirebuf_free(raw);
	wirebuf_free(sig);
	return hex;
}

/* Processes blocks as the client does with getblock's answer. */
static bool process(struct bench *b, char **blocks, size_t num_blocks, uint32_t first_height)
{
	char err[300];

	for (size_t i = 0; i < num_blocks; i++) {
		size_t len = strlen(blocks[i]) / 2;
		uint8_t *raw = malloc(len);
		bool ok = raw && hex_decode(raw, len, blocks[i], len * 2)
			&& chain_block_connect(b->chain, first_height + (uint32_t)i, raw, len, err,
					       sizeof(err));
		free(raw);
		if (!ok) {
			fprintf(stderr, "bench/chain: block %zu: %s\n", i, err);
			return false;
		}
	}
	return true;
}

static bool run(struct bench *b, size_t num_blocks, size_t txs_per_block, unsigned percent_ours)
{
	char **blocks = calloc(num_blocks, sizeof(*blocks));
	uint32_t first_height = b->has_blocks ? chain_height(b->chain) + 1 : 0;
	size_t bytes = 0;
	double start, seconds;
	bool ok = blocks != NULL;
	json_t *outputs;

	for (size_t i = 0; ok && i < num_blocks; i++) {
		blocks[i] = make_block(b, first_height + (uint32_t)i, txs_per_block, percent_ours);
		ok = blocks[i] != NULL;
		if (ok)
			bytes += strlen(blocks[i]) / 2;
	}
	start = now_seconds();
	ok = ok && process(b, blocks, num_blocks, first_height);
	b->has_blocks = true;
	seconds = now_seconds() - start;
	for (size_t i = 0; blocks && i < num_blocks; i++)
		free(blocks[i]);
	free(blocks);
	if (!ok)
		return false;
	outputs = rpc_wallet_outputs_json(b->wallet, true);
	printf("{\"bench\":\"chain\",\"txs_per_block\":%zu,\"block_bytes\":%zu,"
	       "\"wallet_percent\":%u,\"wallet_outputs\":%zu,\"blocks\":%zu,\"seconds\":%.3f,"
	       "\"blocks_per_second\":%.1f,\"txs_per_second\":%.0f,\"ms_per_block\":%.2f}\n",
	       txs_per_block, bytes / num_blocks, percent_ours, json_array_size(outputs),
	       num_blocks, seconds, num_blocks / seconds, num_blocks * txs_per_block / seconds,
	       1000 * seconds / num_blocks);
	fflush(stdout);
	json_decref(outputs);
	return true;
}

int main(int argc, char *argv[])
{
	size_t num_blocks = argc > 1 ? strtoul(argv[1], NULL, 10) : 40;
	size_t txs_per_block = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
	char dir[] = "/tmp/ohm-bench-chain-XXXXXX", path[100], err[300];
	const struct chainparams *params = chainparams_for_network("regtest");
	struct chain_options opts = {params, 30};
	uint8_t node_secret[32];
	secp256k1_context *secp = crypto_secp_context_new();
	struct bench b = {0};
	bool ok;

	if (!secp || num_blocks == 0 || txs_per_block < 1 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench/chain [BLOCKS [TXS_PER_BLOCK]]\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ohm.sqlite3", dir);
	crypto_random_bytes(node_secret, sizeof(node_secret));
	b.base = event_base_new();
	b.log = log_new("/dev/null", LOG_BROKEN);
	b.db = db_open(path, ohm_migrations, ohm_migrations_count, err, sizeof(err));
	b.chain = b.db ? chain_new(b.base, b.log, b.db, NULL, &opts, err, sizeof(err)) : NULL;
	b.wallet = b.chain ? wallet_new(secp, b.log, b.db, b.chain, params, node_secret, err,
					sizeof(err)) : NULL;
	ok = b.wallet != NULL;
	for (size_t i = 0; ok && i < OUR_ADDRESSES; i++) {
		char address[ADDRESS_MAX_LEN + 1];
		b.our_scripts[i] = wirebuf_new();
		ok = wallet_new_address(b.wallet, WALLET_P2WPKH, address, err, sizeof(err))
			&& address_to_script(b.our_scripts[i], err, params, address);
	}
	ok = ok && run(&b, num_blocks, txs_per_block, 0) && run(&b, num_blocks, txs_per_block, 1);
	if (!ok)
		fprintf(stderr, "bench/chain: %s\n", err);

	for (size_t i = 0; i < OUR_ADDRESSES; i++)
		wirebuf_free(b.our_scripts[i]);
	free(b.unspent);
	wallet_free(b.wallet);
	chain_free(b.chain);
	db_close(b.db);
	log_free(b.log);
	if (b.base)
		event_base_free(b.base);
	crypto_secp_context_destroy(secp);
	snprintf(path, sizeof(path), "%s/ohm.sqlite3", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ohm.sqlite3-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ohm.sqlite3-shm", dir);
	unlink(path);
	rmdir(dir);
	return ok ? 0 : 1;
}
