/* Parsing "host[:port]" strings as they appear in --addr and connect:
 * "127.0.0.1:9735", "[::1]:9735", "::1" (a bare IPv6 address has no port),
 * "example.com".  No name resolution happens here. */
#ifndef OHM_DAEMON_NETADDR_H
#define OHM_DAEMON_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETADDR_HOST_MAX 255

struct netaddr {
	char host[NETADDR_HOST_MAX + 1];	/* without IPv6 brackets */
	uint16_t port;
};

/* Parses text into addr, using default_port when none is given.  Returns
 * false and a message in err[errlen] when the text is empty, the host is
 * too long, a bracket is unbalanced or the port is not 1..65535. */
bool netaddr_parse(struct netaddr *addr, const char *text, uint16_t default_port,
		   char *err, size_t errlen);

/* Parses a port number 1..65535 from a whole string. */
bool netaddr_parse_port(const char *text, uint16_t *port);

#endif /* OHM_DAEMON_NETADDR_H */
