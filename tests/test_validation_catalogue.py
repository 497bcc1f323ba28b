"""A catalogue of invalid cohorts: each names the table, column, rows and rule it must break.

Every case starts from the valid fixture cohort in ``tests/fixtures/valid_cohort`` (row numbers
below are 0-based data rows of those CSV files), changes one thing (or, for the last cases,
several) and checks that validation reports exactly the expected failures: the set of
(table, column, rule) groups, and for each the rows. Cases with no expected failure check that
something valid (e.g. a half grade with ``allow_within_grade=True``) is accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort.cohort import Cohort
from bmecohort.exceptions import CohortValidationError
from bmecohort.io import read_tables
from bmecohort.validation import validate_tables

VALID = Path(__file__).parent / "fixtures" / "valid_cohort"

Tables = dict[str, pd.DataFrame]


@functools.cache
def _read_base() -> Tables:
    # read once: each of the ~100 cases gets its own deep copy (reading the folder was
    # ~10% of this file's time)
    tables = read_tables(VALID)
    return {name: frame.astype({c: object for c in frame.columns
                                if isinstance(frame[c].dtype, pd.CategoricalDtype)})
            for name, frame in tables.items()}


def base_tables() -> Tables:
    """The valid fixture, categoricals as plain objects so cases can write any value."""
    return {name: frame.copy(deep=True) for name, frame in _read_base().items()}


def put(tables: Tables, table: str, row: int, column: str, value: object) -> None:
    frame = tables[table]
    # text into a non-text column, or anything into a string-dtype column: go to object
    if not pd.api.types.is_object_dtype(frame[column]) and (
            isinstance(value, str) or pd.api.types.is_string_dtype(frame[column])):
        frame[column] = frame[column].astype(object)
    elif isinstance(value, float) and pd.api.types.is_integer_dtype(frame[column]):
        frame[column] = frame[column].astype(float)
    frame.loc[row, column] = value


def add_row(tables: Tables, table: str, **values: object) -> None:
    frame = tables[table]
    tables[table] = pd.concat([frame, pd.DataFrame([values])], ignore_index=True)


@dataclass(frozen=True)
class Expect:
    table: str
    column: str | None
    rows: tuple[int, ...] | None  # None: a table-level failure (no row)
    rule: str  # the rule's name: the text before the first ':' of failure_cases.rule


@dataclass(frozen=True)
class Case:
    id: str
    change: Callable[[Tables], None]
    expected: tuple[Expect, ...]
    allow_within_grade: bool = False
    tags: tuple[str, ...] = field(default=())


def _rule_name(rule: str) -> str:
    return rule.split(":", 1)[0].strip()


def c(id: str, change: Callable[[Tables], None], *expected: Expect,
      allow_within_grade: bool = False) -> Case:
    return Case(id, change, tuple(expected), allow_within_grade)


def _drop(table: str, column: str) -> Callable[[Tables], None]:
    def change(t: Tables) -> None:
        t[table] = t[table].drop(columns=column)
    return change


def _set(table: str, row: int, column: str, value: object) -> Callable[[Tables], None]:
    return lambda t: put(t, table, row, column, value)


def _column(table: str, column: str, func: Callable[[pd.DataFrame], object]
            ) -> Callable[[Tables], None]:
    def change(t: Tables) -> None:
        t[table] = t[table].assign(**{column: func(t[table])})
    return change


def _many(*changes: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def change(t: Tables) -> None:
        for one in changes:
            one(t)
    return change


E = Expect
LR = "lesion_reads"

CASES: tuple[Case, ...] = (
    # --- dtypes and columns ------------------------------------------------------------
    c("wrong dtype: text age", _set("participants", 1, "age", "sixty"),
      E("participants", "age", (1,), "must be numeric")),
    c("missing required column", _drop("participants", "sex"),
      E("participants", "sex", None, "required column")),
    c("missing key column", _drop(LR, "site"),
      E(LR, "site", None, "required column")),
    c("missing required table", lambda t: t.pop("visits"),
      E("visits", None, None, "required table")),
    c("unknown table", lambda t: t.update(knee_radiographs=t["knee_outcomes"].copy()),
      E("knee_radiographs", None, None, "unknown table")),
    c("OAI coded string left in score", _set(LR, 0, "score", "2: 2"),
      E(LR, "score", (0,), "must be numeric")),
    c("OAI missing code left in score", _set(LR, 5, "score",
                                             ".: Missing Form/Incomplete Workbook"),
      E(LR, "score", (5,), "must be numeric")),
    c("visit month not whole", _set("knee_outcomes", 1, "visit", 24.5),
      E("knee_outcomes", "visit", (1,), "must be a whole number")),
    c("boolean that is not true/false", _set("knee_outcomes", 2, "frequent_knee_pain",
                                             "sometimes"),
      E("knee_outcomes", "frequent_knee_pain", (2,), "must be true/false")),
    c("date that is not a date", _set("visits", 3, "visit_date", "2022-13-45"),
      E("visits", "visit_date", (3,), "must be a date")),
    # --- keys ----------------------------------------------------------------------------
    c("duplicate key", lambda t: add_row(t, LR, **t[LR].loc[0].to_dict()),
      E(LR, "participant_id", (0, 26), "duplicate key")),
    c("two baselines: the baseline visit twice",
      lambda t: add_row(t, "visits", participant_id="H01", visit=0, months_from_baseline=0),
      E("visits", "participant_id", (8, 10), "duplicate key")),
    c("NaN in a key", _set(LR, 3, "site", np.nan),
      E(LR, "site", (3,), "missing key value")),
    c("empty participant id", _set("participants", 5, "participant_id", "  "),
      E("participants", "participant_id", (5,), "missing key value"),
      E("hip_cases", "participant_id", (1,), "participant exists"),
      E("visits", "participant_id", (9,), "participant exists")),
    c("duplicate vertebral corner",
      lambda t: add_row(t, "spine_corners", **t["spine_corners"].loc[2].to_dict()),
      E("spine_corners", "participant_id", (2, 9), "duplicate key")),
    # --- links ---------------------------------------------------------------------------
    c("orphan read: the visit does not exist", _set(LR, 4, "visit", 36),
      E(LR, "visit", (4,), "visit exists")),
    c("orphan outcome: unknown participant", _set("knee_outcomes", 0, "participant_id", "K99"),
      E("knee_outcomes", "visit", (0,), "visit exists")),
    c("orphan participant in visits",
      lambda t: add_row(t, "visits", participant_id="X99", visit=0, months_from_baseline=0),
      E("visits", "participant_id", (10,), "participant exists")),
    c("orphan hip case", _set("hip_cases", 1, "participant_id", "H99"),
      E("hip_cases", "participant_id", (1,), "participant exists")),
    # --- visits --------------------------------------------------------------------------
    c("visit before baseline: negative months", _set("visits", 1, "months_from_baseline", -3),
      E("visits", "months_from_baseline", (1,), "out of range"),
      E("visits", "months_from_baseline", (1,), "visits ordered")),
    c("negative visit", _set("visits", 9, "visit", -6),
      E("visits", "visit", (9,), "out of range"),
      E("visits", "visit", (9,), "one baseline"),
      E("visits", "months_from_baseline", (9,), "baseline at month 0")),
    c("two baselines: months 0 twice", _set("visits", 3, "months_from_baseline", 0),
      E("visits", "months_from_baseline", (3,), "baseline at month 0"),
      E("visits", "months_from_baseline", (3,), "visits ordered")),
    c("baseline not at month 0", _set("visits", 4, "months_from_baseline", 1.5),
      E("visits", "months_from_baseline", (4,), "baseline at month 0")),
    c("no baseline", lambda t: (put(t, "visits", 8, "visit", 12),
                                put(t, "visits", 8, "months_from_baseline", 12)),
      E("visits", "visit", (8,), "one baseline")),
    c("visit_date going backwards", _set("visits", 3, "visit_date", "2019-01-01"),
      E("visits", "visit_date", (3,), "visits ordered")),
    c("months going backwards",
      lambda t: add_row(t, "visits", participant_id="K01", visit=36, months_from_baseline=20),
      E("visits", "months_from_baseline", (10,), "visits ordered")),
    # --- lesion_reads: systems, items, sites ---------------------------------------------
    c("unknown system", _set(LR, 0, "system", "MOAKZ"),
      E(LR, "system", (0,), "not in vocabulary")),
    c("item not of the system", _set(LR, 0, "item", "bml"),
      E(LR, "item", (0,), "item of system")),
    c("unknown site for the system", _set(LR, 1, "site", "FMX"),
      E(LR, "site", (1,), "site in vocabulary")),
    c("BLOKS site under MOAKS", _set(LR, 1, "site", "MT"),
      E(LR, "site", (1,), "site in vocabulary")),
    c("MOAKS subregion under BLOKS", _set(LR, 12, "site", "TMC"),
      E(LR, "site", (12,), "site in vocabulary")),
    c("mSASSS site that mSASSS does not score", _set(LR, 20, "site", "T6-upper"),
      E(LR, "site", (20,), "site in vocabulary")),
    c("joint wrong for the system", _set(LR, 0, "joint", "hip"),
      E(LR, "joint", (0,), "joint of system")),
    c("unknown joint", _set(LR, 0, "joint", "shoulder"),
      E(LR, "joint", (0,), "not in vocabulary")),
    c("spine side not M", _set(LR, 19, "side", "L"),
      E(LR, "side", (19,), "side for joint")),
    c("knee side M", _set(LR, 8, "side", "M"),
      E(LR, "side", (8,), "side for joint")),
    c("unknown side", _set("knee_outcomes", 0, "side", "right"),
      E("knee_outcomes", "side", (0,), "not in vocabulary")),
    c("slice missing for SPARCC", _set(LR, 15, "slice", np.nan),
      E(LR, "slice", (15,), "slice when needed")),
    c("slice given for MOAKS", _set(LR, 0, "slice", 1),
      E(LR, "slice", (0,), "slice when needed")),
    c("SPARCC SIJ slice 7", _set(LR, 16, "slice", 7),
      E(LR, "slice", (16,), "slice when needed")),
    c("lesion_no missing for BLOKS", _set(LR, 13, "lesion_no", np.nan),
      E(LR, "lesion_no", (13,), "lesion number when needed")),
    c("lesion_no given for MOAKS", _set(LR, 2, "lesion_no", 1),
      E(LR, "lesion_no", (2,), "lesion number when needed")),
    # --- lesion_reads: scores ------------------------------------------------------------
    c("MOAKS BML size 4", _set(LR, 4, "score", 4),
      E(LR, "score", (4,), "score in range")),
    c("negative score (OAI change code -1)", _set(LR, 5, "score", -1),
      E(LR, "score", (5,), "score in range")),
    c("SPARCC SIJ BME 2 (binary item)", _set(LR, 15, "score", 2),
      E(LR, "score", (15,), "score in range")),
    c("RAMRIS erosion 11 in lesion_reads", _set(LR, 23, "score", 11),
      E(LR, "score", (23,), "score in range")),
    c("half grade where not allowed", _set(LR, 4, "score", 1.5),
      E(LR, "score", (4,), "score on step")),
    c("half grade accepted when allowed", _set(LR, 4, "score", 1.5),
      allow_within_grade=True),
    c("half grade for an item without within-grade codes", _set(LR, 2, "score", 0.5),
      E(LR, "score", (2,), "score on step"), allow_within_grade=True),
    c("quarter grade even when halves are allowed", _set(LR, 4, "score", 1.25),
      E(LR, "score", (4,), "score on step"), allow_within_grade=True),
    c("missing score is allowed (not assessable)", _set(LR, 1, "score", np.nan)),
    # --- participants ----------------------------------------------------------------------
    c("negative age", _set("participants", 0, "age", -1),
      E("participants", "age", (0,), "out of range")),
    c("missing age", _set("participants", 2, "age", np.nan),
      E("participants", "age", (2,), "missing value")),
    c("sex spelled out", _set("participants", 0, "sex", "female"),
      E("participants", "sex", (0,), "not in vocabulary")),
    # --- knee_outcomes ----------------------------------------------------------------------
    c("WOMAC pain 21", _set("knee_outcomes", 1, "womac_pain", 21),
      E("knee_outcomes", "womac_pain", (1,), "out of range")),
    c("KL grade 5", _set("knee_outcomes", 0, "kl_grade", 5),
      E("knee_outcomes", "kl_grade", (0,), "out of range")),
    c("KL half grade", _set("knee_outcomes", 0, "kl_grade", 2.5),
      E("knee_outcomes", "kl_grade", (0,), "score on step")),
    c("JSN 4", _set("knee_outcomes", 1, "jsn_medial", 4),
      E("knee_outcomes", "jsn_medial", (1,), "out of range")),
    # --- spine_corners ----------------------------------------------------------------------
    c("bridging rule broken", _set("spine_corners", 1, "msasss", 2),
      E("spine_corners", "msasss", (0,), "bridging rule")),
    c("bridging rule broken at the upper corner", _set("spine_corners", 5, "msasss", 2),
      E("spine_corners", "msasss", (6,), "bridging rule")),
    c("mSASSS on a thoracic corner", _set("spine_corners", 4, "msasss", 1),
      E("spine_corners", "msasss", (4,), "mSASSS corner")),
    c("corner that does not exist: S1 lower",
      lambda t: (put(t, "spine_corners", 8, "level", "S1"),
                 put(t, "spine_corners", 8, "corner", "lower")),
      E("spine_corners", "corner", (8,), "corner exists")),
    c("corner that does not exist: C2 upper",
      lambda t: (put(t, "spine_corners", 3, "level", "C2"),
                 put(t, "spine_corners", 3, "corner", "upper")),
      E("spine_corners", "corner", (3,), "corner exists")),
    c("level outside C2-S1", _set("spine_corners", 2, "level", "C1"),
      E("spine_corners", "level", (2,), "not in vocabulary")),
    c("mSASSS 4", _set("spine_corners", 2, "msasss", 4),
      E("spine_corners", "msasss", (2,), "out of range")),
    c("mSASSS half grade", _set("spine_corners", 2, "msasss", 1.5),
      E("spine_corners", "msasss", (2,), "score on step")),
    c("MRI inflammation not 0/1", _set("spine_corners", 3, "mri_inflammation", 2),
      E("spine_corners", "mri_inflammation", (3,), "not in vocabulary")),
    # --- ra_bones ---------------------------------------------------------------------------
    c("non-integer RAMRIS erosion", _set("ra_bones", 0, "erosion", 2.5),
      E("ra_bones", "erosion", (0,), "score on step")),
    c("RAMRIS BME 5", _set("ra_bones", 4, "bme", 5),
      E("ra_bones", "bme", (4,), "out of range")),
    c("RAMRIS bone not in the list", _set("ra_bones", 2, "bone", "MC2 base"),
      E("ra_bones", "bone", (2,), "not in vocabulary")),
    c("inconsistent synovitis within a region", _set("ra_bones", 1, "synovitis", 1),
      E("ra_bones", "synovitis", (0, 1), "one synovitis per region")),
    # --- hip_cases --------------------------------------------------------------------------
    c("ARCO stage for BMES", _set("hip_cases", 0, "arco_stage", "I"),
      E("hip_cases", "arco_stage", (0,), "no ARCO stage for BMES")),
    c("months_to_resolution without resolution",
      _set("hip_cases", 1, "months_to_resolution", 12),
      E("hip_cases", "months_to_resolution", (1,), "resolution time when resolved")),
    c("unknown diagnosis", _set("hip_cases", 1, "diagnosis", "tumour"),
      E("hip_cases", "diagnosis", (1,), "not in vocabulary")),
    c("unknown ARCO stage", _set("hip_cases", 1, "arco_stage", "V"),
      E("hip_cases", "arco_stage", (1,), "not in vocabulary")),
    # --- dates: one documented format (ISO 8601), nothing guessed ---------------------------
    c("date as an Excel serial number", _set("visits", 0, "visit_date", 43845),
      E("visits", "visit_date", (0,), "numeric date")),
    c("date as a yyyymmdd integer", _set("visits", 2, "visit_date", 20200302),
      E("visits", "visit_date", (2,), "numeric date")),
    c("date as numeric text", _set("visits", 2, "visit_date", "20200302"),
      E("visits", "visit_date", (2,), "numeric date")),
    c("every date an integer", _column("visits", "visit_date", lambda f: [
        20200115 + 100 * i for i in range(len(f))]),
      E("visits", "visit_date", tuple(range(10)), "numeric date")),
    c("day/month order ambiguous", _set("visits", 0, "visit_date", "03/04/2020"),
      E("visits", "visit_date", (0,), "date format")),
    c("month name date", _set("visits", 0, "visit_date", "Jan 15 2020"),
      E("visits", "visit_date", (0,), "date format")),
    c("datetime objects are dates", _column("visits", "visit_date", lambda f: pd.to_datetime(
        f["visit_date"]).dt.date)),
    # --- headers of frames --------------------------------------------------------------------
    c("column name with a stray space",
      lambda t: t.update(participants=t["participants"].rename(columns={"age": "age "})),
      E("participants", "age", None, "column name")),
    c("key column name with capitals",
      lambda t: t.update(visits=t["visits"].rename(columns={"visit": "Visit"})),
      E("visits", "visit", None, "column name")),
    c("duplicated column in a frame", lambda t: t.update(participants=pd.concat(
        [t["participants"], t["participants"][["age"]]], axis=1)),
      E("participants", "age", None, "duplicated column")),
    c("required column misspelt", lambda t: t.update(
        participants=t["participants"].rename(columns={"sex": "sexe"})),
      E("participants", "sex", None, "required column")),
    # --- empty cohorts and participants without visits ----------------------------------------
    c("empty cohort", lambda t: t.update(participants=t["participants"].iloc[:0],
                                         visits=t["visits"].iloc[:0],
                                         **{n: None for n in t if n not in (
                                             "participants", "visits")}),
      E("participants", None, None, "empty table"), E("visits", None, None, "empty table")),
    c("no visits at all", lambda t: t.update(visits=t["visits"].iloc[:0]),
      E("visits", None, None, "empty table"),
      E("participants", "participant_id", tuple(range(6)), "one baseline"),
      E(LR, "visit", tuple(range(26)), "visit exists"),
      E("knee_outcomes", "visit", (0, 1, 2, 3), "visit exists"),
      E("spine_corners", "visit", tuple(range(9)), "visit exists"),
      E("ra_bones", "visit", tuple(range(8)), "visit exists")),
    c("empty optional table", lambda t: t.update(hip_cases=t["hip_cases"].iloc[:0]),
      E("hip_cases", None, None, "empty table")),
    c("participant without any visit",
      lambda t: add_row(t, "participants", participant_id="Z01", sex="F", age=50.0),
      E("participants", "participant_id", (6,), "one baseline")),
    # --- visit months and the int64 keys of cross-table links ----------------------------------
    c("visit month beyond 2**53", lambda t: (put(t, "visits", 1, "visit", 2 ** 60),
                                            put(t, "knee_outcomes", 1, "visit", 2 ** 60)),
      E("visits", "visit", (1,), "out of range"),
      E("knee_outcomes", "visit", (1,), "out of range"),
      E(LR, "visit", (4, 5, 6, 7), "visit exists")),
    c("large visit months link without overflow",
      lambda t: (put(t, "visits", 1, "visit", 2 ** 52),
                 put(t, "visits", 1, "months_from_baseline", 2.0 ** 52),
                 put(t, "knee_outcomes", 1, "visit", 2 ** 52),
                 _column(LR, "visit", lambda f: f["visit"].replace(24, 2 ** 52))(t),
                 put(t, "visits", 3, "visit", 2 ** 52 - 1),
                 put(t, "visits", 3, "months_from_baseline", 2.0 ** 52 - 1),
                 put(t, "knee_outcomes", 3, "visit", 2 ** 52 - 1)),
      E(LR, "visit", (10, 11, 14, 18), "visit exists")),
    # --- several at once ------------------------------------------------------------------
    c("multiple failures at once, all reported",
      _many(_set("participants", 0, "age", -1), _set(LR, 4, "score", 4),
            _set(LR, 7, "visit", 36), _set("spine_corners", 1, "msasss", 2),
            _set("hip_cases", 0, "arco_stage", "I"), _set("ra_bones", 0, "erosion", 2.5)),
      E("participants", "age", (0,), "out of range"),
      E(LR, "score", (4,), "score in range"),
      E(LR, "visit", (7,), "visit exists"),
      E("spine_corners", "msasss", (0,), "bridging rule"),
      E("hip_cases", "arco_stage", (0,), "no ARCO stage for BMES"),
      E("ra_bones", "erosion", (0,), "score on step")),
    c("several bad rows of one rule, all listed",
      _many(_set(LR, 0, "score", 4), _set(LR, 4, "score", 5), _set(LR, 8, "score", 7)),
      E(LR, "score", (0, 4, 8), "score in range")),
)


def _observed(err: CohortValidationError) -> dict[tuple[str, str | None, str], object]:
    cases = err.failure_cases
    out: dict[tuple[str, str | None, str], object] = {}
    for (table, column, rule), group in cases.assign(
            rule=cases["rule"].map(_rule_name),
            column=cases["column"].astype(object).where(cases["column"].notna(), None),
    ).groupby(["table", "column", "rule"], dropna=False, sort=False):
        column = None if (column is None or column != column) else column
        rows = group["row"].dropna().tolist()
        out[(table, column, rule)] = tuple(sorted(int(r) for r in rows)) if rows else None
    return out


def test_catalogue_is_large_and_distinct() -> None:
    assert len(CASES) >= 90
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_invalid_input_is_reported(case: Case) -> None:
    tables = base_tables()
    case.change(tables)
    if not case.expected:
        Cohort.from_tables(tables, allow_within_grade=case.allow_within_grade)
        return
    # validate_tables is what Cohort runs; called directly so that absent and unknown
    # tables (which Cohort's signature cannot take) are catalogued too.
    with pytest.raises(CohortValidationError) as info:
        validate_tables(tables, allow_within_grade=case.allow_within_grade)
    observed = _observed(info.value)
    expected = {(e.table, e.column, e.rule): e.rows for e in case.expected}
    assert observed == expected
    # The readable message names every table, column and rule that failed.
    message = str(info.value)
    for e in case.expected:
        assert e.table in message and e.rule in message
        if e.column is not None:
            assert f"{e.table}.{e.column}" in message


def test_failure_cases_have_the_tidy_columns() -> None:
    tables = base_tables()
    put(tables, "participants", 0, "age", -1)
    with pytest.raises(CohortValidationError) as info:
        Cohort.from_tables(tables)
    cases = info.value.failure_cases
    assert list(cases.columns) == ["table", "column", "row", "value", "rule"]
    assert cases.loc[0, "value"] == -1


def test_the_valid_fixture_is_valid_and_inputs_are_not_modified() -> None:
    tables = base_tables()
    before = {name: frame.copy() for name, frame in tables.items()}
    cohort = Cohort.from_tables(tables)
    assert set(cohort.tables) == set(tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name])
