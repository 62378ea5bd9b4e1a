"""The screens' section of bench/RESULTS.md (bench/screens.py): measured
by bench/run.py at smoke size in tests/test_bench.py, whose section is
checked by ``check_screens_section``; run alone, bench/screens.py puts its
section in place of the file's own, and keeps the rest."""

import re
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent

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


def check_screens_section(text):
    """The section of every screen, measured at 1x and 2x."""
    section = text[text.index("## Screens at scale") :]
    following = re.search(r"^## ", section[3:], re.MULTILINE)
    section = section[: following.start() + 3] if following else section
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


def _results(ours_ms):
    screen = {
        "label": "Customer Insights list",
        "reference": "Contacts list",
        "budget": "screen",
        "ours_s": ours_ms / 1000,
        "reference_s": 0.010,
        "ratio": ours_ms / 10,
        "ours_queries": 9,
        "reference_queries": 6,
    }
    return {
        "screens": {"insights_list": screen},
        "peak_rss_mib": 100,
        "customer_orders": 12,
        "card_entries": 5000,
        "since": "2025-11-29",
    }


def test_screens_section_replaces_its_own(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import screens
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\nWritten by bench/run.py.\n\n"
        "## Screens at scale\n\nAn older run.\n\n## Another section\n\nKept.\n"
    )
    opts = SimpleNamespace(repeat=3, out=str(out))
    sizes = [{"customers": 300}, {"customers": 600}]
    ok = screens.report(opts, "python3 bench/screens.py", sizes, [_results(12), _results(12)], "pg")
    text = out.read_text()
    assert ok
    assert text.startswith("# Benchmark results\n") and "## Another section\n\nKept." in text
    assert "An older run" not in text and text.count("## Screens at scale") == 1
    assert "Times are medians of 3 runs" in text
    assert re.search(
        r"^\| Customer Insights list \(1x\), against Contacts list \| 12\.0 ms", text, re.M
    )
    # Over its budget (1.5x the reference): the run says so, and fails.
    assert not screens.report(opts, "c", sizes, [_results(20), _results(20)], "pg")
    assert "| **fail** |" in out.read_text()
