"""Aalen-Johansen cumulative incidence of one event type among competing events.

The curve is computed from the counting-process increments (:mod:`._aalen_johansen`), not by
lifelines, which jitters tied times. The result keeps, in ``.table``, every observed time with
the numbers at risk, events of interest, competing events, censored, the estimate and its
pointwise interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..._checks import check_alpha
from ..._clusters import cluster_request, plan_clusters
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Accounting, CurveResult, result
from ._aalen_johansen import cumulative_incidence
from ._lifelines import (
    AT_RISK,
    CENSORED,
    TIME,
    curve_summary,
    prepare_curve,
    step_lookup,
    unit_of,
)

__all__ = ["CumulativeIncidenceResult", "aalen_johansen"]


@result
class CumulativeIncidenceResult(CurveResult):
    """Aalen-Johansen cumulative incidence of one event type among competing events.

    Attributes
    ----------
    label : str
        Name of the curve (``"cumulative incidence[<event_of_interest>]"``).
    table : pandas.DataFrame
        Every observed time (from 0) with ``time, at_risk, events`` (of interest),
        ``competing`` (other event types), ``censored, estimate, ci_lower, ci_upper``.
    event_of_interest : object
        The event code the curve is for.
    method : str
        ``"aalen-johansen"``.
    interval : str
        ``"log-log delta method"`` or, clustered, ``"log-log robust (infinitesimal
        jackknife, clustered)"``.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events of interest, exclusions; ``competing`` and
        ``censored`` count the others.
    raw : None
        No fitted object: the curve is computed here (lifelines jitters tied times).
    warnings : tuple of str
        The opt-out message of ``cluster=None`` on units sharing persons, if any.
    cluster : str or None
        The column the jackknife variance grouped by, ``None`` for the delta method.
    """

    label: str
    table: pd.DataFrame
    event_of_interest: Any
    competing: int
    censored: int
    method: str
    interval: str
    alpha: float
    accounting: Accounting
    raw: Any
    warnings: tuple[str, ...] = ()
    cluster: str | None = None

    def cumulative_incidence_at(self, times: Sequence[float] | np.ndarray | float) -> pd.DataFrame:
        """Cumulative incidence at ``times``: ``time, estimate, ci_lower, ci_upper, at_risk``.

        Right-continuous; times beyond the largest observed time give NaN.
        """
        return step_lookup(self.table, times, (ESTIMATE, CI_LOWER, CI_UPPER),
                           last_time=float(self.table[TIME].max()))

    def summary(self) -> pd.DataFrame:
        """One row per time with an event of interest: ``term, estimate, ci_lower, ci_upper,
        p_value, n, events, time``."""
        return curve_summary(self.table, self.label)


def aalen_johansen(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    event_of_interest: Any,
    censored: Any = 0,
    alpha: float = 0.05,
    seed: int | None = None,
    cluster: str | None = "auto",
) -> CumulativeIncidenceResult:
    r"""Aalen-Johansen cumulative incidence when other events (dropout, death) compete.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    duration : str
        Time to the first event or censoring, ``>= 0`` and finite.
    event : str
        Column with the event type of each row: ``censored`` for censored rows, any other
        value for an event type (e.g. 1 = incident lesion, 2 = knee replacement).
    event_of_interest : object
        The event type whose cumulative incidence is estimated; the others compete.
    censored : object, default=0
        The value of ``event`` that marks censoring.
    alpha : float, default=0.05
        One minus the confidence level.
    seed : None
        Deprecated and ignored (it seeded lifelines' jitter of tied times, no longer used);
        passing it warns.
    cluster : "auto", str or None, default="auto"
        ``"auto"``: when a ``participant_id`` contributes several units among the rows used,
        the infinitesimal-jackknife variance grouped by person (rows missing
        ``participant_id`` excluded); else the delta method. A column name: always grouped
        by it. ``None``: the recorded opt-out (delta method; a
        :class:`~bmecohort.exceptions.DataQualityWarning` when persons hold several units).

    Returns
    -------
    CumulativeIncidenceResult
        ``table``, ``cumulative_incidence_at(times)``; ``summary()`` is the curve at the
        times of events of interest.

    Notes
    -----
    .. math::

        \hat F_k(t) = \sum_{t_i \le t} \hat S(t_{i-1})\,\frac{d_{ki}}{n_i},

    with :math:`\hat S` the Kaplan-Meier estimate of being free of any event. Unlike
    :math:`1 - \mathrm{KM}` with competing events censored, :math:`\hat F_k` does not
    overstate the risk. The variance is the delta-method (Greenwood-type) estimator
    (Collett 2015, p. 411; SAS ``LIFETEST``) with a log(-log) interval; R's multi-state
    ``survfit`` gives the same estimate but an infinitesimal-jackknife standard error.
    When units cluster in persons that jackknife, with the influences summed by person, is
    the variance (the same log(-log) interval; ``interval`` says so): R ``survfit``'s
    ``influence.pstate`` summed by person, to 1e-15 (``tests/reference/survival``).

    Tied times are handled exactly (events of several types at one time enter one step,
    censorings tied with them leave after it), as in R's multi-state ``survfit``: the
    estimate is computed here from the counting-process increments
    (:mod:`._aalen_johansen`), not by lifelines' ``AalenJohansenFitter``, which breaks such
    ties by random jitter. No random state is used.

    Examples
    --------
    Incident lesion (1) with knee replacement (2) competing:

    >>> import pandas as pd
    >>> from bmecohort import aalen_johansen
    >>> knees = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24, 30, 36],
    ...                       "event": [1, 2, 0, 1, 0, 2, 1, 0]})
    >>> fit = aalen_johansen(knees, duration="months", event="event", event_of_interest=1)
    >>> fit.cumulative_incidence_at([24])[["time", "estimate", "at_risk"]]
       time  estimate  at_risk
    0  24.0     0.275        4
    """
    alpha = check_alpha(alpha)
    if seed is not None:
        warnings.warn("aalen_johansen: seed is deprecated and ignored (ties are handled "
                      "exactly, nothing is random); drop the argument", FutureWarning,
                      stacklevel=2)
    column = cluster_request(data, cluster)
    frame, excluded, times = prepare_curve(data, duration, event, binary=False,
                                            cluster=column)
    plan = plan_clusters(frame, cluster, what="units")
    caveats: tuple[str, ...] = ()
    if plan.warning is not None:  # the opt-out cluster=None on units sharing persons
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=2)
        caveats = (plan.warning,)
    codes = frame[event]
    is_censored = (codes == censored).to_numpy()
    types = pd.unique(codes[~is_censored])
    if not (codes[~is_censored] == event_of_interest).any():
        raise AnalysisInputError(
            f"data: no row of {event!r} equals event_of_interest={event_of_interest!r}; the "
            f"event types present are {sorted(map(repr, types))} (censored={censored!r})."
        )
    is_interest = (~is_censored) & (codes == event_of_interest).to_numpy()
    curve = cumulative_incidence(np.asarray(times, dtype=float), is_interest, ~is_censored,
                                 alpha, groups=plan.groups if plan.clustered else None)
    table = pd.DataFrame({
        TIME: curve["time"], AT_RISK: curve["at_risk"], EVENTS: curve["events"],
        "competing": curve["competing"], CENSORED: curve["censored"],
        ESTIMATE: curve["estimate"], CI_LOWER: curve["ci_lower"], CI_UPPER: curve["ci_upper"],
    })
    if curve["time"][0] > 0:
        start = pd.DataFrame({TIME: [0.0], AT_RISK: [len(times)], EVENTS: [0], "competing": [0],
                              CENSORED: [0], ESTIMATE: [0.0], CI_LOWER: [0.0], CI_UPPER: [0.0]})
        table = pd.concat([start, table], ignore_index=True)
    n_interest = int(is_interest.sum())
    return CumulativeIncidenceResult(
        label=f"cumulative incidence[{event_of_interest}]",
        table=table,
        event_of_interest=event_of_interest,
        competing=int((~is_censored & ~is_interest).sum()),
        censored=int(is_censored.sum()),
        method="aalen-johansen",
        interval=("log-log robust (infinitesimal jackknife, clustered)" if plan.clustered
                  else "log-log delta method"),
        alpha=alpha,
        accounting=Accounting(unit=unit_of(data), n_rows=len(data), n_used=len(frame),
                              events=n_interest, excluded=excluded,
                              n_clusters=plan.n_clusters, cluster=plan.column,
                              clustered=None if plan.column is None else plan.clustered),
        raw=None,
        warnings=caveats,
        cluster=plan.column if plan.clustered else None,
    )
