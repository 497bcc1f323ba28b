"""geepack's moment estimators of a GEE working correlation, as a statsmodels ``CovStruct``.

statsmodels' GEE solves the mean estimating equations for any working correlation, but two of
its correlation estimators are not geepack's: its ``Autoregressive`` estimator differs and
ignores gaps between visits, and none of its structures can hold the scale at 1 while
estimating the correlation. :class:`GeepackCorrelation` plugs geepack's estimators
(``src/gee2.cc``, ``update_alpha``; Yan and Fine 2004) into statsmodels' GEE, so that the
general engine of :func:`bmecohort.gee` reproduces ``geepack::geese`` for the exchangeable,
AR-1 and unstructured structures, with missing visits handled through the visit numbers
(geepack's ``waves``). Every update is vectorised over all within-cluster pairs at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from statsmodels.genmod.cov_struct import CovStruct

from ...exceptions import AnalysisInputError

__all__ = ["GeepackCorrelation", "VisitPairs", "pair_rows"]

KINDS = ("exchangeable", "ar1", "unstructured")


def pair_rows(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(j, k)``, ``j < k``, of every within-cluster pair of contiguous clusters.

    Pairs come cluster by cluster, in geepack's order (``(1,2), (1,3), ..., (2,3), ...``).
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    n = int(sizes.sum())
    position = np.arange(n) - np.repeat(starts, sizes)  # place of each row in its cluster
    partners = np.repeat(sizes, sizes) - 1 - position  # rows after it in the same cluster
    first = np.repeat(np.arange(n), partners)
    run_start = np.repeat(np.cumsum(partners) - partners, partners)
    second = first + 1 + (np.arange(len(first)) - run_start)
    return first, second


class VisitPairs:
    """Every within-cluster pair of rows and its visits: geepack's correlation estimators.

    Parameters
    ----------
    sizes : numpy.ndarray
        Rows per cluster; the rows are contiguous by cluster, in visit order.
    waves : numpy.ndarray or None
        Integer visit number of every row (``None`` for the exchangeable structure).
    kind : {"exchangeable", "ar1", "unstructured"}
        Working correlation.
    """

    def __init__(self, sizes: np.ndarray, waves: np.ndarray | None, kind: str) -> None:
        if kind not in KINDS:
            raise AnalysisInputError(f"kind must be one of {KINDS}, got {kind!r}.")
        self.kind = kind
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.first, self.second = pair_rows(self.sizes)
        self.levels = np.unique(waves) if waves is not None else np.arange(1)
        if kind == "exchangeable":
            return  # the visits play no part
        waves = np.asarray(waves)
        if np.any(waves[self.second] <= waves[self.first]):
            raise AnalysisInputError(
                "within a cluster the visits must be increasing and distinct.")
        self.lag = (waves[self.second] - waves[self.first]).astype(float)
        self.rank = np.searchsorted(self.levels, waves)
        t = len(self.levels)
        a, b = self.rank[self.first], self.rank[self.second]
        # index of the visit pair (a, b), a < b, in the upper triangle read row by row
        self.pair_code = a * t - a * (a + 1) // 2 + (b - a - 1)
        if kind == "unstructured":
            self.seen = np.bincount(self.pair_code, minlength=t * (t - 1) // 2)
            if np.any(self.seen == 0):
                upper = np.triu_indices(t, 1)
                never = [(self.levels[upper[0][i]].item(), self.levels[upper[1][i]].item())
                         for i in np.flatnonzero(self.seen == 0)]
                raise AnalysisInputError(
                    f"unstructured working correlation: no cluster is observed at both visits "
                    f"of {never}, so their correlation cannot be estimated. Use 'ar1' or "
                    "'exchangeable', or merge visits.")

    def initial(self) -> float | np.ndarray:
        """geepack's starting value: no correlation."""
        t = len(self.levels)
        return np.zeros(t * (t - 1) // 2) if self.kind == "unstructured" else 0.0

    def estimate(self, resid: np.ndarray, scale: float, alpha: float | np.ndarray
                 ) -> float | np.ndarray:
        """The correlation parameters from Pearson residuals (rows in pair order's frame)."""
        z = resid[self.first] * resid[self.second] / scale
        if len(z) == 0:
            return alpha
        if self.kind == "exchangeable":
            return float(np.mean(z))
        if self.kind == "unstructured":
            return np.bincount(self.pair_code, weights=z, minlength=len(self.seen)) / self.seen
        return self._solve_ar1(z, float(alpha))

    def _solve_ar1(self, z: np.ndarray, alpha: float) -> float:
        """Gauss-Newton on sum d alpha^(d-1) (z - alpha^d) = 0 (geepack's ``cor_rho_ar1``)."""
        lag = self.lag
        if not np.any(lag == 1.0) and alpha == 0.0:
            alpha = 0.1  # the slope vanishes at 0 when no two visits are adjacent
        for _ in range(200):
            rho = alpha ** lag
            slope = np.where(lag == 1.0, 1.0, lag * alpha ** (lag - 1.0))
            step = float(np.sum(slope * (z - rho)) / np.sum(slope * slope))
            alpha += step
            if abs(step) < 1e-14 or not np.isfinite(alpha):
                break
        return alpha

    def full_matrix(self, alpha: float | np.ndarray) -> np.ndarray:
        """The working correlation over all visits, ``levels`` by ``levels``."""
        t = len(self.levels)
        full = np.eye(t)
        upper = np.triu_indices(t, 1)
        if self.kind == "ar1":
            lag = np.abs(self.levels[upper[1]] - self.levels[upper[0]]).astype(float)
            full[upper] = float(alpha) ** lag
        else:
            full[upper] = alpha
        full.T[upper] = full[upper]
        return full


class GeepackCorrelation(CovStruct):
    """geepack's exchangeable, AR-1 or unstructured working correlation for statsmodels' GEE.

    Parameters
    ----------
    kind : {"exchangeable", "ar1", "unstructured"}
        Working correlation.
    waves : numpy.ndarray or None
        Integer visit number of every row, in the row order given to ``GEE`` (which must hold
        each cluster's rows together, ordered by visit, each visit at most once); not needed
        for the exchangeable structure.
    scale_fixed : bool, default=False
        Hold the scale at 1 instead of the mean squared Pearson residual.

    Notes
    -----
    With Pearson residuals :math:`r` and scale :math:`\\phi`, every within-cluster pair
    :math:`(j, k)` gives :math:`z_{jk} = r_j r_k / \\phi`, and the correlation parameters solve
    geepack's estimating equation :math:`\\sum_{jk} \\partial\\rho_{jk}/\\partial\\alpha \\,
    (z_{jk} - \\rho_{jk}(\\alpha)) = 0` over all pairs of all clusters:

    - exchangeable, :math:`\\rho_{jk} = \\alpha`: the mean of :math:`z` over pairs;
    - AR-1, :math:`\\rho_{jk} = \\alpha^{|t_j - t_k|}` with the visit numbers :math:`t`, so a
      missing visit leaves a longer lag: solved by Gauss-Newton (geepack takes one such step
      per iteration; the fixed point is the same);
    - unstructured, one :math:`\\alpha_{ab}` per pair of visits :math:`a < b`: the mean of
      :math:`z` over the clusters seen at both visits.

    The working correlation matrices are used as they are (solved directly, not projected
    to the nearest positive-definite matrix as statsmodels' default does), as geepack does.

    References
    ----------
    Yan J, Fine JP (2004). Estimating equations for association structures. *Stat Med* 23,
    859-880.
    """

    def __init__(self, kind: str, waves: np.ndarray | None, *, scale_fixed: bool = False
                 ) -> None:
        super().__init__()
        if kind not in KINDS:
            raise AnalysisInputError(f"kind must be one of {KINDS}, got {kind!r}.")
        self.kind = kind
        self.waves = None if waves is None else np.asarray(waves)
        self.scale_fixed = scale_fixed
        levels = np.unique(self.waves) if self.waves is not None else np.arange(1)
        t = len(levels)
        self.dep_params = np.zeros(t * (t - 1) // 2) if kind == "unstructured" else 0.0
        self._built_for: Any = None  # the parameters the cached matrices were built from
        self._by_size: dict[int, np.ndarray] = {}
        self._full: np.ndarray | None = None

    def initialize(self, model: Any) -> None:
        super().initialize(model)
        _, codes = np.unique(np.asarray(model.groups), return_inverse=True)
        if np.any(np.diff(codes) < 0):
            raise AnalysisInputError(
                "GeepackCorrelation: rows must be sorted by cluster (and visit within cluster).")
        sizes = np.bincount(codes)
        self.pairs = VisitPairs(sizes, self.waves, self.kind)
        # statsmodels numbers clusters by their sorted labels, as the codes here
        bounds = np.cumsum(sizes)[:-1]
        self._sizes = sizes
        if self.kind != "exchangeable":
            # each cluster's cells of the full visit-by-visit matrix
            self._cells = [np.ix_(rank, rank) for rank in np.split(self.pairs.rank, bounds)]

    def update(self, params: np.ndarray) -> None:
        model = self.model
        linear = model.exog @ np.asarray(params)
        if model.offset is not None:
            linear = linear + model.offset
        mu = model.family.fitted(linear)
        resid = (model.endog - mu) / np.sqrt(model.family.variance(mu))
        scale = 1.0 if self.scale_fixed else float(np.mean(resid * resid))
        self.dep_params = self.pairs.estimate(resid, scale, self.dep_params)

    def correlation(self, index: int) -> np.ndarray:
        """The working correlation matrix of cluster ``index``."""
        # statsmodels asks for every cluster's matrix at every iteration: the full matrix
        # (or, exchangeable, one per cluster size) is built once per value of the parameters
        if self.dep_params is not self._built_for:
            self._built_for = self.dep_params
            self._by_size = {}
            self._full = (None if self.kind == "exchangeable"
                          else self.pairs.full_matrix(self.dep_params))
        if self._full is not None:
            return self._full[self._cells[index]]
        m = int(self._sizes[index])
        corr = self._by_size.get(m)
        if corr is None:
            corr = self._by_size[m] = (1.0 - self.dep_params) * np.eye(m) + self.dep_params
        return corr

    def covariance_matrix(self, endog_expval: np.ndarray, index: int
                          ) -> tuple[np.ndarray, bool]:
        return self.correlation(index), True

    def covariance_matrix_solve(self, expval: np.ndarray, index: int, stdev: np.ndarray,
                                rhs: list[np.ndarray]) -> list[np.ndarray] | None:
        # V = S R S with S = diag(stdev); solved as it is, like geepack. The few right-hand
        # sides statsmodels passes (design, residuals) are solved in one call, side by side.
        corr = self.correlation(index)
        root = stdev[:, None]
        columns = [x if x.ndim == 2 else x[:, None] for x in rhs]
        try:
            solved = np.linalg.solve(corr, np.hstack(columns) / root) / root
        except np.linalg.LinAlgError:
            return None  # statsmodels then stops, unconverged ("singular matrix")
        out, start = [], 0
        for x, block in zip(rhs, columns, strict=True):
            stop = start + block.shape[1]
            out.append(solved[:, start:stop] if x.ndim == 2 else solved[:, start])
            start = stop
        return out

    def summary(self) -> str:
        return f"geepack {self.kind} working correlation: {self.dep_params}"
