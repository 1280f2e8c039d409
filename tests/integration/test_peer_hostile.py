"""Peers that break BOLT 1 and BOLT 8, scripted with lnpeer: each may end
its own connection, never the node, and leaves a log line saying why."""
import struct

import pytest

from lnpeer import (ERROR, GOSSIP_TIMESTAMP_FILTER, INIT, PING, PONG, WARNING, Keypair,
                    LnPeer, PeerDisconnected, REGTEST_CHAIN_HASH, parse_error)
from ohmtest import listening_node


@pytest.fixture
def target(node_factory):
    """A listening node, and a well-behaved second node to prove it still works."""
    return listening_node(node_factory, "target")


def healthy(node, node_factory):
    """The node still answers RPC and accepts a well-behaved peer."""
    assert node.rpc("getinfo")["id"] == node.id
    peer = LnPeer.connect("127.0.0.1", node.port, node.id)
    peer.exchange_init(networks=[REGTEST_CHAIN_HASH])
    peer.send_ping(16, 0)
    peer.expect_pong(16)
    peer.close()


def connected(node):
    peer = LnPeer.connect("127.0.0.1", node.port, node.id)
    theirs = peer.exchange_init(networks=[REGTEST_CHAIN_HASH])
    # BOLT 7: ohmd asks for gossip with a gossip_timestamp_filter after init.
    peer.recv_until(GOSSIP_TIMESTAMP_FILTER)
    return peer, theirs


def warning_text(messages):
    texts = [parse_error(payload)[1] for kind, payload in messages if kind in (WARNING, ERROR)]
    return " ".join(t.decode() if isinstance(t, bytes) else t for t in texts)


def test_init_carries_our_chain(target):
    peer, theirs = connected(target)
    assert theirs["networks"] == [REGTEST_CHAIN_HASH]
    peer.close()


def test_bad_mac_after_handshake(target, node_factory):
    peer, _ = connected(target)
    peer.send_frame_with_bad_mac(struct.pack(">HHH", PING, 4, 0))
    peer.expect_disconnect()
    target.wait_for_log("bad MAC on a message body")
    healthy(target, node_factory)


def test_bad_mac_on_length(target, node_factory):
    peer, _ = connected(target)
    peer.send_frame_with_bad_mac(struct.pack(">HHH", PING, 4, 0), where="header")
    peer.expect_disconnect()
    target.wait_for_log("bad MAC on a message length")
    healthy(target, node_factory)


def test_oversized_length_then_garbage(target, node_factory):
    peer, _ = connected(target)
    # The largest length BOLT 8 can express, then far more bytes than that.
    peer.send_length_header(65535)
    try:
        peer.send_raw(b"\xaa" * 200000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    peer.expect_disconnect()
    target.wait_for_log("bad MAC on a message body")
    healthy(target, node_factory)


def test_stalled_frame_is_dropped_by_ping_timeout(node_factory):
    node = listening_node(node_factory, extra=["--dev-ping-interval=1"])
    peer, _ = connected(node)
    peer.send_length_header(65535)
    peer.send_raw(b"\x00" * 100)       # and never the rest
    with pytest.raises(PeerDisconnected):
        while True:
            peer.recv_msg(timeout=10)
    node.wait_for_log("no pong within 1s")
    healthy(node, node_factory)


def test_frame_too_short_for_a_type(target, node_factory):
    peer, _ = connected(target)
    peer.send_length_header(1)
    peer.send_body(b"\x00")
    messages = peer.expect_disconnect()
    assert "has no type" in warning_text(messages)
    healthy(target, node_factory)


def test_unknown_even_message(target, node_factory):
    peer, _ = connected(target)
    peer.send_msg(32768 + 100, b"hello")
    messages = peer.expect_disconnect()
    assert "unknown even message type 32868" in warning_text(messages)
    target.wait_for_log("unknown even message type 32868")
    healthy(target, node_factory)


def test_unknown_odd_message_ignored(target):
    peer, _ = connected(target)
    peer.send_msg(32769, b"ignore me")
    peer.send_ping(8, 0)
    peer.expect_pong(8)
    target.wait_for_log("ignoring unknown odd message type 32769")
    peer.close()


def test_message_before_init(target, node_factory):
    peer = LnPeer.connect("127.0.0.1", target.port, target.id)
    peer.send_ping(4, 0)
    messages = peer.expect_disconnect()
    assert "first message was type 18, not init" in warning_text(messages)
    healthy(target, node_factory)


def test_chain_hash_mismatch(target, node_factory):
    bitcoin = bytes.fromhex("6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000")
    peer = LnPeer.connect("127.0.0.1", target.port, target.id)
    peer.send_init(b"", networks=[bitcoin])
    messages = peer.expect_disconnect()
    assert "no common chain: we are on regtest" in warning_text(messages)
    target.wait_for_log("no common chain")
    healthy(target, node_factory)


def test_unknown_required_feature(target, node_factory):
    peer = LnPeer.connect("127.0.0.1", target.port, target.id)
    peer.send_init([100], networks=[REGTEST_CHAIN_HASH])
    messages = peer.expect_disconnect()
    assert "100" in warning_text(messages)
    target.wait_for_log("sending warning .*100")
    healthy(target, node_factory)


def test_unknown_optional_feature_accepted(target):
    peer = LnPeer.connect("127.0.0.1", target.port, target.id)
    peer.send_init([101], networks=[REGTEST_CHAIN_HASH])
    assert peer.recv_until(INIT) is not None
    peer.send_ping(2, 0)
    peer.expect_pong(2)
    peer.close()


def test_ping_rules(target):
    peer, _ = connected(target)
    # BOLT 1: num_pong_bytes >= 65532 MUST be ignored ...
    peer.send_ping(65532, 10)
    # ... and other pings answered with exactly num_pong_bytes.
    peer.send_ping(300, 1000)
    kind, payload = peer.recv_msg()
    assert kind == PONG
    assert struct.unpack(">H", payload[:2])[0] == 300 and len(payload) == 302
    peer.close()


def test_unsolicited_pong(target, node_factory):
    peer, _ = connected(target)
    peer.send_msg(PONG, struct.pack(">H", 3) + b"\x00" * 3)
    messages = peer.expect_disconnect()
    assert "pong without a ping" in warning_text(messages)
    healthy(target, node_factory)


def test_no_pong_disconnects(node_factory):
    node = listening_node(node_factory, extra=["--dev-ping-interval=1"])
    peer, _ = connected(node)
    pings = 0
    with pytest.raises(PeerDisconnected):
        while True:
            kind, _ = peer.recv_msg(timeout=10)   # never answering
            pings += kind == PING
    assert pings >= 1
    node.wait_for_log("no pong within 1s")


def test_peer_error_ends_connection(target, node_factory):
    peer, _ = connected(target)
    peer.send_error("something\nbad\x00happened")
    peer.expect_disconnect()
    # Peer text is escaped before it reaches the log.
    target.wait_for_log(r"peer sent error: something\\x0abad\\x00happened")
    healthy(target, node_factory)


def test_peer_warning_keeps_connection(target):
    peer, _ = connected(target)
    peer.send_msg(WARNING, b"\x00" * 32 + struct.pack(">H", 4) + b"meh!")
    peer.send_ping(1, 0)
    peer.expect_pong(1)
    target.wait_for_log("sent warning: meh!")
    peer.close()


def test_malformed_init(target, node_factory):
    peer = LnPeer.connect("127.0.0.1", target.port, target.id)
    peer.send_msg(INIT, b"\x00\x05\x01")   # gflen 5, one byte
    messages = peer.expect_disconnect()
    assert "malformed init" in warning_text(messages)
    healthy(target, node_factory)


def test_many_hostile_peers_do_not_disturb_a_good_one(target, node_factory):
    good, _ = connected(target)
    for i in range(20):
        bad, _ = connected(target)
        if i % 2:
            bad.send_garbage_after_handshake(100)
        else:
            bad.send_msg(2, b"")
        bad.expect_disconnect()
    good.send_ping(5, 0)
    good.expect_pong(5)
    assert target.rpc("getinfo")["num_peers"] == 1
    good.close()
    healthy(target, node_factory)


def test_handshake_with_unknown_key_fails_at_act_three(target, node_factory):
    # A peer that thinks it talks to someone else fails act two's MAC on its
    # side; ohmd then sees the connection drop during the handshake.
    peer = LnPeer.open("127.0.0.1", target.port, Keypair.generate().pubkey)
    peer.send_act1()
    with pytest.raises(Exception):
        peer.recv_act2()
    peer.close()
    healthy(target, node_factory)


def test_stop_with_requests_waiting_on_a_peer(target):
    """ohmd stops cleanly (no leak, exit 0) while a ping waits for a pong
    that never comes."""
    import json
    from ohmtest import assert_clean_exit, read_response
    key = Keypair.generate()
    peer = LnPeer.connect("127.0.0.1", target.port, target.id, local=key)
    peer.exchange_init(networks=[REGTEST_CHAIN_HASH])
    peer.recv_until(GOSSIP_TIMESTAMP_FILTER)
    sock = target.connect_rpc()
    sock.sendall(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping",
                             "params": [key.pubkey.hex()]}).encode())
    kind, _ = peer.recv_msg()
    assert kind == PING       # received, and never answered
    target.signal(15)
    assert_clean_exit(target, target.wait_exit())
    # The waiting client was told (or at least not left hanging).
    try:
        answer = read_response(sock, timeout=5)
        assert "error" in answer
    except ConnectionError:
        pass
    sock.close()
    peer.close()


def test_channel_messages_for_unknown_channels_get_an_error(target):
    """BOLT 1: an `error` naming the unknown channel, and the connection
    stays (ohm does not run channels yet)."""
    peer, _ = connected(target)
    temp_id = bytes(range(32))
    peer.send_msg(32, REGTEST_CHAIN_HASH + temp_id + b"\x00" * 200)   # open_channel
    kind, payload = peer.recv_msg()
    assert kind == ERROR
    channel_id, text = parse_error(payload)
    assert channel_id == temp_id
    channel = bytes([7]) * 32
    peer.send_msg(128, channel + b"\x00" * 50)                       # update_add_htlc
    kind, payload = peer.recv_msg()
    assert kind == ERROR and parse_error(payload)[0] == channel
    peer.send_ping(3, 0)
    peer.expect_pong(3)
    peer.close()


def test_channel_message_too_short(target, node_factory):
    peer, _ = connected(target)
    peer.send_msg(132, b"\x01\x02")                                   # commitment_signed
    messages = peer.expect_disconnect()
    assert "too short" in warning_text(messages)
    healthy(target, node_factory)
