#include "daemon/wallet/coin_select.h"

#include <stdlib.h>

#include "bitcoin/script.h"
#include "bitcoin/serialize.h"
#include "wire/wirebuf.h"

uint64_t coin_fee_sat(uint32_t feerate_perkw, size_t weight)
{
	return (uint64_t)feerate_perkw * weight / 1000;
}

size_t coin_output_weight(size_t script_len)
{
	/* nValue, the script's CompactSize length, the script: all base. */
	return 4 * (8 + compactsize_len(script_len) + script_len);
}

size_t coin_tx_weight(size_t num_inputs, size_t inputs_weight,
		      size_t num_outputs, size_t outputs_weight)
{
	/* BIP141: nVersion, the input and output counts and nLockTime are
	 * base bytes; the marker and flag are witness bytes. */
	return 4 * (4 + compactsize_len(num_inputs) + compactsize_len(num_outputs) + 4)
		+ 2 + inputs_weight + outputs_weight;
}

uint64_t coin_dust_limit_sat(const uint8_t *script, size_t script_len)
{
	/* Core's GetDustThreshold(): the output's size plus the size of an
	 * input spending it (witness bytes discounted), at 3000 sat/kvB. */
	unsigned version;
	const uint8_t *program;
	size_t program_len, size = 8 + compactsize_len(script_len) + script_len;

	if (script_is_op_return(script, script_len))
		return 0;
	if (script_witness_program(&version, &program, &program_len, script, script_len))
		size += 32 + 4 + 1 + 107 / 4 + 4;
	else
		size += 32 + 4 + 1 + 107 + 4;
	return size * 3000 / 1000;
}

/* Order of trying coins: largest first, then by position. */
static int compare_coins(const void *a, const void *b, void *arg)
{
	const struct coin *coins = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (coins[i].amount_sat != coins[j].amount_sat)
		return coins[i].amount_sat > coins[j].amount_sat ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* Sets out's amounts and weight for the chosen coins, deciding on change.
 * Returns: false if the coins do not pay amount plus fee. */
static bool settle(struct coin_selection *out, const struct coin_select_params *params,
		   size_t inputs_weight, uint64_t destination_dust_sat, uint64_t change_dust_sat,
		   enum coin_select_result *result)
{
	size_t destination_weight = coin_output_weight(params->destination_script_len);
	size_t change_weight = coin_output_weight(params->change_script_len);
	size_t weight = coin_tx_weight(out->num_chosen, inputs_weight, 1, destination_weight);
	uint64_t fee = coin_fee_sat(params->feerate_perkw, weight);

	out->change_sat = 0;
	if (params->is_all) {
		/* Everything to the destination: no change. */
		if (out->input_sat <= fee || out->input_sat - fee < destination_dust_sat) {
			*result = out->input_sat <= fee ? COIN_SELECT_INSUFFICIENT : COIN_SELECT_DUST;
			out->needed_sat = fee + destination_dust_sat;
			out->fee_sat = fee;
			return false;
		}
		out->amount_sat = out->input_sat - fee;
		out->fee_sat = fee;
		out->weight = weight;
		return true;
	}
	if (out->input_sat < params->amount_sat || out->input_sat - params->amount_sat < fee) {
		*result = COIN_SELECT_INSUFFICIENT;
		out->needed_sat = params->amount_sat + fee;
		return false;
	}
	out->amount_sat = params->amount_sat;
	out->fee_sat = fee;
	out->weight = weight;

	size_t weight_with_change = coin_tx_weight(out->num_chosen, inputs_weight, 2,
						   destination_weight + change_weight);
	uint64_t fee_with_change = coin_fee_sat(params->feerate_perkw, weight_with_change);
	uint64_t left = out->input_sat - params->amount_sat;
	if (left >= fee_with_change && left - fee_with_change >= change_dust_sat) {
		out->change_sat = left - fee_with_change;
		out->fee_sat = fee_with_change;
		out->weight = weight_with_change;
	} else {
		/* Change would be dust: the left-over is fee. */
		out->fee_sat = left;
	}
	return true;
}

enum coin_select_result coin_select(struct coin_selection *out,
				    const struct coin *coins, size_t num_coins,
				    const struct coin_select_params *params,
				    uint64_t destination_dust_sat,
				    uint64_t change_dust_sat)
{
	enum coin_select_result result = COIN_SELECT_INSUFFICIENT;
	size_t *order, inputs_weight = 0;

	*out = (struct coin_selection){0};
	out->is_chosen = wire_calloc(num_coins + 1, sizeof(bool));
	if (!params->is_all && params->amount_sat < destination_dust_sat)
		return COIN_SELECT_DUST;

	order = wire_calloc(num_coins + 1, sizeof(size_t));
	for (size_t i = 0; i < num_coins; i++)
		order[i] = i;
	qsort_r(order, num_coins, sizeof(size_t), compare_coins, (void *)coins);

	for (size_t k = 0; k < num_coins; k++) {
		const struct coin *coin = &coins[order[k]];
		/* A coin worth less than its own input's fee only costs us. */
		if (!params->must_use_all
		    && coin->amount_sat <= coin_fee_sat(params->feerate_perkw, coin->input_weight))
			continue;
		out->is_chosen[order[k]] = true;
		out->num_chosen++;
		out->input_sat += coin->amount_sat;
		inputs_weight += coin->input_weight;
		/* "all" and explicit coins take every coin; otherwise stop as
		 * soon as the amount and fee are paid. */
		if (params->is_all || params->must_use_all)
			continue;
		if (settle(out, params, inputs_weight, destination_dust_sat, change_dust_sat, &result)) {
			free(order);
			return COIN_SELECT_OK;
		}
	}
	free(order);
	out->available_sat = out->input_sat;
	if (out->num_chosen > 0
	    && settle(out, params, inputs_weight, destination_dust_sat, change_dust_sat, &result))
		return COIN_SELECT_OK;
	if (out->num_chosen == 0)
		out->needed_sat = params->is_all ? destination_dust_sat : params->amount_sat;
	return result;
}
