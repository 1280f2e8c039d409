"""A small library for driving real ohmd processes from pytest.

OhmNode starts ohmd on its own temporary directory, talks to it over the
real JSON-RPC socket (or through the real ohm-cli), and always cleans up.
Binaries come from $OHM_BUILD (a configured build directory).  Under the
sanitizer build, a daemon that reports a leak or undefined behaviour exits
non-zero, which stop() turns into a test failure.
"""
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

BUILD = os.environ.get("OHM_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
OHMD = os.path.join(BUILD, "daemon", "ohmd")
OHM_CLI = os.path.join(BUILD, "cli", "ohm-cli")

_ids = itertools.count(1)


class RpcError(Exception):
    def __init__(self, error):
        super().__init__("{}: {}".format(error.get("code"), error.get("message")))
        self.error = error
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data")


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=10.0, interval=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for " + what)
        time.sleep(interval)


def listening_node(node_factory, name=None, extra=()):
    """A started node from node_factory (conftest.py) that listens on a free
    127.0.0.1 port: .port and .id (its node id) are set."""
    port = free_port()
    node = node_factory.new(name, args=["--addr=127.0.0.1:{}".format(port)] + list(extra))
    node.port, node.id = port, node.rpc("getinfo")["id"]
    return node


def read_response(sock, timeout=10.0):
    """Reads one JSON message from sock (answers end with a newline)."""
    sock.settimeout(timeout)
    data = b""
    decoder = json.JSONDecoder()
    while True:
        text = data.decode("utf-8", errors="replace").lstrip()
        if text:
            try:
                obj, _ = decoder.raw_decode(text)
                return obj
            except ValueError:
                pass
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("daemon closed the connection; got {!r}".format(data[:200]))
        data += chunk


class RpcClient:
    """One persistent connection to a node's RPC socket (the benches'):
    requests go one at a time, each answered before the next is sent."""

    def __init__(self, node, timeout=300):
        self.sock = node.connect_rpc()
        self.timeout = timeout
        self.next_id = 0

    def rpc(self, method, params):
        self.next_id += 1
        request = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.sock.sendall(json.dumps(request).encode())
        response = read_response(self.sock, self.timeout)
        if response.get("id") != self.next_id:
            raise ConnectionError("answer to the wrong request: {!r}".format(response))
        if "error" in response:
            raise RpcError(response["error"])
        return response["result"]

    def close(self):
        self.sock.close()


class ManagedProcess:
    """A child process of a test: started with its output appended to
    log_path, waited on until its RPC answers, stopped through its RPC (or
    SIGTERM, SIGKILL as the last resort), always reaped, its log file
    closed, and base_dir removed by cleanup().

    A subclass sets PROGRAM and READY_WHAT (for messages), READY_CALL (the
    RPC that tells it is up), STOP_REPLY (what its stop RPC answers) and RPC_DOWN (the
    exceptions that mean its RPC is not there), and has rpc() and
    cmdline()."""
    PROGRAM = READY_CALL = READY_WHAT = STOP_REPLY = None
    RPC_DOWN = (OSError,)

    def __init__(self, base_dir, log_path):
        self.base_dir = base_dir
        self.log_path = log_path
        self.proc = None
        self._log_file = None

    def _launch(self, cmd, wait):
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("{} exited with {} during start-up:\n{}".format(
                    self.PROGRAM, self.proc.returncode, self.log()))
            try:
                self.rpc(self.READY_CALL)
                return True
            except self.RPC_DOWN:
                return False
        wait_for(ready, timeout, what=self.READY_WHAT)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern, timeout=10):
        return wait_for(lambda: re.search(pattern, self.log()), timeout,
                        what="log line /{}/".format(pattern))

    def stop(self, timeout=30):
        """Stops through the stop RPC; returns the exit code."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        try:
            assert self.rpc("stop") == self.STOP_REPLY
        except self.RPC_DOWN:
            self.proc.terminate()
        return self.wait_exit(timeout)

    def wait_exit(self, timeout=30):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self._close_log()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _close_log(self):
        if self._log_file:
            self._log_file.close()
            self._log_file = None


class OhmNode(ManagedProcess):
    PROGRAM = "ohmd"
    READY_CALL, READY_WHAT = "getinfo", "ohmd to answer getinfo"
    STOP_REPLY = "Shutdown complete"
    RPC_DOWN = (OSError, ConnectionError)

    def __init__(self, name="node", base_dir=None, network="regtest", args=()):
        # Short paths: a Unix socket path must fit in 108 bytes.
        base_dir = base_dir or tempfile.mkdtemp(prefix="ohm-", dir="/tmp")
        super().__init__(base_dir, os.path.join(base_dir, name + ".log"))
        self.ohm_dir = os.path.join(self.base_dir, name)
        self.network = network
        self.net_dir = os.path.join(self.ohm_dir, network)
        self.rpc_path = os.path.join(self.net_dir, "ohm-rpc")
        self.args = list(args)
        self.name = name

    def cmdline(self, extra=()):
        return [OHMD, "--ohm-dir=" + self.ohm_dir, "--network=" + self.network,
                "--log-level=debug"] + self.args + list(extra)

    def start(self, extra=(), wait=True):
        os.makedirs(self.ohm_dir, exist_ok=True)
        return self._launch(self.cmdline(extra), wait)

    def connect_rpc(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(self.rpc_path)
        return sock

    def call(self, method, params=None, timeout=30):
        """Sends one request; returns the whole response object."""
        request = {"jsonrpc": "2.0", "id": next(_ids), "method": method}
        if params is not None:
            request["params"] = params
        with self.connect_rpc() as sock:
            sock.sendall(json.dumps(request).encode())
            response = read_response(sock, timeout)
        assert response.get("id") == request["id"], response
        return response

    def rpc(self, method, params=None, timeout=30):
        """Calls method; returns its result or raises RpcError."""
        response = self.call(method, params, timeout)
        if "error" in response:
            raise RpcError(response["error"])
        return response["result"]

    def cli(self, *args, input=None, timeout=30):
        """Runs ohm-cli against this node; returns the CompletedProcess."""
        cmd = [OHM_CLI, "--ohm-dir=" + self.ohm_dir, "--network=" + self.network] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)

    def stop(self, timeout=30):
        """Stops through the stop command; returns ohmd's exit code."""
        return super().stop(timeout)

    def signal(self, signo):
        self.proc.send_signal(signo)


def assert_clean_exit(proc, rc):
    """ohmd (or ohm-devchain: any ManagedProcess) must exit 0 and, under
    sanitizers, report nothing."""
    log = proc.log()
    assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]
    assert rc == 0, "{} exited {}:\n{}".format(proc.PROGRAM, rc, log[-4000:])
