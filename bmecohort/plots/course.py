"""Lesion course figures: prevalence by visit, change classes per interval, course shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._columns import (
    CHANGE,
    CHANGE_CLASSES,
    CI_LOWER,
    CI_UPPER,
    ESTIMATE,
    EVENTS,
    TERM,
    VISIT_FROM,
    VISIT_TO,
    N,
)
from .._format import format_count
from ..exceptions import AnalysisInputError
from ._style import (
    CHANGE_COLORS,
    COURSE_COLORS,
    PALETTE,
    new_axes,
    percent_axis,
    styled,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["course_plot", "prevalence_plot", "transition_plot"]

#: Courses of units with a lesion at the first visit, and of units without one.
_WITH_LESION = ("persistent", "resolved", "relapsing")
_WITHOUT_LESION = ("absent", "incident")


def _summary(result: Any, required: tuple[str, ...], what: str) -> pd.DataFrame:
    if not hasattr(result, "summary"):
        raise AnalysisInputError(f"{what}: expected a bmecohort result with .summary(), got "
                                 f"{type(result).__name__}.")
    summary = result.summary()
    missing = [c for c in required if c not in summary.columns]
    if missing:
        raise AnalysisInputError(f"{what}: the summary of {type(result).__name__} has no "
                                 f"column(s) {missing}; pass the result named in the docstring.")
    return summary


@styled
def _arms(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Error-bar lengths below and above each estimate; never negative (matplotlib refuses
    them), even for an interval given by another estimator a rounding error off."""
    return np.clip(np.vstack([estimate - low, high - estimate]), 0.0, None)


def transition_plot(
    transitions: Any,
    *,
    ax: Axes | None = None,
    normalize: bool = True,
    classes: tuple[str, ...] | None = None,
    legend: bool = True,
    title: str | None = None,
) -> Axes:
    """Stacked bars of the change classes (none, incident, resolved, ...) per visit interval.

    Parameters
    ----------
    transitions : Transitions
        From :func:`bmecohort.transitions`; its ``summary()`` (class counts and shares per
        interval) is drawn as it is.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    normalize : bool, default=True
        Bars of shares of the units read at both visits (%); False: numbers of units.
    classes : tuple of str or None, default=None
        Change classes to stack, bottom first; default every class
        (``none, incident, resolved, progressed, regressed, stable``).
    legend : bool, default=True
        Draw a legend of the classes.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bmecohort import lesion_status, transition_plot, transitions
    >>> from bmecohort.simulate import knee_cohort
    >>> status = lesion_status(knee_cohort(60, seed=1), unit="knee")
    >>> ax = transition_plot(transitions(status, baseline=0, follow_up=24,
    ...                                  definition="two-visit"))
    >>> ax.get_ylabel()
    'Knees read at both visits (%)'
    >>> plt.close(ax.figure)
    """
    summary = _summary(transitions, (VISIT_FROM, VISIT_TO, CHANGE, ESTIMATE, EVENTS),
                       "transition_plot")
    classes = tuple(classes) if classes is not None else CHANGE_CLASSES
    unknown = sorted(set(classes) - set(CHANGE_COLORS))
    if unknown:
        raise AnalysisInputError(f"transition_plot: unknown change classes {unknown}; classes "
                                 f"are {list(CHANGE_CLASSES)}.")
    value = ESTIMATE if normalize else EVENTS
    table = summary.pivot_table(index=[VISIT_FROM, VISIT_TO], columns=CHANGE, values=value,
                                aggfunc="sum", observed=False).reindex(columns=list(classes))
    table = table.fillna(0.0).sort_index()
    ax = new_axes(ax)
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    width = 0.6 if len(table) > 1 else 0.4
    for change in classes:
        heights = table[change].to_numpy(float)
        ax.bar(x, heights, bottom=bottom, width=width, color=CHANGE_COLORS[change],
               label=change, edgecolor="white", linewidth=0.5)
        bottom += heights
    ax.set_xticks(x, [f"{a}\u2192{b}" for a, b in table.index])
    ax.set_xlabel("Visit interval (months from baseline)")
    unit = str(getattr(transitions, "unit", "unit"))
    if normalize:
        ax.set_ylim(0, 1)
        percent_axis(ax.yaxis)
        ax.set_ylabel(f"{unit.capitalize()}s read at both visits (%)")
    else:
        ax.set_ylabel(f"{unit.capitalize()}s (n)")
    ax.set_xlim(-0.8, len(table) - 0.2)
    if legend:
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], title="Change", loc="upper left",
                  bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title)
    return ax


@styled
def course_plot(
    course: Any,
    *,
    ax: Axes | None = None,
    baseline_present: bool = True,
    suppress_below: int | None = None,
    title: str | None = None,
) -> Axes:
    """Bars of the lesion courses over three or more visits, with Wilson intervals.

    Parameters
    ----------
    course : LesionCourse
        From :func:`bmecohort.lesion_course`; its ``summary()`` is drawn as it is.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    baseline_present : bool, default=True
        True: the courses of units with a lesion at the first visit (persistent, resolved,
        relapsing); False: of units without one (absent, incident).
    suppress_below : int or None, default=None
        Write counts below this number as ``"<k"`` in the bar labels.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bmecohort import course_plot, lesion_course, lesion_status
    >>> from bmecohort.simulate import knee_cohort
    >>> course = lesion_course(lesion_status(knee_cohort(60, seed=1), unit="knee"))
    >>> ax = course_plot(course)
    >>> ax.get_ylabel()
    'Knees with a lesion at month 0 (%)'
    >>> plt.close(ax.figure)
    """
    summary = _summary(course, (TERM, ESTIMATE, CI_LOWER, CI_UPPER, N, EVENTS,
                                "baseline_present"), "course_plot")
    terms = _WITH_LESION if baseline_present else _WITHOUT_LESION
    part = summary[summary["baseline_present"].astype(bool) == baseline_present]
    part = part.set_index(TERM).reindex(list(terms))
    ax = new_axes(ax)
    x = np.arange(len(terms))
    estimate = part[ESTIMATE].astype(float).fillna(0.0).to_numpy()
    low = part[CI_LOWER].astype(float).to_numpy()
    high = part[CI_UPPER].astype(float).to_numpy()
    ax.bar(x, estimate, width=0.6, color=[COURSE_COLORS[t] for t in terms], zorder=2)
    has_ci = np.isfinite(low) & np.isfinite(high)
    ax.errorbar(x[has_ci], estimate[has_ci],
                yerr=_arms(estimate, low, high)[:, has_ci],
                fmt="none", ecolor="#333333", elinewidth=1.0, zorder=3)
    tops = np.where(has_ci, high, estimate)
    for xi, ev, top in zip(x, part[EVENTS], tops, strict=True):
        shown = format_count(ev if ev == ev else 0, suppress_below)
        ax.annotate(f"n={shown}", xy=(xi, top), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8, color="#333333", zorder=4)
    ax.set_xticks(x, [t.capitalize() for t in terms])
    ax.set_ylim(0, 1)
    percent_axis(ax.yaxis)
    unit = str(getattr(course, "unit", "unit"))
    visits = tuple(getattr(course, "visits", ()) or ())
    first = f" at month {visits[0]}" if visits else ""
    totals = part[N].dropna()
    total = format_count(totals.iloc[0] if len(totals) else 0, suppress_below)
    state = "with" if baseline_present else "without"
    ax.set_ylabel(f"{unit.capitalize()}s {state} a lesion{first} (%)")
    span = f"months {', '.join(map(str, visits))}" if visits else "visits"
    ax.set_xlabel(f"Course over {span} (n = {total} {unit}s)")
    if title:
        ax.set_title(title)
    return ax


@styled
def prevalence_plot(
    status: Any,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Share of units with a lesion at each visit, with Wilson intervals.

    Parameters
    ----------
    status : LesionStatus or mapping of str to LesionStatus
        From :func:`bmecohort.lesion_status`; a mapping draws one labelled series each.
        Each status's ``summary()`` (prevalence per visit) is drawn as it is.
    ax : matplotlib.axes.Axes or None, default=None
        Axes to draw on; a new figure is made when None.
    title : str or None, default=None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from bmecohort import lesion_status, prevalence_plot
    >>> from bmecohort.simulate import knee_cohort
    >>> ax = prevalence_plot(lesion_status(knee_cohort(60, seed=1), unit="knee"))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Visit (months from baseline)', 'Knees with a lesion (%)')
    >>> plt.close(ax.figure)
    """
    series = dict(status) if isinstance(status, Mapping) else {None: status}
    ax = new_axes(ax)
    units = set()
    shift = 0.6 if len(series) > 1 else 0.0
    for i, (label, item) in enumerate(series.items()):
        summary = _summary(item, (TERM, ESTIMATE, CI_LOWER, CI_UPPER), "prevalence_plot")
        months = summary[TERM].astype(str).str.removeprefix("visit ").astype(float).to_numpy()
        months = months + shift * (i - (len(series) - 1) / 2)
        estimate = summary[ESTIMATE].astype(float).to_numpy()
        err = _arms(estimate, summary[CI_LOWER].astype(float).to_numpy(),
                    summary[CI_UPPER].astype(float).to_numpy())
        ax.errorbar(months, estimate, yerr=err, marker="o", color=PALETTE[i % len(PALETTE)],
                    label=label)
        units.add(str(getattr(item, "unit", "unit")))
    unit = units.pop() if len(units) == 1 else "unit"
    ax.set_xlabel("Visit (months from baseline)")
    ax.set_ylabel(f"{unit.capitalize()}s with a lesion (%)")
    ax.set_ylim(0, None)
    percent_axis(ax.yaxis)
    if len(series) > 1:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax
