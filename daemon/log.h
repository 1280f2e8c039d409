/* ohmd's log: one line per entry, "TIMESTAMP LEVEL subsystem: message",
 * with an ISO 8601 UTC timestamp to the millisecond.  Levels follow Core
 * Lightning's (io < debug < info < unusual < broken); entries below the
 * configured level are dropped.
 *
 * Secrets never go through here: callers log node ids, never keys, and the
 * RPC layer logs method names, never parameters.
 */
#ifndef OHM_DAEMON_LOG_H
#define OHM_DAEMON_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum log_level {
	LOG_IO,
	LOG_DEBUG,
	LOG_INFO,
	LOG_UNUSUAL,
	LOG_BROKEN,
};

struct log;

/* Logs to path (appending; created 0600) or to stderr when path is NULL.
 * Returns NULL with errno set if the file cannot be opened. */
struct log *log_new(const char *path, enum log_level level);
void log_free(struct log *log);

/* Parses "io", "debug", "info", "unusual" or "broken". */
bool log_level_parse(const char *name, enum log_level *level);
const char *log_level_name(enum log_level level);

void log_printf(struct log *log, enum log_level level, const char *subsystem,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_io(log, sub, ...) log_printf((log), LOG_IO, (sub), __VA_ARGS__)
#define log_debug(log, sub, ...) log_printf((log), LOG_DEBUG, (sub), __VA_ARGS__)
#define log_info(log, sub, ...) log_printf((log), LOG_INFO, (sub), __VA_ARGS__)
#define log_unusual(log, sub, ...) log_printf((log), LOG_UNUSUAL, (sub), __VA_ARGS__)
#define log_broken(log, sub, ...) log_printf((log), LOG_BROKEN, (sub), __VA_ARGS__)

#endif /* OHM_DAEMON_LOG_H */
