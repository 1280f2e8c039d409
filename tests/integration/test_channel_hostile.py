"""Channels between ohmd (the funder) and lnchannel.FundeeChannel, an
independent Python fundee: every signature ohm makes is checked against
commitment and HTLC transactions built from BOLT 3 in Python, and ohm
must accept the Python side's.  A hostile fundee then proves ohm fails
the channel as BOLT 2 says: a bad accept_channel ends the open with an
`error` and nothing broadcast; a bad update_add_htlc, commitment_signed
or revoke_and_ack ends a working channel with an `error` naming it, ohm's
latest commitment transaction broadcast and confirmed, and the failed
channel kept as it was across a restart."""
import os
import re
import threading
import time
from collections import namedtuple

import pytest

from btcverify import Tx, parse_der
from chainutil import BURN_ADDRESS, backend_args, find_tx, fund, mempool_tx, raw_block, wait_synced
from lnchannel import (FUNDEE_INIT_FEATURES, LOCAL, REMOTE, FundeeChannel, FunderChannel,
                       commitment_fee_sat, ecdsa_sign,
                       commitment_sighash, compact_sig, der_encode, funding_witness, p2wsh,
                       parse_compact_sig, per_commitment_secret, pubkey_of, sha256,
                       verify_compact)
from lnpeer import (REGTEST_CHAIN_HASH, Keypair, LnPeer, PeerTimeout, bits_from_features,
                    features_from_bits, listen)
from ohmtest import RpcError, listening_node, wait_for

FUNDING_SAT = 1000000
PUSH_MSAT = 100000000
MINIMUM_DEPTH = 3

# An open channel: the ohmd node, its chain, the Python fundee, and what
# fundchannel answered.
Opened = namedtuple("Opened", "node devchain channel funded")


class BackgroundRpc(threading.Thread):
    """An RPC call that blocks until the Python peer has played its part."""

    def __init__(self, node, method, params):
        super().__init__(daemon=True)
        self.node, self.method, self.params = node, method, params
        self.result = self.error = None
        self.start()

    def run(self):
        try:
            self.result = self.node.rpc(self.method, self.params, timeout=120)
        except Exception as e:      # handed to the test thread by wait()
            self.error = e

    def wait(self, timeout=120):
        self.join(timeout)
        assert not self.is_alive(), "{} did not return".format(self.method)
        if self.error:
            raise self.error
        return self.result


def peer_channel(node, peer_id):
    [entry] = node.rpc("listpeerchannels", [peer_id])["channels"]
    return entry


def wait_state(node, peer_id, state, timeout=30):
    """The channel's listpeerchannels entry once it is in state."""
    seen = []

    def reached():
        seen[:] = [peer_channel(node, peer_id)]
        return seen[0]["state"] == state and seen[0]
    try:
        return wait_for(reached, timeout, interval=0.1, what="channel to be " + state)
    except TimeoutError as e:
        raise TimeoutError("{}; last seen {}".format(e, seen)) from None


def connect(node, local=None, features=FUNDEE_INIT_FEATURES):
    """The Python node's connection to ohmd, past init (offering the
    feature bits features)."""
    peer = LnPeer.connect("127.0.0.1", node.port, node.id, local=local)
    return peer, peer.exchange_init(features, networks=[REGTEST_CHAIN_HASH])


def peer_id(o):
    return o.channel.peer.local.pubkey.hex()


def dialled_by(node, listener):
    """ohmd connects to the Python node listening on listener (so ohmd is
    the side that redials); returns the Python side's LnPeer past init."""
    local = Keypair.generate()
    host, port = listener.getsockname()
    call = BackgroundRpc(node, "connect", [local.pubkey.hex(), host, port])
    peer = LnPeer.accept(listener, local, timeout=30)
    peer.exchange_init(FUNDEE_INIT_FEATURES, networks=[REGTEST_CHAIN_HASH])
    call.wait()
    return peer


def start_funding(node_factory, devchain, push_msat=PUSH_MSAT, minimum_depth=MINIMUM_DEPTH,
                  listener=None, features=FUNDEE_INIT_FEATURES, accept_anchors=False,
                  extra=()):
    """A funded ohmd (started with extra) with a Python fundee connected
    (by ohmd, to listener, if given); fundchannel runs until
    funding_signed, the Python side checking ohm's open_channel and its
    signature on our commitment #0 on the way.  Returns Opened."""
    node = listening_node(node_factory, "funder",
                          extra=backend_args(devchain) + ["--dev-hold-htlcs"] + list(extra))
    fund(node, devchain)
    peer = dialled_by(node, listener) if listener else connect(node, features=features)[0]
    channel = FundeeChannel(peer, minimum_depth=minimum_depth, accept_anchors=accept_anchors)
    call = BackgroundRpc(node, "fundchannel", {"id": peer.local.pubkey.hex(),
                                               "amount": FUNDING_SAT, "push_msat": push_msat})
    opened = channel.accept_open()
    assert opened["funding_satoshis"] == FUNDING_SAT and opened["push_msat"] == push_msat
    channel.receive_funding_created()
    # BOLT 2: the funder MUST NOT broadcast before a valid funding_signed.
    assert channel.funding_txid not in devchain.rpc("getrawmempool")
    channel.send_funding_signed()
    funded = call.wait()

    # What fundchannel answers agrees with funding_created, and its output
    # pays the 2-of-2 of both funding keys.
    assert funded["txid"] == channel.funding_txid and funded["outnum"] == channel.funding_outnum
    assert funded["channel_id"] == channel.channel_id.hex()
    assert funded["channel_type"]["bits"] == ([12, 22] if channel.anchors else [12])
    tx = Tx.parse(bytes.fromhex(funded["tx"]))
    assert tx.txid() == funded["txid"]
    assert tx.outputs[funded["outnum"]] == {"value": FUNDING_SAT,
                                            "script": p2wsh(channel.funding_script)}
    wait_for(lambda: funded["txid"] in devchain.rpc("getrawmempool"), 10,
             what="the funding transaction in the mempool")
    return Opened(node, devchain, channel, funded)


def open_channel(node_factory, devchain, **kwargs):
    """start_funding, then minimum_depth blocks and channel_ready both ways:
    a CHANNELD_NORMAL channel."""
    o = start_funding(node_factory, devchain, **kwargs)
    o.devchain.generate(o.channel.minimum_depth, BURN_ADDRESS)
    o.channel.send_channel_ready()
    o.channel.receive_channel_ready()
    wait_state(o.node, peer_id(o), "CHANNELD_NORMAL")
    return o


def funded_by_python(node_factory, devchain, funding_sat=FUNDING_SAT, extra=(),
                     features=FUNDEE_INIT_FEATURES, **open_overrides):
    """The other direction: lnchannel.FunderChannel, a Python funder,
    opens a channel of funding_sat (open_overrides go to send_open) to a
    fresh ohmd started with extra, and both reach CHANNELD_NORMAL.  ohm's
    own wallet pays the funding output (withdraw: any transaction paying
    the 2-of-2 does).  Returns (node, FunderChannel)."""
    node = listening_node(node_factory, "fundee", extra=backend_args(devchain) + list(extra))
    fund(node, devchain)
    peer, _ = connect(node, features=features)
    channel = FunderChannel(peer)
    channel.send_open(funding_sat, **open_overrides)
    channel.receive_accept()
    paid = node.rpc("withdraw", [channel.funding_address(), funding_sat])
    [outnum] = [i for i, out in enumerate(Tx.parse(bytes.fromhex(paid["tx"])).outputs)
                if out == {"value": funding_sat, "script": p2wsh(channel.funding_script)}]
    channel.send_funding_created(paid["txid"], outnum)
    channel.receive_funding_signed()
    devchain.generate(channel.minimum_depth, BURN_ADDRESS)
    channel.send_channel_ready()
    channel.receive_channel_ready()
    wait_state(node, peer.local.pubkey.hex(), "CHANNELD_NORMAL")
    return node, channel


def test_channels_awaiting_their_funding_are_bounded_per_peer(node_factory, devchain):
    """A channel opened to us with a funding outpoint that never confirms
    costs the peer nothing and us a row for 2016 blocks: a peer may have 4
    such; its next open_channel gets a warning and the connection closed."""
    node = listening_node(node_factory, "fundee", extra=backend_args(devchain))
    peer, _ = connect(node, features=FUNDEE_INIT_FEATURES)
    for k in range(4):
        channel = FunderChannel(peer)
        channel.send_open(FUNDING_SAT)
        channel.receive_accept()
        channel.send_funding_created("{:064x}".format(k + 1), 0)
        channel.receive_funding_signed()
    states = [c["state"] for c in node.rpc("listpeerchannels")["channels"]]
    assert states == ["CHANNELD_AWAITING_LOCKIN"] * 4
    channel = FunderChannel(peer)
    channel.send_open(FUNDING_SAT)
    _, text = channel.receive_warning()
    assert text == ("open_channel: 4 channels await their funding transaction already (4 of "
                    "yours), the most we accept is 200 (4 per peer)")
    node.wait_for_log("refusing {}'s open_channel: 4 of its channels, 4 in all, await their "
                      "funding".format(peer.local.pubkey.hex()))
    assert len(node.rpc("listpeerchannels")["channels"]) == 4


def reconnect(o, features=FUNDEE_INIT_FEATURES):
    """The Python node connects again, with the same node key."""
    o.channel.peer.close()
    o.channel.peer, _ = connect(o.node, local=o.channel.peer.local, features=features)


def expiry(o):
    """A reasonable cltv_expiry for an HTLC offered now."""
    return o.devchain.rpc("getblockcount") + 144


def test_init_requires_the_channel_features(node_factory):
    """option_data_loss_protect, option_static_remotekey and
    option_channel_type, required: BOLT 2 wants the features of the
    channel_type ohm sends in open_channel negotiated."""
    peer, init = connect(listening_node(node_factory))
    assert {0, 12, 44} <= bits_from_features(init["features"])
    peer.close()


def test_open_channel_python_fundee(node_factory, devchain):
    o = start_funding(node_factory, devchain)
    channel, node = o.channel, o.node
    assert peer_channel(node, peer_id(o))["state"] == "CHANNELD_AWAITING_LOCKIN"

    # BOLT 2: the fundee's channel_ready waits for minimum_depth, and so
    # does ohm's (it has no reason to trust the funding more than we do).
    devchain.generate(MINIMUM_DEPTH - 1, BURN_ADDRESS)
    wait_synced(node, devchain)
    with pytest.raises(PeerTimeout):
        channel.receive("channel_ready", timeout=3)
    assert peer_channel(node, peer_id(o))["state"] == "CHANNELD_AWAITING_LOCKIN"
    devchain.generate(1, BURN_ADDRESS)
    channel.receive_channel_ready()
    channel.send_channel_ready()
    entry = wait_state(node, peer_id(o), "CHANNELD_NORMAL")

    height, _ = find_tx(devchain, o.funded["txid"])
    txindex = [tx.txid() for tx in raw_block(devchain, height)[1]].index(o.funded["txid"])
    assert entry["short_channel_id"] == "{}x{}x{}".format(height, txindex, channel.funding_outnum)
    assert entry["channel_id"] == channel.channel_id.hex()
    assert entry["funding_txid"] == channel.funding_txid
    assert entry["funding_outnum"] == channel.funding_outnum
    assert entry["opener"] == "local"
    assert entry["peer_connected"] is True
    assert entry["total_msat"] == FUNDING_SAT * 1000
    assert entry["htlcs"] == []
    # As in Core Lightning, to_us_msat is the balance before the commitment
    # fee; the funder's commitment outputs pay that fee (BOLT 3), which the
    # commitment ohm signed for us shows.
    assert entry["to_us_msat"] == FUNDING_SAT * 1000 - PUSH_MSAT
    fee_sat = commitment_fee_sat(channel.open["feerate_per_kw"], 0)
    outputs = channel.latest_commitment(LOCAL).tx.outputs
    assert sorted(out["value"] for out in outputs) == \
        sorted([PUSH_MSAT // 1000, FUNDING_SAT - PUSH_MSAT // 1000 - fee_sat])
    # The parameters each side asked for, as ohm reports them.
    ours, theirs = channel.params[LOCAL], channel.open
    assert entry["feerate"]["perkw"] == theirs["feerate_per_kw"]
    assert entry["our_reserve_msat"] == ours["channel_reserve_satoshis"] * 1000
    assert entry["their_reserve_msat"] == theirs["channel_reserve_satoshis"] * 1000
    assert entry["our_to_self_delay"] == ours["to_self_delay"]
    assert entry["their_to_self_delay"] == theirs["to_self_delay"]
    assert entry["minimum_htlc_out_msat"] == ours["htlc_minimum_msat"]
    assert entry["minimum_htlc_in_msat"] == theirs["htlc_minimum_msat"]
    assert entry["private"] is not bool(theirs["channel_flags"] & 1)
    assert "CHANNELD_NORMAL:Peer connected" in entry["status"]
    assert_survives_restart(o, entry)


def test_fundchannel_announces_by_default(node_factory, devchain):
    """fundchannel's announce defaults to true, as in Core Lightning:
    open_channel has announce_channel set and the channel is public."""
    o = start_funding(node_factory, devchain)
    assert o.channel.open["channel_flags"] & 1 == 1
    assert peer_channel(o.node, peer_id(o))["private"] is False


def test_fundchannel_announce_false_is_private(node_factory, devchain):
    """announce=false: announce_channel clear, a private channel."""
    node = listening_node(node_factory, "funder", extra=backend_args(devchain))
    fund(node, devchain)
    peer, _ = connect(node)
    channel = FundeeChannel(peer, minimum_depth=MINIMUM_DEPTH)
    call = BackgroundRpc(node, "fundchannel", {"id": peer.local.pubkey.hex(),
                                               "amount": FUNDING_SAT, "announce": False})
    opened = channel.accept_open()
    assert opened["channel_flags"] & 1 == 0
    channel.receive_funding_created()
    channel.send_funding_signed()
    call.wait()
    assert peer_channel(node, peer.local.pubkey.hex())["private"] is True


def ohm_adds(o, amount_msat):
    """dev-sendhtlc: ohm offers an HTLC and signs our next commitment,
    which must be the one Python builds with it.  Returns (dev-sendhtlc's
    answer, our commitment)."""
    sent = o.node.rpc("dev-sendhtlc", [peer_id(o), amount_msat])
    added = o.channel.receive_update_add_htlc()
    assert added["id"] == sent["htlc_id"] and added["amount_msat"] == amount_msat
    assert added["payment_hash"].hex() == sent["payment_hash"] == sha256(
        bytes.fromhex(sent["preimage"])).hex()
    _, ours = o.channel.receive_commitment_signed()
    return sent, ours


def ohm_offers(o, amount_msat):
    """ohm_adds, then the rest of the signing round, every signature
    checked both ways.  Returns (dev-sendhtlc's answer, our commitment,
    ohm's commitment)."""
    channel = o.channel
    sent, ours = ohm_adds(o, amount_msat)
    channel.send_revoke_and_ack()
    theirs = channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    return sent, ours, theirs


def test_htlcs_both_ways_with_valid_signatures(node_factory, devchain):
    """The positive control for the failure tests below: ohm accepts the
    Python side's signatures, and the Python side ohm's, with offered and
    received HTLC outputs and both kinds of HTLC transaction on both
    commitments, and an HTLC trimmed on one commitment only."""
    o = open_channel(node_factory, devchain)
    channel, node = o.channel, o.node
    ours = channel.send_update_add_htlc(30000000, expiry(o))
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    _, commitment = channel.receive_commitment_signed()
    assert len(commitment.htlc_outputs) == 1
    channel.send_revoke_and_ack()

    sent, _, _ = ohm_offers(o, 20000000)
    # 720 sat: below 546 + the HTLC-success fee on our commitment (where
    # it is received), above 546 + the HTLC-timeout fee on ohm's.
    assert channel.open["feerate_per_kw"] == 253
    _, on_ours, on_theirs = ohm_offers(o, 720000)
    assert len(on_ours.htlc_outputs) == 2 and len(on_theirs.htlc_outputs) == 3

    # ohm's per-commitment secrets come from one BOLT 3 seed: #1's index
    # (2^48 - 2) derives #0's (2^48 - 1) by flipping bit 0 and hashing.
    secrets = channel.revealed_secrets
    flipped = bytearray(secrets[1])
    flipped[0] ^= 1
    assert sha256(bytes(flipped)) == secrets[0]

    entry = wait_for(lambda: len(peer_channel(node, peer_id(o))["htlcs"]) == 3 and
                     peer_channel(node, peer_id(o)), what="three HTLCs")
    assert entry["state"] == "CHANNELD_NORMAL"
    [incoming] = [h for h in entry["htlcs"] if h["direction"] == "in"]
    assert incoming["amount_msat"] == ours["amount_msat"]
    assert incoming["payment_hash"] == ours["payment_hash"].hex()
    assert incoming["expiry"] == ours["cltv_expiry"]
    outgoing = {h["id"]: h["amount_msat"] for h in entry["htlcs"] if h["direction"] == "out"}
    assert outgoing == {sent["htlc_id"]: 20000000, sent["htlc_id"] + 1: 720000}


# accept_channel fields that BOLT 2 says the funder MUST fail the channel
# for, and the words ohm's error must have.
BAD_ACCEPTS = {
    "reserve_below_funder_dust": (dict(channel_reserve_satoshis=545),
                                  r"channel_reserve_satoshis 545\b.*dust_limit_satoshis 546"),
    "dust_above_funder_reserve": (dict(dust_limit_satoshis=10001, channel_reserve_satoshis=20000),
                                  r"dust_limit_satoshis 10001\b.*channel_reserve_satoshis 10000"),
    "dust_below_354": (dict(dust_limit_satoshis=353), r"dust_limit_satoshis 353\b.*354"),
    "too_many_htlcs": (dict(max_accepted_htlcs=484), r"max_accepted_htlcs 484\b.*483"),
    "no_channel_type": (dict(tlvs={0: b""}), r"channel_type is missing"),
    "other_channel_type": (dict(tlvs={0: b"", 1: features_from_bits({12, 22})}),
                           r"channel_type"),
}


@pytest.mark.parametrize("case", sorted(BAD_ACCEPTS))
def test_bad_accept_channel_fails_the_open(node_factory, devchain, case):
    """The error names the temporary channel, fundchannel fails with the
    reason, and no funding transaction goes out."""
    overrides, pattern = BAD_ACCEPTS[case]
    node = listening_node(node_factory, "funder",
                          extra=backend_args(devchain) + ["--dev-hold-htlcs"])
    fund(node, devchain)
    peer, _ = connect(node)
    channel = FundeeChannel(peer)
    call = BackgroundRpc(node, "fundchannel", {"id": peer.local.pubkey.hex(),
                                               "amount": FUNDING_SAT})
    opened = channel.accept_open(**overrides)
    channel_id, text = channel.expect_error()
    assert channel_id == opened["temporary_channel_id"]
    assert re.search(r"accept_channel: .*" + pattern, text), text
    with pytest.raises(RpcError) as info:
        call.wait()
    assert text in info.value.message
    assert node.rpc("listpeerchannels")["channels"] == []
    assert devchain.rpc("getrawmempool") == []
    assert node.rpc("listfunds")["outputs"][0]["reserved"] is False


# ---- The hostile fundee ----

def mempool_spender(devchain, txid, vout):
    for candidate in devchain.rpc("getrawmempool"):
        tx = mempool_tx(devchain, candidate)
        if any(i["txid"] == txid and i["vout"] == vout for i in tx.inputs):
            return tx
    return None


def check_broadcast_commitment(o):
    """ohm broadcast its latest commitment: the very transaction the Python
    side signed, with our signature and a valid one of ohm's."""
    channel = o.channel
    tx = wait_for(lambda: mempool_spender(o.devchain, channel.funding_txid,
                                          channel.funding_outnum),
                  30, interval=0.2, what="a commitment transaction in the mempool")
    expected = channel.latest_commitment(REMOTE)
    assert tx.txid() == expected.tx.txid(), (tx.hex(), expected.tx.hex())
    ours = der_encode(*parse_compact_sig(channel.our_signatures[
        channel.commitment_number[REMOTE]])) + b"\x01"
    witness = tx.inputs[0]["witness"]
    assert len(witness) == 4 and ours in witness
    [theirs] = [sig for sig in witness[1:3] if sig != ours]
    # BOLT 3: 0 <signature for pubkey1> <signature for pubkey2>, SIGHASH_ALL.
    assert witness == funding_witness(channel.funding_script,
                                      ours, channel.params[LOCAL]["funding_pubkey"],
                                      theirs, channel.params[REMOTE]["funding_pubkey"])
    assert theirs[-1] == 1
    digest = commitment_sighash(expected.tx, channel.funding_script, channel.funding_sat)
    assert verify_compact(channel.params[REMOTE]["funding_pubkey"], digest,
                          compact_sig(*parse_der(theirs[:-1])))
    return tx


def assert_survives_restart(o, before):
    """After a restart the channel reads as it did, but for the connection
    (peer_connected, and the status line saying so).  Returns the entry."""
    o.node.stop()
    o.node.start()
    wait_synced(o.node, o.devchain)
    after = peer_channel(o.node, peer_id(o))
    assert after["peer_connected"] is False
    state = before["state"]
    assert state + ":Peer not connected" in after["status"]
    unchanged = [{key: value for key, value in entry.items() if key != "peer_connected"}
                 for entry in (before, after)]
    for entry in unchanged:
        entry["status"] = [line for line in entry["status"] if not line.startswith(
            (state + ":Peer connected", state + ":Peer not connected"))]
    assert unchanged[1] == unchanged[0]
    return after


def assert_channel_failed(o, text_pattern):
    """BOLT 2 "send an `error` and fail the channel", and BOLT 5: ohm's
    latest commitment goes on chain (AWAITING_UNILATERAL, then ONCHAIN
    once it confirms); the failed channel survives a restart unchanged,
    the reason included."""
    channel, node, devchain = o.channel, o.node, o.devchain
    channel_id, text = channel.expect_error()
    assert channel_id == channel.channel_id
    assert re.search(text_pattern, text), text
    node.wait_for_log(re.escape(text))
    entry = wait_state(node, peer_id(o), "AWAITING_UNILATERAL")
    assert "AWAITING_UNILATERAL:" + text in entry["status"]
    tx = check_broadcast_commitment(o)

    devchain.generate(1, BURN_ADDRESS)
    height = devchain.rpc("getblockcount")
    assert tx.txid() in [t.txid() for t in raw_block(devchain, height)[1]]
    wait_synced(node, devchain)
    entry = wait_state(node, peer_id(o), "ONCHAIN")
    assert entry["close_txid"] == tx.txid()
    assert "ONCHAIN:" + text in entry["status"]
    assert_survives_restart(o, entry)
    # Coming back, the Python node hears the same error (BOLT 1: an error
    # for every message about a failed channel; ohm sends it at once).
    reconnect(o)
    assert channel.expect_error() == (channel.channel_id, text)


def too_many_htlcs(o):
    limits = o.channel.open
    amount = max(limits["htlc_minimum_msat"], 1000)
    count = limits["max_accepted_htlcs"] + 1
    assert count * amount <= limits["max_htlc_value_in_flight_msat"]
    for _ in range(count):
        o.channel.send_update_add_htlc(amount, expiry(o))
    return r"update_add_htlc: max_accepted_htlcs {} would be exceeded".format(count - 1)


def above_balance(o):
    amount = o.channel.balance_msat[LOCAL] + 1000
    o.channel.send_update_add_htlc(amount, expiry(o))
    return r"update_add_htlc: amount_msat {} .*channel_reserve".format(amount)


def below_minimum(o):
    amount = max(o.channel.open["htlc_minimum_msat"] - 1, 0)
    o.channel.send_update_add_htlc(amount, expiry(o))
    return r"update_add_htlc: amount_msat {} is below htlc_minimum_msat".format(amount)


def expiry_too_far(o):
    o.channel.send_update_add_htlc(1000000, cltv_expiry=500000000)
    return r"update_add_htlc: cltv_expiry .*500000000"


@pytest.mark.parametrize("offend", [above_balance, below_minimum, too_many_htlcs,
                                    expiry_too_far], ids=lambda f: f.__name__)
def test_htlc_over_the_limits_fails_the_channel(node_factory, devchain, offend):
    o = open_channel(node_factory, devchain)
    assert_channel_failed(o, offend(o))


def test_max_concurrent_htlcs_is_the_max_accepted_htlcs_we_announce(node_factory, devchain):
    """--max-concurrent-htlcs (Core Lightning's option): ohm's open_channel
    announces it as max_accepted_htlcs, and one HTLC more from the peer
    fails the channel (BOLT 2)."""
    o = open_channel(node_factory, devchain, extra=["--max-concurrent-htlcs=3"])
    assert o.channel.open["max_accepted_htlcs"] == 3
    assert o.node.rpc("listconfigs")["configs"]["max-concurrent-htlcs"]["value_str"] == "3"
    assert_channel_failed(o, too_many_htlcs(o))


def test_bad_commitment_signature_fails_the_channel(node_factory, devchain):
    o = open_channel(node_factory, devchain)
    channel = o.channel
    channel.send_update_add_htlc(30000000, expiry(o))
    # A well-formed, low-S signature by the right key, over the wrong
    # transaction: ohm's commitment #1 without the HTLC.
    wrong = channel.sign_commitment(REMOTE, 1, htlcs=[])
    assert wrong != channel.sign_commitment(REMOTE, 1)
    channel.send_commitment_signed(signature=wrong)
    assert_channel_failed(o, r"commitment_signed: .*signature is invalid")


@pytest.mark.parametrize("secret", ["ours_for_commitment_1", "random"])
def test_wrong_revocation_secret_fails_the_channel(node_factory, devchain, secret):
    o = open_channel(node_factory, devchain)
    channel = o.channel
    # The cross-check: ohm signed our commitment #1 as Python builds it,
    # with the HTLC it offered as a received-HTLC output.
    _, commitment = ohm_adds(o, 20000000)
    assert [h.amount_msat for _, h, _ in commitment.htlc_outputs] == [20000000]
    # A real secret of our seed, but #1's, not #0's; or not even ours.
    wrong = per_commitment_secret(channel.seed, 1) if secret != "random" else os.urandom(32)
    assert pubkey_of(wrong) != channel.point(LOCAL, 0)
    channel.send_revoke_and_ack(per_commitment_secret_override=wrong)
    assert_channel_failed(o, r"revoke_and_ack: per_commitment_secret does not generate "
                             r"the previous per_commitment_point")


def test_failed_channel_redials_the_peer_to_repeat_its_error(node_factory, devchain):
    """The connection drops before ohm's error reaches the peer: ohm (which
    dialled it) dials again and repeats the error at once (BOLT 2), so the
    peer fails the channel too instead of waiting for its own timeout.
    Once ohm's commitment confirms, ohm stops dialling."""
    listener = listen()
    o = open_channel(node_factory, devchain, listener=listener)
    channel, node = o.channel, o.node
    channel.send_update_add_htlc(30000000, expiry(o))
    channel.send_commitment_signed(signature=channel.sign_commitment(REMOTE, 1, htlcs=[]))
    local = channel.peer.local
    channel.peer.close()
    wait_state(node, peer_id(o), "AWAITING_UNILATERAL")
    channel.peer = LnPeer.accept(listener, local, timeout=30)
    channel.peer.exchange_init(FUNDEE_INIT_FEATURES, networks=[REGTEST_CHAIN_HASH])
    channel_id, text = channel.expect_error()
    assert channel_id == channel.channel_id and "commitment_signed" in text

    # Confirmed on chain: the peer sees the channel end there; no more dials.
    tx = check_broadcast_commitment(o)
    o.devchain.generate(1, BURN_ADDRESS)
    wait_state(node, peer_id(o), "ONCHAIN")
    assert peer_channel(node, peer_id(o))["close_txid"] == tx.txid()
    channel.peer.close()
    with pytest.raises(PeerTimeout):
        LnPeer.accept(listener, local, timeout=5)
    listener.close()


def pay_peer(o, amount_msat, preimage):
    """sendpay straight to the Python fundee, paying sha256(preimage).
    Returns the payment_hash (hex)."""
    payment_hash = sha256(preimage).hex()
    entry = peer_channel(o.node, peer_id(o))
    route = [{"id": peer_id(o), "channel": entry["short_channel_id"],
              "amount_msat": amount_msat, "delay": expiry(o)}]
    o.node.rpc("sendpay", [route, payment_hash])
    return payment_hash


def payment_status(node, payment_hash):
    [payment] = node.rpc("listsendpays", {"payment_hash": payment_hash})["payments"]
    return payment["status"]


def lie_about_commitment(o):
    """ohm pays the Python fundee an amount that just fits and signs it into
    the fundee's commitment #1; the fundee offers five HTLCs of its own,
    keeps ohm's commitment_signed and, after a reconnection, says it never
    got it.  With the fundee's HTLCs committed the payment no longer fits
    (ohm pays the fee for each), so ohm withdraws it; the fundee takes #1
    again without it and revokes #0.  Returns (the payment's hash, the
    HTLC as lnchannel records one, ohm's kept commitment_signed)."""
    channel, node = o.channel, o.node
    feerate = channel.open["feerate_per_kw"]
    reserve = channel.params[LOCAL]["channel_reserve_satoshis"]
    # ohm (the opener) pays the commitment fee: with one HTLC it keeps its
    # reserve; with our five more it would not.
    fee1, fee6 = commitment_fee_sat(feerate, 1), commitment_fee_sat(feerate, 6)
    amount_sat = (channel.balance_msat[REMOTE] // 1000 - reserve - fee1
                  - (fee6 - fee1) // 2)
    first = pay_peer(o, amount_sat * 1000, os.urandom(32))
    add = channel.receive("update_add_htlc")
    assert add["id"] == 0 and add["amount_msat"] == amount_sat * 1000
    kept = channel.receive("commitment_signed")
    assert len(kept["htlc_signatures"]) == 1
    for _ in range(5):
        channel.send_update_add_htlc(5000000, expiry(o))
    channel.send_commitment_signed()        # ohm's #1: our five, not its own
    channel.receive_revoke_and_ack()
    reconnect(o)
    # "Your commitment_signed never came": we expect #1 next.
    channel.send("channel_reestablish", channel_id=channel.channel_id,
                 next_commitment_number=1, next_revocation_number=1,
                 your_last_per_commitment_secret=channel.revealed_secrets[0],
                 my_current_per_commitment_point=channel.point(LOCAL, 0))
    theirs = channel.receive("channel_reestablish")
    assert (theirs["next_commitment_number"], theirs["next_revocation_number"]) == (2, 0)
    channel.receive_commitment_signed()     # #1 again, our five only
    channel.send_revoke_and_ack()           # revokes #0, not #1
    node.wait_for_log(r"HTLC out 0 \({} msat, hash {}\) was withdrawn".format(
        amount_sat * 1000, first))
    time.sleep(1)
    assert payment_status(node, first) == "pending"
    htlc = dict(offerer=REMOTE, id=0, amount_msat=add["amount_msat"],
                payment_hash=add["payment_hash"], cltv_expiry=add["cltv_expiry"])
    return first, htlc, kept


def test_lying_reestablish_does_not_fail_a_signed_payment(node_factory, devchain):
    """lie_about_commitment: ohm reuses the withdrawn HTLC's id for the next
    payment, but the fundee may hold the commitment with the first, so that
    one stays pending until the fundee revokes commitment #1.  The reused
    id's fulfillment completes the new payment, not the old one."""
    o = open_channel(node_factory, devchain)
    channel, node = o.channel, o.node
    first, _, _ = lie_about_commitment(o)

    # The id goes to the next payment; signing it makes us revoke #1.
    preimage = os.urandom(32)
    second = pay_peer(o, 1000000, preimage)
    assert channel.receive_update_add_htlc()["id"] == 0
    channel.receive_commitment_signed()
    assert payment_status(node, first) == "pending"
    channel.send_revoke_and_ack()
    wait_for(lambda: payment_status(node, first) == "failed", 10,
             what="the withdrawn payment to fail once #1 is revoked")
    with pytest.raises(RpcError) as info:
        node.rpc("waitsendpay", [first, 5])
    assert info.value.code == 204
    assert payment_status(node, second) == "pending"
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    channel.send_update_fulfill_htlc(0, preimage)
    channel.send_commitment_signed()
    channel.receive_revoke_and_ack()
    channel.receive_commitment_signed()
    channel.send_revoke_and_ack()
    assert node.rpc("waitsendpay", [second, 30])["status"] == "complete"
    assert payment_status(node, first) == "failed"


def test_lying_reestablish_then_the_kept_commitment_on_chain(node_factory, devchain):
    """lie_about_commitment, then the fundee broadcasts the commitment #1 it
    kept, with the withdrawn HTLC in it (it could claim it with the
    preimage): ohm does not recognise that spend and keeps the payment
    pending, however deep (its output is resolved on chain, issue 13)."""
    o = open_channel(node_factory, devchain)
    channel, node = o.channel, o.node
    first, htlc, kept = lie_about_commitment(o)
    commitment = channel.commitment(LOCAL, 1, [htlc])
    digest = commitment_sighash(commitment.tx, channel.funding_script, channel.funding_sat)
    ours = der_encode(*ecdsa_sign(channel.funding_secret, digest)) + b"\x01"
    theirs = der_encode(*parse_compact_sig(kept["signature"])) + b"\x01"
    commitment.tx.inputs[0]["witness"] = funding_witness(
        channel.funding_script, ours, channel.params[LOCAL]["funding_pubkey"],
        theirs, channel.params[REMOTE]["funding_pubkey"])
    txid = devchain.rpc("sendrawtransaction", [commitment.tx.serialize().hex()])
    assert txid == commitment.tx.txid()
    o.devchain.generate(1, BURN_ADDRESS)
    wait_synced(node, devchain)
    wait_state(node, peer_id(o), "ONCHAIN")
    o.devchain.generate(10, BURN_ADDRESS)
    wait_synced(node, devchain)
    time.sleep(1)
    assert payment_status(node, first) == "pending"
    assert not re.search(r"HTLC out 0 .* was failed", node.log())
