/* Every command ohmd serves: the subsystems' tables, in help's order. */
#include "daemon/commands/commands.h"

#include <string.h>

static const struct rpc_command *const command_tables[] = {
	node_commands,
	peer_commands,
	gossip_commands,
	route_commands,
	wallet_commands,
	channel_commands,
	setchannel_commands,
	closed_commands,
	invoice_commands,
	pay_commands,
};
#define NUM_TABLES (sizeof(command_tables) / sizeof(command_tables[0]))

const struct rpc_command *rpc_command_find(const char *name)
{
	for (size_t t = 0; t < NUM_TABLES; t++)
		for (const struct rpc_command *c = command_tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

size_t rpc_command_count(void)
{
	size_t n = 0;
	for (size_t t = 0; t < NUM_TABLES; t++)
		for (const struct rpc_command *c = command_tables[t]; c->name; c++)
			n++;
	return n;
}

const struct rpc_command *rpc_command_at(size_t index)
{
	for (size_t t = 0; t < NUM_TABLES; t++)
		for (const struct rpc_command *c = command_tables[t]; c->name; c++)
			if (index-- == 0)
				return c;
	return NULL;
}
