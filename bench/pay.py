#!/usr/bin/env python3
"""bench/pay: payments per second and payment latency between real ohmd
processes on ohm-devchain, with ohmd's normal durable storage.

Starts ohm-devchain and three nodes A, B and C, funds a 16,000,000 sat
channel A->B (A's) and one B->C (B's), then measures four scenarios, each
on its own invoices created beforehand:

    A pays B directly,         one payment at a time and IN_FLIGHT at once;
    A pays C through B,        one payment at a time and IN_FLIGHT at once
                               (at most one in flight per payment).

Every worker thread keeps its own RPC connection and calls `pay` on its
share of the invoices, one after another; a payment's latency is that
call's round trip.  After each scenario the bench checks that no HTLC is
left on any channel, that every channel balance moved by exactly what the
completed payments (and B's fee) say, and that the payee marked exactly
those invoices paid.  It prints one JSON object per line:

  {"bench":"pay","route":"A->B","in_flight":1,"payments":200,"failed":0,
   "seconds":S,"payments_per_sec":X,"latency_ms":{"p50":..,"p99":..,"max":..},
   "cpu_seconds":{"a":..,"b":..,"c":..,"bench":..}}

(plus "errors": {message: count} when payments failed) and exits 1 if any
payment failed or a check did not hold.

  bench/pay.py [--build DIR] [--payments N] [--in-flight K] [--amount-msat M]
               [--log-level LEVEL] [--quick] [--keep]

DIR is the build directory holding daemon/ohmd and contrib/devchain/
ohm-devchain: $OHM_BUILD if set, else build/ beside bench/.  Without
--payments, the sequential scenarios make 200 payments and the concurrent
ones 1000; --quick makes 20 of each (a smoke run for tests and CI).
"""
import argparse
import itertools
import json
import math
import os
import sys
import threading
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANNEL_SAT = 16000000  # below the 16777215 sat limit without option_support_large_channel
RPC_TIMEOUT_SECS = 300
_scenario_numbers = itertools.count(1)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.environ.get("OHM_BUILD")
                        or os.path.join(SOURCE, "build"),
                        help="build directory (default: $OHM_BUILD, else build/ in the source tree)")
    parser.add_argument("--payments", type=int,
                        help="payments per scenario (default: 200 sequential, 1000 concurrent)")
    parser.add_argument("--in-flight", type=int, default=100,
                        help="payments in flight in the concurrent scenarios (default 100)")
    parser.add_argument("--amount-msat", type=int, default=1000,
                        help="amount of each invoice (default 1000)")
    parser.add_argument("--log-level", default="info",
                        help="ohmd's --log-level (default info, ohmd's own default)")
    parser.add_argument("--quick", action="store_true", help="20 payments per scenario")
    parser.add_argument("--keep", action="store_true",
                        help="keep the nodes' and chain's directories (printed on stderr)")
    args = parser.parse_args()
    if args.payments is not None and args.payments < 1 or args.in_flight < 1 \
            or args.amount_msat < 1:
        parser.error("--payments, --in-flight and --amount-msat must be positive")
    return args


ARGS = parse_args()
# ohmtest reads OHM_BUILD when imported.
os.environ["OHM_BUILD"] = os.path.abspath(ARGS.build)
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))

from chainutil import wait_synced  # noqa: E402
from channelutil import channel, chain_node, open_channel, wait_no_htlcs  # noqa: E402
from devchain import DEVCHAIN, DevChain  # noqa: E402
from ohmtest import OHMD, OhmNode, RpcError, read_response, wait_for  # noqa: E402


class NodeFactory:
    """conftest.py's node_factory without pytest: every node it made is
    stopped (killed if it will not stop) and its directory removed by
    finish(), unless keep."""

    def __init__(self, keep=False):
        self.nodes = []
        self.keep = keep

    def new(self, name, args=()):
        node = OhmNode(name, args=args)
        self.nodes.append(node)
        node.start()
        return node

    def finish(self):
        """Stops every node; returns what went wrong, and prints the
        unusual lines of their logs."""
        problems = []
        for node in self.nodes:
            try:
                rc = node.stop()
                if rc not in (0, None):
                    problems.append("{} exited {}".format(node.name, rc))
            except Exception as e:  # stop() may time out: kill below.
                problems.append("{} did not stop: {!r}".format(node.name, e))
            node.kill()
            problems += log_problems(node)
            if self.keep:
                print("bench/pay: kept {} in {}".format(node.name, node.base_dir), file=sys.stderr)
            else:
                node.cleanup()
        return problems


def log_problems(node, shown=10):
    """Prints node's UNUSUAL and BROKEN log lines (the first few) on
    stderr; returns the BROKEN ones and any sanitizer report."""
    lines = node.log().splitlines()
    odd = [line for line in lines if " UNUSUAL " in line[:40] or " BROKEN " in line[:40]]
    for line in odd[:shown]:
        print("bench/pay: {} log: {}".format(node.name, line), file=sys.stderr)
    if len(odd) > shown:
        print("bench/pay: {} log: ... {} more".format(node.name, len(odd) - shown),
              file=sys.stderr)
    return ["{} log: {}".format(node.name, line) for line in lines
            if " BROKEN " in line[:40] or "Sanitizer" in line or "runtime error" in line]


class RpcClient:
    """One persistent connection to a node's RPC socket: requests go one at
    a time, each answered before the next is sent."""

    def __init__(self, node):
        self.sock = node.connect_rpc()
        self.next_id = 0

    def rpc(self, method, params):
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.sock.sendall(json.dumps(request).encode())
        response = read_response(self.sock, RPC_TIMEOUT_SECS)
        if response.get("id") != self.next_id:
            raise ConnectionError("answer to the wrong request: {!r}".format(response))
        if "error" in response:
            raise RpcError(response["error"])
        return response["result"]

    def close(self):
        self.sock.close()


def run_workers(count, work):
    """Runs work(index) for index 0..count-1, each in its own thread; raises
    the first exception any of them let out (RpcErrors of single payments
    are the work's own to count)."""
    crashes = []

    def body(index):
        try:
            work(index)
        except Exception as e:
            crashes.append(e)
    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if crashes:
        raise crashes[0]


def make_invoices(payee, prefix, count, amount_msat, threads=4):
    """count invoices from payee, labelled prefix-0..; a few connections at
    once, as each invoice is its own database commit."""
    bolt11s = [None] * count

    def work(index):
        client = RpcClient(payee)
        try:
            for i in range(index, count, threads):
                bolt11s[i] = client.rpc("invoice", [amount_msat, "{}-{}".format(prefix, i),
                                                    "bench/pay"])["bolt11"]
        finally:
            client.close()
    run_workers(min(threads, count), work)
    return bolt11s


def cpu_seconds(pid):
    """User plus system CPU time of process pid so far."""
    with open("/proc/{}/stat".format(pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(nodes):
    snap = {node.name: cpu_seconds(node.proc.pid) for node in nodes}
    snap["bench"] = sum(os.times()[:2])
    return snap


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of a sorted, non-empty list."""
    rank = max(1, math.ceil(round(fraction * len(sorted_values), 6)))
    return sorted_values[rank - 1]


def pay_all(payer, bolt11s, in_flight, expect_sent_msat):
    """Pays every invoice from in_flight threads, each with its own
    connection and its own share; returns (latencies in seconds of the
    completed payments, {error: count}, wall seconds)."""
    latencies = []
    errors = {}
    lock = threading.Lock()
    clients = []

    def record_error(text):
        with lock:
            errors[text] = errors.get(text, 0) + 1

    def work(index):
        for bolt11 in bolt11s[index::in_flight]:
            start = time.monotonic()
            try:
                paid = clients[index].rpc("pay", [bolt11])
            except RpcError as e:
                record_error("pay: {}".format(e))
                continue
            took = time.monotonic() - start
            if paid.get("status") != "complete" or paid.get("amount_sent_msat") != expect_sent_msat:
                record_error("pay answered status {!r}, amount_sent_msat {!r} (expected {})".format(
                    paid.get("status"), paid.get("amount_sent_msat"), expect_sent_msat))
                continue
            with lock:
                latencies.append(took)

    try:
        for _ in range(in_flight):
            clients.append(RpcClient(payer))
        start = time.monotonic()
        run_workers(in_flight, work)
        seconds = time.monotonic() - start
    finally:
        for client in clients:
            client.close()
    return latencies, errors, seconds


def balances(pairs):
    return [channel(node, peer)["to_us_msat"] for node, peer in pairs]


def paid_labels(payee, prefix):
    return sum(1 for i in payee.rpc("listinvoices")["invoices"]
               if i["label"].startswith(prefix + "-") and i["status"] == "paid")


def scenario(route, nodes, in_flight, count, fee_msat, problems):
    """Measures one scenario; returns its JSON line.  route is [payer, ...,
    payee]; problems collects what the checks found."""
    payer, payee = route[0], route[-1]
    amount = ARGS.amount_msat
    name = "->".join(n.name.upper() for n in route)
    # Labels unique to this scenario: paid_labels() counts by prefix.
    prefix = "s{}-{}-x{}".format(next(_scenario_numbers), name.replace("->", ""), in_flight)
    bolt11s = make_invoices(payee, prefix, count, amount)
    # Each hop's (sender side, receiver side) channel ends.
    hops = list(zip(route, route[1:]))
    pairs = [end for a, b in hops for end in ((a, b), (b, a))]
    before = balances(pairs)
    cpu_before = cpu_snapshot(nodes)

    latencies, errors, seconds = pay_all(payer, bolt11s, in_flight, amount + fee_msat)

    cpu_after = cpu_snapshot(nodes)
    done = len(latencies)
    try:
        wait_no_htlcs(*nodes)
    except TimeoutError as e:
        problems.append("{} x{}: {}".format(name, in_flight, e))
    after = balances(pairs)
    # Every hop but the last carries the payee's amount plus B's fee.
    for i, (a, b) in enumerate(hops):
        moved = done * (amount + (fee_msat if i < len(hops) - 1 else 0))
        if (before[2 * i] - after[2 * i], after[2 * i + 1] - before[2 * i + 1]) != (moved, moved):
            problems.append("{} x{}: {}->{} moved {} msat out, {} msat in; {} expected".format(
                name, in_flight, a.name, b.name, before[2 * i] - after[2 * i],
                after[2 * i + 1] - before[2 * i + 1], moved))
    paid = paid_labels(payee, prefix)
    if paid != done:
        problems.append("{} x{}: {} invoices paid at {}, {} payments completed".format(
            name, in_flight, paid, payee.name, done))

    latencies.sort()
    result = {"bench": "pay", "route": name, "in_flight": in_flight, "payments": done,
              "failed": count - done, "seconds": round(seconds, 3),
              "payments_per_sec": round(done / seconds, 1),
              "latency_ms": {k: round(percentile(latencies, f) * 1000, 2) if latencies else None
                             for k, f in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))},
              "cpu_seconds": {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after}}
    if errors:
        result["errors"] = errors
    return result


def setup(factory, chain):
    """A, B and C on chain with 16,000,000 sat channels A->B and B->C, each
    funded by its left side; returns (a, b, c, B's fee on one payment)."""
    extra = ["--log-level=" + ARGS.log_level]
    a = chain_node(factory, chain, "a", extra=extra, funded=True)
    b = chain_node(factory, chain, "b", extra=extra, funded=True)
    c = chain_node(factory, chain, "c", extra=extra)
    for node in (a, b, c):
        wait_synced(node, chain)
    open_channel(a, b, chain, amount=CHANNEL_SAT, push_msat=0, others=(c,))
    open_channel(b, c, chain, amount=CHANNEL_SAT, push_msat=0, others=(a,))
    # C's invoices carry B's fees for the route hint, from B's channel_update.
    wait_for(lambda: channel(c, b)["updates"].get("remote"), 30, what="B's channel_update at C")
    probe = c.rpc("invoice", [ARGS.amount_msat, "fee-probe", "bench/pay"])
    hint = a.rpc("decode", [probe["bolt11"]])["routes"][0][0]
    c.rpc("delinvoice", ["fee-probe", "unpaid"])
    # BOLT #7: fee_base_msat + amount_to_forward * fee_proportional_millionths / 1000000
    fee_msat = hint["fee_base_msat"] \
        + ARGS.amount_msat * hint["fee_proportional_millionths"] // 1000000
    return a, b, c, fee_msat


def main():
    for program in (OHMD, DEVCHAIN):
        if not os.access(program, os.X_OK):
            sys.exit("bench/pay: {} not found (use --build or OHM_BUILD)".format(program))
    sequential = concurrent = 20 if ARGS.quick else None
    if ARGS.payments:
        sequential = concurrent = ARGS.payments
    sequential, concurrent = sequential or 200, concurrent or 1000

    problems = []
    chain = DevChain()
    factory = NodeFactory(keep=ARGS.keep)
    try:
        chain.start()
        a, b, c, fee_msat = setup(factory, chain)
        for route, fee in (((a, b), 0), ((a, b, c), fee_msat)):
            for in_flight, count in ((1, sequential), (ARGS.in_flight, concurrent)):
                in_flight = min(in_flight, count)
                result = scenario(route, (a, b, c), in_flight, count, fee, problems)
                print(json.dumps(result), flush=True)
                if result["failed"]:
                    problems.append("{} x{}: {} payments failed".format(
                        result["route"], in_flight, result["failed"]))
    finally:
        problems += factory.finish()
        try:
            if chain.proc and chain.stop() != 0:
                problems.append("ohm-devchain did not exit cleanly")
        except Exception as e:
            problems.append("ohm-devchain did not stop: {!r}".format(e))
        if ARGS.keep:
            chain.kill()
            print("bench/pay: kept the chain in {}".format(chain.base_dir), file=sys.stderr)
        else:
            chain.cleanup()
    for problem in problems:
        print("bench/pay: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)  # main() has stopped and removed everything already.
