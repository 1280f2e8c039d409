/* gossip/channel_update: signing, checking, direction. */
#include <string.h>

#include "crypto/secp.h"
#include "gossip/channel_update.h"
#include "tests/unit/keys.h"
#include "tests/unit/test.h"

static secp256k1_context *ctx;

static struct msg_channel_update sample(void)
{
	struct msg_channel_update m;

	memset(&m, 0, sizeof(m));
	memset(m.chain_hash.bytes, 0x06, sizeof(m.chain_hash.bytes));
	short_channel_id_from_parts(&m.short_channel_id, 103, 1, 0);
	m.timestamp = 1700000000;
	m.message_flags = CHANNEL_UPDATE_MUST_BE_ONE;
	m.channel_flags = 1;
	m.cltv_expiry_delta = 34;
	m.htlc_minimum_msat = 1;
	m.fee_base_msat = 1000;
	m.fee_proportional_millionths = 10;
	m.htlc_maximum_msat = 990000000;
	return m;
}

static void test_sign_and_check(void)
{
	struct privkey key = privkey_from_hex(
		"1111111111111111111111111111111111111111111111111111111111111111");
	struct privkey other = privkey_from_hex(
		"2222222222222222222222222222222222222222222222222222222222222222");
	struct pubkey id, other_id;
	struct msg_channel_update m = sample(), back;
	struct wirebuf *msg;
	const char *why = NULL;

	CHECK(pubkey_from_privkey(ctx, &id, &key));
	CHECK(pubkey_from_privkey(ctx, &other_id, &other));
	msg = channel_update_sign(ctx, &m, &key);
	CHECK(msg != NULL);
	CHECK(msg->len == 2 + 64 + 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8);
	CHECK(channel_update_check(ctx, &back, msg->data, msg->len, &id, &why));
	CHECK(back.fee_base_msat == 1000 && back.cltv_expiry_delta == 34);
	CHECK(back.htlc_maximum_msat == 990000000);
	CHECK_MEMEQ(back.signature.bytes, m.signature.bytes, 64);
	/* Someone else's key, a changed field, a truncated message. */
	CHECK(!channel_update_check(ctx, &back, msg->data, msg->len, &other_id, &why));
	CHECK_STREQ(why, "channel_update signature is not the node's");
	msg->data[msg->len - 9] ^= 1;
	CHECK(!channel_update_check(ctx, &back, msg->data, msg->len, &id, &why));
	CHECK(!channel_update_check(ctx, &back, msg->data, msg->len - 1, &id, &why));
	CHECK_STREQ(why, "malformed channel_update");
	wirebuf_free(msg);
}

static void test_direction(void)
{
	uint8_t a[PUBKEY_CMPR_LEN] = {2, 1}, b[PUBKEY_CMPR_LEN] = {3, 0};

	CHECK(channel_update_direction(a, b) == 0);
	CHECK(channel_update_direction(b, a) == 1);
}

int main(void)
{
	ctx = keys_context_new();
	RUN(test_sign_and_check);
	RUN(test_direction);
	secp256k1_context_destroy(ctx);
	return test_done();
}
