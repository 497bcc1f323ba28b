"""Tables for manuscripts: Table 1, Table 2 and any result's summary as DOCX, XLSX or LaTeX.

Every format is written from the same cells as the PDF (:func:`~bmecohort.report.document.
table_cells`): the same formatting, the same small-cell suppression and the same notes
(methods, suppression). Journal style: three rules (above and below the header, below the
body), notes under the table. Files are written atomically (a temporary file renamed into
place) and are the same bytes for the same table (fixed document dates).

DOCX and XLSX need the ``tables`` extra (``pip install bmecohort[tables]``: python-docx,
openpyxl); LaTeX needs nothing (``booktabs`` in the document's preamble).
"""

from __future__ import annotations

import datetime as _dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import write_bytes, write_text
from ..cli._common import spreadsheet_safe
from .document import ReportTable, TableCells, table_cells

__all__ = ["FORMATS", "export_table", "export_tables"]

#: File extensions and their writers' names.
FORMATS = (".docx", ".xlsx", ".tex")
#: Document date written into DOCX and XLSX properties, so the bytes do not depend on time.
FIXED_DATE = _dt.datetime(2000, 1, 1)
#: Columns of a plain DataFrame taken as counts (suppressed) when ``counts`` is not given.
COUNT_NAMES = ("n", "events", "n_clusters", "at_risk", "n_used", "n_rows", "excluded",
               "In", "Used", "Excluded", "Events")


def _as_report_table(obj: Any, counts: Sequence[str] | None, caption: str | None
                     ) -> ReportTable:
    """A ReportTable from a ReportTable, a ``(ReportTable, accounting)`` pair (Table 1), a
    result with ``summary()`` or a DataFrame."""
    from .tables import estimate_table

    if isinstance(obj, tuple) and obj and isinstance(obj[0], ReportTable):
        obj = obj[0]
    if isinstance(obj, ReportTable):
        table = obj
    elif isinstance(obj, pd.DataFrame):
        named = counts if counts is not None else [c for c in obj.columns
                                                   if str(c) in COUNT_NAMES
                                                   or str(c).startswith("n_")]
        table = ReportTable(obj, caption or "", counts=tuple(str(c) for c in named))
    elif callable(getattr(obj, "summary", None)):
        rows = obj.summary()
        if not isinstance(rows, pd.DataFrame):
            raise TypeError(f"{type(obj).__name__}.summary() did not return a DataFrame")
        label = caption or getattr(obj, "description", None) or type(obj).__name__
        method = getattr(obj, "method", None)
        table = estimate_table(rows, caption=str(label),
                               notes=(f"Method: {method}.",) if method else ())
    else:
        raise TypeError(f"export_table takes a ReportTable, a DataFrame or a result with "
                        f"summary(); got {type(obj).__name__}")
    if caption is not None and caption != table.caption:
        table = ReportTable(table.frame, caption, counts=table.counts, notes=table.notes,
                            decimals=table.decimals, suppressed=table.suppressed,
                            widths=table.widths, group=table.group, text=table.text)
    return table


def export_table(obj: Any, path: str | os.PathLike[str], *, suppress_below: int | None = 5,
                 counts: Sequence[str] | None = None, caption: str | None = None,
                 overwrite: bool = True) -> Path:
    """Write a table for a manuscript; the format follows the extension of ``path``.

    Parameters
    ----------
    obj : ReportTable, (ReportTable, Accounting), DataFrame or result
        Table 1 (:func:`bmecohort.report.table_one`), Table 2
        (:func:`bmecohort.report.effect_table`), any report table, or a result with
        ``summary()`` (shown as estimates with 95% intervals, like the report's tables).
    path : str or path-like
        ``.docx`` (a Word table), ``.xlsx`` (a worksheet) or ``.tex`` (a booktabs table).
    suppress_below : int or None, default=5
        Counts from 1 to ``suppress_below - 1`` are shown as ``"<k"``, exactly as in the
        PDF report. None: off.
    counts : sequence of str or None, default=None
        For a DataFrame: its count columns (default: ``n``, ``events``, ``n_*``, ...).
    caption : str or None, default=None
        Replaces the table's caption.
    overwrite : bool, default=True
        False: refuse an existing ``path`` (:class:`FileExistsError`).

    Returns
    -------
    pathlib.Path
        ``path``.

    Notes
    -----
    Text cells of the worksheet that a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@``) are prefixed with ``'``, as the command line's CSV files are.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"term": ["=bml"], "n": [3]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     tex = export_table(frame, pathlib.Path(folder) / "t.tex", caption="Counts")
    ...     text = tex.read_text()
    >>> "textless{}5" in text, "toprule" in text  # n=3 shown as "<5"; booktabs rules
    (True, True)
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"export_table: cannot tell the format of {target.name}; use a "
                         f"file ending in {', '.join(FORMATS)}")
    cells = table_cells(_as_report_table(obj, counts, caption), suppress_below)
    if suffix == ".tex":
        return write_text(target, latex(cells), overwrite=overwrite)
    data = docx_bytes(cells) if suffix == ".docx" else xlsx_bytes(cells)
    return write_bytes(target, data, overwrite=overwrite)


def export_tables(tables: Sequence[tuple[str, ReportTable]], folder: str | os.PathLike[str],
                  *, suppress_below: int | None) -> list[Path]:
    """Write each ``(name, table)`` as ``name.docx``, ``name.xlsx`` and ``name.tex``.

    ``folder`` must be new, empty or written by an earlier export (it holds only the files
    its ``.bmecohort-build`` lists, which are replaced); a folder holding anything else is
    refused (:class:`~bmecohort.exceptions.OutputPathError`), so no user file is replaced.
    """
    from .build import BUILD_MARKER, _own_build_files

    out = Path(folder)
    stale = _own_build_files(out)
    out.mkdir(parents=True, exist_ok=True)
    names = [f"{name}{suffix}" for name, _ in tables for suffix in FORMATS]
    if len(set(names)) < len(names):
        raise ValueError(f"export_tables: table names repeat: {sorted(names)}")
    write_text(out / BUILD_MARKER, "\n".join(sorted({*stale, *names})) + "\n")
    for name in stale:
        if name not in names:
            (out / name).unlink()
    written = [export_table(table, out / f"{name}{suffix}", suppress_below=suppress_below)
               for name, table in tables for suffix in FORMATS]
    write_text(out / BUILD_MARKER, "\n".join(sorted(names)) + "\n")
    return written


def _needs(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"writing this format needs {module.split('.')[0]}: pip install "
                          f"'bmecohort[tables]'") from err


# ---------------------------------------------------------------------------------- LaTeX

_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
          "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}"}


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped.

    Examples
    --------
    >>> latex_escape("<5 & 10% of $x_1$")
    '\\\\textless{}5 \\\\& 10\\\\% of \\\\$x\\\\_1\\\\$'
    """
    return "".join(_LATEX.get(ch, ch) for ch in str(text))


def latex(cells: TableCells) -> str:
    """A booktabs ``table`` environment: caption, three rules, notes under the table."""
    align = "".join("r" if n else "l" for n in cells.numeric)
    width = len(cells.columns)
    lines = [r"\begin{table}[htbp]", r"\centering",
             rf"\caption{{{latex_escape(cells.caption)}}}",
             rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(latex_escape(c) for c in cells.columns) + r" \\", r"\midrule"]
    previous: object = object()
    for i, row in enumerate(cells.rows):
        if cells.groups is not None and cells.groups[i] != previous:
            previous = cells.groups[i]
            lines.append(rf"\multicolumn{{{width}}}{{l}}{{\textbf{{"
                         rf"{latex_escape(cells.groups[i])}}}}} \\")
        lines.append(" & ".join(latex_escape(v) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if cells.notes:
        lines.append(r"\par\smallskip\parbox{\linewidth}{\footnotesize")
        lines += [latex_escape(n) + r"\par" for n in cells.notes]
        lines.append("}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------- DOCX

def _border(cell: Any, edge: str, size: int) -> None:
    """A single rule of ``size`` eighths of a point on one edge of a Word table cell."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.append(borders)
    rule = OxmlElement(f"w:{edge}")
    rule.set(qn("w:val"), "single")
    rule.set(qn("w:sz"), str(size))
    rule.set(qn("w:space"), "0")
    rule.set(qn("w:color"), "000000")
    borders.append(rule)


def docx_bytes(cells: TableCells) -> bytes:
    """A Word document holding the caption, a real table with three rules, and the notes."""
    docx = _needs("docx")
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    for key in ("created", "modified", "last_printed"):
        setattr(document.core_properties, key, FIXED_DATE)
    document.core_properties.author = "bmecohort"
    document.core_properties.last_modified_by = "bmecohort"
    document.core_properties.revision = 1
    caption = document.add_paragraph()
    caption.add_run(cells.caption).bold = True
    width = len(cells.columns)
    body: list[tuple[str, list[str] | None]] = []
    previous: object = object()
    for i, row in enumerate(cells.rows):
        if cells.groups is not None and cells.groups[i] != previous:
            previous = cells.groups[i]
            body.append((cells.groups[i], None))
        body.append(("", row))
    table = document.add_table(rows=1 + len(body), cols=width)
    for j, name in enumerate(cells.columns):
        cell = table.rows[0].cells[j]
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
        _border(cell, "top", 12)
        _border(cell, "bottom", 6)
    for i, (group, values) in enumerate(body, start=1):
        line = table.rows[i].cells
        if values is None:  # a group heading across the table
            merged = line[0].merge(line[-1]) if width > 1 else line[0]
            merged.text = ""
            merged.paragraphs[0].add_run(group).bold = True
        else:
            for j, value in enumerate(values):
                line[j].text = value
                if cells.numeric[j]:
                    line[j].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for cell in table.rows[-1].cells:
        _border(cell, "bottom", 12)
    for note in cells.notes:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(note)
        run.font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------------- XLSX

def _number(text: str) -> float | int | str:
    """A cell's text as a number when it is one (so spreadsheets can compute with it)."""
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return int(number) if text.lstrip("-").isdigit() else number


def xlsx_bytes(cells: TableCells) -> bytes:
    """A workbook with one sheet: caption, header, rows (numbers as numbers), notes."""
    openpyxl = _needs("openpyxl")
    from openpyxl.styles import Border, Font, Side

    book = openpyxl.Workbook()
    book.properties.created = FIXED_DATE
    book.properties.modified = FIXED_DATE
    book.properties.creator = "bmecohort"
    sheet = book.active
    sheet.title = "table"
    sheet.append([spreadsheet_safe(cells.caption)])
    sheet.cell(row=1, column=1).font = Font(bold=True)
    sheet.append([spreadsheet_safe(c) for c in cells.columns])
    thick, thin = Side(style="medium"), Side(style="thin")
    for j in range(1, len(cells.columns) + 1):
        sheet.cell(row=2, column=j).font = Font(bold=True)
        sheet.cell(row=2, column=j).border = Border(top=thick, bottom=thin)
    previous: object = object()
    for i, row in enumerate(cells.rows):
        if cells.groups is not None and cells.groups[i] != previous:
            previous = cells.groups[i]
            sheet.append([spreadsheet_safe(cells.groups[i])])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.append([_number(v) if cells.numeric[j] or cells.counts[j]
                      else spreadsheet_safe(v) for j, v in enumerate(row)])
    last = sheet.max_row
    for j in range(1, len(cells.columns) + 1):
        sheet.cell(row=last, column=j).border = Border(bottom=thick)
    for note in cells.notes:
        sheet.append([spreadsheet_safe(note)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
