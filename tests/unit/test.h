/* A tiny unit-test harness that speaks TAP, so automake's tap-driver counts
 * every test case.  A test binary is one module's tests:
 *
 *	static void test_hex_roundtrip(void) { CHECK(...); }
 *	int main(void) { RUN(test_hex_roundtrip); return test_done(); }
 *
 * CHECK records a failure with file:line and carries on, so one run shows
 * every broken expectation in a case; the case is reported "not ok" once.
 * Reading vector and spec files is tests/unit/vectors.h's job.
 */
#ifndef OHM_TESTS_UNIT_TEST_H
#define OHM_TESTS_UNIT_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_count __attribute__((unused));
static int test_failures __attribute__((unused));
static bool test_case_failed __attribute__((unused));

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__,      \
			       __LINE__, #cond);                             \
			test_case_failed = true;                             \
		}                                                            \
	} while (0)

#define CHECK_MSG(cond, ...)                                                 \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("# %s:%d: CHECK(%s) failed: ", __FILE__,      \
			       __LINE__, #cond);                             \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
			test_case_failed = true;                             \
		}                                                            \
	} while (0)

#define CHECK_STREQ(a, b)                                                    \
	do {                                                                 \
		const char *check_a_ = (a), *check_b_ = (b);                 \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {  \
			printf("# %s:%d: \"%s\" != \"%s\"\n", __FILE__,      \
			       __LINE__, check_a_ ? check_a_ : "(null)",     \
			       check_b_ ? check_b_ : "(null)");              \
			test_case_failed = true;                             \
		}                                                            \
	} while (0)

#define CHECK_MEMEQ(a, b, len) CHECK(memcmp((a), (b), (len)) == 0)

#define RUN(fn)                                                              \
	do {                                                                 \
		test_case_failed = false;                                    \
		fn();                                                        \
		test_count++;                                                \
		if (test_case_failed)                                        \
			test_failures++;                                     \
		printf("%s %d - %s\n", test_case_failed ? "not ok" : "ok",   \
		       test_count, #fn);                                     \
		fflush(stdout);                                              \
	} while (0)

/* A case that documents a known bug: TAP's "# TODO" directive, so a
 * failure is expected (XFAIL) and a pass is reported as unexpected
 * (XPASS, which fails the run: remove the TODO with the fix). */
#define RUN_TODO(fn, reason)                                                 \
	do {                                                                 \
		test_case_failed = false;                                    \
		fn();                                                        \
		test_count++;                                                \
		printf("%s %d - %s # TODO %s\n",                            \
		       test_case_failed ? "not ok" : "ok", test_count, #fn,  \
		       reason);                                              \
		fflush(stdout);                                              \
	} while (0)

static inline int test_done(void)
{
	printf("1..%d\n", test_count);
	return test_failures ? 1 : 0;
}

/* Ends the run: the test's own input is broken (see tests/unit/vectors.h),
 * so nothing after this point could mean anything.  TAP reports it. */
static inline void test_bail_out(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static inline void test_bail_out(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

#endif /* OHM_TESTS_UNIT_TEST_H */
