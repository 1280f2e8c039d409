/* Growable byte buffer; see wirebuf.h for the ownership rules. */
#include "wire/wirebuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory is not something a Lightning node can negotiate with. */
static void wire_out_of_memory(void)
{
	fputs("ohm: out of memory in wire layer\n", stderr);
	abort();
}

struct wirebuf *wirebuf_new(void)
{
	struct wirebuf *buf = calloc(1, sizeof(*buf));

	if (!buf)
		wire_out_of_memory();
	/* Never NULL data: a cursor over an empty buffer must not look like
	 * a failed read. */
	buf->cap = 64;
	buf->data = malloc(buf->cap);
	if (!buf->data)
		wire_out_of_memory();
	return buf;
}

void wirebuf_free(struct wirebuf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	free(buf);
}

/* Grows capacity geometrically so n appends cost O(n) copies overall. */
static void wirebuf_reserve(struct wirebuf *buf, size_t extra)
{
	size_t want, cap;
	uint8_t *data;

	if (extra > SIZE_MAX - buf->len)
		wire_out_of_memory();
	want = buf->len + extra;
	if (want <= buf->cap)
		return;
	cap = buf->cap;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	data = realloc(buf->data, cap);
	if (!data)
		wire_out_of_memory();
	buf->data = data;
	buf->cap = cap;
}

void wirebuf_append(struct wirebuf *buf, const void *bytes, size_t len)
{
	if (len == 0)
		return;
	wirebuf_reserve(buf, len);
	memcpy(buf->data + buf->len, bytes, len);
	buf->len += len;
}

void wirebuf_reset(struct wirebuf *buf)
{
	buf->len = 0;
}

uint8_t *wirebuf_take(struct wirebuf *buf, size_t *len)
{
	uint8_t *data = buf->data;

	*len = buf->len;
	if (buf->len == 0) {
		free(data);
		data = NULL;
	}
	free(buf);
	return data;
}

void *wire_calloc(size_t count, size_t size)
{
	void *p;

	if (count == 0 || size == 0)
		return NULL;
	if (count > SIZE_MAX / size)
		wire_out_of_memory();
	p = calloc(count, size);
	if (!p)
		wire_out_of_memory();
	return p;
}

void *wire_memdup(const void *bytes, size_t len)
{
	void *p = wire_calloc(len, 1);

	if (p)
		memcpy(p, bytes, len);
	return p;
}
