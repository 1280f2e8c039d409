/* Block assembly and proof of work.  See miner.h. */
#include "contrib/devchain/miner.h"

#include <string.h>

#include "bitcoin/script.h"
#include "contrib/devchain/validate.h"
#include "wire/wirebuf.h"

/* Core's coinbase: `CScript() << height << OP_0`, one input spending the
 * null outpoint, and the payout. */
static struct bitcoin_tx *coinbase_new(uint32_t height, uint64_t value_sat,
				       const uint8_t *payout_script,
				       size_t payout_script_len)
{
	static const struct bitcoin_outpoint null_outpoint = {.vout = 0xffffffff};
	struct bitcoin_tx *coinbase = bitcoin_tx_new(2, 0);
	struct wirebuf *script_sig = wirebuf_new();

	script_push_num(script_sig, height);
	script_push_op(script_sig, OP_0);
	bitcoin_tx_add_input(coinbase, &null_outpoint, BITCOIN_SEQUENCE_FINAL);
	bitcoin_tx_set_script_sig(coinbase, 0, script_sig->data, script_sig->len);
	bitcoin_tx_add_output(coinbase, value_sat, payout_script, payout_script_len);
	wirebuf_free(script_sig);
	return coinbase;
}

struct bitcoin_block *miner_create_block(const struct sha256_double *prev_hash,
				 uint32_t height, uint32_t time,
				 const uint8_t *payout_script,
				 size_t payout_script_len,
				 struct bitcoin_tx *const *txs, size_t num_txs,
				 uint64_t fees_sat)
{
	static const uint8_t reserved[32];
	struct bitcoin_block_header header = {
		.version = MINER_BLOCK_VERSION,
		.prev_hash = {*prev_hash},
		.timestamp = time,
		.bits = REGTEST_BITS,
	};
	struct bitcoin_block *b = bitcoin_block_new(&header);
	struct sha256_double commitment;
	struct wirebuf *script;
	struct bitcoin_tx *coinbase;

	coinbase = coinbase_new(height, block_subsidy(height) + fees_sat,
				payout_script, payout_script_len);
	bitcoin_block_add_tx(b, coinbase);
	for (size_t i = 0; i < num_txs; i++)
		bitcoin_block_add_tx(b, bitcoin_tx_dup(txs[i]));

	/* Core always commits to the witnesses (GenerateCoinbaseCommitment),
	 * with an all-zero reserved value as the coinbase's witness.  The
	 * commitment hashes wtxids, and the coinbase's counts as zero, so
	 * adding the output does not change it. */
	block_witness_commitment(&commitment, b, reserved);
	script = wirebuf_new();
	block_witness_commitment_script(script, &commitment);
	bitcoin_tx_add_output(coinbase, 0, script->data, script->len);
	bitcoin_tx_push_witness(coinbase, 0, reserved, sizeof(reserved));
	wirebuf_free(script);

	bitcoin_block_merkle_root(&b->header.merkle_root, NULL, b);
	return b;
}

bool miner_grind(struct bitcoin_block_header *h, uint64_t *max_tries)
{
	for (;;) {
		if (bitcoin_block_header_check_pow(h))
			return true;
		if (*max_tries == 0 || h->nonce == UINT32_MAX)
			return false;
		h->nonce++;
		(*max_tries)--;
	}
}
