"""listclosedchannels (Core Lightning's shape, issue 13): a channel leaves
listpeerchannels and enters listclosedchannels at the same block, the
one that makes its close irrevocably resolved (BOLT 5: 100 blocks deep),
with how it closed (closer, close_cause, the closing transaction and its
fee) and, to the satoshi, what came back to the wallet; kept across
restarts, filtered by peer."""
import sqlite3

import pytest

from chainutil import blockheight, find_tx, outputs, wait_synced
from channelutil import FUNDING_SAT, PUSH_MSAT, channel, channels, mine, open_channel
from ohmtest import RpcError, wait_for
from test_channel_rows import db_path, query
from test_channels import chain_pair, pay
from test_onchain import (CHANNEL_TYPES, IRREVOCABLE_DEPTH, STATIC, TO_SELF_DELAY,
                          anchors_sat, close_unilaterally, commitment_fee, fee_of, onchain,
                          spends, wait_mempool)

# A valid node id that is not a peer (secp256k1's generator).
OTHER_ID = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


def closed(node, *params):
    return node.rpc("listclosedchannels", list(params))["closedchannels"]


def wait_closed(node):
    [entry] = wait_for(lambda: closed(node), 10, what=node.name + "'s closed channel")
    return entry


def check_fields(entry, open_view, opener, htlcs_sent=0):
    """What the closed channel says of the channel as it was open."""
    assert entry["channel_id"] == open_view["channel_id"]
    assert entry["short_channel_id"] == open_view["short_channel_id"]
    assert entry["funding_txid"] == open_view["funding_txid"]
    assert entry["funding_outnum"] == open_view["funding_outnum"]
    assert entry["total_msat"] == FUNDING_SAT * 1000
    assert entry["final_to_us_msat"] == open_view["to_us_msat"]
    assert entry["opener"] == opener
    assert entry["private"] is False and entry["leased"] is False
    assert entry["channel_type"] == open_view["channel_type"]
    assert entry["total_htlcs_sent"] == htlcs_sent
    assert entry["total_local_commitments"] >= 1 and entry["total_remote_commitments"] >= 1


def wallet_coin(node, txid):
    """node's one coin from txid, confirmed: listfunds shows it."""
    [coin] = [o for o in outputs(node) if o["txid"] == txid]
    assert coin["status"] == "confirmed"
    return coin["amount_msat"]


def test_mutual_close_listed_once_irrevocable(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    pay(a, b, 5000000)
    view_a, view_b = channel(a), channel(b)
    a_sat, b_sat = FUNDING_SAT - PUSH_MSAT // 1000 - 5000, PUSH_MSAT // 1000 + 5000
    assert (view_a["to_us_msat"], view_b["to_us_msat"]) == (a_sat * 1000, b_sat * 1000)
    assert a.rpc("close", [b.id], 60)["type"] == "mutual"
    wait_for(lambda: devchain.rpc("getrawmempool"), 10, what="a closing transaction")
    mine(devchain, 1, a, b)
    close_height = blockheight(a)
    close_txid = wait_for(lambda: channel(a).get("close_txid"), 10, what="a's close_txid")
    assert channel(b)["close_txid"] == close_txid
    _, tx = find_tx(devchain, close_txid, close_height)
    fee_sat = FUNDING_SAT - sum(o["value"] for o in tx.outputs)

    # Not before the closing transaction is 100 deep (BOLT 5).
    mine(devchain, IRREVOCABLE_DEPTH - 2, a, b)
    assert channel(a)["state"] == channel(b)["state"] == "ONCHAIN"
    assert closed(a) == closed(b) == []
    mine(devchain, 1, a, b)
    entry_a, entry_b = wait_closed(a), wait_closed(b)
    assert channels(a) == channels(b) == []
    check_fields(entry_a, view_a, "local", htlcs_sent=1)
    check_fields(entry_b, view_b, "remote")
    # The HTLC's add and fulfill each took a commitment both ways.
    assert entry_a["total_local_commitments"] >= 3
    assert entry_a["total_local_commitments"] == entry_b["total_remote_commitments"]
    assert entry_a["total_remote_commitments"] == entry_b["total_local_commitments"]
    assert entry_a["peer_id"] == b.id and entry_b["peer_id"] == a.id
    # a asked for it (close); b answered a's shutdown.
    assert (entry_a["closer"], entry_a["close_cause"]) == ("local", "user")
    assert (entry_b["closer"], entry_b["close_cause"]) == ("remote", "remote")
    for entry in (entry_a, entry_b):
        assert entry["close_type"] == "mutual" and entry["close_height"] == close_height
        assert entry["last_commitment_txid"] == close_txid
        assert entry["last_commitment_fee_msat"] == fee_sat * 1000
    # What came back: each side's coin of the closing transaction, its
    # balance less the fee if it paid it (option_simple_close: whoever's
    # transaction confirmed), to the satoshi.
    got_a, got_b = wallet_coin(a, close_txid), wallet_coin(b, close_txid)
    assert (entry_a["to_wallet_msat"], entry_b["to_wallet_msat"]) == (got_a, got_b)
    assert (got_a // 1000, got_b // 1000) in [(a_sat - fee_sat, b_sat), (a_sat, b_sat - fee_sat)]

    # Kept across a restart (and kill -9), filtered by peer.
    assert a.stop() == 0
    a.start()
    wait_synced(a, devchain)
    assert closed(a) == [entry_a]
    b.kill()
    b.start()
    wait_synced(b, devchain)
    assert closed(b) == [entry_b]
    assert channels(a) == channels(b) == []
    assert closed(a, b.id) == [entry_a]
    assert closed(a, a.id) == closed(a, OTHER_ID) == []
    assert a.rpc("listclosedchannels", {"id": b.id})["closedchannels"] == [entry_a]


def test_channel_resolved_before_is_moved_at_start(node_factory, devchain):
    """A database from before closed channels: the resolver says
    resolved, the channel is still there.  At start the channel moves to
    listclosedchannels, without waiting for a block."""
    a, b = chain_pair(node_factory, devchain, STATIC)
    open_channel(a, b, devchain)
    view_a = channel(a)
    assert a.rpc("close", [b.id], 60)["type"] == "mutual"
    wait_for(lambda: devchain.rpc("getrawmempool"), 10, what="a closing transaction")
    mine(devchain, 1, a, b)
    close_txid = wait_for(lambda: channel(a).get("close_txid"), 10, what="a's close_txid")
    assert a.stop() == 0
    conn = sqlite3.connect(db_path(a))
    try:
        assert conn.execute("UPDATE onchain_resolvers SET resolved = 1").rowcount == 1
        conn.commit()
    finally:
        conn.close()
    a.start()
    entry = wait_closed(a)
    assert channels(a) == []
    check_fields(entry, view_a, "local")
    assert (entry["closer"], entry["close_cause"], entry["close_type"]) == (
        "local", "user", "mutual")
    assert entry["last_commitment_txid"] == close_txid
    assert entry["to_wallet_msat"] == wallet_coin(a, close_txid)
    assert query(a, "SELECT count(*) FROM onchain_resolvers") == [(0,)]
    assert query(a, "SELECT count(*) FROM channels") == [(0,)]


def wallet_sat(node):
    return sum(o["amount_msat"] for o in outputs(node)) // 1000


@pytest.mark.parametrize("extra", CHANNEL_TYPES)
def test_force_closes_listed_with_what_came_back(node_factory, devchain, extra):
    """a force closes (close with unilateraltimeout=1) while b is away: a's
    entry shows a's commitment, the cause and exactly what its sweep of
    to_local paid the wallet (and, with option_anchors, what a fee bump
    of the commitment cost it); b, back, sees the peer's commitment
    confirm and lists it too (closer remote), with its to_remote."""
    a, b = chain_pair(node_factory, devchain, extra)
    open_channel(a, b, devchain)
    view_a, view_b = channel(a), channel(b)
    a_sat, b_sat = FUNDING_SAT - PUSH_MSAT // 1000, PUSH_MSAT // 1000
    a_before, b_before = wallet_sat(a), wallet_sat(b)
    assert b.stop() == 0
    commitment = close_unilaterally(a, b)
    wait_for(lambda: commitment.txid() in devchain.rpc("getrawmempool"), 10,
             what="a's commitment in the mempool")
    mine(devchain, 1, a)
    close_height = blockheight(a)
    [to_local] = [o for o in onchain(a)["outputs"] if o["kind"] == "delayed_to_us"]
    to_local_vout = int(to_local["outpoint"].split(":")[1])
    mine(devchain, TO_SELF_DELAY - 1, a)
    sweep = wait_mempool(devchain, lambda tx: spends(tx, commitment.txid(), to_local_vout),
                         "a's sweep of to_local")
    mine(devchain, 1, a)
    sweep_fee = commitment.outputs[to_local_vout]["value"] - sweep.outputs[0]["value"]
    mine(devchain, IRREVOCABLE_DEPTH - 2, a)
    assert channel(a)["state"] == "ONCHAIN" and closed(a) == []
    mine(devchain, 1, a)
    entry = wait_closed(a)
    assert channels(a) == []
    check_fields(entry, view_a, "local")
    assert (entry["closer"], entry["close_cause"], entry["close_type"]) == (
        "local", "user", "local")
    assert entry["last_commitment_txid"] == commitment.txid()
    assert entry["last_commitment_fee_msat"] == commitment_fee(commitment) * 1000
    assert entry["close_height"] == close_height
    # The swept coin is in listfunds; a's balance came back less the
    # commitment's fee (a funded the channel), the anchors and the sweep's
    # fee; and that is all the wallet gained.
    assert wallet_coin(a, sweep.txid()) == sweep.outputs[0]["value"] * 1000
    assert sweep.outputs[0]["value"] == (
        a_sat - commitment_fee(commitment) - anchors_sat(extra) - sweep_fee)
    assert entry["to_wallet_msat"] == (wallet_sat(a) - a_before) * 1000
    if extra == STATIC:
        assert entry["to_wallet_msat"] == sweep.outputs[0]["value"] * 1000

    # b was away: it sees a's commitment confirmed, its to_remote its
    # wallet's (static_remotekey) or swept after a block (option_anchors),
    # and lists the channel 100 blocks after that.
    b.start()
    wait_synced(b, devchain)
    if extra != STATIC:
        b_sweep = wait_mempool(devchain, lambda tx: any(i["txid"] == commitment.txid()
                                                        for i in tx.inputs), "b's sweep")
        mine(devchain, 1, a, b)
        mine(devchain, IRREVOCABLE_DEPTH - 2, a, b)
        assert closed(b) == []
        mine(devchain, 1, a, b)
    entry_b = wait_closed(b)
    assert channels(b) == []
    check_fields(entry_b, view_b, "remote")
    assert (entry_b["closer"], entry_b["close_cause"], entry_b["close_type"]) == (
        "remote", "onchain", "remote")
    assert entry_b["last_commitment_txid"] == commitment.txid()
    assert entry_b["to_wallet_msat"] == (wallet_sat(b) - b_before) * 1000
    if extra == STATIC:
        assert entry_b["to_wallet_msat"] == wallet_coin(b, commitment.txid()) == b_sat * 1000
    else:
        assert entry_b["to_wallet_msat"] == wallet_coin(b, b_sweep.txid()) == (
            b_sat * 1000 - fee_of(devchain, b_sweep) * 1000)
    assert a.stop() == 0
    a.start()
    assert closed(a) == [entry]


NODE_ID = "parameter 'id' must be a node id: 66 hex digits of a compressed public key, got '{}'"


@pytest.mark.parametrize("params,message", [
    (["zz"], NODE_ID.format("zz")),
    ([OTHER_ID[:-2]], NODE_ID.format(OTHER_ID[:-2])),
    ([5], "parameter 'id' must be a string, got integer"),
    ({"peer": OTHER_ID}, "unknown parameter 'peer' for listclosedchannels"),
    ([OTHER_ID, 1], "too many parameters: listclosedchannels takes at most 1, got 2"),
])
def test_bad_params_are_refused_by_name(node, params, message):
    with pytest.raises(RpcError) as error:
        node.rpc("listclosedchannels", params)
    assert (error.value.code, error.value.message) == (-32602, message)
    assert closed(node) == closed(node, OTHER_ID) == []
