"""./configure names the Debian package of a missing library.

Each case hides one library's pkg-config file (every other .pc file stays
visible) and runs the real configure script in a scratch build directory.
"""
import glob
import os
import shutil
import subprocess

import pytest

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def pc_dirs():
    out = subprocess.run(["pkg-config", "--variable", "pc_path", "pkg-config"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return [d for d in out.split(":") if os.path.isdir(d)]


@pytest.mark.parametrize("hidden, package", [
    (["libsodium"], "libsodium-dev"),
    (["libsecp256k1"], "libsecp256k1-dev"),
    (["sqlite3"], "libsqlite3-dev"),
    (["libevent_core", "libevent_extra"], "libevent-dev"),
    (["jansson"], "libjansson-dev"),
])
def test_configure_names_missing_package(tmp_path, hidden, package):
    configure = os.path.join(SRCDIR, "configure")
    if not os.access(configure, os.X_OK):
        pytest.skip("configure not generated (run autogen.sh)")
    pcdir = tmp_path / "pc"
    pcdir.mkdir()
    for d in pc_dirs():
        for pc in glob.glob(os.path.join(d, "*.pc")):
            name = os.path.basename(pc)[:-3]
            if name not in hidden and not (pcdir / os.path.basename(pc)).exists():
                shutil.copy(pc, pcdir)
    build = tmp_path / "build"
    build.mkdir()
    env = dict(os.environ, PKG_CONFIG_LIBDIR=str(pcdir), PKG_CONFIG_PATH="")
    result = subprocess.run([configure, "-q"], cwd=build, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "install the Debian package {}".format(package) in result.stderr, result.stderr
