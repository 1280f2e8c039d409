"""Gossip between ohmd nodes only (issue 14's line): A-B-C-D-E with public
channels, each funded by its left node.  Once the channels are 6 deep every
node lists all 8 directions and all 5 nodes with their aliases and
announced addresses; a node F started later and connected only to E learns
the whole graph through gossip queries; a fee change on C reaches A; a
restart keeps the graph; a mutual close removes the channel everywhere
once its spend is deep enough for BOLT 7's pruning."""
from chainutil import wait_synced
from channelutil import chain_node, connect, mine, open_channel, wait_state
from ohmtest import wait_for

NAMES = ["alice", "bob", "carol", "dave", "erin"]
# gossip/graph.h GRAPH_SPENT_PRUNE_DEPTH (BOLT 7: 72 blocks after the spend).
PRUNE_DEPTH = 72


def gossip_args(name):
    return ["--dev-gossip-interval=1", "--alias=" + name,
            "--announce-addr={}.example.com:9735".format(name)]


def directions(node):
    return sorted((c["short_channel_id"], c["source"], c["destination"])
                  for c in node.rpc("listchannels")["channels"])


def aliases(node):
    return sorted(n.get("alias", "") for n in node.rpc("listnodes")["nodes"])


def wait_graph(node, want, timeout=60):
    """Every direction in want, and every node's node_announcement."""
    wait_for(lambda: directions(node) == want and aliases(node) == NAMES, timeout,
             interval=0.2, what="{} to know the graph".format(node.name))


def test_five_ohmd_in_a_line_share_the_graph(node_factory, devchain):
    line = [chain_node(node_factory, devchain, name, gossip_args(name), funded=i < 4)
            for i, name in enumerate(NAMES)]
    for node in line:
        wait_synced(node, devchain)
    scids = []
    for left, right in zip(line, line[1:]):
        open_channel(left, right, devchain, others=line)
        scids.append(wait_state(left, "CHANNELD_NORMAL", right)["short_channel_id"])
    mine(devchain, 6, *line)
    want = sorted((scid, a.id, b.id) for scid, (l, r) in zip(scids, zip(line, line[1:]))
                  for a, b in ((l, r), (r, l)))
    assert len(want) == 8
    for node in line:
        wait_graph(node, want)
    for node in line:
        listed = {n["nodeid"]: n for n in node.rpc("listnodes")["nodes"]}
        assert set(listed) == {n.id for n in line}
        for other, name in zip(line, NAMES):
            assert listed[other.id]["alias"] == name
            assert [(a["type"], a["address"], a["port"]) for a in listed[other.id]["addresses"]] \
                == [("dns", name + ".example.com", 9735)]
        for entry in node.rpc("listchannels")["channels"]:
            assert entry["public"] is True and entry["active"] is True
            assert entry["amount_msat"] > 0

    # F, connected only to E, learns it all through gossip queries.
    late = chain_node(node_factory, devchain, "frank", ["--dev-gossip-interval=1"])
    wait_synced(late, devchain)
    connect(late, line[4])
    wait_graph(late, want)

    # A fee change on C (its channel to D) reaches A.
    alice, carol, dave = line[0], line[2], line[3]
    carol.rpc("setchannel", {"id": dave.id, "feebase": 4321, "feeppm": 17})

    def c_to_d_at_alice():
        return [(c["base_fee_millisatoshi"], c["fee_per_millionth"])
                for c in alice.rpc("listchannels", {"short_channel_id": scids[2]})["channels"]
                if c["source"] == carol.id]
    wait_for(lambda: c_to_d_at_alice() == [(4321, 17)], 60, interval=0.2,
             what="C's new fees at A")

    # A restart keeps the graph (read back before any peer is connected).
    assert alice.stop() == 0
    alice.start()
    assert directions(alice) == want

    # A mutual close of D-E removes the channel everywhere once its spend is
    # PRUNE_DEPTH deep.
    closed = dave.rpc("close", [line[4].id], 60)
    assert closed["type"] == "mutual"
    wait_for(lambda: closed["txid"] in devchain.rpc("getrawmempool"), 10,
             what="the closing transaction")
    everyone = line + [late]
    mine(devchain, PRUNE_DEPTH + 1, *everyone)
    rest = [d for d in want if d[0] != scids[3]]
    for node in everyone:
        wait_for(lambda: directions(node) == rest, 60, interval=0.2,
                 what="{} to drop the closed channel".format(node.name))


def test_relayed_updates_are_not_taken_for_the_peers_own(node_factory, devchain):
    """B relays C's channel_update (signed by C) to A: it is gossip, not an
    update from A's peer about A's channel, so A's channels do not check it
    against B's key nor complain of it."""
    line = [chain_node(node_factory, devchain, name, gossip_args(name), funded=i < 2)
            for i, name in enumerate(NAMES[:3])]
    for node in line:
        wait_synced(node, devchain)
    scids = []
    for left, right in zip(line, line[1:]):
        open_channel(left, right, devchain, others=line)
        scids.append(wait_state(left, "CHANNELD_NORMAL", right)["short_channel_id"])
    mine(devchain, 6, *line)
    want = sorted((scid, a.id, b.id) for scid, (l, r) in zip(scids, zip(line, line[1:]))
                  for a, b in ((l, r), (r, l)))
    wait_for(lambda: directions(line[0]) == want, 60, interval=0.2,
             what="alice to know both channels")
    assert "channel_update signature is not the node's" not in line[0].log()
