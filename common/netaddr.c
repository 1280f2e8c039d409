#include "common/netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool netaddr_parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long value;

	if (!*text || *text < '0' || *text > '9')
		return false;
	value = strtoul(text, &end, 10);
	if (*end || value == 0 || value > 65535)
		return false;
	*port = (uint16_t)value;
	return true;
}

static bool set_host(struct netaddr *addr, const char *host, size_t len,
		     const char *text, char *err, size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, "'%s' has no host", text);
		return false;
	}
	if (len > NETADDR_HOST_MAX) {
		snprintf(err, errlen, "host in '%.40s...' is longer than %d characters",
			 text, NETADDR_HOST_MAX);
		return false;
	}
	memcpy(addr->host, host, len);
	addr->host[len] = '\0';
	return true;
}

bool netaddr_parse(struct netaddr *addr, const char *text, uint16_t default_port,
		   char *err, size_t errlen)
{
	const char *port_text = NULL, *colon;
	struct netaddr parsed;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close) {
			snprintf(err, errlen, "'%s' has '[' without ']'", text);
			return false;
		}
		if (!set_host(&parsed, text + 1, (size_t)(close - text - 1), text, err, errlen))
			return false;
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "'%s' has text after ']' that is not :port", text);
			return false;
		}
	} else {
		colon = strchr(text, ':');
		/* More than one colon without brackets: a bare IPv6 address. */
		if (colon && !strchr(colon + 1, ':')) {
			if (!set_host(&parsed, text, (size_t)(colon - text), text, err, errlen))
				return false;
			port_text = colon + 1;
		} else if (!set_host(&parsed, text, strlen(text), text, err, errlen)) {
			return false;
		}
	}

	parsed.port = default_port;
	if (port_text && !netaddr_parse_port(port_text, &parsed.port)) {
		snprintf(err, errlen, "port '%s' in '%s' is not a number from 1 to 65535",
			 port_text, text);
		return false;
	}
	*addr = parsed;
	return true;
}
