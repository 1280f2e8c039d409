#!/usr/bin/env python3
"""Regenerates tests/vectors/ from a spec checkout: the test vectors ohm's
tests use, as JSON, each naming its source (document, section, and the BOLT
commit or the BIP file's SHA-256).

    contrib/extract-vectors.py SPEC_DIR [OUT_DIR]     (OUT_DIR: tests/vectors)
    contrib/extract-vectors.py --check SPEC_DIR [OUT_DIR]

SPEC_DIR holds bolts/ (the BOLT markdown, and SOURCE.txt naming its commit,
or a git checkout), bips/ (the BIP mediawiki files and
bip-0340-test-vectors.csv) and vectors/ (the BOLT vectors as JSON, see
vectors/README.md there).  --check writes nothing and exits 1 if any file
in OUT_DIR differs from what SPEC_DIR gives.  The parsing here mirrors what
the tests used to do on the spec text at run time; a section that moved or
a count that changed stops the script with an error, never a short file.
Standard library only."""
import hashlib
import json
import os
import re
import subprocess
import sys

# The BOLT vector files the tests read, taken as they are.
BOLT_JSON = [
    "bolt01-bigsize.json",
    "bolt01-signed-integers.json",
    "bolt01-tlv.json",
    "bolt03-commitment-tx-anchors.json",
    "bolt03-commitment-tx.json",
    "bolt03-funding-tx.json",
    "bolt03-key-derivation.json",
    "bolt03-per-commitment-secrets.json",
    "bolt04-blinded-payment-onion-test.json",
    "bolt04-onion-error-test.json",
    "bolt04-onion-test.json",
    "bolt07-extended-queries.json",
    "bolt08-transport.json",
    "bolt11-invoices.json",
]


class ExtractError(Exception):
    pass


def need(cond, what):
    if not cond:
        raise ExtractError(what)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def bolts_commit(spec):
    source = os.path.join(spec, "bolts", "SOURCE.txt")
    if os.path.exists(source):
        m = re.search(r"commit ([0-9a-f]{40})", read(source))
        need(m, "no commit in " + source)
        return m.group(1)
    try:
        return subprocess.check_output(["git", "-C", os.path.join(spec, "bolts"),
                                        "rev-parse", "HEAD"], text=True,
                                       stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        raise ExtractError("{}: no SOURCE.txt naming the BOLT commit, and not a git "
                           "checkout".format(os.path.join(spec, "bolts")))


def bip_header(spec, name, doc, section):
    """source, revision (the file's SHA-256: the BIPs carry no version) and
    license of a BIP file; the license from doc's own header."""
    path = os.path.join(spec, "bips", name)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    m = re.search(r"^\s*License:\s*(.+)$", read(os.path.join(spec, "bips", doc)),
                  re.M)
    need(m, "no License header in " + doc)
    number = int(re.search(r"bip-(\d+)", doc).group(1))
    return {"source": "BIP {} ({}), {}".format(number, name, section),
            "bip_file_sha256": digest,
            "license": m.group(1).strip()}


# ---- Text helpers, as tests/unit/vectors.h had them ----

def hex_after(text, marker, start=0):
    """(hex digits after the first marker at or after start, blanks
    skipped; where they start), or (None, -1)."""
    i = text.find(marker, start)
    if i < 0:
        return None, -1
    p = i + len(marker)
    while p < len(text) and text[p] in " \t\n":
        p += 1
    m = re.match(r"[0-9a-f]*", text[p:])
    return m.group(0), p


def hex_after_each(text, marker):
    out, p = [], 0
    while True:
        h, p = hex_after(text, marker, p)
        if h is None:
            return out
        out.append(h)


def mw_section(text, start):
    """From the line after the one holding start to the next line starting
    "==" (or the end)."""
    p = text.find(start)
    need(p >= 0, "section {!r} not found".format(start))
    nl = text.find("\n", p)
    p = nl + 1 if nl >= 0 else len(text)
    end = p
    while end < len(text):
        if text.startswith("==", end):
            break
        nl = text.find("\n", end)
        end = nl + 1 if nl >= 0 else len(text)
    return text[p:end]


def mw_bullets(text, start=0, end=None):
    """The "* " lines of text[start:end] (a line counts if it starts there)."""
    end = len(text) if end is None or end < 0 else end
    out, p = [], start
    while p < len(text) and p < end:
        nl = text.find("\n", p)
        line = text[p:nl] if nl >= 0 else text[p:]
        p = nl + 1 if nl >= 0 else len(text)
        if len(line) > 2 and line.startswith("* "):
            out.append(line)
    return out


def mw_tt(line, n):
    found = re.findall(r"<tt>(.*?)</tt>", line)
    return found[n] if len(found) > n else None


def expect_count(items, n, what):
    need(len(items) == n, "{}: {} found, the tests expect {}".format(what, len(items), n))
    return items


# ---- BIPs ----

def bip32(spec):
    text = read(os.path.join(spec, "bips", "bip-0032.mediawiki"))
    start, end = text.find("==Test Vectors=="), text.find("===Test vector 5===")
    need(0 <= start < end, "BIP32 test vector headings")

    def value(line, label):
        return re.match(r" *([^ \n]*)", line[len(label):]).group(1)

    vectors, path, pub = [], None, None
    for line in text[start:end].split("\n"):
        if line.startswith("Seed (hex):"):
            vectors.append({"seed": value(line, "Seed (hex):"), "chains": []})
        elif line.startswith("* Chain "):
            path = re.sub(r"</?sub>", "", line[8:])
        elif line.startswith("** ext pub:"):
            pub = value(line, "** ext pub:")
        elif line.startswith("** ext prv:"):
            need(vectors and path and pub, "BIP32: ext prv before seed, chain or pub")
            vectors[-1]["chains"].append({"chain": path, "ext_pub": pub,
                                          "ext_prv": value(line, "** ext prv:")})
    expect_count(vectors, 4, "BIP32 vectors 1 to 4")
    expect_count([c for v in vectors for c in v["chains"]], 17, "BIP32 chains")
    invalid = []
    for line in mw_bullets(mw_section(text, "===Test vector 5===")):
        m = re.match(r"\*\s*(\S+)\s*(.*)$", line)
        invalid.append({"key": m.group(1), "reason": m.group(2).strip("()")})
    expect_count(invalid, 16, "BIP32 test vector 5")
    out = bip_header(spec, "bip-0032.mediawiki", "bip-0032.mediawiki", "Test Vectors")
    out.update(vectors=vectors, invalid_keys=invalid)
    return out


def bech32_string(line):
    """A vector line's string as bytes: "0xNN + <tt>X</tt>" or
    "<tt>X</tt> + 0xNN" add that raw byte."""
    tt = mw_tt(line, 0)
    need(tt is not None, "no <tt> in " + line)
    s = tt.encode()
    pre, post = line.find("0x"), line.find("</tt> + 0x")
    m = re.match(r"0x([0-9a-fA-F]{1,2})", line[pre:]) if pre >= 0 else None
    if m and pre < line.find("<tt>"):
        return bytes([int(m.group(1), 16)]) + s
    m = re.match(r"0x([0-9a-fA-F]{1,2})", line[post + 8:]) if post >= 0 else None
    if m:
        return s + bytes([int(m.group(1), 16)])
    return s


def bech32_entry(line):
    b = bech32_string(line)
    m = re.search(r"</tt>(?: \+ 0x[0-9A-Fa-f]{2})?: (.*)$", line)
    out = ({"string": b.decode()} if all(0x21 <= c <= 0x7e for c in b)
           else {"string_hex": b.hex()})
    if m:
        out["reason"] = m.group(1)
    return out


def between(section, start_marker, end_marker):
    """Bullets from start_marker (or the section start) to end_marker (or
    the section end)."""
    start = 0 if start_marker is None else section.find(start_marker)
    need(start >= 0, "marker {!r} not found".format(start_marker))
    end = section.find(end_marker, start) if end_marker else -1
    return mw_bullets(section, start, end)


def addresses_valid(lines):
    return [{"address": mw_tt(l, 0), "script_pubkey": mw_tt(l, 1)} for l in lines]


def addresses_invalid(lines):
    out = []
    for l in lines:
        m = re.search(r"</tt>: (.*)$", l)
        out.append({"address": mw_tt(l, 0), "reason": m.group(1) if m else ""})
    return out


def address_vectors(out, sec, num_valid, num_invalid, bip):
    """out's address_valid and address_invalid, from a BIP173 or BIP350
    section that lists the valid addresses, then the invalid ones."""
    out["address_valid"] = expect_count(addresses_valid(
        between(sec, "The following list gives valid", "The following list gives invalid")),
        num_valid, bip + " valid addresses")
    out["address_invalid"] = expect_count(addresses_invalid(
        between(sec, "The following list gives invalid", None)),
        num_invalid, bip + " invalid addresses")


def bip173(spec):
    text = read(os.path.join(spec, "bips", "bip-0173.mediawiki"))
    sec = mw_section(text, "===Test vectors===")
    out = bip_header(spec, "bip-0173.mediawiki", "bip-0173.mediawiki", "Test vectors")
    out["bech32_valid"] = expect_count(
        [bech32_entry(l) for l in between(sec, None, "The following string are not valid")],
        7, "BIP173 valid Bech32")
    out["bech32_invalid"] = expect_count(
        [bech32_entry(l) for l in between(sec, "The following string are not valid Bech32",
                                          "The following list gives valid")],
        12, "BIP173 invalid Bech32")
    address_vectors(out, sec, 6, 10, "BIP173")
    return out


def bip350(spec):
    text = read(os.path.join(spec, "bips", "bip-0350.mediawiki"))
    sec = mw_section(text, "===Test vectors for Bech32m===")
    out = bip_header(spec, "bip-0350.mediawiki", "bip-0350.mediawiki",
                     "Test vectors for Bech32m; Test vectors for v0-v16 native segregated witness addresses")
    out["bech32m_valid"] = expect_count(
        [bech32_entry(l) for l in between(sec, None, "No string can be simultaneously")],
        7, "BIP350 valid Bech32m")
    out["bech32m_invalid"] = expect_count(
        [bech32_entry(l) for l in between(sec, "The following string are not valid Bech32m", None)],
        14, "BIP350 invalid Bech32m")
    sec = mw_section(text, "===Test vectors for v0-v16")
    address_vectors(out, sec, 8, 15, "BIP350")
    return out


def bip143(spec):
    text = read(os.path.join(spec, "bips", "bip-0143.mediawiki"))
    out = bip_header(spec, "bip-0143.mediawiki", "bip-0143.mediawiki", "Example")
    out["notes"] = ("Every transaction and sighash BIP143 prints, in order of appearance: "
                    "the hex after 'The following is an unsigned transaction:', "
                    "'The serialized signed transaction is:', '<code>FindAndDelete</code> "
                    "examples:', and every 'sigHash:' then every 'sighash:'.")
    out["unsigned_transactions"] = expect_count(
        hex_after_each(text, "The following is an unsigned transaction:"), 6,
        "BIP143 unsigned transactions")
    out["signed_transactions"] = expect_count(
        hex_after_each(text, "The serialized signed transaction is:"), 6,
        "BIP143 signed transactions")
    out["findanddelete_transactions"] = expect_count(
        hex_after_each(text, "<code>FindAndDelete</code> examples:"), 1,
        "BIP143 FindAndDelete transaction")
    out["sighashes"] = (hex_after_each(text, "sigHash:")
                        + hex_after_each(text, "sighash:"))
    return out


def bip340(spec):
    csv = read(os.path.join(spec, "bips", "bip-0340-test-vectors.csv"))
    lines = [l for l in re.split(r"[\r\n]+", csv) if l]
    rows = []
    for line in lines[1:]:
        f = line.split(",", 7)
        if len(f) < 7:
            continue
        rows.append({"index": f[0], "secret_key": f[1], "public_key": f[2],
                     "aux_rand": f[3], "message": f[4], "signature": f[5],
                     "verification_result": f[6] == "TRUE",
                     "comment": f[7] if len(f) > 7 else ""})
    expect_count(rows, 19, "BIP340 rows")
    out = bip_header(spec, "bip-0340-test-vectors.csv", "bip-0340.mediawiki",
                     "Test Vectors and Reference Code")
    out["source"] = "BIP 340 (bip-0340-test-vectors.csv), linked from Test Vectors and Reference Code"
    out["tests"] = rows
    return out


# ---- BOLTs ----

BOLTS_LICENSE = "CC-BY-4.0"


def bolts_license(spec):
    text = read(os.path.join(spec, "bolts", "README.md"))
    need("Creative Commons Attribution 4.0 International License" in text,
         "bolts/README.md no longer says CC-BY 4.0: check the license")
    return BOLTS_LICENSE


def bolt_header(commit, source):
    return {"source": source, "bolts_commit": commit, "license": BOLTS_LICENSE}


def bolt_json(spec, commit, name):
    """A vector file of vectors/, as it is but for a license member."""
    with open(os.path.join(spec, "vectors", name), encoding="utf-8") as f:
        data = json.load(f)
    need(isinstance(data, dict) and data.get("source"), name + ": no source")
    need(data.get("bolts_commit") == commit,
         "{}: bolts_commit {} is not bolts/ at {}".format(name, data.get("bolts_commit"), commit))
    out = bolt_header(commit, data["source"])
    out.update((k, v) for k, v in data.items() if k not in out)
    return out


MESSAGE_FILES = ["01-messaging.md", "02-peer-protocol.md", "07-routing-gossip.md"]


def message_definitions(spec, commit):
    """Every `1. type: N (`name`)` message and TLV record, with its
    [`type`:`name`] fields (what test_wire_spec compares wire/ with)."""
    defs = []
    for name in MESSAGE_FILES:
        stream, cur = "", None
        for line in read(os.path.join(spec, "bolts", name)).split("\n"):
            trimmed = line.lstrip(" \t")
            m_stream = re.match(r"1\.\s*`tlv_stream`:\s*`([^`]{1,79})", line)
            m_type = re.match(r"1\.\s*type:\s*(\d+)\s*\(`([^`]{1,79})", trimmed)
            m_field = re.match(r"\*\s*\[`([^`]{1,79})`:`([^`]{1,79})", trimmed)
            if m_stream:
                stream, cur = m_stream.group(1), None
            elif m_type:
                is_record = trimmed != line and stream != ""
                cur = {"file": name, "kind": "tlv_record" if is_record else "message"}
                if is_record:
                    cur["tlv_stream"] = stream
                cur.update(name=m_type.group(2), type=int(m_type.group(1)), fields=[])
                defs.append(cur)
            elif m_field:
                if cur is not None and len(cur["fields"]) < 64:
                    cur["fields"].append([m_field.group(1), m_field.group(2)])
            elif trimmed in ("", "2. data:", "2. types:"):
                continue
            else:
                # Prose ends a definition; unindented prose a stream.
                cur = None
                if trimmed == line:
                    stream = ""
    need(any(d["name"] == "open_channel" for d in defs), "no open_channel definition")
    out = bolt_header(commit, "BOLT 1, 2 and 7 ({}): every message and TLV record "
                      "definition".format(", ".join(MESSAGE_FILES)))
    out["definitions"] = defs
    return out


def feature_table(spec, commit):
    rows = []
    for line in read(os.path.join(spec, "bolts", "09-features.md")).split("\n"):
        if not line.startswith("|"):
            continue
        cells = [c.strip(" \t").rstrip().replace("`", "")
                 for c in line[1:].split("|")[:-1][:6]]
        if len(cells) < 5 or not re.match(r"\d+/\d+", cells[0]):
            continue
        rows.append({"bits": cells[0], "name": cells[1], "description": cells[2],
                     "context": cells[3], "dependencies": cells[4]})
    need(rows, "no rows in BOLT 9's table")
    out = bolt_header(commit, "BOLT 9 (09-features.md), the feature table")
    out["features"] = rows
    return out


def failure_messages(spec, commit):
    text = read(os.path.join(spec, "bolts", "04-onion-routing.md"))
    start = text.find("## Failure Messages")
    end = text.find("### Requirements", start)
    need(0 <= start < end, "BOLT 4 Failure Messages section")
    out, p = [], start
    while True:
        p = text.find("1. type: ", p)
        if p < 0 or p >= end:
            break
        line_end = text.find("\n", p)
        m = re.match(r"1\. type: (\S+) \(`([^`]*)`", text[p:line_end])
        need(m, "BOLT 4 failure line: " + text[p:line_end])
        fields = []
        lines = text[line_end + 1:].split("\n")
        if lines[0].startswith("2. data:"):
            for line in lines[1:]:
                f = re.match(r"   \* \[`([^`]*)`(?::`([^`]*)`)?", line)
                if not f:
                    break
                fields.append([f.group(1), f.group(2)])
        out.append({"type": m.group(1), "name": m.group(2), "data": fields})
        p = line_end
    expect_count(out, 22, "BOLT 4 failure messages")
    res = bolt_header(commit, "BOLT 4 (04-onion-routing.md), Failure Messages")
    res["notes"] = "type as the spec writes it: flags (BADONION, PERM, NODE, UPDATE) and a number, joined by |."
    res["failure_messages"] = out
    return res


def error_trace(spec, commit):
    text = read(os.path.join(spec, "bolts", "04-onion-routing.md"))
    blocks = [text.find("# creating error message")]
    need(blocks[0] >= 0, "no error trace in BOLT 4")
    for _ in range(5):
        blocks.append(text.find("# forwarding error packet", blocks[-1] + 1))
        need(blocks[-1] >= 0, "BOLT 4 trace: forwarding block missing")
    blocks.append(len(text))

    def value(b, label):
        h, at = hex_after(text, label + " = ", blocks[b])
        need(h is not None and at <= blocks[b + 1], "BOLT 4 trace: no " + label)
        return h

    out = bolt_header(commit, "BOLT 4 (04-onion-routing.md), Test Vector / Returning Errors")
    out["notes"] = ("The spec's trace: the failure created at node 4, then the "
                    "packet forwarded back by nodes 4 to 0.")
    out["creation"] = {k: value(0, k) for k in
                       ("encoded_failure_message", "payload", "shared_secret",
                        "um_key", "raw_error_packet")}
    out["forwarding"] = []
    for b in range(1, 6):
        node = 5 - b
        hop = {"node": node}
        hop.update({k: value(b, k) for k in ("shared_secret", "ammag_key", "stream")})
        h, _ = hex_after(text, "error packet for node {}:".format(node), blocks[b])
        need(h, "BOLT 4 trace: no error packet for node {}".format(node))
        hop["error_packet"] = h
        out["forwarding"].append(hop)
    return out


def extract(spec):
    """{file name: content bytes} for every file of tests/vectors/ but the
    README and local.mk (files.mk lists the others)."""
    commit = bolts_commit(spec)
    bolts_license(spec)
    files = {name: bolt_json(spec, commit, name) for name in BOLT_JSON}
    files.update({
        "bolt-message-definitions.json": message_definitions(spec, commit),
        "bolt09-feature-table.json": feature_table(spec, commit),
        "bolt04-failure-messages.json": failure_messages(spec, commit),
        "bolt04-returning-errors-trace.json": error_trace(spec, commit),
        "bip32-test-vectors.json": bip32(spec),
        "bip143-examples.json": bip143(spec),
        "bip173-test-vectors.json": bip173(spec),
        "bip340-test-vectors.json": bip340(spec),
        "bip350-test-vectors.json": bip350(spec),
    })
    out = {name: (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
           for name, data in files.items()}
    out["files.mk"] = ("# Generated by contrib/extract-vectors.py: every vector file, so the\n"
                       "# release tarball carries them.\n"
                       "OHM_VECTOR_FILES = \\\n"
                       + " \\\n".join("\ttests/vectors/" + n for n in sorted(files))
                       + "\n").encode()
    return out


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) not in (1, 2):
        sys.stderr.write(__doc__)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = args[1] if len(args) == 2 else os.path.join(here, "..", "tests", "vectors")
    try:
        files = extract(args[0])
    except (ExtractError, OSError, ValueError) as e:
        sys.stderr.write("extract-vectors: {}\n".format(e))
        return 1
    differ = []
    for name, data in sorted(files.items()):
        path = os.path.join(out_dir, name)
        old = open(path, "rb").read() if os.path.exists(path) else None
        if old == data:
            continue
        differ.append(name)
        if not check:
            with open(path, "wb") as f:
                f.write(data)
    known = set(files) | {"README.md", "local.mk"}
    stray = sorted(n for n in os.listdir(out_dir) if n not in known) if os.path.isdir(out_dir) else []
    for name in stray:
        print("extract-vectors: {} is not produced from the spec".format(name))
    for name in differ:
        print("extract-vectors: {} {}".format("differs:" if check else "wrote", name))
    if check:
        return 1 if differ or stray else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
