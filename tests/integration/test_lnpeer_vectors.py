"""lnpeer.py checked against the BOLT 8 / BOLT 1 test vectors, plus a
loopback run of two LnPeers over a local socket.  No ohmd needed."""
import json
import os
import struct
import sys
import threading

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

import lnpeer  # noqa: E402
from lnpeer import (  # noqa: E402
    ERROR, INIT, PING, PONG, REGTEST_CHAIN_HASH, WARNING, DecryptError,
    Handshake, HandshakeBadCiphertext, HandshakeBadPubkey, HandshakeBadTag,
    HandshakeBadVersion, HandshakeError, HandshakeReadError, Keypair, LnPeer,
    PeerDisconnected, PeerTimeout, Transport)

HERE = os.path.dirname(os.path.abspath(__file__))
# The repository's own vectors (tests/vectors/, from contrib/extract-vectors.py).
VECTORS = os.environ.get("OHM_VECTORS") or os.path.join(HERE, "..", "vectors")


def load(name):
    """Missing vectors are an error, not a skip: a silently skipped vector
    test would hide a broken checkout."""
    path = os.path.join(VECTORS, name)
    if not os.path.exists(path):
        raise FileNotFoundError("vectors not found at {} (set OHM_VECTORS)".format(path))
    with open(path) as f:
        return json.load(f)


B8 = load("bolt08-transport.json")
H = bytes.fromhex

ERROR_CLASSES = {
    "READ_FAILED": HandshakeReadError,
    "BAD_VERSION": HandshakeBadVersion,
    "BAD_PUBKEY": HandshakeBadPubkey,
    "BAD_CIPHERTEXT": HandshakeBadCiphertext,
    "BAD_TAG": HandshakeBadTag,
}


def run_vector(t):
    """Play a handshake vector; return the Handshake (or raise HandshakeError)."""
    keys = t["keys"]
    local = Keypair.from_secret(H(keys["ls_priv"]))
    e = Keypair.from_secret(H(keys["e_priv"]))
    assert local.pubkey.hex() == keys["ls_pub"]
    assert e.pubkey.hex() == keys["e_pub"]
    if t["role"] == "initiator":
        hs = Handshake.initiator(local, H(keys["rs_pub"]), ephemeral=e)
        steps = {1: hs.make_act1, 2: hs.read_act2, 3: hs.make_act3}
    else:
        hs = Handshake.responder(local, ephemeral=e)
        steps = {1: hs.read_act1, 2: hs.make_act2, 3: hs.read_act3}
    for act in t["acts"]:
        if act["direction"] == "send":
            assert steps[act["act"]]().hex() == act["hex"], "act {}".format(act["act"])
        else:
            steps[act["act"]](H(act["hex"]))
    return hs


HANDSHAKE_VECTORS = B8["initiator_tests"] + B8["responder_tests"]


@pytest.mark.parametrize("t", HANDSHAKE_VECTORS, ids=[t["name"] for t in HANDSHAKE_VECTORS])
def test_handshake_vector(t):
    result = t["result"]
    if result["ok"]:
        hs = run_vector(t)
        assert hs.sk.hex() == result["sk"]
        assert hs.rk.hex() == result["rk"]
        # Final chaining key is the message test's ck.
        assert hs.ck.hex() == B8["message_tests"][0]["ck"]
        if t["role"] == "responder":
            assert hs.remote_pubkey.hex() == B8["initiator_tests"][0]["keys"]["ls_pub"]
    else:
        kind = result["error"].split("_", 1)[1]
        with pytest.raises(ERROR_CLASSES[kind]) as info:
            run_vector(t)
        assert info.value.code == result["error"]
        assert info.value.act == result["at_act"]


def test_all_vectors_present():
    assert len(B8["initiator_tests"]) == 5
    assert len(B8["responder_tests"]) == 10
    assert len(B8["message_tests"]) == 1


def test_handshake_errors_are_distinct():
    classes = list(ERROR_CLASSES.values())
    assert len(set(classes)) == len(classes)
    for c in classes:
        assert issubclass(c, HandshakeError)
        for other in classes:
            assert c is other or not issubclass(c, other)


def test_initiator_trace_h():
    """Spot-check the intermediate handshake hash after act 1."""
    t = B8["initiator_tests"][0]
    hs = Handshake.initiator(Keypair.from_secret(H(t["keys"]["ls_priv"])),
                             H(t["keys"]["rs_pub"]),
                             ephemeral=Keypair.from_secret(H(t["keys"]["e_priv"])))
    hs.make_act1()
    h_values = [x["text"][4:] for x in t["trace"] if x["act"] == 1 and x["text"].startswith("h=")]
    assert hs.h.hex() == h_values[-1]


def test_message_encryption_vector():
    m = B8["message_tests"][0]
    msg = H(m["plaintext_hex"])
    init = Transport(H(m["sk"]), H(m["rk"]), H(m["ck"]))
    resp = Transport(H(m["rk"]), H(m["sk"]), H(m["ck"]))
    frames = {}
    for i in range(1002):
        frame = init.encrypt(msg)
        frames[i] = frame
        # The responder decrypts every frame (exercising receive-side rotation).
        length = resp.decrypt_header(frame[:18])
        assert length == len(msg)
        assert resp.decrypt_body(frame[18:]) == msg
        if i == 499:   # 1000 nonces used: first rotation just happened
            rot = m["key_rotations"][0]
            assert (init.send.ck.hex(), init.send.k.hex()) == (rot["new_ck"], rot["new_k"])
            assert init.send.n == 0
    for i, expected in m["outputs"].items():
        assert frames[int(i)].hex() == expected, "message {}".format(i)
    rot = m["key_rotations"][1]
    assert (init.send.ck.hex(), init.send.k.hex()) == (rot["new_ck"], rot["new_k"])
    assert init.send.n == 4   # messages 1000 and 1001 after the second rotation


def test_bad_mac_detected():
    m = B8["message_tests"][0]
    init = Transport(H(m["sk"]), H(m["rk"]), H(m["ck"]))
    resp = Transport(H(m["rk"]), H(m["sk"]), H(m["ck"]))
    frame = bytearray(init.encrypt(b"hello"))
    frame[-1] ^= 1
    assert resp.decrypt_header(bytes(frame[:18])) == 5
    with pytest.raises(DecryptError):
        resp.decrypt_body(bytes(frame[18:]))


def test_keypair_and_ecdh_match_cryptography():
    a, b = Keypair.generate(), Keypair.generate()
    # Our pure-Python point multiplication agrees with OpenSSL's pubkey...
    assert lnpeer.encode_pubkey(lnpeer._point_mul(int.from_bytes(a.secret, "big"), lnpeer._G)) == a.pubkey
    # ...ECDH is symmetric...
    assert a.ecdh(b.pubkey) == b.ecdh(a.pubkey)
    # ...and the shared point's x matches OpenSSL's ECDH output.
    shared = lnpeer._point_mul(int.from_bytes(a.secret, "big"), lnpeer.decode_pubkey(b.pubkey))
    ossl_x = a._key.exchange(ec.ECDH(), b._key.public_key())
    assert shared[0].to_bytes(32, "big") == ossl_x
    with pytest.raises(ValueError):
        Keypair.from_secret(b"\x00" * 32)
    with pytest.raises(ValueError):
        lnpeer.decode_pubkey(b"\x04" + b"\x11" * 32)


def test_bigsize_vectors():
    v = load("bolt01-bigsize.json")
    for t in v["decoding_tests"]:
        data = H(t["bytes"])
        if "exp_error" in t:
            with pytest.raises(ValueError):
                lnpeer.decode_bigsize(data)
        else:
            assert lnpeer.decode_bigsize(data) == (int(t["value_str"]), len(data)), t["name"]
    for t in v["encoding_tests"]:
        assert lnpeer.encode_bigsize(int(t["value_str"])).hex() == t["bytes"], t["name"]


def test_init_message_vectors():
    v = load("bolt01-tlv.json")
    for t in v["init_message_extension_tests"]:
        msg = H(t["message_hex"])
        assert struct.unpack(">H", msg[:2])[0] == INIT
        if t["valid"]:
            parsed = lnpeer.parse_init(msg[2:])
            assert parsed["features"] == b"" and parsed["networks"] is None
        else:
            with pytest.raises(ValueError):
                lnpeer.parse_init(msg[2:])


def test_init_roundtrip_and_features():
    assert lnpeer.features_from_bits([]) == b""
    assert lnpeer.features_from_bits([0]) == b"\x01"
    assert lnpeer.features_from_bits([8, 1]) == b"\x01\x02"
    assert lnpeer.features_from_bits([15]) == b"\x80\x00"
    assert lnpeer.bits_from_features(b"\x01\x02") == {8, 1}
    assert lnpeer.bits_from_features(b"\x00\x80\x00") == {15}
    payload = lnpeer.encode_init(lnpeer.features_from_bits([1, 9]), b"\x02",
                                 networks=[REGTEST_CHAIN_HASH], tlvs={3: b"\x7f"})
    p = lnpeer.parse_init(payload)
    assert lnpeer.bits_from_features(p["features"]) == {1, 9}
    assert p["globalfeatures"] == b"\x02"
    assert p["networks"] == [REGTEST_CHAIN_HASH]
    assert p["tlvs"][3] == b"\x7f"
    assert REGTEST_CHAIN_HASH[::-1].hex().startswith("0f9188f1")
    with pytest.raises(ValueError):   # types out of order
        lnpeer.decode_tlvs(lnpeer.encode_tlvs([(3, b""), (1, b"")]))
    cid, text = lnpeer.parse_error(b"\x01" * 32 + b"\x00\x02hi")
    assert (cid, text) == (b"\x01" * 32, "hi")


# --------------------------------------------------------------------------
# Loopback: two LnPeers over 127.0.0.1 (a thread plays the responder).

class Responder(threading.Thread):
    def __init__(self, script, timeout=5):
        super().__init__(daemon=True)
        self.listener = lnpeer.listen()
        self.port = self.listener.getsockname()[1]
        self.key = Keypair.generate()
        self.script, self.timeout = script, timeout
        self.result = self.exc = None

    def run(self):
        peer = None
        try:
            peer = LnPeer.accept(self.listener, self.key, timeout=self.timeout,
                                 handshake=self.script is not None)
            self.result = (self.script or (lambda p: p))(peer)
        except BaseException as e:  # reported to the main thread
            self.exc = e
        finally:
            if peer:
                peer.close()
            self.listener.close()

    def finish(self):
        self.join(10)
        assert not self.is_alive()
        return self.result


def test_loopback_handshake_init_ping():
    def script(peer):
        init = peer.exchange_init(features=[1], networks=[REGTEST_CHAIN_HASH])
        peer.send_ping(num_pong_bytes=3, ignored_len=7)   # answered by recv_until
        t, payload = peer.recv_msg()
        assert t == PING
        peer.send_pong(struct.unpack(">H", payload[:2])[0])
        peer.send_warning("careful")
        peer.send_error("bye", channel_id=b"\x05" * 32)
        peer.recv_until(PONG)   # the pong(3) for our ping, so close() is clean
        return init, peer.remote_pubkey

    r = Responder(script)
    r.start()
    me = Keypair.generate()
    with LnPeer.connect("127.0.0.1", r.port, r.key.pubkey.hex(), local=me, timeout=5) as p:
        theirs = p.exchange_init(features=lnpeer.features_from_bits([9]))
        assert lnpeer.bits_from_features(theirs["features"]) == {1}
        assert theirs["networks"] == [REGTEST_CHAIN_HASH]
        p.send_ping(num_pong_bytes=5, ignored_len=2)
        assert p.expect_pong(5) == b"\x00" * 5
        assert lnpeer.parse_warning(p.recv_until(WARNING)) == (b"\x00" * 32, "careful")
        assert p.recv_until(ERROR) == b"\x05" * 32 + b"\x00\x03bye"
        assert p.expect_disconnect() == []
    init, remote = r.finish()
    assert r.exc is None, r.exc
    assert lnpeer.bits_from_features(init["features"]) == {9}
    assert remote == me.pubkey


def test_loopback_bad_mac_is_detected():
    r = Responder(lambda peer: peer.recv_msg())
    r.start()
    with LnPeer.connect("127.0.0.1", r.port, r.key.pubkey, timeout=5) as p:
        p.send_frame_with_bad_mac(struct.pack(">H", PONG) + b"\x00\x00")
        r.finish()
    assert isinstance(r.exc, DecryptError)


def test_loopback_lying_length_header_times_out():
    r = Responder(lambda peer: peer.recv_msg(timeout=0.5))
    r.start()
    with LnPeer.connect("127.0.0.1", r.port, r.key.pubkey, timeout=5) as p:
        p.send_length_header(65535)
        p.send_raw(b"\x00" * 100)
        r.finish()
    assert isinstance(r.exc, PeerTimeout)


def test_loopback_truncated_act1():
    """No thread needed: connect() completes against the listen backlog."""
    listener = lnpeer.listen()
    key = Keypair.generate()
    p = LnPeer.open("127.0.0.1", listener.getsockname()[1], key.pubkey, timeout=5)
    p.send_act1(truncate=20)
    q = LnPeer.accept(listener, key, timeout=1, handshake=False)
    listener.close()
    with pytest.raises(PeerTimeout):
        q.recv_raw(lnpeer.ACT_ONE_SIZE, timeout=0.5)
    p.close()
    with pytest.raises(PeerDisconnected):
        q.recv_raw(1)
    q.close()
    q.close()   # idempotent


def test_loopback_bad_act_versions():
    """Hostile act 1 (initiator) and act 2 (responder), driven step by step."""
    listener = lnpeer.listen()
    port = listener.getsockname()[1]
    key = Keypair.generate()
    p = LnPeer.open("127.0.0.1", port, key.pubkey, timeout=5)
    p.send_act1(version=1)
    q = LnPeer.accept(listener, key, timeout=5, handshake=False)
    with pytest.raises(HandshakeBadVersion):
        q.recv_act1()
    q.close()
    assert p.wait_for_close(timeout=2) == b""
    p.close()

    p = LnPeer.open("127.0.0.1", port, key.pubkey, timeout=5)
    p.send_act1()
    q = LnPeer.accept(listener, key, timeout=5, handshake=False)
    q.recv_act1()
    q.send_act2(version=7)
    with pytest.raises(HandshakeBadVersion) as info:
        p.recv_act2()
    assert info.value.code == "ACT2_BAD_VERSION"
    p.close()
    q.close()
    listener.close()


def test_recv_eof_raises_disconnected():
    r = Responder(lambda peer: None)   # handshake, then close immediately
    r.start()
    with LnPeer.connect("127.0.0.1", r.port, r.key.pubkey, timeout=5) as p:
        r.finish()
        with pytest.raises(PeerDisconnected):
            p.recv_msg()
