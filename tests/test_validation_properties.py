"""Property tests: valid generated cohorts pass, any single corruption is caught where it is,
and row order never changes the verdict.

The strategy below draws small valid cohorts from the scoring registry (any system, item,
site, slice and allowed score), with participants, visits, lesion reads and knee outcomes.
The same corruptions are also applied to a cohort from :mod:`bmecohort.simulate`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bmecohort.cohort import Cohort
from bmecohort.exceptions import CohortValidationError
from bmecohort.scoring import SYSTEMS
from bmecohort.simulate import demo_cohort

Tables = dict[str, pd.DataFrame]

PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
MONTHS = (0, 6, 12, 24, 36, 48)


@st.composite
def reads(draw: st.DrawFn, pid: str, visit: int) -> list[dict]:
    """Reads of one participant at one visit: any registered system, distinct keys."""
    system = SYSTEMS[draw(st.sampled_from(sorted(SYSTEMS)))]
    joint = draw(st.sampled_from(system.joints))
    side = "M" if joint == "spine" else draw(st.sampled_from(["L", "R"]))
    rows: dict[tuple, dict] = {}
    for _ in range(draw(st.integers(1, 4))):
        item = system.items[draw(st.sampled_from(sorted(system.items)))]
        site = draw(st.sampled_from(item.sites))
        slice_ = float(draw(st.sampled_from(item.slices))) if item.slices else np.nan
        lesion = float(draw(st.integers(1, 3))) if item.per_lesion else np.nan
        score = draw(st.sampled_from(item.allowed_values().tolist()) | st.just(np.nan))
        key = (item.name, site, slice_, lesion)
        rows[key] = {"participant_id": pid, "visit": visit, "joint": joint, "side": side,
                     "system": system.name, "item": item.name, "site": site,
                     "reader": "r1", "score": score, "slice": slice_, "lesion_no": lesion}
    return list(rows.values())


@st.composite
def valid_tables(draw: st.DrawFn) -> Tables:
    ids = draw(st.lists(st.text("ABCKRS0123456789", min_size=1, max_size=4), min_size=1,
                        max_size=4, unique=True))
    participants = pd.DataFrame({
        "participant_id": ids,
        "sex": draw(st.lists(st.sampled_from(["F", "M"]), min_size=len(ids),
                             max_size=len(ids))),
        "age": draw(st.lists(st.floats(18, 95), min_size=len(ids), max_size=len(ids))),
    })
    visit_rows, read_rows, outcome_rows = [], [], []
    for pid in ids:
        later = draw(st.lists(st.sampled_from(MONTHS[1:]), max_size=3, unique=True))
        for visit in (0, *sorted(later)):
            months = 0.0 if visit == 0 else visit + draw(st.floats(-0.9, 0.9))
            visit_rows.append({"participant_id": pid, "visit": visit,
                               "months_from_baseline": months})
            if draw(st.booleans()):
                read_rows += draw(reads(pid, visit))
            if draw(st.booleans()):
                outcome_rows.append({
                    "participant_id": pid, "visit": visit,
                    "side": draw(st.sampled_from(["L", "R"])),
                    "womac_pain": float(draw(st.integers(0, 20))),
                    "kl_grade": float(draw(st.integers(0, 4))),
                })
    tables: Tables = {"participants": participants, "visits": pd.DataFrame(visit_rows)}
    if read_rows:
        tables["lesion_reads"] = pd.DataFrame(read_rows)
    if outcome_rows:
        tables["knee_outcomes"] = pd.DataFrame(outcome_rows)
    return tables


# --- corruptions: (name, table, change(frame, row) -> frame, column it must be reported on) --
def _set(column: str, value: object) -> Callable[[pd.DataFrame, int], pd.DataFrame]:
    def change(frame: pd.DataFrame, row: int) -> pd.DataFrame:
        frame = frame.copy()
        if isinstance(value, str):
            frame[column] = frame[column].astype(object)
        frame.loc[frame.index[row], column] = value
        return frame
    return change


def _score_too_high(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    frame = frame.copy()
    label = frame.index[row]
    item = SYSTEMS[frame.at[label, "system"]].items[frame.at[label, "item"]]
    frame.loc[label, "score"] = item.maximum + item.step
    return frame


def _duplicate(frame: pd.DataFrame, row: int) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[row]]], ignore_index=True)


CORRUPTIONS = (
    ("negative age", "participants", _set("age", -5.0), "age"),
    ("unknown sex", "participants", _set("sex", "X"), "sex"),
    ("missing participant id", "participants", _set("participant_id", np.nan),
     "participant_id"),
    ("negative months", "visits", _set("months_from_baseline", -1.0),
     "months_from_baseline"),
    ("visit text", "visits", _set("visit", "baseline"), "visit"),
    ("duplicate visit", "visits", _duplicate, "participant_id"),
    ("score above the item's maximum", "lesion_reads", _score_too_high, "score"),
    ("OAI coded score", "lesion_reads", _set("score", "2: 2"), "score"),
    ("unknown site", "lesion_reads", _set("site", "NOWHERE"), "site"),
    ("unknown item", "lesion_reads", _set("item", "volume"), "item"),
    ("orphan read", "lesion_reads", _set("visit", 999), "visit"),
    ("duplicate read", "lesion_reads", _duplicate, "participant_id"),
    ("KL grade 5", "knee_outcomes", _set("kl_grade", 5.0), "kl_grade"),
    ("unknown knee side", "knee_outcomes", _set("side", "left"), "side"),
)


def _shuffled(tables: Tables, seed: int) -> Tables:
    rng = np.random.default_rng(seed)
    return {name: frame.iloc[rng.permutation(len(frame))] for name, frame in tables.items()}


def _failures(tables: Tables) -> set[tuple]:
    try:
        Cohort.from_tables(tables)
    except CohortValidationError as err:
        cases = err.failure_cases
        return set(zip(cases["table"], cases["column"].astype(str), cases["row"].astype(str),
                       cases["rule"], strict=True))
    return set()


@PROPERTY
@given(valid_tables())
def test_valid_generated_cohorts_pass(tables: Tables) -> None:
    cohort = Cohort.from_tables(tables)
    assert set(cohort.tables) == set(tables)
    assert len(cohort.visits) == len(tables["visits"])


@PROPERTY
@given(valid_tables(), st.sampled_from(CORRUPTIONS), st.data())
def test_any_single_corruption_is_caught_where_it_is(tables: Tables, corruption: tuple,
                                                      data: st.DataObject) -> None:
    name, table, change, column = corruption
    if table not in tables:
        table = "participants"
        name, _, change, column = CORRUPTIONS[0]
    row = data.draw(st.integers(0, len(tables[table]) - 1), label="row")
    corrupted = dict(tables)
    corrupted[table] = change(tables[table], row)
    with pytest.raises(CohortValidationError) as info:
        Cohort.from_tables(corrupted)
    cases = info.value.failure_cases
    here = cases[(cases["table"] == table) & (cases["column"] == column)]
    assert len(here), f"{name}: no failure on {table}.{column}:\n{cases}"
    label = corrupted[table].index[row]
    assert label in set(here["row"]), f"{name}: row {label} not reported:\n{cases}"


@PROPERTY
@given(valid_tables(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_change_validity(tables: Tables, seed: int) -> None:
    cohort = Cohort.from_tables(_shuffled(tables, seed))  # raises if any rule fails
    assert len(cohort.participants) == len(tables["participants"])


@PROPERTY
@given(valid_tables(), st.sampled_from(CORRUPTIONS), st.integers(0, 2**32 - 1), st.data())
def test_row_order_does_not_change_the_failures(tables: Tables, corruption: tuple, seed: int,
                                                data: st.DataObject) -> None:
    _, table, change, _ = corruption
    if table not in tables:
        table, change = "participants", CORRUPTIONS[0][2]
    row = data.draw(st.integers(0, len(tables[table]) - 1), label="row")
    corrupted = dict(tables)
    corrupted[table] = change(tables[table], row)
    assert _failures(corrupted) == _failures(_shuffled(corrupted, seed))


@pytest.fixture(scope="module")
def simulated() -> Tables:
    """The small demo cohort's tables (every table, realistic sizes and dtypes)."""
    return dict(demo_cohort(seed=7, size="small").tables)


def test_simulated_cohort_revalidates(simulated: Tables) -> None:
    cohort = Cohort.from_tables(_shuffled(simulated, 1))
    assert list(cohort.tables) == list(simulated)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(CORRUPTIONS), st.data())
def test_any_single_corruption_of_a_simulated_cohort_is_caught(
        simulated: Tables, corruption: tuple, data: st.DataObject) -> None:
    name, table, change, column = corruption
    row = data.draw(st.integers(0, len(simulated[table]) - 1), label="row")
    corrupted = dict(simulated)
    corrupted[table] = change(simulated[table], row)
    with pytest.raises(CohortValidationError) as info:
        Cohort.from_tables(corrupted)
    cases = info.value.failure_cases
    here = cases[(cases["table"] == table) & (cases["column"] == column)]
    assert corrupted[table].index[row] in set(here["row"]), f"{name}:\n{cases}"


# --- every column of every table: missing required ones are named, optional ones optional --
@functools.cache
def _read_fixture_tables() -> Tables:
    from bmecohort.io import read_tables
    from tests.test_validation_catalogue import VALID

    return read_tables(VALID)


def _fixture_tables() -> Tables:
    """The valid fixture cohort's tables, read once; each test gets its own copies."""
    return {name: frame.copy() for name, frame in _read_fixture_tables().items()}


def _columns(required: bool) -> list[tuple[str, str]]:
    from bmecohort.schemas import TABLES, columns_of

    return [(t, c) for t in TABLES for c, s in columns_of(t).items() if s["required"] == required]


@pytest.mark.parametrize(("table", "column"), _columns(True),
                         ids=[".".join(x) for x in _columns(True)])
def test_a_missing_required_column_is_named(table: str, column: str) -> None:
    tables = _fixture_tables()
    tables[table] = tables[table].drop(columns=column)
    with pytest.raises(CohortValidationError) as info:
        Cohort.from_tables(tables)
    cases = info.value.failure_cases
    assert cases[["table", "column"]].to_numpy().tolist() == [[table, column]]
    assert cases["rule"].iloc[0].startswith(f"required column: {table} has no '{column}'")


@pytest.mark.parametrize(("table", "column"), _columns(False),
                         ids=[".".join(x) for x in _columns(False)])
def test_an_optional_column_may_be_absent(table: str, column: str) -> None:
    tables = _fixture_tables()
    tables[table] = tables[table].drop(columns=column)
    try:
        Cohort.from_tables(tables)
    except CohortValidationError as err:
        # Only where the fixture needs the column (SPARCC slices, BLOKS lesion numbers, a
        # resolution time without 'resolved'): a rule that says so, never a traceback.
        rules = err.failure_cases["rule"].str.split(":").str[0]
        assert set(rules) <= {"required column", "duplicate key",
                              "resolution time when resolved"}
        assert (table, column) in {("lesion_reads", "slice"), ("lesion_reads", "lesion_no"),
                                   ("hip_cases", "resolved")}
