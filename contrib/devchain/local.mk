# contrib/devchain/: ohm-devchain, a local regtest chain serving Bitcoin
# Core's JSON-RPC for the demo and the tests (bitcoind is not packaged).
#
# libohmdevchainpure.a holds the consensus and policy code (script
# interpreter, validation, blocks, mining, JSON views): pure, so the unit
# tests link it alone.  libohmdevchain.a adds the database, mempool, chain
# state and the HTTP server; ohm-devchain is main.c on top.
noinst_LIBRARIES += contrib/devchain/libohmdevchainpure.a \
	contrib/devchain/libohmdevchain.a
contrib_devchain_libohmdevchainpure_a_SOURCES = \
	contrib/devchain/block.c contrib/devchain/block.h \
	contrib/devchain/interpreter.h \
	contrib/devchain/script_eval.c contrib/devchain/script_eval.h \
	contrib/devchain/script_ops.c \
	contrib/devchain/script_verify.c \
	contrib/devchain/sha1.c contrib/devchain/sha1.h \
	contrib/devchain/standard.c contrib/devchain/standard.h \
	contrib/devchain/validate.c contrib/devchain/validate.h \
	contrib/devchain/miner.c contrib/devchain/miner.h \
	contrib/devchain/jsonout.c contrib/devchain/jsonout.h \
	contrib/devchain/txjson.c contrib/devchain/txjson.h
contrib_devchain_libohmdevchain_a_SOURCES = \
	contrib/devchain/store.c contrib/devchain/store.h \
	contrib/devchain/chain.c contrib/devchain/chain.h \
	contrib/devchain/mempool.c contrib/devchain/mempool.h \
	contrib/devchain/devchain.c contrib/devchain/devchain.h \
	contrib/devchain/rpc.c contrib/devchain/rpc.h \
	contrib/devchain/rpc_chain.c contrib/devchain/rpc_tx.c \
	contrib/devchain/rpc_mining.c contrib/devchain/rpc_node.c \
	contrib/devchain/server.c contrib/devchain/server.h

OHM_DEVCHAIN_PURE_LIBS = contrib/devchain/libohmdevchainpure.a \
	bitcoin/libohmbitcoin.a wire/libohmwire.a crypto/libohmcrypto.a \
	common/libohmcommon.a $(JANSSON_LIBS) $(SECP256K1_LIBS) \
	$(SODIUM_LIBS) -lm

bin_PROGRAMS += contrib/devchain/ohm-devchain
contrib_devchain_ohm_devchain_SOURCES = contrib/devchain/main.c
contrib_devchain_ohm_devchain_LDADD = contrib/devchain/libohmdevchain.a \
	db/libohmdb.a $(OHM_DEVCHAIN_PURE_LIBS) $(LIBEVENT_LIBS) \
	$(SQLITE3_LIBS)

check_PROGRAMS += tests/unit/test_devchain_interpreter \
	tests/unit/test_devchain_validate tests/unit/test_devchain_block \
	tests/unit/test_devchain_json
TESTS += tests/unit/test_devchain_interpreter \
	tests/unit/test_devchain_validate tests/unit/test_devchain_block \
	tests/unit/test_devchain_json
tests_unit_test_devchain_interpreter_SOURCES = \
	tests/unit/test_devchain_interpreter.c tests/unit/test.h
tests_unit_test_devchain_interpreter_LDADD = $(OHM_DEVCHAIN_PURE_LIBS)
tests_unit_test_devchain_validate_SOURCES = \
	tests/unit/test_devchain_validate.c tests/unit/test.h
tests_unit_test_devchain_validate_LDADD = $(OHM_DEVCHAIN_PURE_LIBS)
tests_unit_test_devchain_block_SOURCES = \
	tests/unit/test_devchain_block.c tests/unit/test.h
tests_unit_test_devchain_block_LDADD = $(OHM_DEVCHAIN_PURE_LIBS)
tests_unit_test_devchain_json_SOURCES = \
	tests/unit/test_devchain_json.c tests/unit/test.h
tests_unit_test_devchain_json_LDADD = $(OHM_DEVCHAIN_PURE_LIBS)

EXTRA_DIST += contrib/devchain/README.md
