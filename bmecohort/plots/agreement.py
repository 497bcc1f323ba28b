"""Bland-Altman plot: differences of two readers against their means, with the limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._style import DARK_GREY, PALETTE, new_axes, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["bland_altman_plot"]


@styled
def bland_altman_plot(
    result: Any, *, ax: Axes | None = None, units: str = "score", title: str | None = None
) -> Axes:
    """Scatter of differences against means, the bias and the limits of agreement.

    Parameters
    ----------
    result : BlandAltmanResult
        From :func:`bmecohort.bland_altman`; nothing is recomputed.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    units : str, default="score"
        Unit of the readings, for the axis labels (e.g. ``"mm3"``).
    title : str or None, default=None

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from bmecohort import bland_altman, bland_altman_plot
    >>> reads = pd.DataFrame({"a": [10.0, 12.0, 9.0, 15.0, 11.0],
    ...                       "b": [11.0, 12.5, 8.0, 15.5, 12.0]})
    >>> ax = bland_altman_plot(bland_altman(reads, rater_a="a", rater_b="b"), units="mm3")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('mean of a and b (mm3)', 'a - b (mm3)')
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    ax.scatter(result.means, result.differences, s=12, color=PALETTE[0], alpha=0.6,
               linewidths=0)
    level = round(100 * (1 - result.alpha))
    for value, label, style in ((result.bias, "bias", "-"),
                                (result.lower, f"{level}% limits of agreement", "--"),
                                (result.upper, None, "--")):
        ax.axhline(value, color=DARK_GREY if label != "bias" else PALETTE[1],
                   linestyle=style, linewidth=1, label=label)
    ax.set_xlabel(f"mean of {result.rater_a} and {result.rater_b} ({units})")
    ax.set_ylabel(f"{result.rater_a} - {result.rater_b} ({units})")
    ax.legend(loc="best", frameon=False)
    if title:
        ax.set_title(title)
    return ax
