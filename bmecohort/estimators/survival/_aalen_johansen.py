r"""The Aalen-Johansen cumulative incidence from counting-process increments, ties exact.

At each distinct time :math:`t_i` with :math:`n_i` at risk, :math:`d_i` events of any type and
:math:`d_{ki}` of type :math:`k`,

.. math::

    \hat S(t_i) = \prod_{j \le i} (1 - d_j / n_j), \qquad
    \hat F_k(t_i) = \sum_{j \le i} \hat S(t_{j-1})\, d_{kj} / n_j .

Events of several types tied at one time, and censorings tied with them, enter one step
together (censorings after the events: they are still at risk at :math:`t_i`), as in R's
multi-state ``survfit``; nothing is jittered and no random state is used.

The variance is the delta-method (Greenwood-type) estimator (Marubini & Valsecchi 1995,
eq. 10.11; Collett 2015, p. 411; SAS ``PROC LIFETEST``); its sums over :math:`j \le i` of
terms in :math:`(\hat F_k(t_i) - \hat F_k(t_j))` are expanded into cumulative sums, so the
whole curve is a handful of vector operations. When units cluster in persons the variance
is instead the infinitesimal jackknife grouped by person (:func:`_grouped_ij_variance`).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["cumulative_incidence"]


def cumulative_incidence(times: np.ndarray, interest: np.ndarray, event: np.ndarray,
                         alpha: float, groups: np.ndarray | None = None
                         ) -> dict[str, np.ndarray]:
    """Curve of the event of interest at every distinct time, with its log(-log) interval.

    Parameters
    ----------
    times : numpy.ndarray of float
        Time of each unit (event or censoring).
    interest : numpy.ndarray of bool
        The unit had the event of interest.
    event : numpy.ndarray of bool
        The unit had an event of any type (``interest`` implies ``event``).
    alpha : float
        One minus the confidence level.
    groups : numpy.ndarray or None, default=None
        Cluster of each unit (e.g. person): the variance is then the infinitesimal
        jackknife with influences summed by cluster (R multi-state ``survfit``'s
        ``influence.pstate`` summed by cluster) instead of the delta method.

    Returns
    -------
    dict of str to numpy.ndarray
        ``time, at_risk, events, competing, censored, estimate, variance, ci_lower,
        ci_upper`` at every distinct time.
    """
    distinct, order = np.unique(times, return_inverse=True)
    size = len(distinct)
    d_k = np.bincount(order, weights=interest.astype(float), minlength=size)
    d = np.bincount(order, weights=event.astype(float), minlength=size)
    leaving = np.bincount(order, minlength=size)
    n = len(times) - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    surv = np.cumprod(1.0 - d / n)
    before = np.concatenate(([1.0], surv[:-1]))  # S(t_{i-1})
    f = np.cumsum(before * d_k / n)

    # Var F(t_k) = sum_{i<=k} (F_k - F_i)^2 a_i + sum_{i<=k} b_i - 2 sum_{i<=k} (F_k - F_i) c_i
    # with a_i = d_i / (n_i (n_i - d_i)), b_i = S_{i-1}^2 d_ki (n_i - d_ki) / n_i^3 and
    # c_i = S_{i-1} d_ki / n_i^2. Where n_i = d_i the curve is flat from t_i on (no one left),
    # so F_k - F_i = 0 there and the term is 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(n > d, d / (n * (n - d)), 0.0)
    b = before**2 * d_k * (n - d_k) / n**3
    c = before * d_k / n**2
    a_sum, af_sum, aff_sum = np.cumsum(a), np.cumsum(a * f), np.cumsum(a * f * f)
    c_sum, cf_sum = np.cumsum(c), np.cumsum(c * f)
    variance = (f * f * a_sum - 2 * f * af_sum + aff_sum + np.cumsum(b)
                - 2 * (f * c_sum - cf_sum))
    variance = np.maximum(variance, 0.0)  # rounding below 0 where the true value is 0
    if groups is not None:
        variance = _grouped_ij_variance(order, size, interest, event, groups, n, d, d_k,
                                        before)
    low, high = _log_log_band(f, variance, alpha)
    return {
        "time": distinct, "at_risk": n, "events": d_k.astype(np.int64),
        "competing": (d - d_k).astype(np.int64), "censored": (leaving - d).astype(np.int64),
        "estimate": f, "variance": variance, "ci_lower": low, "ci_upper": high,
    }


#: Cells (clusters x distinct times) of one block of the grouped jackknife: bounds memory.
_BLOCK_CELLS = 4_000_000


def _grouped_ij_variance(k: np.ndarray, size: int, interest: np.ndarray, event: np.ndarray,
                         groups: np.ndarray, n: np.ndarray, d: np.ndarray, d_k: np.ndarray,
                         before: np.ndarray) -> np.ndarray:
    r"""Infinitesimal-jackknife variance of :math:`\hat F_k`, influences summed by cluster.

    The influence of unit :math:`i` on :math:`\hat F_k(t)` is
    :math:`\sum_{s \le t} \hat S(s-)\,[D_i(s-)\, d_k(s)/n(s) + (dN_{ki}(s) -
    Y_i(s)\, d_k(s)/n(s)) / n(s)]`, with :math:`D_i` the influence on
    :math:`\log\hat S` (as :mod:`._robust_km`); a cluster's influence is linear in its
    units' counts of times, events and events of interest, so it is built from those
    counts by cumulative sums over time, a block of clusters at a time.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = np.where(n > d, 1 / (n - d), 0.0)  # where n = d the curve is flat after
        b = np.where(n > d, d / (n * (n - d)), 0.0)
    cum_b = np.cumsum(b)
    a = before * d_k / n
    gid = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
    n_groups = int(gid.max()) + 1
    block = max(1, _BLOCK_CELLS // size)
    variance = np.zeros(size)
    for start in range(0, n_groups, block):  # blocks of clusters bound the memory
        rows = (gid >= start) & (gid < start + block)
        g = gid[rows] - start
        width = min(block, n_groups - start)
        flat = g * size + k[rows]

        def counts(values: np.ndarray, flat: np.ndarray = flat, width: int = width
                   ) -> np.ndarray:
            return np.bincount(flat, values, width * size).reshape(width, size)

        here = counts(np.ones(len(flat)))
        events, hits = counts(event[rows].astype(float)), counts(interest[rows].astype(float))
        at_risk = here[:, ::-1].cumsum(axis=1)[:, ::-1]
        log_surv = (-np.cumsum(events * jump, axis=1) + np.cumsum(here * cum_b, axis=1)
                    + (at_risk - here) * cum_b)
        log_surv_before = np.concatenate([np.zeros((width, 1)), log_surv[:, :-1]], axis=1)
        influence = (np.cumsum(a * log_surv_before, axis=1)
                     + np.cumsum(hits * (before / n), axis=1)
                     - np.cumsum(at_risk * (before * d_k / n**2), axis=1))
        variance += (influence**2).sum(axis=0)
    return variance


def _log_log_band(f: np.ndarray, variance: np.ndarray, alpha: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log) interval of a cumulative incidence with variance ``variance``."""
    z = stats.norm.ppf(1 - alpha / 2)
    inside = (f > 0) & (f < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_f = np.log(np.where(inside, f, 0.5))
        se = np.sqrt(variance) / (np.where(inside, f, 0.5) * np.abs(log_f))
        centre = np.log(-log_f)
        low = np.exp(-np.exp(centre + z * se))
        high = np.exp(-np.exp(centre - z * se))
    # log(-log F) is undefined at F = 0 (before the first event) and F = 1: a point there.
    return np.where(inside, low, f), np.where(inside, high, f)
