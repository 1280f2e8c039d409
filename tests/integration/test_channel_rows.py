"""A channel stored as rows (migration 13: the channel row, its HTLCs,
onions and our HTLC signatures; daemon/channels/channels_store.c) by real
ohmd processes: a database an older ohm wrote, with the whole channel in
one snapshot, is rewritten as rows when ohmd starts, and the channel goes
on; the rows follow HTLCs in flight and are gone once they settle; a
kill -9 in the middle of a batch of a hundred payments loses nothing."""
import concurrent.futures
import os
import sqlite3

import pytest

from channelutil import (FUNDING_SAT, PUSH_MSAT, channel, open_channel, restart, wait_connected,
                         wait_no_htlcs)
from ohmtest import RpcError, wait_for
from test_channels import chain_pair, pay


def db_path(node):
    return os.path.join(node.net_dir, "ohm.sqlite3")


def query(node, sql):
    """sql's rows, read from node's database (ohmd may be running: WAL
    lets a reader in)."""
    conn = sqlite3.connect(db_path(node))
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def make_schema_12(node):
    """Turns the stopped node's database into what ohm wrote before rows:
    no channel_htlcs, channel_onions, channel_sigs nor snapshot_form (nor
    the later migrations' anchor_bumps, channel_gossip, gossip,
    closed_channels, close_cause, invoices.paid_parts and payments.groupid).  A
    channel with no HTLC has no HTLC signatures either, so its channel row
    is its whole snapshot as the older ohm wrote it."""
    conn = sqlite3.connect(db_path(node))
    try:
        assert conn.execute("SELECT count(*) FROM channel_htlcs").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM channel_sigs WHERE length(htlc_sigs) > 2"
                            ).fetchone() == (0,)
        conn.executescript("DROP TABLE channel_htlcs; DROP TABLE channel_onions;"
                           " DROP TABLE channel_sigs; DROP TABLE anchor_bumps; DROP TABLE channel_gossip;"
                           " DROP TABLE gossip; DROP TABLE closed_channels;"
                           " ALTER TABLE channels DROP COLUMN close_cause;"
                           " ALTER TABLE channels DROP COLUMN snapshot_form;"
                           " ALTER TABLE invoices DROP COLUMN paid_parts;"
                           " ALTER TABLE payments DROP COLUMN groupid;"
                           " ALTER TABLE invoices DROP COLUMN min_final_cltv;"
                           # Migration 20 made it WITHOUT ROWID.
                           " CREATE TABLE seen_12 ("
                           "  channel INTEGER NOT NULL,"
                           "  offerer INTEGER NOT NULL CHECK (offerer IN (0, 1)),"
                           "  htlc_id INTEGER NOT NULL,"
                           "  payment_hash BLOB NOT NULL CHECK (length(payment_hash) = 32),"
                           "  amount_msat INTEGER NOT NULL,"
                           "  cltv_expiry INTEGER NOT NULL,"
                           "  PRIMARY KEY (channel, offerer, htlc_id, payment_hash));"
                           " INSERT INTO seen_12 SELECT * FROM channel_htlcs_seen;"
                           " DROP TABLE channel_htlcs_seen;"
                           " ALTER TABLE seen_12 RENAME TO channel_htlcs_seen;"
                           " PRAGMA user_version = 12")
        conn.commit()
    finally:
        conn.close()


def test_old_database_is_rewritten_as_rows(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    pay(a, b, 5000000)
    assert b.stop() == 0
    seen = query(b, "SELECT * FROM channel_htlcs_seen")
    assert len(seen) == 1
    make_schema_12(b)
    assert "WITHOUT ROWID" not in query(
        b, "SELECT sql FROM sqlite_master WHERE name = 'channel_htlcs_seen'")[0][0]
    b.start()
    # Loaded whole, written as rows at once.
    assert query(b, "SELECT snapshot_form FROM channels") == [(1,)]
    # Migration 20 kept what the channel's HTLCs were.
    assert query(b, "SELECT * FROM channel_htlcs_seen") == seen
    assert "WITHOUT ROWID" in query(
        b, "SELECT sql FROM sqlite_master WHERE name = 'channel_htlcs_seen'")[0][0]
    assert len(query(b, "SELECT commit_num FROM channel_sigs")) == 1
    wait_connected(a, b)
    pay(a, b, 6000000)
    restart(a, b)
    wait_connected(a, b)
    pay(a, b, 7000000)
    assert channel(b)["to_us_msat"] == PUSH_MSAT + 18000000
    assert channel(a)["to_us_msat"] == FUNDING_SAT * 1000 - PUSH_MSAT - 18000000


def test_rows_follow_htlcs_in_flight(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    stats = b.rpc("dev-dbstats")
    sent = [a.rpc("dev-sendhtlc", [b.id, 5000000 + k]) for k in range(3)]
    wait_for(lambda: len(channel(b)["htlcs"]) == 3 and all(
        h["state"] == "RCVD_ADD_ACK_REVOCATION" for h in channel(b)["htlcs"]), 30,
        interval=0.05, what="the HTLCs to be committed at b")
    # Each side has a row per HTLC; only b keeps the onions (to decode
    # them after a restart), a's went once they were irrevocably added.
    assert len(query(a, "SELECT seq FROM channel_htlcs")) == 3
    assert len(query(b, "SELECT seq FROM channel_htlcs")) == 3
    wait_for(lambda: query(a, "SELECT count(*) FROM channel_onions") == [(0,)], 10,
             what="a's onions to go")
    assert query(b, "SELECT count(*) FROM channel_onions") == [(3,)]
    # b's signatures: one per HTLC above dust, for its latest commitment.
    assert query(b, "SELECT length(htlc_sigs) FROM channel_sigs") == [(2 + 3 * 64,)]
    # dev-dbstats counted what storing them cost b: WAL pages and syncs.
    now = b.rpc("dev-dbstats")
    assert now["syncs"] > stats["syncs"] and now["wal_bytes"] > stats["wal_bytes"]
    b.kill()
    b.start()
    wait_connected(a, b)
    incoming = sorted(channel(b)["htlcs"], key=lambda h: h["id"])
    assert [h["payment_hash"] for h in incoming] == [s["payment_hash"] for s in sent]
    for h, s in zip(incoming, sent):
        b.rpc("dev-fulfillhtlc", [a.id, h["id"], s["preimage"]])
    wait_no_htlcs(a, b)
    for node in (a, b):
        wait_for(lambda: query(node, "SELECT count(*) FROM channel_htlcs") == [(0,)], 10,
                 what="{}'s HTLC rows to go".format(node.name))
        assert query(node, "SELECT count(*) FROM channel_onions") == [(0,)]
    assert channel(b)["to_us_msat"] == PUSH_MSAT + 3 * 5000000 + 3


@pytest.mark.parametrize("killed", ["payee", "payer"])
def test_kill_in_a_batch_of_100_loses_nothing(node_factory, devchain, killed):
    """B (or A, whose HTLCs wait in a group transaction kept open until
    its commitment_signed) is killed with -9 while A's hundred payments
    (above dust: each HTLC with its signature) are in every stage of the
    group commits; after it restarts, nothing either side saw is lost:
    the channel stays normal (no data loss noticed by
    channel_reestablish), every HTLC settles, and the invoices B marked
    paid are exactly the payments A has complete, which moved exactly
    their amounts."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    amount = 1000000
    bolt11s = [b.rpc("invoice", [amount, "batch-{}".format(k), "d"])["bolt11"]
               for k in range(100)]
    start_a, start_b = channel(a)["to_us_msat"], channel(b)["to_us_msat"]

    def pay_one(bolt11):
        try:
            return a.rpc("pay", [bolt11], 120)["status"] == "complete"
        except (RpcError, OSError):
            # OSError: A killed under the call.
            return False

    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        results = [pool.submit(pay_one, bolt11) for bolt11 in bolt11s]
        # Some settled, more in flight: in the middle of the batch.
        wait_for(lambda: sum(1 for i in b.rpc("listinvoices")["invoices"]
                             if i["status"] == "paid") >= 10, 60, interval=0.01,
                 what="a tenth of the batch paid")
        victim = b if killed == "payee" else a
        victim.kill()
        victim.start()
        completed = sum(1 for r in results if r.result(180))
    wait_connected(a, b)
    wait_no_htlcs(a, b)
    if killed == "payer":
        # A's pay calls died with it: what A stored is the outcome.
        assert completed < 100
        completed = len([p for p in a.rpc("listpays")["pays"] if p["status"] == "complete"])
    assert channel(a)["state"] == channel(b)["state"] == "CHANNELD_NORMAL"
    paid = sum(1 for i in b.rpc("listinvoices")["invoices"] if i["status"] == "paid")
    assert 10 <= paid == completed
    assert start_a - channel(a)["to_us_msat"] == completed * amount
    assert channel(b)["to_us_msat"] - start_b == completed * amount
