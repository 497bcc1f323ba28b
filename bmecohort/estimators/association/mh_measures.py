r"""Mantel-Haenszel risk ratio and risk difference, their tests and homogeneity tests.

The stratified measures statsmodels' ``StratifiedTable`` lacks (it pools only the odds
ratio), and the continuity-corrected CMH test with R's rule. Cells are K x 4 arrays in the
package's table order (``a`` exposed cases, ``b`` exposed non-cases, ``c`` unexposed cases,
``d`` unexposed non-cases), one row per stratum; with :math:`n_1 = a + b`,
:math:`n_0 = c + d`, :math:`m_1 = a + c` and :math:`N = n_1 + n_0` per stratum:

.. math::

    \widehat{RR}_{MH} = \frac{\sum a n_0 / N}{\sum c n_1 / N}, \qquad
    \widehat{\mathrm{Var}}(\log\widehat{RR}_{MH}) =
    \frac{\sum (m_1 n_1 n_0 / N^2 - a c / N)}{(\sum a n_0 / N)(\sum c n_1 / N)}

    \widehat{RD}_{MH} = \frac{\sum (a n_0 - c n_1) / N}{\sum n_1 n_0 / N}, \qquad
    \widehat{\mathrm{Var}}(\widehat{RD}_{MH}) =
    \frac{\sum (a b n_0^3 + c d n_1^3) / (n_1 n_0 N^2)}{(\sum n_1 n_0 / N)^2}

(Greenland and Robins 1985; epiR ``epi.2by2`` ``RR.mh.wald`` and ``ARisk.mh.green``; epiR
2.0.57's ``ARisk.mh.wald`` uses ``a*d`` and ``c*b`` where ``a*b`` and ``c*d`` belong, so its
intervals are not these). Both variances are dually consistent: valid for many small strata
and for few large ones.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = [
    "MEASURES",
    "cmh_test",
    "homogeneity_test",
    "pooled",
    "stratum_estimates",
]

#: Measures pooled by Mantel-Haenszel, with their display names.
MEASURES: dict[str, str] = {"or": "odds ratio", "rr": "risk ratio", "rd": "risk difference"}


def _columns(cells: np.ndarray) -> tuple[np.ndarray, ...]:
    a, b, c, d = (np.asarray(cells, dtype=float)[:, i] for i in range(4))
    return a, b, c, d, a + b, c + d, a + b + c + d


def pooled(cells: np.ndarray, measure: str, alpha: float) -> tuple[float, float, float]:
    """Mantel-Haenszel risk ratio (log-scale) or risk difference with Greenland-Robins limits.

    Returns ``(estimate, lower, upper)``; limits are ``nan`` when the variance is undefined
    (a risk ratio of 0 or infinity).
    """
    a, b, c, d, n1, n0, total = _columns(cells)
    z = special.ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "rr":
            r, s = np.sum(a * n0 / total), np.sum(c * n1 / total)
            estimate = r / s
            variance = np.sum((a + c) * n1 * n0 / total ** 2 - a * c / total) / (r * s)
            half = z * np.sqrt(variance)
            if not (np.isfinite(half) and 0 < estimate < np.inf):
                return float(estimate), float("nan"), float("nan")
            return (float(estimate), float(estimate * np.exp(-half)),
                    float(estimate * np.exp(half)))
        if measure == "rd":
            weight = np.sum(n1 * n0 / total)
            estimate = np.sum((a * n0 - c * n1) / total) / weight
            variance = np.sum((a * b * n0 ** 3 + c * d * n1 ** 3)
                              / (n1 * n0 * total ** 2)) / weight ** 2
            half = z * np.sqrt(variance)
            return float(estimate), float(estimate - half), float(estimate + half)
    raise ValueError(f"measure {measure!r} is not pooled here")


def stratum_estimates(
    cells: np.ndarray, measure: str, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each stratum's risk ratio (Katz) or risk difference (Wald), limits and variance.

    The variance is of the log risk ratio or of the difference; ``nan`` limits where it is
    undefined (no cases in a group for the risk ratio).
    """
    a, b, c, d, n1, n0, _ = _columns(cells)
    z = special.ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p0 = a / n1, c / n0
        if measure == "rr":
            estimate = p1 / p0
            variance = np.where((a > 0) & (c > 0), b / (a * n1) + d / (c * n0), np.nan)
            half = z * np.sqrt(variance)
            return estimate, estimate * np.exp(-half), estimate * np.exp(half), variance
        estimate = p1 - p0
        variance = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
        half = z * np.sqrt(variance)
        return estimate, estimate - half, estimate + half, variance


def homogeneity_test(cells: np.ndarray, measure: str) -> tuple[float, float]:
    r"""Woolf-type test that the stratum risk ratios (or differences) are equal.

    :math:`\sum_k w_k (\hat\theta_k - \bar\theta)^2` on ``K - 1`` df, with
    :math:`\hat\theta_k` the log risk ratio (or risk difference), :math:`w_k` its inverse
    Katz (Wald) variance and :math:`\bar\theta` their inverse-variance mean (epiR
    ``wRR.homog`` for the risk ratio). ``nan`` when a stratum's variance is 0 or undefined.
    """
    estimate, _, _, variance = stratum_estimates(cells, measure, 0.05)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(estimate) if measure == "rr" else estimate
        weight = 1 / variance
        if not np.all(np.isfinite(weight) & np.isfinite(theta)) or len(theta) < 2:
            return float("nan"), float("nan")
        mean = np.sum(weight * theta) / np.sum(weight)
        statistic = float(np.sum(weight * (theta - mean) ** 2))
    return statistic, float(stats.chi2.sf(statistic, len(theta) - 1))


def cmh_test(cells: np.ndarray, correction: bool) -> tuple[float, float]:
    r"""Cochran-Mantel-Haenszel test of no association, as R ``mantelhaen.test``.

    :math:`(|\sum_k a_k - E a_k| - \delta)^2 / \sum_k \mathrm{Var}(a_k)` with the
    hypergeometric mean and variance; :math:`\delta = 1/2` with ``correction`` when
    :math:`|\sum_k a_k - E a_k| \ge 1/2`, else 0 (R's rule; statsmodels subtracts 1/2
    always).
    """
    a, b, c, d, n1, n0, total = _columns(cells)
    m1, m0 = a + c, b + d
    delta = np.sum(a - n1 * m1 / total)
    variance = np.sum(n1 * n0 * m1 * m0 / (total ** 2 * (total - 1)))
    yates = 0.5 if correction and abs(delta) >= 0.5 else 0.0
    statistic = float((abs(delta) - yates) ** 2 / variance)
    return statistic, float(stats.chi2.sf(statistic, 1))
