"""Conditional logistic regression: within-group comparisons (the same knee across visits).

Zhang et al. (2011) related fluctuation of knee pain to change in BML score by comparing each
knee with itself across visits: every group (knee) has its own intercept, removed by
conditioning on the number of visits with the outcome, so that anything constant within a
knee (anatomy, pain threshold, the person) cannot confound. The common designs (strata of a
few rows) are solved by the vectorised :mod:`~bmecohort.estimators.regression.fastclogit`;
statsmodels' :class:`~statsmodels.discrete.conditional_models.ConditionalLogit` is the general
path and the reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._checks import prepare
from ..._clusters import AUTO, carry, cluster_request, plan_clusters
from ..._columns import COEF, P_VALUE, REGRESSION_EXTRA, SE
from ...exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SeparationWarning,
)
from ...results import Accounting, summary_frame
from ._design import Design, as_names, build_design, term_rows, trend_design, wald
from .fastclogit import FastClogitFit, TooManySubsets, fit_conditional_logit
from .logit_result import RegressionResult

__all__ = ["conditional_logistic"]


@dataclass(frozen=True)
class _Fit:
    """One conditional-likelihood fit, whichever engine made it."""

    coef: np.ndarray
    se: np.ndarray
    converged: bool
    raw: Any
    engine: str

    def robust(self, clusters: np.ndarray) -> _Fit:
        """The same fit with cluster-robust standard errors (when the model-based exist)."""
        if not np.all(np.isfinite(self.se)):
            return self
        if isinstance(self.raw, FastClogitFit):
            cov = self.raw.cov_cluster(clusters)
        else:
            cov = _robust_cov(self.raw, self.coef, clusters)
        return replace(self, se=np.sqrt(np.diag(cov)))


def _fit_statsmodels(design: Design, y: np.ndarray, groups: np.ndarray) -> _Fit:
    """The general path (any stratum size): statsmodels' ConditionalLogit."""
    from statsmodels.discrete.conditional_models import ConditionalLogit

    model = ConditionalLogit(y, design.exog, groups=groups)
    with warnings.catch_warnings(record=True), np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            # Newton steps (numerical Hessian) reach the maximum to machine precision; the
            # default BFGS stops about 1e-4 short of it
            res = model.fit(method="newton", maxiter=100)
            params, se = np.asarray(res.params), np.asarray(res.bse)
        except np.linalg.LinAlgError:  # singular Hessian: a separated (infinite) estimate
            res = model.fit(method="bfgs", maxiter=200, skip_hessian=True)
            params, se = np.asarray(res.params), np.full(len(design.terms), np.nan)
        score = np.asarray(model.score(params))
    return _Fit(params, se, _converged(params, se, score, len(y)), res, "statsmodels")


def _converged(params: np.ndarray, se: np.ndarray, score: np.ndarray, n: int) -> bool:
    return bool(np.all(np.isfinite(params)) and np.all(np.isfinite(se))
                and np.max(np.abs(score)) < 1e-6 * max(1.0, n))


def _fit(design: Design, y: np.ndarray, groups: np.ndarray, engine: str,
         separated: bool) -> _Fit:
    """Fit by the chosen engine; ``"auto"`` keeps the fast fit only when it is clean.

    The fast engine enumerates the event sets of every stratum (at most
    :data:`~bmecohort.estimators.regression.fastclogit.MAX_SUBSETS` each). ``"auto"`` falls
    back to statsmodels when a stratum is larger, when the fast fit fails or does not
    converge, and when a term separates the outcome or diverges (an infinite estimate,
    whose finite stand-in depends on the optimiser): results never depend on the engine.
    """
    if engine != "statsmodels":
        try:
            fast = fit_conditional_logit(y, design.exog.to_numpy(dtype=float), groups,
                                         exog_names=tuple(design.terms))
        except TooManySubsets as error:
            if engine == "fast":
                raise AnalysisInputError(
                    f"{error} Use engine='auto' or engine='statsmodels'.") from None
        else:
            fit = _Fit(fast.params, fast.bse,
                       fast.converged and _converged(fast.params, fast.bse, fast.score,
                                                     len(y)), fast, "fastclogit")
            clean = fit.converged and not separated and bool(np.all(np.abs(fit.coef) < 15))
            if engine == "fast" or clean:
                return fit
    return _fit_statsmodels(design, y, groups)


def _robust_cov(res: Any, params: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Cluster-robust (sandwich) covariance of a statsmodels conditional logit fit.

    :math:`V = H^{-1} (\\sum_c s_c s_c^\\top) H^{-1}`, with :math:`H^{-1}` the model-based
    covariance and :math:`s_c` the sum of the conditional score contributions of the groups
    in cluster :math:`c` (``clusters`` gives the cluster code of each group, in the model's
    group order); no small-sample factor, as R ``clogit(..., cluster(id))``.
    """
    model = res.model
    # statsmodels exposes the score one group at a time (its own fit loops the same way)
    scores = np.array([model.score_grp(g, params) for g in range(model._n_groups)])
    sums = np.zeros((int(clusters.max()) + 1, scores.shape[1]))
    np.add.at(sums, clusters, scores)
    bread = np.asarray(res.cov_params())
    return bread @ (sums.T @ sums) @ bread


def _separated(exog: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> dict[str, str]:
    """Terms along which the conditional likelihood increases without bound.

    Moving one coefficient to +inf never lowers a group's conditional likelihood when every
    case's value is at least every control's value in that group; when that holds in every
    informative group the estimate is infinite (likewise for -inf).
    """
    case = y == 1.0
    values = exog.to_numpy()
    cases = pd.DataFrame(np.where(case[:, None], values, np.nan)).groupby(groups)
    controls = pd.DataFrame(np.where(case[:, None], np.nan, values)).groupby(groups)
    up = (cases.min().to_numpy() >= controls.max().to_numpy()).all(axis=0)
    down = (cases.max().to_numpy() <= controls.min().to_numpy()).all(axis=0)
    return {term: ("+inf" if up[i] else "-inf") for i, term in enumerate(exog.columns)
            if up[i] or down[i]}


def conditional_logistic(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposure: str,
    group: str,
    covariates: str | Sequence[str] = (),
    categorical: str | Sequence[str] = (),
    reference: Any = None,
    trend: bool = False,
    alpha: float = 0.05,
    unit: str = "unit",
    cluster: str | None = AUTO,
    engine: Literal["auto", "statsmodels", "fast"] = "auto",
) -> RegressionResult:
    """Conditional (fixed-effects) logistic regression odds ratios within groups.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group member, e.g. one row per knee and visit; never modified.
    outcome : str
        Binary outcome column (0/1 or boolean), e.g. frequent knee pain at the visit.
    exposure : str
        Exposure column, e.g. the BML score category at the visit; numeric or listed in
        ``categorical``.
    group : str
        Column identifying the matched group (e.g. ``"knee_id"``); comparisons are made
        only within a group.
    covariates : str or sequence of str, default=()
        Time-varying adjustment columns (anything constant within a group is already
        conditioned away and cannot be estimated).
    categorical : str or sequence of str, default=()
        Columns expanded into indicators of their non-reference levels (``"bml_cat[2]"``).
    reference : object or mapping, default=None
        Reference level(s) of the categorical columns; ``None`` takes the lowest level.
    trend : bool, default=False
        For a categorical exposure, refit with its level scores as one term and report the
        Wald test of that coefficient (row ``"exposure (trend)"``).
    alpha : float, default=0.05
        One minus the confidence level.
    unit : str, default="unit"
        Name of a row in the accounting (e.g. ``"knee-visit"``).
    cluster : "auto", str or None, default="auto"
        Column of a coarser cluster holding several groups (two knees of one person).
        ``"auto"``: ``participant_id`` when the data have it and a participant holds more
        than one informative group; the standard errors are then cluster-robust (method
        ``"conditional-logistic-cluster-robust"``). A column name: always cluster-robust by
        it. ``None``: groups taken as independent (a
        :class:`~bmecohort.exceptions.DataQualityWarning` when ``participant_id`` holds
        several groups).
    engine : {"auto", "statsmodels", "fast"}, default="auto"
        Solver of the conditional likelihood: bmecohort's vectorised
        :func:`~bmecohort.estimators.regression.fastclogit.fit_conditional_logit`
        (``"fast"``: strata of at most 500 possible event sets, e.g. 12 rows with 5 events)
        or statsmodels' ``ConditionalLogit`` (any stratum). ``"auto"`` takes the fast
        engine and falls back to statsmodels for larger strata, a failed or unconverged
        fit, or a separated term; both give the same estimates and errors. The engine
        used is recorded as ``engine`` on the result.

    Returns
    -------
    RegressionResult
        ``method="conditional-logistic"`` (or ``"conditional-logistic-cluster-robust"``),
        ``engine="fastclogit"`` or ``"statsmodels"`` (``raw`` its native fit);
        ``summary()`` columns ``term, estimate, ci_lower, ci_upper, p_value, n, events,
        coef, se`` with ``n`` and ``events`` counted over the informative groups; the
        accounting records the cluster column, ``n_clusters`` (participants, or the
        informative groups when nothing clusters them) and ``clustered``.

    Warns
    -----
    ConvergenceWarning
        The maximisation did not converge.
    SeparationWarning
        In every group the cases' values of a term lie all on one side of the controls'
        (e.g. no discordant pair exposed only in the control), or a coefficient diverges
        (beyond 15 on the log scale): that conditional odds ratio is not finite.

    Notes
    -----
    The conditional likelihood of group :math:`i` given its :math:`k_i` events is

    .. math::

        L_i(\\beta) = \\frac{\\exp(\\sum_{j: y_{ij}=1} x_{ij}^\\top \\beta)}
                          {\\sum_{S \\subset \\{1..m_i\\}, |S| = k_i}
                           \\exp(\\sum_{j \\in S} x_{ij}^\\top \\beta)},

    exact for any number of events per group (R ``survival::clogit(method = "exact")``).
    Groups whose outcome never varies contribute nothing and are excluded with that reason.
    Intervals are Wald intervals on the log-odds scale. Clustered, the variance is the
    sandwich :math:`H^{-1} (\\sum_c s_c s_c^\\top) H^{-1}` over clusters :math:`c` of groups
    (:math:`s_c` their summed conditional scores), without small-sample factor: R
    ``clogit(y ~ x + strata(knee) + cluster(person))`` (which allows it only with one event
    per group, where the exact likelihood is Breslow's).

    References
    ----------
    Zhang Y et al. (2011). Fluctuation of knee pain and changes in bone marrow lesions,
    effusions, and synovitis on magnetic resonance imaging. *Arthritis Rheum* 63, 691-699.

    Examples
    --------
    Pain at four visits of 200 knees (two per person), compared within each knee:

    >>> import numpy as np, pandas as pd
    >>> from bmecohort import conditional_logistic
    >>> rng = np.random.default_rng(5)
    >>> visits = pd.DataFrame({"knee_id": np.repeat(np.arange(200), 4)})
    >>> visits["participant_id"] = visits["knee_id"] // 2
    >>> visits["bml"] = rng.integers(0, 2, len(visits))
    >>> frailty = rng.normal(size=200)[visits["knee_id"]]
    >>> visits["pain"] = rng.binomial(1, 1 / (1 + np.exp(0.5 - 0.8 * visits["bml"] - frailty)))
    >>> fit = conditional_logistic(visits, outcome="pain", exposure="bml", group="knee_id",
    ...                            unit="knee-visit")
    >>> fit.method, fit.accounting.n_used, fit.accounting.n_clusters
    ('conditional-logistic-cluster-robust', 612, 96)
    >>> fit.accounting.excluded
    (('knee_id without pain variation (47 groups)', 188),)
    >>> round(fit.odds_ratio("bml").estimate, 2)
    2.01
    """
    covariate_names = as_names(covariates, argument="covariates")
    categorical_names = as_names(categorical, argument="categorical")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise AnalysisInputError(f"alpha must lie strictly between 0 and 1, got {alpha!r}.")
    if engine not in ("auto", "statsmodels", "fast"):
        raise AnalysisInputError(
            f"engine must be 'auto', 'statsmodels' or 'fast', got {engine!r}.")
    if trend and exposure not in categorical_names:
        raise AnalysisInputError(
            f"trend=True needs a categorical exposure; pass categorical=({exposure!r},)."
        )
    if len({outcome, exposure, group, *covariate_names}) != 2 + 1 + len(covariate_names):
        raise AnalysisInputError("outcome, exposure, group and covariates must be different "
                                 "columns.")
    column = cluster_request(data, cluster)
    if column in (outcome, exposure, *covariate_names):
        raise AnalysisInputError(f"cluster {column!r} is also the outcome, the exposure or a "
                                 "covariate; pass the column of the persons.")
    frame, excluded = prepare(data, [outcome, exposure, *covariate_names, group, column],
                              binary=[outcome], carry=carry(data))
    frame = frame.sort_values(group, kind="stable")
    # integer group codes (in order of appearance): every grouping below is on these
    codes = pd.factorize(frame[group])[0]
    by_group = frame[outcome].groupby(codes)
    varies = (by_group.transform("min") != by_group.transform("max")).to_numpy()
    dropped_rows = int((~varies).sum())
    if dropped_rows:
        dropped_groups = int(frame.loc[~varies, group].nunique())
        excluded = (*excluded, (f"{group} without {outcome} variation "
                                f"({dropped_groups} groups)", dropped_rows))
    frame = frame.loc[varies]
    if frame.empty:
        raise AnalysisInputError(
            f"{outcome}: no {group} has both outcomes (0 and 1) among its complete rows, so "
            "there are no within-group comparisons. Check the outcome and group columns."
        )
    y = frame[outcome].to_numpy(dtype=float)
    groups = codes[varies]
    plan = plan_clusters(frame, cluster, units=groups, what=f"{group}s")
    clusters = None
    if plan.clustered:
        per_group = frame.groupby(group, sort=False)[plan.column]
        spread = per_group.nunique()
        if (spread > 1).any():
            raise AnalysisInputError(
                f"{group}: {int((spread > 1).sum())} {group}s span several {plan.column} "
                f"values (e.g. {list(spread.index[spread > 1][:5])}); a group must lie in "
                f"one cluster.")
        # one cluster code per group, in the model's group order (first appearance)
        clusters = pd.factorize(per_group.first())[0]
    design = build_design(frame, [exposure, *covariate_names], categorical=categorical_names,
                          reference=reference, intercept=False)
    if not design.terms:
        raise AnalysisInputError(
            f"{exposure}: only its reference level occurs in the {group}s that have both "
            f"outcomes, so there is no contrast to estimate. Check the exposure column and "
            f"the reference level.")
    # terms constant within every informative group carry no within-group information
    within = design.exog - design.exog.groupby(groups).transform("mean")
    flat = [t for t in design.terms if np.allclose(within[t].to_numpy(), 0.0)]
    if flat:
        raise AnalysisInputError(
            f"{group}: term(s) {flat} never change within a {group} that has both outcomes, "
            "so conditional logistic regression cannot estimate them. Drop them (they are "
            "already adjusted for by the conditioning)."
        )
    separated = _separated(design.exog, y, groups)
    fit = _fit(design, y, groups, engine, bool(separated))
    if clusters is not None:
        fit = fit.robust(clusters)
    coef, se, converged = fit.coef, fit.se, fit.converged
    engines = [fit.engine]
    notes: list[tuple[type[Warning], str]] = []
    if plan.warning is not None:
        notes.append((DataQualityWarning, plan.warning))
    huge = {t: "diverges" for t, b in zip(design.terms, coef, strict=True) if not abs(b) < 15}
    separated = {**huge, **separated}
    if separated:
        detail = ", ".join(f"{t} (estimate {d})" for t, d in separated.items())
        notes.append((SeparationWarning,
                      f"{outcome} is (quasi-)separated within {group}s by {detail}: in every "
                      f"{group} the cases' values are all on one side of the controls', so "
                      "the conditional odds ratios are not finite and their intervals are "
                      "meaningless. Merge sparse exposure categories or drop the term."))
    elif not converged:
        notes.append((ConvergenceWarning, "conditional-logistic: the maximisation did not "
                      "converge; its estimates should not be trusted."))
    stats = wald(coef, se, alpha)
    rows = {t: {k: float(stats[k][i]) for k in stats} | {COEF: float(coef[i]),
                                                          SE: float(se[i])}
            for i, t in enumerate(design.terms)}
    p_trend: dict[str, float] = {}
    if trend:
        scored = trend_design(design, frame, exposure)
        trend_fit = _fit(scored, y, groups, engine, bool(_separated(scored.exog, y, groups)))
        if clusters is not None:
            trend_fit = trend_fit.robust(clusters)
        trend_coef, trend_se = trend_fit.coef, trend_fit.se
        trend_converged = trend_fit.converged
        engines.append(trend_fit.engine)
        name = scored.groups[exposure][0]
        i = scored.terms.index(name)
        b, s = float(trend_coef[i]), float(trend_se[i])
        t_stats = wald(np.array([b]), np.array([s]), alpha)
        rows[name] = {k: float(v[0]) for k, v in t_stats.items()} | {COEF: b, SE: s}
        p_trend[exposure] = rows[name][P_VALUE]
        if not trend_converged:
            notes.append((ConvergenceWarning,
                          f"trend model for {exposure}: the maximisation did not converge."))
    events = int(y.sum())
    table_rows = term_rows(design, rows, p_trend, n=len(y), events=events)
    for category, message in notes:
        warnings.warn(message, category, stacklevel=2)
    if plan.clustered:
        accounting = Accounting(unit=unit, n_rows=len(data), n_used=len(y), events=events,
                                n_clusters=plan.n_clusters, cluster=plan.column,
                                excluded=excluded, clustered=True)
    else:  # the groups are the independent units
        accounting = Accounting(unit=unit, n_rows=len(data), n_used=len(y), events=events,
                                n_clusters=int(pd.unique(groups).size), cluster=group,
                                excluded=excluded, clustered=False)
    method = "conditional-logistic" + ("-cluster-robust" if plan.clustered else "")
    return RegressionResult(
        table=summary_frame(table_rows, extra=REGRESSION_EXTRA), outcome=outcome,
        exposures=(exposure,),
        method=method, engine="+".join(dict.fromkeys(engines)), interval="wald", alpha=alpha,
        accounting=accounting, converged=converged, trend=p_trend,
        warnings=tuple(message for _, message in notes), raw=fit.raw,
    )
