"""BOLT 7 gossip through one ohmd on ohm-devchain, with lnpeer.py as the
other nodes: it signs every channel_announcement, channel_update and
node_announcement itself, and the funding outputs are real outputs mined
on the devchain (a 2-of-2 P2WSH of the announced bitcoin keys)."""
import os
import struct
import time

import pytest

from btcverify import bip143_sighash, hash160, p2wpkh_script_code, segwit_address, Tx
from chainutil import BURN_ADDRESS, backend_args, raw_block, wait_synced
from lnchannel import der_encode, ecdsa_sign, funding_script, funding_witness, p2wpkh, p2wsh, \
    pubkey_of
from lnpeer import (CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, GOSSIP_TIMESTAMP_FILTER,
                    NODE_ANNOUNCEMENT, QUERY_CHANNEL_RANGE, QUERY_SHORT_CHANNEL_IDS,
                    REPLY_CHANNEL_RANGE, REPLY_SHORT_CHANNEL_IDS_END, WARNING, LnPeer,
                    PeerDisconnected, PeerTimeout, channel_announcement, channel_update,
                    gossip_timestamp_filter, node_announcement, parse_reply_channel_range,
                    query_channel_range, query_short_channel_ids, reply_channel_range,
                    reply_short_channel_ids_end, scid_pack, scid_str)
from ohmtest import free_port, wait_for

GOSSIP_QUERIES_OPTIONAL = 7
CAPACITY_SAT = 500000


def gossip_node(node_factory, devchain, extra=()):
    port = free_port()
    node = node_factory.new(args=["--addr=127.0.0.1:{}".format(port), "--log-level=debug",
                                  "--dev-gossip-interval=1"] + backend_args(devchain)
                            + list(extra))
    node.port, node.id = port, node.rpc("getinfo")["id"]
    return node


def secret():
    return os.urandom(31).rjust(32, b"\x01")


class Funder:
    """A coinbase of our own key, matured, spent into funding outputs."""

    def __init__(self, devchain):
        self.devchain = devchain
        self.key = secret()
        self.pub = pubkey_of(self.key)
        devchain.generate(1, segwit_address("bcrt", 0, hash160(self.pub)))
        height = devchain.rpc("getblockcount")
        devchain.generate(100, BURN_ADDRESS)
        coinbase = raw_block(devchain, height)[1][0]
        self.vout = [o["script"] for o in coinbase.outputs].index(p2wpkh(self.pub))
        self.txid, self.value = coinbase.txid(), coinbase.outputs[self.vout]["value"]

    def fund(self, outputs):
        """Mines a transaction paying outputs [(script, sat)] (and change
        back to us); returns (height, tx).  It is transaction 1 of its block."""
        tx = Tx().add_input(self.txid, self.vout)
        for script, amount in outputs:
            tx.add_output(amount, script)
        change = self.value - sum(a for _, a in outputs) - 2000
        tx.add_output(change, p2wpkh(self.pub))
        digest = bip143_sighash(tx, 0, p2wpkh_script_code(hash160(self.pub)), self.value)
        tx.inputs[0]["witness"] = [der_encode(*ecdsa_sign(self.key, digest)) + b"\x01", self.pub]
        self.devchain.rpc("generateblock", [BURN_ADDRESS, [tx.hex()]])
        self.txid, self.vout, self.value = tx.txid(), len(tx.outputs) - 1, change
        return self.devchain.rpc("getblockcount"), tx


class Channel:
    """Two nodes' keys and their funding output (scid)."""

    def __init__(self, funder, capacity_sat=CAPACITY_SAT, script_keys=None, depth=6):
        self.nodes = [secret(), secret()]
        self.bitcoin = [secret(), secret()]
        keys = script_keys or self.bitcoin
        self.witness_script = funding_script(pubkey_of(keys[0]), pubkey_of(keys[1]))
        self.capacity_sat = capacity_sat
        self.height, self.tx = funder.fund([(p2wsh(self.witness_script), capacity_sat)])
        self.scid = scid_pack(self.height, 1, 0)
        self.name = scid_str(self.height, 1, 0)
        if depth > 1:
            funder.devchain.generate(depth - 1, BURN_ADDRESS)

    def node_id(self, i):
        return pubkey_of(self.nodes[i])

    def announcement(self, **kwargs):
        return channel_announcement(self.nodes, self.bitcoin, self.scid, **kwargs)

    def update(self, i, timestamp=None, **kwargs):
        return channel_update(self.nodes[i], self.node_id(1 - i), self.scid,
                              timestamp or int(time.time()), capacity_sat=self.capacity_sat,
                              **kwargs)

    def node_announcement(self, i, timestamp=None, **kwargs):
        return node_announcement(self.nodes[i], timestamp or int(time.time()), **kwargs)

    def spend(self, devchain):
        """Mines a transaction spending the funding output (both keys sign)."""
        tx = Tx().add_input(self.tx.txid(), 0)
        tx.add_output(self.capacity_sat - 1000, p2wpkh(pubkey_of(self.bitcoin[0])))
        digest = bip143_sighash(tx, 0, self.witness_script, self.capacity_sat)
        sigs = [der_encode(*ecdsa_sign(k, digest)) + b"\x01" for k in self.bitcoin]
        tx.inputs[0]["witness"] = funding_witness(self.witness_script, sigs[0],
                                                  pubkey_of(self.bitcoin[0]), sigs[1],
                                                  pubkey_of(self.bitcoin[1]))
        devchain.rpc("generateblock", [BURN_ADDRESS, [tx.hex()]])


def connect(node, features=b"", key=None):
    peer = LnPeer.connect("127.0.0.1", node.port, bytes.fromhex(node.id), local=key)
    peer.exchange_init(features)
    return peer


def announce(peer, chan, aliases=("alice", "bob")):
    peer.send_whole(chan.announcement())
    peer.send_whole(chan.update(0))
    peer.send_whole(chan.update(1))
    for i in (0, 1):
        peer.send_whole(chan.node_announcement(i, alias=aliases[i], ipv4=("127.0.0.1", 9735 + i)))


def directions(node, scid_name=None):
    params = {"short_channel_id": scid_name} if scid_name else {}
    return node.rpc("listchannels", params)["channels"]


def wait_channel(node, chan, count=2):
    wait_for(lambda: len(directions(node, chan.name)) == count, timeout=20,
             what="{} directions of {}".format(count, chan.name))


def still_connected(peer):
    """A ping answered: the connection is alive."""
    peer.send_ping(4)
    while True:
        t, payload = peer.recv_msg()
        if t == 19:
            return True


def test_accepted_announcement_is_listed(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node)
    announce(peer, chan)
    wait_channel(node, chan)
    wait_for(lambda: len(node.rpc("listnodes")["nodes"]) == 2, what="both nodes")
    entries = {e["source"]: e for e in directions(node)}
    a, b = chan.node_id(0).hex(), chan.node_id(1).hex()
    assert set(entries) == {a, b}
    e = entries[a]
    assert e["destination"] == b and e["short_channel_id"] == chan.name
    assert e["public"] is True and e["active"] is True
    assert e["amount_msat"] == CAPACITY_SAT * 1000
    assert e["base_fee_millisatoshi"] == 1000 and e["fee_per_millionth"] == 10
    assert e["delay"] == 40 and e["htlc_minimum_msat"] == 1
    assert e["htlc_maximum_msat"] == CAPACITY_SAT * 1000
    assert e["message_flags"] == 1 and e["channel_flags"] == (0 if a < b else 1)
    assert e["features"] == "" and e["last_update"] > 0
    assert [x["source"] for x in node.rpc("listchannels", {"source": a})["channels"]] == [a]
    assert [x["source"] for x in node.rpc("listchannels", {"destination": b})["channels"]] == [a]
    nodes = {n["nodeid"]: n for n in node.rpc("listnodes")["nodes"]}
    assert nodes[a]["alias"] == "alice" and nodes[b]["alias"] == "bob"
    assert nodes[a]["color"] == "010203"
    assert nodes[a]["addresses"] == [{"type": "ipv4", "address": "127.0.0.1", "port": 9735}]
    assert node.rpc("listnodes", {"id": b})["nodes"][0]["alias"] == "bob"
    info = node.rpc("getinfo")
    assert info["num_known_nodes"] == 2 and info["num_known_channels"] == 1
    assert still_connected(peer)


def test_bad_gossip_is_not_accepted(node_factory, devchain):
    """Bad signature, another chain, unknown, wrong-script, shallow and
    spent funding outputs: none enters the graph, each for its reason."""
    funder = Funder(devchain)
    good = Channel(funder)
    wrong_script = Channel(funder, script_keys=[secret(), secret()])
    spent = Channel(funder)
    spent.spend(devchain)
    shallow = Channel(funder, depth=1)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)

    # A bad signature on a channel_announcement: a warning, the connection stays.
    peer = connect(node)
    peer.send_whole(good.announcement(corrupt=2))
    warning = peer.recv_until(WARNING)
    assert b"signature" in warning
    assert still_connected(peer)

    peer.send_whole(good.announcement(chain_hash=b"\x11" * 32))
    unknown = Channel.__new__(Channel)
    unknown.nodes, unknown.bitcoin = [secret(), secret()], [secret(), secret()]
    unknown.scid, unknown.name = scid_pack(good.height, 7, 0), scid_str(good.height, 7, 0)
    peer.send_whole(unknown.announcement())
    for chan in (wrong_script, spent, shallow):
        peer.send_whole(chan.announcement())
    node.wait_for_log("funding output is not the 2-of-2 P2WSH", timeout=20)
    node.wait_for_log("funding output is spent", timeout=20)
    node.wait_for_log("no such funding output", timeout=20)
    node.wait_for_log("fewer than 6 confirmations", timeout=20)
    node.wait_for_log("another chain", timeout=20)
    assert still_connected(peer)
    assert directions(node) == [] and node.rpc("getinfo")["num_known_channels"] == 0

    # A channel_update whose signature is not its node's: warned and closed.
    peer.send_whole(good.announcement())
    peer.send_whole(good.update(0))
    wait_channel(node, good, 1)
    peer.send_whole(good.update(1, corrupt=True))
    msgs = peer.expect_disconnect()
    assert any(t == WARNING and b"signature" in p for t, p in msgs)
    assert len(directions(node, good.name)) == 1


def test_older_or_equal_timestamp_is_ignored(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node)
    now = int(time.time())
    peer.send_whole(chan.announcement())
    peer.send_whole(chan.update(0, timestamp=now, fee_base_msat=5))
    wait_channel(node, chan, 1)
    peer.send_whole(chan.update(0, timestamp=now - 100, fee_base_msat=6))
    peer.send_whole(chan.update(0, timestamp=now, fee_base_msat=5))
    node.wait_for_log("older than the last one")
    node.wait_for_log("is a duplicate")
    assert directions(node)[0]["base_fee_millisatoshi"] == 5
    peer.send_whole(chan.update(0, timestamp=now + 1, fee_base_msat=7))
    wait_for(lambda: directions(node)[0]["base_fee_millisatoshi"] == 7, what="the newer fee")
    assert still_connected(peer)


def test_update_before_announcement_is_held(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node)
    peer.send_whole(chan.update(1))
    peer.send_whole(chan.announcement())
    wait_channel(node, chan, 1)
    assert directions(node)[0]["source"] == chan.node_id(1).hex()


def test_flood_of_duplicates_costs_only_the_flooder(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    flooder = connect(node)
    announce(flooder, chan)
    wait_channel(node, chan)
    ann, upd = chan.announcement(), chan.update(0, timestamp=int(time.time()) - 5)
    with flooder.flight():
        for _ in range(1000):
            flooder.send_whole(ann)
            flooder.send_whole(upd)
    assert still_connected(flooder)
    other = connect(node)
    assert still_connected(other)
    # Junk: a flood of updates for channels that do not exist is held
    # (bounded) and never listed; a malformed one closes the flooder.
    flooder.send_whole(struct.pack(">H", CHANNEL_UPDATE) + b"\x00" * 20)
    flooder.expect_disconnect()
    assert still_connected(other)
    assert len(directions(node)) == 2


def test_relay_to_a_second_peer_not_back(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    source = connect(node)
    source.send_whole(gossip_timestamp_filter())
    listener = connect(node)
    listener.send_whole(gossip_timestamp_filter())
    silent = connect(node)		# sent no filter: gets nothing relayed
    announce(source, chan)
    got = []
    deadline = time.monotonic() + 10
    while len(got) < 5 and time.monotonic() < deadline:
        t, payload = listener.recv_msg(deadline - time.monotonic())
        if t in (CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, NODE_ANNOUNCEMENT):
            got.append(t)
    # The announcement first, then its updates, then the nodes.
    assert got == [CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, CHANNEL_UPDATE, NODE_ANNOUNCEMENT,
                   NODE_ANNOUNCEMENT]
    for peer in (source, silent):
        with pytest.raises(PeerTimeout):
            while True:
                t, _ = peer.recv_msg(3)
                assert t not in (CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, NODE_ANNOUNCEMENT)


def test_answers_gossip_queries(node_factory, devchain):
    funder = Funder(devchain)
    chans = [Channel(funder), Channel(funder)]
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node, features=[GOSSIP_QUERIES_OPTIONAL])
    for chan in chans:
        announce(peer, chan)
    wait_for(lambda: len(directions(node)) == 4, timeout=20, what="both channels")
    asker = connect(node, features=[GOSSIP_QUERIES_OPTIONAL])
    asker.send_whole(query_channel_range())
    first, number, complete, scids = parse_reply_channel_range(asker.recv_until(REPLY_CHANNEL_RANGE))
    assert first == 0 and complete == 1 and first + number >= 0xFFFFFFFF
    assert scids == sorted(c.scid for c in chans)
    # Another chain: answered, with no channels.
    asker.send_whole(query_channel_range(chain_hash=b"\x22" * 32))
    assert parse_reply_channel_range(asker.recv_until(REPLY_CHANNEL_RANGE))[3] == []
    asker.send_whole(query_short_channel_ids([chans[1].scid]))
    got = []
    while True:
        t, payload = asker.recv_msg()
        if t == REPLY_SHORT_CHANNEL_IDS_END:
            assert payload[32] == 1
            break
        if t in (CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, NODE_ANNOUNCEMENT):
            got.append(struct.pack(">H", t) + payload)
    assert got[0] == chans[1].announcement()
    assert [m[:2] for m in got[1:]] == [struct.pack(">H", CHANNEL_UPDATE)] * 2 + \
        [struct.pack(">H", NODE_ANNOUNCEMENT)] * 2


def test_syncs_from_a_peer_with_gossip_queries(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node, features=[GOSSIP_QUERIES_OPTIONAL])
    filt = peer.recv_until(GOSSIP_TIMESTAMP_FILTER)
    assert filt[:32] == bytes.fromhex(
        "06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f")
    query = peer.recv_until(QUERY_CHANNEL_RANGE)
    first, number = struct.unpack(">II", query[32:40])
    peer.send_whole(reply_channel_range([chan.scid], first, number))
    asked = peer.recv_until(QUERY_SHORT_CHANNEL_IDS)
    assert chan.scid in asked
    announce(peer, chan)
    peer.send_whole(reply_short_channel_ids_end())
    wait_channel(node, chan)
    assert still_connected(peer)


def test_restart_keeps_the_graph_and_spent_channels_go(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node)
    announce(peer, chan)
    wait_channel(node, chan)
    wait_for(lambda: len(node.rpc("listnodes")["nodes"]) == 2, what="both nodes")
    before = (directions(node), node.rpc("listnodes")["nodes"])
    peer.close()
    node.stop()
    node.start()
    assert (directions(node), node.rpc("listnodes")["nodes"]) == before
    node.wait_for_log("loaded 1 channels, 2 updates, 2 nodes")
    # Spent: kept 72 blocks (a splice may carry it), then pruned.
    chan.spend(devchain)
    node.wait_for_log("funding output of {} spent".format(chan.name), timeout=20)
    devchain.generate(72, BURN_ADDRESS)
    wait_for(lambda: directions(node) == [], timeout=30, what="the spent channel pruned")
    assert node.rpc("listnodes")["nodes"] == []
    node.stop()
    node.start()
    assert directions(node) == [] and node.rpc("listnodes")["nodes"] == []


def test_spend_undone_by_a_reorg(node_factory, devchain):
    """A spent channel is inactive; if the spending block leaves the
    chain, it is active again."""
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    peer = connect(node)
    announce(peer, chan)
    wait_channel(node, chan)
    assert all(e["active"] for e in directions(node))
    chan.spend(devchain)
    spending_block = devchain.rpc("getbestblockhash")
    wait_for(lambda: not any(e["active"] for e in directions(node)), timeout=20,
             what="the channel inactive")
    devchain.rpc("invalidateblock", [spending_block])
    # Blocks without it (generatetoaddress would mine it again from the mempool).
    for _ in range(2):
        devchain.rpc("generateblock", [BURN_ADDRESS, []])
    wait_for(lambda: all(e["active"] for e in directions(node)), timeout=30,
             what="the channel active again")


def test_connect_uses_the_announced_address(node_factory, devchain):
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    other = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    # other's own key announced with its real address, by lnpeer signing
    # for a channel it is in (we hold its secret: read from its datadir).
    with open(os.path.join(other.net_dir, "node_secret"), "rb") as f:
        other_secret = f.read()[:32]
    chan.nodes[0] = other_secret
    peer = connect(node)
    peer.send_whole(chan.announcement())
    peer.send_whole(chan.update(0))
    peer.send_whole(node_announcement(other_secret, int(time.time()),
                                      ipv4=("127.0.0.1", other.port)))
    wait_for(lambda: node.rpc("listnodes", {"id": other.id})["nodes"][0].get("addresses"),
             timeout=20, what="other's address")
    result = node.rpc("connect", {"id": other.id})
    assert result["id"] == other.id and result["address"]["port"] == other.port


def gossip_received(peer, seconds):
    """The gossip messages peer receives in the next seconds."""
    got = []
    deadline = time.monotonic() + seconds
    try:
        while True:
            t, payload = peer.recv_msg(max(0.01, deadline - time.monotonic()))
            if t in (CHANNEL_ANNOUNCEMENT, CHANNEL_UPDATE, NODE_ANNOUNCEMENT):
                got.append(struct.pack(">H", t) + payload)
    except PeerTimeout:
        return got


def test_timestamp_filter_dumps_what_passes(node_factory, devchain):
    """BOLT 7: on gossip_timestamp_filter, all gossip in its range (a
    channel_announcement by its updates' timestamps); nothing outside."""
    funder = Funder(devchain)
    old, new = Channel(funder), Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    source = connect(node)
    t_old = int(time.time()) - 3600
    source.send_whole(old.announcement())
    source.send_whole(old.update(0, timestamp=t_old))
    source.send_whole(new.announcement())
    source.send_whole(new.update(0))
    source.send_whole(new.update(1))
    wait_for(lambda: len(directions(node)) == 3, timeout=20, what="three directions")

    everything = connect(node)
    everything.send_whole(gossip_timestamp_filter(0, 0xFFFFFFFF))
    # (A channel_announcement still queued for the next broadcast may come
    # twice: a duplicate costs the receiver nothing.)
    got = list(dict.fromkeys(gossip_received(everything, 2)))
    assert len(got) == 5
    assert old.announcement() in got and old.update(0, timestamp=t_old) in got
    assert got.index(new.announcement()) < min(
        i for i, m in enumerate(got) if m[2 + 64 + 32:2 + 64 + 40] == new.scid)

    recent = connect(node)
    recent.send_whole(gossip_timestamp_filter(t_old + 1, 0xFFFFFFFF - t_old - 1))
    got = list(dict.fromkeys(gossip_received(recent, 2)))
    assert old.announcement() not in got and len(got) == 3
    assert got[0] == new.announcement()

    future = connect(node)
    future.send_whole(gossip_timestamp_filter(0xFFFFFFFF, 0))
    assert gossip_received(future, 2) == []


def test_updates_for_unknown_channels_are_bounded(node_factory, devchain):
    """A flood of well-formed updates for channels nobody announced (more
    than the 10,000 held; their signer is unknown, so no signature can be
    checked) is held, bounded, never listed, and the flooder stays."""
    funder = Funder(devchain)
    chan = Channel(funder)
    node = gossip_node(node_factory, devchain)
    wait_synced(node, devchain)
    flooder = connect(node)
    update = bytearray(chan.update(0))
    for start in range(0, 12000, 3000):
        with flooder.flight():
            for i in range(start, start + 3000):
                update[2 + 64 + 32:2 + 64 + 40] = scid_pack(200000 + i, 1, 0)
                flooder.send_whole(bytes(update))
    assert still_connected(flooder)
    assert directions(node) == []
    announce(flooder, chan)
    wait_channel(node, chan)


def test_two_ohmds_sync_and_relay(node_factory, devchain):
    """ohmd to ohmd: a node that connects later learns the graph through
    gossip queries, then gets new gossip relayed."""
    funder = Funder(devchain)
    first, second = Channel(funder), Channel(funder)
    a = gossip_node(node_factory, devchain)
    b = gossip_node(node_factory, devchain)
    wait_synced(a, devchain)
    wait_synced(b, devchain)
    peer = connect(a)
    announce(peer, first)
    wait_channel(a, first)
    wait_for(lambda: len(a.rpc("listnodes")["nodes"]) == 2, what="a's nodes")
    b.rpc("connect", {"id": a.id, "host": "127.0.0.1", "port": a.port})
    wait_channel(b, first)
    wait_for(lambda: len(b.rpc("listnodes")["nodes"]) == 2, what="b's nodes")
    assert directions(b) == directions(a)
    assert sorted(b.rpc("listnodes")["nodes"], key=lambda n: n["nodeid"]) == \
        sorted(a.rpc("listnodes")["nodes"], key=lambda n: n["nodeid"])
    announce(peer, second, aliases=("carol", "dave"))
    wait_channel(b, second)
    wait_for(lambda: len(b.rpc("listnodes")["nodes"]) == 4, what="b's new nodes")
    assert {n.get("alias") for n in b.rpc("listnodes")["nodes"]} == {"alice", "bob", "carol",
                                                                      "dave"}
    # And the fee change of one of them reaches b.
    peer.send_whole(second.update(0, timestamp=int(time.time()) + 1, fee_base_msat=777))
    wait_for(lambda: 777 in [e["base_fee_millisatoshi"] for e in directions(b, second.name)],
             timeout=20, what="the new fee at b")


class ManyChannels:
    """n channels funded by one transaction (outputs 0..n-1)."""

    def __init__(self, funder, n, capacity_sat=CAPACITY_SAT):
        self.channels = []
        for _ in range(n):
            chan = Channel.__new__(Channel)
            chan.nodes, chan.bitcoin = [secret(), secret()], [secret(), secret()]
            chan.capacity_sat = capacity_sat
            chan.witness_script = funding_script(pubkey_of(chan.bitcoin[0]),
                                                 pubkey_of(chan.bitcoin[1]))
            self.channels.append(chan)
        height, tx = funder.fund([(p2wsh(c.witness_script), capacity_sat)
                                  for c in self.channels])
        for i, chan in enumerate(self.channels):
            chan.height, chan.tx = height, tx
            chan.scid, chan.name = scid_pack(height, 1, i), scid_str(height, 1, i)
        funder.devchain.generate(5, BURN_ADDRESS)


def test_a_burst_of_many_announcements_all_enter(node_factory, devchain):
    """More announcements at once than bitcoind is asked about at a time
    (a query's reply brings up to 1000): none is dropped; a later ohmd
    syncs them all."""
    funder = Funder(devchain)
    many = ManyChannels(funder, 40)
    a = gossip_node(node_factory, devchain)
    b = gossip_node(node_factory, devchain)
    wait_synced(a, devchain)
    wait_synced(b, devchain)
    msgs = []
    for chan in many.channels:
        msgs += [chan.announcement(), chan.update(0), chan.update(1),
                 chan.node_announcement(0, alias="n0"), chan.node_announcement(1, alias="n1")]
    peer = connect(a)
    with peer.flight():
        for m in msgs:
            peer.send_whole(m)
    wait_for(lambda: len(directions(a)) == 80, timeout=60, what="all 80 directions at a")
    wait_for(lambda: len(a.rpc("listnodes")["nodes"]) == 80
             and all("alias" in n for n in a.rpc("listnodes")["nodes"]), timeout=20,
             what="all 80 nodes announced at a")
    b.rpc("connect", {"id": a.id, "host": "127.0.0.1", "port": a.port})
    wait_for(lambda: len(directions(b)) == 80, timeout=60, what="all 80 directions at b")
    def nodes(node):
        return sorted(node.rpc("listnodes")["nodes"], key=lambda n: n["nodeid"])
    wait_for(lambda: nodes(b) == nodes(a), timeout=20, what="b's nodes as a's")
