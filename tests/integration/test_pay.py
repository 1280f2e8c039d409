"""Payments between real ohmd processes on ohm-devchain: A pays C through B
over channels A->B and B->C (C's invoice carries B as a route hint, from
B's channel_update), failures come back with the BOLT 4 code that fits,
no HTLC is ever left behind, and B restarting mid-payment still settles.

Fees are recomputed here from B's channel_update values (BOLT 7:
fee_base_msat + amount * fee_proportional_millionths / 1000000)."""
import concurrent.futures
import hashlib
import signal
import time

import pytest

from channelutil import channel, line_of_three, wait_connected, wait_no_htlcs
from ohmtest import RpcError, wait_for

FEE_BASE, FEE_PPM, CLTV_DELTA = 1000, 10, 34
# BOLT 4 failure codes.
INCORRECT_OR_UNKNOWN = 0x4000 | 15
TEMPORARY_CHANNEL_FAILURE = 0x1000 | 7
FEE_INSUFFICIENT = 0x1000 | 12


def b_fee(amount_msat):
    return FEE_BASE + amount_msat * FEE_PPM // 1000000


@pytest.fixture
def abc(node_factory, devchain):
    """A -> B -> C, each channel 500000 sat funded by its left side (no
    push): C can receive up to B's balance on B->C."""
    return line_of_three(node_factory, devchain)


def rpc_error(node, method, params, timeout=60):
    with pytest.raises(RpcError) as info:
        node.rpc(method, params, timeout=timeout)
    return info.value


def balances(a, b, c):
    return (channel(a, b)["to_us_msat"], channel(b, a)["to_us_msat"],
            channel(b, c)["to_us_msat"], channel(c, b)["to_us_msat"])


def test_a_pays_c_through_b(abc):
    a, b, c = abc
    before = balances(a, b, c)
    invoice = c.rpc("invoice", [10000000, "coffee", "a coffee"])
    decoded = a.rpc("decode", [invoice["bolt11"]])
    assert decoded["payee"] == c.id and decoded["amount_msat"] == 10000000
    assert decoded["payment_hash"] == invoice["payment_hash"]
    hint = decoded["routes"][0][0]
    assert hint["pubkey"] == b.id and hint["short_channel_id"] == channel(b, c)["short_channel_id"]
    assert (hint["fee_base_msat"], hint["fee_proportional_millionths"],
            hint["cltv_expiry_delta"]) == (FEE_BASE, FEE_PPM, CLTV_DELTA)

    paid = a.rpc("pay", [invoice["bolt11"]])
    assert paid["status"] == "complete"
    preimage = bytes.fromhex(paid["payment_preimage"])
    assert hashlib.sha256(preimage).hexdigest() == invoice["payment_hash"]
    fee = b_fee(10000000)
    assert paid["amount_msat"] == 10000000 and paid["amount_sent_msat"] == 10000000 + fee
    wait_no_htlcs(a, b, c)
    after = balances(a, b, c)
    assert after[0] == before[0] - 10000000 - fee
    assert after[1] == before[1] + 10000000 + fee
    assert after[2] == before[2] - 10000000
    assert after[3] == before[3] + 10000000

    got = c.rpc("waitinvoice", ["coffee"])
    assert got["status"] == "paid" and got["amount_received_msat"] == 10000000
    assert got["payment_preimage"] == paid["payment_preimage"] and got["pay_index"] == 1
    assert c.rpc("waitanyinvoice", [0])["label"] == "coffee"
    forwards = b.rpc("listforwards")["forwards"]
    assert len(forwards) == 1
    fwd = forwards[0]
    assert fwd["status"] == "settled" and fwd["fee_msat"] == fee
    assert fwd["in_channel"] == channel(b, a)["short_channel_id"]
    assert fwd["out_channel"] == channel(b, c)["short_channel_id"]
    assert (fwd["in_msat"], fwd["out_msat"]) == (10000000 + fee, 10000000)
    pays = a.rpc("listpays")["pays"]
    assert [p["status"] for p in pays] == ["complete"]
    assert pays[0]["preimage"] == paid["payment_preimage"] and pays[0]["destination"] == c.id
    # Paying again is answered from what is stored.
    assert a.rpc("pay", [invoice["bolt11"]])["payment_preimage"] == paid["payment_preimage"]
    assert balances(a, b, c) == after


def test_failures_come_back_with_the_right_code(abc, devchain):
    a, b, c = abc
    # B moves 100000 sat to C first: then B->C holds less than A->B.
    assert b.rpc("keysend", [c.id, 100000000])["status"] == "complete"
    wait_no_htlcs(a, b, c)
    before = balances(a, b, c)
    # An unknown payment hash: the destination says so.
    unknown = c.rpc("invoice", [5000000, "gone", "deleted before paying"])
    c.rpc("delinvoice", ["gone", "unpaid"])
    error = rpc_error(a, "pay", [unknown["bolt11"]])
    assert error.code == 203 and "incorrect_or_unknown_payment_details" in error.message
    assert error.data["erring_index"] == 2 and error.data["erring_node"] == c.id
    # An expired invoice: the payer will not even try...
    short = c.rpc("invoice", [5000000, "short", "expires", 1])
    time.sleep(2)
    error = rpc_error(a, "pay", [short["bolt11"]])
    assert error.code == 207
    # ... and the payee refuses it if tried by hand (sendpay).
    route = route_to_c(a, b, c, 5000000)
    a.rpc("sendpay", [route, short["payment_hash"], None, 5000000, short["bolt11"],
                      short["payment_secret"]])
    error = rpc_error(a, "waitsendpay", [short["payment_hash"], 30])
    assert error.code == 204 and error.data["failcode"] == INCORRECT_OR_UNKNOWN
    assert error.data["erring_index"] == 2 and error.data["erring_node"] == c.id
    # Too little for the invoice.
    low = c.rpc("invoice", [5000000, "low", "underpaid"])
    a.rpc("sendpay", [route_to_c(a, b, c, 4999999), low["payment_hash"], None, 4999999,
                      low["bolt11"], low["payment_secret"]])
    error = rpc_error(a, "waitsendpay", [low["payment_hash"], 30])
    assert error.data["failcode"] == INCORRECT_OR_UNKNOWN
    assert error.data["failcodename"] == "incorrect_or_unknown_payment_details"
    # More than twice the invoice's amount (BOLT 4 "SHOULD fail").
    a.rpc("sendpay", [route_to_c(a, b, c, 10000001), low["payment_hash"], None, 10000001,
                      low["bolt11"], low["payment_secret"]])
    error = rpc_error(a, "waitsendpay", [low["payment_hash"], 30])
    assert error.data["failcode"] == INCORRECT_OR_UNKNOWN
    # A wrong payment_secret.
    a.rpc("sendpay", [route_to_c(a, b, c, 5000000), low["payment_hash"], None, 5000000,
                      low["bolt11"], "11" * 32])
    error = rpc_error(a, "waitsendpay", [low["payment_hash"], 30])
    assert error.data["failcode"] == INCORRECT_OR_UNKNOWN
    # Too low a fee for B: B answers fee_insufficient.
    route = route_to_c(a, b, c, 5000000)
    route[0]["amount_msat"] -= 1
    a.rpc("sendpay", [route, low["payment_hash"], None, 5000000, low["bolt11"],
                      low["payment_secret"]])
    error = rpc_error(a, "waitsendpay", [low["payment_hash"], 30])
    assert error.data["failcode"] == FEE_INSUFFICIENT and error.data["erring_node"] == b.id
    # More than B->C holds: B answers temporary_channel_failure, and pay
    # runs out of routes.
    assert channel(a, b)["spendable_msat"] > 450000000 > channel(b, c)["spendable_msat"]
    big = c.rpc("invoice", [450000000, "big", "more than B has"])
    error = rpc_error(a, "pay", [big["bolt11"]])
    assert error.code == 210 and "temporary_channel_failure" in error.message
    assert error.data["failcode"] == TEMPORARY_CHANNEL_FAILURE
    assert error.data["erring_node"] == b.id
    assert error.data["erring_channel"] == channel(b, c)["short_channel_id"]
    wait_no_htlcs(a, b, c)
    assert balances(a, b, c) == before
    statuses = {f["status"] for f in b.rpc("listforwards")["forwards"]}
    assert statuses <= {"failed", "local_failed"}
    assert all(i["status"] != "paid" for i in c.rpc("listinvoices")["invoices"]
               if not i["label"].startswith("keysend-"))


def route_to_c(a, b, c, amount_msat):
    """The route pay would take, built by hand (Core Lightning's shape)."""
    height = a.rpc("getinfo")["blockheight"]
    final = height + 24 + 1  # ohmd's default --cltv-final, and a block
    return [{"id": b.id, "channel": channel(a, b)["short_channel_id"],
             "amount_msat": amount_msat + b_fee(amount_msat), "delay": final + CLTV_DELTA},
            {"id": c.id, "channel": channel(b, c)["short_channel_id"],
             "amount_msat": amount_msat, "delay": final}]


def test_keysend_and_restart_b_mid_payment(abc, devchain):
    a, b, c = abc
    sent = a.rpc("keysend", [b.id, 2000000])
    assert sent["status"] == "complete"
    keysends = [i for i in b.rpc("listinvoices")["invoices"] if i["label"].startswith("keysend-")]
    assert len(keysends) == 1 and keysends[0]["amount_received_msat"] == 2000000
    before = balances(a, b, c)

    # C freezes: B's forward waits on it.  B restarts with the HTLC in
    # flight on both sides; then C wakes up and the payment completes.
    invoice = c.rpc("invoice", [3000000, "slow", "frozen payee"])
    c.signal(signal.SIGSTOP)
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            paying = pool.submit(a.rpc, "pay", [invoice["bolt11"]], 120)
            wait_for(lambda: channel(b, c)["htlcs"], 30, interval=0.05,
                     what="the forward to reach B->C")
            b.kill()
            c.signal(signal.SIGCONT)
            b.start()
            paid = paying.result(120)
    finally:
        c.signal(signal.SIGCONT)
    assert paid["status"] == "complete"
    wait_connected(a, b, c)
    wait_no_htlcs(a, b, c)
    fee = b_fee(3000000)
    after = balances(a, b, c)
    assert after[0] == before[0] - 3000000 - fee and after[3] == before[3] + 3000000
    assert [f["status"] for f in b.rpc("listforwards")["forwards"]] == ["settled"]
    assert c.rpc("listinvoices", ["slow"])["invoices"][0]["status"] == "paid"


def test_payer_killed_mid_payment_learns_the_outcome(abc):
    """A is killed while its payment waits at a frozen C: after restarting,
    A reconnects, the payment completes, and listpays shows the preimage
    (stored in the same transaction as the channel step that revealed it)."""
    a, b, c = abc
    invoice = c.rpc("invoice", [4000000, "payer-crash", "payer restarts"])
    c.signal(signal.SIGSTOP)
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            paying = pool.submit(a.rpc, "pay", [invoice["bolt11"]], 60)
            wait_for(lambda: channel(b, c)["htlcs"], 30, interval=0.05,
                     what="the forward to reach B->C")
            a.kill()
            with pytest.raises(Exception):
                paying.result(60)
    finally:
        c.signal(signal.SIGCONT)
    a.start()
    wait_connected(a, b, c)
    wait_no_htlcs(a, b, c)
    pays = wait_for(lambda: [p for p in a.rpc("listpays")["pays"]
                             if p["payment_hash"] == invoice["payment_hash"]
                             and p["status"] == "complete"], 30,
                    what="the payment to complete at A")
    preimage = c.rpc("listinvoices", ["payer-crash"])["invoices"][0]["payment_preimage"]
    assert pays[0]["preimage"] == preimage
