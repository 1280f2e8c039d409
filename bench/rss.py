#!/usr/bin/env python3
"""bench/rss: ohmd's memory over many real payments (issue 17: it must stay
flat across 100,000 payments).

Starts ohm-devchain and nodes A and B, opens a 16,000,000 sat channel A->B
with half pushed to B, then makes PAYMENTS payments of AMOUNT (default
10,000 sat: above dust, so each HTLC has its own commitment output), each
an `invoice` at the payee then a `pay` at the payer.  WORKERS threads at
once, each alternating A->B and B->A, so liquidity never runs out (the
balance drifts by at most WORKERS payments).  Every SAMPLE payments it
reads both ohmd's VmRSS and VmHWM from /proc/PID/status and prints a line:

  {"bench":"rss","payments":N,"seconds":S,"failed":F,
   "a":{"vm_rss_kib":..,"vm_hwm_kib":..},"b":{...}}

and at the end one verdict line per node:

  {"bench":"rss","verdict":"a","start_kib":..,"warmup_kib":..,
   "end_kib":..,"hwm_kib":..,"growth_kib_per_10k":..,"payments":N,
   "failed":F}

start is RSS once the channel is open, warmup RSS after WARMUP payments,
end RSS after the last; growth_kib_per_10k is the least-squares slope of
the samples after the warm-up, in KiB per 10,000 payments.  Exits 1 if a
payment failed, an HTLC was left or a node logged BROKEN.

  bench/rss.py [--build DIR] [--payments N] [--workers W] [--sample N]
               [--warmup N] [--amount-msat M] [--keep]

Not part of the test suite (100,000 payments take a while); tests run a
tiny smoke version (--payments 40).
"""
import argparse
import json
import os
import sys
import threading
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHANNEL_SAT = 16000000
RPC_TIMEOUT_SECS = 300


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.environ.get("OHM_BUILD")
                        or os.path.join(SOURCE, "build"),
                        help="build directory (default: $OHM_BUILD, else build/ in the source tree)")
    parser.add_argument("--payments", type=int, default=100000)
    parser.add_argument("--workers", type=int, default=8,
                        help="payments in flight (default 8)")
    parser.add_argument("--sample", type=int, default=None,
                        help="payments between samples (default payments/50)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="payments before the warm-up sample (default payments/10)")
    parser.add_argument("--amount-msat", type=int, default=10000000)
    parser.add_argument("--keep", action="store_true",
                        help="keep the nodes' and chain's directories")
    args = parser.parse_args()
    if args.payments < 1 or args.workers < 1 or args.amount_msat < 1:
        parser.error("--payments, --workers and --amount-msat must be positive")
    args.sample = args.sample or max(1, args.payments // 50)
    args.warmup = args.payments // 10 if args.warmup is None else args.warmup
    return args


ARGS = parse_args()
os.environ["OHM_BUILD"] = os.path.abspath(ARGS.build)
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))

from chainutil import wait_synced  # noqa: E402
from channelutil import chain_node, open_channel, wait_no_htlcs  # noqa: E402
from devchain import DEVCHAIN, DevChain  # noqa: E402
from ohmtest import OHMD, OhmNode, RpcClient, RpcError  # noqa: E402


def memory_kib(pid):
    """(VmRSS, VmHWM) of process pid, in KiB."""
    found = {}
    with open("/proc/{}/status".format(pid)) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found["VmRSS"], found["VmHWM"]


def slope_per_10k(points):
    """Least-squares slope of [(payments, kib)], in KiB per 10,000
    payments; None with fewer than two points."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    if var == 0:
        return None
    return round(sum((x - mx) * (y - my) for x, y in points) / var * 10000, 1)


class Storm:
    """WORKERS threads, each alternating A->B and B->A payments, until
    ARGS.payments were tried; samples memory every ARGS.sample."""

    def __init__(self, a, b, start):
        self.nodes = {"a": a, "b": b}
        self.lock = threading.Lock()
        self.claimed = 0
        self.done = 0
        self.failed = 0
        self.errors = {}
        self.start = start
        self.samples = []  # (payments, {name: (rss, hwm)})
        self.next_sample = ARGS.sample

    def sample(self, payments):
        mem = {name: memory_kib(node.proc.pid) for name, node in self.nodes.items()}
        self.samples.append((payments, mem))
        line = {"bench": "rss", "payments": payments,
                "seconds": round(time.monotonic() - self.start, 1), "failed": self.failed}
        for name, (rss, hwm) in mem.items():
            line[name] = {"vm_rss_kib": rss, "vm_hwm_kib": hwm}
        print(json.dumps(line), flush=True)

    def claim(self):
        with self.lock:
            if self.claimed >= ARGS.payments:
                return None
            self.claimed += 1
            return self.claimed

    def finished(self, error):
        with self.lock:
            self.done += 1
            if error:
                self.failed += 1
                self.errors[error] = self.errors.get(error, 0) + 1
            if self.done >= self.next_sample:
                self.next_sample += ARGS.sample
                self.sample(self.done)

    def work(self, index):
        clients = {name: RpcClient(node) for name, node in self.nodes.items()}
        try:
            forward = index % 2 == 0
            while True:
                number = self.claim()
                if number is None:
                    return
                payer, payee = ("a", "b") if forward else ("b", "a")
                forward = not forward
                error = None
                try:
                    bolt11 = clients[payee].rpc("invoice", [ARGS.amount_msat,
                                                            "rss-{}".format(number),
                                                            "bench/rss"])["bolt11"]
                    paid = clients[payer].rpc("pay", [bolt11])
                    if paid.get("status") != "complete":
                        error = "pay status {!r}".format(paid.get("status"))
                except RpcError as e:
                    error = "{}: {}".format(payer, e)
                self.finished(error)
        finally:
            for client in clients.values():
                client.close()

    def run(self):
        threads = [threading.Thread(target=self.work, args=(i,)) for i in range(ARGS.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def verdicts(storm):
    """One verdict line per node from storm's samples."""
    lines = []
    first = storm.samples[0]
    after_warmup = [s for s in storm.samples if s[0] >= ARGS.warmup]
    for name in storm.nodes:
        warm = after_warmup[0] if after_warmup else storm.samples[-1]
        end = storm.samples[-1]
        lines.append({"bench": "rss", "verdict": name, "start_kib": first[1][name][0],
                      "warmup_kib": warm[1][name][0], "warmup_payments": warm[0],
                      "end_kib": end[1][name][0], "hwm_kib": end[1][name][1],
                      "growth_kib_per_10k": slope_per_10k(
                          [(p, mem[name][0]) for p, mem in after_warmup]),
                      "payments": storm.done, "failed": storm.failed})
    return lines


def main():
    for program in (OHMD, DEVCHAIN):
        if not os.access(program, os.X_OK):
            sys.exit("bench/rss: {} not found (use --build or OHM_BUILD)".format(program))
    problems = []
    chain = DevChain()
    nodes = []
    try:
        chain.start()

        class Factory:
            def new(self, name, args=()):
                node = OhmNode(name, args=args)
                nodes.append(node)
                node.start()
                return node
        a = chain_node(Factory(), chain, "a", funded=True)
        b = chain_node(Factory(), chain, "b")
        for node in (a, b):
            wait_synced(node, chain)
        open_channel(a, b, chain, amount=CHANNEL_SAT, push_msat=CHANNEL_SAT * 1000 // 2)
        storm = Storm(a, b, time.monotonic())
        storm.sample(0)
        storm.run()
        if storm.samples[-1][0] != storm.done:
            storm.sample(storm.done)
        try:
            wait_no_htlcs(a, b)
        except TimeoutError as e:
            problems.append(str(e))
        for line in verdicts(storm):
            print(json.dumps(line), flush=True)
        if storm.failed:
            problems.append("{} payments failed: {}".format(storm.failed, storm.errors))
    finally:
        for node in nodes:
            try:
                node.stop()
            except Exception as e:
                problems.append("{} did not stop: {!r}".format(node.name, e))
            node.kill()
            problems += ["{} log: {}".format(node.name, line) for line in node.log().splitlines()
                         if " BROKEN " in line[:40] or "Sanitizer" in line]
            if ARGS.keep:
                print("bench/rss: kept {} in {}".format(node.name, node.base_dir),
                      file=sys.stderr)
            else:
                node.cleanup()
        try:
            chain.stop()
        except Exception as e:
            problems.append("ohm-devchain did not stop: {!r}".format(e))
        if ARGS.keep:
            chain.kill()
        else:
            chain.cleanup()
    for problem in problems:
        print("bench/rss: " + problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
