"""DevChain: a real ohm-devchain process for integration tests.

ohm-devchain is ohm's local regtest chain; it answers Bitcoin Core's
JSON-RPC (contrib/devchain/).  Typical use:

    from devchain import DevChain, DevChainRpcError

    with DevChain() as chain:                  # started; always cleaned up
        hashes = chain.generate(101, address)  # mine, coinbases to address
        chain.rpc("sendrawtransaction", [tx_hex])
        chain.rpc("getblockcount")             # -> 102 after one more block

DevChain() picks a free port and a short datadir under /tmp, so several
chains can run at once.  rpc() speaks JSON-RPC 1.0 over HTTP basic auth
with the cookie (or with rpcuser/rpcpassword if given) and returns the
result, raising DevChainRpcError (with Core's .code and .message) on an
error.  stop() asks the chain to stop and returns its exit code; kill()
is SIGKILL; restart() starts it again on the same datadir and port;
cleanup() kills it and removes the datadir.

Binaries come from $OHM_BUILD (see ohmtest.py).
"""
import base64
import json
import os
import tempfile
import urllib.error
import urllib.request

from ohmtest import BUILD, ManagedProcess, RpcError, free_port

DEVCHAIN = os.path.join(BUILD, "contrib", "devchain", "ohm-devchain")


class DevChainRpcError(RpcError):
    """A JSON-RPC error: .code and .message as Core sends them."""

    def __init__(self, error, http_status=None):
        super().__init__(error)
        self.http_status = http_status


class DevChain(ManagedProcess):
    PROGRAM = "ohm-devchain"
    READY_CALL, READY_WHAT = "getblockcount", "ohm-devchain to answer"
    STOP_REPLY = "ohm-devchain stopping"
    RPC_DOWN = (OSError, DevChainRpcError)

    def __init__(self, datadir=None, port=None, rpcuser=None, rpcpassword=None,
                 args=()):
        # A short path: ohmd tests may put Unix sockets beside it.
        base_dir = tempfile.mkdtemp(prefix="dc-", dir="/tmp")
        super().__init__(base_dir, os.path.join(base_dir, "devchain.log"))
        self.datadir = datadir or os.path.join(self.base_dir, "chain")
        self.port = port or free_port()
        self.rpcuser = rpcuser
        self.rpcpassword = rpcpassword
        self.args = list(args)
        self._ids = 0

    # ---- Process ----

    def cmdline(self):
        cmd = [DEVCHAIN, "--datadir", self.datadir, "--rpcport", str(self.port)]
        if self.rpcuser is not None:
            cmd += ["--rpcuser", self.rpcuser, "--rpcpassword", self.rpcpassword]
        return cmd + self.args

    def start(self, wait=True):
        return self._launch(self.cmdline(), wait)

    def restart(self):
        """Stops (cleanly) and starts again on the same datadir and port."""
        rc = self.stop()
        assert rc == 0, "ohm-devchain exited {}:\n{}".format(rc, self.log()[-3000:])
        return self.start()

    def __enter__(self):
        if not self.proc:
            self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # ---- RPC ----

    def cookie(self):
        """The "__cookie__:<hex>" login from the datadir."""
        with open(os.path.join(self.datadir, ".cookie")) as f:
            return f.read().strip()

    def auth(self):
        if self.rpcuser is not None:
            return "{}:{}".format(self.rpcuser, self.rpcpassword)
        return self.cookie()

    def post(self, body, auth=None, path="/", method="POST", timeout=30):
        """Sends raw bytes; returns (HTTP status, headers, body bytes).
        auth is "user:password", or False for no Authorization header."""
        req = urllib.request.Request("http://127.0.0.1:{}{}".format(self.port, path),
                                     data=body, method=method)
        req.add_header("Content-Type", "application/json")
        if auth is not False:
            token = base64.b64encode((auth or self.auth()).encode()).decode()
            req.add_header("Authorization", "Basic " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def call(self, method, params=None, version=None, auth=None, timeout=30):
        """One request; returns (HTTP status, decoded reply).  version is
        None (JSON-RPC 1.0, no "jsonrpc" field) or "2.0"."""
        self._ids += 1
        request = {"id": self._ids, "method": method,
                   "params": [] if params is None else params}
        if version:
            request["jsonrpc"] = version
        status, _, body = self.post(json.dumps(request).encode(), auth=auth,
                                    timeout=timeout)
        return status, json.loads(body) if body else None

    def rpc(self, method, params=None, auth=None, timeout=60):
        """Calls method; returns its result or raises DevChainRpcError."""
        status, reply = self.call(method, params, auth=auth, timeout=timeout)
        if reply is None:
            raise DevChainRpcError({"code": None, "message": "HTTP {}".format(status)},
                                   status)
        if reply.get("error"):
            raise DevChainRpcError(reply["error"], status)
        return reply["result"]

    def generate(self, n, address):
        """Mines n blocks paying address; returns their hashes."""
        return self.rpc("generatetoaddress", [n, address])
