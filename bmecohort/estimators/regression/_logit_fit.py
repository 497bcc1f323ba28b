"""The fitting engines behind :func:`~bmecohort.logistic`, and its separation checks.

Each backend (statsmodels GLM, GEE through :mod:`.geefit`, the weighted robust fit of
:mod:`._weighted`, firthmodels' Firth regression) returns a :class:`Fit` on the log-odds
scale; :func:`separation` finds the terms whose maximum-likelihood estimate is infinite.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..._columns import CI_LOWER, CI_UPPER, COEF, ESTIMATE, P_VALUE, SE
from ...exceptions import ConvergenceWarning
from ._design import INTERCEPT, Design, wald
from ._weighted import fit_weighted_gee
from .geefit import fit_gee, library_flags

__all__ = ["COV_LABEL", "Fit", "fit_model", "separation"]

#: Rows up to which the exact separation check (a linear programme) always runs.
LP_ROWS = 20_000


@dataclass
class Fit:
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


def _fit_glm(design: Design, y: np.ndarray) -> Fit:
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
    return Fit(coef=coef, se=se, fitted=fitted,
                converged=bool(res.converged) and not flagged, raw=res,
                method="logistic-glm", engine="statsmodels", perfect_separation=separation)


def _fit_gee(design: Design, y: np.ndarray, groups: np.ndarray, cov_struct: str,
             engine: str, cov_type: str = "robust", waves: np.ndarray | None = None,
             scale_fixed: bool = False) -> Fit:
    fit = fit_gee(y, design.exog.to_numpy(), groups, cov_struct=cov_struct, engine=engine,
                  cov_type=cov_type, time=waves, scale_fixed=scale_fixed,
                  exog_names=design.terms)
    # the label names the estimator; which engine computed it is recorded apart
    return Fit(coef=fit.params, se=fit.bse, fitted=fit.fitted, converged=fit.converged,
                raw=fit.raw, method=f"gee-{cov_struct}-{COV_LABEL[cov_type]}",
                engine=fit.engine, fallback=fit.fallback, gee=fit,
                # a float for every working correlation but the unstructured one
                dep_param=None if cov_struct == "unstructured" else fit.dep_param,  # type: ignore[arg-type]
                perfect_separation=fit.flagged_separation)


def _fit_weighted(design: Design, y: np.ndarray, weights: np.ndarray,
                  groups: np.ndarray | None) -> Fit:
    """Weighted logistic fit with a robust variance: HC0, or clustered (independence GEE)."""
    fit = fit_weighted_gee(y, design.exog.to_numpy(), weights, groups, family="binomial")
    method = "ipw-logistic-glm-robust" if groups is None else "ipw-gee-independence-robust"
    return Fit(coef=fit.params, se=fit.bse, fitted=fit.fitted, converged=fit.converged,
                raw=fit.raw, method=method, engine=fit.engine,
                perfect_separation=fit.flagged_separation)


def _fit_firth(design: Design, y: np.ndarray, alpha: float) -> Fit:
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
    return Fit(coef=coef, se=se, fitted=mu, converged=converged, raw=model,
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


def separation(design: Design, y: np.ndarray, fit: Fit, outcome: str) -> dict[str, str]:
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
    if len(y) > LP_ROWS and not suspicious:
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
COV_LABEL = {"robust": "robust", "bias_reduced": "mancl-derouen"}



def fit_model(design: Design, y: np.ndarray, groups: np.ndarray | None, *, cov_struct: str,
               engine: str, firth: bool, alpha: float, cov_type: str = "robust",
               waves: np.ndarray | None = None, scale_fixed: bool = False,
               weights: np.ndarray | None = None) -> Fit:
    if weights is not None:
        return _fit_weighted(design, y, weights, groups)
    if firth:
        return _fit_firth(design, y, alpha)
    if groups is None:
        return _fit_glm(design, y)
    # "auto": the vectorised solver, refitted by statsmodels when it stops unconverged
    return _fit_gee(design, y, groups, cov_struct, engine, cov_type, waves, scale_fixed)
