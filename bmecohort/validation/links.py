"""Rules across tables: every row points at a participant and a visit that exist."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from ._failures import Failures

__all__ = ["check_links"]

#: Tables whose (participant_id, visit) must exist in visits.
_VISIT_TABLES = ("lesion_reads", "knee_outcomes", "spine_corners", "ra_bones")
#: Tables whose participant_id must exist in participants.
_PARTICIPANT_TABLES = ("visits", "hip_cases")
#: Largest (participants x visit months) key space checked with a lookup table (64 MB).
_LOOKUP_MAX = 1 << 26


def _codes(values: pd.Series, categories: pd.Index) -> np.ndarray:
    """Integer code of each value among ``categories`` (-1 when absent); fast on categoricals."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        mapping = categories.get_indexer(values.cat.categories)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, mapping[codes], -1)
    return categories.get_indexer(values.astype(object))


def _month_codes(visit: pd.Series, months: np.ndarray) -> np.ndarray:
    """Position of each visit month among the sorted distinct ``months`` (-1 when absent)."""
    values = visit.to_numpy()
    at = np.minimum(np.searchsorted(months, values), max(len(months) - 1, 0))
    found = (months[at] == values) if len(months) else np.zeros(len(values), dtype=bool)
    return np.where(found, at, -1).astype(np.int64)


def _membership(known: np.ndarray, size: int) -> Callable[[np.ndarray], np.ndarray]:
    """``key -> key in known`` for keys in ``[0, size)``: a lookup table when it is small."""
    if size == 0:
        return lambda keys: np.zeros(len(keys), dtype=bool)
    if size <= _LOOKUP_MAX:
        table = np.zeros(size, dtype=bool)
        table[known] = True
        return lambda keys: table[keys]
    known = np.unique(known)
    return lambda keys: np.isin(keys, known)


def check_links(tables: Mapping[str, pd.DataFrame | None], failures: Failures) -> None:
    """Foreign keys: participants -> visits -> reads and outcomes (vectorised)."""
    participants, visits = tables.get("participants"), tables.get("visits")
    if participants is not None:
        ids = pd.Index(participants["participant_id"].astype(object).unique())
        for name in _PARTICIPANT_TABLES:
            frame = tables.get(name)
            if frame is None:
                continue
            missing = (_codes(frame["participant_id"], ids) < 0) & \
                frame["participant_id"].notna().to_numpy()
            if missing.any():
                failures.add(name, "participant_id", frame.index[missing],
                             frame["participant_id"][missing],
                             "participant exists: not in participants")
    if visits is None:
        return
    if participants is not None:
        _participants_without_visits(participants, visits, failures)
    # Visits with a missing or negative month are failures of their own and link nothing.
    visits = visits.loc[(visits["visit"].notna() & (visits["visit"] >= 0)).to_numpy()]
    ids = pd.Index(visits["participant_id"].astype(object).unique())
    months = np.sort(pd.unique(visits["visit"].to_numpy()))
    # The key combines two small codes (position among participants, among distinct visit
    # months), never the months themselves: no overflow whatever the months are.
    width = len(months) + 1
    known = (_codes(visits["participant_id"], ids).astype(np.int64) * width
             + _month_codes(visits["visit"], months))
    exists = _membership(known, len(ids) * width)
    for name in _VISIT_TABLES:
        frame = tables.get(name)
        if frame is None:
            continue
        # Rows with a missing key are reported as such; they cannot be linked.
        keyed = frame["participant_id"].notna().to_numpy() & frame["visit"].notna().to_numpy()
        code = _codes(frame["participant_id"], ids).astype(np.int64)
        month = _month_codes(frame["visit"], months)
        linkable = (code >= 0) & (month >= 0)
        orphan = keyed & ~(linkable & exists(np.where(linkable, code * width + month, 0)))
        if orphan.any():
            values = [f"participant_id={p}, visit={v}" for p, v in zip(
                frame["participant_id"][orphan].astype(str),
                frame["visit"][orphan].astype(object), strict=True)]
            failures.add(name, "visit", frame.index[orphan], values,
                         "visit exists: (participant_id, visit) is not in visits")


def _participants_without_visits(participants: pd.DataFrame, visits: pd.DataFrame,
                                 failures: Failures) -> None:
    """Every participant has a visit (the baseline rule in visits checks which one)."""
    seen = pd.Index(visits["participant_id"].astype(object).unique())
    pid = participants["participant_id"]
    # A missing or blank id is a missing key (reported as such), not a person without visits.
    named = pid.notna().to_numpy() & (pid.astype(str).str.strip() != "").to_numpy()
    alone = (_codes(pid, seen) < 0) & named
    if alone.any():
        failures.add("participants", "participant_id", participants.index[alone], pid[alone],
                     "one baseline: the participant has no visit at all in visits (every "
                     "participant needs a baseline visit, visit 0)")
