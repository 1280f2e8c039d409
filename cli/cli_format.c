/* Output formatting for ohm-cli; see cli_format.h.
 *
 * Text is built in a growable buffer; once an allocation fails the buffer
 * is marked failed, later appends do nothing and text_finish() returns NULL,
 * so callers check once at the end.
 */
#include "cli/cli_format.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDENT_WIDTH 3

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void text_init(struct text *t)
{
	t->cap = 256;
	t->len = 0;
	t->buf = malloc(t->cap);
	t->failed = !t->buf;
	if (t->buf)
		t->buf[0] = '\0';
}

static bool text_reserve(struct text *t, size_t extra)
{
	char *bigger;
	size_t cap = t->cap;

	if (t->failed)
		return false;
	while (cap - t->len <= extra)
		cap *= 2;
	if (cap == t->cap)
		return true;
	bigger = realloc(t->buf, cap);
	if (!bigger) {
		t->failed = true;
		return false;
	}
	t->buf = bigger;
	t->cap = cap;
	return true;
}

static void text_append(struct text *t, const char *s, size_t len)
{
	if (!text_reserve(t, len))
		return;
	memcpy(t->buf + t->len, s, len);
	t->len += len;
	t->buf[t->len] = '\0';
}

static void text_puts(struct text *t, const char *s)
{
	text_append(t, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->failed = true;
		return;
	}
	if (!text_reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void text_indent(struct text *t, int depth)
{
	text_printf(t, "%*s", depth * INDENT_WIDTH, "");
}

/* Returns the finished text (the caller frees it), or NULL if it failed. */
static char *text_finish(struct text *t)
{
	if (t->failed) {
		free(t->buf);
		return NULL;
	}
	return t->buf;
}

/* A scalar as a person reads it: strings bare, the rest as JSON. */
static void text_scalar(struct text *t, const json_t *value)
{
	char *json;

	if (json_is_string(value)) {
		text_append(t, json_string_value(value),
			    json_string_length(value));
		return;
	}
	json = json_dumps(value, JSON_ENCODE_ANY);
	if (!json) {
		t->failed = true;
		return;
	}
	text_puts(t, json);
	free(json);
}

char *cli_format_json(const json_t *value)
{
	struct text t;
	char *json = json_dumps(value, JSON_INDENT(3) | JSON_PRESERVE_ORDER
					       | JSON_ENCODE_ANY);

	if (!json)
		return NULL;
	text_init(&t);
	text_puts(&t, json);
	text_puts(&t, "\n");
	free(json);
	return text_finish(&t);
}

static void human_members(struct text *t, const json_t *object, int depth);

/* One `name: value` entry; containers spread over the lines beneath. */
static void human_entry(struct text *t, const char *name, const json_t *value,
			int depth)
{
	if (json_is_object(value) && json_object_size(value) > 0) {
		text_indent(t, depth);
		text_printf(t, "%s:\n", name);
		human_members(t, value, depth + 1);
	} else if (json_is_array(value) && json_array_size(value) > 0) {
		size_t i;
		const json_t *element;

		json_array_foreach(value, i, element) {
			size_t size = strlen(name) + 24;	/* "[%zu]" */
			char *element_name = malloc(size);

			if (!element_name) {
				t->failed = true;
				return;
			}
			snprintf(element_name, size, "%s[%zu]", name, i);
			human_entry(t, element_name, element, depth);
			free(element_name);
		}
	} else {
		text_indent(t, depth);
		text_printf(t, "%s: ", name);
		if (json_is_object(value))
			text_puts(t, "{}");
		else if (json_is_array(value))
			text_puts(t, "[]");
		else
			text_scalar(t, value);
		text_puts(t, "\n");
	}
}

static void human_members(struct text *t, const json_t *object, int depth)
{
	const char *key;
	const json_t *value;

	/* json_object_foreach wants a non-const object; it does not modify. */
	json_object_foreach((json_t *)object, key, value)
		human_entry(t, key, value, depth);
}

char *cli_format_human(const json_t *value)
{
	struct text t;

	if (!json_is_object(value))
		return cli_format_json(value);
	text_init(&t);
	human_members(&t, value, 0);
	return text_finish(&t);
}

/* A string member, or NULL if absent; *ok cleared if present but not a
 * string. */
static const char *optional_string(const json_t *object, const char *key,
				   bool *ok)
{
	const json_t *member = json_object_get(object, key);

	if (!member || json_is_null(member))
		return NULL;
	if (!json_is_string(member)) {
		*ok = false;
		return NULL;
	}
	return json_string_value(member);
}

/* True if entry is {"command": string, "description"?: string,
 * "params"?: [{"name": string, "type"?: string, ...}]}. */
static bool help_entry_is_valid(const json_t *entry)
{
	const json_t *params, *param;
	bool ok = true;
	size_t i;

	if (!json_is_object(entry)
	    || !json_is_string(json_object_get(entry, "command")))
		return false;
	optional_string(entry, "description", &ok);
	params = json_object_get(entry, "params");
	if (params && !json_is_null(params)) {
		if (!json_is_array(params))
			return false;
		json_array_foreach(params, i, param) {
			if (!json_is_object(param)
			    || !json_is_string(json_object_get(param, "name")))
				return false;
			optional_string(param, "type", &ok);
			optional_string(param, "description", &ok);
		}
	}
	return ok;
}

static void help_summary(struct text *t, const json_t *entries)
{
	size_t i;
	const json_t *entry;

	json_array_foreach(entries, i, entry) {
		bool ok = true;
		const char *description = optional_string(entry, "description",
							  &ok);

		text_printf(t, "%s\n", json_string_value(json_object_get(
						entry, "command")));
		if (description)
			text_printf(t, "    %s\n", description);
		text_puts(t, "\n");
	}
	text_puts(t, "---\nrun `ohm-cli help <command>` for a command's "
		     "parameters\n");
}

static void help_param(struct text *t, const json_t *param)
{
	bool ok = true;
	const char *type = optional_string(param, "type", &ok);
	const char *description = optional_string(param, "description", &ok);
	const json_t *default_value = json_object_get(param, "default");

	text_printf(t, "  %s (", json_string_value(json_object_get(param,
								    "name")));
	if (type)
		text_printf(t, "%s, ", type);
	text_puts(t, json_is_true(json_object_get(param, "required"))
			     ? "required" : "optional");
	if (default_value && !json_is_null(default_value)) {
		text_puts(t, ", default ");
		text_scalar(t, default_value);
	}
	text_puts(t, ")");
	if (description)
		text_printf(t, ": %s", description);
	text_puts(t, "\n");
}

static void help_detail(struct text *t, const json_t *entry)
{
	bool ok = true;
	const char *description = optional_string(entry, "description", &ok);
	const json_t *params = json_object_get(entry, "params");
	const json_t *param;
	size_t i;

	text_printf(t, "%s\n", json_string_value(json_object_get(entry,
								  "command")));
	if (description)
		text_printf(t, "    %s\n", description);
	text_puts(t, "\n");
	if (json_array_size(params) == 0) {
		text_puts(t, "parameters: none\n");
		return;
	}
	text_puts(t, "parameters:\n");
	json_array_foreach(params, i, param)
		help_param(t, param);
}

char *cli_format_help(const json_t *result)
{
	const json_t *entries = json_object_get(result, "help");
	const json_t *entry;
	struct text t;
	size_t i;

	if (!json_is_array(entries) || json_array_size(entries) == 0)
		return NULL;
	json_array_foreach(entries, i, entry)
		if (!help_entry_is_valid(entry))
			return NULL;

	text_init(&t);
	if (json_array_size(entries) == 1)
		help_detail(&t, json_array_get(entries, 0));
	else
		help_summary(&t, entries);
	return text_finish(&t);
}

char *cli_format_result(const json_t *result, const char *method,
			enum cli_output output)
{
	char *text;

	switch (output) {
	case CLI_OUTPUT_JSON:
		return cli_format_json(result);
	case CLI_OUTPUT_HUMAN:
	case CLI_OUTPUT_DEFAULT:
		if (strcmp(method, "help") == 0) {
			text = cli_format_help(result);
			if (text)
				return text;
		}
		if (output == CLI_OUTPUT_HUMAN)
			return cli_format_human(result);
		return cli_format_json(result);
	}
	return cli_format_json(result);
}
