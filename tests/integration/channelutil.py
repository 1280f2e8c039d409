"""Helpers for tests with channels between real ohmd processes on
ohm-devchain: funded nodes, opening from the CLI, waiting for states,
restarts, and HTLCs settling."""
import json

from chainutil import BURN_ADDRESS, backend_args, fund, wait_synced
from ohmtest import listening_node, wait_for

FUNDING_SAT = 500000
PUSH_MSAT = 100000000


def chain_node(node_factory, devchain, name, extra=(), funded=False):
    """A node following devchain that listens (.port, .id); with a mature
    coinbase if funded."""
    node = listening_node(node_factory, name, extra=backend_args(devchain) + list(extra))
    if funded:
        fund(node, devchain)
    return node


def connect(a, b):
    a.rpc("connect", [b.id, "127.0.0.1", b.port])


def channels(node, peer=None):
    return node.rpc("listpeerchannels", [peer.id] if peer else [])["channels"]


def channel(node, peer=None):
    found = channels(node, peer)
    assert len(found) == 1, found
    return found[0]


def wait_state(node, state, peer=None, timeout=30):
    return wait_for(lambda: channel(node, peer)["state"] == state and channel(node, peer),
                    timeout, interval=0.1, what="{} to reach {}".format(node.name, state))


def mine(devchain, n, *nodes):
    devchain.generate(n, BURN_ADDRESS)
    for node in nodes:
        wait_synced(node, devchain)


def open_channel(a, b, devchain, amount=FUNDING_SAT, push_msat=PUSH_MSAT, others=()):
    """a funds a channel to b from the CLI (lightning-cli's -k form); 3
    blocks lock it in (others are nodes to keep in sync too)."""
    connect(a, b)
    cli = a.cli("-k", "fundchannel", "id=" + b.id, "amount={}".format(amount),
                "push_msat={}".format(push_msat))
    assert cli.returncode == 0, cli.stderr
    result = json.loads(cli.stdout)
    assert set(result) >= {"tx", "txid", "outnum", "channel_id", "channel_type"}
    wait_for(lambda: result["txid"] in devchain.rpc("getrawmempool"), 10,
             what="funding transaction in the mempool")
    assert channel(a, b)["state"] == "CHANNELD_AWAITING_LOCKIN"
    mine(devchain, 2, a, b, *others)
    assert channel(a, b)["state"] == channel(b, a)["state"] == "CHANNELD_AWAITING_LOCKIN"
    mine(devchain, 1, a, b, *others)
    wait_state(a, "CHANNELD_NORMAL", b)
    wait_state(b, "CHANNELD_NORMAL", a)
    return result


def three_nodes(node_factory, devchain):
    """A and B with mature coinbases, and C, all synced to devchain: the
    nodes of a line A -> B -> C."""
    a = chain_node(node_factory, devchain, "a", funded=True)
    b = chain_node(node_factory, devchain, "b", funded=True)
    c = chain_node(node_factory, devchain, "c")
    for node in (a, b, c):
        wait_synced(node, devchain)
    return a, b, c


def line_of_three(node_factory, devchain):
    """three_nodes with channels A->B and B->C, each FUNDING_SAT funded by
    its left side (no push); returns once C has B's channel_update, which
    C's invoices use for their route hint."""
    a, b, c = three_nodes(node_factory, devchain)
    open_channel(a, b, devchain, push_msat=0, others=(c,))
    open_channel(b, c, devchain, push_msat=0, others=(a,))
    wait_for(lambda: channel(c, b)["updates"].get("remote"), 10, what="B's channel_update at C")
    return a, b, c


def restart(*nodes):
    for node in nodes:
        assert node.stop() == 0
    for node in nodes:
        node.start()


def wait_connected(*nodes):
    """Every channel of each node has its peer back and reestablished."""
    for node in nodes:
        wait_for(lambda: all(c["peer_connected"] and c["status"][0].endswith("Peer connected")
                             for c in channels(node)), 30,
                 interval=0.1, what="{} to be reconnected".format(node.name))


def wait_no_htlcs(*nodes):
    for node in nodes:
        wait_for(lambda: all(c["htlcs"] == [] for c in channels(node)), 30, interval=0.05,
                 what="{}'s HTLCs to settle".format(node.name))
