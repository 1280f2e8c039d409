/* Block sizes, the witness commitment output, difficulty and the regtest
 * genesis block.  See block.h. */
#include "contrib/devchain/block.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/serialize.h"
#include "common/hex.h"

/* BIP141's commitment header: OP_RETURN, a 36-byte push, 0xaa21a9ed. */
static const uint8_t commitment_header[6] = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};

/* The regtest genesis block as Core's chainparams build it (also BOLT #3
 * Appendix B's "block 0"). */
static const char regtest_genesis_hex[] =
	"0100000000000000000000000000000000000000000000000000000000000000"
	"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
	"4b1e5e4adae5494dffff7f200200000001010000000100000000000000000000"
	"00000000000000000000000000000000000000000000ffffffff4d04ffff001d"
	"0104455468652054696d65732030332f4a616e2f32303039204368616e63656c"
	"6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f75742066"
	"6f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe554827"
	"1967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
	"f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

void block_hash(struct sha256_double *out, const struct bitcoin_block_header *h)
{
	struct bitcoin_blkid id;

	bitcoin_block_header_hash(&id, h);
	*out = id.shad;
}

size_t block_total_size(const struct bitcoin_block *b)
{
	size_t size = BITCOIN_BLOCK_HEADER_LEN + compactsize_len(b->num_txs);

	for (size_t i = 0; i < b->num_txs; i++)
		size += bitcoin_tx_total_size(b->txs[i]);
	return size;
}

size_t block_stripped_size(const struct bitcoin_block *b)
{
	size_t size = BITCOIN_BLOCK_HEADER_LEN + compactsize_len(b->num_txs);

	for (size_t i = 0; i < b->num_txs; i++)
		size += bitcoin_tx_base_size(b->txs[i]);
	return size;
}

size_t block_weight(const struct bitcoin_block *b)
{
	return block_stripped_size(b) * 3 + block_total_size(b);
}

int block_witness_commitment_index(const struct bitcoin_tx *coinbase)
{
	int found = -1;

	for (size_t i = 0; i < coinbase->num_outputs; i++) {
		const struct bitcoin_tx_output *out = &coinbase->outputs[i];
		if (out->script_len >= 38
		    && memcmp(out->script, commitment_header,
			      sizeof(commitment_header)) == 0)
			found = (int)i;
	}
	return found;
}

void block_witness_commitment(struct sha256_double *out,
			      const struct bitcoin_block *b,
			      const uint8_t reserved[32])
{
	struct sha256_double root;
	bool ok = bitcoin_block_witness_merkle_root(&root, b);

	assert(ok);
	(void)ok;
	bitcoin_witness_commitment(out, &root, reserved);
}

void block_witness_commitment_script(struct wirebuf *script,
				     const struct sha256_double *commitment)
{
	wirebuf_append(script, commitment_header, sizeof(commitment_header));
	wirebuf_append(script, commitment->sha.u8, 32);
}

double block_bits_difficulty(uint32_t bits)
{
	int shift = (int)((bits >> 24) & 0xff);
	double difficulty = (double)0x0000ffff / (double)(bits & 0x00ffffff);

	while (shift < 29) {
		difficulty *= 256.0;
		shift++;
	}
	while (shift > 29) {
		difficulty /= 256.0;
		shift--;
	}
	return difficulty;
}

struct bitcoin_block *block_regtest_genesis(void)
{
	uint8_t bytes[(sizeof(regtest_genesis_hex) - 1) / 2];
	struct bitcoin_block *genesis;
	bool ok;

	ok = hex_decode(bytes, sizeof(bytes), regtest_genesis_hex,
			sizeof(regtest_genesis_hex) - 1);
	assert(ok);
	genesis = bitcoin_block_parse(bytes, sizeof(bytes), NULL);
	assert(genesis);
	(void)ok;
	return genesis;
}
