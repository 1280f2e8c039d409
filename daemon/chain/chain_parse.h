/* Reading bitcoind's answers: the HTTP body of a JSON-RPC answer, then
 * the result of each call the chain client makes.  Pure (no I/O), so
 * tests/fuzz/fuzz_bitcoind_json feeds them hostile answers: a bitcoind
 * (or whatever listens on its port) is outside input too. */
#ifndef OHM_DAEMON_CHAIN_CHAIN_PARSE_H
#define OHM_DAEMON_CHAIN_CHAIN_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitcoin/tx.h"
#include "daemon/chain/txout.h"

/* What the body of an HTTP answer from bitcoind says. */
enum bitcoind_answer_kind {
	BITCOIND_ANSWER_RESULT,		/* result is set */
	BITCOIND_ANSWER_ERROR,		/* a JSON-RPC error: code and message */
	BITCOIND_ANSWER_WARMUP,		/* error -28, still starting: message */
	BITCOIND_ANSWER_MALFORMED,	/* not a JSON object */
	BITCOIND_ANSWER_NO_RESULT,	/* neither an error nor a result */
};

struct bitcoind_answer {
	json_t *json;			/* the whole answer, or NULL: json_decref() it */
	const json_t *result;		/* borrowed from json */
	int code;			/* Core's error code (clamped to an int) */
	const char *message;		/* borrowed from json; "(no message)" if none */
};

enum bitcoind_answer_kind bitcoind_answer_parse(struct bitcoind_answer *answer,
						const char *body, size_t len);

/* getblockcount: a height.  Returns: false if result is not one. */
bool chain_parse_height(const json_t *result, uint32_t *height);

/* getblockchaininfo: *chain is its "chain" (NULL if absent, borrowed);
 * *is_syncing if it says initial block download or knows headers beyond
 * its blocks. */
void chain_parse_chain_info(const json_t *result, const char **chain, bool *is_syncing);

/* getblock(hash, 0): the serialized block.  Returns: it (malloc'd, *len
 * bytes), or NULL if result is not a string of hex digits. */
uint8_t *chain_parse_block_hex(const json_t *result, size_t *len);

/* estimatesmartfee: its feerate (BTC/kvB) in perkw.  Returns: false if it
 * has no estimate (a young node, regtest). */
bool chain_parse_feerate(const json_t *result, uint32_t *perkw);

/* getrawtransaction(txid, false): the transaction, or NULL with *why. */
struct bitcoin_tx *chain_parse_tx(const json_t *result, const char **why);

/* gettxout: fills out's is_spent, script, amount_sat and depth.
 * Returns: false if result is not gettxout's answer. */
bool chain_parse_txout(const json_t *result, struct txout_result *out);

/* getblock(hash, 1): the txid of its transaction txindex into out.
 * Returns: 1 found, 0 the block has no such transaction, -1 not
 * getblock's answer (err says which part). */
int chain_parse_block_txid(const json_t *result, uint32_t txindex, struct bitcoin_txid *out,
			   const char **err);

#endif /* OHM_DAEMON_CHAIN_CHAIN_PARSE_H */
