"""Figures as functions of results: ``f(result, *, ax=None, ...) -> Axes``.

Every function draws what a result already holds (it never recomputes a statistic), never
calls ``show()`` or ``savefig``, imports pyplot only when called, makes a new figure with
``plt.subplots()`` when no Axes is given, and applies the package style
(``bmecohort.mplstyle``: Okabe-Ito colours, labelled axes with units) only for the duration of
the call. Result objects' ``.plot(ax=None)`` methods delegate here.
"""

from __future__ import annotations

from ._style import CHANGE_COLORS, COURSE_COLORS, OKABE_ITO, PALETTE, STYLE_FILE, plot_style
from .agreement import bland_altman_plot
from .course import course_plot, prevalence_plot, transition_plot
from .forest import forest_frame, forest_plot
from .power import power_plot
from .survival import at_risk_counts, survival_plot

__all__ = [
    "CHANGE_COLORS",
    "COURSE_COLORS",
    "OKABE_ITO",
    "PALETTE",
    "STYLE_FILE",
    "at_risk_counts",
    "bland_altman_plot",
    "course_plot",
    "forest_frame",
    "forest_plot",
    "plot_style",
    "power_plot",
    "prevalence_plot",
    "survival_plot",
    "transition_plot",
]
