/* Transactions and scripts as Bitcoin Core's RPCs show them: script asm
 * (ScriptToAsmStr), the scriptPubKey object {asm, desc, hex, address,
 * type} (ScriptToUniv), output descriptors with their checksum
 * (InferDescriptor, BIP380), and the decoderawtransaction object
 * (TxToUniv).  Pure: no I/O.
 */
#ifndef OHM_CONTRIB_DEVCHAIN_TXJSON_H
#define OHM_CONTRIB_DEVCHAIN_TXJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <secp256k1.h>

#include "bitcoin/chainparams.h"
#include "bitcoin/tx.h"

/* Core's ScriptToAsmStr; with sighash_decode, signatures show their
 * hash type as "[ALL]" (scriptSigs).  Returns: a malloc'd string. */
char *script_to_asm(const uint8_t *script, size_t len, bool sighash_decode);

/* BIP380's descriptor checksum of desc: 8 characters and a NUL in out.
 * Returns: false if desc has a character outside the descriptor set. */
bool descriptor_checksum(char out[9], const char *desc);

/* Core's ScriptToUniv(script, include_hex, include_address). */
json_t *script_pubkey_json(const struct chainparams *params,
			   const uint8_t *script, size_t len);

/* What TxToUniv adds beyond the transaction itself. */
struct tx_json_extra {
	bool has_fee;
	uint64_t fee_sat;
	const char *block_hash_hex;	/* NULL to leave out */
	bool include_hex;
};

/* Core's TxToUniv: txid, hash, version, size, vsize, weight, locktime,
 * vin, vout[, fee][, blockhash][, hex].  Returns: a new object. */
json_t *tx_json(const struct chainparams *params, const struct bitcoin_tx *tx,
		const struct tx_json_extra *extra);

/* Returns: a new string of tx's hex (with witnesses). */
json_t *tx_hex_json(const struct bitcoin_tx *tx);

/* Returns: a new string: the 64-digit display (reversed) hex of hash. */
json_t *hash_json(const struct sha256_double *hash);

#endif /* OHM_CONTRIB_DEVCHAIN_TXJSON_H */
