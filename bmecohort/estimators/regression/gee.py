"""Generalised estimating equations for every family and working correlation.

:func:`gee` fits a marginal model of a binary, count or continuous outcome measured
repeatedly on the same participants (visits, knees, vertebral corners) with robust
(sandwich) standard errors: binomial with the logit link (odds ratios), Poisson with the log
link (rate ratios), Gaussian with the identity link (differences), under an independence,
exchangeable, AR-1 or unstructured working correlation. The estimators are geepack's
(``geese``), including its moment estimators of the scale and the correlation, and AR-1 and
unstructured correlations over the visits actually seen (geepack's ``waves``), so a missing
visit leaves a gap rather than shifting the later ones. :func:`bmecohort.logistic` with
``cluster=`` is the binomial case.

It lives in ``estimators/regression`` beside :func:`~bmecohort.logistic` because it is the
same model-fitting stage (a design matrix, the same engines and per-term table), not a
lesion-course summary: ``longitudinal`` questions (how lesions change over visits) use it as
their regression model.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ..._checks import describe_rows, prepare
from ..._columns import CI_LOWER, CI_UPPER, COEF, ESTIMATE, P_VALUE, REGRESSION_EXTRA, SE
from ..._weights import check_weights, effective_n
from ...exceptions import AnalysisInputError, ConvergenceWarning, SeparationWarning
from ...results import Accounting, Result, result, summary_frame
from ._design import as_names, build_design, term_rows
from ._logit_fit import COV_LABEL, Fit, separation
from ._weighted import check_weighted_options, fit_weighted_gee, weighted_structure
from .fastgee import FAMILIES
from .geefit import fit_gee, order_rows, visit_correlation, visit_numbers

__all__ = ["GEEResult", "gee"]

COV_STRUCTS = ("independence", "exchangeable", "ar1", "unstructured")
#: What ``estimate`` is, per family: the exponentiated coefficient or the coefficient.
MEASURE = {"binomial": "odds ratio", "poisson": "rate ratio", "gaussian": "difference"}


@result
class GEEResult(Result):
    """A fitted GEE: one row per model term on the family's natural scale.

    Attributes
    ----------
    table : pandas.DataFrame
        The per-term table returned by :meth:`summary`.
    outcome : str
        Outcome column.
    exposures : tuple of str
        Exposure columns.
    family, link : str
        ``"binomial"``/``"logit"``, ``"poisson"``/``"log"`` or ``"gaussian"``/``"identity"``.
    measure : str
        What ``estimate`` is: ``"odds ratio"``, ``"rate ratio"`` or ``"difference"``.
    method : str
        The estimator, e.g. ``"gee-poisson-ar1-robust"`` (never the engine).
    engine : str
        ``"fastgee"`` (vectorised solver) or ``"statsmodels"``.
    fallback : str or None
        Why the vectorised solver was left for statsmodels; ``None`` otherwise.
    cov_struct : str
        Working correlation.
    cov_type : str
        ``"robust"`` (geepack's ``san.se``) or ``"bias_reduced"`` (Mancl-DeRouen).
    dep_param : float or None
        Exchangeable or AR-1 correlation parameter (``None`` otherwise).
    working_correlation : pandas.DataFrame or None
        The working correlation between visits (rows and columns the visit numbers), when
        ``time`` is given and the structure is not independence.
    scale : float
        Scale (dispersion): the mean squared Pearson residual, or 1 when ``scale_fixed``.
    scale_fixed : bool
        Whether the scale was held at 1.
    time : str or None
        Visit column.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, rows used, events (binomial: outcomes; Poisson: the total count), clusters
        and every exclusion with its reason.
    converged : bool
        Whether the fit converged.
    warnings : tuple of str
        Statistical caveats, also issued as warnings.
    raw : object
        The native fit (:class:`~bmecohort.estimators.regression.fastgee.FastGEEFit` or
        statsmodels' ``GEEResults``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from bmecohort import gee
    >>> rng = np.random.default_rng(3)
    >>> visits = pd.DataFrame({"participant_id": np.repeat(np.arange(100), 3),
    ...                        "visit": np.tile([0, 12, 24], 100)})
    >>> visits["bml"] = rng.integers(0, 2, len(visits))
    >>> visits["lesions"] = rng.poisson(np.exp(0.2 + 0.4 * visits["bml"]))
    >>> fit = gee(visits, outcome="lesions", exposures="bml", family="poisson")
    >>> type(fit).__name__, fit.measure, fit.accounting.n_clusters
    ('GEEResult', 'rate ratio', 100)
    >>> list(fit.summary()["term"])
    ['bml']
    >>> round(float(fit.summary().loc[0, "estimate"]), 2)
    1.52
    """

    table: pd.DataFrame
    outcome: str
    exposures: tuple[str, ...]
    family: str
    link: str
    measure: str
    method: str
    engine: str
    cov_struct: str
    cov_type: str
    alpha: float
    accounting: Accounting
    scale: float
    scale_fixed: bool = False
    time: str | None = None
    dep_param: float | None = None
    working_correlation: pd.DataFrame | None = None
    fallback: str | None = None
    converged: bool = True
    warnings: tuple[str, ...] = ()
    raw: Any = None

    @property
    def title(self) -> str:
        """Display title."""
        return f"GEEResult ({self.measure}): {self.outcome} ~ {' + '.join(self.exposures)}"

    def header(self) -> dict[str, object]:
        """The shared header plus the family, correlation estimate, scale and engine."""
        out = super().header()
        out["family"] = f"{self.family} ({self.link} link)"
        if self.dep_param is not None:
            out["working correlation"] = round(self.dep_param, 6)
        out["scale"] = "1 (fixed)" if self.scale_fixed else round(self.scale, 6)
        out["engine"] = self.engine
        if self.fallback is not None:
            out["engine fallback"] = self.fallback
        return out

    def summary(self) -> pd.DataFrame:
        """One row per model term (the intercept left out).

        Columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events, coef, se``:
        ``estimate`` is ``exp(coef)`` (odds or rate ratio) or ``coef`` (Gaussian difference),
        its Wald interval and p-value from the robust standard error ``se``, and the rows and
        events in the model.
        """
        return self.table.copy()

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of the terms, on a log axis for ratios."""
        from ...plots import forest_plot

        ratio = self.family != "gaussian"
        kwargs.setdefault("log_scale", ratio)
        kwargs.setdefault("reference", 1.0 if ratio else 0.0)
        kwargs.setdefault("xlabel", self.measure)
        return forest_plot(self, ax=ax, **kwargs)


def _rows(fit_coef: np.ndarray, fit_se: np.ndarray, names: Sequence[str], alpha: float,
          ratio: bool) -> dict[str, dict[str, float]]:
    z = ndtri(1.0 - alpha / 2.0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lower, upper = fit_coef - z * fit_se, fit_coef + z * fit_se
        p = 2.0 * ndtr(-np.abs(fit_coef / fit_se))
        scale = np.exp if ratio else (lambda v: v)
        est, lo, hi = scale(fit_coef), scale(lower), scale(upper)
    return {name: {ESTIMATE: float(est[i]), CI_LOWER: float(lo[i]), CI_UPPER: float(hi[i]),
                   P_VALUE: float(p[i]), COEF: float(fit_coef[i]), SE: float(fit_se[i])}
            for i, name in enumerate(names)}


def _check(family: str, cov_struct: str, engine: str, cov_type: str, alpha: float) -> None:
    problems = []
    if family not in FAMILIES:
        problems.append(f"family must be one of {list(FAMILIES)}, got {family!r}")
    if cov_struct not in COV_STRUCTS:
        problems.append(f"cov_struct must be one of {list(COV_STRUCTS)}, got {cov_struct!r}")
    if engine not in ("auto", "fast", "statsmodels"):
        problems.append(f"engine must be 'auto', 'fast' or 'statsmodels', got {engine!r}")
    if cov_type not in COV_LABEL:
        problems.append(f"cov_type must be 'robust' or 'bias_reduced', got {cov_type!r}")
    elif cov_type == "bias_reduced" and engine == "fast":
        problems.append("cov_type='bias_reduced' is computed by statsmodels (engine='auto')")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        problems.append(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    if problems:
        raise AnalysisInputError("gee: " + "; ".join(problems) + ".")


def _check_outcome(frame: pd.DataFrame, outcome: str, family: str) -> np.ndarray:
    values = pd.to_numeric(frame[outcome], errors="coerce")
    bad = values.isna()
    rule = "numeric"
    if family == "poisson":
        bad |= (values < 0) | (values != np.round(values))
        rule = "non-negative whole counts"
    if bad.any():
        rows = frame.index[bad.to_numpy()]
        raise AnalysisInputError(
            f"{outcome}: rows {describe_rows(rows)} hold {frame.loc[rows, outcome].head(5).tolist()}"
            f"; a {family} outcome must be {rule}. Fix or drop these rows.")
    return values.to_numpy(dtype=float)


def gee(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposures: str | Sequence[str],
    covariates: str | Sequence[str] = (),
    cluster: str = "participant_id",
    family: Literal["binomial", "poisson", "gaussian"] = "binomial",
    cov_struct: Literal["independence", "exchangeable", "ar1", "unstructured"] = "exchangeable",
    time: str | None = None,
    scale_fixed: bool = False,
    categorical: str | Sequence[str] = (),
    reference: Any = None,
    alpha: float = 0.05,
    engine: Literal["auto", "fast", "statsmodels"] = "auto",
    cov_type: Literal["robust", "bias_reduced"] = "robust",
    unit: str = "row",
    weights: str | None = None,
) -> GEEResult:
    """A marginal model fitted by GEE with robust errors: odds ratios, rate ratios or differences.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per measurement (a participant's visit, a knee); never modified.
    outcome : str
        Outcome column: 0/1 (binomial), counts (poisson) or numbers (gaussian).
    exposures : str or sequence of str
        Exposure column(s); numeric, or listed in ``categorical``.
    covariates : str or sequence of str, default=()
        Adjustment columns.
    cluster : str, default="participant_id"
        Column identifying the cluster whose rows are correlated.
    family : {"binomial", "poisson", "gaussian"}, default="binomial"
        With its canonical link: logit (odds ratios), log (rate ratios) or identity
        (differences).
    cov_struct : {"independence", "exchangeable", "ar1", "unstructured"}, default="exchangeable"
        Working correlation. ``"ar1"``: :math:`\\alpha^{|t_j - t_k|}` over the visit numbers;
        ``"unstructured"``: one correlation per pair of visits. Both need ``time``.
    time : str or None, default=None
        Visit column; rows are ordered by it within each cluster. AR-1 and unstructured
        need integer visit numbers (geepack's ``waves``), each at most once per cluster;
        missing visits are allowed and leave gaps (an AR-1 lag of 2 across a missed visit;
        the unstructured pair of the visits actually seen).
    scale_fixed : bool, default=False
        Hold the scale at 1 instead of estimating it (geepack's ``geese(..., scale.fix = TRUE,
        gm = 1)``). The scale divides the residual products that estimate the correlation, so
        this changes the correlation and, through it, the coefficients; it is recorded.
    categorical : str or sequence of str, default=()
        Columns expanded into indicators of their non-reference levels (``"column[level]"``).
    reference : object or mapping, default=None
        Reference level of the categorical columns (one for all, or ``{column: level}``).
    alpha : float, default=0.05
        One minus the confidence level.
    engine : {"auto", "fast", "statsmodels"}, default="auto"
        ``"auto"``: the vectorised solver (every family and structure), refitted by
        statsmodels whenever it stops unconverged (recorded in ``engine`` and ``fallback``);
        ``"fast"`` or ``"statsmodels"`` force one. Results do not depend on it.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        Plain sandwich (geepack's ``san.se``) or Mancl-DeRouen's bias-reduced one (few
        clusters).
    unit : str, default="row"
        Name of a row in the accounting (e.g. ``"visit"``, ``"knee"``).
    weights : str or None, default=None
        Column of inverse-probability weights (e.g. ``data["ipcw"] = bmecohort.ipcw(...)``);
        ``None`` is unweighted. Weighted fits need ``cov_struct="independence"`` and are
        statsmodels' weighted GLM with the plain cluster sandwich
        (``method="ipw-gee-<family>-independence-robust"``, ``engine="statsmodels"``; not
        with ``engine="fast"`` or ``cov_type="bias_reduced"``). Rows missing the weight are
        excluded and counted; weights that are not finite and above zero are an error.
        ``accounting`` records the column and Kish's effective sample size.

    Returns
    -------
    GEEResult
        ``summary()`` columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events,
        coef, se``.

    Warns
    -----
    SeparationWarning
        Binomial family: a term separates the outcome (its odds ratio is infinite).
    ConvergenceWarning
        No engine converged.

    Notes
    -----
    The coefficients solve :math:`\\sum_i D_i^\\top V_i^{-1}(y_i - \\mu_i) = 0` with
    :math:`V_i = \\phi A_i^{1/2} R_i(\\alpha) A_i^{1/2}`; :math:`\\phi` is the mean squared
    Pearson residual (or 1) and :math:`\\alpha` solves geepack's moment equation over all
    within-cluster pairs (see :class:`~bmecohort.estimators.regression.geecorr.
    GeepackCorrelation`). statsmodels' own AR-1 estimator differs from geepack's and ignores
    gaps between visits, so statsmodels' GEE is run with geepack's estimator plugged in.
    geepack's own ``geese(corstr = "unstructured")`` indexes each cluster's matrix by the
    visit numbers and so reads outside it when a visit is missing (wrong values or a crash
    in geepack 1.3.9); the references pass ``corp`` = the position within the cluster, which
    gives the intended estimator (``tests/reference/gee/make_gee.R``).
    Intervals are Wald intervals on the link scale from the robust covariance. Complete
    cases are used: GEE assumes missingness independent of the outcome given the covariates
    (missing completely at random within the covariate strata); inverse-probability
    ``weights`` relax that to missingness explained by the weights' model. Weighted, the
    coefficients solve :math:`\\sum_i \\sum_j w_{ij} D_{ij} v_{ij}^{-1} (y_{ij} -
    \\mu_{ij}) = 0` and the covariance is the plain cluster sandwich, as geepack's
    ``geeglm(weights = w, corstr = "independence")`` (estimates, ``san.se`` and the scale
    :math:`\\sum w r^2 / \\sum w`; ``tests/reference/weights``).

    References
    ----------
    Liang KY, Zeger SL (1986). *Biometrika* 73, 13-22. Halekoh U, Hojsgaard S, Yan J (2006).
    The R package geepack for generalized estimating equations. *J Stat Softw* 15(2).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> visits = pd.DataFrame({"participant_id": np.repeat(np.arange(150), 4),
    ...                        "visit": np.tile([1, 2, 3, 4], 150)})
    >>> shared = rng.normal(size=150)[visits["participant_id"]]
    >>> visits["bml"] = rng.integers(0, 2, len(visits))
    >>> visits["lesions"] = rng.poisson(np.exp(0.2 + 0.4 * visits["bml"] + 0.5 * shared))
    >>> visits = visits.sample(frac=0.85, random_state=1)  # some visits missed
    >>> fit = gee(visits, outcome="lesions", exposures="bml", family="poisson",
    ...           cov_struct="ar1", time="visit")
    >>> fit.method, fit.measure, fit.engine
    ('gee-poisson-ar1-robust', 'rate ratio', 'fastgee')
    >>> round(float(fit.summary().loc[0, "estimate"]), 2)
    1.44

    Weighted by each visit's inverse probability of being seen (here known; in practice
    from :func:`bmecohort.ipcw`), with the independence working correlation:

    >>> visits["w"] = 1 / (0.6 + 0.3 * visits["bml"])
    >>> fit = gee(visits, outcome="lesions", exposures="bml", family="poisson",
    ...           cov_struct="independence", weights="w")
    >>> fit.method, fit.engine, fit.accounting.weights
    ('ipw-gee-poisson-independence-robust', 'statsmodels', 'w')
    """
    exposure_names = as_names(exposures, argument="exposures")
    covariate_names = as_names(covariates, argument="covariates")
    categorical_names = as_names(categorical, argument="categorical")
    if not exposure_names:
        raise AnalysisInputError("exposures: give at least one exposure column.")
    _check(family, cov_struct, engine, cov_type, alpha)
    check_weighted_options(weights, cov_type=cov_type, engine=engine)
    if weights is not None:
        weighted_structure(cov_struct, clustered=True)
    model_columns = [outcome, *exposure_names, *covariate_names]
    if len(set(model_columns)) < len(model_columns) or cluster in model_columns or (
            time is not None and time in (outcome, cluster)):
        raise AnalysisInputError(
            "outcome, exposures, covariates and cluster must be different columns (time may "
            "also be a covariate).")
    # time may also be a covariate: read it once
    frame, excluded = prepare(data, list(dict.fromkeys([*model_columns, cluster, time,
                                                         weights])),
                              binary=[outcome] if family == "binomial" else [])
    y = _check_outcome(frame, outcome, family)
    frame = order_rows(frame.assign(**{outcome: y}), cluster=cluster, time=time,
                       cov_struct=cov_struct)
    y = frame[outcome].to_numpy(dtype=float)
    if len(y) == 0 or np.ptp(y) == 0:
        raise AnalysisInputError(
            f"{outcome}: {len(y)} complete rows with {len(np.unique(y))} distinct value(s); "
            "the outcome must vary to fit a model. Check the outcome and missing values.")
    design = build_design(frame, [*exposure_names, *covariate_names],
                          categorical=categorical_names, reference=reference)
    groups = frame[cluster].to_numpy()
    waves = visit_numbers(frame, time, cov_struct)
    w = None if weights is None else check_weights(frame, weights)
    if w is not None:
        fit = fit_weighted_gee(y, design.exog.to_numpy(), w, groups, family=family,
                               scale_fixed=scale_fixed)
    else:
        fit = fit_gee(y, design.exog.to_numpy(), groups, family=family, cov_struct=cov_struct,
                      engine=engine, cov_type=cov_type, time=waves, scale_fixed=scale_fixed,
                      exog_names=design.terms)

    notes: list[tuple[type[Warning], str]] = []
    separated: dict[str, str] = {}
    if family == "binomial":
        as_fit = Fit(coef=fit.params, se=fit.bse, fitted=fit.fitted, converged=fit.converged,
                      raw=fit.raw, method="", engine=fit.engine,
                      perfect_separation=fit.flagged_separation)
        separated = separation(design, y, as_fit, outcome)
    if separated:
        detail = "; ".join(f"{t} ({why})" for t, why in separated.items())
        notes.append((SeparationWarning,
                      f"{outcome} is (quasi-)completely separated: {detail}. The odds ratios "
                      "of these terms are infinite, so their estimates, intervals and p-values "
                      "are not meaningful. Merge sparse categories or drop the term."))
    elif not fit.converged:
        notes.append((ConvergenceWarning,
                      f"gee ({family}, {cov_struct}): the fit did not converge; its estimates "
                      "should not be trusted."))
    for category, message in notes:
        warnings.warn(message, category, stacklevel=2)

    ratio = family != "gaussian"
    events = int(y.sum()) if family != "gaussian" else None
    rows = _rows(fit.params, fit.bse, design.terms, alpha, ratio)
    table = summary_frame(term_rows(design, rows, {}, n=len(y), events=events),
                          extra=REGRESSION_EXTRA)
    matrix = visit_correlation(fit, cov_struct, waves, time)
    dep = None if fit.dep_param is None or cov_struct == "unstructured" else float(fit.dep_param)
    accounting = Accounting(unit=unit, n_rows=len(data), n_used=len(y), events=events,
                            n_clusters=int(frame[cluster].nunique()), cluster=cluster,
                            excluded=excluded, clustered=True, weights=weights,
                            effective_n=None if w is None else effective_n(w))
    return GEEResult(
        table=table, outcome=outcome, exposures=exposure_names, family=family,
        link=FAMILIES[family], measure=MEASURE[family],
        method=("" if w is None else "ipw-") + f"gee-{family}-{cov_struct}-"
        f"{COV_LABEL[cov_type]}", engine=fit.engine,
        cov_struct=cov_struct, cov_type=cov_type, alpha=alpha, accounting=accounting,
        scale=fit.scale, scale_fixed=scale_fixed, time=time, dep_param=dep,
        working_correlation=matrix, fallback=fit.fallback, converged=fit.converged,
        warnings=tuple(message for _, message in notes), raw=fit.raw,
    )

