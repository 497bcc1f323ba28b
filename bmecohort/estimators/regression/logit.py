"""Logistic regression for lesion cohorts: plain, GEE (knees within persons) and Firth.

:func:`logistic` wraps statsmodels' GLM (no clustering) and GEE (robust sandwich errors) and
firthmodels' Firth-penalised logistic regression, with bmecohort's fast vectorised GEE
(:mod:`bmecohort.estimators.regression.fastgee`) for the common clustered design. Every fit returns a
:class:`RegressionResult`: odds ratios per model term, the denominators, what was excluded and
why, and any statistical caveat (separation, non-convergence) as a warning that is also
recorded on the result.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd

from ..._checks import prepare
from ..._clusters import AUTO, carry, cluster_request, plan_clusters
from ..._columns import P_VALUE, REGRESSION_EXTRA
from ..._weights import check_weights, effective_n
from ...exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SeparationWarning,
)
from ...results import Accounting, summary_frame
from ._design import as_names, build_design, term_rows, trend_design
from ._logit_fit import COV_LABEL, fit_model, separation
from ._weighted import check_weighted_options, weighted_structure
from .geefit import NEEDS_TIME, order_rows, visit_correlation, visit_numbers
from .logit_result import OddsRatioTerm, RegressionResult

__all__ = ["OddsRatioTerm", "RegressionResult", "logistic"]


def _check_arguments(alpha: float, cov_struct: str, engine: str, cov_type: str = "robust"
                     ) -> None:
    if cov_type not in COV_LABEL:
        raise AnalysisInputError(
            f"cov_type must be 'robust' or 'bias_reduced', got {cov_type!r}.")
    if cov_type == "bias_reduced" and engine == "fast":
        raise AnalysisInputError(
            "cov_type='bias_reduced' (Mancl-DeRouen) is computed by statsmodels' GEE; use "
            "engine='auto' or engine='statsmodels'.")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise AnalysisInputError(f"alpha must lie strictly between 0 and 1, got {alpha!r}.")
    if cov_struct not in ("exchangeable", "independence", *NEEDS_TIME):
        raise AnalysisInputError(
            "cov_struct must be 'exchangeable', 'independence', 'ar1' or 'unstructured', got "
            f"{cov_struct!r}."
        )
    if engine not in ("auto", "statsmodels", "fast"):
        raise AnalysisInputError(
            f"engine must be 'auto', 'statsmodels' or 'fast', got {engine!r}."
        )



def logistic(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposures: str | Sequence[str],
    covariates: str | Sequence[str] = (),
    cluster: str | None = AUTO,
    cov_struct: Literal["exchangeable", "independence", "ar1", "unstructured"] = "exchangeable",
    time: str | None = None,
    scale_fixed: bool = False,
    categorical: str | Sequence[str] = (),
    reference: Any = None,
    trend: bool = False,
    firth: bool = False,
    alpha: float = 0.05,
    engine: Literal["auto", "statsmodels", "fast"] = "auto",
    cov_type: Literal["robust", "bias_reduced"] = "robust",
    unit: str = "unit",
    weights: str | None = None,
) -> RegressionResult:
    """Logistic regression odds ratios, optionally clustered (GEE) or Firth-penalised.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (knee, subregion, vertebral corner); never modified.
    outcome : str
        Binary outcome column (0/1 or boolean).
    exposures : str or sequence of str
        Exposure column(s); numeric, or listed in ``categorical``.
    covariates : str or sequence of str, default=()
        Adjustment columns.
    cluster : "auto", str or None, default="auto"
        ``"auto"``: a GEE grouped by ``participant_id`` when that column repeats among the
        rows used (two knees of one person), else the plain GLM. A column name: always a
        GEE grouped by it. ``None``: the GLM, which treats rows as independent (a
        :class:`~bmecohort.exceptions.DataQualityWarning` when ``participant_id`` repeats;
        also with ``firth=True`` under ``"auto"``). The GEE has robust (sandwich) standard
        errors; rows are sorted by cluster first. ``accounting`` records the cluster
        column, ``n_clusters`` and ``clustered``.
    cov_struct : {"exchangeable", "independence", "ar1", "unstructured"}, default="exchangeable"
        GEE working correlation (ignored without ``cluster``); ``"ar1"`` and
        ``"unstructured"`` need ``time``. This is :func:`bmecohort.gee` with
        ``family="binomial"``.
    time : str or None, default=None
        Integer visit-number column ordering each cluster's rows (geepack's ``waves``;
        missing visits leave gaps). Used only with ``cluster``.
    scale_fixed : bool, default=False
        Hold the GEE scale at 1 instead of estimating it (geepack's ``geese(...,
        scale.fix = TRUE, gm = 1)``); it changes the correlation estimate.
    categorical : str or sequence of str, default=()
        Columns expanded into indicators of their non-reference levels, named
        ``"column[level]"`` (e.g. ``"bml_size[2]"``).
    reference : object or mapping, default=None
        Reference level of the categorical columns: one value for all, or
        ``{column: level}``; ``None`` takes each column's lowest level.
    trend : bool, default=False
        Test for a linear trend over the levels of each categorical exposure: the model is
        refitted with the level scores as one numeric term and the Wald test of its
        coefficient is reported (row ``"column (trend)"``, odds ratio per level step; p also
        in :attr:`RegressionResult.trend`).
    firth : bool, default=False
        Fit Firth-penalised logistic regression (for separation or sparse data); not with
        a named ``cluster`` column. Intervals are profile penalised-likelihood intervals and p-values
        penalised likelihood-ratio tests.
    alpha : float, default=0.05
        One minus the confidence level.
    engine : {"auto", "statsmodels", "fast"}, default="auto"
        GEE solver: bmecohort's vectorised solvers (``"fast"``;
        :mod:`~bmecohort.estimators.regression.fastgee`) or statsmodels' GEE. ``"auto"`` runs
        the vectorised solver and refits with statsmodels whenever it stops unconverged (e.g. the
        exchangeable correlation leaves :math:`(-1/(m_{max} - 1), 1)`), recording the engine
        used in ``engine`` and the reason in ``fallback``. Both solve geepack's estimating
        equations and agree to solver precision.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        GEE standard errors: the plain sandwich (as geepack's ``san.se``), or Mancl and
        DeRouen's bias-reduced sandwich (statsmodels ``cov_type="bias_reduced"``), which
        widens intervals when there are few clusters (under about 50).
    unit : str, default="unit"
        Name of the unit of analysis in the accounting (e.g. ``"knee"``).
    weights : str or None, default=None
        Column of inverse-probability weights (e.g. ``data["ipcw"] = bmecohort.ipcw(...)``);
        ``None`` fits unweighted. The weighted model has a robust variance: HC0 without
        clustering (``method="ipw-logistic-glm-robust"``), the plain cluster sandwich with
        it (``"ipw-gee-independence-robust"``, which needs
        ``cov_struct="independence"``). Rows missing the weight are excluded and counted;
        weights that are not finite and above zero are an error. Not with ``firth=True`` or
        ``cov_type="bias_reduced"``. ``accounting`` records the column and Kish's
        effective sample size.

    Returns
    -------
    RegressionResult
        ``summary()`` columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events,
        coef, se`` (odds ratio, its interval, p-value, units and events in the model, log
        odds ratio and its standard error); ``odds_ratio(term)``; ``raw``.

    Warns
    -----
    DataQualityWarning
        Rows clustered in ``participant_id`` fitted as independent (``cluster=None``, or
        ``firth=True``).
    SeparationWarning
        The outcome is (quasi-)completely separated by some term (e.g. a zero cell of a
        binary exposure): its odds ratio is infinite. Refit with ``firth=True``.
    ConvergenceWarning
        The fit did not converge.

    Notes
    -----
    Without ``cluster`` the model is statsmodels' GLM (binomial, logit) with Wald intervals
    on the log-odds scale, :math:`e^{\\hat\\beta \\pm z_{1-\\alpha/2} \\widehat{se}}`,
    matching R's ``glm`` + ``confint.default``. With ``cluster`` the GEE estimators are
    geepack's (``geeglm``, ``std.err = "san.se"``: the plain sandwich without small-sample
    factor, as every cluster-robust interval of bmecohort, so that
    ``cov_struct="independence"`` gives the interval of
    :func:`~bmecohort.odds_ratio` for a single binary exposure); see
    :func:`~bmecohort.estimators.regression.fastgee.fit_logit_gee`. GEE assumes missingness
    independent of the outcome given the covariates (complete cases are used), and many
    clusters (the sandwich is biased downwards with fewer than about 40). Firth's estimates
    maximise :math:`\\ell(\\beta) + \\tfrac12 \\log|I(\\beta)|` (firthmodels; equal to R
    brglm2's ``type = "AS_mean"`` for the logit link); the standard errors are the inverse
    Fisher information at the estimate.

    With ``weights`` the estimates solve the weighted score equations
    :math:`\\sum_i w_i x_i (y_i - \\mu_i) = 0` (statsmodels' GLM with ``var_weights``) and
    the variance is the sandwich :math:`A^{-1} B A^{-1}` with
    :math:`A = \\sum_i w_i \\mu_i (1 - \\mu_i) x_i x_i^\\top` and :math:`B` the sum of
    outer products of the weighted scores, per cluster when clustered: geepack's
    ``geeglm(weights = w, id =, corstr = "independence")`` ``san.se``, and R
    ``survey::svyglm`` without its factor :math:`n/(n-1)` (:math:`G/(G-1)` with ``ids`` =
    the cluster) (``tests/reference/weights``).

    References
    ----------
    Firth D (1993). Bias reduction of maximum likelihood estimates. *Biometrika* 80, 27-38.
    Heinze G, Schemper M (2002). A solution to the problem of separation in logistic
    regression. *Stat Med* 21, 2409-2419.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> knees = pd.DataFrame({"participant_id": np.repeat(np.arange(200), 2),
    ...                       "bml": rng.integers(0, 2, 400)})
    >>> knees["pain"] = rng.binomial(1, 0.3 + 0.2 * knees["bml"])
    >>> fit = logistic(knees, outcome="pain", exposures="bml")  # two knees: GEE by default
    >>> fit.method, fit.engine, fit.accounting.n_clusters
    ('gee-exchangeable-robust', 'fastgee', 200)
    >>> round(fit.odds_ratio("bml").estimate, 2)
    2.54

    Weighted for loss to follow-up: inverse-probability-of-censoring weights as a column.

    >>> from bmecohort import ipcw
    >>> knees["age"] = rng.normal(62, 8, 400)
    >>> knees["seen"] = rng.binomial(1, 1 / (1 + np.exp(-(1.5 - 0.05 * (knees["age"] - 62)))))
    >>> knees["ipcw"] = ipcw(knees, observed="seen", covariates=["age"])
    >>> seen = knees.assign(pain=knees["pain"].where(knees["seen"] == 1))
    >>> fit = logistic(seen, outcome="pain", exposures="bml", weights="ipcw",
    ...                cov_struct="independence")
    >>> fit.method, fit.accounting.weights, fit.accounting.n_used == int(knees["seen"].sum())
    ('ipw-gee-independence-robust', 'ipcw', True)
    """
    exposure_names = as_names(exposures, argument="exposures")
    covariate_names = as_names(covariates, argument="covariates")
    categorical_names = as_names(categorical, argument="categorical")
    if not exposure_names:
        raise AnalysisInputError("exposures: give at least one exposure column.")
    _check_arguments(alpha, cov_struct, engine, cov_type)
    check_weighted_options(weights, firth=firth, cov_type=cov_type, engine=engine)
    opt_out = None
    if firth and cluster == AUTO:
        opt_out = "firth=True fits an unclustered model"
    elif firth and cluster is not None:
        raise AnalysisInputError(
            "firth=True fits an unclustered model; pass cluster=None (or use firth=False for "
            "a GEE). Firth-penalised GEE is not available."
        )
    column = cluster_request(data, cluster)
    trend_columns = [c for c in exposure_names if c in categorical_names]
    if trend and not trend_columns:
        raise AnalysisInputError(
            f"trend=True needs a categorical exposure; list one of {list(exposure_names)} "
            "in categorical=."
        )
    if outcome in (*exposure_names, *covariate_names) or column in (
            outcome, *exposure_names, *covariate_names):
        raise AnalysisInputError(
            "outcome, exposures, covariates and cluster must be different columns."
        )
    visit = time if column is not None else None
    # time may also be a covariate: read it once
    frame, excluded = prepare(data, list(dict.fromkeys(
        [outcome, *exposure_names, *covariate_names, column, visit, weights])),
        binary=[outcome], carry=carry(data))
    if column is not None:  # statsmodels #7379, geepack: rows by cluster (then visit)
        frame = order_rows(frame, cluster=column, time=visit, cov_struct=cov_struct)
    plan = plan_clusters(frame, cluster, opt_out=opt_out, what=f"{unit}s")
    cluster = plan.column if plan.clustered else None
    visit = visit if cluster is not None else None
    y = frame[outcome].to_numpy(dtype=float)
    events = int(y.sum())
    if len(y) == 0 or events in (0, len(y)):
        raise AnalysisInputError(
            f"{outcome}: {events} events among {len(y)} complete rows; the outcome must vary "
            "to fit a logistic model. Check the outcome column and the missing values."
        )
    design = build_design(frame, [*exposure_names, *covariate_names],
                          categorical=categorical_names, reference=reference)
    groups = frame[cluster].to_numpy() if cluster is not None else None
    waves = visit_numbers(frame, visit, cov_struct)
    w = None
    if weights is not None:
        weighted_structure(cov_struct, clustered=cluster is not None)
        w = check_weights(frame, weights)
    fit = fit_model(design, y, groups, cov_struct=cov_struct, engine=engine, firth=firth,
                     alpha=alpha, cov_type=cov_type, waves=waves, scale_fixed=scale_fixed,
                     weights=w)
    notes = list(fit.notes)
    if plan.warning is not None:
        notes.insert(0, (DataQualityWarning, plan.warning))
    separated = {} if firth else separation(design, y, fit, outcome)
    if separated:
        # separation explains non-convergence too: one warning, not two
        detail = "; ".join(f"{t} ({why})" for t, why in separated.items())
        extra = " (unclustered: cluster=None)" if cluster is not None else ""
        stalled = "" if fit.converged else " The fit did not converge."
        notes.append((SeparationWarning,
                      f"{outcome} is (quasi-)completely separated: {detail}. The "
                      "maximum-likelihood odds ratios of these terms are infinite, so their "
                      f"estimates, intervals and p-values are not meaningful.{stalled} Refit "
                      f"with firth=True{extra} (Firth-penalised logistic regression), or "
                      "merge sparse categories."))
    elif not fit.converged:
        notes.append((ConvergenceWarning,
                      f"{fit.method}: the fit did not converge; its estimates should not be "
                      "trusted (check for separation or sparse categories)."))

    rows = fit.rows(design.terms, alpha)
    p_trend: dict[str, float] = {}
    if trend:
        for column in trend_columns:
            scored = trend_design(design, frame, column)
            trend_fit = fit_model(scored, y, groups, cov_struct=cov_struct, engine=engine,
                                   firth=firth, alpha=alpha, cov_type=cov_type, waves=waves,
                                   scale_fixed=scale_fixed, weights=w)
            name = scored.groups[column][0]
            rows[name] = trend_fit.rows(scored.terms, alpha)[name]
            p_trend[column] = rows[name][P_VALUE]
            if not trend_fit.converged:
                notes.append((ConvergenceWarning,
                              f"trend model for {column}: the fit did not converge."))
    table_rows = term_rows(design, rows, p_trend, n=len(y), events=events)
    for category, message in notes:
        warnings.warn(message, category, stacklevel=2)
    accounting = Accounting(unit=unit, n_rows=len(data), n_used=len(y), events=events,
                            n_clusters=plan.n_clusters, cluster=plan.column,
                            excluded=excluded, clustered=plan.clustered, weights=weights,
                            effective_n=None if w is None else effective_n(w))
    return RegressionResult(
        table=summary_frame(table_rows, extra=REGRESSION_EXTRA), outcome=outcome,
        exposures=exposure_names, method=fit.method, engine=fit.engine,
        interval=fit.interval, alpha=alpha, accounting=accounting,
        cov_struct=cov_struct if cluster is not None else None,
        cov_type=cov_type if cluster is not None or w is not None else "model-based",
        dep_param=fit.dep_param, converged=fit.converged, trend=p_trend,
        warnings=tuple(message for _, message in notes), raw=fit.raw, fallback=fit.fallback,
        time=visit, scale_fixed=scale_fixed and cluster is not None,
        working_correlation=(visit_correlation(fit.gee, cov_struct, waves, visit)
                             if fit.gee is not None else None),
    )
