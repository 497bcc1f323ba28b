"""A GEE fitted on arrays by the vectorised solver or by statsmodels: one engine-neutral fit.

``engine="auto"`` runs the vectorised solver (:mod:`~bmecohort.estimators.regression.fastgee`)
where it applies and refits with statsmodels' GEE whenever that solver stops without
converging (the working correlation left its admissible range, the iteration limit, a
singular information matrix), recording which engine produced the numbers and why. Both
engines solve the same estimating equations with geepack's moment estimators, so the result
never depends on which one ran; only non-convergence differs, and then statsmodels decides.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fastgee import fit_logit_gee

__all__ = ["GEEFit", "fit_gee"]


@dataclass(frozen=True, repr=False, eq=False)
class GEEFit:
    """What either engine returns, on the link scale, in model-matrix order.

    Attributes
    ----------
    params, bse : numpy.ndarray
        Coefficients and their (robust or bias-reduced) standard errors.
    cov_params : numpy.ndarray
        Their covariance.
    fitted : numpy.ndarray
        Fitted means in the order of the rows given.
    dep_param : float or None
        Exchangeable working correlation (``None`` for independence).
    converged : bool
        Whether the engine that produced the numbers converged.
    engine : str
        ``"fastgee"`` or ``"statsmodels"``.
    fallback : str or None
        Why the vectorised solver was left for statsmodels (``None`` when it was not).
    flagged_separation : bool
        Whether the library warned about perfect separation.
    raw : object
        The native fit (:class:`~bmecohort.estimators.regression.fastgee.FastGEEFit` or
        statsmodels' ``GEEResults``).
    """

    params: np.ndarray
    bse: np.ndarray
    cov_params: np.ndarray
    fitted: np.ndarray
    dep_param: float | None
    converged: bool
    engine: str
    fallback: str | None
    flagged_separation: bool
    raw: Any

    def __repr__(self) -> str:
        return (f"GEEFit(engine={self.engine!r}, converged={self.converged}, "
                f"dep_param={self.dep_param}, fallback={self.fallback!r})")


def library_flags(caught: list[warnings.WarningMessage]) -> tuple[bool, bool]:
    """Did a library warn about non-convergence, or about perfect separation?"""
    text = [f"{type(w.message).__name__}: {w.message}" for w in caught]
    convergence = any("Convergence" in t or "converge" in t for t in text)
    separation = any("PerfectSeparation" in t or "separation" in t.lower() for t in text)
    return convergence, separation


def _fit_statsmodels(y: np.ndarray, x: np.ndarray, groups: np.ndarray, cov_struct: str,
                     cov_type: str, fallback: str | None) -> GEEFit:
    import statsmodels.api as sm

    structure = (sm.cov_struct.Exchangeable() if cov_struct == "exchangeable"
                 else sm.cov_struct.Independence())
    model = sm.GEE(y, x, groups=groups, family=sm.families.Binomial(), cov_struct=structure)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        # ddof_scale=0: geepack's moment estimators of the scale and correlation (statsmodels'
        # default divides by N - p and M - p, which moves the correlation and coefficients)
        # cov_type "bias_reduced": Mancl and DeRouen's small-sample sandwich
        res = model.fit(maxiter=100, ctol=1e-10, ddof_scale=0, cov_type=cov_type)
        params = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        fitted = np.asarray(res.fittedvalues)
    flagged, separation = library_flags(caught)
    dep = (float(np.asarray(model.cov_struct.dep_params)) if cov_struct == "exchangeable"
           else None)
    return GEEFit(params=params, bse=np.sqrt(np.diag(cov)), cov_params=cov,
                  fitted=fitted, dep_param=dep,
                  converged=bool(getattr(res, "converged", True)) and not flagged,
                  engine="statsmodels", fallback=fallback, flagged_separation=separation,
                  raw=res)


def fit_gee(endog: np.ndarray, exog: np.ndarray, groups: np.ndarray, *,
            cov_struct: str = "exchangeable", engine: str = "auto", cov_type: str = "robust",
            exog_names: tuple[str, ...] | None = None) -> GEEFit:
    """Fit a logit GEE with the engine asked for, falling back from the fast one if needed.

    Parameters
    ----------
    endog, exog, groups : numpy.ndarray
        0/1 outcome, model matrix with the intercept, cluster labels.
    cov_struct : {"exchangeable", "independence"}, default="exchangeable"
        Working correlation.
    engine : {"auto", "fast", "statsmodels"}, default="auto"
        ``"fast"`` runs only the vectorised solver (its non-convergence is reported as it is);
        ``"auto"`` runs it and refits with statsmodels when it stops unconverged;
        ``"statsmodels"`` runs statsmodels only. The small-sample sandwich
        (``cov_type="bias_reduced"``) is always statsmodels'.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        Plain or Mancl-DeRouen sandwich.
    exog_names : tuple of str or None, default=None
        Term names for the fast solver's native fit.

    Returns
    -------
    GEEFit
    """
    if engine == "statsmodels" or cov_type != "robust":
        return _fit_statsmodels(endog, exog, groups, cov_struct, cov_type, None)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        fast = fit_logit_gee(endog, exog, groups, cov_struct=cov_struct, exog_names=exog_names)
    if fast.converged or engine == "fast":
        return GEEFit(params=fast.params, bse=fast.bse, cov_params=fast.cov_robust,
                      fitted=fast.fittedvalues,
                      dep_param=fast.dep_param if cov_struct == "exchangeable" else None,
                      converged=fast.converged, engine="fastgee", fallback=None,
                      flagged_separation=False, raw=fast)
    why = f"the vectorised solver stopped ({fast.stop_reason}); refitted with statsmodels' GEE"
    return _fit_statsmodels(endog, exog, groups, cov_struct, cov_type, why)
