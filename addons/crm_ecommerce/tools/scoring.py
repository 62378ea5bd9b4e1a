"""RFM segments and explainable scores as plain functions: no ORM."""

import math

SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("potential_loyalist", "Potential loyalist"),
    ("new", "New"),
    ("promising", "Promising"),
    ("needs_attention", "Needs attention"),
    ("about_to_sleep", "About to sleep"),
    ("at_risk", "At risk"),
    ("cant_lose", "Can't lose"),
    ("hibernating", "Hibernating"),
    ("lost", "Lost"),
]

# The usual RFM grid on recency (rows, 5 = most recent) and frequency
# (columns, 1..5).
_GRID = {
    5: ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
    4: ("promising", "potential_loyalist", "potential_loyalist", "champions", "champions"),
    3: ("about_to_sleep", "about_to_sleep", "needs_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "at_risk"),
    1: ("lost", "hibernating", "at_risk", "cant_lose", "cant_lose"),
}

# Points of the customer score the RFM scores can give (out of 100; the
# rest comes from the configurable rules).
RFM_WEIGHTS = {"recency": 32, "frequency": 24, "monetary": 24}


def tie_score(rank, distinct, single=1):
    """The 1..5 score of a value of dense rank ``rank`` (1 = lowest) among
    ``distinct`` distinct values: ceil(5 * rank / distinct), the lowest
    value always 1. Equal values share a score, a larger value never scores
    below a smaller one, and five distinct values or more use all five
    scores. When every customer has the same value, they all get
    ``single``. RFM_QUERY computes the same in SQL."""
    if distinct <= 1:
        return single
    if rank <= 1:
        return 1
    return math.ceil(5 * rank / distinct)


def tie_scores(values, single=1):
    """{value: score} of ``values`` under tie_score."""
    distinct = sorted(set(values))
    return {
        value: tie_score(rank, len(distinct), single)
        for rank, value in enumerate(distinct, start=1)
    }


def segment(recency_score, frequency_score):
    return _GRID[recency_score][frequency_score - 1]


def rfm_points(score, weight):
    """Points of one RFM dimension: 1 gives nothing, 5 gives the weight."""
    return round((score - 1) * weight / 4)


def clamp(value, low=0, high=100):
    return max(low, min(high, value))


def apply_caps(matches):
    """Rule points limited per group.

    :param matches: [(label, points, group label or None, group cap or 0)]
    :return: factors [(label, points)], with one "cap" factor per group whose
        rules together exceed its cap, so that the factors add up.
    """
    factors, totals, caps = [], {}, {}
    for label, points, group, cap in matches:
        factors.append((label, points))
        if group and cap:
            totals[group] = totals.get(group, 0) + points
            caps[group] = cap
    for group, total in totals.items():
        cap = caps[group]
        if abs(total) > cap:
            limited = cap if total > 0 else -cap
            factors.append((f"{group}: capped at {cap}", limited - total))
    return factors


def finish(factors):
    """The score 0..100 of factors, with a clamp factor when the sum falls
    outside, so that the breakdown always adds up to the score."""
    total = sum(points for _label, points in factors)
    score = clamp(total)
    if score != total:
        factors = [*factors, ("Kept within 0..100", score - total)]
    return score, factors


def band(score, hot, warm):
    if score >= hot:
        return "hot"
    if score >= warm:
        return "warm"
    return "cold"


def log_odds(won, lost):
    """The contribution of one field value in Odoo's predictive scoring:
    log of won/lost with add-one smoothing."""
    return math.log((won + 1) / (lost + 1))


def win_ratio(won, lost, won_total, lost_total):
    """How many times more often leads with a value were won than all the
    leads of the field (1 = as often), with add-one smoothing as in
    log_odds: the plain-words twin of its contribution."""
    rate = (won + 1) / (won + lost + 2)
    average = (won_total + 1) / (won_total + lost_total + 2)
    return rate / average
