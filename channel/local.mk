# channel/: BOLT #3 keys, per-commitment secrets (shachain), scripts, fees,
# and commitment and HTLC transactions.  Pure: no I/O, no globals.
noinst_LIBRARIES += channel/libohmchannel.a
channel_libohmchannel_a_SOURCES = \
	channel/params.h \
	channel/keys.c channel/keys.h \
	channel/shachain.c channel/shachain.h \
	channel/scripts.c channel/scripts.h \
	channel/fee.c channel/fee.h \
	channel/htlc_tx.c channel/htlc_tx.h \
	channel/commitment.c channel/commitment.h \
	channel/commitment_sign.c channel/commitment_sign.h

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
