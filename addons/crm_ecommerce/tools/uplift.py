"""What a campaign caused: the mailed group's conversion rate against the
holdout's, as plain functions (no ORM), unit-tested against figures worked
out by hand."""

import hashlib
import math

# The two-sided 95% normal quantile.
Z_95 = 1.959963984540054


def in_holdout(seed, partner_id, percent):
    """Whether a customer is held out of a campaign: a stable draw from the
    campaign's seed and the customer's id, so that the same seed always
    holds out the same customers, whatever the order they are read in.
    Mirrors the SQL of crm.campaign._crm_freeze_members (md5 of
    "<seed>:<id>", its first 8 hex digits as a fraction of 2**32)."""
    digest = hashlib.md5(f"{seed}:{partner_id}".encode()).hexdigest()
    return int(digest[:8], 16) / 2**32 * 100 < percent


def two_proportion_interval(conv_a, n_a, conv_b, n_b, z=Z_95):
    """Rates of groups a (mailed) and b (holdout), their difference a - b
    (the uplift, in points of conversion rate), and its confidence
    interval by the unpooled normal approximation:

        d +/- z * sqrt(pa (1 - pa) / na + pb (1 - pb) / nb)

    Returns a dict (rate_a, rate_b, uplift, low, high); the interval is
    None when a group is empty, as nothing can be said then."""
    rate_a = conv_a / n_a if n_a else 0.0
    rate_b = conv_b / n_b if n_b else 0.0
    uplift = rate_a - rate_b
    if not n_a or not n_b:
        return {"rate_a": rate_a, "rate_b": rate_b, "uplift": uplift, "low": None, "high": None}
    margin = z * math.sqrt(rate_a * (1 - rate_a) / n_a + rate_b * (1 - rate_b) / n_b)
    return {
        "rate_a": rate_a,
        "rate_b": rate_b,
        "uplift": uplift,
        "low": uplift - margin,
        "high": uplift + margin,
    }
