# tests/chaos/: the fault campaign's driver (tests/chaos/run, the long run);
# tests/integration/test_chaos.py runs short seeds of it in the suite.
EXTRA_DIST += \
	tests/chaos/chaos.py \
	tests/chaos/run
