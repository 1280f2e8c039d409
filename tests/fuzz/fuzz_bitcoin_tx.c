/* Fuzz target: a Bitcoin transaction as bitcoind or a peer hands it over,
 * in either serialization (BIP144 with witness, or legacy).  What
 * bitcoin_tx_parse accepts must serialize back to the same bytes, with
 * sizes, weight and ids that agree with those bytes; its witness-stripped
 * form must parse too, to the same txid.  fromwire_bitcoin_tx, which
 * leaves trailing bytes (as in a block), must accept exactly the same
 * transaction. */
#include <string.h>

#include "bitcoin/tx.h"
#include "crypto/hash.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* BIP143 Native P2WPKH, signed */
	{"01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433"
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
	/* BIP143 P2SH-P2WPKH, signed */
	{"01000000000101db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092"
	 "ac4d3ceb1a5477010000001716001479091972186c449eb1ded22b78e40d009b"
	 "df0089feffffff02b8b4eb0b000000001976a914a457b684d7f0d539a46a45bb"
	 "c043f35b59d0d96388ac0008af2f000000001976a914fd270b1ee6abcaea97fe"
	 "a7ad0402e8bd8ad6d77c88ac02473044022047ac8e878352d3ebbde1c94ce3a1"
	 "0d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d"
	 "877c1f64677e3622ad4010726870540656fe9dcb012103ad1d8e89212f0b92c7"
	 "4d23bb710c00662ad1470198ac48c43f7d6f93a2a2687392040000"},
	/* BIP143 Native P2WSH, signed */
	{"01000000000102fe3dc9208094f3ffd12645477b3dc56f60ec4fa8e6f5d67c56"
	 "5d1c6b9216b36e000000004847304402200af4e47c9b9629dbecc21f73af989b"
	 "daa911f7e6f6c2e9394588a3aa68f81e9902204f3fcf6ade7e5abb1295b6774c"
	 "8e0abd94ae62217367096bc02ee5e435b67da201ffffffff0815cf020f013ed6"
	 "cf91d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f80000000000ffffff"
	 "ff0100f2052a010000001976a914a30741f8145e5acadf23f751864167f32e09"
	 "63f788ac000347304402200de66acf4527789bfda55fc5459e214fa6083f936b"
	 "430a762c629656216805ac0220396f550692cd347171cbc1ef1f51e15282e837"
	 "bb2b30860dc77c8f78bc8501e503473044022027dc95ad6b740fe5129e7e62a7"
	 "5dd00f291a2aeb1200b84b09d9e3789406b6c002201a9ecd315dd6a0e632ab20"
	 "bbb98948bc0c6fb204f2c286963bb48517a7058e27034721026dccc749adc2a9"
	 "d0d89497ac511f760f45c47dc5ed9cf352a58ac706453880aeadab210255a962"
	 "6aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac0000"
	 "0000"},
	/* BIP143 Native P2WSH, signed */
	{"01000000000102e9b542c5176808107ff1df906f46bb1f2583b16112b95ee538"
	 "0665ba7fcfc0010000000000ffffffff80e68831516392fcd100d186b3c2c7b9"
	 "5c80b53c77e77c35ba03a66b429a2a1b0000000000ffffffff02809698000000"
	 "00001976a914de4b231626ef508c9a74a8517e6783c0546d6b2888ac80969800"
	 "000000001976a9146648a8cd4531e1ec47f35916de8e259237294d1e88ac0248"
	 "3045022100f6a10b8604e6dc910194b79ccfc93e1bc0ec7c03453caaa8987f7d"
	 "6c3413566002206216229ede9b4d6ec2d325be245c5b508ff0339bf1794078e2"
	 "0bfe0babc7ffe683270063ab68210392972e2eb617b2388771abe27235fd5ac4"
	 "4af8e61693261550447a4c3e39da98ac024730440220032521802a76ad7bf74d"
	 "0e2c218b72cf0cbc867066e2e53db905ba37f130397e02207709e2188ed7f08f"
	 "4c952d9d13986da504502b8c3be59617e043552f506c46ff83275163ab682103"
	 "92972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98"
	 "ac00000000"},
	/* BIP143 P2SH-P2WSH, signed */
	{"0100000000010136641869ca081e70f394c6948e8af409e18b619df2ed74aa10"
	 "6c1ca29787b96e0100000023220020a16b5755f7f6f96dbd65f5f0d6ab9418b8"
	 "9af4b1f14a1bb8a09062c35f0dcb54ffffffff0200e9a435000000001976a914"
	 "389ffce9cd9ae88dcc0631e88a821ffdbe9bfe2688acc0832f05000000001976"
	 "a9147480a33f950689af511e6e84c138dbbd3c3ee41588ac080047304402206a"
	 "c44d672dac41f9b00e28f4df20c52eeb087207e8d758d76d92c6fab3b73e2b02"
	 "20367750dbbe19290069cba53d096f44530e4f98acaa594810388cf7409a1870"
	 "ce01473044022068c7946a43232757cbdf9176f009a928e1cd9a1a8c212f15c1"
	 "e11ac9f2925d9002205b75f937ff2f9f3c1246e547e54f62e027f64eefa26955"
	 "78cc6432cdabce271502473044022059ebf56d98010a932cf8ecfec54c48e613"
	 "9ed6adb0728c09cbe1e4fa0915302e022007cd986c8fa870ff5d2b3a89139c9f"
	 "e7e499259875357e20fcbb15571c76795403483045022100fbefd94bd0a488d5"
	 "0b79102b5dad4ab6ced30c4069f1eaa69a4b5a763414067e02203156c6a5c9cf"
	 "88f91265f5a942e96213afae16d83321c8b31bb342142a14d163814830450221"
	 "00a5263ea0553ba89221984bd7f0b13613db16e7a70c549a86de0cc0444141a4"
	 "07022005c360ef0ae5a5d4f9f2f87a56c1546cc8268cab08c73501d6b3be2e1e"
	 "1a8a08824730440220525406a1482936d5a21888260dc165497a90a15669636d"
	 "8edca6b9fe490d309c022032af0c646a34a44d1f4576bf6a4a74b67940f8faa8"
	 "4c7df9abe12a01a11e2b4783cf56210307b8ae49ac90a048e9b53357a2354b33"
	 "34e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554ae8c658ac5c"
	 "3e0ce6e79ad336331f78c428dd43eea8449b21034b8113d703413d57761b8b97"
	 "81957b8c0ac1dfe69f492580ca4195f50376ba4a21033400f6afecb833092a9a"
	 "21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba0"
	 "4d9737d61acdaa1322008af9602b3b14862c07a1789aac162102d8b661b0b330"
	 "2ee2f162b09e07a55ad5dfbe673a9f01d9f0c19617681024306b56ae00000000"},
	/* BIP143 No FindAndDelete, signed */
	{"0100000000010169c12106097dc2e0526493ef67f21269fe888ef05c7a3a5dac"
	 "ab38e1ac8387f14c1d000000ffffffff01010000000000000000034830450220"
	 "487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9"
	 "022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae6"
	 "26c53e012102a9781d66b61fb5a7ef00ac5ad5bc6ffc78be7b44a566e3c87870"
	 "e1079368df4c4aad4830450220487fb382c4974de3f7d834c1b617fe15860828"
	 "c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1"
	 "bc3790e39f59eaa46ff7f15ae626c53e0100000000"},
	/* BIP143 Native P2WPKH, unsigned */
	{"0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541d"
	 "b4e4ad969f0000000000eeffffffef51e1b804cc89d182d279655c3aa89e815b"
	 "1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb20600000000"
	 "1976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d0000"
	 "00001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac11000000"},
	/* BIP143 No FindAndDelete, unsigned */
	{"010000000169c12106097dc2e0526493ef67f21269fe888ef05c7a3a5dacab38"
	 "e1ac8387f14c1d000000ffffffff0101000000000000000000000000"},
	/* BIP143 No FindAndDelete, its OP_CHECKMULTISIGVERIFY example */
	{"010000000001019275cb8d4a485ce95741c013f7c0d28722160008021bb469a1"
	 "1982d47a6628964c1d000000ffffffff01010000000000000000070048304502"
	 "20487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dc"
	 "c9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15a"
	 "e626c53e0148304502205286f726690b2e9b0207f0345711e63fa7012045b9eb"
	 "0f19c2458ce1db90cf43022100e89f17f86abc5b149eba4115d4f128bcf45d77"
	 "fb3ecdd34f594091340c0395960101022102966f109c54e85d3aee8321301136"
	 "cedeb9fc710fdef58a9de8a73942f8e567c021034ffc99dd9a79dd3cb31e2ab3"
	 "e0b09e0e67db41ac068c625cd1f491576016c84e9552af4830450220487fb382"
	 "c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100ba"
	 "f95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e01"
	 "48304502205286f726690b2e9b0207f0345711e63fa7012045b9eb0f19c2458c"
	 "e1db90cf43022100e89f17f86abc5b149eba4115d4f128bcf45d77fb3ecdd34f"
	 "594091340c039596017500000000"},
	/* BOLT #3 Appendix B: the funding transaction (no witness) */
	{"0200000001adbb20ea41a8423ea937e76e8151636bf6093b70eaff942930d205"
	 "76600521fd000000006b48304502210090587b6201e166ad6af0227d3036a945"
	 "4223d49a1f11839c1a362184340ef0240220577f7cd5cca78719405cbf1de741"
	 "4ac027f0239ef6e214c90fcaab0454d84b3b012103535b32d5eb0a6ed0982a04"
	 "79bbadc9868d9836f6ba94dd5a63be16d875069184ffffffff02809698000000"
	 "0000220020c015c4a6be010e21657068fc2e6a9d02b27ebe4d490a25846f7237"
	 "f104d1a3cd20256d29010000001600143ca33c2e4446f4a305f23c80df8ad1af"
	 "dcf652f900000000"},
	/* No inputs, no outputs: the flag byte is the output count */
	{"01000000000000000000"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

static bool bytes_equal(const struct wirebuf *buf, const uint8_t *bytes,
			size_t len)
{
	return buf->len == len
		&& (len == 0 || memcmp(buf->data, bytes, len) == 0);
}

/* tx was parsed from bytes[0..len). */
static void check_accepted(const struct bitcoin_tx *tx, const uint8_t *bytes,
			   size_t len)
{
	struct wirebuf *full = wirebuf_new(), *legacy = wirebuf_new();
	struct bitcoin_txid txid, wtxid, again;
	struct sha256_double hash;
	struct bitcoin_tx *stripped, *copy;

	bitcoin_tx_serialize(full, tx, true);
	FUZZ_CHECK(bytes_equal(full, bytes, len));
	bitcoin_tx_serialize(legacy, tx, false);
	FUZZ_CHECK(bitcoin_tx_has_witness(tx) == (legacy->len != len));

	/* BIP141 sizes, from the struct, agree with the bytes. */
	FUZZ_CHECK(bitcoin_tx_total_size(tx) == len);
	FUZZ_CHECK(bitcoin_tx_base_size(tx) == legacy->len);
	FUZZ_CHECK(bitcoin_tx_weight(tx) == legacy->len * 3 + len);
	FUZZ_CHECK(bitcoin_tx_vsize(tx) == (bitcoin_tx_weight(tx) + 3) / 4);

	/* txid hashes the legacy form, wtxid what was sent. */
	bitcoin_tx_txid(&txid, tx);
	bitcoin_tx_wtxid(&wtxid, tx);
	sha256_double(&hash, legacy->data, legacy->len);
	FUZZ_CHECK(memcmp(&hash, &txid.shad, sizeof(hash)) == 0);
	sha256_double(&hash, bytes, len);
	FUZZ_CHECK(memcmp(&hash, &wtxid.shad, sizeof(hash)) == 0);
	FUZZ_CHECK(bitcoin_txid_eq(&txid, &wtxid)
		   == !bitcoin_tx_has_witness(tx));

	/* Without its witness it is a legacy transaction with the same id. */
	stripped = bitcoin_tx_parse(legacy->data, legacy->len, NULL);
	FUZZ_CHECK(stripped != NULL);
	FUZZ_CHECK(!bitcoin_tx_has_witness(stripped));
	FUZZ_CHECK(bitcoin_tx_total_size(stripped) == legacy->len);
	bitcoin_tx_txid(&again, stripped);
	FUZZ_CHECK(bitcoin_txid_eq(&again, &txid));
	bitcoin_tx_free(stripped);

	/* A copy is the same transaction. */
	copy = bitcoin_tx_dup(tx);
	wirebuf_reset(full);
	bitcoin_tx_serialize(full, copy, true);
	FUZZ_CHECK(bytes_equal(full, bytes, len));
	bitcoin_tx_free(copy);

	wirebuf_free(full);
	wirebuf_free(legacy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *err = NULL, *prefix_err = NULL;
	struct bitcoin_tx *tx = bitcoin_tx_parse(data, size, &err);
	const uint8_t *cursor = data;
	size_t max = size;
	struct bitcoin_tx *prefix = fromwire_bitcoin_tx(&cursor, &max,
							&prefix_err);

	if (tx)
		check_accepted(tx, data, size);
	else
		FUZZ_CHECK(err != NULL);

	/* The cursor form reads the same transaction and stops after it. */
	if (prefix) {
		FUZZ_CHECK(cursor != NULL && max <= size);
		check_accepted(prefix, data, size - max);
		FUZZ_CHECK((tx != NULL) == (max == 0));
	} else {
		FUZZ_CHECK(cursor == NULL && prefix_err != NULL);
		FUZZ_CHECK(tx == NULL);
	}
	bitcoin_tx_free(prefix);
	bitcoin_tx_free(tx);
	return 0;
}
