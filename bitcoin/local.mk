# bitcoin/: transactions, scripts, addresses, network parameters (pure).
noinst_LIBRARIES += bitcoin/libohmbitcoin.a
bitcoin_libohmbitcoin_a_SOURCES = \
	bitcoin/chainparams.c bitcoin/chainparams.h

check_PROGRAMS += tests/unit/test_bitcoin_chainparams
TESTS += tests/unit/test_bitcoin_chainparams
tests_unit_test_bitcoin_chainparams_SOURCES = tests/unit/test_bitcoin_chainparams.c
tests_unit_test_bitcoin_chainparams_LDADD = bitcoin/libohmbitcoin.a common/libohmcommon.a $(OHM_DEP_LIBS)
