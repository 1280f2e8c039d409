#include "daemon/config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bitcoin/chainparams.h"
#include "channel/open.h"
#include "common/alloc.h"
#include "common/hex.h"
#include "common/workpool.h"

enum option_kind {
	OPT_STRING,	/* key=value; the last one wins */
	OPT_FLAG,	/* bare key (or key=true|false) */
	OPT_MULTI,	/* key=value, repeatable */
};

struct config_option {
	const char *name;
	enum option_kind kind;
	bool is_cmdline_only;	/* meaningless inside the config file */
	const char *arg;	/* placeholder for --help */
	const char *default_value;	/* NULL: none, or computed */
	const char *help;
};

/* Every option ohmd knows.  Later subsystems add their options here. */
static const struct config_option options[] = {
	{"ohm-dir", OPT_STRING, true, "DIR", NULL,
	 "data directory (default ~/.ohm)"},
	{"conf", OPT_STRING, true, "FILE", NULL,
	 "config file (default <ohm-dir>/config)"},
	{"network", OPT_STRING, false, "NET", "regtest",
	 "bitcoin, testnet, signet or regtest"},
	{"addr", OPT_MULTI, false, "HOST[:PORT]", NULL,
	 "listen for peers on this address (repeatable; default port 9735)"},
	{"announce-addr", OPT_MULTI, false, "HOST[:PORT]", NULL,
	 "announce this address to the network (repeatable; default: the --addr ones)"},
	{"alias", OPT_STRING, false, "NAME", NULL,
	 "node alias, up to 32 bytes (default from the node id)"},
	{"rgb", OPT_STRING, false, "RRGGBB", NULL,
	 "node color as 6 hex digits (default from the node id)"},
	{"log-level", OPT_STRING, false, "LEVEL", "info",
	 "io, debug, info, unusual or broken"},
	{"log-file", OPT_STRING, false, "FILE", NULL,
	 "log to FILE instead of stderr"},
	{"daemon", OPT_FLAG, false, NULL, NULL,
	 "run in the background (logs to <ohm-dir>/<network>/log)"},
	{"rpc-file", OPT_STRING, false, "FILE", "ohm-rpc",
	 "JSON-RPC socket, relative to <ohm-dir>/<network>"},
	{"dev-handshake-timeout", OPT_STRING, false, "SECS", "30",
	 "(testing) seconds a new connection has to finish handshake and init"},
	{"dev-ping-interval", OPT_STRING, false, "SECS", "60",
	 "(testing) seconds between pings; no pong by the next one disconnects"},
	{"dev-gossip-interval", OPT_STRING, false, "SECS", "60",
	 "(testing) seconds between staggered gossip broadcasts"},
	{"dev-peer-write-timeout", OPT_STRING, false, "SECS", "60",
	 "(testing) seconds a peer may accept none of what we send before it is dropped"},
	{"bitcoin-rpcconnect", OPT_STRING, false, "HOST", "127.0.0.1",
	 "host of bitcoind's JSON-RPC"},
	{"bitcoin-rpcport", OPT_STRING, false, "PORT", NULL,
	 "port of bitcoind's JSON-RPC (default 8332, 18332, 38332 or 18443 by network)"},
	{"bitcoin-rpcuser", OPT_STRING, false, "USER", NULL,
	 "bitcoind RPC user (default: bitcoind's .cookie file)"},
	{"bitcoin-rpcpassword", OPT_STRING, false, "PASSWORD", NULL,
	 "bitcoind RPC password (with bitcoin-rpcuser)"},
	{"bitcoin-datadir", OPT_STRING, false, "DIR", NULL,
	 "bitcoind's data directory, where its .cookie is (default ~/.bitcoin)"},
	{"dev-poll-interval", OPT_STRING, false, "SECS", "30",
	 "(testing) seconds between polls of bitcoind for new blocks"},
	{"dev-fundee-timeout", OPT_STRING, false, "BLOCKS", "2016",
	 "(testing) blocks a fundee waits for the funding transaction before forgetting"},
	{"dev-hold-htlcs", OPT_FLAG, false, NULL, NULL,
	 "(testing) hold HTLCs with an all-zero onion (dev-sendhtlc's) for dev-fulfillhtlc"},
	{"dev-update-refresh", OPT_STRING, false, "SECS", "1123200",
	 "(testing) seconds after which our channel_update is signed again (13 days)"},
	{"dev-mpp-timeout", OPT_STRING, false, "SECS", "60",
	 "(testing) seconds the parts of a multi-part payment to us wait for the rest"},
	{"dev-commit-delay", OPT_STRING, false, "MSECS", "0",
	 "(testing) milliseconds the channels' group transaction waits before its commit"},
	{"dev-fault-io", OPT_STRING, false, "KIND:N[+]", NULL,
	 "(testing) the Nth SQLite write, fsync or lock fails (KIND write, fsync, lock; full: "
	 "disk full); N+: and every later one"},
	{"funding-confirms", OPT_STRING, false, "BLOCKS", "3",
	 "confirmations we ask of a channel's funding transaction before using it"},
	{"fee-base", OPT_STRING, false, "MSAT", "1000",
	 "base fee we charge for forwarding a payment, in millisatoshi"},
	{"fee-per-satoshi", OPT_STRING, false, "PPM", "10",
	 "proportional fee we charge for forwarding, in millionths of the amount"},
	{"cltv-delta", OPT_STRING, false, "BLOCKS", "34",
	 "blocks we ask between an incoming and an outgoing HTLC we forward"},
	{"cltv-final", OPT_STRING, false, "BLOCKS", "24",
	 "min_final_cltv_expiry_delta our invoices ask for"},
	{"max-fee-multiplier", OPT_STRING, false, "N", "10",
	 "highest commitment feerate we accept from a peer, in times our urgent estimate"},
	{"max-concurrent-htlcs", OPT_STRING, false, "N", "483",
	 "HTLCs a peer may offer us at once in a new channel (max_accepted_htlcs, 1 to 483)"},
	{"anchors", OPT_FLAG, false, NULL, "true",
	 "offer and accept anchor channels (option_anchors); =false: static_remotekey only"},
	{"min-emergency-msat", OPT_STRING, false, "MSAT", "25000000",
	 "wallet reserve kept for fee-bumping force closes while anchor channels are open"},
	{"worker-threads", OPT_STRING, false, "N", NULL,
	 "threads signing and verifying commitments, ours included (default: the cores, at most 8)"},
};
#define NUM_OPTIONS (sizeof(options) / sizeof(options[0]))
/* Past a few threads, the loop thread and the database are the limit. */
#define CONFIG_MAX_DEFAULT_WORKERS 8

struct config_setting {
	const struct config_option *option;
	char *value;		/* NULL for a flag */
	char *source;		/* "cmdline" or "FILE:LINE" */
	bool is_cmdline;
};

static const struct config_option *option_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NUM_OPTIONS; i++)
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

struct config *config_new(void)
{
	struct config *config = oh_calloc(1, sizeof(*config));

	config->log_level = LOG_INFO;
	return config;
}

void config_free(struct config *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < config->num_settings; i++) {
		free(config->settings[i].value);
		free(config->settings[i].source);
	}
	free(config->settings);
	free(config->ohm_dir);
	free(config->net_dir);
	free(config->addrs);
	free(config->announce_addrs);
	free(config->alias);
	free(config->log_file);
	free(config->rpc_file);
	free(config->conf_file);
	free(config->bitcoin_rpcconnect);
	free(config->bitcoin_rpcuser);
	free(config->bitcoin_rpcpassword);
	free(config->bitcoin_datadir);
	free(config);
}

static void setting_add(struct config *config, const struct config_option *option,
			const char *value, size_t value_len, const char *source,
			bool is_cmdline)
{
	struct config_setting *setting;

	config->settings = oh_realloc(config->settings,
				      (config->num_settings + 1) * sizeof(*config->settings));
	setting = &config->settings[config->num_settings];
	setting->option = option;
	setting->value = value ? oh_strndup(value, value_len) : NULL;
	setting->source = oh_strdup(source);
	setting->is_cmdline = is_cmdline;
	config->num_settings++;
}

/* The winning setting of a single-valued option, or NULL. */
static const struct config_setting *setting_last(const struct config *config,
						 const char *name)
{
	const struct config_setting *found = NULL;
	for (size_t i = 0; i < config->num_settings; i++) {
		const struct config_setting *s = &config->settings[i];
		if (strcmp(s->option->name, name) != 0)
			continue;
		/* The command line wins over the file, whatever the order. */
		if (!found || s->is_cmdline || !found->is_cmdline)
			found = s;
	}
	return found;
}

static bool cmdline_has(const struct config *config, const char *name)
{
	for (size_t i = 0; i < config->num_settings; i++)
		if (config->settings[i].is_cmdline
		    && strcmp(config->settings[i].option->name, name) == 0)
			return true;
	return false;
}

enum config_result config_parse_args(struct config *config, int argc,
				     char *const argv[], char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *name, *eq, *value = NULL;
		size_t name_len;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return CONFIG_HELP;
		if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0)
			return CONFIG_VERSION;
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument '%s' (options start with --)", arg);
			return CONFIG_ERROR;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		name_len = eq ? (size_t)(eq - name) : strlen(name);
		const struct config_option *option = option_find(name, name_len);
		if (!option) {
			snprintf(err, errlen, "unknown option '--%.*s' (see --help)", (int)name_len, name);
			return CONFIG_ERROR;
		}
		if (eq)
			value = eq + 1;
		else if (option->kind != OPT_FLAG) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '--%s' needs a value", option->name);
				return CONFIG_ERROR;
			}
			value = argv[++i];
		}
		setting_add(config, option, value, value ? strlen(value) : 0, "cmdline", true);
	}
	return CONFIG_OK;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static const char *trim_end(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end;
}

bool config_parse_file_text(struct config *config, const char *path,
			    const char *text, char *err, size_t errlen)
{
	const char *line = text;
	for (unsigned line_no = 1; *line; line_no++) {
		const char *line_end = strchr(line, '\n');
		const char *next = line_end ? line_end + 1 : line + strlen(line);
		const char *hash, *eq, *key, *key_end, *value = NULL, *value_end = NULL;
		char source[4200];

		if (!line_end)
			line_end = next;
		hash = memchr(line, '#', (size_t)(line_end - line));
		if (hash)
			line_end = hash;
		key = skip_space(line, line_end);
		line_end = trim_end(key, line_end);
		if (key == line_end) {
			line = next;
			continue;
		}
		eq = memchr(key, '=', (size_t)(line_end - key));
		key_end = trim_end(key, eq ? eq : line_end);
		if (eq) {
			value = skip_space(eq + 1, line_end);
			value_end = line_end;
		}

		const struct config_option *option = option_find(key, (size_t)(key_end - key));
		if (!option) {
			snprintf(err, errlen, "%s:%u: unknown option '%.*s'", path, line_no,
				 (int)(key_end - key), key);
			return false;
		}
		if (option->is_cmdline_only) {
			snprintf(err, errlen, "%s:%u: option '%s' is only valid on the command line",
				 path, line_no, option->name);
			return false;
		}
		if (!eq && option->kind != OPT_FLAG) {
			snprintf(err, errlen, "%s:%u: expected '%s=VALUE'", path, line_no, option->name);
			return false;
		}
		snprintf(source, sizeof(source), "%s:%u", path, line_no);
		setting_add(config, option, value, value ? (size_t)(value_end - value) : 0, source,
			    false);
		line = next;
	}
	return true;
}

static char *path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + 1 + strlen(name) + 1;
	char *path;

	if (name[0] == '/')
		return oh_strdup(name);
	path = oh_malloc(len);
	snprintf(path, len, "%s/%s", dir, name);
	return path;
}

/* A path argument made absolute against the current directory, so it
 * survives --daemon's chdir("/"). */
static char *path_absolute(const char *path)
{
	char cwd[4096];

	if (path[0] == '/')
		return oh_strdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	return path_join(cwd, path);
}

static char *ohm_dir_path(const struct config *config, const char *home)
{
	const struct config_setting *dir = setting_last(config, "ohm-dir");

	if (!dir)
		return path_join(home ? home : "/", ".ohm");
	return path_absolute(dir->value);
}

char *config_file_path(const struct config *config, const char *home,
		       bool *is_explicit)
{
	const struct config_setting *conf = setting_last(config, "conf");
	char *dir, *path;

	*is_explicit = conf != NULL;
	if (conf)
		return path_absolute(conf->value);
	dir = ohm_dir_path(config, home);
	path = dir ? path_join(dir, "config") : NULL;
	free(dir);
	return path;
}

bool config_load_file(struct config *config, const char *home, char *err, size_t errlen)
{
	bool is_explicit, ok;
	char *path = config_file_path(config, home, &is_explicit);
	FILE *file;
	char *text = NULL;
	size_t text_len = 0;

	if (!path) {
		snprintf(err, errlen, "cannot work out the config file path");
		return false;
	}
	file = fopen(path, "r");
	if (!file) {
		ok = (errno == ENOENT && !is_explicit);
		if (!ok)
			snprintf(err, errlen, "cannot read config file %s: %s", path, strerror(errno));
		free(path);
		return ok;
	}
	FILE *mem = open_memstream(&text, &text_len);
	char chunk[4096];
	size_t n;
	while (mem && (n = fread(chunk, 1, sizeof(chunk), file)) > 0)
		fwrite(chunk, 1, n, mem);
	ok = mem && !ferror(file);
	if (mem)
		fclose(mem);
	fclose(file);
	if (!ok) {
		snprintf(err, errlen, "cannot read config file %s", path);
	} else if (memchr(text, '\0', text_len)) {
		snprintf(err, errlen, "config file %s contains a NUL byte", path);
		ok = false;
	} else {
		ok = config_parse_file_text(config, path, text, err, errlen);
	}
	free(text);
	free(path);
	return ok;
}

static bool parse_bool_value(const struct config_setting *s, bool *out, char *err, size_t errlen)
{
	if (!s->value || strcmp(s->value, "true") == 0 || strcmp(s->value, "1") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(s->value, "false") == 0 || strcmp(s->value, "0") == 0) {
		*out = false;
		return true;
	}
	snprintf(err, errlen, "%s: option '%s' takes no value or true/false, not '%s'",
		 s->source, s->option->name, s->value);
	return false;
}

static bool finalize_addr_list(struct config *config, const char *name, struct netaddr **addrs,
			       size_t *num, char *err, size_t errlen)
{
	bool use_cmdline = cmdline_has(config, name);
	for (size_t i = 0; i < config->num_settings; i++) {
		const struct config_setting *s = &config->settings[i];
		char why[400];
		if (strcmp(s->option->name, name) != 0 || s->is_cmdline != use_cmdline)
			continue;
		*addrs = oh_realloc(*addrs, (*num + 1) * sizeof(**addrs));
		if (!netaddr_parse(&(*addrs)[*num], s->value,
				   config->chainparams->default_lightning_port, why, sizeof(why))) {
			snprintf(err, errlen, "%s: option '%s': %s", s->source, name, why);
			return false;
		}
		(*num)++;
	}
	return true;
}

static bool finalize_addrs(struct config *config, char *err, size_t errlen)
{
	return finalize_addr_list(config, "addr", &config->addrs, &config->num_addrs, err, errlen)
		&& finalize_addr_list(config, "announce-addr", &config->announce_addrs,
				      &config->num_announce_addrs, err, errlen);
}

/* A whole number of seconds from 1 to a day. */
/* An option that is a whole number of what (e.g. "seconds") from min to
 * max; *out is left alone if it is not set. */
static bool finalize_number(struct config *config, const char *name, const char *what,
			    unsigned long min, unsigned long max, unsigned *out,
			    char *err, size_t errlen)
{
	const struct config_setting *s = setting_last(config, name);
	char *end;
	unsigned long value;

	if (!s)
		return true;
	value = strtoul(s->value, &end, 10);
	if (!*s->value || *end || s->value[0] == '-' || value < min || value > max) {
		snprintf(err, errlen, "%s: option '%s' must be a number of %s from %lu to %lu, not '%s'",
			 s->source, name, what, min, max, s->value);
		return false;
	}
	*out = (unsigned)value;
	return true;
}

static bool finalize_seconds(struct config *config, const char *name, unsigned *out,
			     char *err, size_t errlen)
{
	return finalize_number(config, name, "seconds", 1, 86400, out, err, errlen);
}

/* The bitcoin-* options: where bitcoind's JSON-RPC is and how to log in. */
static bool finalize_bitcoind(struct config *config, const char *home, char *err, size_t errlen)
{
	const struct config_setting *s, *user, *password;

	s = setting_last(config, "bitcoin-rpcconnect");
	if (s && !*s->value) {
		snprintf(err, errlen, "%s: option 'bitcoin-rpcconnect' is empty", s->source);
		return false;
	}
	config->bitcoin_rpcconnect = oh_strdup(s ? s->value : "127.0.0.1");

	config->bitcoin_rpcport = config->chainparams->default_bitcoin_rpc_port;
	if ((s = setting_last(config, "bitcoin-rpcport")) != NULL) {
		char *end;
		unsigned long port = strtoul(s->value, &end, 10);
		if (!*s->value || *end || s->value[0] == '-' || port < 1 || port > 65535) {
			snprintf(err, errlen, "%s: option 'bitcoin-rpcport' must be a port from 1 to "
				 "65535, not '%s'", s->source, s->value);
			return false;
		}
		config->bitcoin_rpcport = (uint16_t)port;
	}

	user = setting_last(config, "bitcoin-rpcuser");
	password = setting_last(config, "bitcoin-rpcpassword");
	if ((user != NULL) != (password != NULL)) {
		snprintf(err, errlen, "%s: option '%s' needs '%s' too (or neither, to use "
			 "bitcoind's .cookie file)", (user ? user : password)->source,
			 user ? "bitcoin-rpcuser" : "bitcoin-rpcpassword",
			 user ? "bitcoin-rpcpassword" : "bitcoin-rpcuser");
		return false;
	}
	if (user) {
		config->bitcoin_rpcuser = oh_strdup(user->value);
		config->bitcoin_rpcpassword = oh_strdup(password->value);
	}

	s = setting_last(config, "bitcoin-datadir");
	if (s && !*s->value) {
		snprintf(err, errlen, "%s: option 'bitcoin-datadir' is empty", s->source);
		return false;
	}
	config->bitcoin_datadir = s ? path_absolute(s->value) : path_join(home ? home : "/",
									   ".bitcoin");
	if (!config->bitcoin_datadir) {
		snprintf(err, errlen, "cannot read the current directory: %s", strerror(errno));
		return false;
	}
	return true;
}

bool config_finalize(struct config *config, const char *home, char *err, size_t errlen)
{
	const struct config_setting *s;
	bool is_explicit;

	config->ohm_dir = ohm_dir_path(config, home);
	config->conf_file = config_file_path(config, home, &is_explicit);
	if (!config->ohm_dir || !config->conf_file) {
		snprintf(err, errlen, "cannot work out the data directory path");
		return false;
	}

	s = setting_last(config, "network");
	config->chainparams = chainparams_for_network(s ? s->value : "regtest");
	if (!config->chainparams) {
		snprintf(err, errlen, "%s: option 'network' must be one of %s, not '%s'",
			 s->source, chainparams_network_names(), s->value);
		return false;
	}
	config->net_dir = path_join(config->ohm_dir, config->chainparams->network);

	if (!finalize_addrs(config, err, errlen))
		return false;

	if ((s = setting_last(config, "alias")) != NULL) {
		/* BOLT #7: [`32*byte`:`alias`] */
		if (strlen(s->value) > 32) {
			snprintf(err, errlen, "%s: option 'alias' is %zu bytes, at most 32 allowed",
				 s->source, strlen(s->value));
			return false;
		}
		config->alias = oh_strdup(s->value);
	}

	if ((s = setting_last(config, "rgb")) != NULL) {
		if (!hex_decode(config->rgb, 3, s->value, strlen(s->value))) {
			snprintf(err, errlen, "%s: option 'rgb' must be 6 hex digits (RRGGBB), not '%s'",
				 s->source, s->value);
			return false;
		}
		config->has_rgb = true;
	}

	if ((s = setting_last(config, "log-level")) != NULL
	    && !log_level_parse(s->value, &config->log_level)) {
		snprintf(err, errlen,
			 "%s: option 'log-level' must be io, debug, info, unusual or broken, not '%s'",
			 s->source, s->value);
		return false;
	}

	if ((s = setting_last(config, "log-file")) != NULL) {
		if (!*s->value) {
			snprintf(err, errlen, "%s: option 'log-file' is empty", s->source);
			return false;
		}
		config->log_file = path_join(config->net_dir, s->value);
	}

	if ((s = setting_last(config, "daemon")) != NULL
	    && !parse_bool_value(s, &config->daemonize, err, errlen))
		return false;
	/* Its syntax is db/'s (db_fault_spec_parse), checked as ohmd opens
	 * the database. */
	if ((s = setting_last(config, "dev-fault-io")) != NULL)
		config->dev_fault_io = s->value;
	if ((s = setting_last(config, "dev-hold-htlcs")) != NULL
	    && !parse_bool_value(s, &config->dev_hold_htlcs, err, errlen))
		return false;
	config->anchors = true;
	if ((s = setting_last(config, "anchors")) != NULL
	    && !parse_bool_value(s, &config->anchors, err, errlen))
		return false;
	if (config->daemonize && !config->log_file)
		config->log_file = path_join(config->net_dir, "log");

	if (!finalize_seconds(config, "dev-handshake-timeout", &config->dev_handshake_timeout_secs,
			      err, errlen)
	    || !finalize_seconds(config, "dev-ping-interval", &config->dev_ping_interval_secs,
				 err, errlen)
	    || !finalize_seconds(config, "dev-gossip-interval", &config->dev_gossip_interval_secs,
				 err, errlen)
	    || !finalize_seconds(config, "dev-peer-write-timeout",
				 &config->dev_peer_write_timeout_secs, err, errlen)
	    || !finalize_seconds(config, "dev-mpp-timeout", &config->dev_mpp_timeout_secs,
				 err, errlen))
		return false;

	config->funding_confirms = 3;
	config->fundee_timeout_blocks = 2016;
	config->fee_base_msat = 1000;
	config->fee_per_satoshi = 10;
	config->cltv_delta = 34;
	/* Core Lightning asks for 18, which leaves a payee paid with
	 * exactly that 1 block before its fulfillment deadline (17 blocks
	 * before expiry with --cltv-delta=34, channel/deadline.h); LDK asks
	 * for 24, Eclair 30, LND 80. */
	config->cltv_final = 24;
	config->max_fee_multiplier = 10;
	config->max_concurrent_htlcs = CHANNEL_MAX_ACCEPTED_HTLCS_LIMIT;
	config->worker_threads = workpool_cores() < CONFIG_MAX_DEFAULT_WORKERS
		? workpool_cores() : CONFIG_MAX_DEFAULT_WORKERS;
	config->min_emergency_msat = 25000000;
	if (!finalize_seconds(config, "dev-poll-interval", &config->dev_poll_interval_secs,
			      err, errlen)
	    || !finalize_number(config, "funding-confirms", "blocks", 1, 100,
				&config->funding_confirms, err, errlen)
	    || !finalize_number(config, "dev-fundee-timeout", "blocks", 1, 100000,
				&config->fundee_timeout_blocks, err, errlen)
	    || !finalize_number(config, "dev-update-refresh", "seconds", 1, 1209599,
				&config->dev_update_refresh_secs, err, errlen)
	    || !finalize_number(config, "dev-commit-delay", "milliseconds", 0, 10000,
				&config->dev_commit_delay_msecs, err, errlen)
	    || !finalize_number(config, "worker-threads", "threads", 1, WORKPOOL_MAX_THREADS,
				&config->worker_threads, err, errlen)
	    || !finalize_number(config, "fee-base", "millisatoshi", 0, UINT32_MAX,
				&config->fee_base_msat, err, errlen)
	    || !finalize_number(config, "fee-per-satoshi", "millionths", 0, 1000000,
				&config->fee_per_satoshi, err, errlen)
	    || !finalize_number(config, "cltv-delta", "blocks", 9, 2016,
				&config->cltv_delta, err, errlen)
	    || !finalize_number(config, "cltv-final", "blocks", 9, 2016,
				&config->cltv_final, err, errlen)
	    || !finalize_number(config, "max-fee-multiplier", "times", 1, 1000,
				&config->max_fee_multiplier, err, errlen)
	    || !finalize_number(config, "max-concurrent-htlcs", "HTLCs", 1,
				CHANNEL_MAX_ACCEPTED_HTLCS_LIMIT, &config->max_concurrent_htlcs, err, errlen)
	    || !finalize_number(config, "min-emergency-msat", "millisatoshi", 0, UINT32_MAX,
				&config->min_emergency_msat, err, errlen)
	    || !finalize_bitcoind(config, home, err, errlen))
		return false;

	s = setting_last(config, "rpc-file");
	if (s && !*s->value) {
		snprintf(err, errlen, "%s: option 'rpc-file' is empty", s->source);
		return false;
	}
	config->rpc_file = path_join(config->net_dir, s ? s->value : "ohm-rpc");
	if (!config->net_dir || !config->rpc_file || (config->daemonize && !config->log_file)) {
		snprintf(err, errlen, "cannot read the current directory: %s", strerror(errno));
		return false;
	}
	return true;
}

void config_print_usage(FILE *out, const char *program)
{
	fprintf(out, "Usage: %s [OPTIONS]\n\nA Lightning Network node.\n\nOptions:\n", program);
	for (size_t i = 0; i < NUM_OPTIONS; i++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", options[i].name,
			 options[i].arg ? "=" : "", options[i].arg ? options[i].arg : "");
		fprintf(out, "  %-24s %s%s%s%s\n", left, options[i].help,
			options[i].default_value ? " (default " : "",
			options[i].default_value ? options[i].default_value : "",
			options[i].default_value ? ")" : "");
	}
	fprintf(out, "  %-24s %s\n  %-24s %s\n", "--help", "show this help",
		"--version", "show the version");
	fprintf(out, "\nThe config file takes the same options as key=value lines.\n");
}

static bool option_is_secret(const struct config_option *option)
{
	return strcmp(option->name, "bitcoin-rpcpassword") == 0;
}

/* The value an option has in effect, as listconfigs shows it. */
static void option_shown(const struct config *config, const struct config_option *option,
			 struct config_shown *out)
{
	const struct config_setting *s;

	memset(out, 0, sizeof(*out));
	out->name = option->name;
	if (option->kind == OPT_MULTI) {
		bool use_cmdline = cmdline_has(config, option->name);

		out->kind = CONFIG_SHOWN_VALUES;
		out->values = oh_calloc(config->num_settings + 1, sizeof(*out->values));
		out->sources = oh_calloc(config->num_settings + 1, sizeof(*out->sources));
		for (size_t i = 0; i < config->num_settings; i++) {
			s = &config->settings[i];
			if (s->option != option || s->is_cmdline != use_cmdline)
				continue;
			out->values[out->num_values] = s->value;
			out->sources[out->num_values++] = s->source;
		}
		return;
	}

	s = setting_last(config, option->name);
	out->source = s ? s->source : "default";
	out->kind = CONFIG_SHOWN_VALUE;
	if (option->kind == OPT_FLAG) {
		out->kind = CONFIG_SHOWN_FLAG;
		out->set = option->default_value && strcmp(option->default_value, "true") == 0;
		if (s)
			parse_bool_value(s, &out->set, NULL, 0);
	} else if (strcmp(option->name, "ohm-dir") == 0) {
		out->value = config->ohm_dir;
	} else if (strcmp(option->name, "conf") == 0) {
		out->value = config->conf_file;
	} else if (!s && strcmp(option->name, "bitcoin-rpcport") == 0 && config->chainparams) {
		snprintf(out->number, sizeof(out->number), "%u", config->bitcoin_rpcport);
		out->value = out->number;
	} else if (!s && strcmp(option->name, "bitcoin-datadir") == 0 && config->bitcoin_datadir) {
		out->value = config->bitcoin_datadir;
	} else if (s && option_is_secret(option)) {
		/* A password is not for RPC clients to read back. */
		out->value = "(redacted)";
	} else if (s) {
		out->value = s->value;
	} else if (option->default_value) {
		out->value = option->default_value;
	} else {
		out->kind = CONFIG_SHOWN_NOTHING;	/* unset, no default worth showing */
	}
}

bool config_show(const struct config *config, const char *name,
		 void (*fn)(void *arg, const struct config_shown *shown), void *arg)
{
	bool found = false;

	for (size_t i = 0; i < NUM_OPTIONS; i++) {
		struct config_shown shown;

		if (name && strcmp(name, options[i].name) != 0)
			continue;
		found = true;
		option_shown(config, &options[i], &shown);
		fn(arg, &shown);
		free(shown.values);
		free(shown.sources);
	}
	return found;
}
