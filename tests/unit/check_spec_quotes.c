/* `make check-spec SPEC=/path/to/spec`: every `BOLT #N:` quote in ohm's
 * sources (and the generated wire/peer_wire_gen.c) appears in that BOLT's
 * text, modulo whitespace, so no quoted requirement drifts from the spec.
 * A quote runs to a blank comment line or the comment's end, as in Core
 * Lightning.  Not part of `make check`: it needs a BOLT checkout
 * ($OHM_SPEC/bolts), which the tests never read.  Built with OHM_SRCDIR and
 * OHM_BUILDDIR so it can read the sources. */
#include <ctype.h>
#include <dirent.h>

#include "tests/unit/vectors.h"

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A BOLT file's text; bails out if it cannot be read. */
static char *bolt_read(const char *file)
{
	return read_whole_file(env_path("OHM_SPEC", "bolts", file));
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

	snprintf(dir_path, sizeof(dir_path), "%s", env_path("OHM_SPEC", "bolts", ""));
	dir = opendir(dir_path);
	CHECK(dir != NULL);
	while (dir && (e = readdir(dir)) != NULL) {
		unsigned n;

		if (sscanf(e->d_name, "%2u-", &n) == 1 && n < 100
		    && strstr(e->d_name, ".md")) {
			bolts[n] = bolt_read(e->d_name);
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
		"common", "crypto", "wire", "bitcoin", "channel", "gossip", "pay", "onchain",
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
	RUN(test_spec_quotes_in_sources);
	return test_done();
}
