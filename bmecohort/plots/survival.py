"""Time-to-event curves with their intervals and a numbers-at-risk table under the axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, ESTIMATE
from .._format import format_count
from ..exceptions import AnalysisInputError
from ._style import PALETTE, new_axes, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["at_risk_counts", "survival_plot"]

TIME = "time"
AT_RISK = "at_risk"
CENSORED = "censored"
EVENTS = "events"


def _curves(results: Any) -> list[tuple[str, Any]]:
    if isinstance(results, Mapping):
        return [(str(k), v) for k, v in results.items()]
    if isinstance(results, Sequence) and not isinstance(results, str):
        return [(str(getattr(r, "label", f"curve {i + 1}")), r) for i, r in enumerate(results)]
    return [(str(getattr(results, "label", "")), results)]


def _table(result: Any) -> pd.DataFrame:
    table = getattr(result, "table", None)
    if not isinstance(table, pd.DataFrame) or not {TIME, ESTIMATE} <= set(table.columns):
        raise AnalysisInputError(
            f"survival_plot: expected a curve result (kaplan_meier, aalen_johansen or a "
            f"turnbull interval_censored result) with a .table holding {TIME!r} and "
            f"{ESTIMATE!r}, got {type(result).__name__}.")
    return table


def at_risk_counts(result: Any, times: Sequence[float] | np.ndarray) -> np.ndarray:
    """Numbers at risk at ``times``, read off a curve's table (``at_risk`` column).

    The number at risk at ``t`` is the risk set of the first tabulated time at or after
    ``t`` (units still under observation just before it); 0 after the last time.
    """
    table = _table(result)
    if AT_RISK not in table.columns:
        raise AnalysisInputError(f"{type(result).__name__}.table has no {AT_RISK!r} column.")
    grid = table[TIME].to_numpy(float)
    counts = table[AT_RISK].to_numpy(float)
    index = np.searchsorted(grid, np.asarray(times, dtype=float), side="left")
    padded = np.append(counts, 0.0)
    return padded[np.minimum(index, len(grid))]


def _is_incidence(result: Any) -> bool:
    return ("cumulativeincidence" in type(result).__name__.lower()
            or str(getattr(result, "method", "")) == "aalen-johansen")


@styled
def survival_plot(
    results: Any,
    *,
    ax: Axes | None = None,
    ci: bool = True,
    at_risk: bool = True,
    at_risk_times: Sequence[float] | None = None,
    censor_marks: bool = False,
    suppress_below: int | None = None,
    xlabel: str = "Months from baseline",
    ylabel: str | None = None,
    title: str | None = None,
) -> Axes:
    """Step curves of survival (Kaplan-Meier) or cumulative incidence (Aalen-Johansen).

    Parameters
    ----------
    results : result, sequence or mapping of results
        :class:`~bmecohort.estimators.survival.kaplan_meier.KaplanMeierResult`,
        :class:`~bmecohort.estimators.survival.competing.CumulativeIncidenceResult` or a Turnbull
        :class:`~bmecohort.estimators.survival.interval_fits.IntervalCensoredResult`; a mapping
        ``label -> result`` names the curves. The curves are drawn from each result's
        ``table`` as they are.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    ci : bool, default=True
        Shade the pointwise confidence intervals (where the result has them).
    at_risk : bool, default=True
        Write the numbers at risk under the axis (curves with an ``at_risk`` column).
    at_risk_times : sequence of float or None, default=None
        Times of the numbers at risk; default the x-axis ticks.
    censor_marks : bool, default=False
        Mark times with censoring and no event with a small vertical tick.
    suppress_below : int or None, default=None
        Write numbers at risk below this as ``"<k"`` (small-cell protection).
    xlabel : str, default="Months from baseline"
        x-axis label (with its unit).
    ylabel : str or None, default=None
        y-axis label; default "Survival probability" or "Cumulative incidence".
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Notes
    -----
    With visits months apart, an event is only known to lie between two visits (interval
    censoring); a Kaplan-Meier curve drawn from the midpoint or upper-bound convention of
    :func:`~bmecohort.estimators.survival.event_times.time_to_event` shows that convention, not the
    exact times. Say which in the caption.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from bmecohort import kaplan_meier, survival_plot
    >>> knees = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24], "event": [1, 1, 0, 1, 0, 0]})
    >>> ax = survival_plot({"all knees": kaplan_meier(knees, duration="months", event="event")})
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Months from baseline', 'Survival probability')
    >>> plt.close(ax.figure)
    """
    curves = _curves(results)
    tables = [_table(r) for _, r in curves]
    ax = new_axes(ax, figsize=(6.4, 3.2 + (0.16 * len(curves) + 0.3 if at_risk else 0)))
    t_max = max(float(t[TIME].max()) for t in tables)
    for i, ((label, _result), table) in enumerate(zip(curves, tables, strict=True)):
        color = PALETTE[i % len(PALETTE)]
        time = table[TIME].to_numpy(float)
        estimate = table[ESTIMATE].to_numpy(float)
        keep = np.isfinite(estimate)
        ax.step(time[keep], estimate[keep], where="post", color=color, label=label or None)
        if ci and {CI_LOWER, CI_UPPER} <= set(table.columns):
            low = table[CI_LOWER].to_numpy(float)
            high = table[CI_UPPER].to_numpy(float)
            band = keep & np.isfinite(low) & np.isfinite(high)
            ax.fill_between(time[band], low[band], high[band], step="post", color=color,
                            alpha=0.18, linewidth=0)
        if censor_marks and {CENSORED, EVENTS} <= set(table.columns):
            marks = keep & (table[CENSORED].to_numpy() > 0) & (table[EVENTS].to_numpy() == 0)
            ax.plot(time[marks], estimate[marks], linestyle="none", marker="|", color=color,
                    markersize=6)
    ax.set_xlim(0, t_max * 1.02 if t_max > 0 else 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    if ylabel is None:
        ylabel = ("Cumulative incidence" if all(_is_incidence(r) for _, r in curves)
                  else "Survival probability")
    ax.set_ylabel(ylabel)
    if len(curves) > 1 or (curves[0][0] and len(curves) == 1 and isinstance(results, Mapping)):
        ax.legend(loc="best")
    if at_risk:
        _risk_table(ax, curves, t_max, at_risk_times, suppress_below)
    if title:
        ax.set_title(title)
    return ax


def _risk_table(ax: Axes, curves: list[tuple[str, Any]], t_max: float,
                times: Sequence[float] | None, suppress_below: int | None) -> None:
    """Numbers at risk in rows under the x axis, one row per curve, coloured like it."""
    with_counts = [(i, label, r) for i, (label, r) in enumerate(curves)
                   if AT_RISK in _table(r).columns]
    if not with_counts:
        return
    at = np.asarray([t for t in ax.get_xticks() if 0 <= t <= t_max * 1.0001]
                    if times is None else times, dtype=float)
    first = -38.0
    step = -11.0
    ax.annotate("Number at risk", xy=(0, 0), xycoords="axes fraction",
                xytext=(-16, first), textcoords="offset points", ha="right", va="top",
                fontsize=8, fontweight="bold", annotation_clip=False)
    for row, (i, label, result) in enumerate(with_counts, start=1):
        color = PALETTE[i % len(PALETTE)]
        counts = at_risk_counts(result, at)
        y = first + step * row
        if len(with_counts) > 1 or label:
            ax.annotate(label, xy=(0, 0), xycoords="axes fraction", xytext=(-16, y),
                        textcoords="offset points", ha="right", va="top", fontsize=8,
                        color=color, annotation_clip=False)
        for t, count in zip(at, counts, strict=True):
            ax.annotate(format_count(count, suppress_below), xy=(t, 0),
                        xycoords=("data", "axes fraction"), xytext=(0, y),
                        textcoords="offset points", ha="center", va="top", fontsize=8,
                        color=color, annotation_clip=False)
