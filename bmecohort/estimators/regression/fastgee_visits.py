"""Fast GEE with an AR-1 or unstructured working correlation over visits: vectorised.

The companion of :mod:`~bmecohort.estimators.regression.fastgee` for correlations that
depend on the visit numbers. No closed-form inverse exists, but every cluster's working
correlation is a sub-matrix of one matrix over all visits, so each cluster is padded to all
visits (a missed visit gets a row and column of the identity and a zero design row and
residual, which then contribute nothing) and the per-cluster systems are solved in one
batched :func:`numpy.linalg.solve`: no loop over clusters. Memory grows with
``clusters x visits^2``, which suits cohorts with a handful of visits.

The correlation parameters are geepack's pair-moment estimators
(:class:`~bmecohort.estimators.regression.geecorr.VisitPairs`), so the fit is geepack's
``geese(..., waves = visit, corstr = "ar1" | "unstructured")`` and statsmodels' GEE with
:class:`~bmecohort.estimators.regression.geecorr.GeepackCorrelation` to solver precision.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import AnalysisInputError
from .fastgee import _ETA_LIMIT, FAMILIES, FastGEEFit, _pieces
from .geecorr import VisitPairs

__all__ = ["fit_fast_gee_visits"]


def _solve_clusters(full: np.ndarray, mask: np.ndarray, slot: tuple[np.ndarray, np.ndarray],
                    xt: np.ndarray, resid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``H = sum X_i' R_i^-1 X_i`` and the cluster scores ``X_i' R_i^-1 r_i`` (padded)."""
    n_clusters, t = mask.shape
    p = xt.shape[1]
    both = mask[:, :, None] & mask[:, None, :]
    corr = np.where(both, full[None], np.eye(t)[None])
    rhs = np.zeros((n_clusters, t, p + 1))
    rhs[slot[0], slot[1], :p] = xt
    rhs[slot[0], slot[1], p] = resid
    solved = np.linalg.solve(corr, rhs)
    info = np.einsum("itp,itq->pq", rhs[:, :, :p], solved[:, :, :p])
    scores = np.einsum("itp,it->ip", rhs[:, :, :p], solved[:, :, p])
    return info, scores


def fit_fast_gee_visits(
    endog: np.ndarray,
    exog: np.ndarray,
    groups: np.ndarray,
    waves: np.ndarray,
    *,
    family: str = "binomial",
    cov_struct: str = "ar1",
    scale_fixed: bool = False,
    exog_names: tuple[str, ...] | None = None,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> FastGEEFit:
    """Fit a GEE with an AR-1 or unstructured working correlation over integer visits.

    Parameters
    ----------
    endog, exog, groups : numpy.ndarray
        Outcome, model matrix with the intercept, cluster labels (rows in any order).
    waves : numpy.ndarray
        Integer visit number of every row, each at most once per cluster; missed visits
        leave gaps (geepack's ``waves``).
    family : {"binomial", "poisson", "gaussian"}, default="binomial"
        Family, with its canonical link.
    cov_struct : {"ar1", "unstructured"}, default="ar1"
        Working correlation.
    scale_fixed : bool, default=False
        Hold the scale at 1.
    exog_names : tuple of str or None, default=None
        Term names.
    tol : float, default=1e-10
        Convergence when the largest change of the coefficients and correlations is below.
    maxiter : int, default=100
        Maximum number of Fisher-scoring iterations.

    Returns
    -------
    FastGEEFit
        ``dep_param`` is the AR-1 correlation, or the unstructured correlations of every
        visit pair (upper triangle read row by row).

    Notes
    -----
    The solver stops unconverged (and :func:`bmecohort.gee` falls back to statsmodels)
    when the working correlation over all visits stops being positive definite.
    """
    if cov_struct not in ("ar1", "unstructured"):
        raise AnalysisInputError(
            f"cov_struct: this solver fits 'ar1' or 'unstructured', got {cov_struct!r}.")
    if family not in FAMILIES:
        raise AnalysisInputError(f"family must be one of {sorted(FAMILIES)}, got {family!r}.")
    y = np.asarray(endog, dtype=float)
    x = np.asarray(exog, dtype=float)
    w = np.asarray(waves)
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    if not (y.ndim == 1 and x.ndim == 2 and len(x) == len(y) == len(codes) == len(w)):
        raise AnalysisInputError(
            "fit_fast_gee_visits: endog, exog, groups and waves must have the same rows.")
    order = np.lexsort((w, codes))  # by cluster, then visit
    y, x, w, codes = y[order], x[order], w[order], codes[order]
    sizes = np.bincount(codes)
    pairs = VisitPairs(sizes, w, cov_struct)
    n_clusters, t = len(sizes), len(pairs.levels)
    slot = (codes, pairs.rank)
    mask = np.zeros((n_clusters, t), dtype=bool)
    mask[slot] = True

    beta = np.zeros(x.shape[1])
    if family == "poisson" and np.all(x[:, 0] == 1.0) and y.mean() > 0:
        beta[0] = np.log(y.mean())
    alpha = pairs.initial()
    converged, n_iter, warm = False, 0, True
    stop_reason: str | None = f"iteration limit ({maxiter}) reached"
    limit = _ETA_LIMIT[family]
    while n_iter < maxiter:
        n_iter += 1
        _, xt, resid = _pieces(y, x, beta, family)
        new_alpha = alpha
        if not warm:
            scale = 1.0 if scale_fixed else float(np.mean(resid * resid))
            new_alpha = pairs.estimate(resid, scale, alpha)
        full = pairs.full_matrix(new_alpha)
        # (numerically) singular or indefinite: an AR-1 correlation at +-1, or unstructured
        # correlations that no joint distribution has; statsmodels and geepack carry on
        if not np.all(np.isfinite(full)) or np.linalg.eigvalsh(full)[0] <= 1e-8:
            stop_reason = (f"the {cov_struct} working correlation over all visits is not "
                           "positive definite")
            break
        info, scores = _solve_clusters(full, mask, slot, xt, resid)
        try:
            step = np.linalg.solve(info, scores.sum(axis=0))
        except np.linalg.LinAlgError:
            stop_reason = "singular information matrix"
            break
        if not np.all(np.isfinite(step)) or np.max(np.abs(x @ (beta + step))) > limit:
            stop_reason = f"diverging estimates (linear predictor beyond +-{limit:g})"
            break
        beta = beta + step
        change = max(float(np.max(np.abs(step))),
                     float(np.max(np.abs(np.asarray(new_alpha) - np.asarray(alpha)), initial=0)))
        alpha = new_alpha
        if warm and change < 1e-6:
            warm = False  # the independence solution is reached: free the correlation
            continue
        if not warm and change < tol:
            converged, stop_reason = True, None
            break

    mu, xt, resid = _pieces(y, x, beta, family)
    scale = 1.0 if scale_fixed else float(np.mean(resid * resid))
    if converged:
        alpha = pairs.estimate(resid, scale, alpha)
    full = pairs.full_matrix(alpha)
    try:
        info, scores = _solve_clusters(full, mask, slot, xt, resid)
        bread = np.linalg.pinv(info)
    except np.linalg.LinAlgError:
        info = np.full((x.shape[1], x.shape[1]), np.nan)
        scores = np.full((n_clusters, x.shape[1]), np.nan)
        bread = info
    fitted = np.empty_like(mu)
    fitted[order] = mu
    names = exog_names or tuple(f"x{i}" for i in range(x.shape[1]))
    dep = float(alpha) if cov_struct == "ar1" else np.asarray(alpha, dtype=float)
    return FastGEEFit(params=beta, cov_robust=bread @ (scores.T @ scores) @ bread,
                      cov_naive=scale * bread, dep_param=dep, scale=scale,
                      cov_struct=cov_struct, exog_names=tuple(names), n_obs=len(y),
                      n_clusters=n_clusters, n_iter=n_iter, converged=converged,
                      fittedvalues=fitted, stop_reason=stop_reason, family=family,
                      scale_fixed=scale_fixed)
