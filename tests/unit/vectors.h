/* What the unit tests share for reading their inputs: vector files
 * ($OHM_VECTORS) and spec texts ($OHM_SPEC), hex in and out, JSON fields,
 * and the test vectors printed in the BIPs' mediawiki text.
 *
 * Two kinds of failure, kept apart on purpose:
 * - The test's own input is broken (a variable unset, a file missing, bad
 *   hex in a literal or a vector): "Bail out!" and exit, since no check
 *   after it could mean anything, and no code runs on undecoded bytes.
 * - A vector lacks a field, or the code under test disagrees with it: the
 *   current case fails (test_case_failed, as CHECK does) and the run goes
 *   on, so one run shows every broken expectation.
 *
 * Strings and buffers returned are malloc'd; the caller frees them.  Paths
 * are in a static buffer that the next call overwrites.
 */
#ifndef OHM_TESTS_UNIT_VECTORS_H
#define OHM_TESTS_UNIT_VECTORS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/hex.h"
#include "tests/unit/test.h"

/* ---- Files ---- */

/* $var/dir/file (dir may be NULL); bails out if var is unset. */
static inline const char *env_path(const char *var, const char *dir,
				   const char *file)
{
	static char path[4096];
	const char *root = getenv(var);

	if (!root)
		test_bail_out("%s is not set; run via make check", var);
	snprintf(path, sizeof(path), "%s/%s%s%s", root, dir ? dir : "",
		 dir ? "/" : "", file);
	return path;
}

/* Path of a vector file, e.g. "bolt01-tlv.json". */
static inline const char *vectors_path(const char *name)
{
	return env_path("OHM_VECTORS", NULL, name);
}

/* Path of a spec file, e.g. spec_path("bips", "bip-0173.mediawiki"). */
static inline const char *spec_path(const char *dir, const char *file)
{
	return env_path("OHM_SPEC", dir, file);
}

/* The whole file, NUL-terminated; bails out if it cannot be read. */
static inline char *read_whole_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		test_bail_out("cannot open %s", path);
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			text = realloc(text, cap + 1);
			if (!text)
				test_bail_out("out of memory reading %s", path);
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f))
		test_bail_out("cannot read %s", path);
	fclose(f);
	text[len] = '\0';
	return text;
}

/* A spec file's text, e.g. spec_read("bolts", "09-features.md"). */
static inline char *spec_read(const char *dir, const char *file)
{
	return read_whole_file(spec_path(dir, file));
}

static inline json_t *vectors_load_with_flags(const char *name, size_t flags)
{
	json_error_t error;
	json_t *root = json_load_file(vectors_path(name), flags, &error);

	if (!root)
		test_bail_out("cannot load %s: %s (line %d)", name, error.text,
			      error.line);
	return root;
}

/* A vector file's JSON, integers as integers; bails out if it does not
 * load (jansson refuses an integer above INT64_MAX: see below). */
static inline json_t *vectors_load(const char *name)
{
	return vectors_load_with_flags(name, 0);
}

/* For files with integers above INT64_MAX (bolt01-bigsize.json): every
 * number loads as a real, so read exact values from the *_str fields
 * (see vectors/README.md). */
static inline json_t *vectors_load_reals(const char *name)
{
	return vectors_load_with_flags(name, JSON_DECODE_INT_AS_REAL);
}

/* ---- JSON ---- */

/* The string member key of obj.  If obj has none (or obj is NULL) the
 * case fails, naming the field, and "" is returned so the test can go on. */
static inline const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (!s) {
		printf("# vector field \"%s\" missing\n", key);
		test_case_failed = true;
		return "";
	}
	return s;
}

/* ---- Hex ---- */

/* Decodes hex (either case) into a malloc'd buffer, never NULL even for
 * ""; *len gets its size.  Bails out on odd length or a non-hex digit. */
static inline uint8_t *hex_to_bytes(const char *hex, size_t *len)
{
	size_t hex_len = strlen(hex);
	uint8_t *bytes = malloc(hex_len / 2 + 1);

	if (!bytes || !hex_decode(bytes, hex_len / 2, hex, hex_len))
		test_bail_out("bad hex: %.80s", hex);
	*len = hex_len / 2;
	return bytes;
}

/* Decodes hex, which must spell exactly len bytes, into out; bails out if
 * it does not. */
static inline void hex_to_array(void *out, size_t len, const char *hex)
{
	if (!hex_decode(out, len, hex, strlen(hex)))
		test_bail_out("bad hex for %zu bytes: %.80s", len, hex);
}

/* True if p[0..len) are the bytes hex spells (in either case); otherwise
 * prints both as "# got"/"# want" lines. */
static inline bool bytes_are(const void *p, size_t len, const char *hex)
{
	char *got = malloc(2 * len + 1);
	bool same;

	if (!got)
		test_bail_out("out of memory");
	hex_encode(got, p, len);
	same = strcasecmp(got, hex) == 0;
	if (!same)
		printf("# got  %s\n# want %s\n", got, hex);
	free(got);
	return same;
}

/* True if got[0..got_len) equals want[0..want_len) (either may be NULL
 * when its length is 0); otherwise prints both in hex. */
static inline bool bytes_equal(const void *got, size_t got_len,
			       const void *want, size_t want_len)
{
	char *want_hex;
	bool same;

	if (got_len == want_len
	    && (got_len == 0 || memcmp(got, want, got_len) == 0))
		return true;
	want_hex = malloc(2 * want_len + 1);
	if (!want_hex)
		test_bail_out("out of memory");
	hex_encode(want_hex, want, want_len);
	same = bytes_are(got, got_len, want_hex);
	free(want_hex);
	return same;
}

/* ---- Test vectors in spec text ---- */

/* The run of hex digits after the first marker at or after from (blanks
 * skipped), or NULL if there is no marker; *next (if not NULL) gets where
 * the digits start, to look for the next marker from. */
static inline char *text_hex_after(const char *from, const char *marker,
				   const char **next)
{
	const char *p = strstr(from, marker);

	if (!p)
		return NULL;
	p += strlen(marker);
	p += strspn(p, " \t\n");
	if (next)
		*next = p;
	return strndup(p, strspn(p, "0123456789abcdef"));
}

/* text_hex_after for each marker in text, into out[]; returns how many
 * (at most max). */
static inline size_t text_hex_after_each(char **out, size_t max,
					 const char *text, const char *marker)
{
	const char *p = text;
	size_t n = 0;
	char *hex;

	while (n < max && (hex = text_hex_after(p, marker, &p)))
		out[n++] = hex;
	return n;
}

/* The text from the line after the first line containing start up to the
 * next mediawiki heading (a line starting "==") or the end.  Bails out if
 * start is not found. */
static inline char *mediawiki_section(const char *text, const char *start)
{
	const char *p = strstr(text, start), *end;
	char *copy;

	if (!p)
		test_bail_out("section '%s' not found", start);
	p = strchr(p, '\n');
	p = p ? p + 1 : text + strlen(text);
	for (end = p; *end; end = strchr(end, '\n') ? strchr(end, '\n') + 1
		     : end + strlen(end))
		if (end[0] == '=' && end[1] == '=')
			break;
	copy = malloc((size_t)(end - p) + 1);
	if (!copy)
		test_bail_out("out of memory");
	memcpy(copy, p, (size_t)(end - p));
	copy[end - p] = '\0';
	return copy;
}

/* The next bullet line ("* ...", without its newline) at or after *pos
 * and before end (NULL: the end of the text), advancing *pos past it; NULL
 * when there is none.  "** " lines are not bullets here. */
static inline char *mediawiki_next_bullet(const char **pos, const char *end)
{
	const char *p = *pos;

	while (p && *p && (!end || p < end)) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		*pos = nl ? nl + 1 : p + len;
		if (len > 2 && p[0] == '*' && p[1] == ' ')
			return strndup(p, len);
		p = *pos;
	}
	return NULL;
}

/* The n-th (from 0) <tt>...</tt> of line, or NULL if there is none. */
static inline char *mediawiki_tt(const char *line, int n)
{
	const char *p = line;

	for (;;) {
		const char *start = strstr(p, "<tt>"), *end;

		if (!start)
			return NULL;
		start += 4;
		end = strstr(start, "</tt>");
		if (!end)
			return NULL;
		if (n-- == 0)
			return strndup(start, (size_t)(end - start));
		p = end + 5;
	}
}

#endif /* OHM_TESTS_UNIT_VECTORS_H */
