/* Fuzz target: the config file parser and validation, and host:port
 * parsing, on arbitrary text.
 *
 * A config that is accepted is written back as a config file from what
 * listconfigs shows of it (config_show()); that file must be accepted too
 * and show the same: the parser reads what it shows.  Accepted typed
 * values are in range (an alias fits BOLT #7's 32 bytes, paths are
 * absolute, ports are not 0).  An accepted host:port, written back, parses
 * to the same host and port. */
#include <stdlib.h>
#include <string.h>

#include "bitcoin/chainparams.h"
#include "common/netaddr.h"
#include "daemon/config.h"
#include "tests/fuzz/fuzz.h"

/* Seeds are hex of text lines. */
const struct fuzz_seed fuzz_seeds[] = {
	/* "alias=bob\nnetwork=signet\naddr=[::1]:9735\ndaemon\n" */
	{"616c6961733d626f620a6e6574776f726b3d7369676e65740a616464723d5b3a3a315d3a393733350a6461656d6f6e0a"},
	/* "# c\nrgb=ff0080\nlog-level=debug # x\n" */
	{"2320630a7267623d6666303038300a6c6f672d6c6576656c3d6465627567202320780a"},
	/* "127.0.0.1:9735" */
	{"3132372e302e302e313a39373335"},
	/* "network=bitcoin\naddr=0.0.0.0:9735\naddr=[::]:9736\nannounce-addr=example.com\n
	 *  anchors=false\nfee-base=0\nfee-per-satoshi=1\ncltv-delta=40\ncltv-final=18\n
	 *  bitcoin-rpcconnect=10.0.0.1\nbitcoin-rpcport=8332\nbitcoin-rpcuser=u\n
	 *  bitcoin-rpcpassword=p\nworker-threads=2\nlog-file=ohm.log\nrpc-file=rpc\n
	 *  funding-confirms=6\nmax-fee-multiplier=5\nmin-emergency-msat=0\n
	 *  dev-hold-htlcs=true\n" */
	{"6e6574776f726b3d626974636f696e0a616464723d302e302e302e303a393733350a616464723d5b3a3a5d3a"
	 "393733360a616e6e6f756e63652d616464723d6578616d706c652e636f6d0a616e63686f72733d66616c7365"
	 "0a6665652d626173653d300a6665652d7065722d7361746f7368693d310a636c74762d64656c74613d34300a"
	 "636c74762d66696e616c3d31380a626974636f696e2d727063636f6e6e6563743d31302e302e302e310a6269"
	 "74636f696e2d727063706f72743d383333320a626974636f696e2d727063757365723d750a626974636f696e"
	 "2d72706370617373776f72643d700a776f726b65722d746872656164733d320a6c6f672d66696c653d6f686d"
	 "2e6c6f670a7270632d66696c653d7270630a66756e64696e672d636f6e6669726d733d360a6d61782d666565"
	 "2d6d756c7469706c6965723d350a6d696e2d656d657267656e63792d6d7361743d300a6465762d686f6c642d"
	 "68746c63733d747275650a"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

struct text {
	char *buf;
	size_t len;
};

static void append(struct text *t, const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c);

	t->buf = realloc(t->buf, t->len + n + 1);
	strcpy(t->buf + t->len, a);
	strcat(t->buf + t->len, b);
	strcat(t->buf + t->len, c);
	t->len += n;
}

/* What listconfigs shows, without where it came from. */
static void shown_text(void *arg, const struct config_shown *shown)
{
	struct text *t = arg;

	switch (shown->kind) {
	case CONFIG_SHOWN_NOTHING:
		append(t, shown->name, " unset", "\n");
		break;
	case CONFIG_SHOWN_FLAG:
		append(t, shown->name, "=", shown->set ? "true\n" : "false\n");
		break;
	case CONFIG_SHOWN_VALUE:
		append(t, shown->name, "=", shown->value);
		append(t, "\n", "", "");
		break;
	case CONFIG_SHOWN_VALUES:
		for (size_t i = 0; i < shown->num_values; i++) {
			append(t, shown->name, "=", shown->values[i]);
			append(t, "\n", "", "");
		}
		break;
	}
}

/* The same, as a config file (what only the command line sets and the
 * redacted password left out, the password given as it is). */
struct rewrite {
	struct text text;
	const struct config *config;
};

static void shown_file(void *arg, const struct config_shown *shown)
{
	struct rewrite *r = arg;

	if (strcmp(shown->name, "ohm-dir") == 0 || strcmp(shown->name, "conf") == 0)
		return;
	if (strcmp(shown->name, "bitcoin-rpcpassword") == 0) {
		if (r->config->bitcoin_rpcpassword) {
			append(&r->text, shown->name, "=", r->config->bitcoin_rpcpassword);
			append(&r->text, "\n", "", "");
		}
		return;
	}
	if (shown->kind != CONFIG_SHOWN_NOTHING)
		shown_text(&r->text, shown);
}

static void check_config(const struct config *config)
{
	struct rewrite r = {{NULL, 0}, config};
	struct text first = {NULL, 0}, again = {NULL, 0};
	struct config *config2 = config_new();
	char err[4400];

	FUZZ_CHECK(config->chainparams && config->ohm_dir && config->ohm_dir[0] == '/');
	FUZZ_CHECK(config->net_dir && config->rpc_file && config->rpc_file[0] == '/');
	FUZZ_CHECK(!config->alias || strlen(config->alias) <= 32);
	FUZZ_CHECK(config->worker_threads >= 1);
	for (size_t i = 0; i < config->num_addrs; i++)
		FUZZ_CHECK(config->addrs[i].port != 0 && config->addrs[i].host[0]);
	for (size_t i = 0; i < config->num_announce_addrs; i++)
		FUZZ_CHECK(config->announce_addrs[i].port != 0);

	config_show(config, NULL, shown_text, &first);
	config_show(config, NULL, shown_file, &r);
	append(&r.text, "", "", "");
	FUZZ_CHECK(config_parse_file_text(config2, "/fuzz/config", r.text.buf, err, sizeof(err)));
	FUZZ_CHECK(config_finalize(config2, "/home/fuzz", err, sizeof(err)));
	config_show(config2, NULL, shown_text, &again);
	if (strcmp(first.buf, again.buf) != 0)
		fprintf(stderr, "shown:\n%s\nwritten back:\n%s\nshown then:\n%s\n", first.buf,
			r.text.buf, again.buf);
	FUZZ_CHECK(strcmp(first.buf, again.buf) == 0);
	config_free(config2);
	free(first.buf);
	free(again.buf);
	free(r.text.buf);
}

static void check_netaddr(const char *text)
{
	struct netaddr addr, addr2;
	char err[512], back[NETADDR_HOST_MAX + 16];

	if (!netaddr_parse(&addr, text, 9735, err, sizeof(err)))
		return;
	FUZZ_CHECK(addr.host[0] && addr.port != 0);
	/* A host with a bracket cannot be written back (netaddr_parse takes
	 * any text with two colons as a bare IPv6 address: lax, not wrong, as
	 * resolving it fails later). */
	if (strpbrk(addr.host, "[]"))
		return;
	snprintf(back, sizeof(back), strchr(addr.host, ':') ? "[%s]:%u" : "%s:%u", addr.host,
		 addr.port);
	FUZZ_CHECK(netaddr_parse(&addr2, back, 1, err, sizeof(err)));
	FUZZ_CHECK(strcmp(addr.host, addr2.host) == 0 && addr.port == addr2.port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[4400];
	struct config *config = config_new();

	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_file_text(config, "/fuzz/config", text, err, sizeof(err))
	    && config_finalize(config, "/home/fuzz", err, sizeof(err)))
		check_config(config);
	config_free(config);
	check_netaddr(text);
	free(text);
	return 0;
}
