/* Fuzz target: every BOLT 1 message decoder and the init feature checks,
 * on bytes as a peer would send them (after decryption). */
#include <stdlib.h>

#include "tests/fuzz/fuzz.h"
#include "wire/features.h"
#include "wire/peer_wire.h"

const struct fuzz_seed fuzz_seeds[] = {
	{"001000000000"},
	{"001000000000c9012acb0104"},
	{"00100000000201010120" "06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f"},
	{"0012000400020000"},
	{"001300020000"},
	{"0011" "0000000000000000000000000000000000000000000000000000000000000000" "0003616263"},
	{"0001" "0000000000000000000000000000000000000000000000000000000000000000" "0000"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_init *init;
	struct msg_error *error;
	struct msg_warning *warning;
	struct msg_ping *ping;
	struct msg_pong *pong;
	struct chain_hash chain = {{0}};
	uint16_t type;
	char why[FEATURES_WHY_MAX];

	fromwire_peektype(data, size, &type);
	if (fromwire_init(data, size, &init)) {
		struct featurebits *theirs = featurebits_from_init(init->globalfeatures, init->gflen,
								   init->features, init->flen);
		struct featurebits *ours = ohm_featurebits(FEATURE_CTX_INIT);
		features_check_peer(ours, theirs, why);
		init_networks_compatible(init->tlvs, &chain);
		featurebits_free(ours);
		featurebits_free(theirs);
		msg_init_free(init);
	}
	if (fromwire_error(data, size, &error))
		msg_error_free(error);
	if (fromwire_warning(data, size, &warning))
		msg_warning_free(warning);
	if (fromwire_ping(data, size, &ping)) {
		ping_wants_pong(ping);
		msg_ping_free(ping);
	}
	if (fromwire_pong(data, size, &pong))
		msg_pong_free(pong);
	return 0;
}
