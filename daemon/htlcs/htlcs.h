/* What the HTLC subsystems stand on: the switch (payflow.h), our payments
 * (payments.h) and invoices (invoices.h).  They sit above the channels and
 * reach the layers below, and each other, through this one struct, which
 * ohmd.c owns and fills as it creates them (a member is NULL until its
 * subsystem exists). */
#ifndef OHM_DAEMON_HTLCS_H
#define OHM_DAEMON_HTLCS_H

#include <secp256k1.h>
#include <stdint.h>

struct chain;
struct channels;
struct config;
struct db;
struct event_base;
struct gossip;
struct invoices;
struct log;
struct payflow;
struct payments;

struct resolvers;

struct htlcs {
	struct event_base *base;
	struct log *log;
	struct db *db;
	const struct config *config;
	const secp256k1_context *secp;
	const uint8_t *node_secret;	/* 32 bytes; never logged */
	const uint8_t *node_id;		/* ours, 33 bytes */
	/* The network graph pay routes over, and takes channel_updates
	 * from failures into. */
	struct gossip *gossip;
	struct chain *chain;
	struct channels *channels;
	/* Closed channels' outputs: a preimage for an incoming HTLC on one
	 * goes there. */
	struct resolvers *resolvers;
	/* The three HTLC subsystems. */
	struct invoices *invoices;
	struct payflow *payflow;
	struct payments *payments;
};

#endif /* OHM_DAEMON_HTLCS_H */
