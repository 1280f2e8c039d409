/* The chain client's block processing and the wallet's bookkeeping, fed
 * synthetic blocks and mempool transactions directly (no bitcoind):
 * deposits, spends, reorgs, conflicts, restarts, withdraw's coin handling,
 * and held channel funding transactions.  Each test gets a fresh database
 * (and log, read to see what the wallet re-sends at start-up) under a
 * mkdtemp directory. */
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bitcoin/address.h"
#include "bitcoin/block.h"
#include "bitcoin/chainparams.h"
#include "bitcoin/cpfp.h"
#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "crypto/util.h"
#include "common/byteset.h"
#include "daemon/chain/chain.h"
#include "daemon/chain/chain_store.h"
#include "daemon/log.h"
#include "daemon/rpc/rpc_command.h"
#include "daemon/commands/rpc_wallet_json.h"
#include "daemon/wallet/coin_select.h"
#include "daemon/wallet/wallet.h"
#include "daemon/wallet/wallet_store.h"
#include "db/db.h"
#include "db/migrations.h"
#include "tests/unit/test.h"

static char test_dir[] = "/tmp/ohm-test-wallet-XXXXXX";
static unsigned db_number;
static secp256k1_context *secp;

struct node {
	char path[200];
	char log_path[210];
	long log_start;		/* where this opening's log lines begin */
	struct event_base *base;
	struct log *log;
	struct db *db;
	struct chain *chain;
	struct wallet *wallet;
};

static const uint8_t node_secret[32] = {7, 7, 7};

static void node_open(struct node *n)
{
	char err[300];
	struct chain_options opts = {chainparams_for_network("regtest"), 1};
	FILE *log_file;

	snprintf(n->log_path, sizeof(n->log_path), "%s.log", n->path);
	n->log_start = 0;
	log_file = fopen(n->log_path, "r");
	if (log_file) {
		fseek(log_file, 0, SEEK_END);
		n->log_start = ftell(log_file);
		fclose(log_file);
	}
	n->base = event_base_new();
	n->log = log_new(n->log_path, LOG_DEBUG);
	n->db = db_open(n->path, ohm_migrations, ohm_migrations_count, err, sizeof(err));
	CHECK_MSG(n->db != NULL, "%s", err);
	n->chain = chain_new(n->base, n->log, n->db, NULL, &opts, err, sizeof(err));
	CHECK_MSG(n->chain != NULL, "%s", err);
	n->wallet = wallet_new(secp, n->log, n->db, n->chain, opts.params, node_secret, err,
			       sizeof(err));
	CHECK_MSG(n->wallet != NULL, "%s", err);
}

static void node_close(struct node *n)
{
	wallet_free(n->wallet);
	chain_free(n->chain);
	db_close(n->db);
	log_free(n->log);
	event_base_free(n->base);
}

static void node_new(struct node *n)
{
	snprintf(n->path, sizeof(n->path), "%s/%u.sqlite3", test_dir, db_number++);
	node_open(n);
}

/* A fresh script of ours (P2WPKH unless is_p2tr). */
static struct wirebuf *our_script(struct node *n, bool is_p2tr)
{
	char address[ADDRESS_MAX_LEN + 1], err[200];
	struct wirebuf *script = wirebuf_new();

	CHECK(wallet_new_address(n->wallet, is_p2tr ? WALLET_P2TR : WALLET_P2WPKH, address, err,
				 sizeof(err)));
	CHECK(address_to_script(script, err, chainparams_for_network("regtest"), address));
	return script;
}

static const uint8_t other_script[22] = {OP_0, 20, 0xee, 0xee};

/* A coinbase of block height paying amount_sat to script. */
static struct bitcoin_tx *coinbase(uint32_t height, uint64_t amount_sat, const uint8_t *script,
				   size_t script_len)
{
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	struct bitcoin_outpoint null = {.vout = 0xffffffff};
	struct wirebuf *sig = wirebuf_new();

	bitcoin_tx_add_input(tx, &null, 0xffffffff);
	/* BIP34: the height first. */
	script_push_num(sig, height);
	script_push_num(sig, 0);
	bitcoin_tx_set_script_sig(tx, 0, sig->data, sig->len);
	bitcoin_tx_add_output(tx, amount_sat, script, script_len);
	wirebuf_free(sig);
	return tx;
}

/* A transaction spending prevout, paying amount_sat to script.  Its
 * (meaningless) witness makes it a segwit transaction like ours. */
static struct bitcoin_tx *spend(const struct bitcoin_txid *txid, uint32_t vout,
				uint64_t amount_sat, const uint8_t *script, size_t script_len)
{
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	struct bitcoin_outpoint prevout = {*txid, vout};
	uint8_t junk[3] = {1, 2, 3};

	bitcoin_tx_add_input(tx, &prevout, 0xfffffffd);
	bitcoin_tx_push_witness(tx, 0, junk, sizeof(junk));
	bitcoin_tx_add_output(tx, amount_sat, script, script_len);
	return tx;
}

/* The hash of our tip: the parent of the next block mined. */
static struct bitcoin_blkid last_hash;

/* Mines a block on last_hash holding txs (taken over), with a coinbase
 * paying 50 BTC to someone else unless the first tx is a coinbase.
 * Returns: whether the chain took it. */
static bool mine(struct node *n, struct bitcoin_tx **txs, size_t num_txs)
{
	struct bitcoin_block_header header = {.version = 0x20000000, .timestamp = 1700000000,
					      .bits = 0x207fffff};
	struct bitcoin_block *block;
	struct wirebuf *raw = wirebuf_new();
	uint32_t height = chain_height(n->chain) + 1;
	char err[300];
	bool ok;

	header.prev_hash = last_hash;
	block = bitcoin_block_new(&header);
	if (num_txs == 0 || txs[0]->inputs[0].prevout.vout != 0xffffffff)
		bitcoin_block_add_tx(block, coinbase(height, 5000000000ULL, other_script,
						     sizeof(other_script)));
	for (size_t i = 0; i < num_txs; i++)
		bitcoin_block_add_tx(block, txs[i]);
	bitcoin_block_merkle_root(&block->header.merkle_root, NULL, block);
	bitcoin_block_serialize(raw, block, true);
	ok = chain_block_connect(n->chain, height, raw->data, raw->len, err, sizeof(err));
	if (ok)
		bitcoin_block_header_hash(&last_hash, &block->header);
	bitcoin_block_free(block);
	wirebuf_free(raw);
	return ok;
}

static bool mine_one(struct node *n, struct bitcoin_tx *tx)
{
	return mine(n, &tx, 1);
}

static void mine_empty(struct node *n, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		CHECK(mine(n, NULL, 0));
}

static void disconnect(struct node *n)
{
	char err[300];
	sqlite3_stmt *stmt;

	CHECK(chain_block_disconnect_tip(n->chain, err, sizeof(err)));
	/* The next block builds on the new tip. */
	memset(&last_hash, 0, sizeof(last_hash));
	stmt = db_prepare(n->db, "SELECT hash FROM blocks ORDER BY height DESC LIMIT 1");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		memcpy(&last_hash, sqlite3_column_blob(stmt, 0), 32);
	sqlite3_reset(stmt);
}

static json_t *outputs(struct node *n, bool include_spent)
{
	json_t *list = rpc_wallet_outputs_json(n->wallet, include_spent);
	CHECK(json_is_array(list));
	return list;
}

static const char *status_of(json_t *output)
{
	return json_string_value(json_object_get(output, "status"));
}

/* Returns: true if a line this opening of n logged holds text and txid. */
static bool log_mentions(struct node *n, const char *text, const struct bitcoin_txid *txid)
{
	FILE *log_file = fopen(n->log_path, "r");
	char line[1000], hex[65];
	bool is_found = false;

	if (!log_file)
		return false;
	bitcoin_txid_to_hex(hex, txid);
	fseek(log_file, n->log_start, SEEK_SET);
	while (!is_found && fgets(line, sizeof(line), log_file))
		is_found = strstr(line, text) && strstr(line, hex);
	fclose(log_file);
	return is_found;
}

static void test_coinbase_deposit_is_confirmed(void)
{
	struct node n;
	struct wirebuf *script;
	json_t *list, *out;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	mine_empty(&n, 3);
	script = our_script(&n, false);
	CHECK(mine_one(&n, coinbase(4, 5000000000ULL, script->data, script->len)));
	CHECK(chain_height(n.chain) == 4);
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	out = json_array_get(list, 0);
	CHECK_STREQ(status_of(out), "confirmed");
	CHECK(json_integer_value(json_object_get(out, "blockheight")) == 4);
	CHECK(json_integer_value(json_object_get(out, "amount_msat")) == 5000000000000LL);
	CHECK(json_integer_value(json_object_get(out, "output")) == 0);
	CHECK(json_is_false(json_object_get(out, "reserved")));
	CHECK(strncmp(json_string_value(json_object_get(out, "address")), "bcrt1q", 6) == 0);
	json_decref(list);

	/* Someone else's coins are not ours. */
	CHECK(mine_one(&n, coinbase(5, 100000, other_script, sizeof(other_script))));
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "blockheight")) == 4);
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "txindex")) == 0);
	json_decref(list);
	wirebuf_free(script);
	node_close(&n);
}

static void test_block_must_build_on_our_tip(void)
{
	struct node n;
	struct bitcoin_blkid saved;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	mine_empty(&n, 2);
	saved = last_hash;
	memset(&last_hash, 9, sizeof(last_hash));
	CHECK(!mine(&n, NULL, 0));
	CHECK(chain_height(n.chain) == 2);
	last_hash = saved;
	CHECK(mine(&n, NULL, 0));
	CHECK(chain_height(n.chain) == 3);
	node_close(&n);
}

static void test_mempool_deposit_then_confirmed(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid funding = {{{{1}}}}, txid;
	struct bitcoin_tx *tx;
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	mine_empty(&n, 1);
	script = our_script(&n, true);
	tx = spend(&funding, 0, 123456, script->data, script->len);
	bitcoin_tx_txid(&txid, tx);
	chain_mempool_tx(n.chain, tx);
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "unconfirmed");
	CHECK(json_object_get(json_array_get(list, 0), "blockheight") == NULL);
	CHECK(strncmp(json_string_value(json_object_get(json_array_get(list, 0), "address")),
		      "bcrt1p", 6) == 0);
	json_decref(list);
	/* Seen again: nothing changes. */
	chain_mempool_tx(n.chain, tx);
	CHECK(mine_one(&n, tx));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "blockheight")) == 2);
	json_decref(list);
	wirebuf_free(script);
	node_close(&n);
}

static void test_spend_is_recorded(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_tx *deposit, *payment;
	struct bitcoin_txid deposit_txid, funding = {{{{2}}}};
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	script = our_script(&n, false);
	deposit = spend(&funding, 1, 50000, script->data, script->len);
	bitcoin_tx_txid(&deposit_txid, deposit);
	CHECK(mine_one(&n, deposit));
	/* Spent by someone holding our key, in the same block as another
	 * deposit that the spend pays back to us. */
	payment = spend(&deposit_txid, 0, 40000, script->data, script->len);
	CHECK(mine_one(&n, payment));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "amount_msat")) == 40000000);
	json_decref(list);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 2);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "spent");
	json_decref(list);
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 2);
	json_decref(list);
	wirebuf_free(script);
	node_close(&n);
}

static void test_reorg_unconfirms_and_drops_coinbase(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_tx *txs[2], *deposit;
	struct bitcoin_txid funding = {{{{3}}}}, deposit_txid;
	struct byteset *mempool = byteset_new(32);
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	mine_empty(&n, 5);
	script = our_script(&n, false);
	txs[0] = coinbase(6, 5000000000ULL, script->data, script->len);
	txs[1] = deposit = spend(&funding, 0, 77777, script->data, script->len);
	bitcoin_tx_txid(&deposit_txid, deposit);
	deposit = bitcoin_tx_dup(deposit);
	CHECK(mine(&n, txs, 2));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 2);
	json_decref(list);

	disconnect(&n);
	CHECK(chain_height(n.chain) == 5);
	/* The coinbase is gone; the deposit is unconfirmed. */
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "unconfirmed");
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "amount_msat")) == 77777000);
	json_decref(list);

	/* Still in the mempool: kept. */
	byteset_put(mempool, deposit_txid.shad.sha.u8, 0);
	chain_mempool_snapshot(n.chain, mempool);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	/* Mined again on the new chain: confirmed at the new height. */
	mine_empty(&n, 2);
	CHECK(mine_one(&n, bitcoin_tx_dup(deposit)));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "blockheight")) == 8);
	json_decref(list);

	/* Undone again, and this time it left the mempool: forgotten. */
	disconnect(&n);
	byteset_clear(mempool);
	chain_mempool_snapshot(n.chain, mempool);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 0);
	json_decref(list);
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 0);
	json_decref(list);

	byteset_free(mempool);
	bitcoin_tx_free(deposit);
	wirebuf_free(script);
	node_close(&n);
}

static void test_confirmed_conflict_replaces_unconfirmed_spend(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_tx *deposit, *ours, *theirs, *child;
	struct bitcoin_txid funding = {{{{4}}}}, deposit_txid, ours_txid;
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	script = our_script(&n, false);
	deposit = spend(&funding, 0, 90000, script->data, script->len);
	bitcoin_tx_txid(&deposit_txid, deposit);
	CHECK(mine_one(&n, deposit));
	/* Unconfirmed: a spend paying us, and a child spending that. */
	ours = spend(&deposit_txid, 0, 80000, script->data, script->len);
	bitcoin_tx_txid(&ours_txid, ours);
	child = spend(&ours_txid, 0, 70000, script->data, script->len);
	chain_mempool_tx(n.chain, ours);
	chain_mempool_tx(n.chain, child);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 3);
	json_decref(list);
	/* A conflicting spend of the deposit confirms. */
	theirs = spend(&deposit_txid, 0, 85000, other_script, sizeof(other_script));
	CHECK(mine_one(&n, theirs));
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "spent");
	json_decref(list);
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 2);
	json_decref(list);
	/* The loser comes by again (a stale mempool): refused. */
	chain_mempool_tx(n.chain, ours);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	bitcoin_tx_free(ours);
	bitcoin_tx_free(child);
	wirebuf_free(script);
	node_close(&n);
}

static void test_restart_keeps_everything(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_tx *deposit;
	struct bitcoin_txid funding = {{{{5}}}}, deposit_txid;
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	mine_empty(&n, 2);
	script = our_script(&n, false);
	deposit = spend(&funding, 0, 60000, script->data, script->len);
	bitcoin_tx_txid(&deposit_txid, deposit);
	CHECK(mine_one(&n, deposit));
	node_close(&n);

	node_open(&n);
	CHECK(chain_height(n.chain) == 3);
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	/* The reloaded wallet still recognises its coin being spent, and
	 * its script being paid. */
	CHECK(mine_one(&n, spend(&deposit_txid, 0, 50000, other_script, sizeof(other_script))));
	CHECK(mine_one(&n, spend(&funding, 1, 1000, script->data, script->len)));
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 2);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "spent");
	CHECK_STREQ(status_of(json_array_get(list, 1)), "confirmed");
	json_decref(list);
	/* Addresses carry on from where they were. */
	struct wirebuf *next = our_script(&n, false);
	CHECK(next->len == script->len && memcmp(next->data, script->data, script->len) != 0);
	wirebuf_free(next);
	wirebuf_free(script);
	node_close(&n);
}

struct withdraw_outcome {
	bool is_done;
	enum wallet_error code;
	char message[500];
};

static void withdraw_done(const struct bitcoin_tx *tx, enum wallet_error code, const char *error,
			  void *arg)
{
	struct withdraw_outcome *outcome = arg;

	outcome->is_done = true;
	outcome->code = code;
	snprintf(outcome->message, sizeof(outcome->message), "%s", error ? error : "");
}

static void test_withdraw_chooses_mature_coins_and_frees_them_when_refused(void)
{
	struct node n;
	struct wirebuf *script;
	struct wallet_withdraw_params params = {
		.destination_script = other_script,
		.destination_script_len = sizeof(other_script),
		.amount_sat = 100000,
		.feerate_perkw = 253,
		.minconf = 1,
	};
	struct withdraw_outcome outcome = {0};
	char err[500];
	enum wallet_error code = WALLET_OK;
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	script = our_script(&n, false);
	CHECK(mine_one(&n, coinbase(1, 5000000000ULL, script->data, script->len)));
	/* An immature coinbase cannot pay. */
	mine_empty(&n, 98);
	CHECK(!wallet_withdraw(n.wallet, &params, withdraw_done, &outcome, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_INSUFFICIENT_FUNDS);
	CHECK(strstr(err, "Could not afford") != NULL);
	/* The 100th confirmation makes it spendable. */
	mine_empty(&n, 1);
	CHECK(wallet_withdraw(n.wallet, &params, withdraw_done, &outcome, &code, err, sizeof(err)));
	/* No bitcoind to send it: refused at once, and forgotten. */
	CHECK(outcome.is_done && outcome.code == WALLET_ERROR_NOT_SENT);
	CHECK(strstr(outcome.message, "Error broadcasting transaction") != NULL);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	CHECK(json_is_false(json_object_get(json_array_get(list, 0), "reserved")));
	json_decref(list);
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 1);
	json_decref(list);

	/* More than there is. */
	params.amount_sat = 5000000000ULL;
	CHECK(!wallet_withdraw(n.wallet, &params, withdraw_done, &outcome, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_INSUFFICIENT_FUNDS);
	/* Dust. */
	params.amount_sat = 293;
	CHECK(!wallet_withdraw(n.wallet, &params, withdraw_done, &outcome, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_BAD_REQUEST && strstr(err, "dust") != NULL);
	CHECK(strstr(err, "parameter 'satoshi'") != NULL);
	wirebuf_free(script);
	node_close(&n);
}

/* A channel's funding output: a P2WSH. */
static const uint8_t funding_script[34] = {OP_0, 32, 0xf0, 0x0d};

/* A fresh node with one confirmed deposit of amount_sat to a P2WPKH
 * script of its own (*script: wirebuf_free() it). */
static void node_with_deposit(struct node *n, uint64_t amount_sat,
			      struct bitcoin_txid *deposit_txid, struct wirebuf **script)
{
	struct bitcoin_txid funding = {{{{9}}}};
	struct bitcoin_tx *tx;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(n);
	mine_empty(n, 1);
	*script = our_script(n, false);
	tx = spend(&funding, 0, amount_sat, (*script)->data, (*script)->len);
	bitcoin_tx_txid(deposit_txid, tx);
	CHECK(mine_one(n, tx));
}

static struct wallet_withdraw_params fund_params(uint64_t amount_sat)
{
	struct wallet_withdraw_params params = {
		.destination_script = funding_script,
		.destination_script_len = sizeof(funding_script),
		.amount_sat = amount_sat,
		.feerate_perkw = 253,
		.minconf = 1,
	};
	return params;
}

/* wallet_fund_prepare inside a database transaction that then commits, as
 * the channel code does. */
static struct bitcoin_tx *fund_committed(struct node *n, uint64_t amount_sat, uint32_t *outnum)
{
	struct wallet_withdraw_params params = fund_params(amount_sat);
	struct bitcoin_tx *tx;
	char err[500];
	enum wallet_error code = WALLET_OK;

	CHECK(db_begin(n->db));
	tx = wallet_fund_prepare(n->wallet, &params, outnum, &code, err, sizeof(err));
	CHECK_MSG(tx != NULL, "%d %s", code, err);
	CHECK(db_commit(n->db));
	return tx;
}

/* Returns: true if input i of tx carries a valid P2WPKH signature
 * spending amount_sat paid to script. */
static bool p2wpkh_input_is_signed(const struct bitcoin_tx *tx, size_t i, uint64_t amount_sat,
				   const struct wirebuf *script)
{
	struct bitcoin_signature sig;
	struct pubkey pubkey;
	struct ripemd160 key_hash;
	struct sha256 sighash;
	struct wirebuf *script_code = wirebuf_new();
	bool ok = tx->inputs[i].num_witness == 2 && tx->inputs[i].witness[1].len == 33
		&& pubkey_parse(secp, &pubkey, tx->inputs[i].witness[1].data)
		&& bitcoin_signature_parse(secp, &sig, tx->inputs[i].witness[0].data,
					   tx->inputs[i].witness[0].len);

	if (ok) {
		hash160(&key_hash, tx->inputs[i].witness[1].data, 33);
		script_code_for_p2wpkh(script_code, &key_hash);
		ok = memcmp(key_hash.u8, script->data + 2, 20) == 0
			&& bip143_sighash(&sighash, tx, i, script_code->data, script_code->len,
					  amount_sat, SIGHASH_ALL)
			&& bitcoin_signature_verify(secp, &sig, &sighash, &pubkey);
	}
	wirebuf_free(script_code);
	return ok;
}

static bool txs_equal(const struct bitcoin_tx *a, const struct bitcoin_tx *b)
{
	struct wirebuf *raw_a = wirebuf_new(), *raw_b = wirebuf_new();
	bool is_equal;

	bitcoin_tx_serialize(raw_a, a, true);
	bitcoin_tx_serialize(raw_b, b, true);
	is_equal = raw_a->len == raw_b->len && memcmp(raw_a->data, raw_b->data, raw_a->len) == 0;
	wirebuf_free(raw_a);
	wirebuf_free(raw_b);
	return is_equal;
}

static bool is_held(struct node *n, const struct bitcoin_txid *txid)
{
	bool held = false;

	CHECK(wallet_fund_is_held(n->wallet, txid, &held));
	return held;
}

static void test_fund_prepare_holds_a_signed_unsent_transaction(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, txid;
	struct bitcoin_outpoint change;
	struct bitcoin_tx *tx, *stored;
	struct byteset *mempool = byteset_new(32);
	struct wallet_withdraw_params all = {
		.destination_script = other_script,
		.destination_script_len = sizeof(other_script),
		.is_all = true,
		.feerate_perkw = 253,
	};
	struct withdraw_outcome outcome = {0};
	uint32_t outnum = 99;
	char err[500];
	enum wallet_error code = WALLET_OK;
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	tx = fund_committed(&n, 60000, &outnum);
	bitcoin_tx_txid(&txid, tx);
	/* Signed, spending the deposit, paying the funding output at outnum
	 * and the change at the other. */
	CHECK(tx->num_inputs == 1 && bitcoin_txid_eq(&tx->inputs[0].prevout.txid, &deposit_txid));
	CHECK(p2wpkh_input_is_signed(tx, 0, 100000, script));
	CHECK(tx->num_outputs == 2 && outnum < 2);
	CHECK(tx->outputs[outnum].amount_sat == 60000);
	CHECK(tx->outputs[outnum].script_len == sizeof(funding_script)
	      && memcmp(tx->outputs[outnum].script, funding_script, sizeof(funding_script)) == 0);
	change.txid = txid;
	change.vout = 1 - outnum;
	/* Stored as made, held, and never re-sent. */
	stored = wallet_tx_load(n.wallet, &txid);
	CHECK(stored && txs_equal(stored, tx));
	bitcoin_tx_free(stored);
	CHECK(is_held(&n, &txid));
	CHECK(log_mentions(&n, "holding funding transaction", &txid));
	CHECK(!log_mentions(&n, "re-sending", &txid));
	/* The deposit is spent and reserved; the change is ours,
	 * unconfirmed. */
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 2);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "spent");
	CHECK(json_is_true(json_object_get(json_array_get(list, 0), "reserved")));
	CHECK_STREQ(status_of(json_array_get(list, 1)), "unconfirmed");
	CHECK(json_integer_value(json_object_get(json_array_get(list, 1), "output")) == change.vout);
	json_decref(list);
	/* Nothing else can spend them: not the deposit, not the change. */
	CHECK(!wallet_withdraw(n.wallet, &all, withdraw_done, &outcome, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_INSUFFICIENT_FUNDS
	      && strstr(err, "using all 0 available UTXOs") != NULL);
	all.utxos = &change;
	all.num_utxos = 1;
	CHECK(!wallet_withdraw(n.wallet, &all, withdraw_done, &outcome, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_BAD_REQUEST && strstr(err, "not sent yet") != NULL);
	CHECK(!outcome.is_done);
	/* Ours, so a mempool without it does not forget it. */
	chain_mempool_snapshot(n.chain, mempool);
	CHECK(is_held(&n, &txid));

	/* Restarted: still held, still not re-sent, its coins still taken. */
	node_close(&n);
	node_open(&n);
	CHECK(is_held(&n, &txid));
	CHECK(!log_mentions(&n, "re-sending", &txid));
	all.utxos = NULL;
	all.num_utxos = 0;
	CHECK(!wallet_withdraw(n.wallet, &all, withdraw_done, &outcome, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_INSUFFICIENT_FUNDS);

	byteset_free(mempool);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
	node_close(&n);
}

static void test_fund_release_frees_the_coins_and_forgets_the_tx(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, txid, unknown = {{{{0xab}}}};
	struct bitcoin_tx *tx, *next;
	uint32_t outnum;
	char err[500];
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	tx = fund_committed(&n, 60000, &outnum);
	bitcoin_tx_txid(&txid, tx);
	CHECK(db_begin(n.db));
	CHECK(wallet_fund_release(n.wallet, &txid, err, sizeof(err)));
	CHECK(db_commit(n.db));
	CHECK(wallet_tx_load(n.wallet, &txid) == NULL);
	CHECK(!is_held(&n, &txid));
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	CHECK(json_is_false(json_object_get(json_array_get(list, 0), "reserved")));
	json_decref(list);
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	/* Again, or an unknown transaction: nothing to do. */
	CHECK(db_begin(n.db));
	CHECK(wallet_fund_release(n.wallet, &txid, err, sizeof(err)));
	CHECK(wallet_fund_release(n.wallet, &unknown, err, sizeof(err)));
	CHECK(db_commit(n.db));
	/* The coin pays for the next channel. */
	next = fund_committed(&n, 60000, &outnum);
	CHECK(next && bitcoin_txid_eq(&next->inputs[0].prevout.txid, &deposit_txid));

	bitcoin_tx_free(next);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
	node_close(&n);
}

static void test_fund_unhold_makes_it_an_unconfirmed_tx_resent_at_start(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, txid, unknown = {{{{0xab}}}};
	struct bitcoin_tx *tx, *stored;
	uint32_t outnum;
	char err[500];
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	tx = fund_committed(&n, 60000, &outnum);
	bitcoin_tx_txid(&txid, tx);
	CHECK(db_begin(n.db));
	CHECK(wallet_fund_unhold(n.wallet, &txid, err, sizeof(err)));
	CHECK(db_commit(n.db));
	CHECK(!is_held(&n, &txid));
	/* Unheld, it may be out there: a release leaves it be. */
	CHECK(db_begin(n.db));
	CHECK(wallet_fund_release(n.wallet, &txid, err, sizeof(err)));
	CHECK(wallet_fund_unhold(n.wallet, &txid, err, sizeof(err)));
	CHECK(!wallet_fund_unhold(n.wallet, &unknown, err, sizeof(err)));
	CHECK(strstr(err, "not one this wallet made") != NULL);
	CHECK(db_commit(n.db));
	stored = wallet_tx_load(n.wallet, &txid);
	CHECK(stored != NULL);
	bitcoin_tx_free(stored);

	node_close(&n);
	node_open(&n);
	CHECK(log_mentions(&n, "re-sending", &txid));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "unconfirmed");
	json_decref(list);

	bitcoin_tx_free(tx);
	wirebuf_free(script);
	node_close(&n);
}

static void test_fund_prepare_errors_as_withdraw_does(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid;
	struct wallet_withdraw_params params = fund_params(200000);
	uint32_t outnum = 99;
	char err[500];
	enum wallet_error code = WALLET_OK;
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	CHECK(db_begin(n.db));
	CHECK(!wallet_fund_prepare(n.wallet, &params, &outnum, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_INSUFFICIENT_FUNDS);
	CHECK_MSG(strncmp(err, "Could not afford the amount using all 1 available UTXOs: ",
			  strlen("Could not afford the amount using all 1 available UTXOs: ")) == 0,
		  "%s", err);
	CHECK(strstr(err, "100000sat available") != NULL);
	params.amount_sat = 293;
	CHECK(!wallet_fund_prepare(n.wallet, &params, &outnum, &code, err, sizeof(err)));
	CHECK(code == WALLET_ERROR_BAD_REQUEST);
	CHECK_MSG(strstr(err, "parameter 'amount': 293sat is below the dust limit") != NULL, "%s",
		  err);
	CHECK(outnum == 99);
	/* Nothing was written. */
	CHECK(db_commit(n.db));
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	json_decref(list);
	wirebuf_free(script);
	node_close(&n);
}

static void test_fund_prepare_rolled_back_leaves_no_trace(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, txid;
	struct wallet_withdraw_params params = fund_params(60000);
	struct bitcoin_tx *tx, *next;
	uint32_t outnum;
	char err[500];
	enum wallet_error code = WALLET_OK;
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	CHECK(db_begin(n.db));
	tx = wallet_fund_prepare(n.wallet, &params, &outnum, &code, err, sizeof(err));
	CHECK_MSG(tx != NULL, "%s", err);
	CHECK(db_rollback(n.db));
	bitcoin_tx_txid(&txid, tx);
	CHECK(wallet_tx_load(n.wallet, &txid) == NULL);
	CHECK(!is_held(&n, &txid));
	list = rpc_wallet_transactions_json(n.wallet);
	CHECK(json_array_size(list) == 1);
	json_decref(list);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	CHECK(json_is_false(json_object_get(json_array_get(list, 0), "reserved")));
	json_decref(list);
	/* The coin is free for the next attempt. */
	next = fund_committed(&n, 60000, &outnum);
	CHECK(next && bitcoin_txid_eq(&next->inputs[0].prevout.txid, &deposit_txid));

	bitcoin_tx_free(next);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
	node_close(&n);
}

static void test_held_tx_confirmed_anyway_is_held_no_longer(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, txid;
	struct bitcoin_tx *tx, *stored;
	uint32_t outnum;
	char err[500];
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	tx = fund_committed(&n, 60000, &outnum);
	bitcoin_tx_txid(&txid, tx);
	/* Someone else sent it, and it confirmed. */
	CHECK(mine_one(&n, bitcoin_tx_dup(tx)));
	CHECK(!is_held(&n, &txid));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	json_decref(list);
	CHECK(db_begin(n.db));
	CHECK(wallet_fund_release(n.wallet, &txid, err, sizeof(err)));
	CHECK(db_commit(n.db));
	stored = wallet_tx_load(n.wallet, &txid);
	CHECK(stored != NULL);
	bitcoin_tx_free(stored);
	/* Reorged out: an ordinary unconfirmed transaction of ours. */
	disconnect(&n);
	CHECK(!is_held(&n, &txid));
	node_close(&n);
	node_open(&n);
	CHECK(log_mentions(&n, "re-sending", &txid));

	bitcoin_tx_free(tx);
	wirebuf_free(script);
	node_close(&n);
}

static int group_closes;

static bool close_group(void *arg)
{
	group_closes++;
	return db_commit(arg);
}

/* newaddr's answer leaves the process: the key it issues is committed
 * first, even while the channels' group transaction is open (a group
 * may stay open across loop turns), so a crash cannot hand the same
 * address out twice. */
static void test_new_address_is_committed_before_it_is_given(void)
{
	struct node n;
	char address[ADDRESS_MAX_LEN + 1], err[200];

	node_new(&n);
	group_closes = 0;
	db_set_group_closer(n.db, close_group, n.db);
	CHECK(db_begin(n.db));
	CHECK(wallet_new_address(n.wallet, WALLET_P2WPKH, address, err, sizeof(err)));
	CHECK(group_closes == 1);
	CHECK(!db_in_transaction(n.db));
	db_set_group_closer(n.db, NULL, NULL);
	node_close(&n);
}

static void test_new_script_pays_a_p2wpkh_key_of_ours(void)
{
	struct node n;
	struct wirebuf *script = wirebuf_new(), *second = wirebuf_new();
	struct bitcoin_txid funding = {{{{0x5c}}}};
	uint8_t prefix = 0x42;
	char err[300], hex[2 * SCRIPT_P2WPKH_LEN + 1];
	json_t *list;

	memset(&last_hash, 0, sizeof(last_hash));
	node_new(&n);
	mine_empty(&n, 1);
	/* Appended to what script holds. */
	wirebuf_append(script, &prefix, 1);
	CHECK(wallet_new_script(n.wallet, script, err, sizeof(err)));
	CHECK(script->len == 1 + SCRIPT_P2WPKH_LEN && script->data[0] == prefix);
	CHECK(script_is_p2wpkh(script->data + 1, SCRIPT_P2WPKH_LEN));
	/* Inside the caller's transaction too: another key. */
	CHECK(db_begin(n.db));
	CHECK(wallet_new_script(n.wallet, second, err, sizeof(err)));
	CHECK(db_commit(n.db));
	CHECK(second->len == SCRIPT_P2WPKH_LEN && script_is_p2wpkh(second->data, second->len));
	CHECK(memcmp(second->data, script->data + 1, SCRIPT_P2WPKH_LEN) != 0);

	/* An output paying it is ours. */
	CHECK(mine_one(&n, spend(&funding, 0, 70000, script->data + 1, SCRIPT_P2WPKH_LEN)));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 1);
	CHECK(json_integer_value(json_object_get(json_array_get(list, 0), "amount_msat")) == 70000000);
	hex_encode(hex, script->data + 1, SCRIPT_P2WPKH_LEN);
	CHECK_STREQ(json_string_value(json_object_get(json_array_get(list, 0), "scriptpubkey")), hex);
	CHECK(strncmp(json_string_value(json_object_get(json_array_get(list, 0), "address")),
		      "bcrt1q", 6) == 0);
	json_decref(list);
	/* And after a restart. */
	node_close(&n);
	node_open(&n);
	CHECK(mine_one(&n, spend(&funding, 1, 80000, second->data, second->len)));
	list = outputs(&n, false);
	CHECK(json_array_size(list) == 2);
	json_decref(list);

	wirebuf_free(second);
	wirebuf_free(script);
	node_close(&n);
}

/* ---- The store's readers, against an in-memory database ---- */

#define STORE_MAX_ROWS 4
/* A txid literal for SQL: 31 zero bytes, then last (two hex digits). */
#define TXID(last) "x'" "00000000000000000000000000000000" \
	"000000000000000000000000000000" last "'"

struct store_rows {
	size_t n;
	struct wallet_store_utxo utxos[STORE_MAX_ROWS];
	uint8_t scripts[STORE_MAX_ROWS][2];
	struct wallet_store_tx txs[STORE_MAX_ROWS];
	uint8_t raws[STORE_MAX_ROWS][3];
};

static void utxo_row(void *arg, const struct wallet_store_utxo *utxo)
{
	struct store_rows *rows = arg;

	if (rows->n >= STORE_MAX_ROWS || utxo->script_len != 2)
		return;
	rows->utxos[rows->n] = *utxo;
	memcpy(rows->scripts[rows->n], utxo->script, 2);
	rows->n++;
}

static void tx_row(void *arg, const struct wallet_store_tx *tx)
{
	struct store_rows *rows = arg;

	if (rows->n >= STORE_MAX_ROWS || tx->raw_len != 3)
		return;
	rows->txs[rows->n] = *tx;
	memcpy(rows->raws[rows->n], tx->raw, 3);
	rows->n++;
}

static void test_store_reads_utxos_and_txs_in_order(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	struct store_rows rows = {0};

	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	/* tx 0x01: unconfirmed; 0x02: block 7, index 1; 0x03: block 5,
	 * spending 0x02's output 0.  Confirmed first, by block. */
	CHECK_MSG(db_exec(db,
		"INSERT INTO transactions (txid, rawtx, blockheight, txindex) VALUES"
		" (" TXID("01") ", x'aa0001', NULL, NULL),"
		" (" TXID("02") ", x'aa0002', 7, 1),"
		" (" TXID("03") ", x'aa0003', 5, 0);"
		"INSERT INTO utxos (txid, outnum, amount_sat, script, addrtype, is_change, keyindex,"
		"                   spent_by, reserved_til) VALUES"
		" (" TXID("01") ", 2, 1000, x'5101', 0, 0, 0, NULL, 120),"
		" (" TXID("02") ", 0, 2000, x'5102', 0, 1, 1, " TXID("03") ", NULL),"
		" (" TXID("03") ", 1, 3000, x'5103', 1, 0, 2, NULL, NULL)"), "%s",
		  db_errmsg(db));
	CHECK(wallet_store_each_utxo(db, utxo_row, &rows));
	CHECK(rows.n == 3);
	CHECK(rows.utxos[0].txid.shad.sha.u8[31] == 3 && rows.utxos[0].outnum == 1);
	CHECK(rows.utxos[0].amount_sat == 3000 && rows.scripts[0][1] == 0x03);
	CHECK(rows.utxos[0].is_confirmed && rows.utxos[0].blockheight == 5);
	CHECK(!rows.utxos[0].is_spent && !rows.utxos[0].is_reserved);
	CHECK(rows.utxos[1].txid.shad.sha.u8[31] == 2 && rows.utxos[1].is_spent);
	CHECK(rows.utxos[1].is_confirmed && rows.utxos[1].blockheight == 7);
	CHECK(rows.utxos[2].txid.shad.sha.u8[31] == 1 && rows.utxos[2].outnum == 2);
	CHECK(!rows.utxos[2].is_confirmed && !rows.utxos[2].is_spent);
	CHECK(rows.utxos[2].is_reserved && rows.utxos[2].reserved_til == 120);

	memset(&rows, 0, sizeof(rows));
	CHECK(wallet_store_each_tx(db, tx_row, &rows));
	CHECK(rows.n == 3);
	CHECK(rows.txs[0].txid.shad.sha.u8[31] == 3 && rows.raws[0][2] == 3);
	CHECK(rows.txs[0].is_confirmed && rows.txs[0].blockheight == 5 && rows.txs[0].txindex == 0);
	CHECK(rows.txs[1].txid.shad.sha.u8[31] == 2 && rows.txs[1].blockheight == 7
	      && rows.txs[1].txindex == 1);
	CHECK(rows.txs[2].txid.shad.sha.u8[31] == 1 && !rows.txs[2].is_confirmed);
	db_close(db);
}

struct store_seen {
	size_t num_keys, num_outpoints, num_sendable;
	struct wallet_key_path last_path;
	struct bitcoin_txid sendable;
};

static void store_key_seen(void *arg, const struct wallet_key_path *path, const uint8_t *script,
			   size_t script_len)
{
	struct store_seen *seen = arg;

	seen->num_keys++;
	seen->last_path = *path;
}

static void store_outpoint_seen(void *arg, const struct bitcoin_txid *txid, uint32_t vout)
{
	((struct store_seen *)arg)->num_outpoints++;
}

static void store_sendable_seen(void *arg, const struct bitcoin_tx *tx)
{
	struct store_seen *seen = arg;

	seen->num_sendable++;
	bitcoin_tx_txid(&seen->sendable, tx);
}

/* Keys, transactions and outputs written and read back through the store
 * alone: confirming, unconfirming, spending and deleting (which cascades
 * to the outputs and frees what was spent). */
static void test_store_keys_txs_and_utxos(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	struct wallet_key_path path = {WALLET_P2TR, true, 0};
	struct bitcoin_tx *parent = coinbase(3, 1000, other_script, sizeof(other_script));
	struct bitcoin_txid parent_id, child_id, spender, *list;
	struct bitcoin_tx *child, *loaded;
	struct bitcoin_outpoint prevout;
	struct wirebuf *raw = wirebuf_new();
	struct store_seen seen = {0};
	bool is_confirmed, has_spender;
	int64_t next = -1;
	size_t num;

	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(wallet_store_next_key_index(db, WALLET_P2TR, true, &next) && next == 0);
	path.index = 4;
	CHECK(wallet_store_key_add(db, &path, other_script, sizeof(other_script)));
	CHECK(wallet_store_next_key_index(db, WALLET_P2TR, true, &next) && next == 5);
	CHECK(wallet_store_next_key_index(db, WALLET_P2TR, false, &next) && next == 0);
	CHECK(wallet_store_each_key(db, store_key_seen, &seen) && seen.num_keys == 1);
	CHECK(seen.last_path.type == WALLET_P2TR && seen.last_path.is_change
	      && seen.last_path.index == 4);

	/* The parent is someone's coinbase at height 3 paying us. */
	bitcoin_tx_txid(&parent_id, parent);
	bitcoin_tx_serialize(raw, parent, true);
	CHECK(wallet_store_tx_lookup(db, &parent_id, NULL) == 0);
	CHECK(wallet_store_tx_put(db, &parent_id, raw->data, raw->len, 3, 0, true, false));
	CHECK(wallet_store_tx_lookup(db, &parent_id, &is_confirmed) == 1 && is_confirmed);
	loaded = wallet_store_tx_load(db, &parent_id);
	CHECK(loaded && loaded->num_outputs == 1 && loaded->outputs[0].amount_sat == 1000);
	bitcoin_tx_free(loaded);
	CHECK(wallet_store_utxo_add(db, &parent_id, 0, &parent->outputs[0], &path));
	CHECK(wallet_store_each_outpoint(db, store_outpoint_seen, &seen) && seen.num_outpoints == 1);
	CHECK(wallet_store_txids(db, WALLET_STORE_COINBASES_AT, 3, &list, &num) && num == 1
	      && bitcoin_txid_eq(&list[0], &parent_id));
	free(list);
	CHECK(wallet_store_txids(db, WALLET_STORE_COINBASES_AT, 4, &list, &num) && num == 0);
	free(list);

	/* Our unconfirmed child spends it: re-sendable, the parent's child. */
	prevout.txid = parent_id;
	prevout.vout = 0;
	CHECK(wallet_store_utxo_spender(db, &prevout, &spender, &has_spender) == 1 && !has_spender);
	child = spend(&parent_id, 0, 900, other_script, sizeof(other_script));
	bitcoin_tx_txid(&child_id, child);
	wirebuf_reset(raw);
	bitcoin_tx_serialize(raw, child, true);
	CHECK(wallet_store_tx_put(db, &child_id, raw->data, raw->len, -1, 0, false, true));
	CHECK(wallet_store_utxo_set_spent(db, &prevout, &child_id));
	CHECK(wallet_store_utxo_spender(db, &prevout, &spender, &has_spender) == 1 && has_spender
	      && bitcoin_txid_eq(&spender, &child_id));
	CHECK(wallet_store_tx_children(db, &parent_id, &list, &num) && num == 1
	      && bitcoin_txid_eq(&list[0], &child_id));
	free(list);
	CHECK(wallet_store_each_sendable(db, store_sendable_seen, &seen) && seen.num_sendable == 1
	      && bitcoin_txid_eq(&seen.sendable, &child_id));

	/* Confirmed at 4, then that block goes: unconfirmed again. */
	CHECK(wallet_store_tx_put(db, &child_id, raw->data, raw->len, 4, 1, false, true));
	CHECK(wallet_store_txids(db, WALLET_STORE_OURS_SENDABLE_AT, 4, &list, &num) && num == 1);
	free(list);
	CHECK(wallet_store_unconfirm_height(db, 4));
	CHECK(wallet_store_tx_lookup(db, &child_id, &is_confirmed) == 1 && !is_confirmed);
	CHECK(wallet_store_txids(db, WALLET_STORE_OTHERS_UNCONFIRMED, 0, &list, &num) && num == 0);
	free(list);

	/* Deleting the child frees the parent's output again. */
	CHECK(wallet_store_tx_delete(db, &child_id));
	CHECK(wallet_store_tx_lookup(db, &child_id, NULL) == 0);
	CHECK(wallet_store_utxo_spender(db, &prevout, &spender, &has_spender) == 1 && !has_spender);
	prevout.vout = 1;
	CHECK(wallet_store_utxo_spender(db, &prevout, &spender, &has_spender) == 0);

	bitcoin_tx_free(parent);
	bitcoin_tx_free(child);
	wirebuf_free(raw);
	db_close(db);
}

static bool store_coin_seen(void *arg, const struct wallet_store_coin *coin)
{
	(*(size_t *)arg)++;
	return true;
}

/* What spending reads and writes: a coin with what decides whether it is
 * usable, taking it once only, freeing its reservation, holding its
 * transaction back. */
static void test_store_coins_for_spending(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	struct wallet_key_path path = {WALLET_P2WPKH, false, 7};
	struct bitcoin_tx *tx = coinbase(9, 5000, other_script, sizeof(other_script));
	struct bitcoin_outpoint outpoint = {.vout = 0};
	struct bitcoin_txid spender = {{{{0x55}}}};
	struct wallet_store_coin coin;
	struct wirebuf *raw = wirebuf_new();
	size_t num = 0;
	bool held = true;

	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	bitcoin_tx_txid(&outpoint.txid, tx);
	bitcoin_tx_serialize(raw, tx, true);
	CHECK(wallet_store_coin(db, &outpoint, &coin) == 0);
	CHECK(wallet_store_tx_put(db, &outpoint.txid, raw->data, raw->len, 9, 0, true, true));
	CHECK(wallet_store_utxo_add(db, &outpoint.txid, 0, &tx->outputs[0], &path));
	CHECK(wallet_store_coin(db, &outpoint, &coin) == 1);
	CHECK(coin.amount_sat == 5000 && coin.script_len == sizeof(other_script)
	      && memcmp(coin.script, other_script, sizeof(other_script)) == 0);
	CHECK(coin.path.type == WALLET_P2WPKH && !coin.path.is_change && coin.path.index == 7);
	CHECK(coin.is_confirmed && coin.blockheight == 9 && coin.is_coinbase);
	CHECK(!coin.is_spent && !coin.is_reserved && !coin.is_held);
	CHECK(wallet_store_each_unspent_coin(db, store_coin_seen, &num) && num == 1);

	/* Taken once, not twice. */
	CHECK(wallet_store_tx_put(db, &spender, raw->data, raw->len, -1, 0, false, false));
	CHECK(wallet_store_coin_take(db, &outpoint, &spender, 81));
	CHECK(!wallet_store_coin_take(db, &outpoint, &spender, 82));
	CHECK(wallet_store_coin(db, &outpoint, &coin) == 1);
	CHECK(coin.is_spent && coin.is_reserved && coin.reserved_til == 81);
	num = 0;
	CHECK(wallet_store_each_unspent_coin(db, store_coin_seen, &num) && num == 0);
	CHECK(wallet_store_unreserve_spent_by(db, &spender));
	CHECK(wallet_store_coin(db, &outpoint, &coin) == 1 && coin.is_spent && !coin.is_reserved);

	/* Held: only a transaction of ours. */
	CHECK(wallet_store_tx_is_held(db, &outpoint.txid, &held) && !held);
	CHECK(wallet_store_tx_set_held(db, &outpoint.txid, true) == 1);
	CHECK(wallet_store_tx_is_held(db, &outpoint.txid, &held) && held);
	CHECK(wallet_store_coin(db, &outpoint, &coin) == 1 && coin.is_held);
	CHECK(wallet_store_tx_set_held(db, &spender, true) == 0);
	CHECK(wallet_store_tx_is_held(db, &spender, &held) && !held);
	spender.shad.sha.u8[0] = 0x66;
	held = true;
	CHECK(wallet_store_tx_is_held(db, &spender, &held) && !held);

	bitcoin_tx_free(tx);
	wirebuf_free(raw);
	db_close(db);
}

/* The blocks table through the chain's store. */
static void test_chain_store_blocks(void)
{
	char err[256] = "";
	struct db *db = db_open(":memory:", ohm_migrations, ohm_migrations_count, err, sizeof(err));
	struct bitcoin_blkid a = {{{{1}}}}, b = {{{{2}}}}, tip;
	uint32_t height = 0;
	bool has_tip = true;

	CHECK_MSG(db, "%s", err);
	if (!db)
		return;
	CHECK(chain_store_tip(db, &has_tip, &height, &tip) && !has_tip);
	CHECK(chain_store_block_add(db, 10, &a, &b));
	CHECK(chain_store_block_add(db, 11, &b, &a));
	/* A height, or a hash, stored twice is refused. */
	CHECK(!chain_store_block_add(db, 11, &a, &b));
	CHECK(!chain_store_block_add(db, 12, &b, &a));
	CHECK(chain_store_tip(db, &has_tip, &height, &tip) && has_tip && height == 11
	      && memcmp(&tip, &b, sizeof(tip)) == 0);
	CHECK(chain_store_block_delete(db, 11));
	CHECK(chain_store_tip(db, &has_tip, &height, &tip) && has_tip && height == 10
	      && memcmp(&tip, &a, sizeof(tip)) == 0);
	CHECK(chain_store_block_delete(db, 10));
	CHECK(chain_store_tip(db, &has_tip, &height, &tip) && !has_tip);
	db_close(db);
}

/* A foreign input (an anchor): its "signature" is a marker item. */
static const uint8_t anchor_script[34] = {OP_0, 32, 0xa1};
static const uint8_t anchor_marker[3] = {0xa, 0xb, 0xc};
#define ANCHOR_INPUT_WEIGHT (4 * 41 + 1 + 1 + 74 + 1 + 40)

static bool sign_marker(void *arg, struct bitcoin_tx *tx, size_t index)
{
	unsigned *calls = arg;
	const uint8_t *items[1] = {anchor_marker};
	size_t lens[1] = {sizeof(anchor_marker)};

	(*calls)++;
	bitcoin_tx_set_witness(tx, index, items, lens, 1);
	return true;
}

static struct wallet_bump_params bump_params(unsigned *calls, uint32_t package_perkw)
{
	struct wallet_bump_params params = {
		.input = {.txid = {{{{0x42}}}}, .vout = 3},
		.input_sat = 330,
		.input_script = anchor_script,
		.input_script_len = sizeof(anchor_script),
		.input_weight = ANCHOR_INPUT_WEIGHT,
		.parent_weight = 1124,
		.parent_fee_sat = 1405,
		.package_perkw = package_perkw,
		.sign_input = sign_marker,
		.sign_arg = calls,
	};
	return params;
}

static void test_bump_spends_the_foreign_input_and_a_confirmed_coin(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, txid, second_txid;
	struct wallet_bump bump, second, capped;
	unsigned calls = 0;
	struct wallet_bump_params params = bump_params(&calls, 4000);
	char err[300];
	json_t *list;
	size_t weight = coin_tx_weight(2, COIN_P2WPKH_INPUT_WEIGHT + ANCHOR_INPUT_WEIGHT, 1,
				       coin_output_weight(22));

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	CHECK(db_begin(n.db));
	CHECK_MSG(wallet_bump_prepare(n.wallet, &params, &bump, err, sizeof(err)), "%s", err);
	CHECK(db_commit(n.db));
	/* Our coin first (signed), the foreign input last (signed by the
	 * caller), one output: change to us. */
	CHECK(bump.tx->num_inputs == 2 && bump.input_index == 1 && calls == 1);
	CHECK(bitcoin_txid_eq(&bump.tx->inputs[0].prevout.txid, &deposit_txid));
	CHECK(p2wpkh_input_is_signed(bump.tx, 0, 100000, script));
	CHECK(bump.tx->inputs[1].num_witness == 1 && bump.tx->inputs[1].witness[0].len == 3);
	CHECK(bump.tx->inputs[1].sequence < 0xfffffffe && bump.tx->inputs[0].sequence < 0xfffffffe);
	CHECK(bump.tx->num_outputs == 1);
	/* The package reaches 4000 perkw at the estimated weight, no more. */
	CHECK(bump.weight == weight);
	CHECK(bump.fee_sat == cpfp_child_fee_sat(4000, 1124, 1405, weight));
	CHECK(100000 + 330 - bump.tx->outputs[0].amount_sat == bump.fee_sat);
	CHECK(cpfp_package_feerate(1124, 1405, weight, bump.fee_sat) == 4000);
	bitcoin_tx_txid(&txid, bump.tx);
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 2);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "spent");
	CHECK_STREQ(status_of(json_array_get(list, 1)), "unconfirmed");
	json_decref(list);

	/* A replacement: BIP125's least fee over the first, at least. */
	params.is_replacement = true;
	params.old_fee_sat = bump.fee_sat;
	params.old_weight = bump.weight;
	params.package_perkw = 4001;
	CHECK(db_begin(n.db));
	CHECK(wallet_forget_spend(n.wallet, &txid, "replaced"));
	CHECK_MSG(wallet_bump_prepare(n.wallet, &params, &second, err, sizeof(err)), "%s", err);
	CHECK(db_commit(n.db));
	CHECK(second.fee_sat == cpfp_rbf_min_fee_sat(bump.fee_sat, bump.weight, second.weight));
	CHECK(second.fee_sat > cpfp_child_fee_sat(4001, 1124, 1405, second.weight));
	bitcoin_tx_txid(&second_txid, second.tx);
	CHECK(wallet_tx_load(n.wallet, &txid) == NULL);
	CHECK(log_mentions(&n, "forgot transaction", &txid));

	/* Forgotten: the coin is free again, and no change left. */
	CHECK(db_begin(n.db));
	CHECK(wallet_forget_spend(n.wallet, &second_txid, "its commitment lost"));
	CHECK(db_commit(n.db));
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	json_decref(list);

	/* Never more than the cap (what the caller has at stake). */
	params = bump_params(&calls, 4000);
	params.max_fee_sat = bump.fee_sat - 1;
	CHECK(db_begin(n.db));
	CHECK(!wallet_bump_prepare(n.wallet, &params, &capped, err, sizeof(err)));
	CHECK(db_commit(n.db));
	CHECK_MSG(strstr(err, "more than the") != NULL && strstr(err, "at stake") != NULL, "%s",
		  err);
	params.max_fee_sat = bump.fee_sat;
	CHECK(db_begin(n.db));
	CHECK_MSG(wallet_bump_prepare(n.wallet, &params, &capped, err, sizeof(err)),
		  "%s", err);
	CHECK(db_rollback(n.db));
	bitcoin_tx_free(capped.tx);

	/* More than the wallet holds. */
	params = bump_params(&calls, 1000000);
	CHECK(db_begin(n.db));
	CHECK(!wallet_bump_prepare(n.wallet, &params, &bump, err, sizeof(err)));
	CHECK(db_commit(n.db));
	CHECK_MSG(strstr(err, "Could not afford the fee bump at 1000000 perkw using all 1 "
			 "confirmed UTXOs: 100000sat available") != NULL, "%s", err);
	bitcoin_tx_free(bump.tx);
	bitcoin_tx_free(second.tx);
	wirebuf_free(script);
	node_close(&n);
}

static void test_bump_uses_only_confirmed_coins(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid, funding = {{{{8}}}};
	struct wallet_bump bump;
	unsigned calls = 0;
	struct wallet_bump_params params = bump_params(&calls, 4000);
	struct bitcoin_tx *unconfirmed;
	uint64_t sat = 0;
	char err[300];

	node_with_deposit(&n, 5000, &deposit_txid, &script);
	/* A bigger deposit, in the mempool only. */
	unconfirmed = spend(&funding, 0, 900000, script->data, script->len);
	chain_mempool_tx(n.chain, unconfirmed);
	CHECK(wallet_bump_funds(n.wallet, &sat) && sat == 5000);
	CHECK(db_begin(n.db));
	CHECK(!wallet_bump_prepare(n.wallet, &params, &bump, err, sizeof(err)));
	CHECK(db_commit(n.db));
	CHECK(strstr(err, "5000sat available") != NULL);
	CHECK(calls == 0);
	bitcoin_tx_free(unconfirmed);
	wirebuf_free(script);
	node_close(&n);
}

/* The resolver's option_anchors HTLC transaction: a foreign input (the
 * HTLC output) and a fee coin of ours, change back to us.  Abandoned
 * (another spent its HTLC output), its fee coin is free again at once
 * (onchain.h: "the coin is free again"), not only after
 * WALLET_RESERVATION_BLOCKS. */
static void test_forgotten_spend_frees_its_fee_coin_at_once(void)
{
	struct node n;
	struct wirebuf *script, *change;
	struct bitcoin_txid deposit_txid, htlc_txid = {{{{0x55}}}}, txid;
	struct bitcoin_outpoint coin_op;
	struct wallet_fee_coin coin;
	struct bitcoin_tx *tx;
	uint8_t junk[3] = {1, 2, 3};
	char err[300];

	node_with_deposit(&n, 50000, &deposit_txid, &script);
	coin_op.txid = deposit_txid;
	coin_op.vout = 0;
	CHECK(wallet_fee_coin(n.wallet, 10000, NULL, 0, &coin) == 1);
	CHECK(bitcoin_txid_eq(&coin.outpoint.txid, &deposit_txid));
	crypto_wipe(&coin.key, sizeof(coin.key));
	change = our_script(&n, false);
	tx = spend(&htlc_txid, 0, 20000, other_script, sizeof(other_script));
	bitcoin_tx_add_input(tx, &coin_op, 0xfffffffd);
	bitcoin_tx_push_witness(tx, 1, junk, sizeof(junk));
	bitcoin_tx_add_output(tx, 49000, change->data, change->len);
	bitcoin_tx_txid(&txid, tx);
	CHECK(db_begin(n.db));
	CHECK_MSG(wallet_record_spend(n.wallet, tx, err, sizeof(err)), "%s", err);
	CHECK(db_commit(n.db));
	/* Taken by it. */
	CHECK(wallet_fee_coin(n.wallet, 10000, NULL, 0, &coin) == 0);

	CHECK(db_begin(n.db));
	CHECK(wallet_forget_spend(n.wallet, &txid, "its HTLC output was spent"));
	CHECK(db_commit(n.db));
	CHECK(wallet_tx_load(n.wallet, &txid) == NULL);
	/* Free again: the next HTLC transaction may take it now. */
	CHECK(wallet_fee_coin(n.wallet, 10000, NULL, 0, &coin) == 1);
	CHECK(bitcoin_txid_eq(&coin.outpoint.txid, &deposit_txid) && coin.outpoint.vout == 0);
	crypto_wipe(&coin.key, sizeof(coin.key));
	bitcoin_tx_free(tx);
	wirebuf_free(change);
	wirebuf_free(script);
	node_close(&n);
}

static void test_spend_keeps_the_emergency_reserve(void)
{
	struct node n;
	struct wirebuf *script;
	struct bitcoin_txid deposit_txid;
	struct wallet_withdraw_params params = fund_params(80000);
	struct bitcoin_tx *tx;
	uint32_t outnum;
	char err[300];
	enum wallet_error code = WALLET_OK;
	json_t *list;

	node_with_deposit(&n, 100000, &deposit_txid, &script);
	params.reserve_sat = 25000;
	CHECK(db_begin(n.db));
	tx = wallet_fund_prepare(n.wallet, &params, &outnum, &code, err, sizeof(err));
	CHECK(tx == NULL && code == WALLET_ERROR_EMERGENCY_RESERVE);
	CHECK_STREQ(err, "We would not have enough left for min-emergency-msat 25000sat");
	CHECK(db_commit(n.db));
	/* Nothing of it stays. */
	list = outputs(&n, true);
	CHECK(json_array_size(list) == 1);
	CHECK_STREQ(status_of(json_array_get(list, 0)), "confirmed");
	json_decref(list);
	/* Leaving 25000 sat or more (the change, here) is fine. */
	params.amount_sat = 74000;
	CHECK(db_begin(n.db));
	tx = wallet_fund_prepare(n.wallet, &params, &outnum, &code, err, sizeof(err));
	CHECK_MSG(tx != NULL, "%s", err);
	CHECK(db_commit(n.db));
	CHECK(tx && tx->num_outputs == 2 && tx->outputs[1 - outnum].amount_sat >= 25000);
	bitcoin_tx_free(tx);
	wirebuf_free(script);
	node_close(&n);
}

int main(void)
{
	secp = crypto_secp_context_new();
	if (!mkdtemp(test_dir)) {
		printf("Bail out! mkdtemp %s failed\n", test_dir);
		return 1;
	}
	RUN(test_store_reads_utxos_and_txs_in_order);
	RUN(test_store_keys_txs_and_utxos);
	RUN(test_store_coins_for_spending);
	RUN(test_chain_store_blocks);
	RUN(test_coinbase_deposit_is_confirmed);
	RUN(test_block_must_build_on_our_tip);
	RUN(test_mempool_deposit_then_confirmed);
	RUN(test_spend_is_recorded);
	RUN(test_reorg_unconfirms_and_drops_coinbase);
	RUN(test_confirmed_conflict_replaces_unconfirmed_spend);
	RUN(test_restart_keeps_everything);
	RUN(test_withdraw_chooses_mature_coins_and_frees_them_when_refused);
	RUN(test_fund_prepare_holds_a_signed_unsent_transaction);
	RUN(test_fund_release_frees_the_coins_and_forgets_the_tx);
	RUN(test_fund_unhold_makes_it_an_unconfirmed_tx_resent_at_start);
	RUN(test_fund_prepare_errors_as_withdraw_does);
	RUN(test_fund_prepare_rolled_back_leaves_no_trace);
	RUN(test_held_tx_confirmed_anyway_is_held_no_longer);
	RUN(test_new_address_is_committed_before_it_is_given);
	RUN(test_new_script_pays_a_p2wpkh_key_of_ours);
	RUN(test_bump_spends_the_foreign_input_and_a_confirmed_coin);
	RUN(test_bump_uses_only_confirmed_coins);
	RUN(test_spend_keeps_the_emergency_reserve);
	RUN(test_forgotten_spend_frees_its_fee_coin_at_once);
	crypto_secp_context_destroy(secp);
	char command[300];
	snprintf(command, sizeof(command), "rm -rf %s", test_dir);
	if (system(command) != 0)
		printf("# could not remove %s\n", test_dir);
	return test_done();
}
