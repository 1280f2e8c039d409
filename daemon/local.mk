# daemon/: ohmd, the node process (all I/O lives here).
noinst_LIBRARIES += daemon/libohmdaemon.a
daemon_libohmdaemon_a_SOURCES = \
	daemon/bitcoind.c daemon/bitcoind.h \
	daemon/channels.c daemon/channels.h daemon/channels_internal.h \
	daemon/channels_chain.c daemon/channels_htlc.c daemon/channels_load.c daemon/channels_peer.c \
	daemon/channels_rpc.c \
	daemon/channels_fee.c \
	daemon/channels_store.c daemon/channels_store.h \
	daemon/byteset.c daemon/byteset.h \
	daemon/chain.c daemon/chain.h \
	daemon/chain_store.c daemon/chain_store.h \
	daemon/coin_select.c daemon/coin_select.h \
	daemon/commands.c daemon/commands.h \
	daemon/config.c daemon/config.h \
	daemon/datadir.c daemon/datadir.h \
	daemon/feerate.c daemon/feerate.h \
	daemon/fee_policy.c daemon/fee_policy.h \
	daemon/forwards_store.c daemon/forwards_store.h \
	daemon/htlc_switch.c daemon/htlc_switch.h \
	daemon/htlcs.h \
	daemon/invoices.c daemon/invoices.h \
	daemon/invoices_store.c daemon/invoices_store.h \
	daemon/jsonrpc.c daemon/jsonrpc.h \
	daemon/log.c daemon/log.h \
	daemon/netaddr.c daemon/netaddr.h \
	daemon/ohmd.h \
	daemon/payflow.c daemon/payflow.h \
	daemon/payments.c daemon/payments.h daemon/payments_internal.h \
	daemon/payments_pay.c \
	daemon/payments_store.c daemon/payments_store.h \
	daemon/peer.c daemon/peer.h \
	daemon/peers.c daemon/peers.h \
	daemon/peers_store.c daemon/peers_store.h \
	daemon/rpc_channel.c daemon/rpc_channel.h daemon/rpc_channel_list.c \
	daemon/rpc_command.c daemon/rpc_command.h \
	daemon/rpc_invoice.c \
	daemon/rpc_pay.c \
	daemon/rpc_node.c \
	daemon/rpc_params.c daemon/rpc_params.h \
	daemon/rpc_peer.c \
	daemon/rpc_wallet.c \
	daemon/rpc_wallet_json.c daemon/rpc_wallet_json.h \
	daemon/wallet.c daemon/wallet.h daemon/wallet_internal.h \
	daemon/wallet_keys.c daemon/wallet_keys.h \
	daemon/wallet_list.c \
	daemon/wallet_spend.c \
	daemon/wallet_store.c daemon/wallet_store.h

bin_PROGRAMS += daemon/ohmd
daemon_ohmd_SOURCES = daemon/ohmd.c
daemon_ohmd_LDADD = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)

check_PROGRAMS += tests/unit/test_daemon_config tests/unit/test_daemon_rpc_command
TESTS += tests/unit/test_daemon_config tests/unit/test_daemon_rpc_command
tests_unit_test_daemon_config_SOURCES = tests/unit/test_daemon_config.c
tests_unit_test_daemon_config_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)
tests_unit_test_daemon_rpc_command_SOURCES = tests/unit/test_daemon_rpc_command.c
tests_unit_test_daemon_rpc_command_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)

# The RPC parameter parsers' error messages, and the same tests under
# valgrind's memcheck (ASan cannot see a read of uninitialised memory).
check_PROGRAMS += tests/unit/test_daemon_rpc_params
TESTS += tests/unit/test_daemon_rpc_params tests/unit/memcheck_rpc.sh
EXTRA_DIST += tests/unit/memcheck_rpc.sh
CLEANFILES += tests/unit/test_daemon_rpc_params.memcheck.log \
	tests/unit/test_daemon_rpc_command.memcheck.log
tests_unit_test_daemon_rpc_params_SOURCES = tests/unit/test_daemon_rpc_params.c
tests_unit_test_daemon_rpc_params_LDADD = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) \
	$(OHM_DEP_LIBS)

# The chain client and wallet: pure parts alone, then block processing and
# bookkeeping against a real database with synthetic blocks.
OHM_DAEMON_TEST_LIBS = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)
check_PROGRAMS += tests/unit/test_daemon_coin_select tests/unit/test_daemon_feerate \
	tests/unit/test_daemon_byteset tests/unit/test_daemon_wallet_keys \
	tests/unit/test_daemon_wallet tests/unit/test_daemon_bitcoind
TESTS += tests/unit/test_daemon_coin_select tests/unit/test_daemon_feerate \
	tests/unit/test_daemon_byteset tests/unit/test_daemon_wallet_keys \
	tests/unit/test_daemon_wallet tests/unit/test_daemon_bitcoind
tests_unit_test_daemon_coin_select_SOURCES = tests/unit/test_daemon_coin_select.c
tests_unit_test_daemon_coin_select_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_feerate_SOURCES = tests/unit/test_daemon_feerate.c
tests_unit_test_daemon_feerate_LDADD = $(OHM_DAEMON_TEST_LIBS)
check_PROGRAMS += tests/unit/test_daemon_fee_policy
TESTS += tests/unit/test_daemon_fee_policy
tests_unit_test_daemon_fee_policy_SOURCES = tests/unit/test_daemon_fee_policy.c
tests_unit_test_daemon_fee_policy_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_byteset_SOURCES = tests/unit/test_daemon_byteset.c
tests_unit_test_daemon_byteset_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_wallet_keys_SOURCES = tests/unit/test_daemon_wallet_keys.c
tests_unit_test_daemon_wallet_keys_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_wallet_SOURCES = tests/unit/test_daemon_wallet.c
tests_unit_test_daemon_wallet_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_bitcoind_SOURCES = tests/unit/test_daemon_bitcoind.c
tests_unit_test_daemon_bitcoind_LDADD = $(OHM_DAEMON_TEST_LIBS)

# The peers table's store, on an in-memory database; the peer layer's
# listener and callbacks, two managers on loopback in one process.
check_PROGRAMS += tests/unit/test_daemon_peers_store tests/unit/test_daemon_peers
TESTS += tests/unit/test_daemon_peers_store tests/unit/test_daemon_peers
tests_unit_test_daemon_peers_store_SOURCES = tests/unit/test_daemon_peers_store.c
tests_unit_test_daemon_peers_store_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_peers_SOURCES = tests/unit/test_daemon_peers.c
tests_unit_test_daemon_peers_LDADD = $(OHM_DAEMON_TEST_LIBS)

# The HTLC switch's decisions, fed by two real channel engines.
check_PROGRAMS += tests/unit/test_daemon_htlc_switch
TESTS += tests/unit/test_daemon_htlc_switch
tests_unit_test_daemon_htlc_switch_SOURCES = tests/unit/test_daemon_htlc_switch.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/test.h
tests_unit_test_daemon_htlc_switch_LDADD = $(OHM_DAEMON_TEST_LIBS)

# The channels table's queries, against an in-memory database.
check_PROGRAMS += tests/unit/test_daemon_channels_store
TESTS += tests/unit/test_daemon_channels_store
tests_unit_test_daemon_channels_store_SOURCES = tests/unit/test_daemon_channels_store.c \
	tests/unit/test.h
tests_unit_test_daemon_channels_store_LDADD = $(OHM_DAEMON_TEST_LIBS)

# The stores of invoices, payments and forwards, and invoice settlement,
# against in-memory SQLite.
check_PROGRAMS += tests/unit/test_daemon_invoices_store tests/unit/test_daemon_payments_store \
	tests/unit/test_daemon_invoices
TESTS += tests/unit/test_daemon_invoices_store tests/unit/test_daemon_payments_store \
	tests/unit/test_daemon_invoices
tests_unit_test_daemon_invoices_SOURCES = tests/unit/test_daemon_invoices.c
tests_unit_test_daemon_invoices_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_invoices_store_SOURCES = tests/unit/test_daemon_invoices_store.c
tests_unit_test_daemon_invoices_store_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_payments_store_SOURCES = tests/unit/test_daemon_payments_store.c
tests_unit_test_daemon_payments_store_LDADD = $(OHM_DAEMON_TEST_LIBS)
