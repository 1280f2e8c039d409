/* ohm-devchain: a local regtest chain serving Bitcoin Core's JSON-RPC, for
 * ohm's demo and tests.
 *
 * Start-up: options, the data directory and its lock, the chain (and the
 * persisted mempool), the RPC listener, then the cookie file, so a client
 * that finds the cookie finds a server ready to answer.  SIGTERM, SIGINT
 * and the `stop` RPC end the loop; shutdown removes the cookie and closes
 * the database.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/hex.h"
#include "contrib/devchain/devchain.h"
#include "contrib/devchain/server.h"
#include "crypto/util.h"

#define COOKIE_USER "__cookie__"
#define DEFAULT_RPC_PORT 18443

struct options {
	const char *datadir;
	const char *rpcbind;
	const char *rpcuser;
	const char *rpcpassword;
	long rpcport;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: ohm-devchain --datadir DIR [options]\n"
		"\n"
		"A local regtest chain for ohm's demo and tests.  It serves Bitcoin Core's\n"
		"JSON-RPC (the chain, raw transactions, the mempool, generatetoaddress,\n"
		"generateblock, invalidateblock...) so a Core client works unchanged.\n"
		"\n"
		"Options (Core's spelling, -opt=value, also works):\n"
		"  --datadir DIR        where blocks, coins and the mempool live (created\n"
		"                       if missing); DIR/.cookie holds the RPC cookie\n"
		"  --rpcport PORT       JSON-RPC port (default %d)\n"
		"  --rpcbind ADDR       address to listen on (default 127.0.0.1)\n"
		"  --rpcuser USER       with --rpcpassword: accept this login as well as\n"
		"  --rpcpassword PASS   the cookie (\"__cookie__:<hex>\" in DIR/.cookie)\n"
		"  --regtest            accepted and ignored (always regtest)\n"
		"  --help               show this text\n"
		"  --version            show the version\n",
		DEFAULT_RPC_PORT);
}

/* Matches "--name", "-name", with the value after "=" or as the next
 * argument.  Returns: the value, or NULL if argv[*i] is not this option. */
static const char *option_value(int argc, char **argv, int *i, const char *name,
				bool *missing)
{
	const char *arg = argv[*i];
	size_t len = strlen(name);

	if (arg[0] != '-')
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;
	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static bool is_flag(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return false;
	arg += arg[1] == '-' ? 2 : 1;
	return strcmp(arg, name) == 0 || (strncmp(arg, name, strlen(name)) == 0
					  && strcmp(arg + strlen(name), "=1") == 0);
}

/* Returns: 0 to run, 1 on an error (reported), 2 after --help/--version. */
static int parse_options(struct options *opts, int argc, char **argv)
{
	static const char *const names[] = {"datadir", "rpcbind", "rpcuser",
					    "rpcpassword", "rpcport"};

	opts->rpcbind = "127.0.0.1";
	opts->rpcport = DEFAULT_RPC_PORT;
	for (int i = 1; i < argc; i++) {
		const char *value = NULL;
		bool missing = false;
		size_t which;

		if (is_flag(argv[i], "help") || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 2;
		}
		if (is_flag(argv[i], "version")) {
			printf("ohm-devchain %s (mirrors Bitcoin Core 28.0 RPC)\n", OHM_VERSION);
			return 2;
		}
		if (is_flag(argv[i], "regtest"))
			continue;
		for (which = 0; which < sizeof(names) / sizeof(names[0]); which++) {
			value = option_value(argc, argv, &i, names[which], &missing);
			if (value || missing)
				break;
		}
		if (missing) {
			fprintf(stderr, "ohm-devchain: %s needs a value\n", argv[i]);
			return 1;
		}
		if (!value) {
			fprintf(stderr, "ohm-devchain: unknown option %s (see --help)\n", argv[i]);
			return 1;
		}
		if (which == 0) {
			opts->datadir = value;
		} else if (which == 1) {
			opts->rpcbind = value;
		} else if (which == 2) {
			opts->rpcuser = value;
		} else if (which == 3) {
			opts->rpcpassword = value;
		} else {
			char *end;
			errno = 0;
			opts->rpcport = strtol(value, &end, 10);
			if (errno || *end || end == value || opts->rpcport < 1
			    || opts->rpcport > 65535) {
				fprintf(stderr, "ohm-devchain: invalid port %s\n", value);
				return 1;
			}
		}
	}
	if (!opts->datadir) {
		fprintf(stderr, "ohm-devchain: --datadir is required (see --help)\n");
		return 1;
	}
	if (strlen(opts->datadir) > 4000) {
		fprintf(stderr, "ohm-devchain: --datadir is too long\n");
		return 1;
	}
	if (!opts->rpcuser != !opts->rpcpassword) {
		fprintf(stderr, "ohm-devchain: --rpcuser and --rpcpassword go together\n");
		return 1;
	}
	if (opts->rpcuser && strchr(opts->rpcuser, ':')) {
		fprintf(stderr, "ohm-devchain: --rpcuser cannot contain ':'\n");
		return 1;
	}
	return 0;
}

/* Core's cookie: "__cookie__:" and 32 random bytes in hex, written to a
 * temporary file and renamed, readable by the owner only. */
static bool write_cookie(const char *path, char *cookie, size_t cookie_len)
{
	char tmp[4200];
	uint8_t secret[32];
	char hex[65];
	int fd;
	bool ok;

	crypto_random_bytes(secret, sizeof(secret));
	hex_encode(hex, secret, sizeof(secret));
	crypto_wipe(secret, sizeof(secret));
	snprintf(cookie, cookie_len, "%s:%s", COOKIE_USER, hex);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return false;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return false;
	ok = write(fd, cookie, strlen(cookie)) == (ssize_t)strlen(cookie);
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return false;
	}
	return true;
}

static void on_signal(evutil_socket_t signo, short events, void *arg)
{
	struct event_base *base = arg;
	fprintf(stderr, "ohm-devchain: received %s, shutting down\n",
		signo == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopexit(base, NULL);
}

/* Takes the data directory's lock.  Returns: the lock's fd, or -1. */
static int lock_datadir(const char *datadir)
{
	char path[4200];
	int fd;

	if (snprintf(path, sizeof(path), "%s/.lock", datadir) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run(const struct options *opts)
{
	struct devchain d;
	struct event_base *base = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	struct server *server = NULL;
	char err[4400], cookie_path[4200], cookie[128], user_pass[1024];
	struct server_config cfg;
	int lock_fd, status = 1;
	bool have_cookie = false, have_chain = false;

	if (mkdir(opts->datadir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "ohm-devchain: cannot create %s: %s\n", opts->datadir,
			strerror(errno));
		return 1;
	}
	lock_fd = lock_datadir(opts->datadir);
	if (lock_fd < 0) {
		fprintf(stderr, "ohm-devchain: Cannot obtain a lock on data directory %s. "
			"ohm-devchain is probably already running.\n", opts->datadir);
		return 1;
	}
	/* devchain_close() also undoes a devchain_open() that failed. */
	have_chain = true;
	if (!devchain_open(&d, opts->datadir, err, sizeof(err))) {
		fprintf(stderr, "ohm-devchain: %s\n", err);
		goto out;
	}
	base = event_base_new();
	if (!base) {
		fprintf(stderr, "ohm-devchain: cannot create the event loop\n");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	/* Core reopens its log on SIGHUP; there is no log file to reopen. */
	signal(SIGHUP, SIG_IGN);
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (!sigterm || !sigint || event_add(sigterm, NULL) || event_add(sigint, NULL)) {
		fprintf(stderr, "ohm-devchain: cannot handle signals\n");
		goto out;
	}
	if (snprintf(cookie_path, sizeof(cookie_path), "%s/.cookie", opts->datadir)
	    >= (int)sizeof(cookie_path)
	    || !write_cookie(cookie_path, cookie, sizeof(cookie))) {
		fprintf(stderr, "ohm-devchain: cannot write %s: %s\n", cookie_path,
			strerror(errno));
		goto out;
	}
	have_cookie = true;
	cfg.bind = opts->rpcbind;
	cfg.port = (uint16_t)opts->rpcport;
	cfg.cookie = cookie;
	cfg.user_pass = NULL;
	if (opts->rpcuser) {
		snprintf(user_pass, sizeof(user_pass), "%s:%s", opts->rpcuser, opts->rpcpassword);
		cfg.user_pass = user_pass;
	}
	server = server_start(base, &d, &cfg, err, sizeof(err));
	crypto_wipe(user_pass, sizeof(user_pass));
	if (!server) {
		fprintf(stderr, "ohm-devchain: %s\n", err);
		goto out;
	}
	fprintf(stderr, "ohm-devchain: regtest chain at height %u, %zu mempool "
		"transactions; JSON-RPC on %s:%ld\n", chain_tip(d.chain)->height,
		mempool_count(d.mempool), opts->rpcbind, opts->rpcport);
	event_base_dispatch(base);
	fprintf(stderr, "ohm-devchain: stopped at height %u\n", chain_tip(d.chain)->height);
	status = 0;
out:
	server_free(server);
	if (have_cookie)
		unlink(cookie_path);
	crypto_wipe(cookie, sizeof(cookie));
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (base)
		event_base_free(base);
	if (have_chain)
		devchain_close(&d);
	close(lock_fd);
	return status;
}

int main(int argc, char **argv)
{
	struct options opts = {0};
	int parsed = parse_options(&opts, argc, argv);

	if (parsed)
		return parsed == 2 ? 0 : 1;
	if (!crypto_init()) {
		fprintf(stderr, "ohm-devchain: cannot initialise libsodium\n");
		return 1;
	}
	return run(&opts);
}
