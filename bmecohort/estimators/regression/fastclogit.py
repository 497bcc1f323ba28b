"""Fast conditional logistic regression: the exact conditional likelihood over small strata.

Within-knee designs (a knee compared with itself over a handful of visits) and matched sets
have many strata of a few rows each. statsmodels'
:class:`~statsmodels.discrete.conditional_models.ConditionalLogit` evaluates every stratum's
denominator by a recursion in Python, one stratum at a time, with a numerical Hessian: on
the 50,000-participant knee design (58,000 knees) that is minutes. Here the strata are
grouped by their size :math:`m` and number of events :math:`k`; for each such class the
:math:`\\binom{m}{k}` possible event sets are enumerated once (an indicator matrix) and the
log-likelihood, score and analytic information of all strata of the class are computed in
a few array operations. Newton-Raphson then converges in a handful of steps. The 1:1
matched pair (:math:`m = 2, k = 1`) is the logistic model on within-pair differences
without intercept, a special case of the same formula.

Strata with more than ``max_subsets`` possible event sets (e.g. 12 rows with 6 events: 924)
are not enumerated: :class:`TooManySubsets` is raised and
:func:`~bmecohort.conditional_logistic` falls back to statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np
import pandas as pd

from ...exceptions import AnalysisInputError

__all__ = ["MAX_SUBSETS", "FastClogitFit", "TooManySubsets", "fit_conditional_logit"]

#: Default bound on the event sets :math:`\binom{m}{k}` enumerated for one stratum.
MAX_SUBSETS = 500


class TooManySubsets(AnalysisInputError):
    """A stratum has more possible event sets than the fast engine enumerates."""


@dataclass(frozen=True, repr=False, eq=False)
class FastClogitFit:
    """A fitted conditional logit: the native object kept as ``.raw`` by
    :func:`bmecohort.conditional_logistic` when the fast engine fitted it.

    Attributes
    ----------
    params : numpy.ndarray
        Coefficients (log conditional odds ratios), in ``exog_names`` order.
    cov : numpy.ndarray
        Model-based covariance, the inverse of the observed information.
    group_scores : numpy.ndarray
        Score contribution of each informative stratum at ``params``, shape
        ``(n_groups, p)``, strata in order of first appearance (as statsmodels orders them).
    loglike : float
        Conditional log-likelihood at ``params``.
    exog_names : tuple of str
        Term names.
    n_obs, n_groups : int
        Rows and strata used (informative strata only).
    n_iter : int
        Newton-Raphson iterations run.
    converged : bool
        Whether the largest Newton step fell below ``tol`` with a finite, well-conditioned
        information matrix.
    """

    params: np.ndarray
    cov: np.ndarray
    group_scores: np.ndarray
    loglike: float
    exog_names: tuple[str, ...]
    n_obs: int
    n_groups: int
    n_iter: int
    converged: bool

    @property
    def bse(self) -> np.ndarray:
        """Model-based standard errors."""
        return np.sqrt(np.diag(self.cov))

    @property
    def score(self) -> np.ndarray:
        """Total score at ``params`` (zero at the maximum)."""
        return self.group_scores.sum(axis=0)

    def cov_cluster(self, clusters: np.ndarray) -> np.ndarray:
        """Cluster-robust covariance :math:`H^{-1} (\\sum_c s_c s_c^\\top) H^{-1}`.

        ``clusters`` gives an integer cluster code per stratum (in the order of
        ``group_scores``); no small-sample factor, as R ``clogit(..., cluster(id))``.
        """
        codes = np.asarray(clusters)
        sums = np.zeros((int(codes.max()) + 1, self.group_scores.shape[1]))
        np.add.at(sums, codes, self.group_scores)
        return self.cov @ (sums.T @ sums) @ self.cov

    def __repr__(self) -> str:
        return (f"FastClogitFit(n_obs={self.n_obs}, n_groups={self.n_groups}, "
                f"loglike={self.loglike:.6g}, converged={self.converged})")


#: Elements (strata x event sets x terms) of set deviations kept between iterations; beyond
#: that they are recomputed in every iteration (one matrix product per chunk) to bound memory.
_CACHE = 1 << 24
#: Elements per chunk of strata evaluated at once.
_CHUNK = 1 << 22


@dataclass
class _Chunk:
    """Strata of one size ``m`` and event count ``k``: each possible event set's summed
    (within-stratum centred) row values minus the observed set's, ``d`` of shape
    ``(C, G, p)`` for ``C`` sets and ``G`` strata."""

    index: np.ndarray  # stratum numbers (rows of group_scores)
    x: np.ndarray  # (m, G * p) rows of the strata, by position within the stratum
    observed: np.ndarray  # (G, p) summed rows of the observed event set
    sets: np.ndarray  # (C, m) indicator of each possible event set
    cached: np.ndarray | None = None

    def deviations(self) -> np.ndarray:
        if self.cached is not None:
            return self.cached
        g, p = self.observed.shape
        return (self.sets @ self.x).reshape(len(self.sets), g, p) - self.observed


def _chunks(y: np.ndarray, x: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
            events: np.ndarray) -> list[_Chunk]:
    out = []
    p = x.shape[1]
    keys = sizes * (sizes.max() + 1) + events
    for key in np.unique(keys):
        strata = np.flatnonzero(keys == key)
        m, k = int(sizes[strata[0]]), int(events[strata[0]])
        sets = np.zeros((comb(m, k), m))
        for c, members in enumerate(combinations(range(m), k)):
            sets[c, list(members)] = 1.0
        step = max(1, _CHUNK // (len(sets) * p))
        for first in range(0, len(strata), step):
            index = strata[first:first + step]
            rows = starts[index][:, None] + np.arange(m)  # (G, m)
            xs = x[rows]  # (G, m, p)
            observed = np.einsum("gm,gmp->gp", y[rows], xs)
            out.append(_Chunk(index, np.ascontiguousarray(xs.transpose(1, 0, 2)).reshape(m, -1),
                              observed, sets))
    if sum(c.sets.shape[0] * c.observed.size for c in out) <= _CACHE:
        for chunk in out:
            chunk.cached = chunk.deviations()
    return out


def _evaluate(chunks: list[_Chunk], beta: np.ndarray,
              n_groups: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood, per-stratum scores and observed information at ``beta``.

    With :math:`d_S` the deviation of event set :math:`S` from the observed one and
    :math:`w_S \\propto \\exp(d_S^\\top \\beta)` its conditional probability, stratum
    :math:`i` contributes :math:`-\\log \\sum_S \\exp(d_S^\\top \\beta)` to the
    log-likelihood, :math:`-\\sum_S w_S d_S` to the score and
    :math:`\\sum_S w_S d_S d_S^\\top - \\bar d \\bar d^\\top` to the information.
    """
    p = len(beta)
    loglike = 0.0
    scores = np.zeros((n_groups, p))
    info = np.zeros((p, p))
    for chunk in chunks:
        d = chunk.deviations()  # (C, G, p)
        totals = d @ beta  # (C, G); the observed set's is 0, so the maximum is >= 0
        top = totals.max(axis=0)
        w = np.exp(totals - top)
        norm = w.sum(axis=0)
        w /= norm
        loglike -= float(np.sum(top + np.log(norm)))
        weighted = d * w[:, :, None]
        mean = weighted.sum(axis=0)  # (G, p)
        scores[chunk.index] = -mean
        flat = d.reshape(-1, p)
        info += weighted.reshape(-1, p).T @ flat - mean.T @ mean
    return loglike, scores, info


def fit_conditional_logit(
    endog: np.ndarray,
    exog: np.ndarray,
    groups: np.ndarray,
    *,
    exog_names: tuple[str, ...] | None = None,
    max_subsets: int = MAX_SUBSETS,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> FastClogitFit:
    """Maximise the exact conditional logistic likelihood by Newton-Raphson.

    Parameters
    ----------
    endog : numpy.ndarray
        Binary outcome (0/1), shape ``(n,)``.
    exog : numpy.ndarray
        Model matrix without intercept, shape ``(n, p)``.
    groups : numpy.ndarray
        Stratum labels, shape ``(n,)``; rows need not be sorted. Strata whose outcome does
        not vary carry no information and are left out.
    exog_names : tuple of str or None, default=None
        Term names; ``x0, x1, ...`` when ``None``.
    max_subsets : int, default=500
        Largest number of possible event sets :math:`\\binom{m}{k}` enumerated for one
        stratum.
    tol : float, default=1e-10
        Convergence when the largest absolute Newton step is below ``tol``.
    maxiter : int, default=100
        Maximum number of Newton-Raphson iterations.

    Returns
    -------
    FastClogitFit

    Raises
    ------
    TooManySubsets
        A stratum has more than ``max_subsets`` possible event sets.

    Notes
    -----
    Stratum :math:`i` with :math:`m_i` rows and :math:`k_i` events contributes

    .. math::

        \\log L_i(\\beta) = \\sum_{j: y_{ij}=1} x_{ij}^\\top \\beta
            - \\log \\sum_{S \\subset \\{1..m_i\\}, |S| = k_i}
              \\exp\\Big(\\sum_{j \\in S} x_{ij}^\\top \\beta\\Big),

    the exact conditional likelihood (R ``survival::clogit(method = "exact")``), computed
    with a log-sum-exp so that no term overflows. The rows are centred within their
    stratum first (every event set has :math:`k_i` rows, so the likelihood is unchanged),
    which keeps the information matrix free of cancellation. A step that lowers the
    likelihood is halved. The fit is not converged when the information is singular or the
    coefficients diverge (separation); its estimates are then the last iterate.

    Examples
    --------
    >>> import numpy as np
    >>> pair = np.repeat(np.arange(4), 2)  # 1:1 matched pairs, case first
    >>> case = np.tile([1, 0], 4)
    >>> exposed = np.array([[1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [0.0], [1.0]])
    >>> fit = fit_conditional_logit(case, exposed, pair)
    >>> round(float(np.exp(fit.params[0])), 6)  # discordant pairs: 3 exposed cases, 1 not
    3.0
    """
    y = np.asarray(endog, dtype=float)
    x = np.asarray(exog, dtype=float)
    g = np.asarray(groups)
    if y.ndim != 1 or x.ndim != 2 or len(y) != len(x) or len(g) != len(y):
        raise AnalysisInputError(
            f"fit_conditional_logit: endog {y.shape}, exog {x.shape} and groups {g.shape} "
            "must have the same number of rows (endog and groups 1-D, exog 2-D).")
    if not np.all((y == 0.0) | (y == 1.0)):
        raise AnalysisInputError("fit_conditional_logit: endog must be 0/1.")
    # strata numbered in order of first appearance (statsmodels' order), rows made contiguous
    codes = pd.factorize(g)[0]
    sizes = np.bincount(codes)
    events = np.rint(np.bincount(codes, weights=y)).astype(int)
    keep = (events > 0) & (events < sizes)
    row_keep = keep[codes]
    codes = np.cumsum(keep)[codes[row_keep]] - 1
    y, x = y[row_keep], x[row_keep]
    sizes, events = sizes[keep], events[keep]
    n_groups = len(sizes)
    if n_groups == 0:
        raise AnalysisInputError("fit_conditional_logit: no stratum has both outcomes.")
    subsets = np.array([comb(int(m), int(k)) for m, k in
                        set(zip(sizes.tolist(), events.tolist(), strict=True))])
    if subsets.max() > max_subsets:
        raise TooManySubsets(
            f"fit_conditional_logit: a stratum has {int(subsets.max())} possible event sets, "
            f"more than max_subsets={max_subsets}; use statsmodels' ConditionalLogit.")
    order = np.argsort(codes, kind="stable")
    y, x, codes = y[order], x[order], codes[order]
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    means = np.add.reduceat(x, starts, axis=0) / sizes[:, None]
    chunks = _chunks(y, x - means[codes], starts, sizes, events)

    beta = np.zeros(x.shape[1])
    with np.errstate(all="ignore"):
        loglike, scores, info = _evaluate(chunks, beta, n_groups)
        converged, n_iter = False, 0
        while n_iter < maxiter:
            n_iter += 1
            try:
                step = np.linalg.solve(info, scores.sum(axis=0))
            except np.linalg.LinAlgError:  # singular information: separation or aliasing
                break
            if not np.all(np.isfinite(step)):
                break
            # step halving: the likelihood is concave, so this only guards the far start
            for _ in range(30):
                new_loglike, new_scores, new_info = _evaluate(chunks, beta + step, n_groups)
                if new_loglike >= loglike - 1e-12 * abs(loglike):
                    break
                step = step / 2.0
            beta = beta + step
            loglike, scores, info = new_loglike, new_scores, new_info
            if not (np.isfinite(loglike) and np.all(np.isfinite(beta))):
                break
            if float(np.max(np.abs(step), initial=0.0)) < tol:
                converged = bool(np.linalg.cond(info) < 1e12)
                break
        try:
            cov = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            cov = np.full_like(info, np.nan)
    names = exog_names or tuple(f"x{i}" for i in range(x.shape[1]))
    return FastClogitFit(params=beta, cov=cov, group_scores=scores, loglike=loglike,
                         exog_names=tuple(names), n_obs=len(y), n_groups=n_groups,
                         n_iter=n_iter, converged=converged)
