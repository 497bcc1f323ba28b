"""Fitted mean trajectories of a mixed model over time, by exposure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import AnalysisInputError
from ._style import PALETTE, new_axes, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["trajectory_plot"]


@styled
def trajectory_plot(result: Any, *, ax: Axes | None = None, time: str | None = None,
                    units: str = "", title: str | None = None) -> Axes:
    """Population-average fitted outcome over ``time`` for exposure 0 and 1.

    Parameters
    ----------
    result : MixedModelResult
        Its fixed effects are drawn (other terms at 0); nothing is refitted.
    ax : matplotlib.axes.Axes or None, default=None
    time : str or None, default=None
        The time term; default the model's ``random_slope``.
    units : str, default=""
        Unit of the outcome, for the axis label.
    title : str or None, default=None

    Returns
    -------
    matplotlib.axes.Axes
    """
    time = time or result.random_slope
    coef = dict(zip(result.table["term"], result.table["estimate"], strict=True))
    if time is None or time not in coef:
        raise AnalysisInputError(
            "trajectory_plot: the model has no time term; pass time= (a numeric term, e.g. "
            "'years').")
    exposure = result.exposures[0]
    low, high = result.time_range if result.time_range is not None else (0.0, 1.0)
    grid = np.linspace(low, high, 25)
    ax = new_axes(ax)
    for level, color in ((0, PALETTE[0]), (1, PALETTE[1])):
        fitted = coef.get("(Intercept)", 0) + coef[time] * grid
        if level:
            fitted = fitted + coef.get(exposure, 0) + coef.get(f"{exposure}:{time}", 0) * grid \
                + coef.get(f"{time}:{exposure}", 0) * grid
        ax.plot(grid, fitted, color=color, label=f"{exposure} = {level}")
    ax.set_xlabel(time)
    ax.set_ylabel(f"fitted {result.outcome}" + (f" ({units})" if units else ""))
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax
