"""Conditional logistic regression: within-group comparisons (the same knee across visits).

Zhang et al. (2011) related fluctuation of knee pain to change in BML score by comparing each
knee with itself across visits: every group (knee) has its own intercept, removed by
conditioning on the number of visits with the outcome, so that anything constant within a
knee (anatomy, pain threshold, the person) cannot confound. This wraps statsmodels'
:class:`~statsmodels.discrete.conditional_models.ConditionalLogit`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..._checks import prepare
from ..._columns import EVENTS, P_VALUE, N
from ...exceptions import AnalysisInputError, ConvergenceWarning, SeparationWarning
from ...results import Accounting, summary_frame
from ._design import Design, as_names, build_design, term_rows, trend_design, wald
from .logit import COEF, SE, RegressionResult

__all__ = ["conditional_logistic"]

_EXTRA = (N, EVENTS, COEF, SE)


def _fit(design: Design, y: np.ndarray, groups: np.ndarray) -> tuple[Any, np.ndarray,
                                                                      np.ndarray, bool]:
    """Coefficients, standard errors and convergence of the conditional-likelihood fit."""
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
    converged = bool(np.all(np.isfinite(params)) and np.all(np.isfinite(se))
                     and np.max(np.abs(score)) < 1e-6 * max(1.0, len(y)))
    return res, params, se, converged


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

    Returns
    -------
    RegressionResult
        ``method="conditional-logistic"``; ``summary()`` columns ``term, estimate, ci_lower,
        ci_upper, p_value, n, events, coef, se`` with ``n`` and ``events`` counted over the
        informative groups; the accounting's clusters are the informative groups.

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
    Intervals are Wald intervals on the log-odds scale.

    References
    ----------
    Zhang Y et al. (2011). Fluctuation of knee pain and changes in bone marrow lesions,
    effusions, and synovitis on magnetic resonance imaging. *Arthritis Rheum* 63, 691-699.
    """
    covariate_names = as_names(covariates, argument="covariates")
    categorical_names = as_names(categorical, argument="categorical")
    if not 0.0 < alpha < 1.0:
        raise AnalysisInputError(f"alpha must lie strictly between 0 and 1, got {alpha!r}.")
    if trend and exposure not in categorical_names:
        raise AnalysisInputError(
            f"trend=True needs a categorical exposure; pass categorical=({exposure!r},)."
        )
    if len({outcome, exposure, group, *covariate_names}) != 2 + 1 + len(covariate_names):
        raise AnalysisInputError("outcome, exposure, group and covariates must be different "
                                 "columns.")
    frame, excluded = prepare(data, [outcome, exposure, *covariate_names, group],
                              binary=[outcome])
    frame = frame.sort_values(group, kind="stable")
    by_group = frame.groupby(group, sort=False)[outcome]
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
    groups = frame[group].to_numpy()
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
    res, coef, se, converged = _fit(design, y, groups)
    notes: list[tuple[type[Warning], str]] = []
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
        _, trend_coef, trend_se, trend_converged = _fit(scored, y, groups)
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
    accounting = Accounting(unit=unit, n_rows=len(data), n_used=len(y), events=events,
                            n_clusters=int(pd.unique(groups).size), cluster=group,
                            excluded=excluded)
    return RegressionResult(
        table=summary_frame(table_rows, extra=_EXTRA), outcome=outcome, exposures=(exposure,),
        method="conditional-logistic", engine="statsmodels", interval="wald", alpha=alpha,
        accounting=accounting, converged=converged, trend=p_trend,
        warnings=tuple(message for _, message in notes), raw=res,
    )
