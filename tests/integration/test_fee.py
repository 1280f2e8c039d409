"""The commitment feerate between real ohmd processes on ohm-devchain and
with lnchannel.FunderChannel, a Python funder (BOLT 2 "Updating Fees"):
as funder ohm follows the chain's estimate with update_fee, at the next
block and after a reconnection; as fundee it answers a feerate beyond its
bounds with a `warning` and a disconnection, never a force close."""
import pytest

from chainutil import BURN_ADDRESS, wait_synced
from channelutil import channel, chain_node, mine, open_channel, wait_connected
from lnpeer import PeerDisconnected
from ohmtest import wait_for
from test_channel_hostile import connect, funded_by_python

FUNDING_SAT = 500000


def feerate(node, peer):
    return channel(node, peer)["feerate"]["perkw"]


def raise_estimate(node, devchain, perkw, *others):
    """A block whose transaction pays at least perkw: ohm-devchain's
    2-block estimate is the highest feerate of its last 10 blocks (a real
    bitcoind would need real fee pressure).  node's wallet pays it, 2% over
    for the vsize rounding."""
    node.rpc("withdraw", [BURN_ADDRESS, 100000, "{}perkw".format(perkw * 102 // 100)])
    mine(devchain, 1, node, *others)


def urgent_estimate_perkw(devchain):
    return int(devchain.rpc("estimatesmartfee", [2, "CONSERVATIVE"])["feerate"] * 1e8 / 4)


def test_funder_follows_the_estimate_within_one_block(node_factory, devchain):
    """A static_remotekey channel (--anchors=false), whose commitment pays
    the urgent estimate; an anchor channel's pays the slow one, at least
    1250 perkw (test_daemon_fee_policy, test_anchors)."""
    b = chain_node(node_factory, devchain, "b")
    a = chain_node(node_factory, devchain, "a", ["--anchors=false"], funded=True)
    wait_synced(b, devchain)
    open_channel(a, b, devchain, amount=FUNDING_SAT)
    wait_for(lambda: feerate(a, b) == feerate(b, a), 10, what="both sides to agree")
    before = feerate(a, b)

    # The estimate doubles: at that block a's update_fee follows, and both
    # sides' commitments carry it once signed.
    raise_estimate(a, devchain, 2 * before, b)
    target = urgent_estimate_perkw(devchain)
    assert target >= 2 * before
    wait_for(lambda: feerate(a, b) == feerate(b, a) == target, 15, interval=0.1,
             what="the channel's feerate to follow the estimate ({} -> {})".format(before, target))
    assert "update_fee from {} to {} perkw".format(before, target) in a.log()

    # Doubled again while b is away: a proposes it once reestablished.
    b.stop()
    raise_estimate(a, devchain, 2 * target)
    doubled = urgent_estimate_perkw(devchain)
    assert doubled >= 2 * target
    b.start()
    wait_synced(b, devchain)
    wait_connected(a, b)
    wait_for(lambda: feerate(a, b) == feerate(b, a) == doubled, 15, interval=0.1,
             what="the feerate to follow after the reconnection")
    assert channel(a, b)["state"] == channel(b, a)["state"] == "CHANNELD_NORMAL"


def python_funds(node_factory, devchain, extra=()):
    """ohmd, holding HTLCs, as fundee of a CHANNELD_NORMAL channel that a
    Python funder opened at 253 perkw.  Returns (node, FunderChannel)."""
    return funded_by_python(node_factory, devchain, FUNDING_SAT,
                            extra=["--dev-hold-htlcs"] + list(extra), feerate_per_kw=253)


def entry(node, ch):
    [found] = node.rpc("listpeerchannels", [ch.peer.local.pubkey.hex()])["channels"]
    return found


def state(node, ch):
    return entry(node, ch)["state"]


def test_update_fee_above_the_cap_warns_and_disconnects(node_factory, devchain):
    node, ch = python_funds(node_factory, devchain)
    assert entry(node, ch)["feerate"]["perkw"] == 253
    # The devchain's estimates are at the floor: the cap is 10 x 253.
    ch.send_update_fee(150000)
    channel_id, text = ch.receive_warning()
    assert channel_id == ch.channel_id
    assert "update_fee: feerate_per_kw 150000 is outside 253..2530" == text
    with pytest.raises(PeerDisconnected):
        ch.peer.recv_msg(10)
    wait_for(lambda: not entry(node, ch)["peer_connected"], 10, interval=0.1,
             what="ohm to see the disconnection")
    after = entry(node, ch)
    assert after["state"] == "CHANNELD_NORMAL" and after["feerate"]["perkw"] == 253
    assert "close_txid" not in after and devchain.rpc("getrawmempool") == []

    # Back again: the channel works, at the old feerate.
    ch.peer.close()
    ch.peer, _ = connect(node, local=ch.peer.local)
    ch.reestablish()
    height = devchain.rpc("getblockcount")
    htlc = ch.send_update_add_htlc(10000000, height + 144)
    ch.send_commitment_signed()
    ch.receive_revoke_and_ack()
    ch.receive_commitment_signed()
    ch.send_revoke_and_ack()
    wait_for(lambda: [h["state"] for h in entry(node, ch)["htlcs"]]
             == ["RCVD_ADD_ACK_REVOCATION"], 15, interval=0.1,
             what="the HTLC to be committed at ohm")
    assert entry(node, ch)["htlcs"][0]["payment_hash"] == htlc["payment_hash"].hex()
    assert state(node, ch) == "CHANNELD_NORMAL"
    assert entry(node, ch)["feerate"]["perkw"] == 253


def test_max_fee_multiplier_is_the_cap(node_factory, devchain):
    """--max-fee-multiplier=2: twice the urgent estimate (253) is accepted
    and signed into both commitments; one more is refused with a warning."""
    node, ch = python_funds(node_factory, devchain, extra=["--max-fee-multiplier=2"])
    ch.send_update_fee(507)
    _, text = ch.receive_warning()
    assert text == "update_fee: feerate_per_kw 507 is outside 253..506"
    with pytest.raises(PeerDisconnected):
        ch.peer.recv_msg(10)
    wait_for(lambda: not entry(node, ch)["peer_connected"], 10, interval=0.1,
             what="ohm to see the disconnection")
    ch.peer.close()
    ch.peer, _ = connect(node, local=ch.peer.local)
    ch.reestablish()

    ch.send_update_fee(506)
    ch.send_commitment_signed()
    ch.receive_revoke_and_ack()
    ch.receive_commitment_signed()
    ch.send_revoke_and_ack()
    wait_for(lambda: entry(node, ch)["feerate"]["perkw"] == 506, 15, interval=0.1,
             what="ohm's commitment to carry 506 perkw")
    assert state(node, ch) == "CHANNELD_NORMAL"
