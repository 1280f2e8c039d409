/* listconfigs' JSON (commands.h), from what config_show() says. */
#include "daemon/commands/commands.h"

#include "daemon/config.h"

/* One option in Core Lightning's listconfigs shape: {"value_str"|"set"|
 * "values_str": ..., "source"|"sources": ...}; an option with nothing to
 * show is left out of the full list, and empty when asked for by name. */
struct configs_json {
	json_t *configs;
	bool is_one;
};

static void config_json(void *arg, const struct config_shown *shown)
{
	struct configs_json *c = arg;
	json_t *entry = json_object();

	switch (shown->kind) {
	case CONFIG_SHOWN_NOTHING:
		if (!c->is_one) {
			json_decref(entry);
			return;
		}
		break;
	case CONFIG_SHOWN_FLAG:
		json_object_set_new(entry, "set", json_boolean(shown->set));
		json_object_set_new(entry, "source", json_string(shown->source));
		break;
	case CONFIG_SHOWN_VALUE:
		json_object_set_new(entry, "value_str", json_string(shown->value));
		json_object_set_new(entry, "source", json_string(shown->source));
		break;
	case CONFIG_SHOWN_VALUES: {
		json_t *values = json_array(), *sources = json_array();

		for (size_t i = 0; i < shown->num_values; i++) {
			json_array_append_new(values, json_string(shown->values[i]));
			json_array_append_new(sources, json_string(shown->sources[i]));
		}
		json_object_set_new(entry, "values_str", values);
		json_object_set_new(entry, "sources", sources);
		break;
	}
	}
	json_object_set_new(c->configs, shown->name, entry);
}

json_t *rpc_listconfigs_json(const struct config *config, const char *name)
{
	struct configs_json c = {json_object(), name != NULL};

	if (!config_show(config, name, config_json, &c)) {
		json_decref(c.configs);
		return NULL;
	}
	return json_pack("{s:o}", "configs", c.configs);
}
