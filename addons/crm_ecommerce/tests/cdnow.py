"""The CDNOW sample of the BG/NBD paper (tests/data/README.md): its
transaction log, and its calibration summary as the paper's authors
published it."""

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

DATA = Path(__file__).with_name("data")
# Weeks 1 to 39 (from 1 January 1997) calibrate, weeks 40 to 78 are held out.
CALIBRATION_END = date(1997, 9, 30)
HOLDOUT_END = date(1998, 6, 30)


def transactions():
    """[(customer, day, amount)] of CDNOW_sample.txt: one line per
    transaction (the master file's customer id, the sample's id, the date,
    the number of CDs and the amount in dollars)."""
    rows = []
    with (DATA / "CDNOW_sample.txt").open() as log:
        for line in log:
            _master, customer, day, _cds, amount = line.split()
            rows.append(
                (int(customer), date(int(day[:4]), int(day[4:6]), int(day[6:])), float(amount))
            )
    return rows


def purchase_days(rows):
    """{customer: {day: amount}}: the transactions of a day are one
    purchase, as the paper counts them."""
    days = defaultdict(lambda: defaultdict(float))
    for customer, day, amount in rows:
        days[customer][day] += amount
    return days


def calibration(rows, customers=None):
    """Per customer (sorted by id): x, t_x and T in days at the end of week
    39, the mean amount of the repeat purchases (0 without any), and the
    repeat purchases of the holdout weeks 40 to 78."""
    days = purchase_days(rows)
    result = []
    for customer in sorted(customers or days):
        bought = days[customer]
        before = sorted(day for day in bought if day <= CALIBRATION_END)
        first = before[0]
        repeat = [bought[day] for day in before[1:]]
        result.append(
            {
                "customer": customer,
                "x": len(before) - 1,
                "t_x": (before[-1] - first).days,
                "T": (CALIBRATION_END - first).days,
                "spend": sum(repeat) / len(repeat) if repeat else 0.0,
                "holdout": sum(1 for day in bought if CALIBRATION_END < day <= HOLDOUT_END),
            }
        )
    return result


def summary():
    """The published calibration summary, per customer: x, t_x and T in
    weeks (two decimals), and zbar, the mean amount of the repeat
    purchases."""
    with (DATA / "cdnow_customers_summary_with_transactions.csv").open() as handle:
        return [
            {
                "customer": int(row["ID"]),
                "x": int(row["x"]),
                "t_x": float(row["t_x"]),
                "T": float(row["T"]),
                "zbar": float(row["zbar"]),
            }
            for row in csv.DictReader(handle)
        ]
