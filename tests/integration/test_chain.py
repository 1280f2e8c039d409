"""The chain client through real processes: following ohm-devchain's tip,
reorgs, restarts of either side, and a backend that is down."""
import subprocess

from btcverify import Tx
from chainutil import (BURN_ADDRESS, backend_args, blockheight, fund, outputs, raw_block,
                       wait_for_output, wait_synced)
from devchain import DevChain
from ohmtest import OHMD, free_port, wait_for


def test_no_backend_still_serves_rpc(node):
    info = node.rpc("getinfo")
    assert info["blockheight"] == 0
    assert info["warning_bitcoind_sync"].startswith("Cannot reach bitcoind at 127.0.0.1:")
    assert node.rpc("listfunds") == {"outputs": [], "channels": []}


def test_follows_the_tip_from_where_it_started(node_factory, devchain):
    devchain.generate(5, BURN_ADDRESS)
    node = node_factory.new(args=backend_args(devchain))
    assert wait_synced(node, devchain) == 5
    info = node.rpc("getinfo")
    assert "warning_bitcoind_sync" not in info or "up-to-date" in info["warning_bitcoind_sync"]
    devchain.generate(12, BURN_ADDRESS)
    assert wait_synced(node, devchain) == 17
    # A fresh node starts at the tip it first sees: it looked at blocks 5
    # to 17, not earlier ones.
    node.wait_for_log(r"starting at block 5")


def test_backend_down_at_start_then_catches_up(node_factory):
    port = free_port()
    chain = DevChain(port=port)
    node = node_factory.new(args=backend_args(chain))
    try:
        down_then_up(node, chain, port)
    finally:
        chain.cleanup()


def down_then_up(node, chain, port):
    expected = "Cannot reach bitcoind at 127.0.0.1:{}: Connection refused".format(port)
    wait_for(lambda: node.rpc("getinfo").get("warning_bitcoind_sync") == expected,
             what="the unreachable-backend warning")
    assert node.rpc("getinfo")["blockheight"] == 0
    # RPC keeps working meanwhile, and a withdraw fails cleanly.
    address = node.rpc("newaddr")["bech32"]
    assert node.call("withdraw", [BURN_ADDRESS, 10000])["error"]["code"] == 301
    chain.start()
    wait_synced(node, chain)
    chain.generate(3, address)
    wait_synced(node, chain)
    info = node.rpc("getinfo")
    assert info["blockheight"] == 3
    assert "Cannot reach" not in info.get("warning_bitcoind_sync", "")
    node.wait_for_log(r"bitcoind at 127.0.0.1:{} answers again".format(port))
    assert len(outputs(node)) == 3
    assert chain.stop() == 0


def test_backend_with_bad_credentials_is_a_warning(node_factory, devchain):
    node = node_factory.new(args=["--bitcoin-rpcport={}".format(devchain.port),
                                  "--bitcoin-rpcuser=nobody", "--bitcoin-rpcpassword=xyzzy-pw",
                                  "--dev-poll-interval=1", "--log-level=io"])
    wait_for(lambda: "refused our credentials" in
             node.rpc("getinfo").get("warning_bitcoind_sync", ""),
             what="the credentials warning")
    assert node.rpc("getinfo")["blockheight"] == 0
    assert "xyzzy-pw" not in node.log()


def test_reorg_drops_coinbase_deposit(node_factory, devchain):
    node = node_factory.new(args=backend_args(devchain))
    address = node.rpc("newaddr")["bech32"]
    wait_synced(node, devchain)
    devchain.generate(1, address)
    height = devchain.rpc("getblockcount")
    wait_synced(node, devchain)
    [deposit] = outputs(node)
    assert deposit["blockheight"] == height
    # The block paying us leaves the chain; a longer one replaces it.
    devchain.rpc("invalidateblock", [devchain.rpc("getblockhash", [height])])
    devchain.generate(2, BURN_ADDRESS)
    wait_synced(node, devchain)
    assert outputs(node, spent=True) == []
    assert node.rpc("listtransactions")["transactions"] == []
    node.wait_for_log(r"block {} [0-9a-f]{{64}} left the best chain".format(height))


def test_reorg_unconfirms_deposit_and_mining_restores_it(node_factory, devchain):
    payer = node_factory.new(name="payer", args=backend_args(devchain))
    payee = node_factory.new(name="payee", args=backend_args(devchain))
    fund(payer, devchain)
    result = payer.rpc("withdraw", [payee.rpc("newaddr")["bech32"], 7654321])
    devchain.generate(1, BURN_ADDRESS)
    height = devchain.rpc("getblockcount")
    assert wait_for_output(payee, result["txid"], "confirmed")["blockheight"] == height

    # invalidateblock puts the deposit back in the mempool; a longer chain
    # of empty blocks (generateblock with no transactions) wins.
    devchain.rpc("invalidateblock", [devchain.rpc("getblockhash", [height])])
    for _ in range(2):
        devchain.rpc("generateblock", [BURN_ADDRESS, []])
    wait_synced(payee, devchain)
    wait_synced(payer, devchain)
    in_mempool = result["txid"] in devchain.rpc("getrawmempool")
    deposits = [o for o in outputs(payee) if o["txid"] == result["txid"]]
    if in_mempool:
        assert [d["status"] for d in deposits] == ["unconfirmed"]
    else:
        assert deposits == []
    # The payer's own transaction is unconfirmed again, and re-sent.
    assert [t["blockheight"] for t in payer.rpc("listtransactions")["transactions"]
            if t["hash"] == result["txid"]] == [0]

    # Mining it again restores it, at the new height.
    if not in_mempool:
        devchain.rpc("sendrawtransaction", [result["tx"]])
    devchain.generate(1, BURN_ADDRESS)
    deposit = wait_for_output(payee, result["txid"], "confirmed")
    assert deposit["blockheight"] == height + 2
    assert deposit["amount_msat"] == 7654321000
    wait_for_output(payer, result["txid"], "confirmed")


def test_restarts_of_both_sides_lose_nothing(node_factory, devchain):
    payer = node_factory.new(name="payer", args=backend_args(devchain))
    payee = node_factory.new(name="payee", args=backend_args(devchain))
    _, funded_sat, _ = fund(payer, devchain)
    address = payee.rpc("newaddr")["bech32"]

    # ohmd down while the chain moves on and pays it.
    payee.stop()
    first = payer.rpc("withdraw", [address, 1000000])
    devchain.generate(3, BURN_ADDRESS)
    payee.start()
    wait_synced(payee, devchain)
    assert wait_for_output(payee, first["txid"], "confirmed")["amount_msat"] == 1000000000

    # devchain down (and back on the same port and data) mid-stream.
    wait_synced(payer, devchain)
    second = payer.rpc("withdraw", [address, 2000000])
    wait_for_output(payee, second["txid"], "unconfirmed")
    assert devchain.stop() == 0
    wait_for(lambda: "Cannot reach bitcoind" in
             payer.rpc("getinfo").get("warning_bitcoind_sync", ""),
             what="the payer to notice")
    devchain.start()
    devchain.generate(2, BURN_ADDRESS)
    wait_synced(payer, devchain)
    wait_synced(payee, devchain)
    assert wait_for_output(payee, second["txid"], "confirmed")["amount_msat"] == 2000000000
    assert "warning_bitcoind_sync" not in payee.rpc("getinfo") or \
        "Cannot reach" not in payee.rpc("getinfo")["warning_bitcoind_sync"]

    # Both restarted once more: everything still adds up.
    payer.stop()
    payee.stop()
    payer.start()
    payee.start()
    wait_synced(payer, devchain)
    wait_synced(payee, devchain)
    transactions = {t["hash"]: t for t in payer.rpc("listtransactions")["transactions"]}
    coins = {(o["txid"], o["output"]): o["amount_msat"] // 1000
             for o in outputs(payer, spent=True)}
    fees = 0
    for txid in (first["txid"], second["txid"]):
        tx = Tx.parse(bytes.fromhex(transactions[txid]["rawtx"]))
        fees += sum(coins[(i["txid"], i["vout"])] for i in tx.inputs) \
            - sum(o["value"] for o in tx.outputs)
    received = sum(o["amount_msat"] for o in outputs(payee)) // 1000
    kept = sum(o["amount_msat"] for o in outputs(payer)) // 1000
    assert received == 3000000
    assert kept + received + fees == funded_sat


def test_follows_across_many_blocks_quickly(node_factory, devchain):
    node = node_factory.new(args=backend_args(devchain))
    wait_synced(node, devchain)
    devchain.generate(300, BURN_ADDRESS)
    assert wait_synced(node, devchain, timeout=60) == 300
    assert blockheight(node) == 300
    # Every block was looked at: the last one's coinbase is the devchain's.
    assert raw_block(devchain, 300)[1][0].outputs[0]["value"] > 0


def test_bitcoin_options(node_factory, tmp_path):
    node = node_factory.new(args=["--bitcoin-rpcconnect=localhost", "--dev-poll-interval=7"])
    configs = node.rpc("listconfigs")["configs"]
    assert configs["bitcoin-rpcconnect"] == {"value_str": "localhost", "source": "cmdline"}
    # Defaults: the network's port, ~/.bitcoin.
    assert configs["bitcoin-rpcport"] == {"value_str": "18443", "source": "default"}
    assert configs["bitcoin-datadir"]["value_str"].endswith("/.bitcoin")
    assert configs["dev-poll-interval"] == {"value_str": "7", "source": "cmdline"}
    assert "bitcoin-rpcuser" not in configs
    # A password set is never read back over RPC.
    secret = node_factory.new(args=["--bitcoin-rpcuser=u", "--bitcoin-rpcpassword=hunter2"])
    shown = secret.rpc("listconfigs", ["bitcoin-rpcpassword"])["configs"]["bitcoin-rpcpassword"]
    assert shown == {"value_str": "(redacted)", "source": "cmdline"}
    assert "Cannot reach bitcoind at localhost:18443" in \
        wait_for(lambda: node.rpc("getinfo").get("warning_bitcoind_sync"))

    def refused(*args):
        result = subprocess.run([OHMD, "--ohm-dir=" + str(tmp_path)] + list(args),
                                capture_output=True, text=True, timeout=20)
        assert result.returncode == 1
        return result.stderr
    assert "option 'bitcoin-rpcuser' needs 'bitcoin-rpcpassword'" in refused(
        "--bitcoin-rpcuser=me")
    assert "option 'bitcoin-rpcport' must be a port" in refused("--bitcoin-rpcport=0")
    assert "option 'bitcoin-rpcport' must be a port" in refused("--bitcoin-rpcport=65536")
    assert "option 'dev-poll-interval'" in refused("--dev-poll-interval=0")
    assert "option 'bitcoin-datadir' is empty" in refused("--bitcoin-datadir=")


def test_backend_on_another_network_is_not_followed(node_factory, devchain):
    devchain.generate(2, BURN_ADDRESS)
    node = node_factory.new(network="testnet", args=backend_args(devchain))
    wait_for(lambda: node.rpc("getinfo").get("warning_bitcoind_sync") ==
             "bitcoind at 127.0.0.1:{} is on chain 'regtest', not testnet: not following it"
             .format(devchain.port), what="the wrong-network warning")
    assert node.rpc("getinfo")["blockheight"] == 0
    assert "starting at block" not in node.log()
