/* Helpers shared by the wire/ unit tests: loading BOLT vector JSON (via
 * jansson), hex to bytes, and reading spec markdown from $OHM_SPEC. */
#ifndef OHM_TESTS_UNIT_TEST_WIRE_VECTORS_H
#define OHM_TESTS_UNIT_TEST_WIRE_VECTORS_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "tests/unit/test.h"

/* Loads a vector file from $OHM_VECTORS, or bails out of the binary.
 * Numbers load as reals: jansson rejects integers above INT64_MAX, so
 * tests read exact values from the *_str fields (see vectors/README.md). */
static inline json_t *vectors_load(const char *name)
{
	json_error_t error;
	json_t *root = json_load_file(test_vector_path(name),
				      JSON_DECODE_INT_AS_REAL, &error);

	if (!root) {
		printf("Bail out! cannot load %s: %s (line %d)\n", name,
		       error.text, error.line);
		exit(1);
	}
	return root;
}

/* A malloc'd copy of hex decoded (NULL for ""), its length in *len.
 * Bails out on bad hex: vectors are our input, not the test's subject. */
static inline uint8_t *hex_to_bytes(const char *hex, size_t *len)
{
	size_t hex_len = strlen(hex);
	uint8_t *bytes;

	*len = hex_len / 2;
	if (*len == 0)
		return NULL;
	bytes = malloc(*len);
	if (!bytes || !hex_decode(bytes, *len, hex, hex_len)) {
		printf("Bail out! bad hex in vector: %s\n", hex);
		exit(1);
	}
	return bytes;
}

/* The string member key of obj, or "" if absent. */
static inline const char *json_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* A whole file, NUL-terminated, malloc'd; bails out if unreadable. */
static inline char *read_whole_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	do {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			text = realloc(text, cap + 1);
			if (!text)
				exit(1);
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	text[len] = '\0';
	return text;
}

/* Path of a BOLT markdown file under $OHM_SPEC/bolts/. */
static inline const char *spec_bolt_path(const char *file)
{
	static char path[4096];
	const char *dir = getenv("OHM_SPEC");

	if (!dir) {
		printf("Bail out! OHM_SPEC is not set; run via make check\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/bolts/%s", dir, file);
	return path;
}

#endif /* OHM_TESTS_UNIT_TEST_WIRE_VECTORS_H */
