/* Relay policy: which outputs and transactions Bitcoin Core's mempool
 * calls standard (policy/policy.cpp), and the output classification its
 * RPCs print as scriptPubKey "type" (script/solver.cpp).
 *
 * Policy is not consensus: generateblock mines non-standard transactions,
 * as Core does; only the mempool applies these rules.  Pure: no I/O.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_STANDARD_H
#define OHM_CONTRIB_DEVCHAIN_STANDARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"

/* Core's defaults (policy/policy.h). */
#define DUST_RELAY_FEERATE_PER_KVB 3000
#define MIN_RELAY_FEERATE_PER_KVB 1000
#define INCREMENTAL_RELAY_FEERATE_PER_KVB 1000
#define MAX_STANDARD_TX_WEIGHT 400000
#define MIN_STANDARD_TX_NONWITNESS_SIZE 65
#define MAX_OP_RETURN_RELAY 83
#define MAX_STANDARD_SCRIPTSIG_SIZE 1650
#define MAX_STANDARD_P2WSH_SCRIPT_SIZE 3600
#define MAX_STANDARD_P2WSH_STACK_ITEMS 100
#define MAX_STANDARD_P2WSH_STACK_ITEM_SIZE 80
#define MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE 80
#define MAX_P2SH_SIGOPS 15
#define TX_MAX_STANDARD_VERSION 3

/* Core's TxoutType. */
enum txout_type {
	TXOUT_NONSTANDARD,
	TXOUT_ANCHOR,		/* pay-to-anchor, OP_1 <0x4e73> */
	TXOUT_PUBKEY,
	TXOUT_PUBKEYHASH,
	TXOUT_SCRIPTHASH,
	TXOUT_MULTISIG,
	TXOUT_NULL_DATA,
	TXOUT_WITNESS_V0_SCRIPTHASH,
	TXOUT_WITNESS_V0_KEYHASH,
	TXOUT_WITNESS_V1_TAPROOT,
	TXOUT_WITNESS_UNKNOWN,
};

/* Core's Solver: classifies scriptPubKey script.  For TXOUT_MULTISIG,
 * *required and *keys (if not NULL) get m and n. */
enum txout_type script_classify(const uint8_t *script, size_t len,
				unsigned *required, unsigned *keys);

/* Core's GetTxnOutputType: "pubkeyhash", "witness_v0_keyhash", ... */
const char *txout_type_name(enum txout_type type);

/* Core's GetDustThreshold at dust_feerate_per_kvb: below this an output
 * costs more to spend than it is worth.  0 for unspendable outputs. */
uint64_t output_dust_threshold(const struct bitcoin_tx_output *out,
			       uint64_t dust_feerate_per_kvb);

/* Core's IsStandardTx.  Returns: false with *reason set to Core's reject
 * reason ("version", "tx-size", "scriptsig-size", "scriptsig-not-pushonly",
 * "scriptpubkey", "bare-multisig", "dust", "multi-op-return"). */
bool policy_is_standard_tx(const struct bitcoin_tx *tx, const char **reason);

/* Core's AreInputsStandard (spent_outputs: one per input).  Returns: false
 * if an input spends a non-standard or unknown-witness output, or a P2SH
 * redeem script with too many sigops. */
bool policy_are_inputs_standard(const struct bitcoin_tx *tx,
				const struct bitcoin_tx_output *spent_outputs);

/* Core's IsWitnessStandard: P2WSH and tapscript size limits, no annex,
 * no witness where no witness program is spent. */
bool policy_is_witness_standard(const struct bitcoin_tx *tx,
				const struct bitcoin_tx_output *spent_outputs);

/* Core's GetSigOpCount(fAccurate): CHECKMULTISIG after OP_1..OP_16 counts
 * that many when accurate, else 20. */
unsigned script_sigop_count(const uint8_t *script, size_t len, bool accurate);

#endif /* OHM_CONTRIB_DEVCHAIN_STANDARD_H */
