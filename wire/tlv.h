/* TLV streams (BOLT #1 "Type-Length-Value Format"): parsing a stream
 * against a namespace of known record types, and writing one back.
 *
 * A namespace lists the record types a stream may carry, each with a
 * reader and a writer working on the caller's stream struct (a `void *`
 * the callbacks cast back).  Generated streams (see peer_wire.csv) and
 * hand-written ones (the BOLT #1 test namespaces) use the same API.
 *
 * The parser enforces every BOLT #1 reader rule, so record readers only
 * decode their value: types strictly increasing, type and length minimally
 * encoded, length within the stream, unknown even types rejected, unknown
 * odd types skipped, and each known value consumed exactly.  Unknown odd
 * records are kept verbatim (if the caller asks), so a signed stream can be
 * re-serialised byte for byte.
 */
#ifndef OHM_WIRE_TLV_H
#define OHM_WIRE_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wirebuf.h"

/* One record as it appeared on the wire. */
struct tlv_record {
	uint64_t type;
	size_t length;
	uint8_t *value;		/* malloc'd copy; NULL when length is 0 */
};

/* The unknown odd records of a stream, by strictly increasing type. */
struct tlv_unknowns {
	struct tlv_record *records;
	size_t num;
	size_t cap;		/* entries allocated; 0 is always safe */
};

/* A record type a namespace knows.  fromwire gets a cursor over exactly
 * the record's value; it stores the decoded value in stream and fails the
 * cursor (fromwire_fail) if the value is malformed.  The parser fails the
 * stream if the cursor fails or bytes are left over.  towire appends the
 * value (without type and length) and returns true if stream holds this
 * record; it returns false, appending nothing, if the record is absent. */
struct tlv_record_type {
	uint64_t type;
	const char *name;
	void (*fromwire)(const uint8_t **cursor, size_t *max, void *stream);
	bool (*towire)(struct wirebuf *buf, const void *stream);
};

/* Precondition for all functions below: types[] is sorted by strictly
 * increasing type. */
struct tlv_namespace {
	const char *name;
	const struct tlv_record_type *types;
	size_t num_types;
};

/* Why a stream failed to parse, for logs and `warning` messages. */
struct tlv_error {
	const char *reason;	/* static text, e.g. "unknown even type" */
	bool has_type;		/* whether type names the record at fault */
	uint64_t type;
};

/* Parses the rest of the cursor's buffer (all *max bytes) as a TLV stream
 * in namespace ns, storing known records into stream via the record
 * readers and, if unknowns is not NULL, appending unknown odd records to
 * it.  Returns true on success, with *max 0.  On failure returns false,
 * fails the cursor and, if err is not NULL, says why.  Either way, stream
 * and unknowns may now own memory: release them as usual. */
bool tlv_stream_fromwire(const uint8_t **cursor, size_t *max,
			 const struct tlv_namespace *ns, void *stream,
			 struct tlv_unknowns *unknowns, struct tlv_error *err);

/* Appends the records present in stream, plus the unknown records if
 * unknowns is not NULL, by increasing type.  Precondition: no unknown
 * record has a type the namespace knows, and unknowns is sorted. */
void tlv_stream_towire(struct wirebuf *buf, const struct tlv_namespace *ns,
		       const void *stream,
		       const struct tlv_unknowns *unknowns);

/* The namespace entry for type, or NULL if the namespace does not know it. */
const struct tlv_record_type *tlv_namespace_find(const struct tlv_namespace *ns,
						 uint64_t type);

/* Frees every record and empties the list (it may then be reused). */
void tlv_unknowns_clear(struct tlv_unknowns *unknowns);

#endif /* OHM_WIRE_TLV_H */
