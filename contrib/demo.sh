#!/usr/bin/env bash
# The ohm demo: two nodes, alice and bob, on temporary directories.  Each
# starts in the background; alice connects to bob over the Lightning
# transport (BOLT 8), both list each other, alice pings bob, and both stop
# cleanly.  Later it grows into a small payment network.
#
#   contrib/demo.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
ohmd="$build/daemon/ohmd"
cli="$build/cli/ohm-cli"
dir=$(mktemp -d /tmp/ohm-demo.XXXXXX)

cleanup() {
	for node in alice bob; do
		"$cli" --ohm-dir="$dir/$node" stop >/dev/null 2>&1 || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

step() { printf '\n== %s\n' "$*"; }

alice_port=$(free_port)
bob_port=$(free_port)
step "starting alice (port $alice_port) and bob (port $bob_port) in $dir"
"$ohmd" --ohm-dir="$dir/alice" --alias=alice --addr="127.0.0.1:$alice_port" --daemon
"$ohmd" --ohm-dir="$dir/bob" --alias=bob --addr="127.0.0.1:$bob_port" --daemon

step "alice: ohm-cli getinfo"
"$cli" --ohm-dir="$dir/alice" getinfo

bob_id=$("$cli" --ohm-dir="$dir/bob" -H getinfo | sed -n 's/^id: //p')
step "alice: ohm-cli connect $bob_id@127.0.0.1:$bob_port"
"$cli" --ohm-dir="$dir/alice" connect "$bob_id@127.0.0.1:$bob_port"

step "bob: ohm-cli listpeers"
"$cli" --ohm-dir="$dir/bob" listpeers

step "alice: ohm-cli ping $bob_id"
"$cli" --ohm-dir="$dir/alice" ping "$bob_id"

step "stopping both"
"$cli" --ohm-dir="$dir/alice" stop
"$cli" --ohm-dir="$dir/bob" stop
trap - EXIT
rm -rf "$dir"
echo
echo "demo: done"
