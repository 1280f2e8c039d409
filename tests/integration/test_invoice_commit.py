"""Answers go out only after what they report is committed (issue 12,
item 7): waitanyinvoice never reports a payment, and sendpay never reports
a part, whose row is not committed yet.

The window is made wide by --dev-commit-delay (the channels' group
transaction waits before its COMMIT).  The moment an answer arrives, the
test reads the node's database through another SQLite connection (as WAL
allows), which sees only committed rows: the row the answer reports must
be there.  A crash in that window would otherwise undo what the client
was told.  The second test makes the commit fail for real (a trigger
breaks a deferred foreign key when the invoice becomes paid): the node
stops with exit status 2, its waiter is never told "paid", and after a
restart the invoice is unpaid until the HTLC is decided afresh."""
import concurrent.futures
import hashlib
import os
import re
import sqlite3

from chainutil import wait_synced
from channelutil import chain_node, channel, open_channel, wait_connected, wait_no_htlcs
from ohmtest import RpcError, wait_for

# README "Running ohmd": a fatal error while running.
EXIT_FATAL = 2
DELAY_MSECS = 1500

BREAK_COMMIT = """
CREATE TABLE test_parent (id INTEGER PRIMARY KEY);
CREATE TABLE test_child (parent INTEGER
    REFERENCES test_parent (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TRIGGER test_paid_breaks_commit AFTER UPDATE OF status ON invoices
    WHEN NEW.status = 'paid'
    BEGIN INSERT INTO test_child (parent) VALUES (42); END;
"""
MEND_COMMIT = """
DROP TRIGGER test_paid_breaks_commit;
DROP TABLE test_child;
DROP TABLE test_parent;
"""


def db_path(node):
    return os.path.join(node.net_dir, "ohm.sqlite3")


def db_exec(node, sql):
    conn = sqlite3.connect(db_path(node), timeout=10)
    try:
        conn.executescript(sql)
    finally:
        conn.close()


def db_query(node, sql, params=()):
    """What is committed (another connection sees nothing else)."""
    conn = sqlite3.connect(db_path(node), timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def invoice_row(node, label):
    return db_query(node, "SELECT status, pay_index FROM invoices WHERE label = ?", (label,))


def wait_any(node, lastpay_index, timeout, label):
    """waitanyinvoice's answer, and the invoice's committed row read the
    moment it came: ("result", answer, row), ("error", error, row), or
    ("closed", why, row) if ohmd went away without answering."""
    try:
        answer = node.rpc("waitanyinvoice", [lastpay_index, timeout], timeout + 30)
        return "result", answer, invoice_row(node, label)
    except RpcError as e:
        return "error", e.error, None
    except OSError as e:
        return "closed", str(e), None


def pair(node_factory, devchain, a_extra=(), b_extra=()):
    """A -> B, funded by A without a push."""
    a = chain_node(node_factory, devchain, "a", extra=a_extra, funded=True)
    b = chain_node(node_factory, devchain, "b", extra=b_extra)
    for node in (a, b):
        wait_synced(node, devchain)
    open_channel(a, b, devchain, push_msat=0)
    wait_for(lambda: channel(b, a)["updates"].get("remote"), 10, what="A's channel_update at B")
    return a, b


def waiting_at(pool, node, label):
    """waitanyinvoice at node, once node has read it (its debug log says)."""
    waiting = pool.submit(wait_any, node, 0, 120, label)
    wait_for(lambda: re.search(r"rpc.*waitanyinvoice", node.log()), 10,
             what="waitanyinvoice at " + node.name)
    return waiting


DELAY = ["--dev-commit-delay={}".format(DELAY_MSECS), "--log-level=debug"]


def test_waitanyinvoice_answers_after_the_commit(node_factory, devchain):
    a, b = pair(node_factory, devchain, DELAY, DELAY)
    invoice = b.rpc("invoice", [5000000, "committed", "paid once stored"])

    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        waiting = waiting_at(pool, b, "committed")
        paid = a.rpc("pay", [invoice["bolt11"]], 60)
        kind, answer, row = waiting.result(60)
    finally:
        pool.shutdown(wait=False)
    assert paid["status"] == "complete"
    assert kind == "result" and answer["label"] == "committed", answer
    assert (answer["status"], answer["pay_index"]) == ("paid", 1)
    assert row == [("paid", 1)], "answered before the commit: " + repr(row)


def test_sendpay_answers_after_the_commit(node_factory, devchain):
    a, b = pair(node_factory, devchain, DELAY)
    # sendpay's answer: the part it reports is stored.
    preimage = os.urandom(32)
    payment_hash = hashlib.sha256(preimage).hexdigest()
    route = [{"id": b.id, "channel": channel(a, b)["short_channel_id"],
              "amount_msat": 1000000, "delay": a.rpc("getinfo")["blockheight"] + 40}]
    sent = a.rpc("sendpay", [route, payment_hash])
    parts = db_query(a, "SELECT status FROM payments WHERE hex(payment_hash) = ?",
                     (payment_hash.upper(),))
    assert sent["status"] == "pending"
    assert parts == [("pending",)], "sendpay answered before the commit: " + repr(parts)
    # B has no invoice for it: it fails back, and waitsendpay says so.
    try:
        a.rpc("waitsendpay", [payment_hash, 30], 60)
        assert False, "an unknown payment_hash was paid"
    except RpcError as e:
        assert e.code == 204, e.error
    wait_no_htlcs(a, b)


def test_waitanyinvoice_never_answers_an_uncommitted_payment(node_factory, devchain):
    # (debug: the log shows when B has read the waitanyinvoice request.)
    a, b = pair(node_factory, devchain, b_extra=["--log-level=debug"])
    invoice = b.rpc("invoice", [5000000, "uncommitted", "paid only once stored"])

    db_exec(b, BREAK_COMMIT)
    # (Not a with-block: a failed check must not wait for the threads.)
    pool = concurrent.futures.ThreadPoolExecutor(2)
    try:
        waiting = waiting_at(pool, b, "uncommitted")
        paying = pool.submit(a.rpc, "pay", {"bolt11": invoice["bolt11"], "retry_for": 120}, 150)
        rc = b.wait_exit(30)
        log = b.log()
        assert rc == EXIT_FATAL, (rc, log[-3000:])
        assert re.search(r"BROKEN .*FOREIGN KEY", log), log[-3000:]
        kind, answer, _ = waiting.result(30)
        # Never "paid": the row that said so was rolled back.
        assert kind != "result", answer

        # What B stored: the invoice unpaid.  Restarted, B decides the
        # HTLC afresh and pays it, now that the commit can succeed.
        assert invoice_row(b, "uncommitted") == [("unpaid", None)]
        db_exec(b, MEND_COMMIT)
        b.start()
        paid = paying.result(150)
    finally:
        pool.shutdown(wait=False)
    assert paid["status"] == "complete"
    wait_connected(a, b)
    wait_no_htlcs(a, b)
    got = b.rpc("waitanyinvoice", [0, 30], 60)
    assert (got["label"], got["status"], got["pay_index"]) == ("uncommitted", "paid", 1)


def test_waitinvoice_ends_when_its_invoice_is_deleted(node):
    """invoices.h: waitinvoice is done once the invoice is paid, expired or
    deleted; a deleted one's wait held an RPC slot (README, Limits) until
    the expiry, a week later by default."""
    node.rpc("invoice", [1000, "gone", "d"])
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(node.call, "waitinvoice", ["gone"], 30)
        wait_for(lambda: "rpc: waitinvoice" in node.log(), what="the wait to start")
        node.rpc("delinvoice", ["gone", "unpaid"])
        answer = waiting.result(timeout=10)
    assert answer["error"] == {"code": 905, "message": "Unknown invoice"}
