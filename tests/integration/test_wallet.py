"""The on-chain wallet through real processes: ohmd following ohm-devchain.

Amounts are checked to the satoshi against what devchain's blocks hold,
and every transaction ohmd signs is verified by an independent BIP143 and
ECDSA implementation in Python (btcverify.py)."""
import os
import re
import threading

import pytest

from btcverify import (Tx, bip32_derive, hash160, segwit_address, taproot_output_key,
                       verify_p2wpkh_input)
from chainutil import (BURN_ADDRESS, backend_args, balance_sat, find_tx, fund, mempool_tx,
                       outputs, wait_for_output, wait_synced)
from lnpeer import _G, _point_mul, encode_pubkey, hkdf_sha256
from ohmtest import RpcError

HARDENED = 0x80000000


def estimated_weight(tx):
    """The weight withdraw pays for: the real one, with every ECDSA
    signature counted at its largest (73 bytes with the sighash byte)."""
    return tx.weight() + sum(73 - len(i["witness"][0]) for i in tx.inputs
                             if len(i["witness"]) == 2)


def chain_node(node_factory, devchain, name=None):
    return node_factory.new(name=name, args=backend_args(devchain))


def rpc_error(node, method, params):
    with pytest.raises(RpcError) as info:
        node.rpc(method, params)
    return info.value


def test_newaddr_types(node):
    """No backend needed: addresses come from the node's own keys."""
    first = node.rpc("newaddr")
    assert list(first) == ["bech32"]
    assert re.fullmatch(r"bcrt1q[02-9ac-hj-np-z]{38}", first["bech32"])
    p2tr = node.rpc("newaddr", ["p2tr"])
    assert list(p2tr) == ["p2tr"]
    assert re.fullmatch(r"bcrt1p[02-9ac-hj-np-z]{58}", p2tr["p2tr"])
    both = node.rpc("newaddr", {"addresstype": "all"})
    assert set(both) == {"bech32", "p2tr"}
    # Never the same address twice.
    assert len({first["bech32"], both["bech32"]}) == 2
    assert len({p2tr["p2tr"], both["p2tr"]}) == 2
    error = rpc_error(node, "newaddr", ["p2pkh"])
    assert error.code == -32602 and "parameter 'addresstype'" in error.message


def wallet_seed(node):
    with open(os.path.join(node.net_dir, "node_secret"), "rb") as f:
        return hkdf_sha256(f.read(), b"ohm wallet bip32 seed v1")


def test_addresses_follow_the_documented_derivation(node):
    """README: seed = HKDF-SHA256(node_secret, info "ohm wallet bip32 seed
    v1"); m/84'/1'/0'/0/i for P2WPKH, m/86'/1'/0'/0/i for P2TR on regtest.
    Recomputed here without ohm's code, so the funds can be found by any
    BIP84/BIP86 wallet."""
    seed = wallet_seed(node)
    for index in range(2):
        key = bip32_derive(seed, [84 + HARDENED, 1 + HARDENED, HARDENED, 0, index])
        program = hash160(encode_pubkey(_point_mul(key, _G)))
        assert node.rpc("newaddr")["bech32"] == segwit_address("bcrt", 0, program)
    key = bip32_derive(seed, [86 + HARDENED, 1 + HARDENED, HARDENED, 0, 0])
    assert node.rpc("newaddr", ["p2tr"])["p2tr"] == \
        segwit_address("bcrt", 1, taproot_output_key(key))


def test_wallet_secrets_never_logged(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    node.stop()
    node.args.append("--log-level=io")
    node.start()
    fund(node, devchain)
    node.rpc("withdraw", [BURN_ADDRESS, 100000])
    seed = wallet_seed(node)
    account = [84 + HARDENED, 1 + HARDENED, HARDENED]
    keys = [bip32_derive(seed, path) for path in ([], account, account + [0, 0])]
    secrets = [seed.hex(), devchain.cookie().split(":")[1]] + \
        [key.to_bytes(32, "big").hex() for key in keys]
    node.stop()
    log = node.log().lower()
    assert "withdraw" in log and "tprv" not in log
    for secret in secrets:
        assert secret not in log


def test_addresses_survive_restart(node):
    before = node.rpc("newaddr")["bech32"]
    node.stop()
    node.start()
    assert node.rpc("newaddr")["bech32"] != before


def test_fund_by_mining_listfunds_exact(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    address, amount_sat, coinbase_txid = fund(node, devchain)
    funds = node.rpc("listfunds")
    assert funds["channels"] == []
    [output] = funds["outputs"]
    assert output["txid"] == coinbase_txid
    assert output["output"] == 0
    assert output["amount_msat"] == amount_sat * 1000
    assert output["address"] == address
    assert output["status"] == "confirmed"
    assert output["blockheight"] == devchain.rpc("getblockcount") - 100
    assert output["reserved"] is False
    assert output["scriptpubkey"].startswith("0014")

    [tx] = node.rpc("listtransactions")["transactions"]
    assert tx["hash"] == coinbase_txid
    assert tx["blockheight"] == output["blockheight"] and tx["txindex"] == 0
    assert tx["outputs"][0] == {"index": 0, "amount_msat": amount_sat * 1000,
                                "scriptPubKey": output["scriptpubkey"]}
    assert Tx.parse(bytes.fromhex(tx["rawtx"])).txid() == coinbase_txid


def test_withdraw_balances_and_fee_exact(node_factory, devchain):
    payer = chain_node(node_factory, devchain, "payer")
    payee = chain_node(node_factory, devchain, "payee")
    _, funded_sat, coinbase_txid = fund(payer, devchain)
    [coin] = outputs(payer)
    destination = payee.rpc("newaddr")["bech32"]
    amount_sat = 123456789
    feerate_perkw = 1000

    result = payer.rpc("withdraw", {"destination": destination, "satoshi": amount_sat,
                                    "feerate": "{}perkw".format(feerate_perkw)})
    assert set(result) == {"tx", "txid"}
    tx = Tx.parse(bytes.fromhex(result["tx"]))
    assert tx.txid() == result["txid"]
    assert devchain.rpc("getrawmempool") == [result["txid"]]

    # The signature, checked independently of ohm's bitcoin/ code.
    assert [(i["txid"], i["vout"]) for i in tx.inputs] == [(coinbase_txid, 0)]
    verify_p2wpkh_input(tx, 0, bytes.fromhex(coin["scriptpubkey"]), funded_sat)

    # Fee = inputs - outputs: exactly the feerate on the weight estimated
    # with worst-case 73-byte signatures, so at least the feerate on the
    # real weight.
    fee_sat = funded_sat - sum(o["value"] for o in tx.outputs)
    assert fee_sat == feerate_perkw * estimated_weight(tx) // 1000
    assert feerate_perkw * tx.weight() // 1000 <= fee_sat
    assert fee_sat >= tx.vsize()  # at least 1 sat/vB
    change_sat = funded_sat - amount_sat - fee_sat
    assert sorted(o["value"] for o in tx.outputs) == sorted([amount_sat, change_sat])
    # Anti fee sniping and opt-in RBF, as Core Lightning.
    assert tx.locktime == devchain.rpc("getblockcount")
    assert all(i["sequence"] == 0xfffffffd for i in tx.inputs)

    # Unconfirmed: the payee sees it from the mempool, the payer its change.
    wait_for_output(payee, result["txid"], "unconfirmed")
    wait_for_output(payer, result["txid"], "unconfirmed")
    assert [o["status"] for o in outputs(payer, spent=True)
            if o["txid"] == coinbase_txid] == ["spent"]

    devchain.generate(1, BURN_ADDRESS)
    height = wait_synced(payer, devchain)
    wait_synced(payee, devchain)
    assert find_tx(devchain, result["txid"], height)[0] == height
    [received] = outputs(payee)
    assert received["amount_msat"] == amount_sat * 1000
    assert received["status"] == "confirmed" and received["blockheight"] == height
    assert received["address"] == destination
    [change] = outputs(payer)
    assert change["amount_msat"] == change_sat * 1000
    assert change["status"] == "confirmed" and change["blockheight"] == height
    assert balance_sat(payer) + balance_sat(payee) + fee_sat == funded_sat

    spent = [o for o in outputs(payer, spent=True) if o["status"] == "spent"]
    assert [(o["txid"], o["output"]) for o in spent] == [(coinbase_txid, 0)]
    hashes = [t["hash"] for t in payer.rpc("listtransactions")["transactions"]]
    assert hashes == [coinbase_txid, result["txid"]]
    listed = payer.rpc("listtransactions")["transactions"][1]
    assert listed["blockheight"] == height and listed["locktime"] == tx.locktime
    assert listed["inputs"] == [{"txid": coinbase_txid, "index": 0, "sequence": 0xfffffffd}]


def test_withdraw_all_from_p2tr_and_p2wpkh(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    _, p2tr_sat, _ = fund(node, devchain, "p2tr")
    _, p2wpkh_sat, _ = fund(node, devchain)
    result = node.rpc("withdraw", [BURN_ADDRESS, "all", 253])
    tx = Tx.parse(bytes.fromhex(result["tx"]))
    assert len(tx.inputs) == 2 and len(tx.outputs) == 1
    fee_sat = p2tr_sat + p2wpkh_sat - tx.outputs[0]["value"]
    assert fee_sat == 253 * estimated_weight(tx) // 1000
    assert fee_sat >= tx.vsize()
    # The key-path spend is one 64-byte Schnorr signature.
    witnesses = sorted(len(i["witness"]) for i in tx.inputs)
    assert witnesses == [1, 2]
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(node, devchain)
    assert outputs(node) == []
    assert len(outputs(node, spent=True)) == 2


def test_withdraw_errors_name_the_parameter(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    fund(node, devchain)

    # Another network's address, and no address at all.
    error = rpc_error(node, "withdraw", ["tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", 10000])
    assert error.code == -32602
    assert "parameter 'destination'" in error.message and "testnet" in error.message
    error = rpc_error(node, "withdraw", ["bcrt1qnotanaddress", 10000])
    assert error.code == -32602 and "parameter 'destination'" in error.message
    # Dust.
    error = rpc_error(node, "withdraw", [BURN_ADDRESS, 293])
    assert error.code == -32602 and "parameter 'satoshi'" in error.message
    assert "dust" in error.message
    # More than there is.
    error = rpc_error(node, "withdraw", [BURN_ADDRESS, 10 ** 15])
    assert error.code == 301 and "Could not afford" in error.message
    # Malformed amounts, feerates, utxos.
    error = rpc_error(node, "withdraw", [BURN_ADDRESS, "lots"])
    assert error.code == -32602 and "parameter 'satoshi'" in error.message
    error = rpc_error(node, "withdraw", [BURN_ADDRESS, 10000, "fast"])
    assert error.code == -32602 and "parameter 'feerate'" in error.message
    error = rpc_error(node, "withdraw", [BURN_ADDRESS, 10000, "100perkw"])
    assert error.code == -32602 and "minimum" in error.message
    error = rpc_error(node, "withdraw", {"destination": BURN_ADDRESS, "satoshi": 10000,
                                         "utxos": ["00" * 32 + ":0"]})
    assert error.code == -32602 and "not an output of this wallet" in error.message
    error = rpc_error(node, "withdraw", {"destination": BURN_ADDRESS, "satoshi": 10000,
                                         "utxos": ["nonsense"]})
    assert error.code == -32602 and "parameter 'utxos'" in error.message
    # Nothing was spent or reserved by any of it.
    [coin] = outputs(node)
    assert coin["status"] == "confirmed" and coin["reserved"] is False
    assert devchain.rpc("getrawmempool") == []


def test_withdraw_named_utxo_and_minconf(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    fund(node, devchain)
    fund(node, devchain)
    coins = outputs(node)
    assert len(coins) == 2
    chosen = "{}:{}".format(coins[1]["txid"], coins[1]["output"])
    result = node.rpc("withdraw", {"destination": BURN_ADDRESS, "satoshi": 100000,
                                   "utxos": [chosen]})
    tx = Tx.parse(bytes.fromhex(result["tx"]))
    assert [(i["txid"], i["vout"]) for i in tx.inputs] == [(coins[1]["txid"], 0)]
    # The same coin again: already spent.
    error = rpc_error(node, "withdraw", {"destination": BURN_ADDRESS, "satoshi": 100000,
                                         "utxos": [chosen]})
    assert error.code == -32602 and "already spent" in error.message
    # The unconfirmed change cannot be spent at minconf 1; at 0 it can.
    wait_for_output(node, result["txid"], "unconfirmed")
    change = [o for o in outputs(node) if o["txid"] == result["txid"]][0]
    change_utxo = "{}:{}".format(change["txid"], change["output"])
    error = rpc_error(node, "withdraw", {"destination": BURN_ADDRESS, "satoshi": 100000,
                                         "utxos": [change_utxo]})
    assert error.code == -32602 and "minconf" in error.message
    child = node.rpc("withdraw", {"destination": BURN_ADDRESS, "satoshi": 100000,
                                  "utxos": [change_utxo], "minconf": 0})
    assert set(devchain.rpc("getrawmempool")) == {result["txid"], child["txid"]}


def test_concurrent_withdraws_never_share_coins(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    for _ in range(3):
        fund(node, devchain)
    # Regtest halves the subsidy every 150 blocks: pay what the smallest
    # coin can.
    amount_sat = min(o["amount_msat"] for o in outputs(node)) // 1000 - 100000
    results, errors = [], []

    def spend():
        try:
            results.append(node.rpc("withdraw", [BURN_ADDRESS, amount_sat, "normal"]))
        except RpcError as e:
            errors.append(e)

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Three coins, each enough for one withdraw: three succeed, one
    # cannot afford it, and no coin is spent twice.
    assert len(results) == 3 and len(errors) == 1
    assert errors[0].code == 301
    spent = [(i["txid"], i["vout"]) for r in results
             for i in Tx.parse(bytes.fromhex(r["tx"])).inputs]
    assert len(spent) == len(set(spent)) == 3
    assert set(devchain.rpc("getrawmempool")) == {r["txid"] for r in results}


def test_unconfirmed_deposit_shown_then_confirmed(node_factory, devchain):
    payer = chain_node(node_factory, devchain, "payer")
    payee = chain_node(node_factory, devchain, "payee")
    fund(payer, devchain)
    result = payer.rpc("withdraw", [payee.rpc("newaddr", ["p2tr"])["p2tr"], 500000])
    deposit = wait_for_output(payee, result["txid"], "unconfirmed")
    assert deposit["amount_msat"] == 500000 * 1000 and "blockheight" not in deposit
    assert mempool_tx(devchain, result["txid"]).txid() == result["txid"]
    devchain.generate(1, BURN_ADDRESS)
    confirmed = wait_for_output(payee, result["txid"], "confirmed")
    assert confirmed["blockheight"] == devchain.rpc("getblockcount")


def test_withdraw_refused_by_bitcoind_frees_coins(node_factory, devchain):
    node = chain_node(node_factory, devchain)
    fund(node, devchain)
    # A fee bitcoind will not relay: above its default maxfeerate.
    error = rpc_error(node, "withdraw", [BURN_ADDRESS, 100000, "100000000perkw"])
    assert error.code == -1, error.message
    assert error.message.startswith("Error broadcasting transaction: ")
    [coin] = outputs(node)
    assert coin["status"] == "confirmed" and coin["reserved"] is False
    assert len(node.rpc("listtransactions")["transactions"]) == 1
    # And the coin pays for the next one.
    node.rpc("withdraw", [BURN_ADDRESS, 100000])
