#include "daemon/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"

struct log {
	FILE *file;
	bool owns_file;
	enum log_level level;
};

static const char *const level_names[] = {
	[LOG_IO] = "io",
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_UNUSUAL] = "unusual",
	[LOG_BROKEN] = "broken",
};

struct log *log_new(const char *path, enum log_level level)
{
	struct log *log = oh_calloc(1, sizeof(*log));

	log->level = level;
	if (!path) {
		log->file = stderr;
		return log;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || !(log->file = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		free(log);
		return NULL;
	}
	log->owns_file = true;
	/* Line-buffered so a crash or kill -9 loses at most a partial line. */
	setvbuf(log->file, NULL, _IOLBF, 0);
	return log;
}

void log_free(struct log *log)
{
	if (!log)
		return;
	if (log->owns_file)
		fclose(log->file);
	free(log);
}

bool log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return true;
		}
	}
	return false;
}

const char *log_level_name(enum log_level level)
{
	return level_names[level];
}

void log_printf(struct log *log, enum log_level level, const char *subsystem,
		const char *fmt, ...)
{
	struct timeval now;
	struct tm tm;
	char stamp[32], upper[8];
	va_list ap;

	if (!log || level < log->level)
		return;

	gettimeofday(&now, NULL);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	for (size_t i = 0; i < sizeof(upper); i++) {
		char c = level_names[level][i];
		upper[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		if (!c)
			break;
	}

	flockfile(log->file);
	fprintf(log->file, "%s.%03dZ %-7s %s: ", stamp, (int)(now.tv_usec / 1000),
		upper, subsystem);
	va_start(ap, fmt);
	vfprintf(log->file, fmt, ap);
	va_end(ap);
	fputc('\n', log->file);
	funlockfile(log->file);
}
