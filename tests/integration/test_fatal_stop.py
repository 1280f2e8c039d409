"""A node that cannot store what it must stops at once, says so with a
non-zero exit status (so a supervisor restarts it), logs nothing as done
that was not, and carries on consistently after a restart (issue 10, D6).

The store failure is real: the test adds a trigger to B's database (another
SQLite connection, as WAL allows) that makes every insert into forwards
fail, as a full disk would fail it.  A payment A -> B -> C then reaches B,
whose forward cannot be stored."""
import concurrent.futures
import os
import re
import sqlite3

from channelutil import line_of_three, wait_connected, wait_no_htlcs

# README "Running ohmd": a fatal error while running.
EXIT_FATAL = 2


def db_exec(node, sql):
    conn = sqlite3.connect(os.path.join(node.net_dir, "ohm.sqlite3"), timeout=10)
    try:
        conn.executescript(sql)
    finally:
        conn.close()


def test_forward_that_cannot_be_stored_stops_the_node_non_zero(node_factory, devchain):
    a, b, c = line_of_three(node_factory, devchain)
    invoice = c.rpc("invoice", [5000000, "blocked", "B cannot store the forward"])

    db_exec(b, "CREATE TRIGGER no_forwards BEFORE INSERT ON forwards"
               " BEGIN SELECT RAISE(ABORT, 'injected: no room for the forward'); END;")
    # (Not a with-block: a failed check must not wait for the payment.)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        paying = pool.submit(a.rpc, "pay", {"bolt11": invoice["bolt11"], "retry_for": 120}, 150)
        rc = b.wait_exit(30)
        log = b.log()
        assert rc == EXIT_FATAL, (rc, log[-3000:])
        fatal = re.search(r"BROKEN .*no room for the forward; stopping", log)
        assert fatal, log[-3000:]
        # The forward was never stored: it is not logged as happening.
        assert "forwarding HTLC" not in log, log[-3000:]
        assert "shutdown complete" not in log[fatal.end():]
        assert c.rpc("listinvoices", ["blocked"])["invoices"][0]["status"] == "unpaid"

        # Room again: B restarts from what it stored, decides the HTLC
        # afresh, and the payment completes.
        db_exec(b, "DROP TRIGGER no_forwards;")
        b.start()
        paid = paying.result(150)
    finally:
        pool.shutdown(wait=False)
    assert paid["status"] == "complete"
    wait_connected(a, b, c)
    wait_no_htlcs(a, b, c)
    assert [f["status"] for f in b.rpc("listforwards")["forwards"]] == ["settled"]
    assert c.rpc("listinvoices", ["blocked"])["invoices"][0]["status"] == "paid"
    assert len(re.findall(r"forwarding HTLC", b.log())) == 1
