/* The Bitcoin networks ohm can run on and what distinguishes them: name,
 * genesis block hash (BOLT #0 chain_hash), default Lightning port, the
 * bech32 prefix of on-chain addresses, the Base58 version bytes of legacy
 * addresses and the BIP32 extended key version bytes. */
#ifndef OHM_BITCOIN_CHAINPARAMS_H
#define OHM_BITCOIN_CHAINPARAMS_H

#include <stdint.h>

struct chainparams {
	const char *network;	/* "bitcoin", "testnet", "signet", "regtest" */
	/* BOLT #0:
	 * Unlike `bitcoin-cli`, the hash is not reversed but is used directly.
	 *
	 * So this is the genesis block hash in internal byte order, the
	 * reverse of how block explorers display it. */
	uint8_t chain_hash[32];
	const char *bip173_hrp;	/* bech32 prefix: bc, tb, tb, bcrt */
	uint16_t default_lightning_port;
	uint16_t default_bitcoin_rpc_port;
	uint8_t p2pkh_version;	/* Base58 P2PKH prefix: 0x00 or 0x6f */
	uint8_t p2sh_version;	/* Base58 P2SH prefix: 0x05 or 0xc4 */
	/* BIP32 serialization versions: xpub/xprv or tpub/tprv. */
	uint32_t bip32_pubkey_version;
	uint32_t bip32_privkey_version;
};

/* Looks a network up by name; NULL if unknown. */
const struct chainparams *chainparams_for_network(const char *network);

/* Looks a network up by chain_hash; NULL if none matches. */
const struct chainparams *chainparams_by_chain_hash(const uint8_t chain_hash[32]);

/* The first network (in the order above) whose bech32 prefix is hrp, or
 * whose Base58 P2PKH or P2SH version byte is version; NULL if none.  For
 * naming the network a foreign address belongs to. */
const struct chainparams *chainparams_for_bip173_hrp(const char *hrp);
const struct chainparams *chainparams_for_base58_version(uint8_t version);

/* "bitcoin|testnet|signet|regtest", for messages listing the choices. */
const char *chainparams_network_names(void);

#endif /* OHM_BITCOIN_CHAINPARAMS_H */
