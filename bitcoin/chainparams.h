/* The Bitcoin networks ohm can run on and what distinguishes them: name,
 * genesis block hash (BOLT #0 chain_hash), default Lightning port and the
 * bech32 prefix of on-chain addresses. */
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
};

/* Looks a network up by name; NULL if unknown. */
const struct chainparams *chainparams_for_network(const char *network);

/* Looks a network up by chain_hash; NULL if none matches. */
const struct chainparams *chainparams_by_chain_hash(const uint8_t chain_hash[32]);

/* "bitcoin|testnet|signet|regtest", for messages listing the choices. */
const char *chainparams_network_names(void);

#endif /* OHM_BITCOIN_CHAINPARAMS_H */
