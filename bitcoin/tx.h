/* Bitcoin transactions: the struct, building one, parsing and serializing
 * it with and without the segwit witness (BIP144), its txid and wtxid, and
 * its weight (BIP141).
 *
 * Ownership: bitcoin_tx_new() and bitcoin_tx_parse() return a transaction
 * the caller releases with bitcoin_tx_free(); it owns every script and
 * witness item inside it (setters copy their arguments).  Running out of
 * memory aborts, as in wire/.
 *
 * Hashes are kept in internal byte order; a txid is displayed reversed
 * (bitcoin_txid_to_hex).
 */
#ifndef OHM_BITCOIN_TX_H
#define OHM_BITCOIN_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"
#include "wire/wirebuf.h"

/* A txid (or wtxid): double SHA-256 of a serialization, internal order. */
struct bitcoin_txid {
	struct sha256_double shad;
};

struct bitcoin_outpoint {
	struct bitcoin_txid txid;
	uint32_t vout;
};

struct bitcoin_witness_item {
	uint8_t *data;		/* NULL when len is 0 */
	size_t len;
};

struct bitcoin_tx_input {
	struct bitcoin_outpoint prevout;
	uint8_t *script_sig;	/* NULL when script_sig_len is 0 */
	size_t script_sig_len;
	uint32_t sequence;	/* nSequence */
	struct bitcoin_witness_item *witness;	/* the witness stack */
	size_t num_witness;
};

struct bitcoin_tx_output {
	uint64_t amount_sat;
	uint8_t *script;	/* scriptPubKey; NULL when script_len is 0 */
	size_t script_len;
};

struct bitcoin_tx {
	uint32_t version;	/* nVersion (a signed int32 in Core) */
	struct bitcoin_tx_input *inputs;
	size_t num_inputs;
	struct bitcoin_tx_output *outputs;
	size_t num_outputs;
	uint32_t locktime;	/* nLockTime */
};

/* BIP141 weight limit of a block, and so of any one transaction. */
#define BITCOIN_MAX_BLOCK_WEIGHT 4000000
/* Any field larger than a block cannot be real.  Core: MAX_SIZE. */
#define BITCOIN_MAX_SIZE 0x02000000

/* Bitcoin's supply limit: no amount can exceed 21 million bitcoin
 * (Core: MAX_MONEY). */
#define BITCOIN_MAX_SATOSHIS (21000000ULL * 100000000ULL)

/* nSequence that disables relative locktime and RBF signalling. */
#define BITCOIN_SEQUENCE_FINAL 0xffffffffu

/* Returns: a new transaction with no inputs or outputs. Never NULL. */
struct bitcoin_tx *bitcoin_tx_new(uint32_t version, uint32_t locktime);

/* Releases tx and everything it owns.  NULL is a no-op. */
void bitcoin_tx_free(struct bitcoin_tx *tx);

/* Returns: a deep copy of tx.  Never NULL. */
struct bitcoin_tx *bitcoin_tx_dup(const struct bitcoin_tx *tx);

/* Appends an input spending prevout, with an empty scriptSig and witness.
 * Returns: its index. */
size_t bitcoin_tx_add_input(struct bitcoin_tx *tx,
			    const struct bitcoin_outpoint *prevout,
			    uint32_t sequence);

/* Appends an output paying amount_sat to script[0..script_len).
 * Returns: its index. */
size_t bitcoin_tx_add_output(struct bitcoin_tx *tx, uint64_t amount_sat,
			     const uint8_t *script, size_t script_len);

/* Replaces input input_index's scriptSig with a copy of script. */
void bitcoin_tx_set_script_sig(struct bitcoin_tx *tx, size_t input_index,
			       const uint8_t *script, size_t script_len);

/* Replaces input input_index's witness stack with copies of num_items
 * items (items[i] of lens[i] bytes); num_items 0 clears it. */
void bitcoin_tx_set_witness(struct bitcoin_tx *tx, size_t input_index,
			    const uint8_t *const *items, const size_t *lens,
			    size_t num_items);

/* Pushes a copy of item[0..len) onto input input_index's witness stack. */
void bitcoin_tx_push_witness(struct bitcoin_tx *tx, size_t input_index,
			     const uint8_t *item, size_t len);

/* Returns: true if any input has a non-empty witness stack, i.e. whether
 * the BIP144 serialization differs from the legacy one. */
bool bitcoin_tx_has_witness(const struct bitcoin_tx *tx);

/* Appends tx to out.  With include_witness and a witness present, this is
 * the BIP144 form (marker 0x00, flag 0x01, witnesses before nLockTime);
 * otherwise the legacy form that txids hash. */
void bitcoin_tx_serialize(struct wirebuf *out, const struct bitcoin_tx *tx,
			  bool include_witness);

/* Reads one transaction at the cursor, in either form, advancing past it.
 * Trailing bytes are left for the caller (a block holds several txs).
 * Returns: the transaction; or NULL, with the cursor failed and *err (if
 *          err is not NULL) naming the problem. */
struct bitcoin_tx *fromwire_bitcoin_tx(const uint8_t **cursor, size_t *max,
				       const char **err);

/* Parses exactly one transaction from bytes[0..len).
 * Returns: the transaction; or NULL with *err naming the problem, which
 *          includes trailing bytes after it. */
struct bitcoin_tx *bitcoin_tx_parse(const uint8_t *bytes, size_t len,
				    const char **err);

/* As bitcoin_tx_parse, from a hex string. */
struct bitcoin_tx *bitcoin_tx_from_hex(const char *hex, size_t hex_len,
				       const char **err);

/* The BIP144 serialization as lowercase hex (what sendrawtransaction and
 * Core Lightning's "tx" fields carry), malloc'd; NULL if out of memory. */
char *bitcoin_tx_to_hex(const struct bitcoin_tx *tx);

/* BIP141: txid = dSHA256 of the legacy serialization, wtxid = dSHA256 of
 * the BIP144 one (equal to the txid when there is no witness). */
void bitcoin_tx_txid(struct bitcoin_txid *out, const struct bitcoin_tx *tx);
void bitcoin_tx_wtxid(struct bitcoin_txid *out, const struct bitcoin_tx *tx);

/* Sizes in bytes: without witness (BIP141 "base transaction size") and
 * with it ("total transaction size"). */
size_t bitcoin_tx_base_size(const struct bitcoin_tx *tx);
size_t bitcoin_tx_total_size(const struct bitcoin_tx *tx);

/* BIP141: weight = base size * 3 + total size; vsize = weight / 4 rounded
 * up. */
size_t bitcoin_tx_weight(const struct bitcoin_tx *tx);
size_t bitcoin_tx_vsize(const struct bitcoin_tx *tx);

/* Txids display byte-reversed.  to_hex writes 64 digits and a NUL into out
 * and returns out; from_hex returns false (out untouched) unless hex is 64
 * hex digits. */
char *bitcoin_txid_to_hex(char out[65], const struct bitcoin_txid *txid);
bool bitcoin_txid_from_hex(struct bitcoin_txid *out, const char *hex,
			   size_t hex_len);

/* Returns: true if a and b are the same txid. */
bool bitcoin_txid_eq(const struct bitcoin_txid *a,
		     const struct bitcoin_txid *b);

#endif /* OHM_BITCOIN_TX_H */
