# pay/: payments: BOLT #11 invoices (pay/bolt11.mk) and BOLT #4 onions
# (pay/onion.mk).  Pure: no I/O, no globals.
noinst_LIBRARIES += pay/libohmpay.a
pay_libohmpay_a_SOURCES =
OHM_PAY_TEST_LIBS = pay/libohmpay.a gossip/libohmgossip.a channel/libohmchannel.a bitcoin/libohmbitcoin.a \
	wire/libohmwire.a crypto/libohmcrypto.a common/libohmcommon.a $(OHM_DEP_LIBS)
