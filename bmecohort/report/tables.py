"""Report tables built from results: participant flow and effect estimates ("Table 2")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .._columns import (
    CI_LOWER,
    CI_UPPER,
    CLUSTERED,
    ESTIMATE,
    EVENTS,
    N_CLUSTERS,
    P_VALUE,
    TERM,
    N,
)
from .._format import format_interval
from ..results import Accounting
from .document import ReportTable, Section

__all__ = ["effect_table", "estimate_table", "flow_table"]

SECTION = "section"
ANALYSIS = "analysis"


def _accountings(label: str, res: Any) -> list[tuple[str, Accounting]]:
    """The accounting rows of a result: its own, and those of its analyses that exclude more.

    A design's own accounting says how its analysis frame was built; an analysis of it is
    listed only when it excluded units itself (e.g. missing covariates, uninformative
    groups). The design's row is left out when it excluded nothing and its analyses did.
    """
    own = getattr(res, "accounting", None)
    own = own if isinstance(own, Accounting) else None
    inner = getattr(res, "results", None)
    inner = inner if isinstance(inner, Mapping) else {}
    excluding = []
    for name, sub in inner.items():
        acc = getattr(sub, "accounting", None)
        if isinstance(acc, Accounting) and acc.excluded and (
                own is None or (acc.n_used, acc.excluded) != (own.n_used, own.excluded)):
            excluding.append((f"{label}: {name}", acc))
    show_own = own is not None and bool(own.excluded or not excluding)
    return ([(label, own)] if own is not None and show_own else []) + excluding


def flow_table(sections: Sequence[Section]) -> ReportTable | None:
    """Participant flow: for every analysis, units in, each exclusion and its reason, used.

    Parameters
    ----------
    sections : sequence of Section
        Built sections; their ``results`` (anything with an ``accounting``) are listed.

    Returns
    -------
    ReportTable or None
        Columns ``Analysis, Unit, In, Excluded because, Excluded, Used, Events`` grouped by
        section (one row per exclusion reason), or None when no section ran an analysis.
    """
    rows: list[dict[str, Any]] = []
    for section in sections:
        for label, res in section.results:
            for name, acc in _accountings(label, res):
                reasons: list[tuple[str, int | None]] = list(acc.excluded) or [("", None)]
                for i, (reason, count) in enumerate(reasons):
                    first = i == 0
                    rows.append({
                        SECTION: section.title,
                        "Analysis": name if first else "",
                        "Unit": acc.unit if first else "",
                        "In": acc.n_rows if first else None,
                        "Excluded because": reason or ("none excluded" if first else ""),
                        "Excluded": count,
                        "Used": acc.n_used if first else None,
                        "Events": acc.events if first else None,
                    })
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    return ReportTable(
        frame, "Participant flow: units in each analysis, exclusions with reasons, units used",
        counts=("In", "Excluded", "Used", "Events"), group=SECTION,
        text=("Excluded because",),
        widths=("1.2fr", "auto", "auto", "1fr", "auto", "auto", "auto"),
        notes=("In: units the analysis was given (knees, persons, vertebral corners, bones, "
               "...); Used: units its estimate is computed from; Events: units with the "
               "outcome among those used. Exclusions are applied in the order listed.",))


def estimate_table(rows: pd.DataFrame, *, caption: str, label: str = "Term",
                   notes: Sequence[str] = ()) -> ReportTable:
    """A table of estimates from tidy summary rows.

    Parameters
    ----------
    rows : pandas.DataFrame
        A result's ``summary()``: the canonical columns ``term, estimate, ci_lower,
        ci_upper, p_value`` (``n``, ``events`` and ``analysis`` when present).
    caption : str
        The table's caption.
    label : str, default="Term"
        Header of the ``term`` column.
    notes : sequence of str, default=()
        Notes set under the table.

    Returns
    -------
    ReportTable
        Columns ``Analysis`` (when given), the term, ``Estimate``, ``95% CI``, ``p`` and the
        counts ``n``, ``Events`` (suppressed when small), each present when the rows have
        it.
    """
    frame = pd.DataFrame()
    if ANALYSIS in rows.columns:
        frame["Analysis"] = rows[ANALYSIS].astype(str).to_numpy()
    frame[label] = rows[TERM].astype(str).to_numpy() if TERM in rows else ""
    frame["Estimate"] = pd.to_numeric(rows[ESTIMATE], errors="coerce").to_numpy(float)
    frame["95% CI"] = [format_interval(a, b)
                       for a, b in zip(rows[CI_LOWER], rows[CI_UPPER], strict=True)]
    if P_VALUE in rows and rows[P_VALUE].notna().any():
        frame["p"] = pd.to_numeric(rows[P_VALUE], errors="coerce").to_numpy(float)
    for column, header in ((N, "n"), (EVENTS, "Events")):
        if column in rows and rows[column].notna().any():
            frame[header] = pd.to_numeric(rows[column], errors="coerce").to_numpy(float)
    return ReportTable(frame, caption, counts=("n", "Events"), notes=tuple(notes))


def effect_table(designs: Sequence[tuple[str, Any]]) -> ReportTable | None:
    """'Table 2': every design's estimates (crude, stratified, adjusted, clustered), grouped.

    Parameters
    ----------
    designs : sequence of (str, DesignResult)
        Heading and design result; the rows are each design's ``summary()``.

    Returns
    -------
    ReportTable or None
        Columns ``Analysis, Term, Estimate, 95% CI, p, n, Events, Clustered, Clusters``:
        ``Clustered`` is "yes" when the row's interval is cluster-robust (GEE or sandwich,
        persons as clusters), "no" when its units are independent, empty for rows without
        that record; ``Clusters`` counts the clusters of a clustered row. None when no
        design was given.
    """
    parts = []
    notes = []
    for heading, design in designs:
        summary = design.summary()
        part = pd.DataFrame({
            SECTION: heading,
            "Analysis": summary[ANALYSIS].astype(str).to_numpy(),
            "Term": summary[TERM].astype(str).to_numpy(),
            "Estimate": pd.to_numeric(summary[ESTIMATE], errors="coerce").to_numpy(float),
            "95% CI": [format_interval(a, b)
                       for a, b in zip(summary[CI_LOWER], summary[CI_UPPER], strict=True)],
            "p": pd.to_numeric(summary[P_VALUE], errors="coerce").to_numpy(float),
            "n": pd.to_numeric(summary[N], errors="coerce").to_numpy(float),
            "Events": pd.to_numeric(summary[EVENTS], errors="coerce").to_numpy(float),
            "Clustered": [_yes_no(v) for v in summary.get(CLUSTERED, [None] * len(summary))],
            "Clusters": pd.to_numeric(summary.get(N_CLUSTERS, pd.Series([None] * len(summary))),
                                      errors="coerce").to_numpy(float),
        })
        parts.append(part)
        methods = {str(a): getattr(r, "method", None) for a, r in design.results.items()}
        described = "; ".join(f"{a}: {m}" for a, m in methods.items() if m)
        notes.append(f"{heading}: {described}." if described else f"{heading}.")
    if not parts:
        return None
    frame = pd.concat(parts, ignore_index=True)
    return ReportTable(
        frame, "Effect estimates by design and analysis (Table 2)",
        counts=("n", "Events", "Clusters"), group=SECTION,
        widths=("auto", "1fr", "auto", "auto", "auto", "auto", "auto", "auto", "auto"),
        notes=("Estimates are odds ratios unless the design states otherwise; n and Events "
               "are the analysis's units and units with the outcome. Clustered: yes when "
               "the interval and test are cluster-robust (units within persons: GEE or the "
               "plain sandwich, no small-sample factor), no when every person contributes "
               "one unit; Clusters: the persons of a clustered row. Methods by analysis:",
               *notes))


def _yes_no(value: object) -> str:
    """``"yes"``/``"no"`` for a recorded clustering, ``""`` when none was recorded."""
    if value is None or pd.isna(value):
        return ""
    return "yes" if bool(value) else "no"
