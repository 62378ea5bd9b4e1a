"""Points arithmetic as plain functions: no ORM, unit-tested.

A rule the crons also apply in SQL has its SQL twin right below it, built
here from the same definition; a test checks that both agree on the same
entries."""

from dateutil.relativedelta import relativedelta

from odoo.tools import SQL


def split_points(total, weights, digits=2):
    """Split ``total`` points over weights (one per order line), rounding
    each share and giving the rounding remainder to the heaviest weight so
    that the shares add up to ``total`` exactly."""
    if not weights:
        return []
    weight_sum = sum(weights)
    if not weight_sum:
        shares = [0.0] * len(weights)
        shares[0] = round(total, digits)
        return shares
    shares = [round(total * w / weight_sum, digits) for w in weights]
    heaviest = max(range(len(weights)), key=lambda i: weights[i])
    shares[heaviest] = round(shares[heaviest] + total - sum(shares), digits)
    return shares


def consume_oldest_first(lots, amount):
    """Take ``amount`` from lots of points, oldest first.

    :param lots: [(lot id, remaining points)] sorted oldest first
    :return: ([(lot id, points taken)], points that could not be taken)
    """
    taken = []
    left = amount
    for lot_id, remaining in lots:
        if left <= 0:
            break
        take = min(remaining, left)
        if take > 0:
            taken.append((lot_id, take))
            left -= take
    return taken, max(left, 0.0)


def tier_for(tiers, measure):
    """The tier a customer reaches: the one with the highest threshold not
    above ``measure``; None below every threshold.

    :param tiers: [(tier id, threshold)]
    """
    reached = [(threshold, tier_id) for tier_id, threshold in tiers if measure >= threshold]
    return max(reached)[1] if reached else None


def capped_debit(balance, debit, allow_negative):
    """How much of ``debit`` may be taken from ``balance``: all of it when
    the program allows a negative balance, otherwise down to zero."""
    if allow_negative:
        return debit
    return max(min(debit, balance), 0.0)


def expiry_date(when, months):
    """The day points given at ``when`` (released, credited) expire:
    ``months`` later, the last day of a shorter month when the day is past
    it; False (never) when the program sets no months."""
    if not months:
        return False
    return (when + relativedelta(months=months)).date()


def expiry_date_sql(when, months):
    """SQL twin of :func:`expiry_date`, from the SQL expressions ``when``
    (a timestamp) and ``months`` (an integer); NULL for never. PostgreSQL
    adds months as relativedelta does (January 31 + 1 month is the last day
    of February)."""
    return SQL(
        "(CASE WHEN %(months)s > 0"
        " THEN (%(when)s + make_interval(months => %(months)s))::date END)",
        when=when,
        months=months,
    )


def released_points(points, pending_reversals):
    """What a pending entry holds once released: its points less what its
    pending reversals (negative) took back, never below zero; an entry that
    took points holds nothing."""
    return max(points + pending_reversals, 0.0) if points > 0 else 0.0


def released_points_sql(points, pending_reversals):
    """SQL twin of :func:`released_points`, from the SQL expressions
    ``points`` and ``pending_reversals`` (a sum, never NULL)."""
    return SQL(
        "(CASE WHEN %(points)s > 0 THEN GREATEST(%(points)s + %(reversals)s, 0) ELSE 0 END)",
        points=points,
        reversals=pending_reversals,
    )


def points_digits(points):
    """The decimals points are written with: none for whole points, as
    Odoo writes a card's points (loyalty.card._format_points), two
    otherwise."""
    return 0 if abs(points - round(points)) < 0.005 else 2


def point_value(rewards):
    """What one point is worth in money at the program's best reward that
    gives a fixed amount: a discount per point, or a fixed discount for the
    reward's points. Percentage discounts and free products depend on the
    order and give no fixed worth.

    :param rewards: [(discount mode, discount, required points)] of the
        program's discount rewards
    :return: the worth of one point, 0.0 when no reward gives one"""
    values = [
        discount if mode == "per_point" else discount / required
        for mode, discount, required in rewards
        if discount > 0 and (mode == "per_point" or (mode == "per_order" and required > 0))
    ]
    return max(values, default=0.0)


def next_tier(tiers, measure):
    """The next tier a customer can reach and what they miss to reach it:
    the lowest threshold above ``measure``; (None, 0.0) at the top.

    :param tiers: [(tier id, threshold)]"""
    above = sorted((threshold, tier_id) for tier_id, threshold in tiers if threshold > measure)
    if not above:
        return None, 0.0
    threshold, tier_id = above[0]
    return tier_id, round(threshold - measure, 2)


def group_history(entries):
    """One line per order and kind of entry, and one per entry without an
    order: what a customer reads as their history.

    :param entries: dicts with ``order`` (False without one), ``kind``,
        ``points``, ``state``, ``date``, ``expiry_date``, ``release_date``,
        ``reason``, newest first
    :return: one dict per line, newest first, with the points of the line
        (of its cancelled entries only when every entry was cancelled), its
        ``state`` (pending when any entry waits, cancelled when all were),
        its latest date and the earliest expiry and release dates"""
    lines = {}
    for index, entry in enumerate(entries):
        key = (entry["order"], entry["kind"]) if entry["order"] else ("entry", index)
        line = lines.setdefault(
            key,
            {
                "order": entry["order"],
                "kind": entry["kind"],
                "reason": entry["reason"],
                "date": entry["date"],
                "entries": [],
            },
        )
        line["date"] = max(line["date"], entry["date"])
        line["entries"].append(entry)
    for line in lines.values():
        live = [e for e in line["entries"] if e["state"] != "cancelled"]
        line["points"] = round(sum(e["points"] for e in live or line["entries"]), 2)
        states = {e["state"] for e in live}
        line["state"] = (
            "cancelled" if not live else "pending" if "pending" in states else "available"
        )
        line["expiry_date"] = min(
            (e["expiry_date"] for e in live if e["expiry_date"] and e["points"] > 0), default=False
        )
        line["release_date"] = min(
            (e["release_date"] for e in live if e["state"] == "pending" and e["release_date"]),
            default=False,
        )
        del line["entries"]
    return sorted(lines.values(), key=lambda line: line["date"], reverse=True)
