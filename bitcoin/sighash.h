/* Signature hashes: what a transaction signature commits to.
 *
 *  - BIP143, for segwit v0 inputs (P2WPKH, P2WSH, and both nested in P2SH):
 *    every Lightning commitment, HTLC and closing transaction.
 *  - BIP341, for segwit v1 (Taproot) inputs, key path and script path.
 *  - The original (legacy) algorithm, for spending pre-segwit outputs such
 *    as a P2PKH coinbase (BOLT #3's funding vector does), and for a script
 *    interpreter.
 *
 * The script code is the caller's: for P2WPKH it is the P2PKH script of
 * the key hash (script_code_for_p2wpkh); for P2WSH it is the witness
 * script from after the last executed OP_CODESEPARATOR.  Each function
 * writes the digest to sign; the *_preimage variants append the bytes that
 * are hashed, which is what the BIPs print and what a debugger wants.
 */
#ifndef OHM_BITCOIN_SIGHASH_H
#define OHM_BITCOIN_SIGHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "crypto/types.h"
#include "wire/wirebuf.h"

enum sighash_type {
	SIGHASH_DEFAULT = 0x00,	/* BIP341 only: as ALL, 64-byte signature */
	SIGHASH_ALL = 0x01,
	SIGHASH_NONE = 0x02,
	SIGHASH_SINGLE = 0x03,
	SIGHASH_ANYONECANPAY = 0x80,
};

/* ---- Legacy (pre-segwit) ---- */

/* The original signature hash, as Core's SignatureHash with
 * SigVersion::BASE: OP_CODESEPARATORs are removed from script_code here;
 * removing the signature itself (FindAndDelete) is the interpreter's job.
 * With SIGHASH_SINGLE and no output at input_index, the digest is the
 * number 1, as consensus requires.
 * Returns: false (out untouched) if input_index is not an input of tx. */
bool legacy_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		    size_t input_index, const uint8_t *script_code,
		    size_t script_code_len, uint32_t sighash_type);

/* ---- BIP143 (segwit v0) ---- */

/* Appends BIP143's preimage for input input_index, spending an output of
 * amount_sat, with sighash_type (the low 5 bits select ALL/NONE/SINGLE;
 * 0x80 is ANYONECANPAY, as in BIP143's reference code).
 * Precondition: input_index < tx->num_inputs. */
void bip143_sighash_preimage(struct wirebuf *out, const struct bitcoin_tx *tx,
			     size_t input_index, const uint8_t *script_code,
			     size_t script_code_len, uint64_t amount_sat,
			     uint32_t sighash_type);

/* out = dSHA256(BIP143 preimage).
 * Returns: false (out untouched) if input_index is not an input of tx. */
bool bip143_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		    size_t input_index, const uint8_t *script_code,
		    size_t script_code_len, uint64_t amount_sat,
		    uint32_t sighash_type);

/* ---- BIP341 (segwit v1, Taproot) ---- */

/* For a BIP342 script-path spend: what the signature message extension
 * commits to.  (key_version is always 0 today.) */
struct taproot_script_path {
	struct sha256 tapleaf_hash;	/* taproot_leaf_hash() of the leaf */
	uint32_t codesep_pos;		/* last executed OP_CODESEPARATOR's
					 * opcode position, or 0xffffffff */
};

/* Returns: true if hash_type is one BIP341 allows: 0x00, 0x01, 0x02, 0x03,
 *          0x81, 0x82 or 0x83. */
bool bip341_hash_type_is_valid(uint8_t hash_type);

/* Appends BIP341's signature message, preceded by the sighash epoch 0x00
 * (the bytes hashTapSighash is applied to).  spent_outputs holds the
 * output each input spends, tx->num_inputs of them (BIP341 commits to
 * every amount and scriptPubKey).  annex is NULL when absent; it includes
 * its leading 0x50 byte.  script_path is NULL for a key-path spend.
 * Returns: false (nothing appended) if input_index is not an input of tx,
 *          hash_type is not valid, or it is SIGHASH_SINGLE with no output
 *          at input_index (BIP341: "fail"). */
bool bip341_sighash_preimage(struct wirebuf *out, const struct bitcoin_tx *tx,
			     size_t input_index,
			     const struct bitcoin_tx_output *spent_outputs,
			     uint8_t hash_type, const uint8_t *annex,
			     size_t annex_len,
			     const struct taproot_script_path *script_path);

/* out = hashTapSighash(preimage).  Same arguments and failures. */
bool bip341_sighash(struct sha256 *out, const struct bitcoin_tx *tx,
		    size_t input_index,
		    const struct bitcoin_tx_output *spent_outputs,
		    uint8_t hash_type, const uint8_t *annex, size_t annex_len,
		    const struct taproot_script_path *script_path);

#endif /* OHM_BITCOIN_SIGHASH_H */
