"""The course of a lesion over three or more visits: persistent, resolved, relapsing.

For units with a lesion at the first visit (Nieuwenhuis 2016, bone level):

- ``persistent``: a lesion at every later visit;
- ``resolved``: completely gone at some visit and never back after its first absence;
- ``relapsing``: gone at some visit and back later ("disappeared and returned").

Units without a lesion at the first visit are ``absent`` (never a lesion) or ``incident``
(a lesion at some later visit, whether or not it is still there at the last).

"A lesion" at the first visit, and for units free at the first visit later on, is a score
at or above the status's ``threshold``. Once a unit had one, "gone" means complete
resolution: a score below grade 1 (below ``threshold`` if lower), whatever ``threshold``
selects for "large"; with ``threshold=2`` a lesion going 3 -> 1 -> 1 is persistent, not
resolved.

Every available read is used. A unit not read (or unreadable) at some visit is classified
when its course is the same whatever its missing reads would have shown (1, ?, 0, 0 is
resolved; 0, ?, 1 incident); otherwise it is undetermined and listed with the courses its
gaps leave open (1, 0, ? could be resolved or relapsing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT, VISIT
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame
from ._units import (
    MISSING,
    STATUS_CHANGES,
    presence_grid,
    status_changes,
    status_code,
    unit_codes,
)
from .readers import Reading
from .status import LesionStatus

__all__ = ["LesionCourse", "lesion_course", "COURSES", "GAPS"]

COURSES: tuple[str, ...] = ("persistent", "resolved", "relapsing", "absent", "incident")
#: How units with missing reads are handled (see :func:`lesion_course`).
GAPS: tuple[str, ...] = ("determined", "exclude")
COURSE = "course"
BASELINE_PRESENT = "baseline_present"
N_MISSING = "n_missing"


@result
class LesionCourse(Result):
    """Course of each unit over the chosen visits.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per classified unit: the unit keys, ``baseline_present``, ``course``
        (categorical, see module docstring), ``n_missing`` (visits of the course without a
        known status; the course is determined all the same) and ``status_changes`` (how
        often the status changed over the visits read; two or more: changed and changed
        back).
    visits : tuple of int
        The visits the course spans.
    unit : str
        Unit of analysis.
    accounting : Accounting
        Units in the status, units classified, units excluded and why.
    undetermined : pandas.DataFrame
        One row per unit whose course is unknown: the unit keys, ``baseline_present``
        (missing when not read at the first visit), ``missing_visits`` (e.g. ``"12, 24"``),
        ``possible`` (the courses its missing reads leave open, e.g. ``"resolved or
        relapsing"``) and ``reason``.
    gaps : {"determined", "exclude"}
        How units with missing reads were handled.
    reading : Reading or None
        The status's reader policy and reader overlap (``LesionStatus.reading``).

    Examples
    --------
    >>> from bmecohort import lesion_course, lesion_status
    >>> from bmecohort.simulate import knee_cohort
    >>> course = lesion_course(lesion_status(knee_cohort(60, seed=1), unit="knee"))
    >>> course.visits, course.unit
    ((0, 12, 24, 48), 'knee')
    >>> course.summary()[["term", "n", "events", "baseline_present"]]
             term   n  events  baseline_present
    0  persistent   9       5              True
    1    resolved   9       3              True
    2   relapsing   9       1              True
    3      absent  92      72             False
    4    incident  92      20             False
    """

    table: pd.DataFrame
    visits: tuple[int, ...]
    unit: str
    accounting: Accounting
    undetermined: pd.DataFrame | None = None
    gaps: str = "determined"
    reading: Reading | None = None

    @property
    def method(self) -> str:
        """Which visits the course spans, and how gaps were handled."""
        gaps = ("units with missing reads classified when determined" if self.gaps ==
                "determined" else "units with missing reads excluded")
        return "course over visits " + ", ".join(map(str, self.visits)) + f"; {gaps}"

    @property
    def n_gap_classified(self) -> int:
        """Units classified although not read (or unreadable) at some visit."""
        return int((self.table[N_MISSING] > 0).sum())

    @property
    def n_intermediate_change(self) -> int:
        """Units whose status changed and changed back (relapsing, transient incident)."""
        return int((self.table[STATUS_CHANGES] >= 2).sum())

    def header(self) -> dict[str, object]:
        """The shared header plus the units classified with gaps and changed back."""
        out = super().header()
        out[f"{self.unit}s classified despite a missing read"] = self.n_gap_classified
        out[f"{self.unit}s changed and changed back"] = self.n_intermediate_change
        if self.reading is not None:
            out.update(self.reading.header())
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Bars of the courses (:func:`bmecohort.plots.course_plot`)."""
        from ..plots import course_plot

        return course_plot(self, ax=ax, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Share of each course among units with (and without) a lesion at the first visit.

        Columns: term (the course), estimate (proportion), ci_lower, ci_upper, p_value
        (None), n (classified units with / without a baseline lesion), events (units with
        that course), ``baseline_present``, ``interval`` (cluster-robust, logit Wald, units
        clustered in participants, when a participant contributes several units; Wilson
        otherwise), ``gap_classified`` (units of the course classified despite a missing
        read) and ``intermediate_changes`` (units of the course whose status changed and
        changed back).
        """
        from ..estimators.occurrence.proportions import share_interval

        rows = []
        for present, courses in ((True, COURSES[:3]), (False, COURSES[3:])):
            part = self.table[self.table[BASELINE_PRESENT] == present]
            if part.empty:
                continue
            groups = pd.factorize(part[PARTICIPANT])[0]  # codes: factorized once
            gap = part[N_MISSING].to_numpy() > 0
            back = part[STATUS_CHANGES].to_numpy() >= 2
            for course in courses:
                y = (part[COURSE] == course).to_numpy()
                low, high, interval = share_interval(y, groups)
                rows.append({"term": course, "estimate": y.mean(), "ci_lower": low,
                             "ci_upper": high, "p_value": None, "n": len(part),
                             "events": int(y.sum()), BASELINE_PRESENT: present,
                             "interval": interval, "gap_classified": int((y & gap).sum()),
                             "intermediate_changes": int((y & back).sum())})
        return summary_frame(rows, extra=("n", "events", BASELINE_PRESENT, "interval",
                                          "gap_classified", "intermediate_changes"))


def _possible(grid: np.ndarray) -> np.ndarray:
    """Bit mask (bit i: ``COURSES[i]``) of the courses each unit's missing reads allow."""
    base, later = grid[:, 0], grid[:, 1:]
    can_present, can_absent = later != 0, later != 1
    # relapsing: an absence (possible) before a presence (possible)
    absent_before = np.maximum.accumulate(can_absent, axis=1)
    absent_before = np.concatenate([np.zeros((len(grid), 1), bool), absent_before[:, :-1]],
                                   axis=1)
    relapsing = (absent_before & can_present).any(axis=1)
    persistent = can_present.all(axis=1)
    # resolved: present up to some later visit c (exclusive), absent from c to the end
    k = later.shape[1]
    present_to = np.concatenate([np.ones((len(grid), 1), bool),
                                 np.minimum.accumulate(can_present, axis=1)[:, :-1]], axis=1)
    absent_from = np.minimum.accumulate(can_absent[:, ::-1], axis=1)[:, ::-1]
    resolved = (present_to[:, :k] & absent_from).any(axis=1)
    absent = can_absent.all(axis=1)
    incident = can_present.any(axis=1)
    with_lesion = persistent * 1 + resolved * 2 + relapsing * 4
    without = absent * 8 + incident * 16
    unknown = 31  # base missing: any course
    return np.where(base == 1, with_lesion, np.where(base == 0, without, unknown))


#: Number of courses in, and first course of, each bit mask of _possible (0 to 31).
_POPCOUNT = np.array([bin(m).count("1") for m in range(32)], dtype=np.int64)
_LOWEST_BIT = np.array([(m & -m).bit_length() - 1 if m else 0 for m in range(32)],
                       dtype=np.int64)


def _names(mask: int) -> str:
    return " or ".join(c for i, c in enumerate(COURSES) if mask >> i & 1)


def lesion_course(status: LesionStatus, *, visits: Sequence[int] | None = None,
                  gaps: str = "determined") -> LesionCourse:
    """Classify each unit's course over three or more visits.

    Parameters
    ----------
    status : LesionStatus
        From :func:`bmecohort.lesion_status`.
    visits : sequence of int, optional
        The visits (nominal months) to span, first one the baseline; default every visit in
        the status table.
    gaps : {"determined", "exclude"}, default="determined"
        Units not read (or unreadable) at some visit after the first: ``"determined"``
        classifies those whose course every value of the missing reads agrees on (a read
        at the first visit is always needed) and lists the others in ``.undetermined``;
        ``"exclude"`` keeps units read at every visit only (the behaviour before gaps were
        handled). Leaving out the undetermined units can shift the shares (0, ?, 0 could be
        absent or incident and is left out, while 0, ?, 1 counts as incident): compare both
        as a sensitivity analysis.

    Returns
    -------
    LesionCourse
        ``.table`` of classified units; ``.undetermined`` of the others with the courses
        their gaps leave open; ``.accounting`` counts each exclusion reason.

    Examples
    --------
    >>> from bmecohort import lesion_status
    >>> from bmecohort.simulate import demo_cohort
    >>> course = lesion_course(lesion_status(demo_cohort(size="small"), unit="bone"))
    >>> course.visits
    (0, 4, 12)
    >>> course.gaps, course.n_gap_classified >= 0
    ('determined', True)
    """
    visits = tuple(int(v) for v in (visits if visits is not None else status.visits))
    if gaps not in GAPS:
        raise AnalysisInputError(f"gaps must be one of {GAPS}, got {gaps!r}")
    if len(visits) < 3:
        raise AnalysisInputError(f"a course needs three or more visits; got {visits} (use "
                                 f"transitions() for two)")
    if list(visits) != sorted(set(visits)):
        raise AnalysisInputError(f"visits must be distinct and increasing; got {visits}")
    missing = sorted(set(visits) - set(status.visits))
    if missing:
        raise AnalysisInputError(f"visits {missing} are not in the status table; visits "
                                 f"are {status.visits}")
    table = status.table[status.table[VISIT].isin(visits)]
    uid = unit_codes(table, status.keys)
    units, first_rows, row = np.unique(uid, return_index=True, return_inverse=True)
    grid = presence_grid(table, row, len(units), visits)
    if status.threshold > 1:
        # after a lesion at the first visit, any lesion of grade 1 or more keeps it present
        lesion = presence_grid(table, row, len(units), visits,
                               status_code(table, at_least=1.0))
        grid = np.where(grid[:, :1] == 1, lesion, grid).astype(np.int8)
    possible = _possible(grid)
    gap = (grid == MISSING).any(axis=1)
    determined = _POPCOUNT[possible] == 1
    if gaps == "exclude":
        determined &= ~gap
    code = _LOWEST_BIT[possible]
    keys = table.iloc[first_rows][list(status.keys)].reset_index(drop=True)
    base = grid[:, 0]
    out = keys[determined].reset_index(drop=True)
    out[BASELINE_PRESENT] = base[determined] == 1
    out[COURSE] = pd.Categorical.from_codes(code[determined], categories=list(COURSES))
    out[N_MISSING] = (grid[determined] == MISSING).sum(axis=1).astype(np.int64)
    out[STATUS_CHANGES] = status_changes(grid[determined])
    undetermined, excluded = _undetermined(keys, grid, possible, ~determined, visits, gaps)
    accounting = Accounting(unit=status.unit, n_rows=len(units), n_used=int(determined.sum()),
                            excluded=excluded)
    return LesionCourse(table=out, visits=visits, unit=status.unit, accounting=accounting,
                        undetermined=undetermined, gaps=gaps,
                        reading=getattr(status, "reading", None))


def _undetermined(keys: pd.DataFrame, grid: np.ndarray, possible: np.ndarray,
                  rows: np.ndarray, visits: tuple[int, ...], gaps: str
                  ) -> tuple[pd.DataFrame, tuple[tuple[str, int], ...]]:
    """The units left unclassified, each with the reason, and the count of each reason."""
    part = grid[rows]
    out = keys[rows].reset_index(drop=True)
    base = pd.array(part[:, 0] == 1, dtype="boolean")
    base[part[:, 0] == MISSING] = pd.NA
    out[BASELINE_PRESENT] = base
    missing_visits = np.full(len(part), "", dtype=object)
    for j, visit in enumerate(visits):  # a handful of visits, not units
        here = part[:, j] == MISSING
        missing_visits = np.where(here & (missing_visits != ""), missing_visits + ", ",
                                  missing_visits)
        missing_visits = np.where(here, missing_visits + str(visit), missing_visits)
    out["missing_visits"] = missing_visits
    masks = possible[rows]
    codes, inverse = np.unique(masks, return_inverse=True)
    out["possible"] = np.array([_names(int(m)) for m in codes], dtype=object)[inverse]
    no_base = part[:, 0] == MISSING
    only_base = ~no_base & (part[:, 1:] == MISSING).all(axis=1)
    reason = np.where(no_base, f"not read at the first visit ({visits[0]})",
                      np.where(only_base, "read at the first visit only",
                               "course undetermined: missing reads leave it "
                               + out["possible"].to_numpy(dtype=str).astype(object)))
    if gaps == "exclude":
        reason = np.where(_POPCOUNT[masks] == 1, "not read at every visit (gaps='exclude')",
                          reason)
    out["reason"] = reason.astype(object)
    counts = pd.Series(reason, dtype=object).value_counts()
    return out, tuple((str(r), int(n)) for r, n in sorted(counts.items()))
