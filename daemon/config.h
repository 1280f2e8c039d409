/* ohmd's options: one table describes every option once, and drives the
 * command line, the config file, --help and the listconfigs command.
 *
 * The config file (default <ohm-dir>/config) holds "key=value" lines (a
 * flag may be just "key"), '#' starts a comment.  The command line wins over
 * the file; for options that may repeat (addr), command-line values replace
 * the file's.  Every error names the option, and for the file, its line.
 *
 * Parsing is separate from reading the file so it is unit-testable.
 */
#ifndef OHM_DAEMON_CONFIG_H
#define OHM_DAEMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/log.h"
#include "common/netaddr.h"

struct chainparams;

enum config_result {
	CONFIG_OK,
	CONFIG_ERROR,	/* err holds the message */
	CONFIG_HELP,	/* --help was given */
	CONFIG_VERSION,	/* --version was given */
};

struct config_setting;

struct config {
	/* Typed values, filled by config_finalize(). */
	char *ohm_dir;		/* absolute */
	const struct chainparams *chainparams;
	char *net_dir;		/* <ohm-dir>/<network> */
	struct netaddr *addrs;	/* where to listen */
	size_t num_addrs;
	struct netaddr *announce_addrs;	/* what we announce (none: addrs) */
	size_t num_announce_addrs;
	char *alias;		/* NULL: derived from the node id */
	bool has_rgb;
	uint8_t rgb[3];
	enum log_level log_level;
	char *log_file;		/* NULL: stderr (or <net-dir>/log with --daemon) */
	bool daemonize;
	char *rpc_file;		/* absolute path of the RPC socket */
	char *conf_file;	/* absolute path of the config file */
	unsigned dev_handshake_timeout_secs;	/* 0: the default */
	unsigned dev_ping_interval_secs;	/* 0: the default */
	unsigned dev_peer_write_timeout_secs;	/* 0: the default */
	unsigned dev_gossip_interval_secs;	/* 0: the default */
	unsigned dev_poll_interval_secs;	/* 0: the default */
	unsigned funding_confirms;	/* minimum_depth we ask as fundee */
	bool dev_hold_htlcs;		/* hold dev-sendhtlc's HTLCs */
	unsigned dev_commit_delay_msecs;	/* the group commit waits (0: none) */
	const char *dev_fault_io;	/* db_fault_spec_parse's text (unchecked), or NULL */
	unsigned worker_threads;	/* signing threads, ours included (>= 1) */
	unsigned dev_update_refresh_secs;	/* 0: CHANNELS_UPDATE_REFRESH_SECS */
	unsigned dev_mpp_timeout_secs;	/* 0: MPP_TIMEOUT_SECS (pay/mpp.h) */
	unsigned fundee_timeout_blocks;	/* BOLT #2's 2016 unless testing */
	unsigned fee_base_msat;		/* forwarding fees we charge */
	unsigned fee_per_satoshi;	/* (millionths) */
	unsigned cltv_delta;		/* we ask of HTLCs we forward */
	unsigned cltv_final;		/* our invoices' min_final_cltv_expiry_delta */
	unsigned max_fee_multiplier;	/* peer feerate cap, x our urgent estimate */
	/* Our max_accepted_htlcs in new channels (Core Lightning's name). */
	unsigned max_concurrent_htlcs;
	bool anchors;			/* offer and accept option_anchors */
	/* Wallet reserve for anchor fee bumps (Core Lightning's name). */
	unsigned min_emergency_msat;
	/* Where bitcoind's JSON-RPC is, and how to log in to it. */
	char *bitcoin_rpcconnect;
	uint16_t bitcoin_rpcport;	/* the network's default if not given */
	char *bitcoin_rpcuser;		/* NULL: use bitcoind's .cookie */
	char *bitcoin_rpcpassword;
	char *bitcoin_datadir;		/* absolute; default ~/.bitcoin */

	/* Raw settings in the order given, with their sources. */
	struct config_setting *settings;
	size_t num_settings;
};

struct config *config_new(void);
void config_free(struct config *config);

/* Parses the command line (argv[0] is skipped).  home is $HOME, used for
 * the default --ohm-dir. */
enum config_result config_parse_args(struct config *config, int argc,
				     char *const argv[], char *err, size_t errlen);

/* Parses the text of a config file; path names it in messages. */
bool config_parse_file_text(struct config *config, const char *path,
			    const char *text, char *err, size_t errlen);

/* Where the config file is: --conf, else <ohm-dir>/config.  Needs the
 * command line parsed.  Returns a malloc'd path; *explicit tells whether
 * --conf named it (then a missing file is an error). */
char *config_file_path(const struct config *config, const char *home,
		       bool *is_explicit);

/* Reads and parses the config file (a missing default file is fine). */
bool config_load_file(struct config *config, const char *home, char *err,
		      size_t errlen);

/* Validates every setting and fills the typed fields. */
bool config_finalize(struct config *config, const char *home, char *err,
		     size_t errlen);

/* Usage text for --help, generated from the option table. */
void config_print_usage(FILE *out, const char *program);

/* What listconfigs shows of one option (the commands shape it as JSON). */
struct config_shown {
	const char *name;
	enum {
		CONFIG_SHOWN_NOTHING,	/* unset, and no default worth showing */
		CONFIG_SHOWN_FLAG,	/* set, from source */
		CONFIG_SHOWN_VALUE,	/* value, from source */
		CONFIG_SHOWN_VALUES,	/* values[i] from sources[i] (a repeatable option) */
	} kind;
	bool set;
	const char *value;
	const char *source;
	const char **values, **sources;
	size_t num_values;
	char number[12];	/* room for a computed value */
};

/* Calls fn with what listconfigs shows of each option, or only of name's
 * if name is not NULL.  Returns: false if name is not an option. */
bool config_show(const struct config *config, const char *name,
		 void (*fn)(void *arg, const struct config_shown *shown), void *arg);

#endif /* OHM_DAEMON_CONFIG_H */
