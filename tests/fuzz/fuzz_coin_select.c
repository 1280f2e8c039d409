/* Fuzz target: withdraw's feerate parameter and coin selection.  The
 * input is a feerate text, then (after a NUL) coins and a payment; every
 * selection that succeeds must balance and pay at least its feerate. */
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "daemon/wallet/coin_select.h"
#include "daemon/chain/feerate.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* "normal\0" then amount, flags, and three coins */
	{"6e6f726d616c00e8030000000000000000f4010000"
	 "a08601000000000000" "50c3000000000000" "01" "1027000000000000" "00"},
	/* "1000perkw\0" */
	{"313030307065726b7700ffffffff00000000ff00100000"
	 "00e1f50500000000" "01"},
	/* "4000perkb" */
	{"343030307065726b62"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

static uint64_t read_u64(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8 && *p < end; i++)
		v |= (uint64_t)*(*p)++ << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size), *p, *end = data + size;
	char *text = malloc(size + 1), err[200];
	struct feerate_param feerate;
	struct coin coins[64];
	size_t num_coins = 0;
	struct coin_select_params params = {0};
	struct coin_selection s;

	memcpy(text, data, size);
	text[size] = '\0';
	if (feerate_parse(&feerate, text, err, sizeof(err)))
		FUZZ_CHECK(feerate.is_target || feerate.perkw >= FEERATE_FLOOR_PERKW);
	free(text);
	if (!nul)
		return 0;

	p = nul + 1;
	params.amount_sat = read_u64(&p, end) % (21000000ULL * 100000000ULL);
	params.feerate_perkw = (uint32_t)(read_u64(&p, end) % 10000000);
	params.is_all = p < end && (*p & 1);
	params.must_use_all = p < end && (*p & 2);
	params.destination_script_len = p < end && (*p++ & 4) ? SCRIPT_P2TR_LEN : SCRIPT_P2WPKH_LEN;
	params.change_script_len = SCRIPT_P2WPKH_LEN;
	while (p + 9 <= end && num_coins < 64) {
		coins[num_coins].amount_sat = read_u64(&p, end) % (21000000ULL * 100000000ULL);
		coins[num_coins].input_weight = *p++ & 1 ? COIN_P2TR_INPUT_WEIGHT
							 : COIN_P2WPKH_INPUT_WEIGHT;
		num_coins++;
	}
	if (coin_select(&s, coins, num_coins, &params, 294, 294) == COIN_SELECT_OK) {
		uint64_t sum = 0;
		size_t chosen = 0, inputs_weight = 0;
		for (size_t i = 0; i < num_coins; i++) {
			if (!s.is_chosen[i])
				continue;
			sum += coins[i].amount_sat;
			inputs_weight += coins[i].input_weight;
			chosen++;
		}
		FUZZ_CHECK(chosen == s.num_chosen && sum == s.input_sat);
		FUZZ_CHECK(s.input_sat == s.amount_sat + s.change_sat + s.fee_sat);
		FUZZ_CHECK(s.amount_sat >= 294);
		FUZZ_CHECK(s.change_sat == 0 || s.change_sat >= 294);
		FUZZ_CHECK(params.is_all || s.amount_sat == params.amount_sat);
		FUZZ_CHECK(s.weight == coin_tx_weight(chosen, inputs_weight, s.change_sat ? 2 : 1,
						     coin_output_weight(params.destination_script_len)
						     + (s.change_sat ? coin_output_weight(22) : 0)));
		FUZZ_CHECK(s.fee_sat >= coin_fee_sat(params.feerate_perkw, s.weight));
	}
	free(s.is_chosen);
	return 0;
}
