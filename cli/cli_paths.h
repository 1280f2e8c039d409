/* Where ohm-cli finds ohmd's RPC socket: <ohm-dir>/<network>/<rpc-file>.
 *
 * ohm-dir defaults to $HOME/.ohm; network to the network= line of
 * <ohm-dir>/config, else regtest; rpc-file to ohm-rpc, and an absolute
 * rpc-file is used as is.  Everything here is pure except
 * cli_paths_resolve(), which reads <ohm-dir>/config.
 */
#ifndef OHM_CLI_CLI_PATHS_H
#define OHM_CLI_CLI_PATHS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli/cli_args.h"

#define CLI_DEFAULT_NETWORK "regtest"
#define CLI_DEFAULT_RPC_FILE "ohm-rpc"
#define CLI_NETWORK_MAX 16	/* longest known network name, with NUL */

struct cli_paths {
	char ohm_dir[PATH_MAX];		/* without trailing '/' */
	char network[CLI_NETWORK_MAX];
	char rpc_path[PATH_MAX];	/* the socket to connect to */
};

/* Writes ohm_dir_option, or <home>/.ohm if it is NULL, into out[0..out_len)
 * without trailing slashes.  Returns false (err set, out untouched) if the
 * result does not fit or there is no option and home is NULL or empty. */
bool cli_paths_ohm_dir(char *out, size_t out_len, const char *ohm_dir_option,
		       const char *home, struct cli_error *err);

/* Finds the network in config_text, ohm's config file: key=value lines,
 * '#' starts a comment line, other keys are ignored, the last network=
 * wins.  Writes it into network (or "" if the text sets none) and returns
 * true; returns false (err set, network untouched) if the network set is
 * not one ohmd knows. */
bool cli_config_network(char network[CLI_NETWORK_MAX], const char *config_text,
			struct cli_error *err);

/* Writes rpc_file_option (default ohm-rpc) into out if it is absolute, else
 * <ohm_dir>/<network>/<rpc_file>.  Returns false (err set) if it does not
 * fit in out_len bytes. */
bool cli_paths_rpc(char *out, size_t out_len, const char *ohm_dir,
		   const char *network, const char *rpc_file_option,
		   struct cli_error *err);

/* Fills *paths from args' options, home (may be NULL) and, when args gives
 * no --network, <ohm-dir>/config if that file exists.  Returns false with
 * err set if the config cannot be read or any step above fails. */
bool cli_paths_resolve(struct cli_paths *paths, const struct cli_args *args,
		       const char *home, struct cli_error *err);

#endif /* OHM_CLI_CLI_PATHS_H */
