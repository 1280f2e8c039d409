# pay/onion.mk: BOLT #4 onions: Sphinx packets (pay/onion), hop payloads
# (pay/hop_payload) and failure messages and return packets
# (pay/onion_error).
pay_libohmpay_a_SOURCES += pay/onion.c pay/onion.h \
	pay/hop_payload.c pay/hop_payload.h \
	pay/onion_error.c pay/onion_error.h

# One test binary per module: test_pay_onion (Sphinx packets),
# test_pay_hop_payload and test_pay_onion_error.
check_PROGRAMS += tests/unit/test_pay_onion tests/unit/test_pay_hop_payload \
	tests/unit/test_pay_onion_error tests/fuzz/fuzz_onion
TESTS += tests/unit/test_pay_onion tests/unit/test_pay_hop_payload \
	tests/unit/test_pay_onion_error
tests_unit_test_pay_onion_SOURCES = tests/unit/test_pay_onion.c \
	tests/unit/onion_helpers.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_pay_onion_LDADD = $(OHM_PAY_TEST_LIBS)
tests_unit_test_pay_hop_payload_SOURCES = tests/unit/test_pay_hop_payload.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_pay_hop_payload_LDADD = $(OHM_PAY_TEST_LIBS)
tests_unit_test_pay_onion_error_SOURCES = tests/unit/test_pay_onion_error.c \
	tests/unit/onion_helpers.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_pay_onion_error_LDADD = $(OHM_PAY_TEST_LIBS)
tests_fuzz_fuzz_onion_SOURCES = tests/fuzz/fuzz_onion.c \
	tests/fuzz/driver.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_onion_LDADD = $(OHM_PAY_TEST_LIBS) $(FUZZ_LDFLAGS)
