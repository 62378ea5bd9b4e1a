"""The checks of bench/load.py: how each is printed (Checks), what the
load's answers and the server's log say (report_load), and what the
database must hold after the load (check_shop): nothing lost or doubled,
no cron half-applied."""

import itertools
import math
import re
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import raw_cursor

# Pages of ours whose p95 may be at most twice that of /my/orders.
OUR_PAGES = ("/my/loyalty", "/my/returns", "return form", "return page")
LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ", re.MULTILINE)
# A query that failed to serialize: Odoo logs it as an error, then retries.
CONCURRENCY = ("could not serialize access", "deadlock detected", "could not obtain lock")
RETRY_LOG = re.compile(
    r"(SERIALIZATION_FAILURE|LOCK_NOT_AVAILABLE|DEADLOCK_DETECTED), \d+ tries left"
)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
class Checks:
    """Print each check with its numbers; remember the failed ones."""

    def __init__(self):
        self.failed = []

    def check(self, ok, what, judged=True):
        tag = "pass" if ok else ("FAIL" if judged else "over, not judged at smoke size")
        print(f"  [{tag}] {what}", flush=True)
        if judged and not ok:
            self.failed.append(what)


STARTED = time.monotonic()


def header(title):
    print(f"\n{title} [at {time.monotonic() - STARTED:.0f} s]", flush=True)


def query(db, statement, params=None):
    with raw_cursor(db) as cr:
        cr.execute(statement, params)
        return cr.fetchall()


def value(db, statement, params=None):
    return query(db, statement, params)[0][0]


def percentile(values, fraction):
    """Nearest-rank percentile of ``values`` (seconds), in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)] if ordered else 0.0


# ---------------------------------------------------------------------------
# What the load's answers and the server's log say
# ---------------------------------------------------------------------------
def wait_for_crons(db, crons, triggers, timeout=120):
    """{cron: (last call, next call, failures, calls)} once each cron that
    was triggered ran after its last trigger, or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        rows = query(
            db,
            "SELECT c.id, c.lastcall, c.nextcall, c.failure_count, (SELECT count(*)"
            " FROM ir_cron_progress p WHERE p.cron_id = c.id) FROM ir_cron c WHERE c.id = ANY(%s)",
            [list(crons.values())],
        )
        state = {row[0]: row[1:] for row in rows}
        result = {name: state[cron_id] for name, cron_id in crons.items()}
        ran = all(cron_outcome(triggers[name], row) != "unfinished" for name, row in result.items())
        if ran or time.monotonic() > deadline:
            return result
        time.sleep(1)


def cron_outcome(triggers, row):
    """What became of a cron after the load's ``triggers`` (its row of
    wait_for_crons): "untriggered" (no write of its next call reached the
    server: the bench's failure, not the addons'), "unfinished" (it did not
    run to the end after its last trigger), "failed" (it did, and failed:
    rolled back) or "ran"."""
    lastcall, nextcall, failures, _calls = row
    if not triggers:
        return "untriggered"
    if not (lastcall and lastcall >= triggers[-1] and nextcall > triggers[-1]):
        return "unfinished"
    return "failed" if failures else "ran"


def log_errors(log):
    """(errors, concurrency errors) of a server log: its ERROR and CRITICAL
    records, the queries that failed to serialize set apart."""
    starts = [m.start() for m in LOG_RECORD.finditer(log)] + [len(log)]
    records = [log[a:b] for a, b in itertools.pairwise(starts)]
    bad = [r for r in records if LOG_RECORD.match(r).group(1) in ("ERROR", "CRITICAL")]
    concurrency = [r for r in bad if "bad query" in r and any(c in r for c in CONCURRENCY)]
    return [r for r in bad if r not in concurrency], concurrency


def report_load(load, elapsed, log, opts, checks):
    by_label = defaultdict(list)
    for label, seconds, ok in load.samples:
        if ok:
            by_label[label].append(seconds)
    retries = len(RETRY_LOG.findall(log))
    gave_up = log.count("maximum number of tries reached")
    errors, concurrency = log_errors(log)
    print(
        f"  requests: {len(load.samples)} in {elapsed:.0f} s ({len(load.samples) / elapsed:.1f}/s), "
        f"errors: {len(load.errors)}, refused by the shop: {sum(load.refusals.values())}, "
        f"returns accepted: {len(load.returns)}, redemptions confirmed: {len(load.redemptions)}"
    )
    for reason, count in load.refusals.most_common():
        print(f"    refused {count}x: {reason}")
    for error in load.errors[:10]:
        print(f"    error: {error}")
    for record in errors[:10]:
        lines = [line for line in record.strip().splitlines() if line.strip()]
        cause = f"\n      {lines[-1][:300]}" if len(lines) > 1 else ""
        print(f"    server log: {lines[0][:300]}{cause}")
    reference = percentile(by_label["/my/orders"], 0.95)
    print("  page                requests   p50 ms   p95 ms   max ms   p95 / p95 of /my/orders")
    for label in ("/my/orders", *OUR_PAGES, "return request", "redeem (RPC)", "login"):
        times = by_label[label]
        p95 = percentile(times, 0.95)
        ratio = f"{p95 / reference:.2f}" if reference and times else "-"
        print(
            f"  {label:<18} {len(times):>9} {percentile(times, 0.5):>8.0f} {p95:>8.0f} "
            f"{percentile(times, 1.0):>8.0f}   {ratio}"
        )
    print(f"  Odoo's serialization retries (server log): {retries}, given up: {gave_up}")
    checks.check(
        not load.errors and not errors,
        f"errors other than Odoo's serialization retries: {len(load.errors)} in answers, "
        f"{len(errors)} in the server log ({len(concurrency)} queries that failed to serialize)",
    )
    checks.check(
        gave_up == 0, f"every serialization retry succeeded ({retries} retries, {gave_up} given up)"
    )
    checks.check(
        len(load.returns) > 0 and len(load.redemptions) > 0,
        f"the load wrote: {len(load.returns)} returns, {len(load.redemptions)} redemptions",
    )
    for label in OUR_PAGES:
        p95 = percentile(by_label[label], 0.95)
        checks.check(
            bool(by_label[label]) and p95 <= 2 * reference,
            f"p95 of {label} {p95:.0f} ms <= 2 x p95 of /my/orders ({2 * reference:.0f} ms)",
            judged=not opts.smoke,
        )


# ---------------------------------------------------------------------------
# The shop after the load
# ---------------------------------------------------------------------------
def check_shop(db, info, load, *, marks, triggers, crons, checks):
    """Nothing lost or doubled by the load, and no cron half-applied."""
    header("The shop after the load")
    check_returns(db, load, marks, checks)
    check_ledger(db, info, load, marks, checks)
    check_crons(db, triggers, crons, checks)


def check_returns(db, load, marks, checks):
    ids = [ret[0] for ret in load.returns]
    rows = query(
        db,
        "SELECT r.id, r.state, r.order_id, l.order_line_id, l.quantity FROM sale_return r"
        " JOIN sale_return_line l ON l.return_id = r.id WHERE r.id = ANY(%s)",
        [ids],
    )
    found = defaultdict(list)
    for ret_id, state, order_id, line_id, qty in rows:
        found[ret_id].append((state in ("requested", "approved"), order_id, line_id, float(qty)))
    kept = sum(found[r] == [(True, o, ln, q)] for r, o, ln, q in load.returns)
    written = value(db, "SELECT count(*) FROM sale_return WHERE id > %s", [marks["returns"]])
    checks.check(
        kept == len(load.returns) == len(set(ids)) == written,
        f"every accepted return request is in the database as asked: {kept} of "
        f"{len(load.returns)} accepted; {written} returns written during the load",
    )
    over = query(
        db,
        """
        SELECT count(*), count(*) FILTER (WHERE claimed > qty_delivered + 0.001
                                             OR asked > product_uom_qty + 0.001)
          FROM (SELECT sol.id, sol.qty_delivered, sol.product_uom_qty,
                       sum(l.quantity - l.qty_received)
                           FILTER (WHERE r.state IN ('requested', 'approved')) AS claimed,
                       sum(l.quantity) FILTER (WHERE r.state NOT IN ('draft', 'rejected', 'cancelled'))
                           AS asked
                  FROM sale_order_line sol
                  JOIN sale_return_line l ON l.order_line_id = sol.id
                  JOIN sale_return r ON r.id = l.return_id
              GROUP BY sol.id) s
        """,
    )[0]
    checks.check(
        over[1] == 0,
        f"no order line is over-returned: {over[1]} of the {over[0]} lines with returns "
        "claim more than delivered",
    )


def check_ledger(db, info, load, marks, checks):
    cards = query(
        db,
        """
        SELECT count(*),
               count(*) FILTER (WHERE round(c.points::numeric, 2)
                                      <> round(COALESCE(l.available, 0)::numeric, 2)),
               count(*) FILTER (WHERE round(c.points::numeric, 2)
                                      <> round(COALESCE(l.lots, 0)::numeric, 2)),
               (SELECT count(*) FROM loyalty_ledger
                 WHERE remaining < 0 OR (points > 0 AND remaining > points))
          FROM loyalty_card c
     LEFT JOIN (SELECT card_id, sum(points) FILTER (WHERE state = 'available') AS available,
                       sum(remaining) FILTER (WHERE state = 'available' AND points > 0) AS lots
                  FROM loyalty_ledger GROUP BY card_id) l ON l.card_id = c.id
         WHERE c.program_id = %s
        """,
        [info["program_id"]],
    )[0]
    checks.check(
        cards[1] == cards[2] == cards[3] == 0,
        f"every card equals the sum of its ledger: {cards[1]} of {cards[0]} cards differ from "
        f"their entries, {cards[2]} from their lots; {cards[3]} lots hold more than they got or "
        "less than nothing",
    )
    orders = query(
        db,
        """
        SELECT so.id, so.state,
               COALESCE((SELECT sum(points_cost) FROM sale_order_line
                          WHERE order_id = so.id AND reward_id IS NOT NULL), 0),
               (SELECT count(*) FROM loyalty_ledger WHERE order_id = so.id AND kind = 'redeem'),
               COALESCE((SELECT sum(points) FROM loyalty_ledger
                          WHERE order_id = so.id AND kind = 'redeem'), 0)
          FROM sale_order so WHERE so.id > %s
        """,
        [marks["orders"]],
    )
    confirmed = {oid for oid, state, cost, _n, _p in orders if state == "sale" and cost}
    wrong = [
        oid
        for oid, state, cost, count, points in orders
        if (oid in confirmed and (count != 1 or round(-points, 2) != round(cost, 2)))
        or (oid not in confirmed and count)
    ]
    checks.check(
        not wrong and confirmed == set(load.redemptions),
        f"no points were redeemed twice: {len(confirmed)} orders redeemed points, each once "
        f"({len(wrong)} with a wrong redemption; the salespeople saw {len(load.redemptions)} "
        f"confirmed, of {len(orders)} orders made)",
    )


def check_crons(db, triggers, crons, checks):
    for name, row in crons.items():
        lastcall, _nextcall, failures, calls = row
        outcome = cron_outcome(triggers[name], row)
        what = f"the {name} cron ran to the end after its last trigger"
        if outcome == "untriggered":
            checks.check(
                False,
                f"{what}: never triggered, no write of its next call reached the server "
                "(a failure of the bench, not of the addons)",
            )
            continue
        checks.check(
            outcome == "ran",
            f"{what} ({len(triggers[name])} triggers, {calls} calls, last at {lastcall}, "
            f"{failures} failures)",
        )
    never = datetime(1970, 1, 1)
    left = query(
        db,
        """
        SELECT (SELECT count(*) FROM loyalty_ledger
                 WHERE state = 'pending' AND release_date <= %(release)s),
               (SELECT count(*) FROM loyalty_ledger WHERE state = 'available' AND remaining > 0
                   AND expiry_date < %(expire)s::date),
               (SELECT count(*) FROM loyalty_ledger WHERE kind = 'expire')
        """,
        {name: (triggers[name] or [never])[-1] for name in ("release", "expire")},
    )[0]
    # A run that failed rolled back whole: what it had to do is still to do.
    failed = {name for name, (_l, _n, failures, _c) in crons.items() if failures}
    note = f" (runs that failed and rolled back: {', '.join(sorted(failed))})" if failed else ""
    checks.check(
        ("release" in failed or left[0] == 0) and ("expire" in failed or left[1] == 0),
        f"no half-applied loyalty run: {left[0]} entries due and still pending, {left[1]} lots "
        f"past expiry with points left, {left[2]} expire entries{note}",
    )


def check_rfm_after_load(state, outcome, checks):
    """``outcome``: what became of the RFM cron in the load (cron_outcome).
    Customers left unscored are the addon's failure when the cron ran to
    its end, the bench's when it was never triggered; a run that failed
    rolled back whole (its failure is the cron's check)."""
    header("The RFM cron's work during the load, read through the ORM")
    what = (
        f"no half-applied RFM run: {state['scored']} of {state['customers']} customers with "
        f"orders scored, {state['torn']} whose figures disagree with their signature or lack "
        "their breakdown or this month's score"
    )
    if outcome == "untriggered":
        checks.check(
            False,
            f"{what}; not judged: the RFM cron was never triggered during the load (a failure "
            "of the bench, not of the addons)",
        )
        return
    ok = state["torn"] == 0 and (outcome == "failed" or state["rfm"] == 0)
    notes = {
        "failed": " (its run failed and rolled back: scored customers not judged)",
        "unfinished": " (triggered, it did not run to the end after its last trigger)",
        "ran": ""
        if ok
        else "; the RFM cron ran to its end after its last trigger: a failure of the addon",
    }
    checks.check(ok, what + notes[outcome])
