"""Analysis frames: one row per unit, lesion status joined to outcomes and covariates.

Every builder is a handful of merges on key columns (no loop over participants) and returns
the frame with the exclusions it made, so that each design can report its denominators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT, PRESENT_FROM, PRESENT_TO, SCORE_FROM, SCORE_TO, VISIT
from ..cohort import Cohort
from ..course import lesion_status, transitions
from ..course.readers import Reading
from ..exceptions import AnalysisInputError

__all__ = [
    "as_object_keys",
    "at_visit",
    "interval_frame",
    "add_participants",
    "Exclusions",
    "reading_notes",
]


class Exclusions:
    """Applies named inclusion criteria in order, counting the rows each one removes."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.n_rows = len(frame)
        self.frame = frame
        self.excluded: list[tuple[str, int]] = []

    def keep(self, mask: np.ndarray | pd.Series, reason: str) -> None:
        """Keep rows where ``mask`` is true; rows dropped are counted under ``reason``."""
        mask = np.asarray(pd.array(mask, dtype="boolean").fillna(False), dtype=bool)
        dropped = int((~mask).sum())
        if dropped:
            self.excluded.append((reason, dropped))
        self.frame = self.frame.loc[mask]

    @property
    def reasons(self) -> tuple[tuple[str, int], ...]:
        """``(reason, count)`` of every exclusion made so far."""
        return tuple(self.excluded)


def as_object_keys(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Key columns as plain strings (categoricals from different tables do not merge)."""
    frame = frame.copy()
    for key in keys:
        if key in frame.columns and isinstance(frame[key].dtype, pd.CategoricalDtype):
            frame[key] = frame[key].astype(str)
    return frame


def at_visit(table: pd.DataFrame, visit: int, keys: Sequence[str], columns: Sequence[str],
             suffix: str) -> pd.DataFrame:
    """Rows of ``table`` at ``visit``: the keys and ``columns`` renamed with ``suffix``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise AnalysisInputError(f"the table has no column(s) {missing} needed by this design")
    part = table.loc[table[VISIT] == visit, [*keys, *columns]]
    part = as_object_keys(part, keys)
    return part.rename(columns={c: f"{c}{suffix}" for c in columns})


def interval_frame(cohort: Cohort, *, unit: str, baseline: int, follow_up: int,
                   threshold: float = 1, definition: str = "two-visit",
                   **status_options: Any) -> tuple[pd.DataFrame, Reading | None]:
    """Lesion transitions of each unit between two visits (one row per unit), and the
    reader policy of the status they come from.

    Columns: the unit keys (strings), ``score_from``, ``score_to``, ``present_from``,
    ``present_to``, ``change``. Units not read at ``baseline`` are absent; units not read at
    ``follow_up`` have missing follow-up columns. The designs compare the two visits their
    papers compared (``definition="two-visit"``, chosen on purpose: no warning about reads
    in between; see :func:`bmecohort.transitions`).
    """
    status = lesion_status(cohort, unit=unit, threshold=threshold, **status_options)
    change = transitions(status, baseline=baseline, follow_up=follow_up,
                         definition=definition)
    columns = [*status.keys, SCORE_FROM, SCORE_TO, PRESENT_FROM, PRESENT_TO, "change"]
    return as_object_keys(change.table[columns], status.keys), status.reading


def reading_notes(reading: Reading | None) -> tuple[str, ...]:
    """A design note on how several readers' reads were combined (none for one reader)."""
    if reading is None or reading.policy == "reader":
        return ()
    return (reading.note(),)


def add_participants(frame: pd.DataFrame, cohort: Cohort,
                     columns: Sequence[str] = ("age", "sex", "bmi")) -> pd.DataFrame:
    """Join participant covariates that exist in the cohort (missing ones are skipped)."""
    present = [c for c in columns if c in cohort.participants.columns and c not in frame]
    participants = as_object_keys(cohort.participants[[PARTICIPANT, *present]], [PARTICIPANT])
    return frame.merge(participants, on=PARTICIPANT, how="left", validate="many_to_one")


def clustered(frame: pd.DataFrame) -> bool:
    """Whether any participant contributes more than one unit."""
    return bool(frame[PARTICIPANT].duplicated().any())
