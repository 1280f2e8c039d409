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
import signal
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


class OhmNode:
    def __init__(self, name="node", base_dir=None, network="regtest", args=()):
        # Short paths: a Unix socket path must fit in 108 bytes.
        self.base_dir = base_dir or tempfile.mkdtemp(prefix="ohm-", dir="/tmp")
        self.ohm_dir = os.path.join(self.base_dir, name)
        self.network = network
        self.net_dir = os.path.join(self.ohm_dir, network)
        self.rpc_path = os.path.join(self.net_dir, "ohm-rpc")
        self.log_path = os.path.join(self.base_dir, name + ".log")
        self.args = list(args)
        self.proc = None
        self.name = name
        self._log_file = None

    def cmdline(self, extra=()):
        return [OHMD, "--ohm-dir=" + self.ohm_dir, "--network=" + self.network,
                "--log-level=debug"] + self.args + list(extra)

    def start(self, extra=(), wait=True):
        os.makedirs(self.ohm_dir, exist_ok=True)
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmdline(extra), stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("ohmd exited with {} during start-up:\n{}".format(
                    self.proc.returncode, self.log()))
            try:
                self.rpc("getinfo")
                return True
            except (OSError, ConnectionError):
                return False
        wait_for(ready, timeout, what="ohmd to answer getinfo")

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern, timeout=10):
        return wait_for(lambda: re.search(pattern, self.log()), timeout,
                        what="log line /{}/".format(pattern))

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
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        try:
            assert self.rpc("stop") == "Shutdown complete"
        except (OSError, ConnectionError):
            self.proc.terminate()
        return self.wait_exit(timeout)

    def wait_exit(self, timeout=30):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        return rc

    def signal(self, signo):
        self.proc.send_signal(signo)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.base_dir, ignore_errors=True)


def assert_clean_exit(node, rc):
    """ohmd must exit 0 and, under sanitizers, report nothing."""
    log = node.log()
    assert "AddressSanitizer" not in log and "runtime error" not in log \
        and "LeakSanitizer" not in log, log[-4000:]
    assert rc == 0, "ohmd exited {}:\n{}".format(rc, log[-4000:])
