"""A forwarder whose links are cut again and again while payments flow both
ways with tight liquidity (issue 10, D1 and D2).

A -> B -> C, every connection through a loopback proxy the test controls:
A dials B, and B dials C, through the proxy's port, so each redial after a
cut goes through it again.  1,000,000-sat payments run both ways (A pays
C's invoices, C pays A's) over channels that carry about 1.5 of them each
way, while the proxies cut the links at random moments.  Afterwards, with
the links left alone:

- every node is still running, and no HTLC is left on any channel;
- every node's balance changed by exactly what its listpays,
  listinvoices and listforwards say (B earns exactly its settled fees);
- every invoice is paid iff its payer holds the preimage.

Before the fix, B decided an incoming HTLC twice when channel_reestablish
and a retransmitted revoke_and_ack came in one turn (B stopped on a UNIQUE
violation, or failed the incoming HTLC while the forward went on), and a
withdrawn outgoing HTLC's reused id matched the old, failed forward (the
preimage never went upstream; the HTLC stayed stuck)."""
import collections
import concurrent.futures
import random
import selectors
import socket
import threading
import time

from channelutil import channel, channels, mine, three_nodes, wait_no_htlcs
from ohmtest import RpcError, wait_for

PAYMENT_MSAT = 1000000000          # 1,000,000 sat
FUNDING_SAT = 3000000
PUSH_MSAT = 1500000000             # each side holds ~1.5 payments
CUTS = 24                          # per link
PAYERS_PER_SIDE = 2
STORM_SECS = 45
LATENCY_SECS = 0.03          # each way, through the proxy


class Proxy:
    """Relays every connection to .port on to 127.0.0.1:target_port;
    cut() drops the live ones (both ends see the connection close)."""

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
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

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
                thread = threading.Thread(target=self._relay, args=(client, server),
                                          daemon=True)
                self.threads.append(thread)
            thread.start()

    def _relay(self, client, server):
        """Copies both ways, each chunk LATENCY_SECS late (what is still
        on its way when cut() shuts the sockets is lost, as on a real
        link), until either side closes or cut() shuts them."""
        other = {client: server, server: client}
        queue = collections.deque()     # (when, destination, bytes)
        with selectors.DefaultSelector() as sel:
            sel.register(client, selectors.EVENT_READ)
            sel.register(server, selectors.EVENT_READ)
            try:
                while True:
                    timeout = max(0, queue[0][0] - time.monotonic()) if queue else None
                    for key, _ in sel.select(timeout):
                        data = key.fileobj.recv(65536)
                        if not data:
                            raise ConnectionError
                        queue.append((time.monotonic() + LATENCY_SECS, other[key.fileobj],
                                      data))
                    while queue and queue[0][0] <= time.monotonic():
                        _, destination, data = queue.popleft()
                        destination.sendall(data)
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
        """Shuts every live connection down; each relay thread then closes
        its sockets (only it does, so no descriptor is closed under it)."""
        with self.lock:
            live = list(self.live)
        for pair in live:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        return len(live)

    def close(self):
        with self.lock:
            self.closing = True
        self.listener.close()
        self.cut()
        for thread in self.threads:
            thread.join(10)


def balance(node):
    return sum(c["to_us_msat"] for c in channels(node))


def peer_up(node, peer):
    """node's channel with peer is reestablished (updates can flow)."""
    c = channel(node, peer)
    return c["peer_connected"] and c["state"] == "CHANNELD_NORMAL" \
        and c["status"][0].endswith("Peer connected")


def open_through(funder, fundee, proxy, devchain, others):
    """funder dials fundee through proxy and opens a FUNDING_SAT channel
    pushing PUSH_MSAT; 3 blocks lock it in."""
    funder.rpc("connect", [fundee.id, "127.0.0.1", proxy.port])
    funder.rpc("fundchannel", {"id": fundee.id, "amount": FUNDING_SAT, "push_msat": PUSH_MSAT})
    mine(devchain, 3, funder, fundee, *others)
    wait_for(lambda: peer_up(funder, fundee) and peer_up(fundee, funder), 30, interval=0.1,
             what="the channel to be normal")


def cutter(proxy, left, right, stop, rng, log):
    """Cuts proxy's link CUTS times, each a random moment after the channel
    is back up (so HTLCs are moving when it falls)."""
    for _ in range(CUTS):
        if stop.is_set():
            return
        try:
            wait_for(lambda: stop.is_set() or (peer_up(left, right) and peer_up(right, left)),
                     40, interval=0.05, what="the link to come back")
        except TimeoutError:
            log.append("link {}-{} did not come back".format(left.name, right.name))
            return
        if stop.wait(rng.uniform(0.05, 0.9)):
            return
        proxy.cut()


def payer(payer_node, payee, tag, stop, results):
    """Pays payee's invoices one after the other until stop."""
    k = 0
    while not stop.is_set():
        label = "{}-{}".format(tag, k)
        k += 1
        invoice = payee.rpc("invoice", [PAYMENT_MSAT, label, "storm", 3600])
        try:
            payer_node.rpc("pay", {"bolt11": invoice["bolt11"], "retry_for": 3}, timeout=40)
            results.append((label, "complete"))
        except RpcError as e:
            results.append((label, "error {}".format(e.code)))
            # No liquidity or no link just now: let the other side move.
            stop.wait(0.2)
        except OSError as e:   # the RPC timed out or the node is gone
            results.append((label, "no answer: {}".format(e)))
            return


def check_accounts(node, before, forwards_of=None):
    """node's balance moved by exactly what its records say."""
    pays = node.rpc("listpays")["pays"]
    assert not [p for p in pays if p["status"] == "pending"], pays
    sent = sum(p["amount_sent_msat"] for p in pays if p["status"] == "complete")
    received = sum(i["amount_received_msat"] for i in node.rpc("listinvoices")["invoices"]
                   if i["status"] == "paid")
    fees = 0
    if forwards_of:
        forwards = node.rpc("listforwards")["forwards"]
        assert not [f for f in forwards if f["status"] == "offered"], forwards
        fees = sum(f["fee_msat"] for f in forwards if f["status"] == "settled")
    assert balance(node) - before == received - sent + fees, \
        (node.name, balance(node) - before, received, sent, fees)
    return sent, received, fees


def check_preimages(payer_node, payee):
    """Every invoice of payee is paid iff payer_node holds its preimage."""
    held = {p["payment_hash"]: p.get("preimage") for p in payer_node.rpc("listpays")["pays"]
            if p["status"] == "complete"}
    paid = 0
    for invoice in payee.rpc("listinvoices")["invoices"]:
        is_paid = invoice["status"] == "paid"
        assert is_paid == (invoice["payment_hash"] in held), invoice
        if is_paid:
            assert held[invoice["payment_hash"]] == invoice["payment_preimage"]
            paid += 1
    assert len(held) == paid
    return paid


def test_forwarder_links_cut_during_payment_storm(node_factory, devchain):
    a, b, c = three_nodes(node_factory, devchain)
    ab, bc = Proxy(b.port), Proxy(c.port)
    try:
        open_through(a, b, ab, devchain, (c,))
        open_through(b, c, bc, devchain, (a,))
        wait_for(lambda: channel(c, b)["updates"].get("remote")
                 and channel(a, b)["updates"].get("remote"), 10,
                 what="B's channel_updates at A and C")
        before = {n.name: balance(n) for n in (a, b, c)}

        stop, results, problems = threading.Event(), [], []
        rng = random.Random(10)
        with concurrent.futures.ThreadPoolExecutor(2 + 2 * PAYERS_PER_SIDE) as pool:
            cuts = [pool.submit(cutter, ab, a, b, stop, rng, problems),
                    pool.submit(cutter, bc, b, c, stop, random.Random(11), problems)]
            pays = [pool.submit(payer, a, c, "a2c{}".format(i), stop, results)
                    for i in range(PAYERS_PER_SIDE)]
            pays += [pool.submit(payer, c, a, "c2a{}".format(i), stop, results)
                     for i in range(PAYERS_PER_SIDE)]
            deadline = time.monotonic() + STORM_SECS
            concurrent.futures.wait(cuts, timeout=STORM_SECS)
            stop.set()
            for f in cuts + pays:
                f.result(max(1, deadline + 100 - time.monotonic()))
        assert not problems, problems
        assert ab.accepted > 5 and bc.accepted > 5, (ab.accepted, bc.accepted)

        # Links left alone: everything settles.
        for node in (a, b, c):
            assert node.proc.poll() is None, node.log()[-3000:]
        wait_for(lambda: peer_up(a, b) and peer_up(b, a) and peer_up(b, c) and peer_up(c, b),
                 40, interval=0.1, what="every link to come back")
        wait_no_htlcs(a, b, c)
        completes = [r for r in results if r[1] == "complete"]
        assert completes, results
        assert not [r for r in results if r[1].startswith("no answer")], results

        check_accounts(a, before["a"])
        check_accounts(c, before["c"])
        _, _, fees = check_accounts(b, before["b"], forwards_of=True)
        assert fees > 0
        assert check_preimages(a, c) + check_preimages(c, a) >= len(completes)
        # Both ends of each channel agree.
        assert channel(a, b)["to_us_msat"] + channel(b, a)["to_us_msat"] == FUNDING_SAT * 1000
        assert channel(b, c)["to_us_msat"] + channel(c, b)["to_us_msat"] == FUNDING_SAT * 1000
        assert "BROKEN" not in b.log()
    finally:
        ab.close()
        bc.close()
