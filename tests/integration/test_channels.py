"""Channels between two real ohmd processes on ohm-devchain: opening from
the CLI, lock-in, HTLCs, restarts in every phase, mutual close with the
wallets checked to the satoshi, and failures that close unilaterally.

Amounts are recomputed here from BOLT 3's weights rather than read back
from ohm, and every closing or commitment transaction is parsed from the
chain with btcverify.py."""
import concurrent.futures
import hashlib
import os
import json

import pytest

from btcverify import Tx
from chainutil import BURN_ADDRESS, balance_sat, find_tx, wait_synced
from channelutil import (FUNDING_SAT, PUSH_MSAT, chain_node, channel, connect, mine,
                         open_channel, restart, wait_connected, wait_no_htlcs, wait_state)
from ohmtest import RpcError, wait_for

# BOLT 3: a commitment transaction with no HTLCs weighs 724.
COMMIT_WEIGHT = 724


def chain_pair(node_factory, devchain, extra=()):
    """Two nodes following devchain; a has a mature coinbase.  They hold
    dev-sendhtlc's HTLCs for the dev- commands to settle."""
    extra = ["--dev-hold-htlcs"] + list(extra)
    b = chain_node(node_factory, devchain, "b", extra)
    a = chain_node(node_factory, devchain, "a", extra, funded=True)
    wait_synced(b, devchain)
    return a, b


def pay(a, b, amount_msat):
    """A dev- HTLC from a, fulfilled by b."""
    sent = a.rpc("dev-sendhtlc", [b.id, amount_msat])
    wait_for(lambda: any(h["direction"] == "in" and h["state"] == "RCVD_ADD_ACK_REVOCATION"
                         for h in channel(b)["htlcs"]), 30, interval=0.05,
             what="the HTLC to be committed at b")
    incoming = [h for h in channel(b)["htlcs"] if h["direction"] == "in"]
    assert incoming[0]["payment_hash"] == sent["payment_hash"]
    assert hashlib.sha256(bytes.fromhex(sent["preimage"])).hexdigest() == sent["payment_hash"]
    b.rpc("dev-fulfillhtlc", [a.id, incoming[0]["id"], sent["preimage"]])
    wait_no_htlcs(a, b)


def funding_fee(devchain, txid):
    """What the funding transaction paid in fees, from the chain."""
    tx = find_tx(devchain, txid)[1]
    spent = 0
    for i in tx.inputs:
        prev = find_tx(devchain, i["txid"])[1]
        spent += prev.outputs[i["vout"]]["value"]
    return spent - sum(o["value"] for o in tx.outputs)


def test_open_restart_pay_close_to_the_satoshi(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    start_sat = balance_sat(a)
    funded = open_channel(a, b, devchain)
    ca, cb = channel(a), channel(b)
    assert ca["channel_id"] == cb["channel_id"] == funded["channel_id"]
    assert ca["short_channel_id"] == cb["short_channel_id"]
    height, _ = find_tx(devchain, funded["txid"])
    assert ca["short_channel_id"].startswith("{}x".format(height))
    assert ca["short_channel_id"].endswith("x{}".format(funded["outnum"]))
    # As in Core Lightning, balances are before the commitment fee.
    assert ca["to_us_msat"] == FUNDING_SAT * 1000 - PUSH_MSAT
    assert cb["to_us_msat"] == PUSH_MSAT
    assert ca["opener"] == "local" and cb["opener"] == "remote"
    assert ca["total_msat"] == cb["total_msat"] == FUNDING_SAT * 1000
    funds = a.rpc("listfunds")["channels"]
    assert [c["channel_id"] for c in funds] == [funded["channel_id"]]
    assert funds[0]["our_amount_msat"] == ca["to_us_msat"]

    # Each side sent the other its channel_update (BOLT 7, private channel).
    for node, peer in ((a, b), (b, a)):
        remote = wait_for(lambda: channel(node)["updates"].get("remote"), 10,
                          what="{}'s channel_update at {}".format(peer.name, node.name))
        assert remote == channel(peer)["updates"]["local"]
        assert remote["fee_base_msat"] == 1000 and remote["cltv_expiry_delta"] == 34

    restart(a, b)
    wait_connected(a, b)
    assert channel(a)["state"] == channel(b)["state"] == "CHANNELD_NORMAL"
    assert channel(a)["to_us_msat"] == ca["to_us_msat"]
    assert channel(a)["updates"]["remote"] == channel(b)["updates"]["local"]

    pay(a, b, 12345678)
    assert channel(a)["to_us_msat"] == ca["to_us_msat"] - 12345678
    assert channel(b)["to_us_msat"] == PUSH_MSAT + 12345678

    restart(a, b)
    wait_connected(a, b)
    a_msat, b_msat = channel(a)["to_us_msat"], channel(b)["to_us_msat"]
    assert (a_msat, b_msat) == (ca["to_us_msat"] - 12345678, PUSH_MSAT + 12345678)

    closed = b.rpc("close", [a.id])
    assert closed["type"] == "mutual"
    assert channel(a)["state"] in ("CLOSINGD_SIGEXCHANGE", "CLOSINGD_COMPLETE")
    wait_state(a, "CLOSINGD_COMPLETE")
    mine(devchain, 1, a, b)
    wait_state(a, "ONCHAIN")
    wait_state(b, "ONCHAIN")
    assert find_tx(devchain, closed["txid"])[1].inputs[0]["txid"] == funded["txid"]
    # Both offer option_simple_close: each sends closing_complete for a
    # transaction whose fee it pays, and either may confirm (the one the
    # close answered with need not be it).
    assert channel(a)["close_txid"] == channel(b)["close_txid"]
    close_tx = find_tx(devchain, channel(a)["close_txid"])[1]
    assert close_tx.inputs[0]["txid"] == funded["txid"]
    assert close_tx.inputs[0]["sequence"] == 0xFFFFFFFD
    # BOLT 3: balances round down to satoshis (the millisatoshis left over
    # are fee too) and the closer pays its fee.
    leftover = FUNDING_SAT - a_msat // 1000 - b_msat // 1000
    close_fee = FUNDING_SAT - sum(o["value"] for o in close_tx.outputs) - leftover
    assert 0 < close_fee < 5000
    values = sorted(o["value"] for o in close_tx.outputs)
    a_out, b_out = a_msat // 1000 - close_fee, b_msat // 1000
    if values != sorted([a_out, b_out]):
        a_out, b_out = a_msat // 1000, b_msat // 1000 - close_fee
    assert values == sorted([a_out, b_out])
    wait_for(lambda: balance_sat(b, ("confirmed",)) == b_out, 30,
             what="b's wallet to hold its channel funds")
    expected_a = start_sat - funding_fee(devchain, funded["txid"]) - FUNDING_SAT + a_out
    wait_for(lambda: balance_sat(a, ("confirmed",)) == expected_a, 30,
             what="a's wallet to hold the rest")


def test_fundchannel_errors(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    with pytest.raises(RpcError) as e:
        a.rpc("fundchannel", [b.id, 100000])
    assert e.value.code == -1 and "not connected" in e.value.message
    connect(a, b)
    for params, field in (([b.id, "lots"], "amount"), ([b.id, 1 << 24], "amount"),
                          ([b.id, 1000], "amount"), ([b.id, 100000, "fast"], "feerate"),
                          ({"id": b.id, "amount": 100000, "push_msat": 100000001}, "push_msat"),
                          (["02" + "00" * 32, 100000], "id")):
        with pytest.raises(RpcError) as e:
            a.rpc("fundchannel", params)
        assert e.value.code == -32602 and "'{}'".format(field) in e.value.message, e.value
    with pytest.raises(RpcError) as e:
        b.rpc("fundchannel", [a.id, 100000])
    assert e.value.code == 301 and "Could not afford" in e.value.message
    # The failed open left nothing behind on either side.
    assert a.rpc("listpeerchannels")["channels"] == []
    wait_for(lambda: b.rpc("listpeerchannels")["channels"] == [], 10,
             what="the fundee to forget the failed open")
    assert b.rpc("listfunds")["outputs"] == []


def test_htlc_in_flight_survives_kill(node_factory, devchain):
    """kill -9 with an HTLC committed but not settled: after restart both
    sides still have it, and it settles."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    sent = a.rpc("dev-sendhtlc", [b.id, 5000000])
    wait_for(lambda: [h["state"] for h in channel(b)["htlcs"]] == ["RCVD_ADD_ACK_REVOCATION"],
             30, interval=0.05, what="the HTLC to be committed at b")
    b.kill()
    b.start()
    wait_connected(a, b)
    incoming = channel(b)["htlcs"]
    assert [h["payment_hash"] for h in incoming] == [sent["payment_hash"]]
    b.rpc("dev-failhtlc", [a.id, incoming[0]["id"]])
    wait_no_htlcs(a, b)
    assert channel(a)["to_us_msat"] == FUNDING_SAT * 1000 - PUSH_MSAT
    a.kill()
    a.start()
    wait_connected(a, b)
    pay(a, b, 7000000)
    assert channel(b)["to_us_msat"] == PUSH_MSAT + 7000000


def test_restart_before_lockin_and_close_while_peer_away(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    connect(a, b)
    funded = a.rpc("fundchannel", [b.id, FUNDING_SAT])
    restart(a, b)
    wait_connected(a, b)
    mine(devchain, 3, a, b)
    wait_state(a, "CHANNELD_NORMAL")
    wait_state(b, "CHANNELD_NORMAL")
    # The close starts while b is down and finishes when it is back.
    assert b.stop() == 0
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        closing = pool.submit(a.rpc, "close", [b.id, 0], 90)
        a.wait_for_log("closing channel .* not connected")
        b.start()
        closed = closing.result(90)
    assert closed["type"] == "mutual"
    mine(devchain, 1, a, b)
    wait_state(a, "ONCHAIN")
    wait_state(b, "ONCHAIN")
    assert find_tx(devchain, closed["txid"])[1].inputs[0]["txid"] == funded["txid"]


def test_link_cut_with_htlc_in_flight(node_factory, devchain):
    """The TCP link drops right after an HTLC is offered, before the
    commitment dance can finish: a redials, both resume with
    channel_reestablish and agree."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    for amount in (1000000, 2000000, 3000000):
        sent = a.rpc("dev-sendhtlc", [b.id, amount])
        a.rpc("disconnect", [b.id, True])
        wait_connected(a, b)
        incoming = wait_for(lambda: [h for h in channel(b)["htlcs"]
                                     if h["state"] == "RCVD_ADD_ACK_REVOCATION"],
                            30, interval=0.05, what="the HTLC at b")
        assert incoming[0]["payment_hash"] == sent["payment_hash"]
        b.rpc("dev-fulfillhtlc", [a.id, incoming[0]["id"], sent["preimage"]])
        b.rpc("disconnect", [a.id, True])
        wait_connected(a, b)
        wait_no_htlcs(a, b)
    assert channel(a)["to_us_msat"] == FUNDING_SAT * 1000 - PUSH_MSAT - 6000000
    assert channel(b)["to_us_msat"] == PUSH_MSAT + 6000000


def db_files(node):
    return [os.path.join(node.net_dir, name) for name in os.listdir(node.net_dir)
            if name.startswith("ohm.sqlite3")]


def test_data_loss_protect(node_factory, devchain):
    """b comes back from an old backup: a's channel_reestablish proves b is
    behind, so b must not broadcast its (revoked) commitment; a fails the
    channel and broadcasts its own, which devchain accepts."""
    a, b = chain_pair(node_factory, devchain)
    funded = open_channel(a, b, devchain)
    assert b.stop() == 0
    backup = {path: open(path, "rb").read() for path in db_files(b)}
    b.start()
    wait_connected(a, b)
    pay(a, b, 3000000)
    pay(a, b, 4000000)
    assert b.stop() == 0
    for path in db_files(b):
        os.unlink(path)
    for path, data in backup.items():
        with open(path, "wb") as f:
            f.write(data)
    b.start()
    wait_state(b, "AWAITING_UNILATERAL")
    wait_state(a, "AWAITING_UNILATERAL")
    assert any("lost" in line or "behind" in line or "data loss" in line.lower()
               for line in channel(b)["status"]), channel(b)["status"]

    def commitment_in_mempool():
        for txid in devchain.rpc("getrawmempool"):
            tx = Tx.parse(bytes.fromhex(devchain.rpc("getrawtransaction", [txid])))
            if tx.inputs[0]["txid"] == funded["txid"]:
                return txid, tx
        return None
    txid, tx = wait_for(commitment_in_mempool, 30, interval=0.1,
                        what="a's commitment transaction in the mempool")
    # It is a's: its to_remote output pays b its latest balance, which b's
    # old state does not know.
    assert PUSH_MSAT // 1000 + 7000 in [o["value"] for o in tx.outputs]
    mine(devchain, 1, a, b)
    wait_state(a, "ONCHAIN")
    wait_state(b, "ONCHAIN")
    assert channel(a)["close_txid"] == channel(b)["close_txid"] == txid


def test_fundee_forgets_a_funding_that_never_confirms(node_factory, devchain):
    """BOLT 2: the fundee forgets the channel if the funding transaction
    does not confirm in time (2016 blocks; 5 here).  Empty blocks keep the
    funding transaction out of the chain."""
    b = chain_node(node_factory, devchain, "b", ["--dev-fundee-timeout=5"])
    a = chain_node(node_factory, devchain, "a", funded=True)
    wait_synced(b, devchain)
    connect(a, b)
    funded = a.rpc("fundchannel", [b.id, FUNDING_SAT])
    assert channel(b)["state"] == "CHANNELD_AWAITING_LOCKIN"
    for _ in range(4):
        devchain.rpc("generateblock", [BURN_ADDRESS, []])
    wait_synced(b, devchain)
    assert channel(b)["state"] == "CHANNELD_AWAITING_LOCKIN"
    devchain.rpc("generateblock", [BURN_ADDRESS, []])
    wait_synced(b, devchain)
    wait_for(lambda: b.rpc("listpeerchannels")["channels"] == [], 10,
             what="the fundee to forget the channel")
    b.wait_for_log("forgot channel .*did not confirm in time")
    assert funded["txid"] in devchain.rpc("getrawmempool")
