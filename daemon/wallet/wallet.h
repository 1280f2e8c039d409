/* The on-chain wallet: addresses from keys derived from the node secret
 * (daemon/wallet/wallet_keys.h), the coins paying them and the transactions
 * moving them, learnt from the chain client's blocks and mempool scans
 * (it is a chain_listener), and spending them (withdraw, channel
 * funding).
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
 * Spending: coins are chosen (daemon/wallet/coin_select.h) among those unspent,
 * unreserved, with minconf confirmations (a coinbase needs 100), and the
 * signed transaction is stored with its inputs marked spent and reserved
 * for 72 blocks (so two withdraws can never pick the same coin) BEFORE it
 * is sent; if bitcoind refuses it, it is forgotten and its coins freed.
 *
 * Funding a channel: its transaction is made the same way but held
 * (is_held): stored, its coins spent and reserved, its change ours, but
 * never sent or re-sent until the channel code unholds it (and sends it;
 * from then on it is an ordinary unconfirmed transaction of ours) or
 * releases it (forgotten, its coins free again).  listfunds and
 * listtransactions show it like any unconfirmed transaction of ours (its
 * coins are taken, its change will be ours), but no spend may use its
 * change: a child would be lost with a release.  A held transaction that
 * confirms anyway (someone else sent it) is held no longer.
 */
#ifndef OHM_DAEMON_WALLET_H
#define OHM_DAEMON_WALLET_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/address.h"
#include "bitcoin/tx.h"
#include "daemon/wallet/wallet_keys.h"

struct chain;
struct chainparams;
struct db;
struct log;
struct wallet;
struct wirebuf;

/* Why the wallet could not spend (the commands map each to Core
 * Lightning's JSON-RPC code: rpc_wallet_error_code()). */
enum wallet_error {
	WALLET_OK = 0,
	WALLET_ERROR_BAD_REQUEST,	/* the caller's parameters: utxos, a dust amount */
	WALLET_ERROR_INSUFFICIENT_FUNDS,
	WALLET_ERROR_INTERNAL,		/* the database, signing */
	WALLET_ERROR_NOT_SENT,		/* bitcoind refused it, or ohmd is stopping */
	WALLET_ERROR_EMERGENCY_RESERVE,	/* it would leave less than reserve_sat */
};
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
 * Always in its own database transaction, committed before it returns
 * (an open group transaction is committed first): the address is given
 * out at once.  Precondition: no other transaction is open.
 * Returns: false with err on a database error. */
bool wallet_new_address(struct wallet *wallet, enum wallet_addrtype type,
			char address[ADDRESS_MAX_LEN + 1], char *err, size_t errlen);

/* Hands out the next P2WPKH key, as wallet_new_address does, appending
 * its scriptPubKey to script (e.g. a channel's closing output, so the
 * wallet sees the closed channel's funds).  Inside the caller's database
 * transaction if one is open (the key is then stored when it commits),
 * else in its own.
 * Returns: false with err on a database error (script unchanged). */
bool wallet_new_script(struct wallet *wallet, struct wirebuf *script, char *err, size_t errlen);

/* Watches script, a P2WPKH to the payment_basepoint of the channel with
 * index channel_index: an output paying it (the to_remote output of the
 * peer's commitment) is a coin of ours, spent with that key.  In memory
 * only: call it at every start, before blocks are processed. */
void wallet_watch_channel_key(struct wallet *wallet, const uint8_t *script, size_t len,
			      uint64_t channel_index);

/* A coin of ours, as listfunds shows it. */
struct wallet_output {
	struct bitcoin_txid txid;
	uint32_t outnum;
	uint64_t amount_sat;
	const uint8_t *script;		/* valid during the callback only */
	size_t script_len;
	const char *address;		/* NULL if the script has none */
	enum { WALLET_OUTPUT_UNCONFIRMED, WALLET_OUTPUT_CONFIRMED,
	       WALLET_OUTPUT_SPENT } status;
	bool is_confirmed;
	uint32_t blockheight;		/* if is_confirmed */
	bool is_reserved;		/* reserved beyond the tip */
	uint32_t reserved_to_block;	/* if is_reserved */
};

/* Calls each(arg, output) for every coin, confirmed first (by block and
 * position), spent ones only with include_spent.
 * Returns: false on a database error. */
bool wallet_list_outputs(struct wallet *wallet, bool include_spent,
			 void (*each)(void *arg, const struct wallet_output *output), void *arg);

/* A transaction of ours, as listtransactions shows it. */
struct wallet_transaction {
	struct bitcoin_txid txid;
	const struct bitcoin_tx *tx;	/* valid during the callback only */
	const uint8_t *raw;
	size_t raw_len;
	bool is_confirmed;
	uint32_t blockheight, txindex;	/* if is_confirmed */
};

/* Calls each(arg, tx) for every transaction we know, in the same order.
 * Returns: false on a database error. */
bool wallet_list_transactions(struct wallet *wallet,
			      void (*each)(void *arg, const struct wallet_transaction *tx),
			      void *arg);

/* A stored transaction, parsed (bitcoin_tx_free() it); NULL if unknown or
 * on a database error. */
struct bitcoin_tx *wallet_tx_load(struct wallet *wallet, const struct bitcoin_txid *txid);

struct wallet_withdraw_params {
	const uint8_t *destination_script;
	size_t destination_script_len;
	bool is_all;			/* send everything (minus the fee) */
	uint64_t amount_sat;		/* otherwise */
	uint32_t feerate_perkw;
	uint32_t minconf;
	const struct bitcoin_outpoint *utxos;	/* NULL: choose */
	size_t num_utxos;
	/* Keep at least this much in the wallet (unspent, unreserved coins,
	 * the change included) for fee bumps: Core Lightning's
	 * min-emergency-msat while anchor channels are open.  0: none. */
	uint64_t reserve_sat;
};

/* The outcome of a withdraw: error NULL and the sent tx, or why (code)
 * with a message and tx NULL. */
typedef void (*wallet_withdraw_cb)(const struct bitcoin_tx *tx, enum wallet_error code,
				   const char *error, void *arg);

/* Builds, signs, stores and sends a transaction paying params.  Returns
 * false with *code and err if it cannot be built (bad utxos, not enough
 * funds, dust); otherwise cb hears how sending went, later. */
bool wallet_withdraw(struct wallet *wallet, const struct wallet_withdraw_params *params,
		     wallet_withdraw_cb cb, void *arg, enum wallet_error *code, char *err,
		     size_t errlen);

/* Builds, signs and stores, held, a channel's funding transaction paying
 * params (destination_script: the funding output's P2WSH), as withdraw
 * would, but does not send it.  *outnum is the index of the funding
 * output.  Errors as withdraw's, a dust amount naming parameter 'amount'.
 * Precondition: inside the caller's database transaction (which stores
 * the channel with it); on failure nothing of it is written.
 * Returns: the transaction (bitcoin_tx_free() it), or NULL with *code and
 * err. */
struct bitcoin_tx *wallet_fund_prepare(struct wallet *wallet,
				       const struct wallet_withdraw_params *params, uint32_t *outnum,
				       enum wallet_error *code, char *err, size_t errlen);

/* Forgets the held transaction txid and frees its coins (the channel will
 * not be funded).  A txid not held (unknown, or unheld already) is left
 * alone.  Precondition: inside the caller's database transaction.
 * Returns: false with err on a database error. */
bool wallet_fund_release(struct wallet *wallet, const struct bitcoin_txid *txid, char *err,
			 size_t errlen);

/* Stops holding txid back: from now on it is an ordinary unconfirmed
 * transaction of ours, re-sent at start-up until it confirms.  The caller
 * sends it (chain_broadcast) once its transaction commits.  Unholding
 * twice is fine.  Precondition: inside the caller's database transaction.
 * Returns: false with err if txid is not a transaction we made, or on a
 * database error. */
bool wallet_fund_unhold(struct wallet *wallet, const struct bitcoin_txid *txid, char *err,
			size_t errlen);

/* Sets *held to whether txid is a transaction we hold back (false if
 * unknown).  Returns: false on a database error (*held untouched). */
bool wallet_fund_is_held(struct wallet *wallet, const struct bitcoin_txid *txid, bool *held);

/* ---- Fee bumps (daemon/wallet/wallet_bump.c) ----
 *
 * A child paying for its parent (CPFP) through an output that is not the
 * wallet's (a channel's anchor), with wallet coins: every coin it spends
 * is confirmed (a bump must not wait for another unconfirmed transaction)
 * and its one output is change back to the wallet.  The wallet stores it
 * as its own transaction (its coins spent and reserved, its change a coin)
 * and re-sends it at start-up as any other. */
struct wallet_bump_params {
	struct bitcoin_outpoint input;	/* the output spent besides our coins */
	uint64_t input_sat;
	const uint8_t *input_script;	/* its scriptPubKey */
	size_t input_script_len;
	size_t input_weight;		/* its input's weight, largest witness */
	size_t parent_weight;		/* the transaction to pay for */
	uint64_t parent_fee_sat;
	uint32_t package_perkw;		/* what parent and child should pay */
	uint64_t max_fee_sat;		/* never more than this (0: no cap) */
	/* A replacement (BIP125) of a child that paid old_fee_sat at
	 * old_weight: its fee must exceed that (cpfp_rbf_min_fee_sat). */
	bool is_replacement;
	uint64_t old_fee_sat;
	size_t old_weight;
	/* Signs input index (the foreign one) of the finished tx. */
	bool (*sign_input)(void *arg, struct bitcoin_tx *tx, size_t index);
	void *sign_arg;
};

/* What a bump is: its fee and weight as estimated (the largest
 * signatures; the real transaction is never heavier), input_index the
 * foreign input's position. */
struct wallet_bump {
	struct bitcoin_tx *tx;		/* bitcoin_tx_free() it */
	uint64_t fee_sat;
	size_t weight;
	size_t input_index;
};

/* Builds, signs and stores a child for params, choosing confirmed coins
 * largest first.  Precondition: inside the caller's database transaction;
 * on failure nothing of it is written.  The caller sends it
 * (chain_broadcast) once that transaction commits.
 * Returns: false with err if the wallet cannot pay it or on an error. */
bool wallet_bump_prepare(struct wallet *wallet, const struct wallet_bump_params *params,
			 struct wallet_bump *out, char *err, size_t errlen);

/* Sets *sat to what confirmed, unspent, unreserved coins hold (what a fee
 * bump can spend).  Returns: false on a database error. */
bool wallet_bump_funds(struct wallet *wallet, uint64_t *sat);

/* A coin of ours for a transaction another part builds and signs (the
 * on-chain resolver's option_anchors HTLC transactions pay their fee with
 * it): a confirmed P2WPKH output and its key. */
struct wallet_fee_coin {
	struct bitcoin_outpoint outpoint;
	uint64_t amount_sat;
	uint8_t script[22];		/* P2WPKH */
	struct privkey key;		/* secret: wipe it once used */
};

/* The smallest coin worth at least min_sat that may be spent now
 * (confirmed, P2WPKH, not spent, reserved or held, mature), none of
 * exclude (those handed out already, not yet recorded).
 * Returns: 1 with *coin, 0 if there is none, -1 on a database error. */
int wallet_fee_coin(struct wallet *wallet, uint64_t min_sat,
		    const struct bitcoin_outpoint *exclude, size_t num_exclude,
		    struct wallet_fee_coin *coin);

/* The coin of ours at outpoint (P2WPKH), spent or not: the one a
 * transaction wallet_record_spend recorded took, for its replacement
 * (which pays more fee from it, with less change).
 * Returns: 1 with *coin, 0 if it is not ours or not P2WPKH, -1 on a
 * database error. */
int wallet_fee_coin_at(struct wallet *wallet, const struct bitcoin_outpoint *outpoint,
		       struct wallet_fee_coin *coin);

/* tx, built and signed elsewhere, spends coins of ours: it is stored as
 * an unconfirmed transaction of ours, those coins taken by it and
 * reserved for WALLET_RESERVATION_BLOCKS, its outputs paying our scripts
 * (its change) added.  Call it before tx is sent.  Precondition: inside
 * the caller's database transaction.
 * Returns: false with err on a database error. */
bool wallet_record_spend(struct wallet *wallet, const struct bitcoin_tx *tx, char *err,
			 size_t errlen);

/* Forgets an unconfirmed transaction of ours that spends wallet coins
 * (an anchor CPFP child replaced or whose commitment lost, an
 * option_anchors HTLC transaction of the resolver that can no longer
 * confirm or was replaced), with what spends its outputs: the coins it
 * took are free again at once (unreserved).  A txid not ours, or
 * confirmed, is left alone.  why goes to the log.
 * Precondition: inside the caller's database transaction.
 * Returns: false on a database error. */
bool wallet_forget_spend(struct wallet *wallet, const struct bitcoin_txid *txid, const char *why);

#endif /* OHM_DAEMON_WALLET_H */
