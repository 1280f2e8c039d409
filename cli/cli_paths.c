/* Locating ohmd's RPC socket; see cli_paths.h. */
#include "cli/cli_paths.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A config file bigger than this is not one a person wrote. */
#define CONFIG_MAX_BYTES (1024 * 1024)

/* snprintf into out, false if it did not fit. */
static bool __attribute__((format(printf, 3, 4)))
format_path(char *out, size_t out_len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, out_len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < out_len;
}

bool cli_paths_ohm_dir(char *out, size_t out_len, const char *ohm_dir_option,
		       const char *home, struct cli_error *err)
{
	char dir[PATH_MAX];
	size_t len;

	if (ohm_dir_option) {
		if (!format_path(dir, sizeof(dir), "%s", ohm_dir_option))
			return cli_error_set(err, "--ohm-dir is too long");
	} else {
		if (!home || home[0] == '\0')
			return cli_error_set(err, "cannot find the home "
					     "directory (HOME is not set); "
					     "give --ohm-dir");
		if (!format_path(dir, sizeof(dir), "%s/.ohm", home))
			return cli_error_set(err, "home directory '%s' is too "
					     "long", home);
	}
	/* "/tmp/x/" and "/tmp/x" are one directory; name it one way. */
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	if (len + 1 > out_len)
		return cli_error_set(err, "ohm directory '%s' is too long",
				     dir);
	memcpy(out, dir, len + 1);
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Trims blanks off both ends of [*start, *end). */
static void trim(const char **start, const char **end)
{
	while (*start < *end && is_blank(**start))
		(*start)++;
	while (*end > *start && is_blank((*end)[-1]))
		(*end)--;
}

bool cli_config_network(char network[CLI_NETWORK_MAX], const char *config_text,
			struct cli_error *err)
{
	const char *found = NULL;
	size_t found_len = 0;
	const char *line = config_text;

	while (*line) {
		const char *line_end = strchr(line, '\n');
		const char *next, *key, *key_end, *value, *value_end;

		if (!line_end)
			line_end = line + strlen(line);
		next = *line_end ? line_end + 1 : line_end;

		key = line;
		value_end = line_end;
		trim(&key, &value_end);
		key_end = memchr(key, '=', (size_t)(value_end - key));
		/* Blank lines, comments and bare flags say nothing of the
		 * network. */
		if (key < value_end && *key != '#' && key_end) {
			value = key_end + 1;
			trim(&key, &key_end);
			trim(&value, &value_end);
			if (key_end - key == 7
			    && memcmp(key, "network", 7) == 0) {
				found = value;
				found_len = (size_t)(value_end - value);
			}
		}
		line = next;
	}

	if (!found) {
		network[0] = '\0';
		return true;
	}
	if (found_len < CLI_NETWORK_MAX) {
		char name[CLI_NETWORK_MAX];

		memcpy(name, found, found_len);
		name[found_len] = '\0';
		if (cli_network_is_known(name)) {
			memcpy(network, name, found_len + 1);
			return true;
		}
	}
	return cli_error_set(err, "unknown network '%.*s' (expected bitcoin, "
			     "testnet, signet or regtest)",
			     (int)(found_len > 64 ? 64 : found_len), found);
}

bool cli_paths_rpc(char *out, size_t out_len, const char *ohm_dir,
		   const char *network, const char *rpc_file_option,
		   struct cli_error *err)
{
	const char *rpc_file = rpc_file_option ? rpc_file_option
					       : CLI_DEFAULT_RPC_FILE;
	bool fits;

	if (rpc_file[0] == '/')
		fits = format_path(out, out_len, "%s", rpc_file);
	else
		fits = format_path(out, out_len, "%s/%s/%s", ohm_dir, network,
				   rpc_file);
	if (!fits)
		return cli_error_set(err, "the RPC socket path is too long");
	return true;
}

/* Reads the whole file into a malloc'd NUL-terminated string.  Returns NULL
 * with errno set on failure (ENOENT: there is no such file). */
static char *read_text_file(const char *path)
{
	FILE *file = fopen(path, "r");
	char *text;
	size_t len;
	int saved_errno;

	if (!file)
		return NULL;
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (!text) {
		fclose(file);
		errno = ENOMEM;
		return NULL;
	}
	len = fread(text, 1, CONFIG_MAX_BYTES + 1, file);
	saved_errno = ferror(file) ? errno : 0;
	fclose(file);
	if (saved_errno || len > CONFIG_MAX_BYTES) {
		free(text);
		errno = saved_errno ? saved_errno : EFBIG;
		return NULL;
	}
	text[len] = '\0';
	return text;
}

bool cli_paths_resolve(struct cli_paths *paths, const struct cli_args *args,
		       const char *home, struct cli_error *err)
{
	if (!cli_paths_ohm_dir(paths->ohm_dir, sizeof(paths->ohm_dir),
			       args->ohm_dir, home, err))
		return false;

	if (args->network) {
		if (!format_path(paths->network, sizeof(paths->network), "%s",
				 args->network))
			return cli_error_set(err, "unknown network '%s'",
					     args->network);
	} else {
		char config_path[PATH_MAX];
		char *text;
		bool ok;

		if (!format_path(config_path, sizeof(config_path), "%s/config",
				 paths->ohm_dir))
			return cli_error_set(err, "ohm directory '%s' is too "
					     "long", paths->ohm_dir);
		text = read_text_file(config_path);
		if (!text && errno != ENOENT)
			return cli_error_set(err, "cannot read %s: %s",
					     config_path, strerror(errno));
		paths->network[0] = '\0';
		if (text) {
			struct cli_error config_err;

			ok = cli_config_network(paths->network, text,
						&config_err);
			free(text);
			if (!ok)
				return cli_error_set(err, "%s: %s", config_path,
						     config_err.message);
		}
		if (paths->network[0] == '\0')
			strcpy(paths->network, CLI_DEFAULT_NETWORK);
	}

	return cli_paths_rpc(paths->rpc_path, sizeof(paths->rpc_path),
			     paths->ohm_dir, paths->network, args->rpc_file,
			     err);
}
