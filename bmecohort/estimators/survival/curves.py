"""Right-censored time to event: Kaplan-Meier, Cox regression, Aalen-Johansen.

Thin wrappers of lifelines (``KaplanMeierFitter``, ``CoxPHFitter``): a DataFrame and column
names in, a frozen result out with the accounting (units, events, censored, exclusions) and
the fitted lifelines object as ``.raw``. The Aalen-Johansen curve is computed from the
counting-process increments (:mod:`._aalen_johansen`): lifelines jitters tied times.
Curves keep, in ``.table``, everything a survival plot needs: every observed time with the
numbers at risk, events, censored, the estimate and its pointwise interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy import stats

from ..._checks import check_alpha, prepare
from ..._clusters import AUTO, carry, cluster_request, plan_clusters
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, PARTICIPANT, TERM, N
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Accounting, CurveResult, Result, result, summary_frame
from ._aalen_johansen import cumulative_incidence
from ._efron import efron_cluster_covariance
from ._lifelines import (
    AT_RISK,
    CENSORED,
    TIME,
    check_numeric,
    check_rank,
    check_times,
    run_lifelines,
    step_lookup,
    unit_of,
)

__all__ = [
    "CoxResult",
    "CumulativeIncidenceResult",
    "KaplanMeierResult",
    "aalen_johansen",
    "cox",
    "kaplan_meier",
]

_CURVE_COLUMNS = (TIME, AT_RISK, EVENTS, CENSORED, ESTIMATE, CI_LOWER, CI_UPPER)


def _curve_summary(table: pd.DataFrame, term: str) -> pd.DataFrame:
    """Summary of a curve: one row per time with an event of interest."""
    rows = table.loc[table[EVENTS] > 0]
    return summary_frame(
        ({TERM: term, ESTIMATE: r[ESTIMATE], CI_LOWER: r[CI_LOWER], CI_UPPER: r[CI_UPPER],
          P_VALUE: None, N: int(r[AT_RISK]), EVENTS: int(r[EVENTS]), TIME: r[TIME]}
         for r in rows.to_dict("records")),
        extra=(N, EVENTS, TIME),
    )


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
        return _curve_summary(self.table, self.label)


def _prepare_curve(
    data: pd.DataFrame, duration: str, event: str, *, binary: bool = True,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, tuple[tuple[str, int], ...], np.ndarray]:
    """Complete rows in ``duration``, ``event`` (and ``cluster``, with ``participant_id``
    carried to check an opt-out), their exclusions and the checked times."""
    carried = [c for c in carry(data) if c not in (duration, event, cluster)]
    frame, excluded = prepare(data, [duration, event, cluster],
                              binary=[event] if binary else [], carry=carried)
    times = check_times(frame, duration)
    if len(frame) == 0:
        raise AnalysisInputError(f"data: no complete rows in {duration!r} and {event!r}.")
    return frame, excluded, times


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
    >>> from bmecohort.estimators.survival.curves import kaplan_meier
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
    label = label or "survival"
    column = cluster_request(data, cluster)
    frame, excluded, times = _prepare_curve(data, duration, event, cluster=column)
    plan = plan_clusters(frame, cluster, what="units")
    if weights is not None or plan.clustered:
        from ._robust_km import weighted_curve
        from .km_bands import CONF_TYPES

        if conf_type not in CONF_TYPES:
            raise AnalysisInputError(
                f"conf_type must be one of {list(CONF_TYPES)}, got {conf_type!r}.")
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
        from .km_bands import CONF_TYPES, band_frame, greenwood_band

        if conf_type not in CONF_TYPES:
            raise AnalysisInputError(
                f"conf_type must be one of {list(CONF_TYPES)}, got {conf_type!r}.")
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


@result
class CoxResult(Result):
    """Hazard ratios from a Cox proportional-hazards model (Efron ties).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per covariate: ``term, estimate`` (hazard ratio), ``ci_lower, ci_upper``,
        ``p_value`` (Wald), ``coef`` (log hazard ratio), ``se``.
    method : str
        ``"cox-efron"``.
    cov_type : str
        ``"model"`` or ``"robust-cluster"`` (Efron-consistent sandwich clustered on
        ``cluster``, as R ``coxph(..., cluster = id)``).
    cluster : str or None
        Cluster column of the robust variance.
    log_likelihood : float
        Partial log-likelihood at the estimate.
    concordance : float
        Harrell's concordance index.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events, clusters, exclusions.
    censored : int
        Units without an observed event.
    raw : lifelines.CoxPHFitter
        The fitted lifelines object (``check_assumptions``, baseline hazard, ...), fitted
        without ``cluster_col``: its standard errors are model-based.
    warnings : tuple of str
        lifelines' convergence and collinearity warnings.
    """

    table: pd.DataFrame
    method: str
    cov_type: str
    cluster: str | None
    log_likelihood: float
    concordance: float
    censored: int
    alpha: float
    accounting: Accounting
    raw: Any
    warnings: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """``term, estimate, ci_lower, ci_upper, p_value, coef, se`` per covariate."""
        return summary_frame(self.table.to_dict("records"), extra=("coef", "se"))

    def evalue(self, term: str | None = None, **options: Any) -> Any:
        """E-value for unmeasured confounding of one hazard ratio (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, term=term, **options)


def cox(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str],
    cluster: str | None = "auto",
    alpha: float = 0.05,
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
) -> CoxResult:
    r"""Cox proportional-hazards regression: hazard ratios with Wald intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    duration : str
        Time to event or censoring, ``>= 0`` and finite.
    event : str
        Binary event indicator (1/True observed, 0/False censored).
    covariates : sequence of str
        Numeric (or boolean) covariate columns; dummy-code categories first.
    cluster : "auto", str or None, default="auto"
        ``"auto"``: the robust sandwich clustered on ``participant_id`` (R ``coxph(...,
        cluster = id)``) when a person contributes several units among the rows used (two
        knees), else the model-based variance; rows missing ``participant_id`` are then
        excluded and counted. A column name: always clustered on it. ``None``: the recorded
        opt-out, model-based variance, with a
        :class:`~bmecohort.exceptions.DataQualityWarning` when persons hold several units.
        See :mod:`bmecohort._clusters`.
    alpha : float, default=0.05
        One minus the confidence level.
    ties : {"efron", "breslow"}, default="efron"
        Handling of tied event times in the partial likelihood (R ``coxph(ties=)``; Stata
        ``stcox`` uses Breslow).
    strata : str or list of str or None, default=None
        Columns whose combinations get their own baseline hazard (R ``+ strata(x)``); no
        hazard ratio is estimated for them. With ``"breslow"`` or ``strata`` the model is
        fitted by statsmodels ``PHReg`` (``raw``), and ``cluster`` keeps the tie-aware
        robust variance.

    Returns
    -------
    CoxResult
        ``summary()``: ``term, estimate`` (hazard ratio), ``ci_lower, ci_upper, p_value,
        coef, se``.

    Notes
    -----
    The partial likelihood uses Efron's handling of tied event times (lifelines'
    only option, R ``coxph``'s default; Stata ``stcox`` defaults to Breslow). The interval
    is :math:`\exp(\hat\beta \pm z_{1-\alpha/2}\,\widehat{se})`. Proportional hazards are
    assumed; check them with ``result.raw.check_assumptions(...)``.

    The cluster-robust variance is the grouped sandwich of R ``coxph(..., cluster = id)``
    with Efron score residuals, without small-sample factor. It is computed here
    (``bmecohort.estimators.survival._efron``), not by lifelines' ``cluster_col``, whose score
    residuals ignore ties (tied rows get order-dependent risk sets; about 1% off on visit
    data). ``raw`` is therefore fitted without ``cluster_col`` and holds the model-based
    errors.

    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.survival.curves import cox
    >>> knees = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24, 30, 36],
    ...                       "event": [1, 1, 0, 1, 0, 1, 0, 0],
    ...                       "kl": [3, 2, 1, 3, 2, 2, 1, 3]})
    >>> fit = cox(knees, duration="months", event="event", covariates=["kl"])
    >>> list(fit.summary()["term"])
    ['kl']
    """
    alpha = check_alpha(alpha)
    covariates = list(covariates)
    if not covariates:
        raise AnalysisInputError("cox: give at least one covariate.")
    if cluster not in (None, AUTO) and cluster in covariates:
        raise AnalysisInputError(f"cox: the cluster column {cluster!r} is also a covariate.")
    strata_list = [strata] if isinstance(strata, str) else list(strata or [])
    column, robust, opt_out = _cox_clusters(data, duration, event, covariates, strata_list,
                                            cluster)
    if ties != "efron" or strata is not None:
        from .cox_options import cox_with_options

        return cox_with_options(
            data, duration=duration, event=event, covariates=covariates, cluster=robust,
            alpha=alpha, ties=ties, strata=strata_list, cluster_column=column,
            opt_out=opt_out)
    cluster = robust
    frame, excluded = prepare(data, [duration, event, *covariates, column], binary=[event],
                              carry=[c for c in carry(data)
                                     if c not in (duration, event, *covariates, column)])
    check_times(frame, duration)
    check_numeric(frame, covariates)
    frame[covariates] = frame[covariates].astype(float)
    check_rank(frame, covariates)
    n_events = int(frame[event].sum())
    if n_events == 0:
        raise AnalysisInputError(
            f"data: no events ({event!r} is 0 on all {len(frame)} rows used), so the partial "
            "likelihood is flat and no hazard ratio exists. Check the event coding (1 = "
            "event, 0 = censored)."
        )
    if cluster is not None and frame[cluster].nunique() < 2:
        raise AnalysisInputError(
            f"data: column {cluster!r} has one cluster among the {len(frame)} rows used; a "
            "cluster-robust variance needs at least 2 (and is reliable only with many). Drop "
            "cluster= or check the column."
        )
    fitter = CoxPHFitter(alpha=alpha)
    # lifelines' default precision (1e-7 on the Newton decrement) leaves ~1e-6 in the estimates
    fitter, fit_caveats = run_lifelines(lambda: fitter.fit(
        frame[[duration, event, *covariates]], duration_col=duration, event_col=event,
        fit_options={"precision": 1e-12, "r_precision": 1e-14},
    ))
    coef = fitter.params_.to_numpy()
    if cluster is None:
        se = fitter.standard_errors_.to_numpy()
    else:
        # lifelines' own cluster_col sandwich ignores ties (see _efron); use R's
        covariance = efron_cluster_covariance(
            frame[duration].to_numpy(float), frame[event].to_numpy(), frame[covariates].to_numpy(),
            coef, fitter.variance_matrix_.to_numpy(), frame[cluster].to_numpy(),
        )
        se = np.sqrt(np.diag(covariance))
    z = stats.norm.ppf(1 - alpha / 2)
    table = pd.DataFrame({
        TERM: [str(c) for c in fitter.params_.index],
        ESTIMATE: np.exp(coef),
        CI_LOWER: np.exp(coef - z * se),
        CI_UPPER: np.exp(coef + z * se),
        P_VALUE: 2 * stats.norm.sf(np.abs(coef / se)),
        "coef": coef,
        "se": se,
    })
    events = int(frame[event].sum())
    return CoxResult(
        table=table,
        method="cox-efron",
        cov_type="model" if cluster is None else "robust-cluster",
        cluster=cluster,
        log_likelihood=float(fitter.log_likelihood_),
        concordance=float(fitter.concordance_index_),
        censored=len(frame) - events,
        alpha=alpha,
        accounting=cox_accounting(data, frame, events, excluded, cluster, column),
        raw=fitter,
        warnings=(*opt_out, *fit_caveats),
    )


def _cox_clusters(data: pd.DataFrame, duration: str, event: str, covariates: list[str],
                  strata: list[str], cluster: str | None
                  ) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Resolve ``cluster=`` of :func:`cox` on the rows it will use.

    Returns the column to read (rows missing it are excluded), the column the robust
    variance groups by (``None``: model-based) and the opt-out warning, if any (warned here).
    """
    model = (duration, event, *covariates, *strata)
    column = cluster_request(data, cluster)
    if cluster == AUTO and column in model:
        column = None  # participant_id modelled as a covariate or stratum: nothing to group
    carried = [c for c in carry(data) if c not in (*model, column)]
    if column is None and not (cluster is None and carried):
        return None, None, ()  # nothing to group by, nor an opt-out to check
    frame, _ = prepare(data, [*model, column], binary=[event], carry=carried)
    plan = plan_clusters(frame, cluster, what="units")
    if plan.warning is not None:
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=3)
        return column, None, (plan.warning,)
    return column, plan.column if plan.clustered else None, ()


def cox_accounting(data: pd.DataFrame, frame: pd.DataFrame, events: int,
                   excluded: tuple[tuple[str, int], ...], robust: str | None,
                   column: str | None) -> Accounting:
    """Accounting of a Cox fit: clusters of ``column`` (the person) when known."""
    grouping = robust or column
    if grouping is None and PARTICIPANT in frame:
        grouping = PARTICIPANT  # the opt-out: the persons are still counted
    return Accounting(
        unit=unit_of(data), n_rows=len(data), n_used=len(frame), events=events,
        n_clusters=None if grouping is None else int(frame[grouping].nunique()),
        cluster=grouping, excluded=excluded,
        clustered=None if grouping is None else robust is not None)


@result
class CumulativeIncidenceResult(CurveResult):
    """Aalen-Johansen cumulative incidence of one event type among competing events.

    Attributes
    ----------
    label : str
        Name of the curve (``"cumulative incidence[<event_of_interest>]"``).
    table : pandas.DataFrame
        Every observed time (from 0) with ``time, at_risk, events`` (of interest),
        ``competing`` (other event types), ``censored, estimate, ci_lower, ci_upper``.
    event_of_interest : object
        The event code the curve is for.
    method : str
        ``"aalen-johansen"``.
    interval : str
        ``"log-log delta method"`` or, clustered, ``"log-log robust (infinitesimal
        jackknife, clustered)"``.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events of interest, exclusions; ``competing`` and
        ``censored`` count the others.
    raw : None
        No fitted object: the curve is computed here (lifelines jitters tied times).
    warnings : tuple of str
        The opt-out message of ``cluster=None`` on units sharing persons, if any.
    cluster : str or None
        The column the jackknife variance grouped by, ``None`` for the delta method.
    """

    label: str
    table: pd.DataFrame
    event_of_interest: Any
    competing: int
    censored: int
    method: str
    interval: str
    alpha: float
    accounting: Accounting
    raw: Any
    warnings: tuple[str, ...] = ()
    cluster: str | None = None

    def cumulative_incidence_at(self, times: Sequence[float] | np.ndarray | float) -> pd.DataFrame:
        """Cumulative incidence at ``times``: ``time, estimate, ci_lower, ci_upper, at_risk``.

        Right-continuous; times beyond the largest observed time give NaN.
        """
        return step_lookup(self.table, times, (ESTIMATE, CI_LOWER, CI_UPPER),
                           last_time=float(self.table[TIME].max()))

    def summary(self) -> pd.DataFrame:
        """One row per time with an event of interest: ``term, estimate, ci_lower, ci_upper,
        p_value, n, events, time``."""
        return _curve_summary(self.table, self.label)


def aalen_johansen(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: Any,
    censored: Any = 0,
    alpha: float = 0.05,
    seed: int | None = None,
    cluster: str | None = "auto",
) -> CumulativeIncidenceResult:
    r"""Aalen-Johansen cumulative incidence when other events (dropout, death) compete.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    duration : str
        Time to the first event or censoring, ``>= 0`` and finite.
    event : str
        Column with the event type of each row: ``censored`` for censored rows, any other
        value for an event type (e.g. 1 = incident lesion, 2 = knee replacement).
    event_of_interest : object
        The event type whose cumulative incidence is estimated; the others compete.
    censored : object, default=0
        The value of ``event`` that marks censoring.
    alpha : float, default=0.05
        One minus the confidence level.
    seed : None
        Deprecated and ignored (it seeded lifelines' jitter of tied times, no longer used);
        passing it warns.
    cluster : "auto", str or None, default="auto"
        ``"auto"``: when a ``participant_id`` contributes several units among the rows used,
        the infinitesimal-jackknife variance grouped by person (rows missing
        ``participant_id`` excluded); else the delta method. A column name: always grouped
        by it. ``None``: the recorded opt-out (delta method; a
        :class:`~bmecohort.exceptions.DataQualityWarning` when persons hold several units).

    Returns
    -------
    CumulativeIncidenceResult
        ``table``, ``cumulative_incidence_at(times)``; ``summary()`` is the curve at the
        times of events of interest.

    Notes
    -----
    .. math::

        \hat F_k(t) = \sum_{t_i \le t} \hat S(t_{i-1})\,\frac{d_{ki}}{n_i},

    with :math:`\hat S` the Kaplan-Meier estimate of being free of any event. Unlike
    :math:`1 - \mathrm{KM}` with competing events censored, :math:`\hat F_k` does not
    overstate the risk. The variance is the delta-method (Greenwood-type) estimator
    (Collett 2015, p. 411; SAS ``LIFETEST``) with a log(-log) interval; R's multi-state
    ``survfit`` gives the same estimate but an infinitesimal-jackknife standard error.
    When units cluster in persons that jackknife, with the influences summed by person, is
    the variance (the same log(-log) interval; ``interval`` says so): R ``survfit``'s
    ``influence.pstate`` summed by person, to 1e-15 (``tests/reference/survival``).

    Tied times are handled exactly (events of several types at one time enter one step,
    censorings tied with them leave after it), as in R's multi-state ``survfit``: the
    estimate is computed here from the counting-process increments
    (:mod:`._aalen_johansen`), not by lifelines' ``AalenJohansenFitter``, which breaks such
    ties by random jitter. No random state is used.

    Examples
    --------
    Incident lesion (1) with knee replacement (2) competing:

    >>> import pandas as pd
    >>> from bmecohort import aalen_johansen
    >>> knees = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24, 30, 36],
    ...                       "event": [1, 2, 0, 1, 0, 2, 1, 0]})
    >>> fit = aalen_johansen(knees, duration="months", event="event", event_of_interest=1)
    >>> fit.cumulative_incidence_at([24])[["time", "estimate", "at_risk"]]
       time  estimate  at_risk
    0  24.0     0.275        4
    """
    alpha = check_alpha(alpha)
    if seed is not None:
        warnings.warn("aalen_johansen: seed is deprecated and ignored (ties are handled "
                      "exactly, nothing is random); drop the argument", FutureWarning,
                      stacklevel=2)
    column = cluster_request(data, cluster)
    frame, excluded, times = _prepare_curve(data, duration, event, binary=False,
                                            cluster=column)
    plan = plan_clusters(frame, cluster, what="units")
    caveats: tuple[str, ...] = ()
    if plan.warning is not None:  # the opt-out cluster=None on units sharing persons
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=2)
        caveats = (plan.warning,)
    codes = frame[event]
    is_censored = (codes == censored).to_numpy()
    types = pd.unique(codes[~is_censored])
    if not (codes[~is_censored] == event_of_interest).any():
        raise AnalysisInputError(
            f"data: no row of {event!r} equals event_of_interest={event_of_interest!r}; the "
            f"event types present are {sorted(map(repr, types))} (censored={censored!r})."
        )
    is_interest = (~is_censored) & (codes == event_of_interest).to_numpy()
    curve = cumulative_incidence(np.asarray(times, dtype=float), is_interest, ~is_censored,
                                 alpha, groups=plan.groups if plan.clustered else None)
    table = pd.DataFrame({
        TIME: curve["time"], AT_RISK: curve["at_risk"], EVENTS: curve["events"],
        "competing": curve["competing"], CENSORED: curve["censored"],
        ESTIMATE: curve["estimate"], CI_LOWER: curve["ci_lower"], CI_UPPER: curve["ci_upper"],
    })
    if curve["time"][0] > 0:
        start = pd.DataFrame({TIME: [0.0], AT_RISK: [len(times)], EVENTS: [0], "competing": [0],
                              CENSORED: [0], ESTIMATE: [0.0], CI_LOWER: [0.0], CI_UPPER: [0.0]})
        table = pd.concat([start, table], ignore_index=True)
    n_interest = int(is_interest.sum())
    return CumulativeIncidenceResult(
        label=f"cumulative incidence[{event_of_interest}]",
        table=table,
        event_of_interest=event_of_interest,
        competing=int((~is_censored & ~is_interest).sum()),
        censored=int(is_censored.sum()),
        method="aalen-johansen",
        interval=("log-log robust (infinitesimal jackknife, clustered)" if plan.clustered
                  else "log-log delta method"),
        alpha=alpha,
        accounting=Accounting(unit=unit_of(data), n_rows=len(data), n_used=len(frame),
                              events=n_interest, excluded=excluded,
                              n_clusters=plan.n_clusters, cluster=plan.column,
                              clustered=None if plan.column is None else plan.clustered),
        raw=None,
        warnings=caveats,
        cluster=plan.column if plan.clustered else None,
    )
