"""Transitions between visits: incident, resolved, progressed, regressed, stable, none.

Classification of a unit's score ``s0`` at the first visit and ``s1`` at the second, with
presence ``p = s >= threshold`` (../shared/research/domain.md section 1.4):

========== ====================================================================
none       not p0 and not p1
incident   not p0 and p1
resolved   p0 and s1 < 1: complete resolution, no lesion of grade 1 or more left
progressed p0 and p1 and s1 > s0
regressed  p0 and s1 < s0, a lesion left (with ``threshold=2``: 3 -> 1 regressed)
stable     p0 and p1 and s1 == s0
========== ====================================================================

With ``threshold=1`` these are exactly Roemer 2009's categories (new, resolving, progressing,
regressing, stable). A higher threshold selects "large" lesions for presence (incidence of a
large lesion: ``not p0 and p1``) but never redefines resolution: a lesion is resolved only
when it is gone below grade 1 (below ``threshold`` if that is lower than 1). Half grades
(within-grade change codes) count as change only with ``within_grade=True``; otherwise
scores are compared at whole-grade resolution (floor).

Between two chosen visits, reads at the visits in between are looked at too (``definition``):
``"two-visit"`` compares the two visits and counts the units whose status changed and changed
back in between (0 -> 2 -> 0 is ``none``, 1 -> 0 -> 1 ``stable``); ``"ever"`` calls a unit
free of lesion at baseline ``incident`` when a lesion is seen at any visit up to the second.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._columns import (
    CHANGE,
    CHANGE_CLASSES,
    MONTHS,
    PARTICIPANT,
    PRESENT,
    PRESENT_FROM,
    PRESENT_TO,
    SCORE_FROM,
    SCORE_TO,
    STATUS_SCORE,
    VISIT,
    VISIT_FROM,
    VISIT_TO,
)
from ..exceptions import AnalysisInputError, DataQualityWarning
from ..results import Accounting, Result, result, summary_frame
from ._units import MISSING, STATUS_CHANGES, presence_grid, status_changes, unit_codes
from .readers import Reading
from .status import LesionStatus

__all__ = ["DEFINITIONS", "Transitions", "transitions", "classify_change"]

MONTHS_FROM = "months_from"
MONTHS_TO = "months_to"
N_INTERMEDIATE = "n_intermediate"
#: How a pair of visits far apart is classified (see :func:`transitions`).
DEFINITIONS: tuple[str, ...] = ("two-visit", "ever")
#: Grade below which a lesion has completely resolved, whatever threshold defines presence.
LESION_GRADE = 1.0


@result
class Transitions(Result):
    """Per unit and interval: the scores, presence and change class.

    Attributes
    ----------
    table : pandas.DataFrame
        Unit keys, ``visit_from``, ``visit_to``, ``months_from``, ``months_to``,
        ``score_from``, ``score_to`` (the reads at the two visits), ``present_from``,
        ``present_to`` (boolean, missing when unknown; see :func:`transitions` for its
        meaning under ``definition="ever"``), ``change`` (categorical, missing when unknown),
        ``n_intermediate`` (visits between the two at which the unit was read) and
        ``status_changes`` (how often its lesion status changed over the visits read from
        ``visit_from`` to ``visit_to``; two or more: changed and changed back).
    unit, keys : str, tuple of str
        Unit of analysis and its identifying columns.
    threshold : float
        Score at which a unit has a lesion.
    within_grade : bool
        Whether half grades counted as change.
    accounting : Accounting
        Units in the status, transitions made, units without a pair and why.
    definition : {"two-visit", "ever"}
        How reads between the two visits were used.
    n_intermediate_change : int
        Units with a known class whose status changed and changed back between the two
        visits (``status_changes >= 2``): under ``"two-visit"`` their class does not show it;
        under ``"ever"`` a lesion seen in between shows, one lost in between (1 -> 0 -> 1)
        does not.
    warnings : tuple of str
        Caveats issued as warnings (intermediate changes hidden by the default definition).
    reading : Reading or None
        The status's reader policy and reader overlap (``LesionStatus.reading``).

    Examples
    --------
    >>> from bmecohort import lesion_status, transitions
    >>> from bmecohort.simulate import knee_cohort
    >>> status = lesion_status(knee_cohort(60, seed=1), unit="knee")
    >>> pair = transitions(status, baseline=0, follow_up=24, definition="two-visit")
    >>> pair.accounting.unit, pair.definition
    ('knee-interval', 'two-visit')
    >>> pair.summary()[["change", "n", "events"]]
           change    n  events
    0        none  106      85
    1    incident  106      11
    2    resolved  106       2
    3  progressed  106       4
    4   regressed  106       3
    5      stable  106       1
    """

    table: pd.DataFrame
    unit: str
    keys: tuple[str, ...]
    threshold: float
    within_grade: bool
    accounting: Accounting
    definition: str = "two-visit"
    n_intermediate_change: int = 0
    warnings: tuple[str, ...] = ()
    reading: Reading | None = None

    @property
    def method(self) -> str:
        """How changes were classified."""
        grade = "half grades count" if self.within_grade else "whole grades"
        resolved = min(self.threshold, LESION_GRADE)
        return (f"{self.definition}: lesion if score >= {self.threshold:g}, resolved if "
                f"score < {resolved:g}; {grade}")

    @property
    def intervals(self) -> list[tuple[int, int]]:
        """The (visit_from, visit_to) pairs present."""
        pairs = self.table[[VISIT_FROM, VISIT_TO]].drop_duplicates().sort_values(
            [VISIT_FROM, VISIT_TO])
        return [(int(a), int(b)) for a, b in pairs.itertuples(index=False)]

    def header(self) -> dict[str, object]:
        """The shared header plus the count of units with intermediate changes."""
        out = super().header()
        out[f"{self.unit}s changed and changed back in between"] = self.n_intermediate_change
        if self.reading is not None:
            out.update(self.reading.header())
        return out

    def summary(self) -> pd.DataFrame:
        """Share of units in each change class per interval.

        Columns: term (``"<from>-><to> <class>"``), estimate (proportion of units with a
        known class), ci_lower, ci_upper (cluster-robust when participants contribute
        several units, Wilson otherwise; see ``interval``), p_value (None), n (units with a
        known class), events (units in the class), plus ``visit_from``, ``visit_to``,
        ``change``, ``interval``, ``definition`` and ``intermediate_changes`` (units of the
        class whose status changed and changed back between the two visits).
        """
        from ..estimators.occurrence.proportions import share_interval

        known = self.table[self.table[CHANGE].notna()]
        rows = []
        for (a, b), part in known.groupby([VISIT_FROM, VISIT_TO], sort=True):
            groups = pd.factorize(part[PARTICIPANT])[0]  # codes: factorized once
            back = part[STATUS_CHANGES].to_numpy() >= 2
            for change in CHANGE_CLASSES:
                y = (part[CHANGE] == change).to_numpy()
                low, high, interval = share_interval(y, groups)
                rows.append({"term": f"{a}->{b} {change}", "estimate": y.mean(),
                             "ci_lower": low, "ci_upper": high, "p_value": None,
                             "n": len(part), "events": int(y.sum()), VISIT_FROM: int(a),
                             VISIT_TO: int(b), CHANGE: change, "interval": interval,
                             "definition": self.definition,
                             "intermediate_changes": int((y & back).sum())})
        return summary_frame(rows, extra=("n", "events", VISIT_FROM, VISIT_TO, CHANGE,
                                          "interval", "definition", "intermediate_changes"))

    def matrix(self, *, visit_from: int | None = None, visit_to: int | None = None,
               normalize: bool = False) -> pd.DataFrame:
        """Cross-table of score at ``visit_from`` (rows) by score at ``visit_to`` (columns).

        Defaults to the first interval. ``normalize=True`` gives row proportions.
        """
        if visit_from is None or visit_to is None:
            visit_from, visit_to = self.intervals[0]
        part = self.table[(self.table[VISIT_FROM] == visit_from)
                          & (self.table[VISIT_TO] == visit_to) & self.table[SCORE_TO].notna()]
        return pd.crosstab(part[SCORE_FROM].rename(f"score at {visit_from}"),
                           part[SCORE_TO].rename(f"score at {visit_to}"),
                           normalize="index" if normalize else False)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked bars of the change classes per interval (see bmecohort.plots)."""
        from ..plots import transition_plot

        return transition_plot(self, ax=ax, **kwargs)


def _whole(scores: np.ndarray, within_grade: bool) -> np.ndarray:
    # 1e-9 guards against 1.9999999 from upstream arithmetic.
    return scores if within_grade else np.floor(scores + 1e-9)


def _change_codes(s0: np.ndarray, s1: np.ndarray, threshold: float) -> np.ndarray:
    """Codes into CHANGE_CLASSES of score pairs already at the compared resolution."""
    p0, p1 = s0 >= threshold, s1 >= threshold
    gone = s1 < min(threshold, LESION_GRADE)
    code = np.select([~p0 & ~p1, ~p0 & p1, p0 & gone, s1 > s0, s1 < s0], [0, 1, 2, 3, 4],
                     default=5)
    return np.where(np.isnan(s0) | np.isnan(s1), -1, code)


def classify_change(score_from: np.ndarray, score_to: np.ndarray, *, threshold: float = 1,
                    within_grade: bool = False) -> pd.Categorical:
    """Change class of each pair of scores (missing when either score is missing).

    Parameters
    ----------
    score_from, score_to : array-like of float
        Scores at the first and the second visit.
    threshold : float, default=1
        A score at or above it is a lesion (2 for "large" lesions). ``resolved`` always
        means complete resolution, a score below 1 (below ``threshold`` when it is lower): a
        lesion at or above ``threshold`` that falls below it but not below 1 has
        ``regressed``.
    within_grade : bool, default=False
        Compare half grades as they are; otherwise compare whole grades (floor).

    Returns
    -------
    pandas.Categorical
        Categories ``none, incident, resolved, progressed, regressed, stable``.

    Examples
    --------
    >>> classify_change([0, 0, 2, 1, 3, 2, 1], [0, 1, 0, 2, 1, 2, 1.5]).tolist()
    ['none', 'incident', 'resolved', 'progressed', 'regressed', 'stable', 'stable']
    >>> classify_change([3, 3, 1], [1, 0, 2], threshold=2).tolist()
    ['regressed', 'resolved', 'incident']
    """
    s0 = _whole(np.asarray(score_from, dtype=float), within_grade)
    s1 = _whole(np.asarray(score_to, dtype=float), within_grade)
    return pd.Categorical.from_codes(_change_codes(s0, s1, threshold),
                                     categories=list(CHANGE_CLASSES))


def _check_options(status: LesionStatus, within_grade: bool | None, definition: str | None
                   ) -> tuple[bool, str]:
    if definition is not None and definition not in DEFINITIONS:
        raise AnalysisInputError(f"definition must be one of {DEFINITIONS}, got "
                                 f"{definition!r}")
    status_grades = bool(getattr(status, "within_grade", False))
    if within_grade is None:
        within_grade = status_grades
    if within_grade and not status_grades:
        raise AnalysisInputError(
            "within_grade=True needs the half grades, but this status holds whole grades "
            "(lesion_status(within_grade=False) floors each site score); build it with "
            "lesion_status(..., within_grade=True)")
    return bool(within_grade), definition or DEFINITIONS[0]


def transitions(
    status: LesionStatus,
    *,
    baseline: int | None = None,
    follow_up: int | None = None,
    within_grade: bool | None = None,
    definition: str | None = None,
) -> Transitions:
    """Classify each unit's change between two visits.

    Parameters
    ----------
    status : LesionStatus
        From :func:`bmecohort.lesion_status`.
    baseline, follow_up : int, optional
        Visits (nominal months) to compare, e.g. ``baseline=0, follow_up=24``. Give both or
        neither; by default every pair of consecutive visits at which a unit was read.
    within_grade : bool, optional
        Count half-grade (within-grade) changes as change. Defaults to the status's own
        choice (``lesion_status(within_grade=...)``); ``True`` needs a status that kept them.
    definition : {"two-visit", "ever"}, optional
        How a pair of visits with visits in between is classified:

        - ``"two-visit"``: from the reads at ``baseline`` and ``follow_up`` alone (a lesion
          seen only in between is missed: 0 -> 2 -> 0 is ``none``, 1 -> 0 -> 1 ``stable``).
          The units whose status changed and changed back are counted on the result and in
          the summary. The default (None) is this definition plus a
          :class:`~bmecohort.exceptions.DataQualityWarning` when such units exist; pass it
          explicitly to compare the two visits on purpose, without the warning.
        - ``"ever"``: a unit free of lesion at ``baseline`` is ``incident`` when a lesion
          is seen at any visit after it up to ``follow_up`` (0 -> 2 -> 0 is incident), even
          when ``follow_up`` was not read; it is ``none`` only when read without a lesion at
          ``follow_up`` and at every visit in between: a missing intermediate read (not read
          or unreadable) leaves its class missing (undetermined, counted in the accounting).
          A unit with a lesion at ``baseline`` is classed by its read at ``follow_up`` as
          under ``"two-visit"``: resolved means no lesion left at the last visit, whatever
          happened in between (1 -> 0 -> 1 is ``stable``; it is counted as changed and
          changed back).

        Consecutive visits have nothing in between; both definitions agree there.

    Returns
    -------
    Transitions
        ``.table`` with one row per unit and interval; ``.summary()`` the share of each
        change class; ``.matrix()`` the from-by-to score table.

    Notes
    -----
    With a chosen pair, every unit read at ``baseline`` appears; a unit not read at
    ``follow_up`` has missing ``score_to``, ``present_to`` and (unless ``"ever"`` decides it)
    ``change`` (incidence and resolution then count it as excluded: missing follow-up).
    Units not read at ``baseline`` are counted in the accounting as excluded. Under
    ``"ever"``, ``present_to`` is the status the definition gives at the end of the interval:
    for a unit free of lesion at baseline, whether a lesion was seen at any visit up to
    ``follow_up``; ``score_to`` stays the read at ``follow_up``.

    "Resolved" is complete resolution (score below grade 1) whatever ``threshold`` the status
    used; with ``threshold=2`` a large lesion that shrinks to grade 1 has regressed.

    Examples
    --------
    >>> from bmecohort import lesion_status
    >>> from bmecohort.simulate import demo_cohort
    >>> status = lesion_status(demo_cohort(size="small"), unit="knee")
    >>> t = transitions(status, baseline=0, follow_up=24, definition="two-visit")
    >>> sorted(t.table["change"].dropna().unique().tolist())[:2]
    ['incident', 'none']
    >>> t.definition, t.n_intermediate_change >= 0
    ('two-visit', True)
    """
    if (baseline is None) != (follow_up is None):
        raise AnalysisInputError("give both baseline= and follow_up=, or neither (then "
                                 "consecutive visits are paired)")
    within_grade, chosen = _check_options(status, within_grade, definition)
    table = status.table
    uid = unit_codes(table, status.keys)
    caveats: tuple[str, ...]
    if baseline is None or follow_up is None:  # both None (checked above)
        out, excluded = _consecutive(table, status.keys, uid, within_grade, status.threshold)
        n_back, caveats = 0, ()
    else:
        out, excluded, n_back, caveats = _pair(status, uid, int(baseline), int(follow_up),
                                               within_grade, chosen, definition is None)
    accounting = Accounting(unit=f"{status.unit}-interval", n_rows=len(table),
                            n_used=len(out),
                            excluded=tuple((r, c) for r, c in excluded if c))
    return Transitions(table=out, unit=status.unit, keys=status.keys,
                       threshold=status.threshold, within_grade=within_grade,
                       accounting=accounting, definition=chosen,
                       n_intermediate_change=n_back, warnings=caveats,
                       reading=getattr(status, "reading", None))


def _frame(table: pd.DataFrame, keys: tuple[str, ...], first: np.ndarray,
           second: np.ndarray, visit_to: np.ndarray) -> pd.DataFrame:
    """Keys, visits, months, scores and presence of row pairs (``second`` -1: no read)."""
    out = table.iloc[first][list(keys)].reset_index(drop=True)
    has_second = second >= 0
    second_safe = np.maximum(second, 0)

    def take(column: str) -> np.ndarray:
        values = table[column].to_numpy(dtype=float)
        return np.where(has_second, values[second_safe], np.nan)

    out[VISIT_FROM] = table[VISIT].to_numpy()[first]
    out[VISIT_TO] = visit_to
    out[MONTHS_FROM] = table[MONTHS].to_numpy(dtype=float)[first]
    out[MONTHS_TO] = take(MONTHS)
    out[SCORE_FROM] = table[STATUS_SCORE].to_numpy(dtype=float)[first]
    out[SCORE_TO] = take(STATUS_SCORE)
    out[PRESENT_FROM] = table[PRESENT].array[first]
    present_to = table[PRESENT].array[second_safe].copy()
    present_to[~has_second] = pd.NA
    out[PRESENT_TO] = present_to
    return out


def _consecutive(table: pd.DataFrame, keys: tuple[str, ...], uid: np.ndarray,
                 within_grade: bool, threshold: float
                 ) -> tuple[pd.DataFrame, list[tuple[str, int]]]:
    # status.table is sorted by unit then visit: consecutive rows of a unit are pairs.
    same = uid[1:] == uid[:-1]
    first = np.flatnonzero(same)
    out = _frame(table, keys, first, first + 1, table[VISIT].to_numpy()[first + 1])
    code = _change_codes(_whole(out[SCORE_FROM].to_numpy(), within_grade),
                         _whole(out[SCORE_TO].to_numpy(), within_grade), threshold)
    out[CHANGE] = pd.Categorical.from_codes(code, categories=list(CHANGE_CLASSES))
    out[N_INTERMEDIATE] = np.zeros(len(out), dtype=np.int64)
    changed = out[PRESENT_FROM].array != out[PRESENT_TO].array
    out[STATUS_CHANGES] = changed.to_numpy(dtype=np.int64, na_value=0)
    single = len(np.unique(uid)) - len(np.unique(uid[first]))
    return out, [("read at one visit only", single)]


def _pair(status: LesionStatus, uid: np.ndarray, baseline: int, follow_up: int,
          within_grade: bool, definition: str, warn: bool
          ) -> tuple[pd.DataFrame, list[tuple[str, int]], int, tuple[str, ...]]:
    """Transitions from ``baseline`` to ``follow_up``, looking at the visits in between."""
    if baseline >= follow_up:
        raise AnalysisInputError(f"follow_up ({follow_up}) must come after baseline "
                                 f"({baseline})")
    for v in (baseline, follow_up):
        if v not in set(status.visits):
            raise AnalysisInputError(f"visit {v} is not in the status table; visits are "
                                     f"{status.visits}")
    table = status.table
    visit = table[VISIT].to_numpy()
    at_base = np.flatnonzero(visit == baseline)
    at_follow = np.flatnonzero(visit == follow_up)
    position = pd.Index(uid[at_follow]).get_indexer(uid[at_base])
    out = _frame(table, status.keys, at_base,
                 np.where(position >= 0, at_follow[np.maximum(position, 0)], -1),
                 np.full(len(at_base), follow_up, dtype=np.int64))
    excluded = [(f"not read at baseline visit {baseline}", len(np.unique(uid)) - len(at_base))]
    window = [v for v in status.visits if baseline <= v <= follow_up]
    grid = presence_grid(table, pd.Index(uid[at_base]).get_indexer(uid), len(at_base), window)
    inner = grid[:, 1:-1]
    changes = status_changes(grid)
    out[N_INTERMEDIATE] = (inner != MISSING).sum(axis=1).astype(np.int64)
    out[STATUS_CHANGES] = changes
    code = _change_codes(_whole(out[SCORE_FROM].to_numpy(), within_grade),
                         _whole(out[SCORE_TO].to_numpy(), within_grade), status.threshold)
    back = (code >= 0) & (changes >= 2)
    if definition == "ever":
        free = grid[:, 0] == 0
        seen = (grid[:, 1:] == 1).any(axis=1)
        complete = (grid[:, 1:] != MISSING).all(axis=1)
        code = np.where(free, np.where(seen, 1, np.where(complete, 0, -1)), code)
        undetermined = free & ~seen & ~complete & (grid[:, -1] != MISSING)
        excluded.append(("no lesion seen but not read at every visit in between (class "
                         "undetermined)", int(undetermined.sum())))
        present_to = out[PRESENT_TO].array.copy()
        present_to[free & seen] = True
        present_to[free & ~seen & ~complete] = pd.NA
        out[PRESENT_TO] = present_to
        back = (code >= 0) & (changes >= 2)
    out[CHANGE] = pd.Categorical.from_codes(code, categories=list(CHANGE_CLASSES))
    n_back = int(back.sum())
    caveats: tuple[str, ...] = ()
    if warn and n_back:
        by_class = np.bincount(code[back], minlength=len(CHANGE_CLASSES))
        listing = ", ".join(f"{n} {c!r}" for c, n in zip(CHANGE_CLASSES, by_class, strict=True)
                            if n)
        message = (
            f"transitions {baseline}->{follow_up}: {n_back} {status.unit}"
            f"{'s' if n_back != 1 else ''} changed lesion "
            f"status and changed back at the visits in between ({', '.join(map(str, window[1:-1]))}"
            f"), which a comparison of the two visits hides (classed {listing}). Pass "
            f"definition='two-visit' to compare the two visits on purpose (the count stays on "
            f"the result), or definition='ever' to count a lesion seen at any visit as "
            f"incident.")
        warnings.warn(message, DataQualityWarning, stacklevel=3)
        caveats = (message,)
    return out, excluded, n_back, caveats
