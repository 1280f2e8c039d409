"""An independent Python fundee for BOLT 2 channels, and the BOLT 3 pieces
it stands on, to cross-check what ohmd signs and to play a hostile peer.

Nothing here shares code with ohm: keys, scripts, commitment transactions
and signatures are written from the BOLT 3 text, on top of lnpeer.py's
secp256k1 arithmetic and btcverify.py's transactions and BIP143 digest.
Signatures are deterministic (RFC 6979, as libsecp256k1 makes them), so
BOLT 3's vectors are reproduced byte for byte (test_lnchannel_vectors.py).

Layers, bottom up:
  * keys: per-commitment secrets and points, BOLT 3 key derivation;
  * ECDSA signing, DER and the 64-byte compact form BOLT 2 carries;
  * scripts and commitment / HTLC transactions (static_remotekey, with or
    without option_anchors);
  * message codecs for the BOLT 2 channel messages, from field tables that
    mirror the spec;
  * FundeeChannel: accepts an open_channel over an LnPeer and drives the
    channel, letting a test send any field it likes, right or wrong;
    FunderChannel opens one instead (and may send update_fee); both can
    close it mutually (shutdown, then closing_signed, or under
    option_simple_close closing_complete / closing_sig, either side the
    closer, with BOLT 3's closing transaction and its dust thresholds).
"""
import hashlib
import hmac
import os
import struct
from collections import namedtuple

from btcverify import (Tx, bip143_sighash, dsha256, ecdsa_verify, hash160, segwit_address,
                       sha256, varbytes)
from lnpeer import (ERROR, PING, PONG, REGTEST_CHAIN_HASH, WARNING, _G, _N, _point_add,
                    _point_mul, decode_pubkey, decode_tlvs, encode_pubkey, encode_tlvs,
                    features_from_bits, parse_error)

# --------------------------------------------------------------------------
# Keys (BOLT 3 "Keys")

MAX_COMMITMENT_INDEX = 2**48 - 1


def _scalar(secret):
    return int.from_bytes(secret, "big")


def pubkey_of(secret):
    """The compressed public key of a 32-byte secret."""
    return encode_pubkey(_point_mul(_scalar(secret), _G))


def _hash_scalar(a, b):
    return int.from_bytes(sha256(a + b), "big")


def derive_pubkey(basepoint, per_commitment_point):
    """pubkey = basepoint + SHA256(per_commitment_point || basepoint) * G"""
    tweak = _hash_scalar(per_commitment_point, basepoint)
    return encode_pubkey(_point_add(decode_pubkey(basepoint), _point_mul(tweak, _G)))


def derive_privkey(base_secret, per_commitment_point):
    """privkey = basepoint_secret + SHA256(per_commitment_point || basepoint)"""
    tweak = _hash_scalar(per_commitment_point, pubkey_of(base_secret))
    return ((_scalar(base_secret) + tweak) % _N).to_bytes(32, "big")


def revocation_pubkey(revocation_basepoint, per_commitment_point):
    """revocation_basepoint * SHA256(revocation_basepoint || per_commitment_point)
    + per_commitment_point * SHA256(per_commitment_point || revocation_basepoint)"""
    return encode_pubkey(_point_add(
        _point_mul(_hash_scalar(revocation_basepoint, per_commitment_point),
                   decode_pubkey(revocation_basepoint)),
        _point_mul(_hash_scalar(per_commitment_point, revocation_basepoint),
                   decode_pubkey(per_commitment_point))))


def revocation_privkey(revocation_base_secret, per_commitment_secret):
    basepoint, point = pubkey_of(revocation_base_secret), pubkey_of(per_commitment_secret)
    key = (_scalar(revocation_base_secret) * _hash_scalar(basepoint, point)
           + _scalar(per_commitment_secret) * _hash_scalar(point, basepoint)) % _N
    return key.to_bytes(32, "big")


def generate_from_seed(seed, index):
    """BOLT 3 "Per-commitment Secret Requirements": flip bit B and hash, for
    every bit B set in the 48-bit index, from bit 47 down."""
    value = bytearray(seed)
    for bit in range(47, -1, -1):
        if index >> bit & 1:
            value[bit // 8] ^= 1 << (bit % 8)
            value = bytearray(sha256(bytes(value)))
    return bytes(value)


def per_commitment_secret(seed, commitment_number):
    """The first secret is index 2^48 - 1, and from there the index is
    decremented: commitment n uses index 2^48 - 1 - n."""
    return generate_from_seed(seed, MAX_COMMITMENT_INDEX - commitment_number)


def per_commitment_point(seed, commitment_number):
    return pubkey_of(per_commitment_secret(seed, commitment_number))


# --------------------------------------------------------------------------
# Signatures

def _rfc6979_nonces(secret, digest):
    """RFC 6979 section 3.2 with HMAC-SHA256 and no extra data, the nonce
    libsecp256k1 uses by default; yields candidate k values."""
    h1 = (int.from_bytes(digest, "big") % _N).to_bytes(32, "big")
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + secret + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + secret + h1, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        candidate = int.from_bytes(v, "big")
        if 1 <= candidate < _N:
            yield candidate
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


def ecdsa_sign(secret, digest):
    """A deterministic low-S ECDSA signature of a 32-byte digest: (r, s)."""
    z, x = int.from_bytes(digest, "big"), _scalar(secret)
    for k in _rfc6979_nonces(secret, digest):
        r = _point_mul(k, _G)[0] % _N
        s = pow(k, -1, _N) * (z + r * x) % _N
        if r and s:
            return r, min(s, _N - s)
    raise AssertionError("unreachable")


def der_encode(r, s):
    def integer(value):
        data = value.to_bytes(33, "big").lstrip(b"\x00")
        if not data or data[0] & 0x80:
            data = b"\x00" + data
        return b"\x02" + bytes([len(data)]) + data
    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


def compact_sig(r, s):
    """BOLT 2's `signature`: 64 bytes, r then s, big-endian."""
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def parse_compact_sig(sig):
    if len(sig) != 64:
        raise ValueError("a signature is 64 bytes, got {}".format(len(sig)))
    return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")


# --------------------------------------------------------------------------
# Scripts (BOLT 3 "Transactions")

OP_0, OP_2, OP_CHECKMULTISIG = b"\x00", b"\x52", b"\xae"
OP_IF, OP_NOTIF, OP_ELSE, OP_ENDIF = b"\x63", b"\x64", b"\x67", b"\x68"
OP_DROP, OP_DUP, OP_SWAP, OP_SIZE = b"\x75", b"\x76", b"\x7c", b"\x82"
OP_EQUAL, OP_EQUALVERIFY, OP_HASH160 = b"\x87", b"\x88", b"\xa9"
OP_CHECKSIG, OP_CHECKLOCKTIMEVERIFY, OP_CHECKSEQUENCEVERIFY = b"\xac", b"\xb1", b"\xb2"
OP_1, OP_16, OP_IFDUP, OP_CHECKSIGVERIFY = b"\x51", b"\x60", b"\x73", b"\xad"


def push(data):
    assert len(data) < 0x4c
    return bytes([len(data)]) + data


def push_number(n):
    """A script number pushed minimally (BIP62): OP_0, OP_1..OP_16, or the
    little-endian bytes with a clear sign bit."""
    if n == 0:
        return OP_0
    if 1 <= n <= 16:
        return bytes([0x50 + n])
    data = n.to_bytes((n.bit_length() + 8) // 8, "little")
    return push(data)


def ripemd160(data):
    return hashlib.new("ripemd160", data).digest()


def p2wsh(witness_script):
    return b"\x00\x20" + sha256(witness_script)


def p2wpkh(pubkey):
    return b"\x00\x14" + hash160(pubkey)


def funding_script(pubkey_a, pubkey_b):
    """2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG, the lesser key first."""
    first, second = sorted([pubkey_a, pubkey_b])
    return OP_2 + push(first) + push(second) + OP_2 + OP_CHECKMULTISIG


def funding_witness(script, sig_a, pubkey_a, sig_b, pubkey_b):
    """Witness spending the funding output: 0 <sig for pubkey1> <sig for
    pubkey2> <script>; sigs are DER with the sighash byte."""
    sigs = dict([(pubkey_a, sig_a), (pubkey_b, sig_b)])
    return [b""] + [sigs[key] for key in sorted(sigs)] + [script]


def to_local_script(revocation_pubkey, to_self_delay, local_delayed_pubkey):
    """Also the output script of HTLC-timeout and HTLC-success transactions."""
    return (OP_IF + push(revocation_pubkey) + OP_ELSE + push_number(to_self_delay)
            + OP_CHECKSEQUENCEVERIFY + OP_DROP + push(local_delayed_pubkey) + OP_ENDIF
            + OP_CHECKSIG)


def _htlc_script_head(revocation_pubkey, remote_htlc_pubkey):
    return (OP_DUP + OP_HASH160 + push(hash160(revocation_pubkey)) + OP_EQUAL + OP_IF
            + OP_CHECKSIG + OP_ELSE + push(remote_htlc_pubkey) + OP_SWAP + OP_SIZE
            + push_number(32) + OP_EQUAL)


def _htlc_script_tail(anchors):
    """With option_anchors, every non-anchor output is CSV-locked by one
    block: "1 OP_CHECKSEQUENCEVERIFY OP_DROP" before the last OP_ENDIF."""
    return (OP_1 + OP_CHECKSEQUENCEVERIFY + OP_DROP if anchors else b"") + OP_ENDIF


def offered_htlc_script(revocation_pubkey, local_htlc_pubkey, remote_htlc_pubkey,
                        payment_hash, anchors=False):
    return (_htlc_script_head(revocation_pubkey, remote_htlc_pubkey)
            + OP_NOTIF + OP_DROP + OP_2 + OP_SWAP + push(local_htlc_pubkey) + OP_2
            + OP_CHECKMULTISIG
            + OP_ELSE + OP_HASH160 + push(ripemd160(payment_hash)) + OP_EQUALVERIFY
            + OP_CHECKSIG + OP_ENDIF + _htlc_script_tail(anchors))


def received_htlc_script(revocation_pubkey, local_htlc_pubkey, remote_htlc_pubkey,
                         payment_hash, cltv_expiry, anchors=False):
    return (_htlc_script_head(revocation_pubkey, remote_htlc_pubkey)
            + OP_IF + OP_HASH160 + push(ripemd160(payment_hash)) + OP_EQUALVERIFY
            + OP_2 + OP_SWAP + push(local_htlc_pubkey) + OP_2 + OP_CHECKMULTISIG
            + OP_ELSE + OP_DROP + push_number(cltv_expiry) + OP_CHECKLOCKTIMEVERIFY
            + OP_DROP + OP_CHECKSIG + OP_ENDIF + _htlc_script_tail(anchors))


def to_remote_anchors_script(remote_pubkey):
    """BOLT 3 to_remote with option_anchors: one block's CSV."""
    return push(remote_pubkey) + OP_CHECKSIGVERIFY + OP_1 + OP_CHECKSEQUENCEVERIFY


def anchor_script(funding_pubkey):
    """BOLT 3 to_local_anchor / to_remote_anchor: the side's funding key,
    or anyone after 16 blocks."""
    return (push(funding_pubkey) + OP_CHECKSIG + OP_IFDUP + OP_NOTIF + OP_16
            + OP_CHECKSEQUENCEVERIFY + OP_ENDIF)


# --------------------------------------------------------------------------
# Commitment and HTLC transactions

COMMITMENT_WEIGHT, HTLC_OUTPUT_WEIGHT = 724, 172
COMMITMENT_WEIGHT_ANCHORS, ANCHOR_SAT = 1124, 330
HTLC_TIMEOUT_WEIGHT, HTLC_SUCCESS_WEIGHT = 663, 703
SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY = 0x01, 0x83

# One HTLC as one commitment carries it: offered is from the point of view
# of the commitment's owner (True: the owner offered it).
Htlc = namedtuple("Htlc", "offered amount_msat payment_hash cltv_expiry")

# The keys of one commitment, named from its owner's side (BOLT 3); the
# funding keys only matter to option_anchors' anchor outputs.
CommitmentKeys = namedtuple(
    "CommitmentKeys",
    "revocation local_delayed local_htlc remote_htlc remote_payment local_funding "
    "remote_funding", defaults=(None, None))

# tx: the unsigned commitment; htlc_outputs: [(output index, Htlc, witness script)] in output order;
# htlc_txs: the matching unsigned HTLC-timeout/-success transactions.
Commitment = namedtuple("Commitment", "tx htlc_outputs htlc_txs")


def htlc_tx_fee_sat(htlc, feerate_per_kw, anchors=False):
    """BOLT 3 "Fee Calculation": 0 with option_anchors (the second stage
    brings its own fee)."""
    if anchors:
        return 0
    weight = HTLC_TIMEOUT_WEIGHT if htlc.offered else HTLC_SUCCESS_WEIGHT
    return feerate_per_kw * weight // 1000


def htlc_is_trimmed(htlc, feerate_per_kw, dust_limit_sat, anchors=False):
    return (htlc.amount_msat // 1000 - htlc_tx_fee_sat(htlc, feerate_per_kw, anchors)
            < dust_limit_sat)


def commitment_fee_sat(feerate_per_kw, num_untrimmed_htlcs, anchors=False):
    weight = COMMITMENT_WEIGHT_ANCHORS if anchors else COMMITMENT_WEIGHT
    return feerate_per_kw * (weight + HTLC_OUTPUT_WEIGHT * num_untrimmed_htlcs) // 1000


def opener_cost_sat(feerate_per_kw, num_untrimmed_htlcs, anchors=False):
    """What the opener's balance pays: the fee, and the two anchors."""
    return (commitment_fee_sat(feerate_per_kw, num_untrimmed_htlcs, anchors)
            + (2 * ANCHOR_SAT if anchors else 0))


def obscuring_factor(opener_payment_basepoint, accepter_payment_basepoint):
    """The lower 48 bits of SHA256(opener's payment_basepoint ||
    accepter's payment_basepoint)."""
    return int.from_bytes(sha256(opener_payment_basepoint + accepter_payment_basepoint)[-6:],
                          "big")


def build_commitment(funding_txid, funding_outnum, obscured_number, to_local_msat,
                     to_remote_msat, owner_is_opener, feerate_per_kw, dust_limit_sat,
                     to_self_delay, keys, htlcs=(), anchors=False):
    """BOLT 3 "Commitment Transaction Construction" for one owner.
    to_local_msat/to_remote_msat are the balances before the fee and exclude
    the HTLCs; to_self_delay is the delay on the owner's outputs (the one
    the other side asked for); dust_limit_sat is the owner's.  With anchors
    (option_anchors), keys must have both funding keys."""
    tx = Tx(version=2, locktime=0x20000000 | (obscured_number & 0xFFFFFF))
    tx.add_input(funding_txid, funding_outnum, 0x80000000 | (obscured_number >> 24))
    untrimmed = [h for h in htlcs
                 if not htlc_is_trimmed(h, feerate_per_kw, dust_limit_sat, anchors)]
    # 3. the base fee, and with option_anchors the two anchors, come out
    # of the funder's balance.
    cost_sat = opener_cost_sat(feerate_per_kw, len(untrimmed), anchors)
    if owner_is_opener:
        to_local_msat = max(0, to_local_msat - cost_sat * 1000)
    else:
        to_remote_msat = max(0, to_remote_msat - cost_sat * 1000)

    # (value, scriptpubkey, cltv_expiry, witness script, Htlc or None)
    outputs = []
    for htlc in untrimmed:
        if htlc.offered:
            script = offered_htlc_script(keys.revocation, keys.local_htlc, keys.remote_htlc,
                                         htlc.payment_hash, anchors)
        else:
            script = received_htlc_script(keys.revocation, keys.local_htlc, keys.remote_htlc,
                                          htlc.payment_hash, htlc.cltv_expiry, anchors)
        outputs.append((htlc.amount_msat // 1000, p2wsh(script), htlc.cltv_expiry, script, htlc))
    has_to_local = to_local_msat // 1000 >= dust_limit_sat
    has_to_remote = to_remote_msat // 1000 >= dust_limit_sat
    if has_to_local:
        script = to_local_script(keys.revocation, to_self_delay, keys.local_delayed)
        outputs.append((to_local_msat // 1000, p2wsh(script), 0, script, None))
    if has_to_remote and anchors:
        script = to_remote_anchors_script(keys.remote_payment)
        outputs.append((to_remote_msat // 1000, p2wsh(script), 0, None, None))
    elif has_to_remote:
        outputs.append((to_remote_msat // 1000, p2wpkh(keys.remote_payment), 0, None, None))
    # 8. each anchor, if its side has an output or any HTLC is untrimmed.
    if anchors and (has_to_local or untrimmed):
        outputs.append((ANCHOR_SAT, p2wsh(anchor_script(keys.local_funding)), 0, None, None))
    if anchors and (has_to_remote or untrimmed):
        outputs.append((ANCHOR_SAT, p2wsh(anchor_script(keys.remote_funding)), 0, None, None))
    # BIP69 and then cltv_expiry: Python compares bytes as memcmp, the
    # shorter first on a common prefix, as BOLT 3 asks.
    outputs.sort(key=lambda o: o[:3])
    for value, script_pubkey, _, _, _ in outputs:
        tx.add_output(value, script_pubkey)

    txid = tx.txid()
    htlc_outputs, htlc_txs = [], []
    for index, (value, _, _, script, htlc) in enumerate(outputs):
        if htlc is None:
            continue
        htlc_outputs.append((index, htlc, script))
        second = Tx(version=2, locktime=htlc.cltv_expiry if htlc.offered else 0)
        # "txin[0] sequence: 0 (set to 1 for option_anchors)"
        second.add_input(txid, index, sequence=1 if anchors else 0)
        second.add_output(value - htlc_tx_fee_sat(htlc, feerate_per_kw, anchors),
                          p2wsh(to_local_script(keys.revocation, to_self_delay,
                                                keys.local_delayed)))
        htlc_txs.append(second)
    return Commitment(tx, htlc_outputs, htlc_txs)


def commitment_sighash(commitment_tx, funding_script_bytes, funding_sat):
    return bip143_sighash(commitment_tx, 0, funding_script_bytes, funding_sat)


def bip143_sighash_single_anyonecanpay(tx, index, script_code, amount):
    """BIP143's digest with SIGHASH_SINGLE|SIGHASH_ANYONECANPAY: no other
    input (hashPrevouts and hashSequence zero), only the output at index."""
    tin = tx.inputs[index]
    out = tx.outputs[index]
    preimage = (tx.version.to_bytes(4, "little") + bytes(32) + bytes(32)
                + bytes.fromhex(tin["txid"])[::-1] + tin["vout"].to_bytes(4, "little")
                + varbytes(script_code) + amount.to_bytes(8, "little")
                + tin["sequence"].to_bytes(4, "little")
                + dsha256(out["value"].to_bytes(8, "little") + varbytes(out["script"]))
                + tx.locktime.to_bytes(4, "little")
                + SIGHASH_SINGLE_ANYONECANPAY.to_bytes(4, "little"))
    return dsha256(preimage)


def htlc_sighash(commitment, position, sighash_type=SIGHASH_ALL):
    """Digest of the position'th HTLC transaction of a commitment.  BOLT 3:
    with option_anchors the counterparty signs SIGHASH_SINGLE|
    SIGHASH_ANYONECANPAY, the owner always SIGHASH_ALL."""
    index, htlc, script = commitment.htlc_outputs[position]
    amount = commitment.tx.outputs[index]["value"]
    if sighash_type == SIGHASH_SINGLE_ANYONECANPAY:
        return bip143_sighash_single_anyonecanpay(commitment.htlc_txs[position], 0, script,
                                                  amount)
    return bip143_sighash(commitment.htlc_txs[position], 0, script, amount)


def verify_compact(pubkey, digest, sig):
    """A BOLT 2 signature is valid and low-S (ecdsa_verify refuses high S)."""
    return ecdsa_verify(pubkey, digest, *parse_compact_sig(sig))


# --------------------------------------------------------------------------
# Simple close (option_simple_close): scripts, dust, the closing transaction

OP_RETURN, OP_PUSHDATA1 = 0x6a, 0x4c
# closing_tlvs types: which outputs the signed closing transaction has.
CLOSER_OUTPUT_ONLY, CLOSEE_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS = 1, 2, 3
SIMPLE_CLOSE_SEQUENCE = 0xFFFFFFFD


def is_op_return(script):
    """BOLT 3 "Closing Transaction": an output whose scriptpubkey starts
    with OP_RETURN carries 0."""
    return script[:1] == bytes([OP_RETURN])


def valid_shutdown_script(script, anysegwit=True, simple_close=True):
    """BOLT 2 "Closing Initiation: shutdown": the four scriptpubkey forms,
    the third with option_shutdown_anysegwit, the fourth with
    option_simple_close."""
    n = len(script)
    if n == 22 and script[:2] == b"\x00\x14" or n == 34 and script[:2] == b"\x00\x20":
        return True
    if anysegwit and n >= 4 and 0x51 <= script[0] <= 0x60 and 2 <= script[1] <= 40 \
            and n == 2 + script[1]:
        return True
    if simple_close and n >= 2 and script[0] == OP_RETURN:
        if 6 <= script[1] <= 75:
            return n == 2 + script[1]
        if script[1] == OP_PUSHDATA1 and n >= 3 and 76 <= script[2] <= 80:
            return n == 3 + script[2]
    return False


def dust_threshold(script):
    """BOLT 3 "Dust Limits" (Bitcoin Core's thresholds at 3000 sat/kB); an
    OP_RETURN output is never dust (0).  Other scripts get Core's formula:
    3 sat per byte of the output plus a 148-byte spending input."""
    n = len(script)
    if is_op_return(script):
        return 0
    if n == 25 and script[:3] == b"\x76\xa9\x14" and script[23:] == b"\x88\xac":
        return 546      # p2pkh
    if n == 23 and script[:2] == b"\xa9\x14" and script[22:] == b"\x87":
        return 540      # p2sh
    if n == 22 and script[:2] == b"\x00\x14":
        return 294      # p2wpkh
    if n == 34 and script[:2] == b"\x00\x20":
        return 330      # p2wsh
    if script == b"\x51\x02\x4e\x73":
        return 240      # p2a
    if valid_shutdown_script(script, anysegwit=True, simple_close=False):
        return 354      # unknown segwit versions
    return 3 * (8 + 1 + n + 148)


def is_dust(amount_sat, script):
    return amount_sat < dust_threshold(script)


# --------------------------------------------------------------------------
# BOLT 2 messages

OPEN_CHANNEL, ACCEPT_CHANNEL, FUNDING_CREATED, FUNDING_SIGNED, CHANNEL_READY = 32, 33, 34, 35, 36
SHUTDOWN, CLOSING_SIGNED, CLOSING_COMPLETE, CLOSING_SIG = 38, 39, 40, 41
UPDATE_ADD_HTLC, UPDATE_FULFILL_HTLC, COMMITMENT_SIGNED, REVOKE_AND_ACK = 128, 130, 132, 133
UPDATE_FEE, CHANNEL_REESTABLISH = 134, 136
# BOLT 7
CHANNEL_ANNOUNCEMENT, NODE_ANNOUNCEMENT, CHANNEL_UPDATE, ANNOUNCEMENT_SIGNATURES = \
    256, 257, 258, 259
ONION_PACKET_LEN = 1366

# Field tables in spec order.  A type is a byte count (fixed-size bytes),
# "u8"/"u16"/"u32"/"u64", "u16_bytes" (u16 length then the bytes),
# "signatures" (u16 count then 64-byte signatures) or "tlvs" (the rest).
_POINTS = [("funding_pubkey", 33), ("revocation_basepoint", 33), ("payment_basepoint", 33),
           ("delayed_payment_basepoint", 33), ("htlc_basepoint", 33),
           ("first_per_commitment_point", 33)]
MESSAGES = {
    "open_channel": (OPEN_CHANNEL, [
        ("chain_hash", 32), ("temporary_channel_id", 32), ("funding_satoshis", "u64"),
        ("push_msat", "u64"), ("dust_limit_satoshis", "u64"),
        ("max_htlc_value_in_flight_msat", "u64"), ("channel_reserve_satoshis", "u64"),
        ("htlc_minimum_msat", "u64"), ("feerate_per_kw", "u32"), ("to_self_delay", "u16"),
        ("max_accepted_htlcs", "u16")] + _POINTS + [("channel_flags", "u8"), ("tlvs", "tlvs")],
        {0, 1}),
    "accept_channel": (ACCEPT_CHANNEL, [
        ("temporary_channel_id", 32), ("dust_limit_satoshis", "u64"),
        ("max_htlc_value_in_flight_msat", "u64"), ("channel_reserve_satoshis", "u64"),
        ("htlc_minimum_msat", "u64"), ("minimum_depth", "u32"), ("to_self_delay", "u16"),
        ("max_accepted_htlcs", "u16")] + _POINTS + [("tlvs", "tlvs")],
        {0, 1}),
    "funding_created": (FUNDING_CREATED, [
        ("temporary_channel_id", 32), ("funding_txid", 32), ("funding_output_index", "u16"),
        ("signature", 64), ("tlvs", "tlvs")], set()),
    "funding_signed": (FUNDING_SIGNED, [
        ("channel_id", 32), ("signature", 64), ("tlvs", "tlvs")], set()),
    "channel_ready": (CHANNEL_READY, [
        ("channel_id", 32), ("second_per_commitment_point", 33), ("tlvs", "tlvs")], {1}),
    "shutdown": (SHUTDOWN, [("channel_id", 32), ("scriptpubkey", "u16_bytes")], None),
    "closing_signed": (CLOSING_SIGNED, [
        ("channel_id", 32), ("fee_satoshis", "u64"), ("signature", 64), ("tlvs", "tlvs")],
        {1}),
    # option_simple_close; tlvs are closing_tlvs, one signature per
    # CLOSER_OUTPUT_ONLY, CLOSEE_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS.
    "closing_complete": (CLOSING_COMPLETE, [
        ("channel_id", 32), ("closer_scriptpubkey", "u16_bytes"),
        ("closee_scriptpubkey", "u16_bytes"), ("fee_satoshis", "u64"), ("locktime", "u32"),
        ("tlvs", "tlvs")], {1, 2, 3}),
    "closing_sig": (CLOSING_SIG, [
        ("channel_id", 32), ("closer_scriptpubkey", "u16_bytes"),
        ("closee_scriptpubkey", "u16_bytes"), ("fee_satoshis", "u64"), ("locktime", "u32"),
        ("tlvs", "tlvs")], {1, 2, 3}),
    "update_add_htlc": (UPDATE_ADD_HTLC, [
        ("channel_id", 32), ("id", "u64"), ("amount_msat", "u64"), ("payment_hash", 32),
        ("cltv_expiry", "u32"), ("onion_routing_packet", ONION_PACKET_LEN), ("tlvs", "tlvs")],
        {0}),
    "update_fulfill_htlc": (UPDATE_FULFILL_HTLC, [
        ("channel_id", 32), ("id", "u64"), ("payment_preimage", 32), ("tlvs", "tlvs")], set()),
    "update_fee": (UPDATE_FEE, [("channel_id", 32), ("feerate_per_kw", "u32")], None),
    "commitment_signed": (COMMITMENT_SIGNED, [
        ("channel_id", 32), ("signature", 64), ("htlc_signatures", "signatures"),
        ("tlvs", "tlvs")], {1}),
    "revoke_and_ack": (REVOKE_AND_ACK, [
        ("channel_id", 32), ("per_commitment_secret", 32), ("next_per_commitment_point", 33),
        ("tlvs", "tlvs")], set()),
    "channel_reestablish": (CHANNEL_REESTABLISH, [
        ("channel_id", 32), ("next_commitment_number", "u64"),
        ("next_revocation_number", "u64"), ("your_last_per_commitment_secret", 32),
        ("my_current_per_commitment_point", 33), ("tlvs", "tlvs")], {1, 5}),
    # BOLT 7 (no TLV streams: None).
    "announcement_signatures": (ANNOUNCEMENT_SIGNATURES, [
        ("channel_id", 32), ("short_channel_id", "u64"), ("node_signature", 64),
        ("bitcoin_signature", 64)], None),
    "channel_announcement": (CHANNEL_ANNOUNCEMENT, [
        ("node_signature_1", 64), ("node_signature_2", 64), ("bitcoin_signature_1", 64),
        ("bitcoin_signature_2", 64), ("features", "u16_bytes"), ("chain_hash", 32),
        ("short_channel_id", "u64"), ("node_id_1", 33), ("node_id_2", 33),
        ("bitcoin_key_1", 33), ("bitcoin_key_2", 33)], None),
    "channel_update": (CHANNEL_UPDATE, [
        ("signature", 64), ("chain_hash", 32), ("short_channel_id", "u64"),
        ("timestamp", "u32"), ("message_flags", "u8"), ("channel_flags", "u8"),
        ("cltv_expiry_delta", "u16"), ("htlc_minimum_msat", "u64"), ("fee_base_msat", "u32"),
        ("fee_proportional_millionths", "u32"), ("htlc_maximum_msat", "u64")], None),
    "node_announcement": (NODE_ANNOUNCEMENT, [
        ("signature", 64), ("features", "u16_bytes"), ("timestamp", "u32"), ("node_id", 33),
        ("rgb_color", 3), ("alias", 32), ("addresses", "u16_bytes")], None),
    "error": (ERROR, [("channel_id", 32), ("data", "u16_bytes")], None),
    "warning": (WARNING, [("channel_id", 32), ("data", "u16_bytes")], None),
}
MESSAGE_NAMES = {spec[0]: name for name, spec in MESSAGES.items()}
_INTS = {"u8": ">B", "u16": ">H", "u32": ">I", "u64": ">Q"}


def encode_message(name, **fields):
    """The payload (without the type) of message name; "tlvs" is a
    {type: bytes} dict (or a list of pairs) and defaults to none."""
    _, table, _ = MESSAGES[name]
    out = b""
    for field, kind in table:
        if kind == "tlvs":
            out += encode_tlvs(fields.get("tlvs") or {})
            continue
        value = fields[field]
        if kind in _INTS:
            out += struct.pack(_INTS[kind], value)
        elif kind == "u16_bytes":
            out += struct.pack(">H", len(value)) + value
        elif kind == "signatures":
            out += struct.pack(">H", len(value)) + b"".join(value)
        else:
            if len(value) != kind:
                raise ValueError("{}.{} must be {} bytes".format(name, field, kind))
            out += value
    return out


def decode_message(name, payload):
    """{field: value}; ValueError if payload is short or its TLV stream is
    bad (including an unknown even type)."""
    _, table, known_tlvs = MESSAGES[name]
    fields, pos = {}, 0

    def take(n):
        nonlocal pos
        if pos + n > len(payload):
            raise ValueError("{} truncated at {}".format(name, field))
        pos += n
        return payload[pos - n:pos]

    for field, kind in table:
        if kind == "tlvs":
            fields[field] = decode_tlvs(payload[pos:], known=known_tlvs)
            pos = len(payload)
        elif kind in _INTS:
            fmt = _INTS[kind]
            fields[field] = struct.unpack(fmt, take(struct.calcsize(fmt)))[0]
        elif kind == "u16_bytes":
            fields[field] = take(struct.unpack(">H", take(2))[0])
        elif kind == "signatures":
            count = struct.unpack(">H", take(2))[0]
            fields[field] = [take(64) for _ in range(count)]
        else:
            fields[field] = take(kind)
    return fields


# --------------------------------------------------------------------------
# BOLT 7 signatures, made and checked here (not with ohm's code)

def channel_announcement_digest(payload):
    """BOLT 7: the double-SHA256 of a channel_announcement "beginning at
    offset 256" (of the message after its type: past the 4 signatures)."""
    return dsha256(payload[256:])


def unsigned_channel_announcement(scid, node_ids, bitcoin_keys, chain_hash=REGTEST_CHAIN_HASH):
    """The channel_announcement fields (signatures zero) of a channel
    between node_ids[0], node_ids[1] with those bitcoin keys: node_id_1 is
    the lesser of the two, with its bitcoin key."""
    order = [0, 1] if node_ids[0] < node_ids[1] else [1, 0]
    return dict(node_signature_1=bytes(64), node_signature_2=bytes(64),
                bitcoin_signature_1=bytes(64), bitcoin_signature_2=bytes(64), features=b"",
                chain_hash=chain_hash, short_channel_id=scid,
                node_id_1=node_ids[order[0]], node_id_2=node_ids[order[1]],
                bitcoin_key_1=bitcoin_keys[order[0]], bitcoin_key_2=bitcoin_keys[order[1]])


def channel_announcement_checks(payload):
    """The four signatures of a channel_announcement (payload without
    its type): {name: valid}."""
    m = decode_message("channel_announcement", payload)
    digest = channel_announcement_digest(payload)
    return {sig: verify_compact(m[key], digest, m[sig])
            for sig, key in (("node_signature_1", "node_id_1"), ("node_signature_2", "node_id_2"),
                             ("bitcoin_signature_1", "bitcoin_key_1"),
                             ("bitcoin_signature_2", "bitcoin_key_2"))}


def channel_update_is_signed_by(payload, node_id):
    """BOLT 7: the signature is over "the double-SHA256 of the entire
    remaining packet after `signature`"."""
    return verify_compact(node_id, dsha256(payload[64:]), payload[:64])


def node_announcement_is_signed(payload):
    m = decode_message("node_announcement", payload)
    return verify_compact(m["node_id"], dsha256(payload[64:]), m["signature"])


def channel_id_of(funding_txid_wire, funding_outnum):
    """BOLT 2: funding_txid (wire byte order) XOR funding_output_index in
    its last 2 bytes, big-endian."""
    cid = bytearray(funding_txid_wire)
    cid[30] ^= funding_outnum >> 8
    cid[31] ^= funding_outnum & 0xFF
    return bytes(cid)


# --------------------------------------------------------------------------
# The fundee

# init features the Python side sends: option_data_loss_protect,
# option_static_remotekey and option_channel_type, all optional.
FUNDEE_INIT_FEATURES = {1, 13, 45}
# ... and option_shutdown_anysegwit and option_simple_close, optional.
SIMPLE_CLOSE_INIT_FEATURES = FUNDEE_INIT_FEATURES | {27, 61}
# ... and option_anchors, optional.
ANCHORS_INIT_FEATURES = SIMPLE_CLOSE_INIT_FEATURES | {23}
STATIC_REMOTEKEY_TYPE = features_from_bits({12})
ANCHORS_TYPE = features_from_bits({12, 22})
BASEPOINTS = ("revocation", "payment", "delayed_payment", "htlc")
LOCAL, REMOTE = "local", "remote"
# Messages a channel conversation may skip over: pings (answered), pongs,
# and BOLT 7 gossip.
_SKIPPABLE = {PONG} | set(range(256, 266))


class ChannelProtocolError(AssertionError):
    """ohm sent something a correct funder must not."""


class FundeeChannel:
    """The fundee ("local", the Python side) of a channel that ohm ("remote")
    opens over peer, an LnPeer past init.

    Every step checks what ohm sent against BOLT 2 and 3 (raising
    ChannelProtocolError or AssertionError), and every send_* takes
    overrides so a test can send wrong fields on purpose.  The HTLC model
    is deliberately small: every HTLC added so far is in every commitment
    built next, which holds while HTLCs are only added; a fulfill we send
    takes its HTLC out of both next commitments at once (sign it before
    anything else), and latest_commitment is then no longer exact.
    secrets optionally fixes ours by name: "funding", "seed" (the BOLT 3
    per-commitment seed) and the basepoint names of BASEPOINTS.
    accept_anchors: the channel types accept_open takes (static_remotekey
    always, anchors too if True); the channel's type is self.anchors."""

    def __init__(self, peer, minimum_depth=3, to_self_delay=144, dust_limit_sat=546,
                 max_accepted_htlcs=483, htlc_minimum_msat=1,
                 max_htlc_value_in_flight_msat=2**64 - 1, secrets=None, accept_anchors=False):
        self.peer = peer
        self.accept_anchors = accept_anchors
        self.anchors = False
        secrets = secrets or {}
        self.funding_secret = secrets.get("funding") or os.urandom(32)
        self.base_secrets = {name: secrets.get(name) or os.urandom(32) for name in BASEPOINTS}
        self.seed = secrets.get("seed") or os.urandom(32)
        self.minimum_depth = minimum_depth
        # What each side asked for, by BOLT 2 field name.
        self.params = {LOCAL: dict(
            dust_limit_satoshis=dust_limit_sat, to_self_delay=to_self_delay,
            max_accepted_htlcs=max_accepted_htlcs, htlc_minimum_msat=htlc_minimum_msat,
            max_htlc_value_in_flight_msat=max_htlc_value_in_flight_msat,
            funding_pubkey=pubkey_of(self.funding_secret),
            **{name + "_basepoint": pubkey_of(secret)
               for name, secret in self.base_secrets.items()})}
        self.open = None
        self.is_opener = False
        # A side's commitment feerate once an update_fee changed it (else
        # open_channel's); the one our update_fee proposes, not yet in ours.
        self.feerate = {}
        self.proposed_feerate = None
        self.shutdown_script = {}       # each side's last script (shutdown, closing_complete)
        self.sent_closing_complete = None   # (fields, {type: tx}) of our last one
        self.channel_id = None
        self.remote_points = {}     # ohm's per-commitment points by number
        self.balance_msat = {}
        self.htlcs = []             # dicts: offerer, id, amount_msat, payment_hash, cltv_expiry
        self.next_htlc_id = 0
        # Each side's latest commitment validly signed by the other, and
        # the HTLCs it holds; our signatures on ohm's, by number.
        self.commitment_number = {LOCAL: 0, REMOTE: 0}
        self.signed_htlcs = {LOCAL: [], REMOTE: []}
        self.our_signatures = {}
        self.revealed_secrets = {}  # ohm's per-commitment secrets by number

    # -- messages ----------------------------------------------------------
    def send(self, name, **fields):
        self.peer.send_msg(MESSAGES[name][0], encode_message(name, **fields))

    def _next_message(self, expected, timeout):
        """The next message that matters, which must be of type expected:
        pings are answered (BOLT 1), pongs and gossip skipped; anything
        else raises ChannelProtocolError."""
        return self._next_of({expected}, timeout)[1]

    def _next_of(self, expected, timeout):
        """_next_message for a set of types: (type, payload)."""
        while True:
            kind, payload = self.peer.recv_msg(timeout)
            if kind in expected:
                return kind, payload
            if kind == PING:
                num_pong_bytes = struct.unpack(">H", payload[:2])[0]
                if num_pong_bytes < 65532:
                    self.peer.send_pong(num_pong_bytes)
            elif kind not in _SKIPPABLE:
                got = MESSAGE_NAMES.get(kind, "message type {}".format(kind))
                if kind in (ERROR, WARNING):
                    got = "{} {!r}".format("error" if kind == ERROR else "warning",
                                           parse_error(payload)[1])
                raise ChannelProtocolError("expected {}, got {}".format(
                    " or ".join(MESSAGE_NAMES.get(e, str(e)) for e in sorted(expected)), got))

    def receive(self, name, timeout=30):
        """The next channel message, which must be name; its fields."""
        return decode_message(name, self._next_message(MESSAGES[name][0], timeout))

    def receive_one_of(self, names, timeout=30):
        """The next channel message, which must be one of names: (name,
        its fields)."""
        kind, payload = self._next_of({MESSAGES[name][0] for name in names}, timeout)
        return MESSAGE_NAMES[kind], decode_message(MESSAGE_NAMES[kind], payload)

    def expect_error(self, timeout=30):
        """The next message must be ohm's `error` (a warning is not enough
        where the channel must fail): returns (channel_id, text)."""
        return parse_error(self._next_message(ERROR, timeout))

    # -- keys --------------------------------------------------------------
    def point(self, side, number):
        if side == LOCAL:
            return per_commitment_point(self.seed, number)
        return self.remote_points[number]

    def commitment_keys(self, owner, number):
        other = REMOTE if owner == LOCAL else LOCAL
        mine, theirs, point = self.params[owner], self.params[other], self.point(owner, number)
        return CommitmentKeys(
            revocation=revocation_pubkey(theirs["revocation_basepoint"], point),
            local_delayed=derive_pubkey(mine["delayed_payment_basepoint"], point),
            local_htlc=derive_pubkey(mine["htlc_basepoint"], point),
            remote_htlc=derive_pubkey(theirs["htlc_basepoint"], point),
            remote_payment=theirs["payment_basepoint"],
            local_funding=mine["funding_pubkey"], remote_funding=theirs["funding_pubkey"])

    # -- opening -----------------------------------------------------------
    def check_open(self, o):
        """The requirements BOLT 2 puts on an open_channel's receiver."""
        def check(ok, what):
            if not ok:
                raise ChannelProtocolError("open_channel: " + what)
        check(o["chain_hash"] == REGTEST_CHAIN_HASH, "not regtest")
        check(o["funding_satoshis"] < 2**24, "funding_satoshis >= 2^24 (no large channels)")
        check(o["push_msat"] <= o["funding_satoshis"] * 1000, "push_msat above funding")
        check(o["max_accepted_htlcs"] <= 483, "max_accepted_htlcs above 483")
        check(o["dust_limit_satoshis"] <= o["channel_reserve_satoshis"],
              "dust_limit_satoshis above channel_reserve_satoshis")
        check(o["dust_limit_satoshis"] >= 354, "dust_limit_satoshis below 354")
        check(o["to_self_delay"] <= 2016, "to_self_delay unreasonably large")
        check(253 <= o["feerate_per_kw"] <= 100000, "feerate_per_kw unreasonable")
        for field, _ in _POINTS:
            decode_pubkey(o[field])
        check(o["channel_flags"] & 0xFE == 0, "undefined channel_flags bits set")
        # "if it includes open_channel_tlvs: MUST include upfront_shutdown_script"
        check(0 in o["tlvs"], "channel_type without upfront_shutdown_script")
        types = [STATIC_REMOTEKEY_TYPE] + ([ANCHORS_TYPE] if self.accept_anchors else [])
        check(o["tlvs"].get(1) in types,
              "channel_type {} is not {}".format(o["tlvs"].get(1), " or ".join(
                  t.hex() for t in types)))
        anchors = o["tlvs"][1] == ANCHORS_TYPE
        fee_msat = opener_cost_sat(o["feerate_per_kw"], 0, anchors) * 1000
        funder_msat = o["funding_satoshis"] * 1000 - o["push_msat"]
        check(funder_msat >= fee_msat, "the funder cannot pay the commitment fee")
        check(max(funder_msat - fee_msat, o["push_msat"]) > o["channel_reserve_satoshis"] * 1000,
              "both outputs at or below channel_reserve_satoshis")

    def take_remote_params(self, m):
        """The peer's channel parameters, basepoints and first
        per-commitment point, from its open_channel or accept_channel."""
        remote = {name: m[name] for name in (
            "dust_limit_satoshis", "to_self_delay", "max_accepted_htlcs", "htlc_minimum_msat",
            "max_htlc_value_in_flight_msat", "channel_reserve_satoshis")}
        remote.update({field: m[field] for field, _ in _POINTS})
        self.params[REMOTE] = remote
        self.remote_points[0] = m["first_per_commitment_point"]

    def accept_open(self, timeout=30, **overrides):
        """Receives and checks open_channel, answers accept_channel (fields
        in overrides replace ours).  Returns the open_channel fields."""
        o = self.receive("open_channel", timeout)
        self.check_open(o)
        self.open = o
        self.anchors = o["tlvs"][1] == ANCHORS_TYPE
        self.take_remote_params(o)
        local = self.params[LOCAL]
        # 1% of the channel, and never below either dust limit (BOLT 2).
        local["channel_reserve_satoshis"] = max(o["funding_satoshis"] // 100,
                                                o["dust_limit_satoshis"],
                                                local["dust_limit_satoshis"])
        self.balance_msat = {LOCAL: o["push_msat"],
                             REMOTE: o["funding_satoshis"] * 1000 - o["push_msat"]}
        fields = dict(temporary_channel_id=o["temporary_channel_id"],
                      minimum_depth=self.minimum_depth,
                      first_per_commitment_point=self.point(LOCAL, 0),
                      tlvs={0: b"", 1: o["tlvs"][1]},
                      **{name: local[name] for name in (
                          "dust_limit_satoshis", "max_htlc_value_in_flight_msat",
                          "channel_reserve_satoshis", "htlc_minimum_msat", "to_self_delay",
                          "max_accepted_htlcs")},
                      **{field: local[field] for field, _ in _POINTS[:-1]})
        fields.update(overrides)
        # What we send is what our commitments are built with.
        local.update({name: value for name, value in overrides.items() if name in local})
        self.send("accept_channel", **fields)
        return o

    @property
    def funding_script(self):
        return funding_script(self.params[LOCAL]["funding_pubkey"],
                              self.params[REMOTE]["funding_pubkey"])

    @property
    def funding_sat(self):
        return self.open["funding_satoshis"]

    def receive_funding_created(self, timeout=60):
        """Receives funding_created and checks ohm's signature on our
        commitment #0 (the cross-check of ohm's BOLT 3)."""
        m = self.receive("funding_created", timeout)
        if m["temporary_channel_id"] != self.open["temporary_channel_id"]:
            raise ChannelProtocolError("funding_created for another temporary_channel_id")
        self.funding_txid = m["funding_txid"][::-1].hex()
        self.funding_outnum = m["funding_output_index"]
        self.channel_id = channel_id_of(m["funding_txid"], self.funding_outnum)
        self.verify_commitment_signature(LOCAL, 0, m["signature"], [])
        return m

    def send_funding_signed(self):
        """Our signature on ohm's commitment #0."""
        self.our_signatures[0] = self.sign_commitment(REMOTE, 0)
        self.send("funding_signed", channel_id=self.channel_id, signature=self.our_signatures[0])

    def send_channel_ready(self):
        self.send("channel_ready", channel_id=self.channel_id,
                  second_per_commitment_point=self.point(LOCAL, 1))

    def receive_channel_ready(self, timeout=60):
        m = self.receive("channel_ready", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("channel_ready for another channel")
        decode_pubkey(m["second_per_commitment_point"])
        self.remote_points[1] = m["second_per_commitment_point"]
        return m

    # -- commitments -------------------------------------------------------
    @property
    def opener(self):
        return LOCAL if self.is_opener else REMOTE

    def obscured_number(self, number):
        # The opener's payment_basepoint comes first.
        other = REMOTE if self.opener == LOCAL else LOCAL
        return number ^ obscuring_factor(self.params[self.opener]["payment_basepoint"],
                                         self.params[other]["payment_basepoint"])

    def feerate_of(self, owner):
        return self.feerate.get(owner, self.open["feerate_per_kw"])

    def commitment(self, owner, number, htlcs=None):
        """owner's commitment transaction number `number` with htlcs (a list
        of self.htlcs-style dicts; all added so far by default)."""
        other = REMOTE if owner == LOCAL else LOCAL
        htlcs = self.htlcs if htlcs is None else htlcs
        to_owner = self.balance_msat[owner] - sum(
            h["amount_msat"] for h in htlcs if h["offerer"] == owner)
        to_other = self.balance_msat[other] - sum(
            h["amount_msat"] for h in htlcs if h["offerer"] == other)
        return build_commitment(
            self.funding_txid, self.funding_outnum, self.obscured_number(number),
            to_owner, to_other, owner_is_opener=owner == self.opener,
            feerate_per_kw=self.feerate_of(owner),
            dust_limit_sat=self.params[owner]["dust_limit_satoshis"],
            to_self_delay=self.params[other]["to_self_delay"],
            keys=self.commitment_keys(owner, number),
            htlcs=[Htlc(h["offerer"] == owner, h["amount_msat"], h["payment_hash"],
                        h["cltv_expiry"]) for h in htlcs],
            anchors=self.anchors)

    def latest_commitment(self, owner):
        """owner's newest commitment that the other side signed validly."""
        return self.commitment(owner, self.commitment_number[owner], self.signed_htlcs[owner])

    def sign_commitment(self, owner, number, htlcs=None):
        digest = commitment_sighash(self.commitment(owner, number, htlcs).tx,
                                    self.funding_script, self.funding_sat)
        return compact_sig(*ecdsa_sign(self.funding_secret, digest))

    @property
    def counterparty_sighash(self):
        """BOLT 3: how the non-owner signs HTLC transactions."""
        return SIGHASH_SINGLE_ANYONECANPAY if self.anchors else SIGHASH_ALL

    def sign_htlcs(self, commitment, owner_point):
        """Our signatures on the HTLC transactions of ohm's commitment."""
        key = derive_privkey(self.base_secrets["htlc"], owner_point)
        return [compact_sig(*ecdsa_sign(key, htlc_sighash(commitment, i,
                                                          self.counterparty_sighash)))
                for i in range(len(commitment.htlc_txs))]

    def verify_commitment_signature(self, owner, number, signature, htlc_signatures,
                                    htlcs=None):
        """Asserts ohm's signature (and HTLC signatures) on the given
        commitment; returns the Commitment."""
        commitment = self.commitment(owner, number, htlcs)
        digest = commitment_sighash(commitment.tx, self.funding_script, self.funding_sat)
        if not verify_compact(self.params[REMOTE]["funding_pubkey"], digest, signature):
            raise ChannelProtocolError(
                "ohm's signature does not verify on our commitment #{} (txid {}, {})".format(
                    number, commitment.tx.txid(), commitment.tx.hex()))
        if len(htlc_signatures) != len(commitment.htlc_txs):
            raise ChannelProtocolError("{} htlc signatures for {} HTLC outputs".format(
                len(htlc_signatures), len(commitment.htlc_txs)))
        remote_htlc = self.commitment_keys(LOCAL, number).remote_htlc
        for i, sig in enumerate(htlc_signatures):
            if not verify_compact(remote_htlc,
                                  htlc_sighash(commitment, i, self.counterparty_sighash), sig):
                raise ChannelProtocolError(
                    "ohm's HTLC signature {} does not verify (HTLC tx {})".format(
                        i, commitment.htlc_txs[i].hex()))
        return commitment

    # -- normal operation --------------------------------------------------
    def send_update_add_htlc(self, amount_msat, cltv_expiry, payment_hash=None, htlc_id=None,
                             onion=None):
        """Offers an HTLC (recorded as ours); returns its dict."""
        htlc = dict(offerer=LOCAL, id=self.next_htlc_id if htlc_id is None else htlc_id,
                    amount_msat=amount_msat, payment_hash=payment_hash or os.urandom(32),
                    cltv_expiry=cltv_expiry)
        self.next_htlc_id += 1
        self.htlcs.append(htlc)
        self.send("update_add_htlc", channel_id=self.channel_id, id=htlc["id"],
                  amount_msat=amount_msat, payment_hash=htlc["payment_hash"],
                  cltv_expiry=cltv_expiry,
                  onion_routing_packet=onion or b"\x00" * ONION_PACKET_LEN)
        return htlc

    def receive_update_add_htlc(self, timeout=30):
        m = self.receive("update_add_htlc", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("update_add_htlc for another channel")
        expected = sum(1 for h in self.htlcs if h["offerer"] == REMOTE)
        if m["id"] != expected:
            raise ChannelProtocolError("update_add_htlc id {}, expected {}".format(
                m["id"], expected))
        self.htlcs.append(dict(offerer=REMOTE, id=m["id"], amount_msat=m["amount_msat"],
                               payment_hash=m["payment_hash"], cltv_expiry=m["cltv_expiry"]))
        return m

    def send_commitment_signed(self, signature=None, htlc_signatures=None):
        """Signs ohm's next commitment with every HTLC added so far; a
        given signature is sent instead (and the commitment is then not
        counted as signed)."""
        number = self.commitment_number[REMOTE] + 1
        if self.proposed_feerate:
            self.feerate[REMOTE] = self.proposed_feerate
        commitment = self.commitment(REMOTE, number)
        if htlc_signatures is None:
            htlc_signatures = self.sign_htlcs(commitment, self.point(REMOTE, number))
        if signature is None:
            signature = self.our_signatures[number] = self.sign_commitment(REMOTE, number)
            self.commitment_number[REMOTE] = number
            self.signed_htlcs[REMOTE] = list(self.htlcs)
        self.send("commitment_signed", channel_id=self.channel_id, signature=signature,
                  htlc_signatures=htlc_signatures)
        return commitment

    def receive_revoke_and_ack(self, timeout=30):
        """ohm revokes its commitment before the one we signed last: the
        secret must give that commitment's point (BOLT 2)."""
        m = self.receive("revoke_and_ack", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("revoke_and_ack for another channel")
        revoked = self.commitment_number[REMOTE] - 1
        if pubkey_of(m["per_commitment_secret"]) != self.remote_points[revoked]:
            raise ChannelProtocolError(
                "revoke_and_ack: per_commitment_secret is not commitment #{}'s".format(revoked))
        decode_pubkey(m["next_per_commitment_point"])
        self.revealed_secrets[revoked] = m["per_commitment_secret"]
        self.remote_points[revoked + 2] = m["next_per_commitment_point"]
        return m

    def receive_commitment_signed(self, timeout=30):
        """Receives and verifies ohm's signatures on our next commitment."""
        m = self.receive("commitment_signed", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("commitment_signed for another channel")
        number = self.commitment_number[LOCAL] + 1
        if self.proposed_feerate:
            # ohm signs after it received our update_fee.
            self.feerate[LOCAL], self.proposed_feerate = self.proposed_feerate, None
        commitment = self.verify_commitment_signature(LOCAL, number, m["signature"],
                                                      m["htlc_signatures"])
        self.commitment_number[LOCAL] = number
        self.signed_htlcs[LOCAL] = list(self.htlcs)
        return m, commitment

    def send_revoke_and_ack(self, per_commitment_secret_override=None):
        """Revokes our previous commitment (with the right secret unless
        overridden) and gives the point after our current one."""
        current = self.commitment_number[LOCAL]
        secret = per_commitment_secret_override or per_commitment_secret(self.seed, current - 1)
        self.send("revoke_and_ack", channel_id=self.channel_id, per_commitment_secret=secret,
                  next_per_commitment_point=self.point(LOCAL, current + 1))

    def send_update_fulfill_htlc(self, htlc_id, preimage):
        """Fulfills the HTLC ohm offered with htlc_id: it leaves every
        commitment built next, its amount ours."""
        [htlc] = [h for h in self.htlcs if h["offerer"] == REMOTE and h["id"] == htlc_id]
        assert sha256(preimage) == htlc["payment_hash"]
        self.htlcs.remove(htlc)
        self.balance_msat[REMOTE] -= htlc["amount_msat"]
        self.balance_msat[LOCAL] += htlc["amount_msat"]
        self.send("update_fulfill_htlc", channel_id=self.channel_id, id=htlc_id,
                  payment_preimage=preimage)

    def receive_update_fulfill_htlc(self, timeout=30):
        """ohm fulfills the HTLC we offered: the preimage must be its
        payment_hash's; it leaves every commitment built next, its amount
        ohm's."""
        m = self.receive("update_fulfill_htlc", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("update_fulfill_htlc for another channel")
        found = [h for h in self.htlcs if h["offerer"] == LOCAL and h["id"] == m["id"]]
        if not found or sha256(m["payment_preimage"]) != found[0]["payment_hash"]:
            raise ChannelProtocolError("update_fulfill_htlc for id {} with preimage {}".format(
                m["id"], m["payment_preimage"].hex()))
        self.htlcs.remove(found[0])
        self.balance_msat[LOCAL] -= found[0]["amount_msat"]
        self.balance_msat[REMOTE] += found[0]["amount_msat"]
        return m

    def send_update_fee(self, feerate_per_kw):
        """As opener: the feerate of the commitments signed from now on."""
        self.proposed_feerate = feerate_per_kw
        self.send("update_fee", channel_id=self.channel_id, feerate_per_kw=feerate_per_kw)

    # -- mutual close ------------------------------------------------------
    def send_shutdown(self, script=None):
        """Our shutdown, paying us to script (a fresh P2WPKH by default;
        any script is sent as given, e.g. OP_RETURN under simple close)."""
        self.shutdown_script[LOCAL] = script or p2wpkh(pubkey_of(os.urandom(32)))
        self.send("shutdown", channel_id=self.channel_id,
                  scriptpubkey=self.shutdown_script[LOCAL])

    def receive_shutdown(self, timeout=30):
        m = self.receive("shutdown", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("shutdown for another channel")
        self.shutdown_script[REMOTE] = m["scriptpubkey"]
        return m

    def closing_tx(self, fee_sat):
        """BOLT 3 "Closing Transaction": the funding input (sequence
        0xFFFFFFFF), each side's balance to its shutdown script, the opener
        paying fee_sat, in BIP69 order.  Both outputs must be above dust
        (the tests keep them so)."""
        amounts = {side: self.balance_msat[side] // 1000 for side in (LOCAL, REMOTE)}
        amounts[self.opener] -= fee_sat
        for side in (LOCAL, REMOTE):
            assert amounts[side] >= self.params[side]["dust_limit_satoshis"], amounts
        tx = Tx(version=2, locktime=0)
        tx.add_input(self.funding_txid, self.funding_outnum, 0xFFFFFFFF)
        for value, script in sorted((amounts[side], self.shutdown_script[side])
                                    for side in (LOCAL, REMOTE)):
            tx.add_output(value, script)
        return tx

    def send_closing_signed(self, fee_sat, fee_range=None):
        """Our signature on the closing transaction paying fee_sat, with
        fee_range (min, max) if given."""
        digest = commitment_sighash(self.closing_tx(fee_sat), self.funding_script,
                                    self.funding_sat)
        tlvs = {1: struct.pack(">QQ", *fee_range)} if fee_range else {}
        self.send("closing_signed", channel_id=self.channel_id, fee_satoshis=fee_sat,
                  signature=compact_sig(*ecdsa_sign(self.funding_secret, digest)), tlvs=tlvs)

    def receive_closing_signed(self, timeout=30):
        """ohm's closing_signed, its signature checked on the closing
        transaction for its fee_satoshis.  Returns (fee_satoshis,
        fee_range or None, the closing transaction)."""
        m = self.receive("closing_signed", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("closing_signed for another channel")
        tx = self.closing_tx(m["fee_satoshis"])
        digest = commitment_sighash(tx, self.funding_script, self.funding_sat)
        if not verify_compact(self.params[REMOTE]["funding_pubkey"], digest, m["signature"]):
            raise ChannelProtocolError("closing_signed: signature does not verify for "
                                       "fee_satoshis {} (tx {})".format(m["fee_satoshis"],
                                                                        tx.hex()))
        fee_range = struct.unpack(">QQ", m["tlvs"][1]) if 1 in m["tlvs"] else None
        return m["fee_satoshis"], fee_range, tx


    # -- simple close (option_simple_close) ---------------------------------
    def simple_close_amounts(self, closer, fee_sat, closer_script, closee_script):
        """(closer output, closee output) in satoshis, BOLT 3 "Closing
        Transaction": the closer pays fee_sat; OP_RETURN outputs carry 0.
        The closer's may be negative if fee_sat is above its balance."""
        closee = REMOTE if closer == LOCAL else LOCAL
        closer_sat = 0 if is_op_return(closer_script) else (
            self.balance_msat[closer] - fee_sat * 1000) // 1000
        closee_sat = 0 if is_op_return(closee_script) else self.balance_msat[closee] // 1000
        return closer_sat, closee_sat

    def simple_closing_tx(self, closer, fee_sat, locktime, closer_script, closee_script,
                          variant):
        """BOLT 3 "Closing Transaction" with closer (LOCAL or REMOTE)
        paying fee_sat: version 2, locktime, the funding input with
        sequence 0xFFFFFFFD, the outputs variant (a closing_tlvs type)
        names, in BIP69 order (value, then script as memcmp)."""
        closer_sat, closee_sat = self.simple_close_amounts(closer, fee_sat, closer_script,
                                                           closee_script)
        outputs = []
        if variant in (CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS):
            if closer_sat < 0:
                raise ValueError("fee_satoshis {} above the closer's balance".format(fee_sat))
            outputs.append((closer_sat, closer_script))
        if variant in (CLOSEE_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS):
            outputs.append((closee_sat, closee_script))
        if not outputs:
            raise ValueError("closing_tlvs type {} names no transaction".format(variant))
        tx = Tx(version=2, locktime=locktime)
        tx.add_input(self.funding_txid, self.funding_outnum, SIMPLE_CLOSE_SEQUENCE)
        for value, script in sorted(outputs):
            tx.add_output(value, script)
        return tx

    def closer_variants(self, closer, fee_sat, closer_script, closee_script):
        """The closing_tlvs BOLT 2 tells the closer to set (never
        omitting an output only because it is uneconomical)."""
        closee = REMOTE if closer == LOCAL else LOCAL
        closer_sat, closee_sat = self.simple_close_amounts(closer, fee_sat, closer_script,
                                                           closee_script)
        if self.balance_msat[closer] < self.balance_msat[closee]:
            if is_dust(closer_sat, closer_script):
                return [CLOSEE_OUTPUT_ONLY]
            return [CLOSER_AND_CLOSEE_OUTPUTS]
        if is_dust(closee_sat, closee_script):
            return [CLOSER_OUTPUT_ONLY]
        return [CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS]

    def closee_selects(self, m):
        """The closing_tlvs type BOLT 2 tells the closee (us) to sign for
        the closing_complete m: closer_output_only if our output is dust,
        else closer_and_closee_outputs if present, else closee_output_only."""
        _, ours = self.simple_close_amounts(REMOTE, m["fee_satoshis"],
                                            m["closer_scriptpubkey"], m["closee_scriptpubkey"])
        if is_dust(ours, m["closee_scriptpubkey"]):
            return CLOSER_OUTPUT_ONLY
        if CLOSER_AND_CLOSEE_OUTPUTS in m["tlvs"]:
            return CLOSER_AND_CLOSEE_OUTPUTS
        return CLOSEE_OUTPUT_ONLY

    def sign_closing(self, tx):
        digest = commitment_sighash(tx, self.funding_script, self.funding_sat)
        return compact_sig(*ecdsa_sign(self.funding_secret, digest))

    def verify_closing(self, tx, sig):
        digest = commitment_sighash(tx, self.funding_script, self.funding_sat)
        return verify_compact(self.params[REMOTE]["funding_pubkey"], digest, sig)

    def signed_closing_tx(self, tx, our_sig, their_sig):
        """tx with its funding witness from both compact signatures."""
        signed = Tx.parse(tx.serialize())
        signed.inputs[0]["witness"] = funding_witness(
            self.funding_script,
            der_encode(*parse_compact_sig(our_sig)) + b"\x01",
            self.params[LOCAL]["funding_pubkey"],
            der_encode(*parse_compact_sig(their_sig)) + b"\x01",
            self.params[REMOTE]["funding_pubkey"])
        return signed

    def closing_complete_fields(self, fee_sat, locktime=0, closer_script=None, variants=None,
                                signatures=None, **overrides):
        """Our closing_complete as closer, unsent: (fields, {type: tx}).
        The closee script is the last one ohm sent (shutdown or its
        closing_complete); variants default to closer_variants; each is
        signed unless signatures ({type: sig}) gives one; overrides
        replace message fields after signing."""
        closer_script = closer_script or self.shutdown_script[LOCAL]
        closee_script = self.shutdown_script[REMOTE]
        if variants is None:
            variants = self.closer_variants(LOCAL, fee_sat, closer_script, closee_script)
        txs = {v: self.simple_closing_tx(LOCAL, fee_sat, locktime, closer_script,
                                         closee_script, v) for v in variants}
        signatures = signatures or {}
        fields = dict(channel_id=self.channel_id, closer_scriptpubkey=closer_script,
                      closee_scriptpubkey=closee_script, fee_satoshis=fee_sat,
                      locktime=locktime,
                      tlvs={v: signatures.get(v) or self.sign_closing(tx)
                            for v, tx in txs.items()})
        fields.update(overrides)
        return fields, txs

    def send_closing_complete(self, fee_sat, locktime=0, closer_script=None, variants=None,
                              signatures=None, **overrides):
        """Sends closing_complete (see closing_complete_fields); the
        closer script becomes our last script.  Returns {type: tx}."""
        fields, txs = self.closing_complete_fields(fee_sat, locktime, closer_script, variants,
                                                   signatures, **overrides)
        self.note_closing_complete(fields, txs)
        self.send("closing_complete", **fields)
        return txs

    def note_closing_complete(self, fields, txs):
        """Records a closing_complete we send: its closer script is our
        last script, and closing_sig must match it."""
        if valid_shutdown_script(fields["closer_scriptpubkey"]):
            self.shutdown_script[LOCAL] = fields["closer_scriptpubkey"]
        self.sent_closing_complete = (fields, txs)

    def check_closing_complete(self, m):
        """What BOLT 2 asks of the closer (ohm) and of the closee (us):
        returns {type: tx} with every signature verified."""
        def check(ok, what):
            if not ok:
                raise ChannelProtocolError("closing_complete: " + what)
        check(m["channel_id"] == self.channel_id, "for another channel")
        closer_script, closee_script = m["closer_scriptpubkey"], m["closee_scriptpubkey"]
        check(closee_script == self.shutdown_script[LOCAL],
              "closee_scriptpubkey {} is not our last script {}".format(
                  closee_script.hex(), self.shutdown_script[LOCAL].hex()))
        check(valid_shutdown_script(closer_script),
              "invalid closer_scriptpubkey " + closer_script.hex())
        fee = m["fee_satoshis"]
        check(fee * 1000 <= self.balance_msat[REMOTE],
              "fee_satoshis {} above the closer's balance".format(fee))
        closer_sat, closee_sat = self.simple_close_amounts(REMOTE, fee, closer_script,
                                                           closee_script)
        check(not (is_dust(closer_sat, closer_script) and is_dust(closee_sat, closee_script)),
              "both outputs are dust")
        sent = set(m["tlvs"]) & {1, 2, 3}
        if self.balance_msat[REMOTE] < self.balance_msat[LOCAL]:
            check(CLOSER_OUTPUT_ONLY not in sent, "closer_output_only from the lesser side")
            check(CLOSEE_OUTPUT_ONLY in sent or not is_dust(closer_sat, closer_script),
                  "no closee_output_only though the closer's output is dust")
        else:
            check(CLOSEE_OUTPUT_ONLY not in sent, "closee_output_only from the greater side")
            if is_dust(closee_sat, closee_script):
                check(sent == {CLOSER_OUTPUT_ONLY},
                      "the closee's output is dust but closing_tlvs are {}".format(sent))
            else:
                check(sent == {CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS},
                      "closing_tlvs {}, not closer_output_only and "
                      "closer_and_closee_outputs".format(sent))
        txs = {}
        for variant in sorted(sent):
            txs[variant] = self.simple_closing_tx(REMOTE, fee, m["locktime"], closer_script,
                                                  closee_script, variant)
            check(self.verify_closing(txs[variant], m["tlvs"][variant]),
                  "signature {} does not verify (tx {})".format(variant, txs[variant].hex()))
        return txs

    def receive_closing_complete(self, timeout=30):
        """ohm's closing_complete as closer, checked (check_closing_complete);
        its closer script becomes ohm's last script.  Returns (m, {type: tx})."""
        m = self.receive("closing_complete", timeout)
        txs = self.check_closing_complete(m)
        self.shutdown_script[REMOTE] = m["closer_scriptpubkey"]
        return m, txs

    def closing_sig_fields(self, m, variant=None, signature=None, **overrides):
        """Our closing_sig for ohm's closing_complete m, unsent: one
        signature, in the field closee_selects (or variant) names;
        overrides replace message fields.  Returns (fields, the fully
        signed transaction)."""
        variant = variant or self.closee_selects(m)
        tx = self.simple_closing_tx(REMOTE, m["fee_satoshis"], m["locktime"],
                                    m["closer_scriptpubkey"], m["closee_scriptpubkey"], variant)
        our_sig = signature or self.sign_closing(tx)
        fields = {name: m[name] for name in ("channel_id", "closer_scriptpubkey",
                                             "closee_scriptpubkey", "fee_satoshis", "locktime")}
        fields["tlvs"] = {variant: our_sig}
        fields.update(overrides)
        return fields, self.signed_closing_tx(tx, our_sig, m["tlvs"][variant])

    def send_closing_sig(self, m, variant=None, signature=None, **overrides):
        """Sends closing_sig_fields' message; returns the fully signed
        transaction, which ohm should broadcast."""
        fields, signed = self.closing_sig_fields(m, variant, signature, **overrides)
        self.send("closing_sig", **fields)
        return signed

    def receive_closing_sig(self, timeout=30):
        """ohm's closing_sig for our last closing_complete, checked
        (check_closing_sig).  Returns (type, the fully signed tx)."""
        return self.check_closing_sig(self.receive("closing_sig", timeout))

    def check_closing_sig(self, m):
        """A closing_sig for our last closing_complete: the same scripts,
        fee and locktime, exactly one signature in one of the fields we
        sent, valid.  Returns (type, the fully signed tx)."""
        fields, txs = self.sent_closing_complete

        def check(ok, what):
            if not ok:
                raise ChannelProtocolError("closing_sig: " + what)
        for name in ("channel_id", "closer_scriptpubkey", "closee_scriptpubkey",
                     "fee_satoshis", "locktime"):
            check(m[name] == fields[name], "{} {!r}, we sent {!r}".format(
                name, m[name], fields[name]))
        sigs = set(m["tlvs"]) & {1, 2, 3}
        check(len(sigs) == 1, "signatures in {}".format(sorted(sigs)))
        [variant] = sigs
        check(variant in fields["tlvs"], "type {} we did not send".format(variant))
        check(self.verify_closing(txs[variant], m["tlvs"][variant]),
              "signature does not verify (tx {})".format(txs[variant].hex()))
        return variant, self.signed_closing_tx(txs[variant], fields["tlvs"][variant],
                                               m["tlvs"][variant])

    def receive_warning(self, timeout=30):
        """The next message must be a `warning`: (channel_id, text)."""
        return parse_error(self._next_message(WARNING, timeout))

    def reestablish(self, timeout=30):
        """After a reconnection: our channel_reestablish, and ohm's, which
        must agree with ours (BOLT 2 "Message Retransmission").  Nothing
        was in flight, so nothing is retransmitted but channel_ready while
        no update was ever signed; an update_fee we sent and never signed
        is forgotten, as ohm forgets it."""
        self.proposed_feerate = None
        number = {side: self.commitment_number[side] for side in (LOCAL, REMOTE)}
        last_secret = (self.revealed_secrets[max(self.revealed_secrets)]
                       if self.revealed_secrets else bytes(32))
        self.send("channel_reestablish", channel_id=self.channel_id,
                  next_commitment_number=number[LOCAL] + 1,
                  next_revocation_number=number[REMOTE],
                  your_last_per_commitment_secret=last_secret,
                  my_current_per_commitment_point=self.point(LOCAL, number[LOCAL]))
        m = self.receive("channel_reestablish", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("channel_reestablish for another channel")
        if (m["next_commitment_number"], m["next_revocation_number"]) != (
                number[REMOTE] + 1, number[LOCAL]):
            raise ChannelProtocolError("channel_reestablish numbers {} {}".format(
                m["next_commitment_number"], m["next_revocation_number"]))
        if number[LOCAL] == 0 and number[REMOTE] == 0:
            self.send_channel_ready()
            self.receive_channel_ready(timeout)
        return m

    # -- announcement (BOLT 7) ---------------------------------------------
    def announcement_fields(self, scid, node_key, ohm_node_id):
        """The unsigned channel_announcement of this channel: ours is
        node_key (a Keypair), ohm's ohm_node_id (33 bytes)."""
        return unsigned_channel_announcement(
            scid, [node_key.pubkey, ohm_node_id],
            [self.params[LOCAL]["funding_pubkey"], self.params[REMOTE]["funding_pubkey"]])

    def _announcement_digest(self, scid, node_key, ohm_node_id):
        fields = self.announcement_fields(scid, node_key, ohm_node_id)
        return channel_announcement_digest(encode_message("channel_announcement", **fields))

    def announcement_signatures(self, scid, node_key, ohm_node_id):
        """Our announcement_signatures' fields: our node key and funding
        key sign the channel_announcement."""
        digest = self._announcement_digest(scid, node_key, ohm_node_id)
        return dict(channel_id=self.channel_id, short_channel_id=scid,
                    node_signature=compact_sig(*ecdsa_sign(node_key.secret, digest)),
                    bitcoin_signature=compact_sig(*ecdsa_sign(self.funding_secret, digest)))

    def check_announcement_signatures(self, m, scid, node_key, ohm_node_id):
        """ohm's announcement_signatures m names this channel and its two
        signatures are ohm's node key's and ohm's funding key's."""
        if m["channel_id"] != self.channel_id or m["short_channel_id"] != scid:
            raise ChannelProtocolError("announcement_signatures for another channel")
        digest = self._announcement_digest(scid, node_key, ohm_node_id)
        if not verify_compact(ohm_node_id, digest, m["node_signature"]):
            raise ChannelProtocolError("announcement_signatures: bad node_signature")
        if not verify_compact(self.params[REMOTE]["funding_pubkey"], digest,
                              m["bitcoin_signature"]):
            raise ChannelProtocolError("announcement_signatures: bad bitcoin_signature")

    def channel_announcement(self, scid, node_key, ohm_node_id, theirs):
        """The full channel_announcement (payload), with ohm's signatures
        from theirs (its announcement_signatures) and ours."""
        fields = self.announcement_fields(scid, node_key, ohm_node_id)
        ours = self.announcement_signatures(scid, node_key, ohm_node_id)
        first, second = ("1", "2") if fields["node_id_1"] == node_key.pubkey else ("2", "1")
        fields["node_signature_" + first] = ours["node_signature"]
        fields["bitcoin_signature_" + first] = ours["bitcoin_signature"]
        fields["node_signature_" + second] = theirs["node_signature"]
        fields["bitcoin_signature_" + second] = theirs["bitcoin_signature"]
        return encode_message("channel_announcement", **fields)


class FunderChannel(FundeeChannel):
    """The funder ("local", the Python side) of a channel it opens to ohm
    ("remote") over peer.  The funding transaction is whatever pays the
    2-of-2 (the test makes it); the rest is FundeeChannel's."""

    def __init__(self, peer, **kwargs):
        super().__init__(peer, **kwargs)
        self.is_opener = True

    def send_open(self, funding_sat, push_msat=0, feerate_per_kw=253, channel_reserve_sat=None,
                  anchors=False, **overrides):
        """open_channel for a static_remotekey channel, or with anchors an
        option_anchors one (fields in overrides replace ours)."""
        self.anchors = anchors
        local = self.params[LOCAL]
        local["channel_reserve_satoshis"] = channel_reserve_sat or max(
            funding_sat // 100, local["dust_limit_satoshis"])
        fields = dict(chain_hash=REGTEST_CHAIN_HASH, temporary_channel_id=os.urandom(32),
                      funding_satoshis=funding_sat, push_msat=push_msat,
                      feerate_per_kw=feerate_per_kw, channel_flags=0,
                      first_per_commitment_point=self.point(LOCAL, 0),
                      tlvs={0: b"", 1: ANCHORS_TYPE if anchors else STATIC_REMOTEKEY_TYPE},
                      **{name: local[name] for name in (
                          "dust_limit_satoshis", "max_htlc_value_in_flight_msat",
                          "channel_reserve_satoshis", "htlc_minimum_msat", "to_self_delay",
                          "max_accepted_htlcs")},
                      **{field: local[field] for field, _ in _POINTS[:-1]})
        fields.update(overrides)
        self.open = fields
        self.balance_msat = {LOCAL: funding_sat * 1000 - push_msat, REMOTE: push_msat}
        self.send("open_channel", **fields)
        return fields

    def receive_accept(self, timeout=30):
        a = self.receive("accept_channel", timeout)
        if a["temporary_channel_id"] != self.open["temporary_channel_id"]:
            raise ChannelProtocolError("accept_channel for another temporary_channel_id")
        if a["tlvs"].get(1) != self.open["tlvs"][1]:
            raise ChannelProtocolError("accept_channel: channel_type {}, we sent {}".format(
                a["tlvs"].get(1), self.open["tlvs"][1]))
        self.take_remote_params(a)
        self.minimum_depth = a["minimum_depth"]
        return a

    def funding_address(self):
        """The regtest P2WSH address of the 2-of-2 funding output."""
        return segwit_address("bcrt", 0, sha256(self.funding_script))

    def send_funding_created(self, funding_txid, funding_outnum):
        """Our signature on ohm's commitment #0, spending funding_txid
        (as displayed) at funding_outnum."""
        self.funding_txid, self.funding_outnum = funding_txid, funding_outnum
        wire_txid = bytes.fromhex(funding_txid)[::-1]
        self.channel_id = channel_id_of(wire_txid, funding_outnum)
        self.our_signatures[0] = self.sign_commitment(REMOTE, 0)
        self.send("funding_created", temporary_channel_id=self.open["temporary_channel_id"],
                  funding_txid=wire_txid, funding_output_index=funding_outnum,
                  signature=self.our_signatures[0])

    def receive_funding_signed(self, timeout=30):
        """ohm's signature on our commitment #0, checked."""
        m = self.receive("funding_signed", timeout)
        if m["channel_id"] != self.channel_id:
            raise ChannelProtocolError("funding_signed for another channel")
        self.verify_commitment_signature(LOCAL, 0, m["signature"], [])
        return m
