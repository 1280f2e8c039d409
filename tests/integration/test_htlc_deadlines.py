"""BOLT 2's HTLC deadlines (issue 13): a node goes on chain by itself when
an HTLC it offered is not removed by cltv_expiry + 1 (and times it out
there), or when an HTLC it received and can fulfil is not removed
(cltv-delta + 1) / 2 blocks before its cltv_expiry (and claims it there
with the preimage); and dev-fail, which fails a channel at once.  Amounts
are checked to the satoshi: what came back is the channel balance less the
on-chain fees paid."""
import concurrent.futures
import signal

import pytest

from btcverify import Tx
from chainutil import blockheight, find_tx, wait_synced
from channelutil import FUNDING_SAT, PUSH_MSAT, channel, mine, open_channel
from ohmtest import RpcError, wait_for
from test_anchor_cpfp import child_in_log, raise_slow_estimate
from test_channels import chain_pair
from test_onchain import (CHANNEL_TYPES, IRREVOCABLE_DEPTH, STATIC, TO_SELF_DELAY, anchors_sat,
                          commitment_fee, fee_of, forward_in_flight, mempool, mine_until,
                          outpoint, spender, spends, wait_mempool, wait_resolved,
                          wallet_coins_sat)

# daemon/config.c: --cltv-delta's default; the fulfillment deadline is
# (34 + 1) / 2 = 17 blocks before cltv_expiry (channel/deadline.h).
FULFILL_MARGIN = 17


def spends_funding(node, peer=None):
    funding = channel(node, peer)["funding_txid"]
    return lambda tx: any(i["txid"] == funding for i in tx.inputs)


def no_spend_of_funding(devchain, node, peer=None):
    pred = spends_funding(node, peer)
    return not [tx for tx in mempool(devchain) if pred(tx)]


def sweeps_after_delay(devchain, node, firsts):
    """Mines until each (tx, vout) of firsts is swept TO_SELF_DELAY blocks
    after its tx confirmed; returns the sweeps."""
    last = max(find_tx(devchain, tx.txid())[0] for tx, _ in firsts)
    mine_until(devchain, last + TO_SELF_DELAY - 1, node)
    wait_for(lambda: all(any(spends(s, tx.txid(), vout) for s in mempool(devchain))
                         or find_tx(devchain, tx.txid()) is None for tx, vout in firsts)
             and len(mempool(devchain)) >= 1, 30, interval=0.1, what="the sweeps")
    mine(devchain, 1, node)
    first_height = min(find_tx(devchain, tx.txid())[0] for tx, _ in firsts)
    sweeps = [spender(devchain, tx.txid(), vout, first_height) for tx, vout in firsts]
    for sweep in sweeps:
        assert sweep.inputs[0]["sequence"] == TO_SELF_DELAY
    return sweeps


def test_offered_htlc_past_its_expiry_is_timed_out_on_chain(node_factory, devchain):
    """a offers X to b, which stops: at X's cltv_expiry a still waits; one
    block later (Core Lightning's deadline, BOLT 2's G = 1) a fails the
    channel by itself, its commitment confirms, X comes back by the
    HTLC-timeout, and after to_self_delay a has its balance with X back,
    less the fees it paid."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert balance_sat == FUNDING_SAT - PUSH_MSAT // 1000
    expiry = blockheight(a) + 12
    x = a.rpc("dev-sendhtlc", {"id": b.id, "amount_msat": 30000000, "cltv_expiry": expiry})
    wait_for(lambda: [h["state"] for h in channel(a)["htlcs"]] == ["SENT_ADD_ACK_REVOCATION"],
             30, interval=0.1, what="X irrevocably committed")
    assert b.stop() == 0

    mine_until(devchain, expiry, a)
    assert channel(a)["state"] == "CHANNELD_NORMAL"
    assert no_spend_of_funding(devchain, a)
    mine(devchain, 1, a)
    commitment = wait_mempool(devchain, spends_funding(a), "a's commitment")
    a.wait_for_log("offered HTLC {} expired at block {}".format(x["htlc_id"], expiry))
    mine(devchain, 1, a)
    view = wait_for(lambda: channel(a).get("onchain"), 10, what="a's resolver")
    assert view["close"] == "local"
    assert sorted(o["kind"] for o in view["outputs"]) == [
        "delayed_to_us", "our_htlc_timeout", "theirs"]
    # Past its expiry already: the HTLC-timeout goes out at once.
    timeout = wait_mempool(devchain, lambda tx: tx.locktime == expiry, "a's HTLC-timeout")
    [x_out] = [o for o in view["outputs"] if o["kind"] == "our_htlc_timeout"]
    assert spends(timeout, commitment.txid(), outpoint(x_out["outpoint"])[1])
    assert x_out["amount_msat"] == 30000000
    mine(devchain, 1, a)

    [to_local] = [o for o in view["outputs"] if o["kind"] == "delayed_to_us"]
    sweeps = sweeps_after_delay(devchain, a, [(commitment, outpoint(to_local["outpoint"])[1]),
                                              (timeout, 0)])
    got = wait_for(lambda: wallet_coins_sat(a, {(s.txid(), 0) for s in sweeps}), 10,
                   what="the sweeps in a's wallet")
    fees = sum(fee_of(devchain, tx) for tx in [timeout] + sweeps)
    assert got == balance_sat - commitment_fee(commitment) - fees
    a.wait_for_log("HTLC {} failed on chain".format(x["htlc_id"]))


def test_fulfilled_htlc_near_its_expiry_is_claimed_on_chain(node_factory, devchain):
    """a offers X to b and freezes; b fulfils X but a never answers, so X
    stays in both commitments.  17 blocks before X's expiry b fails the
    channel by itself (not one block earlier), and claims X with the
    preimage by its HTLC-success: after to_self_delay b has its balance
    and X, less the fees it paid (a, the funder, paid the commitment's)."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    assert channel(b)["to_us_msat"] == PUSH_MSAT
    expiry = blockheight(b) + FULFILL_MARGIN + 10
    x = a.rpc("dev-sendhtlc", {"id": b.id, "amount_msat": 30000000, "cltv_expiry": expiry})
    wait_for(lambda: [h["state"] for h in channel(b)["htlcs"]] == ["RCVD_ADD_ACK_REVOCATION"],
             30, interval=0.1, what="X irrevocably committed at b")
    a.signal(signal.SIGSTOP)
    try:
        b.rpc("dev-fulfillhtlc", [a.id, x["htlc_id"], x["preimage"]])
        wait_for(lambda: channel(b)["htlcs"][0]["state"] == "SENT_REMOVE_COMMIT", 10,
                 interval=0.1, what="b's fulfill signed, never acknowledged")
        mine_until(devchain, expiry - FULFILL_MARGIN - 1, b)
        assert channel(b)["state"] == "CHANNELD_NORMAL"
        assert no_spend_of_funding(devchain, b)
        mine(devchain, 1, b)
        commitment = wait_mempool(devchain, spends_funding(b), "b's commitment")
        b.wait_for_log("received HTLC {}, whose preimage we know".format(x["htlc_id"]))
        mine(devchain, 1, b)
        view = wait_for(lambda: channel(b).get("onchain"), 10, what="b's resolver")
        assert view["close"] == "local"
        [x_in] = [o for o in view["outputs"] if o["kind"] == "our_htlc_success"]
        success = wait_mempool(devchain, lambda tx: spends(
            tx, commitment.txid(), outpoint(x_in["outpoint"])[1]), "b's HTLC-success")
        assert success.inputs[0]["witness"][3] == bytes.fromhex(x["preimage"])
        assert success.locktime == 0
        mine(devchain, 1, b)
        assert blockheight(b) < expiry

        [to_local] = [o for o in view["outputs"] if o["kind"] == "delayed_to_us"]
        sweeps = sweeps_after_delay(devchain, b, [(commitment, outpoint(to_local["outpoint"])[1]),
                                                  (success, 0)])
        got = wait_for(lambda: wallet_coins_sat(b, {(s.txid(), 0) for s in sweeps}), 10,
                       what="the sweeps in b's wallet")
        fees = sum(fee_of(devchain, tx) for tx in [success] + sweeps)
        assert got == PUSH_MSAT // 1000 + 30000 - fees
    finally:
        a.signal(signal.SIGCONT)


def test_forward_settled_while_the_payer_is_away_goes_on_chain_by_itself(node_factory,
                                                                         devchain):
    """A dies while C fulfils: B knows the preimage (its forward settled)
    but cannot pass it to A, and nobody closes anything.  At the
    fulfillment deadline of A's HTLC B fails that channel by itself and
    claims the HTLC with the preimage, before A could time it out."""
    a, b, c, invoice, paying, pool = forward_in_flight(
        node_factory, devchain, lambda b, c: None)
    try:
        a.kill()
        wait_for(lambda: [f["status"] for f in b.rpc("listforwards")["forwards"]] == ["settled"],
                 30, interval=0.1, what="B's forward settled")
        preimage = c.rpc("listinvoices", ["onchain"])["invoices"][0]["payment_preimage"]
        [incoming] = channel(b, a)["htlcs"]
        assert incoming["state"] == "RCVD_ADD_ACK_REVOCATION"
        deadline = incoming["expiry"] - FULFILL_MARGIN
        mine_until(devchain, deadline - 1, b, c)
        assert channel(b, a)["state"] == "CHANNELD_NORMAL"
        assert no_spend_of_funding(devchain, b, a)
        mine(devchain, 1, b, c)
        commitment = wait_mempool(devchain, spends_funding(b, a), "B's commitment")
        b.wait_for_log("received HTLC {}, whose preimage we know".format(incoming["id"]))
        mine(devchain, 1, b)
        success = wait_mempool(devchain, lambda tx: any(i["txid"] == commitment.txid()
                                                        for i in tx.inputs),
                               "B's HTLC-success")
        assert bytes.fromhex(preimage) in success.inputs[0]["witness"]
        mine(devchain, 1, b)
        assert find_tx(devchain, success.txid()) is not None
        assert blockheight(b) < incoming["expiry"]
    finally:
        pool.shutdown(wait=False)


def test_dev_fail_errors(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain, STATIC)
    with pytest.raises(RpcError) as err:
        a.rpc("dev-fail", [b.id])
    assert "No channel found" in str(err.value)
    with pytest.raises(RpcError) as err:
        a.rpc("dev-fail", ["nonsense"])
    assert "parameter 'id'" in str(err.value)


@pytest.mark.parametrize("extra", CHANNEL_TYPES)
def test_dev_fail_force_closes_and_everything_is_swept(node_factory, devchain, extra):
    """dev-fail: a's commitment goes out at once (with the anchor's CPFP
    for anchor channels), b gets an error, and the resolvers sweep: a's
    to_local after to_self_delay, b's to_remote; each to the satoshi."""
    a, b = chain_pair(node_factory, devchain, extra)
    open_channel(a, b, devchain)
    balance_sat = channel(a)["to_us_msat"] // 1000
    if extra != STATIC:
        # An estimate above the commitment's feerate (b, frozen, never
        # takes a's update_fee): its anchor gets a child.
        b.signal(signal.SIGSTOP)
        raise_slow_estimate(a, devchain)
    try:
        result = a.rpc("dev-fail", [channel(a)["short_channel_id"]])
    finally:
        if extra != STATIC:
            b.signal(signal.SIGCONT)
            wait_synced(b, devchain)
    commitment = Tx.parse(bytes.fromhex(result["tx"]))
    assert result["txid"] == commitment.txid()
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    if extra != STATIC:
        child = wait_mempool(devchain, lambda tx: tx.txid() == child_in_log(a),
                             "a's CPFP of its anchor")
        assert [i for i in child.inputs if i["txid"] == commitment.txid()]
    b.wait_for_log("peer sent error: dev-fail")
    mine(devchain, 1, a, b)
    assert find_tx(devchain, commitment.txid()) is not None
    view = wait_for(lambda: channel(a).get("onchain"), 10, what="a's resolver")
    assert view["close"] == "local"
    with pytest.raises(RpcError) as err:
        a.rpc("dev-fail", [b.id])
    assert "nothing to fail" in str(err.value)

    # b: its to_remote, a coin at once (static_remotekey) or swept after
    # one block (anchors).
    b_view = wait_for(lambda: channel(b).get("onchain"), 10, what="b's resolver")
    assert b_view["close"] == "remote"
    [theirs] = [o for o in b_view["outputs"] if o["kind"] in ("to_wallet", "to_remote_csv")]
    assert theirs["amount_msat"] == PUSH_MSAT
    if extra == STATIC:
        assert wallet_coins_sat(b, {outpoint(theirs["outpoint"])}) == PUSH_MSAT // 1000
    else:
        sweep = wait_mempool(devchain, lambda tx: spends(tx, *outpoint(theirs["outpoint"])),
                             "b's sweep of to_remote")
        mine(devchain, 1, b)
        got = wait_for(lambda: wallet_coins_sat(b, {(sweep.txid(), 0)}), 10,
                       what="b's sweep in its wallet")
        assert got == PUSH_MSAT // 1000 - fee_of(devchain, sweep)

    [to_local] = [o for o in view["outputs"] if o["kind"] == "delayed_to_us"]
    [sweep] = sweeps_after_delay(devchain, a, [(commitment, outpoint(to_local["outpoint"])[1])])
    got = wait_for(lambda: wallet_coins_sat(a, {(sweep.txid(), 0)}), 10,
                   what="the sweep in a's wallet")
    assert got == (balance_sat - commitment_fee(commitment) - anchors_sat(extra)
                   - fee_of(devchain, sweep))
    mine(devchain, IRREVOCABLE_DEPTH - 1, a)
    wait_resolved(a)


def test_dev_fail_ends_a_close_waiting_for_the_peer(node_factory, devchain):
    """A mutual close waits forever for b (unilateraltimeout 0); dev-fail
    fails the channel: both answer with the same commitment."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    assert b.stop() == 0
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        closing = pool.submit(a.rpc, "close", [b.id, 0], 60)
        a.wait_for_log("closing channel")
        failed = a.rpc("dev-fail", [b.id])
        closed = closing.result(30)
    finally:
        pool.shutdown(wait=False)
    assert closed["type"] == "unilateral"
    assert closed["txid"] == failed["txid"]
    wait_for(lambda: failed["txid"] in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
