"""Odds-ratio intervals no library provides fast enough: exact, mid-p, Cornfield, Woolf.

Private numerical core of :mod:`bmecohort.estimators.association.twobytwo` and
:mod:`bmecohort.estimators.association.reconstruct`. Cells are named as in the rest of the
package: ``a`` exposed cases, ``b`` exposed non-cases, ``c`` unexposed cases, ``d`` unexposed
non-cases. Conditional on the margins, ``a`` follows Fisher's noncentral hypergeometric
distribution with the odds ratio as noncentrality.

Exact and mid-p computations work in log space, as R's ``fisher.test`` does (``dnhyper``),
but on a window of the support rather than all of it, so that they scale to counts of 1e9:

* the log weights are cumulative sums of the log ratios of neighbouring terms, centred at
  the observed ``a`` (no ``lgamma`` of numbers near 1e9, whose rounding would swamp them);
* the window is ``a`` plus or minus ``z + 10`` conditional standard deviations. The
  distribution is log-concave, so the mass beyond a window edge is bounded by a geometric
  series; at every root that bound is checked to be below ``1e-16`` of the total (the
  window is widened otherwise). Within that tolerance the results *are* the exact ones;
* beyond :data:`EXACT_MAX_SD` (a conditional standard deviation of 2e4, never reached
  while all cells are at most 1e9) the window would hold over half a million points (a
  second or more) and the distribution is normal to many digits (at counts of 1e9 the
  approximation is already within 5e-10 relative of the exact limits): the estimate is then the sample odds ratio and the interval Cornfield's,
  with the continuity correction 1/2 for ``exact`` and without for ``mid-p`` (their
  normal approximations); callers label such results.

scipy's ``nchypergeom_fisher`` (BiasedUrn) is avoided: it aborts the whole process for some
tables at the extreme odds ratios a root search visits (seen here: SIGABRT inside
``_pmf1``), and scipy's conditional odds ratio took 67 s at counts of 1e5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy

__all__ = [
    "EXACT_MAX_SD",
    "conditional_odds_ratio",
    "cornfield_limits",
    "fisher_p_value",
    "midp_odds_ratio",
    "midp_p_value",
    "solve_decreasing",
    "woolf_limits",
]

#: brentq tolerance on log(odds ratio): limits to ~1e-13 relative precision.
_XTOL = 1e-13
#: Largest |log odds ratio| searched (odds ratios of e^200 are beyond any data).
_LOG_LIMIT = 200.0
#: Bisection for Cornfield: stop when every bracket is below double precision of A.
_BISECTION_STEPS = 200
_BISECTION_RTOL = 4 * np.finfo(float).eps
#: Conditional standard deviation of ``a`` above which exact and mid-p switch to their
#: normal approximations (sample odds ratio, Cornfield interval). Every table whose cells
#: are all at most 1e9 stays below it (its standard deviation is at most 1.6e4).
EXACT_MAX_SD = 2e4
#: Window half-width in standard deviations beyond the normal quantile of the interval.
_WINDOW_EXTRA_SD = 10.0
#: Largest mass allowed outside the window at a root, relative to the total.
_TAIL_TOLERANCE = 1e-16


def _sd_guess(a: float, b: float, c: float, d: float) -> float:
    """Large-sample conditional standard deviation of ``a`` (0.5 added to each cell)."""
    return float(1.0 / np.sqrt(1 / (a + .5) + 1 / (b + .5) + 1 / (c + .5) + 1 / (d + .5)))


@dataclass(frozen=True)
class _Window:
    """Support points ``x`` of ``a`` near the observed value, with central log weights.

    ``log_w[i] = log C(m1, x_i) C(N - m1, n1 - x_i) - (same at a)``; ``lo, hi`` are the
    ends of the full support, ``x[0], x[-1]`` those of the window.
    """

    a: int
    x: np.ndarray
    dx: np.ndarray
    log_w: np.ndarray
    lo: int
    hi: int
    n1: int
    m1: int
    n0: int

    @classmethod
    def around(cls, a: int, b: int, c: int, d: int, half_width: float) -> _Window:
        n1, n0, m1 = a + b, c + d, a + c
        lo, hi = max(0, m1 - n0), min(n1, m1)
        left = max(lo, a - int(np.ceil(half_width)))
        right = min(hi, a + int(np.ceil(half_width)))
        x = np.arange(left, right + 1, dtype=np.int64)
        # log of w(x+1)/w(x) = (n1 - x)(m1 - x) / ((x + 1)(n0 - m1 + x + 1)), for x < right
        step = cls._log_ratio(x[:-1], n1, m1, n0)
        log_w = np.concatenate([[0.0], np.cumsum(step)])
        log_w -= log_w[a - left]
        return cls(a, x, (x - a).astype(float), log_w, lo, hi, n1, m1, n0)

    @staticmethod
    def _log_ratio(x: np.ndarray, n1: int, m1: int, n0: int) -> np.ndarray:
        xf = np.asarray(x, dtype=float)
        # products stay below 2**63 and keep full relative precision as floats
        return np.log((n1 - xf) * (m1 - xf)) - np.log((xf + 1) * (n0 - m1 + xf + 1))

    def weights(self, log_psi: float) -> tuple[np.ndarray, float]:
        """Unnormalised probabilities (max 1) and the log of their scale factor."""
        log_p = self.dx * log_psi
        log_p += self.log_w
        top = float(log_p.max())
        log_p -= top
        return np.exp(log_p, out=log_p), top

    def tails(self, log_psi: float) -> tuple[float, float, float]:
        """``P(X < a), P(X = a), P(X > a)`` under odds ratio ``exp(log_psi)``."""
        p, _ = self.weights(log_psi)
        k = self.a - int(self.x[0])
        total = p.sum()
        return (float(p[:k].sum() / total), float(p[k] / total),
                float(p[k + 1:].sum() / total))

    def mean_minus_a(self, log_psi: float) -> float:
        """``E(X) - a`` under odds ratio ``exp(log_psi)`` (increasing in ``log_psi``)."""
        p, _ = self.weights(log_psi)
        # not np.dot: multithreaded BLAS is slower here than one pass, and erratic under load
        return float((p * self.dx).sum() / p.sum())

    def outside_mass(self, log_psi: float) -> float:
        """Upper bound on the mass beyond the window, relative to the mass inside it.

        The weights are log-concave, so beyond an edge they shrink at least as fast as the
        ratio of the edge term to its inner neighbour (a geometric series).
        """
        p, top = self.weights(log_psi)
        total = p.sum()
        bound = 0.0
        if self.x[-1] < self.hi:
            log_q = float(self._log_ratio(self.x[-1:], self.n1, self.m1, self.n0)[0]) + log_psi
            bound += np.inf if log_q >= 0 else p[-1] * np.exp(log_q) / -np.expm1(log_q)
        if self.x[0] > self.lo:
            # ratio w(x0 - 1) / w(x0) is the inverse of the forward ratio at x0 - 1
            log_q = -(float(self._log_ratio(self.x[:1] - 1, self.n1, self.m1, self.n0)[0])
                      + log_psi)
            bound += np.inf if log_q >= 0 else p[0] * np.exp(log_q) / -np.expm1(log_q)
        return float(bound / total)


def _solve_window(
    a: int, b: int, c: int, d: int, alpha: float,
    solve: Callable[[_Window], list[float]],
) -> list[float]:
    """Run ``solve`` on a window around ``a``, widening it until every root is certified.

    ``solve`` returns log odds ratios (``nan`` or infinite where there is no root); each
    finite one must leave at most :data:`_TAIL_TOLERANCE` of the mass outside the window.
    """
    half = (scipy.special.ndtri(1 - min(alpha, 0.5) / 2) + _WINDOW_EXTRA_SD) * _sd_guess(a, b, c, d)
    while True:
        window = _Window.around(a, b, c, d, half)
        roots = solve(window)
        full = window.x[0] == window.lo and window.x[-1] == window.hi
        if full or all(not np.isfinite(r) or window.outside_mass(r) <= _TAIL_TOLERANCE
                       for r in roots):
            return roots
        half *= 2


def _root(func: Callable[[float], float], start: float, step: float) -> float:
    return solve_decreasing(func, start, step=step)


def _normal_approximation(
    a: int, b: int, c: int, d: int, alpha: float, correction: float
) -> tuple[float, float, float]:
    """Sample odds ratio with Cornfield's interval (continuity ``correction``)."""
    lower, upper = cornfield_limits(a, b, c, d, alpha, correction=correction)
    return float(a * d / (b * c)), float(lower), float(upper)


def needs_normal_approximation(a: int, b: int, c: int, d: int) -> bool:
    """Whether the exact window would exceed :data:`EXACT_MAX_SD` (see the module notes)."""
    return _sd_guess(a, b, c, d) > EXACT_MAX_SD


def _starts(a: int, b: int, c: int, d: int, alpha: float) -> tuple[float, float, float, float]:
    """Woolf-type guesses of the log estimate and limits, and a bracketing step."""
    log_or = float(np.log((a + .5) * (d + .5) / ((b + .5) * (c + .5))))
    se = float(np.sqrt(1 / (a + .5) + 1 / (b + .5) + 1 / (c + .5) + 1 / (d + .5)))
    z = float(scipy.special.ndtri(1 - alpha / 2))
    return log_or, log_or - z * se, log_or + z * se, min(1.0, se)


def conditional_odds_ratio(
    a: int, b: int, c: int, d: int, alpha: float
) -> tuple[float, float, float]:
    r"""Conditional maximum-likelihood odds ratio and Fisher's exact interval (R ``fisher.test``).

    The estimate solves :math:`E_\psi(X) = a`, the lower limit
    :math:`P_\psi(X \ge a) = \alpha/2` and the upper limit :math:`P_\psi(X \le a) = \alpha/2`;
    at the edges of the support the estimate and one limit are 0 or infinity. Above
    :data:`EXACT_MAX_SD` it returns the normal approximation (see the module notes).

    Returns
    -------
    estimate, lower, upper : float
    """
    if needs_normal_approximation(a, b, c, d):
        return _normal_approximation(a, b, c, d, alpha, correction=0.5)
    start, low0, high0, step = _starts(a, b, c, d, alpha)
    half = alpha / 2

    def solve(w: _Window) -> list[float]:
        at_lo, at_hi = a == w.lo, a == w.hi

        def upper_tail(t: float) -> float:  # P(X >= a), increasing in t
            below, at, above = w.tails(t)
            return at + above

        def lower_tail(t: float) -> float:  # P(X <= a), decreasing in t
            below, at, above = w.tails(t)
            return below + at

        estimate = -np.inf if at_lo else np.inf if at_hi else _root(
            lambda t: -w.mean_minus_a(t), start, step)
        lower = -np.inf if at_lo else _root(lambda t: half - upper_tail(t), low0, step)
        upper = np.inf if at_hi else _root(lambda t: lower_tail(t) - half, high0, step)
        return [estimate, lower, upper]

    estimate, lower, upper = (float(np.exp(r)) for r in _solve_window(a, b, c, d, alpha, solve))
    return estimate, lower, upper


def midp_odds_ratio(a: int, b: int, c: int, d: int, alpha: float) -> tuple[float, float, float]:
    r"""Median-unbiased odds ratio and its mid-p exact interval.

    With :math:`F(\psi) = P_\psi(X < a) + \tfrac12 P_\psi(X = a)` under Fisher's noncentral
    hypergeometric distribution, the estimate solves :math:`F(\psi) = 1/2`, the lower limit
    :math:`1 - F(\psi) = \alpha/2` and the upper limit :math:`F(\psi) = \alpha/2`
    (Rothman & Greenland 1998, p. 251; epitools ``or.midp``). At the edges of the support
    the estimate and one limit are 0 or infinity. Above :data:`EXACT_MAX_SD` it returns the
    normal approximation (see the module notes).

    Returns
    -------
    estimate, lower, upper : float
    """
    if needs_normal_approximation(a, b, c, d):
        return _normal_approximation(a, b, c, d, alpha, correction=0.0)
    start, low0, high0, step = _starts(a, b, c, d, alpha)

    def solve(w: _Window) -> list[float]:
        at_lo, at_hi = a == w.lo, a == w.hi

        def below(t: float) -> float:  # F(psi), decreasing in t
            lo_, at, _ = w.tails(t)
            return lo_ + 0.5 * at

        def above(t: float) -> float:  # 1 - F(psi), computed directly, increasing in t
            _, at, hi_ = w.tails(t)
            return hi_ + 0.5 * at

        estimate = -np.inf if at_lo else np.inf if at_hi else _root(
            lambda t: below(t) - 0.5, start, step)
        lower = -np.inf if at_lo else _root(lambda t: alpha / 2 - above(t), low0, step)
        upper = np.inf if at_hi else _root(lambda t: below(t) - alpha / 2, high0, step)
        return [estimate, lower, upper]

    estimate, lower, upper = (float(np.exp(r)) for r in _solve_window(a, b, c, d, alpha, solve))
    return estimate, lower, upper


def solve_decreasing(func: Callable[[float], float], start: float, *, step: float = 1.0) -> float:
    """Root of a decreasing function on the log scale, bracketed by doubling steps from start.

    Returns ``nan`` when no sign change is found within ``|x| <= 200``.
    """
    first = step
    lo, hi = start - step, start + step
    while func(lo) < 0 and lo > -_LOG_LIMIT:
        lo, step = lo - step, step * 2
    step = first
    while func(hi) > 0 and hi < _LOG_LIMIT:
        hi, step = hi + step, step * 2
    lo, hi = max(lo, -_LOG_LIMIT), min(hi, _LOG_LIMIT)
    if func(lo) < 0 or func(hi) > 0:
        return float("nan")
    return float(scipy.optimize.brentq(func, lo, hi, xtol=_XTOL))


def midp_p_value(a: int, b: int, c: int, d: int) -> float:
    r"""Two-sided mid-p exact test of odds ratio 1: :math:`2\min(F, 1 - F)` at :math:`\psi=1`.

    ``F`` as in :func:`midp_odds_ratio`, under the central hypergeometric distribution
    (epitools ``ormidp.test``); both tails are computed directly, so that tiny p-values do
    not cancel to 0.
    """
    total, m1, n1 = a + b + c + d, a + c, a + b
    point = scipy.stats.hypergeom.pmf(a, total, m1, n1)
    below = scipy.stats.hypergeom.cdf(a - 1, total, m1, n1) + 0.5 * point
    above = scipy.stats.hypergeom.sf(a, total, m1, n1) + 0.5 * point
    return float(min(1.0, 2.0 * min(below, above)))


#: Largest total for scipy's ``fisher_exact``: it multiplies margins in int64.
_FISHER_SCIPY_MAX_TOTAL = 2**31


def fisher_p_value(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p-value (R ``fisher.test``), also beyond int64 margins.

    scipy's ``fisher_exact`` is used up to a total of 2**31; above it, its int64 products of
    margins overflow (a RuntimeWarning and a wrong mode), so the same rule is applied here
    in floating point: the tables no more probable than the observed one (relative
    tolerance 1e-7), found by bisection on the far side of the mode.
    """
    total, m1, n1 = a + b + c + d, a + c, a + b
    if total <= _FISHER_SCIPY_MAX_TOTAL:
        return float(scipy.stats.fisher_exact(np.array([[a, b], [c, d]], dtype=np.int64)).pvalue)
    dist = scipy.stats.hypergeom(total, m1, n1)
    lo, hi = max(0, m1 - (c + d)), min(n1, m1)
    mode = int((n1 + 1.0) * (m1 + 1.0) / (total + 2.0))
    limit = dist.logpmf(a) + np.log1p(1e-7)
    if a == mode:
        return 1.0

    def beyond(first: int, last: int, step: int) -> int:
        """First x from ``first`` towards ``last`` (pmf decreasing) with logpmf <= limit."""
        if dist.logpmf(first) <= limit:  # the mode is no more probable (a tie across it)
            return first
        if dist.logpmf(last) > limit:
            return last + step
        left, right = first, last  # invariant: logpmf(left) > limit >= logpmf(right)
        while abs(right - left) > 1:
            middle = (left + right) // 2
            left, right = (middle, right) if dist.logpmf(middle) > limit else (left, middle)
        return right

    if a < mode:
        x = beyond(mode, hi, 1)
        return float(min(1.0, dist.cdf(a) + (dist.sf(x - 1) if x <= hi else 0.0)))
    x = beyond(mode, lo, -1)
    return float(min(1.0, dist.sf(a - 1) + (dist.cdf(x) if x >= lo else 0.0)))


def woolf_limits(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Sample odds ratio and Woolf (logit) limits for arrays of tables.

    .. math:: \exp\{\log(ad/bc) \pm z_{1-\alpha/2}\sqrt{1/a + 1/b + 1/c + 1/d}\}

    Tables with a zero cell get ``nan`` limits (the Woolf interval is undefined there).
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    z = scipy.special.ndtri(1 - alpha / 2)
    positive = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (a * d) / (b * c)
        log_or = np.log(a) + np.log(d) - np.log(b) - np.log(c)
        half = z * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        lower = np.where(positive, np.exp(log_or - half), np.nan)
        upper = np.where(positive, np.exp(log_or + half), np.nan)
    return estimate, lower, upper


def cornfield_limits(
    a: np.ndarray | float, b: np.ndarray | float, c: np.ndarray | float,
    d: np.ndarray | float, alpha: float, *, correction: float = 0.0,
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
    z2 = scipy.special.ndtri(1 - alpha / 2) ** 2
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
