# crypto/: hashes, AEAD, ChaCha20 keystreams, secp256k1 keys and the BOLT #8
# transport.  Pure: no I/O, no globals.  Wraps libsodium and libsecp256k1;
# RIPEMD-160 is our own.
noinst_LIBRARIES += crypto/libohmcrypto.a
crypto_libohmcrypto_a_SOURCES = \
	crypto/types.h \
	crypto/util.c crypto/util.h \
	crypto/hash.c crypto/hash.h \
	crypto/ripemd160.c crypto/ripemd160.h \
	crypto/aead.c crypto/aead.h \
	crypto/chacha20.c crypto/chacha20.h \
	crypto/secp.c crypto/secp.h \
	crypto/secp_batch.c crypto/secp_batch.h \
	crypto/cryptomsg.c crypto/cryptomsg.h \
	crypto/handshake.c crypto/handshake.h

OHM_CRYPTO_TEST_LIBS = crypto/libohmcrypto.a common/libohmcommon.a \
	$(JANSSON_LIBS) $(SECP256K1_LIBS) $(SODIUM_LIBS)

check_PROGRAMS += tests/unit/test_crypto tests/unit/test_ripemd160 \
	tests/unit/test_noise
TESTS += tests/unit/test_crypto tests/unit/test_ripemd160 \
	tests/unit/test_noise
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_crypto_LDADD = $(OHM_CRYPTO_TEST_LIBS)
tests_unit_test_ripemd160_SOURCES = tests/unit/test_ripemd160.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_ripemd160_LDADD = $(OHM_CRYPTO_TEST_LIBS)
tests_unit_test_noise_SOURCES = tests/unit/test_noise.c \
	tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_noise_LDADD = $(OHM_CRYPTO_TEST_LIBS)
