"""Transitions between visits: incident, resolved, progressed, regressed, stable, none.

Classification of a unit's score ``s0`` at the first visit and ``s1`` at the second, with
presence ``p = s >= threshold`` (../shared/research/domain.md section 1.4):

========== =========================================
none       not p0 and not p1
incident   not p0 and p1
resolved   p0 and not p1
progressed p0 and p1 and s1 > s0
regressed  p0 and p1 and s1 < s0
stable     p0 and p1 and s1 == s0
========== =========================================

With ``threshold=1`` these are exactly Roemer 2009's categories (new, resolving, progressing,
regressing, stable). Half grades (within-grade change codes) count as change only with
``within_grade=True``; otherwise scores are compared at whole-grade resolution (floor).
"""

from __future__ import annotations

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
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame
from .status import LesionStatus

__all__ = ["Transitions", "transitions", "classify_change"]

MONTHS_FROM = "months_from"
MONTHS_TO = "months_to"


@result
class Transitions(Result):
    """Per unit and interval: the scores, presence and change class.

    Attributes
    ----------
    table : pandas.DataFrame
        Unit keys, ``visit_from``, ``visit_to``, ``months_from``, ``months_to``,
        ``score_from``, ``score_to``, ``present_from``, ``present_to`` (boolean, missing when
        the unit was not read at the second visit) and ``change`` (categorical, missing when
        unknown).
    unit, keys : str, tuple of str
        Unit of analysis and its identifying columns.
    threshold : float
        Score at which a unit has a lesion.
    within_grade : bool
        Whether half grades counted as change.
    accounting : Accounting
        Units in the status, transitions made, units without a pair and why.
    """

    table: pd.DataFrame
    unit: str
    keys: tuple[str, ...]
    threshold: float
    within_grade: bool
    accounting: Accounting

    @property
    def method(self) -> str:
        """How changes were classified."""
        grade = "half grades count" if self.within_grade else "whole grades"
        return f"lesion if score >= {self.threshold:g}; {grade}"

    @property
    def intervals(self) -> list[tuple[int, int]]:
        """The (visit_from, visit_to) pairs present."""
        pairs = self.table[[VISIT_FROM, VISIT_TO]].drop_duplicates().sort_values(
            [VISIT_FROM, VISIT_TO])
        return [(int(a), int(b)) for a, b in pairs.itertuples(index=False)]

    def summary(self) -> pd.DataFrame:
        """Share of units in each change class per interval.

        Columns: term (``"<from>-><to> <class>"``), estimate (proportion of units read at
        both visits), ci_lower, ci_upper (cluster-robust when participants contribute
        several units, Wilson otherwise; see ``interval``), p_value (None), n (units read at
        both visits), events (units in the class), plus ``visit_from``, ``visit_to``,
        ``change``, ``interval``.
        """
        from ..estimators.occurrence.proportions import share_interval

        known = self.table[self.table[CHANGE].notna()]
        rows = []
        for (a, b), part in known.groupby([VISIT_FROM, VISIT_TO], sort=True):
            groups = part[PARTICIPANT].astype(str).to_numpy()
            for change in CHANGE_CLASSES:
                y = (part[CHANGE] == change).to_numpy()
                low, high, interval = share_interval(y, groups)
                rows.append({"term": f"{a}->{b} {change}", "estimate": y.mean(),
                             "ci_lower": low, "ci_upper": high, "p_value": None,
                             "n": len(part), "events": int(y.sum()), VISIT_FROM: int(a),
                             VISIT_TO: int(b), CHANGE: change, "interval": interval})
        return summary_frame(rows, extra=("n", "events", VISIT_FROM, VISIT_TO, CHANGE,
                                          "interval"))

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


def classify_change(score_from: np.ndarray, score_to: np.ndarray, *, threshold: float = 1,
                    within_grade: bool = False) -> pd.Categorical:
    """Change class of each pair of scores (missing when either score is missing).

    Parameters
    ----------
    score_from, score_to : array-like of float
        Scores at the first and the second visit.
    threshold : float, default=1
        A score at or above it is a lesion.
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
    """
    s0 = np.asarray(score_from, dtype=float)
    s1 = np.asarray(score_to, dtype=float)
    if not within_grade:
        # 1e-9 guards against 1.9999999 from upstream arithmetic.
        s0, s1 = np.floor(s0 + 1e-9), np.floor(s1 + 1e-9)
    p0, p1 = s0 >= threshold, s1 >= threshold
    code = np.select(
        [~p0 & ~p1, ~p0 & p1, p0 & ~p1, s1 > s0, s1 < s0],
        [0, 1, 2, 3, 4],
        default=5,
    )
    code = np.where(np.isnan(s0) | np.isnan(s1), -1, code)
    return pd.Categorical.from_codes(code, categories=list(CHANGE_CLASSES))


def _unit_codes(table: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    codes = [table[k].cat.codes.to_numpy(np.int64) for k in keys]
    sizes = [max(len(table[k].cat.categories), 1) for k in keys]
    return np.ravel_multi_index(codes, sizes)


def transitions(
    status: LesionStatus,
    *,
    baseline: int | None = None,
    follow_up: int | None = None,
    within_grade: bool = False,
) -> Transitions:
    """Classify each unit's change between two visits.

    Parameters
    ----------
    status : LesionStatus
        From :func:`bmecohort.lesion_status`.
    baseline, follow_up : int, optional
        Visits (nominal months) to compare, e.g. ``baseline=0, follow_up=24``. Give both or
        neither; by default every pair of consecutive visits at which a unit was read.
    within_grade : bool, default=False
        Count half-grade (within-grade) changes as change.

    Returns
    -------
    Transitions
        ``.table`` with one row per unit and interval; ``.summary()`` the share of each
        change class; ``.matrix()`` the from-by-to score table.

    Notes
    -----
    With a chosen pair, every unit read at ``baseline`` appears; a unit not read at
    ``follow_up`` has missing ``score_to``, ``present_to`` and ``change`` (incidence and
    resolution then count it as excluded: missing follow-up). Units not read at ``baseline``
    are counted in the accounting as excluded.

    Examples
    --------
    >>> from bmecohort import lesion_status
    >>> from bmecohort.simulate import demo_cohort
    >>> status = lesion_status(demo_cohort(size="small"), unit="knee")
    >>> t = transitions(status, baseline=0, follow_up=24)
    >>> sorted(t.table["change"].dropna().unique().tolist())[:2]
    ['incident', 'none']
    """
    if (baseline is None) != (follow_up is None):
        raise AnalysisInputError("give both baseline= and follow_up=, or neither (then "
                                 "consecutive visits are paired)")
    table = status.table
    keys = status.keys
    uid = _unit_codes(table, keys)
    n_units = len(np.unique(uid))
    excluded: list[tuple[str, int]] = []
    if baseline is not None:
        if baseline >= follow_up:
            raise AnalysisInputError(f"follow_up ({follow_up}) must come after baseline "
                                     f"({baseline})")
        for v in (baseline, follow_up):
            if v not in set(status.visits):
                raise AnalysisInputError(f"visit {v} is not in the status table; visits are "
                                         f"{status.visits}")
        at_base = np.flatnonzero(table[VISIT].to_numpy() == baseline)
        at_follow = np.flatnonzero(table[VISIT].to_numpy() == follow_up)
        position = pd.Index(uid[at_follow]).get_indexer(uid[at_base])
        first = at_base
        second = np.where(position >= 0, at_follow[np.maximum(position, 0)], -1)
        excluded.append((f"not read at baseline visit {baseline}", n_units - len(at_base)))
    else:
        # status.table is sorted by unit then visit: consecutive rows of a unit are pairs.
        same = uid[1:] == uid[:-1]
        first = np.flatnonzero(same)
        second = first + 1
        single = n_units - len(np.unique(uid[first]))
        excluded.append(("read at one visit only", single))
    out = table.iloc[first][list(keys)].reset_index(drop=True)
    has_second = second >= 0
    second_safe = np.maximum(second, 0)

    def take(column: str) -> np.ndarray:
        values = table[column].to_numpy(dtype=float)
        return np.where(has_second, values[second_safe], np.nan)

    out[VISIT_FROM] = table[VISIT].to_numpy()[first]
    out[VISIT_TO] = (np.full(len(first), follow_up, dtype=np.int64) if baseline is not None
                     else table[VISIT].to_numpy()[second])
    out[MONTHS_FROM] = table[MONTHS].to_numpy(dtype=float)[first]
    out[MONTHS_TO] = take(MONTHS)
    out[SCORE_FROM] = table[STATUS_SCORE].to_numpy(dtype=float)[first]
    out[SCORE_TO] = take(STATUS_SCORE)
    out[PRESENT_FROM] = table[PRESENT].array[first]
    present_to = table[PRESENT].array[second_safe].copy()
    present_to[~has_second] = pd.NA
    out[PRESENT_TO] = present_to
    out[CHANGE] = classify_change(out[SCORE_FROM].to_numpy(), out[SCORE_TO].to_numpy(),
                                  threshold=status.threshold, within_grade=within_grade)
    accounting = Accounting(unit=f"{status.unit}-interval", n_rows=len(table),
                            n_used=len(out),
                            excluded=tuple((r, c) for r, c in excluded if c))
    return Transitions(table=out, unit=status.unit, keys=keys, threshold=status.threshold,
                       within_grade=within_grade, accounting=accounting)
