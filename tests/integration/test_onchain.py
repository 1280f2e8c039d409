"""Force closes resolved on chain (BOLT 5, issue 13): ohm sweeps its
to_local output once to_self_delay has passed, keeps the channel ONCHAIN
with the outputs it follows until everything is 100 blocks deep, takes
its to_remote from the peer's commitment, and survives kill -9 in between.
Every amount is checked to the satoshi: what came back to the wallet is
the channel balance less the on-chain fees paid."""
from btcverify import Tx
from chainutil import blockheight, find_tx, outputs, wait_synced
from channelutil import FUNDING_SAT, PUSH_MSAT, channel, mine, open_channel
from ohmtest import wait_for
from test_channels import chain_pair

# channels_internal.h OUR_TO_SELF_DELAY: what b asks of a's to_local.
TO_SELF_DELAY = 144
# onchain/onchain.h ONCHAIN_IRREVOCABLE_DEPTH.
IRREVOCABLE_DEPTH = 100


def close_unilaterally(node, peer):
    closed = node.rpc("close", [peer.id, 1], 60)
    assert closed["type"] == "unilateral"
    return Tx.parse(bytes.fromhex(closed["tx"]))


def commitment_fee(commitment):
    return FUNDING_SAT - sum(o["value"] for o in commitment.outputs)


def p2wsh_outputs(tx):
    return [i for i, o in enumerate(tx.outputs) if o["script"][:2] == b"\x00\x20"]


def onchain(node):
    return channel(node)["onchain"]


def wait_mempool(devchain, pred, what):
    def found():
        for txid in devchain.rpc("getrawmempool"):
            tx = Tx.parse(bytes.fromhex(devchain.rpc("getrawtransaction", [txid])))
            if pred(tx):
                return tx
        return None
    return wait_for(found, 30, interval=0.1, what=what)


def spends(tx, txid, vout):
    return any(i["txid"] == txid and i["vout"] == vout for i in tx.inputs)


def test_our_force_close_sweeps_to_local_after_the_delay(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert balance_sat == FUNDING_SAT - PUSH_MSAT // 1000
    assert b.stop() == 0
    commitment = close_unilaterally(a, b)
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    mine(devchain, 1, a)
    close_height = blockheight(a)
    # a funds the channel: the commitment's fee is a's.  Without HTLCs its
    # one P2WSH output is a's to_local.
    [to_local] = p2wsh_outputs(commitment)
    to_local_sat = commitment.outputs[to_local]["value"]
    assert to_local_sat == balance_sat - commitment_fee(commitment)

    wait_for(lambda: "onchain" in channel(a), 10, what="a's resolver")
    view = onchain(a)
    assert channel(a)["state"] == "ONCHAIN"
    assert view["close"] == "local" and view["resolved"] is False
    [ours] = [o for o in view["outputs"] if o["kind"] == "delayed_to_us"]
    assert ours["outpoint"] == "{}:{}".format(commitment.txid(), to_local)
    assert ours["amount_msat"] == to_local_sat * 1000
    assert ours["resolved"] is False
    assert ours["blocks_left"] == TO_SELF_DELAY - 1

    # kill -9 while it waits: the resolver comes back from the database.
    a.kill()
    a.start()
    wait_synced(a, devchain)
    assert onchain(a)["outputs"] == view["outputs"]

    # One block short of the delay nothing is sent; at the delay the sweep
    # can be in the next block (its nSequence is the delay).
    mine(devchain, TO_SELF_DELAY - 2, a)
    assert not [t for t in devchain.rpc("getrawmempool")]
    mine(devchain, 1, a)
    sweep = wait_mempool(devchain, lambda tx: spends(tx, commitment.txid(), to_local),
                         "a's sweep of to_local")
    assert sweep.inputs[0]["sequence"] == TO_SELF_DELAY
    assert len(sweep.outputs) == 1
    sweep_fee = to_local_sat - sweep.outputs[0]["value"]
    # Paid at a feerate (sat per 1000 weight) between the floor and 10 sat/vB.
    assert 253 * sweep.weight() // 1000 <= sweep_fee <= 2500 * (sweep.weight() + 2) // 1000

    # kill -9 with the sweep in the mempool: nothing is lost or sent twice.
    a.kill()
    a.start()
    wait_synced(a, devchain)
    mine(devchain, 1, a)
    assert find_tx(devchain, sweep.txid(), close_height) is not None
    mine_out = wait_for(lambda: [o for o in outputs(a) if o["txid"] == sweep.txid()], 10,
                        what="the sweep in a's wallet")
    assert mine_out[0]["amount_msat"] == sweep.outputs[0]["value"] * 1000
    # Everything the channel held for a came back, less the two fees.
    assert mine_out[0]["amount_msat"] // 1000 == (
        balance_sat - commitment_fee(commitment) - sweep_fee)
    [ours] = [o for o in onchain(a)["outputs"] if o["kind"] == "delayed_to_us"]
    assert ours["resolved"] is True and ours["resolved_by"] == sweep.txid()

    # BOLT 5: irrevocably resolved 100 blocks after the sweep.
    mine(devchain, IRREVOCABLE_DEPTH - 2, a)
    assert onchain(a)["resolved"] is False
    mine(devchain, 1, a)
    wait_for(lambda: onchain(a)["resolved"], 10, what="a's channel resolved")
    a.wait_for_log("everything resolved")


def test_peer_force_close_pays_to_remote(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert a.stop() == 0
    commitment = close_unilaterally(b, a)
    assert b.stop() == 0
    mine(devchain, 1)
    a.start()
    wait_synced(a, devchain)
    wait_for(lambda: "onchain" in channel(a), 10, what="a's resolver")
    view = onchain(a)
    assert view["close"] == "remote"
    [wallet] = [o for o in view["outputs"] if o["kind"] == "to_wallet"]
    # a pays the fee of b's commitment too (a is the funder).
    assert wallet["amount_msat"] // 1000 == balance_sat - commitment_fee(commitment)
    assert wallet["resolved"] is True
    txid, vout = wallet["outpoint"].split(":")
    [coin] = [o for o in outputs(a) if o["txid"] == txid and o["output"] == int(vout)]
    assert coin["amount_msat"] == wallet["amount_msat"]
    # Nothing else is ours: b's to_local is b's.
    assert {o["kind"] for o in view["outputs"]} == {"to_wallet", "theirs"}
    mine(devchain, IRREVOCABLE_DEPTH - 2, a)
    assert onchain(a)["resolved"] is False
    mine(devchain, 1, a)
    wait_for(lambda: onchain(a)["resolved"], 10, what="a's channel resolved")
