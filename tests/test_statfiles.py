"""Cohorts and OAI files given as SAS (.xpt), Stata (.dta) and SPSS (.sav) files.

The files are written here with pyreadstat from the CSV fixtures (value labels included), never
downloaded. pyreadstat cannot write .sas7bdat: SAS is tested through transport files and
two small .sas7bdat files written by R's haven (fixtures/sas7bdat/make_sas7bdat.R).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pyreadstat = pytest.importorskip("pyreadstat")

from bmecohort import read_oai_moaks  # noqa: E402
from bmecohort.cli import main  # noqa: E402
from bmecohort.exceptions import CohortValidationError  # noqa: E402
from bmecohort.io import load_cohort, read_tables, write_cohort  # noqa: E402
from bmecohort.io.oai import parse_oai_codes  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid_cohort"
OAI = FIXTURES / "oai"
SAS7BDAT = FIXTURES / "sas7bdat"  # written by make_sas7bdat.R (haven, i.e. ReadStat)
MONTHS = {"V00": 0, "V01": 12}
#: One format per table, so that every reader serves a table of the valid cohort.
SUFFIX = {"participants": ".sav", "visits": ".dta", "lesion_reads": ".sav",
          "knee_outcomes": ".xpt", "spine_corners": ".dta", "ra_bones": ".xpt",
          "hip_cases": ".dta"}
BOOLEAN = {"frequent_knee_pain", "bme", "painful", "resolved", "progressed"}


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """As a statistical package stores it: booleans 0/1, text with '' for missing."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column in BOOLEAN and not pd.api.types.is_numeric_dtype(values) or \
                pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: 1.0, False: 0.0}).astype(float)
        elif not pd.api.types.is_numeric_dtype(values) and \
                not pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.astype(object).where(values.notna(), "").astype(str)
    return out


def write(frame: pd.DataFrame, path: Path, labels: dict | None = None) -> None:
    if path.suffix == ".sav":
        pyreadstat.write_sav(frame, str(path), variable_value_labels=labels or {})
    elif path.suffix == ".dta":
        pyreadstat.write_dta(frame, str(path), variable_value_labels=labels or {})
    else:  # version 8 transport files allow names longer than 8 characters
        pyreadstat.write_xport(frame, str(path), file_format_version=8,
                               table_name=path.stem[:8])


@pytest.fixture
def stat_folder(tmp_path: Path) -> Path:
    """The valid cohort as SPSS, Stata and SAS files; sex coded 1/2 with labels F/M."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    for table, frame in read_tables(VALID).items():
        stored = _storable(frame)
        labels = None
        if table == "participants":
            stored["sex"] = stored["sex"].map({"F": 1.0, "M": 2.0})
            labels = {"sex": {1: "F", 2: "M"}}
        if table == "visits":
            stored["visit_date"] = pd.to_datetime(stored["visit_date"])
        write(stored, folder / f"{table}{SUFFIX[table]}", labels)
    return folder


def test_a_cohort_in_sas_stata_and_spss_files_loads_as_its_csv_twin(stat_folder: Path
                                                                     ) -> None:
    tables = read_tables(stat_folder)
    # The value labels replaced the codes, and are kept on the frame.
    assert tables["participants"]["sex"].tolist()[:2] == ["F", "M"]
    assert tables["participants"].attrs["value_labels"]["sex"] == {1.0: "F", 2.0: "M"}
    # Dates arrive as real dates, which the ISO date rule accepts.
    assert pd.api.types.is_datetime64_any_dtype(tables["visits"]["visit_date"])
    loaded, expected = load_cohort(stat_folder), load_cohort(VALID)
    assert set(loaded.tables) == set(expected.tables)
    for table, frame in expected.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[table], frame, check_dtype=False,
                                      check_categorical=False, obj=table)


def test_sas7bdat_tables_load_as_their_csv_twins(stat_folder: Path) -> None:
    for table in ("participants", "visits"):
        next(stat_folder.glob(f"{table}.*")).unlink()
        shutil.copy(SAS7BDAT / f"{table}.sas7bdat", stat_folder)
    tables = read_tables(stat_folder)
    assert pd.api.types.is_datetime64_any_dtype(tables["visits"]["visit_date"])
    loaded, expected = load_cohort(stat_folder), load_cohort(VALID)
    for table in ("participants", "visits"):
        pd.testing.assert_frame_equal(loaded.tables[table], expected.tables[table],
                                      check_dtype=False, check_categorical=False, obj=table)


def test_stata_value_labels_on_integer_codes(stat_folder: Path) -> None:
    participants = _storable(read_tables(VALID)["participants"])
    participants["sex"] = participants["sex"].map({"F": 1, "M": 2}).astype(np.int32)
    (stat_folder / "participants.sav").unlink()
    write(participants, stat_folder / "participants.dta", {"sex": {1: "F", 2: "M"}})
    loaded = load_cohort(stat_folder).participants
    pd.testing.assert_series_equal(loaded["sex"], load_cohort(VALID).participants["sex"],
                                   check_dtype=False, check_categorical=False)


@pytest.mark.parametrize("suffix", [".sav", ".dta", ".xpt"])
def test_date_only_columns_arrive_as_dates(stat_folder: Path, suffix: str) -> None:
    """SPSS DATE, Stata %td and SAS DATE formats (date objects when written) are dates."""
    visits = _storable(read_tables(VALID)["visits"])
    visits["visit_date"] = pd.to_datetime(visits["visit_date"]).dt.date  # date-only format
    (stat_folder / "visits.dta").unlink()
    write(visits, stat_folder / f"visits{suffix}")
    read = read_tables(stat_folder)["visits"]["visit_date"]
    assert pd.api.types.is_datetime64_any_dtype(read)
    loaded = load_cohort(stat_folder).visits["visit_date"]
    pd.testing.assert_series_equal(loaded, load_cohort(VALID).visits["visit_date"],
                                   check_dtype=False)


def test_a_date_out_of_range_is_a_failure_of_its_row(stat_folder: Path) -> None:
    visits = _storable(read_tables(VALID)["visits"])
    dates = pd.to_datetime(visits["visit_date"]).dt.date.astype(object)
    dates[3] = dt.date(1583, 1, 1)  # before datetime64's range: a typo, not a whole file
    write(visits.assign(visit_date=dates), stat_folder / "visits.sav")
    (stat_folder / "visits.dta").unlink()
    with pytest.raises(CohortValidationError) as err:
        load_cohort(stat_folder)
    cases = err.value.failure_cases
    assert cases[["file", "column", "row"]].values.tolist() == [["visits.sav", "visit_date", 3]]


def test_failures_name_the_file_and_the_observation(stat_folder: Path) -> None:
    frame, _ = pyreadstat.read_sav(str(stat_folder / "participants.sav"))
    frame.loc[2, "sex"] = 3.0  # a code without a label
    frame.loc[4, "age"] = -5.0
    write(frame, stat_folder / "participants.sav", {"sex": {1: "F", 2: "M"}})
    with pytest.raises(CohortValidationError) as err:
        load_cohort(stat_folder)
    cases = err.value.failure_cases
    assert set(cases["file"]) == {"participants.sav"}
    assert cases.set_index("column").loc["sex", "row"] == 2
    assert cases.set_index("column").loc["sex", "value"] == "3"  # the code, as text
    assert cases.set_index("column").loc["age", "row"] == 4
    assert cases["line"].isna().all()  # a binary file has no lines
    assert "observation number is row + 1" in str(err.value)


def test_validate_and_report_read_the_same_folder(stat_folder: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(stat_folder)]) == 0
    assert "participants" in capsys.readouterr().out
    from bmecohort.report import build_report
    pdf = build_report(data=stat_folder, out=tmp_path / "r.pdf", progress=False,
                       reproductions=None)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_table_twice_and_a_corrupt_file_are_failures(stat_folder: Path) -> None:
    shutil.copy(VALID / "participants.csv", stat_folder / "participants.csv")
    (stat_folder / "visits.dta").write_bytes(b"not a stata file")
    with pytest.raises(CohortValidationError) as err:
        load_cohort(stat_folder)
    rules = " ".join(err.value.failure_cases["rule"])
    assert "participants.csv and participants.sav" in rules
    assert "visits.dta could not be read" in rules


def test_write_cohort_never_replaces_source_files(stat_folder: Path) -> None:
    cohort = load_cohort(VALID)
    before = {p.name: p.read_bytes() for p in stat_folder.iterdir()}
    with pytest.raises(FileExistsError, match="participants.sav"):
        write_cohort(cohort, stat_folder, overwrite=True)
    assert {p.name: p.read_bytes() for p in stat_folder.iterdir()} == before


def test_missing_pyreadstat_names_the_extra(stat_folder: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyreadstat", None)  # import fails
    with pytest.raises(ImportError, match=r"bmecohort\[formats\]"):
        read_tables(stat_folder)


def _oai_as_sas(text_file: Path, out: Path) -> Path:
    """A SAS export of an OAI text file: codes as numbers, missing codes missing."""
    frame = pd.read_csv(text_file, sep="|", dtype=str, keep_default_na=False)
    write(_numeric_codes(frame), out)
    return out


def _numeric_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """SIDE and the reads as numbers (as OAI's SAS files store them); READPRJ stays text."""
    coded = [c for c in frame.columns if c == "SIDE" or "MBM" in c]
    return frame.assign(**{c: parse_oai_codes(frame[c])[0] for c in coded},
                        ID=pd.to_numeric(frame["ID"]))


@pytest.mark.parametrize("names", [["kMRI_SQ_MOAKS_BICL00.txt", "kMRI_SQ_MOAKS_BICL01.txt"],
                                   ["moaks_wide_V00_V01.txt"]])
def test_read_oai_moaks_reads_sas_exports(names: list[str], tmp_path: Path) -> None:
    texts = [OAI / n for n in names]
    sas = [_oai_as_sas(t, tmp_path / f"{t.stem.lower()}.xpt") for t in texts]
    with warnings.catch_warnings(record=True) as text_warnings:
        warnings.simplefilter("always")
        from_text = read_oai_moaks(texts, visit_months=MONTHS)
    with warnings.catch_warnings(record=True) as sas_warnings:
        warnings.simplefilter("always")
        from_sas = read_oai_moaks(sas, visit_months=MONTHS)
    assert [str(w.message) for w in sas_warnings] == [str(w.message) for w in text_warnings]
    pd.testing.assert_frame_equal(from_sas, from_text)
    assert len(from_sas) > 0 and np.isfinite(from_sas["score"].dropna()).all()


def test_read_oai_moaks_reads_an_oai_sas7bdat_file() -> None:
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        from_text = read_oai_moaks(OAI / "kMRI_SQ_MOAKS_BICL00.txt", visit_months=MONTHS)
        from_sas = read_oai_moaks(SAS7BDAT / "kmri_sq_moaks_bicl00.sas7bdat",
                                  visit_months=MONTHS)
    pd.testing.assert_frame_equal(from_sas, from_text)


def test_oai_sas_failures_name_the_observation(tmp_path: Path) -> None:
    frame = pd.read_csv(OAI / "kMRI_SQ_MOAKS_BICL00.txt", sep="|", dtype=str,
                        keep_default_na=False)
    stored = _numeric_codes(frame)
    stored.loc[1, "SIDE"] = 7.0
    path = tmp_path / "moaks00.xpt"
    write(stored, path)
    with pytest.raises(CohortValidationError) as err:
        read_oai_moaks(path, visit_months=MONTHS)
    cases = err.value.failure_cases
    assert (cases["file"] == "moaks00.xpt").all()
    assert cases["line"].isna().all()
    assert "observation" in str(err.value)
