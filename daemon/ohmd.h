/* The daemon's state: one struct ohmd, owned by main() and passed to every
 * subsystem (there are no globals).  Subsystems keep their own state in
 * their own structs, reached from here. */
#ifndef OHM_DAEMON_OHMD_H
#define OHM_DAEMON_OHMD_H

#include <secp256k1.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/channels/channels.h"
#include "daemon/htlcs/htlcs.h"

struct featurebits;
struct node_address;

struct bitcoind;
struct chain;
struct channels;
struct config;
struct db;
struct invoices;
struct payflow;
struct payments;
struct event_base;
struct gossip;
struct log;
struct peer_manager;
struct resolvers;
struct rpc_server;
struct wallet;

struct ohmd {
	struct config *config;
	struct log *log;
	struct event_base *base;
	struct db *db;
	struct rpc_server *rpc;
	struct peer_manager *peers;
	struct bitcoind *bitcoind;	/* bitcoind's JSON-RPC */
	struct chain *chain;		/* follows the block chain */
	struct wallet *wallet;		/* on-chain funds */
	struct resolvers *resolvers;	/* closed channels' outputs on chain */
	struct channels *channels;	/* Lightning channels */
	struct gossip *gossip;		/* the network graph (BOLT #7) */
	struct invoices *invoices;	/* what we are to be paid */
	struct payflow *payflow;	/* where HTLCs go */
	struct payments *payments;	/* what we pay */
	/* What those three stand on and reach each other through (the
	 * same pointers as above, for them). */
	struct htlcs htlcs;
	secp256k1_context *secp;

	uint8_t node_secret[32];	/* wiped at exit; never logged */
	uint8_t node_id[33];		/* compressed public key */
	char node_id_hex[67];
	char alias[33];
	uint8_t rgb[3];
	/* What our node_announcement says besides: the addresses (from
	 * --announce-addr, else --addr but wildcards), the features. */
	struct node_address *announce_addrs;
	size_t num_announce_addrs;
	struct featurebits *node_features;
	struct channels_node_info node_info;
	bool is_fatal;			/* ohmd_fatal() was called */
};

/* ohmd's exit statuses (README "Running ohmd"): stopped cleanly (the
 * stop command, SIGTERM, SIGINT); could not start; stopped by a fatal
 * error while running (something it must store could not be stored). */
#define OHMD_EXIT_OK 0
#define OHMD_EXIT_STARTUP 1
#define OHMD_EXIT_FATAL 2

/* Leaves the event loop; main() then shuts everything down in order. */
void ohmd_shutdown(struct ohmd *ohmd);

/* A fatal error (already logged): leaves the event loop at once, nothing
 * else runs, and ohmd exits with OHMD_EXIT_FATAL. */
void ohmd_fatal(struct ohmd *ohmd);

#endif /* OHM_DAEMON_OHMD_H */
