/* The on-chain wallet: addresses from keys derived from the node secret
 * (daemon/wallet_keys.h), the coins paying them and the transactions
 * moving them, learnt from the chain client's blocks and mempool scans
 * (it is a chain_listener), and spending them (withdraw).
 *
 * What is ours: an output paying a script we handed out (newaddr, or our
 * change), and any transaction spending such an output.  Both are kept in
 * the database (transactions, utxos) and every multi-row change happens in
 * one database transaction.  A coin is
 *   - unconfirmed: its transaction is in the mempool (or we sent it);
 *   - confirmed: its transaction is in a block (blockheight);
 *   - spent: a transaction we know of (confirmed or not) spends it.
 * A block leaving the chain makes its transactions unconfirmed again, and
 * its coinbase vanish; an unconfirmed transaction not made by us that
 * leaves the mempool, or one whose coins a confirmed transaction spends
 * instead, is forgotten along with everything spending its outputs.
 *
 * Spending: coins are chosen (daemon/coin_select.h) among those unspent,
 * unreserved, with minconf confirmations (a coinbase needs 100), and the
 * signed transaction is stored with its inputs marked spent and reserved
 * for 72 blocks (so two withdraws can never pick the same coin) BEFORE it
 * is sent; if bitcoind refuses it, it is forgotten and its coins freed.
 */
#ifndef OHM_DAEMON_WALLET_H
#define OHM_DAEMON_WALLET_H

#include <jansson.h>
#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/address.h"
#include "bitcoin/tx.h"
#include "daemon/wallet_keys.h"

struct chain;
struct chainparams;
struct db;
struct log;
struct wallet;

/* CLN's error code for withdraw without the funds. */
#define WALLET_ERROR_INSUFFICIENT_FUNDS 301
/* Blocks a withdraw keeps its coins reserved (Core Lightning's default). */
#define WALLET_RESERVATION_BLOCKS 72
/* Confirmations before a coinbase output may be spent (consensus). */
#define WALLET_COINBASE_MATURITY 100

/* Derives the keys, loads what the database knows and listens to chain
 * (which may have no bitcoind).  Returns: NULL with err on failure. */
struct wallet *wallet_new(const secp256k1_context *secp, struct log *log, struct db *db,
			  struct chain *chain, const struct chainparams *params,
			  const uint8_t node_secret[32], char *err, size_t errlen);

/* Answers pending withdraws with an error, wipes the keys, frees.  NULL is
 * a no-op. */
void wallet_free(struct wallet *wallet);

/* Hands out the next address of type (stored before it is returned).
 * Returns: false with err on a database error. */
bool wallet_new_address(struct wallet *wallet, enum wallet_addrtype type,
			char address[ADDRESS_MAX_LEN + 1], char *err, size_t errlen);

/* listfunds' "outputs" array (Core Lightning's shape); spent outputs only
 * with include_spent.  NULL on a database error. */
json_t *wallet_outputs_json(struct wallet *wallet, bool include_spent);

/* listtransactions' "transactions" array.  NULL on a database error. */
json_t *wallet_transactions_json(struct wallet *wallet);

struct wallet_withdraw_params {
	const uint8_t *destination_script;
	size_t destination_script_len;
	bool is_all;			/* send everything (minus the fee) */
	uint64_t amount_sat;		/* otherwise */
	uint32_t feerate_perkw;
	uint32_t minconf;
	const struct bitcoin_outpoint *utxos;	/* NULL: choose */
	size_t num_utxos;
};

/* The outcome of a withdraw: error NULL and the sent tx, or an error
 * message (code is a JSON-RPC error code) and tx NULL. */
typedef void (*wallet_withdraw_cb)(const struct bitcoin_tx *tx, int code, const char *error,
				   void *arg);

/* Builds, signs, stores and sends a transaction paying params.  Returns
 * false with *code and err if it cannot be built (bad utxos, not enough
 * funds, dust); otherwise cb hears how sending went, later. */
bool wallet_withdraw(struct wallet *wallet, const struct wallet_withdraw_params *params,
		     wallet_withdraw_cb cb, void *arg, int *code, char *err, size_t errlen);

#endif /* OHM_DAEMON_WALLET_H */
