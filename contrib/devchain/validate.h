/* Transaction and block validity: the consensus rules of Bitcoin Core's
 * consensus/tx_check.cpp, consensus/tx_verify.cpp and validation.cpp
 * (CheckTransaction, IsFinalTx, sequence locks, CheckTxInputs, script
 * checks, CheckBlock, ContextualCheckBlock), with Core's reject reasons.
 *
 * Pure: the UTXO set and the chain's median times come in as arguments,
 * so unit tests feed them directly.  The mempool (mempool.c) adds policy
 * (standard.h) on top; chain.c applies these to blocks.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_VALIDATE_H
#define OHM_CONTRIB_DEVCHAIN_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/tx.h"
#include "contrib/devchain/block.h"

#define COIN ((uint64_t)100000000)
#define MAX_MONEY (21000000 * COIN)
#define COINBASE_MATURITY 100
/* Regtest halves the subsidy every 150 blocks (Core's chainparams). */
#define REGTEST_HALVING_INTERVAL 150
#define WITNESS_SCALE_FACTOR 4
#define MAX_BLOCK_SIGOPS_COST 80000
/* BIP68: time-based relative locks count units of 512 seconds. */
#define SEQUENCE_LOCKTIME_GRANULARITY 9

/* Core's TxValidationResult, reduced to what ohm-devchain distinguishes:
 * RPCs map these to error codes as Core does. */
enum validation_result {
	VALIDATION_OK,
	VALIDATION_CONSENSUS,		/* invalid by consensus rules */
	VALIDATION_NOT_STANDARD,	/* valid but against relay policy */
	VALIDATION_MISSING_INPUTS,	/* an input is unknown or spent */
	VALIDATION_PREMATURE_SPEND,	/* locktime or maturity not reached */
	VALIDATION_CONFLICT,		/* double-spends a mempool tx */
	VALIDATION_MEMPOOL_POLICY,	/* fees, limits, duplicates */
};

/* Why something failed, in Core's words: the reject reason ("dust") and
 * an optional detail ("tried to spend coinbase at depth 99"). */
struct validation_state {
	enum validation_result result;
	char reason[192];
	char debug[256];
};

/* A spendable output and where it came from. */
struct coin {
	struct bitcoin_tx_output out;	/* out.script is owned by the coin */
	uint32_t height;		/* block height, or tip+1 if unconfirmed */
	bool is_coinbase;
};

/* Releases c's script and zeroes it. */
void coin_clear(struct coin *c);

/* Records a failure and returns false, so callers can
 * `return validation_fail(st, ...)`.  debug may be NULL. */
bool validation_fail(struct validation_state *st, enum validation_result result,
		     const char *reason, const char *debug_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Writes Core's ValidationState::ToString(): "reason" or "reason, debug"
 * into out[out_len]; returns out. */
char *validation_state_string(char *out, size_t out_len,
			      const struct validation_state *st);

/* Core's FormatMoney: "50.00", "0.001", at least two decimals. */
char *format_money(char out[32], uint64_t amount_sat);

/* Returns: true if tx is a coinbase (one input spending the null
 *          outpoint). */
bool tx_is_coinbase(const struct bitcoin_tx *tx);

/* Sum of tx's outputs, saturating at UINT64_MAX. */
uint64_t tx_value_out(const struct bitcoin_tx *tx);

/* Core's CheckTransaction: rules that need no context ("bad-txns-vin-empty",
 * "bad-txns-vout-negative", "bad-txns-inputs-duplicate", "bad-cb-length",
 * ...). */
bool tx_check(const struct bitcoin_tx *tx, struct validation_state *st);

/* Core's IsFinalTx: may tx be in a block at block_height whose lock time
 * cutoff (the previous block's median time past) is block_time? */
bool tx_is_final(const struct bitcoin_tx *tx, uint32_t block_height,
		 int64_t block_time);

/* The median time past of the active chain's block at a height, for
 * BIP68's time-based locks. */
struct mtp_source {
	void *arg;
	int64_t (*median_time_past)(void *arg, uint32_t height);
};

/* BIP68 (Core's CalculateSequenceLocks and EvaluateSequenceLocks): are
 * tx's relative locks satisfied in a block at block_height whose parent
 * has median time past prev_mtp?  coins[i] is what input i spends. */
bool tx_sequence_locks_ok(const struct bitcoin_tx *tx, const struct coin *coins,
			  uint32_t block_height, int64_t prev_mtp,
			  const struct mtp_source *mtps);

/* Core's Consensus::CheckTxInputs: maturity, value ranges, inputs cover
 * outputs.  On success *fee_sat gets the fee. */
bool tx_check_inputs(const struct bitcoin_tx *tx, const struct coin *coins,
		     uint32_t spend_height, uint64_t *fee_sat,
		     struct validation_state *st);

/* Runs every input's scripts under flags.  With policy flags (more than
 * SCRIPT_VERIFY_MANDATORY), a failure is re-checked under consensus
 * flags alone so the reason says which kind it was, as Core:
 * "non-mandatory-script-verify-flag (...)" or
 * "mandatory-script-verify-flag-failed (...)". */
bool tx_check_scripts(const secp256k1_context *secp, const struct bitcoin_tx *tx,
		      const struct coin *coins, uint32_t flags,
		      struct validation_state *st);

/* Core's GetBlockSubsidy on regtest. */
uint64_t block_subsidy(uint32_t height);

/* Core's CheckBlock plus ContextualCheckBlock for a block at height whose
 * parent has median time past prev_mtp: coinbase placement, merkle root,
 * proof of work, weight, legacy sigops, every tx's tx_check, finality,
 * BIP34 height and the BIP141 witness commitment. */
bool block_check(const struct bitcoin_block *b, uint32_t height, int64_t prev_mtp,
		 struct validation_state *st);

#endif /* OHM_CONTRIB_DEVCHAIN_VALIDATE_H */
