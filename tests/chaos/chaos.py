"""The standing fault campaign (issue 17): a network of real ohmd nodes on
ohm-devchain, every link through a loopback proxy the driver controls, a
payment storm (pay and keysend, between every pair, so forwards go both
ways; tight liquidity so some fail), and faults at random moments drawn
from a seed:

  kill9        kill -9 of an ohmd, restarted at once
  disk         an ohmd restarted with --dev-fault-io (write, fsync, full,
               lock; once or sticky): it must stop with exit 2 and a
               "storage failed"/"; stopping" line (or never meet the fault),
               then restart without it
  chain_kill9  kill -9 of ohm-devchain, restarted on the same datadir
  chain_down   ohm-devchain stopped (SIGSTOP) for a while: unreachable
  reorg        invalidateblock of the last 1-6 blocks, then one more block
               mined than was removed
  cut          a link's live connections shut down
  stall        a link forwards nothing for a while
  slow         a link delays every chunk for a while
  half_close   one direction of a link closed, the other left open

After the storm: heal everything, then the invariants (check()).
Money is checked exactly because nothing goes on chain during the storm
(no force close is injected yet): each node's channel balance moved by
exactly its received (listinvoices, keysends included) minus sent
(listpays amount_sent_msat) plus its forwarding fees (listforwards), and
its wallet did not move; both ends of each channel agree on the split.

Used by tests/chaos/run (long runs) and tests/integration/test_chaos.py."""
import collections
import os
import random
import re
import selectors
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))

from chainutil import BURN_ADDRESS, backend_args, fund, wait_synced  # noqa: E402
from ohmtest import OhmNode, RpcError, listening_node, wait_for  # noqa: E402

FUNDING_SAT = 2000000
PUSH_MSAT = 1000000000              # each side starts with half
EXIT_FATAL = 2
LINK_KINDS = ("cut", "stall", "slow", "half_close")
NODE_KINDS = ("kill9", "disk")
CHAIN_KINDS = ("chain_kill9", "chain_down", "reorg")
ALL_KINDS = NODE_KINDS + CHAIN_KINDS + LINK_KINDS


class Proxy:
    """Relays each connection to .port on to 127.0.0.1:target_port, with
    knobs: cut(), stall(secs), slow(secs, latency), half_close()."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.live = []
        self.accepted = 0
        self.closing = False
        self.stalled_until = 0.0
        self.latency, self.slow_until = 0.0, 0.0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                if self.closing:
                    client.close()
                    server.close()
                    return
                self.live.append((client, server))
                self.accepted += 1
            threading.Thread(target=self._relay, args=(client, server), daemon=True).start()

    def _relay(self, client, server):
        other = {client: server, server: client}
        queue = collections.deque()     # (when, destination, bytes)
        closed_dirs = set()
        with selectors.DefaultSelector() as sel:
            sel.register(client, selectors.EVENT_READ)
            sel.register(server, selectors.EVENT_READ)
            try:
                while True:
                    now = time.monotonic()
                    stalled = now < self.stalled_until
                    timeout = 0.05 if stalled or queue else 0.2
                    if not stalled:
                        for key, _ in sel.select(timeout):
                            data = key.fileobj.recv(65536)
                            if not data:
                                raise ConnectionError
                            delay = self.latency if now < self.slow_until else 0
                            queue.append((now + delay, other[key.fileobj], data))
                    else:
                        time.sleep(timeout)
                    while queue and queue[0][0] <= time.monotonic() \
                            and time.monotonic() >= self.stalled_until:
                        _, destination, data = queue.popleft()
                        if destination not in closed_dirs:
                            destination.sendall(data)
                    with self.lock:
                        half = getattr(self, "_half", None)
                        if half and (client, server) in half:
                            half.discard((client, server))
                            try:
                                server.shutdown(socket.SHUT_WR)
                            except OSError:
                                pass
                            closed_dirs.add(server)
            except OSError:
                pass
        with self.lock:
            if (client, server) in self.live:
                self.live.remove((client, server))
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self):
        with self.lock:
            live = list(self.live)
        for pair in live:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        return len(live)

    def stall(self, secs):
        self.stalled_until = time.monotonic() + secs

    def slow(self, secs, latency):
        self.latency = latency
        self.slow_until = time.monotonic() + secs

    def half_close(self):
        """The dialled side sees the dialler's end close; the other way
        stays open (until that side closes in turn)."""
        with self.lock:
            self._half = set(self.live)
        return len(self._half)

    def heal(self):
        self.stalled_until = self.slow_until = 0.0

    def close(self):
        with self.lock:
            self.closing = True
        self.listener.close()
        self.cut()


class Network:
    """Nodes (names -> OhmNode), channels [(funder, fundee, proxy)]."""

    def __init__(self, devchain, base_args=()):
        self.devchain = devchain
        self.nodes = {}
        self.links = []
        self.base_args = list(base_args)
        self.made = []

    def add_node(self, name, node_factory):
        node = listening_node(node_factory, name, extra=backend_args(self.devchain)
                              + ["--dev-ping-interval=10"] + self.base_args)
        self.nodes[name] = node
        return node

    def open(self, funder, fundee):
        a, b = self.nodes[funder], self.nodes[fundee]
        proxy = Proxy(b.port)
        a.rpc("connect", [b.id, "127.0.0.1", proxy.port])
        a.rpc("fundchannel", {"id": b.id, "amount": FUNDING_SAT, "push_msat": PUSH_MSAT})
        self.links.append((funder, fundee, proxy))

    def mine(self, n):
        self.devchain.generate(n, BURN_ADDRESS)

    def sync(self):
        for node in self.nodes.values():
            wait_synced(node, self.devchain, timeout=90)


def build(node_factory, devchain, shape):
    """A line of 3 (a-b-c) or a diamond of 4 (a-b, a-c, b-d, c-d), every
    channel public (announced after 6 blocks) and half pushed."""
    net = Network(devchain)
    names = "abc" if shape == "line" else "abcd"
    for name in names:
        net.add_node(name, node_factory)
    for name in names:
        fund(net.nodes[name], devchain)
    pairs = [("a", "b"), ("b", "c")] if shape == "line" else \
        [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]
    for funder, fundee in pairs:
        net.open(funder, fundee)
        # One at a time: each funding spends a node's only coin's change.
        wait_for(lambda: len(devchain.rpc("getrawmempool")) > 0, 10, what="funding tx")
        net.mine(1)
        net.sync()
    net.mine(8)     # locked in and announced, and deep enough for reorgs
    net.sync()
    wait_for(lambda: all_up(net), 60, interval=0.2, what="every channel normal")
    # Gossip: every node knows every public channel.
    wait_for(lambda: all(len(n.rpc("listchannels")["channels"]) >= 2 * len(pairs)
                         for n in net.nodes.values()), 120, interval=0.5,
             what="the graph everywhere")
    return net


def channels(node):
    return node.rpc("listpeerchannels")["channels"]


def all_up(net):
    for node in net.nodes.values():
        for c in channels(node):
            if not (c["peer_connected"] and c["state"] == "CHANNELD_NORMAL"
                    and c["status"][0].endswith("Peer connected")):
                return False
    return True


def balance(node):
    return sum(c["to_us_msat"] for c in channels(node))


def wallet(node):
    return sum(o["amount_msat"] for o in node.rpc("listfunds")["outputs"])


class Campaign:
    def __init__(self, net, seed, kinds=ALL_KINDS, mean_gap=2.0, out=print):
        self.net = net
        self.seed = seed
        self.rng = random.Random(seed)
        self.kinds = kinds
        self.mean_gap = mean_gap
        self.out = out
        self.injected = collections.Counter()
        self.findings = []
        self.outcomes = collections.Counter()
        self.payments = collections.Counter()
        self.stop = threading.Event()
        self.lock = threading.Lock()        # nodes being restarted
        self.down = set()
        self.before = {}

    # ---- The storm ----

    def payer(self, k):
        rng = random.Random("{}-payer-{}".format(self.seed, k))
        names = sorted(self.net.nodes)
        n = 0
        while not self.stop.is_set():
            src, dst = rng.sample(names, 2)
            a, b = self.net.nodes[src], self.net.nodes[dst]
            # Up to 40% of a channel: a few in flight exhaust one side.
            amount = rng.randrange(10000, 400000) * 1000
            n += 1
            try:
                if rng.random() < 0.3:
                    kind = "keysend"
                    a.rpc("keysend", {"destination": b.id, "amount_msat": amount,
                                      "retry_for": 10}, timeout=60)
                else:
                    kind = "pay"
                    label = "s{}-{}-{}".format(self.seed, k, n)
                    inv = b.rpc("invoice", [amount, label, "chaos", 3600])
                    a.rpc("pay", {"bolt11": inv["bolt11"], "retry_for": 10}, timeout=60)
                self.payments[kind + " complete"] += 1
            except RpcError as e:
                self.payments["failed {}".format(e.code)] += 1
                self.stop.wait(0.2)
            except (OSError, ConnectionError, ValueError):
                # A node down (or killed while answering): its pays resolve
                # later; listpays has the last word.
                self.payments["no answer"] += 1
                self.stop.wait(0.5)

    def inject(self):
        kind = self.rng.choice(self.kinds)
        names = sorted(self.net.nodes)
        if kind in NODE_KINDS:
            name = self.rng.choice(names)
            getattr(self, "f_" + kind)(name)
        elif kind in CHAIN_KINDS:
            getattr(self, "f_" + kind)()
        else:
            funder, fundee, proxy = self.rng.choice(self.net.links)
            if kind == "cut":
                proxy.cut()
            elif kind == "stall":
                proxy.stall(self.rng.uniform(1, 8))
            elif kind == "slow":
                proxy.slow(self.rng.uniform(2, 10), self.rng.uniform(0.05, 0.5))
            else:
                proxy.half_close()
        self.injected[kind] += 1

    def restart(self, node, extra=(), wait=True):
        node.start(extra=extra, wait=wait)

    def f_kill9(self, name):
        node = self.net.nodes[name]
        self.check_alive(node)
        node.kill()
        self.restart(node)

    def f_disk(self, name):
        node = self.net.nodes[name]
        self.check_alive(node)
        kind = self.rng.choice(["write", "fsync", "full", "lock"])
        spec = "{}:{}{}".format(kind, self.rng.randint(1, 40), self.rng.choice(["", "+"]))
        assert node.stop() == 0, node.log()[-3000:]
        start = len(node.log())
        self.restart(node, ["--dev-fault-io=" + spec], wait=False)
        try:
            wait_for(lambda: node.proc.poll() is not None, self.rng.uniform(3, 15), interval=0.1)
        except TimeoutError:
            pass
        if node.proc.poll() is None:
            node.kill()
            self.outcomes["disk: not reached"] += 1
        else:
            rc = node.wait_exit(5)
            log = node.log()[start:]
            if rc != EXIT_FATAL or not re.search(r"BROKEN .*; stopping", log):
                self.finding("{} with --dev-fault-io={} exited {} without a fatal line:\n{}"
                             .format(name, spec, rc, log[-3000:]))
            else:
                self.outcomes["disk: stopped cleanly"] += 1
        self.restart(node)

    def f_chain_kill9(self):
        chain = self.net.devchain
        chain.kill()
        time.sleep(self.rng.uniform(0, 3))
        chain.start()

    def f_chain_down(self):
        chain = self.net.devchain
        chain.proc.send_signal(signal.SIGSTOP)
        try:
            time.sleep(self.rng.uniform(2, 15))
        finally:
            chain.proc.send_signal(signal.SIGCONT)

    def f_reorg(self):
        chain = self.net.devchain
        depth = self.rng.randint(1, 6)
        tip = chain.rpc("getblockcount")
        chain.rpc("invalidateblock", [chain.rpc("getblockhash", [tip - depth + 1])])
        chain.generate(depth + 1, BURN_ADDRESS)

    def check_alive(self, node):
        if node.proc.poll() is not None:
            rc = node.wait_exit(5)
            self.finding("{} exited {} by itself:\n{}".format(node.name, rc, node.log()[-3000:]))
            self.restart(node)

    def finding(self, text):
        self.findings.append(text)
        self.out("FINDING: " + text.splitlines()[0])

    def storm(self, secs, payers=3):
        self.before = {name: (balance(n), wallet(n)) for name, n in self.net.nodes.items()}
        self.start_height = self.net.devchain.rpc("getblockcount")
        threads = [threading.Thread(target=self.payer, args=(k,), daemon=True)
                   for k in range(payers)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + secs
        try:
            while time.monotonic() < deadline:
                if self.stop.wait(self.rng.expovariate(1 / self.mean_gap)):
                    break
                for node in self.net.nodes.values():
                    self.check_alive(node)
                self.inject()
        finally:
            self.stop.set()
            for t in threads:
                t.join(120)

    # ---- Healing and the invariants ----

    def heal(self):
        for _, _, proxy in self.net.links:
            proxy.heal()
        for node in self.net.nodes.values():
            self.check_alive(node)
        self.net.sync()
        try:
            wait_for(lambda: all_up(self.net), 90, interval=0.2, what="every channel back")
        except TimeoutError:
            self.finding("channels not back after healing: " + repr(
                {n.name: [(c["short_channel_id"], c["state"], c["peer_connected"],
                           c["status"][0]) for c in channels(n)]
                 for n in self.net.nodes.values()}))

    def check(self):
        nodes = self.net.nodes
        try:
            wait_for(lambda: all(c["htlcs"] == [] for n in nodes.values() for c in channels(n)),
                     90, interval=0.2, what="no HTLC left")
        except TimeoutError:
            self.finding("HTLCs stuck: " + repr({n.name: [c["htlcs"] for c in channels(n)
                                                          if c["htlcs"]]
                                                 for n in nodes.values()}))
        try:
            wait_for(lambda: not [p for n in nodes.values() for p in n.rpc("listpays")["pays"]
                                  if p["status"] == "pending"], 60, interval=0.2,
                     what="no pending payment")
        except TimeoutError:
            self.finding("payments still pending")
        held = {}
        for name, node in nodes.items():
            pays = node.rpc("listpays")["pays"]
            sent = sum(p["amount_sent_msat"] for p in pays if p["status"] == "complete")
            for p in pays:
                if p["status"] == "complete":
                    held[p["payment_hash"]] = p["preimage"]
            invoices = node.rpc("listinvoices")["invoices"]
            received = sum(i["amount_received_msat"] for i in invoices if i["status"] == "paid")
            forwards = node.rpc("listforwards")["forwards"]
            if [f for f in forwards if f["status"] == "offered"]:
                self.finding("{}: forwards still offered".format(name))
            fees = sum(f["fee_msat"] for f in forwards if f["status"] == "settled")
            moved = balance(node) - self.before[name][0]
            if moved != received - sent + fees:
                self.finding("{}: balance moved {} but received {} - sent {} + fees {} = {}"
                             .format(name, moved, received, sent, fees, received - sent + fees))
            if wallet(node) != self.before[name][1]:
                self.finding("{}: wallet moved {} -> {}".format(name, self.before[name][1],
                                                                wallet(node)))
            self.payments["settled pays"] += len([p for p in pays if p["status"] == "complete"])
        for node in nodes.values():
            for inv in node.rpc("listinvoices")["invoices"]:
                paid = inv["status"] == "paid"
                if paid != (inv["payment_hash"] in held) or \
                        (paid and held[inv["payment_hash"]] != inv["payment_preimage"]):
                    self.finding("{}: invoice {} is {} but its payer {} the preimage".format(
                        node.name, inv["label"], inv["status"],
                        "holds" if inv["payment_hash"] in held else "lacks"))
        # Both ends agree on each channel's split.
        split = collections.defaultdict(int)
        for node in nodes.values():
            for c in channels(node):
                split[c["channel_id"]] += c["to_us_msat"]
        for cid, total in split.items():
            if total != FUNDING_SAT * 1000:
                self.finding("channel {}: the ends hold {} of {}".format(cid, total,
                                                                         FUNDING_SAT * 1000))
        for node in nodes.values():
            log = node.log()
            if "Sanitizer" in log or "runtime error" in log:
                self.finding("{}: sanitizer report".format(node.name))

    def table(self):
        lines = ["seed {}".format(self.seed), "{:<14} {:>6}".format("fault", "count")]
        for kind in ALL_KINDS:
            lines.append("{:<14} {:>6}".format(kind, self.injected[kind]))
        for what, n in sorted(self.outcomes.items()):
            lines.append("  {:<30} {:>6}".format(what, n))
        lines.append("payments attempted {}".format(
            sum(v for k, v in self.payments.items() if k != "settled pays")))
        for what, n in sorted(self.payments.items()):
            lines.append("  {:<30} {:>6}".format(what, n))
        lines.append("findings {}".format(len(self.findings)))
        return "\n".join(lines)

    def close(self):
        for _, _, proxy in self.net.links:
            proxy.close()


class Factory:
    """node_factory for the stand-alone runner (conftest's NodeFactory
    outside pytest)."""

    def __init__(self):
        self.nodes = []

    def new(self, name=None, start=True, **kwargs):
        node = OhmNode(name or "node{}".format(len(self.nodes) + 1), **kwargs)
        self.nodes.append(node)
        if start:
            node.start()
        return node

    def finish(self):
        for node in self.nodes:
            if node.proc and node.proc.poll() is None:
                node.stop()
            node.cleanup()
