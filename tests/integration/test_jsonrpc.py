"""The JSON-RPC 2.0 server: error codes, framing, limits, concurrency."""
import json
import socket
import threading
import time

import pytest

from ohmtest import read_response, wait_for


def send_raw(node, data, timeout=10):
    with node.connect_rpc() as sock:
        sock.sendall(data)
        return read_response(sock, timeout)


def read_all(sock, count, timeout=10):
    """Reads count newline-terminated answers from sock."""
    sock.settimeout(timeout)
    data = b""
    while data.count(b"\n") < count:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def assert_still_serving(node):
    assert node.rpc("getinfo")["id"]


def test_parse_error(node):
    answer = send_raw(node, b'{"jsonrpc":"2.0","id":1,"method":"getinfo",}')
    assert answer["id"] is None
    assert answer["error"]["code"] == -32700
    assert "Parse error" in answer["error"]["message"]
    assert_still_serving(node)


def test_parse_error_keeps_connection_when_framing_is_intact(node):
    with node.connect_rpc() as sock:
        sock.sendall(b'{"id":1, "method": }{"jsonrpc":"2.0","id":2,"method":"getinfo"}')
        first, second = read_all(sock, 2)
    assert first["error"]["code"] == -32700
    assert second["id"] == 2 and "result" in second


def test_garbage_stream_gets_parse_error_and_close(node):
    with node.connect_rpc() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
        answer = read_response(sock)
        assert answer["error"]["code"] == -32700
        assert "expected '{'" in answer["error"]["message"]
        sock.settimeout(5)
        rest = b""
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            rest += chunk
        assert rest.strip() == b""
    assert_still_serving(node)


@pytest.mark.parametrize("request_obj, message", [
    ({"jsonrpc": "2.0", "id": 1}, "missing 'method'"),
    ({"jsonrpc": "2.0", "id": 1, "method": 7}, "'method' must be a string"),
    ({"jsonrpc": "1.0", "id": 1, "method": "getinfo"}, "'jsonrpc' must be \"2.0\""),
    ({"jsonrpc": "2.0", "id": {"a": 1}, "method": "getinfo"}, "'id' must be a string"),
    ({"jsonrpc": "2.0", "id": 1, "method": "getinfo", "params": "x"},
     "'params' must be an array or an object"),
])
def test_invalid_request(node, request_obj, message):
    answer = send_raw(node, json.dumps(request_obj).encode())
    assert answer["error"]["code"] == -32600
    assert message in answer["error"]["message"]


def test_batch_refused(node):
    answer = send_raw(node, b'[{"jsonrpc":"2.0","id":1,"method":"getinfo"}]')
    assert answer["error"]["code"] == -32600
    assert "batch" in answer["error"]["message"]


def test_unknown_method(node):
    error = node.call("frobnicate")["error"]
    assert error == {"code": -32601, "message": "Unknown command 'frobnicate'"}


@pytest.mark.parametrize("params, message", [
    ([1], "parameter 'command' must be a string, got integer"),
    (["getinfo", "extra"], "too many parameters: help takes at most 1, got 2"),
    ({"cmd": "getinfo"}, "unknown parameter 'cmd' for help"),
])
def test_invalid_params(node, params, message):
    error = node.call("help", params)["error"]
    assert error["code"] == -32602
    assert error["message"] == message


def test_named_and_positional_params(node):
    by_position = node.rpc("help", ["stop"])
    by_name = node.rpc("help", {"command": "stop"})
    assert by_position == by_name
    assert by_position["help"][0]["command"] == "stop"


def test_id_types_echoed(node):
    for request_id in ["abc", 42, 1.5, None]:
        answer = send_raw(node, json.dumps(
            {"jsonrpc": "2.0", "id": request_id, "method": "getinfo"}).encode())
        assert answer["id"] == request_id
        assert "result" in answer


def test_notification_gets_no_answer(node):
    with node.connect_rpc() as sock:
        sock.sendall(b'{"jsonrpc":"2.0","method":"getinfo"}'
                     b'{"jsonrpc":"2.0","method":"nosuchmethod"}'
                     b'{"jsonrpc":"2.0","id":"after","method":"getinfo"}')
        answer = read_response(sock)
    # The first answer is the one with an id: notifications were silent.
    assert answer["id"] == "after"


def test_request_split_across_writes(node):
    request = json.dumps({"jsonrpc": "2.0", "id": "split", "method": "help",
                          "params": {"command": "getinfo"}}).encode()
    with node.connect_rpc() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        for i in range(len(request)):
            sock.sendall(request[i:i + 1])
            if i % 16 == 0:
                time.sleep(0.001)
        answer = read_response(sock)
    assert answer["id"] == "split"
    assert answer["result"]["help"][0]["command"] == "getinfo"


def test_pipelined_requests_in_one_write(node):
    count = 100
    data = b"".join(json.dumps({"jsonrpc": "2.0", "id": i, "method": "getinfo"}).encode()
                    + (b"\n" if i % 2 else b"") for i in range(count))
    with node.connect_rpc() as sock:
        sock.sendall(data)
        answers = read_all(sock, count)
    assert sorted(a["id"] for a in answers) == list(range(count))
    assert all("result" in a for a in answers)


def test_oversized_request_refused(node):
    limit = 16 * 1024 * 1024
    with node.connect_rpc() as sock:
        head = b'{"jsonrpc":"2.0","id":1,"method":"help","params":["'
        sock.sendall(head)
        chunk = b"x" * 65536
        sent = len(head)
        try:
            while sent <= limit + 65536:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = read_response(sock)
    assert answer["error"]["code"] == -32600
    assert "16777216-byte limit" in answer["error"]["message"]
    assert_still_serving(node)


def test_large_request_under_limit_accepted(node):
    # A 1 MiB request is read and parsed: its string parameter is then
    # past that parameter's own size limit (README, "JSON-RPC").
    big = "y" * (1024 * 1024)
    error = node.call("help", [big])["error"]
    assert error["code"] == -32602
    assert error["message"] == "parameter 'command': at most 1024 bytes, got 1048576"
    assert_still_serving(node)


def test_disconnect_mid_request(node):
    for _ in range(20):
        with node.connect_rpc() as sock:
            sock.sendall(b'{"jsonrpc":"2.0","id":1,"meth')
    for _ in range(20):
        sock = node.connect_rpc()
        sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"getinfo"}')
        sock.close()   # gone before reading the answer
    assert_still_serving(node)


def test_half_closed_client_still_answered(node):
    with node.connect_rpc() as sock:
        sock.sendall(b'{"jsonrpc":"2.0","id":"hc","method":"getinfo"}')
        sock.shutdown(socket.SHUT_WR)
        answer = read_response(sock)
    assert answer["id"] == "hc" and "result" in answer


def test_200_concurrent_clients(node):
    clients = 200
    socks = [node.connect_rpc() for _ in range(clients)]
    results = [None] * clients
    errors = []
    barrier = threading.Barrier(clients)

    def worker(i):
        try:
            barrier.wait(10)
            for j in range(5):
                socks[i].sendall(json.dumps(
                    {"jsonrpc": "2.0", "id": "{}-{}".format(i, j), "method": "getinfo"}).encode())
            answers = read_all(socks[i], 5, timeout=30)
            results[i] = [a["id"] for a in answers if "result" in a]
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))
        finally:
            socks[i].close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
    for i in range(clients):
        assert sorted(results[i]) == sorted("{}-{}".format(i, j) for j in range(5))


def test_help_lists_every_command(node):
    entries = node.rpc("help")["help"]
    names = {e["command"].split()[0] for e in entries}
    assert {"getinfo", "help", "stop", "listconfigs"} <= names
    for entry in entries:
        assert entry["description"] and entry["category"]
        assert isinstance(entry["params"], list)
    unknown = node.call("help", ["nope"])["error"]
    assert unknown["code"] == -32601


# Pending requests (README, "Limits"): a connection with RPC_MAX_PENDING_PER_CONNECTION
# unanswered requests is not read further until one is answered; past
# RPC_MAX_PENDING in all, a request is refused.
PENDING_PER_CONNECTION = 64
PENDING_TOTAL = 1024


def waitinvoice_requests(label, first_id, count):
    return b"".join(json.dumps({"jsonrpc": "2.0", "id": first_id + i, "method": "waitinvoice",
                                "params": [label]}).encode() for i in range(count))


def no_answer_within(sock, seconds):
    sock.settimeout(seconds)
    try:
        return sock.recv(65536) == b""
    except socket.timeout:
        return True


def test_connection_with_too_many_pending_requests_is_read_no_further(node):
    # waitinvoice ends when the invoice expires (delinvoice does not end it).
    node.rpc("invoice", [1000, "held", "held", 5])
    with node.connect_rpc() as sock:
        sock.sendall(waitinvoice_requests("held", 0, PENDING_PER_CONNECTION)
                     + json.dumps({"jsonrpc": "2.0", "id": "next", "method": "getinfo"}).encode())
        # The getinfo after the cap waits unread, while other clients are served.
        assert no_answer_within(sock, 1.0)
        assert_still_serving(node)
        node.wait_for_log(r"rpc: a client has {} requests pending".format(PENDING_PER_CONNECTION))
        # The invoice expires, ending the waits; then the getinfo is read.
        answers = read_all(sock, PENDING_PER_CONNECTION + 1, timeout=15)
    # The getinfo comes once one wait is answered, maybe before the rest.
    by_id = {a["id"]: a for a in answers}
    assert set(by_id) == set(range(PENDING_PER_CONNECTION)) | {"next"}
    assert "result" in by_id.pop("next")
    assert all("error" in a for a in by_id.values())


def test_requests_past_the_total_pending_cap_are_refused(node):
    node.rpc("invoice", [1000, "held", "held", 10])
    socks = [node.connect_rpc() for _ in range(PENDING_TOTAL // PENDING_PER_CONNECTION)]
    try:
        for k, sock in enumerate(socks):
            sock.sendall(waitinvoice_requests("held", k * 1000, PENDING_PER_CONNECTION))
        # Once every one of them is read (and waits), the next is refused.
        held = "rpc: a client has {} requests pending".format(PENDING_PER_CONNECTION)
        wait_for(lambda: node.log().count(held) == len(socks), 30, what="every request read")
        error = node.call("waitinvoice", ["held"], timeout=10).get("error")
        assert error == {"code": -32000, "message": "Server busy: {} requests pending, the most "
                         "ohmd holds; try again once some are answered".format(PENDING_TOTAL)}
        node.wait_for_log(r"rpc: refusing a request: {} pending".format(PENDING_TOTAL))
        for sock in socks:
            assert len(read_all(sock, PENDING_PER_CONNECTION, timeout=20)) \
                == PENDING_PER_CONNECTION
    finally:
        for sock in socks:
            sock.close()
    assert_still_serving(node)
