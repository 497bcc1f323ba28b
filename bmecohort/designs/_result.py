"""The result of a document design: several analyses of one question, as one tidy table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .._columns import CLUSTERED, N_CLUSTERS, SUMMARY_COLUMNS_WITH_COUNTS, TERM
from ..course.readers import Reading
from ..results import Accounting, Result, result

__all__ = ["DesignResult", "ANALYSIS", "METHOD", "design_table"]

ANALYSIS = "analysis"
METHOD = "method"


@result
class DesignResult(Result):
    """Several analyses of one design (crude, stratified, adjusted, clustered...).

    Attributes
    ----------
    name : str
        The design function's name, e.g. ``"bml_pain_association"``.
    description : str
        A one-line description for tables and reports (also the display ``title``).
    table : pandas.DataFrame
        Tidy rows: ``analysis`` then the canonical columns term, estimate, ci_lower,
        ci_upper, p_value, n, events, then ``method``, ``clustered`` (whether the row's
        interval is cluster-robust; missing for descriptive rows), ``n_clusters`` (clusters
        of a clustered row) and any design-specific columns.
    results : mapping of str to Result
        The underlying estimator results by analysis label (``.raw`` fits live there).
    frame : pandas.DataFrame
        The analysis frame the design built (one row per unit), for further analyses.
    accounting : Accounting
        How the frame was built: units considered, used, and every exclusion with its reason.
    notes : tuple of str
        Definitions and assumptions (what the exposure and outcome are, skipped analyses).
    reading : Reading or None
        The reader policy of the lesion status the design used, with the unit-visits read
        by several readers and how many they disagreed on (None: no lesion status used).

    Examples
    --------
    >>> from bmecohort import bml_incidence_resolution
    >>> from bmecohort.simulate import knee_cohort
    >>> design = bml_incidence_resolution(knee_cohort(60, seed=1), definition="two-visit")
    >>> design.name, list(design.results)
    ('bml_incidence_resolution', ['incidence', 'resolution'])
    >>> list(design.summary().columns[:4])
    ['analysis', 'term', 'estimate', 'ci_lower']
    >>> round(design.result("incidence").estimate, 3)
    0.115
    """

    name: str
    description: str
    table: pd.DataFrame
    results: Mapping[str, Result]
    frame: pd.DataFrame
    accounting: Accounting
    notes: tuple[str, ...] = ()
    reading: Reading | None = None

    @property
    def title(self) -> str:
        """Display title: the description."""
        return self.description

    def summary(self) -> pd.DataFrame:
        """The tidy table of every analysis (see ``table``)."""
        return self.table

    def header(self) -> dict[str, object]:
        """Accounting and notes, for display."""
        out = super().header()
        if self.reading is not None:
            out.update(self.reading.header())
        for i, note in enumerate(self.notes, start=1):
            out[f"note {i}"] = note
        return out

    def result(self, analysis: str) -> Result:
        """The estimator result of one analysis, by label."""
        try:
            return self.results[analysis]
        except KeyError:
            raise KeyError(f"no analysis {analysis!r}; analyses are {list(self.results)}"
                           ) from None

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of the analyses (:func:`bmecohort.plots.forest_plot`).

        A design whose only result is a lesion course draws the course; descriptive rows
        (proportions, medians) are left out of the forest plot.
        """
        from ..course import LesionCourse
        from ..plots import forest_plot

        results = list(self.results.values())
        if len(results) == 1 and isinstance(results[0], LesionCourse):
            return results[0].plot(ax=ax, **kwargs)
        if (~self.table[ANALYSIS].isin(list(self.results))).any():
            return forest_plot(dict(self.results), ax=ax, **kwargs)
        return forest_plot(self, ax=ax, **kwargs)


def design_table(parts: Iterable[tuple[str, Result, Sequence[str] | None]],
                 *, extra: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Stack the summaries of ``(analysis, result, terms)``; ``terms=None`` keeps all rows.

    Each row gets its analysis label, the result's ``method`` and, from its accounting,
    ``clustered`` and ``n_clusters``. ``extra`` maps an analysis label to a ready-made frame
    with the canonical columns (descriptive rows).
    """
    frames = []
    for analysis, res, terms in parts:
        summary = res.summary()
        if terms is not None:
            summary = summary[summary[TERM].isin(list(terms))]
        summary = summary.copy()
        summary.insert(0, ANALYSIS, analysis)
        summary[METHOD] = getattr(res, "method", None)
        accounting = getattr(res, "accounting", None)
        clustered = accounting.clustered if isinstance(accounting, Accounting) else None
        summary[CLUSTERED] = clustered
        summary[N_CLUSTERS] = (accounting.n_clusters if clustered and accounting is not None
                               else None)
        frames.append(summary)
    for analysis, frame in (extra or {}).items():
        frame = frame.copy()
        frame.insert(0, ANALYSIS, analysis)
        frames.append(frame)
    columns = [ANALYSIS, *SUMMARY_COLUMNS_WITH_COUNTS, METHOD, CLUSTERED, N_CLUSTERS]
    # All-missing columns (an absent p-value, a stratum column other rows lack) would decide
    # the stacked dtype; drop them and let the concatenation fill the gaps.
    frames = [f.dropna(axis=1, how="all") for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    for column in columns:
        if column not in table.columns:
            table[column] = None
    return table[columns + [c for c in table.columns if c not in columns]]
