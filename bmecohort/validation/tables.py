"""Rules within one table: keys, visit order, scoring-system ranges, anatomy, bridging."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ..schemas import table_key
from ..schemas.lesion_reads import JOINTS, SIDES
from ..scoring import (
    MSASSS_CORNERS,
    NEXT_VERTEBRA,
    SYSTEMS,
    VERTEBRAE,
    VERTEBRAL_CORNERS,
    item_table,
    site_table,
)
from ..scoring.hand import BONE_SYNOVITIS_REGION
from ..scoring.spine import CORNERS
from ._failures import Failures
from ._keys import duplicated, first_rows, row_groups

__all__ = ["check_table"]

_TOL = 1e-9


def check_table(name: str, frame: pd.DataFrame, failures: Failures, *,
                allow_within_grade: bool) -> None:
    """Apply the key rule and the table-specific rules of ``name`` to a normalised frame."""
    check_key(name, frame, failures)
    rules = {
        "visits": lambda: _visits(frame, failures),
        "lesion_reads": lambda: _lesion_reads(frame, failures, allow_within_grade),
        "knee_outcomes": lambda: _whole_grades(
            "knee_outcomes", frame, failures, ("kl_grade", "jsn_medial", "jsn_lateral"),
            halves=allow_within_grade, also=("cartilage_defect",)),
        "spine_corners": lambda: _spine_corners(frame, failures),
        "ra_bones": lambda: _ra_bones(frame, failures),
        "hip_cases": lambda: _hip_cases(frame, failures),
    }
    if name in rules:
        rules[name]()


def _key_columns(name: str, frame: pd.DataFrame) -> list[str]:
    key = table_key(name)
    return [c for c in key if c in frame.columns]


def check_key(name: str, frame: pd.DataFrame, failures: Failures) -> None:
    """Every key appears once; duplicates are listed with the key they share."""
    key = _key_columns(name, frame)
    dup = duplicated(frame, key)
    if not dup.any():
        return
    rows = frame.loc[dup, key]
    values = [", ".join(f"{k}={v}" for k, v in zip(key, t, strict=True))
              for t in rows.itertuples(index=False, name=None)]
    failures.add(name, key[0], rows.index, values,
                 f"duplicate key: ({', '.join(key)}) must be unique")


def _visits(frame: pd.DataFrame, failures: Failures) -> None:
    pid, visit = frame["participant_id"], frame["visit"]
    by_person = visit.groupby(pid.to_numpy(), dropna=False)
    has_baseline = (visit == 0).groupby(pid.to_numpy(), dropna=False).transform(
        "any").to_numpy(dtype=bool)
    if (~has_baseline).any():
        # Reported at the participant's earliest visit, whatever the row order.
        earliest = (visit == by_person.transform("min")).to_numpy(dtype=bool)
        first = earliest & ~has_baseline
        failures.add("visits", "visit", frame.index[first], pid[first],
                     "one baseline: the participant has no baseline visit (visit 0)")
    if "months_from_baseline" in frame.columns:
        months = frame["months_from_baseline"]
        at_base = (visit.to_numpy() == 0)
        wrong = (at_base & (months.to_numpy() != 0)) | (~at_base & (months.to_numpy() == 0))
        wrong &= months.notna().to_numpy()
        if wrong.any():
            failures.add("visits", "months_from_baseline", frame.index[wrong], months[wrong],
                         "baseline at month 0: months_from_baseline must be 0 exactly at "
                         "visit 0")
    for column in ("months_from_baseline", "visit_date"):
        if column in frame.columns:
            _strictly_increasing(frame, column, failures)


def _strictly_increasing(frame: pd.DataFrame, column: str, failures: Failures) -> None:
    ordered = frame.sort_values(["participant_id", "visit"], kind="stable")
    pid, visit = ordered["participant_id"].to_numpy(), ordered["visit"].to_numpy()
    # Rows sharing a visit are duplicate keys (reported as such), not an ordering problem.
    same = (pid[1:] == pid[:-1]) & (visit[1:] != visit[:-1])
    values = ordered[column]
    step = values.diff().to_numpy()[1:]
    if column == "visit_date":
        bad = same & (step <= np.timedelta64(0, "ns"))
    else:
        bad = same & (step <= 0)
    if bad.any():
        rows = ordered.index[1:][bad]
        failures.add("visits", column, rows, frame.loc[rows, column],
                     f"visits ordered: {column} must increase with visit within a participant")


def _steps_ok(values: np.ndarray, minimum: np.ndarray | float, step: np.ndarray | float
              ) -> np.ndarray:
    k = (values - minimum) / step
    return np.abs(k - np.round(k)) < _TOL


def _whole_grades(name: str, frame: pd.DataFrame, failures: Failures, columns: tuple[str, ...],
                  *, halves: bool, also: tuple[str, ...] = ()) -> None:
    for column in (*columns, *also):
        if column not in frame.columns:
            continue
        step = 0.5 if (halves and column in columns) else 1.0
        values = frame[column].to_numpy(dtype=float)
        bad = ~np.isnan(values) & ~_steps_ok(values, 0.0, step)
        if bad.any():
            what = "half grades" if step == 0.5 else "whole grades"
            failures.add(name, column, frame.index[bad], values[bad],
                         f"score on step: {column} takes {what} only")


def _lookup(frame: pd.DataFrame, table: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Row position of each frame row in ``table`` by ``keys`` (-1 when absent)."""
    index = pd.MultiIndex.from_frame(table[keys].astype(str))
    if all(isinstance(frame[k].dtype, pd.CategoricalDtype) for k in keys):
        # Rows with the same codes have the same values: look up each combination of codes
        # present once (a handful, for millions of reads) and spread the answers by code.
        shape = tuple(len(frame[k].cat.categories) + 1 for k in keys)
        size = int(np.prod(shape, dtype=object))
        if size <= max(len(frame), 1 << 16):
            group = row_groups(frame, keys)  # code 0 is missing, c + 1 is category c
            present = np.flatnonzero(np.bincount(group, minlength=size))
            codes = np.unravel_index(present, shape)
            probe = pd.MultiIndex.from_arrays([
                pd.Categorical.from_codes(c - 1, dtype=frame[k].dtype)
                for k, c in zip(keys, codes, strict=True)])
            answers = np.full(size, -1, dtype=np.intp)
            answers[present] = index.get_indexer(probe)
            return answers[group]
    probe = pd.MultiIndex.from_arrays([frame[k].astype(str) if not isinstance(
        frame[k].dtype, pd.CategoricalDtype) else frame[k] for k in keys])
    return index.get_indexer(probe)


class _RowLookup:
    """The registry row of every read, one column at a time and only when asked for.

    Indexing the whole item table per read would copy all its columns for every read
    (about 90 MB per million reads); the rules use a few, each a take from a tiny array.
    """

    def __init__(self, table: pd.DataFrame, positions: np.ndarray) -> None:
        self._table, self._positions = table, positions
        self._cache: dict[str, pd.Series] = {}

    def __getitem__(self, column: str) -> pd.Series:
        if column not in self._cache:
            values = self._table[column].to_numpy()[self._positions]
            self._cache[column] = pd.Series(values, copy=False)
        return self._cache[column]


def _lesion_reads(frame: pd.DataFrame, failures: Failures, allow_within_grade: bool) -> None:
    name = "lesion_reads"
    items = item_table()
    known_system = frame["system"].isin(list(SYSTEMS)).to_numpy()
    pos = _lookup(frame, items, ["system", "item"])
    # A missing item or site is reported as a missing key value, not as out of vocabulary.
    bad_item = known_system & (pos < 0) & frame["item"].notna().to_numpy()
    if bad_item.any():
        failures.add(name, "item", frame.index[bad_item], frame["item"][bad_item],
                     [f"item of system: {s} has items {sorted(SYSTEMS[s].items)}"
                      for s in frame["system"][bad_item].astype(str)])
    ok = pos >= 0
    spos = _lookup(frame, site_table(), ["system", "item", "site"])
    bad_site = ok & (spos < 0) & frame["site"].notna().to_numpy()
    if bad_site.any():
        failures.add(name, "site", frame.index[bad_site], frame["site"][bad_site],
                     [f"site in vocabulary: not a site of {s}.{i}" for s, i in zip(
                         frame["system"][bad_site].astype(str),
                         frame["item"][bad_site].astype(str), strict=True)])
    positions = np.where(ok, pos, 0)
    row = _RowLookup(items, positions)
    _score_rules(frame, failures, items, positions, ok, allow_within_grade)
    _joint_side(frame, failures, known_system)
    _slice_and_lesion(frame, failures, row, ok)


def _on_pairs(positions: np.ndarray, score: np.ndarray,
              rule: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """``rule(positions, score)``, evaluated once per distinct (item, score) pair.

    Millions of reads share a few items and a few score values: the rule runs on the pairs
    present and the answers are spread back by pair code (all rows at once when the pairs
    would be as many as the rows).
    """
    codes, uniques = pd.factorize(score)  # missing scores get -1
    width = len(uniques) + 1
    size = (int(positions.max()) + 1) * width if len(positions) else 0
    if size > len(score) or len(uniques) == 0:
        return rule(positions, score)
    pair = positions.astype(np.int64) * width + (codes + 1)
    present = np.flatnonzero(np.bincount(pair, minlength=size))
    item, code = np.divmod(present, width)
    values = np.where(code > 0, uniques[np.maximum(code - 1, 0)], np.nan)
    answers = np.zeros(size, dtype=bool)
    answers[present] = rule(item, values)
    return answers[pair]


def _score_rules(frame: pd.DataFrame, failures: Failures, items: pd.DataFrame,
                 positions: np.ndarray, ok: np.ndarray, allow_within_grade: bool) -> None:
    name = "lesion_reads"
    score = frame["score"].to_numpy(dtype=float)
    minimum, maximum = items["minimum"].to_numpy(), items["maximum"].to_numpy()
    within = items["within_grade"].to_numpy()
    step = np.where(within & allow_within_grade, items["step"].to_numpy() / 2,
                    items["step"].to_numpy())

    def outside(p: np.ndarray, x: np.ndarray) -> np.ndarray:
        return ~np.isnan(x) & ((x < minimum[p] - _TOL) | (x > maximum[p] + _TOL))

    def off_step(p: np.ndarray, x: np.ndarray) -> np.ndarray:
        return ~np.isnan(x) & ~outside(p, x) & ~_steps_ok(x, minimum[p], step[p])

    out = ok & _on_pairs(positions, score, outside)
    if out.any():
        labels = frame.loc[out, ["system", "item"]].astype(str)
        lo, hi = minimum[positions[out]], maximum[positions[out]]
        failures.add(name, "score", frame.index[out], score[out],
                     [f"score in range: {s}.{i} allows {lo_:g} to {hi_:g}" for s, i, lo_, hi_
                      in zip(labels["system"], labels["item"], lo, hi, strict=True)])
    off = ok & _on_pairs(positions, score, off_step)
    if off.any():
        labels = frame.loc[off, ["system", "item"]].astype(str)
        half_ok = within[positions[off]]
        failures.add(name, "score", frame.index[off], score[off], [
            f"score on step: {s}.{i} takes whole grades" + (
                " (half grades need allow_within_grade=True)" if h else "")
            for s, i, h in zip(labels["system"], labels["item"], half_ok, strict=True)])


def _joint_side(frame: pd.DataFrame, failures: Failures, known_system: np.ndarray) -> None:
    """Joint must be one the system scores; side L/R for lateral joints, M for the spine.

    Rules are evaluated on the few distinct (system, joint, side) combinations, and rows are
    looked up only for the combinations that break one.
    """
    name = "lesion_reads"
    cols = ["system", "joint", "side"]
    combos = frame[cols].iloc[first_rows(frame, cols)].astype(object)
    allowed = {s: set(SYSTEMS[s].joints) for s in SYSTEMS}
    for system, joint, side in combos.itertuples(index=False, name=None):
        problems = []
        # Joints and sides outside the vocabulary are reported by the column checks.
        if system in allowed and joint in JOINTS and joint not in allowed[system]:
            problems.append(("joint", joint, f"joint of system: {system} scores "
                                             f"{'/'.join(sorted(allowed[system]))}"))
        if side in SIDES and joint in JOINTS and ((joint == "spine") != (side == "M")):
            problems.append(("side", side, "side for joint: L or R for lateral joints, "
                                           "M (midline) for the spine"))
        if not problems:
            continue
        mask = ((frame["system"] == system) & (frame["joint"] == joint)
                & (frame["side"] == side)).to_numpy() & known_system
        for column, value, rule in problems:
            failures.add(name, column, frame.index[mask], [value] * int(mask.sum()), rule)


def _slice_and_lesion(frame: pd.DataFrame, failures: Failures, row: _RowLookup,
                      ok: np.ndarray) -> None:
    name = "lesion_reads"
    for column, flag, rule in (
        ("slice", "has_slice", "slice when needed: slice-based items (SPARCC) need a slice "
                               "number, other items must leave it empty"),
        ("lesion_no", "per_lesion", "lesion number when needed: per-lesion items (BLOKS) need "
                                    "lesion_no, other items must leave it empty"),
    ):
        needs = ok & row[flag].to_numpy()
        if column not in frame.columns:
            if needs.any():
                failures.add_table(name, column, f"required column: {rule}")
            continue
        given = frame[column].notna().to_numpy()
        bad = ok & (needs != given)
        if column == "slice":
            too_high = needs & given & (frame[column].to_numpy(dtype=float)
                                        > row["max_slice"].to_numpy())
            if too_high.any():
                failures.add(name, column, frame.index[too_high], frame[column][too_high],
                             "slice when needed: slice number beyond the item's slices")
        if bad.any():
            failures.add(name, column, frame.index[bad], frame[column][bad], rule)


def _spine_corners(frame: pd.DataFrame, failures: Failures) -> None:
    name = "spine_corners"
    level, corner = frame["level"].astype(str), frame["corner"].astype(str)
    site = pd.MultiIndex.from_arrays([level, corner])
    exists = site.isin(VERTEBRAL_CORNERS)
    # Unknown levels or corners are vocabulary failures already; existence needs both known.
    known = level.isin(VERTEBRAE).to_numpy() & corner.isin(CORNERS).to_numpy()
    bad = known & ~exists
    if bad.any():
        failures.add(name, "corner", frame.index[bad],
                     [f"{lv}-{c}" for lv, c in zip(level[bad], corner[bad], strict=True)],
                     "corner exists: C2 has no upper and S1 no lower anterior corner")
    if "msasss" not in frame.columns:
        return
    scored = frame["msasss"].notna().to_numpy()
    outside = scored & exists & ~site.isin(MSASSS_CORNERS)
    if outside.any():
        failures.add(name, "msasss", frame.index[outside],
                     [f"{lv}-{c}" for lv, c in zip(level[outside], corner[outside], strict=True)],
                     "mSASSS corner: msasss is scored only on the 24 corners C2-T1 and "
                     "T12-S1")
    _whole_grades(name, frame, failures, (), halves=False, also=("msasss",))
    _bridging(frame, failures)


def _bridging(frame: pd.DataFrame, failures: Failures) -> None:
    keys = ["participant_id", "visit", "reader"]
    cols = [*keys, "level", "corner", "msasss"]
    part = frame.loc[frame["msasss"].notna(), cols].astype({"level": str, "corner": str})
    lower = part[part["corner"] == "lower"].assign(partner=lambda d: d["level"].map(
        NEXT_VERTEBRA))
    upper = part[part["corner"] == "upper"]
    pairs = lower.reset_index().merge(
        upper.reset_index(), left_on=[*keys, "partner"], right_on=[*keys, "level"],
        suffixes=("_lower", "_upper"))
    broken = (pairs["msasss_lower"] == 3) != (pairs["msasss_upper"] == 3)
    if not broken.any():
        return
    b = pairs[broken]
    rows = np.where(b["msasss_lower"] == 3, b["index_lower"], b["index_upper"])
    values = [f"{lv}-lower={x:g}, {uv}-upper={y:g}" for lv, x, uv, y in zip(
        b["level_lower"], b["msasss_lower"], b["level_upper"], b["msasss_upper"], strict=True)]
    failures.add("spine_corners", "msasss", rows, values,
                 "bridging rule: a bridging syndesmophyte (3) must be scored 3 on both "
                 "corners of the disc space")


def _ra_bones(frame: pd.DataFrame, failures: Failures) -> None:
    name = "ra_bones"
    _whole_grades(name, frame, failures, (), halves=False, also=("bme", "erosion", "synovitis"))
    if "synovitis" not in frame.columns:
        return
    # Grouped by the text of each key, as codes: equal exactly where the text is
    region = _text_codes(frame["bone"], BONE_SYNOVITIS_REGION)
    group = np.zeros(len(frame), dtype=np.int64)
    for column in ("participant_id", "visit", "side", "reader"):
        codes = _text_codes(frame[column])
        group = group * (int(codes.max(initial=0)) + 1) + codes
        group = pd.factorize(group)[0].astype(np.int64)  # renumbered: never overflows
    group = group * (int(region.max(initial=0)) + 1) + region
    # bones outside any synovitis region (region -1) are not compared
    regional = region >= 0
    distinct = np.zeros(len(frame))
    distinct[regional] = pd.Series(frame["synovitis"].to_numpy()[regional]).groupby(
        group[regional], sort=False).transform("nunique").to_numpy()
    bad = distinct > 1
    if bad.any():
        failures.add(name, "synovitis", frame.index[bad], frame["synovitis"][bad],
                     "one synovitis per region: bones of one synovitis region disagree at "
                     "this visit")


def _text_codes(series: pd.Series, mapping: Mapping[str, str] | None = None) -> np.ndarray:
    """Codes equal exactly where ``series.astype(str)`` (then ``.map(mapping)``) is.

    Categoricals are converted category by category and integers are their own text;
    other columns go through the text of every row. With ``mapping``, -1 marks a value it
    does not map.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        # a missing entry is the text "nan", as astype(str) writes it (the last position)
        text = pd.Series(np.append(series.cat.categories.astype(str).to_numpy(object),
                                   "nan"))
        if mapping is not None:
            text = text.map(mapping)
        labels = pd.factorize(text)[0]
        return labels[series.cat.codes.to_numpy()]
    if mapping is None and series.dtype.kind == "i":
        return pd.factorize(series.to_numpy())[0]
    text = series.astype(str)
    return pd.factorize(text.map(mapping) if mapping is not None else text)[0]


def _hip_cases(frame: pd.DataFrame, failures: Failures) -> None:
    name = "hip_cases"
    if "arco_stage" in frame.columns:
        bad = (frame["diagnosis"].astype(str) == "bmes").to_numpy() & \
            frame["arco_stage"].notna().to_numpy()
        if bad.any():
            failures.add(name, "arco_stage", frame.index[bad], frame["arco_stage"][bad],
                         "no ARCO stage for BMES: ARCO stages osteonecrosis only")
    if "months_to_resolution" in frame.columns:
        resolved = frame["resolved"].fillna(False).to_numpy(dtype=bool) \
            if "resolved" in frame.columns else np.zeros(len(frame), dtype=bool)
        bad = frame["months_to_resolution"].notna().to_numpy() & ~resolved
        if bad.any():
            failures.add(name, "months_to_resolution", frame.index[bad],
                         frame["months_to_resolution"][bad],
                         "resolution time when resolved: given for a hip not marked resolved")
