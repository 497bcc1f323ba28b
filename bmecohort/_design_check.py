"""Design checks on simulated data: replicates, and the rows that summarise them.

A design check simulates a published design (sample size, clustering, follow-up) with a
known truth, analyses every replicate as the paper did and reports how the estimator
behaves there: the coverage of the published value by the replicates' intervals, the
median estimate and its bias against the simulator's truth, the median p-value, the share
of replicates dropped and the ratio of the interval widths to the published one. It checks
the estimator under an assumed design, not the paper's data, so it never claims a match.

Replicates come from :func:`replicate` (one ``fit(seed)`` call per replicate) or
:func:`replicate_batch` (one call for every replicate at once, for simulators and
estimators that are vectorised over replicates, e.g. Woolf intervals of many 2x2 tables).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from . import _design_store
from .exceptions import AnalysisInputError, BmecohortWarning

__all__ = [
    "WIDTH_BAND",
    "Replication",
    "replicate",
    "gee_batch",
    "replicate_batch",
    "woolf_tables",
]

Scale = Literal["ratio", "linear"]
#: The interval width ratio (simulated over published) a design check aims for.
WIDTH_BAND: tuple[float, float] = (0.8, 1.25)
_RUN_COLUMNS = ("replicate", "seed", "key", "estimate", "ci_lower", "ci_upper", "p_value",
                "usable", "warnings")


@dataclass(frozen=True)
class Replication:
    """Every replicate's estimates of a design check.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per replicate and statistic: ``replicate``, ``seed``, ``key``,
        ``estimate``, ``ci_lower``, ``ci_upper``, ``p_value`` (``nan`` when the statistic
        has none), ``usable`` (see :func:`replicate`) and ``warnings`` (bmecohort warning
        classes raised).
    replicates : int
        Number of replicates run.
    seed : int
        Seed of replicate 0; replicate ``i`` uses ``seed + i``.
    """

    runs: pd.DataFrame
    replicates: int
    seed: int

    def of(self, key: str) -> pd.DataFrame:
        """The rows of one statistic (an error naming the keys when there is none)."""
        rows = self.runs[self.runs["key"] == key]
        if rows.empty:
            raise AnalysisInputError(f"no statistic {key!r} in the replication; keys are "
                                     f"{sorted(self.runs['key'].unique())}")
        return rows


class _Deferred(Replication):
    """A replication whose replicates run only when first asked for (``runs``, ``of``).

    Returned by :func:`replicate` and :func:`replicate_batch` while stored design rows are
    in use (:func:`bmecohort._design_store.session`): a design row found in the store never
    needs its replicates.
    """

    def __init__(self, compute: Callable[[], Replication], replicates: int, seed: int):
        object.__setattr__(self, "_compute", compute)
        object.__setattr__(self, "replicates", replicates)
        object.__setattr__(self, "seed", seed)

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        return self._compute().runs  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"Replication(replicates={self.replicates}, seed={self.seed}, deferred)"


def _finite(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A finite estimate, and either a finite interval or none (both limits nan)."""
    limits = np.column_stack([low, high])
    return np.isfinite(estimate) & (np.isfinite(limits).all(axis=1)
                                    | np.isnan(limits).all(axis=1))


def _check_count(replicates: int) -> None:
    if replicates < 1:
        raise AnalysisInputError(f"replicates must be at least 1, got {replicates}")


def replicate(fit: Callable[[int], Mapping[str, tuple]], *, seed: int,
              replicates: int) -> Replication:
    """Run ``fit(seed + i)`` for ``i < replicates`` and collect every statistic.

    ``fit`` simulates the design with the given seed, analyses it as published and returns
    ``{key: (estimate, ci_lower, ci_upper, p_value)}``, or ``(estimate, ci_lower, ci_upper,
    p_value, usable)`` when it judges a statistic's usability itself (e.g. a separated
    covariate does not spoil the exposure's odds ratio); ``p_value`` may be ``nan``.
    bmecohort warnings raised inside a replicate (separation, non-convergence, sparse
    cells) are recorded, not raised; unless ``fit`` says otherwise a statistic is not
    usable when its replicate raised a separation or convergence warning or when it is not
    finite. Unusable replicates are reported and counted as misses by the design rows.
    While stored design rows are in use the replicates run only when a design row needs
    them (see :mod:`bmecohort._design_store`).
    """
    _check_count(replicates)
    if _design_store.deferring():
        return _Deferred(lambda: _replicate(fit, seed=seed, replicates=replicates),
                         replicates, seed)
    return _replicate(fit, seed=seed, replicates=replicates)


def _replicate(fit: Callable[[int], Mapping[str, tuple]], *, seed: int,
               replicates: int) -> Replication:
    records = []
    for i in range(replicates):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", BmecohortWarning)
            stats = fit(seed + i)
        names = sorted({type(w.message).__name__ for w in caught
                        if issubclass(w.category, BmecohortWarning)})
        fatal = any(n in ("SeparationWarning", "ConvergenceWarning") for n in names)
        for key, value in stats.items():
            if len(value) not in (4, 5):
                raise AnalysisInputError(
                    f"fit returned {len(value)} numbers for {key!r}; give (estimate, "
                    f"ci_lower, ci_upper, p_value[, usable])")
            est, low, high, p_value, *judged = value
            records.append({"replicate": i, "seed": seed + i, "key": key,
                            "estimate": float(est), "ci_lower": float(low),
                            "ci_upper": float(high), "p_value": float(p_value),
                            "usable": bool(judged[0]) if judged else not fatal,
                            "warnings": ", ".join(names)})
    runs = pd.DataFrame(records, columns=list(_RUN_COLUMNS))
    runs["usable"] = runs["usable"] & _finite(*(runs[c].to_numpy() for c in (
        "estimate", "ci_lower", "ci_upper")))
    return Replication(runs=runs, replicates=replicates, seed=seed)


def replicate_batch(fit: Callable[[np.ndarray], Mapping[str, Mapping[str, Any]]], *,
                    seed: int, replicates: int) -> Replication:
    """Like :func:`replicate`, with one call ``fit(seeds)`` for every replicate at once.

    ``fit`` receives the seeds ``seed + arange(replicates)`` and returns ``{key: columns}``
    where ``columns`` maps ``estimate``, ``ci_lower``, ``ci_upper`` and optionally
    ``p_value`` and ``usable`` to arrays with one value per seed, in seed order. A
    statistic is usable when ``usable`` (default True) holds and it is finite.
    """
    _check_count(replicates)
    if _design_store.deferring():
        return _Deferred(lambda: _replicate_batch(fit, seed=seed, replicates=replicates),
                         replicates, seed)
    return _replicate_batch(fit, seed=seed, replicates=replicates)


def _replicate_batch(fit: Callable[[np.ndarray], Mapping[str, Mapping[str, Any]]], *,
                     seed: int, replicates: int) -> Replication:
    seeds = seed + np.arange(replicates)
    frames = []
    for key, columns in fit(seeds).items():
        arrays = {c: np.asarray(columns[c], dtype=float) for c in ("estimate", "ci_lower",
                                                                  "ci_upper")}
        arrays["p_value"] = np.asarray(columns.get("p_value", np.full(replicates, np.nan)),
                                       dtype=float)
        judged = np.asarray(columns.get("usable", np.ones(replicates, bool)), dtype=bool)
        if any(a.shape != (replicates,) for a in (*arrays.values(), judged)):
            raise AnalysisInputError(f"fit returned arrays for {key!r} whose length is not "
                                     f"the number of replicates ({replicates})")
        frames.append(pd.DataFrame({
            "replicate": np.arange(replicates), "seed": seeds, "key": key, **arrays,
            "usable": judged & _finite(arrays["estimate"], arrays["ci_lower"],
                                       arrays["ci_upper"]),
            "warnings": ""}))
    runs = pd.concat(frames, ignore_index=True).sort_values(
        ["replicate", "key"], kind="stable", ignore_index=True)
    return Replication(runs=runs[list(_RUN_COLUMNS)], replicates=replicates, seed=seed)


def woolf_tables(exposed_cases: np.ndarray, exposed_noncases: np.ndarray,
                 unexposed_cases: np.ndarray, unexposed_noncases: np.ndarray,
                 alpha: float = 0.05) -> dict[str, np.ndarray]:
    r"""Odds ratios, Woolf intervals and Wald p-values of many 2x2 tables at once.

    .. math:: \exp\{\log(ad/bc) \pm z_{1-\alpha/2}\sqrt{1/a + 1/b + 1/c + 1/d}\}

    The same numbers as :func:`bmecohort.odds_ratio_from_counts` with ``method="woolf"``,
    for arrays. A table with a zero cell is not usable (its Woolf interval is undefined).

    Returns
    -------
    dict
        ``estimate``, ``ci_lower``, ``ci_upper``, ``p_value`` and ``usable`` arrays.

    Examples
    --------
    >>> out = woolf_tables([27], [48], [12], [136])
    >>> round(float(out["estimate"][0]), 3), round(float(out["ci_upper"][0]), 2)
    (6.375, 13.57)
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (exposed_cases, exposed_noncases,
                                                      unexposed_cases, unexposed_noncases))
    usable = (a > 0) & (b > 0) & (c > 0) & (d > 0)
    z = special.ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_or = np.log(a) + np.log(d) - np.log(b) - np.log(c)
        se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        p_value = 2 * special.ndtr(-np.abs(log_or) / se)
        nan = np.full(a.shape, np.nan)
        return {"estimate": np.where(usable, np.exp(log_or), nan),
                "ci_lower": np.where(usable, np.exp(log_or - z * se), nan),
                "ci_upper": np.where(usable, np.exp(log_or + z * se), nan),
                "p_value": np.where(usable, p_value, nan), "usable": usable}


def gee_batch(frame: pd.DataFrame, *, outcome: str, exposure: str, batch: np.ndarray,
              replicates: int, covariates: tuple[str, ...] = (),
              cluster: str = "participant_id", family: str = "gaussian",
              alpha: float = 0.05) -> dict[str, np.ndarray]:
    r"""One exposure's GEE estimate in every replicate of a stacked design, solved at once.

    ``frame`` holds every replicate's rows (a design's analysis frame of one simulated
    cohort whose participants are split into ``replicates`` blocks); ``batch`` gives each
    row's replicate (``0 .. replicates-1``). Each replicate is fitted on its own rows as
    :func:`bmecohort.gee` fits it with an independence working correlation (``outcome ~
    exposure + covariates``, complete cases, robust errors by ``cluster``), by
    :func:`~bmecohort.estimators.regression.fastgee_batch.fit_fast_gee_batch`. A replicate
    is not usable when its exposure takes one value, it has no rows or did not converge.

    Returns
    -------
    dict
        ``estimate``, ``ci_lower``, ``ci_upper``, ``p_value`` (Wald, robust; odds or rate
        ratios for the binomial and Poisson families, differences for the Gaussian) and
        ``usable``, one per replicate.
    """
    from .estimators.regression.fastgee_batch import fit_fast_gee_batch

    columns = [outcome, exposure, *covariates]
    keep = frame[columns].notna().all(axis=1).to_numpy()
    data, batch = frame.loc[keep, columns].astype(float), np.asarray(batch)[keep]
    x = np.column_stack([np.ones(len(data)), data[[exposure, *covariates]].to_numpy()])
    out = {c: np.full(replicates, np.nan) for c in ("estimate", "ci_lower", "ci_upper",
                                                    "p_value")}
    usable = np.zeros(replicates, bool)
    if not len(data):
        return {**out, "usable": usable}
    fit = fit_fast_gee_batch(data[outcome].to_numpy(), x, frame.loc[keep, cluster].to_numpy(),
                             batch, family=family)  # type: ignore[arg-type]
    index = fit.batches.astype(int)
    levels = pd.Series(data[exposure].to_numpy()).groupby(batch).nunique().reindex(
        fit.batches).to_numpy()
    coef, se = fit.params[:, 1], fit.bse[:, 1]
    z = special.ndtri(1 - alpha / 2)
    link = np.exp if family in ("binomial", "poisson") else (lambda v: v)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out["estimate"][index] = link(coef)
        out["ci_lower"][index] = link(coef - z * se)
        out["ci_upper"][index] = link(coef + z * se)
        out["p_value"][index] = 2 * special.ndtr(-np.abs(coef / se))
    usable[index] = fit.converged & (levels == 2)
    return {**out, "usable": usable}


def width(low: Any, high: Any, scale: Scale) -> Any:
    """Interval width, on the log scale for ratios."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(high) - np.log(low) if scale == "ratio" else np.subtract(high, low)


def summarise(runs: pd.DataFrame, *, published: float, published_low: float,
              published_high: float, hits: np.ndarray | None, truth: float, scale: Scale,
              multiplier: float = 1.0) -> dict[str, float]:
    """The design-check numbers of one statistic (see :func:`bmecohort.reproduce.design_row`).

    ``hits`` (one per replicate, in ``runs`` order) overrides the interval-coverage rule,
    for values printed as a bound or a range; unusable replicates are misses either way.
    """
    total = len(runs)
    usable = runs["usable"].to_numpy()
    est = runs["estimate"].to_numpy() * multiplier
    low = runs["ci_lower"].to_numpy() * multiplier
    high = runs["ci_upper"].to_numpy() * multiplier
    with_interval = np.isfinite(low) & np.isfinite(high)
    if (usable & with_interval).any():  # an interval statistic: one without it is dropped
        usable = usable & with_interval
    compared = hits is not None or not math.isnan(published)
    if hits is None:
        with np.errstate(invalid="ignore"):
            hits = (low <= published) & (published <= high)
    hits = np.asarray(hits, bool) & usable
    n_usable = int(usable.sum())
    out = {"replicates": total, "dropped": (total - n_usable) / total if total else math.nan,
           "coverage": math.nan, "coverage_usable": math.nan, "median_estimate": math.nan,
           "ci_lower": math.nan, "ci_upper": math.nan, "median_p": math.nan,
           "bias": math.nan, "width_ratio": math.nan}
    if compared:
        out["coverage"] = float(hits.sum() / total)
        out["coverage_usable"] = float(hits.sum() / n_usable) if n_usable else math.nan
    if n_usable == 0:
        return out
    median = float(np.median(est[usable]))
    out["median_estimate"] = median
    out["ci_lower"], out["ci_upper"] = (float(np.median(x[usable])) for x in (low, high))
    p_values = runs["p_value"].to_numpy()[usable]
    if np.isfinite(p_values).any():
        out["median_p"] = float(np.nanmedian(p_values))
    if not math.isnan(truth):
        out["bias"] = median / truth - 1 if scale == "ratio" else median - truth
    if not (math.isnan(published_low) or math.isnan(published_high)):
        ratios = width(low[usable], high[usable], scale) / width(published_low, published_high,
                                                                 scale)
        if np.isfinite(ratios).any():
            out["width_ratio"] = float(np.nanmedian(ratios))
    return out
