/* Tests for daemon/config and daemon/netaddr: options from the command line
 * and the config file, precedence, and errors that name the culprit. */
#include "bitcoin/chainparams.h"
#include "common/workpool.h"
#include "daemon/commands/commands.h"
#include "daemon/config.h"
#include "tests/unit/test.h"

static char err[4400];

static struct config *parse(int argc, char *const argv[], const char *file_text)
{
	struct config *config = config_new();
	err[0] = '\0';
	if (config_parse_args(config, argc, argv, err, sizeof(err)) != CONFIG_OK
	    || (file_text && !config_parse_file_text(config, "/etc/ohm/config", file_text,
						     err, sizeof(err)))
	    || !config_finalize(config, "/home/alice", err, sizeof(err))) {
		config_free(config);
		return NULL;
	}
	return config;
}

static void test_defaults(void)
{
	char *argv[] = {"ohmd"};
	struct config *config = parse(1, argv, NULL);

	CHECK(config != NULL);
	if (!config)
		return;
	CHECK_STREQ(config->ohm_dir, "/home/alice/.ohm");
	CHECK_STREQ(config->chainparams->network, "regtest");
	CHECK_STREQ(config->net_dir, "/home/alice/.ohm/regtest");
	CHECK_STREQ(config->rpc_file, "/home/alice/.ohm/regtest/ohm-rpc");
	CHECK_STREQ(config->conf_file, "/home/alice/.ohm/config");
	CHECK(config->log_level == LOG_INFO);
	CHECK(!config->daemonize && !config->alias && !config->has_rgb);
	CHECK(config->num_addrs == 0);
	config_free(config);
}

static void test_both_argument_forms(void)
{
	char *argv[] = {"ohmd", "--ohm-dir=/tmp/x", "--network", "testnet", "--alias=bob",
			"--rgb", "ff0080", "--addr=127.0.0.1:9999", "--addr", "[::1]",
			"--daemon", "--log-level=debug", "--rpc-file=/run/ohm.sock"};
	struct config *config = parse(13, argv, NULL);

	CHECK_MSG(config != NULL, "%s", err);
	if (!config)
		return;
	CHECK_STREQ(config->net_dir, "/tmp/x/testnet");
	CHECK_STREQ(config->alias, "bob");
	CHECK(config->has_rgb && config->rgb[0] == 0xff && config->rgb[2] == 0x80);
	CHECK(config->num_addrs == 2);
	CHECK_STREQ(config->addrs[0].host, "127.0.0.1");
	CHECK(config->addrs[0].port == 9999);
	CHECK_STREQ(config->addrs[1].host, "::1");
	CHECK(config->addrs[1].port == 9735);
	CHECK(config->daemonize);
	/* --daemon logs to a file in the network directory by default. */
	CHECK_STREQ(config->log_file, "/tmp/x/testnet/log");
	CHECK(config->log_level == LOG_DEBUG);
	CHECK_STREQ(config->rpc_file, "/run/ohm.sock");
	config_free(config);
}

static void test_command_line_wins_over_file(void)
{
	char *argv[] = {"ohmd", "--alias=fromcmdline", "--addr=1.2.3.4"};
	const char *file = "# a comment\n"
			   "alias = fromfile  # trailing comment\n"
			   "\n"
			   "network=signet\n"
			   "addr=5.6.7.8:1000\n"
			   "daemon\n";
	struct config *config = parse(3, argv, file);

	CHECK_MSG(config != NULL, "%s", err);
	if (!config)
		return;
	CHECK_STREQ(config->alias, "fromcmdline");
	CHECK_STREQ(config->chainparams->network, "signet");
	/* Repeatable options: the command line's list replaces the file's. */
	CHECK(config->num_addrs == 1);
	CHECK_STREQ(config->addrs[0].host, "1.2.3.4");
	CHECK(config->daemonize);
	config_free(config);
}

static void test_listconfigs_shape(void)
{
	char *argv[] = {"ohmd", "--alias=carol"};
	struct config *config = parse(2, argv, "network=signet\n");
	json_t *all, *one;

	CHECK(config != NULL);
	if (!config)
		return;
	all = rpc_listconfigs_json(config, NULL);
	one = json_object_get(json_object_get(all, "configs"), "network");
	CHECK_STREQ(json_string_value(json_object_get(one, "value_str")), "signet");
	CHECK_STREQ(json_string_value(json_object_get(one, "source")), "/etc/ohm/config:1");
	one = json_object_get(json_object_get(all, "configs"), "alias");
	CHECK_STREQ(json_string_value(json_object_get(one, "source")), "cmdline");
	one = json_object_get(json_object_get(all, "configs"), "daemon");
	CHECK(json_is_false(json_object_get(one, "set")));
	one = json_object_get(json_object_get(all, "configs"), "log-level");
	CHECK_STREQ(json_string_value(json_object_get(one, "source")), "default");
	json_decref(all);
	CHECK(rpc_listconfigs_json(config, "nonsense") == NULL);
	config_free(config);
}

#define CHECK_ERROR(argc, argv, file, expected)                                        \
	do {                                                                           \
		struct config *c_ = parse((argc), (argv), (file));                      \
		CHECK(c_ == NULL);                                                     \
		config_free(c_);                                                       \
		CHECK_MSG(strstr(err, (expected)) != NULL, "error was: %s", err);       \
	} while (0)

static void test_errors_name_the_option(void)
{
	char *unknown[] = {"ohmd", "--frobnicate=1"};
	char *missing[] = {"ohmd", "--alias"};
	char *bare[] = {"ohmd", "stray"};
	char *network[] = {"ohmd", "--network=mainnet"};
	char *rgb[] = {"ohmd", "--rgb=zzzzzz"};
	char *level[] = {"ohmd", "--log-level=loud"};
	char *alias[] = {"ohmd", "--alias=0123456789012345678901234567890123"};
	char *port[] = {"ohmd", "--addr=host:70000"};
	char *flag[] = {"ohmd", "--daemon=maybe"};
	char *plain[] = {"ohmd"};

	CHECK_ERROR(2, unknown, NULL, "unknown option '--frobnicate'");
	CHECK_ERROR(2, missing, NULL, "option '--alias' needs a value");
	CHECK_ERROR(2, bare, NULL, "unexpected argument 'stray'");
	CHECK_ERROR(2, network, NULL, "option 'network' must be one of bitcoin|testnet|signet|regtest, not 'mainnet'");
	CHECK_ERROR(2, rgb, NULL, "option 'rgb' must be 6 hex digits");
	CHECK_ERROR(2, level, NULL, "option 'log-level' must be io, debug, info, unusual or broken, not 'loud'");
	CHECK_ERROR(2, alias, NULL, "option 'alias' is 34 bytes, at most 32");
	CHECK_ERROR(2, port, NULL, "port '70000'");
	CHECK_ERROR(2, flag, NULL, "option 'daemon' takes no value or true/false");
	CHECK_ERROR(1, plain, "alias=a\nbogus=1\n", "/etc/ohm/config:2: unknown option 'bogus'");
	CHECK_ERROR(1, plain, "\n\nalias\n", "/etc/ohm/config:3: expected 'alias=VALUE'");
	CHECK_ERROR(1, plain, "ohm-dir=/x\n", "/etc/ohm/config:1: option 'ohm-dir' is only valid on the command line");
	CHECK_ERROR(1, plain, "network=moon\n", "/etc/ohm/config:1: option 'network' must be one of");
}

static void test_max_fee_multiplier(void)
{
	char *plain[] = {"ohmd"};
	char *three[] = {"ohmd", "--max-fee-multiplier=3"};
	char *zero[] = {"ohmd", "--max-fee-multiplier=0"};
	struct config *config = parse(1, plain, NULL);

	CHECK(config && config->max_fee_multiplier == 10);
	config_free(config);
	config = parse(2, three, NULL);
	CHECK_MSG(config && config->max_fee_multiplier == 3, "%s", err);
	config_free(config);
	config = parse(1, plain, "max-fee-multiplier=1000\n");
	CHECK_MSG(config && config->max_fee_multiplier == 1000, "%s", err);
	config_free(config);
	CHECK_ERROR(2, zero, NULL, "max-fee-multiplier");
	CHECK_ERROR(1, plain, "max-fee-multiplier=1001\n", "max-fee-multiplier");
}

static void test_max_concurrent_htlcs(void)
{
	char *plain[] = {"ohmd"};
	char *two[] = {"ohmd", "--max-concurrent-htlcs=2"};
	char *zero[] = {"ohmd", "--max-concurrent-htlcs=0"};
	struct config *config = parse(1, plain, NULL);

	/* BOLT #2: max_accepted_htlcs at most 483, our default. */
	CHECK(config && config->max_concurrent_htlcs == 483);
	config_free(config);
	config = parse(2, two, NULL);
	CHECK_MSG(config && config->max_concurrent_htlcs == 2, "%s", err);
	config_free(config);
	CHECK_ERROR(2, zero, NULL, "max-concurrent-htlcs");
	CHECK_ERROR(1, plain, "max-concurrent-htlcs=484\n", "max-concurrent-htlcs");
}

static void test_worker_threads(void)
{
	char *plain[] = {"ohmd"};
	char *one[] = {"ohmd", "--worker-threads=1"};
	char *zero[] = {"ohmd", "--worker-threads=0"};
	char *many[] = {"ohmd", "--worker-threads=65"};
	unsigned cores = workpool_cores();
	struct config *config = parse(1, plain, NULL);

	/* Default: the cores, at most 8. */
	CHECK(config && config->worker_threads == (cores < 8 ? cores : 8));
	config_free(config);
	config = parse(2, one, NULL);
	CHECK_MSG(config && config->worker_threads == 1, "%s", err);
	config_free(config);
	config = parse(1, plain, "worker-threads=64\n");
	CHECK_MSG(config && config->worker_threads == 64, "%s", err);
	config_free(config);
	CHECK_ERROR(2, zero, NULL, "option 'worker-threads' must be a number of threads from 1 to 64, not '0'");
	CHECK_ERROR(2, many, NULL, "worker-threads");
}

/* --dev-mpp-timeout: unset is 0 (pay/mpp's 60 s); 1 to 86400 seconds. */
static void test_dev_mpp_timeout(void)
{
	char *plain[] = {"ohmd"};
	char *five[] = {"ohmd", "--dev-mpp-timeout=5"};
	char *zero[] = {"ohmd", "--dev-mpp-timeout=0"};
	struct config *config = parse(1, plain, NULL);

	CHECK(config && config->dev_mpp_timeout_secs == 0);
	config_free(config);
	config = parse(2, five, NULL);
	CHECK_MSG(config && config->dev_mpp_timeout_secs == 5, "%s", err);
	config_free(config);
	CHECK_ERROR(2, zero, NULL, "dev-mpp-timeout");
	CHECK_ERROR(1, plain, "dev-mpp-timeout=86401\n", "dev-mpp-timeout");
}

static void test_help_and_version(void)
{
	char *help[] = {"ohmd", "--alias=x", "--help"};
	char *version[] = {"ohmd", "-V"};
	struct config *config = config_new();

	CHECK(config_parse_args(config, 3, help, err, sizeof(err)) == CONFIG_HELP);
	CHECK(config_parse_args(config, 2, version, err, sizeof(err)) == CONFIG_VERSION);
	config_free(config);
}

static void test_netaddr_forms(void)
{
	struct netaddr addr;
	char why[300];

	CHECK(netaddr_parse(&addr, "[2001:db8::1]:9736", 9735, why, sizeof(why)));
	CHECK_STREQ(addr.host, "2001:db8::1");
	CHECK(addr.port == 9736);
	CHECK(netaddr_parse(&addr, "2001:db8::1", 9735, why, sizeof(why)));
	CHECK_STREQ(addr.host, "2001:db8::1");
	CHECK(addr.port == 9735);
	CHECK(netaddr_parse(&addr, "example.com:1", 9735, why, sizeof(why)));
	CHECK(addr.port == 1);
	CHECK(!netaddr_parse(&addr, "", 9735, why, sizeof(why)));
	CHECK(!netaddr_parse(&addr, ":80", 9735, why, sizeof(why)));
	CHECK(!netaddr_parse(&addr, "[::1", 9735, why, sizeof(why)));
	CHECK(!netaddr_parse(&addr, "[::1]x", 9735, why, sizeof(why)));
	CHECK(!netaddr_parse(&addr, "host:0", 9735, why, sizeof(why)));
	CHECK(!netaddr_parse(&addr, "host:12ab", 9735, why, sizeof(why)));
	CHECK(!netaddr_parse(&addr, "host:", 9735, why, sizeof(why)));
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_both_argument_forms);
	RUN(test_command_line_wins_over_file);
	RUN(test_listconfigs_shape);
	RUN(test_errors_name_the_option);
	RUN(test_help_and_version);
	RUN(test_netaddr_forms);
	RUN(test_max_fee_multiplier);
	RUN(test_max_concurrent_htlcs);
	RUN(test_worker_threads);
	RUN(test_dev_mpp_timeout);
	return test_done();
}
