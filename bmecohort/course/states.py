"""Lesion states per unit and visit: the input of a multi-state model (:func:`bmecohort.multistate`).

A unit's aggregated score at a visit is coded as a state: 1 no lesion (score below the first
threshold), 2 a lesion, 3 a large lesion (score at or above the second threshold), and so on
for further thresholds; time is the actual time from baseline of the visit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._columns import MONTHS, STATUS_SCORE, VISIT
from ..cohort import Cohort
from ..exceptions import AnalysisInputError
from .status import LesionStatus, lesion_status

__all__ = ["STATE", "SUBJECT", "TIME", "lesion_states", "states_frame"]

SUBJECT = "subject"
TIME = "time"
STATE = "state"
TIME_UNITS = {"years": 12.0, "months": 1.0}


def _check(thresholds: Sequence[float], time: str) -> tuple[float, ...]:
    cuts = tuple(float(t) for t in thresholds)
    if not cuts or list(cuts) != sorted(set(cuts)):
        raise AnalysisInputError(f"thresholds must be one or more increasing scores, e.g. "
                                 f"(1, 2); got {tuple(thresholds)!r}")
    if time not in TIME_UNITS:
        raise AnalysisInputError(f"time must be one of {list(TIME_UNITS)}, got {time!r}")
    return cuts


def states_frame(status: LesionStatus, thresholds: Sequence[float] = (1, 2),
                 time: str = "years") -> pd.DataFrame:
    """Lesion states of a :class:`~bmecohort.course.LesionStatus` (see :func:`lesion_states`)."""
    cuts = _check(thresholds, time)
    table = status.table
    keep = (table[STATUS_SCORE].notna() & table[MONTHS].notna()).to_numpy()
    keys = list(status.keys)
    out = table.loc[keep, [*keys, VISIT, MONTHS, STATUS_SCORE]].reset_index(drop=True)
    for key in keys:
        out[key] = out[key].astype(str)
    subject = out[keys[0]].copy()
    for key in keys[1:]:  # a handful of key columns, not rows
        subject = subject + ":" + out[key]
    score = out[STATUS_SCORE].to_numpy(dtype=float)
    state = 1 + (score[:, None] >= np.asarray(cuts)[None, :]).sum(axis=1)
    out.insert(0, SUBJECT, subject)
    out[TIME] = out.pop(MONTHS).to_numpy(dtype=float) / TIME_UNITS[time]
    out[STATE] = state.astype(np.int64)
    return out.sort_values([SUBJECT, TIME], kind="stable").reset_index(drop=True)


def lesion_states(
    cohort: Cohort,
    *,
    unit: str = "knee",
    thresholds: Sequence[float] = (1, 2),
    time: str = "years",
    reader: str | None = None,
    **status_options: object,
) -> pd.DataFrame:
    """One row per unit and visit with a read: its lesion state, for :func:`bmecohort.multistate`.

    Parameters
    ----------
    cohort : Cohort
        A validated cohort.
    unit : str, default="knee"
        Unit of analysis (see :func:`bmecohort.lesion_status`); each unit is a subject of
        the multi-state model.
    thresholds : sequence of float, default=(1, 2)
        Increasing scores that start each state above the first: state 1 no lesion (score
        below ``thresholds[0]``), 2 a lesion, 3 a large lesion (score at or above
        ``thresholds[1]``). ``(1,)`` gives the two states no lesion / lesion.
    time : {"years", "months"}, default="years"
        Unit of the ``time`` column, from the visit's ``months_from_baseline``.
    reader : str, optional
        The reader or a reader policy (see :func:`bmecohort.lesion_status`).
    **status_options
        Further options of :func:`bmecohort.lesion_status` (``aggregate``, ``sites``,
        ``readers``, ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject`` (the participant id for ``unit="participant"``, else the unit
        keys joined by ``":"``, e.g. ``"K0001:R"``), the unit keys (strings), ``visit``,
        ``score``, ``time`` and ``state`` (1, 2, ...); sorted by subject and time. Unit-visits
        without an assessable read, or without a time, are left out.

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> states = lesion_states(knee_cohort(20, seed=1), unit="knee")
    >>> list(states.columns)
    ['subject', 'participant_id', 'side', 'visit', 'score', 'time', 'state']
    >>> sorted(states["state"].unique().tolist()) in ([1, 2], [1, 2, 3], [1, 3], [1])
    True
    """
    cuts = _check(thresholds, time)
    status = lesion_status(cohort, unit=unit, threshold=cuts[0], reader=reader,
                           **status_options)  # type: ignore[arg-type]
    return states_frame(status, cuts, time)
