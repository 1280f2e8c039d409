/* Descriptions of generated messages and TLV records, field by field, in
 * the spec's own notation.  wire/gen_wire.py emits one table per CSV file;
 * tests hold these tables against the BOLT markdown so the CSV cannot
 * drift from the spec, and logs can name fields.
 *
 * A spec data line `* [`gflen*byte`:`globalfeatures`]` is described as
 * { .name = "globalfeatures", .spec_type = "gflen*byte" }.
 */
#ifndef OHM_WIRE_WIRE_DESC_H
#define OHM_WIRE_WIRE_DESC_H

#include <stddef.h>
#include <stdint.h>

struct wire_field_desc {
	const char *name;
	const char *spec_type;
};

struct wire_msg_desc {
	uint16_t type;
	const char *name;
	const struct wire_field_desc *fields;
	size_t num_fields;
};

struct wire_tlv_record_desc {
	const char *stream;	/* the tlv_stream's name, e.g. "init_tlvs" */
	uint64_t type;
	const char *name;
	const struct wire_field_desc *fields;
	size_t num_fields;
};

#endif /* OHM_WIRE_WIRE_DESC_H */
