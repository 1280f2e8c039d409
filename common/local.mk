# common/: small helpers shared by every layer (no I/O, no globals), and
# the worker pool (pthreads) crypto batches run on.
noinst_LIBRARIES += common/libohmcommon.a
common_libohmcommon_a_SOURCES = \
	common/alloc.c common/alloc.h \
	common/byteset.c common/byteset.h \
	common/netaddr.c common/netaddr.h \
	common/hex.c common/hex.h \
	common/json_frame.c common/json_frame.h \
	common/workpool.c common/workpool.h

check_PROGRAMS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c tests/unit/test.h
tests_unit_test_common_LDADD = common/libohmcommon.a

check_PROGRAMS += tests/unit/test_common_workpool
TESTS += tests/unit/test_common_workpool
tests_unit_test_common_workpool_SOURCES = tests/unit/test_common_workpool.c tests/unit/test.h
tests_unit_test_common_workpool_LDADD = common/libohmcommon.a
