"""The OAI MOAKS importer, on synthetic OAI-format fixtures (tests/fixtures/oai).

The fixtures and the long table they must import to are written by
``tests/fixtures/oai/make_oai_fixtures.py``, which builds the truth in long format with plain
loops and renders it wide; the importer's vectorised reshaping is checked against it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.cohort import Cohort
from bmecohort.exceptions import CohortValidationError, DataQualityWarning
from bmecohort.io import parse_oai_codes, read_oai_moaks

OAI = Path(__file__).parent / "fixtures" / "oai"
V00, V01 = OAI / "kMRI_SQ_MOAKS_BICL00.txt", OAI / "kMRI_SQ_MOAKS_BICL01.txt"
WIDE = OAI / "moaks_wide_V00_V01.txt"
MONTHS = {"V00": 0, "V01": 12}
KEY = ["participant_id", "side", "read_project", "visit", "item", "site"]
SPECIAL = pytest.warns(DataQualityWarning, match="within-grade change codes")


def expected() -> pd.DataFrame:
    frame = pd.read_csv(OAI / "expected_lesion_reads.csv",
                        dtype={"participant_id": str, "read_project": str})
    return frame.sort_values(KEY).reset_index(drop=True)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEY).reset_index(drop=True)


def test_the_fixtures_are_synthetic() -> None:
    # Real OAI participant IDs are 7 digits starting with 9; ours start with 1.
    ids = pd.read_csv(WIDE, sep="|", dtype=str)["ID"]
    assert ids.str.fullmatch(r"1\d{6}").all()


@pytest.mark.parametrize("sources", [[V00, V01], [WIDE], [str(V01), str(V00)]],
                         ids=["one file per visit", "one wide file", "as str, any order"])
def test_import_matches_the_long_truth(sources: list) -> None:
    with SPECIAL:
        reads = read_oai_moaks(sources if len(sources) > 1 else sources[0],
                               visit_months=MONTHS)
    assert list(reads.columns) == ["participant_id", "visit", "joint", "side", "system",
                                   "item", "site", "reader", "score", "read_project"]
    assert reads["visit"].dtype == np.int64 and reads["score"].dtype == np.float64
    pd.testing.assert_frame_equal(_sorted(reads), expected())


def test_codes_missing_codes_and_unread_knees() -> None:
    with SPECIAL:
        reads = read_oai_moaks(WIDE, visit_months=MONTHS)
    wide = pd.read_csv(WIDE, sep="|", dtype=str)
    # "2: 2" and "2" both give 2; ".A: Not Expected" gives NaN, kept as a row.
    row = wide.index[(wide["ID"] == "1000001") & (wide["SIDE"] == "1: Right")][0]
    knee = reads.query("participant_id == '1000001' and side == 'R' and visit == 0 "
                       "and item == 'bml_size'")
    for column, site in (("V00MBMSPM", "PM"), ("V00MBMSPL", "PL"), ("V00MBMSFMA", "FMA")):
        raw = wide.at[row, column]
        got = knee.loc[knee["site"] == site, "score"]
        assert len(got) == 1
        if raw.startswith("."):
            assert np.isnan(got.iloc[0])
        else:
            assert got.iloc[0] == float(raw.split(":")[0])
    # 1000004's right knee was not read at V01 (every value missing): no rows.
    unread = reads.query("participant_id == '1000004' and visit == 12")
    assert unread.empty
    assert not reads.query("participant_id == '1000004' and visit == 0").empty
    # A knee that was read keeps its missing scores (not assessable).
    assert reads["score"].isna().any()


def test_visit_codes_may_be_written_several_ways() -> None:
    with SPECIAL:
        a = read_oai_moaks(WIDE, visit_months={"V00": 0, "V01": 12})
    with SPECIAL:
        b = read_oai_moaks(WIDE, visit_months={"00": 0, 1: 12})
    pd.testing.assert_frame_equal(a, b)


def test_visit_months_must_cover_every_code() -> None:
    with pytest.raises(ValueError, match=r"no month for visit code\(s\) V01"):
        read_oai_moaks(WIDE, visit_months={"V00": 0})
    with pytest.raises(TypeError, match="visit_months must map"):
        read_oai_moaks(WIDE, visit_months={})
    with pytest.raises(ValueError, match="same month"):
        read_oai_moaks(WIDE, visit_months={"V00": 0, "V01": 0})
    with pytest.raises(ValueError, match="whole numbers"):
        read_oai_moaks(WIDE, visit_months={"V00": 0, "V01": 12.5})


def test_a_visit_mapped_to_none_is_skipped() -> None:
    reads = read_oai_moaks(WIDE, visit_months={"V00": 0, "V01": None})
    assert set(reads["visit"]) == {0}
    pd.testing.assert_frame_equal(_sorted(reads), _sorted(
        expected().query("visit == 0")))


def test_side_map() -> None:
    flipped = read_oai_moaks(V00, visit_months=MONTHS, side_map={1: "L", 2: "R"})
    truth = expected().query("visit == 0")
    assert (flipped["side"].value_counts().sort_index().to_numpy()
            == truth["side"].value_counts().sort_index().to_numpy()[::-1]).all()


def test_unparseable_values_name_file_column_rows_and_values() -> None:
    with pytest.raises(CohortValidationError) as info:
        read_oai_moaks(OAI / "moaks_bad_values.txt", visit_months=MONTHS)
    cases = info.value.failure_cases
    assert set(cases["file"]) == {"moaks_bad_values.txt"}
    got = {(c, int(r), v if isinstance(v, str) else None, int(line)) for c, r, v, line in zip(
        cases["column"], cases["row"], cases["value"], cases["line"], strict=True)}
    assert got == {("ID", 2, None, 4), ("SIDE", 1, "3: Both", 3),
                   ("V00MBMSFMC", 1, "two", 3), ("V00MBMSFMC", 3, "Moderate", 5),
                   ("V00MBMPTMC", 2, "x: 1", 4)}
    message = str(info.value)
    assert "moaks_bad_values.txt" in message and "V00MBMSFMC" in message
    assert "'two'" in message and "'Moderate'" in message and "line = row + 2" in message


def test_malformed_columns_are_reported() -> None:
    wide = pd.DataFrame({"ID": ["1000001"], "SIDE": ["1: Right"], "V00MBMSXYZ": ["1"],
                         "V00MBMSTMC": ["1"]})
    with pytest.raises(CohortValidationError, match="V00MBMSXYZ"):
        read_oai_moaks(wide, visit_months=MONTHS)
    with pytest.raises(CohortValidationError, match="SIDE"):
        read_oai_moaks(wide.drop(columns=["SIDE", "V00MBMSXYZ"]), visit_months=MONTHS)
    with pytest.raises(CohortValidationError, match="no BML column"):
        read_oai_moaks(wide[["ID", "SIDE"]], visit_months=MONTHS)


def test_frames_with_numbers_and_lowercase_names() -> None:
    wide = pd.DataFrame({"id": [1000001, 1000002], "side": [1, 2], "readprj": ["22", "22"],
                         "v00mbmstmc": [2, np.nan], "v00mbmnTMC": ["1: 1", "0"]})
    reads = read_oai_moaks(wide, visit_months={"V00": 0})
    assert reads["participant_id"].tolist() == ["1000001", "1000001", "1000002", "1000002"]
    assert reads["side"].tolist() == ["R", "R", "L", "L"]
    assert reads["item"].tolist() == ["bml_size", "bml_number"] * 2
    np.testing.assert_array_equal(reads["score"], [2.0, 1.0, np.nan, 0.0])


def test_special_values_keep_missing_error() -> None:
    specials = {(("1000001", "R", "22"), "TMC"): 0.5, (("1000002", "R", "22"), "FMC"): -0.5,
                (("1000003", "L", "63A"), "TLP"): -1.0, (("1000001", "L", "22"), "SS"): 1.5}

    def at(reads: pd.DataFrame, knee: tuple, site: str) -> float:
        pid, side, project = knee
        row = reads[(reads["participant_id"] == pid) & (reads["side"] == side)
                    & (reads["read_project"] == project) & (reads["visit"] == 12)
                    & (reads["item"] == "bml_size") & (reads["site"] == site)]
        assert len(row) == 1
        return float(row["score"].iloc[0])

    with pytest.warns(DataQualityWarning, match="negative codes are not grades"):
        kept = read_oai_moaks(WIDE, visit_months=MONTHS)
    assert {k: at(kept, *k) for k in specials} == specials
    with pytest.warns(DataQualityWarning, match="set 4 within-grade change codes to missing"):
        missing = read_oai_moaks(WIDE, visit_months=MONTHS, special_values="missing")
    assert all(np.isnan(at(missing, *k)) for k in specials)
    assert missing["score"].isna().sum() == kept["score"].isna().sum() + 4
    with pytest.raises(CohortValidationError) as info:
        read_oai_moaks(WIDE, visit_months=MONTHS, special_values="error")
    cases = info.value.failure_cases
    assert set(cases["column"]) == {"V01MBMSTMC", "V01MBMSFMC", "V01MBMSTLP", "V01MBMSSS"}
    assert sorted(cases["value"]) == [-1.0, -0.5, 0.5, 1.5]
    with pytest.raises(ValueError, match="special_values"):
        read_oai_moaks(WIDE, visit_months=MONTHS, special_values="drop")


def test_no_deduplication_unless_asked() -> None:
    with SPECIAL:
        reads = read_oai_moaks(WIDE, visit_months=MONTHS)
    twice = reads.query("participant_id == '1000002' and side == 'R'")
    assert set(twice["read_project"]) == {"22", "63A"}
    # Still unique on the lesion_reads key, which includes read_project.
    assert not reads.duplicated(KEY).any()


def test_prefer_projects_keeps_the_first_listed_and_reports() -> None:
    with SPECIAL, pytest.warns(DataQualityWarning, match=r"dropped 90 reads of 2 "
                                                        r"knee-visits.*READPRJ 22: 90"):
        reads = read_oai_moaks(WIDE, visit_months=MONTHS, prefer_projects=["63A", "22"])
    knee = reads.query("participant_id == '1000002' and side == 'R'")
    assert set(knee["read_project"]) == {"63A"}
    truth = expected()
    keep = ~((truth["participant_id"] == "1000002") & (truth["side"] == "R")
             & (truth["read_project"] == "22"))
    pd.testing.assert_frame_equal(_sorted(reads), _sorted(truth[keep]))


def test_prefer_projects_least_missing() -> None:
    truth = expected()
    knee = truth.query("participant_id == '1000002' and side == 'R'")
    missing = knee.groupby(["visit", "read_project"])["score"].apply(lambda s: s.isna().sum())
    with SPECIAL, pytest.warns(DataQualityWarning, match="kept one reading project"):
        reads = read_oai_moaks(WIDE, visit_months=MONTHS, prefer_projects="least_missing")
    for visit in (0, 12):
        counts = missing.loc[visit]
        # Ties go to the project that comes first in the file (22).
        best = "22" if counts["22"] <= counts["63A"] else "63A"
        got = reads.query("participant_id == '1000002' and side == 'R' and visit == @visit")
        assert set(got["read_project"]) == {best}
    with pytest.raises(ValueError, match="prefer_projects"):
        read_oai_moaks(WIDE, visit_months=MONTHS, prefer_projects="most_recent")


def test_prefer_projects_needs_readprj() -> None:
    wide = pd.DataFrame({"ID": ["1000001"], "SIDE": ["1: Right"], "V00MBMSTMC": ["1"]})
    with pytest.raises(ValueError, match="READPRJ"):
        read_oai_moaks(wide, visit_months={"V00": 0}, prefer_projects=["22"])


def test_imported_reads_build_a_cohort() -> None:
    with pytest.warns(DataQualityWarning):
        reads = read_oai_moaks(WIDE, visit_months=MONTHS, special_values="missing",
                               prefer_projects=["22"])
    ids = sorted(reads["participant_id"].unique())
    participants = pd.DataFrame({"participant_id": ids, "sex": "F", "age": 60.0})
    visits = pd.DataFrame([(p, v) for p in ids for v in (0, 12)],
                          columns=["participant_id", "visit"])
    cohort = Cohort(participants=participants, visits=visits, lesion_reads=reads)
    assert len(cohort.lesion_reads) == len(reads)


def test_kept_special_values_need_allow_within_grade_and_negatives_fail() -> None:
    with SPECIAL:
        reads = read_oai_moaks(WIDE, visit_months=MONTHS)
    ids = sorted(reads["participant_id"].unique())
    tables = {
        "participants": pd.DataFrame({"participant_id": ids, "sex": "M", "age": 55.0}),
        "visits": pd.DataFrame([(p, v) for p in ids for v in (0, 12)],
                               columns=["participant_id", "visit"]),
        "lesion_reads": reads,
    }
    for allow in (False, True):
        with pytest.raises(CohortValidationError) as info:
            Cohort.from_tables(tables, allow_within_grade=allow)
        cases = info.value.failure_cases
        rules = cases["rule"].str.split(":").str[0]
        assert set(cases.loc[rules == "score in range", "value"]) == {-0.5, -1.0}
        on_step = set(cases.loc[rules == "score on step", "value"])
        assert on_step == (set() if allow else {0.5, 1.5})


def test_parse_oai_codes() -> None:
    values = pd.Series(["2: 2", "3", " 1 : Mild ", "0.5", "-1: -1", ".", ".A: Not Expected",
                        ".: Missing Form/Incomplete Workbook", None, "", "two", "2:", "x: 1"])
    numbers, bad = parse_oai_codes(values)
    np.testing.assert_array_equal(
        numbers.to_numpy(),
        [2, 3, 1, 0.5, -1, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 2, np.nan])
    assert bad.tolist() == [False] * 10 + [True, False, True]


def test_missing_file() -> None:
    with pytest.raises(FileNotFoundError, match="no_such_file.txt"):
        read_oai_moaks(OAI / "no_such_file.txt", visit_months=MONTHS)
