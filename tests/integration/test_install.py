"""ohm installs like real software, and its documentation keeps up.

`make install DESTDIR=...` from the build directory puts the binaries, the
man pages, the example config, the systemd unit and ohm-cli's bash
completion under the configured directories; each page renders; the unit
passes systemd-analyze; every RPC command a running ohmd knows, with every
parameter, is in ohm-cli(1) and the completion, every option in
ohm-config(5); the release tarball holds every file git tracks.
"""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from ohmtest import BUILD, OHMD, OHM_CLI

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEVCHAIN = os.path.join(BUILD, "contrib", "devchain", "ohm-devchain")
PAGES = {"ohmd.8": "man8", "ohm-cli.1": "man1", "ohm-devchain.1": "man1",
         "ohm-config.5": "man5"}
DIRS = ("bindir", "mandir", "docdir", "systemdsystemunitdir", "bashcompletiondir")

# The make fragment that prints the install directories as configured.
PRINT_DIRS = "ohm-print-dirs:\n" + "".join(
    "\t@echo '{0}=$({0})'\n".format(d) for d in DIRS)


def package_version():
    with open(os.path.join(SRCDIR, "configure.ac")) as f:
        return re.search(r"AC_INIT\(\[ohm\],\s*\[([^]]+)\]", f.read()).group(1)


def make(*args, **kwargs):
    return subprocess.run(["make", "-s", "--no-print-directory", "-C", BUILD] + list(args),
                          capture_output=True, text=True, timeout=600, **kwargs)


def install_dirs():
    with tempfile.NamedTemporaryFile("w", suffix=".mk") as extra:
        extra.write(PRINT_DIRS)
        extra.flush()
        result = make("-f", "Makefile", "-f", extra.name, "ohm-print-dirs")
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


@pytest.fixture(scope="module")
def staged():
    """The build installed under a scratch DESTDIR: (destdir, dirs), where
    dirs maps each install directory to its staged path."""
    if not os.path.exists(os.path.join(BUILD, "Makefile")):
        pytest.skip("{} is not a configured build directory".format(BUILD))
    destdir = tempfile.mkdtemp(prefix="ohm-stage-", dir="/tmp")
    try:
        result = make("install", "DESTDIR=" + destdir)
        assert result.returncode == 0, result.stdout + result.stderr
        dirs = {name: destdir + path for name, path in install_dirs().items()}
        yield destdir, dirs
    finally:
        shutil.rmtree(destdir, ignore_errors=True)


def unescape(roff):
    """Page source as plain text: font changes gone, \\- as -."""
    text = re.sub(r"\\f[BIRP]", "", roff)
    text = text.replace("\\-", "-").replace("\\(dq", '"').replace("\\e", "\\")
    return text


def page_source(name):
    with open(os.path.join(SRCDIR, "doc", name + ".in")) as f:
        return unescape(f.read())


def test_install_puts_everything_under_the_prefix(staged):
    destdir, dirs = staged
    version = package_version()
    for program in ("ohmd", "ohm-cli", "ohm-devchain"):
        path = os.path.join(dirs["bindir"], program)
        assert os.access(path, os.X_OK), path
        result = subprocess.run([path, "--version"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("{} {}".format(program, version)), result.stdout
        result = subprocess.run([path, "--help"], capture_output=True, text=True)
        assert result.returncode == 0 and result.stdout.startswith("Usage: "), result.stdout
    for page, section in PAGES.items():
        path = os.path.join(dirs["mandir"], section, page)
        with open(path) as f:
            text = f.read()
        assert "@PACKAGE_VERSION@" not in text and "@docdir@" not in text
        assert '"ohm {}"'.format(version) in text
    assert os.path.isfile(os.path.join(dirs["docdir"], "examples", "ohmd.conf.example"))
    assert os.path.isfile(os.path.join(dirs["bashcompletiondir"], "ohm-cli"))
    with open(os.path.join(dirs["systemdsystemunitdir"], "ohmd.service")) as f:
        unit = f.read()
    bindir = dirs["bindir"][len(destdir):]
    assert "\nExecStart={}/ohmd --ohm-dir=/var/lib/ohm\n".format(bindir) in unit
    # Nothing escapes the staging directory: every file is under DESTDIR's
    # prefix (make install would have failed writing elsewhere as non-root,
    # but the tests may run as root).
    prefix_dirs = [dirs[d] for d in DIRS]
    for root, _, files in os.walk(destdir):
        for name in files:
            path = os.path.join(root, name)
            assert any(path.startswith(d + "/") for d in prefix_dirs), path


def test_uninstall_removes_everything(tmp_path):
    if not os.path.exists(os.path.join(BUILD, "Makefile")):
        pytest.skip("{} is not a configured build directory".format(BUILD))
    destdir = str(tmp_path / "stage")
    assert make("install", "DESTDIR=" + destdir).returncode == 0
    result = make("uninstall", "DESTDIR=" + destdir)
    assert result.returncode == 0, result.stderr
    left = [os.path.join(root, name) for root, _, files in os.walk(destdir) for name in files]
    assert left == []


def render(path):
    """The page as man (or groff) prints it, with warnings on; None if
    neither is installed."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    if shutil.which("man"):
        cmd = ["man", "--warnings", "-l", path]
    elif shutil.which("groff"):
        cmd = ["groff", "-man", "-Tutf8", "-ww", path]
    else:
        return None
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "{}: {}".format(path, result.stderr)
    return result.stdout


@pytest.mark.parametrize("page", sorted(PAGES))
def test_man_page_renders(staged, page):
    _, dirs = staged
    text = render(os.path.join(dirs["mandir"], PAGES[page], page))
    if text is None:
        pytest.skip("neither man nor groff is installed")
    name = page.rsplit(".", 1)[0]
    assert re.search(r"^NAME\n\s+{} - ".format(re.escape(name)), text, re.M), text[:400]
    assert "SEE ALSO" in text


def test_unit_has_the_sandbox():
    with open(os.path.join(SRCDIR, "contrib", "ohmd.service")) as f:
        lines = set(f.read().splitlines())
    for line in ("User=ohm", "Restart=on-failure", "NoNewPrivileges=yes",
                 "ProtectSystem=strict", "StateDirectory=ohm", "ReadWritePaths=/var/lib/ohm",
                 "PrivateTmp=yes", "ProtectHome=yes", "MemoryDenyWriteExecute=yes",
                 "PrivateDevices=yes", "ProtectKernelTunables=yes",
                 "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                 "ExecStart=/usr/bin/ohmd --ohm-dir=/var/lib/ohm"):
        assert line in lines, line
    assert not any(line.startswith("ExecStart=") and "--daemon" in line for line in lines)


def test_systemd_analyze_verifies_installed_unit(staged, tmp_path):
    """The installed unit, pointed at the staged ohmd, with the staged man
    pages for its Documentation= lines."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    destdir, dirs = staged
    with open(os.path.join(dirs["systemdsystemunitdir"], "ohmd.service")) as f:
        unit = f.read()
    bindir = dirs["bindir"][len(destdir):]
    unit = unit.replace("ExecStart=" + bindir, "ExecStart=" + dirs["bindir"])
    path = tmp_path / "ohmd.service"
    path.write_text(unit)
    env = dict(os.environ, MANPATH=dirs["mandir"])
    result = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True,
                            text=True, env=env, timeout=120)
    # Unknown keys are only warnings (exit 0): any output is a failure.
    assert result.returncode == 0 and result.stdout + result.stderr == "", \
        result.stdout + result.stderr


def commands_in_page(text):
    """{command: its text} for each .SS under a "... COMMANDS" section."""
    commands, section, current = {}, None, None
    for line in text.splitlines():
        if line.startswith(".SH "):
            section, current = line[4:].strip('"'), None
        elif line.startswith(".SS ") and section and section.endswith("COMMANDS"):
            current = line[4:].strip('"').split()[0]
            assert current not in commands, "{} documented twice".format(current)
            commands[current] = ""
        elif current:
            commands[current] += line + "\n"
    return commands


def completion_list(name):
    with open(os.path.join(SRCDIR, "contrib", "bash-completion", "ohm-cli")) as f:
        text = f.read()
    return set(re.search(r'{}="([^"]*)"'.format(name), text).group(1).split())


def test_every_rpc_command_is_documented(node):
    """ohm-cli(1) has each command ohmd serves, with each of its
    parameters, and the completion knows exactly those commands."""
    documented = commands_in_page(page_source("ohm-cli.1"))
    served = node.rpc("help")["help"]
    names = set()
    for entry in served:
        name = entry["command"].split()[0]
        names.add(name)
        assert name in documented, "{} is not in doc/ohm-cli.1.in".format(name)
        for param in entry.get("params", []):
            assert re.search(r"\b{}\b".format(re.escape(param["name"])), documented[name]), \
                "{}'s parameter {} is not in doc/ohm-cli.1.in".format(name, param["name"])
    assert set(documented) == names, "documented but not served: {}".format(
        set(documented) - names)
    assert completion_list("_ohm_cli_commands") == names


def ohmd_options():
    result = subprocess.run([OHMD, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    return re.findall(r"^  --([a-z0-9-]+)", result.stdout, re.M)


def test_every_option_is_documented(node):
    """ohm-config(5) has an entry for each option of ohmd --help and of
    listconfigs; ohmd(8) names each too."""
    config_page = page_source("ohm-config.5")
    ohmd_page = page_source("ohmd.8")
    options = set(ohmd_options()) - {"help", "version"}
    listed = set(node.rpc("listconfigs")["configs"])
    assert listed <= options
    for option in sorted(options):
        assert re.search(r"^\.(TP|TQ)\n\.BI? {}(=|$)".format(re.escape(option)),
                         config_page, re.M), "{} has no entry in ohm-config(5)".format(option)
        assert "--" + option in ohmd_page, "{} is not in ohmd(8)".format(option)
    # The example config only uses real options.
    with open(os.path.join(SRCDIR, "contrib", "ohmd.conf.example")) as f:
        keys = re.findall(r"^#?([a-z][a-z0-9-]*)(?:=|$)", f.read(), re.M)
    assert keys and set(keys) <= options, set(keys) - options


def test_example_config_starts_a_node(node_factory):
    """ohmd reads the shipped example as it is."""
    example = os.path.join(SRCDIR, "contrib", "ohmd.conf.example")
    node = node_factory.new("example", args=["--conf=" + example])
    configs = node.rpc("listconfigs")["configs"]
    assert configs["conf"] == {"value_str": example, "source": "cmdline"}


def cli_options(program):
    result = subprocess.run([program, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    # The option lines: "  -k, --keywords   ..." or "  --datadir DIR  ...".
    options = set()
    for short, long in re.findall(r"^ +(?:(-[a-zA-Z]), )?(--[a-z][a-z-]*)", result.stdout, re.M):
        options |= {long, short} - {""}
    return options


def test_cli_and_devchain_options_are_documented():
    cli_page = page_source("ohm-cli.1")
    options = cli_options(OHM_CLI)
    assert {"--ohm-dir", "--keywords", "-k", "--version", "-V"} <= options
    for option in options:
        assert re.search(r"(?<![\w-]){}(?![\w-])".format(re.escape(option)), cli_page), option
    completion = {o.rstrip("=") for o in completion_list("_ohm_cli_options")}
    assert completion == options
    devchain_page = page_source("ohm-devchain.1")
    for option in cli_options(DEVCHAIN):
        assert re.search(r"(?<![\w-]){}(?![\w-])".format(re.escape(option)),
                         devchain_page), option


COMPLETE = r'''
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_ohm_cli
printf '%s\n' "${COMPREPLY[@]}"
'''


@pytest.mark.parametrize("words, expected", [
    (["ohm-cli", "getin"], ["getinfo"]),
    (["ohm-cli", "--netw"], ["--network="]),
    (["ohm-cli", "--network=reg"], ["regtest"]),
    (["ohm-cli", "--network", "sig"], ["signet"]),
    (["ohm-cli", "--network", "=", "test"], ["testnet"]),
    (["ohm-cli", "-k", "fundch"], ["fundchannel"]),
    (["ohm-cli", "--network", "regtest", "listp"], ["listpeers", "listpeerchannels", "listpays"]),
    (["ohm-cli", "help", "waitinv"], ["waitinvoice"]),
    (["ohm-cli", "pay", "lnbc", "pa"], []),
])
def test_bash_completion(words, expected):
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    script = os.path.join(SRCDIR, "contrib", "bash-completion", "ohm-cli")
    result = subprocess.run(["bash", "-c", COMPLETE, "complete", script] + words,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert sorted(line for line in result.stdout.splitlines() if line) == sorted(expected)


def test_tarball_has_every_tracked_file(tmp_path):
    """make distdir copies every file git tracks (the tests, the docs, the
    scripts), so the release tarball can build and test itself."""
    if not shutil.which("git") or not os.path.exists(os.path.join(SRCDIR, ".git")):
        pytest.skip("not a git checkout")
    if not os.path.exists(os.path.join(BUILD, "Makefile")):
        pytest.skip("{} is not a configured build directory".format(BUILD))
    tracked = subprocess.run(["git", "-C", SRCDIR, "ls-files"], capture_output=True,
                             text=True, check=True).stdout.split()
    distdir = str(tmp_path / "ohm")
    result = make("distdir", "distdir=" + distdir)
    assert result.returncode == 0, result.stderr
    # Only git's and autogen's own files stay out.
    missing = [path for path in tracked if path not in (".gitignore", "m4/.keep")
               and not os.path.isfile(os.path.join(distdir, path))]
    assert missing == [], "not in EXTRA_DIST or any _SOURCES: {}".format(missing)
