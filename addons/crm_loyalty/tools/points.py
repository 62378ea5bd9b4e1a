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
