# bench/: benchmarks (not tests). Each prints one JSON object per line.
noinst_PROGRAMS += bench/rpc
bench_rpc_SOURCES = bench/rpc.c
bench_rpc_LDADD = -lpthread

# bench/transport: BOLT #8 handshakes/s and 1 KiB message throughput.
noinst_PROGRAMS += bench/transport
bench_transport_SOURCES = bench/transport.c
bench_transport_LDADD = crypto/libohmcrypto.a $(SECP256K1_LIBS) $(SODIUM_LIBS)

# bench/chain: blocks of 2,000 transactions the chain client processes per
# second (hex decode, parse, wallet scan, database commit).
noinst_PROGRAMS += bench/chain
bench_chain_SOURCES = bench/chain.c
bench_chain_LDADD = daemon/libohmdaemon.a db/libohmdb.a $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)

# bench/devchain: how long ohm-devchain takes to validate a block of 2,000
# signed P2WPKH transactions, and to accept one transaction to its mempool.
noinst_PROGRAMS += bench/devchain
bench_devchain_SOURCES = bench/devchain.c
bench_devchain_LDADD = contrib/devchain/libohmdevchain.a db/libohmdb.a \
	$(OHM_DEVCHAIN_PURE_LIBS) $(SQLITE3_LIBS)

# bench/ceiling: secp256k1 signs, verifications and ECDHs per second and
# fsync'd one-row SQLite commits per second (bench/pay.py prints them).
noinst_PROGRAMS += bench/ceiling
bench_ceiling_SOURCES = bench/ceiling.c
bench_ceiling_LDADD = crypto/libohmcrypto.a $(SECP256K1_LIBS) $(SODIUM_LIBS) $(SQLITE3_LIBS)

# bench/pay.py: payments per second and latency between real ohmd processes
# on ohm-devchain (A->B and A->B->C, one at a time and 100 in flight).
dist_noinst_SCRIPTS += bench/pay.py

# bench/rss.py: ohmd's VmRSS over 100,000 payments A<->B (issue 17).
dist_noinst_SCRIPTS += bench/rss.py

# bench/gossip: a synthetic, fully signed gossip network through gossip/'s
# checks into the graph (messages/s next to the secp256k1 verify ceiling),
# the start-up load, and the graph's bytes per channel direction.
noinst_PROGRAMS += bench/gossip
bench_gossip_SOURCES = bench/gossip.c bench/synth.h
bench_gossip_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)
bench/gossip.$(OBJEXT): wire/peer_wire_gen.h

# bench/sigpool: one node's commitment signing and verifying over many
# channels on 1 and 2 worker threads (common/workpool.h), with the ratio and
# the one-core ECDSA ceiling of the same run.
noinst_PROGRAMS += bench/sigpool
bench_sigpool_SOURCES = bench/sigpool.c
bench_sigpool_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)

# bench/route: getroute p50/p99 on a synthetic graph of today's size (or
# --channels 1000000), and pay's router (scorer) next to a cheapest-fee
# Dijkstra in a simulated network with hidden liquidity.
noinst_PROGRAMS += bench/route
bench_route_SOURCES = bench/route.c bench/synth.h
bench_route_LDADD = $(OHM_PURE_LIBS) $(OHM_DEP_LIBS)
bench/route.$(OBJEXT): wire/peer_wire_gen.h
