"""Manuscript tables: DOCX, XLSX and LaTeX from the same suppressed cells as the PDF."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from bmecohort import export_table
from bmecohort.exceptions import OutputPathError
from bmecohort.report import ReportTable, build_report, effect_table, table_one
from bmecohort.report.document import table_cells
from bmecohort.report.export import export_tables, latex_escape
from bmecohort.simulate import demo_cohort, knee_cohort

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture(scope="module")
def small():
    return demo_cohort(seed=7, size="small")


def _table() -> ReportTable:
    frame = pd.DataFrame({"grp": ["A", "A", "B"], "Term": ["=cmd()", "bml", "pain"],
                          "Estimate": [1.234, 2.5, 0.9], "n": [3, 12, 0]})
    return ReportTable(frame, "Test table", counts=("n",), group="grp",
                       notes=("Method: woolf.",))


def _docx_cells(path) -> list[list[str]]:
    document = docx.Document(str(path))
    (table,) = document.tables
    return [[c.text for c in row.cells] for row in table.rows]


def _xlsx_cells(path) -> list[list[object]]:
    sheet = openpyxl.load_workbook(path).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_every_format_holds_the_pdf_cells_suppressed(tmp_path):
    table = _table()
    cells = table_cells(table, 5)
    assert cells.rows[0] == ["=cmd()", "1.23", "<5"] and cells.rows[2][-1] == "0"
    for suffix in (".docx", ".xlsx", ".tex"):
        assert export_table(table, tmp_path / f"t{suffix}").is_file()
    rows = _docx_cells(tmp_path / "t.docx")
    assert rows[0] == ["Term", "Estimate", "n"]  # the group column is not a column
    assert rows[1] == ["A", "A", "A"]  # the group heading, merged across the table
    assert rows[2] == ["=cmd()", "1.23", "<5"] and rows[5] == ["pain", "0.90", "0"]
    notes = [p.text for p in docx.Document(str(tmp_path / "t.docx")).paragraphs]
    assert notes[0] == "Test table" and "Method: woolf." in notes
    assert any('shown as "<5"' in n and "1 cell(s)" in n for n in notes)
    sheet = _xlsx_cells(tmp_path / "t.xlsx")
    assert sheet[0][0] == "Test table" and sheet[1] == ["Term", "Estimate", "n"]
    assert sheet[2][0] == "A"
    assert sheet[3] == ["'=cmd()", 1.23, "<5"]  # no formula; numbers stay numbers
    assert sheet[6] == ["pain", 0.9, 0]
    assert any(isinstance(r[0], str) and "small-cell protection" in r[0] for r in sheet)
    tex = (tmp_path / "t.tex").read_text()
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"=cmd() & 1.23 & \textless{}5 \\" in tex
    assert r"\multicolumn{3}{l}{\textbf{A}}" in tex


def test_suppression_off_and_bad_extension(tmp_path):
    export_table(_table(), tmp_path / "open.xlsx", suppress_below=None)
    assert _xlsx_cells(tmp_path / "open.xlsx")[3][-1] == 3
    with pytest.raises(ValueError, match="format"):
        export_table(_table(), tmp_path / "t.pdf")
    (tmp_path / "keep.tex").write_text("mine")
    with pytest.raises(FileExistsError):
        export_table(_table(), tmp_path / "keep.tex", overwrite=False)
    assert (tmp_path / "keep.tex").read_text() == "mine"


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_table_one_table_two_and_a_result(small, tmp_path):
    import bmecohort as bc

    one, _ = table_one(small, suppress_below=5)
    export_table((one, None), tmp_path / "table1.docx")
    rows = _docx_cells(tmp_path / "table1.docx")
    shown = table_cells(one, 5)
    assert rows[0] == shown.columns
    assert [r for r in rows[1:] if len(set(r)) > 1] == [r for r in shown.rows]
    design = bc.bml_pain_prevalence(small)
    two = effect_table([("Pain", design)])
    export_table(two, tmp_path / "table2.xlsx")
    sheet = _xlsx_cells(tmp_path / "table2.xlsx")
    assert sheet[1] == table_cells(two, 5).columns
    assert sheet[2][0] == "Pain"
    crude = next(iter(design.results.values()))
    export_table(crude, tmp_path / "crude.tex", caption="Crude odds ratio")
    tex = (tmp_path / "crude.tex").read_text()
    assert r"\caption{Crude odds ratio}" in tex and "95\\% CI" in tex


def test_latex_escape():
    assert latex_escape("a_b & 5% #1") == r"a\_b \& 5\% \#1"


def test_report_tables_dir(demo_report, tmp_path):
    # the shared build of the small demo cohort, with suppression at 5 and a tables_dir
    names = {p.name for p in demo_report.tables.iterdir()}
    assert {"table1.docx", "table1.xlsx", "table1.tex", "table2.docx", "flow.xlsx"} <= names
    assert r"\textless{}5" in (demo_report.tables / "flow.tex").read_text()
    # a second build replaces its own files (in a copy: the shared build is read by others;
    # a two-person cohort, as replacing files does not depend on the cohort, in a second
    # instead of ten); a folder with a user's file is refused
    folder = tmp_path / "tables"
    shutil.copytree(demo_report.tables, folder)
    build_report(knee_cohort(2, seed=1), out=tmp_path / "r.pdf", progress=False,
                 reproductions=None, suppress_below=5, tables_dir=folder)
    assert (folder / "table1.tex").read_text() != (demo_report.tables / "table1.tex").read_text()
    present = {p.name for p in folder.iterdir()} - {".bmecohort-build"}
    assert present == set((folder / ".bmecohort-build").read_text().split())  # stale: gone
    assert present != names - {".bmecohort-build"}
    (folder / "mine.txt").write_text("keep")
    with pytest.raises(OutputPathError):
        export_tables([("x", _table())], folder, suppress_below=5)
    assert (folder / "mine.txt").read_text() == "keep"
