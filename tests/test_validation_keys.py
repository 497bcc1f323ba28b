"""The fast paths of validation against the plain computations they replace: the key rules'
row codes (bmecohort.validation._keys) against pandas, the lesion rules evaluated once per
distinct item and score or registry combination against row by row, the RA synovitis
regions on codes against the rule on text, and the schemas built
without importing pandera's other backends against pandera's own build."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bmecohort.schemas import TABLES, _pandas_types_only
from bmecohort.scoring import item_table, site_table
from bmecohort.scoring.hand import BONE_SYNOVITIS_REGION
from bmecohort.validation._failures import Failures
from bmecohort.validation._keys import duplicated, first_rows, row_groups
from bmecohort.validation.tables import _lookup, _on_pairs, _ra_bones

CELLS = st.one_of(st.sampled_from(["a", "b", " ", "A"]), st.none(), st.just(np.nan))


@st.composite
def keyed_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Small frames with text (object or categorical), integer and float key columns."""
    n = draw(st.integers(0, 30))
    text = draw(st.lists(CELLS, min_size=n, max_size=n))
    frame = pd.DataFrame({
        "text": pd.Series(text, dtype=object),
        "label": pd.Series(draw(st.lists(CELLS, min_size=n, max_size=n)), dtype="category"),
        "visit": pd.Series(draw(st.lists(st.sampled_from([0, 6, 12, -3, 2**40]), min_size=n,
                                         max_size=n)), dtype=np.int64),
        "slice": pd.Series(draw(st.lists(st.sampled_from([1.0, 2.0, np.nan, -0.0, 0.0]),
                                         min_size=n, max_size=n)), dtype=float),
    })
    return frame


@settings(max_examples=200, deadline=None)
@given(frame=keyed_frames(), columns=st.permutations(["text", "label", "visit", "slice"]),
       width=st.integers(1, 4))
def test_row_codes_find_what_pandas_finds(frame: pd.DataFrame, columns: list[str],
                                          width: int) -> None:
    key = list(columns[:width])
    assert duplicated(frame, key).tolist() == frame.duplicated(key, keep=False).tolist()
    first = frame[key].drop_duplicates()
    assert first_rows(frame, key).tolist() == frame.index.get_indexer(first.index).tolist()
    if width > 1:  # one column: pandas' Series.duplicated, which tells None from NaN
        groups = row_groups(frame, key)
        # equal codes exactly where pandas sees equal rows
        same_code = groups[:, None] == groups[None, :]
        labels = frame.groupby(key, dropna=False, sort=False, observed=True).ngroup()
        labels = labels.to_numpy()
        assert (same_code == (labels[:, None] == labels[None, :])).all()


def test_row_codes_renumber_before_overflowing() -> None:
    # 2**40 + 1 distinct values in each of two integer columns would overflow int64 codes
    frame = pd.DataFrame({"a": np.array([0, 2**40, 0, 2**40], dtype=np.int64),
                          "b": np.array([2**40, 0, 2**40, 5], dtype=np.int64),
                          "c": np.array([1, 1, 1, 1], dtype=np.int64)})
    frame = pd.concat([frame] * 3, axis=1, keys=["x", "y", "z"])
    frame.columns = [f"{a}{b}" for a, b in frame.columns]
    key = list(frame.columns)
    assert duplicated(frame, key).tolist() == frame.duplicated(key, keep=False).tolist()


@pytest.mark.parametrize("table", list(TABLES))
def test_schemas_equal_pandera_own_build(table: str) -> None:
    # pandera caches a model's schema per thread: a new thread builds it afresh, the usual
    # way (asking every installed backend, dask included, which annotations are Series or
    # Index) or ours; fresh both, as validating with a schema changes its checks' state
    model = TABLES[table]

    def ours() -> object:
        with _pandas_types_only(model):
            return model.to_schema()

    with ThreadPoolExecutor(1) as pool:
        usual = pool.submit(model.to_schema).result()
    with ThreadPoolExecutor(1) as pool:
        built = pool.submit(ours).result()
    assert built == usual
    assert repr(built) == repr(usual)
    assert built.to_json() == usual.to_json()


@pytest.mark.skipif(importlib.util.find_spec("dask") is None, reason="dask not installed")
def test_building_the_schemas_does_not_import_dask() -> None:
    code = ("import sys\n"
            "from bmecohort.schemas import TABLES, columns_of, schema_of\n"
            "for t in TABLES:\n"
            "    columns_of(t); schema_of(t)\n"
            "print('dask.dataframe' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=100, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(
           [0.0, -0.0, 0.5, 1.0, 2.0, 3.0, np.nan, 1e9])), min_size=0, max_size=60),
       repeat=st.integers(1, 30))
def test_rules_on_item_score_pairs_equal_rules_on_rows(data: list, repeat: int) -> None:
    # repeat: few distinct pairs among many rows takes the pair path, else the row path
    positions = np.array([p for p, _ in data] * repeat, dtype=np.intp)
    score = np.array([x for _, x in data] * repeat, dtype=float)
    limit = np.array([0.0, 1.0, 2.0, 0.5, 3.0, 1.5])

    def rule(p: np.ndarray, x: np.ndarray) -> np.ndarray:
        # the validation rules compare and round scores: -0.0 and 0.0 (one value to
        # pandas.factorize) answer alike
        return np.isnan(x) | (x > limit[p]) | ((x == 0) & (p == 0))

    assert (_on_pairs(positions, score, rule) == rule(positions, score)).all()


@pytest.mark.parametrize("keys", [["system", "item"], ["system", "item", "site"]])
def test_registry_lookup_of_categorical_reads_equals_the_row_by_row_lookup(
        keys: list[str]) -> None:
    table = site_table() if "site" in keys else item_table()
    reads = site_table()[["system", "item", "site"]].sample(400, replace=True,
                                                             random_state=1)
    reads = reads.reset_index(drop=True).astype(object)
    reads.loc[[3, 9], "site"] = ["XX", np.nan]
    reads.loc[[4, 11], "item"] = ["no_such_item", None]
    reads.loc[12, "system"] = np.nan
    categorical = reads.astype("category")
    fast = _lookup(categorical, table, keys)
    index = pd.MultiIndex.from_frame(table[keys].astype(str))
    slow = index.get_indexer(pd.MultiIndex.from_arrays([categorical[k] for k in keys]))
    assert (fast == slow).all()
    assert (fast[[4, 11, 12]] == -1).all() and (fast >= 0).sum() > 300


def _synovitis_by_text(frame: pd.DataFrame) -> np.ndarray:
    """The synovitis-region rule as it was written: grouped by the text of every key."""
    region = frame["bone"].astype(str).map(BONE_SYNOVITIS_REGION)
    keys = [frame[c].astype(str) for c in ("participant_id", "visit", "side", "reader")]
    distinct = frame["synovitis"].groupby([*keys, region], observed=True, sort=False
                                          ).transform("nunique")
    return (distinct > 1).to_numpy()


@pytest.mark.parametrize("categorical", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synovitis_regions_on_codes_equal_the_rule_on_text(categorical: bool,
                                                           seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 600
    bones = [*BONE_SYNOVITIS_REGION, "not_a_bone", np.nan]
    frame = pd.DataFrame({
        # "nan" the text and a missing id are one key to the rule on text
        "participant_id": rng.choice(np.array(["p1", "p2", "nan", np.nan], dtype=object), n),
        "visit": rng.choice([0, 12], n),
        "side": rng.choice(np.array(["L", "R"], dtype=object), n),
        "bone": rng.choice(np.array(bones, dtype=object), n),
        "reader": rng.choice(np.array(["r1", "consensus"], dtype=object), n),
        "synovitis": rng.choice([0.0, 1.0, np.nan], n, p=[0.7, 0.2, 0.1]),
    })
    if categorical:
        frame = frame.astype({c: "category" for c in ("participant_id", "side", "bone",
                                                      "reader")})
    failures = Failures()
    _ra_bones(frame, failures)
    cases = failures.frame() if failures else pd.DataFrame({"rule": [], "row": []})
    rows = cases.loc[cases["rule"].str.startswith("one synovitis"), "row"].astype(int)
    expected = np.flatnonzero(_synovitis_by_text(frame))
    assert len(expected) > 0
    assert sorted(rows) == expected.tolist()
