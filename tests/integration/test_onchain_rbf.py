"""The resolver's sweeps are replaced (BIP125) with a higher fee while
they wait (issue 13: "replaced (RBF) with a higher fee when it is not
confirmed in time"): a to_local sweep held out of blocks (generateblock
with chosen transactions) while the fee estimates rise is replaced by one
paying more, accepted by ohm-devchain's BIP125 checks, kept across a
kill -9, and the amount that comes back is exact to the satoshi."""
import re

from btcverify import Tx
from chainutil import BURN_ADDRESS, blockheight, find_tx, outputs, wait_synced
from channelutil import FUNDING_SAT, PUSH_MSAT, chain_node, channel, mine, open_channel
from ohmtest import wait_for
from test_channels import chain_pair
from test_onchain import (STATIC, TO_SELF_DELAY, close_unilaterally, commitment_fee, fee_of,
                          htlcs_both_ways, mempool, onchain, outpoint, spends, wait_mempool)

# onchain/onchain.h ONCHAIN_SWEEP_DEADLINE_BLOCKS.
SWEEP_DEADLINE_BLOCKS = 1008
# ohm counts every signature at its largest (72 bytes DER, the sighash
# byte) when it sets a fee.
MAX_SIG_LEN = 73
ESTIMATES = re.compile(r"fee estimates: urgent (\d+), normal (\d+), slow (\d+) perkw")


def estimates(node):
    """ohm's last fee estimates (urgent, normal), from its log."""
    found = ESTIMATES.findall(node.log())
    return (int(found[-1][0]), int(found[-1][1])) if found else None


def sweep_fee_at(tx, perkw):
    weight = tx.weight() + MAX_SIG_LEN - len(tx.inputs[0]["witness"][0])
    return (perkw * weight + 999) // 1000


def empty_block(devchain, node, txids=()):
    """A block holding only txids (from the mempool): the rest waits."""
    devchain.rpc("generateblock", [BURN_ADDRESS, list(txids)])
    wait_synced(node, devchain)


def test_to_local_sweep_replaced_with_a_higher_fee(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain, STATIC)
    # c pays high fees on chain, to move ohm-devchain's estimates.
    c = chain_node(node_factory, devchain, "c", funded=True)
    open_channel(a, b, devchain, others=(c,))
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert balance_sat == FUNDING_SAT - PUSH_MSAT // 1000
    assert b.stop() == 0
    commitment = close_unilaterally(a, b)
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    mine(devchain, 1, a)
    close_height = blockheight(a)
    wait_for(lambda: "onchain" in channel(a), 10, what="a's resolver")
    [ours] = [o for o in onchain(a)["outputs"] if o["kind"] == "delayed_to_us"]
    txid, to_local = outpoint(ours["outpoint"])
    to_local_sat = commitment.outputs[to_local]["value"]
    assert to_local_sat == balance_sat - commitment_fee(commitment)

    # The first sweep, at the normal estimate, handed over one block
    # before its CSV allows it in a block.
    mine(devchain, TO_SELF_DELAY - 1, a)
    since = blockheight(a)
    assert since == close_height + TO_SELF_DELAY - 1
    first = wait_mempool(devchain, lambda tx: spends(tx, txid, to_local), "a's sweep")
    first_fee = to_local_sat - first.outputs[0]["value"]
    _, normal = estimates(a)
    assert first_fee == sweep_fee_at(first, normal)
    assert first.inputs[0]["sequence"] == TO_SELF_DELAY

    # Blocks without it while the estimates rise: c's withdrawals at
    # 10000 perkw make ohm-devchain's normal estimate (75th percentile of
    # recent blocks' feerates) go up.
    wait_synced(c, devchain)
    withdrawn = [c.rpc("withdraw", [BURN_ADDRESS, 100000, "10000perkw", 0])["txid"]
                 for _ in range(3)]
    empty_block(devchain, a, withdrawn)
    wait_for(lambda: estimates(a)[1] > 2 * normal, 15, interval=0.1,
             what="ohm to have the higher estimates")
    urgent, normal = estimates(a)
    empty_block(devchain, a)
    found = wait_for(lambda: re.search(r"([0-9a-f]{64}) replaces " + first.txid()
                                       + r" \(fee (\d+) sat at (\d+) perkw, deadline block (\d+)\)",
                                       a.log()), 15, interval=0.1, what="the replacement")
    second = wait_mempool(devchain, lambda tx: tx.txid() == found.group(1), "the replacement")
    assert first.txid() not in devchain.rpc("getrawmempool")
    tip = blockheight(a)
    deadline = close_height + TO_SELF_DELAY + SWEEP_DEADLINE_BLOCKS
    assert int(found.group(4)) == deadline
    # The same input, signalling BIP125 (its CSV); its feerate on the
    # schedule from the normal estimate toward the urgent one.
    assert [(i["txid"], i["vout"], i["sequence"]) for i in second.inputs] == [
        (txid, to_local, TO_SELF_DELAY)]
    rate = normal + (urgent - normal) * (tip - since) // (deadline - since)
    assert int(found.group(3)) == rate
    second_fee = to_local_sat - second.outputs[0]["value"]
    assert second_fee == int(found.group(2)) == sweep_fee_at(second, rate)
    # BIP125 rules 3, 4 and 6 (ohm-devchain checked them too).
    assert second_fee >= first_fee + second.vsize()
    assert second_fee * 1000 // second.weight() > first_fee * 1000 // first.weight()

    # kill -9: the replacement is what comes back, not the first.
    a.kill()
    a.start()
    wait_synced(a, devchain)
    assert [tx.txid() for tx in mempool(devchain) if spends(tx, txid, to_local)] == [
        second.txid()]

    mine(devchain, 1, a)
    assert find_tx(devchain, second.txid(), close_height) is not None
    assert find_tx(devchain, first.txid(), close_height) is None
    swept = wait_for(lambda: [o for o in outputs(a) if o["txid"] == second.txid()], 10,
                     what="the sweep in a's wallet")
    # Everything the channel held for a came back, less the commitment's
    # fee and the one sweep that confirmed.
    assert swept[0]["amount_msat"] // 1000 == (
        balance_sat - commitment_fee(commitment) - second_fee)
    [ours] = [o for o in onchain(a)["outputs"] if o["kind"] == "delayed_to_us"]
    assert ours["resolved"] is True and ours["resolved_by"] == second.txid()
    # Confirmed: no more replacements.
    mine(devchain, 3, a)
    assert len(re.findall(r" replaces ", a.log())) == 1


def test_anchors_htlc_success_replaced_from_the_same_coin(node_factory, devchain):
    """option_anchors: our HTLC-success (zero-fee, a wallet coin pays its
    fee) held out of blocks while the estimates rise is replaced by one
    spending the same HTLC output and the same coin with less change; the
    wallet forgets the first (its change gone, the coin spent by the
    second only), and what the second pays is exactly the coin less its
    change."""
    a, b = chain_pair(node_factory, devchain)
    c = chain_node(node_factory, devchain, "c", funded=True)
    open_channel(a, b, devchain, others=(c,))
    assert channel(a)["channel_type"]["bits"] == [12, 22]
    _, y = htlcs_both_ways(a, b)
    [y_in] = [h for h in channel(a)["htlcs"] if h["direction"] == "in"]
    assert b.stop() == 0
    commitment = close_unilaterally(a, b)
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    mine(devchain, 1, a)
    wait_synced(c, devchain)
    view = wait_for(lambda: channel(a).get("onchain"), 10, what="a's resolver")
    [htlc] = [o for o in view["outputs"] if o["kind"] == "our_htlc_success"]
    txid, vout = outpoint(htlc["outpoint"])

    since = blockheight(a)
    a.rpc("dev-fulfillhtlc", [b.id, y_in["id"], y["preimage"]])
    first = wait_mempool(devchain, lambda tx: spends(tx, txid, vout), "a's HTLC-success")
    assert len(first.inputs) == 2 and first.outputs[0]["value"] == 20000
    coin = (first.inputs[1]["txid"], first.inputs[1]["vout"])
    [coin_out] = [o for o in outputs(a, True) if (o["txid"], o["output"]) == coin]
    coin_sat = coin_out["amount_msat"] // 1000
    first_fee = coin_sat - first.outputs[1]["value"]
    wait_for(lambda: [o for o in outputs(a) if (o["txid"], o["output"]) == (first.txid(), 1)],
             10, what="the first change in a's wallet")

    withdrawn = [c.rpc("withdraw", [BURN_ADDRESS, 100000, "10000perkw", 0])["txid"]
                 for _ in range(3)]
    empty_block(devchain, a, withdrawn)
    wait_for(lambda: estimates(a)[0] > 2 * first_fee * 1000 // first.weight(), 15,
             interval=0.1, what="ohm to have the higher estimates")
    urgent, _ = estimates(a)
    empty_block(devchain, a)
    found = wait_for(lambda: re.search(r"([0-9a-f]{64}) replaces " + first.txid()
                                       + r" \(fee (\d+) sat at (\d+) perkw, deadline block (\d+)\)",
                                       a.log()), 15, interval=0.1, what="the replacement")
    second = wait_mempool(devchain, lambda tx: tx.txid() == found.group(1), "the replacement")
    assert first.txid() not in devchain.rpc("getrawmempool")
    tip = blockheight(a)
    deadline = int(found.group(4))
    assert deadline == y_in["expiry"]
    # From the urgent estimate toward four times it at the HTLC's expiry.
    rate = urgent + 3 * urgent * (tip - since) // (deadline - since)
    assert int(found.group(3)) == rate
    # The same HTLC output and coin; the HTLC's value whole; less change.
    assert [(i["txid"], i["vout"]) for i in second.inputs] == [(txid, vout), coin]
    assert second.inputs[0]["sequence"] == 1
    assert second.outputs[0]["value"] == 20000
    second_fee = coin_sat - second.outputs[1]["value"]
    assert second_fee == int(found.group(2))
    assert second_fee >= first_fee + second.vsize()
    # The wallet forgot the first: its change is gone, the coin spent by
    # the second, whose change is ours.
    wait_for(lambda: [o for o in outputs(a) if (o["txid"], o["output"]) == (second.txid(), 1)],
             10, what="the second change in a's wallet")
    assert not [o for o in outputs(a, True) if o["txid"] == first.txid()]
    txids = [t["hash"] for t in a.rpc("listtransactions")["transactions"]]
    assert second.txid() in txids and first.txid() not in txids

    mine(devchain, 1, a)
    height, confirmed = find_tx(devchain, second.txid())
    assert fee_of(devchain, confirmed) == second_fee
    change = wait_for(lambda: [o for o in outputs(a) if (o["txid"], o["output"]) ==
                               (second.txid(), 1) and o["status"] == "confirmed"], 10,
                      what="the change confirmed")
    assert change[0]["amount_msat"] // 1000 == coin_sat - second_fee
    [ours] = [o for o in onchain(a)["outputs"] if o["kind"] == "our_htlc_success"]
    assert ours["resolved"] is True and ours["resolved_by"] == second.txid()
