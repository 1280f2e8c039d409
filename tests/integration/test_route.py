"""Routing over the graph (issue 15): six ohmd on ohm-devchain with public
channels and two paths from A to F, A-B-C-F and A-D-E-F, the second dearer.
getroute gives the cheaper one; A pays F over it with no route hint
(keysend), and an invoice;
after a setchannel makes B's side dear, the next route and payment take the
other path; excluding a channel changes the route; getroute's errors are
Core Lightning's.  A fee raise A has not heard of by gossip costs one failed
attempt: the failure's channel_update prices the next route."""
import re

import pytest

from chainutil import wait_synced
from channelutil import chain_node, mine, open_channel, restart, wait_connected, wait_state
from ohmtest import RpcError, wait_for

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank"]
AMOUNT = 10000000


def args(name):
    return ["--dev-gossip-interval=1", "--alias=" + name]


def fees(node, scid, source):
    return [(c["base_fee_millisatoshi"], c["fee_per_millionth"])
            for c in node.rpc("listchannels", {"short_channel_id": scid})["channels"]
            if c["source"] == source.id]


def route_channels(node, dest, **kw):
    params = {"id": dest.id, "amount_msat": AMOUNT, "riskfactor": 1}
    params.update(kw)
    return [h["channel"] for h in node.rpc("getroute", params)["route"]]


def forwards(node):
    return [f for f in node.rpc("listforwards")["forwards"] if f["status"] == "settled"]


def six_nodes(node_factory, devchain, extra=None):
    """A-B-C-F and A-D-E-F, announced, D and E charging 5000 msat more;
    returns the nodes and the channels by their ends' initials ("ab")
    once A knows the whole graph.  extra: more options by node name."""
    extra = extra or {}
    a, b, c, d, e, f = nodes = [chain_node(node_factory, devchain, name,
                                           args(name) + extra.get(name, []),
                                           funded=name != "frank")
                                for name in NAMES]
    for node in nodes:
        wait_synced(node, devchain)
    scid = {}
    for left, right in [(a, b), (b, c), (c, f), (a, d), (d, e), (e, f)]:
        open_channel(left, right, devchain, others=nodes)
        scid[left.name[0] + right.name[0]] = wait_state(left, "CHANNELD_NORMAL",
                                                  right)["short_channel_id"]
    # The second path is dearer: D and E charge 5000 msat more.
    d.rpc("setchannel", {"id": e.id, "feebase": 6000})
    e.rpc("setchannel", {"id": f.id, "feebase": 6000})
    mine(devchain, 6, *nodes)
    wait_for(lambda: len(a.rpc("listchannels")["channels"]) == 12
             and fees(a, scid["de"], d) == [(6000, 10)]
             and fees(a, scid["ef"], e) == [(6000, 10)], 90, interval=0.3,
             what="A to know the whole graph with D's and E's fees")
    return nodes, scid


def test_six_ohmd_route_over_the_graph(node_factory, devchain):
    (a, b, c, d, e, f), scid = six_nodes(node_factory, devchain)

    # getroute: the cheaper path, in Core Lightning's shape.
    route = a.rpc("getroute", {"id": f.id, "amount_msat": AMOUNT, "riskfactor": 1})["route"]
    assert [h["channel"] for h in route] == [scid["ab"], scid["bc"], scid["cf"]]
    assert [h["id"] for h in route] == [b.id, c.id, f.id]
    assert all(h["style"] == "tlv" and h["direction"] in (0, 1) for h in route)
    # Fees backwards: C forwards AMOUNT to F (1000 + 10 ppm), B forwards
    # what C gets; A's own channel charges nothing.
    assert route[2]["amount_msat"] == AMOUNT and route[2]["delay"] == 9
    assert route[1]["amount_msat"] == AMOUNT + 1000 + AMOUNT * 10 // 1000000
    assert route[0]["amount_msat"] == route[1]["amount_msat"] + 1000 \
        + route[1]["amount_msat"] * 10 // 1000000
    assert route[1]["delay"] == 9 + 34 and route[0]["delay"] == 9 + 34 + 34
    # From another node: from D, back through A is cheaper (3 x 1000
    # msat) than E's 6000; from E, its own channel.
    assert route_channels(a, f, fromid=d.id) == [scid["ad"], scid["ab"], scid["bc"], scid["cf"]]
    assert route_channels(a, f, fromid=e.id) == [scid["ef"]]

    # A pays F with no route hint (keysend: no invoice at all), over B
    # and C; then an invoice of F's (whose hints are edges the graph has
    # too) the same way.
    paid = a.rpc("keysend", {"destination": f.id, "amount_msat": AMOUNT})
    assert paid["status"] == "complete"
    wait_for(lambda: len(forwards(b)) == 1 and len(forwards(c)) == 1, 30,
             what="B and C to settle the forward")
    invoice = f.rpc("invoice", [AMOUNT, "first", "over the cheap path"])
    assert a.rpc("pay", [invoice["bolt11"]])["status"] == "complete"
    assert f.rpc("waitinvoice", ["first"])["status"] == "paid"
    wait_for(lambda: len(forwards(b)) == 2 and len(forwards(c)) == 2, 30,
             what="B and C to settle the second forward")
    assert forwards(d) == [] and forwards(e) == []

    # B's side turns dear: the next route and payment take D and E.
    b.rpc("setchannel", {"id": c.id, "feebase": 50000})
    wait_for(lambda: fees(a, scid["bc"], b) == [(50000, 10)], 60, interval=0.3,
             what="B's new fees at A")
    assert route_channels(a, f) == [scid["ad"], scid["de"], scid["ef"]]
    assert a.rpc("keysend", {"destination": f.id, "amount_msat": AMOUNT})["status"] \
        == "complete"
    wait_for(lambda: len(forwards(d)) == 1 and len(forwards(e)) == 1, 30,
             what="D and E to settle the forward")
    assert len(forwards(b)) == 2

    # Excluding a channel (one direction, or a node) changes the route.
    de_dir = [h for h in a.rpc("getroute", {"id": f.id, "amount_msat": AMOUNT,
                                            "riskfactor": 1})["route"]
              if h["channel"] == scid["de"]][0]["direction"]
    excluded = "{}/{}".format(scid["de"], de_dir)
    assert route_channels(a, f, exclude=[excluded]) == [scid["ab"], scid["bc"], scid["cf"]]
    assert route_channels(a, f, exclude=["{}/{}".format(scid["de"], 1 - de_dir)]) \
        == [scid["ad"], scid["de"], scid["ef"]]
    assert route_channels(a, f, exclude=[e.id]) == [scid["ab"], scid["bc"], scid["cf"]]
    # pay takes exclude too, and maxfee: the cheap path is now dear.
    invoice = f.rpc("invoice", [AMOUNT, "third", "excluding D"])
    with pytest.raises(RpcError) as err:
        a.rpc("pay", {"bolt11": invoice["bolt11"], "exclude": [d.id], "maxfee": 20000})
    assert err.value.code == 206, err.value.message
    paid = a.rpc("pay", {"bolt11": invoice["bolt11"], "exclude": [d.id], "maxfeepercent": 1})
    assert paid["status"] == "complete"
    wait_for(lambda: len(forwards(b)) == 3, 30, what="B to settle the third forward")

    # E goes away: A's next payment (over D and E by fees) fails at D, or
    # A hears D's disabled channel first; either way it ends over B and C,
    # a failed attempt naming D and the channel to E.
    e.stop()
    paid = a.rpc("keysend", {"destination": f.id, "amount_msat": AMOUNT, "maxfeepercent": 1})
    assert paid["status"] == "complete"
    wait_for(lambda: len(forwards(b)) == 4, 30, what="B to settle the fourth forward")
    parts = [p for p in a.rpc("listsendpays")["payments"]
             if p["payment_hash"] == paid["payment_hash"]]
    assert [p["status"] for p in parts][-1] == "complete"
    assert all(p["status"] == "failed" for p in parts[:-1])
    if len(parts) > 1:
        assert a.wait_for_log("payment attempt 0 failed")

    # maxhops and the errors of Core Lightning's getroute.
    with pytest.raises(RpcError) as err:
        route_channels(a, f, maxhops=2)
    assert err.value.code == 205 and err.value.message == "Could not find a route"
    with pytest.raises(RpcError) as err:
        route_channels(a, f, exclude=[b.id, d.id])
    assert err.value.code == 205
    with pytest.raises(RpcError) as err:
        route_channels(a, f, exclude=["nonsense"])
    assert err.value.code == -32602 and "parameter 'exclude'" in err.value.message
    with pytest.raises(RpcError) as err:
        a.rpc("getroute", {"id": f.id, "amount_msat": AMOUNT, "riskfactor": -1})
    assert err.value.code == -32602 and "parameter 'riskfactor'" in err.value.message


def hop_fee(amount, base, ppm=10):
    """BOLT #7: what a hop charges to forward amount."""
    return base + amount * ppm // 1000000


def sync_count(node, peer):
    return len(re.findall(re.escape(peer.id) + ": sync done", node.log()))


def test_failure_update_prices_the_next_route(node_factory, devchain):
    """C raises its fee on C-F; B and D, A's only peers, now relay others'
    gossip once an hour, so A's graph keeps C's old fee.  A's payment over B and C fails at C with fee_insufficient and
    C's channel_update; A's graph takes it (its signature checked) and the
    second attempt is priced right: over B and C again for a small raise,
    over D and E for a large one."""
    (a, b, c, d, e, f), scid = six_nodes(node_factory, devchain)
    cheap_path = [scid["ab"], scid["bc"], scid["cf"]]
    dear_path = [scid["ad"], scid["de"], scid["ef"]]
    synced = {p.name: sync_count(a, p) for p in (b, d)}
    for node in (b, d):
        node.args = [x for x in node.args if not x.startswith("--dev-gossip-interval")] \
            + ["--dev-gossip-interval=3600"]
    restart(b, d)
    wait_connected(a, b, c, d, e, f)
    # A's gossip queries to B and D answered before C's update exists:
    # from now on A hears only what B and D relay (hourly) or sign.
    wait_for(lambda: all(sync_count(a, p) > synced[p.name] for p in (b, d)), 60,
             interval=0.3, what="A's gossip sync with B and D after their restart")

    def raise_fee(first, then):
        """Twice: the fees before a setchannel are still taken for a while
        (Core Lightning's enforcedelay), so A's (the ones before both)
        are refused."""
        before = fees(a, scid["cf"], c)
        c.rpc("setchannel", {"id": f.id, "feebase": first})
        c.rpc("setchannel", {"id": f.id, "feebase": then})
        # C sends its own at once to B (and F; F relays to E, E to D,
        # unless the updates come too fast to relay).
        wait_for(lambda: fees(b, scid["cf"], c) == [(then, 10)], 30, interval=0.3,
                 what="C's new fee at B")
        assert fees(a, scid["cf"], c) == before

    def pay_once_failed(then):
        paid = a.rpc("keysend", {"destination": f.id, "amount_msat": AMOUNT})
        assert paid["status"] == "complete"
        parts = [p for p in a.rpc("listsendpays")["payments"]
                 if p["payment_hash"] == paid["payment_hash"]]
        assert [p["status"] for p in parts] == ["failed", "complete"]
        with pytest.raises(RpcError) as err:
            a.rpc("waitsendpay", {"payment_hash": paid["payment_hash"],
                                  "partid": parts[0]["partid"], "timeout": 5})
        assert err.value.code == 204
        failure = err.value.data
        assert failure["failcodename"] == "fee_insufficient", failure
        assert failure["erring_node"] == c.id and failure["erring_channel"] == scid["cf"]
        # The update came from the failure, not from gossip.
        a.wait_for_log(r"channel_update in a failure taken: {}/\d fee {} msat \+ 10 ppm"
                       .format(scid["cf"], then))
        assert fees(a, scid["cf"], c) == [(then, 10)]
        return paid

    # A small raise: the same path, at C's new fee.
    raise_fee(2000, 3000)
    assert route_channels(a, f) == cheap_path
    paid = pay_once_failed(3000)
    at_c = AMOUNT + hop_fee(AMOUNT, 3000)
    assert paid["amount_sent_msat"] == at_c + hop_fee(at_c, 1000)
    assert route_channels(a, f) == cheap_path
    wait_for(lambda: len(forwards(c)) == 1, 30, what="C to settle the forward")

    # A large one: C's 50,000 msat makes D and E's path the cheaper; the
    # failure sends the second attempt there.
    raise_fee(40000, 50000)
    assert route_channels(a, f) == cheap_path
    paid = pay_once_failed(50000)
    at_e = AMOUNT + hop_fee(AMOUNT, 6000)
    assert paid["amount_sent_msat"] == at_e + hop_fee(at_e, 6000)
    assert route_channels(a, f) == dear_path
    wait_for(lambda: len(forwards(d)) == 1 and len(forwards(e)) == 1, 30,
             what="D and E to settle the forward")
    assert len(forwards(c)) == 1
