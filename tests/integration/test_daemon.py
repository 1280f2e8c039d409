"""ohmd start-up, configuration, identity, locking and shutdown."""
import os
import re
import signal
import stat
import subprocess

from ohmtest import OHMD, OhmNode, assert_clean_exit, wait_for


def run_ohmd(*args, timeout=20):
    return subprocess.run([OHMD] + list(args), capture_output=True, text=True, timeout=timeout)


def test_getinfo_shape_and_defaults(node):
    info = node.rpc("getinfo")
    assert re.fullmatch(r"0[23][0-9a-f]{64}", info["id"])
    assert info["network"] == "regtest"
    assert info["alias"] == "ohm-" + info["id"][2:10]
    assert info["color"] == info["id"][2:8]
    for field in ("num_peers", "num_pending_channels", "num_active_channels",
                  "num_inactive_channels", "blockheight", "fees_collected_msat"):
        assert info[field] == 0
    assert info["address"] == [] and info["binding"] == []
    assert info["version"] and info["ohm-dir"] == node.net_dir


def test_node_id_survives_restart(node):
    first = node.rpc("getinfo")["id"]
    assert_clean_exit(node, node.stop())
    node.start()
    assert node.rpc("getinfo")["id"] == first


def test_files_are_private(node):
    assert stat.S_IMODE(os.stat(node.rpc_path).st_mode) == 0o600
    assert stat.S_ISSOCK(os.stat(node.rpc_path).st_mode)
    secret = os.path.join(node.net_dir, "node_secret")
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o400
    assert os.path.getsize(secret) == 32
    assert stat.S_IMODE(os.stat(os.path.join(node.net_dir, "ohm.sqlite3")).st_mode) == 0o600


def test_secret_never_logged(node_factory):
    node = node_factory.new(args=["--log-level=io"])
    node.rpc("getinfo")
    node.rpc("listconfigs")
    with open(os.path.join(node.net_dir, "node_secret"), "rb") as f:
        secret = f.read().hex()
    assert_clean_exit(node, node.stop())
    assert secret not in node.log().lower()


def test_sigterm_shuts_down_cleanly(node):
    node.signal(signal.SIGTERM)
    assert_clean_exit(node, node.wait_exit())
    assert "shutdown complete" in node.log()
    assert not os.path.exists(node.rpc_path)


def test_sigint_shuts_down_cleanly(node):
    node.signal(signal.SIGINT)
    assert_clean_exit(node, node.wait_exit())
    assert not os.path.exists(node.rpc_path)


def test_stop_command(node):
    assert node.rpc("stop") == "Shutdown complete"
    assert_clean_exit(node, node.wait_exit())
    assert not os.path.exists(node.rpc_path)


def test_second_daemon_on_same_dir_refused(node):
    pid = node.proc.pid
    result = run_ohmd("--ohm-dir=" + node.ohm_dir)
    assert result.returncode == 1
    assert "another ohmd (pid {}) is already running on {}".format(pid, node.net_dir) \
        in result.stderr
    # The first one is unharmed.
    assert node.rpc("getinfo")["id"]


def test_other_network_same_dir_allowed(node_factory):
    a = node_factory.new("shared")
    b = node_factory.new("shared", base_dir=a.base_dir, network="testnet")
    assert b.rpc("getinfo")["network"] == "testnet"
    assert a.rpc("getinfo")["id"] != b.rpc("getinfo")["id"]


def test_restart_after_kill_9(node):
    first = node.rpc("getinfo")["id"]
    node.kill()
    # A stale socket and the pid file are left behind; start-up copes.
    assert os.path.exists(node.rpc_path)
    node.start()
    assert node.rpc("getinfo")["id"] == first


def test_unknown_option_is_an_error(tmp_path):
    result = run_ohmd("--ohm-dir=" + str(tmp_path), "--no-such-thing=1")
    assert result.returncode == 1
    assert "unknown option '--no-such-thing'" in result.stderr
    assert not os.path.exists(tmp_path / "regtest")


def test_bad_values_are_errors(tmp_path):
    cases = [
        (["--network=mainnet"], "option 'network' must be one of bitcoin|testnet|signet|regtest"),
        (["--rgb=12345"], "option 'rgb' must be 6 hex digits"),
        (["--log-level=chatty"], "option 'log-level' must be io, debug, info, unusual or broken"),
        (["--alias=" + "x" * 33], "option 'alias' is 33 bytes, at most 32 allowed"),
        (["--addr=1.2.3.4:0"], "port '0'"),
        (["--alias"], "option '--alias' needs a value"),
    ]
    for args, message in cases:
        result = run_ohmd("--ohm-dir=" + str(tmp_path), *args)
        assert result.returncode == 1, args
        assert message in result.stderr, (args, result.stderr)


def test_config_file_errors_name_the_line(tmp_path):
    conf = tmp_path / "config"
    conf.write_text("# comment\nalias=fine\n\nfrobnicate=yes\n")
    result = run_ohmd("--ohm-dir=" + str(tmp_path))
    assert result.returncode == 1
    assert "{}:4: unknown option 'frobnicate'".format(conf) in result.stderr

    conf.write_text("network\n")
    result = run_ohmd("--ohm-dir=" + str(tmp_path))
    assert "{}:1: expected 'network=VALUE'".format(conf) in result.stderr

    result = run_ohmd("--ohm-dir=" + str(tmp_path), "--conf=" + str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "cannot read config file {}".format(tmp_path / "missing") in result.stderr


def test_config_file_and_command_line_precedence(node_factory):
    node = node_factory.new(start=False)
    os.makedirs(node.ohm_dir)
    with open(os.path.join(node.ohm_dir, "config"), "w") as f:
        f.write("alias=fromfile\nrgb=010203\n")
    node.start(extra=["--alias=fromcmdline"])
    info = node.rpc("getinfo")
    assert info["alias"] == "fromcmdline"
    assert info["color"] == "010203"
    configs = node.rpc("listconfigs")["configs"]
    assert configs["alias"] == {"value_str": "fromcmdline", "source": "cmdline"}
    assert configs["rgb"]["source"] == os.path.join(node.ohm_dir, "config") + ":2"
    assert configs["network"]["value_str"] == "regtest"
    assert node.rpc("listconfigs", {"config": "rgb"}) == {
        "configs": {"rgb": {"value_str": "010203",
                            "source": os.path.join(node.ohm_dir, "config") + ":2"}}}


def test_listconfigs_unknown_option(node):
    error = node.call("listconfigs", ["nope"])["error"]
    assert error["code"] == -32602
    assert "unknown option 'nope'" in error["message"]


def test_help_and_version_flags():
    result = run_ohmd("--help")
    assert result.returncode == 0
    for option in ("--ohm-dir", "--network", "--addr", "--alias", "--rgb", "--log-level",
                   "--log-file", "--daemon", "--rpc-file", "--conf"):
        assert option in result.stdout
    result = run_ohmd("--version")
    assert result.returncode == 0 and result.stdout.startswith("ohmd ")


def test_daemon_mode(tmp_path):
    node = OhmNode("bg", base_dir=str(tmp_path))
    result = run_ohmd("--ohm-dir=" + node.ohm_dir, "--daemon")
    assert result.returncode == 0, result.stderr
    try:
        assert node.rpc("getinfo")["id"]
        with open(os.path.join(node.net_dir, "ohmd.pid")) as f:
            pid = int(f.read())
        # A second one reports the failure through the waiting parent.
        again = run_ohmd("--ohm-dir=" + node.ohm_dir, "--daemon")
        assert again.returncode == 1
        assert "already running" in again.stderr
    finally:
        node.rpc("stop")
    wait_for(lambda: not os.path.exists("/proc/{}".format(pid)), what="daemon exit")
    log = open(os.path.join(node.net_dir, "log")).read()
    assert "shutdown complete" in log
    assert "Sanitizer" not in log


def test_log_file_option(node_factory):
    node = node_factory.new(start=False)
    node.start(extra=["--log-file=ohmd.log"])
    node.rpc("getinfo")
    assert_clean_exit(node, node.stop())
    text = open(os.path.join(node.net_dir, "ohmd.log")).read()
    # ISO timestamps, levels and subsystem tags.
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO    ohmd: ", text, re.M)
    assert re.search(r"DEBUG   rpc: getinfo", text)


def test_wrong_secret_for_database_refused(node):
    assert_clean_exit(node, node.stop())
    secret = os.path.join(node.net_dir, "node_secret")
    os.chmod(secret, 0o600)
    with open(secret, "wb") as f:
        f.write(bytes([7]) * 32)
    result = run_ohmd("--ohm-dir=" + node.ohm_dir)
    assert result.returncode == 1
    assert "belongs to another node id" in result.stderr


def test_corrupt_secret_refused(node):
    assert_clean_exit(node, node.stop())
    secret = os.path.join(node.net_dir, "node_secret")
    os.chmod(secret, 0o600)
    with open(secret, "wb") as f:
        f.write(b"short")
    result = run_ohmd("--ohm-dir=" + node.ohm_dir)
    assert result.returncode == 1
    assert "is not 32 bytes" in result.stderr
    with open(secret, "rb") as f:
        assert f.read() == b"short"   # never overwritten
