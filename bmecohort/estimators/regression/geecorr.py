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

__all__ = ["GeepackCorrelation", "pair_rows"]

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


class GeepackCorrelation(CovStruct):
    """geepack's exchangeable, AR-1 or unstructured working correlation for statsmodels' GEE.

    Parameters
    ----------
    kind : {"exchangeable", "ar1", "unstructured"}
        Working correlation.
    waves : numpy.ndarray
        Integer visit number of every row, in the row order given to ``GEE`` (which must hold
        each cluster's rows together, ordered by visit, each visit at most once).
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

    def __init__(self, kind: str, waves: np.ndarray, *, scale_fixed: bool = False) -> None:
        super().__init__()
        if kind not in KINDS:
            raise AnalysisInputError(f"kind must be one of {KINDS}, got {kind!r}.")
        self.kind = kind
        self.waves = np.asarray(waves)
        self.scale_fixed = scale_fixed
        self.levels = np.unique(self.waves)
        n_levels = len(self.levels)
        self.dep_params = (np.zeros(n_levels * (n_levels - 1) // 2) if kind == "unstructured"
                           else 0.0)

    def initialize(self, model: Any) -> None:
        super().initialize(model)
        _, codes = np.unique(np.asarray(model.groups), return_inverse=True)
        if np.any(np.diff(codes) < 0):
            raise AnalysisInputError(
                "GeepackCorrelation: rows must be sorted by cluster (and visit within cluster).")
        sizes = np.bincount(codes)
        self._first, self._second = pair_rows(sizes)
        # statsmodels numbers clusters by their sorted labels, as the codes here
        self._waves_li = np.split(self.waves, np.cumsum(sizes)[:-1])
        if self.kind == "exchangeable":
            return  # the visits play no part
        wave_first, wave_second = self.waves[self._first], self.waves[self._second]
        if np.any(wave_second <= wave_first):
            raise AnalysisInputError(
                "GeepackCorrelation: within a cluster the visits must be increasing and "
                "distinct.")
        self._lag = (wave_second - wave_first).astype(float)
        rank = np.searchsorted(self.levels, self.waves)
        self._rank_li = np.split(rank, np.cumsum(sizes)[:-1])
        t = len(self.levels)
        a, b = rank[self._first], rank[self._second]
        # index of the visit pair (a, b), a < b, in the upper triangle read row by row
        self._pair_code = a * t - a * (a + 1) // 2 + (b - a - 1)
        if self.kind == "unstructured":
            seen = np.bincount(self._pair_code, minlength=t * (t - 1) // 2)
            if np.any(seen == 0):
                upper = np.triu_indices(t, 1)
                never = [(self.levels[upper[0][i]].item(), self.levels[upper[1][i]].item())
                         for i in np.flatnonzero(seen == 0)]
                raise AnalysisInputError(
                    f"unstructured working correlation: no cluster is observed at both visits "
                    f"of {never}, so their correlation cannot be estimated. Use 'ar1' or "
                    "'exchangeable', or merge visits.")
            self._seen = seen

    def _residuals(self, params: np.ndarray) -> np.ndarray:
        model = self.model
        linear = model.exog @ params
        if model.offset is not None:
            linear = linear + model.offset
        mu = model.family.fitted(linear)
        return (model.endog - mu) / np.sqrt(model.family.variance(mu))

    def update(self, params: np.ndarray) -> None:
        resid = self._residuals(np.asarray(params))
        scale = 1.0 if self.scale_fixed else float(np.mean(resid * resid))
        z = resid[self._first] * resid[self._second] / scale
        if len(z) == 0:
            return
        if self.kind == "exchangeable":
            self.dep_params = float(np.mean(z))
        elif self.kind == "unstructured":
            t = len(self.levels)
            self.dep_params = np.bincount(self._pair_code, weights=z,
                                          minlength=t * (t - 1) // 2) / self._seen
        else:
            self.dep_params = self._solve_ar1(z, float(self.dep_params))

    def _solve_ar1(self, z: np.ndarray, alpha: float) -> float:
        """Gauss-Newton on sum d alpha^(d-1) (z - alpha^d) = 0 (geepack's ``cor_rho_ar1``)."""
        lag = self._lag
        for _ in range(200):
            rho = alpha ** lag
            slope = np.where(lag == 1.0, 1.0, lag * alpha ** (lag - 1.0))
            step = float(np.sum(slope * (z - rho)) / np.sum(slope * slope))
            alpha += step
            if abs(step) < 1e-14 or not np.isfinite(alpha):
                break
        return alpha

    def correlation(self, index: int) -> np.ndarray:
        """The working correlation matrix of cluster ``index``."""
        if self.kind == "exchangeable":
            m = len(self._waves_li[index])
            return (1.0 - self.dep_params) * np.eye(m) + self.dep_params
        if self.kind == "ar1":
            w = self._waves_li[index].astype(float)
            return float(self.dep_params) ** np.abs(w[:, None] - w[None, :])
        full = self.full_matrix()
        rank = self._rank_li[index]
        return full[np.ix_(rank, rank)]

    def full_matrix(self) -> np.ndarray:
        """The working correlation over all visits (unstructured), ``levels`` by ``levels``."""
        t = len(self.levels)
        full = np.eye(t)
        upper = np.triu_indices(t, 1)
        if self.kind == "unstructured":
            full[upper] = self.dep_params
        elif self.kind == "exchangeable":
            full[upper] = self.dep_params
        else:
            lag = np.abs(self.levels[upper[0]] - self.levels[upper[1]]).astype(float)
            full[upper] = float(self.dep_params) ** lag
        full.T[upper] = full[upper]
        return full

    def covariance_matrix(self, endog_expval: np.ndarray, index: int
                          ) -> tuple[np.ndarray, bool]:
        return self.correlation(index), True

    def covariance_matrix_solve(self, expval: np.ndarray, index: int, stdev: np.ndarray,
                                rhs: list[np.ndarray]) -> list[np.ndarray]:
        # V = S R S with S = diag(stdev); solved as it is, like geepack
        corr = self.correlation(index)
        out = []
        for x in rhs:  # the few right-hand sides statsmodels passes (design, residuals)
            scaled = x / (stdev if x.ndim == 1 else stdev[:, None])
            solved = np.linalg.solve(corr, scaled)
            out.append(solved / (stdev if x.ndim == 1 else stdev[:, None]))
        return out

    def summary(self) -> str:
        return f"geepack {self.kind} working correlation: {self.dep_params}"
