r"""Standardised (marginal) risks by g-computation, with delta-method or bootstrap intervals.

A logistic model of the outcome on the exposure and covariates is fitted; every unit's risk
is predicted twice, as if exposed and as if unexposed, and averaged over the study population
(and over the exposed, for the effect on the treated). With :math:`\hat p_{a,i}` unit
:math:`i`'s predicted risk under exposure :math:`a`,

.. math:: \hat r_a = \frac1n \sum_i \hat p_{a,i}, \qquad
          RD = \hat r_1 - \hat r_0, \quad RR = \hat r_1/\hat r_0, \quad
          OR = \frac{\hat r_1/(1-\hat r_1)}{\hat r_0/(1-\hat r_0)}.

Delta-method variances come from the influence function of each risk, which carries both the
model's uncertainty and the sampling of the covariate distribution (as R ``stdReg``):
:math:`\mathrm{IF}_i(\hat r_a) = (\hat p_{a,i} - \hat r_a)/n + g_a^\top H^{-1} s_i`, with
:math:`s_i` the unit's score, :math:`H` the information and :math:`g_a` the gradient of
:math:`\hat r_a` in the coefficients; the variance is :math:`\sum_c (\sum_{i \in c}
\mathrm{IF}_i)^2` over clusters :math:`c` (units when they do not cluster: the plain
sandwich, no small-sample factor). Ratios use the log scale. Bootstrap intervals resample
whole clusters (percentile intervals), replicate seeds spawned from one ``SeedSequence`` so
that results do not depend on ``n_jobs``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha, prepare, require_columns
from ..._clusters import carry, cluster_request, plan_clusters
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM, N
from ...exceptions import AnalysisInputError, ConvergenceWarning, DataQualityWarning
from ...results import Accounting, Result, result, summary_frame

__all__ = ["MEASURE_NAMES", "StandardizedRisks", "standardize"]

#: Terms of the summary, in order (estimates over the study population).
MEASURE_NAMES: tuple[str, ...] = ("risk_exposed", "risk_unexposed", "risk_difference",
                                  "risk_ratio", "odds_ratio")
POPULATION = "population"
SE = "se"
_ALL, _EXPOSED = "study population", "exposed"


@dataclass(frozen=True)
class Measure:
    """One standardised measure: estimate and interval (``float(m)`` is the estimate)."""

    estimate: float
    ci_lower: float
    ci_upper: float
    se: float

    def __float__(self) -> float:
        return self.estimate


@result
class StandardizedRisks(Result):
    """Standardised risks under exposure and no exposure, and their contrasts.

    Attributes
    ----------
    risk_exposed, risk_unexposed, risk_difference, risk_ratio, odds_ratio : Measure
        Over the study population (``estimate, ci_lower, ci_upper, se``; ``se`` of the log
        for the ratios, ``nan`` for bootstrap intervals).
    in_exposed : dict of str to Measure
        The same five among the exposed (the effect on the treated).
    term : str
        The exposure column.
    covariates : tuple of str
        Covariates of the outcome model.
    method : str
        ``"g-computation (logistic)"``.
    interval : str
        ``"delta"`` or ``"cluster bootstrap (percentile, R replicates)"``.
    alpha : float
    cluster : str or None
        Column the units cluster in when the variance accounts for it.
    seed : int or None
        Seed of the bootstrap (drawn and recorded when not given).
    replicates_failed : int
        Bootstrap replicates whose model could not be fitted (left out).
    n_exposed : int
        Exposed units used (the population of ``in_exposed``).
    accounting : Accounting
    warnings : tuple of str
    raw : statsmodels GLMResults
        The outcome model.
    """

    risk_exposed: Measure
    risk_unexposed: Measure
    risk_difference: Measure
    risk_ratio: Measure
    odds_ratio: Measure
    in_exposed: dict[str, Measure]
    term: str
    covariates: tuple[str, ...]
    method: str
    interval: str
    alpha: float
    cluster: str | None
    seed: int | None
    replicates_failed: int
    n_exposed: int
    accounting: Accounting
    warnings: tuple[str, ...] = ()
    raw: Any = None

    @property
    def title(self) -> str:
        return f"Standardised risks: {self.term}"

    def header(self) -> dict[str, object]:
        out = super().header()
        out["covariates"] = ", ".join(self.covariates) or "none"
        if self.seed is not None:
            out["seed"] = self.seed
            out["replicates failed"] = self.replicates_failed
        return out

    def summary(self) -> pd.DataFrame:
        """Ten rows: the five measures over the study population, then among the exposed.

        Columns: ``term, estimate, ci_lower, ci_upper, p_value`` (empty), ``n``,
        ``population`` (``"study population"`` or ``"exposed"``), ``se``.
        """
        rows = []
        for population, n, measures in (
                (_ALL, self.accounting.n_used,
                 {name: getattr(self, name) for name in MEASURE_NAMES}),
                (_EXPOSED, self.n_exposed, self.in_exposed)):
            for name, m in measures.items():
                rows.append({TERM: name, ESTIMATE: m.estimate, CI_LOWER: m.ci_lower,
                             CI_UPPER: m.ci_upper, P_VALUE: None, N: n, POPULATION: population,
                             SE: m.se})
        return summary_frame(rows, extra=[N, POPULATION, SE])

    def evalue(self, **options: Any) -> Any:
        """E-value of the standardised risk ratio (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue

        m = self.risk_ratio
        return evalue(m.estimate, m.ci_lower, m.ci_upper, measure="rr",
                      term=f"{self.term} (standardised risk ratio)", **options)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The two standardised risks with their intervals
        (:func:`bmecohort.plots.standardized_risk_plot`)."""
        from ...plots.risks import standardized_risk_plot

        return standardized_risk_plot(self, ax=ax, **kwargs)


# --- model and measures -----------------------------------------------------------------------


def _design(frame: pd.DataFrame, exposure: str, covariates: list[str]) -> pd.DataFrame:
    """Intercept, exposure, numeric covariates and dummies (first level dropped) of others."""
    parts = [pd.Series(1.0, index=frame.index, name="const"),
             frame[exposure].astype(float).rename(exposure)]
    for column in covariates:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            parts.append(values.astype(float).rename(column))
        else:
            levels = sorted(values.astype(str).unique())
            codes = values.astype(str)
            for level in levels[1:]:
                parts.append((codes == level).astype(float).rename(f"{column}[{level}]"))
    return pd.concat(parts, axis=1)


def _fit(y: np.ndarray, x: np.ndarray) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation and overflow reported by the caller
        return sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-13, maxiter=200)


def _point(beta: np.ndarray, x1: np.ndarray, x0: np.ndarray, exposed: np.ndarray
           ) -> np.ndarray:
    """Risks under exposure and none: (r1, r0) overall and among the exposed."""
    p1, p0 = scipy.special.expit(x1 @ beta), scipy.special.expit(x0 @ beta)
    return np.array([p1.mean(), p0.mean(), p1[exposed].mean(), p0[exposed].mean()])


def _contrasts(r1: float, r0: float) -> dict[str, float]:
    return {"risk_exposed": r1, "risk_unexposed": r0, "risk_difference": r1 - r0,
            "risk_ratio": r1 / r0, "odds_ratio": (r1 / (1 - r1)) / (r0 / (1 - r0))}


def _delta(beta: np.ndarray, y: np.ndarray, x: np.ndarray, x1: np.ndarray, x0: np.ndarray,
           exposed: np.ndarray, groups: np.ndarray, alpha: float
           ) -> tuple[dict[str, Measure], dict[str, Measure]]:
    """Delta-method measures from the influence functions of the four risks."""
    n, n_exposed = len(y), int(exposed.sum())
    p = scipy.special.expit(x @ beta)
    p1, p0 = scipy.special.expit(x1 @ beta), scipy.special.expit(x0 @ beta)
    information = (x * (p * (1 - p))[:, None]).T @ x
    if_beta = np.linalg.solve(information, (x * (y - p)[:, None]).T).T  # n x k
    influence = np.empty((n, 4))
    parts: list[tuple[np.ndarray, np.ndarray, slice | np.ndarray, int]] = [
        (p1, x1, slice(None), n), (p0, x0, slice(None), n),
        (p1, x1, exposed, n_exposed), (p0, x0, exposed, n_exposed)]
    for j, (pa, xa, rows, size) in enumerate(parts):
        weight = np.zeros(n)
        weight[rows] = 1.0 / size
        risk = float(np.sum(weight * pa))
        gradient = (xa * (weight * pa * (1 - pa))[:, None]).sum(axis=0)
        influence[:, j] = weight * (pa - risk) * (weight > 0) + if_beta @ gradient
    summed = np.stack([np.bincount(groups, weights=influence[:, j]) for j in range(4)], axis=1)
    cov = summed.T @ summed
    z = scipy.special.ndtri(1 - alpha / 2)
    risks = _point(beta, x1, x0, exposed)

    def measures(i1: int, i0: int) -> dict[str, Measure]:
        r1, r0 = risks[i1], risks[i0]
        v11, v00, v10 = cov[i1, i1], cov[i0, i0], cov[i1, i0]
        out = {}
        for name, value, grad, log in (
                ("risk_exposed", r1, (1.0, 0.0), False),
                ("risk_unexposed", r0, (0.0, 1.0), False),
                ("risk_difference", r1 - r0, (1.0, -1.0), False),
                ("risk_ratio", r1 / r0, (1 / r1, -1 / r0), True),
                ("odds_ratio", (r1 / (1 - r1)) / (r0 / (1 - r0)),
                 (1 / (r1 * (1 - r1)), -1 / (r0 * (1 - r0))), True)):
            g1, g0 = grad
            se = float(np.sqrt(g1 * g1 * v11 + g0 * g0 * v00 + 2 * g1 * g0 * v10))
            if log:
                out[name] = Measure(float(value), float(value * np.exp(-z * se)),
                                    float(value * np.exp(z * se)), se)
            else:
                out[name] = Measure(float(value), float(value - z * se), float(value + z * se),
                                    se)
        return out

    return measures(0, 1), measures(2, 3)


# --- bootstrap --------------------------------------------------------------------------------


def _replicate_seeds(seed: int, replicates: int) -> list[int]:
    """One integer seed per replicate, from ``SeedSequence(seed)`` (schedule-independent)."""
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
            for child in np.random.SeedSequence(seed).spawn(replicates)]


def _bootstrap_batch(seeds: list[int], y: np.ndarray, x: np.ndarray, x1: np.ndarray,
                     x0: np.ndarray, exposed: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Risks (r1, r0, r1|E, r0|E) of each replicate; a row of nan when the fit fails."""
    n_groups = int(groups.max()) + 1
    members = np.argsort(groups, kind="stable")
    starts = np.searchsorted(groups[members], np.arange(n_groups))
    sizes = np.bincount(groups, minlength=n_groups)
    out = np.full((len(seeds), 4), np.nan)
    for r, seed in enumerate(seeds):
        drawn = np.random.default_rng(seed).integers(0, n_groups, n_groups)
        # rows of every drawn cluster, clusters repeated as drawn (vectorised gather)
        lengths = sizes[drawn]
        offsets = np.repeat(starts[drawn] - np.cumsum(lengths) + lengths, lengths)
        rows = members[np.arange(lengths.sum()) + offsets]
        ex = exposed[rows]
        if ex.all() or not ex.any() or y[rows].min() == y[rows].max():
            continue
        fit = _fit(y[rows], x[rows])
        beta = np.asarray(fit.params)
        if not (fit.converged and np.all(np.isfinite(beta))):
            continue
        out[r] = _point(beta, x1[rows], x0[rows], ex)
    return out


def _bootstrap(seed: int, replicates: int, n_jobs: int, *arrays: np.ndarray) -> np.ndarray:
    seeds = _replicate_seeds(seed, replicates)
    if n_jobs == 1:
        return _bootstrap_batch(seeds, *arrays)
    from joblib import Parallel, delayed, effective_n_jobs

    workers = max(1, effective_n_jobs(n_jobs))
    size = max(1, -(-replicates // (4 * workers)))
    batches = [seeds[i:i + size] for i in range(0, replicates, size)]
    parts = Parallel(n_jobs=n_jobs)(delayed(_bootstrap_batch)(b, *arrays) for b in batches)
    return np.vstack(parts)


def _percentile(draws: np.ndarray, estimates: dict[str, float], alpha: float
                ) -> dict[str, Measure]:
    r1, r0 = draws[:, 0], draws[:, 1]
    values = {"risk_exposed": r1, "risk_unexposed": r0, "risk_difference": r1 - r0,
              "risk_ratio": r1 / r0, "odds_ratio": (r1 / (1 - r1)) / (r0 / (1 - r0))}
    out = {}
    for name, series in values.items():
        low, high = np.quantile(series, [alpha / 2, 1 - alpha / 2])
        out[name] = Measure(float(estimates[name]), float(low), float(high), float("nan"))
    return out


# --- public -----------------------------------------------------------------------------------


def standardize(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposure: str,
    covariates: str | list[str] | tuple[str, ...] = (),
    cluster: str | None = "auto",
    ci: Literal["delta", "bootstrap"] = "delta",
    replicates: int = 1000,
    seed: int | None = None,
    n_jobs: int = 1,
    alpha: float = 0.05,
) -> StandardizedRisks:
    r"""Standardised risks under exposure and under no exposure (g-computation).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (e.g. knee); never modified.
    outcome : str
        Binary outcome column.
    exposure : str
        Binary exposure column (1 = exposed).
    covariates : str or sequence of str, default=()
        Confounders in the logistic outcome model (main effects). Numeric and boolean
        columns enter as they are; others as indicators of their levels (first level, in
        sorted order, the reference).
    cluster : "auto", str or None, default="auto"
        ``"auto"``: cluster on ``participant_id`` when the data have it and a participant
        holds several units; a column name: always; ``None``: units independent (a
        :class:`~bmecohort.exceptions.DataQualityWarning` when ``participant_id`` repeats).
    ci : {"delta", "bootstrap"}, default="delta"
        Delta-method intervals from influence functions (cluster-robust), or percentile
        intervals from a bootstrap of whole clusters.
    replicates : int, default=1000
        Bootstrap replicates.
    seed : int or None, default=None
        Bootstrap seed; the same seed gives the same intervals whatever ``n_jobs``. When
        ``None`` one is drawn and recorded on the result.
    n_jobs : int, default=1
        Parallel bootstrap workers through joblib (``-1``: every core; inside
        ``joblib.parallel_config(backend="dask")`` the replicates run on a Dask cluster).
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    StandardizedRisks
        ``risk_exposed``, ``risk_unexposed``, ``risk_difference``, ``risk_ratio``,
        ``odds_ratio`` (each ``estimate, ci_lower, ci_upper, se``) over the study
        population, ``in_exposed`` (the effect on the treated); ``summary()`` lists both;
        ``plot()`` draws the two risks.

    Raises
    ------
    AnalysisInputError
        Missing columns, non-binary exposure or outcome, one exposure group or outcome
        only, bad ``ci``/``replicates``/``n_jobs``, a named cluster column with fewer than
        2 clusters, or ``"auto"`` finding every row in one participant (the rule of
        :mod:`bmecohort._clusters`, shared by every estimator).

    Warns
    -----
    ConvergenceWarning
        The outcome model did not converge, or bootstrap replicates failed.
    DataQualityWarning
        ``cluster=None`` although ``participant_id`` shows persons with several units.

    Notes
    -----
    See the module docstring for the estimator and its variance. The standardised
    (marginal) odds ratio differs from the model's conditional odds ratio
    (non-collapsibility); the risk difference and ratio are the effects a reader can
    compare across studies. Assumes no unmeasured confounding (see :func:`bmecohort.evalue`),
    positivity and a correct outcome model.

    Examples
    --------
    >>> import pandas as pd
    >>> knees = pd.DataFrame({"bml": [1, 1, 1, 0, 0, 0, 1, 0] * 4,
    ...                       "kl": [3, 2, 3, 1, 2, 1, 2, 3] * 4,
    ...                       "progressed": [1, 0, 1, 0, 0, 1, 1, 0] * 2 + [1, 1, 0, 0, 0, 0, 1, 0] * 2})
    >>> r = standardize(knees, outcome="progressed", exposure="bml", covariates=["kl"],
    ...                 cluster=None)
    >>> r.summary()["term"].tolist()[:5]
    ['risk_exposed', 'risk_unexposed', 'risk_difference', 'risk_ratio', 'odds_ratio']
    """
    alpha = check_alpha(alpha)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if ci not in ("delta", "bootstrap"):
        raise AnalysisInputError(f"ci must be 'delta' or 'bootstrap', got {ci!r}.")
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 50:
        raise AnalysisInputError(f"replicates must be an integer >= 50, got {replicates!r}.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise AnalysisInputError(f"n_jobs must be a non-zero integer, got {n_jobs!r}.")
    if exposure == outcome or exposure in covariates or outcome in covariates:
        raise AnalysisInputError(
            "data: exposure, outcome and covariates must be different columns; got "
            f"exposure={exposure!r}, outcome={outcome!r}, covariates={covariates}.")
    require_columns(data, [])  # a DataFrame, before its columns are looked at
    frame, excluded = prepare(data, [outcome, exposure, *covariates,
                                     cluster_request(data, cluster)],
                              binary=[exposure, outcome], carry=carry(data))
    y = frame[outcome].to_numpy(float)
    exposed = frame[exposure].to_numpy(bool)
    if len(frame) == 0 or exposed.all() or not exposed.any() or y.min() == y.max():
        raise AnalysisInputError(
            f"data: the {len(frame)} complete rows need both exposure groups and both "
            f"outcomes to standardise; exclusions: {dict(excluded) or 'none'}.")
    # the shared rule (bmecohort._clusters): "auto" clusters on participant_id when a
    # participant holds several rows; None opts out, warned when they do
    plan = plan_clusters(frame, cluster)
    column = plan.column if plan.clustered else None
    groups = plan.groups if plan.groups is not None else np.arange(len(frame))
    caveats: list[tuple[type[Warning], str]] = []
    if plan.warning is not None:
        caveats.append((DataQualityWarning, plan.warning))
    design = _design(frame, exposure, covariates)
    x = design.to_numpy(float)
    x1, x0 = x.copy(), x.copy()
    x1[:, 1], x0[:, 1] = 1.0, 0.0
    fit = _fit(y, x)
    if not fit.converged or not np.all(np.isfinite(fit.params)):
        caveats.append((ConvergenceWarning,
                        "data: the logistic outcome model did not converge (separation or "
                        "sparse covariate levels?); do not trust the standardised risks."))
    beta = np.asarray(fit.params, dtype=float)
    overall, in_exposed = _delta(beta, y, x, x1, x0, exposed, groups, alpha)
    interval, used_seed, failed = "delta", None, 0
    if ci == "bootstrap":
        # a fresh SeedSequence's entropy is an int (the stubs allow a sequence)
        used_seed = int(np.random.SeedSequence().entropy % (2 ** 63)) if seed is None else int(seed)  # type: ignore[operator]
        draws = _bootstrap(used_seed, replicates, n_jobs, y, x, x1, x0, exposed, groups)
        ok = np.all(np.isfinite(draws), axis=1)
        failed = int((~ok).sum())
        if failed:
            caveats.append((ConvergenceWarning,
                            f"bootstrap: {failed} of {replicates} replicates could not be "
                            f"fitted (one exposure group or outcome, or no convergence) and "
                            f"were left out."))
        overall = _percentile(draws[ok][:, :2], {k: v.estimate for k, v in overall.items()},
                              alpha)
        in_exposed = _percentile(draws[ok][:, 2:],
                                 {k: v.estimate for k, v in in_exposed.items()}, alpha)
        interval = f"cluster bootstrap (percentile, {replicates} replicates)"
    for category, message in caveats:
        warnings.warn(message, category, stacklevel=2)
    return StandardizedRisks(
        **overall, in_exposed=in_exposed, term=exposure, covariates=tuple(covariates),
        method="g-computation (logistic)", interval=interval, alpha=alpha,
        cluster=column, seed=used_seed, replicates_failed=failed,
        n_exposed=int(exposed.sum()),
        accounting=Accounting(unit="row", n_rows=len(data), n_used=len(frame),
                              events=int(y.sum()),
                              n_clusters=None if column is None else int(groups.max()) + 1,
                              cluster=column, excluded=excluded),
        warnings=tuple(message for _, message in caveats), raw=fit)
