"""Anchor channels (option_anchors, BOLT 2 "Defined Channel Types", BOLT 3
with anchors) through real ohmd processes.

With the independent Python peer (lnchannel.py), both ohm's roles: every
commitment carries the two 330-sat anchors and the CSV-locked to_remote,
every HTLC signature is checked both ways as SIGHASH_SINGLE|
SIGHASH_ANYONECANPAY on zero-fee HTLC transactions (a wrong sighash on
either side fails the channel), HTLCs go both ways, and the mutual close
pays each side its balance to the satoshi.  An anchors open_channel is
refused without option_anchors negotiated, and takes the relay floor as
feerate.  Between two ohmd: an anchor channel by default, paid and closed
mutually, or force-closed with a commitment that carries both anchors and
confirms; --anchors=false on either side gives a static_remotekey
channel."""
import os
import re

import pytest

from btcverify import Tx
from chainutil import BURN_ADDRESS, backend_args, find_tx, fund, mempool_tx, wait_synced
from channelutil import (FUNDING_SAT, PUSH_MSAT, chain_node, channel, mine, open_channel,
                         wait_state)
from lnchannel import (ANCHOR_SAT, ANCHORS_TYPE, FUNDEE_INIT_FEATURES, LOCAL, REMOTE,
                       anchor_script, opener_cost_sat, p2wsh, sha256,
                       to_remote_anchors_script)
from lnchannel import FunderChannel
from lnpeer import bits_from_features
from ohmtest import listening_node, wait_for
from test_channel_hostile import FUNDING_SAT as PY_FUNDING_SAT
from test_channel_hostile import PUSH_MSAT as PY_PUSH_MSAT
from test_channel_hostile import (BackgroundRpc, connect, expiry, funded_by_python, ohm_adds,
                                  open_channel as open_python_fundee, peer_channel, peer_id)
from test_channels import chain_pair, pay

# option_anchors offered (optional) on top of what the Python peer sends.
ANCHORS_FEATURES = FUNDEE_INIT_FEATURES | {23}
ANCHORS_JSON = {"bits": [12, 22], "names": ["static_remotekey/even", "anchors/even"]}
STATIC_JSON = {"bits": [12], "names": ["static_remotekey/even"]}


def check_anchors_commitment(channel, commitment, owner):
    """owner's commitment (a lnchannel Commitment) has both anchors, to
    each side's funding key, and the to_remote with its 1-block CSV."""
    other = REMOTE if owner == LOCAL else LOCAL
    scripts = {o["script"]: o["value"] for o in commitment.tx.outputs}
    for side in (LOCAL, REMOTE):
        assert scripts[p2wsh(anchor_script(channel.params[side]["funding_pubkey"]))] == ANCHOR_SAT
    to_remote = p2wsh(to_remote_anchors_script(channel.params[other]["payment_basepoint"]))
    assert to_remote in scripts


def python_pays_ohm(channel, node, amount_msat, cltv_expiry):
    """The Python side offers an HTLC, ohm (--dev-hold-htlcs) fulfills it;
    every signature checked both ways."""
    preimage = os.urandom(32)
    ours = channel.send_update_add_htlc(amount_msat, cltv_expiry, payment_hash=sha256(preimage))
    theirs = channel.send_commitment_signed()
    assert len(theirs.htlc_outputs) == 1 and len(theirs.htlc_txs[0].outputs) == 1
    channel.receive_revoke_and_ack()
    _, commitment = channel.receive_commitment_signed()
    assert len(commitment.htlc_outputs) == 1
    channel.send_revoke_and_ack()
    pyid = channel.peer.local.pubkey.hex()
    wait_for(lambda: any(h["direction"] == "in" for h in peer_channel(node, pyid)["htlcs"]),
             what="the HTLC at ohm")
    node.rpc("dev-fulfillhtlc", [pyid, ours["id"], preimage.hex()])
    channel.receive_update_fulfill_htlc()
    channel.receive_commitment_signed()
    channel.send_revoke_and_ack()
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()


def ohm_pays_python(o, amount_msat):
    """ohm offers an HTLC (dev-sendhtlc), the Python side fulfills it."""
    channel = o.channel
    sent, ours = ohm_adds(o, amount_msat)
    # Zero-fee HTLC transaction: its output is the whole HTLC output.
    [(index, _, _)] = ours.htlc_outputs
    assert ours.htlc_txs[0].outputs[0]["value"] == ours.tx.outputs[index]["value"]
    assert ours.htlc_txs[0].inputs[0]["sequence"] == 1
    channel.send_revoke_and_ack()
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    channel.send_update_fulfill_htlc(sent["htlc_id"], bytes.fromhex(sent["preimage"]))
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    channel.receive_commitment_signed()
    channel.send_revoke_and_ack()


def legacy_close(channel, node, devchain):
    """ohm closes (closing_signed: the Python side offers no simple
    close); the Python side takes ohm's fee.  Returns (fee, closing tx)
    once it is in the mempool."""
    pyid = channel.peer.local.pubkey.hex()
    call = BackgroundRpc(node, "close", [pyid])
    channel.receive_shutdown()
    channel.send_shutdown()
    if channel.is_opener:
        fee = 2000
        channel.send_closing_signed(fee, fee_range=(253, PY_FUNDING_SAT // 10))
        got, _, tx = channel.receive_closing_signed()
        assert got == fee
    else:
        fee, fee_range, tx = channel.receive_closing_signed()
        assert fee_range and fee_range[0] <= fee <= fee_range[1]
        channel.send_closing_signed(fee, fee_range=fee_range)
    call.wait()
    wait_for(lambda: tx.txid() in devchain.rpc("getrawmempool"), 30, interval=0.2,
             what="the closing transaction in the mempool")
    assert mempool_tx(devchain, tx.txid()).outputs == tx.outputs
    return fee, tx


def test_ohm_opens_an_anchor_channel_to_the_python_peer(node_factory, devchain):
    """A peer offering option_anchors gets an anchors open_channel; the
    Python fundee checks each of ohm's signatures the BOLT 3 anchors way."""
    o = open_python_fundee(node_factory, devchain, features=ANCHORS_FEATURES,
                           accept_anchors=True)
    channel, node = o.channel, o.node
    assert channel.anchors and channel.open["tlvs"][1] == ANCHORS_TYPE
    # Our slow estimate, at least 5 sat/vB (Core Lightning's anchors rule).
    assert channel.open["feerate_per_kw"] == 1250
    assert peer_channel(node, peer_id(o))["channel_type"] == ANCHORS_JSON
    check_anchors_commitment(channel, channel.latest_commitment(LOCAL), LOCAL)

    ohm_pays_python(o, 30000000)
    python_pays_ohm(channel, node, 12345000, expiry(o))
    check_anchors_commitment(channel, channel.latest_commitment(LOCAL), LOCAL)
    entry = wait_for(lambda: not peer_channel(node, peer_id(o))["htlcs"] and
                     peer_channel(node, peer_id(o)), what="no HTLC left at ohm")
    assert entry["to_us_msat"] == PY_FUNDING_SAT * 1000 - PY_PUSH_MSAT - 30000000 + 12345000
    assert channel.balance_msat == {LOCAL: PY_PUSH_MSAT + 30000000 - 12345000,
                                    REMOTE: entry["to_us_msat"]}

    fee, tx = legacy_close(channel, node, devchain)
    # BOLT 3: each side gets its balance rounded down, the opener (ohm)
    # pays the fee; the anchors are gone with the commitment.
    assert sorted(out["value"] for out in tx.outputs) == sorted([
        channel.balance_msat[LOCAL] // 1000, channel.balance_msat[REMOTE] // 1000 - fee])


def test_python_peer_opens_an_anchor_channel_to_ohm(node_factory, devchain):
    """ohm as fundee accepts the anchors channel_type and signs the Python
    funder's commitments the anchors way; HTLCs both ways and a close."""
    node, channel = funded_by_python(node_factory, devchain, features=ANCHORS_FEATURES,
                                     extra=["--dev-hold-htlcs"], push_msat=PY_PUSH_MSAT,
                                     anchors=True, feerate_per_kw=1250)
    pyid = channel.peer.local.pubkey.hex()
    entry = peer_channel(node, pyid)
    assert entry["opener"] == "remote" and entry["channel_type"] == ANCHORS_JSON
    check_anchors_commitment(channel, channel.latest_commitment(LOCAL), LOCAL)
    # The funder pays the fee and both anchors.
    funder_out = (PY_FUNDING_SAT * 1000 - PY_PUSH_MSAT) // 1000 - opener_cost_sat(1250, 0, True)
    assert funder_out in [out["value"] for out in channel.latest_commitment(LOCAL).tx.outputs]

    python_pays_ohm(channel, node, 20000000, devchain.rpc("getblockcount") + 144)

    class Opened:
        pass
    o = Opened()
    o.channel, o.node, o.devchain = channel, node, devchain
    ohm_pays_python(o, 7654000)
    entry = wait_for(lambda: not peer_channel(node, pyid)["htlcs"] and
                     peer_channel(node, pyid), what="no HTLC left at ohm")
    assert entry["to_us_msat"] == PY_PUSH_MSAT + 20000000 - 7654000
    assert channel.balance_msat[REMOTE] == entry["to_us_msat"]

    fee, tx = legacy_close(channel, node, devchain)
    assert sorted(out["value"] for out in tx.outputs) == sorted([
        channel.balance_msat[LOCAL] // 1000 - fee, channel.balance_msat[REMOTE] // 1000])


def close_to_the_satoshi(a, b, devchain, funded, a_msat, b_msat):
    """b closes mutually; the closing transaction pays each its balance
    (rounded down), the closer its share of the fee."""
    closed = b.rpc("close", [a.id])
    assert closed["type"] == "mutual"
    wait_state(a, "CLOSINGD_COMPLETE")
    mine(devchain, 1, a, b)
    wait_state(a, "ONCHAIN")
    wait_state(b, "ONCHAIN")
    assert channel(a)["close_txid"] == channel(b)["close_txid"]
    close_tx = find_tx(devchain, channel(a)["close_txid"])[1]
    assert close_tx.inputs[0]["txid"] == funded["txid"]
    leftover = FUNDING_SAT - a_msat // 1000 - b_msat // 1000
    close_fee = FUNDING_SAT - sum(o["value"] for o in close_tx.outputs) - leftover
    assert 0 < close_fee < 5000
    # option_simple_close: whoever's closing transaction confirmed paid
    # its fee; the other gets its whole balance.
    values = sorted(o["value"] for o in close_tx.outputs)
    assert values in (sorted([a_msat // 1000 - close_fee, b_msat // 1000]),
                      sorted([a_msat // 1000, b_msat // 1000 - close_fee]))
    return close_tx


def test_ohmd_to_ohmd_anchor_channel_pays_and_closes(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    funded = open_channel(a, b, devchain)
    assert funded["channel_type"] == ANCHORS_JSON
    assert channel(a)["channel_type"] == channel(b)["channel_type"] == ANCHORS_JSON
    pay(a, b, 22222000)
    pay(b, a, 1111000)
    a_msat, b_msat = channel(a)["to_us_msat"], channel(b)["to_us_msat"]
    assert a_msat == FUNDING_SAT * 1000 - PUSH_MSAT - 22222000 + 1111000
    assert b_msat == PUSH_MSAT + 22222000 - 1111000
    close_to_the_satoshi(a, b, devchain, funded, a_msat, b_msat)


def test_anchors_false_on_either_side(node_factory, devchain):
    """--anchors=false on the funder or on the fundee: option_anchors is
    not negotiated, so the channel is static_remotekey; listconfigs shows
    the option."""
    for off in ("a", "b"):
        extra = {"a": (), "b": ()}
        extra[off] = ("--anchors=false",)
        b = chain_node(node_factory, devchain, "b" + off, ["--dev-hold-htlcs"] + list(extra["b"]))
        a = chain_node(node_factory, devchain, "a" + off, ["--dev-hold-htlcs"] + list(extra["a"]),
                       funded=True)
        wait_synced(b, devchain)
        node_off = a if off == "a" else b
        for node in (a, b):
            shown = node.rpc("listconfigs")["configs"]["anchors"]
            assert shown["set"] is (node is not node_off), shown
        funded = open_channel(a, b, devchain)
        assert funded["channel_type"] == STATIC_JSON
        assert channel(a)["channel_type"] == channel(b)["channel_type"] == STATIC_JSON
        pay(a, b, 5000000)
        close_to_the_satoshi(a, b, devchain, funded, channel(a)["to_us_msat"],
                             channel(b)["to_us_msat"])


@pytest.mark.parametrize("case", ["not_offered_by_the_peer", "anchors_false"])
def test_anchors_open_refused_when_not_negotiated(node_factory, devchain, case):
    """BOLT 2: the fundee fails the channel if "the `channel_type` is not
    suitable": an anchors open_channel from a peer that did not offer
    option_anchors in init, or to an ohmd run with --anchors=false (which
    then does not offer bit 23 itself).  Nothing is left behind."""
    extra = ["--anchors=false"] if case == "anchors_false" else []
    features = ANCHORS_FEATURES if case == "anchors_false" else FUNDEE_INIT_FEATURES
    node = listening_node(node_factory, "fundee", extra=backend_args(devchain) + extra)
    peer, init = connect(node, features=features)
    offered = bits_from_features(init["features"])
    assert (23 in offered) == (case != "anchors_false") and 22 not in offered
    channel = FunderChannel(peer)
    opened = channel.send_open(PY_FUNDING_SAT, anchors=True, feerate_per_kw=1250)
    channel_id, text = channel.expect_error()
    assert channel_id == opened["temporary_channel_id"]
    assert "open_channel: channel_type option_anchors is not allowed" in text, text
    assert node.rpc("listpeerchannels")["channels"] == []
    peer.close()


def test_anchors_feerate_floor(node_factory, devchain):
    """An anchor channel's commitment can be fee-bumped through its
    anchor, so ohm as fundee takes a feerate at the relay floor (253)
    where a static_remotekey open needs half the slow estimate."""
    node = listening_node(node_factory, "fundee", extra=backend_args(devchain))
    fund(node, devchain)
    # ohm-devchain's slow estimate: the median feerate of its last blocks.
    node.rpc("withdraw", [BURN_ADDRESS, 100000, "5000perkw"])
    mine(devchain, 1, node)
    for anchors in (False, True):
        peer, _ = connect(node, features=ANCHORS_FEATURES)
        channel = FunderChannel(peer)
        channel.send_open(PY_FUNDING_SAT, anchors=anchors, feerate_per_kw=253)
        if anchors:
            accepted = channel.receive_accept()
            assert accepted["tlvs"][1] == ANCHORS_TYPE
        else:
            _, text = channel.expect_error()
            assert re.search(r"feerate_per_kw 253 is outside (\d+)\.\.", text), text
            assert int(re.search(r"outside (\d+)", text).group(1)) > 2000
        peer.close()


def test_anchors_commitment_confirms_with_both_anchors(node_factory, devchain):
    """ohmd's force close of an anchor channel: the commitment it
    broadcasts (its fee bump through the anchor: test_anchor_cpfp) pays
    the fee at the anchors weight and 330 sat to an anchor for each
    funding key (read from the 2-of-2 in its witness), the rest to each
    side exactly, and ohm-devchain's script checks take it."""
    a, b = chain_pair(node_factory, devchain)
    funded = open_channel(a, b, devchain)
    feerate = channel(a)["feerate"]["perkw"]
    assert b.stop() == 0
    closed = a.rpc("close", [b.id, 1], 60)
    assert closed["type"] == "unilateral"
    tx = Tx.parse(bytes.fromhex(closed["tx"]))
    assert tx.inputs[0]["txid"] == funded["txid"]
    witness_script = tx.inputs[0]["witness"][-1]
    # 2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG
    funding_keys = [witness_script[2:35], witness_script[36:69]]
    values = {o["script"]: o["value"] for o in tx.outputs}
    assert len(tx.outputs) == 4
    for key in funding_keys:
        assert values.pop(p2wsh(anchor_script(key))) == ANCHOR_SAT
    fee = 1124 * feerate // 1000
    assert sorted(values.values()) == sorted([
        PUSH_MSAT // 1000, FUNDING_SAT - PUSH_MSAT // 1000 - fee - 2 * ANCHOR_SAT])
    assert all(len(script) == 34 and script[:2] == b"\x00\x20" for script in values)
    wait_for(lambda: tx.txid() in devchain.rpc("getrawmempool"), 30, interval=0.2,
             what="the commitment in the mempool")
    mine(devchain, 1, a)
    assert find_tx(devchain, tx.txid()) is not None
    wait_state(a, "ONCHAIN")


def test_anchors_funder_follows_the_slow_estimate(node_factory, devchain):
    """As funder of an anchor channel ohm proposes the slow estimate with
    update_fee once it is 10% or more above the channel's 1250 perkw (the
    floor).  ohm-devchain's urgent estimate is no lower here;
    test_daemon_fee_policy tells the two targets apart."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    assert channel(a)["feerate"]["perkw"] == channel(b)["feerate"]["perkw"] == 1250
    # ohm-devchain's slow estimate is the median feerate of its last
    # blocks' transactions: the funding one and this one.
    a.rpc("withdraw", [BURN_ADDRESS, 100000, "4080perkw"])  # 2% for vsize rounding
    mine(devchain, 1, a, b)
    slow = int(devchain.rpc("estimatesmartfee", [100, "ECONOMICAL"])["feerate"] * 1e8 / 4)
    urgent = int(devchain.rpc("estimatesmartfee", [2, "CONSERVATIVE"])["feerate"] * 1e8 / 4)
    assert slow >= 4000
    wait_for(lambda: channel(a)["feerate"]["perkw"] == channel(b)["feerate"]["perkw"] == slow,
             15, interval=0.1, what="the channel's feerate to follow the slow estimate")
    assert "update_fee from 1250 to {} perkw".format(slow) in a.log()
    assert urgent >= slow
