"""Rules across tables: every row points at a participant and a visit that exist."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._failures import Failures

__all__ = ["check_links"]

#: Tables whose (participant_id, visit) must exist in visits.
_VISIT_TABLES = ("lesion_reads", "knee_outcomes", "spine_corners", "ra_bones")
#: Tables whose participant_id must exist in participants.
_PARTICIPANT_TABLES = ("visits", "hip_cases")


def _codes(values: pd.Series, categories: pd.Index) -> np.ndarray:
    """Integer code of each value among ``categories`` (-1 when absent); fast on categoricals."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        mapping = categories.get_indexer(values.cat.categories)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, mapping[codes], -1)
    return categories.get_indexer(values.astype(object))


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
    # Visits with a missing or negative month are failures of their own and link nothing
    # (a negative month would alias another participant's code * span + visit).
    visits = visits.loc[(visits["visit"].notna() & (visits["visit"] >= 0)).to_numpy()]
    ids = pd.Index(visits["participant_id"].astype(object).unique())
    span = int(visits["visit"].max()) + 2 if len(visits) else 2
    known = np.unique(_codes(visits["participant_id"], ids).astype(np.int64) * span
                      + visits["visit"].to_numpy(dtype=np.int64))
    for name in _VISIT_TABLES:
        frame = tables.get(name)
        if frame is None:
            continue
        # Rows with a missing key are reported as such; they cannot be linked.
        keyed = frame["participant_id"].notna().to_numpy() & frame["visit"].notna().to_numpy()
        code = _codes(frame["participant_id"], ids).astype(np.int64)
        visit = frame["visit"].fillna(-1).to_numpy(dtype=np.int64)
        key = code * span + np.clip(visit, 0, span - 1)
        orphan = keyed & ((code < 0) | (visit < 0) | (visit >= span - 1)
                          | ~np.isin(key, known, assume_unique=False))
        if orphan.any():
            values = [f"participant_id={p}, visit={v}" for p, v in zip(
                frame["participant_id"][orphan].astype(str), visit[orphan], strict=True)]
            failures.add(name, "visit", frame.index[orphan], values,
                         "visit exists: (participant_id, visit) is not in visits")
