# gossip/: BOLT #7, the pure part: the checks a receiving node makes on
# each gossip message, the query encodings, and the in-memory graph.
# Pure: no I/O, no globals.
noinst_LIBRARIES += gossip/libohmgossip.a
gossip_libohmgossip_a_SOURCES = \
	gossip/verdict.h \
	gossip/crc32c.c gossip/crc32c.h \
	gossip/encoding.c gossip/encoding.h \
	gossip/channel_update.c gossip/channel_update.h \
	gossip/channel_announcement.c gossip/channel_announcement.h \
	gossip/node_announcement.c gossip/node_announcement.h \
	gossip/graph.c gossip/graph.h gossip/graph_table.c gossip/graph_table.h \
	gossip/graph_query.c \
	gossip/query.c gossip/query.h \
	gossip/pending.c gossip/pending.h \
	gossip/pubkey_cache.c gossip/pubkey_cache.h
gossip/channel_update.$(OBJEXT) gossip/encoding.$(OBJEXT) \
	gossip/channel_announcement.$(OBJEXT) \
	gossip/node_announcement.$(OBJEXT) gossip/graph.$(OBJEXT) \
	gossip/graph_table.$(OBJEXT) gossip/graph_query.$(OBJEXT) \
	gossip/query.$(OBJEXT) gossip/pending.$(OBJEXT): wire/peer_wire_gen.h

GOSSIP_TEST_LIBS = gossip/libohmgossip.a channel/libohmchannel.a \
	bitcoin/libohmbitcoin.a wire/libohmwire.a crypto/libohmcrypto.a \
	common/libohmcommon.a $(OHM_DEP_LIBS)

check_PROGRAMS += tests/unit/test_gossip_channel_update
TESTS += tests/unit/test_gossip_channel_update
tests_unit_test_gossip_channel_update_SOURCES = tests/unit/test_gossip_channel_update.c \
	tests/unit/keys.h tests/unit/test.h
tests_unit_test_gossip_channel_update_LDADD = $(GOSSIP_TEST_LIBS)
tests/unit/test_gossip_channel_update.$(OBJEXT): wire/peer_wire_gen.h

check_PROGRAMS += tests/unit/test_gossip_encoding
TESTS += tests/unit/test_gossip_encoding
tests_unit_test_gossip_encoding_SOURCES = tests/unit/test_gossip_encoding.c \
	tests/unit/vectors.h tests/unit/test.h
tests_unit_test_gossip_encoding_LDADD = $(GOSSIP_TEST_LIBS)
tests/unit/test_gossip_encoding.$(OBJEXT): wire/peer_wire_gen.h

check_PROGRAMS += tests/unit/test_gossip_checks
TESTS += tests/unit/test_gossip_checks
tests_unit_test_gossip_checks_SOURCES = tests/unit/test_gossip_checks.c \
	tests/unit/gossip_helpers.h tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_gossip_checks_LDADD = $(GOSSIP_TEST_LIBS)
tests/unit/test_gossip_checks.$(OBJEXT): wire/peer_wire_gen.h

check_PROGRAMS += tests/unit/test_gossip_graph
TESTS += tests/unit/test_gossip_graph
tests_unit_test_gossip_graph_SOURCES = tests/unit/test_gossip_graph.c \
	tests/unit/gossip_helpers.h tests/unit/keys.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_gossip_graph_LDADD = $(GOSSIP_TEST_LIBS)
tests/unit/test_gossip_graph.$(OBJEXT): wire/peer_wire_gen.h

check_PROGRAMS += tests/unit/test_gossip_query
TESTS += tests/unit/test_gossip_query
tests_unit_test_gossip_query_SOURCES = tests/unit/test_gossip_query.c \
	tests/unit/gossip_helpers.h tests/unit/vectors.h tests/unit/test.h
tests_unit_test_gossip_query_LDADD = $(GOSSIP_TEST_LIBS)
tests/unit/test_gossip_query.$(OBJEXT): wire/peer_wire_gen.h
