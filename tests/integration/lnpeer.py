"""A scripted raw-socket Lightning peer for integration tests.

Speaks BOLT 8 (Noise_XK transport) and BOLT 1 (init/error/warning/ping/pong,
TLV) directly over a TCP socket, so a test can drive ohmd as a well-behaved
peer or as a hostile one (bad MACs, lying length headers, truncated acts...).

Layers, bottom up:
  * secp256k1 point arithmetic (pure Python, affine; slow but fine for tests)
    and Keypair (key generation / public keys via python3-cryptography);
  * Handshake: the BOLT 8 act 1/2/3 state machine, no I/O, explicit
    ephemeral keys so the spec's test vectors are reproducible;
  * CipherState / Transport: BOLT 8 message framing and key rotation, no I/O;
  * LnPeer: a socket plus the above, with BOLT 1 helpers and hostile hooks.

Only the stdlib and Debian's python3-cryptography are needed.
"""
import hashlib
import hmac
import os
import socket
import struct
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

# BOLT 1 message types.
WARNING, INIT, ERROR, PING, PONG = 1, 16, 17, 18, 19
# Regtest genesis block hash in internal (wire) byte order.
REGTEST_CHAIN_HASH = bytes.fromhex(
    "06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f")
DEFAULT_TIMEOUT = 10.0
MAX_MSG_LEN = 65535            # BOLT 8 "Lightning Message Specification"
ACT_ONE_SIZE, ACT_TWO_SIZE, ACT_THREE_SIZE = 50, 50, 66
HEADER_SIZE, MAC_SIZE = 18, 16


# --------------------------------------------------------------------------
# Errors

class HandshakeError(Exception):
    """A BOLT 8 handshake act was rejected. .code is the spec's vector name,
    e.g. "ACT2_BAD_VERSION"; .act is 1, 2 or 3."""
    kind = "FAILED"

    def __init__(self, act, detail=""):
        self.act = act
        self.code = "ACT{}_{}".format(act, self.kind)
        super().__init__(self.code + (": " + detail if detail else ""))


class HandshakeReadError(HandshakeError):
    """The act had the wrong length (the spec's ACTn_READ_FAILED)."""
    kind = "READ_FAILED"


class HandshakeBadVersion(HandshakeError):
    kind = "BAD_VERSION"


class HandshakeBadPubkey(HandshakeError):
    kind = "BAD_PUBKEY"


class HandshakeBadCiphertext(HandshakeError):
    """Act 3: the MAC of the encrypted static key failed."""
    kind = "BAD_CIPHERTEXT"


class HandshakeBadTag(HandshakeError):
    """The final (empty-payload) MAC of an act failed."""
    kind = "BAD_TAG"


class TransportError(Exception):
    """Problem on an established (or establishing) connection."""


class PeerDisconnected(TransportError):
    """The remote side closed the connection (EOF or reset)."""


class PeerTimeout(TransportError, TimeoutError):
    """Nothing (or not enough) arrived before the deadline."""


class DecryptError(TransportError):
    """A frame's length or body MAC did not verify (BOLT 8 receive step 3/5)."""


class PeerErrorMessage(TransportError):
    """An `error` message arrived while waiting for something else."""

    def __init__(self, channel_id, text):
        self.channel_id, self.text = channel_id, text
        super().__init__("peer sent error (channel {}): {}".format(channel_id.hex(), text))


# --------------------------------------------------------------------------
# secp256k1

_P = 2**256 - 2**32 - 977
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
      0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def _point_add(a, b):
    """Affine point addition; None is the point at infinity."""
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        if (y1 + y2) % _P == 0:
            return None
        lam = 3 * x1 * x1 * pow(2 * y1, -1, _P) % _P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, _P) % _P
    x3 = (lam * lam - x1 - x2) % _P
    return x3, (lam * (x1 - x3) - y1) % _P


def _point_mul(k, pt):
    result = None
    while k:
        if k & 1:
            result = _point_add(result, pt)
        pt = _point_add(pt, pt)
        k >>= 1
    return result


def decode_pubkey(data):
    """Parse a 33-byte compressed point to (x, y); ValueError if invalid."""
    if len(data) != 33 or data[0] not in (2, 3):
        raise ValueError("not a compressed public key")
    x = int.from_bytes(data[1:], "big")
    if x >= _P:
        raise ValueError("x out of range")
    y2 = (pow(x, 3, _P) + 7) % _P
    y = pow(y2, (_P + 1) // 4, _P)
    if y * y % _P != y2:
        raise ValueError("x is not on the curve")
    if y & 1 != data[0] & 1:
        y = _P - y
    return x, y


def encode_pubkey(pt):
    x, y = pt
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def ecdh(secret, pubkey):
    """BOLT 8 ECDH(k, rk): SHA256 of the compressed shared point k*rk."""
    shared = _point_mul(int.from_bytes(secret, "big"), decode_pubkey(pubkey))
    return hashlib.sha256(encode_pubkey(shared)).digest()


class Keypair:
    """A secp256k1 key: .secret (32 bytes) and .pubkey (33 bytes compressed)."""

    def __init__(self, key):
        self._key = key
        self.secret = key.private_numbers().private_value.to_bytes(32, "big")
        self.pubkey = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)

    @classmethod
    def from_secret(cls, secret):
        if isinstance(secret, str):
            secret = bytes.fromhex(secret)
        k = int.from_bytes(secret, "big")
        if len(secret) != 32 or not 0 < k < _N:
            raise ValueError("invalid secp256k1 secret")
        return cls(ec.derive_private_key(k, ec.SECP256K1()))

    @classmethod
    def generate(cls):
        return cls(ec.generate_private_key(ec.SECP256K1()))

    def ecdh(self, pubkey):
        return ecdh(self.secret, pubkey)

    def __repr__(self):
        return "Keypair(pubkey={})".format(self.pubkey.hex())


# --------------------------------------------------------------------------
# BOLT 8 primitives

def hkdf_sha256(ikm, info, length=32, salt=b""):
    """RFC 5869; an empty salt means HashLen zero bytes."""
    prk = hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
    out, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
    return out[:length]


def hkdf(salt, ikm):
    """BOLT 8 HKDF(salt, ikm): RFC 5869, empty info, 64 bytes split in two."""
    okm = hkdf_sha256(ikm, b"", 64, salt)
    return okm[:32], okm[32:]


def _nonce(n):
    """96-bit nonce: 32 zero bits then the 64-bit counter little-endian."""
    return b"\x00" * 4 + struct.pack("<Q", n)


def encrypt_with_ad(k, n, ad, plaintext):
    return ChaCha20Poly1305(k).encrypt(_nonce(n), plaintext, ad)


def decrypt_with_ad(k, n, ad, ciphertext):
    """Raises cryptography's InvalidTag on MAC failure."""
    return ChaCha20Poly1305(k).decrypt(_nonce(n), ciphertext, ad)


def _sha256(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


class CipherState:
    """One direction of a BOLT 8 transport: key k, chaining key ck, nonce n.

    Every encrypt/decrypt uses and increments n; when n reaches 1000 the key
    is rotated: ck, k = HKDF(ck, k); n = 0 ("Lightning Message Key Rotation").
    """
    ROTATE_AT = 1000

    def __init__(self, k, ck):
        self.k, self.ck, self.n = k, ck, 0

    def _step(self):
        self.n += 1
        if self.n == self.ROTATE_AT:
            self.ck, self.k = hkdf(self.ck, self.k)
            self.n = 0

    def encrypt(self, plaintext):
        c = encrypt_with_ad(self.k, self.n, b"", plaintext)
        self._step()
        return c

    def decrypt(self, ciphertext):
        try:
            p = decrypt_with_ad(self.k, self.n, b"", ciphertext)
        except InvalidTag:
            raise DecryptError("bad MAC at nonce {}".format(self.n)) from None
        self._step()
        return p


class Transport:
    """BOLT 8 framing: lc = enc(len as u16 BE) (18 bytes) || enc(msg) (len+16)."""

    def __init__(self, sk, rk, ck):
        self.send = CipherState(sk, ck)
        self.recv = CipherState(rk, ck)

    def encrypt_header(self, length):
        """Encrypted 18-byte length prefix; any 0..65535 value, even a lie."""
        return self.send.encrypt(struct.pack(">H", length))

    def encrypt_body(self, msg):
        return self.send.encrypt(msg)

    def encrypt(self, msg):
        """A full frame for msg ("Encrypting and Sending Messages")."""
        if len(msg) > MAX_MSG_LEN:
            raise ValueError("message longer than 65535 bytes")
        return self.encrypt_header(len(msg)) + self.encrypt_body(msg)

    def decrypt_header(self, lc):
        """18 bytes -> body length l; then read exactly l + 16 bytes."""
        if len(lc) != HEADER_SIZE:
            raise ValueError("length header must be 18 bytes")
        return struct.unpack(">H", self.recv.decrypt(lc))[0]

    def decrypt_body(self, c):
        return self.recv.decrypt(c)


# --------------------------------------------------------------------------
# BOLT 8 handshake

PROTOCOL_NAME = b"Noise_XK_secp256k1_ChaChaPoly_SHA256"
PROLOGUE = b"lightning"


class Handshake:
    """Noise_XK handshake state ("Authenticated Key Exchange Handshake
    Specification"). Pure state machine: feeds/produces act bytes, no I/O.

    Initiator: make_act1() -> read_act2(m) -> make_act3().
    Responder: read_act1(m) -> make_act2() -> read_act3(m).
    Afterwards .sk, .rk, .ck are set, .remote_pubkey is known, and
    transport() returns a fresh Transport.  The version arguments exist
    only to let hostile tests send a bad version byte.
    """

    def __init__(self, local, initiator, remote_pubkey=None, ephemeral=None):
        self.local = local
        self.initiator = initiator
        self.e = ephemeral or Keypair.generate()
        self.remote_pubkey = remote_pubkey
        self.re = None
        self.sk = self.rk = None
        # "Handshake State Initialization"
        self.h = _sha256(PROTOCOL_NAME)
        self.ck = self.h
        self.h = _sha256(self.h, PROLOGUE)
        responder_pub = remote_pubkey if initiator else local.pubkey
        if responder_pub is None:
            raise ValueError("initiator needs the responder's static pubkey")
        self.h = _sha256(self.h, responder_pub)

    @classmethod
    def initiator(cls, local, remote_pubkey, ephemeral=None):
        return cls(local, True, remote_pubkey, ephemeral)

    @classmethod
    def responder(cls, local, ephemeral=None):
        return cls(local, False, None, ephemeral)

    def _mix_key(self, ss):
        self.ck, temp_k = hkdf(self.ck, ss)
        return temp_k

    def _make_ephemeral_act(self, remote_static_or_eph, version):
        """Acts 1 and 2 share a shape: v || e.pub || encryptWithAD(temp_k, 0, h, "")."""
        self.h = _sha256(self.h, self.e.pubkey)
        temp_k = self._mix_key(self.e.ecdh(remote_static_or_eph))
        c = encrypt_with_ad(temp_k, 0, self.h, b"")
        self.h = _sha256(self.h, c)
        return temp_k, bytes([version]) + self.e.pubkey + c

    def _read_ephemeral_act(self, act, m, local_secret_key):
        if len(m) != ACT_ONE_SIZE:
            raise HandshakeReadError(act, "got {} bytes".format(len(m)))
        v, re, c = m[0], m[1:34], m[34:]
        if v != 0:
            raise HandshakeBadVersion(act, str(v))
        try:
            decode_pubkey(re)
        except ValueError as e:
            raise HandshakeBadPubkey(act, str(e)) from None
        self.re = re
        self.h = _sha256(self.h, re)
        temp_k = self._mix_key(ecdh(local_secret_key, re))
        try:
            decrypt_with_ad(temp_k, 0, self.h, c)
        except InvalidTag:
            raise HandshakeBadTag(act) from None
        self.h = _sha256(self.h, c)
        return temp_k

    # -- Act One (initiator -> responder): es = ECDH(e.priv, rs)
    def make_act1(self, version=0):
        _, act = self._make_ephemeral_act(self.remote_pubkey, version)
        return act

    def read_act1(self, m):
        self._read_ephemeral_act(1, m, self.local.secret)

    # -- Act Two (responder -> initiator): ee = ECDH(e.priv, re)
    def make_act2(self, version=0):
        self.temp_k2, act = self._make_ephemeral_act(self.re, version)
        return act

    def read_act2(self, m):
        self.temp_k2 = self._read_ephemeral_act(2, m, self.e.secret)

    # -- Act Three (initiator -> responder): encrypted s, se = ECDH(s.priv, re)
    def make_act3(self, version=0):
        c = encrypt_with_ad(self.temp_k2, 1, self.h, self.local.pubkey)
        self.h = _sha256(self.h, c)
        temp_k3 = self._mix_key(self.local.ecdh(self.re))
        t = encrypt_with_ad(temp_k3, 0, self.h, b"")
        self.sk, self.rk = hkdf(self.ck, b"")
        return bytes([version]) + c + t

    def read_act3(self, m):
        """Returns the initiator's static pubkey (also in .remote_pubkey)."""
        if len(m) != ACT_THREE_SIZE:
            raise HandshakeReadError(3, "got {} bytes".format(len(m)))
        v, c, t = m[0], m[1:50], m[50:]
        if v != 0:
            raise HandshakeBadVersion(3, str(v))
        try:
            rs = decrypt_with_ad(self.temp_k2, 1, self.h, c)
        except InvalidTag:
            raise HandshakeBadCiphertext(3) from None
        try:
            decode_pubkey(rs)
        except ValueError as e:
            raise HandshakeBadPubkey(3, str(e)) from None
        self.h = _sha256(self.h, c)
        temp_k3 = self._mix_key(ecdh(self.e.secret, rs))
        try:
            decrypt_with_ad(temp_k3, 0, self.h, t)
        except InvalidTag:
            raise HandshakeBadTag(3) from None
        self.rk, self.sk = hkdf(self.ck, b"")
        self.remote_pubkey = rs
        return rs

    def transport(self):
        if self.sk is None:
            raise RuntimeError("handshake not complete")
        return Transport(self.sk, self.rk, self.ck)


# --------------------------------------------------------------------------
# BOLT 1 encodings

def features_from_bits(bits):
    """Minimal big-endian feature bytes; bit 0 is the LSB of the last byte."""
    bits = set(bits)
    if not bits:
        return b""
    n = (max(bits) // 8) + 1
    value = sum(1 << b for b in bits)
    return value.to_bytes(n, "big")


def bits_from_features(data):
    value = int.from_bytes(data, "big")
    return {i for i in range(len(data) * 8) if value >> i & 1}


def encode_bigsize(n):
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + struct.pack(">H", n)
    if n <= 0xffffffff:
        return b"\xfe" + struct.pack(">I", n)
    return b"\xff" + struct.pack(">Q", n)


def decode_bigsize(data, offset=0):
    """Returns (value, new_offset); ValueError if truncated or non-minimal."""
    if offset >= len(data):
        raise ValueError("bigsize: EOF")
    first = data[offset]
    if first < 0xfd:
        return first, offset + 1
    size, minimum = {0xfd: (2, 0xfd), 0xfe: (4, 0x10000), 0xff: (8, 0x100000000)}[first]
    raw = data[offset + 1:offset + 1 + size]
    if len(raw) != size:
        raise ValueError("bigsize: truncated")
    value = int.from_bytes(raw, "big")
    if value < minimum:
        raise ValueError("bigsize: not minimally encoded")
    return value, offset + 1 + size


def encode_tlvs(records):
    """records: dict {type: value} (sorted for you) or a list of (type, value)
    pairs sent in the given order (to produce deliberately bad streams)."""
    if isinstance(records, dict):
        records = sorted(records.items())
    return b"".join(encode_bigsize(t) + encode_bigsize(len(v)) + v for t, v in records)


def decode_tlvs(data, known=None):
    """Parse a tlv_stream to {type: value}. ValueError on truncation,
    non-minimal bigsize, non-increasing types, or (if `known` is given)
    an unknown even type (BOLT 1 "Type-Length-Value Format")."""
    out, offset, last = {}, 0, -1
    while offset < len(data):
        t, offset = decode_bigsize(data, offset)
        length, offset = decode_bigsize(data, offset)
        if t <= last:
            raise ValueError("tlv: types not strictly increasing at {}".format(t))
        if offset + length > len(data):
            raise ValueError("tlv: record {} truncated".format(t))
        if known is not None and t not in known and t % 2 == 0:
            raise ValueError("tlv: unknown even type {}".format(t))
        out[t] = data[offset:offset + length]
        offset += length
        last = t
    return out


def _u16_prefixed(data, offset):
    if offset + 2 > len(data):
        raise ValueError("truncated length field")
    (n,) = struct.unpack_from(">H", data, offset)
    if offset + 2 + n > len(data):
        raise ValueError("truncated field")
    return data[offset + 2:offset + 2 + n], offset + 2 + n


def encode_init(features=b"", global_features=b"", networks=None, tlvs=None):
    """init payload (no type). networks: list of chain hashes or None to omit
    TLV 1; tlvs: extra {type: value} records."""
    records = dict(tlvs or {})
    if networks is not None:
        records[1] = b"".join(networks)
    return (struct.pack(">H", len(global_features)) + global_features +
            struct.pack(">H", len(features)) + features + encode_tlvs(records))


def parse_init(payload):
    """-> dict(globalfeatures, features, tlvs, networks). Strict: unknown even
    TLVs, bad TLV streams and truncation raise ValueError."""
    gf, off = _u16_prefixed(payload, 0)
    lf, off = _u16_prefixed(payload, off)
    tlvs = decode_tlvs(payload[off:], known={1, 3})
    networks = None
    if 1 in tlvs:
        if len(tlvs[1]) % 32:
            raise ValueError("init: networks not a multiple of 32 bytes")
        networks = [tlvs[1][i:i + 32] for i in range(0, len(tlvs[1]), 32)]
    return dict(globalfeatures=gf, features=lf, tlvs=tlvs, networks=networks)


def parse_error(payload):
    """error/warning payload -> (channel_id, text)."""
    if len(payload) < 32:
        raise ValueError("truncated error/warning")
    data, _ = _u16_prefixed(payload, 32)
    return payload[:32], data.decode("utf-8", "replace")


parse_warning = parse_error


# --------------------------------------------------------------------------
# The socket-level peer

def listen(host="127.0.0.1", port=0):
    """A listening socket for LnPeer.accept(); port 0 picks a free one."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4)
    return s


def _as_bytes(key):
    return bytes.fromhex(key) if isinstance(key, str) else bytes(key)


class LnPeer:
    """A Lightning peer on a TCP socket. Every read has a deadline
    (default `timeout`, 10 s); EOF raises PeerDisconnected, a deadline
    PeerTimeout.  After the handshake .transport is set.  A timeout in the
    middle of a frame leaves the stream out of sync: close after it."""

    def __init__(self, sock, local, handshake, timeout=DEFAULT_TIMEOUT):
        self.sock = sock
        self.local = local
        self.hs = handshake
        self.timeout = timeout
        self.transport = None
        self.corked = None          # frames held by flight(), sent together

    # -- construction -----------------------------------------------------
    @classmethod
    def open(cls, host, port, remote_pubkey, local=None, timeout=DEFAULT_TIMEOUT,
             ephemeral=None):
        """TCP connect only; the handshake is left to the caller (.hs is an
        initiator Handshake; use send_act1/recv_act2/send_act3)."""
        local = local or Keypair.generate()
        sock = socket.create_connection((host, port), timeout=timeout)
        hs = Handshake.initiator(local, _as_bytes(remote_pubkey), ephemeral)
        return cls(sock, local, hs, timeout)

    @classmethod
    def connect(cls, host, port, remote_pubkey, local=None, timeout=DEFAULT_TIMEOUT):
        """Connect and run the full handshake as initiator."""
        peer = cls.open(host, port, remote_pubkey, local, timeout)
        try:
            peer.send_act1()
            peer.recv_act2()
            peer.send_act3()
        except BaseException:
            peer.close()
            raise
        return peer

    @classmethod
    def accept(cls, listener, local, timeout=DEFAULT_TIMEOUT, handshake=True):
        """Accept one connection on `listener` and act as responder.  With
        handshake=False only .hs (a responder Handshake) is set up; drive it
        with recv_act1/send_act2/recv_act3 (or hs + send_raw)."""
        listener.settimeout(timeout)
        try:
            sock, _ = listener.accept()
        except socket.timeout:
            raise PeerTimeout("no incoming connection within {}s".format(timeout)) from None
        peer = cls(sock, local, Handshake.responder(local), timeout)
        if handshake:
            try:
                peer.recv_act1()
                peer.send_act2()
                peer.recv_act3()
            except BaseException:
                peer.close()
                raise
        return peer

    @property
    def remote_pubkey(self):
        return self.hs.remote_pubkey

    # -- handshake steps (initiator), for partial / hostile handshakes -------
    def send_act1(self, truncate=None, version=0):
        """Send act 1, or only its first `truncate` bytes."""
        self.send_raw(self.hs.make_act1(version)[:truncate])

    def recv_act2(self, timeout=None):
        self.hs.read_act2(self.recv_raw(ACT_TWO_SIZE, timeout))

    def send_act3(self, truncate=None, version=0):
        self.send_raw(self.hs.make_act3(version)[:truncate])
        if truncate is None and version == 0:
            self.transport = self.hs.transport()

    # -- handshake steps (responder) -----------------------------------------
    def recv_act1(self, timeout=None):
        self.hs.read_act1(self.recv_raw(ACT_ONE_SIZE, timeout))

    def send_act2(self, truncate=None, version=0):
        self.send_raw(self.hs.make_act2(version)[:truncate])

    def recv_act3(self, timeout=None):
        """Returns the initiator's static pubkey; sets up .transport."""
        rs = self.hs.read_act3(self.recv_raw(ACT_THREE_SIZE, timeout))
        self.transport = self.hs.transport()
        return rs

    # -- raw I/O --------------------------------------------------------------
    def flight(self):
        """with peer.flight(): messages sent inside go out in one write
        (as one TCP segment, when small), like another implementation's
        batch of messages the receiver reads at once."""
        peer = self

        class Flight:
            def __enter__(self):
                peer.corked = []

            def __exit__(self, *exc):
                frames, peer.corked = peer.corked, None
                if exc[0] is None:
                    peer.send_raw(b"".join(frames))
        return Flight()

    def send_raw(self, data):
        if self.corked is not None:
            self.corked.append(data)
            return
        try:
            self.sock.settimeout(self.timeout)
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise PeerDisconnected("send failed: {}".format(e)) from None

    def recv_raw(self, n, timeout=None):
        """Read exactly n bytes before the deadline."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        buf = b""
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerTimeout("got {} of {} bytes".format(len(buf), n))
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(n - len(buf))
            except socket.timeout:
                raise PeerTimeout("got {} of {} bytes".format(len(buf), n)) from None
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise PeerDisconnected("EOF after {} of {} bytes".format(len(buf), n))
            buf += chunk
        return buf

    def wait_for_close(self, timeout=None):
        """Read and return raw bytes until the peer closes; PeerTimeout if it
        doesn't within the deadline."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        buf = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerTimeout("connection still open")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise PeerTimeout("connection still open") from None
            except ConnectionResetError:
                return buf
            if not chunk:
                return buf
            buf += chunk

    def close(self):
        if self.sock is None:
            return
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- encrypted messages ---------------------------------------------------
    def _tx(self):
        if self.transport is None:
            raise RuntimeError("handshake not complete")
        return self.transport

    def send_msg(self, msg_type, payload=b""):
        self.send_raw(self._tx().encrypt(struct.pack(">H", msg_type) + payload))

    def recv_frame(self, timeout=None):
        """One decrypted message, type bytes included."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        length = self._tx().decrypt_header(self.recv_raw(HEADER_SIZE, timeout))
        body = self.recv_raw(length + MAC_SIZE, max(0.0, deadline - time.monotonic()))
        return self._tx().decrypt_body(body)

    def recv_msg(self, timeout=None):
        """-> (type, payload)."""
        msg = self.recv_frame(timeout)
        if len(msg) < 2:
            raise TransportError("message of {} bytes has no type".format(len(msg)))
        return struct.unpack(">H", msg[:2])[0], msg[2:]

    def recv_until(self, msg_type, timeout=None, answer_pings=True):
        """Skip messages until one of msg_type arrives; return its payload.
        Pings are answered meanwhile; an `error` raises PeerErrorMessage."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            t, payload = self.recv_msg(max(0.0, deadline - time.monotonic()))
            if t == msg_type:
                return payload
            if t == ERROR:
                raise PeerErrorMessage(*parse_error(payload))
            if t == PING and answer_pings and len(payload) >= 2:
                num_pong_bytes = struct.unpack(">H", payload[:2])[0]
                if num_pong_bytes < 65532:
                    self.send_pong(num_pong_bytes)

    def expect_disconnect(self, timeout=None):
        """Read messages until EOF; return them as [(type, payload)].
        PeerTimeout if the connection stays open.  (Before the handshake
        is complete use wait_for_close().)"""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        msgs = []
        while True:
            try:
                msgs.append(self.recv_msg(max(0.0, deadline - time.monotonic())))
            except PeerDisconnected:
                return msgs

    # -- BOLT 1 helpers -------------------------------------------------------
    def send_init(self, features=b"", global_features=b"", networks=None, tlvs=None):
        """features/global_features: bytes, or an iterable of bit numbers."""
        if not isinstance(features, (bytes, bytearray)):
            features = features_from_bits(features)
        if not isinstance(global_features, (bytes, bytearray)):
            global_features = features_from_bits(global_features)
        self.send_msg(INIT, encode_init(features, global_features, networks, tlvs))

    def exchange_init(self, features=b"", networks=None, timeout=None):
        """Send our init, return the peer's parsed init."""
        self.send_init(features, networks=networks)
        return parse_init(self.recv_until(INIT, timeout))

    def send_ping(self, num_pong_bytes=0, ignored_len=0):
        self.send_msg(PING, struct.pack(">HH", num_pong_bytes, ignored_len) +
                      b"\x00" * ignored_len)

    def send_pong(self, byteslen=0):
        self.send_msg(PONG, struct.pack(">H", byteslen) + b"\x00" * byteslen)

    def expect_pong(self, num_pong_bytes=0, timeout=None):
        """Wait for a pong; assert it carries num_pong_bytes ignored bytes."""
        payload = self.recv_until(PONG, timeout)
        ignored, _ = _u16_prefixed(payload, 0)
        if len(ignored) != num_pong_bytes:
            raise TransportError("pong has {} bytes, expected {}".format(
                len(ignored), num_pong_bytes))
        return ignored

    def send_error(self, text, channel_id=b"\x00" * 32):
        data = text.encode() if isinstance(text, str) else text
        self.send_msg(ERROR, channel_id + struct.pack(">H", len(data)) + data)

    def send_warning(self, text, channel_id=b"\x00" * 32):
        data = text.encode() if isinstance(text, str) else text
        self.send_msg(WARNING, channel_id + struct.pack(">H", len(data)) + data)

    def send_whole(self, message):
        """Send a message given with its type (the gossip builders below)."""
        self.send_raw(self._tx().encrypt(message))

    # -- hostile hooks --------------------------------------------------------
    def send_frame_with_bad_mac(self, payload, where="body"):
        """Send a frame for `payload` (type bytes included) with one bit of
        the body MAC (where="body") or length MAC (where="header") flipped."""
        frame = bytearray(self._tx().encrypt(payload))
        frame[HEADER_SIZE - 1 if where == "header" else -1] ^= 0x01
        self.send_raw(bytes(frame))

    def send_length_header(self, length):
        """Send only a valid encrypted length header claiming `length`
        (0..65535); follow with send_raw()/send_body() or nothing."""
        self.send_raw(self._tx().encrypt_header(length))

    def send_body(self, body):
        """Encrypt and send a body (+MAC) under the next nonce, whatever the
        preceding header claimed."""
        self.send_raw(self._tx().encrypt_body(body))

    def send_garbage_after_handshake(self, n=64):
        self.send_raw(os.urandom(n))


# ---- BOLT 7 gossip, built and signed here (never with ohm's code) ----------

CHANNEL_ANNOUNCEMENT, NODE_ANNOUNCEMENT, CHANNEL_UPDATE = 256, 257, 258
QUERY_SHORT_CHANNEL_IDS, REPLY_SHORT_CHANNEL_IDS_END = 261, 262
QUERY_CHANNEL_RANGE, REPLY_CHANNEL_RANGE, GOSSIP_TIMESTAMP_FILTER = 263, 264, 265


def scid_pack(block, txindex, outnum):
    """BOLT 7 short_channel_id: 3 bytes block, 3 bytes txindex, 2 bytes output."""
    return struct.pack(">Q", block << 40 | txindex << 16 | outnum)


def scid_str(block, txindex, outnum):
    return "{}x{}x{}".format(block, txindex, outnum)


def _gossip_sign(secret, signed_part):
    """BOLT 7: a signature over the double-SHA256 of the signed part."""
    from lnchannel import compact_sig, ecdsa_sign
    digest = hashlib.sha256(hashlib.sha256(signed_part).digest()).digest()
    return compact_sig(*ecdsa_sign(secret, digest))


def channel_announcement(node_secrets, bitcoin_secrets, scid, chain_hash=REGTEST_CHAIN_HASH,
                         features=b"", corrupt=None):
    """A signed channel_announcement (type included).  node_secrets and
    bitcoin_secrets are pairs in either order: node_id_1 is the lesser
    node id and takes its own bitcoin key.  corrupt: the index (0-3) of a
    signature to spoil."""
    from lnchannel import pubkey_of
    sides = sorted(zip(node_secrets, bitcoin_secrets), key=lambda s: pubkey_of(s[0]))
    body = (struct.pack(">H", len(features)) + features + chain_hash + scid
            + pubkey_of(sides[0][0]) + pubkey_of(sides[1][0])
            + pubkey_of(sides[0][1]) + pubkey_of(sides[1][1]))
    sigs = [_gossip_sign(secret, body)
            for secret in (sides[0][0], sides[1][0], sides[0][1], sides[1][1])]
    if corrupt is not None:
        sigs[corrupt] = _gossip_sign(os.urandom(32), body)
    return struct.pack(">H", CHANNEL_ANNOUNCEMENT) + b"".join(sigs) + body


def channel_update(node_secret, other_node_id, scid, timestamp, fee_base_msat=1000,
                   fee_ppm=10, cltv_delta=40, htlc_min_msat=1, htlc_max_msat=None,
                   disable=False, chain_hash=REGTEST_CHAIN_HASH, capacity_sat=None,
                   corrupt=False):
    """A signed channel_update from node_secret's side of the channel."""
    from lnchannel import pubkey_of
    direction = 0 if pubkey_of(node_secret) < other_node_id else 1
    if htlc_max_msat is None:
        htlc_max_msat = (capacity_sat or 1000) * 1000
    body = (chain_hash + scid + struct.pack(">IBBHQIIQ", timestamp, 1,
                                            direction | (2 if disable else 0), cltv_delta,
                                            htlc_min_msat, fee_base_msat, fee_ppm,
                                            htlc_max_msat))
    sig = _gossip_sign(os.urandom(32) if corrupt else node_secret, body)
    return struct.pack(">H", CHANNEL_UPDATE) + sig + body


def node_announcement(node_secret, timestamp, alias="", rgb=b"\x01\x02\x03",
                      ipv4=None, features=b""):
    """A signed node_announcement; ipv4: ("127.0.0.1", port) or None."""
    from lnchannel import pubkey_of
    addresses = b""
    if ipv4:
        addresses = b"\x01" + socket.inet_aton(ipv4[0]) + struct.pack(">H", ipv4[1])
    body = (struct.pack(">H", len(features)) + features + struct.pack(">I", timestamp)
            + pubkey_of(node_secret) + rgb + alias.encode().ljust(32, b"\x00")
            + struct.pack(">H", len(addresses)) + addresses)
    return struct.pack(">H", NODE_ANNOUNCEMENT) + _gossip_sign(node_secret, body) + body


def gossip_timestamp_filter(first_timestamp=0, timestamp_range=0xFFFFFFFF,
                            chain_hash=REGTEST_CHAIN_HASH):
    return struct.pack(">H", GOSSIP_TIMESTAMP_FILTER) + chain_hash + struct.pack(
        ">II", first_timestamp, timestamp_range)


def query_channel_range(first_blocknum=0, number_of_blocks=0xFFFFFFFF,
                        chain_hash=REGTEST_CHAIN_HASH):
    return struct.pack(">H", QUERY_CHANNEL_RANGE) + chain_hash + struct.pack(
        ">II", first_blocknum, number_of_blocks)


def parse_reply_channel_range(payload):
    """-> (first_blocknum, number_of_blocks, sync_complete, [scid bytes])."""
    first, number, complete, length = struct.unpack(">IIBH", payload[32:43])
    encoded = payload[43:43 + length]
    assert encoded[:1] == b"\x00", "encoding type {}".format(encoded[:1].hex())
    return first, number, complete, [encoded[i:i + 8] for i in range(1, len(encoded), 8)]


def query_short_channel_ids(scids, chain_hash=REGTEST_CHAIN_HASH):
    encoded = b"\x00" + b"".join(scids)
    return (struct.pack(">H", QUERY_SHORT_CHANNEL_IDS) + chain_hash
            + struct.pack(">H", len(encoded)) + encoded)


def reply_channel_range(scids, first_blocknum=0, number_of_blocks=0xFFFFFFFF,
                        chain_hash=REGTEST_CHAIN_HASH):
    encoded = b"\x00" + b"".join(sorted(scids))
    return (struct.pack(">H", REPLY_CHANNEL_RANGE) + chain_hash
            + struct.pack(">IIBH", first_blocknum, number_of_blocks, 1, len(encoded)) + encoded)


def reply_short_channel_ids_end(chain_hash=REGTEST_CHAIN_HASH, full_information=1):
    return struct.pack(">H", REPLY_SHORT_CHANNEL_IDS_END) + chain_hash + bytes([full_information])
