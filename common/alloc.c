/* Allocation that aborts on out-of-memory (see alloc.h). */
#include "common/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t size)
{
	fprintf(stderr, "ohm: out of memory (allocating %zu bytes)\n", size);
	abort();
}

void *oh_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *oh_calloc(size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		out_of_memory(count * size);
	return p;
}

void *oh_realloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q)
		out_of_memory(size);
	return q;
}

char *oh_strdup(const char *s)
{
	return oh_memdup(s, strlen(s) + 1);
}

char *oh_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = oh_malloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *oh_memdup(const void *bytes, size_t len)
{
	void *p = oh_malloc(len);

	if (len)
		memcpy(p, bytes, len);
	return p;
}
