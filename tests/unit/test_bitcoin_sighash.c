/* Tests for bitcoin/sighash and bitcoin/signature: every BIP143 example
 * (digests, preimages, signatures and the signed transactions), the
 * BIP341 key-path vectors, the legacy digest, and BOLT #3's funding and
 * commitment signatures. */
#include "bitcoin/script.h"
#include "bitcoin/sighash.h"
#include "bitcoin/signature.h"
#include "bitcoin/taproot.h"
#include "bitcoin/tx.h"
#include "crypto/secp.h"
#include "tests/unit/test_bitcoin_sighash_bip341.h"
#include "tests/unit/keys.h"

static secp256k1_context *ctx;

/* ---- BIP143 ---- */

/* The transactions BIP143 prints, in order of appearance. */
enum bip143_tx {
	TX_NATIVE_P2WPKH,	/* "The following is an unsigned transaction" */
	TX_P2SH_P2WPKH,
	TX_P2WSH_CODESEP,
	TX_P2WSH_SINGLE_ACP,
	TX_P2SH_P2WSH_6OF6,
	TX_NO_FINDANDDELETE,
	TX_CHECKMULTISIGVERIFY,	/* given signed only */
	NUM_BIP143_TXS
};

/* One sighash computation BIP143 shows.  script_code has no length
 * prefix.  privkey and signature are NULL where BIP143 has none. */
static const struct bip143_case {
	enum bip143_tx tx;
	size_t input;
	const char *script_code;
	uint64_t amount_sat;
	uint32_t sighash_type;
	const char *preimage;
	const char *sighash;
	const char *privkey;
	const char *signature;
} bip143_cases[] = {
	{ TX_NATIVE_P2WPKH, 1,
	  "76a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac", 600000000,
	  SIGHASH_ALL,
	  "0100000096b827c8483d4e9b96712b6713a7b68d6e8003a781feba36c31143470b4efd3752b0a642eea2fb7ae638c36f6252b6750293dbe574a806984b8e4d8548339a3bef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a010000001976a9141d0f172a0ecb48aee1be1f2687d2963ae33f71a188ac0046c32300000000ffffffff863ef3e1a92afbfdb97f31ad0fc7683ee943e9abcf2501590ff8f6551f47e5e51100000001000000",
	  "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670",
	  "619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9",
	  "304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee01" },
	{ TX_P2SH_P2WPKH, 0,
	  "76a91479091972186c449eb1ded22b78e40d009bdf008988ac", 1000000000,
	  SIGHASH_ALL,
	  "01000000b0287b4a252ac05af83d2dcef00ba313af78a3e9c329afa216eb3aa2a7b4613a18606b350cd8bf565266bc352f0caddcf01e8fa789dd8a15386327cf8cabe198db6b1b20aa0fd7b23880be2ecbd4a98130974cf4748fb66092ac4d3ceb1a5477010000001976a91479091972186c449eb1ded22b78e40d009bdf008988ac00ca9a3b00000000feffffffde984f44532e2173ca0d64314fcefe6d30da6f8cf27bafa706da61df8a226c839204000001000000",
	  "64f3b0f4dd2bb3aa1ce8566d220cc74dda9df97d8490cc81d89d735c92e59fb6",
	  "eb696a065ef48a2192da5b28b694f87544b30fae8327c4510137a922f32c6dcf",
	  "3044022047ac8e878352d3ebbde1c94ce3a10d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d877c1f64677e3622ad4010726870540656fe9dcb01" },
	/* OP_CODESEPARATOR not yet executed: the whole witness script. */
	{ TX_P2WSH_CODESEP, 1,
	  "21026dccc749adc2a9d0d89497ac511f760f45c47dc5ed9cf352a58ac706453880aeadab210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac",
	  4900000000ULL, SIGHASH_SINGLE,
	  "01000000ef546acf4a020de3898d1b8956176bb507e6211b5ed3619cd08b6ea7e2a09d4100000000000000000000000000000000000000000000000000000000000000000815cf020f013ed6cf91d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f8000000004721026dccc749adc2a9d0d89497ac511f760f45c47dc5ed9cf352a58ac706453880aeadab210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac0011102401000000ffffffff00000000000000000000000000000000000000000000000000000000000000000000000003000000",
	  "82dde6e4f1e94d02c2b7ad03d2115d691f48d064e9d52f58194a6637e4194391",
	  "8e02b539b1500aa7c81cf3fed177448a546f19d2be416c0c61ff28e577d8d0cd",
	  "3044022027dc95ad6b740fe5129e7e62a75dd00f291a2aeb1200b84b09d9e3789406b6c002201a9ecd315dd6a0e632ab20bbb98948bc0c6fb204f2c286963bb48517a7058e2703" },
	/* After the executed OP_CODESEPARATOR. */
	{ TX_P2WSH_CODESEP, 1,
	  "210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac",
	  4900000000ULL, SIGHASH_SINGLE,
	  "01000000ef546acf4a020de3898d1b8956176bb507e6211b5ed3619cd08b6ea7e2a09d4100000000000000000000000000000000000000000000000000000000000000000815cf020f013ed6cf91d29f4202e8a58726b1ac6c79da47c23d1bee0a6925f80000000023210255a9626aebf5e29c0e6538428ba0d1dcf6ca98ffdf086aa8ced5e0d0215ea465ac0011102401000000ffffffff00000000000000000000000000000000000000000000000000000000000000000000000003000000",
	  "fef7bd749cce710c5c052bd796df1af0d935e59cea63736268bcbe2d2134fc47",
	  "86bf2ed75935a0cbef03b89d72034bb4c189d381037a5ac121a70016db8896ec",
	  "304402200de66acf4527789bfda55fc5459e214fa6083f936b430a762c629656216805ac0220396f550692cd347171cbc1ef1f51e15282e837bb2b30860dc77c8f78bc8501e503" },
	{ TX_P2WSH_SINGLE_ACP, 0,
	  "0063ab68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac",
	  16777215, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY,
	  "0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e9b542c5176808107ff1df906f46bb1f2583b16112b95ee5380665ba7fcfc00100000000270063ab68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98acffffff0000000000ffffffffb258eaf08c39fbe9fbac97c15c7e7adeb8df142b0df6f83e017f349c2b6fe3d20000000083000000",
	  "e9071e75e25b8a1e298a72f0d2e9f4f95a0f5cdf86a533cda597eb402ed13b3a",
	  "f52b3484edd96598e02a9c89c4492e9c1e2031f471c49fd721fe68b3ce37780d",
	  "3045022100f6a10b8604e6dc910194b79ccfc93e1bc0ec7c03453caaa8987f7d6c3413566002206216229ede9b4d6ec2d325be245c5b508ff0339bf1794078e20bfe0babc7ffe683" },
	{ TX_P2WSH_SINGLE_ACP, 1,
	  "68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac",
	  16777215, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY,
	  "010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000080e68831516392fcd100d186b3c2c7b95c80b53c77e77c35ba03a66b429a2a1b000000002468210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98acffffff0000000000ffffffff91ea93dd77f702b738ebdbf3048940a98310e869a7bb8fa2c6cb3312916947ca0000000083000000",
	  "cd72f1f1a433ee9df816857fad88d8ebd97e09a75cd481583eb841c330275e54",
	  "f52b3484edd96598e02a9c89c4492e9c1e2031f471c49fd721fe68b3ce37780d",
	  "30440220032521802a76ad7bf74d0e2c218b72cf0cbc867066e2e53db905ba37f130397e02207709e2188ed7f08f4c952d9d13986da504502b8c3be59617e043552f506c46ff83" },
#define WS_6OF6 "56210307b8ae49ac90a048e9b53357a2354b3334e9c8bee813ecb98e99a7e07e8c3ba32103b28f0c28bfab54554ae8c658ac5c3e0ce6e79ad336331f78c428dd43eea8449b21034b8113d703413d57761b8b9781957b8c0ac1dfe69f492580ca4195f50376ba4a21033400f6afecb833092a9a21cfdf1ed1376e58c5d1f47de74683123987e967a8f42103a6d48b1131e94ba04d9737d61acdaa1322008af9602b3b14862c07a1789aac162102d8b661b0b3302ee2f162b09e07a55ad5dfbe673a9f01d9f0c19617681024306b56ae"
#define PRE_6OF6_HEAD_ALL "0100000074afdc312af5183c4198a40ca3c1a275b485496dd3929bca388c4b5e31f7aaa0"
#define PRE_6OF6_MID "36641869ca081e70f394c6948e8af409e18b619df2ed74aa106c1ca29787b96e01000000cf" WS_6OF6 "b168de3a00000000ffffffff"
#define ZERO32 "0000000000000000000000000000000000000000000000000000000000000000"
	{ TX_P2SH_P2WSH_6OF6, 0, WS_6OF6, 987654321, SIGHASH_ALL,
	  PRE_6OF6_HEAD_ALL "3bb13029ce7b1f559ef5e747fcac439f1455a2ec7c5f09b72290795e70665044" PRE_6OF6_MID "bc4d309071414bed932f98832b27b4d76dad7e6c1346f487a8fdbb8eb90307cc" "0000000001000000",
	  "185c0be5263dce5b4bb50a047973c1b6272bfbd0103a89444597dc40b248ee7c",
	  "730fff80e1413068a05b57d6a58261f07551163369787f349438ea38ca80fac6",
	  "304402206ac44d672dac41f9b00e28f4df20c52eeb087207e8d758d76d92c6fab3b73e2b0220367750dbbe19290069cba53d096f44530e4f98acaa594810388cf7409a1870ce01" },
	{ TX_P2SH_P2WSH_6OF6, 0, WS_6OF6, 987654321, SIGHASH_NONE,
	  PRE_6OF6_HEAD_ALL ZERO32 PRE_6OF6_MID ZERO32 "0000000002000000",
	  "e9733bc60ea13c95c6527066bb975a2ff29a925e80aa14c213f686cbae5d2f36",
	  "11fa3d25a17cbc22b29c44a484ba552b5a53149d106d3d853e22fdd05a2d8bb3",
	  "3044022068c7946a43232757cbdf9176f009a928e1cd9a1a8c212f15c1e11ac9f2925d9002205b75f937ff2f9f3c1246e547e54f62e027f64eefa2695578cc6432cdabce271502" },
	{ TX_P2SH_P2WSH_6OF6, 0, WS_6OF6, 987654321, SIGHASH_SINGLE,
	  PRE_6OF6_HEAD_ALL ZERO32 PRE_6OF6_MID "9efe0c13a6b16c14a41b04ebe6a63f419bdacb2f8705b494a43063ca3cd4f708" "0000000003000000",
	  "1e1f1c303dc025bd664acb72e583e933fae4cff9148bf78c157d1e8f78530aea",
	  "77bf4141a87d55bdd7f3cd0bdccf6e9e642935fec45f2f30047be7b799120661",
	  "3044022059ebf56d98010a932cf8ecfec54c48e6139ed6adb0728c09cbe1e4fa0915302e022007cd986c8fa870ff5d2b3a89139c9fe7e499259875357e20fcbb15571c76795403" },
	{ TX_P2SH_P2WSH_6OF6, 0, WS_6OF6, 987654321,
	  SIGHASH_ALL | SIGHASH_ANYONECANPAY,
	  "01000000" ZERO32 ZERO32 PRE_6OF6_MID "bc4d309071414bed932f98832b27b4d76dad7e6c1346f487a8fdbb8eb90307cc" "0000000081000000",
	  "2a67f03e63a6a422125878b40b82da593be8d4efaafe88ee528af6e5a9955c6e",
	  "14af36970f5025ea3e8b5542c0f8ebe7763e674838d08808896b63c3351ffe49",
	  "3045022100fbefd94bd0a488d50b79102b5dad4ab6ced30c4069f1eaa69a4b5a763414067e02203156c6a5c9cf88f91265f5a942e96213afae16d83321c8b31bb342142a14d16381" },
	{ TX_P2SH_P2WSH_6OF6, 0, WS_6OF6, 987654321,
	  SIGHASH_NONE | SIGHASH_ANYONECANPAY,
	  "01000000" ZERO32 ZERO32 PRE_6OF6_MID ZERO32 "0000000082000000",
	  "781ba15f3779d5542ce8ecb5c18716733a5ee42a6f51488ec96154934e2c890a",
	  "fe9a95c19eef81dde2b95c1284ef39be497d128e2aa46916fb02d552485e0323",
	  "3045022100a5263ea0553ba89221984bd7f0b13613db16e7a70c549a86de0cc0444141a407022005c360ef0ae5a5d4f9f2f87a56c1546cc8268cab08c73501d6b3be2e1e1a8a0882" },
	{ TX_P2SH_P2WSH_6OF6, 0, WS_6OF6, 987654321,
	  SIGHASH_SINGLE | SIGHASH_ANYONECANPAY,
	  "01000000" ZERO32 ZERO32 PRE_6OF6_MID "9efe0c13a6b16c14a41b04ebe6a63f419bdacb2f8705b494a43063ca3cd4f708" "0000000083000000",
	  "511e8e52ed574121fc1b654970395502128263f62662e076dc6baf05c2e6a99b",
	  "428a7aee9f0c2af0cd19af3cf1c78149951ea528726989b2e83e4778d2c3f890",
	  "30440220525406a1482936d5a21888260dc165497a90a15669636d8edca6b9fe490d309c022032af0c646a34a44d1f4576bf6a4a74b67940f8faa84c7df9abe12a01a11e2b4783" },
	/* The signature inside the script is not removed (no
	 * FindAndDelete); no private keys are known. */
	{ TX_NO_FINDANDDELETE, 0,
	  "ad4830450220487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e01",
	  200000, SIGHASH_ALL,
	  "01000000b67c76d200c6ce72962d919dc107884b9d5d0e26f2aea7474b46a1904c53359f3bb13029ce7b1f559ef5e747fcac439f1455a2ec7c5f09b72290795e7066504469c12106097dc2e0526493ef67f21269fe888ef05c7a3a5dacab38e1ac8387f14c1d00004aad4830450220487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e01400d030000000000ffffffffe5d196bfb21caca9dbd654cafb3b4dc0c4882c8927d2eb300d9539dd0b9342280000000001000000",
	  "71c9cd9b2869b9c70b01b1f0360c148f42dee72297db312638df136f43311f23",
	  NULL, NULL },
	{ TX_CHECKMULTISIGVERIFY, 0,
	  "52af4830450220487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e0148304502205286f726690b2e9b0207f0345711e63fa7012045b9eb0f19c2458ce1db90cf43022100e89f17f86abc5b149eba4115d4f128bcf45d77fb3ecdd34f594091340c0395960175",
	  200000, SIGHASH_ALL,
	  "0100000039283953eb1e26994dde57b7f9362a79a8c523e2f8deba943c27e826a005f1e63bb13029ce7b1f559ef5e747fcac439f1455a2ec7c5f09b72290795e706650449275cb8d4a485ce95741c013f7c0d28722160008021bb469a11982d47a6628964c1d00009552af4830450220487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e0148304502205286f726690b2e9b0207f0345711e63fa7012045b9eb0f19c2458ce1db90cf43022100e89f17f86abc5b149eba4115d4f128bcf45d77fb3ecdd34f594091340c0395960175400d030000000000ffffffffe5d196bfb21caca9dbd654cafb3b4dc0c4882c8927d2eb300d9539dd0b9342280000000001000000",
	  "c1628a1e7c67f14ca0c27c06e4fdeec2e6d1a73c7a91d7c046ff83e835aebb72",
	  NULL, NULL },
};

/* The BIP143 transactions (tests/vectors/bip143-examples.json), in the
 * order the BIP prints them. */
static struct bitcoin_tx *bip143_txs[NUM_BIP143_TXS];
static char *bip143_signed_hex[6];
static json_t *bip143;

static struct bitcoin_tx *tx_from_json(const json_t *array, size_t i)
{
	const char *hex = json_string_value(json_array_get(array, i));

	return hex ? bitcoin_tx_from_hex(hex, strlen(hex), NULL) : NULL;
}

static void load_bip143(void)
{
	json_t *signed_txs;
	size_t i;

	bip143 = vectors_load("bip143-examples.json");
	for (i = 0; i < TX_CHECKMULTISIGVERIFY; i++)
		bip143_txs[i] = tx_from_json(json_object_get(bip143,
					"unsigned_transactions"), i);
	signed_txs = json_object_get(bip143, "signed_transactions");
	for (i = 0; i < 6; i++) {
		const char *hex = json_string_value(json_array_get(signed_txs, i));

		bip143_signed_hex[i] = hex ? strdup(hex) : NULL;
	}
	bip143_txs[TX_CHECKMULTISIGVERIFY] = tx_from_json(
		json_object_get(bip143, "findanddelete_transactions"), 0);
}

static void test_bip143_sighashes(void)
{
	for (size_t i = 0; i < NUM_BIP143_TXS; i++)
		CHECK_MSG(bip143_txs[i] != NULL, "tx %zu", i);
	for (size_t i = 0; i < sizeof(bip143_cases) / sizeof(bip143_cases[0]); i++) {
		const struct bip143_case *c = &bip143_cases[i];
		const struct bitcoin_tx *tx = bip143_txs[c->tx];
		size_t code_len;
		uint8_t *code = hex_to_bytes(c->script_code, &code_len);
		struct wirebuf *pre = wirebuf_new();
		struct sha256 digest, want;

		if (!tx)
			continue;
		bip143_sighash_preimage(pre, tx, c->input, code, code_len,
					c->amount_sat, c->sighash_type);
		CHECK_MSG(bytes_are(pre->data, pre->len, c->preimage),
			  "case %zu", i);
		CHECK(bip143_sighash(&digest, tx, c->input, code, code_len,
				     c->amount_sat, c->sighash_type));
		hex_to_array(want.u8, 32, c->sighash);
		CHECK_MSG(memcmp(digest.u8, want.u8, 32) == 0, "case %zu", i);
		/* Out-of-range input index. */
		CHECK(!bip143_sighash(&digest, tx, tx->num_inputs, code,
				      code_len, c->amount_sat,
				      c->sighash_type));
		wirebuf_free(pre);
		free(code);
	}
}

/* Every "sigHash:"/"sighash:" value printed in BIP143 is one our table
 * checks, so no vector in the text goes untested. */
static void test_bip143_table_covers_text(void)
{
	json_t *sighashes = json_object_get(bip143, "sighashes");
	size_t found = 0;

	for (size_t j = 0; j < json_array_size(sighashes); j++) {
		const char *hex = json_str_at(sighashes, j);
		bool listed = false;

		for (size_t i = 0; i < sizeof(bip143_cases) / sizeof(bip143_cases[0]); i++)
			if (strcmp(bip143_cases[i].sighash, hex) == 0)
				listed = true;
		CHECK_MSG(listed, "sighash %s not in table", hex);
		found++;
	}
	CHECK(found == sizeof(bip143_cases) / sizeof(bip143_cases[0]));
}

/* Signs with RFC 6979 and compares with BIP143's signature; verifies
 * where no key is known. */
static void test_bip143_signatures(void)
{
	for (size_t i = 0; i < sizeof(bip143_cases) / sizeof(bip143_cases[0]); i++) {
		const struct bip143_case *c = &bip143_cases[i];
		struct privkey key;
		struct bitcoin_signature sig, parsed;
		struct sha256 digest;
		struct pubkey pub;
		uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
		size_t der_len, want_len;
		uint8_t *want;

		if (!c->privkey)
			continue;
		hex_to_array(digest.u8, 32, c->sighash);
		key = privkey_from_hex(c->privkey);
		CHECK(bitcoin_signature_sign(ctx, &sig, &digest, &key,
					     (uint8_t)c->sighash_type));
		der_len = bitcoin_signature_serialize(ctx, der, &sig);
		want = hex_to_bytes(c->signature, &want_len);
		CHECK_MSG(der_len == want_len && memcmp(der, want, der_len) == 0,
			  "case %zu", i);
		CHECK(pubkey_from_privkey(ctx, &pub, &key));
		CHECK(bitcoin_signature_parse(ctx, &parsed, want, want_len));
		CHECK(parsed.sighash_type == c->sighash_type);
		CHECK(bitcoin_signature_verify(ctx, &parsed, &digest, &pub));
		free(want);
	}
}

/* The "No FindAndDelete" examples: the signatures are high-S (libsecp256k1
 * rejects those, BIP146 makes them non-standard), so normalize and verify
 * against the recovered public keys BIP143 prints. */
static void test_bip143_no_findanddelete_signatures(void)
{
	static const struct {
		const char *sig, *pubkey, *sighash;
	} cases[] = {
		{ "30450220487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e",
		  "02a9781d66b61fb5a7ef00ac5ad5bc6ffc78be7b44a566e3c87870e1079368df4c",
		  "71c9cd9b2869b9c70b01b1f0360c148f42dee72297db312638df136f43311f23" },
		/* The OP_CHECKMULTISIGVERIFY version: two signatures, two
		 * keys, in order. */
		{ "30450220487fb382c4974de3f7d834c1b617fe15860828c7f96454490edd6d891556dcc9022100baf95feb48f845d5bfc9882eb6aeefa1bc3790e39f59eaa46ff7f15ae626c53e",
		  "02966f109c54e85d3aee8321301136cedeb9fc710fdef58a9de8a73942f8e567c0",
		  "c1628a1e7c67f14ca0c27c06e4fdeec2e6d1a73c7a91d7c046ff83e835aebb72" },
		{ "304502205286f726690b2e9b0207f0345711e63fa7012045b9eb0f19c2458ce1db90cf43022100e89f17f86abc5b149eba4115d4f128bcf45d77fb3ecdd34f594091340c039596",
		  "034ffc99dd9a79dd3cb31e2ab3e0b09e0e67db41ac068c625cd1f491576016c84e",
		  "c1628a1e7c67f14ca0c27c06e4fdeec2e6d1a73c7a91d7c046ff83e835aebb72" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t der_len;
		uint8_t *der = hex_to_bytes(cases[i].sig, &der_len);
		struct ecdsa_signature sig;
		struct pubkey pub = pubkey_from_hex(ctx, cases[i].pubkey);
		struct sha256 digest;

		hex_to_array(digest.u8, 32, cases[i].sighash);
		CHECK(ecdsa_signature_parse_der(ctx, &sig, der, der_len));
		CHECK(!ecdsa_verify(ctx, &sig, &digest, &pub));
		secp256k1_ecdsa_signature_normalize(ctx, &sig.sig, &sig.sig);
		CHECK(ecdsa_verify(ctx, &sig, &digest, &pub));
		free(der);
	}
}

/* ---- Reassembling BIP143's signed transactions from our signatures ---- */

/* Our DER+type signature for case i (hex of the table, which
 * test_bip143_signatures proved we reproduce). */
static void push_case_sig(struct bitcoin_tx *tx, size_t input, size_t i)
{
	size_t len;
	uint8_t *sig = hex_to_bytes(bip143_cases[i].signature, &len);

	bitcoin_tx_push_witness(tx, input, sig, len);
	free(sig);
}

static void push_hex(struct bitcoin_tx *tx, size_t input, const char *hex)
{
	size_t len;
	uint8_t *bytes = hex_to_bytes(hex, &len);

	bitcoin_tx_push_witness(tx, input, bytes, len);
	free(bytes);
}

/* A P2PK input signed with the legacy algorithm: scriptSig <sig>. */
static void sign_p2pk_legacy(struct bitcoin_tx *tx, size_t input,
			     const char *script_pubkey, const char *privkey)
{
	size_t spk_len;
	uint8_t *spk = hex_to_bytes(script_pubkey, &spk_len);
	struct privkey key = privkey_from_hex(privkey);
	struct sha256 digest;
	struct bitcoin_signature sig;
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
	size_t der_len;
	struct wirebuf *script_sig = wirebuf_new();

	CHECK(legacy_sighash(&digest, tx, input, spk, spk_len, SIGHASH_ALL));
	CHECK(bitcoin_signature_sign(ctx, &sig, &digest, &key, SIGHASH_ALL));
	der_len = bitcoin_signature_serialize(ctx, der, &sig);
	script_push_data(script_sig, der, der_len);
	bitcoin_tx_set_script_sig(tx, input, script_sig->data, script_sig->len);
	wirebuf_free(script_sig);
	free(spk);
}

static void set_script_sig_push(struct bitcoin_tx *tx, size_t input,
				const char *redeem_hex)
{
	size_t len;
	uint8_t *redeem = hex_to_bytes(redeem_hex, &len);
	struct wirebuf *script_sig = wirebuf_new();

	script_push_data(script_sig, redeem, len);
	bitcoin_tx_set_script_sig(tx, input, script_sig->data, script_sig->len);
	wirebuf_free(script_sig);
	free(redeem);
}

static void check_signed(struct bitcoin_tx *tx, const char *want_hex)
{
	struct wirebuf *buf = wirebuf_new();

	bitcoin_tx_serialize(buf, tx, true);
	CHECK(want_hex && bytes_are(buf->data, buf->len, want_hex));
	wirebuf_free(buf);
	bitcoin_tx_free(tx);
}

static void test_bip143_signed_transactions(void)
{
	struct bitcoin_tx *tx;

	for (size_t i = 0; i < TX_NO_FINDANDDELETE; i++)
		if (!bip143_txs[i])
			return;

	/* Native P2WPKH: a legacy P2PK input and a P2WPKH input. */
	tx = bitcoin_tx_dup(bip143_txs[TX_NATIVE_P2WPKH]);
	sign_p2pk_legacy(tx, 0,
			 "2103c9f4836b9a4f77fc0d81f7bcb01b7f1b35916864b9476c241ce9fc198bd25432ac",
			 "bbc27228ddcb9209d7fd6f36b02f7dfa6252af40bb2f1cbc7a557da8027ff866");
	push_case_sig(tx, 1, 0);
	push_hex(tx, 1, "025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357");
	check_signed(tx, bip143_signed_hex[0]);

	/* P2SH-P2WPKH: the redeem script in scriptSig. */
	tx = bitcoin_tx_dup(bip143_txs[TX_P2SH_P2WPKH]);
	set_script_sig_push(tx, 0, "001479091972186c449eb1ded22b78e40d009bdf0089");
	push_case_sig(tx, 0, 1);
	push_hex(tx, 0, "03ad1d8e89212f0b92c74d23bb710c00662ad1470198ac48c43f7d6f93a2a26873");
	check_signed(tx, bip143_signed_hex[1]);

	/* Native P2WSH with OP_CODESEPARATOR. */
	tx = bitcoin_tx_dup(bip143_txs[TX_P2WSH_CODESEP]);
	sign_p2pk_legacy(tx, 0,
			 "21036d5c20fa14fb2f635474c1dc4ef5909d4568e5569b79fc94d3448486e14685f8ac",
			 "b8f28a772fccbf9b4f58a4f027e07dc2e35e7cd80529975e292ea34f84c4580c");
	push_case_sig(tx, 1, 3);
	push_case_sig(tx, 1, 2);
	push_hex(tx, 1, bip143_cases[2].script_code);
	check_signed(tx, bip143_signed_hex[2]);

	/* Native P2WSH, SINGLE|ANYONECANPAY. */
	tx = bitcoin_tx_dup(bip143_txs[TX_P2WSH_SINGLE_ACP]);
	push_case_sig(tx, 0, 4);
	push_hex(tx, 0, bip143_cases[4].script_code);
	push_case_sig(tx, 1, 5);
	push_hex(tx, 1, "5163ab68210392972e2eb617b2388771abe27235fd5ac44af8e61693261550447a4c3e39da98ac");
	check_signed(tx, bip143_signed_hex[3]);

	/* P2SH-P2WSH 6-of-6: the CHECKMULTISIG dummy, six signatures. */
	tx = bitcoin_tx_dup(bip143_txs[TX_P2SH_P2WSH_6OF6]);
	set_script_sig_push(tx, 0, "0020a16b5755f7f6f96dbd65f5f0d6ab9418b89af4b1f14a1bb8a09062c35f0dcb54");
	bitcoin_tx_push_witness(tx, 0, NULL, 0);
	for (size_t i = 6; i < 12; i++)
		push_case_sig(tx, 0, i);
	push_hex(tx, 0, WS_6OF6);
	check_signed(tx, bip143_signed_hex[4]);
}

/* ---- Legacy ---- */

static void test_legacy_sighash_single_bug(void)
{
	struct bitcoin_tx *tx = bip143_txs[TX_P2WSH_CODESEP];
	struct sha256 digest, digest2;
	const uint8_t code[] = { OP_CODESEPARATOR, OP_1, OP_CODESEPARATOR };
	const uint8_t clean[] = { OP_1 };

	if (!tx)
		return;
	/* Input 1 has no output 1: the digest is the number one. */
	CHECK(legacy_sighash(&digest, tx, 1, code, sizeof(code),
			     SIGHASH_SINGLE));
	CHECK(digest.u8[0] == 1);
	for (size_t i = 1; i < 32; i++)
		CHECK(digest.u8[i] == 0);
	CHECK(!legacy_sighash(&digest, tx, 2, code, 1, SIGHASH_ALL));
	/* OP_CODESEPARATORs are removed from the script code. */
	CHECK(legacy_sighash(&digest, tx, 0, code, sizeof(code), SIGHASH_ALL));
	CHECK(legacy_sighash(&digest2, tx, 0, clean, sizeof(clean),
			     SIGHASH_ALL));
	CHECK_MEMEQ(digest.u8, digest2.u8, 32);
	/* Each hash type gives a different digest. */
	CHECK(legacy_sighash(&digest2, tx, 0, clean, 1,
			     SIGHASH_NONE | SIGHASH_ANYONECANPAY));
	CHECK(memcmp(digest.u8, digest2.u8, 32) != 0);
}

/* ---- BIP341 ---- */

static struct bitcoin_tx_output *bip341_spent(void)
{
	struct bitcoin_tx_output *spent = calloc(9, sizeof(*spent));

	for (size_t i = 0; i < 9; i++) {
		spent[i].amount_sat = bip341_utxos_spent[i].amount_sat;
		spent[i].script = hex_to_bytes(bip341_utxos_spent[i].script_pubkey,
					       &spent[i].script_len);
	}
	return spent;
}

static void free_spent(struct bitcoin_tx_output *spent)
{
	for (size_t i = 0; i < 9; i++)
		free(spent[i].script);
	free(spent);
}

static void test_bip341_keypath_sighashes(void)
{
	const char *raw = bip341_raw_unsigned_tx;
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(raw, strlen(raw), NULL);
	struct bitcoin_tx_output *spent = bip341_spent();

	CHECK(tx != NULL && tx->num_inputs == 9);
	for (size_t i = 0; tx && i < 7; i++) {
		const typeof(bip341_input_spending[0]) *v = &bip341_input_spending[i];
		struct wirebuf *pre = wirebuf_new();
		struct sha256 digest, want, root;
		struct privkey key, tweaked, want_tweaked;
		uint8_t sig[TAPROOT_SIGNATURE_MAX_LEN], zero[32] = { 0 };
		size_t sig_len, want_sig_len;
		uint8_t *want_sig;

		CHECK(bip341_sighash_preimage(pre, tx, v->txin_index, spent,
					      v->hash_type, NULL, 0, NULL));
		CHECK_MSG(bytes_are(pre->data, pre->len, v->sig_msg),
			  "input %u", v->txin_index);
		CHECK(bip341_sighash(&digest, tx, v->txin_index, spent,
				     v->hash_type, NULL, 0, NULL));
		hex_to_array(want.u8, 32, v->sig_hash);
		CHECK_MEMEQ(digest.u8, want.u8, 32);

		/* BIP341 taproot_tweak_seckey, then sign: the vectors use
		 * an all-zero aux_rand. */
		key = privkey_from_hex(v->internal_privkey);
		if (v->merkle_root)
			hex_to_array(root.u8, 32, v->merkle_root);
		CHECK(taproot_tweak_privkey(ctx, &tweaked, &key,
					    v->merkle_root ? &root : NULL));
		want_tweaked = privkey_from_hex(v->tweaked_privkey);
		CHECK_MEMEQ(tweaked.secret.data, want_tweaked.secret.data, 32);
		CHECK(taproot_sign_keypath(ctx, sig, &sig_len, &digest, &key,
					   v->merkle_root ? &root : NULL,
					   v->hash_type, zero));
		want_sig = hex_to_bytes(v->witness_sig, &want_sig_len);
		CHECK(sig_len == want_sig_len
		      && memcmp(sig, want_sig, sig_len) == 0);
		free(want_sig);
		wirebuf_free(pre);
	}
	bitcoin_tx_free(tx);
	free_spent(spent);
}

/* The intermediary hashes appear, in order, in a SIGHASH_ALL sigMsg. */
static void test_bip341_intermediary_hashes(void)
{
	const char *msg = bip341_input_spending[2].sig_msg;

	/* epoch, hash_type, version, locktime: 1+1+4+4 bytes. */
	CHECK(strncmp(msg + 20, bip341_hash_prevouts, 64) == 0);
	CHECK(strncmp(msg + 84, bip341_hash_amounts, 64) == 0);
	CHECK(strncmp(msg + 148, bip341_hash_script_pubkeys, 64) == 0);
	CHECK(strncmp(msg + 212, bip341_hash_sequences, 64) == 0);
	CHECK(strncmp(msg + 276, bip341_hash_outputs, 64) == 0);
}

/* The whole "fullySignedTx": taproot inputs as above, plus input 2
 * (P2PKH of 1*G, legacy sighash) and input 5 (P2WPKH of 3*G, BIP143). */
static void test_bip341_fully_signed_tx(void)
{
	const char *raw = bip341_raw_unsigned_tx;
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(raw, strlen(raw), NULL);
	struct bitcoin_tx_output *spent = bip341_spent();
	struct privkey one, three;
	struct pubkey pub;
	struct sha256 digest;
	struct bitcoin_signature sig;
	uint8_t der[BITCOIN_SIGNATURE_MAX_LEN], pk[33];
	size_t der_len;
	struct wirebuf *script_sig = wirebuf_new(), *code = wirebuf_new();
	struct ripemd160 h;

	if (!tx)
		goto out;
	for (size_t i = 0; i < 7; i++) {
		size_t len;
		uint8_t *w = hex_to_bytes(bip341_input_spending[i].witness_sig, &len);

		bitcoin_tx_push_witness(tx, bip341_input_spending[i].txin_index,
					w, len);
		free(w);
	}
	memset(&one, 0, sizeof(one));
	one.secret.data[31] = 1;
	memset(&three, 0, sizeof(three));
	three.secret.data[31] = 3;

	CHECK(legacy_sighash(&digest, tx, 2, spent[2].script,
			     spent[2].script_len, SIGHASH_ALL));
	CHECK(bitcoin_signature_sign(ctx, &sig, &digest, &one, SIGHASH_ALL));
	der_len = bitcoin_signature_serialize(ctx, der, &sig);
	CHECK(pubkey_from_privkey(ctx, &pub, &one));
	pubkey_serialize(ctx, pk, &pub);
	script_push_data(script_sig, der, der_len);
	script_push_data(script_sig, pk, sizeof(pk));
	bitcoin_tx_set_script_sig(tx, 2, script_sig->data, script_sig->len);

	memcpy(h.u8, spent[5].script + 2, 20);
	script_code_for_p2wpkh(code, &h);
	CHECK(bip143_sighash(&digest, tx, 5, code->data, code->len,
			     spent[5].amount_sat, SIGHASH_ALL));
	CHECK(bitcoin_signature_sign(ctx, &sig, &digest, &three, SIGHASH_ALL));
	der_len = bitcoin_signature_serialize(ctx, der, &sig);
	CHECK(pubkey_from_privkey(ctx, &pub, &three));
	pubkey_serialize(ctx, pk, &pub);
	bitcoin_tx_push_witness(tx, 5, der, der_len);
	bitcoin_tx_push_witness(tx, 5, pk, sizeof(pk));
	{
		struct wirebuf *buf = wirebuf_new();

		bitcoin_tx_serialize(buf, tx, true);
		CHECK(bytes_are(buf->data, buf->len, bip341_fully_signed_tx));
		wirebuf_free(buf);
	}
out:
	wirebuf_free(script_sig);
	wirebuf_free(code);
	bitcoin_tx_free(tx);
	free_spent(spent);
}

static void test_bip341_rules(void)
{
	const char *raw = bip341_raw_unsigned_tx;
	struct bitcoin_tx *tx = bitcoin_tx_from_hex(raw, strlen(raw), NULL);
	struct bitcoin_tx_output *spent = bip341_spent();
	struct wirebuf *plain = wirebuf_new(), *other = wirebuf_new();
	struct taproot_script_path path;
	const uint8_t annex[] = { 0x50, 0x01 };
	const uint8_t bad_types[] = { 0x04, 0x80, 0x84, 0xff, 0x41 };
	struct sha256 digest;

	if (!tx)
		goto out;
	/* Hash types BIP341 does not define fail. */
	for (size_t i = 0; i < sizeof(bad_types); i++)
		CHECK(!bip341_sighash(&digest, tx, 0, spent, bad_types[i],
				      NULL, 0, NULL));
	/* SIGHASH_SINGLE without a matching output fails (2 outputs). */
	CHECK(!bip341_sighash(&digest, tx, 2, spent, SIGHASH_SINGLE, NULL, 0,
			      NULL));
	CHECK(bip341_sighash(&digest, tx, 1, spent, SIGHASH_SINGLE, NULL, 0,
			     NULL));
	CHECK(!bip341_sighash(&digest, tx, 9, spent, SIGHASH_ALL, NULL, 0,
			      NULL));
	/* spend_type: +1 with an annex (and its hash is appended), +2 for
	 * a script path (with tapleaf hash, key_version, codesep_pos). */
	CHECK(bip341_sighash_preimage(plain, tx, 0, spent, SIGHASH_DEFAULT,
				      NULL, 0, NULL));
	CHECK(bip341_sighash_preimage(other, tx, 0, spent, SIGHASH_DEFAULT,
				      annex, sizeof(annex), NULL));
	CHECK(other->len == plain->len + 32);
	CHECK(plain->data[plain->len - 5] == 0
	      && other->data[plain->len - 5] == 1);
	wirebuf_reset(other);
	memset(&path, 0x11, sizeof(path.tapleaf_hash));
	path.codesep_pos = 0xffffffff;
	CHECK(bip341_sighash_preimage(other, tx, 0, spent, SIGHASH_DEFAULT,
				      NULL, 0, &path));
	CHECK(other->len == plain->len + 37);
	CHECK(other->data[plain->len - 5] == 2);
	CHECK(other->data[plain->len + 32] == 0x00);
out:
	wirebuf_free(plain);
	wirebuf_free(other);
	bitcoin_tx_free(tx);
	free_spent(spent);
}

/* ---- BOLT #3 ---- */

/* Appendix B: the funding transaction spends block 1's P2PKH coinbase
 * (legacy sighash), paying P2WSH(2-of-2 of the sorted funding keys) and
 * P2WPKH change, BIP69 order, nVersion 2, nLockTime 0. */
static void test_bolt3_funding_tx(void)
{
	json_t *root = vectors_load("bolt03-funding-tx.json");
	json_t *v = json_array_get(json_object_get(root, "vectors"), 0);
	const char *coinbase_hex = json_str(v, "coinbase_tx_hex");
	struct bitcoin_tx *coinbase = bitcoin_tx_from_hex(coinbase_hex,
							  strlen(coinbase_hex),
							  NULL);
	struct bitcoin_tx *tx = bitcoin_tx_new(2, 0);
	struct bitcoin_outpoint op;
	struct pubkey local, remote, pub;
	struct privkey key;
	uint8_t pk[33], der[BITCOIN_SIGNATURE_MAX_LEN];
	struct wirebuf *ws = wirebuf_new(), *p2wsh = wirebuf_new();
	struct wirebuf *change = wirebuf_new(), *script_sig = wirebuf_new();
	struct wirebuf *buf = wirebuf_new();
	struct bitcoin_signature sig;
	struct bitcoin_txid txid;
	struct sha256 digest;
	char shown[65];
	size_t der_len;

	CHECK(coinbase != NULL);
	if (!coinbase)
		goto out;
	local = pubkey_from_hex(ctx, json_str(v, "local_funding_pubkey"));
	remote = pubkey_from_hex(ctx, json_str(v, "remote_funding_pubkey"));
	script_funding_2of2(ws, ctx, &local, &remote);
	CHECK(bytes_are(ws->data, ws->len,
			json_str(v, "funding_witness_script")));
	script_p2wsh_for_witness_script(p2wsh, ws->data, ws->len);

	key = privkey_from_hex(json_str(v, "coinbase_privkey"));
	CHECK(pubkey_from_privkey(ctx, &pub, &key));
	script_p2wpkh_for_pubkey(change, ctx, &pub);

	/* The input: block 1's coinbase, output 0. */
	bitcoin_tx_txid(&op.txid, coinbase);
	CHECK_STREQ(bitcoin_txid_to_hex(shown, &op.txid),
		    json_str(v, "input_txid"));
	op.vout = 0;
	bitcoin_tx_add_input(tx, &op, BITCOIN_SEQUENCE_FINAL);
	bitcoin_tx_add_output(tx, 10000000, p2wsh->data, p2wsh->len);
	bitcoin_tx_add_output(tx, 4989986080ULL, change->data, change->len);

	CHECK(legacy_sighash(&digest, tx, 0, coinbase->outputs[0].script,
			     coinbase->outputs[0].script_len, SIGHASH_ALL));
	CHECK(bitcoin_signature_sign(ctx, &sig, &digest, &key, SIGHASH_ALL));
	der_len = bitcoin_signature_serialize(ctx, der, &sig);
	pubkey_serialize(ctx, pk, &pub);
	script_push_data(script_sig, der, der_len);
	script_push_data(script_sig, pk, sizeof(pk));
	bitcoin_tx_set_script_sig(tx, 0, script_sig->data, script_sig->len);

	bitcoin_tx_serialize(buf, tx, true);
	CHECK(bytes_are(buf->data, buf->len, json_str(v, "funding_tx_hex")));
	bitcoin_tx_txid(&txid, tx);
	CHECK_STREQ(bitcoin_txid_to_hex(shown, &txid),
		    json_str(v, "funding_txid"));
out:
	wirebuf_free(ws);
	wirebuf_free(p2wsh);
	wirebuf_free(change);
	wirebuf_free(script_sig);
	wirebuf_free(buf);
	bitcoin_tx_free(coinbase);
	bitcoin_tx_free(tx);
	json_decref(root);
}

/* Appendix C: each commitment transaction's BIP143 digest over the funding
 * script gives the local signature (RFC 6979) and verifies the remote
 * one. */
static void test_bolt3_commitment_signatures(void)
{
	json_t *root = vectors_load("bolt03-commitment-tx.json");
	json_t *common = json_object_get(root, "common"), *t;
	const char *ws_hex = json_str(common, "funding_witness_script");
	uint64_t amount = json_integer_value(json_object_get(common,
						"funding_amount_satoshi"));
	size_t ws_len, index, n = 0;
	uint8_t *ws = hex_to_bytes(ws_hex, &ws_len);
	struct privkey key =
		privkey_from_hex(json_str(common, "local_funding_privkey"));
	struct pubkey remote =
		pubkey_from_hex(ctx, json_str(common, "remote_funding_pubkey"));

	json_array_foreach(json_object_get(root, "tests"), index, t) {
		const char *hex = json_str(t, "commit_tx_hex");
		struct bitcoin_tx *tx = bitcoin_tx_from_hex(hex, strlen(hex), NULL);
		struct sha256 digest;
		struct bitcoin_signature sig;
		struct ecdsa_signature theirs;
		uint8_t der[BITCOIN_SIGNATURE_MAX_LEN];
		size_t der_len, want_len;
		uint8_t *want;

		CHECK(tx != NULL);
		if (!tx)
			continue;
		CHECK(bip143_sighash(&digest, tx, 0, ws, ws_len, amount,
				     SIGHASH_ALL));
		CHECK(bitcoin_signature_sign(ctx, &sig, &digest, &key,
					     SIGHASH_ALL));
		der_len = bitcoin_signature_serialize(ctx, der, &sig);
		want = hex_to_bytes(json_str(t, "local_signature"),
				&want_len);
		CHECK_MSG(der_len == want_len + 1
			  && memcmp(der, want, want_len) == 0, "test %zu", index);
		free(want);
		want = hex_to_bytes(json_str(t, "remote_signature"),
				&want_len);
		CHECK(ecdsa_signature_parse_der(ctx, &theirs, want, want_len));
		CHECK(ecdsa_verify(ctx, &theirs, &digest, &remote));
		free(want);
		bitcoin_tx_free(tx);
		n++;
	}
	CHECK(n == 16);
	free(ws);
	json_decref(root);
}

int main(void)
{
	ctx = keys_context_new();
	load_bip143();
	RUN(test_bip143_sighashes);
	RUN(test_bip143_table_covers_text);
	RUN(test_bip143_signatures);
	RUN(test_bip143_no_findanddelete_signatures);
	RUN(test_bip143_signed_transactions);
	RUN(test_legacy_sighash_single_bug);
	RUN(test_bip341_keypath_sighashes);
	RUN(test_bip341_intermediary_hashes);
	RUN(test_bip341_fully_signed_tx);
	RUN(test_bip341_rules);
	RUN(test_bolt3_funding_tx);
	RUN(test_bolt3_commitment_signatures);
	for (size_t i = 0; i < NUM_BIP143_TXS; i++)
		bitcoin_tx_free(bip143_txs[i]);
	for (size_t i = 0; i < 6; i++)
		free(bip143_signed_hex[i]);
	json_decref(bip143);
	crypto_secp_context_destroy(ctx);
	return test_done();
}
