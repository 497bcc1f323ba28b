"""Cohort folders: load_cohort, read_tables and write_cohort."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.cohort import Cohort
from bmecohort.exceptions import CohortValidationError, DataQualityWarning
from bmecohort.io import load_cohort, read_tables, table_files, write_cohort
from bmecohort.schemas import TABLES
from bmecohort.simulate import demo_cohort

VALID = Path(__file__).parent / "fixtures" / "valid_cohort"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture folder."""
    target = tmp_path / "cohort"
    shutil.copytree(VALID, target)
    return target


def _edit_line(path: Path, line: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in 1-based ``line`` of a text file."""
    lines = path.read_text().splitlines()
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines) + "\n")


def test_load_cohort_reads_every_table() -> None:
    cohort = load_cohort(VALID)
    assert isinstance(cohort, Cohort)
    assert list(cohort.tables) == list(TABLES)
    assert cohort.source == str(VALID) and cohort.name == "valid_cohort"
    assert len(cohort.lesion_reads) == 26 and len(cohort.visits) == 10
    reads = cohort.lesion_reads
    for column in ("joint", "side", "system", "item", "site", "reader", "read_project"):
        assert isinstance(reads[column].dtype, pd.CategoricalDtype), column
    # Labels that look like numbers stay text: READPRJ "22", not "22.0".
    assert reads["read_project"].cat.categories.tolist() == ["22"]
    assert cohort.visits["visit"].dtype == np.int64
    assert cohort.knee_outcomes["frequent_knee_pain"].dtype == "boolean"


def test_read_tables_reads_ids_and_labels_as_text(folder: Path) -> None:
    _edit_line(folder / "participants.csv", 2, "K01", "007")
    _edit_line(folder / "visits.csv", 2, "K01", "007")
    _edit_line(folder / "visits.csv", 3, "K01", "007")
    tables = read_tables(folder)
    assert tables["participants"]["participant_id"].iloc[0] == "007"
    assert isinstance(tables["lesion_reads"]["site"].dtype, pd.CategoricalDtype)
    # Numbers are left to pandas (and the validator): clean columns arrive numeric.
    assert tables["participants"]["age"].dtype == np.float64


def test_optional_tables_may_be_absent(tmp_path: Path) -> None:
    for name in ("participants", "visits"):
        shutil.copy(VALID / f"{name}.csv", tmp_path)
    cohort = load_cohort(tmp_path, name="minimal")
    assert list(cohort.tables) == ["participants", "visits"]
    assert cohort.lesion_reads is None and cohort.name == "minimal"


def test_missing_required_table_is_a_validation_failure(tmp_path: Path) -> None:
    shutil.copy(VALID / "participants.csv", tmp_path)
    with pytest.raises(CohortValidationError) as info:
        load_cohort(tmp_path)
    cases = info.value.failure_cases
    assert cases[["table", "rule"]].to_numpy().tolist() == [
        ["visits", "required table: the cohort needs this table"]]


def test_missing_folder_and_file_instead_of_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="cohort folder not found"):
        load_cohort(tmp_path / "nowhere")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        load_cohort(VALID / "participants.csv")
    with pytest.raises(FileNotFoundError):
        read_tables(tmp_path / "nowhere")


def test_files_that_are_not_tables_are_reported(folder: Path) -> None:
    (folder / "notes.txt").write_text("hello")
    shutil.copy(folder / "hip_cases.csv", folder / "hip_case.csv")
    (folder / "knee_radiographs.csv").write_text("participant_id\n")
    (folder / "extra").mkdir()
    (folder / ".DS_Store").write_text("")
    with pytest.warns(DataQualityWarning) as record:
        cohort = load_cohort(folder)
    message = str(record[0].message)
    for name in ("notes.txt", "hip_case.csv (did you mean hip_cases.csv?)",
                 "knee_radiographs.csv", "extra/"):
        assert name in message
    assert ".DS_Store" not in message
    assert record[0].filename == __file__  # stacklevel points at the caller
    assert len(cohort.hip_cases) == 2
    with pytest.warns(DataQualityWarning, match="notes.txt"):
        tables, others = table_files(folder)
    assert sorted(p.name for p in others) == ["extra", "hip_case.csv",
                                              "knee_radiographs.csv", "notes.txt"]


def test_parquet_without_pyarrow_names_the_extra(folder: Path) -> None:
    pd.read_csv(folder / "hip_cases.csv").to_parquet(folder / "hip_cases.parquet")
    (folder / "hip_cases.csv").unlink()
    # A fresh interpreter where pyarrow cannot be imported from the start, as when it is not
    # installed: pandas 3 then keeps Python strings, whereas hiding pyarrow after pandas
    # chose it would break pandas' own CSV reader.
    script = textwrap.dedent(f"""
        import sys
        sys.modules["pyarrow"] = None
        from bmecohort import demo_cohort, load_cohort, write_cohort
        for call in (lambda: load_cohort({str(folder)!r}),
                     lambda: write_cohort(demo_cohort(size="small"), {str(folder / "out")!r},
                                          format="parquet")):
            try:
                call()
            except ImportError as error:
                print(error)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    load_message, write_message = run.stdout.strip().splitlines()
    assert re.search(r"hip_cases\.parquet is a Parquet file.*bmecohort\[parquet\]",
                     load_message)
    assert "bmecohort[parquet]" in write_message
    assert not (folder / "out").exists()


def test_a_table_given_twice_is_reported(folder: Path) -> None:
    pd.read_csv(folder / "hip_cases.csv").to_parquet(folder / "hip_cases.parquet")
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    cases = info.value.failure_cases
    assert cases["table"].tolist() == ["hip_cases"]
    assert cases["rule"].iloc[0].startswith("one file per table: found hip_cases.csv and "
                                            "hip_cases.parquet")


def test_unreadable_files_are_reported_with_the_other_failures(folder: Path) -> None:
    (folder / "ra_bones.csv").unlink()
    (folder / "ra_bones.parquet").write_bytes(b"not a parquet file")
    _edit_line(folder / "participants.csv", 3, "58.5", "-58.5")
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    cases = info.value.failure_cases
    # a table-level failure has no column (missing, whatever the string dtype)
    assert set(zip(cases["table"], cases["column"].fillna("-"), strict=True)) == {
        ("ra_bones", "-"), ("participants", "age")}
    assert cases.loc[cases["table"] == "ra_bones", "rule"].iloc[0].startswith(
        "readable file: ra_bones.parquet could not be read")


@pytest.mark.parametrize(("body", "rule", "lines"), [
    ("K01,0,R,5\nK02,0,L,6\n", "field count", [2, 3]),
    ("K01,0,R\nK02,0,L,6\n", "field count", [3]),
    ("", "empty file", []),
], ids=["every row too long", "one row too long", "empty file"])
def test_malformed_csv_is_reported_not_misread(folder: Path, body: str, rule: str,
                                               lines: list[int]) -> None:
    header = "participant_id,visit,side\n" if body else ""
    (folder / "knee_outcomes.csv").write_text(header + body)
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    cases = info.value.failure_cases
    assert set(cases["table"]) == {"knee_outcomes"}
    assert cases["rule"].str.startswith(rule).all()
    assert cases["line"].dropna().tolist() == lines
    assert cases["file"].eq("knee_outcomes.csv").all()


def test_text_in_a_numeric_column_is_reported_with_its_line(folder: Path) -> None:
    path = folder / "lesion_reads.csv"
    _edit_line(path, 13, ",1,,,22", ",2: Moderate,,,22")   # K02 visit 24 PM score
    _edit_line(path, 6, ",2,,,22", ",4,,,22")              # K01 visit 24 TMC size 4
    with pytest.raises(CohortValidationError) as info:
        load_cohort(folder)
    cases = info.value.failure_cases.set_index("rule")
    numeric = cases.loc["must be numeric: text that is not a number"]
    assert (numeric["row"], numeric["line"], numeric["value"]) == (11, 13, "2: Moderate")
    assert numeric["file"] == "lesion_reads.csv"
    out = cases.loc["score in range: MOAKS.bml_size allows 0 to 3"]
    assert (out["row"], out["line"]) == (4, 6)
    lines = path.read_text().splitlines()
    assert "2: Moderate" in lines[numeric["line"] - 1] and ",4," in lines[out["line"] - 1]
    assert "line = row + 2" in str(info.value)


def test_line_is_empty_for_parquet_rows(tmp_path: Path) -> None:
    tables = read_tables(VALID)
    tables["participants"].loc[0, "age"] = -1.0
    for name, frame in tables.items():
        frame.to_parquet(tmp_path / f"{name}.parquet")
    with pytest.raises(CohortValidationError) as info:
        load_cohort(tmp_path)
    cases = info.value.failure_cases
    assert cases["file"].tolist() == ["participants.parquet"]
    assert cases["line"].isna().all() and cases["row"].tolist() == [0]


def test_read_tables_does_not_validate(folder: Path) -> None:
    _edit_line(folder / "participants.csv", 2, ",F,", ",female,")
    tables = read_tables(folder)
    assert tables["participants"]["sex"].iloc[0] == "female"
    with pytest.raises(CohortValidationError):
        Cohort.from_tables(tables)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_then_load_is_identical(tmp_path: Path, fmt: str) -> None:
    cohort = load_cohort(VALID)
    written = write_cohort(cohort, tmp_path / "out", format=fmt)
    assert sorted(p.name for p in written.values()) == sorted(f"{t}.{fmt}" for t in TABLES)
    again = load_cohort(tmp_path / "out")
    assert list(again.tables) == list(cohort.tables)
    for name, frame in cohort.tables.items():
        pd.testing.assert_frame_equal(again.table(name), frame, check_exact=True)
    # The fixture has categoricals, nullable booleans with missing values and dates.
    assert again.knee_outcomes["frequent_knee_pain"].isna().sum() == 1
    assert again.visits["visit_date"].dtype == "datetime64[ns]"
    assert again.content_hash() == cohort.content_hash()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_simulated_cohort_round_trips(tmp_path: Path, fmt: str) -> None:
    cohort = demo_cohort(seed=11, size="small")
    write_cohort(cohort, tmp_path, format=fmt)
    again = load_cohort(tmp_path)
    for name, frame in cohort.tables.items():
        pd.testing.assert_frame_equal(again.table(name), frame, check_exact=True)


def test_write_then_load_keeps_float_precision(tmp_path: Path) -> None:
    tables = read_tables(VALID)
    tables["participants"]["age"] = [61.123456789012345, 58.5, 1 / 3, 52.0, 45.0, 39.0]
    tables["visits"]["months_from_baseline"] = tables["visits"]["visit"] * (1 + 1e-12)
    cohort = Cohort.from_tables(tables)
    write_cohort(cohort, tmp_path)
    again = load_cohort(tmp_path)
    pd.testing.assert_frame_equal(again.participants, cohort.participants, check_exact=True)
    pd.testing.assert_frame_equal(again.visits, cohort.visits, check_exact=True)


def test_mixed_formats_in_one_folder(tmp_path: Path) -> None:
    cohort = load_cohort(VALID)
    write_cohort(cohort, tmp_path / "a", format="parquet")
    (tmp_path / "a" / "visits.parquet").unlink()
    cohort.visits.to_csv(tmp_path / "a" / "visits.csv", index=False)
    again = load_cohort(tmp_path / "a")
    pd.testing.assert_frame_equal(again.visits, cohort.visits)


def test_write_cohort_refuses_to_overwrite_and_removes_stale_tables(tmp_path: Path) -> None:
    cohort = load_cohort(VALID)
    write_cohort(cohort, tmp_path, format="parquet")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_cohort(cohort, tmp_path)
    small = cohort.subset(["K01", "K02"])
    (tmp_path / "keep.txt").write_text("not a table")
    small_tables = {k: v for k, v in small.tables.items() if k in ("participants", "visits")}
    write_cohort(Cohort.from_tables(small_tables), tmp_path, overwrite=True)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["keep.txt", "participants.csv", "visits.csv"]


def test_write_cohort_arguments(tmp_path: Path) -> None:
    cohort = load_cohort(VALID)
    with pytest.raises(ValueError, match="format must be one of"):
        write_cohort(cohort, tmp_path, format="xlsx")
    with pytest.raises(TypeError, match="needs a Cohort"):
        write_cohort(cohort.tables, tmp_path)
