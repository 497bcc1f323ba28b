"""Many exchangeable-working GEE problems solved together, each bit for bit as on its own.

The design checks of :mod:`bmecohort.reproduce` fit the same clustered model to hundreds of
simulated replicates, whose stored summaries (medians of estimates and limits, written to
17 significant digits) must not move when the replicates are fitted together. Every
replicate (a *batch* of rows) here runs
:func:`~bmecohort.estimators.regression.fastgee.fit_fast_gee`'s algorithm with its own
exchangeable correlation and scale (geepack's moment estimators), its own warm start,
convergence test and stop reasons, and gets exactly its numbers:

* everything row-wise or cluster-wise (linear predictors' transforms, Pearson residuals,
  the variance-scaled design, cluster sums by :func:`numpy.add.reduceat`) is computed once
  for the rows of every batch still iterating; these operations give each element the same
  bits whatever else is in the array;
* the few order-sensitive reductions of a batch (its mean squared residual, its sum over
  clusters, the ``p x p`` information by BLAS, the ``p``-vector solve, the linear predictor
  by BLAS) are made on that batch's contiguous slice with the very calls ``fit_fast_gee``
  makes on its rows. Summing the information of all batches at once (``reduceat`` of
  outer products) would add in another order and move the last bits.

So the Python work per iteration is a few small calls per batch instead of the whole
solver's per replicate.
"""

from __future__ import annotations

import numpy as np

from .fastgee import _ETA_LIMIT, _pieces_from_eta

__all__ = ["solve_exchangeable_batches"]


class _Batches:
    """Row and cluster slices of batch-sorted, cluster-sorted rows."""

    def __init__(self, row_starts: np.ndarray, cluster_starts: np.ndarray,
                 cluster_batch: np.ndarray, n_rows: int):
        self.rows = np.c_[row_starts, np.r_[row_starts[1:], n_rows]]
        first = np.flatnonzero(np.r_[True, cluster_batch[1:] != cluster_batch[:-1]])
        self.clusters = np.c_[first, np.r_[first[1:], len(cluster_starts)]]
        self.cluster_starts = cluster_starts
        self.sizes = np.diff(np.r_[cluster_starts, n_rows]).astype(float)
        self.cluster_batch = cluster_batch

    def subset(self, keep: np.ndarray) -> tuple[_Batches, np.ndarray]:
        """The batches ``keep`` (indices) as their own compact rows, and those rows' indices."""
        lengths = self.rows[keep, 1] - self.rows[keep, 0]
        offsets = np.r_[0, np.cumsum(lengths)[:-1]]
        index = np.repeat(self.rows[keep, 0] - offsets, lengths) + np.arange(lengths.sum())
        counts = self.clusters[keep, 1] - self.clusters[keep, 0]
        c_offsets = np.r_[0, np.cumsum(counts)[:-1]]
        c_index = np.repeat(self.clusters[keep, 0] - c_offsets, counts) + np.arange(counts.sum())
        # cluster starts move by how far their batch moved
        moved = np.repeat(self.rows[keep, 0] - offsets, counts)
        out = _Batches(offsets, self.cluster_starts[c_index] - moved,
                       np.repeat(np.arange(len(keep)), counts), int(lengths.sum()))
        return out, index


def _moments(r2: np.ndarray, resid_sum: np.ndarray, resid_sq_sum: np.ndarray,
             rows: np.ndarray, clusters: np.ndarray, n_pairs: float, use_rho: bool,
             scale_fixed: bool) -> tuple[float, float]:
    """``fastgee._moments`` of one batch: its scale and exchangeable correlation."""
    scale = 1.0 if scale_fixed else float(np.mean(r2[rows[0]:rows[1]]))
    if not use_rho or n_pairs == 0:
        return scale, 0.0
    c0, c1 = clusters
    cross = 0.5 * float(np.sum(resid_sum[c0:c1] * resid_sum[c0:c1] - resid_sq_sum[c0:c1]))
    return scale, cross / scale / n_pairs


def _information(xt: np.ndarray, weighted_sums: np.ndarray, col_sums: np.ndarray,
                 rows: np.ndarray, clusters: np.ndarray, rho: float) -> np.ndarray:
    """``fastgee._score_terms``' information of one batch (same BLAS calls, same operands)."""
    part = xt[rows[0]:rows[1]]
    info = part.T @ part
    if rho != 0.0:
        c0, c1 = clusters
        info = (info - weighted_sums[c0:c1].T @ col_sums[c0:c1]) / (1.0 - rho)
    return info


def _cluster_terms(xt: np.ndarray, resid: np.ndarray, b: _Batches, rho: np.ndarray
                   ) -> tuple[np.ndarray, ...]:
    """Cluster sums of residuals and scores (with every batch's exchangeable correction)."""
    starts = b.cluster_starts
    resid_sum = np.add.reduceat(resid, starts)
    scores = np.add.reduceat(xt * resid[:, None], starts, axis=0)
    col_sums = np.add.reduceat(xt, starts, axis=0)
    rho_c = rho[b.cluster_batch]
    corrected = rho_c != 0.0
    if corrected.all():  # every batch exchangeable: no masks (and no copies)
        c = rho_c / (1.0 + (b.sizes - 1.0) * rho_c)
        weighted = col_sums * c[:, None]
        scores = (scores - col_sums * (c * resid_sum)[:, None]) / (1.0 - rho_c)[:, None]
    else:
        weighted = np.zeros_like(col_sums)
        if corrected.any():
            rho_k, sizes_k = rho_c[corrected], b.sizes[corrected]
            c = rho_k / (1.0 + (sizes_k - 1.0) * rho_k)
            weighted[corrected] = col_sums[corrected] * c[:, None]
            scores[corrected] = ((scores[corrected] - col_sums[corrected]
                                  * (c * resid_sum[corrected])[:, None])
                                 / (1.0 - rho_k)[:, None])
    return resid_sum, scores, col_sums, weighted


def _solve(info: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every batch's ``solve(info, rhs)`` (one LAPACK call each), and which were singular."""
    try:
        return np.linalg.solve(info, rhs[:, :, None])[:, :, 0], np.zeros(len(info), bool)
    except np.linalg.LinAlgError:  # one of them is singular: find it, keep the others
        steps, singular = np.zeros_like(rhs), np.zeros(len(info), bool)
        for i in range(len(info)):
            try:
                steps[i] = np.linalg.solve(info[i], rhs[i])
            except np.linalg.LinAlgError:
                singular[i] = True
        return steps, singular


def solve_exchangeable_batches(y: np.ndarray, x: np.ndarray, b: _Batches, *, family: str,
                               exchangeable: bool, scale_fixed: bool, tol: float,
                               maxiter: int) -> dict[str, np.ndarray]:
    """Fisher scoring of every batch (rows sorted by batch, then cluster).

    Returns the per-batch arrays of
    :class:`~bmecohort.estimators.regression.fastgee_batch.BatchGEEFit`, and the fitted
    means of the sorted rows. Each iteration works on the rows of the batches still
    iterating only.
    """
    n_batches, p = len(b.rows), x.shape[1]
    pair_counts = np.add.reduceat(b.sizes * (b.sizes - 1.0) / 2.0, b.clusters[:, 0])
    max_sizes = np.maximum.reduceat(b.sizes, b.clusters[:, 0])
    exch = exchangeable & (pair_counts > 0)
    beta = np.zeros((n_batches, p))
    eta = np.zeros(len(y))
    if family == "poisson":
        for i, (r0, r1) in enumerate(b.rows):
            if np.all(x[r0:r1, 0] == 1.0) and y[r0:r1].mean() > 0:
                beta[i, 0] = np.log(y[r0:r1].mean())  # glm's start at the mean count
                eta[r0:r1] = x[r0:r1] @ beta[i]
    rho = np.zeros(n_batches)
    converged = np.zeros(n_batches, bool)
    n_iter = np.zeros(n_batches, int)
    stop: list[str | None] = [f"iteration limit ({maxiter}) reached"] * n_batches
    warm = np.ones(n_batches, bool)
    active = np.ones(n_batches, bool)
    limit = _ETA_LIMIT[family]
    while active.any():
        ids = np.flatnonzero(active)
        n_iter[ids] += 1
        if len(ids) > n_batches // 2:  # most still iterate: work on every row, no copies
            part, index, ids = b, np.arange(len(y)), np.arange(n_batches)
            ya, xa, eta_a = y, x, eta
            idle = ~active
        else:  # the rows of the batches still iterating, gathered
            part, index = b.subset(ids)
            ya, xa, eta_a = y[index], x[index], eta[index]
            idle = np.zeros(len(ids), bool)
        _, xt, resid = _pieces_from_eta(ya, xa, eta_a, family)
        r2 = resid * resid
        resid_sq_sum = np.add.reduceat(r2, part.cluster_starts)
        resid_sum = np.add.reduceat(resid, part.cluster_starts)
        use_rho = exch[ids] & ~warm[ids] & ~idle
        new_rho = np.zeros(len(ids))
        for k in np.flatnonzero(use_rho):
            _, new_rho[k] = _moments(r2, resid_sum, resid_sq_sum, part.rows[k],
                                     part.clusters[k], pair_counts[ids[k]], True, scale_fixed)
        bound = -1.0 / (max_sizes[ids] - 1.0)
        outside = use_rho & ~((bound < new_rho) & (new_rho < 1.0))
        stopped = outside.copy()  # no step for these: out of range, or already stopped
        outside &= ~idle
        for k in np.flatnonzero(outside):
            stop[ids[k]] = (f"exchangeable correlation {new_rho[k]:.4g} outside its admissible "
                            f"range (-1/(m_max - 1), 1) = ({bound[k]:.4g}, 1) for clusters of "
                            f"up to {max_sizes[ids[k]]:.0f} units")
        stopped |= idle
        new_rho[stopped] = 0.0  # no step is taken
        _, scores, col_sums, weighted = _cluster_terms(xt, resid, part, new_rho)
        going = np.flatnonzero(~stopped)
        info = np.empty((len(going), p, p))
        rhs = np.empty((len(going), p))
        for j, k in enumerate(going):
            c0, c1 = part.clusters[k]
            info[j] = _information(xt, weighted, col_sums, part.rows[k], part.clusters[k],
                                   new_rho[k])
            rhs[j] = scores[c0:c1].sum(axis=0)
        steps, singular = _solve(info, rhs)
        moved = beta[ids[going]] + steps
        diverged = ~np.isfinite(steps).all(axis=1)
        new_eta = np.empty(len(ya))
        for j, k in enumerate(going):
            if singular[j]:
                continue
            r0, r1 = part.rows[k]
            new_eta[r0:r1] = xa[r0:r1] @ moved[j]  # the next iteration's linear predictor
            diverged[j] |= bool(np.abs(new_eta[r0:r1]).max() > limit)
        for i in ids[going[singular]]:
            stop[i] = "singular information matrix"
        for i in ids[going[diverged & ~singular]]:
            stop[i] = f"diverging estimates (linear predictor beyond +-{limit:g})"
        ok = ~singular & ~diverged
        stepped = ids[going[ok]]
        beta[stepped] = moved[ok]
        keep_rows = np.repeat(~stopped, part.rows[:, 1] - part.rows[:, 0])
        moved_rows = np.zeros(len(ya), bool)
        moved_rows[keep_rows] = np.repeat(ok, (part.rows[going, 1] - part.rows[going, 0]))
        eta[index[moved_rows]] = new_eta[moved_rows]
        change = np.maximum(np.abs(steps[ok]).max(axis=1),
                            np.abs(new_rho[going[ok]] - rho[stepped]))
        rho[stepped] = new_rho[going[ok]]
        small = change < tol
        unwarm = small & warm[stepped] & exch[stepped]
        done = small & ~unwarm
        converged[stepped[done]] = True
        for i in stepped[done]:
            stop[i] = None
        warm[stepped[unwarm]] = False
        warm[stepped[~small & warm[stepped] & (change < 1e-6) & exch[stepped]]] = False
        active[ids] = False
        active[stepped[~done]] = True
        active &= n_iter < maxiter

    # the final moments, information and sandwich at every batch's last estimates
    for i, (r0, r1) in enumerate(b.rows):
        eta[r0:r1] = x[r0:r1] @ beta[i]
    mu, xt, resid = _pieces_from_eta(y, x, eta, family)
    r2 = resid * resid
    resid_sq_sum = np.add.reduceat(r2, b.cluster_starts)
    resid_sum = np.add.reduceat(resid, b.cluster_starts)
    scale, final_rho = np.zeros(n_batches), np.zeros(n_batches)
    for i in range(n_batches):
        scale[i], final_rho[i] = _moments(r2, resid_sum, resid_sq_sum, b.rows[i],
                                          b.clusters[i], pair_counts[i], bool(exch[i]),
                                          scale_fixed)
    _, scores, col_sums, weighted = _cluster_terms(xt, resid, b, final_rho)
    cov_robust = np.empty((n_batches, p, p))
    cov_naive = np.empty((n_batches, p, p))
    for i in range(n_batches):
        c0, c1 = b.clusters[i]
        info = _information(xt, weighted, col_sums, b.rows[i], b.clusters[i], final_rho[i])
        try:
            bread = np.linalg.pinv(info)
        except np.linalg.LinAlgError:  # non-finite information after a diverging fit
            bread = np.full_like(info, np.nan)
        cluster_scores = scores[c0:c1]
        cov_robust[i] = bread @ (cluster_scores.T @ cluster_scores) @ bread
        cov_naive[i] = scale[i] * bread
    return {"params": beta, "cov_robust": cov_robust, "cov_naive": cov_naive,
            "dep_param": final_rho, "scale": scale, "converged": converged,
            "n_iter": n_iter, "stop_reason": np.array(stop, dtype=object), "fitted": mu}
