# contrib/: the quickstart, the demo, and what ships beside the binaries.
EXTRA_DIST += contrib/quickstart.sh contrib/demo.sh tests/run .ci/run
