#!/usr/bin/env bash
# The ohm demo: a local regtest chain (ohm-devchain) and two nodes, alice and
# bob, on temporary directories.  Both wallets are funded by mining to their
# `newaddr`; alice connects to bob over the Lightning transport (BOLT 8),
# pings him, and sends him 0.1 BTC on chain; then she opens a channel to
# him (BOLT 2), moves an HTLC across it with the dev- commands (payments
# proper come with invoices and onions), and they close it mutually; the
# closing transaction pays both wallets.  Everything stops cleanly.
#
#   contrib/demo.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
ohmd="$build/daemon/ohmd"
cli="$build/cli/ohm-cli"
devchain="$build/contrib/devchain/ohm-devchain"
dir=$(mktemp -d /tmp/ohm-demo.XXXXXX)
chain_pid=

# Debian's python3 (the one python3-pytest belongs to), else any.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

cleanup() {
	for node in alice bob; do
		"$cli" --ohm-dir="$dir/$node" stop >/dev/null 2>&1 || true
	done
	[ -n "$chain_pid" ] && kill "$chain_pid" 2>/dev/null && wait "$chain_pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# chain METHOD [JSON-PARAMS]: a Bitcoin Core-style JSON-RPC call to
# ohm-devchain, authenticated with its cookie; prints the result.
chain() {
	"$python" - "$chain_port" "$dir/chain/.cookie" "$1" "${2:-[]}" <<'PY'
import base64, json, sys, urllib.request
port, cookie, method, params = sys.argv[1:]
auth = base64.b64encode(open(cookie).read().strip().encode()).decode()
req = urllib.request.Request("http://127.0.0.1:%s/" % port, method="POST",
    data=json.dumps({"jsonrpc": "1.0", "id": 1, "method": method,
                     "params": json.loads(params)}).encode(),
    headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
print(json.dumps(json.load(urllib.request.urlopen(req))["result"]))
PY
}

# wait_height NODE HEIGHT: until the node has processed that block.
wait_height() {
	for _ in $(seq 600); do
		height=$("$cli" --ohm-dir="$dir/$1" -H getinfo | sed -n 's/^blockheight: //p')
		[ "$height" = "$2" ] && return 0
		sleep 0.1
	done
	echo "demo: $1 did not reach block $2" >&2
	return 1
}

# field NODE KEY: KEY of the node's only channel, from listpeerchannels.
field() {
	"$cli" --ohm-dir="$dir/$1" listpeerchannels | "$python" -c '
import json, sys
channels = json.load(sys.stdin)["channels"]
print(json.dumps(channels[0][sys.argv[1]]) if channels else "")' "$2"
}

# wait_state NODE STATE: until the node's only channel is in that state.
wait_state() {
	for _ in $(seq 600); do
		[ "$(field "$1" state)" = "\"$2\"" ] && return 0
		sleep 0.1
	done
	echo "demo: $1's channel did not reach $2" >&2
	return 1
}

# balances: each side's to_us_msat.
balances() {
	for node in alice bob; do
		printf '%s: to_us_msat %s\n' "$node" "$(field "$node" to_us_msat)"
	done
}

# mine N: N blocks to nobody, and both nodes caught up.
mine() {
	chain generatetoaddress "[$1, \"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\"]" >/dev/null
	height=$(chain getblockcount)
	wait_height alice "$height"
	wait_height bob "$height"
}

step() { printf '\n== %s\n' "$*"; }

chain_port=$(free_port)
step "starting ohm-devchain (regtest, RPC port $chain_port)"
mkdir -p "$dir/chain"
"$devchain" --datadir="$dir/chain" --rpcport="$chain_port" >"$dir/chain.log" 2>&1 &
chain_pid=$!
for _ in $(seq 100); do [ -f "$dir/chain/.cookie" ] && break; sleep 0.1; done

alice_port=$(free_port)
bob_port=$(free_port)
backend=(--bitcoin-rpcport="$chain_port" --bitcoin-datadir="$dir/chain" --dev-poll-interval=1)
step "starting alice (port $alice_port) and bob (port $bob_port)"
"$ohmd" --ohm-dir="$dir/alice" --alias=alice --addr="127.0.0.1:$alice_port" "${backend[@]}" --daemon
"$ohmd" --ohm-dir="$dir/bob" --alias=bob --addr="127.0.0.1:$bob_port" "${backend[@]}" --daemon

step "alice: ohm-cli getinfo"
"$cli" --ohm-dir="$dir/alice" getinfo

step "funding both wallets: a block to each newaddr, then 100 more for coinbase maturity"
alice_addr=$("$cli" --ohm-dir="$dir/alice" -H newaddr | sed -n 's/^bech32: //p')
bob_addr=$("$cli" --ohm-dir="$dir/bob" -H newaddr | sed -n 's/^bech32: //p')
echo "alice: $alice_addr"
echo "bob:   $bob_addr"
chain generatetoaddress "[1, \"$alice_addr\"]" >/dev/null
chain generatetoaddress "[1, \"$bob_addr\"]" >/dev/null
# The BIP173 example address: nobody's wallet here.
chain generatetoaddress "[100, \"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\"]" >/dev/null
height=$(chain getblockcount)
wait_height alice "$height"
wait_height bob "$height"

step "alice: ohm-cli listfunds"
"$cli" --ohm-dir="$dir/alice" listfunds
step "bob: ohm-cli listfunds"
"$cli" --ohm-dir="$dir/bob" listfunds

bob_id=$("$cli" --ohm-dir="$dir/bob" -H getinfo | sed -n 's/^id: //p')
step "alice: ohm-cli connect $bob_id@127.0.0.1:$bob_port"
"$cli" --ohm-dir="$dir/alice" connect "$bob_id@127.0.0.1:$bob_port"
step "alice: ohm-cli ping $bob_id"
"$cli" --ohm-dir="$dir/alice" ping "$bob_id"

pay_addr=$("$cli" --ohm-dir="$dir/bob" -H newaddr | sed -n 's/^bech32: //p')
step "alice: ohm-cli withdraw $pay_addr 10000000 (0.1 BTC), then one block"
"$cli" --ohm-dir="$dir/alice" withdraw "$pay_addr" 10000000 | grep -v '"tx"'
chain generatetoaddress "[1, \"$alice_addr\"]" >/dev/null
height=$(chain getblockcount)
wait_height bob "$height"
step "bob: ohm-cli listfunds (the 0.1 BTC has arrived)"
"$cli" --ohm-dir="$dir/bob" listfunds

alice_id=$("$cli" --ohm-dir="$dir/alice" -H getinfo | sed -n 's/^id: //p')
step "alice: ohm-cli fundchannel $bob_id 1000000 (0.01 BTC, pushing bob 10000 sat)"
"$cli" --ohm-dir="$dir/alice" -k fundchannel id="$bob_id" amount=1000000 push_msat=10000000 \
	| grep -v '"tx"'
step "three blocks lock the channel in"
mine 3
wait_state alice CHANNELD_NORMAL
wait_state bob CHANNELD_NORMAL
for key in state short_channel_id spendable_msat receivable_msat; do
	printf 'alice: %s %s\n' "$key" "$(field alice "$key")"
done
balances

step "alice offers bob an HTLC of 250000 msat (dev-sendhtlc); bob fulfills it"
htlc=$("$cli" --ohm-dir="$dir/alice" -H dev-sendhtlc "$bob_id" 250000)
echo "$htlc"
preimage=$(echo "$htlc" | sed -n 's/^preimage: //p')
for _ in $(seq 300); do
	in_id=$(field bob htlcs | "$python" -c '
import json, sys
print(next((h["id"] for h in json.load(sys.stdin) if h["state"] == "RCVD_ADD_ACK_REVOCATION"), ""))')
	[ -n "$in_id" ] && break
	sleep 0.1
done
"$cli" --ohm-dir="$dir/bob" dev-fulfillhtlc "$alice_id" "$in_id" "$preimage"
for _ in $(seq 300); do
	[ "$(field alice htlcs)" = "[]" ] && [ "$(field bob htlcs)" = "[]" ] && break
	sleep 0.1
done
balances

step "bob: ohm-cli close $alice_id (mutual close), then one block"
"$cli" --ohm-dir="$dir/bob" close "$alice_id" | grep -v '"tx"'
mine 1
wait_state alice ONCHAIN
wait_state bob ONCHAIN
step "bob: ohm-cli listfunds (his channel balance is back on chain)"
"$cli" --ohm-dir="$dir/bob" listfunds | grep -E '"(amount_msat|status|state)"'

step "stopping"
"$cli" --ohm-dir="$dir/alice" stop
"$cli" --ohm-dir="$dir/bob" stop
chain stop
wait "$chain_pid" || true
chain_pid=
trap - EXIT
rm -rf "$dir"
echo
echo "demo: done"
