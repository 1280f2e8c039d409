"""Routing over the graph (issue 15): six ohmd on ohm-devchain with public
channels and two paths from A to F, A-B-C-F and A-D-E-F, the second dearer.
getroute gives the cheaper one; A pays F over it with no route hint
(keysend), and an invoice;
after a setchannel makes B's side dear, the next route and payment take the
other path; excluding a channel changes the route; getroute's errors are
Core Lightning's."""
import pytest

from chainutil import wait_synced
from channelutil import chain_node, mine, open_channel, wait_state
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


def test_six_ohmd_route_over_the_graph(node_factory, devchain):
    a, b, c, d, e, f = nodes = [chain_node(node_factory, devchain, name, args(name),
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
