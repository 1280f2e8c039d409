"""BOLT 2 option_simple_close (closing_complete / closing_sig) through a
real ohmd, with lnchannel.py's independent Python peer on the other side,
and between two ohmd nodes.

Every transaction is built in Python from BOLT 3 "Closing Transaction"
(version 2, the funding input with sequence 0xFFFFFFFD, the closer paying
its fee_satoshis, OP_RETURN outputs at 0, BIP69 order) and every signature
ohm makes is checked on it; the closing_tlvs variants are checked against
the closer's rules of BOLT 2, and ohm as closee must sign the one BOLT 2
tells it to select.  A broken closing_complete or closing_sig gets a
`warning` and a disconnection, never a failed channel.

The first test checks the Python builder itself on ohm-devchain, whose
script interpreter verifies the 2-of-2 witness, without ohmd."""
import os

import pytest

from btcverify import Tx, segwit_address, sha256
from chainutil import (BURN_ADDRESS, find_tx, mempool_tx, raw_block, wait_for_output,
                       wait_synced)
from channelutil import FUNDING_SAT as OHM_FUNDING_SAT
from channelutil import chain_node, channel as ohm_channel, open_channel as open_ohm_channel
from channelutil import wait_state as wait_ohm_state
from lnchannel import (CLOSEE_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS, CLOSER_OUTPUT_ONLY,
                       FUNDEE_INIT_FEATURES, LOCAL, REMOTE, SIMPLE_CLOSE_INIT_FEATURES,
                       SIMPLE_CLOSE_SEQUENCE, FundeeChannel, compact_sig, dust_threshold,
                       is_dust, p2wpkh, parse_compact_sig, pubkey_of)
from lnpeer import _N, PeerDisconnected, PeerTimeout, bits_from_features
from ohmtest import wait_for
from test_channel_hostile import (BackgroundRpc, Opened, connect, funded_by_python,
                                  open_channel, peer_channel, peer_id, reconnect, wait_state)

OP_RETURN_SCRIPT = b"\x6a\x08" + b"ohm-test"
FEATURES = SIMPLE_CLOSE_INIT_FEATURES


def fresh_script():
    return p2wpkh(pubkey_of(os.urandom(32)))


# ---- the Python builder, on chain, without ohmd ----

def two_python_sides(devchain, closer_msat):
    """Two FundeeChannels holding the two funding keys of a 2-of-2 that a
    mature coinbase pays; LOCAL of `a` is REMOTE of `b`."""
    a, b = FundeeChannel(None), FundeeChannel(None)
    a.params[REMOTE] = dict(b.params[LOCAL])
    b.params[REMOTE] = dict(a.params[LOCAL])
    devchain.generate(1, segwit_address("bcrt", 0, sha256(a.funding_script)))
    coinbase = raw_block(devchain, devchain.rpc("getblockcount"))[1][0]
    devchain.generate(100, BURN_ADDRESS)
    total_sat = coinbase.outputs[0]["value"]
    for side, mine in ((a, closer_msat), (b, total_sat * 1000 - closer_msat)):
        side.open = {"funding_satoshis": total_sat}
        side.funding_txid, side.funding_outnum = coinbase.txid(), 0
        side.channel_id = bytes(32)
        side.balance_msat = {LOCAL: mine, REMOTE: total_sat * 1000 - mine}
        side.shutdown_script[LOCAL] = fresh_script()
    a.shutdown_script[REMOTE] = b.shutdown_script[LOCAL]
    b.shutdown_script[REMOTE] = a.shutdown_script[LOCAL]
    return a, b


def test_python_simple_closing_tx_is_valid_on_chain(devchain):
    """The self-check of lnchannel's builder: BOLT 3's closing transaction
    for a closing_complete, signed by the closer and the closee's selected
    signature, passes ohm-devchain's script checks and policy; a closee
    output of an OP_RETURN closer carries 0; a signature over another
    variant is refused."""
    a, b = two_python_sides(devchain, closer_msat=20000 * 1000 + 999)
    fields, txs = a.closing_complete_fields(300, locktime=7)
    # a is the lesser side: only closer_and_closee_outputs (BOLT 2).
    assert set(fields["tlvs"]) == {CLOSER_AND_CLOSEE_OUTPUTS}
    tx = txs[CLOSER_AND_CLOSEE_OUTPUTS]
    assert (tx.version, tx.locktime, len(tx.inputs)) == (2, 7, 1)
    assert tx.inputs[0]["sequence"] == SIMPLE_CLOSE_SEQUENCE
    total = a.funding_sat
    assert sorted(o["value"] for o in tx.outputs) == [20000 - 300, total - 20000 - 1]
    assert [o["value"] for o in tx.outputs] == sorted(o["value"] for o in tx.outputs)
    assert b.check_closing_complete(fields)[CLOSER_AND_CLOSEE_OUTPUTS].txid() == tx.txid()
    answer, signed_by_b = b.closing_sig_fields(fields)
    a.note_closing_complete(fields, txs)
    variant, signed = a.check_closing_sig(answer)
    assert variant == CLOSER_AND_CLOSEE_OUTPUTS and signed.txid() == signed_by_b.txid()
    # A signature over the closee-only variant does not spend this one.
    wrong = b.sign_closing(b.simple_closing_tx(REMOTE, 300, 7, fields["closer_scriptpubkey"],
                                               fields["closee_scriptpubkey"],
                                               CLOSEE_OUTPUT_ONLY))
    bad = a.signed_closing_tx(tx, fields["tlvs"][CLOSER_AND_CLOSEE_OUTPUTS], wrong)
    [verdict] = devchain.rpc("testmempoolaccept", [[bad.hex()]])
    assert not verdict["allowed"]

    # The OP_RETURN closer: its output is 0, all of its balance is fee.
    fields, txs = a.closing_complete_fields(300, closer_script=OP_RETURN_SCRIPT)
    assert set(fields["tlvs"]) == {CLOSER_AND_CLOSEE_OUTPUTS}
    answer, op_return_tx = b.closing_sig_fields(fields)
    assert sorted((o["value"], o["script"]) for o in op_return_tx.outputs) == [
        (0, OP_RETURN_SCRIPT), (total - 20000 - 1, b.shutdown_script[LOCAL])]
    [verdict] = devchain.rpc("testmempoolaccept", [[op_return_tx.hex()]])
    assert verdict["allowed"], verdict

    # The first one goes on chain.
    assert devchain.rpc("sendrawtransaction", [signed.hex()]) == tx.txid()


def test_dust_thresholds_and_variants():
    """BOLT 3 "Dust Limits" as lnchannel reads them, and the closer's
    variants BOLT 2 asks for, by balance and dust."""
    assert dust_threshold(b"\x76\xa9\x14" + bytes(20) + b"\x88\xac") == 546
    assert dust_threshold(b"\xa9\x14" + bytes(20) + b"\x87") == 540
    assert dust_threshold(b"\x00\x14" + bytes(20)) == 294
    assert dust_threshold(b"\x00\x20" + bytes(32)) == 330
    assert dust_threshold(b"\x51\x20" + bytes(32)) == 354
    assert dust_threshold(b"\x60\x02\x00\x00") == 354
    assert not is_dust(0, OP_RETURN_SCRIPT) and is_dust(293, fresh_script())
    ch = FundeeChannel(None)
    ours, theirs = fresh_script(), fresh_script()
    ch.balance_msat = {LOCAL: 100000000, REMOTE: 900000000}
    assert ch.closer_variants(LOCAL, 500, ours, theirs) == [CLOSER_AND_CLOSEE_OUTPUTS]
    assert ch.closer_variants(LOCAL, 99800, ours, theirs) == [CLOSEE_OUTPUT_ONLY]
    assert ch.closer_variants(REMOTE, 500, theirs, ours) == [CLOSER_OUTPUT_ONLY,
                                                             CLOSER_AND_CLOSEE_OUTPUTS]
    ch.balance_msat = {LOCAL: 293999, REMOTE: 900000000}
    assert ch.closer_variants(REMOTE, 500, theirs, ours) == [CLOSER_OUTPUT_ONLY]


# ---- helpers for ohmd against the Python peer ----

def ohm_funds(node_factory, devchain, push_msat=100000000):
    """ohm the funder of 1,000,000 sat, pushing push_msat to the Python
    fundee, which offers option_simple_close: a CHANNELD_NORMAL Opened."""
    return open_channel(node_factory, devchain, push_msat=push_msat, features=FEATURES)


def python_funds(node_factory, devchain, push_msat=100000000):
    """The Python funder opens 1,000,000 sat to ohm, pushing push_msat:
    an Opened without fundchannel's answer."""
    node, channel = funded_by_python(node_factory, devchain, push_msat=push_msat,
                                     features=FEATURES)
    return Opened(node, devchain, channel, None)


def exchange_shutdowns(o, ohm_first=False, script=None):
    """Both shutdowns: ohm's `close` RPC first (returned, running in the
    background) or ours first."""
    call = None
    if ohm_first:
        call = BackgroundRpc(o.node, "close", [peer_id(o)])
        o.channel.receive_shutdown()
        o.channel.send_shutdown(script)
    else:
        o.channel.send_shutdown(script)
        o.channel.receive_shutdown()
    return call


def check_ohm_closing_complete(o, m):
    """What ohm's closing_complete must carry beyond lnchannel's checks:
    locktime 0, a fee at its feerate for the weight of the two-output
    transaction."""
    assert m["locktime"] == 0
    tx = o.channel.simple_closing_tx(REMOTE, m["fee_satoshis"], 0, m["closer_scriptpubkey"],
                                     m["closee_scriptpubkey"], CLOSER_AND_CLOSEE_OUTPUTS)
    # With its witness: marker and flag, then 0, two 73-byte signatures
    # and the 71-byte 2-of-2 script, each with its length.
    weight = 4 * len(tx.serialize(False)) + 2 + 1 + 1 + 2 * 74 + 72
    # devchain's estimates start at 253 perkw; ten times that is no estimate.
    assert 253 * weight // 1000 - 5 <= m["fee_satoshis"] <= 2530 * weight // 1000, (
        m["fee_satoshis"], weight)


def in_mempool(o, tx):
    wait_for(lambda: tx.txid() in o.devchain.rpc("getrawmempool"), 30, interval=0.2,
             what="closing transaction {} in the mempool".format(tx.txid()))
    got = mempool_tx(o.devchain, tx.txid())
    assert got.outputs == tx.outputs and got.inputs[0]["sequence"] == SIMPLE_CLOSE_SEQUENCE
    return got


def closed(o):
    entry = wait_state(o.node, peer_id(o), "CLOSINGD_COMPLETE")
    assert not any("AWAITING_UNILATERAL" in line for line in entry["status"])
    return entry


def funding_spenders(o):
    found = []
    for txid in o.devchain.rpc("getrawmempool"):
        tx = mempool_tx(o.devchain, txid)
        if any(i["txid"] == o.channel.funding_txid for i in tx.inputs):
            found.append(tx)
    return found


def expect_warning_and_disconnect(o, words):
    """ohm's `warning` for our channel naming words, then the connection
    closed; the channel neither failed nor anything broadcast."""
    channel_id, text = o.channel.receive_warning()
    assert channel_id == o.channel.channel_id
    assert all(w in text for w in words), text
    with pytest.raises(PeerDisconnected):
        while True:
            o.channel.peer.recv_msg(10)
    wait_for(lambda: not peer_channel(o.node, peer_id(o))["peer_connected"], 10,
             interval=0.1, what="ohm to see the disconnection")
    entry = peer_channel(o.node, peer_id(o))
    assert entry["state"] not in ("ONCHAIN", "AWAITING_UNILATERAL", "CHANNELD_NORMAL"), entry
    assert "close_txid" not in entry, entry
    assert funding_spenders(o) == []
    return text


def reconnect_and_reshutdown(o, script=None):
    """After a disconnection in closing: channel_reestablish, ohm's
    retransmitted shutdown, and ours (BOLT 2 "Message Retransmission")."""
    reconnect(o, features=FEATURES)
    o.channel.reestablish()
    o.channel.receive_shutdown()
    o.channel.send_shutdown(script or o.channel.shutdown_script[LOCAL])


# ---- ohm against the Python peer ----

def test_ohm_funder_is_the_closer_and_close_answers_its_tx(node_factory, devchain):
    """ohm (funder, the greater balance) starts with `close`: after both
    shutdowns it sends closing_complete with closer_output_only and
    closer_and_closee_outputs (BOLT 2, closee output not dust) at its
    feerate, locktime 0, to our shutdown script; on our closing_sig (we
    select closer_and_closee_outputs) it broadcasts that transaction and
    `close` answers it as mutual; once mined, ohm's wallet has its output."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    call = exchange_shutdowns(o, ohm_first=True)
    ohm_script = ch.shutdown_script[REMOTE]
    m, txs = ch.receive_closing_complete()
    assert set(txs) == {CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS}
    assert m["closer_scriptpubkey"] == ohm_script
    check_ohm_closing_complete(o, m)
    tx = ch.send_closing_sig(m)
    assert sorted(o_["value"] for o_ in tx.outputs) == sorted(
        [ch.balance_msat[LOCAL] // 1000, ch.balance_msat[REMOTE] // 1000 - m["fee_satoshis"]])
    in_mempool(o, tx)
    result = call.wait()
    assert result["type"] == "mutual" and result["txid"] == tx.txid()
    if "tx" in result:
        assert Tx.parse(bytes.fromhex(result["tx"])).txid() == tx.txid()
    closed(o)
    # Mined: ohm's wallet holds its output (its shutdown script is its own).
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(o.node, devchain)
    got = wait_for_output(o.node, tx.txid(), "confirmed")
    assert got["amount_msat"] // 1000 == ch.balance_msat[REMOTE] // 1000 - m["fee_satoshis"]


def test_ohm_funder_is_the_closee(node_factory, devchain):
    """We (the lesser side) send closing_complete in the same flight as
    our shutdown reply: it carries only closer_and_closee_outputs; ohm
    selects it, broadcasts it and answers closing_sig with one signature
    in that field (BOLT 2 closee)."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    call = BackgroundRpc(o.node, "close", [peer_id(o)])
    ch.receive_shutdown()
    with ch.peer.flight():
        ch.send_shutdown()
        txs = ch.send_closing_complete(300)
    assert set(txs) == {CLOSER_AND_CLOSEE_OUTPUTS}
    got = {}
    while len(got) < 2:
        name, m = ch.receive_one_of(["closing_complete", "closing_sig"])
        got[name] = m
    variant, tx = ch.check_closing_sig(got["closing_sig"])
    assert variant == CLOSER_AND_CLOSEE_OUTPUTS
    in_mempool(o, tx)
    ch.check_closing_complete(got["closing_complete"])
    assert call.wait()["type"] == "mutual"
    closed(o)


def test_ohm_fundee_is_the_closer_with_its_lesser_balance(node_factory, devchain):
    """ohm the fundee with the lesser balance: its closing_complete has
    closer_and_closee_outputs only (BOLT 2: MUST NOT set
    closer_output_only); it broadcasts it on our closing_sig."""
    o = python_funds(node_factory, devchain)
    ch = o.channel
    call = exchange_shutdowns(o, ohm_first=True)
    m, txs = ch.receive_closing_complete()
    assert set(txs) == {CLOSER_AND_CLOSEE_OUTPUTS}
    check_ohm_closing_complete(o, m)
    tx = ch.send_closing_sig(m)
    in_mempool(o, tx)
    assert call.wait()["txid"] == tx.txid()
    closed(o)


def test_ohm_fundee_is_the_closee(node_factory, devchain):
    """We (funder, greater) start: shutdown, then closing_complete with
    closer_output_only and closer_and_closee_outputs; ohm's output is not
    dust, so it signs closer_and_closee_outputs, with our locktime, and
    broadcasts it."""
    o = python_funds(node_factory, devchain)
    ch = o.channel
    exchange_shutdowns(o)
    ohm_m, _ = ch.receive_closing_complete()
    check_ohm_closing_complete(o, ohm_m)
    # Our locktime (the tip's height: final) is the transaction's (BOLT 3).
    height = devchain.rpc("getblockcount")
    txs = ch.send_closing_complete(400, locktime=height)
    assert set(txs) == {CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS}
    variant, tx = ch.receive_closing_sig()
    assert variant == CLOSER_AND_CLOSEE_OUTPUTS and tx.locktime == height
    in_mempool(o, tx)
    closed(o)


def test_both_close_and_the_higher_fee_wins(node_factory, devchain):
    """Both sides close (BOLT 2: two independent, conflicting closing
    transactions): ohm broadcasts its own on our closing_sig, then ours,
    which pays more and replaces it (BIP125, sequence 0xFFFFFFFD); `close`
    answered ohm's, the first it broadcast; once ours is mined ohm's
    wallet holds its whole balance from it."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    call = exchange_shutdowns(o, ohm_first=True)
    m, _ = ch.receive_closing_complete()
    own = ch.send_closing_sig(m)
    in_mempool(o, own)
    assert call.wait()["txid"] == own.txid()
    ch.send_closing_complete(m["fee_satoshis"] + 1000)
    _, ours = ch.receive_closing_sig()
    in_mempool(o, ours)
    assert [t.txid() for t in funding_spenders(o)] == [ours.txid()]
    closed(o)
    devchain.generate(1, BURN_ADDRESS)
    wait_synced(o.node, devchain)
    got = wait_for_output(o.node, ours.txid(), "confirmed")
    assert got["amount_msat"] // 1000 == ch.balance_msat[REMOTE] // 1000


def test_lesser_peer_omits_its_own_output(node_factory, devchain):
    """We are the lesser side and send closee_output_only alone (BOLT 2:
    MAY, if we find our output uneconomical): ohm, closee, has no
    closer_and_closee_outputs to select and signs closee_output_only, a
    transaction paying only ohm."""
    o = ohm_funds(node_factory, devchain, push_msat=20000000)
    ch = o.channel
    exchange_shutdowns(o)
    ch.receive_closing_complete()
    txs = ch.send_closing_complete(500, variants=[CLOSEE_OUTPUT_ONLY])
    variant, tx = ch.receive_closing_sig()
    assert variant == CLOSEE_OUTPUT_ONLY
    assert tx.outputs == [{"value": ch.balance_msat[REMOTE] // 1000,
                           "script": ch.shutdown_script[REMOTE]}]
    assert tx.txid() == txs[CLOSEE_OUTPUT_ONLY].txid()
    in_mempool(o, tx)
    closed(o)


def test_peer_output_dust(node_factory, devchain):
    """Our balance (200 sat) is below p2wpkh's 294: ohm as closer sets
    closer_output_only only (BOLT 2: MUST, and MUST NOT set
    closer_and_closee_outputs); we select it (our output is dust)."""
    o = ohm_funds(node_factory, devchain, push_msat=200000)
    ch = o.channel
    exchange_shutdowns(o)
    m, txs = ch.receive_closing_complete()
    assert set(txs) == {CLOSER_OUTPUT_ONLY}
    tx = ch.send_closing_sig(m)
    assert [out["script"] for out in tx.outputs] == [m["closer_scriptpubkey"]]
    in_mempool(o, tx)
    closed(o)


def test_ohm_output_dust_after_its_fee(node_factory, devchain):
    """ohm the lesser side with 400 sat: its output after its fee (some
    170 sat at 253 perkw) is below p2wpkh's 294, so its closing_complete
    carries closee_output_only alone (BOLT 2: MUST); we sign that, a
    transaction paying only us."""
    o = python_funds(node_factory, devchain, push_msat=400000)
    ch = o.channel
    exchange_shutdowns(o)
    m, txs = ch.receive_closing_complete()
    assert set(txs) == {CLOSEE_OUTPUT_ONLY}
    check_ohm_closing_complete(o, m)
    tx = ch.send_closing_sig(m)
    assert tx.outputs == [{"value": ch.balance_msat[LOCAL] // 1000,
                           "script": ch.shutdown_script[LOCAL]}]
    in_mempool(o, tx)
    closed(o)


def test_ohm_dust_output_selects_closer_output_only(node_factory, devchain):
    """ohm's balance (200 sat) is dust: though our closing_complete also
    carries closer_and_closee_outputs (which BOLT 2 forbids us here), ohm
    as closee must select closer_output_only ("If the local output amount
    is dust: MUST use closer_output_only")."""
    o = python_funds(node_factory, devchain, push_msat=200000)
    ch = o.channel
    exchange_shutdowns(o)
    ch.send_closing_complete(400, variants=[CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS])
    # ohm pays its fee from 200 sat and closes first with closee_output_only
    # (its output after the fee is dust): checked, left unanswered.
    name, m = ch.receive_one_of(["closing_complete", "closing_sig"])
    if name == "closing_complete":
        assert set(ch.check_closing_complete(m)) == {CLOSEE_OUTPUT_ONLY}
        m = ch.receive("closing_sig")
    variant, tx = ch.check_closing_sig(m)
    assert variant == CLOSER_OUTPUT_ONLY
    in_mempool(o, tx)
    closed(o)


def test_ohm_balance_cannot_pay_the_fee(node_factory, devchain):
    """ohm the fundee with nothing: it sends no closing_complete (it cannot
    pay a fee) and signs ours, whose only variant is closer_output_only
    (its output is dust: BOLT 2 has it select closer_output_only)."""
    o = python_funds(node_factory, devchain, push_msat=0)
    ch = o.channel
    exchange_shutdowns(o)
    txs = ch.send_closing_complete(400)
    assert set(txs) == {CLOSER_OUTPUT_ONLY}
    variant, tx = ch.receive_closing_sig()
    assert variant == CLOSER_OUTPUT_ONLY
    in_mempool(o, tx)
    closed(o)


def test_op_return_closer_script(node_factory, devchain):
    """Our closing_complete with an OP_RETURN closer_scriptpubkey (BOLT 2
    form 4, simple close negotiated): its output is 0 and our whole
    balance is fee (BOLT 3); ohm selects closer_and_closee_outputs, signs
    and broadcasts it."""
    o = ohm_funds(node_factory, devchain, push_msat=20000000)
    ch = o.channel
    exchange_shutdowns(o)
    ch.receive_closing_complete()
    txs = ch.send_closing_complete(500, closer_script=OP_RETURN_SCRIPT)
    assert set(txs) == {CLOSER_AND_CLOSEE_OUTPUTS}
    variant, tx = ch.receive_closing_sig()
    assert variant == CLOSER_AND_CLOSEE_OUTPUTS
    assert sorted((out["value"], out["script"]) for out in tx.outputs) == [
        (0, OP_RETURN_SCRIPT), (ch.balance_msat[REMOTE] // 1000, ch.shutdown_script[REMOTE])]
    in_mempool(o, tx)
    closed(o)


def test_rbf_after_a_reconnection(node_factory, devchain):
    """ohm signed and broadcast our closing_complete (CLOSINGD_COMPLETE);
    after a reconnection (channel_reestablish, shutdowns again) our
    closing_complete at a higher fee is signed and broadcast too, and
    replaces the first (BOLT 2: the closer MAY send another)."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    exchange_shutdowns(o)
    ch.receive_closing_complete()
    ch.send_closing_complete(300)
    _, first = ch.receive_closing_sig()
    in_mempool(o, first)
    closed(o)
    reconnect(o, features=FEATURES)
    ch.reestablish()
    ch.receive_shutdown()
    with ch.peer.flight():
        ch.send_shutdown()
        ch.send_closing_complete(1000)
    # ohm may send its own closing_complete first (it never got a
    # closing_sig): checked, left unanswered.
    name, m = ch.receive_one_of(["closing_complete", "closing_sig"])
    if name == "closing_complete":
        ch.check_closing_complete(m)
        m = ch.receive("closing_sig")
    _, second = ch.check_closing_sig(m)
    in_mempool(o, second)
    assert [t.txid() for t in funding_spenders(o)] == [second.txid()]
    closed(o)


def test_ohm_sends_none_of_its_own_once_it_holds_ours(node_factory, devchain):
    """ohm signed and broadcast our closing_complete but never got a
    closing_sig for its own: after a reconnection and both shutdowns again,
    it sends no closing_complete of its own (BOLT 2 says SHOULD; ohm has a
    closing transaction we paid for, and a competing one would cost it the
    fee), but still signs a new one of ours, to our latest script."""
    o = python_funds(node_factory, devchain)
    ch = o.channel
    exchange_shutdowns(o)
    ch.receive_closing_complete()
    new_script = fresh_script()
    ch.send_closing_complete(400, closer_script=new_script)
    _, tx = ch.receive_closing_sig()
    in_mempool(o, tx)
    closed(o)
    reconnect_and_reshutdown(o)
    with pytest.raises(PeerTimeout):
        ch.receive_closing_complete(timeout=3)
    ch.send_closing_complete(600)
    _, again = ch.receive_closing_sig()
    in_mempool(o, again)


def test_op_return_shutdown_script(node_factory, devchain):
    """A shutdown with an OP_RETURN script is accepted under simple close
    (BOLT 2 form 4); ohm's closing_complete pays it 0."""
    o = ohm_funds(node_factory, devchain, push_msat=20000000)
    ch = o.channel
    exchange_shutdowns(o, script=b"\x6a\x4c\x4c" + bytes(76))
    m, txs = ch.receive_closing_complete()
    assert m["closee_scriptpubkey"] == ch.shutdown_script[LOCAL]
    for tx in txs.values():
        assert all(out["value"] == 0 for out in tx.outputs if out["script"][0] == 0x6a)


def test_rbf_second_closing_complete(node_factory, devchain):
    """We send a second closing_complete after ohm's closing_sig, with a
    higher fee and a new closer script, a witness v1 program (BOLT 2: MAY;
    form 3 under option_shutdown_anysegwit): ohm signs it too and
    broadcasts it, replacing the first in the mempool (0xFFFFFFFD signals
    BIP125)."""
    o = python_funds(node_factory, devchain)
    ch = o.channel
    exchange_shutdowns(o)
    ch.receive_closing_complete()
    ch.send_closing_complete(300)
    _, first = ch.receive_closing_sig()
    in_mempool(o, first)
    closed(o)
    # A witness v1 program (option_shutdown_anysegwit) this time.
    taproot = b"\x51\x20" + os.urandom(32)
    ch.send_closing_complete(1500, closer_script=taproot)
    _, second = ch.receive_closing_sig()
    assert second.txid() != first.txid()
    assert taproot in [out["script"] for out in second.outputs]
    in_mempool(o, second)
    assert first.txid() not in devchain.rpc("getrawmempool")
    assert [t.txid() for t in funding_spenders(o)] == [second.txid()]


def test_reconnection_mid_negotiation(node_factory, devchain):
    """A disconnection before any closing_sig: after channel_reestablish
    ohm retransmits shutdown, accepts our shutdown with a new script
    (simple close), and sends closing_complete again to that script;
    `close` then answers the transaction it broadcast."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    call = exchange_shutdowns(o, ohm_first=True)
    first, _ = ch.receive_closing_complete()
    new_script = fresh_script()
    reconnect_and_reshutdown(o, script=new_script)
    m, _ = ch.receive_closing_complete()
    assert m["closee_scriptpubkey"] == new_script != first["closee_scriptpubkey"]
    tx = ch.send_closing_sig(m)
    in_mempool(o, tx)
    assert call.wait()["txid"] == tx.txid()
    closed(o)


# ---- violations: a warning, a disconnection, and the channel lives ----

def fee_above_balance(o):
    o.channel.send_closing_complete(300, fee_satoshis=o.channel.balance_msat[LOCAL] // 1000 + 1)
    return ["closing_complete", "fee"]


def closee_script_not_ohms(o):
    o.channel.send_closing_complete(300, closee_scriptpubkey=fresh_script())
    return ["closing_complete", "closee_scriptpubkey"]


def invalid_closer_script(o):
    p2pkh = b"\x76\xa9\x14" + bytes(20) + b"\x88\xac"
    o.channel.send_closing_complete(300, closer_script=p2pkh)
    return ["closing_complete", "closer_scriptpubkey"]


def selected_signature_missing(o):
    # Ours is the lesser balance: the only transaction we may offer has
    # both outputs, and we send no signature at all.
    o.channel.send_closing_complete(300, variants=[], tlvs={})
    return ["closing_complete"]


def invalid_signature(o):
    ch = o.channel
    other = ch.simple_closing_tx(LOCAL, 301, 0, ch.shutdown_script[LOCAL],
                                 ch.shutdown_script[REMOTE], CLOSER_AND_CLOSEE_OUTPUTS)
    ch.send_closing_complete(300, signatures={CLOSER_AND_CLOSEE_OUTPUTS: ch.sign_closing(other)})
    return ["closing_complete", "signature"]


def high_s_signature(o):
    ch = o.channel
    tx = ch.simple_closing_tx(LOCAL, 300, 0, ch.shutdown_script[LOCAL],
                              ch.shutdown_script[REMOTE], CLOSER_AND_CLOSEE_OUTPUTS)
    r, s = parse_compact_sig(ch.sign_closing(tx))
    ch.send_closing_complete(300, signatures={CLOSER_AND_CLOSEE_OUTPUTS: compact_sig(r, _N - s)})
    return ["closing_complete", "signature"]


@pytest.mark.parametrize("offend", [fee_above_balance, closee_script_not_ohms,
                                    invalid_closer_script, selected_signature_missing,
                                    invalid_signature, high_s_signature],
                         ids=lambda f: f.__name__)
def test_bad_closing_complete_warns_and_the_channel_lives(node_factory, devchain, offend):
    """BOLT 2 closee: each of these gets a `warning` and a closed
    connection (ohm chooses warning, not error); nothing is signed or
    broadcast, and after a reconnection the close completes."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    exchange_shutdowns(o)
    ch.receive_closing_complete()
    expect_warning_and_disconnect(o, offend(o))
    reconnect_and_reshutdown(o)
    m, _ = ch.receive_closing_complete()
    tx = ch.send_closing_sig(m)
    in_mempool(o, tx)
    closed(o)


def sig_fee_differs(ch, m):
    ch.send_closing_sig(m, fee_satoshis=m["fee_satoshis"] + 1)
    return ["closing_sig"]


def sig_scripts_differ(ch, m):
    ch.send_closing_sig(m, closee_scriptpubkey=fresh_script())
    return ["closing_sig"]


def two_signatures(ch, m):
    tlvs = {v: ch.sign_closing(ch.simple_closing_tx(
        REMOTE, m["fee_satoshis"], 0, m["closer_scriptpubkey"], m["closee_scriptpubkey"], v))
        for v in (CLOSER_OUTPUT_ONLY, CLOSER_AND_CLOSEE_OUTPUTS)}
    ch.send_closing_sig(m, tlvs=tlvs)
    return ["closing_sig"]


def sig_invalid(ch, m):
    wrong = ch.sign_closing(ch.simple_closing_tx(
        REMOTE, m["fee_satoshis"], 0, m["closer_scriptpubkey"], m["closee_scriptpubkey"],
        CLOSER_OUTPUT_ONLY))
    ch.send_closing_sig(m, variant=CLOSER_AND_CLOSEE_OUTPUTS, signature=wrong)
    return ["closing_sig"]


def sig_field_not_sent(ch, m):
    # ohm (the greater side) sent closer_output_only and
    # closer_and_closee_outputs; we answer in closee_output_only.
    assert CLOSEE_OUTPUT_ONLY not in m["tlvs"]
    tx = ch.simple_closing_tx(REMOTE, m["fee_satoshis"], 0, m["closer_scriptpubkey"],
                              m["closee_scriptpubkey"], CLOSEE_OUTPUT_ONLY)
    ch.send("closing_sig", **dict({k: m[k] for k in (
        "channel_id", "closer_scriptpubkey", "closee_scriptpubkey", "fee_satoshis",
        "locktime")}, tlvs={CLOSEE_OUTPUT_ONLY: ch.sign_closing(tx)}))
    return ["closing_sig"]


@pytest.mark.parametrize("offend", [sig_fee_differs, sig_scripts_differ, two_signatures,
                                    sig_invalid, sig_field_not_sent], ids=lambda f: f.__name__)
def test_bad_closing_sig_warns_and_the_channel_lives(node_factory, devchain, offend):
    """BOLT 2 receiver of closing_sig: fields that do not match ohm's
    closing_complete, not exactly one signature, or an invalid one get a
    `warning` and a closed connection; ohm broadcasts nothing, and sends
    its closing_complete again after a reconnection."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    exchange_shutdowns(o)
    m, _ = ch.receive_closing_complete()
    expect_warning_and_disconnect(o, offend(ch, m))
    reconnect_and_reshutdown(o)
    m, _ = ch.receive_closing_complete()
    tx = ch.send_closing_sig(m)
    in_mempool(o, tx)
    closed(o)


def test_closing_complete_with_htlcs_pending(node_factory, devchain):
    """closing_complete while an HTLC is still in both commitments (BOLT 2
    negotiation begins once no HTLCs remain): a warning and a
    disconnection, the channel not failed."""
    o = ohm_funds(node_factory, devchain)
    ch = o.channel
    o.node.rpc("dev-sendhtlc", [peer_id(o), 30000000])
    ch.receive_update_add_htlc()
    ch.receive_commitment_signed()
    ch.send_revoke_and_ack()
    ch.send_commitment_signed()
    ch.receive_revoke_and_ack()
    exchange_shutdowns(o)
    ch.send_closing_complete(300)
    expect_warning_and_disconnect(o, ["closing_complete"])
    assert peer_channel(o.node, peer_id(o))["htlcs"]


def test_legacy_peer_closes_with_closing_signed(node_factory, devchain):
    """A peer offering option_shutdown_anysegwit but not
    option_simple_close: ohm negotiates with closing_signed, as before
    (sequence 0xFFFFFFFF)."""
    o = open_channel(node_factory, devchain, features=FUNDEE_INIT_FEATURES | {27})
    ch = o.channel
    # ohm's own init offers both, optional.
    other, init = connect(o.node, features=FEATURES)
    assert {27, 61} <= bits_from_features(init["features"])
    other.close()
    call = exchange_shutdowns(o, ohm_first=True)
    fee, fee_range, tx = ch.receive_closing_signed()
    ch.send_closing_signed(fee, fee_range=fee_range)
    wait_for(lambda: tx.txid() in devchain.rpc("getrawmempool"), 30, interval=0.2,
             what="the legacy closing transaction")
    assert mempool_tx(devchain, tx.txid()).inputs[0]["sequence"] == 0xFFFFFFFF
    assert call.wait()["txid"] == tx.txid()
    closed(o)


# ---- two ohmd nodes ----

def test_ohm_to_ohm_simple_close(node_factory, devchain):
    """Two ohmd nodes negotiate option_simple_close (each offers bit 61,
    listpeers shows it): the closing transaction spends the funding with
    sequence 0xFFFFFFFD, both end CLOSINGD_COMPLETE, `close` answers a
    mutual close, and once mined each wallet holds its output: the
    closer's balance less the fee, the closee's whole balance."""
    a = chain_node(node_factory, devchain, "a", funded=True)
    b = chain_node(node_factory, devchain, "b")
    wait_synced(b, devchain)
    funded = open_ohm_channel(a, b, devchain)
    [peer] = a.rpc("listpeers", [b.id])["peers"]
    assert {27, 61} <= bits_from_features(bytes.fromhex(peer["features"])), peer
    balance = {node: ohm_channel(node, other)["to_us_msat"] // 1000
               for node, other in ((a, b), (b, a))}
    assert balance[a] + balance[b] == OHM_FUNDING_SAT
    result = a.rpc("close", [b.id])
    assert result["type"] == "mutual"
    wait_ohm_state(a, "CLOSINGD_COMPLETE", b)
    wait_ohm_state(b, "CLOSINGD_COMPLETE", a)

    def spenders():
        pool = [mempool_tx(devchain, txid) for txid in devchain.rpc("getrawmempool")]
        return [tx for tx in pool if any(i["txid"] == funded["txid"] for i in tx.inputs)]
    # Each side broadcasts its own; the mempool keeps one (BIP125 decides).
    [tx] = wait_for(spenders, 30, interval=0.2, what="a closing transaction in the mempool")
    assert tx.inputs[0]["sequence"] == SIMPLE_CLOSE_SEQUENCE and tx.version == 2
    devchain.generate(1, BURN_ADDRESS)
    for node in (a, b):
        wait_synced(node, devchain)
    assert find_tx(devchain, tx.txid()) is not None
    values = {node: wait_for_output(node, tx.txid(), "confirmed")["amount_msat"] // 1000
              for node in (a, b)}
    fee = OHM_FUNDING_SAT - sum(out["value"] for out in tx.outputs)
    assert 0 < fee < 5000
    assert values in ({a: balance[a] - fee, b: balance[b]},
                      {a: balance[a], b: balance[b] - fee}), (values, balance, fee)
