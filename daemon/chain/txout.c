/* The short_channel_id lookup (txout.h): three bitcoind calls in a row. */
#include "daemon/chain/txout.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "daemon/chain/bitcoind.h"
#include "daemon/chain/chain_parse.h"

static void finish(struct txout_lookup *l, const char *err)
{
	l->done(l->arg, err ? NULL : &l->result, err);
}

static void got_txout(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct txout_lookup *l = arg;

	if (error) {
		finish(l, error->message ? error->message : "gettxout failed");
		return;
	}
	finish(l, chain_parse_txout(result, &l->result) ? NULL : "gettxout: unexpected answer");
}

static void got_block(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct txout_lookup *l = arg;
	const char *err = NULL;
	char txid_hex[65];

	if (error) {
		finish(l, error->message ? error->message : "getblock failed");
		return;
	}
	switch (chain_parse_block_txid(result, short_channel_id_txindex(&l->scid),
				       &l->result.txid, &err)) {
	case -1:
		finish(l, err);
		return;
	case 0:
		finish(l, NULL);	/* no such transaction */
		return;
	}
	l->result.is_found = true;
	bitcoin_txid_to_hex(txid_hex, &l->result.txid);
	bitcoind_call(l->bitcoind, BITCOIND_FAIL_FAST, "gettxout",
		      json_pack("[s, i, b]", txid_hex, (int)short_channel_id_outnum(&l->scid), 0),
		      got_txout, l);
}

static void got_hash(const json_t *result, const struct bitcoind_error *error, void *arg)
{
	struct txout_lookup *l = arg;

	/* Core: -8 "Block height out of range". */
	if (error && !error->is_transport && error->code == BITCOIND_RPC_INVALID_PARAMETER) {
		finish(l, NULL);
		return;
	}
	if (error || !json_is_string(result)) {
		finish(l, error && error->message ? error->message : "getblockhash: unexpected answer");
		return;
	}
	bitcoind_call(l->bitcoind, BITCOIND_FAIL_FAST, "getblock",
		      json_pack("[O, i]", result, 1), got_block, l);
}

void txout_lookup(struct txout_lookup *l, struct bitcoind *bitcoind,
		  struct short_channel_id scid, txout_done done, void *arg)
{
	memset(l, 0, sizeof(*l));
	l->bitcoind = bitcoind;
	l->scid = scid;
	l->done = done;
	l->arg = arg;
	bitcoind_call(bitcoind, BITCOIND_FAIL_FAST, "getblockhash",
		      json_pack("[i]", (int)short_channel_id_block(&scid)), got_hash, l);
}
