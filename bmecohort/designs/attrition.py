r"""Loss to follow-up: who was lost, and how far it could move incidence and resolution.

:func:`attrition` compares the participants seen at a follow-up visit with those enrolled
at baseline but not seen then, on baseline characteristics and baseline lesion status, with
standardised differences (Austin 2009). :func:`attrition_bounds` gives the complete-case
incidence or resolution beside its best and worst cases, counting every unit lost as
without and then as with the event (Manski-type bounds for a proportion).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._columns import (
    CI_LOWER,
    CI_UPPER,
    ESTIMATE,
    EVENTS,
    P_VALUE,
    PARTICIPANT,
    PRESENT,
    TERM,
    VISIT,
    N,
)
from ..cohort import Cohort
from ..course import lesion_status
from ..estimators.occurrence import share_interval
from ..exceptions import AnalysisInputError
from ..results import Accounting, Result, result, summary_frame

__all__ = ["AttritionBounds", "AttritionResult", "attrition", "attrition_bounds"]

COMPLETERS, LOST = "completers", "lost"
SMD = "standardized_difference"


@result
class AttritionResult(Result):
    """Completers vs participants lost to follow-up, by baseline characteristics.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per characteristic: ``characteristic``, ``statistic`` (``"mean (SD)"`` or
        ``"n (%)"``), for each group ``<group>_n`` (persons with a value), ``<group>_value``
        (mean or count), ``<group>_spread`` (SD or percent), and
        ``standardized_difference`` (lost minus completers).
    baseline, follow_up : int
    accounting : Accounting
        Persons with a baseline visit (rows in), completers (used), lost (events).
    """

    table: pd.DataFrame
    baseline: int
    follow_up: int
    accounting: Accounting

    def summary(self) -> pd.DataFrame:
        """Canonical columns with ``term`` = characteristic and ``estimate`` = the SMD."""
        rows = self.table.assign(**{TERM: self.table["characteristic"],
                                    ESTIMATE: self.table[SMD]})
        return summary_frame(rows.to_dict("records"),
                             extra=[c for c in self.table.columns if c != "characteristic"])


def _smd_numeric(a: pd.Series, b: pd.Series) -> float:
    pooled = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    return float((b.mean() - a.mean()) / pooled) if pooled > 0 else 0.0


def _smd_binary(p0: float, p1: float) -> float:
    pooled = np.sqrt((p0 * (1 - p0) + p1 * (1 - p1)) / 2)
    return float((p1 - p0) / pooled) if pooled > 0 else 0.0


def _rows(name: str, values: pd.Series, lost: pd.Series) -> list[dict[str, Any]]:
    groups = {COMPLETERS: values.loc[~lost].dropna(), LOST: values.loc[lost].dropna()}
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) \
            and values.nunique() > 2:
        row: dict[str, Any] = {"characteristic": name, "statistic": "mean (SD)"}
        for g, v in groups.items():
            row |= {f"{g}_n": len(v), f"{g}_value": v.mean(), f"{g}_spread": v.std(ddof=1)}
        row[SMD] = _smd_numeric(groups[COMPLETERS], groups[LOST])
        return [row]
    out = []
    levels = sorted(values.dropna().unique().tolist(), key=str)
    for level in levels[1:] if len(levels) == 2 else levels:
        row = {"characteristic": f"{name} = {level}", "statistic": "n (%)"}
        shares = []
        for g, v in groups.items():
            count = int((v == level).sum())
            share = count / len(v) if len(v) else np.nan
            shares.append(share)
            row |= {f"{g}_n": len(v), f"{g}_value": count, f"{g}_spread": 100 * share}
        row[SMD] = _smd_binary(*shares)
        out.append(row)
    return out


def attrition(
    cohort: Cohort,
    *,
    follow_up: int,
    baseline: int = 0,
    characteristics: Sequence[str] | None = None,
    threshold: float = 1,
    reader: str | None = None,
) -> AttritionResult:
    """Baseline characteristics of completers and of participants lost by ``follow_up``.

    Parameters
    ----------
    cohort : Cohort
    follow_up : int
        The follow-up visit (nominal month); a participant with no visit row then is lost.
    baseline : int, default=0
        The baseline visit.
    characteristics : sequence of str or None, default=None
        Participant columns to compare; by default ``age``, ``sex``, ``bmi`` where present.
        Baseline lesion status (a lesion in any joint read, largest score >= ``threshold``)
        is added when the cohort has ``lesion_reads``.
    threshold : float, default=1
        Score counted as a lesion for the baseline lesion status row.
    reader : str, optional
        The reader or reader policy of that row (see :func:`bmecohort.lesion_status`).

    Returns
    -------
    AttritionResult
        ``table``: per characteristic, the completers' and lost persons' mean (SD) or n (%)
        and the standardised difference; ``accounting``: persons at baseline, completers,
        lost.

    Notes
    -----
    Standardised difference: :math:`(\\bar x_{lost}-\\bar x_{comp})/\\sqrt{(s^2_{lost}+
    s^2_{comp})/2}` for means and the analogue for proportions (Austin 2009); an absolute
    value above 0.1 is commonly read as a meaningful imbalance.

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> r = attrition(knee_cohort(200, seed=1, dropout=0.2), follow_up=24)
    >>> r.accounting.n_rows == r.accounting.n_used + r.accounting.events
    True
    """
    visits = cohort.visits
    at_baseline = visits.loc[visits[VISIT] == baseline, PARTICIPANT].unique()
    if len(at_baseline) == 0:
        raise AnalysisInputError(f"attrition: no participant has a visit {baseline}.")
    if not (visits[VISIT] == follow_up).any():
        raise AnalysisInputError(
            f"attrition: no participant has a visit {follow_up}; visits are "
            f"{sorted(visits[VISIT].unique().tolist())}.")
    seen = set(visits.loc[visits[VISIT] == follow_up, PARTICIPANT])
    people = cohort.participants.set_index(PARTICIPANT).loc[at_baseline]
    lost = pd.Series(~people.index.isin(list(seen)), index=people.index)
    if characteristics is None:
        characteristics = [c for c in ("age", "sex", "bmi") if c in people.columns]
    missing = [c for c in characteristics if c not in people.columns]
    if missing:
        raise AnalysisInputError(
            f"attrition: participants has no column(s) {missing}; columns are "
            f"{list(people.columns)}.")
    rows = [row for c in characteristics for row in _rows(c, people[c], lost)]
    if cohort.lesion_reads is not None:
        status = lesion_status(cohort, unit="participant", threshold=threshold,
                               reader=reader).table
        base = status.loc[status[VISIT] == baseline].set_index(PARTICIPANT)[PRESENT]
        lesion = base.reindex(people.index).astype("float")
        rows += _rows("lesion at baseline", lesion.map({1.0: "yes", 0.0: "no"}), lost)
    n_lost = int(lost.sum())
    return AttritionResult(
        table=pd.DataFrame(rows), baseline=baseline, follow_up=follow_up,
        accounting=Accounting(unit="participant", n_rows=len(people),
                              n_used=len(people) - n_lost, events=n_lost,
                              excluded=((f"not seen at visit {follow_up}", n_lost),)))


@result
class AttritionBounds(Result):
    """Complete-case incidence or resolution with its best and worst cases.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows ``complete case``, ``lost: none with the event``, ``lost: all with the
        event``: ``term, estimate, ci_lower, ci_upper, n, events, interval`` (cluster-robust
        when units share participants, else Wilson).
    kind : str
        ``"incidence"`` or ``"resolution"``.
    unit : str
    baseline, follow_up : int
    accounting : Accounting
        Units at risk at baseline, units with a follow-up read, units lost.
    """

    table: pd.DataFrame
    kind: str
    unit: str
    baseline: int
    follow_up: int
    accounting: Accounting

    def summary(self) -> pd.DataFrame:
        """The three rows with the canonical columns and ``n, events``."""
        return summary_frame(self.table.to_dict("records"), extra=(N, EVENTS))


def attrition_bounds(
    cohort: Cohort,
    *,
    follow_up: int,
    baseline: int = 0,
    kind: Literal["incidence", "resolution"] = "incidence",
    unit: str = "knee",
    threshold: float = 1,
    reader: str | None = None,
) -> AttritionBounds:
    """Incidence or resolution among units at risk, complete-case and bounded for loss.

    Parameters
    ----------
    cohort : Cohort
    follow_up : int
        Follow-up visit.
    baseline : int, default=0
    kind : {"incidence", "resolution"}, default="incidence"
        Incidence among units without a lesion at baseline, or resolution among those with.
    unit : str, default="knee"
        Unit of :func:`bmecohort.lesion_status`.
    threshold : float, default=1
        Lesion threshold of :func:`bmecohort.lesion_status`.
    reader : str, optional
        The reader or reader policy (see :func:`bmecohort.lesion_status`).

    Returns
    -------
    AttritionBounds
        The complete-case proportion and the two extremes: every lost unit without the
        event (best case for incidence) and with it (worst case), each with the interval of
        :func:`bmecohort.incidence` (cluster-robust when units share participants, else
        Wilson).

    Examples
    --------
    >>> from bmecohort.simulate import knee_cohort
    >>> b = attrition_bounds(knee_cohort(200, seed=1, dropout=0.2), follow_up=24)
    >>> b.summary()["term"].tolist()
    ['complete case', 'lost: none with the event', 'lost: all with the event']
    """
    if kind not in ("incidence", "resolution"):
        raise AnalysisInputError(f"kind={kind!r}; use 'incidence' or 'resolution'.")
    status = lesion_status(cohort, unit=unit, threshold=threshold, reader=reader).table
    keys = [c for c in status.columns if c not in (VISIT, "months_from_baseline", "score",
                                                   PRESENT, "n_sites")]
    wide = status.pivot_table(index=keys, columns=VISIT, values=PRESENT, observed=True,
                              aggfunc="first")
    if baseline not in wide.columns or follow_up not in wide.columns:
        raise AnalysisInputError(
            f"attrition_bounds: visits {baseline} and {follow_up} are not both read; read "
            f"visits are {sorted(wide.columns.tolist())}.")
    start, end = wide[baseline], wide[follow_up]
    at_risk = start == (0 if kind == "incidence" else 1)
    observed = at_risk & end.notna()
    event = end == (1 if kind == "incidence" else 0)
    n_risk, n_obs = int(at_risk.sum()), int(observed.sum())
    events = int((observed & event).sum())
    n_lost = n_risk - n_obs
    if n_obs == 0:
        raise AnalysisInputError(
            f"attrition_bounds: no {unit} at risk at visit {baseline} was read at "
            f"{follow_up}.")
    persons = pd.factorize(wide.index.get_level_values(PARTICIPANT))[0] \
        if PARTICIPANT in wide.index.names else None
    lost_units = (at_risk & end.isna()).to_numpy()
    had = (observed & event).to_numpy()
    rows = []
    for term, mask, y in (("complete case", observed.to_numpy(), had),
                          ("lost: none with the event", at_risk.to_numpy(), had),
                          ("lost: all with the event", at_risk.to_numpy(), had | lost_units)):
        groups = persons[mask] if persons is not None else None
        low, high, interval = share_interval(y[mask], groups)
        k, n = int(y[mask].sum()), int(mask.sum())
        rows.append({TERM: term, ESTIMATE: k / n, CI_LOWER: low, CI_UPPER: high,
                     P_VALUE: None, N: n, EVENTS: k, "interval": interval})
    return AttritionBounds(
        table=pd.DataFrame(rows), kind=kind, unit=unit, baseline=baseline,
        follow_up=follow_up,
        accounting=Accounting(unit=unit, n_rows=n_risk, n_used=n_obs, events=events,
                              excluded=((f"not read at visit {follow_up}", n_lost),)))
