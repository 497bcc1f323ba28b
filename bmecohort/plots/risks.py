"""Standardised risks: the risk under exposure and under no exposure, with intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._style import PALETTE, new_axes, percent_axis, styled

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["standardized_risk_plot"]


@styled
def standardized_risk_plot(result: Any, *, ax: Axes | None = None,
                           in_exposed: bool = True) -> Axes:
    """The two standardised risks (and, optionally, those among the exposed) with intervals.

    Parameters
    ----------
    result : StandardizedRisks
        From :func:`bmecohort.standardize`.
    ax : matplotlib Axes or None, default=None
        Where to draw; a new figure when ``None``.
    in_exposed : bool, default=True
        Also draw the risks standardised to the exposed (the effect on the treated).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from bmecohort import standardize
    >>> knees = pd.DataFrame({"bml": [1, 1, 0, 0, 1, 0] * 5,
    ...                       "progressed": [1, 0, 0, 1, 1, 0] * 3 + [0, 1, 0, 0, 1, 0] * 2})
    >>> ax = standardized_risk_plot(standardize(knees, outcome="progressed", exposure="bml",
    ...                                         cluster=None))
    >>> ax.has_data()
    True
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax, figsize=(4.5, 3.2))
    groups = [("study population", result.risk_exposed, result.risk_unexposed)]
    if in_exposed:
        groups.append(("the exposed", result.in_exposed["risk_exposed"],
                       result.in_exposed["risk_unexposed"]))
    width = 0.18
    for g, (_, exposed, unexposed) in enumerate(groups):
        for k, (name, m) in enumerate((("exposed", exposed), ("unexposed", unexposed))):
            x = g + (k - 0.5) * 2 * width
            ax.errorbar([x], [m.estimate], yerr=[[m.estimate - m.ci_lower],
                                                 [m.ci_upper - m.estimate]],
                        fmt="o", color=PALETTE[k], capsize=3,
                        label=f"if {name}" if g == 0 else None)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"standardised to\n{label}" for label, *_ in groups])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylim(bottom=0)
    percent_axis(ax.yaxis)
    ax.set_ylabel(f"risk of outcome (%), {100 * (1 - result.alpha):.0f}% CI")
    ax.set_title(f"{result.term}: standardised risks")
    ax.legend(loc="best")
    return ax
