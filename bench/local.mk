# bench/: benchmarks (not tests). Each prints one JSON object per line.
noinst_PROGRAMS += bench/rpc
bench_rpc_SOURCES = bench/rpc.c
bench_rpc_LDADD = -lpthread
