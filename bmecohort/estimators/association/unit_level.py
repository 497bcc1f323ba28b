"""Odds ratio, risk ratio and risk difference from unit-level data, optionally clustered.

Data-level front ends of :mod:`bmecohort.estimators.association.twobytwo`: a DataFrame with one row per
unit (e.g. knee), a binary ``exposure`` and a binary ``outcome`` column. Rows missing either
are excluded and counted. By default (``cluster="auto"``, see :mod:`bmecohort._clusters`),
when ``participant_id`` repeats among the rows used (two knees per person) the crude point
estimate is kept and the interval and p-value come from a cluster-robust (plain sandwich)
variance of a statsmodels GLM; ``cluster=None`` opts out, with a warning on clustered rows.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha, prepare
from ..._clusters import (
    AUTO,
    ClusterPlan,
    carry,
    cluster_cov_kwds,
    cluster_request,
    plan_clusters,
)
from ..._weights import check_weights, effective_n, fit_weighted_glm
from ...exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SmallCellWarning,
)
from ...results import Accounting
from ._table import (
    OddsRatioResult,
    RiskDifferenceResult,
    RiskRatioResult,
    TwoByTwoCounts,
    TwoByTwoResult,
    emit,
    make_counts,
    zero_cells,
)
from .twobytwo import (
    OddsRatioMethod,
    ZeroCorrection,
    compute_odds_ratio,
    compute_risk_difference,
    compute_risk_ratio,
)

__all__ = ["odds_ratio", "risk_difference", "risk_ratio"]

Caveats = list[tuple[type[Warning], str]]


def crosstab(frame: pd.DataFrame, exposure: str, outcome: str) -> TwoByTwoCounts:
    """Counts of a prepared frame (0/1 columns), validated as a 2x2 table."""
    # code 3 = exposed case, 2 = exposed non-case, 1 = unexposed case, 0 = unexposed non-case
    codes = 2 * frame[exposure].to_numpy(np.int64) + frame[outcome].to_numpy(np.int64)
    d, c, b, a = np.bincount(codes, minlength=4).tolist()
    return make_counts(
        dict(exposed_cases=a, exposed_noncases=b, unexposed_cases=c, unexposed_noncases=d),
        table=f"data (exposure {exposure!r} by outcome {outcome!r})")


def _prepare(
    data: pd.DataFrame, exposure: str, outcome: str, cluster: str | None,
    opt_out: str | None = None, weights: str | None = None,
) -> tuple[pd.DataFrame, Accounting, TwoByTwoCounts, ClusterPlan]:
    if exposure == outcome:
        raise AnalysisInputError(
            f"data: exposure and outcome are the same column {exposure!r}; pass two columns.")
    column = cluster_request(data, cluster)
    if column is not None and column in (exposure, outcome):
        raise AnalysisInputError(
            f"data: cluster {column!r} is also the exposure or outcome; pass the column that "
            f"identifies the clusters, e.g. cluster='participant_id'.")
    if weights is not None and not isinstance(weights, str):
        raise AnalysisInputError(
            f"weights must be a column name or None, got {type(weights).__name__}; store "
            f"the weights as a column, e.g. data['ipcw'] = bmecohort.ipcw(...).")
    # the weight column last: a row lost to follow-up counts as missing its outcome
    frame, excluded = prepare(data, [exposure, outcome, column, weights],
                              binary=[exposure, outcome], carry=carry(data))
    if frame.empty:
        raise AnalysisInputError(
            f"data: no complete rows in columns "
            f"{[c for c in (exposure, outcome, column, weights) if c]}"
            f" (of {len(data)} rows); exclusions: {dict(excluded) or 'none'}.")
    counts = crosstab(frame, exposure, outcome)
    plan = plan_clusters(frame, cluster, opt_out=opt_out)
    accounting = Accounting(unit="row", n_rows=len(data), n_used=len(frame),
                            events=int(counts.cases), n_clusters=plan.n_clusters,
                            cluster=plan.column, excluded=excluded, clustered=plan.clustered)
    if weights is not None:
        w = check_weights(frame, weights)
        frame = frame.assign(**{weights: w})
        accounting = replace(accounting, weights=weights, effective_n=effective_n(w))
    return frame, accounting, counts, plan


def _cluster_fit(
    frame: pd.DataFrame, exposure: str, outcome: str, groups: np.ndarray, family: Any
) -> tuple[Any, Caveats]:
    """GLM of outcome on exposure with the plain cluster-robust (sandwich) covariance."""
    y = frame[outcome].to_numpy(float)
    design = np.column_stack([np.ones(len(frame)), frame[exposure].to_numpy(float)])
    fit = sm.GLM(y, design, family=family).fit(cov_type="cluster",
                                               cov_kwds=cluster_cov_kwds(groups))
    caveats: Caveats = []
    if not fit.converged:
        caveats.append((ConvergenceWarning,
                        f"data: the {family.__class__.__name__} GLM behind the cluster-robust "
                        f"interval did not converge; do not trust the interval."))
    return fit, caveats


def _with_cluster(
    crude: TwoByTwoResult,
    caveats: Caveats,
    frame: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    plan: ClusterPlan,
    family: Any,
    log_scale: bool,
    defined: bool,
) -> tuple[Any, Caveats]:
    """Cluster-robust interval and p-value when ``plan`` says so (estimate kept).

    Otherwise the crude result, with the opt-out warning (if any) recorded.
    """
    if not plan.clustered or plan.groups is None:  # (a clustered plan has its groups)
        if plan.warning is None:
            return crude, caveats
        return (replace(crude, warnings=crude.warnings + (plan.warning,)),
                caveats + [(DataQualityWarning, plan.warning)])
    method = f"{crude.method}-cluster-robust"
    p_values = dict(crude.p_values)
    if not defined:
        # a zero cell separates the GLM: no finite robust variance exists
        p_values["wald_cluster_robust"] = float("nan")
        more: Caveats = [(SmallCellWarning,
                          f"data: a zero cell separates the {family.__class__.__name__} GLM, "
                          f"so no cluster-robust interval exists (interval and p-value "
                          f"reported as nan).")]
        return replace(crude, method=method, ci_lower=float("nan"), ci_upper=float("nan"),
                       p_value=float("nan"), p_values=MappingProxyType(p_values), raw=None,
                       warnings=crude.warnings + tuple(m for _, m in more)), caveats + more
    fit, more = _cluster_fit(frame, exposure, outcome, plan.groups, family)
    se = float(fit.bse[1])
    z = float(scipy.special.ndtri(1 - crude.alpha / 2))
    if log_scale:
        centre = float(np.log(crude.estimate))
        lower, upper = np.exp(centre - z * se), np.exp(centre + z * se)
    else:
        lower, upper = crude.estimate - z * se, crude.estimate + z * se
    p_values["wald_cluster_robust"] = float(fit.pvalues[1])
    return replace(crude, method=method, ci_lower=float(lower), ci_upper=float(upper),
                   p_value=float(fit.pvalues[1]), p_values=MappingProxyType(p_values),
                   raw=fit, warnings=crude.warnings + tuple(m for _, m in more)), caveats + more


def _cluster_options(cluster: str | None, **options: Any) -> str | None:
    """Options without a cluster-robust form: an error with a named cluster column, the
    reason of an opt-out (warned when the rows cluster) with ``"auto"``."""
    bad = {k: v for k, v in options.items() if v is not None}
    if cluster is None or not bad:
        return None
    shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
    if cluster == AUTO:
        return f"{shown} has no cluster-robust form"
    raise AnalysisInputError(
        f"cluster={cluster!r} gives a Wald-type cluster-robust interval and cannot be "
        f"combined with {shown}. Use the defaults with cluster=, or pass cluster=None for "
        f"that option.")


#: measure -> (model named in ``method``, GLM family in ``statsmodels.genmod.families``,
#: estimate on the log scale); the family is looked up when fitted, not at import
_WEIGHTED: dict[str, tuple[str, str, bool]] = {
    "odds ratio": ("logistic", "Binomial", True),
    "risk ratio": ("log-poisson", "Poisson", True),
    "risk difference": ("linear", "Gaussian", False),
}


def _weighted_options(weights: str | None, **options: Any) -> None:
    """Options with no weighted form: an error naming them (the weighted interval is Wald)."""
    bad = {k: v for k, v in options.items() if v is not None}
    if weights is None or not bad:
        return
    shown = ", ".join(f"{k}={v!r}" for k, v in bad.items())
    raise AnalysisInputError(
        f"weights={weights!r} gives a Wald interval from the weighted regression with a "
        f"robust variance; {shown} has no weighted form (exact, mid-p and Cornfield "
        f"intervals and zero-cell corrections need the observed whole counts). Drop {shown} "
        f"or weights=.")


def _weighted_table(frame: pd.DataFrame, exposure: str, outcome: str,
                    weights: str) -> TwoByTwoCounts:
    """The 2x2 table of summed weights (cells in table order)."""
    codes = 2 * frame[exposure].to_numpy(np.int64) + frame[outcome].to_numpy(np.int64)
    d, c, b, a = np.bincount(codes, weights=frame[weights].to_numpy(float),
                             minlength=4).tolist()
    return TwoByTwoCounts(a, b, c, d)


def _weighted(
    cls: Any,
    frame: pd.DataFrame,
    counts: TwoByTwoCounts,
    accounting: Accounting,
    *,
    exposure: str,
    outcome: str,
    weights: str,
    plan: ClusterPlan,
    alpha: float,
) -> tuple[Any, Caveats]:
    """The weighted estimate with a robust (HC0) or cluster-robust interval.

    The estimate is the measure of the table of summed weights, which equals the weighted
    GLM's (one binary exposure); its standard error is the GLM's sandwich.
    """
    alpha = check_alpha(alpha)
    label, family, log_scale = _WEIGHTED[cls.measure]
    table = _weighted_table(frame, exposure, outcome, weights)
    a, b, c, d = table.cells()
    scope = "cluster-robust" if plan.clustered else "robust"
    method = f"ipw-{label}-{scope}"
    caveats: Caveats = []
    if plan.warning is not None:
        caveats.append((DataQualityWarning, plan.warning))
    with np.errstate(divide="ignore", invalid="ignore"):
        risk1, risk0 = a / (a + b), c / (c + d)
        if cls.measure == "odds ratio":
            estimate = float(np.divide(a * d, b * c))
            defined = min(counts.cells()) > 0
        elif cls.measure == "risk ratio":
            estimate = float(np.divide(risk1, risk0))
            defined = counts.exposed_cases > 0 and counts.unexposed_cases > 0
        else:
            estimate = float(risk1 - risk0)
            defined = True
    lower = upper = p_value = float("nan")
    fit: Any = None
    if not defined:
        caveats.append((SmallCellWarning,
                        f"data: a zero cell ({', '.join(zero_cells(counts))}) separates the "
                        f"weighted {label} model, so no robust interval exists (interval and "
                        f"p-value reported as nan)."))
    else:
        y = frame[outcome].to_numpy(float)
        design = np.column_stack([np.ones(len(frame)), frame[exposure].to_numpy(float)])
        fit, flagged = fit_weighted_glm(y, design, frame[weights].to_numpy(float),
                                        plan.groups if plan.clustered else None,
                                        getattr(sm.families, family)())
        if flagged:
            caveats.append((ConvergenceWarning,
                            f"data: the weighted {label} model behind the interval did not "
                            f"converge; do not trust the interval."))
        se = float(fit.bse[1])
        z = float(scipy.special.ndtri(1 - alpha / 2))
        centre = float(np.log(estimate)) if log_scale else estimate
        lower, upper = centre - z * se, centre + z * se
        if log_scale:
            lower, upper = float(np.exp(lower)), float(np.exp(upper))
        p_value = float(fit.pvalues[1])
    key = "wald_cluster_robust" if plan.clustered else "wald_robust"
    out = cls(term=exposure, estimate=estimate, ci_lower=float(lower), ci_upper=float(upper),
              p_value=p_value, method=method, alpha=alpha, zero_correction="none",
              counts=counts, counts_used=table, p_values=MappingProxyType({key: p_value}),
              accounting=accounting, warnings=tuple(m for _, m in caveats), raw=fit)
    return out, caveats


def odds_ratio(
    data: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    method: OddsRatioMethod = "woolf",
    alpha: float = 0.05,
    zero_correction: ZeroCorrection = None,
    cluster: str | None = AUTO,
    weights: str | None = None,
) -> OddsRatioResult:
    r"""Odds ratio of ``outcome`` for ``exposure`` from unit-level data.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (e.g. knee); never modified.
    exposure : str
        Binary column (0/1 or boolean); 1 = exposed.
    outcome : str
        Binary column; 1 = case.
    method : {"woolf", "exact", "midp", "cornfield"}, default="woolf"
        Interval method, see :func:`~bmecohort.estimators.association.twobytwo.odds_ratio_from_counts`.
    alpha : float, default=0.05
        One minus the confidence level.
    zero_correction : {None, "haldane"}, default=None
        ``"haldane"``: add 0.5 to all four cells when a cell is 0 (not with ``cluster``).
    cluster : "auto", str or None, default="auto"
        ``"auto"``: cluster-robust, grouped by ``participant_id``, when that column repeats
        among the rows used (two knees of one person); else unclustered. A column name:
        always cluster-robust, grouped by it. ``None``: analyse the rows as independent (a
        :class:`~bmecohort.exceptions.DataQualityWarning` when ``participant_id`` repeats).
        Cluster-robust intervals are Woolf-type (method ``"woolf-cluster-robust"``); with
        another ``method`` or a zero correction, ``"auto"`` keeps the unclustered interval
        and warns when the rows cluster.
    weights : str or None, default=None
        Column of inverse-probability weights, e.g. ``data["ipcw"] = bmecohort.ipcw(...)``;
        ``None`` (the default) is unweighted. The estimate is then the weighted odds ratio
        (the odds ratio of the table of summed weights, ``counts_used``) with a Wald
        interval from the robust variance of the weighted logistic model: cluster-robust
        by ``cluster`` (``method="ipw-logistic-cluster-robust"``) or HC0 when the units do
        not cluster (``"ipw-logistic-robust"``). Rows missing the weight are excluded and
        counted; weights that are not finite and above zero are an error. Not with
        ``method`` other than ``"woolf"`` or ``zero_correction``. ``accounting`` records
        the column and Kish's effective sample size.

    Returns
    -------
    OddsRatioResult
        ``summary()`` columns: ``term`` (the exposure column), ``estimate, ci_lower,
        ci_upper, p_value, n`` (rows used), ``events`` (cases). ``accounting`` holds rows
        in, rows used, exclusions (missing exposure/outcome/cluster), the cluster column,
        ``n_clusters`` and ``clustered`` (whether the interval is cluster-robust); an opt-out
        on clustered rows is in ``warnings``. ``raw`` is the statsmodels ``Table2x2``, scipy's result
        (``"exact"``) or the GLM results (``cluster``).

    Raises
    ------
    AnalysisInputError
        Missing columns, non-binary exposure or outcome, an empty row or column of the
        table, fewer than 2 clusters, or ``cluster`` combined with another method or a
        zero correction.

    Warns
    -----
    SmallCellWarning
        Zero cells or expected counts below 5 (also recorded in ``warnings``).
    ConvergenceWarning
        The GLM behind a cluster-robust interval did not converge.
    DataQualityWarning
        Rows that cluster in ``participant_id`` analysed as independent (``cluster=None``,
        or a method without a cluster-robust form).

    Notes
    -----
    Formulas and references are in
    :func:`~bmecohort.estimators.association.twobytwo.odds_ratio_from_counts`.

    When clustered, the point estimate stays the crude one and the interval is
    :math:`\hat\theta \pm z_{1-\alpha/2}\,\widehat{se}` on the log scale, where
    :math:`\widehat{se}` is the cluster-robust (sandwich) standard error of the exposure
    coefficient of a statsmodels GLM (binomial, logit link) fitted with
    ``cov_type="cluster"``; for a single binary exposure the GLM estimate equals the crude
    one. A zero cell separates the GLM; the interval is then ``nan``. The sandwich has no
    small-sample factor (:data:`bmecohort._clusters.SANDWICH`): it equals geepack's
    ``geeglm(corstr="independence")`` ``san.se`` and the independence GEE of
    :func:`~bmecohort.logistic`. ``p_value`` is then the cluster-robust Wald test; the
    unclustered tests stay in ``p_values`` for reference only. The sandwich needs many
    clusters (at least 30-50 is a common rule of thumb).

    With ``weights`` :math:`w_i` (inverse probabilities of being observed, so not
    frequency weights) the estimate solves :math:`\sum_i w_i x_i (y_i - \mu_i) = 0` for
    the logistic model of the outcome on the exposure, and its variance is the sandwich
    (statsmodels' GLM with ``var_weights``): equal to geepack's ``geeglm(weights = w, id =,
    corstr = "independence")`` ``san.se`` when clustered and to its HC0 form otherwise;
    R ``survey::svyglm`` gives the same estimate with the variance multiplied by
    :math:`n/(n-1)` (``ids = ~1``) or :math:`G/(G-1)` (``ids = ~cluster``), checked in
    ``tests/reference/weights``. The p-value is the robust Wald test (``p_values`` holds
    only it: the unweighted tests do not apply).

    Examples
    --------
    Two knees per person: the interval is cluster-robust by default.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> knees = pd.DataFrame({"participant_id": np.repeat(np.arange(150), 2),
    ...                       "bml": rng.integers(0, 2, 300)})
    >>> knees["pain"] = rng.binomial(1, 0.25 + 0.25 * knees["bml"])
    >>> r = odds_ratio(knees, exposure="bml", outcome="pain")
    >>> r.method, r.accounting.n_clusters, r.accounting.clustered
    ('woolf-cluster-robust', 150, True)

    Weighted for loss to follow-up (older people were lost more often):

    >>> from bmecohort import ipcw
    >>> knees["age"] = rng.normal(62, 8, 300)
    >>> knees["seen"] = rng.binomial(1, 1 / (1 + np.exp(-(1.5 - 0.05 * (knees["age"] - 62)))))
    >>> knees["ipcw"] = ipcw(knees, observed="seen", covariates=["age"])
    >>> followed = knees.assign(pain=knees["pain"].where(knees["seen"] == 1))
    >>> w = odds_ratio(followed, exposure="bml", outcome="pain", weights="ipcw")
    >>> w.method, w.accounting.weights, w.accounting.excluded
    ('ipw-logistic-cluster-robust', 'ipcw', (('missing pain', 56),))
    """
    if weights is not None:
        _weighted_options(weights, zero_correction=zero_correction,
                          method=None if method == "woolf" else method)
        frame, accounting, counts, plan = _prepare(data, exposure, outcome, cluster,
                                                   weights=weights)
        out, caveats = _weighted(OddsRatioResult, frame, counts, accounting, exposure=exposure,
                                 outcome=outcome, weights=weights, plan=plan, alpha=alpha)
        emit(caveats)
        return out
    opt_out = _cluster_options(cluster, zero_correction=zero_correction,
                               method=None if method == "woolf" else method)
    frame, accounting, counts, plan = _prepare(data, exposure, outcome, cluster, opt_out)
    out, caveats = compute_odds_ratio(
        counts, method=method, alpha=alpha, zero_correction=zero_correction, term=exposure,
        accounting=accounting, table="data")
    out, caveats = _with_cluster(
        out, caveats, frame, exposure=exposure, outcome=outcome, plan=plan,
        family=sm.families.Binomial(), log_scale=True, defined=min(counts.cells()) > 0)
    emit(caveats)
    return out


def risk_ratio(
    data: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    alpha: float = 0.05,
    zero_correction: ZeroCorrection = None,
    cluster: str | None = AUTO,
    weights: str | None = None,
) -> RiskRatioResult:
    r"""Risk ratio of ``outcome`` for ``exposure`` (Katz log interval) from unit-level data.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    exposure : str
        Binary column; 1 = exposed.
    outcome : str
        Binary column; 1 = case.
    alpha : float, default=0.05
        One minus the confidence level.
    zero_correction : {None, "haldane"}, default=None
        ``"haldane"``: add 0.5 to all four cells when a cell is 0 (not with ``cluster``).
    cluster : "auto", str or None, default="auto"
        As :func:`odds_ratio`; cluster-robust intervals are ``method="katz-cluster-robust"``.
    weights : str or None, default=None
        As :func:`odds_ratio`: the weighted risk ratio with the robust variance of a
        weighted Poisson (log link) model (``method="ipw-log-poisson-cluster-robust"`` or
        ``"ipw-log-poisson-robust"``).

    Returns
    -------
    RiskRatioResult
        As :func:`odds_ratio`; ``raw`` is ``Table2x2`` or the Poisson GLM results.

    Raises
    ------
    AnalysisInputError
        As :func:`odds_ratio`.

    Warns
    -----
    SmallCellWarning
        No cases in a group, zero cells, expected counts below 5.
    ConvergenceWarning
        The GLM behind a cluster-robust interval did not converge.

    Notes
    -----
    See :func:`~bmecohort.estimators.association.twobytwo.risk_ratio_from_counts`.

    When clustered, the point estimate stays the crude one and the interval is
    :math:`\hat\theta \pm z_{1-\alpha/2}\,\widehat{se}` on the log scale, where
    :math:`\widehat{se}` is the cluster-robust (sandwich) standard error of the exposure
    coefficient of a statsmodels GLM (Poisson, log link: the modified Poisson of Zou 2004;
    on one binary exposure its sandwich equals the log-binomial one) fitted with
    ``cov_type="cluster"``; for a single binary exposure the GLM estimate equals the crude
    one. The sandwich has no small-sample factor (:data:`bmecohort._clusters.SANDWICH`;
    geepack's ``geeglm(corstr="independence")`` ``san.se``). ``p_value`` is then the cluster-robust Wald test; the
    unclustered tests stay in ``p_values`` for reference only. The sandwich needs many
    clusters (at least 30-50 is a common rule of thumb).

    Examples
    --------
    Two knees per person: the interval is cluster-robust by default.

    >>> import numpy as np, pandas as pd
    >>> from bmecohort import risk_ratio
    >>> rng = np.random.default_rng(3)
    >>> knees = pd.DataFrame({"participant_id": np.repeat(np.arange(150), 2),
    ...                       "bml": rng.integers(0, 2, 300)})
    >>> knees["pain"] = rng.binomial(1, 0.25 + 0.25 * knees["bml"])
    >>> r = risk_ratio(knees, exposure="bml", outcome="pain")
    >>> r.method, r.accounting.n_clusters, round(r.estimate, 2)
    ('katz-cluster-robust', 150, 2.21)
    """
    if weights is not None:
        _weighted_options(weights, zero_correction=zero_correction)
        frame, accounting, counts, plan = _prepare(data, exposure, outcome, cluster,
                                                   weights=weights)
        out, caveats = _weighted(RiskRatioResult, frame, counts, accounting, exposure=exposure,
                                 outcome=outcome, weights=weights, plan=plan, alpha=alpha)
        emit(caveats)
        return out
    opt_out = _cluster_options(cluster, zero_correction=zero_correction)
    frame, accounting, counts, plan = _prepare(data, exposure, outcome, cluster, opt_out)
    out, caveats = compute_risk_ratio(
        counts, alpha=check_alpha(alpha), zero_correction=zero_correction, term=exposure,
        accounting=accounting, table="data")
    out, caveats = _with_cluster(
        out, caveats, frame, exposure=exposure, outcome=outcome, plan=plan,
        family=sm.families.Poisson(), log_scale=True,
        defined=counts.exposed_cases > 0 and counts.unexposed_cases > 0)
    emit(caveats)
    return out


def risk_difference(
    data: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    alpha: float = 0.05,
    cluster: str | None = AUTO,
    weights: str | None = None,
) -> RiskDifferenceResult:
    r"""Risk difference of ``outcome`` between exposure groups (Wald) from unit-level data.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    exposure : str
        Binary column; 1 = exposed.
    outcome : str
        Binary column; 1 = case.
    alpha : float, default=0.05
        One minus the confidence level.
    cluster : "auto", str or None, default="auto"
        As :func:`odds_ratio`; cluster-robust intervals are ``method="wald-cluster-robust"``.
    weights : str or None, default=None
        As :func:`odds_ratio`: the weighted risk difference with the robust variance of a
        weighted linear (identity link) model (``method="ipw-linear-cluster-robust"`` or
        ``"ipw-linear-robust"``).

    Returns
    -------
    RiskDifferenceResult
        As :func:`odds_ratio`; ``raw`` is ``Table2x2`` or the Gaussian GLM results.

    Raises
    ------
    AnalysisInputError
        As :func:`odds_ratio`.

    Warns
    -----
    SmallCellWarning
        Zero cells or expected counts below 5.
    ConvergenceWarning
        The GLM behind a cluster-robust interval did not converge.

    Notes
    -----
    See :func:`~bmecohort.estimators.association.twobytwo.risk_difference_from_counts`.

    When clustered, the point estimate stays the crude one and the interval is
    :math:`\hat\theta \pm z_{1-\alpha/2}\,\widehat{se}` on the risk scale, where
    :math:`\widehat{se}` is the cluster-robust (sandwich) standard error of the exposure
    coefficient of a statsmodels GLM (Gaussian, identity link: the linear probability model)
    fitted with ``cov_type="cluster"``; for a single binary exposure the GLM estimate equals
    the crude one. The sandwich has no small-sample factor
    (:data:`bmecohort._clusters.SANDWICH`; geepack's ``geeglm(corstr="independence")``
    ``san.se``). ``p_value`` is then the cluster-robust Wald test; the
    unclustered tests stay in ``p_values`` for reference only. The sandwich needs many
    clusters (at least 30-50 is a common rule of thumb).

    Examples
    --------
    Two knees per person: the interval is cluster-robust by default.

    >>> import numpy as np, pandas as pd
    >>> from bmecohort import risk_difference
    >>> rng = np.random.default_rng(3)
    >>> knees = pd.DataFrame({"participant_id": np.repeat(np.arange(150), 2),
    ...                       "bml": rng.integers(0, 2, 300)})
    >>> knees["pain"] = rng.binomial(1, 0.25 + 0.25 * knees["bml"])
    >>> r = risk_difference(knees, exposure="bml", outcome="pain")
    >>> r.method, r.accounting.n_clusters, round(r.estimate, 2)
    ('wald-cluster-robust', 150, 0.27)
    """
    frame, accounting, counts, plan = _prepare(data, exposure, outcome, cluster,
                                               weights=weights)
    if weights is not None:
        out, caveats = _weighted(RiskDifferenceResult, frame, counts, accounting,
                                 exposure=exposure, outcome=outcome, weights=weights, plan=plan,
                                 alpha=alpha)
        emit(caveats)
        return out
    out, caveats = compute_risk_difference(
        counts, alpha=alpha, term=exposure, accounting=accounting, table="data")
    out, caveats = _with_cluster(
        out, caveats, frame, exposure=exposure, outcome=outcome, plan=plan,
        family=sm.families.Gaussian(), log_scale=False, defined=True)
    emit(caveats)
    return out
