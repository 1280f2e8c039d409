/* The wallet's lists in Core Lightning's JSON shapes (commands layer:
 * listfunds and listtransactions in daemon/commands/rpc_wallet.c, and the wallet's
 * unit test, use them).  Amounts are integers of millisatoshis. */
#ifndef OHM_DAEMON_RPC_WALLET_JSON_H
#define OHM_DAEMON_RPC_WALLET_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "daemon/wallet/wallet.h"

/* Core Lightning's JSON-RPC code for why the wallet could not spend. */
int rpc_wallet_error_code(enum wallet_error error);

/* listfunds' "outputs" array; spent outputs only with include_spent.
 * NULL on a database error. */
json_t *rpc_wallet_outputs_json(struct wallet *wallet, bool include_spent);

/* listtransactions' "transactions" array.  NULL on a database error. */
json_t *rpc_wallet_transactions_json(struct wallet *wallet);

#endif /* OHM_DAEMON_RPC_WALLET_JSON_H */
