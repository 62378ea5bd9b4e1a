"""Predicted orders, probability of being active and customer value: the
BG/NBD model of repeat purchases (Fader, Hardie & Lee, 2005, "Counting your
customers the easy way: an alternative to the Pareto/NBD model", Marketing
Science 24(2)) and the Gamma-Gamma model of spend per order (Fader, Hardie &
Lee, 2005, "RFM and CLV: using iso-value curves for customer base analysis",
Journal of Marketing Research 42(4); Fader & Hardie, 2013, "The Gamma-Gamma
model of monetary value"), fitted by maximum likelihood.

Plain functions, no ORM. Each customer is described by three numbers in one
time unit (days or weeks): x, the repeat purchases (purchases after the
first); t_x, the time from the first purchase to the last; T, the time from
the first purchase to now. Every function works on numpy arrays, all
customers at once.

numpy and scipy are optional: the official odoo:18.0 image ships neither,
and installing the addon must not need them. They are imported when a
function runs, never when this module is imported; ``available()`` says
whether they can be.
"""

import math
from collections import namedtuple

# The fitted parameters. BG/NBD: purchase rates are gamma(r, alpha)
# distributed across customers, and the probability p of dropping out after
# each purchase is beta(a, b). Gamma-Gamma: spend per order is gamma(p, nu)
# for a customer, nu is gamma(q, v) across customers.
BgNbd = namedtuple("BgNbd", "r alpha a b log_likelihood")
GammaGamma = namedtuple("GammaGamma", "p q v log_likelihood")

# Parameters are searched on a log scale, within these bounds: far outside
# any shop's data, they keep the optimiser away from overflowing gammas.
LOG_BOUNDS = (-15.0, 15.0)
MAX_ITERATIONS = 2000
# A weak penalty on the squared log-parameters, added to the negative
# log-likelihood. Where the data put the maximum at infinity (customers who
# all buy at one pace send r and alpha there together, nobody dropping out
# sends a to 0), it keeps the optimum finite, so that the optimiser
# converges, within a few hundredths of the log-likelihood's supremum.
# Elsewhere it moves nothing that shows: on the CDNOW sample, no parameter
# by more than 0.02%. Reported log-likelihoods are without it.
PENALTY = 1e-3


class FitError(ValueError):
    """The data or the optimiser give no usable fit. ``code`` says why, for
    the caller's sentence; ``figures`` are the numbers it needs:

    * ``few_repeat``: fewer repeat customers than required
      (``repeat``, ``required``);
    * ``no_spread``: no time between first purchases and now (every order
      on one day);
    * ``no_spend``: no repeat customer with a positive spend per order;
    * ``not_converged``: the optimiser stopped without converging
      (``message``);
    * ``bad_parameters``: the maximum lies where the model has no finite
      prediction (``model``: a Gamma-Gamma q of 1 or less means an infinite
      expected spend).
    """

    def __init__(self, code, **figures):
        super().__init__(code, figures)
        self.code = code
        self.figures = figures


def available():
    """Whether numpy and scipy can be imported: predictions need both."""
    try:
        import numpy
        from scipy import optimize, special
    except ImportError:
        return False
    return all((numpy, optimize, special))


def _np():
    import numpy

    return numpy


def _minimize(func, start, **kwargs):
    """scipy.optimize.minimize, looked up when called (scipy is optional,
    and tests replace it to simulate an optimiser that fails)."""
    from scipy.optimize import minimize

    return minimize(func, start, **kwargs)


def compress(*columns):
    """The distinct rows of ``columns`` (arrays of one length) and how many
    times each occurs: the likelihood of a shop's customers is a weighted
    sum over far fewer rows (every one-time buyer of a given day is the
    same row)."""
    np = _np()
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)


# ----------------------------------------------------------------------
# BG/NBD
# ----------------------------------------------------------------------
def bgnbd_log_likelihood(params, x, t_x, T):
    """Each customer's log-likelihood (paper, equation 6, in logs):

    ln Γ(r+x) - ln Γ(r) + r ln alpha + ln B(a, b+x) - ln B(a, b)
    + ln[(alpha+T)^-(r+x) + δ(x>0) a/(b+x-1) (alpha+t_x)^-(r+x)]
    """
    from scipy.special import betaln, gammaln

    np = _np()
    r, alpha, a, b = params[:4]
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    repeat = x > 0
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    alive = -(r + x) * np.log(alpha + T)
    # The dropout term exists for repeat customers only (b+x-1 > 0 there).
    safe_x = np.where(repeat, x, 1.0)
    dropped = np.where(
        repeat,
        np.log(a) - np.log(b + safe_x - 1) - (r + safe_x) * np.log(alpha + t_x),
        -np.inf,
    )
    return head + np.logaddexp(alive, dropped)


def fit_bgnbd(x, t_x, T, start=None):
    """The BG/NBD parameters of maximum likelihood (r, alpha, a, b) and the
    log-likelihood, over all customers, one-time buyers included (x = 0).
    The search runs on the parameters' logarithms (they are positive), with
    L-BFGS-B, then Nelder-Mead from where it stopped when it did not
    converge. Raises FitError."""
    np = _np()
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    if not len(T) or float(np.max(T)) <= 0:
        raise FitError("no_spread")
    (ux, ut, uT), weights = compress(x, t_x, T)

    def log_likelihood(log_params):
        return np.dot(weights, bgnbd_log_likelihood(np.exp(log_params), ux, ut, uT))

    # Start: one purchase per mean customer age, a middling dropout.
    start = np.log(start if start is not None else (1.0, max(float(np.mean(T)), 1e-3), 1.0, 1.0))
    found = _optimise(log_likelihood, start)
    r, alpha, a, b = (float(v) for v in np.exp(found))
    return BgNbd(r, alpha, a, b, float(log_likelihood(found)))


def _optimise(log_likelihood, start):
    """The log-parameters that maximise ``log_likelihood`` (less PENALTY),
    from ``start``: L-BFGS-B, then Nelder-Mead from its end point when it
    did not converge; raises FitError("not_converged") when neither did, or
    the optimum is not finite."""
    np = _np()

    def objective(log_params):
        value = -log_likelihood(log_params) + PENALTY * np.dot(log_params, log_params)
        return value if np.isfinite(value) else 1e300

    bounds = [LOG_BOUNDS] * len(start)
    result = _minimize(
        objective,
        start,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": MAX_ITERATIONS, "ftol": 1e-12, "gtol": 1e-8},
    )
    if not result.success or not np.isfinite(result.fun) or result.fun >= 1e300:
        result = _minimize(
            objective,
            result.x if np.all(np.isfinite(result.x)) else start,
            method="Nelder-Mead",
            bounds=bounds,
            options={"maxiter": MAX_ITERATIONS * 2, "xatol": 1e-8, "fatol": 1e-10},
        )
    if not result.success or not np.isfinite(result.fun) or result.fun >= 1e300:
        raise FitError("not_converged", message=str(getattr(result, "message", "")))
    return result.x


def probability_alive(params, x, t_x, T):
    """P(still a customer | x, t_x, T) (paper, equation 11):
    1 / (1 + δ(x>0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)). A customer who never
    came back (x = 0) is certain to be active in this model: dropping out
    happens right after a purchase."""
    from scipy.special import expit

    np = _np()
    r, alpha, a, b = params[:4]
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    log_odds = (
        np.log(a)
        - np.log(b + safe_x - 1)
        + (r + safe_x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    return np.where(repeat, expit(-log_odds), 1.0)


def expected_purchases(params, t, x, t_x, T):
    """E[X(t) | x, t_x, T]: the expected purchases in the next ``t`` (paper,
    equation 10),

    (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
    * P(alive),  z = t/(alpha+T+t),

    with the hypergeometric function taken through Euler's transformation,
    (1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z),
    c = a+b+x-1, whose first two parameters do not grow with x: the series
    stays short and accurate for customers with many purchases."""
    from scipy.special import hyp2f1

    np = _np()
    r, alpha, a, b = params[:4]
    if abs(a - 1.0) < 1e-9:
        a = 1.0 + 1e-9  # the formula's limit at a = 1, numerically
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    z = t / (alpha + T + t)
    c = a + b + x - 1
    bracket = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
    return c / (a - 1) * bracket * probability_alive(params, x, t_x, T)


def median_wait(params, x, T):
    """The time from now within which half of the customers like this one
    who are still active buy again.

    Given the customer is active, nothing can end it before their next
    purchase (in BG/NBD a customer drops out only right after buying), so
    the wait is exponential at the customer's own rate λ, and λ given the
    history and being active is gamma(r+x, alpha+T). Mixed over λ, the wait W
    has P(W > w) = ((alpha+T)/(alpha+T+w))^(r+x), whose median is
    (alpha+T)(2^(1/(r+x)) - 1). The median is used rather than the mean: the
    mean is infinite for r+x ≤ 1 and dominated by the long tail otherwise.
    """
    np = _np()
    r, alpha = params[:2]
    x, T = (np.asarray(v, dtype=float) for v in (x, T))
    return (alpha + T) * np.expm1(math.log(2) / (r + x))


# ----------------------------------------------------------------------
# Gamma-Gamma
# ----------------------------------------------------------------------
def gamma_gamma_log_likelihood(params, x, m):
    """Each repeat customer's log-likelihood of their mean spend ``m`` over
    ``x`` purchases (Fader & Hardie 2013, equation 5, in logs):

    ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln v + (px-1) ln m + px ln x
    - (px+q) ln(v + m x)
    """
    from scipy.special import gammaln

    np = _np()
    p, q, v = params[:3]
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + m * x)
    )


def fit_gamma_gamma(x, m, start=None):
    """The Gamma-Gamma parameters of maximum likelihood (p, q, v) over the
    repeat customers (x > 0) with a positive mean spend ``m`` per repeat
    purchase. Raises FitError."""
    np = _np()
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    keep = (x > 0) & (m > 0)
    if not keep.any():
        raise FitError("no_spend")
    (ux, um), weights = compress(x[keep], m[keep])

    def log_likelihood(log_params):
        return np.dot(weights, gamma_gamma_log_likelihood(np.exp(log_params), ux, um))

    scale = float(np.mean(um))
    start = np.log(start if start is not None else (1.0, 2.0, scale))
    found = _optimise(log_likelihood, start)
    p, q, v = (float(value) for value in np.exp(found))
    if q <= 1:
        raise FitError("bad_parameters", model="gamma_gamma")
    return GammaGamma(p, q, v, float(log_likelihood(found)))


def expected_spend(params, x, m):
    """E[spend per order | x, m] (Fader & Hardie 2013, equation 6):
    (p (v + m x)) / (p x + q - 1), a weighted mean of the population's mean
    p v / (q - 1) and the customer's own mean m, with more weight on m the
    more purchases it rests on. Customers without repeat purchases get the
    population mean."""
    np = _np()
    p, q, v = params[:3]
    x, m = np.asarray(x, dtype=float), np.asarray(m, dtype=float)
    m = np.where(x > 0, m, 0.0)
    return p * (v + m * x) / (p * x + q - 1)


# ----------------------------------------------------------------------
# Everything a customer is shown
# ----------------------------------------------------------------------
def discounted_value(bgnbd, spend, x, t_x, T, *, periods, period, rate):
    """The value of the next ``periods`` periods of length ``period``
    (model units), each period's expected purchases times the expected
    spend per order, discounted at ``rate`` per period, paid at the end of
    the period in which the purchase falls."""
    np = _np()
    total = np.zeros(len(np.asarray(x)))
    before = np.zeros_like(total)
    for k in range(1, periods + 1):
        cumulative = expected_purchases(bgnbd, k * period, x, t_x, T)
        total += (cumulative - before) / (1 + rate) ** k
        before = cumulative
    return total * spend


def predict(bgnbd, gamma_gamma, x, t_x, T, *, spend, horizon, month, annual_rate):
    """Every figure shown on a customer, for all customers at once, from
    their history and ``spend`` (mean amount of their repeat purchases): a
    dict of arrays ``orders`` (expected purchases within ``horizon``),
    ``alive`` (probability of still being a customer), ``wait`` (median
    time to the next purchase if still a customer, see median_wait),
    ``spend`` (expected spend per order) and ``value`` (the next twelve
    ``month``s' value, discounted at ``annual_rate`` a year, compounded
    monthly). Times in the model's unit."""
    spend = expected_spend(gamma_gamma, x, spend)
    monthly = (1 + annual_rate) ** (1 / 12) - 1
    return {
        "orders": expected_purchases(bgnbd, horizon, x, t_x, T),
        "alive": probability_alive(bgnbd, x, t_x, T),
        "wait": median_wait(bgnbd, x, T),
        "spend": spend,
        "value": discounted_value(bgnbd, spend, x, t_x, T, periods=12, period=month, rate=monthly),
    }


def check_history(x, T, min_repeat):
    """Raise FitError when the customers' history can't support a fit:
    fewer than ``min_repeat`` repeat customers, or no time between the
    first purchases and now."""
    np = _np()
    x, T = np.asarray(x, dtype=float), np.asarray(T, dtype=float)
    repeat = int((x > 0).sum())
    if repeat < max(min_repeat, 1):
        raise FitError("few_repeat", repeat=repeat, required=max(min_repeat, 1))
    if not len(T) or float(T.max()) <= 0:
        raise FitError("no_spread")
