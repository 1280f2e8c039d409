# bench/: benchmarks (not tests). Each prints one JSON object per line.
noinst_PROGRAMS += bench/rpc
bench_rpc_SOURCES = bench/rpc.c
bench_rpc_LDADD = -lpthread

# bench/transport: BOLT #8 handshakes/s and 1 KiB message throughput.
noinst_PROGRAMS += bench/transport
bench_transport_SOURCES = bench/transport.c
bench_transport_LDADD = crypto/libohmcrypto.a $(SECP256K1_LIBS) $(SODIUM_LIBS)
