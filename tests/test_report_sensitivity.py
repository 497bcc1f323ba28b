"""Report pieces: Table 2 E-values and Holm p-values, the standardised-risks block."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

import bmecohort as bc
from bmecohort.report._context import Context
from bmecohort.report.document import ReportTable
from bmecohort.report.sensitivity import (
    EVALUE_NOTE,
    HOLM_NOTE,
    evalue_cells,
    holm_cells,
    standardized_blocks,
)

SUMMARY = pd.DataFrame({
    "analysis": ["crude", "groups", "groups", "groups"],
    "term": ["bml", "a", "b", "c"],
    "estimate": [3.9, 2.0, 0.5, float("nan")],
    "ci_lower": [1.8, 0.9, 0.3, float("nan")],
    "ci_upper": [8.7, 4.4, 0.8, float("nan")],
    "p_value": [0.001, 0.08, 0.004, float("nan")],
    "n": [100, 200, 200, 200],
    "events": [5, 80, 80, 80],
})


def test_evalue_cells() -> None:
    cells = evalue_cells(SUMMARY)
    # rare outcome (5%): the odds ratio is taken as a risk ratio, as the paper's example
    assert cells[0] == "7.26 (3.00)"
    common = bc.evalue(2.0, 0.9, 4.4, measure="or", rare_outcome=False)
    assert cells[1] == f"{common.evalue:.2f} (1.00)"
    assert cells[3] == ""


def test_holm_cells_within_analysis() -> None:
    cells = holm_cells(SUMMARY)
    assert cells[0] == "0.001"          # one test in its analysis: unchanged
    assert cells[2] == "0.008"          # 2 tests in "groups": 2 x 0.004
    assert cells[1] == "0.080"          # max(0.008, 1 x 0.08)
    assert cells[3] == ""


def test_standardized_blocks_for_known_designs() -> None:
    data = pd.read_csv(Path(__file__).parent / "reference" / "effects" / "inputs"
                       / "standardize.csv").rename(columns={"progressed": "progression"})
    data["alignment_deg_0"] = data["age"] / 10
    design = SimpleNamespace(name="bml_progression", frame=data)
    other = SimpleNamespace(name="something_else", frame=data)
    ctx = Context(cohort=None, suppress_below=5)  # type: ignore[arg-type]
    caveats: list[str] = []
    blocks = standardized_blocks(ctx, [("progression", design), ("other", other)], caveats)
    tables = [b for b in blocks if isinstance(b, ReportTable)]
    assert len(tables) == 1 and len(tables[0].frame) == 1
    row = tables[0].frame.iloc[0]
    direct = bc.standardize(data, outcome="progression", exposure="bml",
                            covariates=["alignment_deg_0"])
    assert row["Risk ratio (95% CI)"].startswith(f"{direct.risk_ratio.estimate:.2f} (")
    assert row["n"] == str(direct.accounting.n_used)
    assert not caveats
    assert standardized_blocks(ctx, [("other", other)], caveats) == []


def test_notes_name_the_method() -> None:
    from bmecohort.report.sensitivity import EVALUE_NOTE, HOLM_NOTE

    assert "VanderWeele" in EVALUE_NOTE and "Holm" in HOLM_NOTE


def test_with_sensitivity_columns_extends_table_two() -> None:
    from bmecohort.report.sensitivity import with_sensitivity_columns
    from bmecohort.report.tables import effect_table

    design = SimpleNamespace(summary=lambda: SUMMARY.copy(), results={})
    table = effect_table([("design", design)])
    assert table is not None
    out = with_sensitivity_columns(table, [("design", design)])
    columns = list(out.frame.columns)
    assert columns[columns.index("p") + 1] == "p (Holm)"
    assert columns[-1] == "E-value"
    assert out.frame["E-value"].iloc[0] == "7.26 (3.00)"
    assert len(out.widths) == len([c for c in columns if c != out.group])
    assert out.notes[-2:] == (HOLM_NOTE, EVALUE_NOTE)
    # a table that is not these designs' is left alone
    assert with_sensitivity_columns(table, []) is table
