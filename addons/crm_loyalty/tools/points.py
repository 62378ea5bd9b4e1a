"""Points arithmetic as plain functions: no ORM, unit-tested."""


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
