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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..._checks import prepare
from ..._clusters import AUTO, carry, cluster_request, plan_clusters
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, TERM, N
from ..._weights import check_weights, effective_n
from ...exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SeparationWarning,
)
from ...results import Accounting, Result, ScalarResult, result, summary_frame
from ._design import (
    INTERCEPT,
    Design,
    as_names,
    build_design,
    term_rows,
    trend_design,
    wald,
)
from ._weighted import check_weighted_options, fit_weighted_gee, weighted_structure
from .geefit import (
    NEEDS_TIME,
    fit_gee,
    library_flags,
    order_rows,
    visit_correlation,
    visit_numbers,
)

__all__ = ["OddsRatioTerm", "RegressionResult", "logistic"]

#: Extra summary columns: the coefficient (log odds ratio) and its standard error.
COEF = "coef"
SE = "se"
_EXTRA = (N, EVENTS, COEF, SE)
#: Rows up to which the exact separation check (a linear programme) always runs.
_LP_ROWS = 20_000


@result
class OddsRatioTerm(ScalarResult):
    """One model term's odds ratio, as returned by :meth:`RegressionResult.odds_ratio`.

    Attributes
    ----------
    term : str
        Term name, e.g. ``"bml"``, ``"bml_size[2]"``, ``"bml_size (trend)"``.
    estimate, ci_lower, ci_upper : float
        Odds ratio and its interval.
    p_value : float
        Two-sided p-value.
    coef, se : float
        Log odds ratio and its standard error.
    method, interval : str
        How the model and the interval were computed.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        The model's denominators.
    """

    coef: float
    se: float
    method: str
    interval: str
    alpha: float
    accounting: Accounting

    def evalue(self, **options: Any) -> Any:
        """E-value for unmeasured confounding (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, **options)


@result
class RegressionResult(Result):
    """Odds ratios from a logistic-type regression, one row per model term.

    Attributes
    ----------
    table : pandas.DataFrame
        The per-term table returned by :meth:`summary`.
    outcome : str
        Outcome column.
    exposures : tuple of str
        Exposure columns.
    method : str
        The estimator, never the engine: ``"logistic-glm"``, ``"gee-<cov_struct>-robust"``,
        ``"gee-<cov_struct>-mancl-derouen"``, ``"firth-logistic-profile"`` (profile
        penalised-likelihood intervals) or ``"conditional-logistic"``.
    engine : str
        Library that fitted the model: ``"statsmodels"``, ``"fastgee"``, ``"fastclogit"`` or
        ``"firthmodels"``.
    fallback : str or None
        Why ``engine="auto"`` left the vectorised GEE solver for statsmodels (e.g. the
        exchangeable correlation fell below :math:`-1/(m_{max} - 1)`); ``None`` otherwise.
    interval : str
        ``"wald"`` (log-odds scale) or ``"profile-likelihood"`` (Firth).
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events, clusters and every exclusion with its reason.
    cov_struct : str or None
        GEE working correlation (``None`` without clustering).
    time : str or None
        Visit column ordering the rows within clusters (AR-1, unstructured).
    scale_fixed : bool
        Whether the GEE scale was held at 1.
    working_correlation : pandas.DataFrame or None
        Working correlation between the visits (when ``time`` is given).
    cov_type : str
        ``"robust"`` (GEE sandwich) or ``"model-based"``.
    dep_param : float or None
        Estimated exchangeable or AR-1 working correlation.
    converged : bool
        Whether the fit converged.
    trend : mapping of str to float
        Categorical exposure -> p-value of the trend test (empty without ``trend=True``).
    warnings : tuple of str
        Statistical caveats, also issued as warnings.
    raw : object
        The native fitted object (statsmodels results, :class:`~bmecohort.estimators.
        fastgee.FastGEEFit`, :class:`~bmecohort.estimators.regression.fastclogit.
        FastClogitFit` or firthmodels' ``FirthLogisticRegression``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from bmecohort import logistic
    >>> rng = np.random.default_rng(1)
    >>> knees = pd.DataFrame({"bml": rng.integers(0, 2, 300), "age": rng.normal(60, 8, 300)})
    >>> knees["pain"] = rng.binomial(1, 0.3 + 0.2 * knees["bml"])
    >>> fit = logistic(knees, outcome="pain", exposures=["bml", "age"])  # one knee per person
    >>> type(fit).__name__, fit.method, fit.exposures
    ('RegressionResult', 'logistic-glm', ('bml', 'age'))
    >>> list(fit.summary()["term"])
    ['bml', 'age']
    >>> round(fit.odds_ratio("bml").estimate, 2)
    1.62
    """

    table: pd.DataFrame
    outcome: str
    exposures: tuple[str, ...]
    method: str
    engine: str
    interval: str
    alpha: float
    accounting: Accounting
    cov_struct: str | None = None
    cov_type: str = "model-based"
    dep_param: float | None = None
    converged: bool = True
    trend: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    raw: Any = None
    fallback: str | None = None
    time: str | None = None
    scale_fixed: bool = False
    working_correlation: pd.DataFrame | None = None

    @property
    def title(self) -> str:
        """Display title."""
        return f"RegressionResult: {self.outcome} ~ {' + '.join(self.exposures)}"

    def header(self) -> dict[str, object]:
        """The shared header plus the engine, and why it was chosen when it fell back."""
        out = super().header()
        out["engine"] = self.engine
        if self.fallback is not None:
            out["engine fallback"] = self.fallback
        return out

    @property
    def p_trend(self) -> float | None:
        """Trend-test p-value of the (first) categorical exposure, or ``None``."""
        return next(iter(self.trend.values()), None)

    def summary(self) -> pd.DataFrame:
        """One row per model term (the intercept is left out), plus one per trend test.

        Columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events, coef, se``, where
        ``estimate`` is the odds ratio ``exp(coef)``, ``coef`` the log odds ratio and ``se``
        its standard error (robust for GEE), and ``n``/``events`` the model's units and events.
        """
        return self.table.copy()

    def evalue(self, term: str | None = None, **options: Any) -> Any:
        """E-value for unmeasured confounding of one term's odds ratio (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, term=term, **options)

    def odds_ratio(self, term: str) -> OddsRatioTerm:
        """The odds ratio of one term, e.g. ``"bml_size[2]"`` or ``"bml_size (trend)"``."""
        rows = self.table[self.table[TERM] == term]
        if rows.empty:
            raise AnalysisInputError(
                f"odds_ratio: no term {term!r}; the model's terms are "
                f"{self.table[TERM].tolist()}."
            )
        row = rows.iloc[0]
        return OddsRatioTerm(
            term=term, estimate=float(row[ESTIMATE]), ci_lower=float(row[CI_LOWER]),
            ci_upper=float(row[CI_UPPER]), p_value=float(row[P_VALUE]),
            coef=float(row[COEF]), se=float(row[SE]), method=self.method,
            interval=self.interval, alpha=self.alpha, accounting=self.accounting,
        )


@dataclass
class _Fit:
    """What every backend returns, on the log-odds scale, in model-matrix order."""

    coef: np.ndarray
    se: np.ndarray
    fitted: np.ndarray
    converged: bool
    raw: Any
    method: str
    engine: str
    interval: str = "wald"
    bounds: np.ndarray | None = None  # (p, 2) log-scale interval when not Wald
    p_value: np.ndarray | None = None  # when not Wald
    dep_param: float | None = None
    notes: list[tuple[type[Warning], str]] = field(default_factory=list)
    perfect_separation: bool = False
    fallback: str | None = None
    gee: Any = None  # the engine-neutral GEE fit, when clustered

    def rows(self, names: Sequence[str], alpha: float) -> dict[str, dict[str, float]]:
        out = wald(self.coef, self.se, alpha)
        if self.bounds is not None:
            out[CI_LOWER] = np.exp(self.bounds[:, 0])
            out[CI_UPPER] = np.exp(self.bounds[:, 1])
        if self.p_value is not None:
            out[P_VALUE] = self.p_value
        return {name: {ESTIMATE: float(out[ESTIMATE][i]), CI_LOWER: float(out[CI_LOWER][i]),
                       CI_UPPER: float(out[CI_UPPER][i]), P_VALUE: float(out[P_VALUE][i]),
                       COEF: float(self.coef[i]), SE: float(self.se[i])}
                for i, name in enumerate(names)}


def _fit_glm(design: Design, y: np.ndarray) -> _Fit:
    from ... import _statsmodels as sm

    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        res = sm.GLM(y, design.exog, family=sm.families.Binomial()).fit(tol=1e-10, maxiter=100)
        coef = np.asarray(res.params)
        fitted = np.asarray(res.fittedvalues)
        # IRLS reports errors from the weights of its last-but-one iterate; the inverse
        # information at the estimate itself is exact (as R's summary.glm)
        x = design.exog.to_numpy()
        info = x.T @ (x * (fitted * (1.0 - fitted))[:, None])
        se = np.sqrt(np.diag(np.linalg.pinv(info)))
    flagged, separation = library_flags(caught)
    return _Fit(coef=coef, se=se, fitted=fitted,
                converged=bool(res.converged) and not flagged, raw=res,
                method="logistic-glm", engine="statsmodels", perfect_separation=separation)


def _fit_gee(design: Design, y: np.ndarray, groups: np.ndarray, cov_struct: str,
             engine: str, cov_type: str = "robust", waves: np.ndarray | None = None,
             scale_fixed: bool = False) -> _Fit:
    fit = fit_gee(y, design.exog.to_numpy(), groups, cov_struct=cov_struct, engine=engine,
                  cov_type=cov_type, time=waves, scale_fixed=scale_fixed,
                  exog_names=design.terms)
    # the label names the estimator; which engine computed it is recorded apart
    return _Fit(coef=fit.params, se=fit.bse, fitted=fit.fitted, converged=fit.converged,
                raw=fit.raw, method=f"gee-{cov_struct}-{_COV_LABEL[cov_type]}",
                engine=fit.engine, fallback=fit.fallback, gee=fit,
                # a float for every working correlation but the unstructured one
                dep_param=None if cov_struct == "unstructured" else fit.dep_param,  # type: ignore[arg-type]
                perfect_separation=fit.flagged_separation)


def _fit_weighted(design: Design, y: np.ndarray, weights: np.ndarray,
                  groups: np.ndarray | None) -> _Fit:
    """Weighted logistic fit with a robust variance: HC0, or clustered (independence GEE)."""
    fit = fit_weighted_gee(y, design.exog.to_numpy(), weights, groups, family="binomial")
    method = "ipw-logistic-glm-robust" if groups is None else "ipw-gee-independence-robust"
    return _Fit(coef=fit.params, se=fit.bse, fitted=fit.fitted, converged=fit.converged,
                raw=fit.raw, method=method, engine=fit.engine,
                perfect_separation=fit.flagged_separation)


def _fit_firth(design: Design, y: np.ndarray, alpha: float) -> _Fit:
    from firthmodels import FirthLogisticRegression

    x = design.exog.drop(columns=INTERCEPT).to_numpy()
    k = x.shape[1]
    notes: list[tuple[type[Warning], str]] = []
    model = FirthLogisticRegression(gtol=1e-6, xtol=1e-6, max_iter=100, backend="numpy")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        model.fit(x, y)
        converged = bool(model.converged_)
        if converged:
            model.lrt(list(range(k)))
            bounds = np.asarray(model.conf_int(alpha=alpha, method="pl", tol=1e-8,
                                               max_iter=100))
        else:
            bounds = np.full((k + 1, 2), np.nan)
    coef = np.r_[model.intercept_, model.coef_]
    # firthmodels puts the intercept last; bmecohort's model matrix has it first
    bounds = np.vstack([bounds[k], bounds[:k]])
    p_lrt = np.r_[np.nan, np.asarray(model.lrt_pvalues_)[:k]] if converged else \
        np.full(k + 1, np.nan)
    xf = design.exog.to_numpy()
    mu = 1.0 / (1.0 + np.exp(-(xf @ coef)))
    info = xf.T @ (xf * (mu * (1.0 - mu))[:, None])
    # brglm2's (and logistf's) standard errors: the inverse Fisher information at the
    # estimate (firthmodels' bse_ uses the penalty-augmented information instead)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    wald_rows = wald(coef, se, alpha)
    lost = ~np.isfinite(bounds).all(axis=1) | ~np.isfinite(p_lrt)
    lost[0] = False  # the intercept is not reported
    if converged and lost.any():
        names = [design.terms[i] for i in np.flatnonzero(lost)]
        notes.append((ConvergenceWarning,
                      f"profile-likelihood interval or likelihood-ratio p-value of {names} "
                      "could not be computed; Wald values are shown for these terms."))
        half = ndtri(1.0 - alpha / 2.0) * se
        bounds[lost] = np.column_stack([coef - half, coef + half])[lost]
        p_lrt[lost] = wald_rows[P_VALUE][lost]
    return _Fit(coef=coef, se=se, fitted=mu, converged=converged, raw=model,
                method="firth-logistic-profile", engine="firthmodels",
                interval="profile-likelihood", bounds=bounds, p_value=p_lrt, notes=notes)


def _zero_cells(exog: pd.DataFrame, y: np.ndarray, outcome: str) -> dict[str, str]:
    """Binary terms with a zero cell against the outcome: quasi-complete separation."""
    terms = [c for c in exog.columns if c != INTERCEPT]
    if not terms:
        return {}
    values = exog[terms].to_numpy()
    binary = np.all((values == 0.0) | (values == 1.0), axis=0)
    found: dict[str, str] = {}
    n, events = len(y), float(y.sum())
    ones = values.sum(axis=0)
    events_one = values.T @ y
    for i in np.flatnonzero(binary):
        cells = {(1, 1): events_one[i], (1, 0): ones[i] - events_one[i],
                 (0, 1): events - events_one[i], (0, 0): (n - ones[i]) - (events - events_one[i])}
        empty = [f"no rows with {terms[i]}={a} and {outcome}={b}"
                 for (a, b), count in cells.items() if count == 0]
        if empty:
            found[terms[i]] = "; ".join(empty)
    return found


def _separation(design: Design, y: np.ndarray, fit: _Fit, outcome: str) -> dict[str, str]:
    """Terms whose maximum-likelihood estimate is infinite, with a reason for each.

    Zero cells of binary terms are checked always; the exact linear-programming check of
    Konis (2007) (firthmodels' ``detect_separation``, as R's detectseparation) runs on small
    data, or when the fit itself looks separated (huge coefficients, fitted probabilities at
    0 or 1, non-convergence, or a library's perfect-separation warning).
    """
    found = _zero_cells(design.exog, y, outcome)
    extreme = bool(np.any(fit.fitted < 1e-10) or np.any(fit.fitted > 1.0 - 1e-10))
    suspicious = (bool(found) or fit.perfect_separation or not fit.converged or extreme
                  or not np.all(np.isfinite(fit.coef)) or float(np.max(np.abs(fit.coef))) > 15)
    if len(y) > _LP_ROWS and not suspicious:
        return found
    from firthmodels import detect_separation

    x = design.exog.drop(columns=INTERCEPT, errors="ignore").to_numpy()
    if x.shape[1] == 0:  # intercept only: separated only when y is constant, checked above
        return found
    try:
        lp = detect_separation(x, y, fit_intercept=INTERCEPT in design.exog.columns)
    except np.linalg.LinAlgError:
        return found
    if lp.separation:
        names = [c for c in design.exog.columns if c != INTERCEPT]
        if INTERCEPT in design.exog.columns:
            names.append(INTERCEPT)  # detect_separation puts the intercept last
        for name, direction in zip(names, lp.directions, strict=True):
            if direction != 0 and name not in found:
                sign = "+inf" if direction > 0 else "-inf"
                found[name] = f"its estimate diverges to {sign}"
    return found


#: cov_type -> how it is named in ``method``.
_COV_LABEL = {"robust": "robust", "bias_reduced": "mancl-derouen"}


def _check_arguments(alpha: float, cov_struct: str, engine: str, cov_type: str = "robust"
                     ) -> None:
    if cov_type not in _COV_LABEL:
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


def _fit_model(design: Design, y: np.ndarray, groups: np.ndarray | None, *, cov_struct: str,
               engine: str, firth: bool, alpha: float, cov_type: str = "robust",
               waves: np.ndarray | None = None, scale_fixed: bool = False,
               weights: np.ndarray | None = None) -> _Fit:
    if weights is not None:
        return _fit_weighted(design, y, weights, groups)
    if firth:
        return _fit_firth(design, y, alpha)
    if groups is None:
        return _fit_glm(design, y)
    # "auto": the vectorised solver, refitted by statsmodels when it stops unconverged
    return _fit_gee(design, y, groups, cov_struct, engine, cov_type, waves, scale_fixed)


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
    fit = _fit_model(design, y, groups, cov_struct=cov_struct, engine=engine, firth=firth,
                     alpha=alpha, cov_type=cov_type, waves=waves, scale_fixed=scale_fixed,
                     weights=w)
    notes = list(fit.notes)
    if plan.warning is not None:
        notes.insert(0, (DataQualityWarning, plan.warning))
    separated = {} if firth else _separation(design, y, fit, outcome)
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
            trend_fit = _fit_model(scored, y, groups, cov_struct=cov_struct, engine=engine,
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
        table=summary_frame(table_rows, extra=_EXTRA), outcome=outcome,
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
