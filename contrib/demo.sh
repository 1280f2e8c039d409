#!/usr/bin/env bash
# The ohm demo: starts a node in a temporary directory, shows its getinfo
# through ohm-cli, and stops it cleanly.  Later it grows into a small
# payment network.
#
#   contrib/demo.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
ohmd="$build/daemon/ohmd"
cli="$build/cli/ohm-cli"
dir=$(mktemp -d /tmp/ohm-demo.XXXXXX)
cleanup() {
	"$cli" --ohm-dir="$dir/alice" stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

echo "demo: starting ohmd for alice in $dir/alice"
"$ohmd" --ohm-dir="$dir/alice" --alias=alice --daemon

echo "demo: ohm-cli getinfo"
"$cli" --ohm-dir="$dir/alice" getinfo

echo "demo: ohm-cli stop"
"$cli" --ohm-dir="$dir/alice" stop
trap - EXIT
rm -rf "$dir"
echo "demo: done"
