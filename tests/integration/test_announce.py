"""Announcing our channels (BOLT 7), through real ohmd processes.

With the independent Python peer (lnchannel.py signs and checks the BOLT 7
signatures itself): at 6 confirmations ohm sends announcement_signatures
whose two signatures are right, and takes ours; the channel_announcement
ohm then sends carries four good signatures and is the one Python builds;
ohm's channel_update for it is public (no dont_forward) and its
node_announcement names its alias and address.  ohm sends its
announcement_signatures again after a reconnection until it has ours, and
answers ours when we send them again; a bad signature gets a warning and
a disconnection.  A private channel is never announced, and its
channel_update has dont_forward.

Between two ohmd: both announce the same channel_announcement at 6 blocks
(a Python observer connected to each checks every signature), also when
one was down at the 6th block and the exchange happens on reconnection;
setchannel's new fees go out in a channel_update with a higher timestamp,
also across a restart, and are the ones forwards ask; a channel whose
peer is away is disabled when a forward would use it, enabled when the
peer is back."""
import time

import pytest

from chainutil import BURN_ADDRESS, wait_synced
from channelutil import (chain_node, channel, line_of_three, mine, open_channel,
                         wait_connected)
from lnchannel import (ANNOUNCEMENT_SIGNATURES, CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE,
                       NODE_ANNOUNCEMENT, channel_announcement_checks,
                       channel_update_is_signed_by, decode_message, node_announcement_is_signed)
from lnpeer import REGTEST_CHAIN_HASH, WARNING, LnPeer, PeerDisconnected, PeerTimeout
from ohmtest import RpcError, wait_for
from test_channel_hostile import connect, funded_by_python, peer_channel

# What the nodes announce (not their 127.0.0.1 --addr: loopback is not
# announced without --announce-addr, as in Core Lightning); given out of
# order, announced by type (BOLT 7).
ANNOUNCE_ARGS = ["--announce-addr=ln.example.com:9736", "--announce-addr=127.0.0.1:19846"]
ANNOUNCED_ADDRESSES = (bytes([1, 127, 0, 0, 1]) + (19846).to_bytes(2, "big")
                       + bytes([5, 14]) + b"ln.example.com" + (9736).to_bytes(2, "big"))
GOSSIP = {CHANNEL_ANNOUNCEMENT: "channel_announcement", NODE_ANNOUNCEMENT: "node_announcement",
          CHANNEL_UPDATE: "channel_update", ANNOUNCEMENT_SIGNATURES: "announcement_signatures"}


def scid_int(text):
    block, tx, out = (int(part) for part in text.split("x"))
    return block << 40 | tx << 16 | out


def collect(peer, wanted, timeout=15):
    """The BOLT 7 messages peer receives until it has one of each type in
    wanted: {type: [payloads]} (pings answered, the rest ignored)."""
    got = {}
    deadline = time.monotonic() + timeout
    while not all(kind in got for kind in wanted):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("only got {} of {}".format(
                sorted(GOSSIP.get(k, k) for k in got), sorted(GOSSIP[k] for k in wanted)))
        try:
            kind, payload = peer.recv_msg(left)
        except PeerTimeout:
            continue
        if kind == 18:
            peer.send_pong(int.from_bytes(payload[:2], "big"))
        got.setdefault(kind, []).append(payload)
    return got


def next_update(peer, scid, timeout=15):
    """The next channel_update for scid that peer receives (payload)."""
    deadline = time.monotonic() + timeout
    while True:
        got = collect(peer, {CHANNEL_UPDATE}, max(0.1, deadline - time.monotonic()))
        for payload in got[CHANNEL_UPDATE]:
            if decode_message("channel_update", payload)["short_channel_id"] == scid:
                return payload


def check_update(payload, ohm_id, scid, public=True):
    m = decode_message("channel_update", payload)
    assert channel_update_is_signed_by(payload, ohm_id)
    assert m["chain_hash"] == REGTEST_CHAIN_HASH and m["short_channel_id"] == scid
    # BOLT 7: dont_forward (message_flags bit 1) only before the
    # announcement (or without one).
    assert m["message_flags"] & 1 == 1
    assert bool(m["message_flags"] & 2) is not public
    return m


def check_node_announcement(payload, node):
    m = decode_message("node_announcement", payload)
    info = node.rpc("getinfo")
    assert node_announcement_is_signed(payload)
    assert m["node_id"].hex() == node.id
    assert m["alias"].rstrip(b"\0").decode() == info["alias"]
    assert m["rgb_color"].hex() == info["color"]
    assert m["addresses"] == ANNOUNCED_ADDRESSES
    assert info["address"] == [
        {"type": "ipv4", "address": "127.0.0.1", "port": 19846},
        {"type": "dns", "address": "ln.example.com", "port": 9736}]
    return m


def public_python_channel(node_factory, devchain, extra=()):
    """A Python funder's public channel to ohm, CHANNELD_NORMAL at depth 3;
    returns (node, channel, scid)."""
    node, channel = funded_by_python(node_factory, devchain, extra=ANNOUNCE_ARGS + list(extra),
                                     channel_flags=1)
    pyid = channel.peer.local.pubkey.hex()
    entry = wait_for(lambda: peer_channel(node, pyid).get("short_channel_id")
                     and peer_channel(node, pyid), 10, what="the short_channel_id")
    assert entry["private"] is False
    return node, channel, scid_int(entry["short_channel_id"])


def to_depth_six(node, devchain, channel):
    devchain.generate(6 - channel.minimum_depth, BURN_ADDRESS)
    wait_synced(node, devchain)


def test_python_peer_exchanges_announcement_signatures(node_factory, devchain):
    node, channel, scid = public_python_channel(node_factory, devchain)
    ohm_id, key = bytes.fromhex(node.id), channel.peer.local
    # Not before 6 confirmations.
    with pytest.raises(PeerTimeout):
        channel.receive("announcement_signatures", timeout=2)
    to_depth_six(node, devchain, channel)
    theirs = channel.receive("announcement_signatures")
    channel.check_announcement_signatures(theirs, scid, key, ohm_id)
    channel.send("announcement_signatures", **channel.announcement_signatures(scid, key, ohm_id))

    got = collect(channel.peer, {CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, NODE_ANNOUNCEMENT})
    [announcement] = got[CHANNEL_ANNOUNCEMENT]
    assert channel_announcement_checks(announcement) == {
        "node_signature_1": True, "node_signature_2": True,
        "bitcoin_signature_1": True, "bitcoin_signature_2": True}
    assert announcement == channel.channel_announcement(scid, key, ohm_id, theirs)
    # The public update (the private one, dont_forward, came at depth 3).
    update = check_update(got[CHANNEL_UPDATE][-1], ohm_id, scid)
    assert update["channel_flags"] & 1 == (0 if ohm_id < key.pubkey else 1)
    assert update["channel_flags"] & 2 == 0
    check_node_announcement(got[NODE_ANNOUNCEMENT][0], node)
    assert peer_channel(node, key.pubkey.hex())["state"] == "CHANNELD_NORMAL"


def test_update_refreshed_before_it_goes_stale(node_factory, devchain):
    """BOLT 7 prunes a channel whose updates are two weeks old: ohm signs
    its channel_update again before (13 days; 3 s here), the same values
    with a higher timestamp."""
    node, channel, scid = public_python_channel(node_factory, devchain,
                                                extra=["--dev-update-refresh=3"])
    ohm_id, key = bytes.fromhex(node.id), channel.peer.local
    to_depth_six(node, devchain, channel)
    theirs = channel.receive("announcement_signatures")
    channel.send("announcement_signatures", **channel.announcement_signatures(scid, key, ohm_id))
    first = check_update(next_update(channel.peer, scid), ohm_id, scid)
    again = check_update(next_update(channel.peer, scid, timeout=20), ohm_id, scid)
    assert again["timestamp"] >= first["timestamp"] + 3
    assert {k: v for k, v in again.items() if k not in ("timestamp", "signature")} == \
        {k: v for k, v in first.items() if k not in ("timestamp", "signature")}
    assert theirs


def reconnect(node, channel):
    channel.peer.close()
    channel.peer, _ = connect(node, local=channel.peer.local)
    channel.reestablish()


def test_announcement_signatures_after_reconnection(node_factory, devchain):
    """BOLT 7 "Upon reconnection": ohm sends its own again while it has not
    received ours, and answers ours when we send them again."""
    node, channel, scid = public_python_channel(node_factory, devchain)
    ohm_id, key = bytes.fromhex(node.id), channel.peer.local
    to_depth_six(node, devchain, channel)
    first = channel.receive("announcement_signatures")
    # We never answer: ohm sends them again on the next connection.
    reconnect(node, channel)
    again = channel.receive("announcement_signatures")
    assert again == first
    channel.check_announcement_signatures(again, scid, key, ohm_id)
    channel.send("announcement_signatures", **channel.announcement_signatures(scid, key, ohm_id))
    collect(channel.peer, {CHANNEL_ANNOUNCEMENT})

    # ohm has ours now: nothing on the next connection unless we send
    # ours again, which it answers (once).
    reconnect(node, channel)
    with pytest.raises(PeerTimeout):
        channel.receive("announcement_signatures", timeout=2)
    channel.send("announcement_signatures", **channel.announcement_signatures(scid, key, ohm_id))
    answer = channel.receive("announcement_signatures")
    channel.check_announcement_signatures(answer, scid, key, ohm_id)
    assert peer_channel(node, key.pubkey.hex())["state"] == "CHANNELD_NORMAL"


def test_bad_announcement_signatures_warn_and_disconnect(node_factory, devchain):
    """BOLT 7: a node_signature that is not right: MAY send a warning and
    close the connection.  The channel stays normal, unannounced; good
    signatures on the next connection announce it."""
    node, channel, scid = public_python_channel(node_factory, devchain)
    ohm_id, key = bytes.fromhex(node.id), channel.peer.local
    to_depth_six(node, devchain, channel)
    channel.receive("announcement_signatures")
    bad = channel.announcement_signatures(scid, key, ohm_id)
    bad["node_signature"] = channel.announcement_signatures(scid + 1, key, ohm_id)["node_signature"]
    channel.send("announcement_signatures", **bad)
    got = []
    with pytest.raises((PeerDisconnected, PeerTimeout, OSError)):
        while True:
            got.append(channel.peer.recv_msg(5)[0])
    assert WARNING in got
    assert CHANNEL_ANNOUNCEMENT not in got
    assert peer_channel(node, key.pubkey.hex())["state"] == "CHANNELD_NORMAL"
    reconnect(node, channel)
    channel.receive("announcement_signatures")
    channel.send("announcement_signatures", **channel.announcement_signatures(scid, key, ohm_id))
    collect(channel.peer, {CHANNEL_ANNOUNCEMENT})


def test_private_channel_is_not_announced(node_factory, devchain):
    """announce_channel clear: no announcement_signatures, even at 6
    confirmations; ohm's channel_update to the peer has dont_forward."""
    node, channel = funded_by_python(node_factory, devchain, channel_flags=0)
    ohm_id, key = bytes.fromhex(node.id), channel.peer.local
    entry = peer_channel(node, key.pubkey.hex())
    assert entry["private"] is True
    to_depth_six(node, devchain, channel)
    seen = {}
    deadline = time.monotonic() + 3
    try:
        while time.monotonic() < deadline:
            kind, payload = channel.peer.recv_msg(max(0.01, deadline - time.monotonic()))
            seen.setdefault(kind, []).append(payload)
    except PeerTimeout:
        pass
    assert ANNOUNCEMENT_SIGNATURES not in seen and CHANNEL_ANNOUNCEMENT not in seen
    entry = peer_channel(node, key.pubkey.hex())
    scid = scid_int(entry["short_channel_id"])
    # The update came at depth 3, before what we just read.
    reconnect(node, channel)
    got = collect(channel.peer, {CHANNEL_UPDATE})
    check_update(got[CHANNEL_UPDATE][-1], ohm_id, scid, public=False)


def observer(node):
    """A Python node connected to node, hearing its gossip."""
    peer = LnPeer.connect("127.0.0.1", node.port, bytes.fromhex(node.id))
    peer.exchange_init({1, 13, 45}, networks=[REGTEST_CHAIN_HASH])
    return peer


def test_two_ohmd_announce_and_setchannel(node_factory, devchain):
    a = chain_node(node_factory, devchain, "a", funded=True,
                   extra=["--alias=announcer"] + ANNOUNCE_ARGS)
    b = chain_node(node_factory, devchain, "b", extra=ANNOUNCE_ARGS)
    wait_synced(a, devchain)
    wait_synced(b, devchain)
    open_channel(a, b, devchain, push_msat=0)
    watch = {node.name: observer(node) for node in (a, b)}
    mine(devchain, 3, a, b)
    anns, first_update = {}, {}
    for node in (a, b):
        got = collect(watch[node.name], {CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, NODE_ANNOUNCEMENT})
        [anns[node.name]] = got[CHANNEL_ANNOUNCEMENT]
        assert set(channel_announcement_checks(anns[node.name]).values()) == {True}
        ann = decode_message("channel_announcement", anns[node.name])
        assert {ann["node_id_1"].hex(), ann["node_id_2"].hex()} == {a.id, b.id}
        first_update[node.name] = check_update(got[CHANNEL_UPDATE][-1], bytes.fromhex(node.id),
                                               ann["short_channel_id"])
        check_node_announcement(got[NODE_ANNOUNCEMENT][0], node)
    assert anns["a"] == anns["b"]
    scid = decode_message("channel_announcement", anns["a"])["short_channel_id"]
    assert decode_message("node_announcement", got[NODE_ANNOUNCEMENT][0])["alias"] \
        .rstrip(b"\0").decode() == b.rpc("getinfo")["alias"]
    assert a.rpc("getinfo")["alias"] == "announcer"

    # setchannel: Core Lightning's result, and a new channel_update.
    result = a.rpc("setchannel", [b.id, 2000, 300])
    [entry] = result["channels"]
    assert entry["peer_id"] == b.id and scid_int(entry["short_channel_id"]) == scid
    assert entry["fee_base_msat"] == 2000 and entry["fee_proportional_millionths"] == 300
    assert entry["minimum_htlc_out_msat"] >= 1 and entry["maximum_htlc_out_msat"] > 0
    got = collect(watch["a"], {CHANNEL_UPDATE})
    update = check_update(got[CHANNEL_UPDATE][-1], bytes.fromhex(a.id), scid)
    assert (update["fee_base_msat"], update["fee_proportional_millionths"]) == (2000, 300)
    assert update["timestamp"] > first_update["a"]["timestamp"]
    # The same values again: nothing new to say.
    a.rpc("setchannel", [b.id, 2000, 300])
    with pytest.raises(AssertionError):
        collect(watch["a"], {CHANNEL_UPDATE}, timeout=2)
    # htlcmin above htlcmax is refused, and changes nothing.
    with pytest.raises(RpcError) as e:
        a.rpc("setchannel", {"id": "all", "htlcmin": 5000, "htlcmax": 4000})
    assert e.value.code == -32602

    # Across a restart the timestamps still grow, even within a second.
    stamps = [update["timestamp"]]
    for fee in (2001, 2002):
        a.rpc("setchannel", {"id": entry["short_channel_id"], "feebase": fee})
        stamps.append(decode_message("channel_update", collect(
            watch["a"], {CHANNEL_UPDATE})[CHANNEL_UPDATE][-1])["timestamp"])
    assert a.stop() == 0
    a.start()
    watch["a"] = observer(a)
    a.rpc("setchannel", {"id": entry["channel_id"], "feeppm": 301})
    got = collect(watch["a"], {CHANNEL_UPDATE})
    newest = check_update(got[CHANNEL_UPDATE][-1], bytes.fromhex(a.id), scid)
    stamps.append(newest["timestamp"])
    assert stamps == sorted(set(stamps)), stamps
    assert (newest["fee_base_msat"], newest["fee_proportional_millionths"]) == (2002, 301)


def test_setchannel_fees_forwarding_and_disable_while_away(node_factory, devchain):
    """A -> B -> C with announced channels: B's setchannel fees are the ones
    B's forwards ask (the old ones still pass for a while, as Core
    Lightning's enforcedelay); while C is away, a forward over B -> C gets
    B's channel_update with disable set, broadcast too; once C is back, a
    new one enables it again, its timestamp higher."""
    a, b, c = line_of_three(node_factory, devchain)
    mine(devchain, 3, a, b, c)
    watch = observer(b)
    scid_bc = scid_int(channel(b, c)["short_channel_id"])
    b_id = bytes.fromhex(b.id)

    result = b.rpc("setchannel", [c.id, 5000, 1000])
    assert result["channels"][0]["fee_base_msat"] == 5000
    local = channel(b, c)["updates"]["local"]
    assert (local["fee_base_msat"], local["fee_proportional_millionths"]) == (5000, 1000)
    update = check_update(next_update(watch, scid_bc), b_id, scid_bc)
    assert (update["fee_base_msat"], update["fee_proportional_millionths"]) == (5000, 1000)
    enabled_at = update["timestamp"]

    # The new fees pass; the old ones too, for now; less than both fails.
    amount = 1000000
    height = a.rpc("getinfo")["blockheight"]

    def pay_with_fee(fee, label):
        inv = c.rpc("invoice", [amount, label, label])
        final = height + 24 + 1  # ohmd's default --cltv-final, and a block
        route = [{"id": b.id, "channel": channel(a, b)["short_channel_id"],
                  "amount_msat": amount + fee, "delay": final + 34},
                 {"id": c.id, "channel": channel(b, c)["short_channel_id"],
                  "amount_msat": amount, "delay": final}]
        a.rpc("sendpay", [route, inv["payment_hash"], None, amount, inv["bolt11"],
                          inv["payment_secret"]])
        try:
            return a.rpc("waitsendpay", [inv["payment_hash"], 30])["status"]
        except RpcError as e:
            return e.error["data"]["failcodename"]

    assert pay_with_fee(5000 + amount * 1000 // 1000000, "new") == "complete"
    assert pay_with_fee(1000 + amount * 10 // 1000000, "old") == "complete"
    assert pay_with_fee(999, "low") == "fee_insufficient"

    # C goes away: B says the channel is disabled when a forward needs it.
    invoice = c.rpc("invoice", [amount, "away", "away"])["bolt11"]
    assert c.stop() == 0
    wait_for(lambda: not channel(b, c)["peer_connected"], 30, what="C gone at B")
    with pytest.raises(RpcError) as e:
        a.rpc("pay", {"bolt11": invoice, "maxfeepercent": 5, "retry_for": 3}, timeout=60)
    assert e.value.data["failcode"] == 0x1000 | 7 and e.value.data["erring_node"] == b.id
    disabled = check_update(next_update(watch, scid_bc), b_id, scid_bc)
    assert disabled["channel_flags"] & 2 and disabled["timestamp"] > enabled_at

    # Back: enabled again.
    c.start()
    wait_connected(b, c)
    enabled = check_update(next_update(watch, scid_bc), b_id, scid_bc)
    assert not enabled["channel_flags"] & 2 and enabled["timestamp"] > disabled["timestamp"]
    assert a.rpc("pay", {"bolt11": invoice, "maxfeepercent": 5,
                         "retry_for": 30})["status"] == "complete"


def test_two_ohmd_exchange_after_reconnection(node_factory, devchain):
    """B is down when the funding reaches 6 blocks: A's
    announcement_signatures cannot go out then; once B is back, both send
    theirs on the new connection and both announce the channel."""
    a = chain_node(node_factory, devchain, "a", funded=True, extra=ANNOUNCE_ARGS)
    b = chain_node(node_factory, devchain, "b", extra=ANNOUNCE_ARGS)
    wait_synced(a, devchain)
    wait_synced(b, devchain)
    open_channel(a, b, devchain, push_msat=0)
    assert b.stop() == 0
    mine(devchain, 3, a)
    watch = observer(a)
    with pytest.raises(AssertionError):
        collect(watch, {CHANNEL_ANNOUNCEMENT}, timeout=2)
    b.start()
    wait_synced(b, devchain)
    got = collect(watch, {CHANNEL_ANNOUNCEMENT, NODE_ANNOUNCEMENT})
    [announcement] = got[CHANNEL_ANNOUNCEMENT]
    assert set(channel_announcement_checks(announcement).values()) == {True}
    assert channel(a, b)["private"] is False
    # Closing: A says at once that the channel is disabled.
    scid = decode_message("channel_announcement", announcement)["short_channel_id"]
    close = a.rpc("close", [b.id])
    assert close["type"] == "mutual"
    update = check_update(next_update(watch, scid), bytes.fromhex(a.id), scid)
    assert update["channel_flags"] & 2
