/* Parameter parsers the RPC commands share: node ids, amounts and
 * feerates, in Core Lightning's forms.  On failure each writes an error
 * naming the parameter into err (or, where it takes the request, answers
 * it with RPC_INVALID_PARAMS).  A parser that returns false has always
 * written err, whatever the input: the texts below are the ones a caller
 * sees (tests/unit/test_daemon_rpc_params.c holds them to it).
 */
#ifndef OHM_DAEMON_RPC_PARAMS_H
#define OHM_DAEMON_RPC_PARAMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/types.h"

struct ohmd;
struct peer;
struct rpc_request;

struct bitcoin_tx;

/* {"tx": hex, "txid": hex}, Core Lightning's answer for a transaction we
 * sent (withdraw, fundchannel, close); callers add their own fields. */
json_t *rpc_tx_result(const struct bitcoin_tx *tx);

/* A node id: 66 hex digits of a compressed public key. */
bool rpc_parse_node_id(struct ohmd *ohmd, struct rpc_request *request, const char *name,
		       const char *text, size_t len, struct pubkey *node_id);

/* The connected (init exchanged) peer whose id is id_text; otherwise
 * answers request with an error and returns NULL. */
struct peer *rpc_active_peer(struct ohmd *ohmd, struct rpc_request *request,
			     const char *id_text);

/* A whole number of satoshis, "NNNsat", "NNNmsat" (whole satoshis) or, if
 * is_all is not NULL, "all".  Errors: "parameter 'NAME': expected a whole
 * number of satoshis, 'NNNsat', 'NNNmsat' (whole satoshis)[ or 'all']",
 * "parameter 'NAME': more than 21 million bitcoin". */
bool rpc_parse_satoshi(const json_t *value, const char *name, bool *is_all,
		       uint64_t *amount_sat, char *err, size_t errlen);

/* A number of millisatoshis, "NNNmsat" or "NNNsat".  Errors: "parameter
 * 'NAME': expected a whole number of millisatoshis, 'NNNmsat' or 'NNNsat'",
 * "parameter 'NAME': more than 21 million bitcoin". */
bool rpc_parse_msat(const json_t *value, const char *name, uint64_t *amount_msat,
		    char *err, size_t errlen);

/* A label, as Core Lightning takes it: a non-empty string, or a whole
 * number (written into buf) standing for its decimal text.  Error:
 * "parameter 'NAME': expected a non-empty string or a number". */
#define RPC_LABEL_NUMBER_LEN 24
bool rpc_parse_label(const json_t *value, const char *name, char buf[RPC_LABEL_NUMBER_LEN],
		     const char **label, char *err, size_t errlen);

/* A feerate: a number of perkw, or feerate_parse()'s strings (urgent,
 * normal, slow, NNNperkw, NNNperkb).  Errors: "parameter 'NAME': " and
 * feerate_parse()'s reason, "N perkw is below the minimum of 253 perkw
 * (1 sat/vB)" for any number below it (negative ones too), or "expected a
 * string or a whole number (perkw)".  ohmd is used only for a named
 * target. */
bool rpc_parse_feerate(struct ohmd *ohmd, const json_t *value, const char *name,
		       uint32_t *perkw, char *err, size_t errlen);

/* getroute's and pay's exclude: an array of "SCID/DIRECTION" (one
 * direction of a channel, 0 or 1), "SCID" (both directions: ohm's
 * extension) or a node id.  *out is malloc'd (NULL if none).  Errors:
 * "parameter 'NAME': expected an array of short_channel_id/direction or
 * node ids", "parameter 'NAME': 'X' is not a short_channel_id/direction
 * or a node id". */
struct pathfind_exclude;
bool rpc_parse_excludes(struct ohmd *ohmd, const json_t *value, const char *name,
			struct pathfind_exclude **out, size_t *num, char *err, size_t errlen);

#endif /* OHM_DAEMON_RPC_PARAMS_H */
