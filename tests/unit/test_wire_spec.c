/* wire/ against the spec text, so neither can drift unnoticed:
 *  - every message and TLV record generated from wire/peer_wire.csv has
 *    the type, field names and field types the BOLT markdown gives, and
 *    the TLV streams we define have every record the spec lists;
 *  - wire/features.c's table is BOLT #9's table, row for row;
 *  - every `BOLT #N:` quote in wire/ sources appears in that BOLT (modulo
 *    whitespace).  A quote runs to a blank comment line or the comment's
 *    end, as in Core Lightning.
 * Built with OHM_SRCDIR and OHM_BUILDDIR so it can read the sources. */
#include <ctype.h>
#include <dirent.h>

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

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Collects message and TLV record definitions from one BOLT file. */
static void spec_parse(struct spec_defs *s, const char *file)
{
	char *text = spec_read("bolts", file);
	char stream[MAX_NAME] = "", name[MAX_NAME], ftype[MAX_NAME];
	struct spec_def *cur = NULL;
	unsigned long long type;

	for (char *line = text, *next; line; line = next) {
		const char *trimmed;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		trimmed = skip_spaces(line);

		if (sscanf(line, "1. `tlv_stream`: `%79[^`]`", stream) == 1) {
			cur = NULL;
		} else if (sscanf(trimmed, "1. type: %llu (`%79[^`]`)", &type,
				  name) == 2) {
			cur = spec_defs_add(s);
			cur->is_record = trimmed != line && stream[0];
			if (cur->is_record)
				strcpy(cur->stream, stream);
			strcpy(cur->name, name);
			cur->type = type;
		} else if (sscanf(trimmed, "* [`%79[^`]`:`%79[^`]`]", ftype,
				  name) == 2) {
			if (cur && cur->num_fields < MAX_SPEC_FIELDS) {
				strcpy(cur->field_types[cur->num_fields], ftype);
				strcpy(cur->field_names[cur->num_fields], name);
				cur->num_fields++;
			}
		} else if (*trimmed == '\0' || strcmp(trimmed, "2. data:") == 0
			   || strcmp(trimmed, "2. types:") == 0) {
			continue;
		} else {
			/* Prose ends a definition; unindented prose a stream. */
			cur = NULL;
			if (trimmed == line)
				stream[0] = '\0';
		}
	}
	free(text);
}

static void spec_parse_all(struct spec_defs *s)
{
	memset(s, 0, sizeof(*s));
	spec_parse(s, "01-messaging.md");
	spec_parse(s, "02-peer-protocol.md");
	spec_parse(s, "07-routing-gossip.md");
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

/* Copies a markdown table cell, trimmed and without backticks. */
static void cell(char *out, size_t out_len, const char *start,
		 const char *end)
{
	size_t n = 0;

	start = skip_spaces(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	for (; start < end && n + 1 < out_len; start++) {
		if (*start != '`')
			out[n++] = *start;
	}
	out[n] = '\0';
}

/* BOLT #9's table, row for row, is wire/features.c's. */
static void test_feature_table_matches_bolt9(void)
{
	char *text = spec_read("bolts", "09-features.md");
	size_t rows = 0;

	for (char *line = text, *next; line; line = next) {
		char cells[6][128];
		const char *p = line + 1;
		unsigned even, odd;
		const struct feature_info *info;
		int n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] != '|')
			continue;
		while (n < 6) {
			const char *bar = strchr(p, '|');

			if (!bar)
				break;
			cell(cells[n++], sizeof(cells[0]), p, bar);
			p = bar + 1;
		}
		if (n < 5 || sscanf(cells[0], "%u/%u", &even, &odd) != 2)
			continue;
		rows++;
		info = feature_info_by_bit(even);
		CHECK_MSG(info, "BOLT #9 feature %s (%u) is not in the table",
			  cells[1], even);
		if (!info)
			continue;
		CHECK(odd == even + 1 && info->feature == even);
		CHECK_MSG(strcmp(info->name, cells[1]) == 0, "%u: %s vs %s",
			  even, info->name, cells[1]);
		CHECK_MSG(strcmp(info->context, cells[3]) == 0,
			  "%s: context \"%s\" vs spec \"%s\"", info->name,
			  info->context, cells[3]);
		CHECK_MSG(info->is_assumed == (strcmp(cells[2], "ASSUMED") == 0),
			  "%s: ASSUMED mismatch", info->name);
		if (cells[4][0])
			CHECK_MSG(info->has_dependency
				  && strcmp(feature_info(info->depends_on)->name,
					    cells[4]) == 0,
				  "%s: dependency %s", info->name, cells[4]);
		else
			CHECK_MSG(!info->has_dependency, "%s: no dependency",
				  info->name);
	}
	CHECK_MSG(rows == feature_table_len, "spec rows %zu, table %zu", rows,
		  feature_table_len);
	free(text);
}

/* Whitespace runs become one space; leading/trailing dropped. */
static void normalise_spaces(char *s)
{
	char *out = s;
	bool space = true;

	for (const char *in = s; *in; in++) {
		if (isspace((unsigned char)*in)) {
			space = true;
			continue;
		}
		if (space && out != s)
			*out++ = ' ';
		space = false;
		*out++ = *in;
	}
	*out = '\0';
}

/* Checks each `BOLT #N:` quote in one source file; counts them. */
static size_t check_quotes_in(const char *path, char *bolts[100])
{
	char *text = read_whole_file(path);
	size_t found = 0;

	for (char *line = text, *next; line; line = next) {
		const char *start = skip_spaces(line);
		char quote[8192] = "";
		unsigned bolt;
		int used = 0;

		next = strchr(line, '\n');
		if (next)
			next++;
		if (strncmp(start, "/* BOLT #", 9) != 0
		    && strncmp(start, "* BOLT #", 8) != 0)
			continue;
		if (sscanf(strchr(start, '#'), "#%u:%n", &bolt, &used) != 1
		    || used == 0 || bolt >= 100)
			continue;
		/* The quote: rest of this line, then comment lines up to a
		 * blank one or the end of the comment. */
		for (const char *q = strchr(start, '#') + used; q; ) {
			const char *eol = strchr(q, '\n');
			const char *end = strstr(q, "*/");
			size_t len = eol ? (size_t)(eol - q) : strlen(q);
			bool is_last = end && (!eol || end < eol);
			const char *body;

			if (is_last)
				len = (size_t)(end - q);
			strncat(quote, q, len < sizeof(quote) - strlen(quote) - 2
				? len : 0);
			strcat(quote, " ");
			if (is_last || !eol)
				break;
			body = skip_spaces(eol + 1);
			if (*body == '*' && body[1] != '/')
				body++;
			if (*skip_spaces(body) == '\n')
				break;
			q = body;
		}
		normalise_spaces(quote);
		if (!quote[0])
			continue;
		found++;
		CHECK_MSG(bolts[bolt] && strstr(bolts[bolt], quote),
			  "%s: quote not in BOLT #%u: \"%s\"", path, bolt, quote);
	}
	free(text);
	return found;
}

/* Loads every BOLT markdown file, whitespace-normalised, by number. */
static void load_bolts(char *bolts[100])
{
	char dir_path[4096];
	DIR *dir;
	struct dirent *e;

	snprintf(dir_path, sizeof(dir_path), "%s", spec_path("bolts", ""));
	dir = opendir(dir_path);
	CHECK(dir != NULL);
	while (dir && (e = readdir(dir)) != NULL) {
		unsigned n;

		if (sscanf(e->d_name, "%2u-", &n) == 1 && n < 100
		    && strstr(e->d_name, ".md")) {
			bolts[n] = spec_read("bolts", e->d_name);
			normalise_spaces(bolts[n]);
		}
	}
	if (dir)
		closedir(dir);
}

/* Every "BOLT #N:" quote in every source directory (not only wire/), so
 * that no quoted requirement can drift from the spec. */
static void test_spec_quotes_in_sources(void)
{
	static const char *const dirs[] = {
		"common", "crypto", "wire", "bitcoin", "channel", "gossip", "pay",
		"db", "daemon", "cli",
	};
	char *bolts[100] = { NULL };
	char path[4096];
	size_t quotes = 0;

	load_bolts(bolts);
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir;
		struct dirent *e;

		snprintf(path, sizeof(path), OHM_SRCDIR "/%s", dirs[d]);
		dir = opendir(path);
		if (!dir)
			continue;	/* a layer that does not exist yet */
		while ((e = readdir(dir)) != NULL) {
			size_t len = strlen(e->d_name);

			if (len < 3 || (strcmp(e->d_name + len - 2, ".c") != 0
					&& strcmp(e->d_name + len - 2, ".h") != 0)
			    || strstr(e->d_name, "_gen."))
				continue;
			snprintf(path, sizeof(path), OHM_SRCDIR "/%s/%s", dirs[d], e->d_name);
			quotes += check_quotes_in(path, bolts);
		}
		closedir(dir);
	}
	quotes += check_quotes_in(OHM_BUILDDIR "/wire/peer_wire_gen.c", bolts);
	printf("# %zu spec quotes checked\n", quotes);
	CHECK(quotes >= 25);
	for (size_t i = 0; i < 100; i++)
		free(bolts[i]);
}

int main(void)
{
	RUN(test_message_table_matches_spec);
	RUN(test_tlv_table_matches_spec);
	RUN(test_feature_table_matches_bolt9);
	RUN(test_spec_quotes_in_sources);
	return test_done();
}
