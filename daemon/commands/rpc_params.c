/* Parameter parsers the RPC commands share (see rpc_params.h). */
#include "daemon/commands/rpc_params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitcoin/tx.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "crypto/secp.h"
#include "daemon/chain/chain.h"
#include "daemon/chain/feerate.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/ohmd.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers.h"
#include "pay/pathfind.h"
#include "wire/short_channel_id.h"

json_t *rpc_tx_result(const struct bitcoin_tx *tx)
{
	struct bitcoin_txid txid;
	char txid_hex[65], *hex = bitcoin_tx_to_hex(tx);
	json_t *result;

	bitcoin_tx_txid(&txid, tx);
	result = json_pack("{s:s, s:s}", "tx", hex ? hex : "",
			   "txid", bitcoin_txid_to_hex(txid_hex, &txid));
	free(hex);
	return result;
}

bool rpc_parse_node_id(struct ohmd *ohmd, struct rpc_request *request, const char *name,
		       const char *text, size_t len, struct pubkey *node_id)
{
	uint8_t bytes[PUBKEY_CMPR_LEN];

	if (!hex_decode(bytes, sizeof(bytes), text, len)
	    || !pubkey_parse(ohmd->secp, node_id, bytes)) {
		rpc_respond_error(request, RPC_INVALID_PARAMS,
				  "parameter '%s' must be a node id: 66 hex digits of a compressed "
				  "public key, got '%.*s'", name, (int)(len > 80 ? 80 : len), text);
		return false;
	}
	return true;
}

struct peer *rpc_active_peer(struct ohmd *ohmd, struct rpc_request *request,
			     const char *id_text)
{
	struct pubkey node_id;
	uint8_t bytes[PUBKEY_CMPR_LEN];
	struct peer *peer;

	if (!rpc_parse_node_id(ohmd, request, "id", id_text, strlen(id_text), &node_id))
		return NULL;
	pubkey_serialize(ohmd->secp, bytes, &node_id);
	peer = peer_manager_find(ohmd->peers, bytes);
	if (!peer || peer->phase != PEER_ACTIVE) {
		rpc_respond_error(request, RPC_COMMAND_FAILED, "Peer %s is not connected", id_text);
		return NULL;
	}
	return peer;
}

/* A decimal number followed by one of the units ("" counts as the first);
 * *unit is the index of the one found.  A number too large for 64 bits
 * is that, not a bad form. */
enum unit_parse { UNIT_BAD_FORM, UNIT_TOO_LARGE, UNIT_OK };

static enum unit_parse parse_with_unit(const char *text, const char *const *units,
				       size_t num_units, unsigned long long *number,
				       size_t *unit)
{
	char *end;
	bool overflow;

	if (!text || text[0] < '0' || text[0] > '9')
		return UNIT_BAD_FORM;
	errno = 0;
	*number = strtoull(text, &end, 10);
	overflow = errno == ERANGE;
	for (size_t i = 0; i < num_units; i++) {
		if (strcmp(end, units[i]) == 0 || (i == 0 && *end == '\0')) {
			*unit = i;
			return overflow ? UNIT_TOO_LARGE : UNIT_OK;
		}
	}
	return UNIT_BAD_FORM;
}

/* Every parser starts its error with this, so no path out can leave it
 * unwritten; the paths that know better say more. */
static void err_start(char *err, size_t errlen, const char *name)
{
	snprintf(err, errlen, "parameter '%s' is invalid", name);
}

bool rpc_parse_satoshi(const json_t *value, const char *name, bool *is_all,
		       uint64_t *amount_sat, char *err, size_t errlen)
{
	static const char *const units[] = {"sat", "msat"};
	const char *text = json_string_value(value);
	unsigned long long number = 0;
	size_t unit = 0;
	enum unit_parse parsed = parse_with_unit(text, units, 2, &number, &unit);

	err_start(err, errlen, name);
	if (is_all)
		*is_all = false;
	if (json_is_integer(value) && json_integer_value(value) >= 0) {
		*amount_sat = (uint64_t)json_integer_value(value);
	} else if (is_all && text && strcmp(text, "all") == 0) {
		*is_all = true;
		return true;
	} else if (parsed == UNIT_OK && (unit == 0 || number % 1000 == 0)) {
		*amount_sat = unit == 0 ? number : number / 1000;
	} else if (parsed == UNIT_TOO_LARGE) {
		goto too_large;
	} else {
		snprintf(err, errlen, "parameter '%s': expected a whole number of satoshis, "
			 "'NNNsat', 'NNNmsat' (whole satoshis)%s", name, is_all ? " or 'all'" : "");
		return false;
	}
	if (*amount_sat <= BITCOIN_MAX_SATOSHIS)
		return true;
too_large:
	snprintf(err, errlen, "parameter '%s': more than 21 million bitcoin", name);
	return false;
}

bool rpc_parse_msat(const json_t *value, const char *name, uint64_t *amount_msat,
		    char *err, size_t errlen)
{
	static const char *const units[] = {"msat", "sat"};
	const char *text = json_string_value(value);
	unsigned long long number = 0;
	size_t unit = 0;
	enum unit_parse parsed = parse_with_unit(text, units, 2, &number, &unit);

	err_start(err, errlen, name);
	if (json_is_integer(value) && json_integer_value(value) >= 0) {
		*amount_msat = (uint64_t)json_integer_value(value);
	} else if (parsed == UNIT_OK) {
		/* number * 1000 must not wrap. */
		if (unit == 1 && number > BITCOIN_MAX_SATOSHIS)
			goto too_large;
		*amount_msat = unit == 0 ? number : number * 1000;
	} else if (parsed == UNIT_TOO_LARGE) {
		goto too_large;
	} else {
		snprintf(err, errlen, "parameter '%s': expected a whole number of millisatoshis, "
			 "'NNNmsat' or 'NNNsat'", name);
		return false;
	}
	if (*amount_msat <= BITCOIN_MAX_SATOSHIS * 1000)
		return true;
too_large:
	snprintf(err, errlen, "parameter '%s': more than 21 million bitcoin", name);
	return false;
}

bool rpc_parse_label(const json_t *value, const char *name, char buf[RPC_LABEL_NUMBER_LEN],
		     const char **label, char *err, size_t errlen)
{
	if (json_is_integer(value)) {
		snprintf(buf, RPC_LABEL_NUMBER_LEN, "%lld", (long long)json_integer_value(value));
		*label = buf;
		return true;
	}
	if (json_is_string(value) && json_string_length(value) > 0) {
		*label = json_string_value(value);
		return true;
	}
	snprintf(err, errlen, "parameter '%s': expected a non-empty string or a number", name);
	return false;
}

bool rpc_parse_feerate(struct ohmd *ohmd, const json_t *value, const char *name,
		       uint32_t *perkw, char *err, size_t errlen)
{
	struct feerate_param feerate;
	char why[200];

	err_start(err, errlen, name);
	if (json_is_integer(value) && json_integer_value(value) < 0) {
		/* Below the floor like any other small number (feerate_from_perkw
		 * takes only what can be a rate). */
		snprintf(why, sizeof(why), "%lld perkw is below the minimum of %u perkw (1 sat/vB)",
			 (long long)json_integer_value(value), FEERATE_FLOOR_PERKW);
		goto bad;
	}
	if (json_is_integer(value)) {
		if (!feerate_from_perkw(&feerate, (uint64_t)json_integer_value(value), why,
					sizeof(why)))
			goto bad;
	} else if (!json_is_string(value)) {
		snprintf(why, sizeof(why), "expected a string or a whole number (perkw)");
		goto bad;
	} else if (!feerate_parse(&feerate, json_string_value(value), why, sizeof(why))) {
		goto bad;
	}
	*perkw = feerate.is_target ? chain_feerate(ohmd->chain, feerate.target) : feerate.perkw;
	return true;
bad:
	snprintf(err, errlen, "parameter '%s': %s", name, why);
	return false;
}

/* One exclude entry into *x; false if it is neither form. */
static bool parse_exclude(struct ohmd *ohmd, const char *text, struct pathfind_exclude *x)
{
	size_t len = strlen(text);
	const char *slash = strchr(text, '/');
	uint8_t id[PUBKEY_CMPR_LEN];
	struct pubkey key;

	memset(x, 0, sizeof(*x));
	if (len == 2 * PUBKEY_CMPR_LEN && hex_decode(id, sizeof(id), text, len)
	    && pubkey_parse(ohmd->secp, &key, id)) {
		x->is_node = true;
		memcpy(x->node_id, id, PUBKEY_CMPR_LEN);
		return true;
	}
	x->direction = -1;
	if (slash) {
		if (strcmp(slash + 1, "0") != 0 && strcmp(slash + 1, "1") != 0)
			return false;
		x->direction = slash[1] - '0';
		len = (size_t)(slash - text);
	}
	return short_channel_id_from_str(&x->scid, text, len);
}

bool rpc_parse_excludes(struct ohmd *ohmd, const json_t *value, const char *name,
			struct pathfind_exclude **out, size_t *num, char *err, size_t errlen)
{
	size_t i;
	json_t *item;

	*out = NULL;
	*num = 0;
	if (!value || json_is_null(value))
		return true;
	if (!json_is_array(value)) {
		snprintf(err, errlen, "parameter '%s': expected an array of "
			 "short_channel_id/direction or node ids", name);
		return false;
	}
	*out = oh_calloc(json_array_size(value) + 1, sizeof(**out));
	json_array_foreach(value, i, item) {
		const char *text = json_string_value(item);
		if (!text || !parse_exclude(ohmd, text, &(*out)[i])) {
			snprintf(err, errlen, "parameter '%s': '%.100s' is not a "
				 "short_channel_id/direction or a node id", name,
				 text ? text : "(not a string)");
			free(*out);
			*out = NULL;
			return false;
		}
	}
	*num = json_array_size(value);
	return true;
}
