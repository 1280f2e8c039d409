"""Peers that try to exhaust a node's memory or connection slots (issue 10,
D4 and D5): a ping flood that never reads its pongs, a peer that stops
reading what we send, and idle sockets holding every unauthenticated slot.
Each must cost only the attacker's own connections, with ohmd's memory
bounded, while a real peer still gets in and is answered."""
import json
import socket
import struct
import time

import pytest

from lnpeer import (PING, REGTEST_CHAIN_HASH, Handshake, Keypair, LnPeer,
                    PeerDisconnected)
from ohmtest import listening_node, read_response, wait_for

MIB = 1024 * 1024


def proc_status(node, field):
    """A /proc/<pid>/status memory figure of node's ohmd, in bytes."""
    with open("/proc/{}/status".format(node.proc.pid)) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def quarantine_allowance(node):
    """ASan keeps freed memory in quarantine (256 MiB by default), so under
    it the peak counts what was ever allocated, not what was held."""
    with open("/proc/{}/maps".format(node.proc.pid)) as f:
        return 256 * MIB if "libasan" in f.read() else 0


def settled_peak(node, timeout=30):
    """ohmd's peak RSS (VmHWM) once its RSS has stopped changing for a
    second: it has worked through whatever it accepted."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        rss = proc_status(node, "VmRSS")
        if rss == last:
            break
        last = rss
        time.sleep(1)
    return proc_status(node, "VmHWM")


def handshaken(node, source="127.0.0.1", rcvbuf=None):
    """A connection from source that completes the handshake with a fresh
    key (.local) and then sends nothing (not even init); rcvbuf (set before
    connecting, so the TCP window stays small) makes a peer that stops
    reading stop the sender quickly."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", node.port))
    local = Keypair.generate()
    peer = LnPeer(sock, local, Handshake.initiator(local, bytes.fromhex(node.id)))
    peer.send_act1()
    peer.recv_act2()
    peer.send_act3()
    return peer


def peer_from(node, source="127.0.0.1", rcvbuf=None):
    """A handshaken peer that has exchanged init, and its key."""
    peer = handshaken(node, source, rcvbuf)
    peer.exchange_init(networks=[REGTEST_CHAIN_HASH])
    return peer, peer.local


def is_closed(sock):
    """True if the other end has closed sock (EOF or reset); reads and
    discards whatever it had sent."""
    sock.setblocking(False)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except (BlockingIOError, InterruptedError):
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
    finally:
        sock.setblocking(True)


def real_peer_works(target, real):
    """real (another ohmd) connects to target and target's ping RPC to it is
    answered: the node still serves the peers that matter."""
    started = time.monotonic()
    result = real.rpc("connect", ["{}@127.0.0.1:{}".format(target.id, target.port)],
                      timeout=10)
    assert result["id"] == target.id
    assert time.monotonic() - started < 5
    real_id = real.rpc("getinfo")["id"]
    wait_for(lambda: any(p["id"] == real_id for p in target.rpc("listpeers")["peers"]),
             what="target to list the real peer")
    assert target.rpc("ping", [real_id, 0, 100], timeout=10)["totlen"] == 2 + 2 + 100


def test_ping_flood_without_reading_keeps_memory_bounded(node_factory):
    target = listening_node(node_factory, "target")
    real = node_factory.new("real")
    flooder, _ = peer_from(target)
    rss_before = proc_status(target, "VmRSS")

    # 20,000 pings of 6 bytes, each asking for the largest pong (65,531
    # bytes), and never a byte read back.
    ping = struct.pack(">HHH", PING, 65531, 0)
    flood = b"".join(flooder.transport.encrypt(ping) for _ in range(20000))
    flooder.sock.settimeout(20)
    try:
        flooder.sock.sendall(flood)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    peak = settled_peak(target)
    print("ohmd VmRSS before the flood {:.1f} MiB, peak after {:.1f} MiB".format(
        rss_before / MIB, peak / MIB))
    assert peak - rss_before < 64 * MIB

    # The flooder lost its connection (its pings beyond the limit cost it
    # the connection, never a pong we were obliged to send).
    assert wait_for(lambda: is_closed(flooder.sock), timeout=10, what="flooder dropped")
    target.wait_for_log("too many pings")
    flooder.close()
    real_peer_works(target, real)


def rpc_pings(target, peer_id, count, ignored_len):
    """Sends count `ping` requests (our pings to peer_id, each carrying
    ignored_len bytes) on their own RPC sockets, without waiting."""
    socks = []
    for i in range(count):
        sock = target.connect_rpc()
        sock.sendall(json.dumps({"jsonrpc": "2.0", "id": i, "method": "ping",
                                 "params": [peer_id, ignored_len, 1]}).encode())
        socks.append(sock)
    return socks


def answers(socks, timeout):
    out = []
    for sock in socks:
        out.append(read_response(sock, timeout=timeout))
        sock.close()
    return out


def test_output_over_the_cap_disconnects(node_factory):
    """Our own messages to a peer that stopped reading pile up in its output
    buffer; past the cap (16 MiB) the connection is dropped at once."""
    target = listening_node(node_factory, "target")
    real = node_factory.new("real")
    sleeper, key = peer_from(target, rcvbuf=4096)
    rss_before = proc_status(target, "VmRSS")
    # 400 pings of 65,529 ignored bytes: 26 MB, more than the kernel's
    # socket buffers and the cap together.
    socks = rpc_pings(target, key.pubkey.hex(), 400, 65529)
    replies = answers(socks, timeout=15)
    assert all("error" in r for r in replies[-100:]), replies[-1]
    target.wait_for_log("queued output passed")
    peak = proc_status(target, "VmHWM")
    print("ohmd VmRSS before {:.1f} MiB, peak {:.1f} MiB".format(rss_before / MIB, peak / MIB))
    assert peak - rss_before < 48 * MIB + quarantine_allowance(target)
    assert wait_for(lambda: is_closed(sleeper.sock), timeout=10, what="sleeper dropped")
    sleeper.close()
    real_peer_works(target, real)


def test_peer_that_stops_reading_is_dropped(node_factory):
    """A peer that accepts nothing more for the write timeout loses its
    connection, and requests waiting on it are answered."""
    target = listening_node(node_factory, "target", extra=["--dev-peer-write-timeout=2"])
    sleeper, key = peer_from(target, rcvbuf=4096)
    # 100 pings of 65,529 bytes: more than the socket buffers take, less
    # than the output cap.
    socks = rpc_pings(target, key.pubkey.hex(), 100, 65529)
    started = time.monotonic()
    replies = answers(socks, timeout=15)
    assert all("error" in r for r in replies[-20:]), replies[-1]
    assert time.monotonic() - started < 12
    target.wait_for_log("does not read")
    sleeper.close()


def idle_sockets(node, sources, per_source):
    """Opens per_source TCP connections to node from each source address
    and sends nothing on them."""
    socks = []
    for source in sources:
        for _ in range(per_source):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((source, 0))
            s.connect(("127.0.0.1", node.port))
            socks.append((source, s))
    return socks


def still_open(socks):
    return [(source, s) for source, s in socks if not is_closed(s)]


def test_idle_sockets_from_one_address_do_not_lock_peers_out(node_factory):
    target = listening_node(node_factory, "target")
    real = listening_node(node_factory, "real")
    socks = idle_sockets(target, ["127.0.0.1"], 100)
    # One address holds at most its own small share of the slots.
    wait_for(lambda: len(still_open(socks)) <= 4, what="evictions from 127.0.0.1")
    assert socks[-1] in still_open(socks)
    real_peer_works(target, real)
    for _, s in socks:
        s.close()


def test_idle_sockets_from_many_addresses_do_not_lock_peers_out(node_factory):
    target = listening_node(node_factory, "target")
    real = listening_node(node_factory, "real")
    real_id = real.rpc("getinfo")["id"]
    # A known peer first, that then goes away and must be able to return.
    real.rpc("connect", ["{}@127.0.0.1:{}".format(target.id, target.port)])
    real.rpc("disconnect", [target.id])
    wait_for(lambda: not target.rpc("listpeers")["peers"], what="the peer to leave")

    sources = ["127.0.{}.{}".format(i // 200, 2 + i % 200) for i in range(150)]
    socks = idle_sockets(target, sources, 2)
    wait_for(lambda: len(still_open(socks)) <= 64, what="evictions down to 64")
    open_now = still_open(socks)
    # The newest held on; the oldest were evicted to make room.
    assert socks[-1] in open_now and socks[0] not in open_now
    real_peer_works(target, real)
    assert target.rpc("listpeers", [real_id])["peers"][0]["connected"]
    for _, s in socks:
        s.close()


def test_strangers_cannot_crowd_out_a_channel_peer(node_factory, devchain):
    from channelutil import chain_node, open_channel, wait_connected
    target = chain_node(node_factory, devchain, "target")
    real = chain_node(node_factory, devchain, "real", funded=True)
    open_channel(real, target, devchain)
    real.rpc("disconnect", [target.id, True])
    wait_for(lambda: not target.rpc("listpeers")["peers"], what="the channel peer to leave")

    # 140 nodes we have no channel with finish the handshake and idle, and
    # 100 more sockets never start it, from many addresses.
    strangers = [handshaken(target, "127.0.1.{}".format(1 + i % 50)) for i in range(140)]
    idle = idle_sockets(target, ["127.0.2.{}".format(i) for i in range(1, 51)], 2)
    wait_for(lambda: len([p for p in strangers if not is_closed(p.sock)]) <= 128,
             what="strangers evicted down to 128")
    assert not is_closed(strangers[-1].sock) and is_closed(strangers[0].sock)
    wait_for(lambda: len(still_open(idle)) <= 64, what="idle sockets evicted down to 64")

    # The channel peer comes back at once, and more strangers do not evict it.
    real_peer_works(target, real)
    wait_connected(real, target)
    strangers += [handshaken(target, "127.0.3.{}".format(i)) for i in range(1, 21)]
    assert target.rpc("ping", [real.id, 0, 8], timeout=10)["totlen"] == 12
    assert target.rpc("listpeers", [real.id])["peers"][0]["connected"]
    for p in strangers:
        p.close()
    for _, s in idle:
        s.close()
