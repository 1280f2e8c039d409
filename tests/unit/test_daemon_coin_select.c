/* Coin selection, fees and dust: daemon/wallet/coin_select.c. */
#include <stdlib.h>

#include "bitcoin/script.h"
#include "daemon/wallet/coin_select.h"
#include "tests/unit/test.h"

#define P2WPKH COIN_P2WPKH_INPUT_WEIGHT
#define P2TR COIN_P2TR_INPUT_WEIGHT

static struct coin_select_params pay(uint64_t amount_sat, uint32_t feerate_perkw)
{
	struct coin_select_params params = {
		.amount_sat = amount_sat,
		.feerate_perkw = feerate_perkw,
		.destination_script_len = SCRIPT_P2WPKH_LEN,
		.change_script_len = SCRIPT_P2WPKH_LEN,
	};
	return params;
}

/* Every successful selection balances: inputs = amount + change + fee. */
static void check_balance(const struct coin_selection *s)
{
	CHECK_MSG(s->input_sat == s->amount_sat + s->change_sat + s->fee_sat,
		  "%llu != %llu + %llu + %llu", (unsigned long long)s->input_sat,
		  (unsigned long long)s->amount_sat, (unsigned long long)s->change_sat,
		  (unsigned long long)s->fee_sat);
}

static void test_fee_is_feerate_times_weight_rounded_down(void)
{
	CHECK(coin_fee_sat(253, 1000) == 253);
	CHECK(coin_fee_sat(253, 561) == 141);	/* 141.933 */
	CHECK(coin_fee_sat(1000, 4) == 4);
	CHECK(coin_fee_sat(0, 1000) == 0);
	/* 253 perkw always meets 1 sat/vB even rounded down, which is why
	 * it is the floor: vsize = ceil(weight / 4). */
	for (size_t weight = 400; weight < 5000; weight++)
		CHECK(coin_fee_sat(253, weight) >= (weight + 3) / 4);
}

static void test_weights_match_bip141(void)
{
	/* A P2WPKH output: 8 + 1 + 22 bytes, all base. */
	CHECK(coin_output_weight(22) == 4 * 31);
	CHECK(coin_output_weight(34) == 4 * 43);
	/* One P2WPKH input, two P2WPKH outputs: 10 base + marker/flag. */
	CHECK(coin_tx_weight(1, P2WPKH, 2, 2 * 124) == 4 * 10 + 2 + 273 + 248);
	/* The familiar 1-in 2-out P2WPKH vsize of ~141 vB (with a 73-byte
	 * worst-case signature). */
	CHECK((coin_tx_weight(1, P2WPKH, 2, 2 * 124) + 3) / 4 == 141);
	CHECK(P2WPKH == 273);
	CHECK(P2TR == 230);
	/* 253 inputs need a 3-byte CompactSize count. */
	CHECK(coin_tx_weight(253, 0, 1, 0) == coin_tx_weight(1, 0, 1, 0) + 4 * 2);
}

static void test_dust_limits_match_core(void)
{
	uint8_t p2wpkh[22] = {OP_0, 20}, p2tr[34] = {OP_1, 32}, p2wsh[34] = {OP_0, 32};
	uint8_t p2pkh[25] = {OP_DUP, OP_HASH160, 20}, p2sh[23] = {OP_HASH160, 20};
	uint8_t op_return[3] = {OP_RETURN, 1, 0};

	p2pkh[23] = OP_EQUALVERIFY;
	p2pkh[24] = OP_CHECKSIG;
	p2sh[22] = OP_EQUAL;
	CHECK(coin_dust_limit_sat(p2wpkh, sizeof(p2wpkh)) == 294);
	CHECK(coin_dust_limit_sat(p2tr, sizeof(p2tr)) == 330);
	CHECK(coin_dust_limit_sat(p2wsh, sizeof(p2wsh)) == 330);
	CHECK(coin_dust_limit_sat(p2pkh, sizeof(p2pkh)) == 546);
	CHECK(coin_dust_limit_sat(p2sh, sizeof(p2sh)) == 540);
	CHECK(coin_dust_limit_sat(op_return, sizeof(op_return)) == 0);
}

static void test_largest_first_with_change(void)
{
	struct coin coins[] = {{10000, P2WPKH}, {500000, P2WPKH}, {200000, P2TR}, {300000, P2WPKH}};
	struct coin_select_params params = pay(600000, 1000);
	struct coin_selection s;

	CHECK(coin_select(&s, coins, 4, &params, 294, 294) == COIN_SELECT_OK);
	/* 500000 is not enough, 500000 + 300000 is. */
	CHECK(!s.is_chosen[0] && s.is_chosen[1] && !s.is_chosen[2] && s.is_chosen[3]);
	CHECK(s.num_chosen == 2 && s.input_sat == 800000 && s.amount_sat == 600000);
	CHECK(s.weight == coin_tx_weight(2, 2 * P2WPKH, 2, 2 * coin_output_weight(22)));
	CHECK(s.fee_sat == coin_fee_sat(1000, s.weight));
	CHECK(s.change_sat == 200000 - s.fee_sat);
	check_balance(&s);
	free(s.is_chosen);
}

static void test_exact_amount_has_no_change(void)
{
	size_t weight = coin_tx_weight(1, P2WPKH, 1, coin_output_weight(22));
	uint64_t fee = coin_fee_sat(2000, weight);
	struct coin coins[] = {{50000 + fee, P2WPKH}};
	struct coin_select_params params = pay(50000, 2000);
	struct coin_selection s;

	CHECK(coin_select(&s, coins, 1, &params, 294, 294) == COIN_SELECT_OK);
	CHECK(s.change_sat == 0 && s.fee_sat == fee && s.weight == weight);
	check_balance(&s);
	free(s.is_chosen);
}

static void test_dust_change_goes_to_fee(void)
{
	size_t weight = coin_tx_weight(1, P2WPKH, 1, coin_output_weight(22));
	uint64_t fee = coin_fee_sat(1000, weight);
	/* Left over after a change output's own fee: below 294. */
	struct coin coins[] = {{50000 + fee + 300, P2WPKH}};
	struct coin_select_params params = pay(50000, 1000);
	struct coin_selection s;

	CHECK(coin_select(&s, coins, 1, &params, 294, 294) == COIN_SELECT_OK);
	CHECK(s.change_sat == 0);
	CHECK(s.fee_sat == fee + 300);
	check_balance(&s);
	free(s.is_chosen);

	/* Enough left for change of exactly the dust limit. */
	size_t weight2 = coin_tx_weight(1, P2WPKH, 2, 2 * coin_output_weight(22));
	coins[0].amount_sat = 50000 + coin_fee_sat(1000, weight2) + 294;
	CHECK(coin_select(&s, coins, 1, &params, 294, 294) == COIN_SELECT_OK);
	CHECK(s.change_sat == 294);
	check_balance(&s);
	free(s.is_chosen);
}

static void test_insufficient_funds_reports_needed_and_available(void)
{
	struct coin coins[] = {{1000, P2WPKH}, {2000, P2WPKH}};
	struct coin_select_params params = pay(5000, 253);
	struct coin_selection s;

	CHECK(coin_select(&s, coins, 2, &params, 294, 294) == COIN_SELECT_INSUFFICIENT);
	CHECK(s.available_sat == 3000);
	CHECK(s.needed_sat > 5000);
	free(s.is_chosen);

	/* The fee is what tips it over. */
	struct coin exact[] = {{5000, P2WPKH}};
	CHECK(coin_select(&s, exact, 1, &params, 294, 294) == COIN_SELECT_INSUFFICIENT);
	CHECK(s.needed_sat == 5000 + coin_fee_sat(253, coin_tx_weight(1, P2WPKH, 1, 124)));
	free(s.is_chosen);

	/* No coins at all. */
	CHECK(coin_select(&s, NULL, 0, &params, 294, 294) == COIN_SELECT_INSUFFICIENT);
	CHECK(s.available_sat == 0 && s.needed_sat == 5000);
	free(s.is_chosen);
}

static void test_dust_destination_refused(void)
{
	struct coin coins[] = {{100000, P2WPKH}};
	struct coin_select_params params = pay(293, 253);
	struct coin_selection s;

	CHECK(coin_select(&s, coins, 1, &params, 294, 294) == COIN_SELECT_DUST);
	free(s.is_chosen);
	params.amount_sat = 294;
	CHECK(coin_select(&s, coins, 1, &params, 294, 294) == COIN_SELECT_OK);
	free(s.is_chosen);
}

static void test_all_sweeps_every_economic_coin(void)
{
	struct coin coins[] = {{100000, P2WPKH}, {50, P2WPKH}, {30000, P2TR}};
	struct coin_select_params params = pay(0, 1000);
	struct coin_selection s;

	params.is_all = true;
	CHECK(coin_select(&s, coins, 3, &params, 294, 294) == COIN_SELECT_OK);
	/* 50 sat costs more than its input's 273-sat fee: left alone. */
	CHECK(s.is_chosen[0] && !s.is_chosen[1] && s.is_chosen[2]);
	CHECK(s.change_sat == 0);
	CHECK(s.weight == coin_tx_weight(2, P2WPKH + P2TR, 1, coin_output_weight(22)));
	CHECK(s.amount_sat == 130000 - coin_fee_sat(1000, s.weight));
	check_balance(&s);
	free(s.is_chosen);

	/* All of nearly nothing is dust; all of nothing is not enough. */
	struct coin tiny[] = {{700, P2WPKH}};
	CHECK(coin_select(&s, tiny, 1, &params, 294, 294) == COIN_SELECT_DUST);
	free(s.is_chosen);
	CHECK(coin_select(&s, NULL, 0, &params, 294, 294) == COIN_SELECT_INSUFFICIENT);
	free(s.is_chosen);
}

static void test_explicit_coins_are_all_spent(void)
{
	struct coin coins[] = {{100000, P2WPKH}, {60, P2WPKH}};
	struct coin_select_params params = pay(20000, 253);
	struct coin_selection s;

	params.must_use_all = true;
	CHECK(coin_select(&s, coins, 2, &params, 294, 294) == COIN_SELECT_OK);
	CHECK(s.is_chosen[0] && s.is_chosen[1] && s.num_chosen == 2);
	CHECK(s.change_sat > 0);
	check_balance(&s);
	free(s.is_chosen);

	params.amount_sat = 100000;
	CHECK(coin_select(&s, coins, 2, &params, 294, 294) == COIN_SELECT_INSUFFICIENT);
	CHECK(s.available_sat == 100060);
	free(s.is_chosen);
}

static void test_selection_is_deterministic_on_ties(void)
{
	struct coin coins[] = {{40000, P2WPKH}, {40000, P2WPKH}, {40000, P2WPKH}};
	struct coin_select_params params = pay(50000, 253);
	struct coin_selection s;

	CHECK(coin_select(&s, coins, 3, &params, 294, 294) == COIN_SELECT_OK);
	CHECK(s.is_chosen[0] && s.is_chosen[1] && !s.is_chosen[2]);
	free(s.is_chosen);
}

int main(void)
{
	RUN(test_fee_is_feerate_times_weight_rounded_down);
	RUN(test_weights_match_bip141);
	RUN(test_dust_limits_match_core);
	RUN(test_largest_first_with_change);
	RUN(test_exact_amount_has_no_change);
	RUN(test_dust_change_goes_to_fee);
	RUN(test_insufficient_funds_reports_needed_and_available);
	RUN(test_dust_destination_refused);
	RUN(test_all_sweeps_every_economic_coin);
	RUN(test_explicit_coins_are_all_spent);
	RUN(test_selection_is_deterministic_on_ties);
	return test_done();
}
