"""ohm-cli against a real ohmd: parameters, output and exit codes."""
import json
import os

from ohmtest import OHM_CLI, OhmNode
import subprocess


def test_getinfo_pretty_json(node):
    result = node.cli("getinfo")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["id"] == node.rpc("getinfo")["id"]
    assert "\n   \"id\"" in result.stdout   # indented like lightning-cli


def test_positional_and_keyword_params(node):
    positional = node.cli("help", "stop")
    keyword = node.cli("-k", "help", "command=stop")
    assert positional.returncode == 0 and keyword.returncode == 0
    assert positional.stdout == keyword.stdout
    assert "stop" in positional.stdout


def test_json_values_and_strings(node):
    # 123 is sent as a number, so help complains about its type.
    result = node.cli("help", "123")
    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert error["code"] == -32602
    assert "must be a string, got integer" in error["message"]
    # A quoted JSON string is a string.
    result = node.cli("-J", "help", '"getinfo"')
    assert result.returncode == 0
    assert json.loads(result.stdout)["help"][0]["command"] == "getinfo"


def test_rpc_error_exit_code_1(node):
    result = node.cli("nosuchcommand")
    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert error["code"] == -32601


def test_keyword_without_equals_is_usage_error(node):
    result = node.cli("-k", "help", "command")
    assert result.returncode == 3
    assert "command" in result.stderr


def test_unreachable_daemon_exit_code_2(tmp_path):
    result = subprocess.run([OHM_CLI, "--ohm-dir=" + str(tmp_path), "getinfo"],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    path = os.path.join(str(tmp_path), "regtest", "ohm-rpc")
    assert path in result.stderr
    assert "ohmd" in result.stderr


def test_human_readable(node):
    result = node.cli("-H", "getinfo")
    assert result.returncode == 0
    info = node.rpc("getinfo")
    assert "id: {}".format(info["id"]) in result.stdout
    assert "network: regtest" in result.stdout


def test_help_text_from_command_table(node):
    result = node.cli("help")
    assert result.returncode == 0
    for line in ("getinfo", "listconfigs [config]", "help [command]", "stop"):
        assert line in result.stdout
    one = node.cli("help", "listconfigs")
    assert one.returncode == 0
    assert "config (string, optional)" in one.stdout
    raw = node.cli("-J", "help")
    assert json.loads(raw.stdout)["format-hint"] == "simple"


def test_network_from_config_file(node_factory):
    node = node_factory.new("cfgnet", start=False, network="signet")
    os.makedirs(node.ohm_dir)
    with open(os.path.join(node.ohm_dir, "config"), "w") as f:
        f.write("network=signet\n")
    node.start()
    result = subprocess.run([OHM_CLI, "--ohm-dir=" + node.ohm_dir, "getinfo"],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["network"] == "signet"


def test_stop_through_cli(node):
    result = node.cli("stop")
    assert result.returncode == 0
    assert "Shutdown complete" in result.stdout
    assert node.wait_exit() == 0
