"""Force closes resolved on chain (BOLT 5, issue 13): ohm sweeps its
to_local output once to_self_delay has passed, keeps the channel ONCHAIN
with the outputs it follows until everything is 100 blocks deep, takes
its to_remote from the peer's commitment, and survives kill -9 in between.
Every amount is checked to the satoshi: what came back to the wallet is
the channel balance less the on-chain fees paid."""
import concurrent.futures
import random
import signal
import time

import pytest

import test_channel_hostile as hostile
from btcverify import Tx
from chainutil import BURN_ADDRESS, blockheight, find_tx, outputs, raw_block, wait_synced
from channelutil import FUNDING_SAT, PUSH_MSAT, chain_node, channel, mine, open_channel
from lnchannel import (LOCAL, REMOTE, commitment_sighash, der_encode, derive_privkey,
                       ecdsa_sign, funding_witness, htlc_sighash, parse_compact_sig)
from ohmtest import RpcError, wait_for
from test_channels import chain_pair

# channels_internal.h OUR_TO_SELF_DELAY: what b asks of a's to_local.
TO_SELF_DELAY = 144
# onchain/onchain.h ONCHAIN_IRREVOCABLE_DEPTH.
IRREVOCABLE_DEPTH = 100
# Nodes that open static_remotekey channels; without it, ohm nodes open
# option_anchors channels.
STATIC = ["--anchors=false"]
# Each of the two channel types the resolver follows.
CHANNEL_TYPES = [pytest.param(STATIC, id="static_remotekey"), pytest.param([], id="anchors")]
# BOLT 3: the two anchor outputs of an option_anchors commitment, paid by
# the funder (a, in these tests).
ANCHOR_SAT = 330


def anchors_sat(extra):
    return 2 * ANCHOR_SAT if extra != STATIC else 0


def check_anchors_left(view, extra):
    """The anchors (option_anchors only) are listed and resolved as they
    are: only for CPFP, anyone's after 16 blocks (BOLT 5)."""
    anchors = [o for o in view["outputs"] if o["kind"] == "anchor"]
    assert len(anchors) == (2 if extra != STATIC else 0)
    for anchor in anchors:
        assert anchor["amount_msat"] == ANCHOR_SAT * 1000
        assert anchor["resolved"] is True and "resolved_by" not in anchor
        assert "blocks_left" not in anchor


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


def wait_resolved(node):
    """Once resolved, the channel leaves listpeerchannels for
    listclosedchannels (test_closed_channels.py)."""
    wait_for(lambda: node.rpc("listclosedchannels")["closedchannels"]
             and not node.rpc("listpeerchannels")["channels"], 10,
             what=node.name + "'s channel resolved")


def wait_mempool(devchain, pred, what):
    def found():
        for txid in devchain.rpc("getrawmempool"):
            tx = Tx.parse(bytes.fromhex(devchain.rpc("getrawtransaction", [txid])))
            if pred(tx):
                return tx
        return None
    return wait_for(found, 30, interval=0.1, what=what)


def mempool(devchain):
    return [Tx.parse(bytes.fromhex(devchain.rpc("getrawtransaction", [t])))
            for t in devchain.rpc("getrawmempool")]


def spender(devchain, txid, vout, first_height):
    """The transaction in a block that spends txid:vout."""
    for height in range(first_height, devchain.rpc("getblockcount") + 1):
        for tx in raw_block(devchain, height)[1]:
            if spends(tx, txid, vout):
                return tx
    raise AssertionError("{}:{} is not spent".format(txid, vout))


def spends(tx, txid, vout):
    return any(i["txid"] == txid and i["vout"] == vout for i in tx.inputs)


@pytest.mark.parametrize("extra", CHANNEL_TYPES)
def test_our_force_close_sweeps_to_local_after_the_delay(node_factory, devchain, extra):
    a, b = chain_pair(node_factory, devchain, extra)
    open_channel(a, b, devchain)
    assert channel(a)["channel_type"]["bits"] == ([12] if extra == STATIC else [12, 22])
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert balance_sat == FUNDING_SAT - PUSH_MSAT // 1000
    assert b.stop() == 0
    commitment = close_unilaterally(a, b)
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    mine(devchain, 1, a)
    close_height = blockheight(a)

    wait_for(lambda: "onchain" in channel(a), 10, what="a's resolver")
    view = onchain(a)
    assert channel(a)["state"] == "ONCHAIN"
    assert view["close"] == "local" and view["resolved"] is False
    assert sorted(o["kind"] for o in view["outputs"]) == sorted(
        ["delayed_to_us", "theirs"] + ["anchor"] * (2 if extra != STATIC else 0))
    check_anchors_left(view, extra)
    # a funds the channel: the commitment's fee (and the anchors) are a's.
    [ours] = [o for o in view["outputs"] if o["kind"] == "delayed_to_us"]
    txid, to_local = outpoint(ours["outpoint"])
    assert txid == commitment.txid() and to_local in p2wsh_outputs(commitment)
    to_local_sat = commitment.outputs[to_local]["value"]
    assert to_local_sat == balance_sat - commitment_fee(commitment) - anchors_sat(extra)
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
    # Everything the channel held for a came back, less the two fees (and
    # the anchors, left on chain).
    assert mine_out[0]["amount_msat"] // 1000 == (
        balance_sat - commitment_fee(commitment) - anchors_sat(extra) - sweep_fee)
    [ours] = [o for o in onchain(a)["outputs"] if o["kind"] == "delayed_to_us"]
    assert ours["resolved"] is True and ours["resolved_by"] == sweep.txid()

    # BOLT 5: irrevocably resolved 100 blocks after the sweep.
    mine(devchain, IRREVOCABLE_DEPTH - 2, a)
    assert onchain(a)["resolved"] is False
    mine(devchain, 1, a)
    wait_resolved(a)
    a.wait_for_log("everything resolved")


def test_peer_force_close_pays_to_remote(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain, STATIC)
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
    assert not mempool(devchain)
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
    wait_resolved(a)


def test_peer_force_close_anchors_to_remote_swept_after_one_block(node_factory, devchain):
    """option_anchors: a's to_remote on b's commitment is a P2WSH with
    `1 OP_CHECKSEQUENCEVERIFY` (BOLT 3): a's resolver sweeps it to the
    wallet with nSequence 1 and its payment_basepoint, once the commitment
    has one confirmation; the anchors are left."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    assert channel(a)["channel_type"]["bits"] == [12, 22]
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert a.stop() == 0
    commitment = close_unilaterally(b, a)
    assert b.stop() == 0
    mine(devchain, 1)
    close_height = devchain.rpc("getblockcount")
    a.start()
    wait_synced(a, devchain)
    wait_for(lambda: "onchain" in channel(a), 10, what="a's resolver")
    view = onchain(a)
    assert view["close"] == "remote"
    assert sorted(o["kind"] for o in view["outputs"]) == [
        "anchor", "anchor", "theirs", "to_remote_csv"]
    check_anchors_left(view, [])
    [ours] = [o for o in view["outputs"] if o["kind"] == "to_remote_csv"]
    txid, vout = outpoint(ours["outpoint"])
    to_remote_sat = commitment.outputs[vout]["value"]
    # a is the funder: the fee and the anchors are a's.
    assert to_remote_sat == balance_sat - commitment_fee(commitment) - 2 * ANCHOR_SAT
    assert ours["amount_msat"] == to_remote_sat * 1000
    # Not the wallet's until swept: nothing pays a's key directly.
    assert not [o for o in outputs(a) if o["txid"] == commitment.txid()]

    sweep = wait_mempool(devchain, lambda tx: spends(tx, commitment.txid(), vout),
                         "a's sweep of to_remote")
    assert len(sweep.inputs) == 1 and sweep.inputs[0]["sequence"] == 1
    # <remote_sig> and the witness script.
    assert len(sweep.inputs[0]["witness"]) == 2
    assert len(sweep.outputs) == 1
    sweep_fee = to_remote_sat - sweep.outputs[0]["value"]
    assert 253 * sweep.weight() // 1000 <= sweep_fee <= 2500 * (sweep.weight() + 2) // 1000

    # kill -9 with the sweep in the mempool: the same one again.
    a.kill()
    a.start()
    wait_synced(a, devchain)
    mine(devchain, 1, a)
    assert find_tx(devchain, sweep.txid(), close_height) is not None
    coin = wait_for(lambda: [o for o in outputs(a) if o["txid"] == sweep.txid()], 10,
                    what="the sweep in a's wallet")
    assert [c["amount_msat"] for c in coin] == [sweep.outputs[0]["value"] * 1000]
    # Everything the channel held for a came back, less the commitment's
    # fee, the anchors and the sweep's fee.
    assert coin[0]["amount_msat"] // 1000 == (
        balance_sat - commitment_fee(commitment) - 2 * ANCHOR_SAT - sweep_fee)
    [ours] = [o for o in onchain(a)["outputs"] if o["kind"] == "to_remote_csv"]
    assert ours["resolved"] is True and ours["resolved_by"] == sweep.txid()
    mine(devchain, IRREVOCABLE_DEPTH - 2, a)
    assert onchain(a)["resolved"] is False
    mine(devchain, 1, a)
    wait_resolved(a)


def broadcast_fundee_commitment(o, number, htlcs, ohm_signature):
    """The Python fundee signs its commitment `number` (with htlcs) and
    sends it: with ohm's old signature, it can, revoked or not."""
    channel = o.channel
    commitment = channel.commitment(LOCAL, number, htlcs)
    digest = commitment_sighash(commitment.tx, channel.funding_script, channel.funding_sat)
    ours = der_encode(*ecdsa_sign(channel.funding_secret, digest)) + b"\x01"
    theirs = der_encode(*parse_compact_sig(ohm_signature)) + b"\x01"
    commitment.tx.inputs[0]["witness"] = funding_witness(
        channel.funding_script, ours, channel.params[LOCAL]["funding_pubkey"],
        theirs, channel.params[REMOTE]["funding_pubkey"])
    txid = o.devchain.rpc("sendrawtransaction", [commitment.tx.serialize().hex()])
    assert txid == commitment.tx.txid()
    return commitment.tx


def revoked_with_htlc(o):
    """The Python fundee's commitment #1 holds ohm's HTLC X (20000 sat);
    it revokes #1 for #2 (X and Y, 10000 sat).  Returns (commitment_signed
    of #1, X as lnchannel records it, X's preimage)."""
    channel, node = o.channel, o.node
    ohm = hostile.peer_id(o)
    sent = node.rpc("dev-sendhtlc", [ohm, 20000000])
    channel.receive_update_add_htlc()
    signed_1, _ = channel.receive_commitment_signed()
    htlc_x = dict(channel.htlcs[0])
    channel.send_revoke_and_ack()
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    node.rpc("dev-sendhtlc", [ohm, 10000000])
    channel.receive_update_add_htlc()
    channel.receive_commitment_signed()
    channel.send_revoke_and_ack()
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    wait_for(lambda: len(hostile.peer_channel(node, ohm)["htlcs"]) == 2, 10, what="X and Y")
    return signed_1, htlc_x, bytes.fromhex(sent["preimage"])


def wallet_coins_sat(node, outpoints):
    """What node's wallet holds at outpoints ((txid, vout) pairs)."""
    return sum(f["amount_msat"] // 1000 for f in outputs(node)
               if (f["txid"], f["output"]) in outpoints)


def outpoint(text):
    txid, vout = text.split(":")
    return txid, int(vout)


@pytest.mark.parametrize("anchors", [False, True], ids=["static_remotekey", "anchors"])
def test_revoked_commitment_loses_everything_to_the_justice_tx(node_factory, devchain,
                                                               anchors):
    """The fundee broadcasts its revoked #1: ohm's justice transaction takes
    the fundee's to_local and X's output with the revocation key, ohm's
    to_remote is its wallet's (with option_anchors: swept after its block,
    the anchors left), and ohm ends with everything the revoked commitment
    held but the fees (and the anchors)."""
    if anchors:
        o = hostile.open_channel(node_factory, devchain, accept_anchors=True,
                                 features=hostile.FUNDEE_INIT_FEATURES | {23})
        assert o.channel.anchors
    else:
        o = hostile.open_channel(node_factory, devchain)
    node, ohm = o.node, hostile.peer_id(o)
    signed_1, htlc_x, _ = revoked_with_htlc(o)
    revoked = broadcast_fundee_commitment(o, 1, [htlc_x], signed_1["signature"])
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(node, devchain)
    view = wait_for(lambda: hostile.peer_channel(node, ohm).get("onchain"), 10,
                    what="ohm's resolver")
    assert view["close"] == "revoked"
    wallet_kind = "to_remote_csv" if anchors else "to_wallet"
    assert sorted(x["kind"] for x in view["outputs"]) == sorted(
        ["penalty", "penalty", wallet_kind] + ["anchor"] * (2 if anchors else 0))
    check_anchors_left(view, [] if anchors else STATIC)
    penalties = sorted(outpoint(x["outpoint"]) for x in view["outputs"]
                       if x["kind"] == "penalty")
    justice = wait_mempool(devchain, lambda tx: sorted((i["txid"], i["vout"])
                                                       for i in tx.inputs) == penalties,
                           "the justice tx")
    taken = sum(revoked.outputs[i["vout"]]["value"] for i in justice.inputs)
    # The fundee's to_local (its 100000 sat push) and X.
    assert taken == 100000 + 20000
    justice_fee = taken - justice.outputs[0]["value"]
    assert 0 < justice_fee < 2500 * (justice.weight() + 10) // 1000
    [wallet] = [x for x in view["outputs"] if x["kind"] == wallet_kind]
    ours = {(justice.txid(), 0)}
    sweep_fee = 0
    if anchors:
        sweep = wait_mempool(devchain, lambda tx: [(i["txid"], i["vout"]) for i in tx.inputs]
                             == [outpoint(wallet["outpoint"])], "the sweep of to_remote")
        assert sweep.inputs[0]["sequence"] == 1
        sweep_fee = wallet["amount_msat"] // 1000 - sweep.outputs[0]["value"]
        ours.add((sweep.txid(), 0))
    else:
        ours.add(outpoint(wallet["outpoint"]))

    devchain.generate(1, BURN_ADDRESS)
    wait_synced(node, devchain)
    assert find_tx(devchain, justice.txid()) is not None
    got = wait_for(lambda: wallet_coins_sat(node, ours) if all(
        any((f["txid"], f["output"]) == op for f in outputs(node)) for op in ours) else None,
                   10, what="the justice output in ohm's wallet")
    fee_revoked = hostile.FUNDING_SAT - sum(out["value"] for out in revoked.outputs)
    # Everything the revoked commitment held came to ohm, less its fee
    # (ohm funded the channel: the anchors too) and the justice fee (and
    # the to_remote sweep's).
    assert got == (hostile.FUNDING_SAT - fee_revoked - justice_fee - sweep_fee
                   - (2 * ANCHOR_SAT if anchors else 0))
    for x in hostile.peer_channel(node, ohm)["onchain"]["outputs"]:
        if x["kind"] == "penalty":
            assert x["resolved"] is True and x["resolved_by"] == justice.txid()


def test_revoked_then_the_cheaters_htlc_success_is_taken_too(node_factory, devchain):
    """The cheater gets the HTLC-success of X on its revoked #1 mined before
    ohm's justice: ohm learns X's preimage, and its next justice
    transaction takes the HTLC-success output with the revocation key."""
    o = hostile.open_channel(node_factory, devchain)
    channel, node, ohm = o.channel, o.node, hostile.peer_id(o)
    signed_1, htlc_x, preimage = revoked_with_htlc(o)
    revoked = broadcast_fundee_commitment(o, 1, [htlc_x], signed_1["signature"])
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(node, devchain)
    first = wait_mempool(devchain, lambda tx: any(i["txid"] == revoked.txid()
                                                  for i in tx.inputs), "the first justice tx")

    # The fundee's HTLC-success: ohm's HTLC signature from #1's
    # commitment_signed, its own, the preimage.
    commitment = channel.commitment(LOCAL, 1, [htlc_x])
    [(index, _, script)] = commitment.htlc_outputs
    success = commitment.htlc_txs[0]
    key = derive_privkey(channel.base_secrets["htlc"], channel.point(LOCAL, 1))
    ours = der_encode(*ecdsa_sign(key, htlc_sighash(commitment, 0))) + b"\x01"
    theirs = der_encode(*parse_compact_sig(signed_1["htlc_signatures"][0])) + b"\x01"
    success.inputs[0]["witness"] = [b"", theirs, ours, preimage, script]
    devchain.rpc("generateblock", [BURN_ADDRESS, [success.serialize().hex()]])
    wait_synced(node, devchain)
    assert find_tx(devchain, success.txid()) is not None
    node.wait_for_log("preimage learned on chain")

    second = wait_mempool(devchain, lambda tx: any(i["txid"] == success.txid()
                                                   for i in tx.inputs),
                          "the justice tx taking the HTLC-success output")
    assert sorted((i["txid"], i["vout"]) for i in second.inputs) == sorted(
        [(success.txid(), 0)] + [(i["txid"], i["vout"]) for i in first.inputs
                                 if i["vout"] != index])
    taken = 100000 + success.outputs[0]["value"]
    justice_fee = taken - second.outputs[0]["value"]
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(node, devchain)
    assert find_tx(devchain, second.txid()) is not None
    view = hostile.peer_channel(node, ohm)["onchain"]
    [wallet] = [x for x in view["outputs"] if x["kind"] == "to_wallet"]
    got = wait_for(lambda: wallet_coins_sat(node, {(second.txid(), 0),
                                                    outpoint(wallet["outpoint"])}), 10,
                   what="the justice output in ohm's wallet")
    fee_revoked = hostile.FUNDING_SAT - sum(out["value"] for out in revoked.outputs)
    success_fee = htlc_x["amount_msat"] // 1000 - success.outputs[0]["value"]
    # Lost to fees only: the revoked commitment's, the cheater's
    # HTLC-success's, and the justice's.
    assert got == hostile.FUNDING_SAT - fee_revoked - success_fee - justice_fee
    assert all(x["resolved"] for x in view["outputs"] if x["kind"] == "penalty")


def htlcs_both_ways(a, b):
    """a offers X (30000 sat) to b, b offers Y (20000 sat) to a; each side
    holds the other's (--dev-hold-htlcs).  Returns (X, Y) as dev-sendhtlc
    answered."""
    x = a.rpc("dev-sendhtlc", [b.id, 30000000])
    y = b.rpc("dev-sendhtlc", [a.id, 20000000])
    wait_for(lambda: len([h for h in channel(a)["htlcs"]
                          if h["state"] in ("SENT_ADD_ACK_REVOCATION",
                                            "RCVD_ADD_ACK_REVOCATION")]) == 2, 30,
             interval=0.1, what="X and Y committed at a")
    wait_for(lambda: len([h for h in channel(b)["htlcs"]
                          if h["state"] in ("SENT_ADD_ACK_REVOCATION",
                                            "RCVD_ADD_ACK_REVOCATION")]) == 2, 30,
             interval=0.1, what="X and Y committed at b")
    return x, y


def fee_of(devchain, tx):
    spent = 0
    for i in tx.inputs:
        spent += find_tx(devchain, i["txid"])[1].outputs[i["vout"]]["value"]
    return spent - sum(o["value"] for o in tx.outputs)


def mine_until(devchain, height, *nodes, mine_fn=mine):
    count = height - devchain.rpc("getblockcount")
    if count > 0:
        mine_fn(devchain, count, *nodes)


def our_force_close_with_htlcs_both_ways(node_factory, devchain, mine, extra=STATIC):
    """a force closes with X (a's, 30000 sat) and Y (b's, 20000 sat) in
    flight: a claims Y with its HTLC-success once it has the preimage (the
    channel is closed: dev-fulfillhtlc hands it to the resolver), X
    returns by its HTLC-timeout after its expiry, and every output is swept
    after to_self_delay: a gets its balance and Y, less the fees of its
    six transactions, to the satoshi.  With option_anchors the HTLC
    transactions are zero-fee (BOLT 3): a wallet coin pays each one's fee
    and its change returns to the wallet."""
    a, b = chain_pair(node_factory, devchain, extra)
    open_channel(a, b, devchain)
    anchors = extra != STATIC
    assert channel(a)["channel_type"]["bits"] == ([12, 22] if anchors else [12])
    wallet_before = sum(o["amount_msat"] for o in outputs(a)) // 1000
    x, y = htlcs_both_ways(a, b)
    [y_in] = [h for h in channel(a)["htlcs"] if h["direction"] == "in"]
    [x_out] = [h for h in channel(a)["htlcs"] if h["direction"] == "out"]
    assert b.stop() == 0
    commitment = close_unilaterally(a, b)
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    mine(devchain, 1, a)
    view = wait_for(lambda: channel(a).get("onchain"), 10, what="a's resolver")
    assert view["close"] == "local"
    assert sorted(o["kind"] for o in view["outputs"]) == sorted(
        ["delayed_to_us", "our_htlc_success", "our_htlc_timeout", "theirs"]
        + ["anchor"] * (2 if anchors else 0))
    check_anchors_left(view, extra)

    a.rpc("dev-fulfillhtlc", [b.id, y_in["id"], y["preimage"]])
    success = wait_mempool(devchain, lambda tx: spends(tx, commitment.txid(), outpoint(
        [o for o in view["outputs"] if o["kind"] == "our_htlc_success"][0]["outpoint"])[1]),
        "a's HTLC-success")
    assert success.inputs[0]["witness"][3] == bytes.fromhex(y["preimage"])
    check_htlc_tx_fee(a, devchain, success, 20000, anchors)
    mine(devchain, 1, a)

    # X's HTLC-timeout: nLockTime is its expiry, so it goes out at that tip.
    mine_until(devchain, x_out["expiry"] - 1, a, mine_fn=mine)
    assert not [t for t in devchain.rpc("getrawmempool")]
    mine(devchain, 1, a)
    timeout = wait_mempool(devchain, lambda tx: tx.locktime == x_out["expiry"],
                           "a's HTLC-timeout")
    check_htlc_tx_fee(a, devchain, timeout, 30000, anchors)
    mine(devchain, 1, a)
    assert find_tx(devchain, timeout.txid()) is not None

    # Three delayed outputs (to_local, and each HTLC transaction's), each
    # swept TO_SELF_DELAY blocks after its transaction (the first may be
    # in a block already).
    last = max(find_tx(devchain, p.txid())[0] for p in (commitment, success, timeout))
    mine_until(devchain, last + TO_SELF_DELAY - 1, a, mine_fn=mine)
    wait_for(lambda: any(spends(tx, timeout.txid(), 0) for tx in mempool(devchain)), 30,
             interval=0.1, what="the sweep of the HTLC-timeout's output")
    mine(devchain, 1, a)
    sweeps = [spender(devchain, p.txid(), 0 if p is not commitment else
                      outpoint([o for o in view["outputs"]
                                if o["kind"] == "delayed_to_us"][0]["outpoint"])[1],
                      find_tx(devchain, commitment.txid())[0])
              for p in (commitment, success, timeout)]
    for sweep in sweeps:
        assert sweep.inputs[0]["sequence"] == TO_SELF_DELAY
    got = wait_for(lambda: wallet_coins_sat(a, {(s.txid(), 0) for s in sweeps}), 10,
                   what="the sweeps in a's wallet")
    fees = sum(fee_of(devchain, tx) for tx in [success, timeout] + sweeps)
    balance_sat = FUNDING_SAT - PUSH_MSAT // 1000
    if not anchors:
        # a's balance with X back and Y won, less every fee it paid.
        assert got == balance_sat + 20000 - commitment_fee(commitment) - fees
    # The whole wallet (the HTLC transactions' fee coins and their change
    # included): a's balance with X back and Y won, less every fee it paid
    # and the anchors it left.
    wallet_after = wait_for(lambda: all(o["status"] == "confirmed" for o in outputs(a))
                            and sum(o["amount_msat"] for o in outputs(a)) // 1000, 10,
                            what="a's wallet settled")
    assert wallet_after - wallet_before == (
        balance_sat + 20000 - commitment_fee(commitment) - anchors_sat(extra) - fees)
    assert all(o["resolved"] for o in onchain(a)["outputs"])
    a.wait_for_log("HTLC {} failed on chain".format(x["htlc_id"]))
    return a


def check_htlc_tx_fee(node, devchain, tx, htlc_sat, anchors):
    """Without anchors an HTLC transaction pays its fee from the HTLC; with
    option_anchors the HTLC's value goes whole to its delayed output, and
    a confirmed wallet coin of node's (input 1, now spent) pays the fee,
    its change (output 1) the wallet's."""
    if not anchors:
        assert len(tx.inputs) == 1 and len(tx.outputs) == 1
        assert tx.outputs[0]["value"] < htlc_sat
        return
    assert len(tx.inputs) == 2 and len(tx.outputs) == 2
    assert tx.inputs[0]["sequence"] == 1
    assert tx.outputs[0]["value"] == htlc_sat
    coin = tx.inputs[1]
    [spent] = [o for o in outputs(node, True)
               if (o["txid"], o["output"]) == (coin["txid"], coin["vout"])]
    assert spent["status"] == "spent"
    fee = spent["amount_msat"] // 1000 - tx.outputs[1]["value"]
    assert fee == fee_of(devchain, tx) and fee > tx.weight() // 4
    [change] = wait_for(lambda: [o for o in outputs(node)
                                 if (o["txid"], o["output"]) == (tx.txid(), 1)], 10,
                        what="the change in the wallet")
    assert change["amount_msat"] == tx.outputs[1]["value"] * 1000
    # The peer signed SIGHASH_SINGLE|ANYONECANPAY, we SIGHASH_ALL.
    assert tx.inputs[0]["witness"][1][-1] == 0x83 and tx.inputs[0]["witness"][2][-1] == 0x01


@pytest.mark.parametrize("extra", CHANNEL_TYPES)
def test_our_force_close_with_htlcs_both_ways(node_factory, devchain, extra):
    our_force_close_with_htlcs_both_ways(node_factory, devchain, mine, extra)


@pytest.mark.parametrize("extra", CHANNEL_TYPES)
def test_kill9_at_random_points_during_resolution(node_factory, devchain, extra):
    """The same close, with ohmd killed (SIGKILL) at a random moment after
    each of at least 20 blocks (before, during or after it processes the
    block): every restart resumes, and the end is the same, to the
    satoshi: nothing lost, nothing spent twice (with option_anchors, no
    fee coin taken twice or lost)."""
    rng = random.Random(13)
    kills = []

    def mine_and_kill(chain, n, *nodes):
        node = nodes[0]
        for chunk in ([1] * n if n <= 8 else [n - 8] + [1] * 8):
            chain.generate(chunk, BURN_ADDRESS)
            time.sleep(rng.uniform(0, 0.3))
            node.kill()
            kills.append(chain.rpc("getblockcount"))
            node.start()
            wait_synced(node, chain)

    our_force_close_with_htlcs_both_ways(node_factory, devchain, mine_and_kill, extra)
    assert len(kills) >= 20


@pytest.mark.parametrize("extra", CHANNEL_TYPES)
def test_peer_force_close_with_htlcs_both_ways(node_factory, devchain, extra):
    """b's commitment confirms with X and Y: a claims Y (b's) with the
    preimage and X (a's) after its expiry, straight from b's commitment
    (with option_anchors each claim waits a block: nSequence 1, and the
    to_remote is swept)."""
    a, b = chain_pair(node_factory, devchain, extra)
    open_channel(a, b, devchain)
    anchors = extra != STATIC
    x, y = htlcs_both_ways(a, b)
    [y_in] = [h for h in channel(a)["htlcs"] if h["direction"] == "in"]
    [x_out] = [h for h in channel(a)["htlcs"] if h["direction"] == "out"]
    assert a.stop() == 0
    commitment = close_unilaterally(b, a)
    assert b.stop() == 0
    mine(devchain, 1)
    a.start()
    wait_synced(a, devchain)
    view = wait_for(lambda: channel(a).get("onchain"), 10, what="a's resolver")
    assert view["close"] == "remote"
    wallet_kind = "to_remote_csv" if anchors else "to_wallet"
    assert sorted(o["kind"] for o in view["outputs"]) == sorted(
        ["their_htlc_success", "their_htlc_timeout", "theirs", wallet_kind]
        + ["anchor"] * (2 if anchors else 0))
    check_anchors_left(view, extra)
    [wallet] = [o for o in view["outputs"] if o["kind"] == wallet_kind]
    ours = {outpoint(wallet["outpoint"])}
    fees = 0
    if anchors:
        sweep = wait_mempool(devchain, lambda tx: spends(tx, *outpoint(wallet["outpoint"])),
                             "a's sweep of to_remote")
        assert sweep.inputs[0]["sequence"] == 1
        ours = {(sweep.txid(), 0)}

    a.rpc("dev-fulfillhtlc", [b.id, y_in["id"], y["preimage"]])
    claim = wait_mempool(devchain, lambda tx: any(i["txid"] == commitment.txid()
                                                  and i["witness"][1:2] == [
                                                      bytes.fromhex(y["preimage"])]
                                                  for i in tx.inputs), "a's claim of Y")
    assert claim.inputs[0]["sequence"] == (1 if anchors else 0xfffffffd)
    mine(devchain, 1, a)
    if anchors:
        fees += fee_of(devchain, sweep)
    mine_until(devchain, x_out["expiry"] - 1, a)
    mine(devchain, 1, a)
    timeout = wait_mempool(devchain, lambda tx: tx.locktime == x_out["expiry"],
                           "a's claim of X")
    assert timeout.inputs[0]["sequence"] == (1 if anchors else 0xfffffffd)
    mine(devchain, 1, a)
    ours |= {(claim.txid(), 0), (timeout.txid(), 0)}
    got = wait_for(lambda: wallet_coins_sat(a, ours) if all(
        any((f["txid"], f["output"]) == op for f in outputs(a)) for op in ours) else None,
                   10, what="a's claims in its wallet")
    fees += fee_of(devchain, claim) + fee_of(devchain, timeout)
    balance_sat = FUNDING_SAT - PUSH_MSAT // 1000
    assert got == balance_sat + 20000 - commitment_fee(commitment) - anchors_sat(extra) - fees
    # X fails upstream once its claim is 6 blocks deep (BOLT 5).
    mine(devchain, 4, a)
    assert "HTLC {} failed on chain".format(x["htlc_id"]) not in a.log()
    mine(devchain, 1, a)
    a.wait_for_log("HTLC {} failed on chain".format(x["htlc_id"]))


def forward_in_flight(node_factory, devchain, freeze, c_extra=()):
    """A -> B -> C (C with a 3 s group commit, so its fulfill lingers), A
    paying C's invoice in the background; once B's HTLC to C is
    irrevocably committed, freeze(b, c) runs before C's fulfill leaves.
    Returns (a, b, c, invoice, the pay future, the pool)."""
    a = chain_node(node_factory, devchain, "a", STATIC, funded=True)
    b = chain_node(node_factory, devchain, "b", STATIC, funded=True)
    c = chain_node(node_factory, devchain, "c", STATIC + ["--dev-commit-delay=3000"] + list(c_extra))
    for node in (a, b, c):
        wait_synced(node, devchain)
    open_channel(a, b, devchain, push_msat=0, others=(c,))
    open_channel(b, c, devchain, push_msat=0, others=(a,))
    wait_for(lambda: channel(c, b)["updates"].get("remote"), 10, what="B's channel_update at C")
    invoice = c.rpc("invoice", [30000000, "onchain", "settled on chain"])
    pool = concurrent.futures.ThreadPoolExecutor(1)
    paying = pool.submit(a.rpc, "pay", {"bolt11": invoice["bolt11"], "retry_for": 10}, 200)
    wait_for(lambda: any(h["state"] == "SENT_ADD_ACK_REVOCATION"
                         for h in channel(b, c)["htlcs"]), 30, interval=0.02,
             what="B's HTLC to C irrevocably committed")
    freeze(b, c)
    return a, b, c, invoice, paying, pool


def test_forward_settled_upstream_by_the_preimage_on_chain(node_factory, devchain):
    """B dies before C's fulfill reaches it; C force closes and claims the
    HTLC with its HTLC-success; B, back, learns the preimage from the chain
    and settles A's HTLC off chain: A's payment completes."""
    a, b, c, invoice, paying, pool = forward_in_flight(
        node_factory, devchain, lambda b, c: b.signal(signal.SIGSTOP))
    try:
        # C fulfils (the invoice is paid in the same commit), but B, frozen,
        # never reads it: it dies.
        wait_for(lambda: c.rpc("listinvoices", ["onchain"])["invoices"][0]["status"] == "paid",
                 30, interval=0.05, what="C's invoice paid")
        b.signal(signal.SIGKILL)
        b.kill()
        closed = c.rpc("close", [b.id, 1], 60)
        assert closed["type"] == "unilateral"
        commitment = Tx.parse(bytes.fromhex(closed["tx"]))
        wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
                 what="C's commitment in the mempool")
        mine(devchain, 1, c)
        success = wait_mempool(devchain, lambda tx: any(i["txid"] == commitment.txid()
                                                        for i in tx.inputs),
                               "C's HTLC-success")
        preimage = c.rpc("listinvoices", ["onchain"])["invoices"][0]["payment_preimage"]
        assert bytes.fromhex(preimage) in success.inputs[0]["witness"]
        mine(devchain, 1, c)
        b.start()
        wait_synced(b, devchain)
        b.wait_for_log("preimage learned on chain")
        paid = paying.result(120)
    finally:
        pool.shutdown(wait=False)
    assert paid["status"] == "complete" and paid["payment_preimage"] == preimage
    forwards = b.rpc("listforwards")["forwards"]
    assert [f["status"] for f in forwards] == ["settled"]


def test_forward_failed_upstream_once_its_timeout_is_deep(node_factory, devchain):
    """C freezes with the HTLC; B's HTLC to C expires, B's commitment and
    HTLC-timeout confirm, and once that is 6 deep B fails A's HTLC: A's
    payment fails (before A's own HTLC expires)."""
    a, b, c, invoice, paying, pool = forward_in_flight(
        node_factory, devchain, lambda b, c: c.signal(signal.SIGSTOP))
    try:
        [out] = channel(b, c)["htlcs"]
        [incoming] = channel(b, a)["htlcs"]
        assert incoming["expiry"] == out["expiry"] + 34
        mine_until(devchain, out["expiry"] + 1, a, b)
        commitment = wait_mempool(devchain, lambda tx: any(
            i["txid"] == channel(b, c)["funding_txid"] for i in tx.inputs), "B's commitment")
        mine(devchain, 1, a, b)
        timeout = wait_mempool(devchain, lambda tx: any(i["txid"] == commitment.txid()
                                                        for i in tx.inputs),
                               "B's HTLC-timeout")
        assert timeout.locktime == out["expiry"]
        mine(devchain, 5, a, b)
        assert "failed on chain" not in b.log()
        mine(devchain, 1, a, b)
        b.wait_for_log("HTLC {} failed on chain".format(out["id"]))
        with pytest.raises(RpcError):
            paying.result(120)
        assert blockheight(a) < incoming["expiry"]
        # The forward failed on chain; pay's retries found the channel closed.
        statuses = [f["status"] for f in b.rpc("listforwards")["forwards"]]
        assert statuses[0] == "failed" and set(statuses[1:]) <= {"local_failed"}
    finally:
        c.signal(signal.SIGCONT)
        pool.shutdown(wait=False)


def test_reorg_replaces_the_closing_transaction(node_factory, devchain):
    """a's commitment confirms, then a reorg takes its block out and b's
    commitment confirms instead: a's resolver forgets its to_local and
    follows b's commitment, whose to_remote is a's."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    balance_sat = channel(a)["to_us_msat"] // 1000
    assert b.stop() == 0
    ours = close_unilaterally(a, b)
    wait_for(lambda: ours.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    # b's commitment cannot enter the mempool, but b hands it over.
    assert a.stop() == 0
    b.start()
    theirs = close_unilaterally(b, a)
    assert b.stop() == 0
    a.start()
    mine(devchain, 1, a)
    height = blockheight(a)
    assert wait_for(lambda: channel(a).get("onchain"), 10, what="a's resolver")["close"] == "local"
    assert a.stop() == 0

    devchain.rpc("invalidateblock", [devchain.rpc("getblockhash", [height])])
    devchain.rpc("generateblock", [BURN_ADDRESS, [theirs.serialize().hex()]])
    mine(devchain, 1)
    a.start()
    wait_synced(a, devchain)
    view = wait_for(lambda: onchain(a)["close"] == "remote" and onchain(a), 10,
                    what="a's resolver to follow b's commitment")
    assert channel(a)["close_txid"] == theirs.txid()
    assert "delayed_to_us" not in [o["kind"] for o in view["outputs"]]
    [wallet] = [o for o in view["outputs"] if o["kind"] == "to_wallet"]
    assert wallet["amount_msat"] // 1000 == balance_sat - commitment_fee(theirs)
    assert wallet_coins_sat(a, {outpoint(wallet["outpoint"])}) == wallet["amount_msat"] // 1000
    # Nothing of a's old commitment is ever swept.
    mine(devchain, TO_SELF_DELAY + 1, a)
    assert not [tx for tx in mempool(devchain) if any(i["txid"] == ours.txid()
                                                      for i in tx.inputs)]


def test_forward_settled_while_the_payer_is_away_is_claimed_on_chain(node_factory, devchain):
    """A dies while C fulfils: B has the preimage (its forward settled) but
    cannot pass it to A.  B force closes its channel with A: its resolver
    claims A's HTLC on chain with that preimage (HTLC-success)."""
    a, b, c, invoice, paying, pool = forward_in_flight(
        node_factory, devchain, lambda b, c: None)
    try:
        a.kill()
        wait_for(lambda: [f["status"] for f in b.rpc("listforwards")["forwards"]] == ["settled"],
                 30, interval=0.1, what="B's forward settled")
        preimage = c.rpc("listinvoices", ["onchain"])["invoices"][0]["payment_preimage"]
        closed = b.rpc("close", [a.id, 1], 60)
        commitment = Tx.parse(bytes.fromhex(closed["tx"]))
        wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
                 what="B's commitment in the mempool")
        mine(devchain, 1, b)
        success = wait_mempool(devchain, lambda tx: any(i["txid"] == commitment.txid()
                                                        for i in tx.inputs),
                               "B's HTLC-success")
        assert bytes.fromhex(preimage) in success.inputs[0]["witness"]
        assert success.locktime == 0
    finally:
        pool.shutdown(wait=False)
