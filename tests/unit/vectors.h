/* What the unit tests share for reading their inputs: vector files
 * ($OHM_VECTORS: tests/vectors/, extracted from the BOLTs and BIPs by
 * contrib/extract-vectors.py), hex in and out, and JSON fields.
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
 * (see tests/vectors/README.md). */
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

/* The string at index i of array; like json_str, "" (and the case fails)
 * if there is none. */
static inline const char *json_str_at(const json_t *array, size_t i)
{
	const char *s = json_string_value(json_array_get(array, i));

	if (!s) {
		printf("# vector string [%zu] missing\n", i);
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

#endif /* OHM_TESTS_UNIT_VECTORS_H */
