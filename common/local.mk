# common/: small helpers shared by every layer (no I/O, no globals).
noinst_LIBRARIES += common/libohmcommon.a
common_libohmcommon_a_SOURCES = \
	common/alloc.c common/alloc.h \
	common/byteset.c common/byteset.h \
	common/netaddr.c common/netaddr.h \
	common/hex.c common/hex.h \
	common/json_frame.c common/json_frame.h

check_PROGRAMS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c tests/unit/test.h
tests_unit_test_common_LDADD = common/libohmcommon.a
