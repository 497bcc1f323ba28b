"""Occurrence: a proportion with its interval, and lesion incidence and resolution.

:func:`proportion` wraps :func:`statsmodels.stats.proportion.proportion_confint`;
:func:`incidence` and :func:`resolution` count transitions over one visit interval among the
units at risk and, when those units cluster in participants (knees, subregions or vertebral
corners of one person), widen the interval with a cluster-robust (sandwich) variance from an
intercept-only binomial GLM (:class:`statsmodels.genmod.generalized_linear_model.GLM`).
With ``weights=`` (e.g. :func:`bmecohort.ipcw`) the estimate is the weighted share and the
interval always comes from the (cluster-)robust sandwich of the weighted GLM.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha, check_count, describe_rows, require_columns
from ..._clusters import AUTO, cluster_cov_kwds, plan_clusters
from ..._columns import (
    CHANGE,
    PARTICIPANT,
    PRESENT_FROM,
    PRESENT_TO,
    VISIT_FROM,
    VISIT_TO,
)
from ..._weights import effective_n, weight_values
from ...exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning
from ...results import Accounting, ScalarResult, result

__all__ = [
    "IncidenceResult",
    "ProportionResult",
    "incidence",
    "proportion",
    "resolution",
    "share_interval",
]

ProportionMethod = Literal["wilson", "exact", "clopper-pearson", "jeffreys"]

#: Our method name -> (statsmodels ``proportion_confint`` method, name recorded on results).
_METHODS: dict[str, tuple[str, str]] = {
    "wilson": ("wilson", "wilson"),
    "exact": ("beta", "clopper-pearson"),
    "clopper-pearson": ("beta", "clopper-pearson"),
    "jeffreys": ("jeffreys", "jeffreys"),
}
CLUSTER_ROBUST = "logit-wald-cluster-robust"


@result
class ProportionResult(ScalarResult):
    """A proportion ``events / n`` with its confidence interval.

    Attributes
    ----------
    term : str
        ``"proportion"``.
    estimate, ci_lower, ci_upper : float
        The proportion and its ``1 - alpha`` confidence interval.
    p_value : None
        No hypothesis is tested.
    method : str
        ``"wilson"``, ``"clopper-pearson"`` or ``"jeffreys"``.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        ``n_used`` = n, ``events``.
    """

    method: str
    alpha: float
    accounting: Accounting
    warnings: tuple[str, ...] = ()


@result
class IncidenceResult(ScalarResult):
    """Incidence or resolution over one visit interval, among the units at risk.

    Attributes
    ----------
    term : str
        ``"incidence"`` or ``"resolution"``.
    estimate, ci_lower, ci_upper : float
        The proportion of units at risk with the event and its interval.
    p_value : None
        No hypothesis is tested.
    method : str
        The interval used: ``"wilson"``, ``"clopper-pearson"``, ``"jeffreys"``,
        ``"logit-wald-cluster-robust"`` or, weighted, ``"weighted-logit-wald-cluster-robust"``
        and ``"weighted-logit-wald-robust"`` (sandwich with each unit its own group).
    alpha : float
        One minus the confidence level.
    visits : tuple of (float, float)
        The nominal visits ``(baseline, follow_up)`` of the interval.
    cluster : str or None
        Column the cluster-robust variance grouped by, ``None`` when not used.
    design_effect : float or None
        Robust over binomial variance of the logit, :math:`n\\hat p(1-\\hat p)\\,
        \\widehat{var}(\\hat\\beta_0)` (cluster-robust and weighted intervals only; with
        weights it includes the loss of precision from unequal weights).
    accounting : Accounting
        Units in the interval, units used, events (unweighted), clusters and every exclusion.
    warnings : tuple of str
        Statistical caveats raised while computing.
    raw : statsmodels GLMResults or None
        The fitted intercept-only GLM when the interval is cluster-robust or weighted.
    weights : str or None
        The weight column, ``None`` when unweighted.
    """

    method: str
    alpha: float
    visits: tuple[float, float]
    cluster: str | None
    design_effect: float | None
    accounting: Accounting
    warnings: tuple[str, ...] = ()
    raw: Any = None
    weights: str | None = None

    def header(self) -> dict[str, object]:
        """The shared header plus the visit interval and, if robust, the design effect."""
        out = {"visits": f"{self.visits[0]:g} -> {self.visits[1]:g} months", **super().header()}
        if self.design_effect is not None:
            out["design effect"] = round(self.design_effect, 3)
        return out


def _check_method(method: str) -> tuple[str, str]:
    if method not in _METHODS:
        raise AnalysisInputError(
            f"method={method!r} is not available; choose one of {sorted(_METHODS)}."
        )
    return _METHODS[method]


def _contain(estimate: float, low: float, high: float) -> tuple[float, float]:
    """Bounds within [0, 1] that hold their estimate.

    Wilson's bounds at 0 or n events land a rounding error beyond the estimate (e.g.
    8.7e-19 above 0), and the equal-tailed Jeffreys interval excludes 0 at ``x = 0`` and 1
    at ``x = n``; clipping gives Brown, Cai & DasGupta's (2001) boundary rule there.
    """
    low = min(max(float(low), 0.0), estimate)
    high = max(min(float(high), 1.0), estimate)
    return low, high


def _confint(events: int, n: int, method: str, alpha: float) -> tuple[float, float]:
    sm_method, _ = _check_method(method)
    low, high = sm.proportion_confint(events, n, alpha=alpha, method=sm_method)
    return _contain(events / n, low, high)


def proportion(
    events: int, n: int, *, method: ProportionMethod = "wilson", alpha: float = 0.05
) -> ProportionResult:
    r"""Proportion ``events / n`` with a Wilson, exact or Jeffreys confidence interval.

    Parameters
    ----------
    events : int
        Number of units with the event, ``0 <= events <= n``.
    n : int
        Number of units, ``n >= 1``.
    method : {"wilson", "exact", "clopper-pearson", "jeffreys"}, default="wilson"
        ``"wilson"``: score interval (R ``prop.test(correct=FALSE)``); ``"exact"`` (alias
        ``"clopper-pearson"``): Clopper-Pearson (R ``binom.test``, Stata ``ci proportions``'s
        default); ``"jeffreys"``: equal-tailed Beta(events + 1/2, n - events + 1/2) quantiles.
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    ProportionResult
        ``estimate``, ``ci_lower``, ``ci_upper``, ``method``; ``p_value`` is ``None``.

    Notes
    -----
    With :math:`\hat p = x/n` and :math:`z = \Phi^{-1}(1-\alpha/2)`, Wilson's interval is

    .. math::

        \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n},

    Clopper-Pearson's is :math:`[B_{\alpha/2}(x, n-x+1),\ B_{1-\alpha/2}(x+1, n-x)]` (0 at
    :math:`x=0`, 1 at :math:`x=n`) and Jeffreys' is
    :math:`[B_{\alpha/2}(x+\tfrac12, n-x+\tfrac12),\ B_{1-\alpha/2}(x+\tfrac12, n-x+\tfrac12)]`,
    where :math:`B_q(a, b)` is the q-quantile of a Beta(a, b) distribution. statsmodels'
    ``proportion_confint`` defaults to the Wald interval; we always pass the method. Its
    Jeffreys interval is equal-tailed except at :math:`x = 0` (lower bound 0) and
    :math:`x = n` (upper bound 1), Brown, Cai & DasGupta's boundary rule, so that no interval
    excludes its own estimate; likewise every interval is clipped to :math:`[0, 1]` and to
    contain :math:`\hat p` (Wilson's bounds at 0 and n events are a rounding error off).

    References: Brown, Cai & DasGupta (2001), Stat Sci 16:101-133.

    Examples
    --------
    >>> from bmecohort.estimators.occurrence.proportions import proportion
    >>> round(proportion(33, 234, method="exact").ci_upper, 4)  # Davies-Tuck 2010
    0.1923
    """
    # None, pd.NA, text, arrays, booleans and counts beyond 2**53 are input errors
    events, n = check_count(events, "events"), check_count(n, "n")
    if n < 1 or not 0 <= events <= n:
        raise AnalysisInputError(
            f"need n >= 1 and 0 <= events <= n, got events={events}, n={n}."
        )
    alpha = check_alpha(alpha)
    _, label = _check_method(method)
    low, high = _confint(events, n, method, alpha)
    return ProportionResult(
        term="proportion",
        estimate=events / n,
        ci_lower=low,
        ci_upper=high,
        p_value=None,
        method=label,
        alpha=alpha,
        accounting=Accounting(unit="unit", n_rows=n, n_used=n, events=events),
    )


def _transition_table(transitions: Any) -> tuple[pd.DataFrame, str]:
    """Duck-type a transitions object (``.table``, ``.unit``) or accept a DataFrame."""
    if isinstance(transitions, pd.DataFrame):
        return transitions, "unit"
    table = getattr(transitions, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise AnalysisInputError(
            "transitions: expected a transitions object (with a .table DataFrame and a .unit) "
            f"or a DataFrame, got {type(transitions).__name__}. Build one with "
            "bmecohort.transitions(...)."
        )
    return table, str(getattr(transitions, "unit", "unit"))


def _as_boolean(table: pd.DataFrame, column: str) -> pd.Series:
    """A presence column as pandas' nullable boolean (missing visits stay ``<NA>``)."""
    series = table[column]
    try:
        return series.astype("boolean")
    except (TypeError, ValueError):
        bad = series.notna() & ~series.isin([True, False, 0, 1])
        raise AnalysisInputError(
            f"transitions: column {column!r} must hold True/False (or missing for a missed "
            f"visit); rows {describe_rows(series.index[bad])} hold "
            f"{sorted({repr(v) for v in series[bad].tolist()})[:10]}."
        ) from None


def _select_interval(
    table: pd.DataFrame, interval: tuple[float, float] | None
) -> tuple[pd.DataFrame, tuple[float, float]]:
    pairs = table[[VISIT_FROM, VISIT_TO]].drop_duplicates().sort_values([VISIT_FROM, VISIT_TO])
    available = [(float(a), float(b)) for a, b in pairs.itertuples(index=False)]
    if interval is None:
        if len(available) != 1:
            raise AnalysisInputError(
                f"transitions: the table holds {len(available)} visit intervals {available}; "
                "incidence and resolution are defined over one. Pass interval=(baseline, "
                "follow_up), e.g. interval="
                f"{available[0] if available else (0, 24)}."
            )
        return table, available[0]
    if len(interval) != 2:
        raise AnalysisInputError(
            f"interval must be a pair (baseline, follow_up), got {interval!r}."
        )
    start, end = float(interval[0]), float(interval[1])
    mask = (table[VISIT_FROM] == start) & (table[VISIT_TO] == end)
    if not mask.any():
        raise AnalysisInputError(
            f"transitions: no rows with {VISIT_FROM} == {start} and {VISIT_TO} == {end}; the "
            f"table holds the intervals {available}."
        )
    return table.loc[mask], (start, end)


def _cluster_robust(
    y: np.ndarray, groups: np.ndarray, alpha: float
) -> tuple[float, float, float, Any]:
    """Logit-scale Wald interval of an intercept-only binomial GLM, clustered sandwich.

    The plain sandwich, without small-sample factor (:data:`bmecohort._clusters.SANDWICH`).
    """
    model = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial())
    fit = model.fit(cov_type="cluster", cov_kwds=cluster_cov_kwds(groups), tol=1e-12)
    low, high = np.asarray(fit.conf_int(alpha=alpha))[0]
    naive = float(fit.normalized_cov_params[0, 0] * fit.scale)
    design_effect = float(fit.cov_params()[0, 0]) / naive
    return float(scipy.special.expit(low)), float(scipy.special.expit(high)), design_effect, fit


def _cluster_robust_closed(y: np.ndarray, codes: np.ndarray, alpha: float
                           ) -> tuple[float, float]:
    """:func:`_cluster_robust`'s interval in closed form, vectorised (no iterative fit).

    The intercept-only logistic MLE is ``logit(p)``, ``p`` the share; each unit's score is
    ``y - p`` and the information ``n p (1 - p)``, so the plain cluster sandwich is the sum
    over clusters of the squared score sums over the squared information (statsmodels'
    ``cov_cluster`` without correction; the tests check the two agree). ``codes`` are
    integer cluster codes (:func:`pandas.factorize`). Needs ``0 < p < 1``.
    """
    n = len(y)
    share = float(y.mean())
    scores = np.bincount(codes, weights=y - share)
    se = np.sqrt(float(scores @ scores)) / (n * share * (1 - share))
    half = scipy.special.ndtri(1 - alpha / 2) * se
    centre = scipy.special.logit(share)
    return float(scipy.special.expit(centre - half)), float(scipy.special.expit(centre + half))


def share_interval(y: np.ndarray, groups: np.ndarray | None = None, *,
                   alpha: float = 0.05) -> tuple[float, float, str]:
    """Interval of the share of units with ``y`` true, cluster-aware.

    When ``groups`` repeat (several units of one participant; at least two participants) and
    the share is strictly between 0 and 1, the cluster-robust logit-scale Wald interval of
    :func:`incidence`; otherwise Wilson's. Returns ``(lower, upper, interval name)``, with
    ``0 <= lower <= share <= upper <= 1`` (NaN bounds for no units).
    """
    y = np.asarray(y, dtype=float)
    events, n = float(y.sum()), len(y)
    if n == 0:
        return float("nan"), float("nan"), "wilson"
    codes = (None if groups is None
             else pd.factorize(np.asarray(groups), use_na_sentinel=False)[0])
    clustered = codes is not None and 1 < codes.max() + 1 < n
    if clustered and codes is not None and 0 < events < n:
        low, high = _cluster_robust_closed(y, codes, alpha)
        return (*_contain(events / n, low, high), CLUSTER_ROBUST)
    low, high = sm.proportion_confint(events, n, alpha=alpha, method="wilson")
    return (*_contain(events / n, low, high), "wilson")


def _occurrence(
    transitions: Any,
    *,
    outcome: Literal["incidence", "resolution"],
    alpha: float,
    method: ProportionMethod,
    cluster: str | None,
    interval: tuple[float, float] | None,
    weights: str | None = None,
) -> IncidenceResult:
    alpha = check_alpha(alpha)
    _, label = _check_method(method)
    table, unit = _transition_table(transitions)
    cluster_column = PARTICIPANT if cluster == AUTO else cluster
    require_columns(
        table,
        [PARTICIPANT, VISIT_FROM, VISIT_TO, PRESENT_FROM, PRESENT_TO]
        + ([cluster_column] if cluster_column else []),
        table="transitions",
    )
    table, visits = _select_interval(table, interval)
    start = _as_boolean(table, PRESENT_FROM)
    end = _as_boolean(table, PRESENT_TO)
    if outcome == "resolution" and CHANGE in table.columns:
        # as transitions classify: resolved is complete resolution (below grade 1), which
        # "present_to" False is not when a threshold above 1 defined presence (3 -> 1)
        change = table[CHANGE].astype(object)
        end = pd.Series(pd.array(change != "resolved", dtype="boolean"), index=table.index)
        end[change.isna().to_numpy()] = pd.NA

    at_risk_status = outcome == "resolution"  # lesion at baseline for resolution
    missing_start = start.isna().to_numpy()
    not_at_risk = ~missing_start & (start.fillna(not at_risk_status) != at_risk_status).to_numpy()
    at_risk = ~missing_start & ~not_at_risk
    missing_end = at_risk & end.isna().to_numpy()
    used = at_risk & ~missing_end
    excluded = [
        ("missing baseline status", int(missing_start.sum())),
        ("lesion at baseline (not at risk)" if outcome == "incidence"
         else "no lesion at baseline (not at risk)", int(not_at_risk.sum())),
        ("missing follow-up", int(missing_end.sum())),
    ]
    w = None
    if weights is not None:
        # units lost carry no weight (ipcw leaves them NaN): check only the rows used
        values = weight_values(table, weights, used, table="transitions")
        missing_weight = used & np.isnan(values)
        used = used & ~missing_weight
        excluded.append((f"missing {weights}", int(missing_weight.sum())))
    n = int(used.sum())
    if n == 0:
        raise AnalysisInputError(
            f"transitions: no {unit} is at risk of {outcome} with a follow-up status over the "
            f"interval {visits} (exclusions: {dict(excluded)}). Check the interval and the "
            f"{PRESENT_FROM}/{PRESENT_TO} columns."
        )
    # event: lesion appears (incidence) or is fully gone (resolution) at follow-up
    y = (end.to_numpy(dtype=bool, na_value=False)[used] != at_risk_status).astype(float)
    events = int(y.sum())
    if weights is not None:
        w = values[used]

    caveats: list[str] = []
    raw = None
    design_effect = None
    used_cluster: str | None = None
    rows = table.loc[used]
    if cluster_column is not None and rows[cluster_column].isna().any():
        raise AnalysisInputError(
            f"transitions: cluster column {cluster_column!r} is missing on rows "
            f"{describe_rows(rows.index[rows[cluster_column].isna().to_numpy()])}; fill it or "
            f"pass cluster=None.")
    plan = plan_clusters(rows, cluster, table="transitions", what=f"{unit}s at risk")
    if plan.warning is not None:
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=3)
        caveats.append(plan.warning)
    if w is not None:
        from ._weighted import weighted_share

        estimate, low, high, label, design_effect, raw = weighted_share(
            y, w, plan, unit=unit, outcome=outcome, alpha=alpha, method=method,
            caveats=caveats)
        return IncidenceResult(
            term=outcome, estimate=estimate, ci_lower=low, ci_upper=high, p_value=None,
            method=label, alpha=alpha, visits=visits,
            cluster=plan.column if plan.clustered else None, design_effect=design_effect,
            accounting=Accounting(
                unit=unit, n_rows=len(table), n_used=n, events=events,
                n_clusters=plan.n_clusters, cluster=plan.column,
                excluded=tuple((reason, count) for reason, count in excluded if count),
                clustered=bool(plan.clustered), weights=weights, effective_n=effective_n(w)),
            warnings=tuple(caveats), raw=raw, weights=weights)
    if plan.clustered and events in (0, n):
        message = (
            f"{outcome}: {events} events among {n} {unit}s at risk, so the logit of the "
            f"proportion is infinite and the cluster-robust interval is undefined; the "
            f"{label} interval ignoring clustering was used instead."
        )
        warnings.warn(message, SmallCellWarning, stacklevel=3)
        caveats.append(message)
    elif plan.clustered and plan.groups is not None:  # (a clustered plan has its groups)
        low, high, design_effect, raw = _cluster_robust(y, plan.groups, alpha)
        low, high = _contain(events / n, low, high)
        label = CLUSTER_ROBUST
        used_cluster = plan.column
    if raw is None:
        low, high = _confint(events, n, method, alpha)
    return IncidenceResult(
        term=outcome,
        estimate=events / n,
        ci_lower=low,
        ci_upper=high,
        p_value=None,
        method=label,
        alpha=alpha,
        visits=visits,
        cluster=used_cluster,
        design_effect=design_effect,
        accounting=Accounting(
            unit=unit,
            n_rows=len(table),
            n_used=n,
            events=events,
            n_clusters=plan.n_clusters,
            cluster=plan.column,
            excluded=tuple((reason, count) for reason, count in excluded if count),
            clustered=used_cluster is not None,
        ),
        warnings=tuple(caveats),
        raw=raw,
    )


_SHARED_DOC = """
    Parameters
    ----------
    transitions : Transitions or pandas.DataFrame
        A transitions object (``.table``, ``.unit``) or its table, with the columns
        ``participant_id``, ``visit_from``, ``visit_to``, ``present_from``, ``present_to``
        (boolean; missing when a visit was missed), one row per unit and visit interval.
    alpha : float, default=0.05
        One minus the confidence level.
    method : {"wilson", "exact", "clopper-pearson", "jeffreys"}, default="wilson"
        Interval used when units do not cluster (see :func:`proportion`).
    cluster : "auto", str or None, default="auto"
        ``"auto"``: group by ``participant_id`` and use the cluster-robust interval when some
        participant contributes more than one unit at risk, else ``method``. A column name:
        always cluster-robust, grouped by that column. ``None``: ignore clustering (a
        :class:`~bmecohort.exceptions.DataQualityWarning` when participants hold several
        units at risk). See :mod:`bmecohort._clusters`.
    interval : tuple of (float, float) or None, default=None
        The nominal visits ``(baseline, follow_up)`` to use. Required when the table holds
        more than one interval (an error lists those present).
    weights : str or None, default=None
        Column of analysis weights, e.g. inverse-probability-of-censoring weights from
        :func:`bmecohort.ipcw` for loss to follow-up. Positive and finite on the units used;
        a unit whose weight is missing is excluded and counted as "missing <column>" (units
        lost may hold anything, as they are not used). ``None``: unweighted.

    Returns
    -------
    IncidenceResult
        ``estimate``, ``ci_lower``, ``ci_upper``, ``method`` (the interval used),
        ``visits``, ``design_effect`` and ``accounting`` (units in the interval, units used,
        events, clusters; exclusions "missing baseline status", "... (not at risk)",
        "missing follow-up" and, weighted, "missing <weights>"; with ``weights`` and Kish's
        ``effective_n``); ``weights`` names the weights.

    Notes
    -----
    Units whose follow-up status is missing are excluded (complete-case); this assumes the
    missed visits are unrelated to the lesion course.

    The cluster-robust interval fits :math:`\\operatorname{logit} P(Y=1) = \\beta_0` by
    maximum likelihood (:math:`\\hat\\beta_0 = \\operatorname{logit}\\hat p`) with the
    clustered sandwich variance, and returns
    :math:`\\operatorname{expit}(\\hat\\beta_0 \\pm z_{1-\\alpha/2}\\,\\widehat{se})`. The
    sandwich has no small-sample factor, as R's
    ``geepack::geeglm(y ~ 1, family = binomial, id = participant, corstr = "independence")``
    ``san.se`` (the same sandwich as every cluster-robust interval of bmecohort). With no events, or all units with the event, the logit is infinite: the
    unclustered ``method`` is used and a :class:`~bmecohort.exceptions.SmallCellWarning`
    is issued.

    Weighted, the estimate is :math:`\\hat p_w = \\sum_i w_i y_i / \\sum_i w_i` and the
    interval is always a sandwich (weights make the binomial variance wrong even for
    independent units): the same logit-scale Wald interval from the weighted GLM, with
    :math:`\\widehat{var}(\\hat\\beta_0) = \\sum_g \\big(\\sum_{i\\in g} w_i(y_i - \\hat p_w)
    \\big)^2 / \\big(\\hat p_w(1-\\hat p_w)\\sum_i w_i\\big)^2`, grouped by participant as
    ``cluster`` says, else each unit its own group. It equals R's
    ``geepack::geeglm(y ~ 1, binomial, weights = w, id = participant, corstr =
    "independence")`` and ``survey::svyciprop(~y, svydesign(ids = ~participant_id, weights
    = ~w), method = "logit", df = Inf)`` with survey's variance times :math:`(G-1)/G`
    (survey's with-replacement factor; :math:`G` clusters). The weights are taken as known
    (the variance of estimating them is ignored, which for IPCW errs on the conservative
    side). With no or only events, Kish's effective sample size
    :math:`(\\sum w)^2/\\sum w^2` enters ``method`` instead (a ``SmallCellWarning``).
"""


def incidence(
    transitions: Any,
    *,
    alpha: float = 0.05,
    method: ProportionMethod = "wilson",
    cluster: str | None = "auto",
    interval: tuple[float, float] | None = None,
    weights: str | None = None,
) -> IncidenceResult:
    """Incidence: the proportion of lesion-free units at baseline with a lesion at follow-up.

    Units at risk have ``present_from`` False; the event is ``present_to`` True.
    """
    return _occurrence(
        transitions, outcome="incidence", alpha=alpha, method=method, cluster=cluster,
        interval=interval, weights=weights,
    )


def resolution(
    transitions: Any,
    *,
    alpha: float = 0.05,
    method: ProportionMethod = "wilson",
    cluster: str | None = "auto",
    interval: tuple[float, float] | None = None,
    weights: str | None = None,
) -> IncidenceResult:
    """Resolution: the proportion of units with a lesion at baseline and none at follow-up.

    Units at risk have ``present_from`` True. The event is complete resolution, as
    :func:`bmecohort.transitions` classifies it: when the table has a ``change`` column (a
    transitions table), ``change == "resolved"``, no lesion of grade 1 or more left whatever
    threshold defined presence (with ``threshold=2`` a lesion going 3 -> 1 has regressed and
    is not resolved; a unit with a missing ``change`` is excluded as missing follow-up);
    otherwise ``present_to`` False, which must then mean that no lesion is left.
    """
    return _occurrence(
        transitions, outcome="resolution", alpha=alpha, method=method, cluster=cluster,
        interval=interval, weights=weights,
    )


incidence.__doc__ = (incidence.__doc__ or "") + _SHARED_DOC + """
    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.occurrence.proportions import incidence
    >>> table = pd.DataFrame({
    ...     "participant_id": [1, 2, 3, 4], "visit_from": 0, "visit_to": 24,
    ...     "present_from": [False, False, False, True],
    ...     "present_to": [True, False, False, True]})
    >>> incidence(table).estimate
    0.3333333333333333

    Weighted for loss to follow-up (person 5 was lost; the weights of those seen come from
    a model of being seen, here given):

    >>> table = pd.DataFrame({
    ...     "participant_id": [1, 2, 3, 4, 5, 6], "visit_from": 0, "visit_to": 24,
    ...     "present_from": False, "present_to": [True, False, False, True, None, False],
    ...     "w": [1.5, 0.8, 0.8, 1.5, None, 0.8]})
    >>> fit = incidence(table, weights="w")
    >>> round(fit.estimate, 3), fit.method, fit.weights
    (0.556, 'weighted-logit-wald-robust', 'w')
"""
resolution.__doc__ = (resolution.__doc__ or "") + _SHARED_DOC + """
    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.occurrence.proportions import resolution
    >>> table = pd.DataFrame({
    ...     "participant_id": [1, 2, 3], "visit_from": 0, "visit_to": 24,
    ...     "present_from": [True, True, False], "present_to": [False, True, False]})
    >>> resolution(table).estimate
    0.5
    >>> resolution(table.assign(w=[2.0, 1.0, None]), weights="w").estimate  # 2 / (2 + 1)
    0.6666666666666666
"""

