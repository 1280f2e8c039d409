"""lnchannel.py checked against BOLT 3's test vectors, byte for byte:
key derivation (Appendix E), per-commitment secret generation (Appendix D),
the funding output (Appendix B) and every commitment and HTLC transaction
of Appendix C and (option_anchors) Appendix F, signatures included.  Plus
the BOLT 2 message codecs.
No ohmd needed."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from btcverify import Tx, parse_der  # noqa: E402
from lnpeer import _N  # noqa: E402
from lnchannel import (  # noqa: E402
    SIGHASH_SINGLE_ANYONECANPAY, anchor_script, to_remote_anchors_script,
    LOCAL, MESSAGES, REMOTE, CommitmentKeys, FundeeChannel, Htlc, parse_compact_sig, build_commitment, channel_id_of, commitment_sighash,
    der_encode, derive_privkey, derive_pubkey, decode_message, ecdsa_sign, encode_message,
    funding_script, funding_witness, generate_from_seed, htlc_sighash, obscuring_factor,
    p2wpkh, p2wsh, per_commitment_point, per_commitment_secret, pubkey_of, push_number,
    revocation_privkey, revocation_pubkey, sha256, verify_compact, compact_sig)
from test_lnpeer_vectors import load  # noqa: E402

H = bytes.fromhex
KEYS = load("bolt03-key-derivation.json")
SECRETS = load("bolt03-per-commitment-secrets.json")
FUNDING = load("bolt03-funding-tx.json")["vectors"][0]
COMMIT = load("bolt03-commitment-tx.json")
ANCHORS = load("bolt03-commitment-tx-anchors.json")
C = COMMIT["common"]
INTERNAL = C["internal"]


def by_name(tests):
    return {t["name"]: t for t in tests}


# ---- Appendix E: key derivation ----

def test_key_derivation_vectors():
    common = KEYS["common"]
    base_secret, per_secret = H(common["base_secret"]), H(common["per_commitment_secret"])
    base_point, point = H(common["base_point"]), H(common["per_commitment_point"])
    assert pubkey_of(base_secret) == base_point
    assert pubkey_of(per_secret) == point
    tests = {t["output_name"]: H(t["output"]) for t in KEYS["tests"]}
    assert set(tests) == {"localpubkey", "localprivkey", "revocationpubkey", "revocationprivkey"}
    assert derive_pubkey(base_point, point) == tests["localpubkey"]
    assert derive_privkey(base_secret, point) == tests["localprivkey"]
    assert revocation_pubkey(base_point, point) == tests["revocationpubkey"]
    assert revocation_privkey(base_secret, per_secret) == tests["revocationprivkey"]
    # The private keys belong to the public ones.
    assert pubkey_of(tests["localprivkey"]) == tests["localpubkey"]
    assert pubkey_of(tests["revocationprivkey"]) == tests["revocationpubkey"]


# ---- Appendix D: per-commitment secret generation ----

@pytest.mark.parametrize("vector", SECRETS["generation_tests"], ids=lambda v: v["name"])
def test_generate_from_seed_vectors(vector):
    assert generate_from_seed(H(vector["seed"]), int(vector["index_str"])).hex() == \
        vector["output"]


def test_first_commitment_uses_the_last_index():
    """BOLT 3: the first secret is index 2^48 - 1, then decrementing."""
    seed = bytes([0xFF]) * 32
    assert per_commitment_secret(seed, 0).hex() == SECRETS["generation_tests"][1]["output"]
    assert per_commitment_secret(seed, 1) == generate_from_seed(seed, 2**48 - 2)
    assert per_commitment_point(seed, 1) == pubkey_of(generate_from_seed(seed, 2**48 - 2))


# ---- Appendix B: funding output ----

def test_funding_output_vector():
    local, remote = H(FUNDING["local_funding_pubkey"]), H(FUNDING["remote_funding_pubkey"])
    script = funding_script(local, remote)
    assert script.hex() == FUNDING["funding_witness_script"]
    assert funding_script(remote, local) == script
    tx = Tx.parse(H(FUNDING["funding_tx_hex"]))
    assert tx.txid() == FUNDING["funding_txid"]
    out = tx.outputs[FUNDING["funding_output_index"]]
    assert out == {"value": FUNDING["funding_satoshis"], "script": p2wsh(script)}


# ---- Appendix C: commitment and HTLC transactions ----

def vector_keys():
    """The local commitment's keys, derived here from the INTERNAL secrets
    and checked against the ones the spec prints."""
    point = H(INTERNAL["local_per_commitment_point"])
    assert pubkey_of(H(INTERNAL["x_local_per_commitment_secret"])) == point
    keys = CommitmentKeys(
        revocation=revocation_pubkey(H(INTERNAL["remote_revocation_basepoint"]), point),
        local_delayed=derive_pubkey(H(INTERNAL["local_delayed_payment_basepoint"]), point),
        local_htlc=derive_pubkey(H(C["local_htlc_basepoint"]), point),
        remote_htlc=derive_pubkey(H(C["remote_htlc_basepoint"]), point),
        remote_payment=H(C["remote_payment_basepoint"]),
        local_funding=H(C["local_funding_pubkey"]),
        remote_funding=H(C["remote_funding_pubkey"]))
    assert keys.revocation.hex() == C["local_revocation_pubkey"]
    assert keys.local_delayed.hex() == C["local_delayedpubkey"]
    assert keys.local_htlc.hex() == C["local_htlcpubkey"]
    assert keys.remote_htlc.hex() == C["remote_htlcpubkey"]
    return keys


def test_vector_private_keys():
    point = H(INTERNAL["local_per_commitment_point"])
    assert derive_privkey(H(INTERNAL["local_payment_basepoint_secret"]), point).hex() == \
        C["local_privkey"]
    assert derive_privkey(H(INTERNAL["remote_payment_basepoint_secret"]), point).hex() == \
        INTERNAL["remote_privkey"]
    assert derive_privkey(H(INTERNAL["local_delayed_payment_basepoint_secret"]),
                          point).hex() == INTERNAL["local_delayed_privkey"]
    assert pubkey_of(H(C["local_funding_privkey"])).hex() == C["local_funding_pubkey"]
    assert pubkey_of(H(INTERNAL["remote_funding_privkey"])).hex() == C["remote_funding_pubkey"]


def test_obscuring_factor():
    """"obscured commitment number = 0x2bb038521914 ^ 42"."""
    factor = obscuring_factor(H(C["local_payment_basepoint"]), H(C["remote_payment_basepoint"]))
    assert factor == 0x2bb038521914


def vector_htlcs(test):
    """The HTLCs of a test, as the local (owner) commitment sees them."""
    if "no HTLCs" in test["name"]:
        ids = []
    elif "same amount and preimage" in test["name"]:
        ids = [1, 5, 6]
    else:
        ids = [0, 1, 2, 3, 4]
    htlcs = {}
    for h in C["htlcs"]:
        if h["id"] in ids:
            htlcs[h["id"]] = Htlc(offered=h["direction"] == "local->remote",
                                  amount_msat=h["amount_msat"],
                                  payment_hash=sha256(H(h["payment_preimage"])),
                                  cltv_expiry=h["expiry"])
    return htlcs


def build_vector(test):
    factor = obscuring_factor(H(C["local_payment_basepoint"]), H(C["remote_payment_basepoint"]))
    htlcs = vector_htlcs(test)
    return build_commitment(
        C["funding_tx_id"], C["funding_output_index"], C["commitment_number"] ^ factor,
        test["to_local_msat"], test["to_remote_msat"], owner_is_opener=True,
        feerate_per_kw=test["local_feerate_per_kw"],
        dust_limit_sat=C["local_dust_limit_satoshi"], to_self_delay=C["local_delay"],
        keys=vector_keys(), htlcs=list(htlcs.values())), htlcs


def sign_der(secret, digest):
    return der_encode(*ecdsa_sign(secret, digest))


@pytest.mark.parametrize("test", COMMIT["tests"], ids=lambda t: t["name"])
def test_commitment_vectors(test):
    commitment, htlcs = build_vector(test)
    tx = commitment.tx
    # Every output the spec lists (for the last test, only its HTLCs) is
    # there; the whole transaction is compared below.
    built = [(o["value"], o["script"]) for o in tx.outputs]
    for o in test["outputs"]:
        script = p2wsh(H(o["witness_script"])) if "witness_script" in o else \
            p2wpkh(H(o["p2wpkh_pubkey"]))
        built.remove((o["amount_sat"], script))
    if "same amount and preimage" not in test["name"]:
        assert built == []
    assert len(commitment.htlc_outputs) == test["num_htlcs"]
    for index, htlc, script in commitment.htlc_outputs:
        assert tx.outputs[index]["script"] == p2wsh(script)
    if "actual_fee_sat" in test:
        assert C["funding_amount_satoshi"] - sum(o["value"] for o in tx.outputs) == \
            test["actual_fee_sat"]

    # Signatures: RFC 6979 makes ours equal to the spec's, byte for byte.
    script = H(C["funding_witness_script"])
    digest = commitment_sighash(tx, script, C["funding_amount_satoshi"])
    local_sig = sign_der(H(C["local_funding_privkey"]), digest)
    remote_sig = sign_der(H(INTERNAL["remote_funding_privkey"]), digest)
    assert local_sig.hex() == test["local_signature"]
    assert remote_sig.hex() == test["remote_signature"]
    assert verify_compact(H(C["remote_funding_pubkey"]), digest,
                          compact_sig(*parse_der(remote_sig)))
    tx.inputs[0]["witness"] = funding_witness(
        script, local_sig + b"\x01", H(C["local_funding_pubkey"]),
        remote_sig + b"\x01", H(C["remote_funding_pubkey"]))
    assert tx.hex() == test["commit_tx_hex"]

    # HTLC-success / HTLC-timeout transactions, in commitment output order.
    assert [h["commitment_output_index"] for h in test["htlc_txs"]] == \
        [index for index, _, _ in commitment.htlc_outputs]
    point = H(INTERNAL["local_per_commitment_point"])
    local_htlc_key = derive_privkey(H(INTERNAL["local_payment_basepoint_secret"]), point)
    remote_htlc_key = derive_privkey(H(INTERNAL["remote_payment_basepoint_secret"]), point)
    preimages = {h["id"]: H(h["payment_preimage"]) for h in C["htlcs"]}
    for position, expected in enumerate(test["htlc_txs"]):
        _, htlc, script = commitment.htlc_outputs[position]
        assert htlc == htlcs[expected["htlc_id"]]
        assert expected["type"] == ("htlc_timeout" if htlc.offered else "htlc_success")
        digest = htlc_sighash(commitment, position)
        remote = sign_der(remote_htlc_key, digest)
        local = sign_der(local_htlc_key, digest)
        assert remote.hex() == expected["remote_htlc_signature"]
        assert local.hex() == expected["local_htlc_signature"]
        second = commitment.htlc_txs[position]
        second.inputs[0]["witness"] = [b"", remote + b"\x01", local + b"\x01",
                                       b"" if htlc.offered else preimages[expected["htlc_id"]],
                                       script]
        assert second.hex() == expected["tx_hex"]


# ---- Appendix F: the same with option_anchors ----

def anchors_htlcs(test):
    """Appendix F's HTLCs: Appendix C's 0..4, or 1, 5 and 6 for the case
    of two offered HTLCs with the same amount and preimage."""
    if not test["UseTestHtlcs"]:
        return {}
    ids = [1, 5, 6] if "same amount and preimage" in test["Name"] else [0, 1, 2, 3, 4]
    return {h["id"]: Htlc(offered=h["direction"] == "local->remote",
                          amount_msat=h["amount_msat"],
                          payment_hash=sha256(H(h["payment_preimage"])),
                          cltv_expiry=h["expiry"])
            for h in C["htlcs"] if h["id"] in ids}


@pytest.mark.parametrize("test", ANCHORS["tests"], ids=lambda t: t["Name"])
def test_anchors_commitment_vectors(test):
    factor = obscuring_factor(H(C["local_payment_basepoint"]), H(C["remote_payment_basepoint"]))
    htlcs = anchors_htlcs(test)
    commitment = build_commitment(
        C["funding_tx_id"], C["funding_output_index"], C["commitment_number"] ^ factor,
        test["LocalBalance"], test["RemoteBalance"], owner_is_opener=True,
        feerate_per_kw=test["FeePerKw"], dust_limit_sat=test["DustLimitSatoshis"],
        to_self_delay=C["local_delay"], keys=vector_keys(), htlcs=list(htlcs.values()),
        anchors=True)
    tx = commitment.tx
    scripts = [o["script"] for o in tx.outputs]
    # The anchors: 330 sat each, to each side's funding key.
    local_anchor = p2wsh(anchor_script(H(C["local_funding_pubkey"])))
    remote_anchor = p2wsh(anchor_script(H(C["remote_funding_pubkey"])))
    for o in tx.outputs:
        if o["script"] in (local_anchor, remote_anchor):
            assert o["value"] == 330
    # BOLT 3: an anchor only for a side with an output, or with HTLCs.
    assert (local_anchor in scripts) == ("one output untrimmed" not in test["Name"])
    assert (remote_anchor in scripts) == (test["RemoteBalance"] > 0)
    if test["RemoteBalance"]:
        assert p2wsh(to_remote_anchors_script(H(C["remote_payment_basepoint"]))) in scripts

    script = H(C["funding_witness_script"])
    digest = commitment_sighash(tx, script, C["funding_amount_satoshi"])
    local_sig = sign_der(H(C["local_funding_privkey"]), digest)
    remote_sig = sign_der(H(INTERNAL["remote_funding_privkey"]), digest)
    assert remote_sig.hex() == test["RemoteSigHex"]
    tx.inputs[0]["witness"] = funding_witness(
        script, local_sig + b"\x01", H(C["local_funding_pubkey"]),
        remote_sig + b"\x01", H(C["remote_funding_pubkey"]))
    assert tx.hex() == test["ExpectedCommitmentTxHex"]

    # Zero-fee HTLC transactions, sequence 1, the remote signature
    # SIGHASH_SINGLE|SIGHASH_ANYONECANPAY and the local one SIGHASH_ALL.
    assert len(test["HtlcDescs"]) == len(commitment.htlc_outputs)
    point = H(INTERNAL["local_per_commitment_point"])
    local_htlc_key = derive_privkey(H(INTERNAL["local_payment_basepoint_secret"]), point)
    remote_htlc_key = derive_privkey(H(INTERNAL["remote_payment_basepoint_secret"]), point)
    preimages = {sha256(H(h["payment_preimage"])): H(h["payment_preimage"]) for h in C["htlcs"]}
    for position, expected in enumerate(test["HtlcDescs"]):
        index, htlc, witness_script = commitment.htlc_outputs[position]
        second = commitment.htlc_txs[position]
        assert second.inputs[0]["sequence"] == 1
        assert second.outputs[0]["value"] == tx.outputs[index]["value"]
        remote = sign_der(remote_htlc_key,
                          htlc_sighash(commitment, position, SIGHASH_SINGLE_ANYONECANPAY))
        local = sign_der(local_htlc_key, htlc_sighash(commitment, position))
        assert remote.hex() == expected["RemoteSigHex"]
        second.inputs[0]["witness"] = [b"", remote + bytes([SIGHASH_SINGLE_ANYONECANPAY]),
                                       local + b"\x01",
                                       b"" if htlc.offered else preimages[htlc.payment_hash],
                                       witness_script]
        assert second.hex() == expected["ResolutionTxHex"]


def test_anchors_vectors_cover_every_case():
    assert len(ANCHORS["tests"]) == 9
    assert sum(len(t["HtlcDescs"]) for t in ANCHORS["tests"]) == 15


def test_push_number_is_minimal():
    assert push_number(0) == b"\x00" and push_number(16) == b"\x60"
    assert push_number(144) == b"\x02\x90\x00"          # 0x90 has the sign bit
    assert push_number(500) == b"\x02\xf4\x01"
    assert push_number(0x7f) == b"\x01\x7f"


def test_ecdsa_sign_is_low_s_and_verifies():
    secret = bytes(range(1, 33))
    for i in range(8):
        digest = sha256(bytes([i]))
        r, s = ecdsa_sign(secret, digest)
        assert s <= _N // 2
        assert verify_compact(pubkey_of(secret), digest, compact_sig(r, s))
        assert not verify_compact(pubkey_of(secret), sha256(digest), compact_sig(r, s))


# ---- BOLT 2 codecs ----

def sample_fields(name):
    """Every field of message name filled with distinguishable values."""
    _, table, _ = MESSAGES[name]
    fields = {}
    for i, (field, kind) in enumerate(table):
        if kind == "tlvs":
            continue
        if isinstance(kind, int):
            fields[field] = bytes([i + 1]) * kind
        elif kind == "u16_bytes":
            fields[field] = b"some text"
        elif kind == "signatures":
            fields[field] = [bytes([7]) * 64, bytes([8]) * 64]
        else:
            fields[field] = i + 1
    return fields


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_codec_roundtrip(name):
    fields = sample_fields(name)
    payload = encode_message(name, **fields)
    decoded = decode_message(name, payload)
    decoded.pop("tlvs", None)
    assert decoded == fields
    with pytest.raises(ValueError):
        decode_message(name, payload[:-1])


def test_open_channel_layout():
    """open_channel's fixed part is 319 bytes; channel_type is TLV 1."""
    fields = sample_fields("open_channel")
    payload = encode_message("open_channel", tlvs={1: b"\x10\x00"}, **fields)
    assert len(payload) == 319 + 4
    assert payload[-4:] == b"\x01\x02\x10\x00"
    assert decode_message("open_channel", payload)["tlvs"] == {1: b"\x10\x00"}
    # An unknown even TLV is refused; an odd one is not.
    with pytest.raises(ValueError):
        decode_message("open_channel", payload + b"\x02\x00")
    assert decode_message("open_channel", payload + b"\x03\x00")["tlvs"][3] == b""


def test_accept_channel_and_update_add_htlc_sizes():
    assert len(encode_message("accept_channel", **sample_fields("accept_channel"))) == 270
    assert len(encode_message("update_add_htlc", **sample_fields("update_add_htlc"))) == \
        32 + 8 + 8 + 32 + 4 + 1366


def test_channel_id():
    """BOLT 2: funding_txid XOR funding_output_index in the last 2 bytes."""
    txid = bytes(range(32))
    assert channel_id_of(txid, 0) == txid
    assert channel_id_of(txid, 0x0102) == bytes(range(30)) + bytes([30 ^ 1, 31 ^ 2])


# ---- FundeeChannel's point of view ----

def vector_fundee(test):
    """A FundeeChannel holding the vectors' *remote* side, so the vectors'
    local (opener) commitment is ohm's ("remote") commitment #42 to it."""
    local_secrets = {"funding": H(INTERNAL["remote_funding_privkey"]),
                     "payment": H(INTERNAL["remote_payment_basepoint_secret"]),
                     "htlc": H(INTERNAL["remote_payment_basepoint_secret"]),
                     "revocation": H(INTERNAL["remote_revocation_basepoint_secret"])}
    channel = FundeeChannel(None, to_self_delay=C["local_delay"], secrets=local_secrets)
    assert channel.params[LOCAL]["payment_basepoint"].hex() == C["remote_payment_basepoint"]
    channel.params[REMOTE] = dict(
        funding_pubkey=H(C["local_funding_pubkey"]),
        payment_basepoint=H(C["local_payment_basepoint"]),
        htlc_basepoint=H(C["local_htlc_basepoint"]),
        delayed_payment_basepoint=H(INTERNAL["local_delayed_payment_basepoint"]),
        dust_limit_satoshis=C["local_dust_limit_satoshi"])
    channel.remote_points[C["commitment_number"]] = H(INTERNAL["local_per_commitment_point"])
    channel.open = {"feerate_per_kw": test["local_feerate_per_kw"],
                    "funding_satoshis": C["funding_amount_satoshi"]}
    channel.funding_txid, channel.funding_outnum = C["funding_tx_id"], C["funding_output_index"]
    channel.htlcs = [dict(offerer=REMOTE if h.offered else LOCAL, id=i,
                          amount_msat=h.amount_msat, payment_hash=h.payment_hash,
                          cltv_expiry=h.cltv_expiry) for i, h in vector_htlcs(test).items()]
    offered = {side: sum(h["amount_msat"] for h in channel.htlcs if h["offerer"] == side)
               for side in (LOCAL, REMOTE)}
    channel.balance_msat = {REMOTE: test["to_local_msat"] + offered[REMOTE],
                            LOCAL: test["to_remote_msat"] + offered[LOCAL]}
    return channel


@pytest.mark.parametrize("test", COMMIT["tests"], ids=lambda t: t["name"])
def test_fundee_builds_and_signs_the_openers_commitment(test):
    """The role mapping of FundeeChannel (whose keys, delay, dust limit and
    obscuring order go where) reproduces the vectors, and its signatures
    are the vectors' remote ones."""
    channel = vector_fundee(test)
    number = C["commitment_number"]
    commitment = channel.commitment(REMOTE, number)
    assert commitment.tx.txid() == Tx.parse(H(test["commit_tx_hex"])).txid()
    assert compact_to_der_hex(channel.sign_commitment(REMOTE, number)) == test["remote_signature"]
    htlc_sigs = channel.sign_htlcs(commitment, channel.point(REMOTE, number))
    assert [compact_to_der_hex(sig) for sig in htlc_sigs] == \
        [h["remote_htlc_signature"] for h in test["htlc_txs"]]


def compact_to_der_hex(sig):
    return der_encode(*parse_compact_sig(sig)).hex()


@pytest.mark.parametrize("test", ANCHORS["tests"], ids=lambda t: t["Name"])
def test_fundee_builds_and_signs_the_openers_anchors_commitment(test):
    """The same with option_anchors: FundeeChannel's HTLC signatures are
    SIGHASH_SINGLE|SIGHASH_ANYONECANPAY, as Appendix F's remote ones."""
    as_c = {"name": test["Name"] if test["UseTestHtlcs"] else "no HTLCs",
            "local_feerate_per_kw": test["FeePerKw"],
            "to_local_msat": test["LocalBalance"], "to_remote_msat": test["RemoteBalance"]}
    channel = vector_fundee(as_c)
    channel.anchors = True
    channel.params[REMOTE]["dust_limit_satoshis"] = test["DustLimitSatoshis"]
    number = C["commitment_number"]
    commitment = channel.commitment(REMOTE, number)
    assert commitment.tx.txid() == Tx.parse(H(test["ExpectedCommitmentTxHex"])).txid()
    assert compact_to_der_hex(channel.sign_commitment(REMOTE, number)) == test["RemoteSigHex"]
    htlc_sigs = channel.sign_htlcs(commitment, channel.point(REMOTE, number))
    assert [compact_to_der_hex(sig) for sig in htlc_sigs] == \
        [h["RemoteSigHex"] for h in test["HtlcDescs"]]
