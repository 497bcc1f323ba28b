"""Observed and expected prevalence of lesion states over time (a multi-state model's fit)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._style import PALETTE, new_axes, percent_axis, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["prevalence_fit_plot"]


@styled
def prevalence_fit_plot(result: Any, *, ax: Axes | None = None, time_unit: str = "years",
                        title: str | None = None) -> Axes:
    """Observed prevalence of each state (points) and the model's expectation (lines).

    Parameters
    ----------
    result : MultistateResult
        Its ``prevalence()`` table is drawn; nothing is refitted.
    ax : matplotlib.axes.Axes or None, default=None
    time_unit : str, default="years"
        Unit of the model's time, for the axis label.
    title : str or None, default=None

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = result.prevalence()
    ax = new_axes(ax)
    for i, (state, rows) in enumerate(table.groupby("state", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(rows["time"], rows["expected"], color=color, label=f"state {state}")
        ax.plot(rows["time"], rows["observed"], "o", color=color, markersize=4)
    ax.set_xlabel(f"time ({time_unit})")
    ax.set_ylabel("share of subjects (points observed, lines expected)")
    percent_axis(ax.yaxis)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax
