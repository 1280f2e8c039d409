"""Fee-bumping our own anchors commitment through our anchor (CPFP) when
ohmd force-closes, and the wallet reserve kept for it
(min-emergency-msat).

The commitment of an anchor channel pays only the slow estimate (at least
1250 perkw); when ohm broadcasts it while the estimate for its deadline is
higher, it also broadcasts a child spending our 330-sat anchor (signed
with our funding key) and a confirmed wallet coin, change back to the
wallet, so that commitment and child together pay the target feerate, to
the satoshi.  A child left out of blocks is replaced with a higher fee
(BIP125), after a restart too; bumping stops once the commitment
confirms.  A static_remotekey channel gets no child.  While anchor
channels exist, withdraw keeps the reserve (Core Lightning's error 313)
and getinfo warns when the wallet's confirmed coins are below it."""
import re

import pytest

from btcverify import Tx, bip143_sighash, ecdsa_verify, parse_der
from chainutil import BURN_ADDRESS, backend_args, find_tx, mempool_tx, outputs, wait_synced
from channelutil import (FUNDING_SAT, chain_node, channel, connect, mine, open_channel,
                         wait_state)
from lnchannel import ANCHOR_SAT, anchor_script, p2wsh
from ohmtest import RpcError, wait_for
from test_channels import chain_pair

# The largest DER signature with its sighash byte: ohm's weight estimates
# count every signature at this size.
MAX_SIG_LEN = 73


def raise_slow_estimate(a, devchain, perkw=5000):
    """a pays perkw in a block: ohm-devchain's slow estimate (the median
    feerate of its last blocks) rises above the anchors channel's 1250.
    Returns the slow estimate once a has it."""
    a.rpc("withdraw", [BURN_ADDRESS, 100000, "{}perkw".format(perkw)])
    mine(devchain, 1, a)
    slow = int(devchain.rpc("estimatesmartfee", [100, "ECONOMICAL"])["feerate"] * 1e8 / 4)
    assert slow > 2000
    wait_for(lambda: re.search(r"fee estimates: .* slow {} perkw".format(slow), a.log()), 15,
             interval=0.1, what="ohm to have the new slow estimate")
    return slow


def force_close(a, b):
    """b is down; a closes unilaterally.  Returns the commitment."""
    closed = a.rpc("close", [b.id, 1], 60)
    assert closed["type"] == "unilateral"
    return Tx.parse(bytes.fromhex(closed["tx"]))


def child_in_log(a, nth=1):
    """The txid of the nth fee bump child a logged."""
    found = wait_for(lambda: len(re.findall(r"(?:fee bump child|replacing the fee bump with "
                                            r"child) ([0-9a-f]{64})", a.log())) >= nth
                     and re.findall(r"(?:fee bump child|replacing the fee bump with child) "
                                    r"([0-9a-f]{64})", a.log()), 30, interval=0.1,
                     what="fee bump number {}".format(nth))
    return found[nth - 1]


def in_mempool(devchain, *txids):
    wait_for(lambda: all(t in devchain.rpc("getrawmempool") for t in txids), 30, interval=0.2,
             what="{} in the mempool".format(txids))


def estimated_weight(tx):
    """tx's weight with every signature at its largest (73 bytes), as
    ohm's estimate counts it."""
    return tx.weight() + sum(MAX_SIG_LEN - len(i["witness"][0]) for i in tx.inputs)


def check_child(a, commitment, child, target_perkw):
    """child spends our anchor of commitment (signed with the key of its
    script) and a's coins, pays the change to a, and lifts the package to
    target_perkw to the satoshi.  Returns its fee."""
    txid = commitment.txid()
    anchors = [i for i in child.inputs if i["txid"] == txid]
    assert len(anchors) == 1, child.inputs
    anchor = anchors[0]
    sig, witness_script = anchor["witness"]
    spent = commitment.outputs[anchor["vout"]]
    assert spent["value"] == ANCHOR_SAT and spent["script"] == p2wsh(witness_script)
    funding_keys = [commitment.inputs[0]["witness"][-1][2:35],
                    commitment.inputs[0]["witness"][-1][36:69]]
    key = witness_script[1:34]
    assert key in funding_keys and witness_script == anchor_script(key)
    assert sig[-1] == 1
    r, s = parse_der(sig[:-1])
    assert ecdsa_verify(key, bip143_sighash(child, child.inputs.index(anchor), witness_script,
                                            ANCHOR_SAT), r, s)
    assert anchor["sequence"] < 0xfffffffe, "the child signals replaceability (BIP125)"
    # Every other input is a coin of a's, now spent by the child.
    coins = {(o["txid"], o["output"]): o for o in outputs(a, spent=True)}
    wallet_in = 0
    for i in child.inputs:
        if i is anchor:
            continue
        coin = coins[(i["txid"], i["vout"])]
        assert coin["status"] == "spent", coin
        wallet_in += coin["amount_msat"] // 1000
    assert wallet_in > 0
    # One output: change to a.
    assert len(child.outputs) == 1
    change = wait_for(lambda: coins_of(a).get((child.txid(), 0)), 10, what="the change at a")
    assert change["amount_msat"] // 1000 == child.outputs[0]["value"]
    fee = ANCHOR_SAT + wallet_in - child.outputs[0]["value"]
    parent_fee = FUNDING_SAT - sum(o["value"] for o in commitment.outputs)
    weight = commitment.weight() + estimated_weight(child)
    # The least fee for the package to pay target_perkw (rounded up).
    assert fee == -(-target_perkw * weight // 1000) - parent_fee, (fee, weight, parent_fee)
    # And the real package, whose signatures may be shorter, pays at least that.
    real_weight = commitment.weight() + child.weight()
    assert (parent_fee + fee) * 1000 >= target_perkw * real_weight
    assert (parent_fee + fee - 1) * 1000 < target_perkw * weight
    return fee


def coins_of(node):
    return {(o["txid"], o["output"]): o for o in outputs(node, spent=True)}


def test_force_close_bumps_through_our_anchor(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    assert channel(a)["feerate"]["perkw"] == 1250
    assert b.stop() == 0
    slow = raise_slow_estimate(a, devchain)
    commitment = force_close(a, b)
    child_txid = child_in_log(a)
    in_mempool(devchain, commitment.txid(), child_txid)
    child = mempool_tx(devchain, child_txid)
    # No HTLC: the deadline is the slow target.
    check_child(a, commitment, child, slow)
    assert "fee bump child {} of commitment {}".format(child_txid, commitment.txid()) in a.log()
    # ohm-devchain mines both in one block.
    mine(devchain, 1, a)
    height, _ = find_tx(devchain, commitment.txid())
    assert find_tx(devchain, child_txid, height)[0] == height
    wait_for(lambda: "our commitment confirmed: fee bumping over" in a.log(), 15,
             interval=0.1, what="the bumping to stop")
    assert coins_of(a)[(child_txid, 0)]["status"] == "confirmed"
    wait_state(a, "ONCHAIN")


def test_child_replaced_until_confirmed_across_a_restart(node_factory, devchain):
    """Blocks without the package (generateblock with no transaction):
    after 2 of them the child is replaced by one paying more (BIP125: more
    fee by its own vsize at least, a higher feerate), aiming a quarter
    higher as the estimate did not move; a restart goes on from the
    stored bump; the last child confirms with the commitment and the
    replaced ones are gone from the wallet."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    assert b.stop() == 0
    slow = raise_slow_estimate(a, devchain)
    commitment = force_close(a, b)
    first = child_in_log(a)
    in_mempool(devchain, commitment.txid(), first)
    fees = [check_child(a, commitment, mempool_tx(devchain, first), slow)]
    children = [mempool_tx(devchain, first)]
    target = slow

    def empty_blocks(n):
        for _ in range(n):
            devchain.rpc("generateblock", [BURN_ADDRESS, []])
        wait_synced(a, devchain)

    for round_ in (2, 3):
        if round_ == 3:
            # Restart: the bump is read back from the database.
            assert a.stop() == 0
            a.start()
            wait_synced(a, devchain)
        empty_blocks(2)
        txid = child_in_log(a, round_)
        in_mempool(devchain, commitment.txid(), txid)
        assert children[-1].txid() not in devchain.rpc("getrawmempool")
        target = target * 125 // 100
        child = mempool_tx(devchain, txid)
        fee = check_child(a, commitment, child, target)
        # BIP125 rules 3, 4 and 6.
        assert fee >= fees[-1] + child.vsize()
        assert fee * 1000 // child.weight() > fees[-1] * 1000 // children[-1].weight()
        fees.append(fee)
        children.append(child)
    mine(devchain, 1, a)
    height, _ = find_tx(devchain, commitment.txid())
    assert find_tx(devchain, children[-1].txid(), height)[0] == height
    wait_for(lambda: "our commitment confirmed: fee bumping over" in a.log(), 15,
             interval=0.1, what="the bumping to stop")
    coins = coins_of(a)
    assert coins[(children[-1].txid(), 0)]["status"] == "confirmed"
    for replaced in children[:-1]:
        assert (replaced.txid(), 0) not in coins
    txids = [t["hash"] for t in a.rpc("listtransactions")["transactions"]]
    assert children[-1].txid() in txids
    assert not any(c.txid() in txids for c in children[:-1])
    # No more replacement once confirmed.
    mine(devchain, 3, a)
    assert len(re.findall("replacing the fee bump", a.log())) == 2


def test_static_remotekey_force_close_gets_no_child(node_factory, devchain):
    a, b = chain_pair(node_factory, devchain, extra=["--anchors=false"])
    open_channel(a, b, devchain)
    assert b.stop() == 0
    raise_slow_estimate(a, devchain, perkw=20000)
    commitment = force_close(a, b)
    in_mempool(devchain, commitment.txid())
    assert devchain.rpc("getrawmempool") == [commitment.txid()]
    mine(devchain, 1, a)
    assert find_tx(devchain, commitment.txid()) is not None
    assert "fee bump" not in a.log()


def test_no_child_when_the_commitment_pays_enough(node_factory, devchain):
    """The slow estimate is below the commitment's 1250 perkw: no child;
    once it rises above, at a later block, the child comes."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    slow = int(devchain.rpc("estimatesmartfee", [100, "ECONOMICAL"])["feerate"] * 1e8 / 4)
    if slow >= 1250:
        pytest.skip("ohm-devchain's slow estimate is {} here".format(slow))
    assert b.stop() == 0
    commitment = force_close(a, b)
    in_mempool(devchain, commitment.txid())
    wait_for(lambda: "perkw: no fee bump" in a.log(), 10, what="the decision")
    assert devchain.rpc("getrawmempool") == [commitment.txid()]
    # The estimate rises in a block without the commitment: a child
    # follows at that block.
    paid = a.rpc("withdraw", [BURN_ADDRESS, 100000, "5000perkw"])
    devchain.rpc("generateblock", [BURN_ADDRESS, [paid["txid"]]])
    wait_synced(a, devchain)
    slow = perkw(devchain, 100, "ECONOMICAL")
    assert slow > 1250
    child_txid = child_in_log(a)
    in_mempool(devchain, commitment.txid(), child_txid)
    check_child(a, commitment, mempool_tx(devchain, child_txid), slow)


def test_emergency_reserve(node_factory, devchain):
    """c has 540000 sat: a 520000-sat anchor channel would leave less than
    the 25000-sat reserve and is refused (Core Lightning's code 313 and
    words), a 500000-sat one opens; then a withdraw that would leave less
    is refused the same way; with a reserve above what c holds, getinfo
    warns."""
    a, b = chain_pair(node_factory, devchain)
    c = chain_node(node_factory, devchain, "c")
    assert "warning_emergency_reserve" not in c.rpc("getinfo")
    address = c.rpc("newaddr")["bech32"]
    a.rpc("withdraw", [address, 540000])
    mine(devchain, 1, a, c)
    # No anchor channel yet: no reserve.
    assert "warning_emergency_reserve" not in c.rpc("getinfo")
    # Opening one keeps it too.
    connect(c, b)
    with pytest.raises(RpcError) as e:
        c.rpc("fundchannel", [b.id, 520000])
    assert e.value.code == 313
    assert e.value.message == "We would not have enough left for min-emergency-msat 25000sat"
    wait_for(lambda: c.rpc("listpeerchannels")["channels"] == [], 10, what="no channel left")
    # The failed open's error closes the connection.
    wait_for(lambda: not any(p.get("connected") for p in c.rpc("listpeers")["peers"]), 10,
             interval=0.1, what="b disconnected")
    open_channel(c, b, devchain)
    assert channel(c)["channel_type"]["names"] == ["static_remotekey/even", "anchors/even"]
    left = sum(o["amount_msat"] for o in outputs(c) if o["status"] == "confirmed") // 1000
    assert 25000 <= left < 40000
    assert "warning_emergency_reserve" not in c.rpc("getinfo")
    with pytest.raises(RpcError) as e:
        c.rpc("withdraw", [BURN_ADDRESS, left - 20000])
    assert e.value.code == 313
    assert e.value.message == "We would not have enough left for min-emergency-msat 25000sat"
    # Nothing was spent.
    assert sum(o["amount_msat"] for o in outputs(c)) // 1000 == left
    # What keeps the reserve goes.
    c.rpc("withdraw", [BURN_ADDRESS, left - 25000 - 1000])
    mine(devchain, 1, c)
    # A reserve above what c holds: getinfo says so.
    assert c.stop() == 0
    c.args.append("--min-emergency-msat=100000000")
    c.start()
    wait_synced(c, devchain)
    warning = c.rpc("getinfo")["warning_emergency_reserve"]
    assert "below min-emergency-msat (100000sat)" in warning, warning
    assert c.rpc("listconfigs")["configs"]["min-emergency-msat"]["value_str"] == "100000000"


def perkw(devchain, blocks, mode):
    """ohm-devchain's estimate as ohm reads it (at least 253 perkw)."""
    return max(253, int(devchain.rpc("estimatesmartfee", [blocks, mode])["feerate"] * 1e8 / 4))


def test_deadline_is_the_earliest_htlc_expiry(node_factory, devchain):
    """An HTLC of ours in the commitment, expiring 20 blocks ahead: the
    child aims at the feerate for its expiry less 2 blocks, between the
    normal (4 blocks) and slow (100 blocks) estimates, interpolated
    linearly (as Core Lightning's feerate_for_target)."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    expiry = devchain.rpc("getblockcount") + 20
    a.rpc("dev-sendhtlc", [b.id, 10000000, None, expiry])
    wait_for(lambda: any(h["state"] == "RCVD_ADD_ACK_REVOCATION" for h in channel(b)["htlcs"]),
             30, interval=0.05, what="the HTLC committed at b")
    wait_for(lambda: [h["state"] for h in channel(a)["htlcs"]] == ["SENT_ADD_ACK_REVOCATION"],
             30, interval=0.05, what="the HTLC committed at a")
    assert b.stop() == 0
    # Transactions at several feerates: ohm-devchain's normal estimate
    # (75th percentile) is then above its slow one (the median).
    for rate in (2000, 3000, 6000, 9000, 12000):
        a.rpc("withdraw", [BURN_ADDRESS, 100000, "{}perkw".format(rate), 0])
    mine(devchain, 1, a)
    normal = perkw(devchain, 4, "ECONOMICAL")
    slow = perkw(devchain, 100, "ECONOMICAL")
    assert normal > slow > 1250
    wait_for(lambda: re.search(r"fee estimates: .* normal {}, slow {} perkw".format(normal, slow),
                               a.log()), 15, interval=0.1, what="ohm to have the estimates")
    height = devchain.rpc("getblockcount")
    commitment = force_close(a, b)
    assert len(commitment.outputs) == 5, "both anchors, both balances and the HTLC"
    blocks = expiry - 2 - height
    assert 4 < blocks < 100
    # From normal at 4 blocks down to slow at 100, rounded towards normal.
    target = normal - (normal - slow) * (blocks - 4) // 96
    child_txid = child_in_log(a)
    in_mempool(devchain, commitment.txid(), child_txid)
    check_child(a, commitment, mempool_tx(devchain, child_txid), target)
    assert "to {} perkw".format(target) in a.log()


def test_peer_commitment_confirms_instead(node_factory, devchain):
    """Our commitment and its child wait in the mempool; the peer's
    commitment is mined instead: ohm stops bumping and the wallet forgets
    the child, its coin spendable again."""
    a, b = chain_pair(node_factory, devchain)
    open_channel(a, b, devchain)
    assert b.stop() == 0
    raise_slow_estimate(a, devchain)
    commitment = force_close(a, b)
    child_txid = child_in_log(a)
    in_mempool(devchain, commitment.txid(), child_txid)
    child = mempool_tx(devchain, child_txid)
    spent = [(i["txid"], i["vout"]) for i in child.inputs if i["txid"] != commitment.txid()]
    assert a.stop() == 0
    b.start()
    theirs = b.rpc("close", [a.id, 1], 60)
    assert theirs["type"] == "unilateral" and theirs["txid"] != commitment.txid()
    a.start()
    wait_synced(a, devchain)
    # A block with the peer's commitment (not in the mempool: ours is).
    devchain.rpc("generateblock", [BURN_ADDRESS, [theirs["tx"]]])
    wait_synced(a, devchain)
    assert commitment.txid() not in devchain.rpc("getrawmempool")
    wait_for(lambda: "another transaction spending the funding output confirmed: fee bumping "
             "over" in a.log(), 15, interval=0.1, what="the bumping to stop")
    coins = coins_of(a)
    assert (child_txid, 0) not in coins
    for outpoint in spent:
        assert coins[outpoint]["status"] == "confirmed", coins[outpoint]
    assert child_txid not in [t["hash"] for t in a.rpc("listtransactions")["transactions"]]
