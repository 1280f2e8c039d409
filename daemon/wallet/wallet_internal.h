/* The wallet's insides, shared by its files: wallet.c (keys, and what the
 * chain shows), wallet_list.c (listfunds, listtransactions) and
 * wallet_spend.c (withdraw, channel funding).  Nothing else includes
 * this. */
#ifndef OHM_DAEMON_WALLET_INTERNAL_H
#define OHM_DAEMON_WALLET_INTERNAL_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "daemon/wallet/wallet.h"
#include "daemon/wallet/wallet_keys.h"
#include "wire/wirebuf.h"

/* Our scripts are P2WPKH (22 bytes) or P2TR (34 bytes). */
#define WALLET_SCRIPT_MAX_LEN 34
/* A script as a set key: its length, then it, zero-padded. */
#define WALLET_SCRIPT_KEY_LEN (1 + WALLET_SCRIPT_MAX_LEN)

struct byteset;
struct withdraw;

struct wallet {
	const secp256k1_context *secp;
	struct log *log;
	struct db *db;
	struct chain *chain;
	const struct chainparams *params;
	struct wallet_keys keys;	/* secret: wiped at free */
	struct byteset *scripts;	/* script key -> packed key path */
	struct byteset *outpoints;	/* outpoint key -> 0 (a superset) */
	struct withdraw *withdraws;	/* waiting for bitcoind's answer */
};

void wallet_script_key(uint8_t key[WALLET_SCRIPT_KEY_LEN], const uint8_t *script, size_t len);
void wallet_outpoint_key(uint8_t key[36], const struct bitcoin_txid *txid, uint32_t vout);

/* Returns: true if script pays one of our keys, filling *path (may be
 *          NULL). */
bool wallet_script_is_ours(const struct wallet *wallet, const uint8_t *script, size_t len,
			   struct wallet_key_path *path);

/* Stores and watches the next key of type; its script is written to
 * script.  Inside the caller's database transaction.  Returns: false on a
 * database error. */
bool wallet_issue_key(struct wallet *wallet, enum wallet_addrtype type, bool is_change,
		      struct wallet_key_path *path, struct wirebuf *script);

/* Stores tx, confirmed at height (txindex-th in its block), or, if
 * height < 0, unconfirmed (then a transaction already known is left as it
 * is).  Returns: false on a database error. */
bool wallet_tx_record(struct wallet *wallet, const struct bitcoin_txid *txid,
		      const struct bitcoin_tx *tx, int64_t height, size_t txindex,
		      bool is_coinbase, bool is_ours);

/* Stores our output txid:vout and watches it. */
bool wallet_utxo_add(struct wallet *wallet, const struct bitcoin_txid *txid, uint32_t vout,
		     const struct bitcoin_tx_output *out, const struct wallet_key_path *path);

/* Forgets txid, what spends its outputs (recursively), and frees what it
 * spent; why goes to the log.  Inside the caller's transaction. */
bool wallet_tx_forget(struct wallet *wallet, const struct bitcoin_txid *txid, const char *why,
		      unsigned depth);

/* Answers every pending withdraw with a shutdown error (wallet_free). */
void wallet_withdraws_abort(struct wallet *wallet);

#endif /* OHM_DAEMON_WALLET_INTERNAL_H */
