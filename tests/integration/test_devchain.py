"""ohm-devchain through its JSON-RPC: authentication, Core's reply envelope
and error codes, every RPC's result shape, spending coins with real
signatures, Core's rejection reasons, restart, and reorgs.

Transactions are built and signed here (segwit v0 with btcverify.py's
serialization and BIP143 digest, low-S ECDSA through python3-cryptography),
exactly as a Lightning node would.
"""
import json
import os
import signal
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

import btcverify
from btcverify import (SEQUENCE_FINAL, bip143_sighash, dsha256, hash160, p2wpkh_script_code,
                       segwit_address, sha256)
from devchain import DEVCHAIN, DevChain, DevChainRpcError
from lnpeer import _N, Keypair
from ohmtest import assert_clean_exit

# --------------------------------------------------------------------------
# Segwit v0 transactions for the tests (serialized and BIP143-hashed by
# btcverify.py)

COIN = 100_000_000
OP_CHECKSIG, OP_CHECKSEQUENCEVERIFY, OP_DROP = 0xAC, 0xB2, 0x75


def push(data):
    assert len(data) < 0x4C
    return bytes([len(data)]) + data


def script_num(n):
    """A minimal CScriptNum push of n > 16 (OP_1..OP_16 below)."""
    if 0 < n <= 16:
        return bytes([0x50 + n])
    out = n.to_bytes((n.bit_length() + 8) // 8, "little")
    return push(out)


class Key(Keypair):
    """A secp256k1 key that signs BIP143 digests (low-S, DER)."""

    def __init__(self, secret):
        super().__init__(ec.derive_private_key(secret, ec.SECP256K1()))
        self.pub = self.pubkey

    def p2wpkh(self):
        return b"\x00\x14" + hash160(self.pub)

    def address(self):
        return segwit_address("bcrt", 0, hash160(self.pub))

    def script_code(self):
        """BIP143's scriptCode for a P2WPKH input."""
        return p2wpkh_script_code(hash160(self.pub))

    def sign(self, digest, hashtype=1):
        der = self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        r, s = utils.decode_dss_signature(der)
        if s > _N // 2:
            s = _N - s
        return utils.encode_dss_signature(r, s) + bytes([hashtype])


class Tx(btcverify.Tx):
    def sign_p2wpkh(self, i, key, amount_sat):
        sig = key.sign(bip143_sighash(self, i, key.script_code(), amount_sat))
        self.inputs[i]["witness"] = [sig, key.pub]
        return self


def spend(key, txid, vout, amount_sat, to_script, fee=1000, sequence=SEQUENCE_FINAL):
    """A P2WPKH spend of one coin to one output, signed."""
    tx = Tx().add_input(txid, vout, sequence).add_output(amount_sat - fee, to_script)
    return tx.sign_p2wpkh(0, key, amount_sat)


ALICE, BOB = Key(0xA11CE), Key(0xB0B)

# --------------------------------------------------------------------------
# Fixtures


@pytest.fixture
def chain(devchain):
    """conftest's devchain, under a shorter name."""
    return devchain


@pytest.fixture
def funded(chain):
    """101 blocks paying ALICE: block 1's coinbase is spendable."""
    chain.generate(101, ALICE.address())
    return chain


def coinbase(chain, height):
    """(txid, amount_sat) of the coinbase of the block at height."""
    block = chain.rpc("getblock", [chain.rpc("getblockhash", [height]), 2])
    tx = block["tx"][0]
    return tx["txid"], round(tx["vout"][0]["value"] * COIN)


def rpc_error(chain, method, params=None):
    with pytest.raises(DevChainRpcError) as e:
        chain.rpc(method, params)
    return e.value


# --------------------------------------------------------------------------
# Process, options, authentication


def test_help_and_bad_options():
    out = subprocess.run([DEVCHAIN, "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "Usage: ohm-devchain --datadir DIR" in out.stdout
    out = subprocess.run([DEVCHAIN], capture_output=True, text=True)
    assert out.returncode == 1 and "--datadir is required" in out.stderr
    out = subprocess.run([DEVCHAIN, "--datadir", "/tmp/x", "--rpcport", "99999"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "invalid port" in out.stderr
    out = subprocess.run([DEVCHAIN, "--datadir", "/tmp/x", "--bogus"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "unknown option --bogus" in out.stderr


def test_cookie_is_private_and_removed_at_stop(chain):
    path = os.path.join(chain.datadir, ".cookie")
    user, secret = chain.cookie().split(":")
    assert user == "__cookie__" and len(secret) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert_clean_exit(chain, chain.stop())
    assert not os.path.exists(path)


def test_auth_cookie_and_password():
    with DevChain(rpcuser="alice", rpcpassword="s3cret") as c:
        # Both the password and the cookie work.
        assert c.rpc("getblockcount", auth="alice:s3cret") == 0
        assert c.rpc("getblockcount", auth=c.cookie()) == 0
        for auth in ("alice:wrong", "bob:s3cret", False):
            status, headers, body = c.post(b'{"method":"getblockcount"}', auth=auth)
            assert status == 401 and body == b""
            assert headers["WWW-Authenticate"] == 'Basic realm="jsonrpc"'
        assert_clean_exit(c, c.stop())


def test_auth_without_password_only_cookie(chain):
    status, _, _ = chain.post(b'{"method":"getblockcount"}', auth="alice:s3cret")
    assert status == 401
    status, _, _ = chain.post(b'{"method":"getblockcount"}', auth=chain.cookie())
    assert status == 200


def test_second_instance_on_datadir_refused(chain):
    out = subprocess.run([DEVCHAIN, "--datadir", chain.datadir, "--rpcport", "1"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1 and "Cannot obtain a lock" in out.stderr


def test_sigterm_exits_cleanly(chain):
    chain.proc.send_signal(signal.SIGTERM)
    assert_clean_exit(chain, chain.wait_exit())
    assert not os.path.exists(os.path.join(chain.datadir, ".cookie"))


# --------------------------------------------------------------------------
# The JSON-RPC envelope


def test_envelope_json_rpc_1_and_2(chain):
    status, reply = chain.call("getblockcount")
    assert status == 200 and reply == {"result": 0, "error": None, "id": reply["id"]}
    status, reply = chain.call("getblockcount", version="2.0")
    assert status == 200 and reply == {"jsonrpc": "2.0", "result": 0, "id": reply["id"]}
    # Errors: 1.0 gets Core's HTTP status, 2.0 gets 200.
    status, reply = chain.call("nosuchmethod")
    assert status == 404 and reply["result"] is None
    assert reply["error"] == {"code": -32601, "message": "Method not found"}
    status, reply = chain.call("nosuchmethod", version="2.0")
    assert status == 200 and "result" not in reply and reply["error"]["code"] == -32601
    status, reply = chain.call("getblockhash", [99])
    assert status == 500
    assert reply["error"] == {"code": -8, "message": "Block height out of range"}


def test_envelope_parse_errors_and_batches(chain):
    status, _, body = chain.post(b"{not json")
    assert status == 500
    assert json.loads(body) == {"result": None, "error": {"code": -32700, "message": "Parse error"},
                                "id": None}
    status, _, body = chain.post(b'{"id":1,"method":"getblockcount","params":7}')
    assert status == 400
    assert json.loads(body)["error"] == {"code": -32600,
                                         "message": "Params must be an array or object"}
    status, _, body = chain.post(b'{"id":1,"method":5}')
    assert status == 400 and json.loads(body)["error"]["message"] == "Method must be a string"
    # A batch: each answered, 2.0 notifications not at all.
    status, _, body = chain.post(json.dumps([
        {"id": 1, "method": "getblockcount"},
        {"jsonrpc": "2.0", "method": "getblockcount"},
        {"jsonrpc": "2.0", "id": 3, "method": "nosuch"},
    ]).encode())
    assert status == 200
    assert json.loads(body) == [
        {"result": 0, "error": None, "id": 1},
        {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 3},
    ]
    # A lone 2.0 notification: 204, no body.
    status, _, body = chain.post(b'{"jsonrpc":"2.0","method":"getblockcount"}')
    assert status == 204 and body == b""


def test_envelope_http_method_and_path(chain):
    status, _, body = chain.post(None, method="GET")
    assert status == 405 and body == b"JSONRPC server handles only POST requests"
    status, _, _ = chain.post(b'{"method":"getblockcount"}', path="/other")
    assert status == 404
    status, _, body = chain.post(b'{"method":"getblockcount"}', path="/wallet/w1")
    assert status == 200 and json.loads(body)["result"] == 0


def test_parameter_checks_are_cores(chain):
    e = rpc_error(chain, "getblockhash", ["one"])
    assert e.code == -3 and e.message == (
        'Wrong type passed:\n{\n    "Position 1 (height)": '
        '"JSON value of type string is not of expected type number"\n}')
    e = rpc_error(chain, "getblockhash", [])
    assert e.code == -1 and e.message.startswith("getblockhash height\n")
    e = rpc_error(chain, "getblockhash", [1, 2])
    assert e.code == -1
    e = rpc_error(chain, "getblockhash", [1.5])
    assert e.code == -1 and e.message == "JSON integer out of range"
    e = rpc_error(chain, "getblockheader", ["zz"])
    assert e.code == -8 and e.message == "hash must be of length 64 (not 2, for 'zz')"
    e = rpc_error(chain, "getblockheader", ["x" * 64])
    assert e.code == -8 and e.message.startswith("hash must be hexadecimal string")
    e = rpc_error(chain, "getblock", ["00" * 32])
    assert e.code == -5 and e.message == "Block not found"
    # Named parameters.
    assert chain.rpc("getblockhash", {"height": 0}) == chain.rpc("getbestblockhash")
    e = rpc_error(chain, "getblockhash", {"heigth": 0})
    assert e.code == -8 and e.message == "Unknown named parameter heigth"


def test_bad_input_never_crashes(chain):
    for body in [b"[" * 100000, b'"\xff\xfe"', b"[1e400]", b"", b"\x00" * 100,
                 b'{"method":"getblock","params":[{}]}', b"[[],[1],{},null]",
                 b'{"method":"sendrawtransaction","params":["00"]}',
                 b'{"method":"testmempoolaccept","params":[[1,2]]}',
                 b'{"method":"generateblock","params":["x",[5]]}']:
        status, _, _ = chain.post(body)
        assert status in (200, 400, 404, 500), body[:40]
    # Over Core's 32 MiB body limit.
    try:
        status, _, _ = chain.post(b" " * (33 << 20))
        assert status == 413
    except OSError:
        pass
    assert chain.rpc("getblockcount") == 0


# --------------------------------------------------------------------------
# Result shapes


def test_blockchain_and_network_info_shapes(funded):
    info = funded.rpc("getblockchaininfo")
    assert list(info) == ["chain", "blocks", "headers", "bestblockhash", "difficulty", "time",
                          "mediantime", "verificationprogress", "initialblockdownload",
                          "chainwork", "size_on_disk", "pruned", "warnings"]
    assert info["chain"] == "regtest" and info["blocks"] == info["headers"] == 101
    assert info["verificationprogress"] == 1 and info["initialblockdownload"] is False
    assert info["chainwork"] == "%064x" % (2 * 102) and info["pruned"] is False
    assert info["bestblockhash"] == funded.rpc("getbestblockhash")
    net = funded.rpc("getnetworkinfo")
    for field in ("version", "subversion", "protocolversion", "localrelay", "timeoffset",
                  "connections", "networkactive", "networks", "relayfee", "incrementalfee",
                  "localaddresses", "warnings"):
        assert field in net
    assert net["version"] >= 270000 and net["subversion"] == "/ohm-devchain:0.1.0/"
    assert net["relayfee"] == 0.00001


def test_genesis_is_regtests(chain):
    assert chain.rpc("getblockhash", [0]) == \
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"


def test_block_and_header_shapes(funded):
    h1, h2 = funded.rpc("getblockhash", [1]), funded.rpc("getblockhash", [2])
    header = funded.rpc("getblockheader", [h1])
    assert list(header) == ["hash", "confirmations", "height", "version", "versionHex",
                            "merkleroot", "time", "mediantime", "nonce", "bits", "difficulty",
                            "chainwork", "nTx", "previousblockhash", "nextblockhash"]
    assert header["confirmations"] == 101 and header["bits"] == "207fffff"
    assert header["nextblockhash"] == h2 and header["nTx"] == 1
    raw_header = funded.rpc("getblockheader", [h1, False])
    assert len(raw_header) == 160 and dsha256(bytes.fromhex(raw_header))[::-1].hex() == h1
    block = funded.rpc("getblock", [h1])
    for field in ("hash", "confirmations", "size", "strippedsize", "weight", "height",
                  "version", "versionHex", "merkleroot", "tx", "time", "mediantime",
                  "nonce", "bits", "difficulty", "chainwork", "nTx", "previousblockhash",
                  "nextblockhash"):
        assert field in block
    assert block["weight"] == 3 * block["strippedsize"] + block["size"]
    raw = funded.rpc("getblock", [h1, 0])
    assert dsha256(bytes.fromhex(raw)[:80])[::-1].hex() == h1
    assert funded.rpc("getblock", [h1, False]) == raw
    tx = funded.rpc("getblock", [h1, 2])["tx"][0]
    # BIP34 height 1 (OP_1), paying ALICE 50 BTC, with a witness commitment.
    assert tx["vin"][0]["coinbase"] == "5100"
    assert tx["vout"][0]["value"] == 50 and tx["vout"][0]["scriptPubKey"]["address"] == ALICE.address()
    assert tx["vout"][1]["scriptPubKey"]["hex"].startswith("6a24aa21a9ed")
    tip = funded.rpc("getblockheader", [funded.rpc("getbestblockhash")])
    assert "nextblockhash" not in tip and tip["confirmations"] == 1
    # Every block meets the regtest target and follows the one before.
    assert int(h1, 16) <= 0x7fffff << 232


def test_halving_every_150_blocks(chain):
    chain.generate(151, BOB.address())
    assert coinbase(chain, 149)[1] == 50 * COIN
    assert coinbase(chain, 150)[1] == 25 * COIN


# --------------------------------------------------------------------------
# Spending


def test_spend_coinbase_to_mempool_then_block(funded):
    txid_cb, amount = coinbase(funded, 1)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh(), fee=2000)
    accept = funded.rpc("testmempoolaccept", [[tx.hex()]])
    assert accept == [{"txid": tx.txid(), "wtxid": accept[0]["wtxid"], "allowed": True,
                       "vsize": accept[0]["vsize"],
                       "fees": {"base": 0.00002, "effective-feerate": accept[0]["fees"]["effective-feerate"],
                                "effective-includes": [accept[0]["wtxid"]]}}]
    assert funded.rpc("sendrawtransaction", [tx.hex()]) == tx.txid()
    # Sending it again is not an error, as in Core.
    assert funded.rpc("sendrawtransaction", [tx.hex()]) == tx.txid()
    assert funded.rpc("getrawmempool") == [tx.txid()]
    entry = funded.rpc("getmempoolentry", [tx.txid()])
    assert list(entry) == ["vsize", "weight", "time", "height", "descendantcount",
                           "descendantsize", "ancestorcount", "ancestorsize", "wtxid", "fees",
                           "depends", "spentby", "bip125-replaceable", "unbroadcast"]
    assert entry["fees"]["base"] == 0.00002 and entry["height"] == 101
    assert entry["vsize"] == accept[0]["vsize"] and entry["bip125-replaceable"] is False
    assert funded.rpc("getrawmempool", [True]) == {tx.txid(): entry}
    # The coin is spent in the mempool; the new output is there at 0 confs.
    assert funded.rpc("gettxout", [txid_cb, 0]) is None
    assert funded.rpc("gettxout", [txid_cb, 0, False])["confirmations"] == 101
    out = funded.rpc("gettxout", [tx.txid(), 0])
    assert out["confirmations"] == 0 and out["value"] == (amount - 2000) / COIN
    assert funded.rpc("getrawtransaction", [tx.txid()]) == tx.hex()
    verbose = funded.rpc("getrawtransaction", [tx.txid(), True])
    assert "blockhash" not in verbose and verbose["hex"] == tx.hex()
    assert funded.rpc("decoderawtransaction", [tx.hex()]) == \
        {k: v for k, v in verbose.items() if k != "hex"}

    [block_hash] = funded.generate(1, ALICE.address())
    assert funded.rpc("getrawmempool") == []
    block = funded.rpc("getblock", [block_hash, 2])
    assert [t["txid"] for t in block["tx"]][1:] == [tx.txid()]
    assert block["tx"][1]["fee"] == 0.00002
    # The coinbase collects the fee.
    assert block["tx"][0]["vout"][0]["value"] == 50.00002
    verbose = funded.rpc("getrawtransaction", [tx.txid(), 1])
    assert verbose["blockhash"] == block_hash and verbose["confirmations"] == 1
    assert verbose["time"] == verbose["blocktime"] == block["time"]
    in_block = funded.rpc("getrawtransaction", [tx.txid(), True, block_hash])
    assert in_block["in_active_chain"] is True
    out = funded.rpc("gettxout", [tx.txid(), 0])
    assert list(out) == ["bestblock", "confirmations", "value", "scriptPubKey", "coinbase"]
    assert out["confirmations"] == 1 and out["coinbase"] is False
    assert out["scriptPubKey"]["address"] == BOB.address()
    assert out["scriptPubKey"]["type"] == "witness_v0_keyhash"
    e = rpc_error(funded, "getrawtransaction", ["00" * 32])
    assert e.code == -5 and e.message.startswith("No such mempool or blockchain transaction")


def test_chain_of_unconfirmed_transactions(funded):
    txid_cb, amount = coinbase(funded, 1)
    parent = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    child = spend(BOB, parent.txid(), 0, amount - 1000, ALICE.p2wpkh())
    funded.rpc("sendrawtransaction", [parent.hex()])
    funded.rpc("sendrawtransaction", [child.hex()])
    entry = funded.rpc("getmempoolentry", [child.txid()])
    assert entry["depends"] == [parent.txid()] and entry["ancestorcount"] == 2
    assert funded.rpc("getmempoolentry", [parent.txid()])["spentby"] == [child.txid()]
    funded.generate(1, ALICE.address())
    assert funded.rpc("getrawmempool") == []
    assert funded.rpc("gettxout", [child.txid(), 0])["confirmations"] == 1


def test_rejections_carry_cores_codes_and_reasons(funded):
    txid_cb, amount = coinbase(funded, 1)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())

    # A bad signature.
    bad = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    sig = bad.inputs[0]["witness"][0]
    bad.inputs[0]["witness"][0] = sig[:10] + bytes([sig[10] ^ 1]) + sig[11:]
    e = rpc_error(funded, "sendrawtransaction", [bad.hex()])
    assert e.code == -26 and e.message == (
        "mandatory-script-verify-flag-failed (Script evaluated without error but "
        "finished with a false/empty top stack element)")

    # Signed by the wrong key.
    wrong = Tx().add_input(txid_cb, 0).add_output(amount - 1000, BOB.p2wpkh())
    wrong.sign_p2wpkh(0, BOB, amount)
    e = rpc_error(funded, "sendrawtransaction", [wrong.hex()])
    assert e.code == -26 and e.message.startswith("mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY")

    # Outputs above inputs.
    greedy = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh(), fee=-1)
    e = rpc_error(funded, "sendrawtransaction", [greedy.hex()])
    assert e.code == -26 and e.message == \
        "bad-txns-in-belowout, value in (50.00) < value out (50.00000001)"

    # No fee at all.
    free = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh(), fee=0)
    vsize = funded.rpc("decoderawtransaction", [free.hex()])["vsize"]
    e = rpc_error(funded, "sendrawtransaction", [free.hex()])
    assert e.code == -26 and e.message == "min relay fee not met, 0 < {}".format(vsize)

    # Dust.
    dust = Tx().add_input(txid_cb, 0).add_output(293, BOB.p2wpkh()).sign_p2wpkh(0, ALICE, amount)
    e = rpc_error(funded, "sendrawtransaction", [dust.hex()])
    assert e.code == -26 and e.message == "dust"

    # An unknown input.
    e = rpc_error(funded, "sendrawtransaction", [spend(ALICE, "11" * 32, 0, amount, BOB.p2wpkh()).hex()])
    assert e.code == -25 and e.message == "bad-txns-inputs-missingorspent"

    # Not a transaction.
    e = rpc_error(funded, "sendrawtransaction", ["00"])
    assert e.code == -22 and e.message == "TX decode failed. Make sure the tx has at least one input."

    # Too generous for maxfeerate, unless lifted.
    rich = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh(), fee=COIN)
    e = rpc_error(funded, "sendrawtransaction", [rich.hex()])
    assert e.code == -25 and e.message == \
        "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)"
    assert funded.rpc("testmempoolaccept", [[rich.hex()]])[0]["reject-reason"] == "max-fee-exceeded"

    # A double spend of a mempool transaction that does not signal RBF.
    assert funded.rpc("sendrawtransaction", [tx.hex()]) == tx.txid()
    double = spend(ALICE, txid_cb, 0, amount, ALICE.p2wpkh(), fee=5000)
    e = rpc_error(funded, "sendrawtransaction", [double.hex()])
    assert e.code == -26 and e.message == "txn-mempool-conflict"
    result = funded.rpc("testmempoolaccept", [[double.hex()]])[0]
    assert result["allowed"] is False and result["reject-reason"] == "txn-mempool-conflict"

    # Mined: a double spend is now missing its input, and the original
    # is already in the chain.
    funded.generate(1, BOB.address())
    e = rpc_error(funded, "sendrawtransaction", [double.hex()])
    assert e.code == -25 and e.message == "bad-txns-inputs-missingorspent"
    assert funded.rpc("testmempoolaccept", [[double.hex()]])[0]["reject-reason"] == "missing-inputs"
    e = rpc_error(funded, "sendrawtransaction", [tx.hex()])
    assert e.code == -27 and e.message == "Transaction already in block chain"


def test_immature_coinbase_rejected(funded):
    # At height 101 the next block is 102: block 2's coinbase is 100 deep.
    txid_cb, amount = coinbase(funded, 3)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    e = rpc_error(funded, "sendrawtransaction", [tx.hex()])
    assert e.code == -26 and e.message == \
        "bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth 99"
    funded.generate(1, BOB.address())
    assert funded.rpc("sendrawtransaction", [tx.hex()]) == tx.txid()


def test_premature_csv_spend_rejected(funded):
    # A P2WSH output locked for 10 blocks: <10> CSV DROP <key> CHECKSIG.
    script = script_num(10) + bytes([OP_CHECKSEQUENCEVERIFY, OP_DROP]) + push(BOB.pub) \
        + bytes([OP_CHECKSIG])
    p2wsh = b"\x00\x20" + sha256(script)
    txid_cb, amount = coinbase(funded, 1)
    fund = spend(ALICE, txid_cb, 0, amount, p2wsh)
    funded.rpc("sendrawtransaction", [fund.hex()])
    funded.generate(1, ALICE.address())
    locked = amount - 1000

    def csv_spend(sequence):
        tx = Tx().add_input(fund.txid(), 0, sequence).add_output(locked - 1000, BOB.p2wpkh())
        tx.inputs[0]["witness"] = [BOB.sign(bip143_sighash(tx, 0, script, locked)), script]
        return tx

    early = csv_spend(10)
    e = rpc_error(funded, "sendrawtransaction", [early.hex()])
    assert e.code == -26 and e.message == "non-BIP68-final"
    # With BIP68 disabled on the input, the script's CSV itself fails.
    e = rpc_error(funded, "sendrawtransaction", [csv_spend((1 << 31) | 10).hex()])
    assert e.code == -26 and e.message == \
        "mandatory-script-verify-flag-failed (Locktime requirement not satisfied)"
    funded.generate(8, ALICE.address())
    e = rpc_error(funded, "sendrawtransaction", [early.hex()])
    assert e.message == "non-BIP68-final"
    funded.generate(1, ALICE.address())
    assert funded.rpc("sendrawtransaction", [early.hex()]) == early.txid()


def test_locktime_non_final(funded):
    txid_cb, amount = coinbase(funded, 1)
    tx = Tx(locktime=103).add_input(txid_cb, 0, 0xFFFFFFFE).add_output(amount - 1000, BOB.p2wpkh())
    tx.sign_p2wpkh(0, ALICE, amount)
    e = rpc_error(funded, "sendrawtransaction", [tx.hex()])
    assert e.code == -26 and e.message == "non-final"
    funded.generate(2, ALICE.address())
    assert funded.rpc("sendrawtransaction", [tx.hex()]) == tx.txid()


def test_replace_by_fee_when_signalled(funded):
    txid_cb, amount = coinbase(funded, 1)
    first = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh(), fee=1000, sequence=0xFFFFFFFD)
    funded.rpc("sendrawtransaction", [first.hex()])
    assert funded.rpc("getmempoolentry", [first.txid()])["bip125-replaceable"] is True
    cheaper = spend(ALICE, txid_cb, 0, amount, ALICE.p2wpkh(), fee=900)
    e = rpc_error(funded, "sendrawtransaction", [cheaper.hex()])
    assert e.code == -26 and e.message.startswith(
        "insufficient fee, rejecting replacement {}; new feerate".format(cheaper.txid()))
    better = spend(ALICE, txid_cb, 0, amount, ALICE.p2wpkh(), fee=5000)
    assert funded.rpc("sendrawtransaction", [better.hex()]) == better.txid()
    assert funded.rpc("getrawmempool") == [better.txid()]


def test_estimatesmartfee(funded):
    est = funded.rpc("estimatesmartfee", [6])
    assert est == {"feerate": 0.00001, "blocks": 6}
    assert funded.rpc("estimatesmartfee", [1])["blocks"] == 2
    e = rpc_error(funded, "estimatesmartfee", [0])
    assert e.code == -8 and e.message == "Invalid conf_target, must be between 1 and 1008"
    e = rpc_error(funded, "estimatesmartfee", [6, "fast"])
    assert e.code == -8
    # Recent blocks' fee rates raise the estimate.
    txid_cb, amount = coinbase(funded, 1)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh(), fee=50000)
    funded.rpc("sendrawtransaction", [tx.hex()])
    funded.generate(1, ALICE.address())
    assert funded.rpc("estimatesmartfee", [2])["feerate"] > 0.0001


# --------------------------------------------------------------------------
# Mining


def test_generateblock_with_raw_and_mempool_transactions(funded):
    (cb1, amount1), (cb2, amount2) = coinbase(funded, 1), coinbase(funded, 2)
    in_pool = spend(ALICE, cb1, 0, amount1, BOB.p2wpkh())
    raw = spend(ALICE, cb2, 0, amount2, BOB.p2wpkh())
    funded.rpc("sendrawtransaction", [in_pool.hex()])
    result = funded.rpc("generateblock", [BOB.address(), [raw.hex(), in_pool.txid()]])
    assert list(result) == ["hash"]
    block = funded.rpc("getblock", [result["hash"]])
    assert block["tx"][1:] == [raw.txid(), in_pool.txid()] and block["height"] == 102
    assert funded.rpc("getrawmempool") == []
    # Errors.
    e = rpc_error(funded, "generateblock", [BOB.address(), ["ab" * 32]])
    assert e.code == -5 and e.message == "Transaction {} not in mempool.".format("ab" * 32)
    e = rpc_error(funded, "generateblock", [BOB.address(), ["0011"]])
    assert e.code == -22
    e = rpc_error(funded, "generateblock", ["notanaddress", []])
    assert e.code == -5 and e.message == "Error: Invalid address or descriptor"
    e = rpc_error(funded, "generateblock", [BOB.address(), [raw.hex()]])
    assert e.code == -25 and e.message.startswith("TestBlockValidity failed: bad-txns-inputs-missingorspent")
    # submit=false: the block, not stored.
    result = funded.rpc("generateblock", [BOB.address(), [], False])
    assert set(result) == {"hash", "hex"}
    assert funded.rpc("getblockcount") == 102
    e = rpc_error(funded, "generatetoaddress", [1, "bc1qnotregtest"])
    assert e.code == -5 and e.message == "Error: Invalid address"


# --------------------------------------------------------------------------
# Persistence and reorgs


def test_restart_keeps_blocks_utxos_and_mempool(funded):
    txid_cb, amount = coinbase(funded, 1)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    funded.rpc("sendrawtransaction", [tx.hex()])
    tip, cookie = funded.rpc("getbestblockhash"), funded.cookie()
    utxo = funded.rpc("gettxout", [coinbase(funded, 2)[0], 0])
    funded.restart()
    assert funded.rpc("getbestblockhash") == tip and funded.rpc("getblockcount") == 101
    assert funded.rpc("gettxout", [coinbase(funded, 2)[0], 0]) == utxo
    assert funded.rpc("getrawmempool") == [tx.txid()]
    assert funded.cookie() != cookie
    funded.generate(1, ALICE.address())
    funded.kill()
    funded.start()
    assert funded.rpc("getblockcount") == 102
    assert funded.rpc("gettxout", [tx.txid(), 0])["confirmations"] == 1


def test_invalidateblock_returns_transactions_to_mempool(funded):
    txid_cb, amount = coinbase(funded, 1)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    funded.rpc("sendrawtransaction", [tx.hex()])
    [old] = funded.generate(1, ALICE.address())
    assert funded.rpc("invalidateblock", [old]) is None
    assert funded.rpc("getblockcount") == 101
    assert funded.rpc("getrawmempool") == [tx.txid()]
    assert funded.rpc("gettxout", [tx.txid(), 0])["confirmations"] == 0
    assert funded.rpc("getblockheader", [old])["confirmations"] == -1
    # A new branch, longer: the transaction confirms again.
    new = funded.generate(2, BOB.address())
    assert new[0] != old and funded.rpc("getrawmempool") == []
    assert funded.rpc("getrawtransaction", [tx.txid(), True])["blockhash"] == new[0]
    tips = {t["hash"]: t for t in funded.rpc("getchaintips")}
    assert tips[new[1]]["status"] == "active" and tips[new[1]]["branchlen"] == 0
    assert tips[old]["status"] == "invalid" and tips[old]["branchlen"] == 1
    # Reconsidering the shorter branch changes nothing but its status.
    assert funded.rpc("reconsiderblock", [old]) is None
    assert funded.rpc("getbestblockhash") == new[1]
    assert {t["hash"]: t for t in funded.rpc("getchaintips")}[old]["status"] == "valid-fork"
    # Invalidating the new branch makes the old one best again.
    funded.rpc("invalidateblock", [new[0]])
    assert funded.rpc("getbestblockhash") == old
    assert funded.rpc("getrawtransaction", [tx.txid(), True])["blockhash"] == old
    assert funded.rpc("getrawmempool") == []


def test_reorg_drops_transactions_made_invalid(funded):
    """A spend of a coinbase that a reorg makes immature again leaves the
    mempool, as in Core (removeForReorg)."""
    funded.generate(1, ALICE.address())
    txid_cb, amount = coinbase(funded, 2)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    funded.rpc("sendrawtransaction", [tx.hex()])
    # Back to height 100: block 2's coinbase would be 99 deep in block 101.
    funded.rpc("invalidateblock", [funded.rpc("getblockhash", [101])])
    assert funded.rpc("getblockcount") == 100
    assert funded.rpc("getrawmempool") == []


# --------------------------------------------------------------------------
# Node RPCs


def test_mempool_info_mocktime_uptime_and_help(funded):
    info = funded.rpc("getmempoolinfo")
    assert list(info) == ["loaded", "size", "bytes", "usage", "total_fee", "maxmempool",
                          "mempoolminfee", "minrelaytxfee", "incrementalrelayfee",
                          "unbroadcastcount", "fullrbf"]
    assert info["size"] == 0 and info["minrelaytxfee"] == 0.00001
    before = funded.rpc("getrawmempool", [False, True])
    txid_cb, amount = coinbase(funded, 1)
    tx = spend(ALICE, txid_cb, 0, amount, BOB.p2wpkh())
    funded.rpc("sendrawtransaction", [tx.hex()])
    after = funded.rpc("getrawmempool", [False, True])
    assert after == {"txids": [tx.txid()], "mempool_sequence": before["mempool_sequence"] + 1}
    assert funded.rpc("getmempoolinfo")["total_fee"] == 0.00001
    e = rpc_error(funded, "getrawmempool", [True, True])
    assert e.code == -8
    # Mock time sets the next block's timestamp.
    assert funded.rpc("setmocktime", [2000000000]) is None
    [h] = funded.generate(1, BOB.address())
    assert funded.rpc("getblockheader", [h])["time"] == 2000000000
    funded.rpc("setmocktime", [0])
    assert rpc_error(funded, "setmocktime", [-1]).code == -8
    assert funded.rpc("uptime") >= 0
    assert "getblock blockhash ( verbosity )" in funded.rpc("help").split("\n")
    assert funded.rpc("help", ["getblockhash"]).startswith("getblockhash height\n")
    assert funded.rpc("help", ["nope"]) == "help: unknown command: nope"
    e = rpc_error(funded, "getblock", [h, "x"])
    assert e.code == -1 and e.message == "JSON value of type string is not of expected type number"
