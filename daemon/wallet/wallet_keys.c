#include "daemon/wallet/wallet_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "bitcoin/taproot.h"
#include "channel/keys.h"
#include "crypto/hash.h"
#include "crypto/ripemd160.h"
#include "crypto/secp.h"
#include "crypto/util.h"

/* BIP44-style purpose of each address type. */
static const uint32_t purposes[WALLET_NUM_ADDRTYPES] = {
	[WALLET_P2WPKH] = 84,	/* BIP84 */
	[WALLET_P2TR] = 86,	/* BIP86 */
};

/* SLIP-44: 0 for bitcoin, 1 for every test network. */
static uint32_t coin_type(const struct chainparams *params)
{
	return strcmp(params->network, "bitcoin") == 0 ? 0 : 1;
}

void wallet_keys_seed(uint8_t seed[32], const uint8_t node_secret[32])
{
	hkdf_sha256(seed, 32, NULL, 0, node_secret, 32, WALLET_SEED_INFO,
		    strlen(WALLET_SEED_INFO));
}

bool wallet_keys_from_seed(const secp256k1_context *ctx, struct wallet_keys *out,
			   const uint8_t *seed, size_t seed_len, const struct chainparams *params)
{
	struct bip32_key master, key;
	bool ok = bip32_from_seed(ctx, &master, seed, seed_len);

	for (size_t type = 0; ok && type < WALLET_NUM_ADDRTYPES; type++) {
		ok = bip32_derive_child(ctx, &key, &master, BIP32_HARDENED | purposes[type])
			&& bip32_derive_child(ctx, &key, &key, BIP32_HARDENED | coin_type(params))
			&& bip32_derive_child(ctx, &key, &key, BIP32_HARDENED | 0);
		if (ok)
			out->account[type] = key;
	}
	bip32_key_wipe(&master);
	bip32_key_wipe(&key);
	out->has_node_secret = false;
	if (!ok)
		wallet_keys_wipe(out);
	return ok;
}

bool wallet_keys_init(const secp256k1_context *ctx, struct wallet_keys *out,
		      const uint8_t node_secret[32], const struct chainparams *params)
{
	uint8_t seed[32];
	bool ok;

	wallet_keys_seed(seed, node_secret);
	ok = wallet_keys_from_seed(ctx, out, seed, sizeof(seed), params);
	crypto_wipe(seed, sizeof(seed));
	if (ok) {
		memcpy(out->node_secret, node_secret, 32);
		out->has_node_secret = true;
	}
	return ok;
}

void wallet_keys_wipe(struct wallet_keys *keys)
{
	for (size_t type = 0; type < WALLET_NUM_ADDRTYPES; type++)
		bip32_key_wipe(&keys->account[type]);
	crypto_wipe(keys->node_secret, sizeof(keys->node_secret));
	keys->has_node_secret = false;
}

void wallet_key_path_text(char out[64], const struct wallet_key_path *path,
			  const struct chainparams *params)
{
	if (path->type == WALLET_CHANNEL) {
		snprintf(out, 64, "channel %u payment_basepoint", path->index);
		return;
	}
	snprintf(out, 64, "m/%u'/%u'/0'/%u/%u", purposes[path->type], coin_type(params),
		 path->is_change ? 1 : 0, path->index);
}

/* A channel's payment_basepoint key, as a (depth-less) bip32_key. */
static bool derive_channel_key(const secp256k1_context *ctx, struct bip32_key *out,
			       const struct wallet_keys *keys, uint32_t channel_index)
{
	struct channel_secrets secrets;
	struct secret node_secret;
	bool ok;

	if (!keys->has_node_secret)
		return false;
	memcpy(node_secret.data, keys->node_secret, sizeof(node_secret.data));
	ok = channel_secrets_derive(ctx, &secrets, &node_secret, channel_index);
	crypto_wipe(&node_secret, sizeof(node_secret));
	memset(out, 0, sizeof(*out));
	if (ok) {
		out->is_private = true;
		out->privkey = secrets.payment_basepoint_secret;
		ok = pubkey_from_privkey(ctx, &out->pubkey, &out->privkey);
	}
	channel_secrets_wipe(&secrets);
	if (!ok)
		bip32_key_wipe(out);
	return ok;
}

bool wallet_keys_derive(const secp256k1_context *ctx, struct bip32_key *out,
			const struct wallet_keys *keys, const struct wallet_key_path *path)
{
	struct bip32_key key;

	if (path->type == WALLET_CHANNEL)
		return derive_channel_key(ctx, out, keys, path->index);
	if ((unsigned)path->type >= WALLET_NUM_ADDRTYPES)
		return false;
	if (path->index >= BIP32_HARDENED
	    || !bip32_derive_child(ctx, &key, &keys->account[path->type], path->is_change ? 1 : 0)
	    || !bip32_derive_child(ctx, &key, &key, path->index)) {
		bip32_key_wipe(&key);
		return false;
	}
	*out = key;
	bip32_key_wipe(&key);
	return true;
}

/* The scriptPubKey of a derived key. */
static bool key_script(const secp256k1_context *ctx, struct wirebuf *script,
		       enum wallet_addrtype type, const struct pubkey *pubkey)
{
	struct xonly_pubkey internal;

	switch (type) {
	case WALLET_P2WPKH:
	case WALLET_CHANNEL:
		script_p2wpkh_for_pubkey(script, ctx, pubkey);
		return true;
	case WALLET_P2TR:
		/* BIP86: "the output key ... with an empty script tree". */
		xonly_pubkey_from_pubkey(ctx, &internal, NULL, pubkey);
		return taproot_output_script(ctx, script, &internal, NULL);
	}
	return false;
}

bool wallet_keys_script(const secp256k1_context *ctx, struct wirebuf *script,
			const struct wallet_keys *keys, const struct wallet_key_path *path)
{
	struct bip32_key key;
	bool ok = wallet_keys_derive(ctx, &key, keys, path)
		&& key_script(ctx, script, path->type, &key.pubkey);

	bip32_key_wipe(&key);
	return ok;
}

/* The witness for input i, spending a P2WPKH coin with key. */
static bool sign_p2wpkh(const secp256k1_context *ctx, struct bitcoin_tx *tx, size_t i,
			const struct wallet_spend *spend, const struct bip32_key *key)
{
	uint8_t pubkey[PUBKEY_CMPR_LEN], sig_bytes[BITCOIN_SIGNATURE_MAX_LEN];
	struct ripemd160 key_hash;
	struct wirebuf *script_code = wirebuf_new();
	struct bitcoin_signature sig;
	struct sha256 sighash;
	bool ok;

	pubkey_serialize(ctx, pubkey, &key->pubkey);
	hash160(&key_hash, pubkey, sizeof(pubkey));
	/* BIP143: "For P2WPKH witness program, the scriptCode is
	 * 0x1976a914{20-byte-pubkey-hash}88ac". */
	script_code_for_p2wpkh(script_code, &key_hash);
	ok = bip143_sighash(&sighash, tx, i, script_code->data, script_code->len,
			    spend->amount_sat, SIGHASH_ALL)
		&& bitcoin_signature_sign(ctx, &sig, &sighash, &key->privkey, SIGHASH_ALL);
	wirebuf_free(script_code);
	if (!ok)
		return false;
	const uint8_t *items[2] = {sig_bytes, pubkey};
	size_t lens[2] = {bitcoin_signature_serialize(ctx, sig_bytes, &sig), sizeof(pubkey)};
	bitcoin_tx_set_witness(tx, i, items, lens, 2);
	return true;
}

/* The witness for input i, spending a P2TR coin by key path. */
static bool sign_p2tr(const secp256k1_context *ctx, struct bitcoin_tx *tx, size_t i,
		      const struct bitcoin_tx_output *spent_outputs,
		      const struct bip32_key *key, const uint8_t aux_rand[32])
{
	uint8_t sig[TAPROOT_SIGNATURE_MAX_LEN];
	size_t sig_len;
	struct sha256 sighash;

	if (!bip341_sighash(&sighash, tx, i, spent_outputs, SIGHASH_DEFAULT, NULL, 0, NULL)
	    || !taproot_sign_keypath(ctx, sig, &sig_len, &sighash, &key->privkey, NULL,
				     SIGHASH_DEFAULT, aux_rand))
		return false;
	bitcoin_tx_push_witness(tx, i, sig, sig_len);
	return true;
}

bool wallet_keys_sign_tx(const secp256k1_context *ctx, struct bitcoin_tx *tx,
			 const struct wallet_keys *keys, const struct wallet_spend *spends,
			 const uint8_t (*aux_rand)[32])
{
	/* BIP341 commits to every spent output; sign a copy so a failure
	 * leaves tx as it was. */
	struct bitcoin_tx_output *spent = wire_calloc(tx->num_inputs + 1, sizeof(*spent));
	struct bitcoin_tx *signed_tx = bitcoin_tx_dup(tx);
	struct wirebuf *script = wirebuf_new();
	bool ok = true;

	for (size_t i = 0; i < tx->num_inputs; i++) {
		spent[i].amount_sat = spends[i].amount_sat;
		spent[i].script = (uint8_t *)spends[i].script;
		spent[i].script_len = spends[i].script_len;
	}
	for (size_t i = 0; ok && i < tx->num_inputs; i++) {
		struct bip32_key key;

		if (spends[i].is_foreign)
			continue;
		wirebuf_reset(script);
		ok = wallet_keys_derive(ctx, &key, keys, &spends[i].path)
			&& key_script(ctx, script, spends[i].path.type, &key.pubkey)
			/* The key must be the coin's, or we sign for nothing. */
			&& script->len == spends[i].script_len
			&& memcmp(script->data, spends[i].script, script->len) == 0;
		if (ok && spends[i].path.type != WALLET_P2TR)
			ok = sign_p2wpkh(ctx, signed_tx, i, &spends[i], &key);
		else if (ok)
			ok = sign_p2tr(ctx, signed_tx, i, spent, &key, aux_rand[i]);
		bip32_key_wipe(&key);
	}
	if (ok) {
		for (size_t i = 0; i < tx->num_inputs; i++) {
			struct bitcoin_tx_input *in = &signed_tx->inputs[i];
			const uint8_t **items = wire_calloc(in->num_witness + 1, sizeof(*items));
			size_t *lens = wire_calloc(in->num_witness + 1, sizeof(*lens));
			for (size_t w = 0; w < in->num_witness; w++) {
				items[w] = in->witness[w].data;
				lens[w] = in->witness[w].len;
			}
			bitcoin_tx_set_witness(tx, i, (const uint8_t *const *)items, lens,
					       in->num_witness);
			free(items);
			free(lens);
		}
	}
	bitcoin_tx_free(signed_tx);
	wirebuf_free(script);
	free(spent);
	return ok;
}
