/* Fuzz target: a block as bitcoind hands it over (getblock verbosity 0):
 * its header, proof of work and compact target, its transactions and
 * their merkle roots.  What bitcoin_block_parse accepts must serialize
 * back to the same bytes, and without witnesses must parse again to the
 * same merkle root.  The input is also read as a bare header, and as a
 * list of 32-byte hashes for the merkle root on its own. */
#include <string.h>

#include "bitcoin/block.h"
#include "crypto/hash.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* BOLT #3 Appendix B block 0: the regtest genesis block */
	{"0100000000000000000000000000000000000000000000000000000000000000"
	 "000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
	 "4b1e5e4adae5494dffff7f200200000001010000000100000000000000000000"
	 "00000000000000000000000000000000000000000000ffffffff4d04ffff001d"
	 "0104455468652054696d65732030332f4a616e2f32303039204368616e63656c"
	 "6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f75742066"
	 "6f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe554827"
	 "1967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4"
	 "f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"},
	/* BOLT #3 Appendix B block 1 */
	{"0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73c"
	 "f188910fadbb20ea41a8423ea937e76e8151636bf6093b70eaff942930d20576"
	 "600521fdc30f9858ffff7f200000000001010000000100000000000000000000"
	 "00000000000000000000000000000000000000000000ffffffff03510101ffff"
	 "ffff0100f2052a010000001976a9143ca33c2e4446f4a305f23c80df8ad1afdc"
	 "f652f988ac00000000"},
	/* Block 1's header and coinbase, then BIP143's native P2WPKH */
	{"0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73c"
	 "f188910fadbb20ea41a8423ea937e76e8151636bf6093b70eaff942930d20576"
	 "600521fdc30f9858ffff7f2000000000"
	 "02"
	 "0100000001000000000000000000000000000000000000000000000000000000"
	 "0000000000ffffffff03510101ffffffff0100f2052a010000001976a9143ca3"
	 "3c2e4446f4a305f23c80df8ad1afdcf652f988ac00000000"
	 "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433"
	 "541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742f"
	 "a9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1"
	 "c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89"
	 "d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffff"
	 "ffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac"
	 "7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0"
	 "167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32"
	 "a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f33"
	 "58f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e"
	 "7acafcdb3566bb0ad253f62fc70f07aeee635711000000"},
	/* The same and BIP143's P2SH-P2WPKH twice: CVE-2012-2459's shape */
	{"0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73c"
	 "f188910fadbb20ea41a8423ea937e76e8151636bf6093b70eaff942930d20576"
	 "600521fdc30f9858ffff7f2000000000"
	 "04"
	 "0100000001000000000000000000000000000000000000000000000000000000"
	 "0000000000ffffffff03510101ffffffff0100f2052a010000001976a9143ca3"
	 "3c2e4446f4a305f23c80df8ad1afdcf652f988ac00000000"
	 "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433"
	 "541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742f"
	 "a9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1"
	 "c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89"
	 "d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffff"
	 "ffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac"
	 "7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0"
	 "167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32"
	 "a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f33"
	 "58f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e"
	 "7acafcdb3566bb0ad253f62fc70f07aeee635711000000"
	 "01000000000101db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092"
	 "ac4d3ceb1a5477010000001716001479091972186c449eb1ded22b78e40d009b"
	 "df0089feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bb"
	 "c043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fe"
	 "a7ad0402e8bd8ad6d77c88ac02473044022047ac8e878352d3ebbde1c94ce3a1"
	 "0d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d"
	 "877c1f64677e3622ad4010726870540656fe9dcb012103ad1d8e89212f0b92c7"
	 "4d23bb710c00662ad1470198ac48c43f7d6f93a2a2687392040000"
	 "01000000000101db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092"
	 "ac4d3ceb1a5477010000001716001479091972186c449eb1ded22b78e40d009b"
	 "df0089feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bb"
	 "c043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fe"
	 "a7ad0402e8bd8ad6d77c88ac02473044022047ac8e878352d3ebbde1c94ce3a1"
	 "0d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d"
	 "877c1f64677e3622ad4010726870540656fe9dcb012103ad1d8e89212f0b92c7"
	 "4d23bb710c00662ad1470198ac48c43f7d6f93a2a2687392040000"},
	/* The mainnet genesis header alone */
	{"0100000000000000000000000000000000000000000000000000000000000000"
	 "000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa"
	 "4b1e5e4a29ab5f49ffff001d1dac2b7c"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

/* The first 80 bytes as a header: it writes back the same, hashes to
 * their dSHA256, and meets its target only if it has one. */
static void check_header(const uint8_t *data, size_t size)
{
	const uint8_t *cursor = data;
	size_t max = size;
	struct bitcoin_block_header header;
	struct bitcoin_blkid id;
	struct sha256_double hash;
	struct wirebuf *buf;
	uint8_t target[32];

	fromwire_bitcoin_block_header(&cursor, &max, &header);
	FUZZ_CHECK((cursor != NULL) == (size >= BITCOIN_BLOCK_HEADER_LEN));
	if (!cursor)
		return;
	buf = wirebuf_new();
	towire_bitcoin_block_header(buf, &header);
	FUZZ_CHECK(buf->len == BITCOIN_BLOCK_HEADER_LEN
		   && memcmp(buf->data, data, buf->len) == 0);
	wirebuf_free(buf);
	bitcoin_block_header_hash(&id, &header);
	sha256_double(&hash, data, BITCOIN_BLOCK_HEADER_LEN);
	FUZZ_CHECK(memcmp(&hash, &id.shad, sizeof(hash)) == 0);
	if (bitcoin_block_header_check_pow(&header))
		FUZZ_CHECK(bitcoin_target_from_bits(target, header.bits));
}

/* CVE-2012-2459: an odd level repeats its last hash, so n (odd) leaves
 * and the same with the last repeated share a root; the second must be
 * reported as mutated. */
static void check_merkle(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct sha256_double);
	struct sha256_double *leaves, root, root2;
	bool mutated;

	if (n == 0) {
		FUZZ_CHECK(!bitcoin_merkle_root(&root, NULL, NULL, 0));
		return;
	}
	leaves = malloc((n + 1) * sizeof(*leaves));
	memcpy(leaves, data, n * sizeof(*leaves));
	FUZZ_CHECK(bitcoin_merkle_root(&root, NULL, leaves, n));
	if (n % 2 == 1 && n > 1) {
		leaves[n] = leaves[n - 1];
		FUZZ_CHECK(bitcoin_merkle_root(&root2, &mutated, leaves,
					       n + 1));
		FUZZ_CHECK(mutated);
		FUZZ_CHECK(memcmp(&root, &root2, sizeof(root)) == 0);
	}
	free(leaves);
}

static void check_block(const struct bitcoin_block *block,
			const uint8_t *data, size_t size)
{
	struct wirebuf *full = wirebuf_new(), *legacy = wirebuf_new();
	struct sha256_double root, root2, witness_root, commitment;
	struct bitcoin_block *stripped;
	uint8_t reserved[32] = { 0 };
	bool mutated, has_txs = block->num_txs > 0;

	bitcoin_block_serialize(full, block, true);
	FUZZ_CHECK(full->len == size && memcmp(full->data, data, size) == 0);

	FUZZ_CHECK(bitcoin_block_merkle_root(&root, &mutated, block)
		   == has_txs);
	FUZZ_CHECK(bitcoin_block_witness_merkle_root(&witness_root, block)
		   == has_txs);
	if (has_txs)
		bitcoin_witness_commitment(&commitment, &witness_root,
					   reserved);

	/* Without witnesses: a block again, with the same txids. */
	bitcoin_block_serialize(legacy, block, false);
	stripped = bitcoin_block_parse(legacy->data, legacy->len, NULL);
	FUZZ_CHECK(stripped != NULL);
	FUZZ_CHECK(stripped->num_txs == block->num_txs);
	if (has_txs) {
		FUZZ_CHECK(bitcoin_block_merkle_root(&root2, NULL, stripped));
		FUZZ_CHECK(memcmp(&root, &root2, sizeof(root)) == 0);
	}
	bitcoin_block_free(stripped);
	wirebuf_free(full);
	wirebuf_free(legacy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err = NULL;
	struct bitcoin_block *block;

	check_header(data, size);
	check_merkle(data, size);
	block = bitcoin_block_parse(data, size, &err);
	if (block)
		check_block(block, data, size);
	else
		FUZZ_CHECK(err != NULL);
	bitcoin_block_free(block);
	return 0;
}
