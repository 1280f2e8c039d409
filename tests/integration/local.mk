# tests/integration/: pytest against real processes (tests/run runs them).
# Shipped in the release tarball; test_install.py checks that every file
# git tracks is in it.
EXTRA_DIST += \
	tests/integration/btcverify.py \
	tests/integration/chainutil.py \
	tests/integration/channelutil.py \
	tests/integration/conftest.py \
	tests/integration/devchain.py \
	tests/integration/lnchannel.py \
	tests/integration/lnpeer.py \
	tests/integration/ohmtest.py \
	tests/integration/test_anchor_cpfp.py \
	tests/integration/test_anchors.py \
	tests/integration/test_announce.py \
	tests/integration/test_bench_rss.py \
	tests/integration/test_build.py \
	tests/integration/test_chain.py \
	tests/integration/test_channel_close.py \
	tests/integration/test_channel_hostile.py \
	tests/integration/test_channel_rows.py \
	tests/integration/test_channels.py \
	tests/integration/test_chaos.py \
	tests/integration/test_closed_channels.py \
	tests/integration/test_cli.py \
	tests/integration/test_daemon.py \
	tests/integration/test_devchain.py \
	tests/integration/test_fatal_stop.py \
	tests/integration/test_fault_io.py \
	tests/integration/test_final_deadline.py \
	tests/integration/test_fee.py \
	tests/integration/test_forward_reconnect.py \
	tests/integration/test_funding_spent.py \
	tests/integration/test_gossip.py \
	tests/integration/test_gossip_line.py \
	tests/integration/test_htlc_deadlines.py \
	tests/integration/test_invoice_commit.py \
	tests/integration/test_install.py \
	tests/integration/test_jsonrpc.py \
	tests/integration/test_lnchannel_vectors.py \
	tests/integration/test_lnpeer_vectors.py \
	tests/integration/test_mpp_receive.py \
	tests/integration/test_mpp_send.py \
	tests/integration/test_onchain.py \
	tests/integration/test_onchain_rbf.py \
	tests/integration/test_pay.py \
	tests/integration/test_pay_self.py \
	tests/integration/test_route.py \
	tests/integration/test_peer_flood.py \
	tests/integration/test_peer_hostile.py \
	tests/integration/test_peers.py \
	tests/integration/test_rpc_params.py \
	tests/integration/test_runner.py \
	tests/integration/test_simple_close.py \
	tests/integration/test_wallet.py \
	tests/integration/test_worker_threads.py
