/* bench/rpc: getinfo round trips per second through ohmd's JSON-RPC socket.
 *
 * Starts a real ohmd on a temporary directory, then for each client count
 * runs that many client threads, each doing blocking request/answer round
 * trips for a fixed time, and prints one JSON object per line:
 *   {"bench":"rpc","method":"getinfo","clients":N,"seconds":S,
 *    "round_trips":R,"round_trips_per_sec":X}
 *
 *   bench/rpc [--ohmd PATH] [--seconds S] [CLIENTS...]   (default 1 10 100)
 * PATH defaults to daemon/ohmd beside this binary's directory.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char socket_path[108];
static atomic_bool running;
static atomic_ulong total_round_trips;
static atomic_bool client_failed;

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_socket(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, socket_path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* One client: send getinfo, read up to the answer's newline, repeat. */
static void *client_main(void *arg)
{
	static const char request[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getinfo\"}";
	char buf[8192];
	unsigned long done = 0;
	int fd = connect_socket();

	if (fd < 0) {
		atomic_store(&client_failed, true);
		return NULL;
	}
	while (atomic_load(&running)) {
		if (write(fd, request, sizeof(request) - 1) != (ssize_t)sizeof(request) - 1)
			break;
		for (;;) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				atomic_store(&client_failed, true);
				goto out;
			}
			if (buf[n - 1] == '\n')
				break;
		}
		done++;
	}
out:
	atomic_fetch_add(&total_round_trips, done);
	close(fd);
	return NULL;
}

static bool run_clients(int clients, double seconds)
{
	pthread_t *threads = calloc((size_t)clients, sizeof(*threads));
	double start, elapsed;

	atomic_store(&running, true);
	atomic_store(&total_round_trips, 0);
	start = now_seconds();
	for (int i = 0; i < clients; i++)
		pthread_create(&threads[i], NULL, client_main, NULL);
	usleep((useconds_t)(seconds * 1e6));
	atomic_store(&running, false);
	for (int i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	elapsed = now_seconds() - start;
	free(threads);
	if (atomic_load(&client_failed)) {
		fprintf(stderr, "bench/rpc: a client lost its connection\n");
		return false;
	}
	printf("{\"bench\":\"rpc\",\"method\":\"getinfo\",\"clients\":%d,\"seconds\":%.3f,"
	       "\"round_trips\":%lu,\"round_trips_per_sec\":%.0f}\n",
	       clients, elapsed, atomic_load(&total_round_trips),
	       (double)atomic_load(&total_round_trips) / elapsed);
	fflush(stdout);
	return true;
}

int main(int argc, char *argv[])
{
	char ohmd_path[PATH_MAX + 32], dir_template[] = "/tmp/ohm-bench.XXXXXX", arg[PATH_MAX + 16];
	const char *ohmd = NULL;
	double seconds = 3;
	int counts[32], num_counts = 0, status = 0;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ohmd") == 0 && i + 1 < argc)
			ohmd = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (atoi(argv[i]) > 0 && num_counts < 32)
			counts[num_counts++] = atoi(argv[i]);
		else {
			fprintf(stderr, "usage: %s [--ohmd PATH] [--seconds S] [CLIENTS...]\n", argv[0]);
			return 2;
		}
	}
	if (num_counts == 0) {
		counts[0] = 1, counts[1] = 10, counts[2] = 100;
		num_counts = 3;
	}
	if (!ohmd) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(ohmd_path, sizeof(ohmd_path), "%s/../daemon/ohmd", self);
		ohmd = ohmd_path;
	}
	if (!mkdtemp(dir_template)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(socket_path, sizeof(socket_path), "%s/regtest/ohm-rpc", dir_template);
	snprintf(arg, sizeof(arg), "--ohm-dir=%s", dir_template);

	pid = fork();
	if (pid == 0) {
		execl(ohmd, ohmd, arg, "--log-level=unusual", (char *)NULL);
		fprintf(stderr, "bench/rpc: cannot run %s: %s\n", ohmd, strerror(errno));
		_exit(127);
	}
	for (int tries = 0; tries < 500; tries++) {
		int fd = connect_socket();
		if (fd >= 0) {
			close(fd);
			break;
		}
		usleep(10000);
	}
	for (int i = 0; i < num_counts && status == 0; i++)
		if (!run_clients(counts[i], seconds))
			status = 1;

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir_template);
	if (system(cmd) != 0)
		fprintf(stderr, "bench/rpc: could not remove %s\n", dir_template);
	return status;
}
