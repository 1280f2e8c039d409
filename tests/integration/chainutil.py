"""Helpers for tests that run ohmd against ohm-devchain: pointing a node
at the chain, waiting for it to catch up, funding it, and reading blocks
straight from the backend (only with Core's documented RPCs)."""
import re

from btcverify import Tx, parse_block
from ohmtest import wait_for

# Someone else's regtest address (BIP173's example program).
BURN_ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
COINBASE_MATURITY = 100


def backend_args(devchain):
    """ohmd options for following devchain, polling every second.  Logs in
    with the cookie devchain writes in its data directory."""
    return ["--bitcoin-rpcconnect=127.0.0.1",
            "--bitcoin-rpcport={}".format(devchain.port),
            "--bitcoin-datadir=" + devchain.datadir,
            "--dev-poll-interval=1"]


def blockheight(node):
    return node.rpc("getinfo")["blockheight"]


def wait_synced(node, devchain, timeout=60):
    """Waits until node has processed devchain's tip (blockheight 0 also
    means "no block yet": the log tells them apart)."""
    tip = devchain.rpc("getbestblockhash")
    height = devchain.rpc("getblockcount")

    def synced():
        info = node.rpc("getinfo")
        return info["blockheight"] == height and "warning_lightningd_sync" not in info \
            and re.search(r"chain: (starting|resuming) at block", node.log()) \
            and devchain.rpc("getbestblockhash") == tip
    wait_for(synced, timeout, interval=0.1,
             what="{} to reach block {}".format(node.name, height))
    return height


def raw_block(devchain, height):
    block_hash = devchain.rpc("getblockhash", [height])
    return parse_block(bytes.fromhex(devchain.rpc("getblock", [block_hash, 0])))


def find_tx(devchain, txid, first_height=0):
    """(height, Tx) of txid in devchain's best chain, or None."""
    for height in range(devchain.rpc("getblockcount"), first_height - 1, -1):
        for tx in raw_block(devchain, height)[1]:
            if tx.txid() == txid:
                return height, tx
    return None


def outputs(node, spent=False):
    return node.rpc("listfunds", {"spent": spent})["outputs"]


def balance_sat(node, statuses=("confirmed", "unconfirmed")):
    return sum(o["amount_msat"] for o in outputs(node) if o["status"] in statuses) // 1000


def fund(node, devchain, address_type="bech32"):
    """Mines a block paying node's new address, then enough blocks for the
    coinbase to mature; returns (address, amount_sat, coinbase txid)."""
    address = node.rpc("newaddr", [address_type])[address_type]
    # The node must be following the chain before the block paying it.
    wait_synced(node, devchain)
    devchain.generate(1, address)
    height = devchain.rpc("getblockcount")
    coinbase = raw_block(devchain, height)[1][0]
    devchain.generate(COINBASE_MATURITY, BURN_ADDRESS)
    wait_synced(node, devchain)
    return address, coinbase.outputs[0]["value"], coinbase.txid()


def wait_for_output(node, txid, status, timeout=30):
    def found():
        for o in outputs(node, spent=True):
            if o["txid"] == txid and o["status"] == status:
                return o
        return None
    return wait_for(found, timeout, interval=0.1,
                    what="output of {} to be {}".format(txid, status))


def mempool_tx(devchain, txid):
    return Tx.parse(bytes.fromhex(devchain.rpc("getrawtransaction", [txid])))
