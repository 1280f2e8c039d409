"""Two real nodes over BOLT 8: connect, listpeers, ping, disconnect."""
import socket
import time

import pytest

from ohmtest import free_port, listening_node, wait_for


def peer_ids(node):
    return [p["id"] for p in node.rpc("listpeers")["peers"]]


def test_getinfo_reports_binding(node_factory):
    a = listening_node(node_factory)
    info = a.rpc("getinfo")
    assert info["binding"] == [{"type": "ipv4", "address": "127.0.0.1", "port": a.port}]
    assert info["address"] == []


def test_ipv6_binding(node_factory):
    port = free_port()
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", port))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    a = node_factory.new(args=["--addr=[::1]:{}".format(port)])
    assert a.rpc("getinfo")["binding"] == [{"type": "ipv6", "address": "::1", "port": port}]
    b = node_factory.new()
    result = b.rpc("connect", ["{}@[::1]:{}".format(a.rpc("getinfo")["id"], port)])
    assert result["address"] == {"type": "ipv6", "address": "::1", "port": port}


def test_connect_both_ways(node_factory):
    a = listening_node(node_factory, "alice")
    b = listening_node(node_factory, "bob")
    a_id, b_id = a.rpc("getinfo")["id"], b.rpc("getinfo")["id"]

    result = a.rpc("connect", ["{}@127.0.0.1:{}".format(b_id, b.port)])
    assert result["id"] == b_id
    assert result["direction"] == "out"
    assert result["address"] == {"type": "ipv4", "address": "127.0.0.1", "port": b.port}
    assert isinstance(result["features"], str)
    wait_for(lambda: peer_ids(b) == [a_id], what="bob to list alice")
    assert peer_ids(a) == [b_id]
    peer = b.rpc("listpeers")["peers"][0]
    assert peer["connected"] is True and peer["num_channels"] == 0
    assert peer["features"] == result["features"]
    assert a.rpc("getinfo")["num_peers"] == 1
    a.wait_for_log("peer {} connected".format(b_id))
    b.wait_for_log("peer {} connected".format(a_id))

    # And the other way round, with the three-argument form.
    a.rpc("disconnect", [b_id])
    wait_for(lambda: peer_ids(b) == [], what="bob to see the disconnect")
    result = b.rpc("connect", {"id": a_id, "host": "127.0.0.1", "port": a.port})
    assert result["direction"] == "out"
    wait_for(lambda: peer_ids(a) == [b_id], what="alice to list bob")
    assert a.rpc("listpeers", [b_id])["peers"][0]["id"] == b_id


def test_ping(node_factory):
    a = listening_node(node_factory)
    b = node_factory.new()
    a_id = a.rpc("getinfo")["id"]
    b.rpc("connect", ["{}@127.0.0.1:{}".format(a_id, a.port)])
    assert b.rpc("ping", [a_id]) == {"totlen": 132}
    assert b.rpc("ping", {"id": a_id, "len": 1000, "pongbytes": 10}) == {"totlen": 14}
    assert b.rpc("ping", [a_id, 0, 0]) == {"totlen": 4}
    # 65532 and more: the peer must not answer, so there is nothing to wait for.
    assert b.rpc("ping", [a_id, 10, 65532]) == {"totlen": 0}
    assert b.rpc("ping", [a_id, 65529, 65531]) == {"totlen": 65535}
    error = b.call("ping", [a_id, 65530])["error"]
    assert error["code"] == -32602 and "'len' must be at most 65529" in error["message"]
    # Pings keep working after the ignored one.
    assert b.rpc("ping", [a_id]) == {"totlen": 132}


def test_disconnect_drops_both_sides(node_factory):
    a = listening_node(node_factory)
    b = node_factory.new()
    a_id, b_id = a.rpc("getinfo")["id"], b.rpc("getinfo")["id"]
    b.rpc("connect", ["{}@127.0.0.1:{}".format(a_id, a.port)])
    wait_for(lambda: peer_ids(a) == [b_id])
    assert b.rpc("disconnect", [a_id]) == {}
    assert peer_ids(b) == []
    wait_for(lambda: peer_ids(a) == [], what="the other side to drop")
    a.wait_for_log("peer {} disconnected".format(b_id))
    error = b.call("disconnect", [a_id])["error"]
    assert "not connected" in error["message"]


def test_reconnect_uses_stored_address(node_factory):
    a = listening_node(node_factory)
    b = node_factory.new()
    a_id = a.rpc("getinfo")["id"]
    b.rpc("connect", ["{}@127.0.0.1:{}".format(a_id, a.port)])
    b.rpc("disconnect", [a_id])
    # Restart b: the address comes from its database.
    b.stop()
    b.start()
    result = b.rpc("connect", [a_id])
    assert result["address"]["port"] == a.port


def test_second_connection_replaces_first(node_factory):
    from lnpeer import Keypair, LnPeer
    a = listening_node(node_factory)
    a_id = a.rpc("getinfo")["id"]
    key = Keypair.generate()
    first = LnPeer.connect("127.0.0.1", a.port, a_id, local=key)
    first.exchange_init(networks=None)
    wait_for(lambda: peer_ids(a) == [key.pubkey.hex()])
    second = LnPeer.connect("127.0.0.1", a.port, a_id, local=key)
    second.exchange_init(networks=None)
    first.expect_disconnect(timeout=10)
    a.wait_for_log("replaced by a newer connection")
    assert peer_ids(a) == [key.pubkey.hex()]
    # The newer connection is the live one.
    second.send_ping(7, 0)
    second.expect_pong(7)
    second.close()


# The secp256k1 generator: a valid point that is nobody's node.
G = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


def test_connect_errors(node_factory):
    a = node_factory.new()
    a_id = a.rpc("getinfo")["id"]
    cases = [
        (["zz"], "parameter 'id' must be a node id"),
        (["02" + "00" * 32], "parameter 'id' must be a node id"),    # not on the curve
        (["04" + G[2:]], "parameter 'id' must be a node id"),        # not compressed
        ([G + "@127.0.0.1:0"], "parameter 'id': port '0'"),
        ([G + "@[::1"], "parameter 'id': '[::1' has '[' without ']'"),
        ([G, ""], "parameter 'host' is empty"),
        ([a_id + "@127.0.0.1"], "this node's own id"),
        ([G + "@127.0.0.1", "127.0.0.1"], "given twice"),
        ([G, "127.0.0.1", 70000], "'port' must be from 1 to 65535"),
        ([G, "127.0.0.1", -1], "'port' must be an unsigned integer"),
        ([G, 5], "parameter 'host' must be a string, got integer"),
    ]
    for params, message in cases:
        error = a.call("connect", params)["error"]
        assert error["code"] == -32602, (params, error)
        assert message in error["message"], (params, error)


def test_connect_refused_and_unknown_address(node_factory):
    a = node_factory.new()
    b = node_factory.new()
    b_id = b.rpc("getinfo")["id"]
    port = free_port()
    error = a.call("connect", ["{}@127.0.0.1:{}".format(b_id, port)])["error"]
    assert error["code"] == 401
    assert "Connection refused" in error["message"]
    error = a.call("connect", [b_id])["error"]
    assert error["code"] == 400
    assert "no address known" in error["message"]


def test_connect_to_wrong_node_id_fails_handshake(node_factory):
    a = listening_node(node_factory)
    b = node_factory.new()
    wrong = b.rpc("getinfo")["id"]    # b's own key is not a's
    c = node_factory.new()
    error = c.call("connect", ["{}@127.0.0.1:{}".format(wrong, a.port)])["error"]
    assert error["code"] in (401, 402)
    assert "handshake" in error["message"] or "closed" in error["message"]
    assert a.rpc("getinfo")["num_peers"] == 0


def test_silent_peer_times_out(node_factory):
    a = listening_node(node_factory, extra=["--dev-handshake-timeout=1"])
    with socket.create_connection(("127.0.0.1", a.port)) as sock:
        sock.settimeout(10)
        start = time.monotonic()
        assert sock.recv(100) == b""     # closed by ohmd
        assert time.monotonic() - start < 8
    a.wait_for_log("timed out after 1s in the handshake")
    assert a.rpc("getinfo")["num_peers"] == 0


def test_garbage_and_truncated_act_one(node_factory):
    a = listening_node(node_factory, extra=["--dev-handshake-timeout=2"])
    with socket.create_connection(("127.0.0.1", a.port)) as sock:
        sock.sendall(b"\x00" + b"G" * 49)     # a bad key in act one
        sock.settimeout(10)
        assert sock.recv(100) == b""
    a.wait_for_log("handshake failed: ACT1_BAD_PUBKEY")
    with socket.create_connection(("127.0.0.1", a.port)) as sock:
        sock.sendall(b"\x01" * 50)            # bad version
        sock.settimeout(10)
        assert sock.recv(100) == b""
    a.wait_for_log("ACT1_BAD_VERSION")
    with socket.create_connection(("127.0.0.1", a.port)) as sock:
        sock.sendall(b"\x00\x02" + b"\x01" * 20)   # truncated, then silence
        sock.settimeout(10)
        assert sock.recv(100) == b""
    a.wait_for_log("timed out after 2s in the handshake")
    assert a.rpc("getinfo")["id"]


def test_unauthenticated_connection_cap(node_factory):
    """At most 4 unfinished handshakes from one source: a newer connection
    evicts the oldest rather than being refused (test_peer_flood.py has the
    64 in all, from many sources)."""
    a = listening_node(node_factory)
    socks = []
    try:
        for _ in range(10):
            socks.append(socket.create_connection(("127.0.0.1", a.port)))
        # Give ohmd time to accept them all.
        time.sleep(0.5)
        for s in socks[:6]:
            s.settimeout(10)
            assert s.recv(10) == b""
        for s in socks[6:]:
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(10)
        a.wait_for_log("evicted for a newer connection from 127.0.0.1")
    finally:
        for s in socks:
            s.close()
    # Once they are gone, connections are accepted again.
    b = node_factory.new()
    wait_for(lambda: b.call("connect", ["{}@127.0.0.1:{}".format(
        a.rpc("getinfo")["id"], a.port)]).get("result"), what="connect after the flood")


def test_bad_addr_option(tmp_path):
    import subprocess
    from ohmtest import OHMD
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        result = subprocess.run([OHMD, "--ohm-dir=" + str(tmp_path),
                                 "--addr=127.0.0.1:{}".format(port)],
                                capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "option 'addr': cannot listen on 127.0.0.1:{}".format(port) in result.stderr
