"""Weighted regression fits: which options have a weighted form, and the weighted GEE fit.

Inverse-probability weights (``weights=`` of :func:`~bmecohort.logistic` and
:func:`~bmecohort.gee`) are fitted as an independence GEE: statsmodels' GLM with
``var_weights`` and the plain cluster sandwich, or HC0 without clusters
(:func:`bmecohort._weights.fit_weighted_glm`), the same numbers as geepack's weighted
``geeglm(corstr = "independence")`` (``tests/reference/weights``). The vectorised GEE
solvers take no weights, so a weighted fit always runs on statsmodels.
"""

from __future__ import annotations

import numpy as np

from ..._weights import fit_weighted_glm
from ...exceptions import AnalysisInputError
from .geefit import GEEFit, _sm_family

__all__ = ["check_weighted_options", "fit_weighted_gee", "weighted_structure"]


def check_weighted_options(weights: str | None, *, firth: bool = False, cov_type: str,
                           engine: str) -> None:
    """Options that have no weighted form, all reported at once."""
    if weights is None:
        return
    problems = []
    if not isinstance(weights, str):
        problems.append(f"weights must be a column name or None, got {type(weights).__name__} "
                        "(store the weights as a column, e.g. data['ipcw'] = ipcw(...))")
    if firth:
        problems.append("firth=True has no weighted form")
    if cov_type != "robust":
        problems.append(f"cov_type={cov_type!r} is not available with weights (the weighted "
                        "fit has the plain sandwich)")
    if engine == "fast":
        problems.append("engine='fast' has no weighted solver (weighted fits are statsmodels' "
                        "GLM with a sandwich); use engine='auto'")
    if problems:
        raise AnalysisInputError(f"weights={weights!r}: " + "; ".join(problems) + ".")


def weighted_structure(cov_struct: str, *, clustered: bool) -> None:
    """Weighted GEE is fitted with the independence working correlation only."""
    if clustered and cov_struct != "independence":
        raise AnalysisInputError(
            f"weights= with clustered rows needs cov_struct='independence' (got "
            f"{cov_struct!r}): weighted GEE with a non-independence working correlation is "
            "consistent only under extra conditions (Tchetgen Tchetgen et al. 2012), and "
            "geepack and statsmodels weight it differently. Pass cov_struct='independence'; "
            "the sandwich still accounts for the clustering.")


def fit_weighted_gee(y: np.ndarray, exog: np.ndarray, weights: np.ndarray,
                     groups: np.ndarray | None, *, family: str,
                     scale_fixed: bool = False) -> GEEFit:
    """The weighted independence GEE (HC0 when ``groups`` is ``None``) as a :class:`GEEFit`.

    The scale is geepack's for weighted fits, :math:`\\sum_i w_i r_i^2 / \\sum_i w_i` with
    :math:`r_i` the Pearson residuals (or 1 when fixed); it does not enter the sandwich.
    """
    fit, flagged = fit_weighted_glm(y, exog, weights, groups, _sm_family(family))
    fitted = np.asarray(fit.fittedvalues)
    cov = np.asarray(fit.cov_params())
    with np.errstate(all="ignore"):
        resid2 = (y - fitted) ** 2 / fit.model.family.variance(fitted)
        scale = 1.0 if scale_fixed else float(np.sum(weights * resid2) / np.sum(weights))
        bse = np.sqrt(np.diag(cov))
    return GEEFit(params=np.asarray(fit.params), bse=bse, cov_params=cov, fitted=fitted,
                  dep_param=None, scale=scale, converged=not flagged, engine="statsmodels",
                  fallback=None, flagged_separation=flagged, raw=fit)
