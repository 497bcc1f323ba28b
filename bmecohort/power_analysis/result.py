"""The result of a simulation-based power analysis: one row per sample size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, N
from ..results import Result, result

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["PowerResult", "POWER_COLUMNS", "REPLICATE_COLUMNS", "summarise"]

POWER = "power"
COVERAGE = "coverage"
MEAN_ESTIMATE = "mean_estimate"
MEDIAN_ESTIMATE = "median_estimate"
REPLICATES = "replicates"
FAILED = "failed"
FAILURE_REASONS = "failure_reasons"
UNITS, CLUSTERS, EVENTS = "units", "clusters", "events"
REPLICATE = "replicate"
SEED = "seed"
REASON = "reason"

#: Columns of :meth:`PowerResult.summary`, in order.
POWER_COLUMNS: tuple[str, ...] = (N, POWER, CI_LOWER, CI_UPPER, COVERAGE, MEAN_ESTIMATE,
                                  MEDIAN_ESTIMATE, REPLICATES, FAILED, FAILURE_REASONS, UNITS,
                                  CLUSTERS, EVENTS)
#: Columns of :attr:`PowerResult.replicates`: one row per replicate.
REPLICATE_COLUMNS: tuple[str, ...] = (N, REPLICATE, SEED, ESTIMATE, CI_LOWER, CI_UPPER,
                                      P_VALUE, UNITS, CLUSTERS, EVENTS, REASON)
#: Monte Carlo interval of the power: Wilson score interval at this level.
MC_LEVEL = 0.95


@result
class PowerResult(Result):
    """Simulated power, interval coverage and estimates by sample size.

    Attributes
    ----------
    design : str
        The design's name (a built-in name, or the callable's ``__name__``).
    effect : float
        The true effect every replicate simulates (the truth for coverage).
    n_grid : tuple of int
        Sample sizes simulated (what ``n`` counts is ``unit``).
    n_replicates : int
        Replicates per sample size.
    seed : int
        Seed of the whole analysis; replicate seeds are spawned from it.
    alpha : float
        Significance level: a replicate rejects the null when ``p_value < alpha``.
    table : pandas.DataFrame
        The per-sample-size table returned by :meth:`summary`.
    replicates : pandas.DataFrame
        One row per replicate: ``n, replicate, seed, estimate, ci_lower, ci_upper, p_value,
        units, clusters, events, reason`` (``reason`` says why a fit failed; its estimate
        columns are then missing).
    method : str
        How each replicate was simulated and analysed.
    unit : str
        What ``n`` counts (``"participants"`` for the built-in designs).
    options : mapping of str to object
        The design options used (defaults filled for the built-in designs).
    warnings : tuple of str
        Caveats: failed fits by sample size.

    Examples
    --------
    >>> from bmecohort import power
    >>> result = power("knee_pain", effect=2.0, n_grid=[60, 80], replicates=2, seed=1)
    >>> type(result).__name__, result.n_grid, result.n_replicates
    ('PowerResult', (60, 80), 2)
    >>> list(result.summary().columns[:4])
    ['n', 'power', 'ci_lower', 'ci_upper']
    >>> result.summary()["replicates"].tolist()
    [2, 2]
    """

    design: str
    effect: float
    n_grid: tuple[int, ...]
    n_replicates: int
    seed: int
    alpha: float
    table: pd.DataFrame
    replicates: pd.DataFrame
    method: str
    unit: str = "participants"
    options: Mapping[str, Any] | None = None
    warnings: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """Display title."""
        return f"PowerResult: {self.design}, effect {self.effect:g}"

    def header(self) -> dict[str, object]:
        """How the power was simulated."""
        out: dict[str, object] = {"method": self.method, "alpha": self.alpha,
                                  "effect (truth)": self.effect, "n counts": self.unit,
                                  "replicates per n": self.n_replicates, "seed": self.seed}
        for key, value in (self.options or {}).items():
            out[f"option {key}"] = value
        for i, message in enumerate(self.warnings, start=1):
            out[f"warning {i}"] = message
        return out

    def summary(self) -> pd.DataFrame:
        """One row per sample size.

        Columns: ``n``; ``power`` (replicates with ``p_value < alpha`` over all replicates,
        failed fits counting as not rejecting); ``ci_lower``, ``ci_upper`` (95% Wilson
        interval of the power, the Monte Carlo error); ``coverage`` (share of successful
        fits whose interval contains the true effect); ``mean_estimate``,
        ``median_estimate`` (over successful fits); ``replicates``; ``failed`` (fits that
        failed) and ``failure_reasons`` (``"reason: count"``, ``;``-separated); ``units``,
        ``clusters``, ``events`` (mean analysed units, clusters and events per successful
        replicate, when the design reports them).
        """
        return self.table.copy()

    def required_n(self, target: float = 0.8) -> int | None:
        """The smallest simulated ``n`` whose power reaches ``target`` (None if none does)."""
        reached = self.table.loc[self.table[POWER] >= target, N]
        return int(reached.min()) if len(reached) else None

    def plot(self, ax: Axes | None = None) -> Axes:  # type: ignore[override]  # no plot options
        """The power curve with its Monte Carlo band (:func:`bmecohort.plots.power_plot`)."""
        from ..plots import power_plot

        return power_plot(self.table, ax=ax, unit=self.unit,
                          title=f"{self.design}: effect {self.effect:g}")


def summarise(replicates: pd.DataFrame, *, n_grid: tuple[int, ...], effect: float,
              alpha: float) -> pd.DataFrame:
    """The per-sample-size table of :class:`PowerResult` from the replicate rows."""
    from ..estimators.occurrence.proportions import proportion

    rows = []
    for n in n_grid:
        part = replicates[replicates[N] == n]
        ok = part[part[REASON].isna()]
        rejected = int((ok[P_VALUE] < alpha).sum())
        share = proportion(rejected, len(part), alpha=1 - MC_LEVEL, method="wilson")
        lower, upper = share.ci_lower, share.ci_upper  # within [0, 1], holding the power
        covered = ((ok[CI_LOWER] <= effect) & (effect <= ok[CI_UPPER])).mean() \
            if len(ok) else np.nan
        reasons = part[REASON].dropna().value_counts()
        rows.append({
            N: n, POWER: rejected / len(part), CI_LOWER: float(lower),
            CI_UPPER: float(upper), COVERAGE: float(covered),
            MEAN_ESTIMATE: float(ok[ESTIMATE].mean()) if len(ok) else np.nan,
            MEDIAN_ESTIMATE: float(ok[ESTIMATE].median()) if len(ok) else np.nan,
            REPLICATES: len(part), FAILED: int(len(part) - len(ok)),
            FAILURE_REASONS: "; ".join(f"{k}: {v}" for k, v in reasons.items()),
            UNITS: float(ok[UNITS].mean()) if len(ok) else np.nan,
            CLUSTERS: float(ok[CLUSTERS].mean()) if len(ok) else np.nan,
            EVENTS: float(ok[EVENTS].mean()) if len(ok) else np.nan,
        })
    return pd.DataFrame(rows, columns=list(POWER_COLUMNS))
