#include "daemon/rpc/rpc_command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	[RPC_PARAM_STRING] = "string",
	[RPC_PARAM_INTEGER] = "integer",
	[RPC_PARAM_UNSIGNED] = "unsigned integer",
	[RPC_PARAM_NUMBER] = "number",
	[RPC_PARAM_BOOLEAN] = "boolean",
	[RPC_PARAM_OBJECT] = "object",
	[RPC_PARAM_ARRAY] = "array",
	[RPC_PARAM_ANY] = "any",
};

static const struct {
	const char *name;
	size_t max_bytes;
} text_caps[] = {
	{"label", RPC_LABEL_MAX},
	{"description", RPC_DESCRIPTION_MAX},
	{"bolt11", RPC_INVSTRING_MAX},
	{"invstring", RPC_INVSTRING_MAX},
	{"string", RPC_INVSTRING_MAX},		/* decode's */
	{"destination", RPC_ADDRESS_MAX},
	{"host", RPC_HOST_MAX},
};

size_t rpc_param_max_bytes(const struct rpc_param *param)
{
	for (size_t i = 0; i < sizeof(text_caps) / sizeof(text_caps[0]); i++)
		if (strcmp(param->name, text_caps[i].name) == 0)
			return text_caps[i].max_bytes;
	return RPC_TEXT_MAX;
}

const char *rpc_param_type_name(enum rpc_param_type type)
{
	return type_names[type];
}

static const char *json_type_name(const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static bool value_has_type(const json_t *value, enum rpc_param_type type)
{
	switch (type) {
	case RPC_PARAM_STRING:
		return json_is_string(value);
	case RPC_PARAM_INTEGER:
		return json_is_integer(value);
	case RPC_PARAM_UNSIGNED:
		return json_is_integer(value) && json_integer_value(value) >= 0;
	case RPC_PARAM_NUMBER:
		return json_is_number(value);
	case RPC_PARAM_BOOLEAN:
		return json_is_boolean(value);
	case RPC_PARAM_OBJECT:
		return json_is_object(value);
	case RPC_PARAM_ARRAY:
		return json_is_array(value);
	case RPC_PARAM_ANY:
		return true;
	}
	return false;
}

static size_t count_params(const struct rpc_command *command)
{
	size_t n = 0;
	while (command->params[n].name)
		n++;
	return n;
}

static bool check_value(const struct rpc_param *param, const json_t *value,
			char *err, size_t errlen)
{
	size_t max = rpc_param_max_bytes(param);

	if (value_has_type(value, param->type)) {
		if (!json_is_string(value) || json_string_length(value) <= max)
			return true;
		snprintf(err, errlen, "parameter '%s': at most %zu bytes, got %zu", param->name,
			 max, json_string_length(value));
		return false;
	}
	if (param->type == RPC_PARAM_UNSIGNED && json_is_integer(value))
		snprintf(err, errlen, "parameter '%s' must be an unsigned integer, got %lld",
			 param->name, (long long)json_integer_value(value));
	else
		snprintf(err, errlen, "parameter '%s' must be %s %s, got %s", param->name,
			 param->type == RPC_PARAM_INTEGER || param->type == RPC_PARAM_UNSIGNED
				 || param->type == RPC_PARAM_OBJECT || param->type == RPC_PARAM_ARRAY
				 ? "an" : "a",
			 type_names[param->type], json_type_name(value));
	return false;
}

/* Fills in defaults and checks that every required parameter is there. */
static bool complete_params(const struct rpc_command *command, json_t *named,
			    char *err, size_t errlen)
{
	for (const struct rpc_param *param = command->params; param->name; param++) {
		if (json_object_get(named, param->name))
			continue;
		if (param->is_required) {
			snprintf(err, errlen, "missing required parameter '%s'", param->name);
			return false;
		}
		if (param->default_json) {
			json_t *value = json_loads(param->default_json, JSON_DECODE_ANY, NULL);
			if (!value) {
				snprintf(err, errlen, "internal error: bad default for '%s'", param->name);
				return false;
			}
			json_object_set_new(named, param->name, value);
		}
	}
	return true;
}

json_t *rpc_params_parse(const struct rpc_command *command, const json_t *params,
			 char *err, size_t errlen)
{
	json_t *named = json_object();
	size_t max = count_params(command);

	if (!params) {
		/* No params at all: same as none given. */
	} else if (json_is_array(params)) {
		if (json_array_size(params) > max) {
			snprintf(err, errlen, "too many parameters: %s takes at most %zu, got %zu",
				 command->name, max, json_array_size(params));
			goto fail;
		}
		for (size_t i = 0; i < json_array_size(params); i++) {
			json_t *value = json_array_get(params, i);
			/* A positional null means "not given", as in Core Lightning. */
			if (json_is_null(value))
				continue;
			if (!check_value(&command->params[i], value, err, errlen))
				goto fail;
			json_object_set(named, command->params[i].name, value);
		}
	} else if (json_is_object(params)) {
		const char *key;
		json_t *value;
		json_object_foreach((json_t *)params, key, value) {
			const struct rpc_param *param = command->params;
			while (param->name && strcmp(param->name, key) != 0)
				param++;
			if (!param->name) {
				snprintf(err, errlen, "unknown parameter '%s' for %s", key, command->name);
				goto fail;
			}
			if (json_is_null(value))
				continue;
			if (!check_value(param, value, err, errlen))
				goto fail;
			json_object_set(named, key, value);
		}
	} else {
		snprintf(err, errlen, "'params' must be an array or an object, got %s",
			 json_type_name(params));
		goto fail;
	}
	if (complete_params(command, named, err, errlen))
		return named;
fail:
	json_decref(named);
	return NULL;
}

char *rpc_command_usage(const struct rpc_command *command)
{
	char *usage = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&usage, &len);

	if (!out)
		return NULL;
	fputs(command->name, out);
	for (const struct rpc_param *param = command->params; param->name; param++)
		fprintf(out, param->is_required ? " %s" : " [%s]", param->name);
	fclose(out);
	return usage;
}

json_t *rpc_command_help_json(const struct rpc_command *command)
{
	json_t *params = json_array();
	char *usage = rpc_command_usage(command);

	for (const struct rpc_param *param = command->params; param->name; param++) {
		json_t *default_value = param->default_json
			? json_loads(param->default_json, JSON_DECODE_ANY, NULL) : NULL;
		json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:o, s:s}",
			"name", param->name,
			"type", type_names[param->type],
			"required", param->is_required,
			"default", default_value ? default_value : json_null(),
			"description", param->description));
	}
	json_t *entry = json_pack("{s:s, s:s, s:s, s:o}",
		"command", usage ? usage : command->name,
		"category", command->category,
		"description", command->description,
		"params", params);
	free(usage);
	return entry;
}
