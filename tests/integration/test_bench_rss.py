"""bench/rss.py's smoke run: 40 real payments, memory sampled, a verdict
per node (the 100,000-payment run is not part of the suite)."""
import json
import os
import subprocess
import sys

from ohmtest import BUILD

SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_rss_bench_smoke_run():
    run = subprocess.run([sys.executable, os.path.join(SRCDIR, "bench", "rss.py"),
                          "--build", BUILD, "--payments", "40", "--sample", "10",
                          "--warmup", "10", "--workers", "4"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    samples = [line for line in lines if "verdict" not in line]
    verdicts = {line["verdict"]: line for line in lines if "verdict" in line}
    assert [s["payments"] for s in samples] == [0, 10, 20, 30, 40]
    for sample in samples:
        for node in ("a", "b"):
            assert 0 < sample[node]["vm_rss_kib"] <= sample[node]["vm_hwm_kib"]
    assert set(verdicts) == {"a", "b"}
    for node, verdict in verdicts.items():
        assert verdict["payments"] == 40 and verdict["failed"] == 0
        assert verdict["start_kib"] == samples[0][node]["vm_rss_kib"]
        assert verdict["end_kib"] == samples[-1][node]["vm_rss_kib"]
        assert isinstance(verdict["growth_kib_per_10k"], float)
