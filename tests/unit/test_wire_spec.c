/* wire/ against the spec's definitions, so neither can drift unnoticed:
 *  - every message and TLV record generated from wire/peer_wire.csv has
 *    the type, field names and field types the BOLT markdown gives, and
 *    the TLV streams we define have every record the spec lists;
 *  - wire/features.c's table is BOLT #9's table, row for row.
 * The definitions and the table come from tests/vectors/ (extracted from
 * the BOLT text by contrib/extract-vectors.py).  The `BOLT #N:` quotes in
 * the sources are checked against the text itself by `make check-spec`
 * (tests/unit/check_spec_quotes.c). */
#include "tests/unit/vectors.h"
#include "wire/features.h"
#include "wire/peer_wire.h"

#define MAX_SPEC_FIELDS 64
#define MAX_NAME 80

/* One `1. type: N (`name`)` definition from the markdown. */
struct spec_def {
	bool is_record;			/* a TLV record, else a message */
	char stream[MAX_NAME];		/* the record's tlv_stream */
	char name[MAX_NAME];
	unsigned long long type;
	size_t num_fields;
	char field_names[MAX_SPEC_FIELDS][MAX_NAME];
	char field_types[MAX_SPEC_FIELDS][MAX_NAME];
};

struct spec_defs {
	struct spec_def *defs;
	size_t num, cap;
};

static struct spec_def *spec_defs_add(struct spec_defs *s)
{
	if (s->num == s->cap) {
		s->cap = s->cap * 2 + 16;
		s->defs = realloc(s->defs, s->cap * sizeof(s->defs[0]));
		if (!s->defs)
			exit(1);
	}
	memset(&s->defs[s->num], 0, sizeof(s->defs[0]));
	return &s->defs[s->num++];
}

/* Copies a JSON string member into a fixed buffer (fails the case if it
 * is missing). */
static void copy_str(char *out, size_t len, const json_t *obj, const char *key)
{
	snprintf(out, len, "%s", json_str(obj, key));
}

/* The message and TLV record definitions of BOLTs 1, 2 and 7. */
static void spec_parse_all(struct spec_defs *s)
{
	json_t *root = vectors_load("bolt-message-definitions.json");
	json_t *defs = json_object_get(root, "definitions"), *d, *field;
	size_t i, j;

	memset(s, 0, sizeof(*s));
	CHECK(json_array_size(defs) > 0);
	json_array_foreach(defs, i, d) {
		struct spec_def *cur = spec_defs_add(s);

		cur->is_record = strcmp(json_str(d, "kind"), "tlv_record") == 0;
		if (cur->is_record)
			copy_str(cur->stream, sizeof(cur->stream), d, "tlv_stream");
		copy_str(cur->name, sizeof(cur->name), d, "name");
		cur->type = (unsigned long long)json_integer_value(
			json_object_get(d, "type"));
		json_array_foreach(json_object_get(d, "fields"), j, field) {
			if (cur->num_fields == MAX_SPEC_FIELDS)
				break;
			snprintf(cur->field_types[cur->num_fields], MAX_NAME, "%s",
				 json_string_value(json_array_get(field, 0)));
			snprintf(cur->field_names[cur->num_fields], MAX_NAME, "%s",
				 json_string_value(json_array_get(field, 1)));
			cur->num_fields++;
		}
	}
	json_decref(root);
}

static const struct spec_def *spec_find(const struct spec_defs *s,
					bool is_record, const char *stream,
					const char *name)
{
	for (size_t i = 0; i < s->num; i++) {
		const struct spec_def *d = &s->defs[i];

		if (d->is_record == is_record && strcmp(d->name, name) == 0
		    && (!is_record || strcmp(d->stream, stream) == 0))
			return d;
	}
	return NULL;
}

static void check_fields(const char *what, const struct spec_def *d,
			 const struct wire_field_desc *fields, size_t num)
{
	CHECK_MSG(d->num_fields == num, "%s: spec has %zu fields, table %zu",
		  what, d->num_fields, num);
	for (size_t i = 0; i < num && i < d->num_fields; i++) {
		CHECK_MSG(strcmp(d->field_names[i], fields[i].name) == 0,
			  "%s field %zu: spec `%s`, table `%s`", what, i,
			  d->field_names[i], fields[i].name);
		CHECK_MSG(strcmp(d->field_types[i], fields[i].spec_type) == 0,
			  "%s.%s: spec type `%s`, table `%s`", what,
			  fields[i].name, d->field_types[i],
			  fields[i].spec_type);
	}
}

static void test_message_table_matches_spec(void)
{
	struct spec_defs s;

	spec_parse_all(&s);
	CHECK(spec_find(&s, false, "", "open_channel") != NULL);
	for (size_t i = 0; i < peer_wire_num_msg_descs; i++) {
		const struct wire_msg_desc *m = &peer_wire_msg_descs[i];
		const struct spec_def *d = spec_find(&s, false, "", m->name);

		CHECK_MSG(d, "message %s is not in the spec", m->name);
		if (!d)
			continue;
		CHECK_MSG(d->type == m->type, "%s: spec type %llu, table %u",
			  m->name, d->type, m->type);
		check_fields(m->name, d, m->fields, m->num_fields);
	}
	printf("# %zu messages checked against %zu spec definitions\n",
	       peer_wire_num_msg_descs, s.num);
	CHECK(peer_wire_num_msg_descs >= 5);
	free(s.defs);
}

static bool table_has_record(const char *stream, const char *name)
{
	for (size_t i = 0; i < peer_wire_num_tlv_descs; i++) {
		if (strcmp(peer_wire_tlv_descs[i].stream, stream) == 0
		    && strcmp(peer_wire_tlv_descs[i].name, name) == 0)
			return true;
	}
	return false;
}

static void test_tlv_table_matches_spec(void)
{
	struct spec_defs s;

	spec_parse_all(&s);
	for (size_t i = 0; i < peer_wire_num_tlv_descs; i++) {
		const struct wire_tlv_record_desc *r = &peer_wire_tlv_descs[i];
		const struct spec_def *d = spec_find(&s, true, r->stream,
						     r->name);

		CHECK_MSG(d, "%s.%s is not in the spec", r->stream, r->name);
		if (!d)
			continue;
		CHECK_MSG(d->type == r->type, "%s.%s: spec type %llu",
			  r->stream, r->name, d->type);
		check_fields(r->name, d, r->fields, r->num_fields);
	}
	/* And no record of a stream we define is missing from the table. */
	for (size_t i = 0; i < s.num; i++) {
		const struct spec_def *d = &s.defs[i];
		bool stream_is_ours = false;

		for (size_t j = 0; j < peer_wire_num_tlv_descs; j++)
			stream_is_ours |= d->is_record
				&& strcmp(peer_wire_tlv_descs[j].stream,
					  d->stream) == 0;
		if (stream_is_ours)
			CHECK_MSG(table_has_record(d->stream, d->name),
				  "spec record %s.%s missing from the table",
				  d->stream, d->name);
	}
	CHECK(peer_wire_num_tlv_descs >= 2);
	free(s.defs);
}

/* BOLT #9's table, row for row, is wire/features.c's. */
static void test_feature_table_matches_bolt9(void)
{
	json_t *root = vectors_load("bolt09-feature-table.json");
	json_t *row;
	size_t rows = 0, i;

	json_array_foreach(json_object_get(root, "features"), i, row) {
		const char *name = json_str(row, "name");
		const char *dependency = json_str(row, "dependencies");
		unsigned even, odd;
		const struct feature_info *info;

		if (sscanf(json_str(row, "bits"), "%u/%u", &even, &odd) != 2)
			test_bail_out("bad feature bits in %s", name);
		rows++;
		info = feature_info_by_bit(even);
		CHECK_MSG(info, "BOLT #9 feature %s (%u) is not in the table",
			  name, even);
		if (!info)
			continue;
		CHECK(odd == even + 1 && info->feature == even);
		CHECK_MSG(strcmp(info->name, name) == 0, "%u: %s vs %s",
			  even, info->name, name);
		CHECK_MSG(strcmp(info->context, json_str(row, "context")) == 0,
			  "%s: context \"%s\" vs spec \"%s\"", info->name,
			  info->context, json_str(row, "context"));
		CHECK_MSG(info->is_assumed
			  == (strcmp(json_str(row, "description"), "ASSUMED") == 0),
			  "%s: ASSUMED mismatch", info->name);
		if (dependency[0])
			CHECK_MSG(info->has_dependency
				  && strcmp(feature_info(info->depends_on)->name,
					    dependency) == 0,
				  "%s: dependency %s", info->name, dependency);
		else
			CHECK_MSG(!info->has_dependency, "%s: no dependency",
				  info->name);
	}
	CHECK_MSG(rows == feature_table_len, "spec rows %zu, table %zu", rows,
		  feature_table_len);
	json_decref(root);
}

int main(void)
{
	RUN(test_message_table_matches_spec);
	RUN(test_tlv_table_matches_spec);
	RUN(test_feature_table_matches_bolt9);
	return test_done();
}
