"""Power curve: simulated power by sample size, with Monte Carlo intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import CI_LOWER, CI_UPPER, N
from ..exceptions import AnalysisInputError
from ._style import DARK_GREY, PALETTE, new_axes, percent_axis, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["power_plot"]

POWER = "power"


def _power_table(result: Any) -> pd.DataFrame:
    if isinstance(result, pd.DataFrame):
        table = result
    elif isinstance(getattr(result, "table", None), pd.DataFrame):
        table = result.table
    elif hasattr(result, "summary"):
        table = result.summary()
    else:
        raise AnalysisInputError(
            f"power_plot: expected a power result or a DataFrame with columns {N}, {POWER}, "
            f"{CI_LOWER}, {CI_UPPER}; got {type(result).__name__}.")
    missing = [c for c in (N, POWER) if c not in table.columns]
    if missing:
        raise AnalysisInputError(
            f"power_plot: the table has no column(s) {missing}; it needs one row per sample "
            f"size with {N!r} and {POWER!r} (and {CI_LOWER!r}, {CI_UPPER!r} for intervals).")
    return table


@styled
def power_plot(
    result: Any,
    *,
    ax: Axes | None = None,
    target: float | None = 0.8,
    unit: str = "participants",
    title: str | None = None,
) -> Axes:
    """Power against sample size, one point per simulated size, with its interval.

    Parameters
    ----------
    result : power result or pandas.DataFrame
        One row per sample size with the columns ``n``, ``power`` and optionally
        ``ci_lower``, ``ci_upper`` (the Monte Carlo interval of the power); a result object
        exposing such a ``table`` (or ``summary()``) is accepted.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    target : float or None, default=0.8
        Draw a horizontal line at this power.
    unit : str, default="participants"
        What ``n`` counts, for the x-axis label.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from bmecohort import power_plot
    >>> table = pd.DataFrame({"n": [100, 200, 400], "power": [0.41, 0.68, 0.93],
    ...                       "ci_lower": [0.31, 0.58, 0.86], "ci_upper": [0.51, 0.77, 0.97]})
    >>> ax = power_plot(table, target=0.8)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Sample size (participants)', 'Power (%)')
    >>> plt.close(ax.figure)
    """
    table = _power_table(result).sort_values(N)
    n = table[N].to_numpy(float)
    power = table[POWER].to_numpy(float)
    ax = new_axes(ax)
    color = PALETTE[0]
    ax.plot(n, power, marker="o", color=color)
    if {CI_LOWER, CI_UPPER} <= set(table.columns):
        low = table[CI_LOWER].to_numpy(float)
        high = table[CI_UPPER].to_numpy(float)
        ok = np.isfinite(low) & np.isfinite(high)
        ax.fill_between(n[ok], low[ok], high[ok], color=color, alpha=0.18, linewidth=0)
    if target is not None:
        ax.axhline(target, color=DARK_GREY, linestyle="--", linewidth=0.8)
    ax.set_ylim(0, 1.02)
    percent_axis(ax.yaxis)
    ax.set_xlabel(f"Sample size ({unit})")
    ax.set_ylabel("Power (%)")
    if title:
        ax.set_title(title)
    return ax
