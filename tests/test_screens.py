"""The screens benchmark runs end to end at smoke size: a 1x and a 2x shop
generated, prepared, every screen and its reference measured, the section
written into RESULTS. Budgets are judged at full size (bench/RESULTS.md),
not on smoke data."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

SCREENS = (
    "Fulfilment kanban, by stage, 80 cards per column",
    "Returns list (Sales, Returns)",
    "Returns to Receive list (default filters)",
    "Customer Insights kanban, by segment, 80 cards per column",
    "Customer Insights list",
    "Fulfilment Times pivot, a year, stage x month",
    "Partner form of the customer with the most orders, all our tabs",
    "Quotation form of that customer, with Suggestions",
    "Loyalty card form, its ledger's first page and statement",
    "Portal /my/loyalty",
    "Portal /my/returns",
    "Portal order page with its timeline",
)


def test_screens_run_at_smoke_size(tmp_path):
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\nWritten by bench/run.py.\n\n## Another section\n\nKept.\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "screens.py"),
            "--customers",
            "300",
            "--lines",
            "3000",
            "--repeat",
            "1",
            "--out",
            str(out),
            "--prefix",
            f"crm_screens_{uuid.uuid4().hex[:6]}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env=dict(os.environ),
    )
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    text = out.read_text()
    # The section is added to what bench/run.py wrote, which stays.
    assert text.startswith("# Benchmark results\n") and "## Another section\n\nKept." in text
    section = text[text.index("## Screens at scale") :]
    for screen in SCREENS:
        time_row = re.search(
            rf"^\| {re.escape(screen)} \(1x\), against [^|]+ \| ([\d.]+) ms \(2x: [\d.]+ ms\) "
            rf"\| ([\d.]+) ms \(2x: [\d.]+ ms\) \| [\d.]+x \| <= (1\.5|2\.0)x "
            rf"\| (pass|\*\*fail\*\*) \|",
            section,
            re.MULTILINE,
        )
        assert time_row, screen
        assert float(time_row.group(1)) > 0 and float(time_row.group(2)) > 0
        queries = re.search(
            rf"^\| {re.escape(screen)}, queries at 1x and 2x \| (\d+) and (\d+) \| (\d+) and (\d+) \|",
            section,
            re.MULTILINE,
        )
        assert queries, screen
        assert all(int(count) > 0 for count in queries.groups()), screen
    assert section.count("| pass |") + section.count("| **fail** |") == 2 * len(SCREENS)
    # The pivots are budgeted as pivots, the rest as lists, kanbans and forms.
    assert section.count("| <= 2.0x |") == 1
    # The prepared shop: the customer's card holds the 5,000 entries the
    # ledger screen reads, and their orders are theirs on the portal.
    entries = re.search(r"a loyalty card of (\d+) ledger entries", section)
    assert entries and int(entries.group(1)) >= 5000, section
    orders = re.search(r"has (\d+)\s+orders", section)
    assert orders and int(orders.group(1)) > 0, section
