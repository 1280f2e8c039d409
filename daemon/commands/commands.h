/* The command tables of ohmd's subsystems (each ends with an entry whose
 * name is NULL), and looking a command up in all of them: daemon/rpc/jsonrpc.c
 * serves them, given rpc_command_find by ohmd.c. */
#ifndef OHM_DAEMON_COMMANDS_H
#define OHM_DAEMON_COMMANDS_H

#include "daemon/rpc/rpc_command.h"

extern const struct rpc_command node_commands[];	/* daemon/commands/rpc_node.c */
extern const struct rpc_command peer_commands[];	/* daemon/commands/rpc_peer.c */
extern const struct rpc_command gossip_commands[];	/* daemon/commands/rpc_gossip.c */
extern const struct rpc_command route_commands[];	/* daemon/commands/rpc_route.c */
extern const struct rpc_command wallet_commands[];	/* daemon/commands/rpc_wallet.c */
extern const struct rpc_command channel_commands[];	/* daemon/commands/rpc_channel.c */
extern const struct rpc_command setchannel_commands[];	/* daemon/commands/rpc_setchannel.c */
extern const struct rpc_command closed_commands[];	/* daemon/commands/rpc_closed.c */
extern const struct rpc_command invoice_commands[];	/* daemon/commands/rpc_invoice.c */
extern const struct rpc_command pay_commands[];		/* daemon/commands/rpc_pay.c */

/* Looks a command up by name; NULL if there is none. */
const struct rpc_command *rpc_command_find(const char *name);

/* Every command, for help: index 0 .. rpc_command_count()-1. */
size_t rpc_command_count(void);
const struct rpc_command *rpc_command_at(size_t index);

struct config;

/* listconfigs' result in Core Lightning's shape, {"configs": {name: ...}}
 * (daemon/commands/rpc_config.c); NULL if name is not an option. */
json_t *rpc_listconfigs_json(const struct config *config, const char *name);

#endif /* OHM_DAEMON_COMMANDS_H */
