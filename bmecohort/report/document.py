"""The report's building blocks and their Typst rendering: text, tables, figures, sections.

Everything a user controls (ids, column names, labels, file paths) reaches Typst only as a
string literal (``"..."`` with ``\\`` and ``"`` escaped), so no character of it is read as
markup. Tables are real Typst tables (text), figures are SVG files next to the document.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._format import format_count, format_number, format_p
from .smallcells import redact

__all__ = [
    "Figure",
    "Paragraph",
    "ReportTable",
    "Section",
    "Subheading",
    "TableCells",
    "render_section",
    "suppress_counts",
    "table_cells",
    "typst_string",
]


def typst_string(text: object) -> str:
    """``text`` as a Typst string literal: safe in code and, after ``#``, in markup.

    Examples
    --------
    >>> typst_string('knee "R" #1 \\\\ $x$')
    '"knee \\\\"R\\\\" #1 \\\\\\\\ $x$"'
    """
    escaped = (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def suppress_counts(frame: pd.DataFrame, columns: Sequence[str], *,
                    suppress_below: int | None) -> tuple[pd.DataFrame, int]:
    """Replace counts ``0 < n < suppress_below`` in ``columns`` by the text ``"<k"``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table for display; never modified.
    columns : sequence of str
        The columns holding counts of persons or units (absent ones are ignored).
    suppress_below : int or None
        The threshold ``k``; None disables suppression.

    Returns
    -------
    table : pandas.DataFrame
        A copy with the count columns as text (``""`` for missing counts).
    suppressed : int
        How many cells were replaced.

    Notes
    -----
    Zero counts are shown: cohort data agreements restrict small non-zero cells, which could
    identify a person; a zero identifies no one. Estimates (proportions, ratios, intervals)
    are left as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> table, n = suppress_counts(pd.DataFrame({"n": [0, 3, 12]}), ["n"], suppress_below=5)
    >>> table["n"].tolist(), n
    (['0', '<5', '12'], 1)
    """
    out = frame.copy()
    suppressed = 0
    for column in columns:
        if column not in out.columns:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        if suppress_below is not None:
            suppressed += int(((values > 0) & (values < suppress_below)).sum())
        out[column] = [format_count(v, suppress_below) for v in out[column].tolist()]
    return out, suppressed


@dataclass(frozen=True)
class Paragraph:
    """Plain text (escaped); ``emphasis=True`` sets it in italics, as a note."""

    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class Subheading:
    """A level-2 heading inside a section."""

    text: str


@dataclass(frozen=True)
class Figure:
    """An SVG figure: ``name`` is its file name in the build folder (``<name>.svg``)."""

    name: str
    svg: bytes
    caption: str
    width: str = "100%"


@dataclass(frozen=True)
class ReportTable:
    """A table for the report: display frame, caption, which columns are counts, notes.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to show, in order; column names are the headers. Numbers are formatted at
        rendering: counts (``counts``) as integers, ``p_value`` with
        :func:`~bmecohort._format.format_p`, other floats with ``decimals``
        (:func:`~bmecohort._format.format_number`).
    caption : str
        Caption, set above the table.
    counts : tuple of str, default=()
        Columns holding counts of persons or units: small counts are suppressed there.
    notes : tuple of str, default=()
        Notes set under the table.
    decimals : int, default=2
        Decimals of non-count floats.
    suppressed : int, default=0
        Cells the table's builder already suppressed (composite cells such as ``n (%)``).
    widths : tuple of str or None, default=None
        Typst column widths (e.g. ``("auto", "1fr")``); default ``auto`` for every column.
    group : str or None, default=None
        A column whose value, when it changes, is set as a full-width bold row above the
        rows it heads (the column itself is not shown).
    text : tuple of str, default=()
        Columns of free text from analyses or data (exclusion reasons, warnings): small
        counts quoted in them are redacted (:func:`~bmecohort.report.smallcells.redact`).
    """

    frame: pd.DataFrame
    caption: str
    counts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    decimals: int = 2
    suppressed: int = 0
    widths: tuple[str, ...] | None = None
    group: str | None = None
    text: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A report section: its blocks, or the reason it was skipped.

    Parameters
    ----------
    key : str
        Identifier (also the Typst label, ``<sec:key>``).
    title : str
        Heading.
    blocks : tuple of Paragraph, Subheading, ReportTable or Figure
        Content, in order.
    skipped : str or None, default=None
        Why the section has no content (shown instead of it).
    results : tuple of (str, object)
        The analyses the section ran (results, or anything with an ``accounting``), by
        label, for the participant flow.
    caveats : tuple of str
        Warnings the analyses issued, listed at the end of the section.
    """

    key: str
    title: str
    blocks: tuple[Paragraph | Subheading | ReportTable | Figure, ...] = ()
    skipped: str | None = None
    results: tuple[tuple[str, Any], ...] = ()
    caveats: tuple[str, ...] = field(default=())


def _cell(value: Any, column: str, decimals: int) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in ("p_value", "p"):
        return format_p(value)
    if isinstance(value, int):
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if (math.isfinite(number) and number == round(number) and abs(number) < 1e15
            and column.startswith(("n", "events"))):
        return format_count(number)
    return format_number(number, decimals)


def _is_numeric(series: pd.Series) -> bool:
    values = [v for v in series.tolist() if v is not None and v is not pd.NA and v != ""]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                or (isinstance(v, str) and v.startswith("<")
                                    and v[1:].isdigit()) for v in values)


@dataclass(frozen=True)
class TableCells:
    """A :class:`ReportTable` as the text of its cells, suppressed and formatted: what the
    PDF shows, and what :func:`~bmecohort.report.export.export_table` writes.

    Attributes
    ----------
    caption : str
    columns : list of str
        Headers (the ``group`` column removed).
    rows : list of list of str
        Cell text, row by row.
    groups : list of str or None
        Each row's group heading (``ReportTable.group``), or None.
    numeric : list of bool
        Columns set right-aligned (numbers and suppressed counts).
    counts : list of bool
        Count columns (``ReportTable.counts``): their cells are counts or ``"<k"``.
    notes : list of str
        The table's notes, then the suppression note when cells were suppressed.
    suppressed : int
        Cells shown as ``"<k"``.
    """

    caption: str
    columns: list[str]
    rows: list[list[str]]
    groups: list[str] | None
    numeric: list[bool]
    counts: list[bool]
    notes: list[str]
    suppressed: int


def table_cells(table: ReportTable, suppress_below: int | None) -> TableCells:
    """The cells of ``table`` as text, small counts suppressed and free text redacted."""
    frame, suppressed = suppress_counts(table.frame, table.counts,
                                        suppress_below=suppress_below)
    suppressed += table.suppressed
    for column in table.text:
        if column in frame.columns:
            frame[column] = [v if not isinstance(v, str) else redact(v, suppress_below)
                             for v in frame[column].tolist()]
    groups = ([str(g) for g in frame.pop(table.group).tolist()]
              if table.group is not None else None)
    columns = [str(c) for c in frame.columns]
    numeric = [_is_numeric(frame[c]) for c in frame.columns]
    rows = [[_cell(v, str(c), table.decimals) for v, c in zip(row, columns, strict=True)]
            for row in frame.itertuples(index=False)]
    notes = list(table.notes)
    if suppressed and suppress_below is not None:
        notes.append(f"Counts from 1 to {suppress_below - 1} are shown as \"<{suppress_below}\" "
                     f"(small-cell protection; {suppressed} cell(s)). Estimates are shown "
                     f"unchanged.")
    return TableCells(caption=table.caption, columns=columns, rows=rows, groups=groups,
                      numeric=numeric, counts=[c in table.counts for c in columns],
                      notes=notes, suppressed=suppressed)


def render_table(table: ReportTable, suppress_below: int | None) -> tuple[str, int]:
    """Typst source of ``table`` (a ``figure`` of kind table) and the cells suppressed."""
    cells = table_cells(table, suppress_below)
    columns, groups = cells.columns, cells.groups
    align = ", ".join("right" if n else "left" for n in cells.numeric)
    widths = table.widths or tuple("auto" for _ in columns)
    header = ", ".join(f"strong({typst_string(c)})" for c in columns)
    body = []
    previous: object = object()
    for i, row in enumerate(cells.rows):
        if groups is not None and groups[i] != previous:
            previous = groups[i]
            body.append(f"    table.cell(colspan: {len(columns)}, inset: (top: 5pt), "
                        f"strong({typst_string(groups[i])})),")
        body.append("    " + ", ".join(typst_string(v) for v in row) + ",")
    rows = "\n".join(body)
    figure = (
        f"figure(kind: table, caption: [#{typst_string(table.caption)}],\n"
        f"  table(columns: ({', '.join(widths)},), align: ({align},),\n"
        f"    table.hline(stroke: 0.8pt),\n"
        f"    table.header({header}),\n"
        f"    table.hline(stroke: 0.5pt),\n{rows}\n"
        f"    table.hline(stroke: 0.8pt),\n  ))"
    )
    if cells.notes:
        figure += "\n#table-notes(" + ", ".join(typst_string(n) for n in cells.notes) + ")"
    # a short table stays on one page with its caption and notes; a long one may break
    # across pages (its header row repeats)
    if len(body) > 40:
        source = f"#[#show figure: set block(breakable: true)\n#{figure}]\n"
    else:
        source = f"#block(breakable: false, width: 100%)[#{figure}]\n"
    return source + "\n", cells.suppressed


def render_figure(figure: Figure) -> str:
    """Typst source placing ``<name>.svg`` with its caption."""
    return (f"#figure(image({typst_string(figure.name + '.svg')}, width: {figure.width}),\n"
            f"  caption: [#{typst_string(figure.caption)}])\n\n")


def render_paragraph(paragraph: Paragraph) -> str:
    """Typst source of a paragraph of plain text."""
    text = f"#{typst_string(paragraph.text)}"
    return (f"#emph[{text}]\n\n" if paragraph.emphasis else f"{text}\n\n")


def render_section(section: Section, suppress_below: int | None) -> tuple[str, int]:
    """Typst source of a section (heading, blocks or skip note, caveats) and cells suppressed."""
    out = [f"= #{typst_string(section.title)} <sec:{section.key}>\n\n"]
    suppressed = 0
    if section.skipped is not None:  # reasons and caveats quote analyses: redacted again
        out.append(f"#skipped({typst_string(redact(section.skipped, suppress_below))})\n\n")
    for block in section.blocks:
        if isinstance(block, ReportTable):
            source, n = render_table(block, suppress_below)
            suppressed += n
            out.append(source)
        elif isinstance(block, Figure):
            out.append(render_figure(block))
        elif isinstance(block, Subheading):
            out.append(f"== #{typst_string(block.text)}\n\n")
        else:
            out.append(render_paragraph(block))
    if section.caveats:
        out.append("#caveats(" + ", ".join(typst_string(redact(c, suppress_below))
                                           for c in section.caveats) + ")\n\n")
    return "".join(out), suppressed
