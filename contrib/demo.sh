#!/usr/bin/env bash
# The ohm demo: a local regtest chain (ohm-devchain) and three nodes, alice,
# bob and carol, on temporary directories.  alice and bob are funded by
# mining to their `newaddr`; alice connects to bob over the Lightning
# transport (BOLT 8), pings him and sends him 0.1 BTC on chain.  Then
# alice opens a channel to bob and bob one to carol (BOLT 2); carol makes
# an invoice (BOLT 11) and alice pays it through bob (BOLT 4 onion); the
# demo shows the invoice, the route, the preimage and every balance.
# Finally bob and carol close their channel mutually, and the closing
# transaction pays both wallets.  Everything stops cleanly.
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
	for node in alice bob carol; do
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

# channel NODE PEER_ID: NODE's channel with that peer, from listpeerchannels.
channel() {
	"$cli" --ohm-dir="$dir/$1" listpeerchannels "$2" | "$python" -c '
import json, sys
channels = json.load(sys.stdin)["channels"]
print(json.dumps(channels[0]) if channels else "{}")'
}

# field NODE PEER_ID KEY: one field of that channel.
field() {
	channel "$1" "$2" | "$python" -c 'import json, sys; print(json.dumps(json.load(sys.stdin).get(sys.argv[1])))' "$3"
}

# wait_state NODE PEER_ID STATE: until that channel is in STATE.
wait_state() {
	for _ in $(seq 600); do
		[ "$(field "$1" "$2" state)" = "\"$3\"" ] && return 0
		sleep 0.1
	done
	echo "demo: $1's channel did not reach $3" >&2
	return 1
}

# mine N: N blocks to nobody, and every node caught up.
mine() {
	chain generatetoaddress "[$1, \"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\"]" >/dev/null
	height=$(chain getblockcount)
	for node in alice bob carol; do
		wait_height "$node" "$height"
	done
}

# balances: what each node holds in each of its channels.
balances() {
	printf '%-6s %-20s %s\n' node channel to_us_msat
	for node in alice bob carol; do
		"$cli" --ohm-dir="$dir/$node" listpeerchannels | "$python" -c '
import json, sys
for c in json.load(sys.stdin)["channels"]:
    print("%-6s %-20s %d" % (sys.argv[1], c.get("short_channel_id", "?"), c["to_us_msat"]))' "$node"
	done
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
carol_port=$(free_port)
backend=(--bitcoin-rpcport="$chain_port" --bitcoin-datadir="$dir/chain" --dev-poll-interval=1)
step "starting alice (port $alice_port), bob (port $bob_port) and carol (port $carol_port)"
for node in alice bob carol; do
	port_var=${node}_port
	"$ohmd" --ohm-dir="$dir/$node" --alias="$node" --addr="127.0.0.1:${!port_var}" \
		"${backend[@]}" --daemon
done

step "alice: ohm-cli getinfo"
"$cli" --ohm-dir="$dir/alice" getinfo

step "funding alice and bob: a block to each newaddr, then 100 more for coinbase maturity"
alice_addr=$("$cli" --ohm-dir="$dir/alice" -H newaddr | sed -n 's/^bech32: //p')
bob_addr=$("$cli" --ohm-dir="$dir/bob" -H newaddr | sed -n 's/^bech32: //p')
echo "alice: $alice_addr"
echo "bob:   $bob_addr"
chain generatetoaddress "[1, \"$alice_addr\"]" >/dev/null
chain generatetoaddress "[1, \"$bob_addr\"]" >/dev/null
mine 100

step "alice: ohm-cli listfunds"
"$cli" --ohm-dir="$dir/alice" listfunds

alice_id=$("$cli" --ohm-dir="$dir/alice" -H getinfo | sed -n 's/^id: //p')
bob_id=$("$cli" --ohm-dir="$dir/bob" -H getinfo | sed -n 's/^id: //p')
carol_id=$("$cli" --ohm-dir="$dir/carol" -H getinfo | sed -n 's/^id: //p')
step "alice: ohm-cli connect $bob_id@127.0.0.1:$bob_port"
"$cli" --ohm-dir="$dir/alice" connect "$bob_id@127.0.0.1:$bob_port"
step "alice: ohm-cli ping $bob_id"
"$cli" --ohm-dir="$dir/alice" ping "$bob_id"

pay_addr=$("$cli" --ohm-dir="$dir/bob" -H newaddr | sed -n 's/^bech32: //p')
step "alice: ohm-cli withdraw $pay_addr 10000000 (0.1 BTC), then one block"
"$cli" --ohm-dir="$dir/alice" withdraw "$pay_addr" 10000000 | grep -v '"tx"'
mine 1
step "bob: ohm-cli listfunds (the 0.1 BTC has arrived)"
"$cli" --ohm-dir="$dir/bob" listfunds | grep -E '"(amount_msat|status)"'

step "channels: alice -> bob and bob -> carol, 1000000 sat each (ohm-cli fundchannel)"
"$cli" --ohm-dir="$dir/bob" connect "$carol_id@127.0.0.1:$carol_port" >/dev/null
"$cli" --ohm-dir="$dir/alice" fundchannel "$bob_id" 1000000 | grep -E '"(txid|channel_id)"'
"$cli" --ohm-dir="$dir/bob" fundchannel "$carol_id" 1000000 | grep -E '"(txid|channel_id)"'
step "three blocks lock both channels in"
mine 3
wait_state alice "$bob_id" CHANNELD_NORMAL
wait_state bob "$carol_id" CHANNELD_NORMAL
wait_state carol "$bob_id" CHANNELD_NORMAL
# carol learns bob's forwarding fees (his channel_update) for her route hint.
for _ in $(seq 300); do
	[ "$(channel carol "$bob_id" | "$python" -c 'import json, sys; print("remote" in json.load(sys.stdin)["updates"])')" = True ] && break
	sleep 0.1
done
balances

step "carol: ohm-cli invoice 50000000 demo-coffee \"a coffee for alice\""
bolt11=$("$cli" --ohm-dir="$dir/carol" invoice 50000000 demo-coffee "a coffee for alice" \
	| "$python" -c 'import json, sys; print(json.load(sys.stdin)["bolt11"])')
echo "$bolt11"
step "alice: ohm-cli decode (the route hint says: reach carol through bob)"
"$cli" --ohm-dir="$dir/alice" decode "$bolt11" \
	| grep -E '"(payee|amount_msat|description|pubkey|short_channel_id|fee_base_msat|fee_proportional_millionths|cltv_expiry_delta)"'

step "alice: ohm-cli pay (alice -> bob -> carol)"
"$cli" --ohm-dir="$dir/alice" pay "$bolt11"
step "the route, as bob forwarded it (ohm-cli listforwards at bob)"
"$cli" --ohm-dir="$dir/bob" listforwards \
	| grep -E '"(in_channel|out_channel|in_msat|out_msat|fee_msat|status)"'
step "carol: ohm-cli waitinvoice demo-coffee"
"$cli" --ohm-dir="$dir/carol" waitinvoice demo-coffee \
	| grep -E '"(status|amount_received_msat|payment_preimage)"'
step "balances: alice paid 50000000 msat plus bob's fee; carol got 50000000"
balances

step "carol: ohm-cli close $bob_id (mutual close), then one block"
"$cli" --ohm-dir="$dir/carol" close "$bob_id" | grep -v '"tx"'
mine 1
wait_state carol "$bob_id" ONCHAIN
step "carol: ohm-cli listfunds (the 50000 sat are on chain in her wallet)"
"$cli" --ohm-dir="$dir/carol" listfunds | grep -E '"(amount_msat|status|state)"'

step "stopping"
for node in alice bob carol; do
	"$cli" --ohm-dir="$dir/$node" stop
done
chain stop
wait "$chain_pid" || true
chain_pid=
trap - EXIT
rm -rf "$dir"
echo
echo "demo: done"
