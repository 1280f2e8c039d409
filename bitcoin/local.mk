# bitcoin/: transactions, scripts, sighashes, addresses, BIP32 keys,
# blocks and network parameters.  Pure: no I/O, no globals.
noinst_LIBRARIES += bitcoin/libohmbitcoin.a
bitcoin_libohmbitcoin_a_SOURCES = \
	bitcoin/chainparams.c bitcoin/chainparams.h \
	bitcoin/serialize.c bitcoin/serialize.h \
	bitcoin/tx.c bitcoin/tx.h \
	bitcoin/script.c bitcoin/script.h \
	bitcoin/taproot.c bitcoin/taproot.h \
	bitcoin/sighash.c bitcoin/sighash.h \
	bitcoin/signature.c bitcoin/signature.h \
	bitcoin/bech32.c bitcoin/bech32.h \
	bitcoin/base58.c bitcoin/base58.h \
	bitcoin/address.c bitcoin/address.h \
	bitcoin/bip32.c bitcoin/bip32.h \
	bitcoin/block.c bitcoin/block.h \
	bitcoin/cpfp.c bitcoin/cpfp.h

OHM_BITCOIN_TEST_LIBS = bitcoin/libohmbitcoin.a wire/libohmwire.a \
	crypto/libohmcrypto.a common/libohmcommon.a $(OHM_DEP_LIBS)

check_PROGRAMS += tests/unit/test_bitcoin_chainparams
TESTS += tests/unit/test_bitcoin_chainparams
tests_unit_test_bitcoin_chainparams_SOURCES = tests/unit/test_bitcoin_chainparams.c
tests_unit_test_bitcoin_chainparams_LDADD = $(OHM_BITCOIN_TEST_LIBS)

# One test binary per module; BIP vectors are read from $(OHM_VECTORS).
check_PROGRAMS += tests/unit/test_bitcoin_tx tests/unit/test_bitcoin_script \
	tests/unit/test_bitcoin_sighash tests/unit/test_bitcoin_taproot \
	tests/unit/test_bitcoin_bech32 tests/unit/test_bitcoin_address \
	tests/unit/test_bitcoin_bip32 tests/unit/test_bitcoin_block \
	tests/unit/test_bitcoin_cpfp
TESTS += tests/unit/test_bitcoin_tx tests/unit/test_bitcoin_script \
	tests/unit/test_bitcoin_sighash tests/unit/test_bitcoin_taproot \
	tests/unit/test_bitcoin_bech32 tests/unit/test_bitcoin_address \
	tests/unit/test_bitcoin_bip32 tests/unit/test_bitcoin_block \
	tests/unit/test_bitcoin_cpfp
tests_unit_test_bitcoin_tx_SOURCES = tests/unit/test_bitcoin_tx.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_tx_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_script_SOURCES = tests/unit/test_bitcoin_script.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_script_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_sighash_SOURCES = tests/unit/test_bitcoin_sighash.c \
	tests/unit/test_bitcoin_sighash_bip341.h \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_sighash_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_taproot_SOURCES = tests/unit/test_bitcoin_taproot.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_taproot_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_bech32_SOURCES = tests/unit/test_bitcoin_bech32.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_bech32_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_address_SOURCES = tests/unit/test_bitcoin_address.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_address_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_bip32_SOURCES = tests/unit/test_bitcoin_bip32.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_bip32_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_block_SOURCES = tests/unit/test_bitcoin_block.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_bitcoin_block_LDADD = $(OHM_BITCOIN_TEST_LIBS)
tests_unit_test_bitcoin_cpfp_SOURCES = tests/unit/test_bitcoin_cpfp.c tests/unit/test.h
tests_unit_test_bitcoin_cpfp_LDADD = $(OHM_BITCOIN_TEST_LIBS)
