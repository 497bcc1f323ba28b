"""Rates per person-time: a Poisson rate with its exact interval, and incidence rates by group.

:func:`poisson_rate` wraps :func:`statsmodels.stats.rates.confint_poisson`;
:func:`incidence_rate` sums events and person-time over units (e.g. knees) and, given a binary
exposure, adds the exact conditional rate ratio of R ``poisson.test`` and Stata ``ir``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha, check_count, check_positive, describe_rows, prepare
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, TERM, N
from ...exceptions import AnalysisInputError, SmallCellWarning
from ...results import Accounting, Result, ScalarResult, result, summary_frame
from ..association.rate_ratio import rate_ratio_from_counts

__all__ = ["IncidenceRateResult", "PoissonRateResult", "incidence_rate", "poisson_rate"]

RateMethod = Literal["exact", "wald", "score", "jeffreys", "byar"]

#: Our method name -> (statsmodels ``confint_poisson`` method, name recorded on results).
_METHODS: dict[str, tuple[str, str]] = {
    "exact": ("exact-c", "exact"),
    "wald": ("wald", "wald"),
    "score": ("score", "score"),
    "jeffreys": ("jeffreys", "jeffreys"),
    "byar": ("byar", "byar"),  # not in statsmodels: see _byar
}
PERSON_TIME = "person_time"


@result
class PoissonRateResult(ScalarResult):
    """A rate ``events / person_time`` (times ``per``) with its confidence interval.

    Attributes
    ----------
    term : str
        ``"rate"``.
    estimate, ci_lower, ci_upper : float
        The rate per ``per`` units of person-time and its interval.
    p_value : None
        No hypothesis is tested.
    events : int
        Number of events.
    person_time : float
        Total person-time.
    per : float
        The rate is expressed per this much person-time.
    method : str
        ``"exact"`` (Garwood), ``"wald"``, ``"score"`` or ``"jeffreys"``.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        ``events``; ``n_rows``/``n_used`` are 1 (one aggregate count).
    """

    events: int
    person_time: float
    per: float
    method: str
    alpha: float
    accounting: Accounting
    warnings: tuple[str, ...] = ()


@result
class IncidenceRateResult(Result):
    """Incidence rates per person-time, overall or by exposure, with the exact rate ratio.

    Attributes
    ----------
    rates : pandas.DataFrame
        One row per group (``"all"``, or exposure 1 then 0) with the columns ``term, group,
        estimate, ci_lower, ci_upper, n, events, person_time``; rates are per ``per``.
    rate_ratio, rr_ci_lower, rr_ci_upper, p_value : float or None
        Exposed over unexposed rate ratio, its exact conditional interval and the exact
        two-sided p-value (``None`` without an exposure).
    exposure : str or None
        The exposure column.
    per : float
        Rates are per this much person-time.
    method : str
        Interval of the rates (``"exact"`` ...); the rate ratio is always exact conditional.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events, exclusions (missing values).
    warnings : tuple of str
        Statistical caveats (a group without events).
    """

    rates: pd.DataFrame
    rate_ratio: float | None
    rr_ci_lower: float | None
    rr_ci_upper: float | None
    p_value: float | None
    exposure: str | None
    per: float
    method: str
    alpha: float
    accounting: Accounting
    warnings: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """The rates, then (with an exposure) a ``"rate ratio"`` row carrying the p-value.

        Columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events, person_time``.
        """
        rows = self.rates.drop(columns="group").to_dict("records")
        for row in rows:
            row[P_VALUE] = None
        if self.exposure is not None:
            rows.append({
                TERM: "rate ratio", ESTIMATE: self.rate_ratio, CI_LOWER: self.rr_ci_lower,
                CI_UPPER: self.rr_ci_upper, P_VALUE: self.p_value,
                N: int(self.rates[N].sum()), EVENTS: int(self.rates[EVENTS].sum()),
                PERSON_TIME: float(self.rates[PERSON_TIME].sum()),
            })
        return summary_frame(rows, extra=(N, EVENTS, PERSON_TIME))


def _byar(events: Any, person_time: Any, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Byar's approximation as epitools ``pois.byar``: with :math:`x' = x + 1/2` in both
    limits, :math:`x'(1 - 1/(9x') \mp z/(3\sqrt{x'}))^3 / T` (textbooks use :math:`x` for
    the lower and :math:`x + 1` for the upper limit; epitools and we use :math:`x + 1/2`).
    The lower limit is clipped at 0 (at :math:`x = 0` epitools returns a tiny negative)."""
    shifted = np.asarray(events, dtype=float) + 0.5
    time = np.asarray(person_time, dtype=float)
    half = scipy.stats.norm.ppf(1 - alpha / 2) / (3 * np.sqrt(shifted))
    # at x = 0 the formula dips just below 0 (epitools returns that); a rate cannot
    low = np.maximum(shifted * (1 - 1 / (9 * shifted) - half) ** 3 / time, 0.0)
    high = shifted * (1 - 1 / (9 * shifted) + half) ** 3 / time
    return np.atleast_1d(low), np.atleast_1d(high)


def _rate_ci(
    events: Any, person_time: Any, method: str, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    if method not in _METHODS:
        raise AnalysisInputError(
            f"method={method!r} is not available; choose one of {sorted(_METHODS)}."
        )
    if method == "byar":
        return _byar(events, person_time, alpha)
    low, high = sm.rates.confint_poisson(np.asarray(events, dtype=float),
                                         np.asarray(person_time, dtype=float),
                                         method=_METHODS[method][0], alpha=alpha)
    low, high = np.atleast_1d(low).astype(float), np.atleast_1d(high).astype(float)
    if method == "jeffreys":
        # the boundary rule of the binomial Jeffreys interval (Brown, Cai and DasGupta
        # 2001): with no events the interval starts at 0, so it holds its estimate
        low = np.where(np.atleast_1d(events) == 0, 0.0, low)
    return low, high


def poisson_rate(
    events: int,
    person_time: float,
    *,
    method: RateMethod = "exact",
    alpha: float = 0.05,
    per: float = 1.0,
) -> PoissonRateResult:
    r"""Rate ``events / person_time`` with an exact (Garwood) or approximate interval.

    Parameters
    ----------
    events : int
        Number of events, ``>= 0``.
    person_time : float
        Total time at risk, ``> 0`` (e.g. knee-years).
    method : {"exact", "wald", "score", "jeffreys", "byar"}, default="exact"
        ``"exact"``: Garwood's central interval (statsmodels ``"exact-c"``; R
        ``poisson.test``, epitools ``pois.exact``, Stata ``ci means, poisson``); ``"wald"``:
        :math:`x/T \pm z\sqrt{x}/T`; ``"score"``; ``"jeffreys"``: Gamma(x + 1/2) quantiles
        (lower limit 0 when x = 0); ``"byar"``: Byar's approximation as epitools
        ``pois.byar`` (:math:`x + 1/2` in both limits).
    alpha : float, default=0.05
        One minus the confidence level.
    per : float, default=1.0
        Express the rate per this much person-time (100 with person-time in years gives
        events per 100 person-years).

    Returns
    -------
    PoissonRateResult
        ``estimate``, ``ci_lower``, ``ci_upper`` (all times ``per``), ``method``.

    Notes
    -----
    Garwood's interval with :math:`x` events in person-time :math:`T` is

    .. math::

        \left[\frac{\chi^2_{\alpha/2,\,2x}}{2T},\ \frac{\chi^2_{1-\alpha/2,\,2x+2}}{2T}\right],

    with lower limit 0 when :math:`x = 0`. statsmodels' ``confint_poisson`` has no default
    method; we always pass one. It has no Byar approximation, which is computed here.

    Examples
    --------
    >>> from bmecohort.estimators.occurrence.rates import poisson_rate
    >>> round(poisson_rate(33, 412.7, per=100).estimate, 3)
    7.996
    """
    events = check_count(events, "events")
    person_time = check_positive(person_time, "person_time")
    per = check_positive(per, "per")
    alpha = check_alpha(alpha)
    low, high = _rate_ci(int(events), float(person_time), method, alpha)
    return PoissonRateResult(
        term="rate",
        estimate=per * int(events) / person_time,
        ci_lower=per * float(low[0]),
        ci_upper=per * float(high[0]),
        p_value=None,
        events=int(events),
        person_time=float(person_time),
        per=float(per),
        method=_METHODS[method][1],
        alpha=alpha,
        accounting=Accounting(unit="count", n_rows=1, n_used=1, events=int(events)),
    )


def incidence_rate(
    data: pd.DataFrame,
    *,
    event: str,
    person_time: str,
    exposure: str | None = None,
    per: float = 100.0,
    alpha: float = 0.05,
    method: RateMethod = "exact",
) -> IncidenceRateResult:
    r"""Incidence rate per person-time, overall or by a binary exposure, with the rate ratio.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit (e.g. knee) or per unit and period; never modified.
    event : str
        Column with the number of events of the row (0/1 or a count; booleans accepted).
    person_time : str
        Column with the row's time at risk, ``>= 0``, in the unit the rate is wanted in
        (years for "per 100 knee-years"; divide months by 12 first).
    exposure : str or None, default=None
        Binary (0/1 or boolean) exposure column; with it, rates are given for exposed (1)
        and unexposed (0) rows and the exposed over unexposed rate ratio is added.
    per : float, default=100.0
        Express rates per this much person-time.
    alpha : float, default=0.05
        One minus the confidence level.
    method : {"exact", "wald", "score", "jeffreys"}, default="exact"
        Interval of each rate (see :func:`poisson_rate`).

    Returns
    -------
    IncidenceRateResult
        ``summary()`` columns ``term, estimate, ci_lower, ci_upper, p_value, n, events,
        person_time``: one ``rate`` row per group, then a ``rate ratio`` row.

    Notes
    -----
    The rate ratio :math:`\widehat{IRR} = (x_1/T_1)/(x_0/T_0)` has the exact interval
    conditional on the total count :math:`x_1 + x_0` (binomial; Clopper-Pearson limits of
    :math:`\pi` mapped by :math:`IRR = \pi T_0/((1-\pi)T_1)`) and the exact two-sided
    binomial p-value, as R ``poisson.test(c(x1, x0), c(T1, T0))`` and Stata ``ir``'s
    interval (Stata reports mid-p tests). Events are assumed to follow a Poisson process
    with a constant rate within each group, and units are treated as independent: knees
    of one person are not, so read the interval of the rate ratio as approximate when
    units cluster.

    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.occurrence.rates import incidence_rate
    >>> knees = pd.DataFrame({"event": [1, 0, 1, 0], "years": [1.5, 2.0, 0.5, 2.0],
    ...                       "exposed": [1, 1, 0, 0]})
    >>> round(incidence_rate(knees, event="event", person_time="years",
    ...                      exposure="exposed").rate_ratio, 4)
    0.7143
    """
    alpha = check_alpha(alpha)
    if not (math.isfinite(per) and per > 0):
        raise AnalysisInputError(f"per must be finite and > 0, got {per!r}.")
    frame, excluded = prepare(
        data, [event, person_time, exposure], binary=[exposure] if exposure else []
    )
    counts = pd.to_numeric(frame[event], errors="coerce").astype(float)
    time = pd.to_numeric(frame[person_time], errors="coerce").astype(float)
    for column, values, rule in (
        (event, counts, "a whole number >= 0"),
        (person_time, time, "a finite number >= 0"),
    ):
        bad = values.isna() | (values < 0) | ~np.isfinite(values)
        if column == event:
            bad |= values.fillna(0) % 1 != 0
        if bad.any():
            raise AnalysisInputError(
                f"data: column {column!r} must be {rule}; rows {describe_rows(values.index[bad])}"
                f" hold {sorted({repr(v) for v in frame.loc[bad, column].tolist()})[:10]}."
            )
    impossible = (counts > 0) & (time == 0)
    if impossible.any():
        raise AnalysisInputError(
            f"data: rows {describe_rows(counts.index[impossible])} have events in "
            f"{event!r} but no person-time in {person_time!r}; an event needs time at risk. "
            "Fix the follow-up times (or the event counts) of those rows."
        )
    groups = (
        pd.Series("all", index=frame.index)
        if exposure is None
        else frame[exposure].map({1: f"{exposure}=1", 0: f"{exposure}=0"})
    )
    order = ["all"] if exposure is None else [f"{exposure}=1", f"{exposure}=0"]
    sums = (
        pd.DataFrame({EVENTS: counts, PERSON_TIME: time, "group": groups})
        .groupby("group")
        .agg(**{N: (EVENTS, "size"), EVENTS: (EVENTS, "sum"), PERSON_TIME: (PERSON_TIME, "sum")})
        .reindex(order, fill_value=0)
    )
    empty = sums.index[sums[PERSON_TIME] <= 0].tolist()
    if empty:
        raise AnalysisInputError(
            f"data: group(s) {empty} have no person-time ({person_time!r} sums to 0 or the "
            "group has no rows); a rate needs person-time > 0."
        )
    low, high = _rate_ci(sums[EVENTS].to_numpy(), sums[PERSON_TIME].to_numpy(), method, alpha)
    rates = pd.DataFrame({
        TERM: ["rate"] if exposure is None else [f"rate[{g}]" for g in order],
        "group": order,
        ESTIMATE: per * sums[EVENTS].to_numpy() / sums[PERSON_TIME].to_numpy(),
        CI_LOWER: per * low,
        CI_UPPER: per * high,
        N: sums[N].astype(int).to_numpy(),
        EVENTS: sums[EVENTS].astype(int).to_numpy(),
        PERSON_TIME: sums[PERSON_TIME].to_numpy(),
    })
    caveats: list[str] = []
    ratio = rr_low = rr_high = p_value = None
    if exposure is not None:
        (x1, x0), (t1, t0) = rates[EVENTS].tolist(), rates[PERSON_TIME].tolist()
        if x1 + x0 == 0:
            ratio, rr_low, rr_high, p_value = math.nan, math.nan, math.nan, math.nan
            message = "no events in either exposure group: the rate ratio is undefined."
            warnings.warn(message, SmallCellWarning, stacklevel=2)
            caveats.append(message)
        else:
            # One implementation of the exact conditional interval (as R poisson.test);
            # its zero-cell warnings are re-issued here so they point at the caller.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rr = rate_ratio_from_counts(exposed_events=x1, exposed_person_time=t1,
                                            unexposed_events=x0, unexposed_person_time=t0,
                                            method="exact", alpha=alpha)
            for w in caught:
                warnings.warn(w.message, w.category, stacklevel=2)
            ratio, rr_low, rr_high, p_value = rr.estimate, rr.ci_lower, rr.ci_upper, rr.p_value
            caveats.extend(rr.warnings)
    return IncidenceRateResult(
        rates=rates,
        rate_ratio=ratio,
        rr_ci_lower=rr_low,
        rr_ci_upper=rr_high,
        p_value=p_value,
        exposure=exposure,
        per=float(per),
        method=_METHODS[method][1],
        alpha=alpha,
        accounting=Accounting(
            # the unit recorded by time_to_event, when the frame comes from it
            unit=str(getattr(data.attrs.get("accounting"), "unit", "unit")),
            n_rows=len(data),
            n_used=len(frame),
            events=int(counts.sum()),
            excluded=excluded,
        ),
        warnings=tuple(caveats),
    )
