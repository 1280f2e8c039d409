"""Receiving multi-part payments (BOLT 4 "Basic Multi-Part Payments") on
ohm-devchain: A sends the parts of C's invoice through B with sendpay
(partid, amount_msat the total), C holds them until their sum reaches the
invoice's amount and then fulfills all of them; a set that stays short is
failed with mpp_timeout (C runs with --dev-mpp-timeout) and A keeps its
money; a part held when C is killed is decided afresh at restart and the
set still completes; parts from two payers (A through B, and B itself)
make one set, a late part is fulfilled, and parts disagreeing on
total_msat are failed together; sendpay keeps one payer's parts
consistent."""
import os
import signal
import sqlite3
import time

import pytest

from channelutil import (chain_node, channel, open_channel, wait_connected, wait_no_htlcs)
from chainutil import wait_synced
from lnpeer import bits_from_features
from ohmtest import RpcError, wait_for

FEE_BASE, FEE_PPM, CLTV_DELTA = 1000, 10, 34
MPP_TIMEOUT = 10
AMOUNT = 10000000
MPP_TIMEOUT_CODE = 23
INCORRECT_OR_UNKNOWN = 0x4000 | 15


def b_fee(amount_msat):
    return FEE_BASE + amount_msat * FEE_PPM // 1000000


@pytest.fixture
def abc(node_factory, devchain):
    """A -> B -> C, each channel 500000 sat funded by its left side; C
    gives up on a short set after MPP_TIMEOUT seconds."""
    a = chain_node(node_factory, devchain, "a", funded=True)
    b = chain_node(node_factory, devchain, "b", funded=True)
    c = chain_node(node_factory, devchain, "c", ["--dev-mpp-timeout={}".format(MPP_TIMEOUT)])
    for node in (a, b, c):
        wait_synced(node, devchain)
    open_channel(a, b, devchain, push_msat=0, others=(c,))
    open_channel(b, c, devchain, push_msat=0, others=(a,))
    return a, b, c


def send_part(a, b, c, invoice, partid, part_msat, total_msat=AMOUNT):
    """One part of part_msat through B, its payload saying total_msat."""
    height = a.rpc("getinfo")["blockheight"]
    final = height + 24 + 1  # ohmd's default --cltv-final, and a block
    route = [{"id": b.id, "channel": channel(a, b)["short_channel_id"],
              "amount_msat": part_msat + b_fee(part_msat), "delay": final + CLTV_DELTA},
             {"id": c.id, "channel": channel(b, c)["short_channel_id"],
              "amount_msat": part_msat, "delay": final}]
    return a.rpc("sendpay", [route, invoice["payment_hash"], None, total_msat,
                             invoice["bolt11"], invoice["payment_secret"], partid])


def send_direct(b, c, invoice, partid, part_msat, total_msat=AMOUNT):
    """One part from B straight over B->C (another payer than A)."""
    final = b.rpc("getinfo")["blockheight"] + 24 + 1  # ohmd's default --cltv-final, and a block
    route = [{"id": c.id, "channel": channel(b, c)["short_channel_id"],
              "amount_msat": part_msat, "delay": final}]
    return b.rpc("sendpay", [route, invoice["payment_hash"], None, total_msat,
                             invoice["bolt11"], invoice["payment_secret"], partid])


def held_at_c(c, n):
    """C has n HTLCs from B, none being removed."""
    return wait_for(lambda: len(channel(c)["htlcs"]) == n
                    and all(h["state"] == "RCVD_ADD_ACK_REVOCATION" for h in channel(c)["htlcs"]),
                    30, interval=0.05, what="{} HTLCs held at C".format(n))


def invoice_of(c, label):
    return c.rpc("listinvoices", [label])["invoices"][0]


def paid_parts(node, label):
    """The invoice's paid_parts column (not in listinvoices), read from
    node's database (WAL lets a reader in while ohmd runs)."""
    conn = sqlite3.connect(os.path.join(node.net_dir, "ohm.sqlite3"))
    try:
        return conn.execute("SELECT paid_parts FROM invoices WHERE label = ?",
                            (label,)).fetchone()[0]
    finally:
        conn.close()


def wait_failed(a, payment_hash, partid, timeout=60):
    with pytest.raises(RpcError) as info:
        a.rpc("waitsendpay", [payment_hash, timeout, partid], timeout=timeout + 5)
    return info.value


def test_basic_mpp_offered(abc):
    """basic_mpp (17, optional) in init and in invoices, with
    payment_secret (14) required as BOLT 9 asks."""
    a, b, c = abc
    peer = [p for p in b.rpc("listpeers")["peers"] if p["id"] == c.id][0]
    assert 17 in bits_from_features(bytes.fromhex(peer["features"]))
    decoded = a.rpc("decode", [c.rpc("invoice", [1000, "f", "features"])["bolt11"]])
    bits = bits_from_features(bytes.fromhex(decoded["features"]))
    assert {14, 17} <= bits and 16 not in bits


def test_two_parts_pay_the_invoice(abc):
    a, b, c = abc
    before_a, before_c = channel(a)["to_us_msat"], channel(c)["to_us_msat"]
    invoice = c.rpc("invoice", [AMOUNT, "split", "paid in two"])
    first = send_part(a, b, c, invoice, 1, 6000000)
    assert first["status"] == "pending" and first["partid"] == 1
    held_at_c(c, 1)
    c.wait_for_log("holding HTLC")
    # Held: neither fulfilled nor failed, the invoice unpaid.
    time.sleep(1)
    assert len(channel(c)["htlcs"]) == 1
    assert invoice_of(c, "split")["status"] == "unpaid"
    assert a.rpc("listsendpays", [None, invoice["payment_hash"]])["payments"][0]["status"] \
        == "pending"

    send_part(a, b, c, invoice, 2, 4000000)
    done = [a.rpc("waitsendpay", [invoice["payment_hash"], 60, p]) for p in (1, 2)]
    assert [d["status"] for d in done] == ["complete", "complete"]
    assert done[0]["payment_preimage"] == done[1]["payment_preimage"]
    paid = c.rpc("waitinvoice", ["split"])
    assert paid["status"] == "paid" and paid["amount_received_msat"] == AMOUNT
    assert paid["payment_preimage"] == done[0]["payment_preimage"]
    assert paid_parts(c, "split") == 2
    wait_no_htlcs(a, b, c)
    assert channel(c)["to_us_msat"] == before_c + AMOUNT
    assert channel(a)["to_us_msat"] == before_a - AMOUNT - b_fee(6000000) - b_fee(4000000)
    # Both fulfilled in the same turn, with the invoice marked paid.
    log = c.log()
    assert log.count("part 1 of 2") == 1 and log.count("part 2 of 2") == 1


def test_single_part_and_keysend_unchanged(abc):
    """A single HTLC for the whole amount (total_msat == amt_to_forward)
    is fulfilled at once, never held; keysend (A to B: keysend needs a
    channel to its payee) still pays."""
    a, b, c = abc
    invoice = c.rpc("invoice", [AMOUNT, "whole", "one part"])
    send_part(a, b, c, invoice, 0, AMOUNT)
    assert a.rpc("waitsendpay", [invoice["payment_hash"], 60, 0])["status"] == "complete"
    assert invoice_of(c, "whole")["amount_received_msat"] == AMOUNT
    assert paid_parts(c, "whole") == 1
    assert a.rpc("keysend", [b.id, 1000000])["status"] == "complete"
    assert "holding HTLC" not in c.log()


def test_one_part_alone_times_out(abc):
    """A part alone is failed with mpp_timeout after --dev-mpp-timeout,
    not before; the invoice stays unpaid and A keeps its money."""
    a, b, c = abc
    before = (channel(a)["to_us_msat"], channel(c)["to_us_msat"])
    invoice = c.rpc("invoice", [AMOUNT, "short", "never completes"])
    sent = time.time()
    send_part(a, b, c, invoice, 1, 6000000)
    error = wait_failed(a, invoice["payment_hash"], 1)
    elapsed = time.time() - sent
    assert error.data["failcode"] == MPP_TIMEOUT_CODE
    assert error.data["failcodename"] == "mpp_timeout"
    assert error.data["erring_node"] == c.id
    assert MPP_TIMEOUT - 1 <= elapsed < MPP_TIMEOUT + 20, elapsed
    wait_no_htlcs(a, b, c)
    assert invoice_of(c, "short")["status"] == "unpaid"
    assert (channel(a)["to_us_msat"], channel(c)["to_us_msat"]) == before

    # The payer may try again: a new set, with its own timer.
    send_part(a, b, c, invoice, 2, 6000000)
    held_at_c(c, 1)
    assert wait_failed(a, invoice["payment_hash"], 2).data["failcode"] == MPP_TIMEOUT_CODE
    wait_no_htlcs(a, b, c)
    assert invoice_of(c, "short")["status"] == "unpaid"
    assert (channel(a)["to_us_msat"], channel(c)["to_us_msat"]) == before


def test_part_held_across_receiver_crash(abc):
    """C is killed (-9) while it holds the first part: at restart the part
    is still in its channel, undecided, and is held again (its timer
    starting then); the second part completes the set."""
    a, b, c = abc
    before_c = channel(c)["to_us_msat"]
    invoice = c.rpc("invoice", [AMOUNT, "crash", "receiver restarts"])
    send_part(a, b, c, invoice, 1, 5000000)
    held_at_c(c, 1)
    c.wait_for_log("holding HTLC")
    c.kill()
    c.start()
    wait_connected(a, b, c)
    held_at_c(c, 1)
    wait_for(lambda: c.log().count("holding HTLC") >= 2, 30, what="the part held again")
    assert invoice_of(c, "crash")["status"] == "unpaid"
    send_part(a, b, c, invoice, 2, 5000000)
    for partid in (1, 2):
        assert a.rpc("waitsendpay", [invoice["payment_hash"], 60, partid])["status"] \
            == "complete"
    paid = invoice_of(c, "crash")
    assert paid["status"] == "paid" and paid["amount_received_msat"] == AMOUNT
    assert paid_parts(c, "crash") == 2
    wait_no_htlcs(a, b, c)
    assert channel(c)["to_us_msat"] == before_c + AMOUNT


def test_parts_from_two_payers(abc):
    """BOLT 4's "friends splitting a bill": A's part (through B) and B's
    own part make one set; a part arriving after the set was paid is
    fulfilled too (BOLT 4: "MAY succeed in accepting the HTLC", as Core
    Lightning does), the invoice as it was; parts naming different totals
    are failed together at once ("SHOULD fail the entire HTLC set")."""
    a, b, c = abc
    before_c = channel(c)["to_us_msat"]
    invoice = c.rpc("invoice", [AMOUNT, "bill", "split between two"])
    send_part(a, b, c, invoice, 1, 6000000)
    held_at_c(c, 1)
    send_direct(b, c, invoice, 1, 4000000)
    assert a.rpc("waitsendpay", [invoice["payment_hash"], 60, 1])["status"] == "complete"
    assert b.rpc("waitsendpay", [invoice["payment_hash"], 60, 1])["status"] == "complete"
    paid = invoice_of(c, "bill")
    assert paid["status"] == "paid" and paid["amount_received_msat"] == AMOUNT
    assert paid_parts(c, "bill") == 2
    # Late: A pays the whole set, then B (with no part of its own yet:
    # its sendpay lets it) sends one more.
    late = c.rpc("invoice", [AMOUNT, "late", "one part too many"])
    send_part(a, b, c, late, 1, 6000000)
    send_part(a, b, c, late, 2, 4000000)
    assert a.rpc("waitsendpay", [late["payment_hash"], 60, 2])["status"] == "complete"
    assert invoice_of(c, "late")["status"] == "paid"
    send_direct(b, c, late, 1, 1000000)
    assert b.rpc("waitsendpay", [late["payment_hash"], 60, 1])["status"] == "complete"
    assert invoice_of(c, "late")["amount_received_msat"] == AMOUNT
    assert "a late part" in c.log()
    wait_no_htlcs(a, b, c)
    assert channel(c)["to_us_msat"] == before_c + 2 * AMOUNT + 1000000

    other = c.rpc("invoice", [AMOUNT, "disagree", "two totals"])
    send_part(a, b, c, other, 1, 6000000)
    held_at_c(c, 1)
    send_direct(b, c, other, 1, 4000000, total_msat=AMOUNT + 1000)
    started = time.time()
    for node in (a, b):
        error = wait_failed(node, other["payment_hash"], 1)
        assert error.data["failcode"] == INCORRECT_OR_UNKNOWN
    assert time.time() - started < MPP_TIMEOUT - 2
    wait_no_htlcs(a, b, c)
    assert invoice_of(c, "disagree")["status"] == "unpaid"
    assert channel(c)["to_us_msat"] == before_c + 2 * AMOUNT + 1000000


def test_sendpay_parts_agree(abc):
    """sendpay keeps the parts of one payment consistent, as Core
    Lightning's does: BOLT 4's writer "MUST NOT send another HTLC if the
    total `amt_to_forward` of the HTLC set is already greater or equal to
    `total_msat`"; every part names the same total; parts (partid > 0,
    which needs amount_msat) and a single payment (partid 0) do not mix;
    once a part succeeded no new one starts."""
    a, b, c = abc
    invoice = c.rpc("invoice", [AMOUNT, "agree", "consistent parts"])
    with pytest.raises(RpcError) as info:
        send_part(a, b, c, invoice, 1, 6000000, total_msat=None)
    assert info.value.code == -32602 and "amount_msat" in info.value.message
    # C frozen: the parts stay pending at A.
    c.signal(signal.SIGSTOP)
    try:
        send_part(a, b, c, invoice, 1, 6000000)
        send_part(a, b, c, invoice, 2, 4000000)
        with pytest.raises(RpcError) as info:
            send_part(a, b, c, invoice, 3, 1000000)
        assert info.value.code == 200 and "in progress" in info.value.message
        with pytest.raises(RpcError) as info:
            send_part(a, b, c, invoice, 3, 1000000, total_msat=AMOUNT + 1000000)
        assert info.value.code == -32602 and "previously" in info.value.message
        with pytest.raises(RpcError) as info:
            send_part(a, b, c, invoice, 0, AMOUNT)
        assert info.value.code == 200
    finally:
        c.signal(signal.SIGCONT)
    for partid in (1, 2):
        assert a.rpc("waitsendpay", [invoice["payment_hash"], 60, partid])["status"] \
            == "complete"
    with pytest.raises(RpcError) as info:
        send_part(a, b, c, invoice, 3, 1000000)
    assert info.value.code == 201 and "succeeded" in info.value.message
    assert len(a.rpc("listsendpays", [None, invoice["payment_hash"]])["payments"]) == 2
