/* The on-chain wallet's keys: where they come from, the scripts they pay
 * to, and signing the transactions that spend them.  Pure: no I/O, so the
 * derivation and signatures are unit-tested (test_daemon_wallet_keys.c).
 *
 * Derivation (also in README.md; changing it loses funds):
 *
 *   seed   = HKDF-SHA256(salt = "", ikm = node_secret,
 *                        info = "ohm wallet bip32 seed v1"), 32 bytes
 *   master = BIP32 master key of seed
 *   P2WPKH = master / 84' / coin' / 0' / change / index   (BIP84)
 *   P2TR   = master / 86' / coin' / 0' / change / index   (BIP86: key path
 *            only, the output key tweaked with no script tree)
 *
 *   channel coin: a channel's payment_basepoint secret (channel/keys.h
 *            channel_secrets_derive of the channel's index), paid P2WPKH
 *            by the to_remote output of the peer's commitment
 *            (option_static_remotekey)
 *
 * coin is 0 on bitcoin and 1 on testnet, signet and regtest (SLIP-44);
 * change is 0 for addresses we hand out (newaddr) and 1 for our own
 * change.  So the wallet can be restored, from node_secret alone, by any
 * BIP84/BIP86 wallet given the master key.
 *
 * The seed and every private key are wiped once used; none is ever logged.
 */
#ifndef OHM_DAEMON_WALLET_KEYS_H
#define OHM_DAEMON_WALLET_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "bitcoin/bip32.h"
#include "bitcoin/chainparams.h"
#include "bitcoin/tx.h"
#include "wire/wirebuf.h"

#define WALLET_SEED_INFO "ohm wallet bip32 seed v1"

/* The kinds of address the wallet hands out.  Stored in the database:
 * never renumber. */
enum wallet_addrtype {
	WALLET_P2WPKH = 0,
	WALLET_P2TR = 1,
	/* Not handed out: a channel's payment_basepoint key, P2WPKH; the
	 * path's index is the channel's index. */
	WALLET_CHANNEL = 2,
};
/* The BIP32 accounts (WALLET_CHANNEL has none). */
#define WALLET_NUM_ADDRTYPES 2

/* The account keys m/84'/coin'/0' and m/86'/coin'/0', private.  Wipe with
 * wallet_keys_wipe(). */
struct wallet_keys {
	struct bip32_key account[WALLET_NUM_ADDRTYPES];
	/* For the channel coins (wallet_keys_init only). */
	bool has_node_secret;
	uint8_t node_secret[32];
};

/* Where one key sits in the tree. */
struct wallet_key_path {
	enum wallet_addrtype type;
	bool is_change;
	uint32_t index;		/* below BIP32_HARDENED */
};

/* The 32-byte BIP32 seed of node_secret (see the top of this file). */
void wallet_keys_seed(uint8_t seed[32], const uint8_t node_secret[32]);

/* Derives both account keys from node_secret for network params.
 * Returns: false only if a derivation hits an invalid key (probability
 *          below 2^-127). */
bool wallet_keys_init(const secp256k1_context *ctx, struct wallet_keys *out,
		      const uint8_t node_secret[32],
		      const struct chainparams *params);

/* As wallet_keys_init, from a BIP32 seed of 16 to 64 bytes (the BIP84 and
 * BIP86 test vectors give one). */
bool wallet_keys_from_seed(const secp256k1_context *ctx, struct wallet_keys *out,
			   const uint8_t *seed, size_t seed_len,
			   const struct chainparams *params);

/* Zeroes the account keys. */
void wallet_keys_wipe(struct wallet_keys *keys);

/* "m/84'/1'/0'/0/5": path as text, for logs and listaddresses. */
void wallet_key_path_text(char out[64], const struct wallet_key_path *path,
			  const struct chainparams *params);

/* The private key at path (wipe it with bip32_key_wipe()).
 * Returns: false if that index is invalid (probability below 2^-127). */
bool wallet_keys_derive(const secp256k1_context *ctx, struct bip32_key *out,
			const struct wallet_keys *keys,
			const struct wallet_key_path *path);

/* Appends the scriptPubKey of the key at path: P2WPKH (22 bytes) or P2TR
 * (34 bytes).  Returns: false as wallet_keys_derive(). */
bool wallet_keys_script(const secp256k1_context *ctx, struct wirebuf *script,
			const struct wallet_keys *keys,
			const struct wallet_key_path *path);

/* One input of a transaction we sign: the coin it spends. */
struct wallet_spend {
	struct wallet_key_path path;
	uint64_t amount_sat;
	const uint8_t *script;	/* the coin's scriptPubKey */
	size_t script_len;
	/* Not ours to sign (a channel's anchor): left as it is, but its
	 * amount and script still count for BIP341. */
	bool is_foreign;
};

/* Signs every input of tx but the foreign ones, input i spending
 * spends[i] (tx->num_inputs of them): P2WPKH with a BIP143 SIGHASH_ALL ECDSA signature, P2TR by key
 * path with a BIP341 SIGHASH_DEFAULT Schnorr signature using aux_rand
 * (32 bytes per input, fresh randomness from the caller).
 * Returns: false, tx unchanged, if a key cannot be derived or does not
 *          match its coin's script. */
bool wallet_keys_sign_tx(const secp256k1_context *ctx, struct bitcoin_tx *tx,
			 const struct wallet_keys *keys,
			 const struct wallet_spend *spends,
			 const uint8_t (*aux_rand)[32]);

#endif /* OHM_DAEMON_WALLET_KEYS_H */
