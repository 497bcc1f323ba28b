"""Many independent GEE problems solved at once: one per batch (e.g. a simulation replicate).

A design check fits the same model to hundreds of simulated replicates. Stacked as the
batches of one data set (a batch label per row, clusters nested in batches), every
replicate's independence-working GEE (geepack's ``geeglm(..., corstr = "independence")``,
with the plain sandwich by cluster) is solved by one vectorised Fisher-scoring loop: the
information matrices and scores of all batches are summed with :func:`numpy.add.reduceat`
and solved together, with no loop over batches or clusters. Each batch gets what
:func:`~bmecohort.estimators.regression.fastgee.fit_fast_gee` gives on its rows alone
(tested to 1e-8).

With ``cov_struct="exchangeable"`` every batch has its own exchangeable correlation and
scale, and gets ``fit_fast_gee``'s numbers bit for bit, stop reasons included
(:mod:`~bmecohort.estimators.regression.fastgee_batch_exchangeable`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ...exceptions import AnalysisInputError
from .fastgee import _ETA_LIMIT, FAMILIES, CovStruct, Family
from .fastgee_batch_exchangeable import _Batches, solve_exchangeable_batches

__all__ = ["BatchGEEFit", "fit_fast_gee_batch"]


@dataclass(frozen=True, repr=False, eq=False)
class BatchGEEFit:
    """Every batch's fit, in the order of ``batches``.

    Attributes
    ----------
    batches : numpy.ndarray
        The batch labels, sorted.
    params : numpy.ndarray
        Coefficients on the link scale, shape ``(batches, terms)``.
    cov_robust : numpy.ndarray
        Robust (sandwich) covariance of each batch, shape ``(batches, terms, terms)``.
    converged : numpy.ndarray
        Whether each batch's largest coefficient change fell below ``tol`` (False when its
        information matrix was singular or its estimates diverged).
    n_obs, n_clusters : numpy.ndarray
        Rows and clusters of each batch.
    cov_struct : str
        ``"independence"`` or ``"exchangeable"``.
    dep_param, scale : numpy.ndarray or None
        Each batch's exchangeable correlation (0 without a cluster of two units) and scale,
        for ``cov_struct="exchangeable"``.
    stop_reason : numpy.ndarray or None
        Why each batch stopped unconverged (``None`` where it converged), as
        :attr:`~bmecohort.estimators.regression.fastgee.FastGEEFit.stop_reason`, for
        ``cov_struct="exchangeable"``.
    n_iter : numpy.ndarray or None
        Fisher-scoring iterations of each batch, for ``cov_struct="exchangeable"``.
    fittedvalues : numpy.ndarray or None
        Fitted means in the order of the rows given, for ``cov_struct="exchangeable"``.
    """

    batches: np.ndarray
    params: np.ndarray
    cov_robust: np.ndarray
    converged: np.ndarray
    n_obs: np.ndarray
    n_clusters: np.ndarray
    cov_struct: str = "independence"
    dep_param: np.ndarray | None = None
    scale: np.ndarray | None = None
    stop_reason: np.ndarray | None = None
    n_iter: np.ndarray | None = None
    fittedvalues: np.ndarray | None = None

    @property
    def bse(self) -> np.ndarray:
        """Robust standard errors, shape ``(batches, terms)``."""
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diagonal(self.cov_robust, axis1=1, axis2=2))

    def __repr__(self) -> str:
        return (f"BatchGEEFit(batches={len(self.batches)}, terms={self.params.shape[1]}, "
                f"converged={int(self.converged.sum())})")


def _mean_variance(eta: np.ndarray, family: str) -> tuple[np.ndarray, np.ndarray]:
    if family == "binomial":
        mu = expit(eta)
        return mu, mu * (1.0 - mu)
    if family == "poisson":
        mu = np.exp(eta)
        return mu, mu
    return eta, np.ones_like(eta)


def _outer_sums(rows: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``sum of r r'`` over each run of rows starting at ``starts``: shape (runs, p, p)."""
    return np.add.reduceat(rows[:, :, None] * rows[:, None, :], starts, axis=0)


def fit_fast_gee_batch(endog: np.ndarray, exog: np.ndarray, groups: np.ndarray,
                       batch: np.ndarray, *, family: Family = "gaussian",
                       cov_struct: CovStruct = "independence", scale_fixed: bool = False,
                       tol: float = 1e-10, maxiter: int = 100) -> BatchGEEFit:
    """Fit a GEE with a canonical link to every batch at once.

    Parameters
    ----------
    endog : numpy.ndarray
        Outcome, shape ``(n,)``.
    exog : numpy.ndarray
        Model matrix including the intercept column, shape ``(n, p)``; the same terms in
        every batch.
    groups : numpy.ndarray
        Cluster labels, shape ``(n,)``: the robust errors sum scores within a cluster of a
        batch (a label reused in two batches names two clusters).
    batch : numpy.ndarray
        Batch labels, shape ``(n,)``: each batch is fitted on its own rows.
    family : {"binomial", "poisson", "gaussian"}, default="gaussian"
        With its canonical link.
    cov_struct : {"independence", "exchangeable"}, default="independence"
        Working correlation; an exchangeable one is estimated in each batch.
    scale_fixed : bool, default=False
        Hold each batch's scale at 1 (exchangeable only; see
        :func:`~bmecohort.estimators.regression.fastgee.fit_fast_gee`).
    tol : float, default=1e-10
        A batch has converged when its largest absolute coefficient change (and, when
        exchangeable, correlation change) is below ``tol``.
    maxiter : int, default=100
        Maximum number of Fisher-scoring iterations.

    Returns
    -------
    BatchGEEFit

    Notes
    -----
    With an independence working correlation the scale cancels from the coefficients and
    the sandwich, so every batch's equations are those of
    :func:`~bmecohort.estimators.regression.fastgee.fit_fast_gee` on its rows alone: the
    information :math:`H_b = \\sum_{i \\in b} D_i^\\top A_i^{-1} D_i`, the cluster scores
    :math:`U_i = X_i^\\top (y_i - \\mu_i)` and the robust covariance
    :math:`H_b^{-1} (\\sum_{i \\in b} U_i U_i^\\top) H_b^{-1}`. A batch whose information
    is singular or whose linear predictor diverges stops there, unconverged.

    With ``cov_struct="exchangeable"`` each batch runs
    :func:`~bmecohort.estimators.regression.fastgee.fit_fast_gee`'s algorithm (geepack's
    moment estimators of the scale and correlation, re-estimated after every step, an
    independence warm start, the same stop rules) and gets its numbers bit for bit: the
    row and cluster work is shared by all batches, the order-sensitive sums of a batch are
    made on its own rows by the same calls (see
    :mod:`~bmecohort.estimators.regression.fastgee_batch_exchangeable`).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = np.column_stack([np.ones(400), rng.normal(size=400)])
    >>> y = 1.0 + 2.0 * x[:, 1] + rng.normal(size=400)
    >>> fit = fit_fast_gee_batch(y, x, np.arange(400), np.repeat([0, 1], 200))
    >>> fit.params.shape, bool(fit.converged.all())
    ((2, 2), True)

    Two knees per person, an exchangeable correlation estimated in each of two batches:

    >>> person = np.arange(400) // 2
    >>> y = (rng.random(400) < 0.3 + 0.3 * (x[:, 1] > 0)).astype(float)
    >>> fit = fit_fast_gee_batch(y, x, person, np.repeat([0, 1], 200), family="binomial",
    ...                          cov_struct="exchangeable")
    >>> fit.dep_param.shape, fit.stop_reason.tolist()
    ((2,), [None, None])
    """
    if family not in FAMILIES:
        raise AnalysisInputError(f"family: use one of {sorted(FAMILIES)}, got {family!r}.")
    if cov_struct not in ("exchangeable", "independence"):
        raise AnalysisInputError(f"cov_struct: use 'exchangeable' or 'independence', got "
                                 f"{cov_struct!r}.")
    y, x = np.asarray(endog, dtype=float), np.asarray(exog, dtype=float)
    g, b = np.asarray(groups), np.asarray(batch)
    if y.ndim != 1 or x.ndim != 2 or not len(y) == len(x) == len(g) == len(b) or not len(y):
        raise AnalysisInputError(
            f"fit_fast_gee_batch: endog {y.shape}, exog {x.shape}, groups {g.shape} and batch "
            f"{b.shape} must have the same (non-zero) number of rows.")
    batches, b_codes = np.unique(b, return_inverse=True)
    _, g_codes = np.unique(g, return_inverse=True)
    order = np.lexsort((g_codes, b_codes))  # batches contiguous, clusters within them
    y, x, b_codes, g_codes = y[order], x[order], b_codes[order], g_codes[order]
    row_starts = np.flatnonzero(np.r_[True, b_codes[1:] != b_codes[:-1]])
    new_cluster = np.r_[True, (b_codes[1:] != b_codes[:-1]) | (g_codes[1:] != g_codes[:-1])]
    cluster_starts = np.flatnonzero(new_cluster)
    cluster_batch = b_codes[cluster_starts]
    n_batches, p = len(batches), x.shape[1]
    if cov_struct == "exchangeable":
        if family == "binomial" and not np.all((y == 0.0) | (y == 1.0)):
            raise AnalysisInputError("fit_fast_gee_batch: a binomial endog must be 0/1.")
        if family == "poisson" and not np.all(y >= 0.0):
            raise AnalysisInputError("fit_fast_gee_batch: a poisson endog must be "
                                     "non-negative counts.")
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            out = solve_exchangeable_batches(
                y, x, _Batches(row_starts, cluster_starts, cluster_batch, len(y)),
                family=family, exchangeable=cov_struct == "exchangeable",
                scale_fixed=scale_fixed, tol=tol, maxiter=maxiter)
        fitted = np.empty(len(y))
        fitted[order] = out.pop("fitted")
        return BatchGEEFit(batches=batches, params=out["params"],
                           cov_robust=out["cov_robust"], converged=out["converged"],
                           n_obs=np.diff(np.r_[row_starts, len(y)]),
                           n_clusters=np.bincount(cluster_batch, minlength=n_batches),
                           cov_struct=cov_struct, dep_param=out["dep_param"],
                           scale=out["scale"], stop_reason=out["stop_reason"],
                           n_iter=out["n_iter"], fittedvalues=fitted)

    beta = np.zeros((n_batches, p))
    if family == "poisson" and np.all(x[:, 0] == 1.0):
        means = np.add.reduceat(y, row_starts) / np.diff(np.r_[row_starts, len(y)])
        beta[:, 0] = np.log(np.where(means > 0, means, 1.0))
    active = np.ones(n_batches, bool)  # still iterating
    converged = np.zeros(n_batches, bool)
    for _ in range(maxiter):
        if not active.any():
            break
        mu, variance = _mean_variance(np.einsum("np,np->n", x, beta[b_codes]), family)
        root_v = np.sqrt(np.maximum(variance, 1e-300))
        xt = x * root_v[:, None]
        info = _outer_sums(xt, row_starts)
        score = np.add.reduceat(x * (y - mu)[:, None], row_starts, axis=0)
        full = np.linalg.matrix_rank(info) == p
        active &= full  # a singular information stops the batch, unconverged
        step = np.zeros_like(beta)
        if active.any():
            step[active] = np.linalg.solve(info[active], score[active][:, :, None])[:, :, 0]
        new_eta = np.abs(np.einsum("np,np->n", x, (beta + step)[b_codes]))
        diverged = np.zeros(n_batches, bool)
        np.logical_or.at(diverged, b_codes, ~(new_eta <= _ETA_LIMIT[family]))
        active &= ~diverged
        beta[active] += step[active]
        done = active & (np.max(np.abs(step), axis=1) < tol)
        converged |= done
        active &= ~done

    mu, variance = _mean_variance(np.einsum("np,np->n", x, beta[b_codes]), family)
    xt = x * np.sqrt(np.maximum(variance, 1e-300))[:, None]
    bread = np.linalg.pinv(_outer_sums(xt, row_starts))
    cluster_scores = np.add.reduceat(x * (y - mu)[:, None], cluster_starts, axis=0)
    batch_of_clusters = np.flatnonzero(np.r_[True, cluster_batch[1:] != cluster_batch[:-1]])
    meat = _outer_sums(cluster_scores, batch_of_clusters)
    return BatchGEEFit(batches=batches, params=beta, cov_robust=bread @ meat @ bread,
                       converged=converged,
                       n_obs=np.diff(np.r_[row_starts, len(y)]),
                       n_clusters=np.diff(np.r_[batch_of_clusters, len(cluster_starts)]))
