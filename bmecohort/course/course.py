"""The course of a lesion over three or more visits: persistent, resolved, relapsing.

For units with a lesion at the first visit (Nieuwenhuis 2016, bone level):

- ``persistent``: present at every later visit;
- ``resolved``: absent at some visit and never present again after its first absence;
- ``relapsing``: absent at some visit and present again later ("disappeared and returned").

Units without a lesion at the first visit are ``absent`` (never present) or ``incident``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT, PRESENT, VISIT
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame
from .status import LesionStatus
from .transitions import _unit_codes

__all__ = ["LesionCourse", "lesion_course", "COURSES"]

COURSES: tuple[str, ...] = ("persistent", "resolved", "relapsing", "absent", "incident")
COURSE = "course"
BASELINE_PRESENT = "baseline_present"


@result
class LesionCourse(Result):
    """Course of each unit over the chosen visits.

    Attributes
    ----------
    table : pandas.DataFrame
        Unit keys, ``baseline_present`` and ``course`` (categorical, see module docstring).
    visits : tuple of int
        The visits the course spans.
    unit : str
        Unit of analysis.
    accounting : Accounting
        Units in the status, units with a complete course, units excluded and why.
    """

    table: pd.DataFrame
    visits: tuple[int, ...]
    unit: str
    accounting: Accounting

    @property
    def method(self) -> str:
        """Which visits the course spans."""
        return "course over visits " + ", ".join(map(str, self.visits))

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Bars of the courses (:func:`bmecohort.plots.course_plot`)."""
        from ..plots import course_plot

        return course_plot(self, ax=ax, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Share of each course among units with (and without) a lesion at the first visit.

        Columns: term (the course), estimate (proportion), ci_lower, ci_upper, p_value
        (None), n (units with / without a baseline lesion), events (units with that
        course), ``baseline_present`` and ``interval``: cluster-robust (logit Wald, units
        clustered in participants) when a participant contributes several units, Wilson
        otherwise.
        """
        from ..estimators.occurrence.proportions import share_interval

        rows = []
        for present, courses in ((True, COURSES[:3]), (False, COURSES[3:])):
            part = self.table[self.table[BASELINE_PRESENT] == present]
            if part.empty:
                continue
            groups = part[PARTICIPANT].astype(str).to_numpy()
            for course in courses:
                y = (part[COURSE] == course).to_numpy()
                low, high, interval = share_interval(y, groups)
                rows.append({"term": course, "estimate": y.mean(), "ci_lower": low,
                             "ci_upper": high, "p_value": None, "n": len(part),
                             "events": int(y.sum()), BASELINE_PRESENT: present,
                             "interval": interval})
        return summary_frame(rows, extra=("n", "events", BASELINE_PRESENT, "interval"))


def lesion_course(status: LesionStatus, *, visits: Sequence[int] | None = None
                  ) -> LesionCourse:
    """Classify each unit's course over three or more visits.

    Parameters
    ----------
    status : LesionStatus
        From :func:`bmecohort.lesion_status`.
    visits : sequence of int, optional
        The visits (nominal months) to span, first one the baseline; default every visit in
        the status table.

    Returns
    -------
    LesionCourse
        Units with a missing read at any of ``visits`` are excluded (and counted).

    Examples
    --------
    >>> from bmecohort import lesion_status
    >>> from bmecohort.simulate import demo_cohort
    >>> course = lesion_course(lesion_status(demo_cohort(size="small"), unit="bone"))
    >>> course.visits
    (0, 4, 12)
    """
    visits = tuple(int(v) for v in (visits if visits is not None else status.visits))
    if len(visits) < 3:
        raise AnalysisInputError(f"a course needs three or more visits; got {visits} (use "
                                 f"transitions() for two)")
    missing = sorted(set(visits) - set(status.visits))
    if missing:
        raise AnalysisInputError(f"visits {missing} are not in the status table; visits "
                                 f"are {status.visits}")
    table = status.table[status.table[VISIT].isin(visits)]
    uid = _unit_codes(table, status.keys)
    units, unit_index = np.unique(uid, return_inverse=True)
    column = np.searchsorted(np.asarray(visits), table[VISIT].to_numpy())
    present = np.full((len(units), len(visits)), np.nan)
    present[unit_index, column] = table[PRESENT].astype("Float64").to_numpy(
        dtype=float, na_value=np.nan)
    complete = ~np.isnan(present).any(axis=1)
    p = present[complete] == 1
    base, later = p[:, 0], p[:, 1:]
    absent_before = np.maximum.accumulate(~later, axis=1)
    absent_before = np.concatenate([np.zeros((len(p), 1), bool), absent_before[:, :-1]],
                                   axis=1)
    relapsing = (absent_before & later).any(axis=1)
    persistent = later.all(axis=1)
    ever_later = later.any(axis=1)
    code = np.where(base, np.where(persistent, 0, np.where(relapsing, 2, 1)),
                    np.where(ever_later, 4, 3))
    first_rows = pd.Series(np.arange(len(table))).groupby(unit_index).first().to_numpy()
    keys = table.iloc[first_rows[complete]][list(status.keys)].reset_index(drop=True)
    keys[BASELINE_PRESENT] = base
    keys[COURSE] = pd.Categorical.from_codes(code, categories=list(COURSES))
    accounting = Accounting(
        unit=status.unit, n_rows=len(units), n_used=int(complete.sum()),
        excluded=((f"not read at every visit of {visits} (or unreadable)",
                   int((~complete).sum())),) if (~complete).any() else ())
    return LesionCourse(table=keys, visits=visits, unit=status.unit, accounting=accounting)
