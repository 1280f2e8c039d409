# cli/: ohm-cli, the JSON-RPC client.  What to send and how to print the
# answer is pure code in libohmcli.a, shared by the binary and its unit test;
# cli/ohm-cli.c does the socket and terminal I/O.
noinst_LIBRARIES += cli/libohmcli.a
cli_libohmcli_a_SOURCES = \
	cli/cli_args.c cli/cli_args.h \
	cli/cli_paths.c cli/cli_paths.h \
	cli/cli_format.c cli/cli_format.h

bin_PROGRAMS += cli/ohm-cli
cli_ohm_cli_SOURCES = cli/ohm-cli.c
cli_ohm_cli_LDADD = cli/libohmcli.a common/libohmcommon.a $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_cli
TESTS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c tests/unit/test.h
tests_unit_test_cli_LDADD = cli/libohmcli.a common/libohmcommon.a \
	$(JANSSON_LIBS)
