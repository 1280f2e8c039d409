"""tests/run-pytest, the integration runner tests/run uses: a test file that
fails at import costs only itself.  Each test writes a small suite into a
temporary directory and runs the runner on it.  No ohmd needed."""
import os
import subprocess
import sys

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "run-pytest")

GOOD = """
def test_adds():
    assert 1 + 1 == 2


def test_writes(tmp_path):
    (tmp_path / "x").write_text("x")
    assert (tmp_path / "x").read_text() == "x"
"""


def run(directory):
    result = subprocess.run([sys.executable, RUNNER, str(directory / "junit.xml"),
                             "-rA", str(directory)],
                            cwd=str(directory), capture_output=True, text=True, timeout=120)
    return result.returncode, result.stdout


def test_a_file_that_fails_at_import_costs_only_itself(tmp_path):
    (tmp_path / "test_good.py").write_text(GOOD)
    (tmp_path / "test_missing_module.py").write_text(
        "import ohm_no_such_module  # noqa: F401\n\n\ndef test_never_runs():\n    pass\n")
    (tmp_path / "test_missing_file.py").write_text(
        "VECTORS = open('/nonexistent/ohm/vectors.json').read()\n\n\n"
        "def test_never_runs():\n    pass\n")
    (tmp_path / "test_last.py").write_text("def test_after_the_broken_ones():\n    pass\n")

    status, out = run(tmp_path)

    assert status != 0, out
    # Every test of the good files ran and passed, before and after the
    # broken ones in collection order ...
    assert "PASSED test_good.py::test_adds" in out, out
    assert "PASSED test_good.py::test_writes" in out, out
    assert "PASSED test_last.py::test_after_the_broken_ones" in out, out
    assert "Interrupted" not in out, out
    # ... each broken file is one failure, named ...
    assert "FAILED test_missing_module (the file did not collect" in out, out
    assert "FAILED test_missing_file (the file did not collect" in out, out
    assert "ModuleNotFoundError" in out and "FileNotFoundError" in out, out
    # ... and the last line counts them.
    assert out.splitlines()[-1] == "3 passed, 2 failed", out


def test_all_good_passes(tmp_path):
    (tmp_path / "test_good.py").write_text(GOOD)

    status, out = run(tmp_path)

    assert status == 0, out
    assert out.splitlines()[-1] == "2 passed, 0 failed", out


def test_a_failing_test_is_counted_and_fails_the_run(tmp_path):
    (tmp_path / "test_good.py").write_text(GOOD)
    (tmp_path / "test_bad.py").write_text("def test_wrong():\n    assert 1 == 2\n")

    status, out = run(tmp_path)

    assert status != 0, out
    assert out.splitlines()[-1] == "2 passed, 1 failed", out


def test_nothing_collected_is_a_failure(tmp_path):
    (tmp_path / "test_empty.py").write_text("X = 1\n")

    status, out = run(tmp_path)

    assert status != 0, out
    assert out.splitlines()[-1] == "0 passed, 1 failed", out
