/* Consensus checks for transactions and blocks, after Bitcoin Core v28.
 * The reject reasons are Core's exact strings: clients match on them. */
#include "contrib/devchain/validate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "contrib/devchain/interpreter.h"
#include "contrib/devchain/script_eval.h"
#include "contrib/devchain/standard.h"
#include "wire/wirebuf.h"

void coin_clear(struct coin *c)
{
	free(c->out.script);
	memset(c, 0, sizeof(*c));
}

bool validation_fail(struct validation_state *st, enum validation_result result,
		     const char *reason, const char *debug_fmt, ...)
{
	st->result = result;
	snprintf(st->reason, sizeof(st->reason), "%s", reason);
	st->debug[0] = '\0';
	if (debug_fmt) {
		va_list ap;
		va_start(ap, debug_fmt);
		vsnprintf(st->debug, sizeof(st->debug), debug_fmt, ap);
		va_end(ap);
	}
	return false;
}

char *validation_state_string(char *out, size_t out_len,
			      const struct validation_state *st)
{
	if (st->debug[0])
		snprintf(out, out_len, "%s, %s", st->reason, st->debug);
	else
		snprintf(out, out_len, "%s", st->reason);
	return out;
}

char *format_money(char out[32], uint64_t amount_sat)
{
	size_t len = (size_t)snprintf(out, 32, "%" PRIu64 ".%08" PRIu64,
				      amount_sat / COIN, amount_sat % COIN);

	/* Trim trailing zeros, keeping two decimals. */
	while (len > 0 && out[len - 1] == '0' && out[len - 3] != '.')
		out[--len] = '\0';
	return out;
}

bool tx_is_coinbase(const struct bitcoin_tx *tx)
{
	static const struct bitcoin_txid null_txid;

	return tx->num_inputs == 1 && tx->inputs[0].prevout.vout == 0xffffffff
	       && bitcoin_txid_eq(&tx->inputs[0].prevout.txid, &null_txid);
}

uint64_t tx_value_out(const struct bitcoin_tx *tx)
{
	uint64_t total = 0;

	for (size_t i = 0; i < tx->num_outputs; i++) {
		if (tx->outputs[i].amount_sat > UINT64_MAX - total)
			return UINT64_MAX;
		total += tx->outputs[i].amount_sat;
	}
	return total;
}

static bool outpoint_less(const struct bitcoin_outpoint *a,
			  const struct bitcoin_outpoint *b)
{
	int c = memcmp(&a->txid, &b->txid, sizeof(a->txid));
	return c < 0 || (c == 0 && a->vout < b->vout);
}

static int outpoint_cmp(const void *a, const void *b)
{
	return outpoint_less(a, b) ? -1 : outpoint_less(b, a) ? 1 : 0;
}

bool tx_check(const struct bitcoin_tx *tx, struct validation_state *st)
{
	uint64_t total = 0;

	if (tx->num_inputs == 0)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-vin-empty", NULL);
	if (tx->num_outputs == 0)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-vout-empty", NULL);
	if (bitcoin_tx_base_size(tx) * WITNESS_SCALE_FACTOR > BITCOIN_MAX_BLOCK_WEIGHT)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-oversize", NULL);
	for (size_t i = 0; i < tx->num_outputs; i++) {
		uint64_t amount = tx->outputs[i].amount_sat;
		/* Core's amounts are signed 64-bit. */
		if ((int64_t)amount < 0)
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-vout-negative", NULL);
		if (amount > MAX_MONEY)
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-vout-toolarge", NULL);
		total += amount;
		if (total > MAX_MONEY)
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-txouttotal-toolarge", NULL);
	}
	/* Duplicate inputs (CVE-2018-17144): sort a copy of the outpoints. */
	struct bitcoin_outpoint *prevouts = wire_calloc(tx->num_inputs, sizeof(*prevouts));
	for (size_t i = 0; i < tx->num_inputs; i++)
		prevouts[i] = tx->inputs[i].prevout;
	qsort(prevouts, tx->num_inputs, sizeof(*prevouts), outpoint_cmp);
	for (size_t i = 1; i < tx->num_inputs; i++) {
		if (outpoint_cmp(&prevouts[i - 1], &prevouts[i]) == 0) {
			free(prevouts);
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-inputs-duplicate", NULL);
		}
	}
	free(prevouts);
	if (tx_is_coinbase(tx)) {
		size_t len = tx->inputs[0].script_sig_len;
		if (len < BLOCK_COINBASE_SCRIPT_MIN || len > BLOCK_COINBASE_SCRIPT_MAX)
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-cb-length", NULL);
	} else {
		static const struct bitcoin_txid null_txid;
		for (size_t i = 0; i < tx->num_inputs; i++)
			if (tx->inputs[i].prevout.vout == 0xffffffff
			    && bitcoin_txid_eq(&tx->inputs[i].prevout.txid, &null_txid))
				return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-prevout-null", NULL);
	}
	return true;
}

bool tx_is_final(const struct bitcoin_tx *tx, uint32_t block_height,
		 int64_t block_time)
{
	if (tx->locktime == 0)
		return true;
	if ((int64_t)tx->locktime < (tx->locktime < LOCKTIME_THRESHOLD
				     ? (int64_t)block_height : block_time))
		return true;
	/* Unsatisfied nLockTime is ignored if every input is final. */
	for (size_t i = 0; i < tx->num_inputs; i++)
		if (tx->inputs[i].sequence != BITCOIN_SEQUENCE_FINAL)
			return false;
	return true;
}

bool tx_sequence_locks_ok(const struct bitcoin_tx *tx, const struct coin *coins,
			  uint32_t block_height, int64_t prev_mtp,
			  const struct mtp_source *mtps)
{
	int64_t min_height = -1, min_time = -1;

	/* BIP68 applies to version 2 and later. */
	if (tx->version < 2)
		return true;
	for (size_t i = 0; i < tx->num_inputs; i++) {
		uint32_t sequence = tx->inputs[i].sequence;
		int64_t coin_height = coins[i].height;
		int64_t value = sequence & SEQUENCE_LOCKTIME_MASK;

		if (sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG)
			continue;
		if (sequence & SEQUENCE_LOCKTIME_TYPE_FLAG) {
			/* Time counts from the median time past of the block
			 * before the one that mined the coin. */
			uint32_t h = coin_height > 0 ? (uint32_t)(coin_height - 1) : 0;
			int64_t coin_time = mtps->median_time_past(mtps->arg, h);
			int64_t t = coin_time + (value << SEQUENCE_LOCKTIME_GRANULARITY) - 1;
			if (t > min_time)
				min_time = t;
		} else if (coin_height + value - 1 > min_height) {
			min_height = coin_height + value - 1;
		}
	}
	return !(min_height >= (int64_t)block_height || min_time >= prev_mtp);
}

bool tx_check_inputs(const struct bitcoin_tx *tx, const struct coin *coins,
		     uint32_t spend_height, uint64_t *fee_sat,
		     struct validation_state *st)
{
	uint64_t value_in = 0, value_out;
	char in_str[32], out_str[32];

	for (size_t i = 0; i < tx->num_inputs; i++) {
		const struct coin *coin = &coins[i];
		if (coin->is_coinbase
		    && (int64_t)spend_height - coin->height < COINBASE_MATURITY)
			return validation_fail(st, VALIDATION_PREMATURE_SPEND,
					       "bad-txns-premature-spend-of-coinbase",
					       "tried to spend coinbase at depth %" PRId64,
					       (int64_t)spend_height - coin->height);
		value_in += coin->out.amount_sat;
		if (coin->out.amount_sat > MAX_MONEY || value_in > MAX_MONEY)
			return validation_fail(st, VALIDATION_CONSENSUS,
					       "bad-txns-inputvalues-outofrange", NULL);
	}
	value_out = tx_value_out(tx);
	if (value_in < value_out)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-in-belowout",
				       "value in (%s) < value out (%s)",
				       format_money(in_str, value_in),
				       format_money(out_str, value_out));
	*fee_sat = value_in - value_out;
	return true;
}

bool tx_check_scripts(const secp256k1_context *secp, const struct bitcoin_tx *tx,
		      const struct coin *coins, uint32_t flags,
		      struct validation_state *st)
{
	struct bitcoin_tx_output *spent = wire_calloc(tx->num_inputs, sizeof(*spent));
	struct script_tx_context ctx = {
		.secp = secp, .tx = tx, .spent_outputs = spent,
	};
	bool ok = true;

	for (size_t i = 0; i < tx->num_inputs; i++)
		spent[i] = coins[i].out;
	for (size_t i = 0; ok && i < tx->num_inputs; i++) {
		bool has_policy_flags = flags & ~(uint32_t)SCRIPT_VERIFY_MANDATORY;
		enum script_error err, mandatory_err = SCRIPT_ERR_OK;

		ctx.input_index = i;
		if (script_verify_input(&err, &ctx, flags))
			continue;
		ok = false;
		/* A failure only under policy flags is not a consensus
		 * failure: say which it was, as Core does. */
		if (has_policy_flags
		    && script_verify_input(&mandatory_err, &ctx,
					   flags & SCRIPT_VERIFY_MANDATORY)) {
			validation_fail(st, VALIDATION_NOT_STANDARD, "", NULL);
			snprintf(st->reason, sizeof(st->reason),
				 "non-mandatory-script-verify-flag (%s)",
				 script_error_string(err));
		} else {
			validation_fail(st, VALIDATION_CONSENSUS, "", NULL);
			snprintf(st->reason, sizeof(st->reason),
				 "mandatory-script-verify-flag-failed (%s)",
				 script_error_string(has_policy_flags
						     ? mandatory_err : err));
		}
	}
	free(spent);
	return ok;
}

uint64_t block_subsidy(uint32_t height)
{
	uint32_t halvings = height / REGTEST_HALVING_INTERVAL;

	if (halvings >= 64)
		return 0;
	return (50 * COIN) >> halvings;
}

/* BIP34: the coinbase scriptSig starts with the height as Core's
 * `CScript() << height` writes it. */
static bool coinbase_height_ok(const struct bitcoin_tx *coinbase, uint32_t height)
{
	struct wirebuf *expect = wirebuf_new();
	const struct bitcoin_tx_input *in = &coinbase->inputs[0];
	bool ok;

	script_push_num(expect, height);
	ok = in->script_sig_len >= expect->len
	     && memcmp(in->script_sig, expect->data, expect->len) == 0;
	wirebuf_free(expect);
	return ok;
}

static bool witness_commitment_ok(const struct bitcoin_block *b, struct validation_state *st)
{
	const struct bitcoin_tx *coinbase = b->txs[0];
	int index = block_witness_commitment_index(coinbase);
	struct sha256_double commitment;

	if (index < 0) {
		/* No witness data without a commitment to it. */
		for (size_t i = 0; i < b->num_txs; i++)
			if (bitcoin_tx_has_witness(b->txs[i]))
				return validation_fail(st, VALIDATION_CONSENSUS,
						       "unexpected-witness",
						       "ContextualCheckBlock : unexpected witness data found");
		return true;
	}
	/* BIP141: the coinbase witness is one 32-byte reserved value. */
	if (coinbase->inputs[0].num_witness != 1
	    || coinbase->inputs[0].witness[0].len != 32)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-witness-nonce-size",
				       "ContextualCheckBlock : invalid witness reserved value size");
	block_witness_commitment(&commitment, b, coinbase->inputs[0].witness[0].data);
	if (memcmp(commitment.sha.u8, coinbase->outputs[index].script + 6, 32) != 0)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-witness-merkle-match",
				       "ContextualCheckBlock : witness merkle commitment mismatch");
	return true;
}

bool block_check(const struct bitcoin_block *b, uint32_t height, int64_t prev_mtp,
		 struct validation_state *st)
{
	struct sha256_double root;
	bool mutated;
	unsigned sigops = 0;

	/* Regtest never retargets. */
	if (b->header.bits != REGTEST_BITS)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-diffbits",
				       "incorrect proof of work");
	if (!bitcoin_block_header_check_pow(&b->header))
		return validation_fail(st, VALIDATION_CONSENSUS, "high-hash",
				       "proof of work failed");
	if ((int64_t)b->header.timestamp <= prev_mtp)
		return validation_fail(st, VALIDATION_CONSENSUS, "time-too-old",
				       "block's timestamp is too early");
	/* BIP34, BIP66 and BIP65 are active from height 1 on regtest. */
	if (b->header.version < 4)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-version",
				       "rejected nVersion=0x%08" PRIx32 " block",
				       b->header.version);
	if (b->num_txs == 0 || b->num_txs * WITNESS_SCALE_FACTOR > BITCOIN_MAX_BLOCK_WEIGHT
	    || block_stripped_size(b) * WITNESS_SCALE_FACTOR > BITCOIN_MAX_BLOCK_WEIGHT)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-blk-length",
				       "size limits failed");
	bitcoin_block_merkle_root(&root, &mutated, b);
	if (memcmp(&root, &b->header.merkle_root, sizeof(root)) != 0)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-txnmrklroot",
				       "hashMerkleRoot mismatch");
	if (mutated)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-duplicate",
				       "duplicate transaction");
	if (!tx_is_coinbase(b->txs[0]))
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-cb-missing",
				       "first tx is not coinbase");
	for (size_t i = 1; i < b->num_txs; i++)
		if (tx_is_coinbase(b->txs[i]))
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-cb-multiple",
					       "more than one coinbase");
	for (size_t i = 0; i < b->num_txs; i++) {
		const struct bitcoin_tx *tx = b->txs[i];
		struct validation_state tx_st;
		if (!tx_check(tx, &tx_st)) {
			struct bitcoin_txid txid;
			char hex[65];
			bitcoin_tx_txid(&txid, tx);
			return validation_fail(st, VALIDATION_CONSENSUS, tx_st.reason,
					       "Transaction check failed (tx hash %s) %s",
					       bitcoin_txid_to_hex(hex, &txid), tx_st.debug);
		}
		for (size_t j = 0; j < tx->num_inputs; j++)
			sigops += script_sigop_count(tx->inputs[j].script_sig,
						     tx->inputs[j].script_sig_len, false);
		for (size_t j = 0; j < tx->num_outputs; j++)
			sigops += script_sigop_count(tx->outputs[j].script,
						     tx->outputs[j].script_len, false);
	}
	if (sigops * WITNESS_SCALE_FACTOR > MAX_BLOCK_SIGOPS_COST)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-blk-sigops",
				       "out-of-bounds SigOpCount");
	for (size_t i = 0; i < b->num_txs; i++)
		if (!tx_is_final(b->txs[i], height, prev_mtp))
			return validation_fail(st, VALIDATION_CONSENSUS, "bad-txns-nonfinal",
					       "non-final transaction");
	if (!coinbase_height_ok(b->txs[0], height))
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-cb-height",
				       "block height mismatch in coinbase");
	if (!witness_commitment_ok(b, st))
		return false;
	if (block_weight(b) > BITCOIN_MAX_BLOCK_WEIGHT)
		return validation_fail(st, VALIDATION_CONSENSUS, "bad-blk-weight",
				       "ContextualCheckBlock : weight limit failed");
	return true;
}
