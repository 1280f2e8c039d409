# daemon/: ohmd, the node process (all I/O lives here).
noinst_LIBRARIES += daemon/libohmdaemon.a
daemon_libohmdaemon_a_SOURCES = \
	daemon/commands.h \
	daemon/config.c daemon/config.h \
	daemon/datadir.c daemon/datadir.h \
	daemon/jsonrpc.c daemon/jsonrpc.h \
	daemon/log.c daemon/log.h \
	daemon/netaddr.c daemon/netaddr.h \
	daemon/ohmd.h \
	daemon/peer.c daemon/peer.h \
	daemon/peers.c daemon/peers.h \
	daemon/rpc_command.c daemon/rpc_command.h \
	daemon/rpc_node.c \
	daemon/rpc_peer.c

bin_PROGRAMS += daemon/ohmd
daemon_ohmd_SOURCES = daemon/ohmd.c
daemon_ohmd_LDADD = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)

check_PROGRAMS += tests/unit/test_daemon_config tests/unit/test_daemon_rpc_command
TESTS += tests/unit/test_daemon_config tests/unit/test_daemon_rpc_command
tests_unit_test_daemon_config_SOURCES = tests/unit/test_daemon_config.c
tests_unit_test_daemon_config_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)
tests_unit_test_daemon_rpc_command_SOURCES = tests/unit/test_daemon_rpc_command.c
tests_unit_test_daemon_rpc_command_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)
