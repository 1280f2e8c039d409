# pay/: payments: routes (below), BOLT #11 invoices (pay/bolt11.mk) and
# BOLT #4 onions (pay/onion.mk).  Pure: no I/O, no globals.
noinst_LIBRARIES += pay/libohmpay.a
pay_libohmpay_a_SOURCES = pay/route.c pay/route.h \
	pay/htlc_accept.c pay/htlc_accept.h pay/retry.c pay/retry.h \
	pay/pathfind.c pay/pathfind.h pay/scorer.c pay/scorer.h \
	pay/split.c pay/split.h
OHM_PAY_TEST_LIBS = pay/libohmpay.a gossip/libohmgossip.a channel/libohmchannel.a bitcoin/libohmbitcoin.a \
	wire/libohmwire.a crypto/libohmcrypto.a common/libohmcommon.a $(OHM_DEP_LIBS)

check_PROGRAMS += tests/unit/test_pay_route
TESTS += tests/unit/test_pay_route
tests_unit_test_pay_route_SOURCES = tests/unit/test_pay_route.c tests/unit/test.h
tests_unit_test_pay_route_LDADD = $(OHM_PAY_TEST_LIBS)

# pay/pathfind and pay/scorer: routes over the graph, and what attempts
# teach of channels' liquidity.
check_PROGRAMS += tests/unit/test_pay_pathfind
TESTS += tests/unit/test_pay_pathfind
tests_unit_test_pay_pathfind_SOURCES = tests/unit/test_pay_pathfind.c tests/unit/graph_helpers.h \
	tests/unit/test.h
tests_unit_test_pay_pathfind_LDADD = $(OHM_PAY_TEST_LIBS)
tests/unit/test_pay_pathfind.$(OBJEXT) pay/pathfind.$(OBJEXT): wire/peer_wire_gen.h

# pay/htlc_accept: BOLT #4's checks on an incoming HTLC (accept, forward or
# which failure).
check_PROGRAMS += tests/unit/test_pay_htlc_accept
TESTS += tests/unit/test_pay_htlc_accept
tests_unit_test_pay_htlc_accept_SOURCES = tests/unit/test_pay_htlc_accept.c tests/unit/test.h
tests_unit_test_pay_htlc_accept_LDADD = $(OHM_PAY_TEST_LIBS)

# pay/mpp: the final node's HTLC sets (BOLT #4 basic_mpp).
pay_libohmpay_a_SOURCES += pay/mpp.c pay/mpp.h
check_PROGRAMS += tests/unit/test_pay_mpp
TESTS += tests/unit/test_pay_mpp
tests_unit_test_pay_mpp_SOURCES = tests/unit/test_pay_mpp.c tests/unit/test.h
tests_unit_test_pay_mpp_LDADD = $(OHM_PAY_TEST_LIBS)

# pay/retry: pay's route choice over the graph and retry policy.
check_PROGRAMS += tests/unit/test_pay_retry
TESTS += tests/unit/test_pay_retry
tests_unit_test_pay_retry_SOURCES = tests/unit/test_pay_retry.c tests/unit/graph_helpers.h \
	tests/unit/test.h
tests_unit_test_pay_retry_LDADD = $(OHM_PAY_TEST_LIBS)
tests/unit/test_pay_retry.$(OBJEXT): wire/peer_wire_gen.h

# pay/split: how pay splits an amount into parts (BOLT #4 basic_mpp).
check_PROGRAMS += tests/unit/test_pay_split
TESTS += tests/unit/test_pay_split
tests_unit_test_pay_split_SOURCES = tests/unit/test_pay_split.c tests/unit/graph_helpers.h \
	tests/unit/test.h
tests_unit_test_pay_split_LDADD = $(OHM_PAY_TEST_LIBS)
tests/unit/test_pay_split.$(OBJEXT) pay/split.$(OBJEXT): wire/peer_wire_gen.h
