"""A channel's funding output spent by the peer's commitment while ohm was
away: BOLT 5 says the channel is closed, whatever the connection.  ohm must
end it at start-up (ONCHAIN), keep it out of payments and invoice route
hints, credit our to_remote output (static_remotekey: a P2WPKH to our
payment_basepoint) to the wallet and be able to spend it, and stop
re-sending its own commitment once the peer's has won.  The channels are
static_remotekey (--anchors=false): these tests check that the to_remote
is a wallet coin the moment the commitment confirms, which only a P2WPKH
is; an anchor channel's to_remote (with its 1-block CSV) reaches the
wallet through the on-chain resolver's sweep (test_onchain.py)."""
import hashlib
import os
import re
import time

import pytest

import test_channel_hostile as hostile
from btcverify import Tx
from chainutil import BURN_ADDRESS, find_tx, outputs, wait_synced
from channelutil import FUNDING_SAT, PUSH_MSAT, chain_node, channel, mine, open_channel
from lnchannel import (LOCAL, REMOTE, commitment_sighash, der_encode, ecdsa_sign,
                       funding_witness, parse_compact_sig)
from ohmtest import RpcError, wait_for
from test_channels import chain_pair

RESEND_ERROR = re.compile(r"re-sending a transaction: bitcoind says -25")
STATIC = ["--anchors=false"]
# channel/state.h CHANNEL_ONCHAIN_REASONABLE_DEPTH.
CHANNEL_REASONABLE_DEPTH = 6


def close_unilaterally(node, peer):
    """node's close with its peer away: after one second it broadcasts its
    commitment.  Returns the commitment, parsed."""
    closed = node.rpc("close", [peer.id, 1], 60)
    assert closed["type"] == "unilateral"
    return Tx.parse(bytes.fromhex(closed["tx"]))


def to_remote_sat(commitment):
    """What the funder (ohm's a, who pushed PUSH_MSAT) gets on the fundee's
    commitment: its balance less the commitment fee, which it pays."""
    fee = FUNDING_SAT - sum(o["value"] for o in commitment.outputs)
    return FUNDING_SAT - PUSH_MSAT // 1000 - fee


def test_peer_commitment_confirmed_while_down_ends_the_channel(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain, STATIC)
    funded = open_channel(a, b, devchain)
    # b's channel_update reached a: a's invoices carry the channel as a hint.
    wait_for(lambda: "routes" in a.rpc("decode", [a.rpc("invoice", [1000, "before", "x"])
                                                  ["bolt11"]]), 30,
             what="a route hint in a's invoice")
    b_invoice = b.rpc("invoice", [5000000, "b-invoice", "to pay over the dead channel"])
    assert a.stop() == 0
    commitment = close_unilaterally(b, a)
    assert commitment.inputs[0]["txid"] == funded["txid"]
    assert b.stop() == 0
    mine(devchain, 1)
    spend_txid = commitment.txid()
    assert find_tx(devchain, spend_txid) is not None

    # a comes back; b stays away: the chain alone ends the channel.
    a.start()
    wait_synced(a, devchain)
    ch = channel(a)
    assert ch["state"] == "ONCHAIN", ch["status"]
    assert ch["close_txid"] == spend_txid
    assert "ONCHAIN:Funding output spent by " + spend_txid + " at block" in "\n".join(ch["status"])
    a.wait_for_log("funding output spent by " + spend_txid)
    # It stays so across a restart.
    assert a.stop() == 0
    a.start()
    wait_synced(a, devchain)
    assert channel(a)["state"] == "ONCHAIN"

    # Neither route hints nor payments use it: pay fails at once.
    decoded = a.rpc("decode", [a.rpc("invoice", [1000, "after", "x"])["bolt11"]])
    assert "routes" not in decoded
    start = time.monotonic()
    with pytest.raises(RpcError) as info:
        a.rpc("pay", {"bolt11": b_invoice["bolt11"], "retry_for": 30}, 60)
    assert time.monotonic() - start < 10
    assert info.value.code in (205, 210), info.value

    # Our to_remote output is in the wallet...
    mine_out = [o for o in outputs(a) if o["txid"] == spend_txid]
    assert len(mine_out) == 1, outputs(a)
    out = mine_out[0]
    assert out["status"] == "confirmed"
    assert out["amount_msat"] == to_remote_sat(commitment) * 1000
    assert commitment.outputs[out["output"]]["script"].hex() == out["scriptpubkey"]
    assert out["scriptpubkey"].startswith("0014")
    # ... and spendable: withdraw exactly it, and see that confirm.
    sent = a.rpc("withdraw", [BURN_ADDRESS, "all", "normal", 1,
                              ["{}:{}".format(spend_txid, out["output"])]])
    tx = Tx.parse(bytes.fromhex(sent["tx"]))
    assert [(i["txid"], i["vout"]) for i in tx.inputs] == [(spend_txid, out["output"])]
    wait_for(lambda: sent["txid"] in devchain.rpc("getrawmempool"), 10,
             what="the withdrawal in the mempool")
    mine(devchain, 1, a)
    assert find_tx(devchain, sent["txid"]) is not None
    spent = [o for o in outputs(a, spent=True) if o["txid"] == spend_txid]
    assert spent[0]["status"] == "spent"


def test_losing_commitment_is_not_re_sent_forever(node_factory, devchain):
    """a's commitment is in the mempool, then b's confirms instead (mined by
    hand, evicting a's): a stops re-sending its own."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    funded = open_channel(a, b, devchain)
    assert b.stop() == 0
    ours = close_unilaterally(a, b)
    wait_for(lambda: ours.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    assert a.stop() == 0
    b.start()
    # b's own commitment cannot enter the mempool (a's holds the funding
    # output), but b hands it over.
    theirs = close_unilaterally(b, a)
    assert theirs.inputs[0]["txid"] == funded["txid"] and theirs.txid() != ours.txid()
    assert b.stop() == 0
    devchain.rpc("generateblock", [BURN_ADDRESS, [theirs.serialize().hex()]])
    assert ours.txid() not in devchain.rpc("getrawmempool")

    a.start()
    wait_synced(a, devchain)
    wait_for(lambda: channel(a)["state"] == "ONCHAIN", 10, what="a's channel ONCHAIN")
    assert channel(a)["close_txid"] == theirs.txid()
    a.wait_for_log("transaction {} conflicts with {}, confirmed in block .*: no longer re-sent"
                   .format(ours.txid(), theirs.txid()))
    before = len(RESEND_ERROR.findall(a.log()))
    for _ in range(4):
        mine(devchain, 1, a)
        time.sleep(1.5)
    after = len(RESEND_ERROR.findall(a.log()))
    assert after - before == 0, "a re-sent its losing commitment {} times".format(after - before)
    assert after <= 1
    # The wallet has a's to_remote from b's commitment.
    assert [o["amount_msat"] for o in outputs(a) if o["txid"] == theirs.txid()] \
        == [to_remote_sat(theirs) * 1000]


def test_live_force_close_with_an_htlc_in_flight(node_factory, devchain):
    """Both up: b force-closes with a's HTLC in flight.  a hears of the
    spend in the mempool, ends the channel at the block, keeps the HTLC
    (b's commitment has an output for it: only the chain settles it now),
    and stops re-sending its own commitment, which lost."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    sent = a.rpc("dev-sendhtlc", [b.id, 5000000])
    wait_for(lambda: [h["state"] for h in channel(b)["htlcs"]] == ["RCVD_ADD_ACK_REVOCATION"],
             30, interval=0.05, what="the HTLC to be committed at b")
    theirs = close_unilaterally(b, a)
    wait_for(lambda: theirs.txid() in devchain.rpc("getrawmempool"), 10,
             what="b's commitment in the mempool")
    a.wait_for_log("funding output spent in the mempool by " + theirs.txid())
    mine(devchain, 1, a)
    wait_for(lambda: channel(a)["state"] == "ONCHAIN", 10, what="a's channel ONCHAIN")
    assert channel(a)["close_txid"] == theirs.txid()
    before = len(RESEND_ERROR.findall(a.log()))
    mine(devchain, 7, a)
    time.sleep(1.5)
    assert len(RESEND_ERROR.findall(a.log())) == before
    htlcs = channel(a)["htlcs"]
    assert [h["payment_hash"] for h in htlcs] == [sent["payment_hash"]]
    assert not re.search(r"HTLC out 0 .* was failed", a.log())
    assert [o["amount_msat"] for o in outputs(a) if o["txid"] == theirs.txid()] \
        == [(to_remote_sat(theirs) - 5000) * 1000]


def send_to_peer(o, amount_msat):
    """sendpay straight to the Python fundee over the channel; the fundee
    takes the update_add_htlc and ohm's commitment_signed.  Returns
    (payment_hash, ohm's commitment_signed, our commitment it signs)."""
    payment_hash = hashlib.sha256(os.urandom(32)).hexdigest()
    entry = hostile.peer_channel(o.node, hostile.peer_id(o))
    route = [{"id": hostile.peer_id(o), "channel": entry["short_channel_id"],
              "amount_msat": amount_msat, "delay": hostile.expiry(o)}]
    o.node.rpc("sendpay", [route, payment_hash])
    o.channel.receive_update_add_htlc()
    signed, ours = o.channel.receive_commitment_signed()
    return payment_hash, signed, ours


def signed_commitment(channel, commitment, ohm_signature):
    """Our commitment with both signatures, ready to broadcast."""
    digest = commitment_sighash(commitment.tx, channel.funding_script, channel.funding_sat)
    ours = der_encode(*ecdsa_sign(channel.funding_secret, digest)) + b"\x01"
    theirs = der_encode(*parse_compact_sig(ohm_signature)) + b"\x01"
    commitment.tx.inputs[0]["witness"] = funding_witness(
        channel.funding_script, ours, channel.params[LOCAL]["funding_pubkey"],
        theirs, channel.params[REMOTE]["funding_pubkey"])
    return commitment.tx


def payment_status(node, payment_hash):
    [payment] = node.rpc("listsendpays", {"payment_hash": payment_hash})["payments"]
    return payment["status"]


def test_peer_previous_commitment_fails_only_what_it_lacks(node_factory, devchain):
    """The Python fundee takes ohm's second payment and its commitment_signed
    but never revokes, then broadcasts its previous commitment (still
    valid): the first payment is in it (the peer may yet claim it with the
    preimage: it stays pending), the second is not but is in the peer's
    latest, so it fails once the spend is 6 blocks deep (BOLT 5)."""
    o = hostile.open_channel(node_factory, devchain)
    channel = o.channel
    first, first_signed, previous = send_to_peer(o, 20000000)
    channel.send_revoke_and_ack()
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    second, _, _ = send_to_peer(o, 30000000)
    assert payment_status(o.node, first) == payment_status(o.node, second) == "pending"

    tx = signed_commitment(channel, previous, first_signed["signature"])
    devchain.rpc("sendrawtransaction", [tx.serialize().hex()])
    o.node.wait_for_log("funding output spent in the mempool by " + tx.txid())
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(o.node, devchain)
    entry = hostile.wait_state(o.node, hostile.peer_id(o), "ONCHAIN")
    assert entry["close_txid"] == tx.txid()
    o.node.wait_for_log("funding output spent by {} \\(the peer's previous commitment\\)"
                        .format(tx.txid()))
    # Not deep enough yet: a reorg could still confirm the peer's latest.
    devchain.generate(4, BURN_ADDRESS)
    wait_synced(o.node, devchain)
    time.sleep(1)
    assert payment_status(o.node, second) == "pending"
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(o.node, devchain)
    wait_for(lambda: payment_status(o.node, second) == "failed", 10,
             what="the second payment to fail")
    with pytest.raises(RpcError) as info:
        o.node.rpc("waitsendpay", [second, 5])
    assert info.value.code == 204
    # The first one waits for the chain (issue 13), even much deeper.
    devchain.generate(10, BURN_ADDRESS)
    wait_synced(o.node, devchain)
    assert payment_status(o.node, first) == "pending"
    assert [h["payment_hash"] for h in hostile.peer_channel(o.node, hostile.peer_id(o))["htlcs"]] \
        == [first]


def test_forward_not_in_the_spending_commitment_fails_upstream(node_factory, devchain):
    """a pays through b to the Python node c; c takes the forwarded HTLC
    and b's commitment_signed, never revokes, and broadcasts its previous
    commitment.  Once that is 6 blocks deep, b fails the forward back to a
    (a temporary channel failure at b), as it would its own payment."""
    o = hostile.open_channel(node_factory, devchain)
    b, c = o.node, o.channel
    # A first HTLC from b, committed both ways: c's commitment #1.
    b.rpc("dev-sendhtlc", [hostile.peer_id(o), 10000000])
    c.receive_update_add_htlc()
    first_signed, previous = c.receive_commitment_signed()
    c.send_revoke_and_ack()
    c.send_commitment_signed()
    c.receive_revoke_and_ack()

    a = chain_node(node_factory, devchain, "a", funded=True)
    open_channel(a, b, devchain)
    amount = 20000000
    payment_hash = hashlib.sha256(os.urandom(32)).hexdigest()
    final = a.rpc("getinfo")["blockheight"] + 19
    route = [{"id": b.id, "channel": channel(a, b)["short_channel_id"],
              "amount_msat": amount + 1000 + amount * 10 // 1000000, "delay": final + 34},
             {"id": hostile.peer_id(o),
              "channel": hostile.peer_channel(b, hostile.peer_id(o))["short_channel_id"],
              "amount_msat": amount, "delay": final}]
    a.rpc("sendpay", [route, payment_hash])
    added = c.receive_update_add_htlc()
    assert added["amount_msat"] == amount
    c.receive_commitment_signed()

    tx = signed_commitment(c, previous, first_signed["signature"])
    devchain.rpc("sendrawtransaction", [tx.serialize().hex()])
    devchain.generate(CHANNEL_REASONABLE_DEPTH - 1, BURN_ADDRESS)
    wait_synced(b, devchain)
    wait_synced(a, devchain)
    assert hostile.peer_channel(b, hostile.peer_id(o))["state"] == "ONCHAIN"
    time.sleep(1)
    assert payment_status(a, payment_hash) == "pending"
    devchain.generate(1, BURN_ADDRESS)
    with pytest.raises(RpcError) as info:
        a.rpc("waitsendpay", [payment_hash, 30])
    assert info.value.code == 204
    assert info.value.data["erring_node"] == b.id
    assert info.value.data["failcode"] == 0x1000 | 7  # temporary_channel_failure
    assert payment_status(a, payment_hash) == "failed"
    # a's channel with b is untouched: the HTLC is gone from it.
    wait_for(lambda: channel(a, b)["htlcs"] == [], 10, what="a's HTLC to be gone")
    assert channel(a, b)["state"] == "CHANNELD_NORMAL"
