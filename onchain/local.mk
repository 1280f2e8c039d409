# onchain/: the on-chain resolver (BOLT #5), a pure engine beside the
# channel engine: a closed channel's outputs followed until resolved.
noinst_LIBRARIES += onchain/libohmonchain.a
onchain_libohmonchain_a_SOURCES = \
	onchain/onchain.c onchain/onchain.h onchain/onchain_internal.h \
	onchain/onchain_classify.c onchain/onchain_sweep.c onchain/onchain_pending.c \
	onchain/onchain_serialize.c

# Each spend's witness is run through ohm-devchain's script interpreter.
check_PROGRAMS += tests/unit/test_onchain_resolve
TESTS += tests/unit/test_onchain_resolve
tests_unit_test_onchain_resolve_SOURCES = tests/unit/test_onchain_resolve.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/test.h
tests_unit_test_onchain_resolve_LDADD = onchain/libohmonchain.a \
	contrib/devchain/libohmdevchainpure.a $(OHM_CHANNEL_TEST_LIBS) -lm
tests/unit/test_onchain_resolve.$(OBJEXT): wire/peer_wire_gen.h
