# contrib/: the quickstart, the demo, and what ships beside the binaries.
EXTRA_DIST += contrib/quickstart.sh contrib/demo.sh tests/run .ci/run
# tests/run runs the integration tests through this.
EXTRA_DIST += tests/run-pytest
