#!/usr/bin/env python3
"""The layers of daemon/ (daemon/README.md), checked from the #include
lines: a file includes headers of its own subsystem folder or of a lower
layer, never of a higher one, so no include circle spans two folders; and
JSON (jansson) stays with the JSON-RPC transport and the commands.

    check_layers.py [SRCDIR]     (TAP on stdout; SRCDIR: $srcdir or .)

Layers, bottom up: the daemon's root (config, log, datadir); chain and
net (siblings: neither includes the other); wallet and gossip (siblings
too); onchain (the closed channels' resolvers); channels; htlcs; rpc
(the JSON-RPC transport); commands (the handlers) with ohmd.h, the context
they reach every subsystem through; ohmd.c, which wires everything.

Above daemon/'s own layers, the top-level folders: the pure floors
(common, crypto, wire, bitcoin; channel; gossip, which checks a funding
output against channel/'s script, and onchain, the on-chain resolver,
which may use crypto, wire, bitcoin and channel; then pay, whose
pathfinder walks gossip/'s graph), then db and daemon.  A file includes headers of its own folder or a lower floor."""
import os
import re
import sys

RANK = {"": 0, "chain": 1, "net": 1, "wallet": 2, "gossip": 2, "onchain": 3, "channels": 4,
        "htlcs": 5, "rpc": 6, "commands": 7, "ohmd": 8}
# Known crossings still to remove (each a TAP TODO, so the run passes while
# a new crossing fails it).
TODO = set()
# JSON that is not JSON-RPC shaping: the bitcoind client speaks JSON-RPC to
# bitcoind (so does txout, its short_channel_id lookup; chain_parse reads the
# answers); a payment's route is stored as JSON text (listsendpays shows it
# as stored).
JSON_ALLOWED = {"daemon/chain/bitcoind.c", "daemon/chain/bitcoind.h", "daemon/chain/txout.c",
                "daemon/chain/chain_parse.c", "daemon/chain/chain_parse.h",
                "daemon/htlcs/payments.c"}

TOP_RANK = {"common": 0, "crypto": 1, "wire": 2, "bitcoin": 3, "channel": 4, "gossip": 5,
            "onchain": 5, "pay": 6, "db": 7, "daemon": 8}
TOP_INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z]+)/[^"]+"', re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+"daemon/([^"]+)"', re.M)
JANSSON = re.compile(r'^\s*#\s*include\s+<jansson\.h>', re.M)


def folder(path):
    """The layer of a path under daemon/ ("" for the root)."""
    parts = path.split("/")
    if len(parts) == 1:
        # ohmd.h, the context the commands reach every subsystem through,
        # is theirs; ohmd.c, which wires everything, is above.
        return {"ohmd.h": "commands", "ohmd.c": "ohmd"}.get(parts[0], "")
    return parts[0]


def main():
    srcdir = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("srcdir", ".")
    base = os.path.join(srcdir, "daemon")
    crossings, json = [], []
    for dirpath, _, names in os.walk(base):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), base)
            with open(os.path.join(dirpath, name)) as f:
                text = f.read()
            src = folder(rel)
            if (JANSSON.search(text) and RANK[src] < RANK["rpc"]
                    and "daemon/" + rel not in JSON_ALLOWED):
                json.append(("daemon/" + rel, "<jansson.h>", src, "JSON"))
            for inc in INCLUDE.findall(text):
                dst = folder(inc)
                if dst != src and RANK[dst] >= RANK[src] and dst != "":
                    crossings.append(("daemon/" + rel, "daemon/" + inc, src, dst))
    top = []
    for src in TOP_RANK:
        for dirpath, _, names in os.walk(os.path.join(srcdir, src)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                with open(os.path.join(dirpath, name)) as f:
                    text = f.read()
                for dst in TOP_INCLUDE.findall(text):
                    if dst in TOP_RANK and dst != src and TOP_RANK[dst] >= TOP_RANK[src]:
                        top.append((os.path.join(src, name), dst + "/", src, dst))
    tests = [("no file includes a header of a higher or sibling layer", crossings),
             ("no top-level folder includes a higher or sibling one", top),
             ("no file below the JSON-RPC transport includes jansson", json)]
    print("1..{}".format(len(tests) + len(TODO)))
    n = 0
    for what, found in tests:
        n += 1
        new = [c for c in found if (c[0], c[1]) not in TODO]
        for c in found:
            print("# {} ({}) includes {} ({})".format(c[0], c[2] or "root", c[1], c[3] or "root"))
        print("{} {} - {}".format("ok" if not new else "not ok", n, what))
    for src, dst in sorted(TODO):
        n += 1
        still = any(c[0] == src and c[1] == dst for c in crossings + json)
        print("{} {} - {} does not include {} # TODO".format("not ok" if still else "ok", n, src, dst))


main()
