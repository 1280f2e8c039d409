"""Independent checks of what ohmd puts on chain, in pure Python.

Nothing here shares code with ohm: transactions and blocks are parsed from
their bytes, the BIP143 signature hash is computed from the BIP's text, and
ECDSA signatures are verified with plain secp256k1 point arithmetic (from
lnpeer.py, itself independent of ohm), so a bug in bitcoin/ cannot hide a
bug in what the wallet signs.
"""
import hashlib
import hmac

from lnpeer import _G, _N, _P, _point_add, _point_mul, decode_pubkey, encode_pubkey


def sha256(data):
    return hashlib.sha256(data).digest()


def dsha256(data):
    return sha256(sha256(data))


def hash160(data):
    return hashlib.new("ripemd160", sha256(data)).digest()


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def read(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u32(self):
        return int.from_bytes(self.read(4), "little")

    def u64(self):
        return int.from_bytes(self.read(8), "little")

    def varint(self):
        first = self.read(1)[0]
        if first < 0xfd:
            return first
        return int.from_bytes(self.read({0xfd: 2, 0xfe: 4, 0xff: 8}[first]), "little")

    def varbytes(self):
        return self.read(self.varint())


def varint(n):
    if n < 0xfd:
        return bytes([n])
    if n <= 0xffff:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xffffffff:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def varbytes(data):
    return varint(len(data)) + data


SEQUENCE_FINAL = 0xFFFFFFFF


class Tx:
    """A transaction: version, inputs (prev_txid as displayed, vout,
    script_sig, sequence, witness), outputs (value, script), locktime.
    Parsed from bytes, or built with add_input/add_output."""

    def __init__(self, version=2, locktime=0):
        self.version = version
        self.locktime = locktime
        self.inputs = []
        self.outputs = []

    def add_input(self, txid, vout, sequence=SEQUENCE_FINAL):
        self.inputs.append({"txid": txid, "vout": vout, "script_sig": b"",
                            "sequence": sequence, "witness": []})
        return self

    def add_output(self, value, script):
        self.outputs.append({"value": value, "script": script})
        return self

    @classmethod
    def parse(cls, data):
        reader = Reader(data)
        tx = cls.read(reader)
        if reader.pos != len(data):
            raise ValueError("trailing bytes")
        return tx

    @classmethod
    def read(cls, r):
        tx = cls()
        start = r.pos
        tx.version = r.u32()
        count = r.varint()
        segwit = False
        if count == 0:
            if r.read(1) != b"\x01":
                raise ValueError("bad segwit flag")
            segwit = True
            count = r.varint()
        tx.inputs = []
        for _ in range(count):
            txid = r.read(32)[::-1].hex()
            vout = r.u32()
            script_sig = r.varbytes()
            sequence = r.u32()
            tx.inputs.append({"txid": txid, "vout": vout, "script_sig": script_sig,
                              "sequence": sequence, "witness": []})
        tx.outputs = []
        for _ in range(r.varint()):
            value = r.u64()
            tx.outputs.append({"value": value, "script": r.varbytes()})
        if segwit:
            for tin in tx.inputs:
                tin["witness"] = [r.varbytes() for _ in range(r.varint())]
        tx.locktime = r.u32()
        tx.raw = r.data[start:r.pos]
        return tx

    def serialize(self, with_witness=True):
        has_witness = with_witness and any(i["witness"] for i in self.inputs)
        out = self.version.to_bytes(4, "little")
        if has_witness:
            out += b"\x00\x01"
        out += varint(len(self.inputs))
        for i in self.inputs:
            out += bytes.fromhex(i["txid"])[::-1] + i["vout"].to_bytes(4, "little")
            out += varbytes(i["script_sig"]) + i["sequence"].to_bytes(4, "little")
        out += varint(len(self.outputs))
        for o in self.outputs:
            out += o["value"].to_bytes(8, "little") + varbytes(o["script"])
        if has_witness:
            for i in self.inputs:
                out += varint(len(i["witness"])) + b"".join(varbytes(w) for w in i["witness"])
        return out + self.locktime.to_bytes(4, "little")

    def hex(self):
        return self.serialize().hex()

    def txid(self):
        return dsha256(self.serialize(False))[::-1].hex()

    def weight(self):
        return len(self.serialize(False)) * 3 + len(self.serialize(True))

    def vsize(self):
        return (self.weight() + 3) // 4


def parse_block(data):
    """(header bytes, [Tx]) of a raw block."""
    r = Reader(data)
    header = r.read(80)
    txs = [Tx.read(r) for _ in range(r.varint())]
    if r.pos != len(data):
        raise ValueError("trailing bytes after block")
    return header, txs


def bip143_sighash(tx, index, script_code, amount, sighash_type=1):
    """BIP143's digest for input index (SIGHASH_ALL only, as the wallet
    and the tests sign)."""
    assert sighash_type == 1
    prevouts = b"".join(bytes.fromhex(i["txid"])[::-1] + i["vout"].to_bytes(4, "little")
                        for i in tx.inputs)
    sequences = b"".join(i["sequence"].to_bytes(4, "little") for i in tx.inputs)
    outputs = b"".join(o["value"].to_bytes(8, "little") + varbytes(o["script"])
                       for o in tx.outputs)
    tin = tx.inputs[index]
    preimage = (tx.version.to_bytes(4, "little")
                + dsha256(prevouts) + dsha256(sequences)
                + bytes.fromhex(tin["txid"])[::-1] + tin["vout"].to_bytes(4, "little")
                + varbytes(script_code)
                + amount.to_bytes(8, "little")
                + tin["sequence"].to_bytes(4, "little")
                + dsha256(outputs)
                + tx.locktime.to_bytes(4, "little")
                + sighash_type.to_bytes(4, "little"))
    return dsha256(preimage)


def p2wpkh_script_code(keyhash):
    """BIP143: "For P2WPKH witness program, the scriptCode is
    0x1976a914{20-byte-pubkey-hash}88ac" (here without the length byte)."""
    return b"\x76\xa9\x14" + keyhash + b"\x88\xac"


def parse_der(sig):
    """(r, s) of a strict DER signature."""
    if len(sig) < 8 or sig[0] != 0x30 or sig[1] != len(sig) - 2 or sig[2] != 0x02:
        raise ValueError("not DER")
    rlen = sig[3]
    r = sig[4:4 + rlen]
    if sig[4 + rlen] != 0x02:
        raise ValueError("not DER")
    slen = sig[5 + rlen]
    s = sig[6 + rlen:6 + rlen + slen]
    if 6 + rlen + slen != len(sig):
        raise ValueError("not DER")
    for part in (r, s):
        if not part or part[0] & 0x80 or (len(part) > 1 and part[0] == 0 and not part[1] & 0x80):
            raise ValueError("not minimal DER")
    return int.from_bytes(r, "big"), int.from_bytes(s, "big")


def ecdsa_verify(pubkey, digest, r, s):
    """Plain ECDSA verification, with Bitcoin's low-S rule."""
    if not (1 <= r < _N and 1 <= s <= _N // 2):
        return False
    z = int.from_bytes(digest, "big")
    w = pow(s, -1, _N)
    point = _point_add(_point_mul(z * w % _N, _G), _point_mul(r * w % _N, decode_pubkey(pubkey)))
    return point is not None and point[0] % _N == r


def verify_p2wpkh_input(tx, index, prev_script, amount):
    """Checks input index spends the P2WPKH output prev_script of amount:
    witness [DER sig + SIGHASH_ALL, pubkey], the pubkey hashing to the
    program, and the signature valid over the BIP143 digest."""
    tin = tx.inputs[index]
    assert len(prev_script) == 22 and prev_script[:2] == b"\x00\x14", prev_script.hex()
    assert tin["script_sig"] == b"", "a native segwit input has an empty scriptSig"
    assert len(tin["witness"]) == 2, tin["witness"]
    sig, pubkey = tin["witness"]
    assert sig[-1] == 1, "sighash type must be SIGHASH_ALL"
    assert len(pubkey) == 33 and hash160(pubkey) == prev_script[2:]
    r, s = parse_der(sig[:-1])
    script_code = p2wpkh_script_code(prev_script[2:])
    digest = bip143_sighash(tx, index, script_code, amount)
    assert ecdsa_verify(pubkey, digest, r, s), "bad signature on input {}".format(index)
    # A signature for another amount must not verify.
    assert not ecdsa_verify(pubkey, bip143_sighash(tx, index, script_code, amount + 1), r, s)


# ---- Keys, as the wallet documents them (README: "Keys") ----

def bip32_derive(seed, path):
    """The secret key at path (a list of indices, hardened ones with
    0x80000000 added) below the BIP32 master key of seed."""
    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = int.from_bytes(digest[:32], "big"), digest[32:]
    for index in path:
        if index >= 0x80000000:
            data = b"\0" + key.to_bytes(32, "big")
        else:
            data = encode_pubkey(_point_mul(key, _G))
        digest = hmac.new(chain_code, data + index.to_bytes(4, "big"), hashlib.sha512).digest()
        key, chain_code = (int.from_bytes(digest[:32], "big") + key) % _N, digest[32:]
    return key


def taproot_output_key(secret):
    """BIP86: the x-only output key of internal key secret*G tweaked with
    no script tree."""
    point = _point_mul(secret, _G)
    x = point[0].to_bytes(32, "big")
    tag = hashlib.sha256(b"TapTweak").digest()
    tweak = int.from_bytes(hashlib.sha256(tag + tag + x).digest(), "big")
    if point[1] % 2:
        point = (point[0], _P - point[1])
    return _point_add(point, _point_mul(tweak, _G))[0].to_bytes(32, "big")


_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values):
    generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1ffffff) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if ((top >> i) & 1) else 0
    return chk


def segwit_address(hrp, version, program):
    """BIP173 (version 0) / BIP350 (version 1+) address."""
    data, acc, bits = [version], 0, 0
    for byte in program:
        acc, bits = (acc << 8) | byte, bits + 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    const = 1 if version == 0 else 0x2bc830a3
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _bech32_polymod(expanded + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32_CHARSET[d] for d in data + checksum)
