/* Tests for daemon/rpc_params: every parser, given invalid input, fills its
 * error with the documented text (rpc_params.h) naming the parameter.
 *
 * The error buffers here are left uninitialised on purpose: a parser that
 * returns false without writing one is read by CHECK_STREQ, which valgrind
 * (tests/unit/memcheck_rpc.sh) reports as a use of uninitialised memory. */
#include <jansson.h>

#include "daemon/ohmd.h"
#include "daemon/commands/rpc_params.h"
#include "tests/unit/test.h"

/* ohmd.c's, reached through the command tables the library links in; no
 * test here stops a daemon. */
void ohmd_shutdown(struct ohmd *ohmd)
{
	abort();
}

static json_t *json(const char *text)
{
	json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);

	if (!value)
		test_bail_out("bad JSON in the test: %s", text);
	return value;
}

/* The end of each *_fails below: frees value; true if its parser refused
 * it (ok false) with exactly expected in err. */
static bool refused_with(json_t *value, const char *text, bool ok,
			 const char *err, const char *expected)
{
	json_decref(value);
	if (ok) {
		printf("# %s was accepted\n", text);
		return false;
	}
	CHECK_STREQ(err, expected);
	return true;
}

/* Each parser: the value (JSON text) is refused with exactly expected. */
static bool satoshi_fails(const char *text, bool allow_all, const char *expected)
{
	json_t *value = json(text);
	uint64_t amount;
	bool is_all, ok;
	char err[300];

	ok = rpc_parse_satoshi(value, "satoshi", allow_all ? &is_all : NULL, &amount, err,
			       sizeof(err));
	return refused_with(value, text, ok, err, expected);
}

static bool msat_fails(const char *text, const char *expected)
{
	json_t *value = json(text);
	uint64_t amount;
	bool ok;
	char err[300];

	ok = rpc_parse_msat(value, "amount_msat", &amount, err, sizeof(err));
	return refused_with(value, text, ok, err, expected);
}

/* An invalid feerate is refused before the chain's estimates are asked
 * for, so no daemon is needed. */
static bool feerate_fails(const char *text, const char *expected)
{
	json_t *value = json(text);
	uint32_t perkw;
	bool ok;
	char err[300];

	ok = rpc_parse_feerate(NULL, value, "feerate", &perkw, err, sizeof(err));
	return refused_with(value, text, ok, err, expected);
}

#define SAT_FORMS "expected a whole number of satoshis, 'NNNsat', 'NNNmsat' (whole satoshis)"
#define MSAT_FORMS "expected a whole number of millisatoshis, 'NNNmsat' or 'NNNsat'"

static void test_satoshi_errors(void)
{
	CHECK(satoshi_fails("-1", false, "parameter 'satoshi': " SAT_FORMS));
	CHECK(satoshi_fails("1.5", false, "parameter 'satoshi': " SAT_FORMS));
	CHECK(satoshi_fails("\"1500msat\"", false, "parameter 'satoshi': " SAT_FORMS));
	CHECK(satoshi_fails("\"ten\"", false, "parameter 'satoshi': " SAT_FORMS));
	CHECK(satoshi_fails("\"-5sat\"", false, "parameter 'satoshi': " SAT_FORMS));
	CHECK(satoshi_fails("\"all\"", false, "parameter 'satoshi': " SAT_FORMS));
	CHECK(satoshi_fails("\"allx\"", true, "parameter 'satoshi': " SAT_FORMS " or 'all'"));
	CHECK(satoshi_fails("true", true, "parameter 'satoshi': " SAT_FORMS " or 'all'"));
	CHECK(satoshi_fails("2100000000000001", false,
			    "parameter 'satoshi': more than 21 million bitcoin"));
	CHECK(satoshi_fails("\"2100000000000001sat\"", false,
			    "parameter 'satoshi': more than 21 million bitcoin"));
}

static void test_msat_errors(void)
{
	CHECK(msat_fails("-1", "parameter 'amount_msat': " MSAT_FORMS));
	CHECK(msat_fails("0.5", "parameter 'amount_msat': " MSAT_FORMS));
	CHECK(msat_fails("null", "parameter 'amount_msat': " MSAT_FORMS));
	CHECK(msat_fails("\"5btc\"", "parameter 'amount_msat': " MSAT_FORMS));
	CHECK(msat_fails("\"\"", "parameter 'amount_msat': " MSAT_FORMS));
	CHECK(msat_fails("2100000000000000001",
			 "parameter 'amount_msat': more than 21 million bitcoin"));
}

/* An amount in range of the number but not of bitcoin says so, rather
 * than that its form is wrong. */
static void test_amount_too_large_says_so(void)
{
	CHECK(msat_fails("\"2100000000000001sat\"",
			 "parameter 'amount_msat': more than 21 million bitcoin"));
	CHECK(msat_fails("\"99999999999999999999sat\"",
			 "parameter 'amount_msat': more than 21 million bitcoin"));
	CHECK(satoshi_fails("\"99999999999999999999\"", false,
			    "parameter 'satoshi': more than 21 million bitcoin"));
}

static void test_feerate_errors(void)
{
	CHECK(feerate_fails("true", "parameter 'feerate': expected a string or a whole number "
			    "(perkw)"));
	CHECK(feerate_fails("1.5", "parameter 'feerate': expected a string or a whole number "
			    "(perkw)"));
	CHECK(feerate_fails("\"fast\"", "parameter 'feerate': expected urgent, normal, slow, "
			    "NNNperkw, NNNperkb or a number (perkw), got 'fast'"));
	CHECK(feerate_fails("100", "parameter 'feerate': 100 perkw is below the minimum of 253 "
			    "perkw (1 sat/vB)"));
	CHECK(feerate_fails("5000000000", "parameter 'feerate': 5000000000 perkw is absurdly "
			    "high"));
}

/* D3 of issue 10: a negative number went to the error path without a
 * reason, and the answer carried whatever the stack held. */
static void test_feerate_negative(void)
{
	CHECK(feerate_fails("-1", "parameter 'feerate': -1 perkw is below the minimum of 253 "
			    "perkw (1 sat/vB)"));
	CHECK(feerate_fails("-5", "parameter 'feerate': -5 perkw is below the minimum of 253 "
			    "perkw (1 sat/vB)"));
}

static void test_label(void)
{
	static const char *const refused[] = {"true", "null", "1.5", "\"\"", "[\"a\"]", "{}"};
	char buf[RPC_LABEL_NUMBER_LEN], err[100];
	const char *label;
	json_t *value;

	value = json("-9223372036854775808");
	CHECK(rpc_parse_label(value, "label", buf, &label, err, sizeof(err)));
	CHECK_STREQ(label, "-9223372036854775808");
	json_decref(value);
	value = json("\"coffee\"");
	CHECK(rpc_parse_label(value, "label", buf, &label, err, sizeof(err)));
	CHECK_STREQ(label, "coffee");
	json_decref(value);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		value = json(refused[i]);
		CHECK(!rpc_parse_label(value, "label", buf, &label, err, sizeof(err)));
		CHECK_STREQ(err, "parameter 'label': expected a non-empty string or a number");
		json_decref(value);
	}
}

/* The rate below the floor is named once, not as "1000perkbperkb". */
static void test_feerate_perkb_named_once(void)
{
	CHECK(feerate_fails("\"1000perkb\"", "parameter 'feerate': 1000perkb is below the "
			    "minimum of 1012perkb (1 sat/vB)"));
}

int main(void)
{
	RUN(test_satoshi_errors);
	RUN(test_msat_errors);
	RUN(test_feerate_errors);
	RUN(test_label);
	RUN(test_amount_too_large_says_so);
	RUN(test_feerate_perkb_named_once);
	RUN(test_feerate_negative);
	return test_done();
}
