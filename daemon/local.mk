# daemon/: ohmd, the node process (all I/O lives here).
noinst_LIBRARIES += daemon/libohmdaemon.a
daemon_libohmdaemon_a_SOURCES = \
	daemon/chain/bitcoind.c daemon/chain/bitcoind.h \
	daemon/channels/channels.c daemon/channels/channels.h daemon/channels/channels_internal.h \
	daemon/channels/channels_anchor.c daemon/channels/channels_chain.c daemon/channels/channels_htlc.c daemon/channels/channels_load.c daemon/channels/channels_peer.c \
	daemon/channels/channels_requests.c \
	daemon/channels/channels_fee.c \
	daemon/channels/channels_gossip.c \
	daemon/channels/channels_gossip_store.c daemon/channels/channels_gossip_store.h \
	daemon/channels/channels_store.c daemon/channels/channels_store.h \
	daemon/channels/channels_closed.c \
	daemon/channels/closed_store.c daemon/channels/closed_store.h \
	daemon/chain/chain.c daemon/chain/chain.h \
	daemon/chain/chain_parse.c daemon/chain/chain_parse.h \
	daemon/chain/chain_store.c daemon/chain/chain_store.h \
	daemon/wallet/coin_select.c daemon/wallet/coin_select.h \
	daemon/commands/commands.c daemon/commands/commands.h \
	daemon/commands/rpc_closed.c \
	daemon/config.c daemon/config.h \
	daemon/datadir.c daemon/datadir.h \
	daemon/chain/feerate.c daemon/chain/feerate.h \
	daemon/chain/txout.c daemon/chain/txout.h \
	daemon/gossip/gossip.c daemon/gossip/gossip.h daemon/gossip/gossip_internal.h \
	daemon/gossip/gossip_batch.c daemon/gossip/gossip_own.c daemon/gossip/gossip_receive.c \
	daemon/gossip/gossip_relay.c \
	daemon/gossip/gossip_sync.c \
	daemon/gossip/gossip_store.c daemon/gossip/gossip_store.h \
	daemon/channels/fee_policy.c daemon/channels/fee_policy.h \
	daemon/channels/commit_policy.c daemon/channels/commit_policy.h \
	daemon/channels/htlcs_noted.c daemon/channels/htlcs_noted.h \
	daemon/htlcs/forwards_store.c daemon/htlcs/forwards_store.h \
	daemon/htlcs/htlc_switch.c daemon/htlcs/htlc_switch.h \
	daemon/htlcs/htlcs.h \
	daemon/htlcs/invoices.c daemon/htlcs/invoices.h \
	daemon/htlcs/invoices_store.c daemon/htlcs/invoices_store.h \
	daemon/htlcs/mpp_hold.c daemon/htlcs/mpp_hold.h \
	daemon/rpc/jsonrpc.c daemon/rpc/jsonrpc.h \
	daemon/log.c daemon/log.h \
	daemon/ohmd.h \
	daemon/htlcs/payflow.c daemon/htlcs/payflow.h \
	daemon/htlcs/payments.c daemon/htlcs/payments.h daemon/htlcs/payments_internal.h \
	daemon/htlcs/payments_pay.c daemon/htlcs/payments_route.c \
	daemon/htlcs/payments_store.c daemon/htlcs/payments_store.h \
	daemon/net/peer.c daemon/net/peer.h \
	daemon/net/peers.c daemon/net/peers.h \
	daemon/net/peers_store.c daemon/net/peers_store.h \
	daemon/commands/rpc_channel.c daemon/commands/rpc_channel.h daemon/commands/rpc_channel_list.c \
	daemon/rpc/rpc_command.c daemon/rpc/rpc_command.h \
	daemon/commands/rpc_invoice.c \
	daemon/commands/invoice_request.c daemon/commands/invoice_request.h \
	daemon/commands/rpc_pay.c \
	daemon/commands/rpc_config.c \
	daemon/commands/rpc_gossip.c daemon/commands/rpc_route.c \
	daemon/commands/rpc_node.c \
	daemon/commands/rpc_params.c daemon/commands/rpc_params.h \
	daemon/commands/rpc_peer.c \
	daemon/commands/rpc_setchannel.c \
	daemon/commands/rpc_wallet.c \
	daemon/commands/rpc_wallet_json.c daemon/commands/rpc_wallet_json.h \
	daemon/wallet/wallet.c daemon/wallet/wallet.h daemon/wallet/wallet_internal.h \
	daemon/wallet/wallet_keys.c daemon/wallet/wallet_keys.h \
	daemon/wallet/wallet_list.c \
	daemon/wallet/wallet_spend.c daemon/wallet/wallet_bump.c \
	daemon/wallet/wallet_fee.c \
	daemon/wallet/wallet_store.c daemon/wallet/wallet_store.h \
	daemon/onchain/resolvers.c daemon/onchain/resolvers.h \
	daemon/onchain/onchain_store.c daemon/onchain/onchain_store.h

# The layers of daemon/ (daemon/README.md): includes point down, and no
# JSON below the JSON-RPC transport.
TESTS += tests/unit/check_layers.py
EXTRA_DIST += tests/unit/check_layers.py daemon/README.md

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
	tests/unit/test_daemon_wallet tests/unit/test_daemon_bitcoind \
	tests/unit/test_daemon_chain_parse
TESTS += tests/unit/test_daemon_coin_select tests/unit/test_daemon_feerate \
	tests/unit/test_daemon_byteset tests/unit/test_daemon_wallet_keys \
	tests/unit/test_daemon_wallet tests/unit/test_daemon_bitcoind \
	tests/unit/test_daemon_chain_parse
tests_unit_test_daemon_coin_select_SOURCES = tests/unit/test_daemon_coin_select.c
tests_unit_test_daemon_coin_select_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_feerate_SOURCES = tests/unit/test_daemon_feerate.c
tests_unit_test_daemon_feerate_LDADD = $(OHM_DAEMON_TEST_LIBS)
check_PROGRAMS += tests/unit/test_daemon_fee_policy
TESTS += tests/unit/test_daemon_fee_policy
tests_unit_test_daemon_fee_policy_SOURCES = tests/unit/test_daemon_fee_policy.c
tests_unit_test_daemon_fee_policy_LDADD = $(OHM_DAEMON_TEST_LIBS)
check_PROGRAMS += tests/unit/test_daemon_commit_policy
TESTS += tests/unit/test_daemon_commit_policy
tests_unit_test_daemon_commit_policy_SOURCES = tests/unit/test_daemon_commit_policy.c
tests_unit_test_daemon_commit_policy_LDADD = $(OHM_DAEMON_TEST_LIBS)

check_PROGRAMS += tests/unit/test_daemon_htlcs_noted
TESTS += tests/unit/test_daemon_htlcs_noted
tests_unit_test_daemon_htlcs_noted_SOURCES = tests/unit/test_daemon_htlcs_noted.c
tests_unit_test_daemon_htlcs_noted_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_byteset_SOURCES = tests/unit/test_daemon_byteset.c
tests_unit_test_daemon_byteset_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_wallet_keys_SOURCES = tests/unit/test_daemon_wallet_keys.c
tests_unit_test_daemon_wallet_keys_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_wallet_SOURCES = tests/unit/test_daemon_wallet.c
tests_unit_test_daemon_wallet_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_bitcoind_SOURCES = tests/unit/test_daemon_bitcoind.c
tests_unit_test_daemon_bitcoind_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests_unit_test_daemon_chain_parse_SOURCES = tests/unit/test_daemon_chain_parse.c
tests_unit_test_daemon_chain_parse_LDADD = $(OHM_DAEMON_TEST_LIBS)

# The peers table's store, on an in-memory database; the peer layer's
# listener and callbacks, two managers on loopback in one process.
# The gossip table's store, on an in-memory database.
check_PROGRAMS += tests/unit/test_daemon_gossip_store
TESTS += tests/unit/test_daemon_gossip_store
tests_unit_test_daemon_gossip_store_SOURCES = tests/unit/test_daemon_gossip_store.c
tests_unit_test_daemon_gossip_store_LDADD = $(OHM_DAEMON_TEST_LIBS)
# Our own gossip through the gossip subsystem, in one process.
check_PROGRAMS += tests/unit/test_daemon_gossip
TESTS += tests/unit/test_daemon_gossip
tests_unit_test_daemon_gossip_SOURCES = tests/unit/test_daemon_gossip.c \
	tests/unit/gossip_helpers.h
tests_unit_test_daemon_gossip_LDADD = $(OHM_DAEMON_TEST_LIBS)
tests/unit/test_daemon_gossip.$(OBJEXT): wire/peer_wire_gen.h

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

# The on-chain resolvers' table, against an in-memory database.
check_PROGRAMS += tests/unit/test_daemon_onchain_store
TESTS += tests/unit/test_daemon_onchain_store
tests_unit_test_daemon_onchain_store_SOURCES = tests/unit/test_daemon_onchain_store.c \
	tests/unit/test.h
tests_unit_test_daemon_onchain_store_LDADD = $(OHM_DAEMON_TEST_LIBS)

# The channels table's queries, against an in-memory database.
check_PROGRAMS += tests/unit/test_daemon_channels_store
TESTS += tests/unit/test_daemon_channels_store
tests_unit_test_daemon_channels_store_SOURCES = tests/unit/test_daemon_channels_store.c \
	tests/unit/test.h
tests_unit_test_daemon_channels_store_LDADD = $(OHM_DAEMON_TEST_LIBS)

# A channel as rows in that store: real exchanges round trip, the
# migration from whole snapshots, damaged rows.
check_PROGRAMS += tests/unit/test_daemon_channels_rows
TESTS += tests/unit/test_daemon_channels_rows
tests_unit_test_daemon_channels_rows_SOURCES = tests/unit/test_daemon_channels_rows.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/test.h
tests_unit_test_daemon_channels_rows_LDADD = $(OHM_DAEMON_TEST_LIBS)
# The channel_gossip table's queries, against an in-memory database.
check_PROGRAMS += tests/unit/test_daemon_channels_gossip_store
TESTS += tests/unit/test_daemon_channels_gossip_store
tests_unit_test_daemon_channels_gossip_store_SOURCES = \
	tests/unit/test_daemon_channels_gossip_store.c tests/unit/test.h
tests_unit_test_daemon_channels_gossip_store_LDADD = $(OHM_DAEMON_TEST_LIBS)

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
