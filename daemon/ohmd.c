/* ohmd: start-up, the event loop, and an orderly shutdown.
 *
 * Start-up order matters: options first (errors before anything touches
 * disk), then --daemon's fork, the data directory and its lock, the log,
 * the node secret, the database, the chain client and wallet (which start
 * following bitcoind, reachable or not: it may come later), and last the
 * RPC socket, so a client that can connect finds a node that is ready.
 * Shutdown undoes it in reverse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bitcoin/chainparams.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "common/netaddr.h"
#include "crypto/secp.h"
#include "daemon/chain/bitcoind.h"
#include "daemon/chain/chain.h"
#include "daemon/channels/channels.h"
#include "daemon/htlcs/invoices.h"
#include "daemon/htlcs/payflow.h"
#include "daemon/htlcs/payments.h"
#include "daemon/commands/commands.h"
#include "daemon/config.h"
#include "daemon/datadir.h"
#include "daemon/gossip/gossip.h"
#include "daemon/rpc/jsonrpc.h"
#include "daemon/log.h"
#include "daemon/ohmd.h"
#include "daemon/net/peer.h"
#include "daemon/net/peers.h"
#include "daemon/onchain/resolvers.h"
#include "daemon/wallet/wallet.h"
#include "db/db.h"
#include "gossip/node_announcement.h"
#include "wire/features.h"

/* With --daemon, start-up errors travel to the waiting parent through this
 * pipe; otherwise they go to stderr. */
static int startup_report_fd = -1;

static void startup_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void startup_error(const char *fmt, ...)
{
	char message[4600];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(message, sizeof(message) - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	if ((size_t)len > sizeof(message) - 2)
		len = (int)sizeof(message) - 2;
	message[len++] = '\n';
	if (startup_report_fd >= 0) {
		if (write(startup_report_fd, message, (size_t)len) < 0) {
			/* The parent is gone; nobody is left to tell. */
		}
	} else {
		fputs("ohmd: ", stderr);
		fwrite(message, 1, (size_t)len, stderr);
	}
}

/* Forks; the parent waits for the child to report start-up success (an
 * empty report) or failure (the message), then exits accordingly. */
static void daemonize_start(void)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) != 0) {
		fprintf(stderr, "ohmd: cannot create pipe for --daemon: %s\n", strerror(errno));
		exit(OHMD_EXIT_STARTUP);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ohmd: cannot fork for --daemon: %s\n", strerror(errno));
		exit(OHMD_EXIT_STARTUP);
	}
	if (pid > 0) {
		char message[4600];
		ssize_t n, total = 0;
		close(fds[1]);
		while ((n = read(fds[0], message + total, sizeof(message) - 1 - (size_t)total)) > 0)
			total += n;
		message[total] = '\0';
		if (total > 0) {
			fprintf(stderr, "ohmd: %s", message);
			exit(OHMD_EXIT_STARTUP);
		}
		exit(OHMD_EXIT_OK);
	}
	close(fds[0]);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	startup_report_fd = fds[1];
	setsid();
}

/* Tells the parent we are up and detaches from the terminal. */
static void daemonize_finish(void)
{
	int null_fd = open("/dev/null", O_RDWR);

	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		dup2(null_fd, STDERR_FILENO);
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
	if (chdir("/") != 0) {
		/* Every path we use is absolute; staying put is harmless. */
	}
	close(startup_report_fd);
	startup_report_fd = -1;
}

void ohmd_shutdown(struct ohmd *ohmd)
{
	event_base_loopexit(ohmd->base, NULL);
}

/* ohmd_fatal for a subsystem's on_fatal(arg). */
static void fatal_callback(void *arg)
{
	ohmd_fatal(arg);
}

void ohmd_fatal(struct ohmd *ohmd)
{
	ohmd->is_fatal = true;
	/* Not loopexit: no other callback of this turn may run. */
	event_base_loopbreak(ohmd->base);
}

static void on_signal(evutil_socket_t signo, short events, void *arg)
{
	struct ohmd *ohmd = arg;
	log_info(ohmd->log, "ohmd", "received %s, shutting down",
		 signo == SIGTERM ? "SIGTERM" : "SIGINT");
	ohmd_shutdown(ohmd);
}

/* The node id names the node everywhere; the database remembers it so
 * that a swapped node secret cannot silently take over existing state. */
static bool node_identity_setup(struct ohmd *ohmd, char *err, size_t errlen)
{
	char path[4200];
	bool is_created;
	secp256k1_pubkey pubkey;
	size_t len = sizeof(ohmd->node_id);

	snprintf(path, sizeof(path), "%s/node_secret", ohmd->config->net_dir);
	if (!node_secret_load_or_create(ohmd->secp, path, ohmd->node_secret, &is_created,
					err, errlen))
		return false;
	if (!secp256k1_ec_pubkey_create(ohmd->secp, &pubkey, ohmd->node_secret)) {
		snprintf(err, errlen, "cannot derive the node id from %s", path);
		return false;
	}
	secp256k1_ec_pubkey_serialize(ohmd->secp, ohmd->node_id, &len, &pubkey,
				      SECP256K1_EC_COMPRESSED);
	hex_encode(ohmd->node_id_hex, ohmd->node_id, sizeof(ohmd->node_id));
	if (is_created)
		log_info(ohmd->log, "ohmd", "created a new node secret; node id %s",
			 ohmd->node_id_hex);

	/* Defaults from the node id, as Core Lightning does. */
	if (ohmd->config->alias)
		snprintf(ohmd->alias, sizeof(ohmd->alias), "%s", ohmd->config->alias);
	else
		snprintf(ohmd->alias, sizeof(ohmd->alias), "ohm-%.8s", ohmd->node_id_hex + 2);
	memcpy(ohmd->rgb, ohmd->config->has_rgb ? ohmd->config->rgb : ohmd->node_id + 1, 3);
	return true;
}

/* Our own gossip (channels.h channels_gossip_listener) goes to the gossip
 * subsystem, which stores it and sends it to our peers. */
static void own_gossip(void *arg, const uint8_t *msg, size_t len)
{
	struct ohmd *ohmd = arg;
	char err[256];

	if (!gossip_add_own(ohmd->gossip, msg, len, err, sizeof(err)))
		log_broken(ohmd->log, "gossip", "our own gossip refused: %s", err);
}

/* addr as a BOLT #7 address descriptor: IPv4, IPv6 or a hostname.
 * Returns: false for a wildcard (0.0.0.0, ::), which is no address. */
static bool node_address_from(struct node_address *out, const struct netaddr *addr)
{
	uint8_t bytes[16];

	memset(out, 0, sizeof(*out));
	out->port = addr->port;
	if (inet_pton(AF_INET, addr->host, bytes) == 1) {
		static const uint8_t any4[4];
		if (memcmp(bytes, any4, 4) == 0)
			return false;
		out->type = NODE_ADDRESS_IPV4;
		out->len = 4;
	} else if (inet_pton(AF_INET6, addr->host, bytes) == 1) {
		static const uint8_t any6[16];
		if (memcmp(bytes, any6, 16) == 0)
			return false;
		out->type = NODE_ADDRESS_IPV6;
		out->len = 16;
	} else {
		out->type = NODE_ADDRESS_DNS;
		out->len = (uint8_t)strlen(addr->host);
		memcpy(out->addr, addr->host, out->len);
		return true;
	}
	memcpy(out->addr, bytes, out->len);
	return true;
}

/* Whether a --addr we listen on is one the world can reach, as Core
 * Lightning decides what it announces without --announce-addr: an IP
 * address, not loopback, private or link-local. */
static bool node_address_is_public(const struct node_address *a)
{
	const uint8_t *b = a->addr;

	if (a->type == NODE_ADDRESS_IPV4)
		return !(b[0] == 127 || b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16)
			 || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254));
	if (a->type == NODE_ADDRESS_IPV6) {
		static const uint8_t loopback[16] = {[15] = 1};
		return memcmp(b, loopback, 16) != 0 && (b[0] & 0xfe) != 0xfc
			&& !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
	}
	return false;
}

static int node_address_order(const void *a, const void *b)
{
	const struct node_address *x = a, *y = b;

	return (int)x->type - (int)y->type;
}

/* What our node_announcement says: alias, color, addresses (BOLT #7: in
 * ascending order of type, one hostname at most), features. */
static void node_info_setup(struct ohmd *ohmd)
{
	const struct config *config = ohmd->config;
	bool from_listen = !config->num_announce_addrs;
	const struct netaddr *addrs = from_listen ? config->addrs : config->announce_addrs;
	size_t num = from_listen ? config->num_addrs : config->num_announce_addrs;
	bool has_dns = false;

	ohmd->announce_addrs = oh_calloc(num + 1, sizeof(*ohmd->announce_addrs));
	for (size_t i = 0; i < num; i++) {
		struct node_address *a = &ohmd->announce_addrs[ohmd->num_announce_addrs];
		if (!node_address_from(a, &addrs[i]) || (a->type == NODE_ADDRESS_DNS && has_dns)
		    || (from_listen && !node_address_is_public(a)))
			continue;
		has_dns |= a->type == NODE_ADDRESS_DNS;
		ohmd->num_announce_addrs++;
	}
	qsort(ohmd->announce_addrs, ohmd->num_announce_addrs, sizeof(*ohmd->announce_addrs),
	      node_address_order);
	ohmd->node_features = ohm_featurebits(FEATURE_CTX_NODE_ANNOUNCEMENT);
	if (!config->anchors) {
		featurebits_clear(ohmd->node_features, FEATURE_ANCHORS);
		featurebits_clear(ohmd->node_features, FEATURE_ANCHORS + 1);
	}
	ohmd->node_info = (struct channels_node_info){
		.alias = ohmd->alias,
		.rgb = ohmd->rgb,
		.addrs = ohmd->announce_addrs,
		.num_addrs = ohmd->num_announce_addrs,
		.features = ohmd->node_features->bytes,
		.features_len = ohmd->node_features->len,
	};
}

/* db_set_failure_listener's: the disk failed under us; memory may be
 * ahead of it, so nothing more may leave the process. */
static void database_failed(void *arg, const char *message)
{
	struct ohmd *ohmd = arg;

	log_broken(ohmd->log, "database", "storage failed: %s; stopping", message);
	ohmd_fatal(ohmd);
}

static bool database_setup(struct ohmd *ohmd, char *err, size_t errlen)
{
	char path[4200];
	uint8_t stored_id[33];
	size_t stored_len;
	int found;

	snprintf(path, sizeof(path), "%s/ohm.sqlite3", ohmd->config->net_dir);
	if (!db_set_failure_listener(database_failed, ohmd)) {
		snprintf(err, errlen, "cannot watch the database for failures");
		return false;
	}
	if (ohmd->config->dev_fault_io) {
		struct db_fault_spec spec;
		char why[160];
		if (!db_fault_spec_parse(ohmd->config->dev_fault_io, &spec, why, sizeof(why))) {
			snprintf(err, errlen, "option 'dev-fault-io': %s", why);
			return false;
		}
		if (!db_fault_io_install(&spec)) {
			snprintf(err, errlen, "cannot install --dev-fault-io's VFS");
			return false;
		}
	}
	/* dev-dbstats' counters, and the watch on each write and sync
	 * (above the fault VFS, so it sees its failures too). */
	if (!db_io_stats_install())
		log_unusual(ohmd->log, "database", "cannot count or watch the database's I/O");
	ohmd->db = db_open(path, ohm_migrations, ohm_migrations_count, err, errlen);
	if (!ohmd->db)
		return false;
	found = db_var_get_blob(ohmd->db, "node_id", stored_id, sizeof(stored_id), &stored_len);
	if (found < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, db_errmsg(ohmd->db));
		return false;
	}
	if (found == 0) {
		if (!db_var_set_blob(ohmd->db, "node_id", ohmd->node_id, sizeof(ohmd->node_id))) {
			snprintf(err, errlen, "cannot write %s: %s", path, db_errmsg(ohmd->db));
			return false;
		}
	} else if (stored_len != sizeof(stored_id)
		   || memcmp(stored_id, ohmd->node_id, sizeof(stored_id)) != 0) {
		snprintf(err, errlen,
			 "database %s belongs to another node id than node_secret's (%s); "
			 "refusing to start with the wrong secret", path, ohmd->node_id_hex);
		return false;
	}
	return true;
}

/* The bitcoind client, the chain client and the wallet.  bitcoind need not
 * be reachable: polling waits for it, with a warning in getinfo. */
static bool chain_setup(struct ohmd *ohmd, char *err, size_t errlen)
{
	const struct config *config = ohmd->config;
	unsigned poll_secs = config->dev_poll_interval_secs ? config->dev_poll_interval_secs : 30;
	struct bitcoind_options bitcoind_opts = {
		.host = config->bitcoin_rpcconnect,
		.port = config->bitcoin_rpcport,
		.user = config->bitcoin_rpcuser,
		.password = config->bitcoin_rpcpassword,
		.datadir = config->bitcoin_datadir,
		.network_subdir = bitcoind_network_subdir(config->chainparams->network),
		.timeout_secs = 60,
		/* Retry at least as often as we poll. */
		.retry_max_secs = poll_secs,
	};
	struct chain_options chain_opts = {
		.params = config->chainparams,
		.poll_interval_secs = poll_secs,
	};

	ohmd->bitcoind = bitcoind_new(ohmd->base, ohmd->log, &bitcoind_opts);
	if (!ohmd->bitcoind) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	ohmd->chain = chain_new(ohmd->base, ohmd->log, ohmd->db, ohmd->bitcoind, &chain_opts,
				err, errlen);
	if (!ohmd->chain)
		return false;
	ohmd->wallet = wallet_new(ohmd->secp, ohmd->log, ohmd->db, ohmd->chain,
				  config->chainparams, ohmd->node_secret, err, errlen);
	if (!ohmd->wallet)
		return false;
	log_info(ohmd->log, "chain", "following bitcoind at %s, polling every %u s",
		 bitcoind_endpoint(ohmd->bitcoind), poll_secs);
	return true;
}

/* The peer layer's news goes to the channels (peers.h peer_listener). */
static void peer_active(void *arg, struct peer *peer)
{
	channels_peer_active(arg, peer);
}

static void peer_gone(void *arg, struct peer *peer)
{
	channels_peer_gone(arg, peer);
}

static enum peer_verdict peer_channel_message(void *arg, struct peer *peer, uint16_t type,
					      const uint8_t *msg, size_t len)
{
	switch (channels_peer_message(arg, peer, type, msg, len)) {
	case CHANNELS_HANDLED:
		return PEER_HANDLED;
	case CHANNELS_PEER_CLOSED:
		return PEER_WAS_CLOSED;
	case CHANNELS_UNKNOWN_CHANNEL:
		break;
	}
	return PEER_UNKNOWN_CHANNEL;
}

static void peer_channel_update(void *arg, struct peer *peer, const uint8_t *msg, size_t len)
{
	channels_peer_update(arg, peer, msg, len);
}

static void peer_channel_error(void *arg, struct peer *peer, const struct channel_id *channel_id,
			       const char *text)
{
	channels_peer_error(arg, peer, channel_id, text);
}

static bool peer_has_channel(void *arg, const uint8_t node_id[PUBKEY_CMPR_LEN])
{
	struct channels_counts counts = {0};

	channels_count(arg, node_id, &counts);
	return counts.pending + counts.active + counts.inactive > 0;
}

static const struct peer_listener channels_peer_listener = {
	.active = peer_active,
	.gone = peer_gone,
	.message = peer_channel_message,
	.update = peer_channel_update,
	.error = peer_channel_error,
	.has_channel = peer_has_channel,
};

static int run(struct ohmd *ohmd)
{
	struct config *config = ohmd->config;
	struct event *sigterm_event = NULL, *sigint_event = NULL;
	char err[4400];
	int lock_fd = -1, status = OHMD_EXIT_STARTUP;

	if (!datadir_make(config->ohm_dir, err, sizeof(err))
	    || !datadir_make(config->net_dir, err, sizeof(err))) {
		startup_error("%s", err);
		return OHMD_EXIT_STARTUP;
	}
	lock_fd = datadir_lock(config->net_dir, err, sizeof(err));
	if (lock_fd < 0) {
		startup_error("%s", err);
		return OHMD_EXIT_STARTUP;
	}
	ohmd->log = log_new(config->log_file, config->log_level);
	if (!ohmd->log) {
		startup_error("cannot open log file %s: %s", config->log_file, strerror(errno));
		goto out;
	}

	ohmd->secp = crypto_secp_context_new();
	if (!ohmd->secp) {
		startup_error("cannot create the secp256k1 context");
		goto out;
	}

	if (!node_identity_setup(ohmd, err, sizeof(err)) || !database_setup(ohmd, err, sizeof(err))) {
		startup_error("%s", err);
		goto out;
	}

	ohmd->base = event_base_new();
	if (!ohmd->base) {
		startup_error("cannot create the event loop");
		goto out;
	}
	if (!chain_setup(ohmd, err, sizeof(err))) {
		startup_error("%s", err);
		goto out;
	}
	struct peer_manager_setup peers_setup = {
		.base = ohmd->base,
		.log = ohmd->log,
		.db = ohmd->db,
		.config = ohmd->config,
		.secp = ohmd->secp,
		.node_secret = ohmd->node_secret,
	};
	ohmd->peers = peer_manager_new(&peers_setup, err, sizeof(err));
	if (!ohmd->peers) {
		startup_error("%s", err);
		goto out;
	}
	/* Gossip listens to the chain and the peers. */
	struct gossip_setup gossip_setup = {
		.base = ohmd->base,
		.log = ohmd->log,
		.db = ohmd->db,
		.config = ohmd->config,
		.secp = ohmd->secp,
		.bitcoind = ohmd->bitcoind,
		.chain = ohmd->chain,
		.peers = ohmd->peers,
		.node_id = ohmd->node_id,
	};
	ohmd->gossip = gossip_new(&gossip_setup, err, sizeof(err));
	if (!ohmd->gossip) {
		startup_error("%s", err);
		goto out;
	}
	node_info_setup(ohmd);
	/* The resolvers and channels listen to the chain, so the chain
	 * starts after them. */
	struct resolvers_setup resolvers_setup = {
		.base = ohmd->base,
		.log = ohmd->log,
		.db = ohmd->db,
		.secp = ohmd->secp,
		.chain = ohmd->chain,
		.wallet = ohmd->wallet,
		.node_secret = ohmd->node_secret,
	};
	ohmd->resolvers = resolvers_new(&resolvers_setup, err, sizeof(err));
	if (!ohmd->resolvers) {
		startup_error("%s", err);
		goto out;
	}
	struct channels_setup channels_setup = {
		.base = ohmd->base,
		.log = ohmd->log,
		.db = ohmd->db,
		.config = ohmd->config,
		.secp = ohmd->secp,
		.chain = ohmd->chain,
		.wallet = ohmd->wallet,
		.resolvers = ohmd->resolvers,
		.peers = ohmd->peers,
		.node_secret = ohmd->node_secret,
		.node_id = ohmd->node_id,
		.node_info = &ohmd->node_info,
		.on_fatal = fatal_callback,
		.fatal_arg = ohmd,
	};
	ohmd->channels = channels_new(&channels_setup, err, sizeof(err));
	if (!ohmd->channels) {
		startup_error("%s", err);
		goto out;
	}
	peer_manager_set_listener(ohmd->peers, &channels_peer_listener, ohmd->channels);
	{
		struct channels_gossip_listener gossip = {own_gossip, ohmd};
		channels_set_gossip_listener(ohmd->channels, &gossip);
	}
	ohmd->htlcs = (struct htlcs){
		.base = ohmd->base,
		.log = ohmd->log,
		.db = ohmd->db,
		.config = ohmd->config,
		.secp = ohmd->secp,
		.node_secret = ohmd->node_secret,
		.node_id = ohmd->node_id,
		.gossip = ohmd->gossip,
		.chain = ohmd->chain,
		.channels = ohmd->channels,
		.resolvers = ohmd->resolvers,
	};
	ohmd->invoices = ohmd->htlcs.invoices = invoices_new(&ohmd->htlcs);
	ohmd->payflow = ohmd->htlcs.payflow = payflow_new(&ohmd->htlcs);
	ohmd->payments = ohmd->htlcs.payments = payments_new(&ohmd->htlcs);
	if (!ohmd->invoices || !ohmd->payflow || !ohmd->payments) {
		startup_error("cannot start the HTLC switch, payments or invoices (see the log)");
		goto out;
	}
	{
		struct channels_htlc_listener htlc = payflow_channels_listener(ohmd->payflow);
		channels_set_htlc_listener(ohmd->channels, &htlc);
	}
	{
		struct resolvers_htlc_listener htlc = payflow_resolvers_listener(ohmd->payflow);
		resolvers_set_htlc_listener(ohmd->resolvers, &htlc);
	}
	resolvers_start(ohmd->resolvers);
	chain_start(ohmd->chain);
	channels_start(ohmd->channels);
	gossip_start(ohmd->gossip);
	ohmd->rpc = rpc_server_new(ohmd, rpc_command_find, ohmd->base, ohmd->log, config->rpc_file,
				   err, sizeof(err));
	if (!ohmd->rpc) {
		startup_error("%s", err);
		goto out;
	}
	sigterm_event = evsignal_new(ohmd->base, SIGTERM, on_signal, ohmd);
	sigint_event = evsignal_new(ohmd->base, SIGINT, on_signal, ohmd);
	if (!sigterm_event || !sigint_event || evsignal_add(sigterm_event, NULL) != 0
	    || evsignal_add(sigint_event, NULL) != 0) {
		startup_error("cannot install signal handlers");
		goto out;
	}

	log_info(ohmd->log, "ohmd", "ohmd %s ready: node %s on %s, RPC at %s", OHM_VERSION,
		 ohmd->node_id_hex, config->chainparams->network, config->rpc_file);
	if (startup_report_fd >= 0)
		daemonize_finish();
	/* --dev-fault-io counts from here: start-up itself stays intact. */
	db_fault_io_arm();

	if (event_base_dispatch(ohmd->base) < 0)
		log_broken(ohmd->log, "ohmd", "event loop failed");
	else
		status = ohmd->is_fatal ? OHMD_EXIT_FATAL : OHMD_EXIT_OK;
	log_info(ohmd->log, "ohmd", "shutting down%s", ohmd->is_fatal ? " after a fatal error" : "");

out:
	/* Reverse order of start-up.  Peers and the wallet go first: closing
	 * them answers the RPC requests still waiting on them (a connect, a
	 * ping, a withdraw waiting for bitcoind) while the RPC server can
	 * still take the answers; the loop has stopped, so no new request
	 * arrives meanwhile. */
	peer_manager_free(ohmd->peers);
	ohmd->peers = NULL;
	gossip_free(ohmd->gossip);
	ohmd->gossip = NULL;
	channels_free(ohmd->channels);
	ohmd->channels = NULL;
	resolvers_free(ohmd->resolvers);
	ohmd->resolvers = NULL;
	invoices_free(ohmd->invoices);
	ohmd->invoices = NULL;
	payments_free(ohmd->payments);
	ohmd->payments = NULL;
	payflow_free(ohmd->payflow);
	ohmd->payflow = NULL;
	wallet_free(ohmd->wallet);
	rpc_server_free(ohmd->rpc);
	chain_free(ohmd->chain);
	bitcoind_free(ohmd->bitcoind);
	if (sigterm_event)
		event_free(sigterm_event);
	if (sigint_event)
		event_free(sigint_event);
	db_close(ohmd->db);
	if (ohmd->base)
		event_base_free(ohmd->base);
	if (ohmd->secp)
		crypto_secp_context_destroy(ohmd->secp);
	sodium_memzero(ohmd->node_secret, sizeof(ohmd->node_secret));
	free(ohmd->announce_addrs);
	featurebits_free(ohmd->node_features);
	if (ohmd->log && status == 0)
		log_info(ohmd->log, "ohmd", "shutdown complete");
	log_free(ohmd->log);
	if (lock_fd >= 0)
		close(lock_fd);
	return status;
}

int main(int argc, char *argv[])
{
	struct ohmd ohmd;
	char err[4400];
	const char *home = getenv("HOME");
	int status;

	memset(&ohmd, 0, sizeof(ohmd));
	if (sodium_init() < 0) {
		fprintf(stderr, "ohmd: cannot initialize libsodium\n");
		return OHMD_EXIT_STARTUP;
	}
	/* A client that hangs up mid-answer must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Everything we create (database, logs, secret) is ours alone. */
	umask(0077);

	ohmd.config = config_new();
	switch (config_parse_args(ohmd.config, argc, argv, err, sizeof(err))) {
	case CONFIG_OK:
		break;
	case CONFIG_HELP:
		config_print_usage(stdout, "ohmd");
		config_free(ohmd.config);
		return OHMD_EXIT_OK;
	case CONFIG_VERSION:
		printf("ohmd %s\n", OHM_VERSION);
		config_free(ohmd.config);
		return OHMD_EXIT_OK;
	case CONFIG_ERROR:
		fprintf(stderr, "ohmd: %s\n", err);
		config_free(ohmd.config);
		return OHMD_EXIT_STARTUP;
	}
	if (!config_load_file(ohmd.config, home, err, sizeof(err))
	    || !config_finalize(ohmd.config, home, err, sizeof(err))) {
		fprintf(stderr, "ohmd: %s\n", err);
		config_free(ohmd.config);
		return OHMD_EXIT_STARTUP;
	}

	if (ohmd.config->daemonize)
		daemonize_start();
	status = run(&ohmd);
	config_free(ohmd.config);
	return status;
}
