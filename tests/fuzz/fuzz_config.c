/* Fuzz target: the config file parser and validation, and host:port
 * parsing, on arbitrary text. */
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"
#include "common/netaddr.h"
#include "tests/fuzz/fuzz.h"

/* Seeds are hex of text lines. */
const struct fuzz_seed fuzz_seeds[] = {
	/* "alias=bob\nnetwork=signet\naddr=[::1]:9735\ndaemon\n" */
	{"616c6961733d626f620a6e6574776f726b3d7369676e65740a616464723d5b3a3a315d3a393733350a6461656d6f6e0a"},
	/* "# c\nrgb=ff0080\nlog-level=debug # x\n" */
	{"2320630a7267623d6666303038300a6c6f672d6c6576656c3d6465627567202320780a"},
	/* "127.0.0.1:9735" */
	{"3132372e302e302e313a39373335"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char err[4400];
	struct netaddr addr;
	struct config *config = config_new();

	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse_file_text(config, "/fuzz/config", text, err, sizeof(err)))
		config_finalize(config, "/home/fuzz", err, sizeof(err));
	config_free(config);
	netaddr_parse(&addr, text, 9735, err, sizeof(err));
	free(text);
	return 0;
}
