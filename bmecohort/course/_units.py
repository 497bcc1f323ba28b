"""Units of analysis: where each unit's scores come from and which columns identify it.

Also the two array helpers the course functions share: integer codes of units, and the
unit-by-visit grid of lesion status (1 lesion, 0 none, -1 not read or unreadable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._columns import PRESENT, STATUS_SCORE, VISIT

__all__ = ["UNITS", "UnitSpec", "presence_grid", "status_changes", "status_code", "unit_codes"]

#: Grid value of a visit without a known status (not read, or no assessable site).
MISSING = -1
#: Column of transitions and course tables: changes of lesion status over the visits read.
STATUS_CHANGES = "status_changes"


@dataclass(frozen=True)
class UnitSpec:
    """How one unit of analysis is built.

    Parameters
    ----------
    name : str
        Unit name, as passed to :func:`bmecohort.lesion_status`.
    table : str
        Cohort table the scores come from.
    keys : tuple of str
        Columns identifying a unit (participant_id first).
    joint : str or None
        Joint the reads are restricted to (lesion_reads units).
    default_item : str
        Score column (wide tables) or item (lesion_reads: the system's lesion item).
    """

    name: str
    table: str
    keys: tuple[str, ...]
    joint: str | None
    default_item: str


UNITS: dict[str, UnitSpec] = {
    "participant": UnitSpec("participant", "lesion_reads", ("participant_id",), None,
                            "lesion"),
    "knee": UnitSpec("knee", "lesion_reads", ("participant_id", "side"), "knee", "lesion"),
    "compartment": UnitSpec("compartment", "lesion_reads",
                            ("participant_id", "side", "compartment"), "knee", "lesion"),
    "subregion": UnitSpec("subregion", "lesion_reads", ("participant_id", "side", "site"),
                          None, "lesion"),
    "corner": UnitSpec("corner", "spine_corners", ("participant_id", "level", "corner"), None,
                       "mri_inflammation"),
    "bone": UnitSpec("bone", "ra_bones", ("participant_id", "side", "bone"), None, "bme"),
}


def unit_codes(table: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    """One integer per unit (row-wise), from the categorical codes of the key columns."""
    codes = [table[k].cat.codes.to_numpy(np.int64) for k in keys]
    sizes = [max(len(table[k].cat.categories), 1) for k in keys]
    return np.ravel_multi_index(codes, sizes)


def status_code(table: pd.DataFrame, at_least: float | None = None) -> np.ndarray:
    """Per row: 1 lesion, 0 none, -1 unknown; by ``present``, or by ``score >= at_least``."""
    if at_least is None:
        present = table[PRESENT].array
        return np.where(present.isna(), MISSING,
                        present.to_numpy(dtype=bool, na_value=False)).astype(np.int8)
    score = table[STATUS_SCORE].to_numpy(dtype=float)
    return np.where(np.isnan(score), MISSING, score >= at_least).astype(np.int8)


def presence_grid(table: pd.DataFrame, row: np.ndarray, n_units: int,
                  visits: Sequence[int], code: np.ndarray | None = None) -> np.ndarray:
    """Lesion status of each unit (grid row) at each of ``visits`` (grid column).

    ``row`` gives the grid row of every row of ``table`` (-1: a unit not in the grid); rows
    at other visits are ignored. Values: 1 lesion, 0 none, -1 (:data:`MISSING`) not read or
    unreadable; from ``code`` (see :func:`status_code`) when given, else from ``present``.
    """
    read = np.asarray(visits, dtype=np.int64)
    visit = table[VISIT].to_numpy(np.int64)
    column = np.minimum(np.searchsorted(read, visit), len(read) - 1)
    keep = (read[column] == visit) & (row >= 0)
    if code is None:
        code = status_code(table)
    grid = np.full((n_units, len(read)), MISSING, dtype=np.int8)
    grid[row[keep], column[keep]] = code[keep]
    return grid


def status_changes(grid: np.ndarray) -> np.ndarray:
    """How often each row's status changed between consecutive known reads (gaps skipped).

    Two or more changes mean the status changed and changed back: a comparison of the
    first and last visit alone does not show it.
    """
    if grid.shape[1] < 2:
        return np.zeros(len(grid), dtype=np.int64)
    known = grid != MISSING
    index = np.where(known, np.arange(grid.shape[1]), -1)
    last_known = np.maximum.accumulate(index, axis=1)
    previous = np.take_along_axis(grid, np.maximum(last_known[:, :-1], 0), axis=1)
    changed = known[:, 1:] & (last_known[:, :-1] >= 0) & (grid[:, 1:] != previous)
    return changed.sum(axis=1).astype(np.int64)
