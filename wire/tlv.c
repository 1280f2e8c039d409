/* TLV stream parsing and writing: the BOLT #1 reader and writer rules, in
 * the order the spec lists them.  Record readers and writers only handle
 * values; everything about the record framing lives here. */
#include "wire/tlv.h"

#include <assert.h>
#include <stdlib.h>

#include "wire/wire.h"

const struct tlv_record_type *tlv_namespace_find(const struct tlv_namespace *ns,
						 uint64_t type)
{
	for (size_t i = 0; i < ns->num_types; i++) {
		if (ns->types[i].type == type)
			return &ns->types[i];
	}
	return NULL;
}

void tlv_unknowns_clear(struct tlv_unknowns *unknowns)
{
	for (size_t i = 0; i < unknowns->num; i++)
		free(unknowns->records[i].value);
	free(unknowns->records);
	unknowns->records = NULL;
	unknowns->num = 0;
	unknowns->cap = 0;
}

static void tlv_unknowns_add(struct tlv_unknowns *unknowns, uint64_t type,
			     const uint8_t *value, size_t length)
{
	struct tlv_record *rec;

	/* Doubling keeps a stream of many tiny records linear-time. */
	if (unknowns->num >= unknowns->cap) {
		size_t cap = unknowns->num ? unknowns->num * 2 : 4;
		struct tlv_record *grown = wire_calloc(cap, sizeof(*grown));

		for (size_t i = 0; i < unknowns->num; i++)
			grown[i] = unknowns->records[i];
		free(unknowns->records);
		unknowns->records = grown;
		unknowns->cap = cap;
	}
	rec = &unknowns->records[unknowns->num++];
	rec->type = type;
	rec->length = length;
	rec->value = wire_memdup(value, length);
}

/* Fails the cursor and records why; always returns false. */
static bool tlv_fail(const uint8_t **cursor, size_t *max,
		     struct tlv_error *err, const char *reason,
		     bool has_type, uint64_t type)
{
	fromwire_fail(cursor, max);
	if (err) {
		err->reason = reason;
		err->has_type = has_type;
		err->type = type;
	}
	return false;
}

bool tlv_stream_fromwire(const uint8_t **cursor, size_t *max,
			 const struct tlv_namespace *ns, void *stream,
			 struct tlv_unknowns *unknowns, struct tlv_error *err)
{
	uint64_t prev_type = 0;
	bool is_first = true;

	if (!*cursor)
		return tlv_fail(cursor, max, err,
				"message truncated before its TLV stream",
				false, 0);

	/* BOLT #1:
	 *  - if zero bytes remain before parsing a `type`:
	 *    - MUST stop parsing the `tlv_stream`.
	 */
	while (*max > 0) {
		const struct tlv_record_type *known;
		const uint8_t *value, *value_cursor;
		uint64_t type, length;
		size_t value_max;

		/* BOLT #1:
		 *  - if a `type` or `length` is not minimally encoded:
		 *    - MUST fail to parse the `tlv_stream`.
		 */
		type = fromwire_bigsize(cursor, max);
		if (!*cursor)
			return tlv_fail(cursor, max, err,
					"type truncated or not minimally encoded",
					false, 0);
		length = fromwire_bigsize(cursor, max);
		if (!*cursor)
			return tlv_fail(cursor, max, err,
					"length truncated or not minimally encoded",
					true, type);

		/* BOLT #1:
		 *  - if decoded `type`s are not strictly-increasing (including situations when
		 *    two or more occurrences of the same `type` are met):
		 *    - MUST fail to parse the `tlv_stream`.
		 */
		if (!is_first && type <= prev_type)
			return tlv_fail(cursor, max, err,
					"types not strictly increasing",
					true, type);

		/* BOLT #1:
		 *  - if `length` exceeds the number of bytes remaining in the message:
		 *    - MUST fail to parse the `tlv_stream`.
		 */
		if (length > *max)
			return tlv_fail(cursor, max, err,
					"length exceeds the bytes remaining",
					true, type);
		value = fromwire_pull(cursor, max, (size_t)length);

		known = tlv_namespace_find(ns, type);
		if (known) {
			/* BOLT #1:
			 *  - if `type` is known:
			 *    - MUST decode the next `length` bytes using the known encoding for `type`.
			 *    - if `length` is not exactly equal to that required for the known encoding for `type`:
			 *      - MUST fail to parse the `tlv_stream`.
			 *    - if variable-length fields within the known encoding for `type` are not minimal:
			 *      - MUST fail to parse the `tlv_stream`.
			 */
			value_cursor = value;
			value_max = (size_t)length;
			known->fromwire(&value_cursor, &value_max, stream);
			if (!value_cursor)
				return tlv_fail(cursor, max, err,
						"malformed or short value",
						true, type);
			if (value_max != 0)
				return tlv_fail(cursor, max, err,
						"value longer than its encoding",
						true, type);
		} else if (type % 2 == 0) {
			/* BOLT #1:
			 *  - otherwise, if `type` is unknown:
			 *    - if `type` is even:
			 *      - MUST fail to parse the `tlv_stream`.
			 */
			return tlv_fail(cursor, max, err, "unknown even type",
					true, type);
		} else if (unknowns) {
			/* BOLT #1:
			 *    - otherwise, if `type` is odd:
			 *      - MUST discard the next `length` bytes.
			 *
			 * We keep a copy so signed streams can be re-serialised. */
			tlv_unknowns_add(unknowns, type, value, (size_t)length);
		}
		prev_type = type;
		is_first = false;
	}
	return true;
}

static void towire_record(struct wirebuf *buf, uint64_t type,
			  const uint8_t *value, size_t length)
{
	towire_bigsize(buf, type);
	towire_bigsize(buf, length);
	towire_bytes(buf, value, length);
}

/* BOLT #1:
 * The sending node:
 *  - MUST order `tlv_record`s in a `tlv_stream` by strictly-increasing `type`,
 *    hence MUST not produce more than a single TLV record with the same `type`
 *  - MUST minimally encode `type` and `length`.
 */
void tlv_stream_towire(struct wirebuf *buf, const struct tlv_namespace *ns,
		       const void *stream,
		       const struct tlv_unknowns *unknowns)
{
	struct wirebuf *value = wirebuf_new();
	size_t num_unknown = unknowns ? unknowns->num : 0;
	size_t k = 0, u = 0;

	/* Merge the known types (sorted) with the unknown records (sorted). */
	while (k < ns->num_types || u < num_unknown) {
		const struct tlv_record *unknown =
			u < num_unknown ? &unknowns->records[u] : NULL;
		const struct tlv_record_type *known =
			k < ns->num_types ? &ns->types[k] : NULL;

		assert(!known || !unknown || known->type != unknown->type);
		assert(!known || k == 0 || ns->types[k - 1].type < known->type);
		assert(!unknown || u == 0
		       || unknowns->records[u - 1].type < unknown->type);

		if (unknown && (!known || unknown->type < known->type)) {
			towire_record(buf, unknown->type, unknown->value,
				      unknown->length);
			u++;
			continue;
		}
		wirebuf_reset(value);
		if (known->towire(value, stream))
			towire_record(buf, known->type, value->data,
				      value->len);
		k++;
	}
	wirebuf_free(value);
}
