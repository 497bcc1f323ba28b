"""Kaplan-Meier survival curves of right-censored time to event.

A thin wrapper of lifelines' ``KaplanMeierFitter``: a DataFrame and column names in, a frozen
result out with the accounting (units, events, censored, exclusions) and the fitted lifelines
object as ``.raw``. The curve keeps, in ``.table``, everything a survival plot needs: every
observed time with the numbers at risk, events, censored, the estimate and its pointwise
interval. Weighted or clustered curves get the robust variance of :mod:`._robust_km`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from ..._checks import check_alpha
from ..._clusters import cluster_request, plan_clusters
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Accounting, CurveResult, result
from ._lifelines import (
    AT_RISK,
    CENSORED,
    TIME,
    curve_summary,
    prepare_curve,
    run_lifelines,
    step_lookup,
    unit_of,
)
from .km_bands import CONF_TYPES, band_frame, greenwood_band

__all__ = ["KaplanMeierResult", "kaplan_meier"]


@result
class KaplanMeierResult(CurveResult):
    """A Kaplan-Meier survival curve with pointwise intervals (log(-log) by default).

    Attributes
    ----------
    label : str
        Name of the curve (the ``term`` of the summary).
    table : pandas.DataFrame
        Every observed time (from 0) with ``time, at_risk, events, censored, estimate,
        ci_lower, ci_upper``: the numbers a survival plot and its risk table need (counts
        of units, also when weighted). With the robust variance also ``weighted_at_risk``,
        ``weighted_events`` (R ``survfit``'s ``n.risk``, ``n.event``) and
        ``se_log_survival``.
    median : float
        Median survival time (``inf`` when the curve stays above 0.5).
    median_ci_lower, median_ci_upper : float
        Times at which the interval's bounds cross 0.5 (``inf`` when never).
    method : str
        ``"kaplan-meier"`` or ``"kaplan-meier-weighted"``.
    interval : str
        ``"log-log"`` (default), ``"log"`` or ``"plain"`` (``conf_type``), followed by
        ``" robust (infinitesimal jackknife...)"`` when the variance is robust.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events, exclusions; ``censored`` counts the rest.
    raw : lifelines.KaplanMeierFitter
        The fitted lifelines object (weighted, its own variance is not the robust one).
    weights : str or None
        The weight column, ``None`` when unweighted.
    cluster : str or None
        The column the robust variance grouped by, ``None`` when not clustered.
    """

    label: str
    table: pd.DataFrame
    median: float
    median_ci_lower: float
    median_ci_upper: float
    censored: int
    method: str
    interval: str
    alpha: float
    accounting: Accounting
    raw: Any
    warnings: tuple[str, ...] = ()
    weights: str | None = None
    cluster: str | None = None

    def header(self) -> dict[str, object]:
        """The shared header, plus the weights and cluster of a robust variance."""
        out = super().header()
        if self.cluster is not None:
            out["robust variance clustered by"] = self.cluster
        return out

    def survival_at(self, times: Sequence[float] | np.ndarray | float) -> pd.DataFrame:
        """Survival at ``times``: columns ``time, estimate, ci_lower, ci_upper, at_risk``.

        The curve is right-continuous (the value at an event time includes its events);
        times beyond the largest observed time give NaN.
        """
        return step_lookup(self.table, times, (ESTIMATE, CI_LOWER, CI_UPPER),
                           last_time=float(self.table[TIME].max()))

    def summary(self) -> pd.DataFrame:
        """One row per event time: ``term, estimate, ci_lower, ci_upper, p_value, n, events,
        time`` (``n`` = number at risk just before the time, ``p_value`` empty)."""
        return curve_summary(self.table, self.label)


def kaplan_meier(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    alpha: float = 0.05,
    label: str | None = None,
    conf_type: str = "log-log",
    weights: str | None = None,
    cluster: str | None = "auto",
) -> KaplanMeierResult:
    r"""Kaplan-Meier survival curve with pointwise log(-log) confidence intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (e.g. the output of
        :func:`~bmecohort.estimators.survival.event_times.time_to_event`); never modified.
    duration : str
        Column with the time to event or censoring, ``>= 0`` and finite.
    event : str
        Binary column: 1/True when the event was observed, 0/False when censored.
    alpha : float, default=0.05
        One minus the confidence level.
    label : str or None, default=None
        Name of the curve; default ``"survival"``.
    conf_type : {"log-log", "log", "plain"}, default="log-log"
        Scale of the pointwise interval (R ``survfit(conf.type=)``; R's default is
        ``"log"``, Stata's and lifelines' ``"log-log"``); see
        :mod:`bmecohort.estimators.survival.km_bands`. Recorded as ``interval``.
    weights : str or None, default=None
        Column of analysis weights (e.g. inverse-probability-of-censoring weights from
        :func:`bmecohort.ipcw`): positive and finite; rows with a missing weight are
        excluded and counted as "missing <weights>". The curve is the weighted product-limit
        estimate and its variance the robust infinitesimal jackknife (below).
    cluster : "auto", str or None, default="auto"
        ``"auto"``: when a ``participant_id`` contributes several units among the rows used
        (two knees of a person), the robust variance grouped by ``participant_id``; else
        Greenwood's (unweighted) or the robust variance with each unit its own group
        (weighted). Rows missing ``participant_id`` are then excluded and counted. A column
        name: always the robust variance grouped by it (R ``survfit(cluster = )``).
        ``None``: the recorded opt-out, Greenwood's variance (unweighted) or ungrouped robust
        (weighted), with a :class:`~bmecohort.exceptions.DataQualityWarning` when persons
        hold several units. See :mod:`bmecohort._clusters`.

    Returns
    -------
    KaplanMeierResult
        ``table`` (every time with at risk, events, censored, estimate, interval),
        ``survival_at(times)``, ``median``; ``summary()`` is the curve at the event times.

    Notes
    -----
    :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i/n_i)`, with Greenwood's variance and the
    interval :math:`\hat S(t)^{\exp(\pm z_{1-\alpha/2}\,\hat\sigma(t))}`, where
    :math:`\hat\sigma^2(t) = \sum_{t_i \le t} \frac{d_i}{n_i(n_i-d_i)} / \log^2 \hat S(t)`:
    lifelines' "exponential Greenwood", Stata's ``sts`` default and R
    ``survfit(conf.type = "log-log")`` (R's default is ``"log"``); where the curve reaches 0
    the interval is undefined (NaN, as R). Tied event and censoring times: events first. Censoring is assumed independent of the event; with
    interval-censored visit data, pick the ``midpoint`` (or ``upper``) convention of
    :func:`time_to_event` knowingly, or use :func:`interval_censored`.

    Weighted, :math:`\hat S(t) = \prod_{t_i \le t} (1 - \bar d_i/\bar n_i)` with weighted
    events and numbers at risk (lifelines ``KaplanMeierFitter(weights=)``), and
    :math:`\hat\sigma(t)` is the infinitesimal-jackknife standard error of
    :math:`\log \hat S(t)`, summed within clusters
    (:mod:`bmecohort.estimators.survival._robust_km`): R
    ``survfit(Surv(time, event) ~ 1, weights = w, cluster = id, robust = TRUE)``, whose
    intervals on all three scales it matches (R's ``std.err`` is then
    :math:`\hat S\hat\sigma`). The weights are taken as known. Unweighted with units
    clustered in persons (the default ``cluster="auto"`` when persons repeat), the same
    robust variance with unit weights, grouped by person: R ``survfit(Surv(time, event) ~
    1, cluster = id)`` (robust by default with ``cluster``); Greenwood's variance would
    treat the knees of a person as independent and the interval would be too narrow.

    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.survival.kaplan_meier import kaplan_meier
    >>> knees = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24], "event": [1, 1, 0, 1, 0, 0]})
    >>> kaplan_meier(knees, duration="months", event="event").survival_at([12])["estimate"]
    0    0.666667
    Name: estimate, dtype: float64

    Weighted for loss to follow-up, with the robust interval grouped by person:

    >>> knees = knees.assign(participant_id=[1, 1, 2, 3, 3, 4], w=[1.2, 1.2, 0.8, 1, 1, 2])
    >>> fit = kaplan_meier(knees, duration="months", event="event", weights="w")
    >>> fit.survival_at([12])[["estimate", "ci_lower", "ci_upper"]].round(3)
       estimate  ci_lower  ci_upper
    0     0.667     0.068     0.941
    >>> fit.method, fit.cluster
    ('kaplan-meier-weighted', 'participant_id')

    Unweighted, persons 1 and 3 contribute two knees each: robust by person by default.

    >>> fit = kaplan_meier(knees, duration="months", event="event")
    >>> fit.interval, fit.accounting.n_clusters
    ('log-log robust (infinitesimal jackknife, clustered)', 4)
    """
    alpha = check_alpha(alpha)
    if conf_type not in CONF_TYPES:
        raise AnalysisInputError(
            f"conf_type must be one of {list(CONF_TYPES)}, got {conf_type!r}.")
    label = label or "survival"
    column = cluster_request(data, cluster)
    frame, excluded, times = prepare_curve(data, duration, event, cluster=column)
    plan = plan_clusters(frame, cluster, what="units")
    if weights is not None or plan.clustered:
        from ._robust_km import weighted_curve

        return KaplanMeierResult(**weighted_curve(
            data, duration=duration, event=event, alpha=alpha, label=label,
            conf_type=conf_type, weights=weights, cluster=cluster))
    caveats: tuple[str, ...] = ()
    if plan.warning is not None:  # the opt-out cluster=None on units sharing persons
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=2)
        caveats = (plan.warning,)
    fitter = KaplanMeierFitter(alpha=alpha, label=label)
    fitter, fit_caveats = run_lifelines(
        lambda: fitter.fit(times, event_observed=frame[event].to_numpy(), label=label)
    )
    events_table = fitter.event_table
    ci = fitter.confidence_interval_
    table = pd.DataFrame({
        TIME: events_table.index.to_numpy(dtype=float),
        AT_RISK: events_table["at_risk"].to_numpy(dtype=int),
        EVENTS: events_table["observed"].to_numpy(dtype=int),
        CENSORED: events_table["censored"].to_numpy(dtype=int),
        ESTIMATE: fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float),
        CI_LOWER: ci.iloc[:, 0].to_numpy(dtype=float),
        CI_UPPER: ci.iloc[:, 1].to_numpy(dtype=float),
    })
    # log(-log S) is undefined at S = 0: no interval there (R gives NA)
    table.loc[table[ESTIMATE] <= 0, [CI_LOWER, CI_UPPER]] = np.nan
    if conf_type != "log-log":
        table[CI_LOWER], table[CI_UPPER] = greenwood_band(
            table[AT_RISK].to_numpy(), table[EVENTS].to_numpy(), table[ESTIMATE].to_numpy(),
            conf_type, alpha)
        ci = band_frame(table[TIME].to_numpy(), table[CI_LOWER].fillna(0.0).to_numpy(),
                        table[CI_UPPER].fillna(0.0).to_numpy())
    median_ci = median_survival_times(ci).to_numpy(dtype=float).ravel()
    events = int(frame[event].sum())
    return KaplanMeierResult(
        label=label,
        table=table,
        median=float(fitter.median_survival_time_),
        median_ci_lower=float(median_ci[0]),
        median_ci_upper=float(median_ci[1]),
        censored=len(frame) - events,
        method="kaplan-meier",
        interval=conf_type,
        alpha=alpha,
        accounting=Accounting(unit=unit_of(data), n_rows=len(data), n_used=len(frame),
                              events=events, excluded=excluded, n_clusters=plan.n_clusters,
                              cluster=plan.column,
                              clustered=False if plan.column is not None else None),
        raw=fitter,
        warnings=(*caveats, *fit_caveats),
    )
