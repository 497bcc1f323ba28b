r"""Robust (infinitesimal-jackknife) variance of a weighted Kaplan-Meier curve.

lifelines' weighted Kaplan-Meier gives the product-limit estimate but a Greenwood variance
that treats the weights as counts (it warns so itself); R ``survival`` gives the
infinitesimal jackknife (``survfit(..., weights = w, cluster = id, robust = TRUE)``), which
no Python library offers, so it is computed here and checked against R to 1e-15
(``tests/reference/weights_occurrence``).

With weighted numbers at risk :math:`\bar Y(s)` and events :math:`\bar d(s)`,
:math:`\log\hat S(t) = \sum_{s \le t}\log(1 - \bar d(s)/\bar Y(s))`, and the derivative with
respect to the weight of unit :math:`i` (time :math:`t_i`, event :math:`e_i`) is

.. math::

    D_i(t) = -\frac{e_i\,1\{t_i \le t\}}{\bar Y(t_i) - \bar d(t_i)}
             + \sum_{s \le \min(t, t_i)} \frac{\bar d(s)}{\bar Y(s)(\bar Y(s) - \bar d(s))}.

The variance of :math:`\log\hat S(t)` is :math:`\sum_g \big(\sum_{i\in g} w_i D_i(t)\big)^2`
over clusters :math:`g` (each unit its own without clustering): the plain sandwich, no
small-sample factor, as R. It is accumulated over time in :math:`O(n \log n)`, without an
units-by-times matrix: a cluster's sum is :math:`P_g(t) + B(t) Q_g(t)`, with :math:`P_g` the
weighted :math:`D_i` of its units whose time has passed, :math:`Q_g` the weight of those
still at risk and :math:`B` the cumulative sum above.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Accounting
from ._lifelines import AT_RISK, CENSORED, TIME, check_times, run_lifelines, unit_of

__all__ = ["robust_log_survival_se", "weighted_curve"]


def robust_log_survival_se(
    times: np.ndarray, events: np.ndarray, weights: np.ndarray, groups: np.ndarray,
    grid: np.ndarray,
) -> np.ndarray:
    """Infinitesimal-jackknife standard error of :math:`\\log\\hat S` at each time of ``grid``.

    Parameters
    ----------
    times, events, weights : numpy.ndarray
        Per unit: time, event indicator (0/1), positive weight.
    groups : numpy.ndarray
        Integer cluster code per unit (``arange(n)`` for no clustering).
    grid : numpy.ndarray
        Sorted times holding every distinct value of ``times`` (may add others, e.g. 0).
    """
    t = np.asarray(times, float)
    e = np.asarray(events, float)
    w = np.asarray(weights, float)
    k = np.searchsorted(grid, t)
    size = len(grid)
    d = np.bincount(k, w * e, size)
    at_risk = np.bincount(k, w, size)[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = np.where(d > 0, 1 / (at_risk - d), 0.0)
        b = np.where(d > 0, d / (at_risk * (at_risk - d)), 0.0)
    cum_b = np.cumsum(b)
    c = -e * jump[k] + cum_b[k]  # D_i(t) once t >= t_i
    order = np.lexsort((t, np.asarray(groups)))
    g, kk, wc, ww = np.asarray(groups)[order], k[order], (w * c)[order], w[order]
    first = np.r_[True, g[1:] != g[:-1]]
    gid = np.cumsum(first) - 1
    total = np.bincount(gid, ww)
    # P, Q of the unit's cluster just after its time, and just before
    p_after = pd.Series(wc).groupby(gid).cumsum().to_numpy()
    q_after = total[gid] - pd.Series(ww).groupby(gid).cumsum().to_numpy()
    p_before = np.where(first, 0.0, np.r_[0.0, p_after[:-1]])
    q_before = np.where(first, total[gid], np.r_[0.0, q_after[:-1]])
    pp = np.bincount(kk, p_after**2 - p_before**2, size).cumsum()
    pq = np.bincount(kk, p_after * q_after - p_before * q_before, size).cumsum()
    qq = (total**2).sum() + np.bincount(kk, q_after**2 - q_before**2, size).cumsum()
    variance = pp + 2 * cum_b * pq + cum_b**2 * qq
    return np.sqrt(np.maximum(variance, 0.0))


def weighted_curve(
    data: pd.DataFrame, *, duration: str, event: str, alpha: float, label: str,
    conf_type: str, weights: str | None, cluster: str | None,
) -> dict[str, Any]:
    """The fields of a Kaplan-Meier result with weights and the robust variance.

    Rows missing the duration, event or cluster are excluded by :func:`prepare`; rows
    missing their weight after that are excluded as "missing <weights>".
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    from ..._checks import prepare
    from ..._clusters import carry, cluster_request, plan_clusters
    from ..._weights import effective_n, weight_values
    from .km_bands import band_frame, sigma_band

    column = cluster_request(data, cluster)
    kept = [c for c in [*carry(data), weights] if c is not None and c not in
            (duration, event, column)]
    frame, dropped = prepare(data, [c for c in (duration, event, column) if c is not None],
                             binary=[event], carry=kept)
    excluded = list(dropped)
    if weights is not None:
        values = weight_values(frame, weights)
        missing = np.isnan(values)
        frame, values = frame.loc[~missing], values[~missing]
        excluded.append((f"missing {weights}", int(missing.sum())))
    else:
        values = np.ones(len(frame))
    if len(frame) == 0:
        raise AnalysisInputError(
            f"data: no row has {duration!r}, {event!r} and a weight in {weights!r}.")
    times = check_times(frame, duration)
    plan = plan_clusters(frame, cluster, what="units")
    caveats: list[str] = []
    if plan.warning is not None:
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=4)
        caveats.append(plan.warning)
    groups = plan.groups if plan.groups is not None else np.arange(len(frame))
    observed = frame[event].to_numpy(dtype=int)
    fitter = KaplanMeierFitter(alpha=alpha, label=label)
    with warnings.catch_warnings():
        # lifelines warns that its Greenwood variance is off with non-integer weights:
        # it is replaced by the robust variance below
        warnings.filterwarnings("ignore", message="It looks like your weights are not integers")
        fitter, lifelines_caveats = run_lifelines(
            lambda: fitter.fit(times, event_observed=observed, weights=values, label=label),
            stacklevel=5)
    grid = fitter.event_table.index.to_numpy(dtype=float)
    estimate = fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float)
    sigma = robust_log_survival_se(times, observed, values, groups, grid)
    lower, upper = sigma_band(sigma, estimate, conf_type, alpha)
    k = np.searchsorted(grid, np.asarray(times, float))
    size = len(grid)
    table = pd.DataFrame({
        TIME: grid,
        AT_RISK: np.bincount(k, minlength=size)[::-1].cumsum()[::-1].astype(int),
        EVENTS: np.bincount(k, observed, size).astype(int),
        CENSORED: np.bincount(k, 1 - observed, size).astype(int),
        ESTIMATE: estimate, CI_LOWER: lower, CI_UPPER: upper,
        "weighted_at_risk": fitter.event_table["at_risk"].to_numpy(dtype=float),
        "weighted_events": fitter.event_table["observed"].to_numpy(dtype=float),
        "se_log_survival": sigma,
    })
    ci = band_frame(grid, np.nan_to_num(lower), np.nan_to_num(upper))
    median_ci = median_survival_times(ci).to_numpy(dtype=float).ravel()
    n_events = int(observed.sum())
    return {
        "label": label, "table": table, "median": float(fitter.median_survival_time_),
        "median_ci_lower": float(median_ci[0]), "median_ci_upper": float(median_ci[1]),
        "censored": len(frame) - n_events,
        "method": "kaplan-meier" if weights is None else "kaplan-meier-weighted",
        "interval": f"{conf_type} robust (infinitesimal jackknife"
                    f"{', clustered' if plan.clustered else ''})",
        "alpha": alpha,
        "accounting": Accounting(
            unit=unit_of(data), n_rows=len(data), n_used=len(frame), events=n_events,
            n_clusters=plan.n_clusters, cluster=plan.column,
            excluded=tuple((r, c) for r, c in excluded if c), clustered=bool(plan.clustered),
            weights=weights, effective_n=None if weights is None else effective_n(values)),
        "raw": fitter, "warnings": (*caveats, *lifelines_caveats),
        "weights": weights, "cluster": plan.column if plan.clustered else None,
    }
