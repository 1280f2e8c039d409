# gossip/: BOLT #7.  So far the channel_update a node signs for its
# private channels.  Pure: no I/O, no globals.
noinst_LIBRARIES += gossip/libohmgossip.a
gossip_libohmgossip_a_SOURCES = \
	gossip/channel_update.c gossip/channel_update.h
gossip/channel_update.$(OBJEXT): wire/peer_wire_gen.h

check_PROGRAMS += tests/unit/test_gossip_channel_update
TESTS += tests/unit/test_gossip_channel_update
tests_unit_test_gossip_channel_update_SOURCES = tests/unit/test_gossip_channel_update.c \
	tests/unit/keys.h tests/unit/test.h
tests_unit_test_gossip_channel_update_LDADD = gossip/libohmgossip.a wire/libohmwire.a \
	crypto/libohmcrypto.a common/libohmcommon.a $(OHM_DEP_LIBS)
tests/unit/test_gossip_channel_update.$(OBJEXT): wire/peer_wire_gen.h
