"""A GEE fitted on arrays by the vectorised solver or by statsmodels: one engine-neutral fit.

``engine="auto"`` runs the vectorised solvers (:mod:`~bmecohort.estimators.regression.fastgee`
for independence and exchangeable, :mod:`~bmecohort.estimators.regression.fastgee_visits`
for AR-1 and unstructured correlations; plain sandwich) and refits with statsmodels' GEE whenever that solver stops without converging (the working
correlation left its admissible range, the iteration limit, a singular information matrix),
recording which engine produced the numbers and why. statsmodels runs with geepack's
estimators of the correlation where its own differ (AR-1, unstructured, the scale fixed at 1:
:class:`~bmecohort.estimators.regression.geecorr.GeepackCorrelation`).
Both engines solve the same estimating equations with geepack's moment estimators, so the
result never depends on which one ran; only non-convergence differs, and then statsmodels
decides.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..._checks import describe_rows
from ...exceptions import AnalysisInputError
from .fastgee import fit_fast_gee
from .fastgee_visits import fit_fast_gee_visits
from .geecorr import GeepackCorrelation

__all__ = ["NEEDS_TIME", "GEEFit", "fit_gee", "library_flags", "order_rows",
           "visit_correlation", "visit_numbers"]


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
    dep_param : float, numpy.ndarray or None
        Working correlation parameter: exchangeable or AR-1 correlation, the unstructured
        correlations of every visit pair (upper triangle read row by row), ``None`` for
        independence.
    scale : float
        Scale: the mean squared Pearson residual, or 1 when fixed.
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
    dep_param: float | np.ndarray | None
    scale: float
    converged: bool
    engine: str
    fallback: str | None
    flagged_separation: bool
    raw: Any

    def __repr__(self) -> str:
        return (f"GEEFit(engine={self.engine!r}, converged={self.converged}, "
                f"dep_param={self.dep_param}, fallback={self.fallback!r})")


def library_flags(caught: list[warnings.WarningMessage]) -> tuple[bool, bool]:
    """Did statsmodels warn about non-convergence, or about perfect separation?

    By warning class, never by message text (a reworded message would silence it); the
    fitted values are checked for separation independently.
    """
    from statsmodels.tools import sm_exceptions as library

    convergence = any(issubclass(w.category, (library.ConvergenceWarning,
                                              library.IterationLimitWarning))
                      for w in caught)
    separation = any(issubclass(w.category, library.PerfectSeparationWarning) for w in caught)
    return convergence, separation


def _sm_family(family: str) -> Any:
    from ... import _statsmodels as sm

    return {"binomial": sm.families.Binomial, "poisson": sm.families.Poisson,
            "gaussian": sm.families.Gaussian}[family]()


def _fit_statsmodels(y: np.ndarray, x: np.ndarray, groups: np.ndarray, cov_struct: str,
                     cov_type: str, fallback: str | None, *, family: str = "binomial",
                     time: np.ndarray | None = None, scale_fixed: bool = False) -> GEEFit:
    from ... import _statsmodels as sm

    if cov_struct == "independence":
        structure = sm.cov_struct.Independence()
    elif cov_struct == "exchangeable" and not scale_fixed:
        structure = sm.cov_struct.Exchangeable()  # geepack's estimator with ddof_scale=0
    else:  # statsmodels has no such estimator: geepack's, plugged in
        structure = GeepackCorrelation(cov_struct, time, scale_fixed=scale_fixed)
    model = sm.GEE(y, x, groups=groups, family=_sm_family(family), cov_struct=structure)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        # ddof_scale=0: geepack's moment estimators of the scale and correlation (statsmodels'
        # default divides by N - p and M - p, which moves the correlation and coefficients)
        # cov_type "bias_reduced": Mancl and DeRouen's small-sample sandwich
        try:
            res = model.fit(maxiter=100, ctol=1e-10, ddof_scale=0, cov_type=cov_type)
        except (ValueError, np.linalg.LinAlgError):
            # a singular working correlation: statsmodels' covariance step then fails
            res = None
        if res is None:  # statsmodels could not estimate the parameters at all
            p = x.shape[1]
            return GEEFit(params=np.full(p, np.nan), bse=np.full(p, np.nan),
                          cov_params=np.full((p, p), np.nan), fitted=np.full(len(y), np.nan),
                          dep_param=None, scale=np.nan, converged=False, engine="statsmodels",
                          fallback=fallback, flagged_separation=False, raw=None)
        params = np.asarray(res.params)
        cov = np.asarray(res.cov_params())
        fitted = np.asarray(res.fittedvalues)
        bse = np.sqrt(np.diag(cov))  # NaN where a diverged fit left a negative variance
    flagged, separation = library_flags(caught)
    dep: float | np.ndarray | None = None
    if cov_struct == "unstructured":
        dep = np.asarray(model.cov_struct.dep_params, dtype=float)
    elif cov_struct != "independence":
        dep = float(np.asarray(model.cov_struct.dep_params))
    with np.errstate(all="ignore"):
        resid = (y - fitted) / np.sqrt(model.family.variance(fitted))
        scale = 1.0 if scale_fixed else float(np.mean(resid * resid))
    return GEEFit(params=params, bse=bse, cov_params=cov,
                  fitted=fitted, dep_param=dep, scale=scale,
                  converged=bool(getattr(res, "converged", True)) and not flagged,
                  engine="statsmodels", fallback=fallback, flagged_separation=separation,
                  raw=res)


def fit_gee(endog: np.ndarray, exog: np.ndarray, groups: np.ndarray, *,
            family: str = "binomial", cov_struct: str = "exchangeable", engine: str = "auto",
            cov_type: str = "robust", time: np.ndarray | None = None,
            scale_fixed: bool = False, exog_names: tuple[str, ...] | None = None) -> GEEFit:
    """Fit a GEE with the engine asked for, falling back from the fast one if needed.

    Parameters
    ----------
    endog, exog, groups : numpy.ndarray
        Outcome, model matrix with the intercept, cluster labels. For ``"ar1"`` and
        ``"unstructured"`` the rows must be sorted by cluster, then by ``time``.
    family : {"binomial", "poisson", "gaussian"}, default="binomial"
        Family with its canonical link.
    cov_struct : {"exchangeable", "independence", "ar1", "unstructured"}, default="exchangeable"
        Working correlation.
    engine : {"auto", "fast", "statsmodels"}, default="auto"
        ``"fast"`` runs only the vectorised solver (its non-convergence is reported as it is);
        ``"auto"`` runs it and refits with statsmodels when it stops unconverged;
        ``"statsmodels"`` runs statsmodels only. The small-sample sandwich
        (``cov_type="bias_reduced"``) is always statsmodels'.
    cov_type : {"robust", "bias_reduced"}, default="robust"
        Plain or Mancl-DeRouen sandwich.
    time : numpy.ndarray or None, default=None
        Integer visit numbers (geepack's ``waves``); needed by ``"ar1"`` and
        ``"unstructured"``.
    scale_fixed : bool, default=False
        Hold the scale at 1 instead of estimating it.
    exog_names : tuple of str or None, default=None
        Term names for the fast solver's native fit.

    Returns
    -------
    GEEFit
    """
    if cov_struct in NEEDS_TIME and time is None:
        raise AnalysisInputError(f"cov_struct={cov_struct!r} needs the visit numbers (time).")
    general: dict[str, Any] = dict(family=family, time=time, scale_fixed=scale_fixed)
    if engine == "statsmodels" or cov_type != "robust":
        return _fit_statsmodels(endog, exog, groups, cov_struct, cov_type, None, **general)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if cov_struct in NEEDS_TIME and time is not None:  # time is given there (checked above)
            fast = fit_fast_gee_visits(endog, exog, groups, time, family=family,
                                       cov_struct=cov_struct, scale_fixed=scale_fixed,
                                       exog_names=exog_names)
        else:
            # the names were checked by the callers (gee, logistic): a str, not a Literal, here
            fast = fit_fast_gee(endog, exog, groups, family=family, cov_struct=cov_struct,  # type: ignore[arg-type]
                                scale_fixed=scale_fixed, exog_names=exog_names)
    if fast.converged or engine == "fast":
        return GEEFit(params=fast.params, bse=fast.bse, cov_params=fast.cov_robust,
                      fitted=fast.fittedvalues,
                      dep_param=fast.dep_param if cov_struct != "independence" else None,
                      scale=fast.scale, converged=fast.converged, engine="fastgee",
                      fallback=None, flagged_separation=False, raw=fast)
    why = f"the vectorised solver stopped ({fast.stop_reason}); refitted with statsmodels' GEE"
    return _fit_statsmodels(endog, exog, groups, cov_struct, cov_type, why, **general)


#: Working correlations that need the visit order.
NEEDS_TIME = ("ar1", "unstructured")


def order_rows(frame: pd.DataFrame, *, cluster: str, time: str | None, cov_struct: str,
               table: str = "data") -> pd.DataFrame:
    """Rows sorted by cluster (then visit), with the visit column checked for AR-1/unstructured.

    For those, visit numbers must be integers (geepack's ``waves``: AR-1 lags are their
    differences) and appear at most once per cluster; every problem is reported at once.
    Other structures only use the visits to order the rows.
    """
    if cov_struct in NEEDS_TIME and time is None:
        raise AnalysisInputError(
            f"cov_struct={cov_struct!r} needs the visit order: pass time='<visit column>' "
            "(integer visit numbers; missing visits are allowed and keep their gaps).")
    if time is None:
        return frame.sort_values(cluster, kind="stable")  # statsmodels #7379, geepack
    if cov_struct not in NEEDS_TIME:
        return frame.sort_values([cluster, time], kind="stable")
    problems = []
    values = pd.to_numeric(frame[time], errors="coerce")
    not_integer = frame.index[values.isna() | (values != np.round(values))]
    if len(not_integer):
        shown = frame.loc[not_integer, time].head(5).tolist()
        problems.append(f"rows {describe_rows(not_integer)} of column {time!r} are not integer "
                        f"visit numbers (e.g. {shown})")
    else:
        repeated = frame.index[frame.duplicated([cluster, time], keep=False)]
        if len(repeated):
            problems.append(f"rows {describe_rows(repeated)} repeat a visit ({time!r}) within "
                            f"a cluster ({cluster!r}); each cluster must have each visit once")
    if problems:
        raise AnalysisInputError(
            f"{table}: " + "; ".join(problems) + ". Number visits 1, 2, 3, ... (one row per "
            "cluster and visit), e.g. by aggregating or choosing one row per visit.")
    return frame.sort_values([cluster, time], kind="stable")


def visit_numbers(frame: pd.DataFrame, time: str | None, cov_struct: str
                  ) -> np.ndarray | None:
    """The visit column as geepack's integer ``waves`` (AR-1, unstructured) or as it is."""
    if time is None:
        return None
    values = frame[time].to_numpy()
    return values.astype(np.int64) if cov_struct in NEEDS_TIME else values


def visit_correlation(fit: GEEFit, cov_struct: str, waves: np.ndarray | None,
                      time: str | None) -> pd.DataFrame | None:
    """The working correlation between the visits seen (geepack's ``R``), or ``None``.

    Rows and columns are the visit numbers; ``None`` without visits or for independence.
    """
    if waves is None or cov_struct == "independence" or fit.dep_param is None:
        return None
    levels = np.unique(waves)
    t = len(levels)
    full = np.eye(t)
    upper = np.triu_indices(t, 1)
    if cov_struct == "unstructured":
        full[upper] = fit.dep_param
    elif cov_struct == "ar1":
        full[upper] = float(fit.dep_param) ** np.abs(levels[upper[1]] - levels[upper[0]])
    else:
        full[upper] = float(fit.dep_param)
    full.T[upper] = full[upper]
    matrix = pd.DataFrame(full, index=levels, columns=levels)
    matrix.index.name = matrix.columns.name = time
    return matrix
