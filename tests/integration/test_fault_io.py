"""A disk that fails under a forwarder (issue 17): --dev-fault-io makes
B's Nth SQLite write, fsync or write-on-a-full-disk fail while payments
A -> B -> C flow.  B must stop at once with a clear log line and a
non-zero exit (never carry on with memory ahead of the disk, never send
what depended on the failed commit); restarted without the fault, every
channel reestablishes, nothing is stuck, and every balance moved by
exactly what its owner's records say."""
import concurrent.futures
import re
import threading

import pytest

from channelutil import channel, channels, line_of_three, wait_connected, wait_no_htlcs
from ohmtest import RpcError, wait_for

# README "Running ohmd": a fatal error while running.
EXIT_FATAL = 2
PAYMENT_MSAT = 20000000


def balance(node):
    return sum(c["to_us_msat"] for c in channels(node))


def payer(a, c, stop, results):
    k = 0
    while not stop.is_set():
        label = "p{}".format(k)
        k += 1
        invoice = c.rpc("invoice", [PAYMENT_MSAT, label, "fault"])
        try:
            a.rpc("pay", {"bolt11": invoice["bolt11"], "retry_for": 90}, timeout=120)
            results.append((label, "complete"))
        except RpcError as e:
            results.append((label, "error {}".format(e.code)))
        except OSError as e:
            results.append((label, "no answer {}".format(e)))
            return


@pytest.mark.parametrize("spec", [
    "write:30", "full:30+",
    # B waits out its 5 s busy timeout, then stops, while A's redial is in
    # its handshake with B: A must dial again once that fails.
    "lock:3+",
    # The 4th fsync is the commit of the peer row as A reconnects.
    "fsync:4",
])
def test_disk_fault_stops_forwarder_cleanly(node_factory, devchain, spec):
    a, b, c = line_of_three(node_factory, devchain)
    before = {n.name: balance(n) for n in (a, b, c)}
    assert b.stop() == 0
    # (Not waiting for getinfo: the fault may stop B before it answers.)
    b.start(extra=["--dev-fault-io=" + spec], wait=False)
    wait_for(lambda: b.proc.poll() is not None
             or all(ch["peer_connected"] and ch["status"][0].endswith("Peer connected")
                    for n in (a, c) for ch in channels(n)), 30, interval=0.1,
             what="B to reconnect or stop")

    stop, results = threading.Event(), []
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        paying = pool.submit(payer, a, c, stop, results)
        wait_for(lambda: b.proc.poll() is not None or len(results) > 40, 90,
                          interval=0.1, what="B to stop or 40 payments")
        log = b.log()
        at = log.find("dev-fault-io: failing")
        assert b.proc.poll() is not None, (results, log[at - 3000:at + 3000] if at >= 0
                                           else "no fault")
        rc = b.wait_exit(5)
        assert rc == EXIT_FATAL, (rc, log[-3000:])
        assert re.search(r"dev-fault-io: failing", log), log[-3000:]
        fatal = re.search(r"BROKEN .*(disk I/O error|database or disk is full"
                          r"|database is locked).*; stopping", log)
        assert fatal, log[-3000:]
        assert "shutdown complete" not in log[fatal.end():]

        b.start()
        stop.set()
        paying.result(150)
    finally:
        stop.set()
        pool.shutdown(wait=False)
    wait_connected(a, b, c)
    wait_no_htlcs(a, b, c)
    wait_for(lambda: not [p for p in a.rpc("listpays")["pays"] if p["status"] == "pending"],
             30, what="A's payments to end")

    pays = a.rpc("listpays")["pays"]
    sent = sum(p["amount_sent_msat"] for p in pays if p["status"] == "complete")
    invoices = c.rpc("listinvoices")["invoices"]
    received = sum(i["amount_received_msat"] for i in invoices if i["status"] == "paid")
    fees = sum(f["fee_msat"] for f in b.rpc("listforwards")["forwards"]
               if f["status"] == "settled")
    assert not [f for f in b.rpc("listforwards")["forwards"] if f["status"] == "offered"]
    assert balance(a) - before["a"] == -sent
    assert balance(c) - before["c"] == received
    assert balance(b) - before["b"] == fees
    assert sent == received + fees
    # Paid iff the payer holds the preimage.
    held = {p["payment_hash"]: p["preimage"] for p in pays if p["status"] == "complete"}
    for invoice in invoices:
        assert (invoice["status"] == "paid") == (invoice["payment_hash"] in held), invoice
    assert channel(a, b)["to_us_msat"] + channel(b, a)["to_us_msat"] == 500000000
    assert channel(b, c)["to_us_msat"] + channel(c, b)["to_us_msat"] == 500000000
    # Payments go through B again.
    invoice = c.rpc("invoice", [PAYMENT_MSAT, "after", "after the fault"])
    assert a.rpc("pay", {"bolt11": invoice["bolt11"]}, timeout=60)["status"] == "complete"
