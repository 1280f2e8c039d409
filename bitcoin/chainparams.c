#include "bitcoin/chainparams.h"

#include <stddef.h>
#include <string.h>

/* Genesis hashes as displayed, reversed into internal byte order. */
static const struct chainparams networks[] = {
	{
		.network = "bitcoin",
		/* 000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f */
		.chain_hash = {
		   0x6f, 0xe2, 0x8c, 0x0a, 0xb6, 0xf1, 0xb3, 0x72,
		   0xc1, 0xa6, 0xa2, 0x46, 0xae, 0x63, 0xf7, 0x4f,
		   0x93, 0x1e, 0x83, 0x65, 0xe1, 0x5a, 0x08, 0x9c,
		   0x68, 0xd6, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00,
		},
		.bip173_hrp = "bc",
		.default_lightning_port = 9735,
		.default_bitcoin_rpc_port = 8332,
		.p2pkh_version = 0x00,
		.p2sh_version = 0x05,
		.bip32_pubkey_version = 0x0488B21E,
		.bip32_privkey_version = 0x0488ADE4,
	},
	{
		.network = "testnet",
		/* 000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943 */
		.chain_hash = {
		   0x43, 0x49, 0x7f, 0xd7, 0xf8, 0x26, 0x95, 0x71,
		   0x08, 0xf4, 0xa3, 0x0f, 0xd9, 0xce, 0xc3, 0xae,
		   0xba, 0x79, 0x97, 0x20, 0x84, 0xe9, 0x0e, 0xad,
		   0x01, 0xea, 0x33, 0x09, 0x00, 0x00, 0x00, 0x00,
		},
		.bip173_hrp = "tb",
		.default_lightning_port = 9735,
		.default_bitcoin_rpc_port = 18332,
		.p2pkh_version = 0x6f,
		.p2sh_version = 0xc4,
		.bip32_pubkey_version = 0x043587CF,
		.bip32_privkey_version = 0x04358394,
	},
	{
		.network = "signet",
		/* 00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6 */
		.chain_hash = {
		   0xf6, 0x1e, 0xee, 0x3b, 0x63, 0xa3, 0x80, 0xa4,
		   0x77, 0xa0, 0x63, 0xaf, 0x32, 0xb2, 0xbb, 0xc9,
		   0x7c, 0x9f, 0xf9, 0xf0, 0x1f, 0x2c, 0x42, 0x25,
		   0xe9, 0x73, 0x98, 0x81, 0x08, 0x00, 0x00, 0x00,
		},
		.bip173_hrp = "tb",
		.default_lightning_port = 9735,
		.default_bitcoin_rpc_port = 38332,
		.p2pkh_version = 0x6f,
		.p2sh_version = 0xc4,
		.bip32_pubkey_version = 0x043587CF,
		.bip32_privkey_version = 0x04358394,
	},
	{
		.network = "regtest",
		/* 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206 */
		.chain_hash = {
		   0x06, 0x22, 0x6e, 0x46, 0x11, 0x1a, 0x0b, 0x59,
		   0xca, 0xaf, 0x12, 0x60, 0x43, 0xeb, 0x5b, 0xbf,
		   0x28, 0xc3, 0x4f, 0x3a, 0x5e, 0x33, 0x2a, 0x1f,
		   0xc7, 0xb2, 0xb7, 0x3c, 0xf1, 0x88, 0x91, 0x0f,
		},
		.bip173_hrp = "bcrt",
		.default_lightning_port = 9735,
		.default_bitcoin_rpc_port = 18443,
		.p2pkh_version = 0x6f,
		.p2sh_version = 0xc4,
		.bip32_pubkey_version = 0x043587CF,
		.bip32_privkey_version = 0x04358394,
	},
};

const struct chainparams *chainparams_for_network(const char *network)
{
	for (size_t i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		if (strcmp(networks[i].network, network) == 0)
			return &networks[i];
	return NULL;
}

const struct chainparams *chainparams_by_chain_hash(const uint8_t chain_hash[32])
{
	for (size_t i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		if (memcmp(networks[i].chain_hash, chain_hash, 32) == 0)
			return &networks[i];
	return NULL;
}

const struct chainparams *chainparams_for_bip173_hrp(const char *hrp)
{
	for (size_t i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		if (strcmp(networks[i].bip173_hrp, hrp) == 0)
			return &networks[i];
	return NULL;
}

const struct chainparams *chainparams_for_base58_version(uint8_t version)
{
	for (size_t i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		if (networks[i].p2pkh_version == version
		    || networks[i].p2sh_version == version)
			return &networks[i];
	return NULL;
}

const char *chainparams_network_names(void)
{
	return "bitcoin|testnet|signet|regtest";
}
