"""Time to event from lesion status over visits: the interval that holds each event.

A lesion seen on MRI is only known to have appeared (or resolved) between the last visit
without it and the first visit with it, so each unit at risk at baseline gets an interval
``(lower, upper]`` in months; ``upper`` is infinite when no event was seen by the last visit.
The frame feeds :func:`~bmecohort.estimators.survival.kaplan_meier.kaplan_meier` (with the ``midpoint`` or
``upper`` convention), :func:`~bmecohort.estimators.survival.interval_fits.interval_censored` and
:func:`~bmecohort.estimators.occurrence.rates.incidence_rate`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._checks import describe_rows, require_columns
from ..._columns import MONTHS, N_SITES, PARTICIPANT, PRESENT, STATUS_SCORE, VISIT
from ...exceptions import AnalysisInputError
from ...results import Accounting

__all__ = ["LOWER", "MIDPOINT", "UPPER", "EVENT", "time_to_event"]

LOWER = "lower"
UPPER = "upper"
EVENT = "event"
MIDPOINT = "midpoint"
_STATUS_COLUMNS = (VISIT, MONTHS, STATUS_SCORE, PRESENT, N_SITES)


def _status_table(
    status: Any, keys: tuple[str, ...] | None
) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    if isinstance(status, pd.DataFrame):
        table, unit = status, "unit"
        found = tuple(c for c in table.columns if c not in _STATUS_COLUMNS)
    else:
        table = getattr(status, "table", None)
        if not isinstance(table, pd.DataFrame):
            raise AnalysisInputError(
                "status: expected a lesion status object (with .table, .keys and .unit) or a "
                f"DataFrame, got {type(status).__name__}. Build one with "
                "bmecohort.lesion_status(...)."
            )
        unit = str(getattr(status, "unit", "unit"))
        found = tuple(getattr(status, "keys", ()) or ())
    keys = tuple(keys) if keys is not None else found
    if PARTICIPANT not in keys:
        raise AnalysisInputError(
            f"status: the unit keys {list(keys)} must include {PARTICIPANT!r}; pass keys=("
            f"'{PARTICIPANT}', ...)."
        )
    return table, keys, unit


def _check_increasing(frame: pd.DataFrame, unit_id: np.ndarray, visit: np.ndarray,
                      months: np.ndarray, seen: np.ndarray) -> None:
    """Raise when a unit's ``months_from_baseline`` does not increase with its ``visit``.

    Checked on every read visit, not only around events: a follow-up dated at or before
    an earlier visit would otherwise give a zero or negative time at risk without notice.
    """
    rows = np.flatnonzero(seen)
    order = rows[np.lexsort((visit[rows], unit_id[rows]))]
    same_unit = unit_id[order][1:] == unit_id[order][:-1]
    back = same_unit & ~(np.diff(months[order]) > 0)
    if back.any():
        offending = np.union1d(order[1:][back], order[:-1][back])
        raise AnalysisInputError(
            f"status: {MONTHS!r} does not increase with {VISIT!r} for "
            f"{len(np.unique(unit_id[offending]))} unit(s); e.g. rows "
            f"{describe_rows(frame.index[offending])}. Fix the visit dates."
        )


def _numeric_times(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """``visit`` and ``months_from_baseline`` as floats, or raise naming every bad value.

    A missing ``months_from_baseline`` marks an unread visit; a missing ``visit``, text or
    an infinite value in either is an error (not silently an unread visit).
    """
    out, problems = {}, []
    for column in (VISIT, MONTHS):
        raw = frame[column]
        plain = raw.astype(object) if isinstance(raw.dtype, pd.CategoricalDtype) else raw
        values = pd.to_numeric(plain, errors="coerce").astype(float)
        bad = (raw.notna() & ~np.isfinite(values)).to_numpy()
        if column == VISIT:
            bad = bad | raw.isna().to_numpy()  # to_numpy() may be a read-only view
        if bad.any():
            shown = sorted({repr(v) for v in raw[bad].tolist()})[:10]
            problems.append(f"column {column!r} must hold finite numbers"
                            f"{'' if column == VISIT else ' (missing for an unread visit)'}; "
                            f"rows {describe_rows(frame.index[bad])} hold {', '.join(shown)}")
        out[column] = values
    if problems:
        raise AnalysisInputError("status: " + "; ".join(problems) + ".")
    return out


def time_to_event(
    status: Any,
    *,
    event: Literal["incidence", "resolution"] = "incidence",
    baseline: float | None = None,
    keys: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per unit at risk at baseline: the interval in which its event happened.

    Parameters
    ----------
    status : LesionStatus or pandas.DataFrame
        A lesion status object (``.table``, ``.keys``, ``.unit``) or its table, one row per
        unit and visit with ``visit`` (nominal month), ``months_from_baseline`` (actual
        time) and ``present`` (boolean; missing when the visit was not read).
    event : {"incidence", "resolution"}, default="incidence"
        ``"incidence"``: units lesion-free at baseline, event = first visit with a lesion.
        ``"resolution"``: units with a lesion at baseline, event = first visit without one.
    baseline : float or None, default=None
        Nominal baseline visit; default the earliest visit in the table.
    keys : tuple of str or None, default=None
        Unit key columns (``participant_id`` first); default ``status.keys``, or for a
        DataFrame every column other than the status columns.

    Returns
    -------
    pandas.DataFrame
        The unit keys and

        - ``lower`` : float, months from the unit's baseline to the last visit without the
          event (0 when the event was seen at the first follow-up visit);
        - ``upper`` : float, months to the first visit with the event, ``inf`` when none
          was seen (right-censored at ``lower``);
        - ``event`` : bool, an event was seen;
        - ``midpoint`` : float, ``(lower + upper) / 2`` for events and ``lower`` for
          censored units (the midpoint convention for person-time and Kaplan-Meier).

        ``frame.attrs["accounting"]`` is an :class:`~bmecohort.results.Accounting`: units
        in the status table, units at risk with follow-up, events, participants, and
        exclusions ("missing baseline status", "... (not at risk)", "no follow-up visit").

    Notes
    -----
    Time is measured from each unit's own baseline, ``months_from_baseline`` minus its
    value at the baseline visit. Visits without a status (``present`` or
    ``months_from_baseline`` missing) are skipped, so a missed visit widens the interval.
    Once the event is seen, later visits are ignored (a lesion that appears then resolves
    still counts as incident). Events are assumed to happen in ``(lower, upper]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.survival.event_times import time_to_event
    >>> status = pd.DataFrame({
    ...     "participant_id": [1, 1, 1, 2, 2, 2], "visit": [0, 12, 24] * 2,
    ...     "months_from_baseline": [0, 12.5, 24.0, 0, 11.0, 25.0],
    ...     "present": [False, False, True, False, False, False]})
    >>> time_to_event(status)[["participant_id", "lower", "upper", "event"]]
       participant_id  lower  upper  event
    0               1   12.5   24.0   True
    1               2   25.0    inf  False
    """
    if event not in ("incidence", "resolution"):
        raise AnalysisInputError(f"event must be 'incidence' or 'resolution', got {event!r}.")
    table, keys, unit = _status_table(status, keys)
    require_columns(table, [*keys, VISIT, MONTHS, PRESENT], table="status")
    frame = table.loc[:, [*keys, VISIT, MONTHS, PRESENT]]
    frame = frame.assign(**_numeric_times(frame))
    duplicated = frame.duplicated([*keys, VISIT], keep=False)
    if duplicated.any():
        raise AnalysisInputError(
            f"status: rows {describe_rows(frame.index[duplicated])} repeat a unit "
            f"({', '.join(keys)}) at the same {VISIT!r}; keep one row per unit and visit."
        )
    try:
        present = frame[PRESENT].astype("boolean")
    except (TypeError, ValueError):
        raise AnalysisInputError(
            f"status: column {PRESENT!r} must hold True/False (missing for an unread visit)."
        ) from None
    at_risk_status = event == "resolution"
    unit_id = frame.groupby(list(keys), sort=False, dropna=False, observed=True).ngroup().to_numpy()
    n_units = int(unit_id.max()) + 1 if len(unit_id) else 0
    first_visit = float(frame[VISIT].min()) if baseline is None else float(baseline)

    months = pd.to_numeric(frame[MONTHS], errors="coerce").to_numpy(dtype=float)
    visit = pd.to_numeric(frame[VISIT], errors="coerce").to_numpy(dtype=float)
    seen = present.notna().to_numpy() & np.isfinite(months) & np.isfinite(visit)
    status_now = present.to_numpy(dtype=bool, na_value=False)
    _check_increasing(frame, unit_id, visit, months, seen)

    # baseline status and time origin per unit (NaN when the baseline visit is missing)
    base = seen & (visit == first_visit)
    base_status = np.full(n_units, np.nan)
    base_status[unit_id[base]] = status_now[base]
    origin = np.full(n_units, np.nan)
    origin[unit_id[base]] = months[base]
    missing_base = np.isnan(base_status)
    at_risk = ~missing_base & (base_status == at_risk_status)

    follow = seen & (visit > first_visit) & at_risk[unit_id]
    ids, time = unit_id[follow], months[follow] - origin[unit_id[follow]]
    visits, is_event = visit[follow], status_now[follow] != at_risk_status
    first_event_visit = np.full(n_units, np.inf)
    np.minimum.at(first_event_visit, ids[is_event], visits[is_event])
    upper = np.full(n_units, np.inf)
    before_event = visits < first_event_visit[ids]
    hit = is_event & (visits == first_event_visit[ids])
    upper[ids[hit]] = time[hit]
    lower = np.zeros(n_units)
    last_visit = np.full(n_units, -np.inf)
    np.maximum.at(last_visit, ids[before_event], visits[before_event])
    at_last = before_event & (visits == last_visit[ids])
    lower[ids[at_last]] = time[at_last]
    has_follow_up = np.zeros(n_units, dtype=bool)
    has_follow_up[ids] = True
    used = at_risk & has_follow_up

    had_event = np.isfinite(upper)
    bad = used & had_event & ~(upper > lower)
    if bad.any():
        raise AnalysisInputError(
            f"status: {MONTHS!r} does not increase with {VISIT!r} for {int(bad.sum())} unit(s); "
            f"e.g. rows {describe_rows(frame.index[np.isin(unit_id, np.flatnonzero(bad))])}. "
            "Fix the visit dates."
        )
    # ngroup(sort=False) numbers units in order of first appearance: first rows are in id order
    units = frame.loc[~pd.Series(unit_id).duplicated().to_numpy(), list(keys)]
    out = units.loc[used].reset_index(drop=True)
    out[LOWER] = lower[used]
    out[UPPER] = upper[used]
    out[EVENT] = had_event[used]
    out[MIDPOINT] = np.where(had_event[used], (lower[used] + upper[used]) / 2, lower[used])
    not_at_risk = ("lesion at baseline (not at risk)" if event == "incidence"
                   else "no lesion at baseline (not at risk)")
    excluded = (
        ("missing baseline status", int(missing_base.sum())),
        (not_at_risk, int((~missing_base & ~at_risk).sum())),
        ("no follow-up visit", int((at_risk & ~has_follow_up).sum())),
    )
    out.attrs["accounting"] = Accounting(
        unit=unit,
        n_rows=n_units,
        n_used=int(used.sum()),
        events=int(had_event[used].sum()),
        n_clusters=int(out[PARTICIPANT].nunique()),
        cluster=PARTICIPANT,
        excluded=tuple((reason, count) for reason, count in excluded if count),
    )
    return out
