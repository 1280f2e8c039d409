/* Coin selection for the on-chain wallet: which of our coins pay for an
 * output, what the fee is, and whether there is change.  Pure: no I/O, so
 * every case is unit-tested (tests/unit/test_daemon_coin_select.c).
 *
 * Algorithm: largest first.  Coins are tried from the largest amount down
 * (ties by position, so the result is deterministic), skipping coins worth
 * less than the fee their own input costs, until they pay the amount and
 * the fee.  Then a change output is added if what is left over, after the
 * change output's own fee, reaches the change's dust limit; otherwise the
 * left-over goes to the fee (it is then less than the dust limit plus the
 * cost of a change output).  Largest-first keeps transactions small (few
 * inputs, low fee), at the price of leaving small coins unspent; `withdraw
 * all` sweeps them.
 *
 * Fees are feerate_perkw * weight / 1000, rounded down, as Core Lightning
 * does; weights are estimated with the largest signature (73-byte DER
 * ECDSA, 64-byte Schnorr), so the real transaction is never heavier than
 * the estimate and always pays at least the feerate.
 */
#ifndef OHM_DAEMON_COIN_SELECT_H
#define OHM_DAEMON_COIN_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Weight of a P2WPKH input: 41 base bytes (outpoint, empty scriptSig,
 * nSequence) and a witness of two items, a DER signature with its sighash
 * byte (at most 73 bytes) and a 33-byte key. */
#define COIN_P2WPKH_INPUT_WEIGHT (4 * 41 + 1 + 1 + 73 + 1 + 33)
/* Weight of a P2TR key-path input: 41 base bytes and one 64-byte
 * SIGHASH_DEFAULT Schnorr signature. */
#define COIN_P2TR_INPUT_WEIGHT (4 * 41 + 1 + 1 + 64)

/* A coin we may spend. */
struct coin {
	uint64_t amount_sat;
	size_t input_weight;	/* COIN_*_INPUT_WEIGHT */
};

struct coin_select_params {
	uint64_t amount_sat;		/* to the destination; ignored if is_all */
	bool is_all;			/* the destination gets all but the fee */
	bool must_use_all;		/* spend every coin given (explicit utxos) */
	uint32_t feerate_perkw;
	size_t destination_script_len;
	size_t change_script_len;
};

enum coin_select_result {
	COIN_SELECT_OK,
	COIN_SELECT_INSUFFICIENT,	/* the coins cannot pay amount and fee */
	COIN_SELECT_DUST,		/* the destination would get dust */
};

struct coin_selection {
	bool *is_chosen;		/* one per coin; malloc'd, caller frees */
	size_t num_chosen;
	uint64_t input_sat;		/* sum of the chosen coins */
	uint64_t amount_sat;		/* to the destination */
	uint64_t fee_sat;
	uint64_t change_sat;		/* 0: no change output */
	size_t weight;			/* estimated weight of the signed tx */
	/* With COIN_SELECT_INSUFFICIENT: the amount plus fee that spending
	 * every usable coin would need, and what they hold. */
	uint64_t needed_sat, available_sat;
};

/* Fee of weight at feerate_perkw, rounded down (Core Lightning's
 * amount_tx_fee). */
uint64_t coin_fee_sat(uint32_t feerate_perkw, size_t weight);

/* Weight of an output paying a script of script_len bytes. */
size_t coin_output_weight(size_t script_len);

/* Weight of a segwit transaction with these inputs and outputs. */
size_t coin_tx_weight(size_t num_inputs, size_t inputs_weight,
		      size_t num_outputs, size_t outputs_weight);

/* Core's dust threshold at its default dust relay feerate (3 sat/vB): the
 * value below which an output costs more to spend than it is worth, so
 * nodes will not relay a transaction creating it.  294 sat for P2WPKH, 330
 * for P2TR and P2WSH, 540 for P2SH, 546 for P2PKH. */
uint64_t coin_dust_limit_sat(const uint8_t *script, size_t script_len);

/* Chooses coins for params.  out->is_chosen is always allocated (free()
 * it), even on failure.
 * Returns: COIN_SELECT_OK with out filled; COIN_SELECT_INSUFFICIENT with
 *          needed_sat and available_sat set; COIN_SELECT_DUST if the
 *          destination would get less than dest_dust_sat. */
enum coin_select_result coin_select(struct coin_selection *out,
				    const struct coin *coins, size_t num_coins,
				    const struct coin_select_params *params,
				    uint64_t destination_dust_sat,
				    uint64_t change_dust_sat);

#endif /* OHM_DAEMON_COIN_SELECT_H */
