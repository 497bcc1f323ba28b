"""Odds-ratio intervals no library provides: mid-p exact, Cornfield, and vectorised Woolf.

Private numerical core of :mod:`bmecohort.estimators.association.twobytwo` and
:mod:`bmecohort.estimators.association.reconstruct`. Cells are named as in the rest of the package:
``a`` exposed cases, ``b`` exposed non-cases, ``c`` unexposed cases, ``d`` unexposed
non-cases. Conditional on the margins, ``a`` follows Fisher's noncentral hypergeometric
distribution with the odds ratio as noncentrality. Its probabilities are computed in log space
as R's ``fisher.test`` does (``dnhyper``): scipy's ``nchypergeom_fisher`` (BiasedUrn) aborts
the whole process for some tables at the extreme odds ratios a root search visits (seen
here: SIGABRT inside ``_pmf1``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize, special, stats

__all__ = [
    "cornfield_limits",
    "midp_odds_ratio",
    "midp_p_value",
    "solve_decreasing",
    "woolf_limits",
]

#: brentq tolerance on log(odds ratio): limits to ~1e-13 relative precision.
_XTOL = 1e-13
#: Largest |log odds ratio| searched; beyond it BiasedUrn's probabilities underflow.
_LOG_LIMIT = 200.0
#: Bisection for Cornfield: stop when every bracket is below double precision of A.
_BISECTION_STEPS = 200
_BISECTION_RTOL = 4 * np.finfo(float).eps


def _support(a: int, b: int, c: int, d: int) -> tuple[np.ndarray, int, int, int]:
    """Support of ``a`` given the margins, and (M, n, N) for nchypergeom_fisher."""
    n1, m1, total = a + b, a + c, a + b + c + d
    lo, hi = max(0, m1 - (c + d)), min(n1, m1)
    return np.arange(lo, hi + 1), total, m1, n1


def _lower_midp(a: int, b: int, c: int, d: int) -> Callable[[float], float]:
    """``psi -> P(X < a) + P(X = a) / 2`` under odds ratio ``psi`` (decreasing in psi)."""
    support, total, m1, n1 = _support(a, b, c, d)
    below, at = support < a, support == a
    # log of C(m1, x) C(total - m1, n1 - x): the central hypergeometric weights
    log_dc = stats.hypergeom.logpmf(support, total, m1, n1)

    def midp(log_psi: float) -> float:
        log_w = log_dc + log_psi * support
        pmf = np.exp(log_w - special.logsumexp(log_w))
        return float(pmf[below].sum() + 0.5 * pmf[at].sum())

    return midp


def solve_decreasing(func: Callable[[float], float], start: float) -> float:
    """Root of a decreasing function on the log scale, bracketed by doubling steps from start.

    Returns ``nan`` when no sign change is found within ``|x| <= 200``.
    """
    step, lo, hi = 1.0, start - 1.0, start + 1.0
    while func(lo) < 0 and lo > -_LOG_LIMIT:
        lo, step = lo - step, step * 2
    step = 1.0
    while func(hi) > 0 and hi < _LOG_LIMIT:
        hi, step = hi + step, step * 2
    lo, hi = max(lo, -_LOG_LIMIT), min(hi, _LOG_LIMIT)
    if func(lo) < 0 or func(hi) > 0:
        return float("nan")
    return float(optimize.brentq(func, lo, hi, xtol=_XTOL))


def midp_odds_ratio(a: int, b: int, c: int, d: int, alpha: float) -> tuple[float, float, float]:
    r"""Median-unbiased odds ratio and its mid-p exact interval.

    With :math:`F(\psi) = P_\psi(X < a) + \tfrac12 P_\psi(X = a)` under Fisher's noncentral
    hypergeometric distribution, the estimate solves :math:`F(\psi) = 1/2`, the lower limit
    :math:`1 - F(\psi) = \alpha/2` and the upper limit :math:`F(\psi) = \alpha/2`
    (Rothman & Greenland 1998, p. 251; epitools ``or.midp``). At the edges of the support
    the estimate and one limit are 0 or infinity.

    Returns
    -------
    estimate, lower, upper : float
    """
    support, *_ = _support(a, b, c, d)
    at_lo, at_hi = a == support[0], a == support[-1]
    midp = _lower_midp(a, b, c, d)
    # start the bracket near the sample odds ratio (0.5 added so that it is finite)
    start = float(np.log((a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))))
    estimate = 0.0 if at_lo else np.inf if at_hi else np.exp(
        solve_decreasing(lambda x: midp(x) - 0.5, start))
    lower = 0.0 if at_lo else np.exp(solve_decreasing(lambda x: midp(x) - (1 - alpha / 2), start))
    upper = np.inf if at_hi else np.exp(solve_decreasing(lambda x: midp(x) - alpha / 2, start))
    return float(estimate), float(lower), float(upper)


def midp_p_value(a: int, b: int, c: int, d: int) -> float:
    r"""Two-sided mid-p exact test of odds ratio 1: :math:`2\min(F, 1 - F)` at :math:`\psi=1`.

    ``F`` as in :func:`midp_odds_ratio`, under the central hypergeometric distribution
    (epitools ``ormidp.test``); both tails are computed directly, so that tiny p-values do
    not cancel to 0.
    """
    total, m1, n1 = a + b + c + d, a + c, a + b
    point = stats.hypergeom.pmf(a, total, m1, n1)
    below = stats.hypergeom.cdf(a - 1, total, m1, n1) + 0.5 * point
    above = stats.hypergeom.sf(a, total, m1, n1) + 0.5 * point
    return float(min(1.0, 2.0 * min(below, above)))


def woolf_limits(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Sample odds ratio and Woolf (logit) limits for arrays of tables.

    .. math:: \exp\{\log(ad/bc) \pm z_{1-\alpha/2}\sqrt{1/a + 1/b + 1/c + 1/d}\}

    Tables with a zero cell get ``nan`` limits (the Woolf interval is undefined there).
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    z = special.ndtri(1 - alpha / 2)
    positive = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (a * d) / (b * c)
        log_or = np.log(a) + np.log(d) - np.log(b) - np.log(c)
        half = z * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        lower = np.where(positive, np.exp(log_or - half), np.nan)
        upper = np.where(positive, np.exp(log_or + half), np.nan)
    return estimate, lower, upper


def cornfield_limits(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, alpha: float,
    *, correction: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Cornfield's (1956) limits, by default without continuity correction, for arrays of tables.

    With the margins fixed, let :math:`A` be the exposed-case count and
    :math:`B = n_1 - A`, :math:`C = m_1 - A`, :math:`D = n_0 - m_1 + A` the other cells.
    Each limit is the odds ratio :math:`AD/(BC)` at the solution of

    .. math:: (|a - A| - k)^2 \left(\tfrac1A + \tfrac1B + \tfrac1C + \tfrac1D\right)
              = z_{1-\alpha/2}^2

    below ``a`` (lower limit) and above ``a`` (upper limit), as Stata's
    ``cc, cornfield`` (continuity correction :math:`k` = ``correction``, 0 there; 1/2 gives
    the normal approximation to Fisher's exact limits). Solved by vectorised bisection on ``A`` (no library implements it).
    Counts may be non-integer (e.g. after a Haldane correction). When ``a`` sits at the
    edge of its range the lower limit is 0 or the upper limit infinite.
    """
    a, b, c, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c, d)))
    n1, n0, m1 = a + b, c + d, a + c
    z2 = special.ndtri(1 - alpha / 2) ** 2
    lo, hi = np.maximum(0.0, m1 - n0), np.minimum(n1, m1)

    def excess(big_a: np.ndarray) -> np.ndarray:
        # nan where a sits at an edge (empty bracket); those limits are set to 0 or inf below
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1 / big_a + 1 / (n1 - big_a) + 1 / (m1 - big_a) + 1 / (n0 - m1 + big_a)
            return np.maximum(np.abs(a - big_a) - correction, 0.0) ** 2 * inv - z2

    def odds_ratio_at(big_a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return big_a * (n0 - m1 + big_a) / ((n1 - big_a) * (m1 - big_a))

    def bisect(left: np.ndarray, right: np.ndarray, positive_left: bool) -> np.ndarray:
        # excess() is +inf at the far edge and -z^2 at a: keep the sign change bracketed
        for _ in range(_BISECTION_STEPS):
            mid = 0.5 * (left + right)
            above = excess(mid) > 0
            go_right = above if positive_left else ~above
            left, right = np.where(go_right, mid, left), np.where(go_right, right, mid)
            if np.all(right - left <= _BISECTION_RTOL * np.maximum(1.0, np.abs(right))):
                break
        return 0.5 * (left + right)

    lower = np.where(a <= lo, 0.0, odds_ratio_at(bisect(lo, a, positive_left=True)))
    upper = np.where(a >= hi, np.inf, odds_ratio_at(bisect(a, hi, positive_left=False)))
    return lower, upper
