/* The invoice command's parameter checking, apart from the command so it
 * is pure (tests/fuzz/fuzz_invoice_params feeds it what clients send).
 * params is what rpc_params_parse() built from invoice's table. */
#ifndef OHM_DAEMON_COMMANDS_INVOICE_REQUEST_H
#define OHM_DAEMON_COMMANDS_INVOICE_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/commands/rpc_params.h"
#include "daemon/htlcs/invoices.h"
#include "daemon/rpc/rpc_command.h"

struct chainparams;
struct wirebuf;

/* Core Lightning's default invoice expiry: a week. */
#define INVOICE_DEFAULT_EXPIRY (7 * 24 * 3600)
#define INVOICE_MAX_EXPIRY (10ULL * 365 * 86400)
#define INVOICE_MAX_FALLBACKS 8

/* invoice's parameter table (for rpc_params_parse()). */
extern const struct rpc_param invoice_request_params[];

/* What invoice's parameters ask for: ip points into the rest (do not
 * copy it), and borrows description from params. */
struct invoice_request {
	struct invoice_params ip;
	char label_buf[RPC_LABEL_NUMBER_LEN];
	uint8_t preimage[32];
	struct wirebuf *scripts[INVOICE_MAX_FALLBACKS];
	const uint8_t *script_data[INVOICE_MAX_FALLBACKS];
	size_t script_lens[INVOICE_MAX_FALLBACKS];
};

/* Checks params (fallbacks must be segwit addresses of chainparams'
 * network).  Returns: true and fills r, or false with the error for
 * RPC_INVALID_PARAMS in err ("parameter 'NAME': ...").  Either way,
 * invoice_request_clear(r) afterwards. */
bool invoice_request_parse(struct invoice_request *r, const json_t *params,
			   const struct chainparams *chainparams, char *err, size_t errlen);

void invoice_request_clear(struct invoice_request *r);

#endif /* OHM_DAEMON_COMMANDS_INVOICE_REQUEST_H */
