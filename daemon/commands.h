/* The command tables of ohmd's subsystems; daemon/jsonrpc.c serves them
 * all.  Each table ends with an entry whose name is NULL. */
#ifndef OHM_DAEMON_COMMANDS_H
#define OHM_DAEMON_COMMANDS_H

#include "daemon/rpc_command.h"

extern const struct rpc_command node_commands[];	/* daemon/rpc_node.c */
extern const struct rpc_command peer_commands[];	/* daemon/rpc_peer.c */
extern const struct rpc_command wallet_commands[];	/* daemon/rpc_wallet.c */
extern const struct rpc_command channel_commands[];	/* daemon/rpc_channel.c */
extern const struct rpc_command invoice_commands[];	/* daemon/rpc_invoice.c */
extern const struct rpc_command pay_commands[];		/* daemon/rpc_pay.c */

#endif /* OHM_DAEMON_COMMANDS_H */
