# channel/: BOLT #3 keys, per-commitment secrets (shachain), scripts, fees,
# and commitment and HTLC transactions; the BOLT #2 channel engine
# (state*.c, htlcs, open, close).  Pure: no I/O, no globals.
noinst_LIBRARIES += channel/libohmchannel.a
channel_libohmchannel_a_SOURCES = \
	channel/params.h \
	channel/keys.c channel/keys.h \
	channel/shachain.c channel/shachain.h \
	channel/scripts.c channel/scripts.h \
	channel/fee.c channel/fee.h \
	channel/htlc_tx.c channel/htlc_tx.h \
	channel/commitment.c channel/commitment.h \
	channel/commitment_sign.c channel/commitment_sign.h \
	channel/htlcs.c channel/htlcs.h \
	channel/open.c channel/open.h \
	channel/close.c channel/close.h \
	channel/state.c channel/state.h channel/state_internal.h \
	channel/state_open.c channel/state_htlc.c channel/state_commit.c \
	channel/state_reestablish.c channel/state_close.c channel/state_close_simple.c \
	channel/state_serialize.c channel/state_onchain.c \
	channel/state_changes.c channel/state_announce.c \
	channel/deadline.c channel/deadline.h

OHM_CHANNEL_TEST_LIBS = channel/libohmchannel.a bitcoin/libohmbitcoin.a \
	wire/libohmwire.a crypto/libohmcrypto.a common/libohmcommon.a \
	$(OHM_DEP_LIBS)

# One test binary per module; BOLT #3 vectors come from $(OHM_VECTORS).
check_PROGRAMS += tests/unit/test_channel_keys \
	tests/unit/test_channel_shachain tests/unit/test_channel_commitment \
	tests/unit/test_channel_commitment_edges
TESTS += tests/unit/test_channel_keys \
	tests/unit/test_channel_shachain tests/unit/test_channel_commitment \
	tests/unit/test_channel_commitment_edges
tests_unit_test_channel_keys_SOURCES = tests/unit/test_channel_keys.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_channel_keys_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_shachain_SOURCES = tests/unit/test_channel_shachain.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_channel_shachain_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_commitment_SOURCES = \
	tests/unit/test_channel_commitment.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_channel_commitment_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_commitment_edges_SOURCES = \
	tests/unit/test_channel_commitment_edges.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_channel_commitment_edges_LDADD = $(OHM_CHANNEL_TEST_LIBS)

# The channel engine (channel/state*.c) needs the generated peer messages.
channel/state.$(OBJEXT) channel/state_open.$(OBJEXT) \
channel/state_htlc.$(OBJEXT) channel/state_commit.$(OBJEXT) \
channel/state_reestablish.$(OBJEXT) \
channel/state_close.$(OBJEXT) channel/state_serialize.$(OBJEXT) \
channel/state_onchain.$(OBJEXT) channel/state_changes.$(OBJEXT) channel/state_announce.$(OBJEXT) \
channel/open.$(OBJEXT): wire/peer_wire_gen.h

# The engine between two instances (tests/unit/channel_pair.h): scenarios,
# peer violations, and a seeded random walk (OHM_CHANNEL_RANDOM_RUNS and
# OHM_CHANNEL_RANDOM_STEPS size it).
check_PROGRAMS += tests/unit/test_channel_state \
	tests/unit/test_channel_state_anchors \
	tests/unit/test_channel_state_errors \
	tests/unit/test_channel_state_close \
	tests/unit/test_channel_state_close_simple \
	tests/unit/test_channel_state_announce \
	tests/unit/test_channel_state_random
TESTS += tests/unit/test_channel_state \
	tests/unit/test_channel_state_anchors \
	tests/unit/test_channel_state_errors \
	tests/unit/test_channel_state_close \
	tests/unit/test_channel_state_close_simple \
	tests/unit/test_channel_state_announce \
	tests/unit/test_channel_state_random
tests_unit_test_channel_state_SOURCES = tests/unit/test_channel_state.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_state_anchors_SOURCES = \
	tests/unit/test_channel_state_anchors.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_anchors_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_state_errors_SOURCES = \
	tests/unit/test_channel_state_errors.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_errors_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_state_close_SOURCES = \
	tests/unit/test_channel_state_close.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_close_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_state_close_simple_SOURCES = \
	tests/unit/test_channel_state_close_simple.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_close_simple_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_state_announce_SOURCES = \
	tests/unit/test_channel_state_announce.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_announce_LDADD = gossip/libohmgossip.a $(OHM_CHANNEL_TEST_LIBS)
tests_unit_test_channel_state_random_SOURCES = \
	tests/unit/test_channel_state_random.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_state_random_LDADD = $(OHM_CHANNEL_TEST_LIBS)
# The funding output spent: which commitment, and what fails.
check_PROGRAMS += tests/unit/test_channel_onchain
TESTS += tests/unit/test_channel_onchain
tests_unit_test_channel_onchain_SOURCES = tests/unit/test_channel_onchain.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h
tests_unit_test_channel_onchain_LDADD = $(OHM_CHANNEL_TEST_LIBS)
tests/unit/test_channel_state.$(OBJEXT) \
tests/unit/test_channel_state_anchors.$(OBJEXT) \
tests/unit/test_channel_state_errors.$(OBJEXT) \
tests/unit/test_channel_state_close.$(OBJEXT) \
tests/unit/test_channel_state_close_simple.$(OBJEXT) \
tests/unit/test_channel_state_announce.$(OBJEXT) \
tests/unit/test_channel_state_random.$(OBJEXT) \
tests/unit/test_channel_onchain.$(OBJEXT): wire/peer_wire_gen.h
# Which HTLC forces the channel on chain (BOLT #2 deadlines).
check_PROGRAMS += tests/unit/test_channel_deadline
TESTS += tests/unit/test_channel_deadline
tests_unit_test_channel_deadline_SOURCES = tests/unit/test_channel_deadline.c tests/unit/test.h
tests_unit_test_channel_deadline_LDADD = $(OHM_CHANNEL_TEST_LIBS)
