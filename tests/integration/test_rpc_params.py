"""RPC parameters through a real ohmd and ohm-cli: a refused parameter is
always answered with -32602 and a message that names it (never with bytes
nobody wrote, never with silence), and the daemon keeps serving.  The
reproductions of issue 10 (D3) come first, as ohm-cli was typed."""
import json

import pytest

from chainutil import BURN_ADDRESS

NODE_ID = "02" + "11" * 32


def invalid_params(node, method, params):
    """The message of method's -32602 answer."""
    response = node.call(method, params, timeout=10)
    assert "error" in response, response
    assert response["error"]["code"] == -32602, response
    return response["error"]["message"]


def cli_invalid_params(node, *args):
    result = node.cli(*args)
    assert result.returncode == 1, (result.stdout, result.stderr)
    error = json.loads(result.stdout)
    assert error["code"] == -32602, error
    return error["message"]


def test_zero_invoice_amount_is_refused_by_name(node):
    positive = "parameter 'amount_msat': must be positive (or \"any\")"
    for label, amount in (("zero1", "0sat"), ("zero2", "0msat"), ("zero3", "0sat"),
                          ("zero4", "0")):
        assert cli_invalid_params(node, "invoice", amount, label, "d") == positive
    # "0" from ohm-cli is the number 0; as a string it is refused the same way.
    assert invalid_params(node, "invoice", ["0", "zero5", "d"]) == positive
    assert node.rpc("listinvoices")["invoices"] == []
    assert "cannot serialize" not in node.log()


def test_negative_feerate_is_refused_by_name(node):
    assert cli_invalid_params(node, "withdraw", BURN_ADDRESS, "10000", "-1") == (
        "parameter 'feerate': -1 perkw is below the minimum of 253 perkw (1 sat/vB)")
    assert cli_invalid_params(node, "fundchannel", NODE_ID, "100000", "-5") == (
        "parameter 'feerate': -5 perkw is below the minimum of 253 perkw (1 sat/vB)")
    assert invalid_params(node, "withdraw", {"destination": BURN_ADDRESS, "satoshi": 10000,
                                             "feerate": -253}) == (
        "parameter 'feerate': -253 perkw is below the minimum of 253 perkw (1 sat/vB)")


def test_error_echoing_text_cut_mid_character_is_answered(node):
    # "parameter 'id': ... got '%.80s'" keeps 80 bytes: 'a', 39 'é' and half of one.
    message = invalid_params(node, "close", ["a" + "\u00e9" * 100])
    assert message == ("parameter 'id': expected a peer id, channel_id or short_channel_id, "
                       "got 'a" + "\u00e9" * 39 + "?'")
    assert "cannot serialize" not in node.log()
