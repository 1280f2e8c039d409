/* Compact JSON output with Core's number formats.  See jsonout.h. */
#include "contrib/devchain/jsonout.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *json_amount(uint64_t amount_sat)
{
	return json_real((double)amount_sat / 1e8);
}

static void put(struct wirebuf *out, const char *s)
{
	wirebuf_append(out, s, strlen(s));
}

/* JSON string escaping: quotes, backslashes and control characters.
 * jansson guarantees valid UTF-8, which passes through. */
static void write_string(struct wirebuf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	put(out, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = "\\u00";
		switch (c) {
		case '"': put(out, "\\\""); break;
		case '\\': put(out, "\\\\"); break;
		case '\b': put(out, "\\b"); break;
		case '\f': put(out, "\\f"); break;
		case '\n': put(out, "\\n"); break;
		case '\r': put(out, "\\r"); break;
		case '\t': put(out, "\\t"); break;
		default:
			if (c < 0x20) {
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				esc[6] = '\0';
				put(out, esc);
			} else {
				wirebuf_append(out, &c, 1);
			}
		}
	}
	put(out, "\"");
}

static void write_real(struct wirebuf *out, double v)
{
	char buf[64];
	double sats = v * 1e8;

	if (!isfinite(v)) {
		put(out, "null");
		return;
	}
	/* A whole number of satoshis (up to MAX_MONEY, where a double is
	 * still within half a satoshi): Core's amount format. */
	if (fabs(v) <= 21e6 && fabs(sats - round(sats)) <= fabs(sats) * 1e-15 + 1e-6) {
		int64_t n = (int64_t)llround(sats);
		uint64_t mag = n < 0 ? (uint64_t)-n : (uint64_t)n;
		snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%08" PRIu64, n < 0 ? "-" : "",
			 mag / 100000000, mag % 100000000);
	} else {
		snprintf(buf, sizeof(buf), "%.16g", v);
	}
	put(out, buf);
}

void json_write(struct wirebuf *out, const json_t *value)
{
	char buf[32];

	switch (json_typeof(value)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *member;
		bool first = true;
		put(out, "{");
		json_object_foreach((json_t *)value, key, member) {
			if (!first)
				put(out, ",");
			first = false;
			write_string(out, key, strlen(key));
			put(out, ":");
			json_write(out, member);
		}
		put(out, "}");
		break;
	}
	case JSON_ARRAY:
		put(out, "[");
		for (size_t i = 0; i < json_array_size(value); i++) {
			if (i)
				put(out, ",");
			json_write(out, json_array_get(value, i));
		}
		put(out, "]");
		break;
	case JSON_STRING:
		write_string(out, json_string_value(value), json_string_length(value));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		put(out, buf);
		break;
	case JSON_REAL:
		write_real(out, json_real_value(value));
		break;
	case JSON_TRUE:
		put(out, "true");
		break;
	case JSON_FALSE:
		put(out, "false");
		break;
	case JSON_NULL:
		put(out, "null");
		break;
	}
}
