"""Sensitivity-analysis figures: the E-value bias plot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._format import format_number
from ._style import DARK_GREY, PALETTE, new_axes, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["evalue_plot"]


def _curve(rr: float, upto: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (RR_EU, RR_UD) whose bias factor RR_EU*RR_UD/(RR_EU+RR_UD-1) equals ``rr``."""
    rr_eu = np.geomspace(rr * (1 + 1e-3), upto, 400)
    return rr_eu, rr * (rr_eu - 1) / (rr_eu - rr)


@styled
def evalue_plot(result: Any, *, ax: Axes | None = None) -> Axes:
    """Confounder associations that would explain an estimate (and its interval) away.

    Every point on a curve is a pair of risk ratios, confounder-exposure (x) and
    confounder-outcome (y), whose joint bias factor moves the estimate (solid) or the
    confidence limit nearer the null (dashed) to the null; the E-value is where the curve
    meets the diagonal (Ding and VanderWeele 2016).

    Parameters
    ----------
    result : EValueResult
        From :func:`bmecohort.evalue` or a result's ``.evalue()``.
    ax : matplotlib Axes or None, default=None
        Where to draw; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bmecohort import evalue
    >>> ax = evalue_plot(evalue(3.9, 1.8, 8.7))
    >>> len(ax.get_lines()) > 0
    True
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax, figsize=(4.5, 4.5))
    e_point = float(result.evalue)
    upto = max(4 * e_point, 5.0) if np.isfinite(e_point) else 10.0
    shown = [(e_point, "estimate", "-")]
    if np.isfinite(result.evalue_ci) and result.evalue_ci > 1:
        shown.append((float(result.evalue_ci), "confidence limit", "--"))
    for e_value, label, style in shown:
        if not np.isfinite(e_value) or e_value <= 1:
            continue
        rr = e_value ** 2 / (2 * e_value - 1)  # the risk ratio whose E-value this is
        x, y = _curve(rr, upto)
        keep = y <= upto
        ax.plot(x[keep], y[keep], style, color=PALETTE[0],
                label=f"{label}: E-value {format_number(e_value)}")
        ax.plot([e_value], [e_value], "o", color=PALETTE[1])
    ax.plot([1, upto], [1, upto], ":", color=DARK_GREY, linewidth=0.8)
    ax.set_xlim(1, upto)
    ax.set_ylim(1, upto)
    ax.set_xlabel("confounder-exposure risk ratio")
    ax.set_ylabel("confounder-outcome risk ratio")
    ax.set_title(f"{result.term}: confounding that would explain it away")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right")
    return ax
