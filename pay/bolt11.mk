# pay/bolt11.mk: BOLT #11 invoices (reading in pay/bolt11_decode, building
# and writing in pay/bolt11_encode), their unit test and fuzz target.
pay_libohmpay_a_SOURCES += pay/bolt11_decode.c pay/bolt11_encode.c \
	pay/bolt11.h pay/bolt11_internal.h

check_PROGRAMS += tests/unit/test_pay_bolt11 tests/fuzz/fuzz_bolt11
TESTS += tests/unit/test_pay_bolt11
tests_unit_test_pay_bolt11_SOURCES = tests/unit/test_pay_bolt11.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_pay_bolt11_LDADD = $(OHM_PAY_TEST_LIBS)
tests_fuzz_fuzz_bolt11_SOURCES = tests/fuzz/fuzz_bolt11.c tests/fuzz/driver.c \
	tests/fuzz/fuzz.h
tests_fuzz_fuzz_bolt11_LDADD = $(OHM_PAY_TEST_LIBS) $(FUZZ_LDFLAGS)
