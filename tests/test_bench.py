"""The benchmark suite runs end to end at smoke size: data generated with its
invariants checked, every benchmark measured side by side, RESULTS written.
Budgets are judged at full size (bench/RESULTS.md), not on smoke data."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_bench_runs_at_smoke_size(tmp_path):
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--customers",
            "300",
            "--lines",
            "3000",
            "--out",
            str(out),
            "--prefix",
            f"crm_bench_{uuid.uuid4().hex[:6]}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
        env=dict(os.environ),
    )
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    text = out.read_text()
    for row in (
        "a. RFM",
        "b. order flow, queries",
        "b. order flow, time",
        "c. loyalty",
        "d. suggestions",
        "e. scaling of RFM",
        "e. scaling of loyalty",
        "e. scaling of suggestions",
    ):
        assert row in text, row
    assert "'customers': 300" in text and "'customers': 600" in text
    assert text.count("| pass |") + text.count("| **fail** |") == 11
