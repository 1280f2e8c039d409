"""A mutual close the peer starts, through a real ohmd, with the Python
peer playing the other implementation's order of messages.

Core Lightning as funder sends update_fee, commitment_signed and shutdown
in one flight, and starts closing_signed as soon as both shutdowns are
exchanged and it owes and awaits no revocation.  BOLT 2: "if there are
updates pending on the receiving node's commitment transaction: MUST NOT
send a `shutdown`": ohm must answer revoke_and_ack, then sign the peer's
update into the peer's commitment, and only then send its shutdown.  Both
roles: the peer as funder (update_fee) and as fundee (a fulfill, as the
fundee cannot send update_fee).  Every signature is checked both ways; the
close must end with the agreed closing transaction in the mempool.

The same Python funder also opens a public channel to ohm, which accepts
it and announces it (test_announce.py)."""
import time

from chainutil import BURN_ADDRESS, mempool_tx, wait_synced
from lnchannel import LOCAL, REMOTE
from lnpeer import PeerTimeout
from ohmtest import wait_for
from test_channel_hostile import (FUNDING_SAT, PUSH_MSAT, funded_by_python, open_channel,
                                  peer_channel, peer_id, wait_state)


def answer_flight(channel):
    """ohm's answer to update + commitment_signed + shutdown: its
    revoke_and_ack, then its commitment_signed (checked), then its
    shutdown; anything else in between fails the test."""
    channel.receive_revoke_and_ack()
    channel.receive_commitment_signed()
    channel.receive_shutdown()
    channel.send_revoke_and_ack()


def check_closed(o_node, devchain, pyid, tx):
    """The closing transaction both signed is in the mempool, and the
    channel is closed mutually."""
    wait_for(lambda: tx.txid() in devchain.rpc("getrawmempool"), 30, interval=0.2,
             what="the closing transaction in the mempool")
    assert mempool_tx(devchain, tx.txid()).outputs == tx.outputs
    entry = wait_state(o_node, pyid, "CLOSINGD_COMPLETE")
    assert not any("AWAITING_UNILATERAL" in line for line in entry["status"])


def test_peer_fundee_fulfills_signs_and_shuts_down_in_one_flight(node_factory, devchain):
    """ohm the funder: the peer fulfills ohm's HTLC, signs and shuts down
    at once; ohm signs the fulfill back before its shutdown, then proposes
    the closing fee, which the peer takes."""
    o = open_channel(node_factory, devchain)
    channel, node = o.channel, o.node
    sent = node.rpc("dev-sendhtlc", [peer_id(o), 30000000])
    channel.receive_update_add_htlc()
    channel.receive_commitment_signed()
    channel.send_revoke_and_ack()
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()

    with channel.peer.flight():
        channel.send_update_fulfill_htlc(sent["htlc_id"], bytes.fromhex(sent["preimage"]))
        channel.send_commitment_signed()
        channel.send_shutdown()
    answer_flight(channel)
    fee, fee_range, tx = channel.receive_closing_signed()
    assert fee_range and fee_range[0] <= fee <= fee_range[1]
    channel.send_closing_signed(fee, fee_range=fee_range)
    check_closed(node, o.devchain, peer_id(o), tx)
    assert {out["value"] for out in tx.outputs} == {
        channel.balance_msat[LOCAL] // 1000, channel.balance_msat[REMOTE] // 1000 - fee}


def test_peer_funder_updates_fee_signs_and_shuts_down_in_one_flight(node_factory, devchain):
    """ohm the fundee, the peer doing what Core Lightning does: update_fee,
    commitment_signed, shutdown; ohm signs the new feerate into the peer's
    commitment before its shutdown, then takes the peer's closing fee."""
    node, channel = funded_by_python(node_factory, devchain, push_msat=PUSH_MSAT)
    pyid = channel.peer.local.pubkey.hex()
    assert peer_channel(node, pyid)["opener"] == "remote"

    with channel.peer.flight():
        channel.send_update_fee(channel.open["feerate_per_kw"] * 2)
        channel.send_commitment_signed()
        channel.send_shutdown()
    answer_flight(channel)
    assert channel.feerate == {LOCAL: 506, REMOTE: 506}

    # The funder proposes at once; ohm agrees to any fee in both ranges,
    # or counters within them and we take that.
    fee, ours = 1000, (200, FUNDING_SAT // 10)
    channel.send_closing_signed(fee, fee_range=ours)
    got, theirs, tx = channel.receive_closing_signed()
    if got != fee:
        assert ours[0] <= got <= ours[1] and theirs
        channel.send_closing_signed(got, fee_range=ours)
    check_closed(node, devchain, pyid, tx)


def test_peer_opens_a_public_channel(node_factory, devchain):
    """open_channel with announce_channel set: ohm accepts it (BOLT 2 gives
    no reason to refuse) and, at 6 confirmations, sends its
    announcement_signatures (test_announce.py checks them).  The channel
    works."""
    node, channel = funded_by_python(node_factory, devchain, push_msat=PUSH_MSAT,
                                     channel_flags=1)
    pyid = channel.peer.local.pubkey.hex()
    assert peer_channel(node, pyid)["private"] is False
    devchain.generate(6, BURN_ADDRESS)
    wait_synced(node, devchain)
    deadline = time.monotonic() + 3
    seen = []
    try:
        while time.monotonic() < deadline:
            seen.append(channel.peer.recv_msg(max(0.01, deadline - time.monotonic()))[0])
    except PeerTimeout:
        pass
    assert 259 in seen, seen
    assert peer_channel(node, pyid)["state"] == "CHANNELD_NORMAL"
