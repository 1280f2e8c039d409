#!/usr/bin/env python3
"""bench/pay: payments per second and payment latency between real ohmd
processes on ohm-devchain, with ohmd's normal durable storage.

First prints the ceilings it is measured against, from bench/ceiling on
this machine (secp256k1 ECDSA signs, verifications and ECDHs per second,
fsync'd one-row SQLite commits per second), one JSON line each:

  {"bench":"ceiling","metric":"ecdsa_sign","per_sec":X,"usec":Y}

Then starts ohm-devchain and nodes A, B and C, funds a 16,000,000 sat
channel A->B (A's) and one B->C (B's), and measures these scenarios, each
on its own invoices created beforehand:

    ab1, ab100       A pays B directly, one payment at a time and IN_FLIGHT
                     at once, AMOUNT each (default 10,000 sat: above dust,
                     so each HTLC has its own commitment output and
                     second-stage signature);
    abc1, abc100     A pays C through B, the same;
    ab1-1sat, ab100-1sat   A pays B 1 sat (below dust: trimmed HTLCs);
    multi100         A, with a channel to each of 8 more payees, pays them
                     with IN_FLIGHT at once spread over the 8 channels.

Every worker thread keeps its own RPC connection and calls `pay` on its
share of the invoices, one after another; a payment's latency is that
call's round trip.  After each scenario the bench checks that no HTLC is
left on any channel, that every channel balance moved by exactly what the
completed payments (and B's fee) say, and that the payees marked exactly
those invoices paid.  It prints one JSON object per line:

  {"bench":"pay","scenario":"ab100","route":"A->B","in_flight":100,
   "amount_msat":M,"payments":1000,"failed":0,"seconds":S,
   "payments_per_sec":X,"latency_ms":{"p50":..,"p99":..,"max":..},
   "cpu_seconds":{"a":..,"b":..,"c":..,"bench":..},
   "per_payment":{"a":{"wal_bytes":..,"db_bytes":..,"syncs":..,
                       "cpu_ms":..},...}}

per_payment divides what each node's database wrote to its WAL and its
file (checkpoints) and its fsyncs (ohmd's dev-dbstats; null for an ohmd
without it) and its CPU time by the completed payments.  Plus "errors":
{message: count} when payments failed; exits 1 if any payment failed or a
check did not hold.

  bench/pay.py [--build DIR] [--payments N] [--in-flight K] [--amount-msat M]
               [--scenarios LIST] [--log-level LEVEL] [--quick] [--keep]

DIR is the build directory holding daemon/ohmd, bench/ceiling and
contrib/devchain/ohm-devchain: $OHM_BUILD if set, else build/ beside
bench/.  LIST is a comma-separated subset of the scenarios above (default:
all).  Without --payments, the sequential scenarios make 200 payments and
the concurrent ones 1000; --quick makes 20 of each (a smoke run for tests
and CI) and measures the ceilings briefly.
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
SCENARIOS = ("ab1", "ab100", "abc1", "abc100", "ab1-1sat", "ab100-1sat", "multi100")
MULTI_PAYEES = 8
MULTI_CHANNEL_SAT = 4000000
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
    parser.add_argument("--amount-msat", type=int, default=10000000,
                        help="amount of each invoice (default 10000000: 10,000 sat)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS),
                        help="comma-separated scenarios to run (default: all of "
                        + ", ".join(SCENARIOS) + ")")
    parser.add_argument("--log-level", default="info",
                        help="ohmd's --log-level (default info, ohmd's own default)")
    parser.add_argument("--ohmd-arg", action="append", default=[],
                        help="an extra option for every ohmd, e.g. --ohmd-arg=--worker-threads=1"
                        " (repeatable)")
    parser.add_argument("--quick", action="store_true", help="20 payments per scenario")
    parser.add_argument("--keep", action="store_true",
                        help="keep the nodes' and chain's directories (printed on stderr)")
    args = parser.parse_args()
    if args.payments is not None and args.payments < 1 or args.in_flight < 1 \
            or args.amount_msat < 1:
        parser.error("--payments, --in-flight and --amount-msat must be positive")
    args.scenarios = args.scenarios.split(",")
    for name in args.scenarios:
        if name not in SCENARIOS:
            parser.error("unknown scenario {!r} (known: {})".format(name, ", ".join(SCENARIOS)))
    return args


ARGS = parse_args()
# ohmtest reads OHM_BUILD when imported.
os.environ["OHM_BUILD"] = os.path.abspath(ARGS.build)
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))

import subprocess  # noqa: E402

from chainutil import wait_synced  # noqa: E402
from channelutil import channel, chain_node, open_channel, wait_no_htlcs  # noqa: E402
from devchain import DEVCHAIN, DevChain  # noqa: E402
from ohmtest import OHMD, OhmNode, RpcClient, RpcError, wait_for  # noqa: E402


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


def db_stats(node):
    """ohmd's dev-dbstats ({wal_bytes, db_bytes, syncs}), or None if this
    ohmd has no such command."""
    try:
        return node.rpc("dev-dbstats")
    except RpcError:
        return None


def cpu_snapshot(nodes):
    snap = {node.name: cpu_seconds(node.proc.pid) for node in nodes}
    snap["bench"] = sum(os.times()[:2])
    return snap


def per_payment(nodes, cpu_before, cpu_after, db_before, db_after, done):
    """Each node's database writes, syncs and CPU per completed payment."""
    result = {}
    for node in nodes:
        entry = {"cpu_ms": round((cpu_after[node.name] - cpu_before[node.name]) * 1000
                                 / done, 3) if done else None}
        before, after = db_before[node.name], db_after[node.name]
        for key in ("wal_bytes", "db_bytes", "syncs"):
            entry[key] = round((after[key] - before[key]) / done, 3) \
                if done and before and after else None
        result[node.name] = entry
    return result


def ceilings(quick):
    """bench/ceiling's lines, in a directory beside the nodes'."""
    program = os.path.join(os.path.abspath(ARGS.build), "bench", "ceiling")
    if not os.access(program, os.X_OK):
        sys.exit("bench/pay: {} not found (build it with make)".format(program))
    out = subprocess.run([program, "0.3" if quick else "2", "/tmp"], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of a sorted, non-empty list."""
    rank = max(1, math.ceil(round(fraction * len(sorted_values), 6)))
    return sorted_values[rank - 1]


def pay_all(payer, bolt11s, in_flight, expect_sent_msat):
    """Pays every invoice from in_flight threads, each with its own
    connection and its own share; returns (latencies in seconds of the
    completed payments, {error: count}, wall seconds, {bolt11: 1} of the
    completed ones)."""
    latencies = []
    paid_by = {}
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
                paid_by[bolt11] = 1

    try:
        for _ in range(in_flight):
            clients.append(RpcClient(payer))
        start = time.monotonic()
        run_workers(in_flight, work)
        seconds = time.monotonic() - start
    finally:
        for client in clients:
            client.close()
    return latencies, errors, seconds, paid_by


def balances(pairs):
    return [channel(node, peer)["to_us_msat"] for node, peer in pairs]


def paid_labels(payee, prefix):
    return sum(1 for i in payee.rpc("listinvoices")["invoices"]
               if i["label"].startswith(prefix + "-") and i["status"] == "paid")


def scenario(label, routes, nodes, in_flight, count, amount, fee_msat, problems):
    """Measures one scenario; returns its JSON line.  routes are [payer,
    ..., payee] lists with the same payer (payments spread evenly over
    them, interleaved); problems collects what the checks found."""
    payer = routes[0][0]
    name = "->".join(n.name.upper() for n in routes[0]) if len(routes) == 1 \
        else "{}->{} payees".format(payer.name.upper(), len(routes))
    scenario_id = next(_scenario_numbers)
    per_route = []
    for k, route in enumerate(routes):
        # Labels unique to this scenario: paid_labels() counts by prefix.
        prefix = "s{}-{}-{}".format(scenario_id, label, k)
        share = count // len(routes) + (1 if k < count % len(routes) else 0)
        per_route.append((route, prefix, make_invoices(route[-1], prefix, share, amount)))
    # Interleaved: each worker's share (every in_flight-th) spans the routes.
    bolt11s = [b for group in itertools.zip_longest(*(r[2] for r in per_route))
               for b in group if b is not None]
    # Each hop's (sender side, receiver side) channel ends, per route.
    route_pairs = []
    for route, _, _ in per_route:
        hops = list(zip(route, route[1:]))
        route_pairs.append((hops, [end for a, b in hops for end in ((a, b), (b, a))]))
    before = [balances(pairs) for _, pairs in route_pairs]
    db_before = {node.name: db_stats(node) for node in nodes}
    cpu_before = cpu_snapshot(nodes)

    latencies, errors, seconds, paid_by = pay_all(payer, bolt11s, in_flight, amount + fee_msat)

    cpu_after = cpu_snapshot(nodes)
    db_after = {node.name: db_stats(node) for node in nodes}
    done = len(latencies)
    try:
        wait_no_htlcs(*nodes)
    except TimeoutError as e:
        problems.append("{} x{}: {}".format(label, in_flight, e))
    for (route, prefix, route_bolt11s), (hops, pairs), was in zip(per_route, route_pairs, before):
        route_done = sum(paid_by.get(b, 0) for b in route_bolt11s)
        after = balances(pairs)
        # Every hop but the last carries the payee's amount plus B's fee.
        for i, (a, b) in enumerate(hops):
            moved = route_done * (amount + (fee_msat if i < len(hops) - 1 else 0))
            if (was[2 * i] - after[2 * i], after[2 * i + 1] - was[2 * i + 1]) != (moved, moved):
                problems.append("{} x{}: {}->{} moved {} msat out, {} msat in; {} expected".format(
                    label, in_flight, a.name, b.name, was[2 * i] - after[2 * i],
                    after[2 * i + 1] - was[2 * i + 1], moved))
        paid = paid_labels(route[-1], prefix)
        if paid != route_done:
            problems.append("{} x{}: {} invoices paid at {}, {} payments completed".format(
                label, in_flight, paid, route[-1].name, route_done))

    latencies.sort()
    result = {"bench": "pay", "scenario": label, "route": name, "in_flight": in_flight,
              "amount_msat": amount, "payments": done,
              "failed": count - done, "seconds": round(seconds, 3),
              "payments_per_sec": round(done / seconds, 1),
              "latency_ms": {k: round(percentile(latencies, f) * 1000, 2) if latencies else None
                             for k, f in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))},
              "cpu_seconds": {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after},
              "per_payment": per_payment(nodes, cpu_before, cpu_after, db_before, db_after,
                                         done)}
    if errors:
        result["errors"] = errors
    return result


def rebalance(routes, problems):
    """Moves what each hop's payee can spend in the channel (less 1%) back
    to its payer, one payment per hop, so that every scenario starts with the funds to make its
    payments: without it, A->B (16,000,000 sat) could not carry them all."""
    hops = {(a, b) for route in routes for a, b in zip(route, route[1:])}
    for a, b in sorted(hops, key=lambda hop: (hop[0].name, hop[1].name)):
        back = channel(b, a)["spendable_msat"] * 99 // 100
        if back < 1000000:
            continue
        label = "rebalance-{}".format(next(_scenario_numbers))
        bolt11 = a.rpc("invoice", [back, label, "bench/pay rebalance"])["bolt11"]
        try:
            b.rpc("pay", [bolt11], timeout=RPC_TIMEOUT_SECS)
        except RpcError as e:
            problems.append("rebalance {}->{}: {}".format(b.name, a.name, e))
    wait_no_htlcs(*{node for route in routes for node in route})


def setup(factory, chain):
    """A, B and C on chain with 16,000,000 sat channels A->B and B->C, each
    funded by its left side; returns (a, b, c, B's fee on one payment of
    ARGS.amount_msat)."""
    extra = ["--log-level=" + ARGS.log_level] + ARGS.ohmd_arg
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


def setup_multi(factory, chain, a, others):
    """MULTI_PAYEES more nodes, each with a channel from A (A's); returns
    them."""
    payees = []
    for k in range(MULTI_PAYEES):
        payee = chain_node(factory, chain, "p{}".format(k),
                           extra=["--log-level=" + ARGS.log_level] + ARGS.ohmd_arg)
        wait_synced(payee, chain)
        payees.append(payee)
    for payee in payees:
        open_channel(a, payee, chain, amount=MULTI_CHANNEL_SAT, push_msat=0,
                     others=tuple(others) + tuple(p for p in payees if p is not payee))
    return payees


def main():
    for program in (OHMD, DEVCHAIN):
        if not os.access(program, os.X_OK):
            sys.exit("bench/pay: {} not found (use --build or OHM_BUILD)".format(program))
    sequential = concurrent = 20 if ARGS.quick else None
    if ARGS.payments:
        sequential = concurrent = ARGS.payments
    sequential, concurrent = sequential or 200, concurrent or 1000

    problems = []
    for line in ceilings(ARGS.quick):
        print(json.dumps(line), flush=True)
    chain = DevChain()
    factory = NodeFactory(keep=ARGS.keep)
    try:
        chain.start()
        a, b, c, fee_msat = setup(factory, chain)
        payees = []
        if "multi100" in ARGS.scenarios:
            payees = setup_multi(factory, chain, a, (b, c))
        nodes = (a, b, c)
        plan = {
            "ab1": ([(a, b)], 1, sequential, ARGS.amount_msat, 0),
            "ab100": ([(a, b)], ARGS.in_flight, concurrent, ARGS.amount_msat, 0),
            "abc1": ([(a, b, c)], 1, sequential, ARGS.amount_msat, fee_msat),
            "abc100": ([(a, b, c)], ARGS.in_flight, concurrent, ARGS.amount_msat, fee_msat),
            "ab1-1sat": ([(a, b)], 1, sequential, 1000, 0),
            "ab100-1sat": ([(a, b)], ARGS.in_flight, concurrent, 1000, 0),
            "multi100": ([(a, p) for p in payees], ARGS.in_flight, concurrent,
                         ARGS.amount_msat, 0),
        }
        for label in ARGS.scenarios:
            routes, in_flight, count, amount, fee = plan[label]
            in_flight = min(in_flight, count)
            result = scenario(label, routes, nodes + tuple(payees) if label == "multi100"
                              else nodes, in_flight, count, amount, fee, problems)
            print(json.dumps(result), flush=True)
            if result["failed"]:
                problems.append("{} x{}: {} payments failed".format(
                    label, in_flight, result["failed"]))
            rebalance(routes, problems)
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
