/* Helpers shared by the bitcoin/ unit tests: hex in and out, reading the
 * BIP texts under $OHM_SPEC/bips, and pulling the <tt>...</tt> strings out
 * of a mediawiki section.  Test-only code: it aborts on its own errors. */
#ifndef OHM_TESTS_UNIT_TEST_BITCOIN_UTIL_H
#define OHM_TESTS_UNIT_TEST_BITCOIN_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/unit/test.h"
#include "wire/wirebuf.h"

/* Decodes a hex literal the test itself supplies; aborts if malformed.
 * Returns malloc'd bytes (never NULL, even for ""), *len their count. */
static inline uint8_t *test_hex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *out = malloc(n ? n : 1);

	if (!out || strlen(hex) % 2 || !hex_decode(out, n, hex, strlen(hex))) {
		printf("Bail out! bad hex literal %.40s\n", hex);
		exit(1);
	}
	if (len)
		*len = n;
	return out;
}

/* Decodes exactly n bytes of hex into out; aborts if malformed. */
static inline void test_hex_fixed(void *out, size_t n, const char *hex)
{
	if (!hex_decode(out, n, hex, strlen(hex))) {
		printf("Bail out! bad %zu-byte hex literal %.40s\n", n, hex);
		exit(1);
	}
}

/* True if buf holds exactly the bytes hex spells. */
static inline bool test_buf_eq_hex(const struct wirebuf *buf, const char *hex)
{
	size_t n;
	uint8_t *want = test_hex(hex, &n);
	bool eq = n == buf->len && memcmp(want, buf->data, n) == 0;

	if (!eq) {
		char *got = malloc(buf->len * 2 + 1);

		hex_encode(got, buf->data, buf->len);
		printf("# got  %s\n# want %s\n", got, hex);
		free(got);
	}
	free(want);
	return eq;
}

/* The whole of $OHM_SPEC/<name> as a malloc'd NUL-terminated string. */
static inline char *test_read_spec(const char *name)
{
	const char *dir = getenv("OHM_SPEC");
	char path[4096];
	FILE *f;
	char *text;
	long len;

	if (!dir) {
		printf("Bail out! OHM_SPEC is not set; run via make check\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)len + 1);
	if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	text[len] = '\0';
	fclose(f);
	return text;
}

/* The text from the line after the first line containing `start` up to
 * the next line starting with "==" (the next heading) or the end: a
 * malloc'd copy.  Aborts if start is not found. */
static inline char *test_section(const char *text, const char *start)
{
	const char *p = strstr(text, start), *end;
	char *copy;

	if (!p) {
		printf("Bail out! section '%s' not found\n", start);
		exit(1);
	}
	p = strchr(p, '\n');
	p = p ? p + 1 : text + strlen(text);
	for (end = p; *end; end = strchr(end, '\n') ? strchr(end, '\n') + 1
		     : end + strlen(end))
		if (end[0] == '=' && end[1] == '=')
			break;
	copy = malloc((size_t)(end - p) + 1);
	memcpy(copy, p, (size_t)(end - p));
	copy[end - p] = '\0';
	return copy;
}

/* Iterates the bullet lines ("* ...") of a section between two marker
 * strings: returns the next line (malloc'd, without newline) at or after
 * *pos that starts with "* ", advancing *pos, or NULL at end.  Lines
 * starting with "** " are not bullets here. */
static inline char *test_next_bullet(const char **pos, const char *end)
{
	const char *p = *pos;

	while (p && *p && (!end || p < end)) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		*pos = nl ? nl + 1 : p + len;
		if (len > 2 && p[0] == '*' && p[1] == ' ') {
			char *line = malloc(len + 1);

			memcpy(line, p, len);
			line[len] = '\0';
			return line;
		}
		p = *pos;
	}
	return NULL;
}

/* Copies the n-th (0-based) <tt>...</tt> of line into a malloc'd string,
 * or returns NULL if there is none. */
static inline char *test_tt(const char *line, int n)
{
	const char *p = line;

	for (;;) {
		const char *start = strstr(p, "<tt>"), *end;
		char *copy;

		if (!start)
			return NULL;
		start += 4;
		end = strstr(start, "</tt>");
		if (!end)
			return NULL;
		if (n-- == 0) {
			copy = malloc((size_t)(end - start) + 1);
			memcpy(copy, start, (size_t)(end - start));
			copy[end - start] = '\0';
			return copy;
		}
		p = end + 5;
	}
}

#endif /* OHM_TESTS_UNIT_TEST_BITCOIN_UTIL_H */
