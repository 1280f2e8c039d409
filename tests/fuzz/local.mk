# tests/fuzz/: a fuzz target for every parser of outside input.  In make
# check each runs under tests/fuzz/driver.c (seeds, every file of its
# corpus tests/fuzz/corpus/<target>/, then deterministic mutations).  With
# --enable-libfuzzer they link with libFuzzer instead and are not tests:
# tests/fuzz/run runs one (see tests/fuzz/README.md).
OHM_FUZZ_TARGETS = tests/fuzz/fuzz_peer_wire tests/fuzz/fuzz_transport \
	tests/fuzz/fuzz_config tests/fuzz/fuzz_rpc tests/fuzz/fuzz_bitcoin_tx \
	tests/fuzz/fuzz_bitcoin_block tests/fuzz/fuzz_bitcoin_address \
	tests/fuzz/fuzz_coin_select tests/fuzz/fuzz_channel_message \
	tests/fuzz/fuzz_gossip tests/fuzz/fuzz_invoice_params \
	tests/fuzz/fuzz_bitcoind_json
check_PROGRAMS += $(OHM_FUZZ_TARGETS)
if !LIBFUZZER
# fuzz_bolt11 and fuzz_onion are declared in pay/*.mk.
TESTS += $(OHM_FUZZ_TARGETS) tests/fuzz/fuzz_bolt11 tests/fuzz/fuzz_onion
endif
AM_TESTS_ENVIRONMENT += OHM_FUZZ_CORPUS='$(abs_top_srcdir)/tests/fuzz/corpus'; \
	export OHM_FUZZ_CORPUS;
EXTRA_DIST += tests/fuzz/README.md tests/fuzz/corpus
dist_noinst_SCRIPTS += tests/fuzz/run

OHM_FUZZ_DRIVER = tests/fuzz/driver.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_peer_wire_SOURCES = tests/fuzz/fuzz_peer_wire.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_peer_wire_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests/fuzz/fuzz_peer_wire.$(OBJEXT): wire/peer_wire_gen.h
tests_fuzz_fuzz_transport_SOURCES = tests/fuzz/fuzz_transport.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_transport_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_config_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rpc_SOURCES = tests/fuzz/fuzz_rpc.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_rpc_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_bitcoin_tx_SOURCES = tests/fuzz/fuzz_bitcoin_tx.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_bitcoin_tx_LDADD = $(OHM_BITCOIN_TEST_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_bitcoin_block_SOURCES = tests/fuzz/fuzz_bitcoin_block.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_bitcoin_block_LDADD = $(OHM_BITCOIN_TEST_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_bitcoin_address_SOURCES = tests/fuzz/fuzz_bitcoin_address.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_bitcoin_address_LDADD = $(OHM_BITCOIN_TEST_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_coin_select_SOURCES = tests/fuzz/fuzz_coin_select.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_coin_select_LDADD = daemon/libohmdaemon.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_channel_message_SOURCES = tests/fuzz/fuzz_channel_message.c \
	tests/unit/channel_pair.h tests/unit/keys.h tests/unit/vectors.h \
	tests/unit/test.h $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_channel_message_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests/fuzz/fuzz_channel_message.$(OBJEXT): wire/peer_wire_gen.h
tests_fuzz_fuzz_gossip_SOURCES = tests/fuzz/fuzz_gossip.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_gossip_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests/fuzz/fuzz_gossip.$(OBJEXT): wire/peer_wire_gen.h
tests_fuzz_fuzz_invoice_params_SOURCES = tests/fuzz/fuzz_invoice_params.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_invoice_params_LDADD = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_bitcoind_json_SOURCES = tests/fuzz/fuzz_bitcoind_json.c $(OHM_FUZZ_DRIVER)
tests_fuzz_fuzz_bitcoind_json_LDADD = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS) $(FUZZ_LDFLAGS)
