/* ohm-cli: sends one JSON-RPC 2.0 call to ohmd over its Unix socket and
 * prints the answer, in the manner of Core Lightning's lightning-cli.
 *
 * Deciding what to send and how to print it is pure (cli_args, cli_paths,
 * cli_format); this file does the I/O: the socket, stdout and stderr.  Plain
 * blocking calls are right here: there is one request and one answer.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_format.h"
#include "cli/cli_paths.h"
#include "common/json_frame.h"

#ifndef OHM_VERSION
#error "OHM_VERSION must be defined by the build"
#endif

static const char *home_directory(void)
{
	const char *home = getenv("HOME");
	const struct passwd *pw;

	if (home && home[0] != '\0')
		return home;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

/* Connects to the socket at path.  Returns the fd, or -1 with errno set. */
static int rpc_connect(const char *path)
{
	struct sockaddr_un addr;
	const char *name = path;
	int fd, saved_errno;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		/* sun_path holds only ~107 bytes: reach a deeper socket by
		 * its name within its directory, as lightning-cli does. */
		const char *slash = strrchr(path, '/');
		char *dir;

		if (!slash) {
			errno = ENAMETOOLONG;
			return -1;
		}
		dir = slash == path ? strdup("/")
				    : strndup(path, (size_t)(slash - path));
		if (!dir)
			return -1;
		if (chdir(dir) != 0) {
			saved_errno = errno;
			free(dir);
			errno = saved_errno;
			return -1;
		}
		free(dir);
		name = slash + 1;
		if (strlen(name) >= sizeof(addr.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	memcpy(addr.sun_path, name, strlen(name) + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&addr, sizeof(addr)) != 0) {
		saved_errno = errno;
		close(fd);
		errno = saved_errno;
		return -1;
	}
	return fd;
}

/* Writes all of buf.  Returns false with errno set on failure. */
static bool rpc_send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		/* MSG_NOSIGNAL: a daemon that hung up is an error to report,
		 * not a SIGPIPE to die of. */
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/* A JSON-RPC notification (a method and no id) is not our answer. */
static bool is_notification(const json_t *message)
{
	return json_is_object(message) && json_object_get(message, "method")
	       && !json_object_get(message, "id");
}

/* Reads until one complete message other than a notification arrives, and
 * returns it parsed; NULL with err set if the connection ends first or the
 * bytes are not JSON. */
static json_t *rpc_read_response(int fd, struct cli_error *err)
{
	struct json_frame frame;
	size_t len = 0, cap = 4096, msg_len;
	char *buf = malloc(cap);
	json_t *message = NULL;

	if (!buf) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return NULL;
	}
	json_frame_init(&frame);
	for (;;) {
		enum json_frame_result r = json_frame_scan(&frame, buf, len,
							   &msg_len);
		ssize_t n;

		if (r == JSON_FRAME_COMPLETE) {
			json_error_t json_err;

			message = json_loadb(buf, msg_len, 0, &json_err);
			if (!message) {
				snprintf(err->message, sizeof(err->message),
					 "ohmd sent invalid JSON: %s",
					 json_err.text);
				break;
			}
			if (!is_notification(message))
				break;
			json_decref(message);
			message = NULL;
			memmove(buf, buf + msg_len, len - msg_len);
			len -= msg_len;
			json_frame_init(&frame);
			continue;
		}
		if (r == JSON_FRAME_GARBAGE) {
			snprintf(err->message, sizeof(err->message),
				 "ohmd sent something that is not JSON");
			break;
		}
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				snprintf(err->message, sizeof(err->message),
					 "out of memory reading the response");
				break;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err->message, sizeof(err->message),
				 "cannot read from ohmd: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			snprintf(err->message, sizeof(err->message),
				 "ohmd closed the connection before a "
				 "complete response");
			break;
		}
		len += (size_t)n;
	}
	free(buf);
	return message;
}

/* Prints text (which the caller frees) to out; false if it is NULL. */
static bool print_text(FILE *out, const char *text)
{
	if (!text) {
		fprintf(stderr, "ohm-cli: out of memory formatting the "
			"response\n");
		return false;
	}
	fputs(text, out);
	return true;
}

/* Prints ohmd's answer; returns ohm-cli's exit code. */
static int print_response(const json_t *response, const struct cli_args *args,
			  const char *rpc_path)
{
	const json_t *error = json_object_get(response, "error");
	const json_t *result = json_object_get(response, "result");
	char *text;
	bool ok;

	if (error) {
		/* Like lightning-cli: the error object, on stdout. */
		text = cli_format_json(error);
		ok = print_text(stdout, text);
		free(text);
		return ok ? CLI_EXIT_RPC_ERROR : CLI_EXIT_UNREACHABLE;
	}
	if (!result) {
		fprintf(stderr, "ohm-cli: ohmd at %s sent a message that is "
			"not a JSON-RPC response (no result or error)\n",
			rpc_path);
		return CLI_EXIT_UNREACHABLE;
	}
	text = cli_format_result(result, args->method, args->output);
	ok = print_text(stdout, text);
	free(text);
	return ok ? CLI_EXIT_OK : CLI_EXIT_UNREACHABLE;
}

/* Sends the request and prints the answer; returns ohm-cli's exit code. */
static int call(const struct cli_args *args, const struct cli_paths *paths)
{
	struct cli_error err;
	json_t *response;
	char *request;
	int fd, code;
	bool sent;

	fd = rpc_connect(paths->rpc_path);
	if (fd < 0) {
		fprintf(stderr, "ohm-cli: cannot connect to ohmd at %s: %s. "
			"Is ohmd running? Start it with: ohmd --ohm-dir=%s "
			"--network=%s%s%s\n",
			paths->rpc_path, strerror(errno), paths->ohm_dir,
			paths->network, args->rpc_file ? " --rpc-file=" : "",
			args->rpc_file ? args->rpc_file : "");
		return CLI_EXIT_UNREACHABLE;
	}

	request = json_dumps(args->request, JSON_COMPACT);
	if (!request) {
		fprintf(stderr, "ohm-cli: out of memory building the "
			"request\n");
		close(fd);
		return CLI_EXIT_UNREACHABLE;
	}
	sent = rpc_send_all(fd, request, strlen(request));
	free(request);
	if (!sent) {
		fprintf(stderr, "ohm-cli: lost the connection to ohmd at %s "
			"while sending the request: %s\n", paths->rpc_path,
			strerror(errno));
		close(fd);
		return CLI_EXIT_UNREACHABLE;
	}

	response = rpc_read_response(fd, &err);
	close(fd);
	if (!response) {
		fprintf(stderr, "ohm-cli: no valid response from ohmd at %s: "
			"%s\n", paths->rpc_path, err.message);
		return CLI_EXIT_UNREACHABLE;
	}
	if (!json_is_object(response)) {
		fprintf(stderr, "ohm-cli: ohmd at %s sent a message that is "
			"not a JSON-RPC response (not an object)\n",
			paths->rpc_path);
		code = CLI_EXIT_UNREACHABLE;
	} else {
		code = print_response(response, args, paths->rpc_path);
	}
	json_decref(response);
	return code;
}

int main(int argc, char *argv[])
{
	struct cli_args args;
	struct cli_paths paths;
	struct cli_error err;
	int code;

	if (!cli_args_parse(&args, argc, argv, (long)getpid(), &err)) {
		fprintf(stderr, "ohm-cli: %s\nTry `ohm-cli --help` for "
			"usage.\n", err.message);
		return CLI_EXIT_USAGE;
	}

	switch (args.action) {
	case CLI_ACTION_USAGE:
		fputs(cli_args_usage(), stdout);
		return CLI_EXIT_OK;
	case CLI_ACTION_VERSION:
		printf("ohm-cli %s\n", OHM_VERSION);
		return CLI_EXIT_OK;
	case CLI_ACTION_CALL:
		break;
	}

	if (!cli_paths_resolve(&paths, &args, home_directory(), &err)) {
		fprintf(stderr, "ohm-cli: %s\n", err.message);
		cli_args_free(&args);
		return CLI_EXIT_USAGE;
	}
	code = call(&args, &paths);
	cli_args_free(&args);
	return code;
}
