/* How ohm-cli prints what ohmd answered.  Pure: every function takes a
 * jansson value and returns a malloc'd, NUL-terminated text ending in a
 * newline, which the caller writes out and frees.  Each returns NULL only
 * when memory runs out, except cli_format_help() (see there).
 */
#ifndef OHM_CLI_CLI_FORMAT_H
#define OHM_CLI_CLI_FORMAT_H

#include <jansson.h>

#include "cli/cli_args.h"

/* Pretty JSON like lightning-cli's: three-space indent, members in the
 * order received, UTF-8 left as is.  Any value, not only objects. */
char *cli_format_json(const json_t *value);

/* -H: an object as `key: value` lines (strings unquoted, other scalars as
 * JSON).  A nested object's members follow its `key:` line, indented three
 * spaces; an array's elements are named key[0], key[1], ...; empty ones
 * print as {} and [].  A value that is not an object is printed as JSON. */
char *cli_format_human(const json_t *value);

/* The `help` result, {"help":[{"command","category","description",
 * "params":[{"name","type","required","default","description"}]}]}, laid out
 * for reading: with several entries, each usage line with its description
 * beneath and a closing hint; with one entry, its usage, description and
 * one line per parameter:
 *	  name (type, required|optional[, default D]): description
 * Returns NULL if result is not of that shape (or memory ran out); the
 * caller then prints JSON. */
char *cli_format_help(const json_t *result);

/* The text to print for a call's result, by the -J/-H choice and method. */
char *cli_format_result(const json_t *result, const char *method,
			enum cli_output output);

#endif /* OHM_CLI_CLI_FORMAT_H */
