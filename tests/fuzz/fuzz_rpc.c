/* Fuzz target: what an RPC client sends: JSON framing of the byte stream,
 * then parameter checking of the parsed params against a command table
 * with every parameter type. */
#include <jansson.h>

#include "common/json_frame.h"
#include "daemon/rpc/rpc_command.h"
#include "tests/fuzz/fuzz.h"

const struct fuzz_seed fuzz_seeds[] = {
	/* ["a", 1, -2, 1.5, true, {"k": []}, [null], "x"] */
	{"5b2261222c20312c202d322c20312e352c20747275652c207b226b223a205b5d7d2c205b6e756c6c5d2c202278225d"},
	/* {"s": "a", "u": 7, "o": {}} */
	{"7b2273223a202261222c202275223a20372c20226f223a207b7d7d"},
};
const size_t fuzz_num_seeds = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);

static void handler(struct ohmd *ohmd, struct rpc_request *request, json_t *params)
{
}

static const struct rpc_param params[] = {
	{"s", RPC_PARAM_STRING, true, NULL, ""},
	{"u", RPC_PARAM_UNSIGNED, false, "5", ""},
	{"i", RPC_PARAM_INTEGER, false, NULL, ""},
	{"n", RPC_PARAM_NUMBER, false, "1.5", ""},
	{"b", RPC_PARAM_BOOLEAN, false, "false", ""},
	{"o", RPC_PARAM_OBJECT, false, NULL, ""},
	{"a", RPC_PARAM_ARRAY, false, "[]", ""},
	{"x", RPC_PARAM_ANY, false, NULL, ""},
	{0},
};

static const struct rpc_command command = {"fuzz", "test", "fuzz", params, handler};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_frame frame;
	size_t msg_len = 0;
	json_t *value, *named;
	char err[512];

	json_frame_init(&frame);
	json_frame_scan(&frame, (const char *)data, size, &msg_len);
	value = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	named = rpc_params_parse(&command, value, err, sizeof(err));
	json_decref(named);
	json_decref(value);
	return 0;
}
