"""Incidence rate ratio from event counts and person-time in two groups.

Conditional on the total number of events :math:`n = y_1 + y_0`, the exposed events follow
a binomial distribution with proportion :math:`s = \\rho T_1 / (\\rho T_1 + T_0)`, where
:math:`\\rho` is the rate ratio; the exact and mid-p intervals invert that binomial (Stata
``ir``, R ``poisson.test``, epitools ``rateratio``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha
from ..._columns import EVENTS, N
from ...exceptions import AnalysisInputError, SmallCellWarning
from ...results import Accounting, ScalarResult, result
from ._odds_ratio_math import solve_decreasing
from ._table import MAX_COUNT, emit

__all__ = ["RateRatioResult", "rate_ratio_from_counts"]

RateRatioMethod = Literal["exact", "midp", "wald"]
RATE_RATIO_METHODS: tuple[str, ...] = ("exact", "midp", "wald")
_P_VALUE_OF = {"exact": "exact", "midp": "midp", "wald": "score"}


@result
class RateRatioResult(ScalarResult):
    """Incidence rate ratio, exposed over unexposed.

    Attributes
    ----------
    term : str
        ``"exposed vs unexposed"``.
    estimate, ci_lower, ci_upper : float
        Rate ratio and confidence limits.
    p_value : float
        The test that belongs to ``method`` (see ``p_values``).
    method : str
        ``"exact"``, ``"midp"`` or ``"wald"``.
    alpha : float
        One minus the confidence level.
    exposed_events, unexposed_events : int
        Event counts.
    exposed_person_time, unexposed_person_time : float
        Person-time at risk.
    p_values : mapping of str to float
        ``exact`` (two-sided conditional binomial test, as ``poisson.test``), ``midp``
        (two-sided mid-p, as epitools) and ``score`` (conditional score z-test, which
        epitools labels "wald").
    accounting : Accounting
        The two groups compared (unit ``"group"``) and the events.
    warnings : tuple of str
        Statistical caveats.
    raw : object
        scipy's ``BinomTestResult`` of the conditional test of rate ratio 1.
    """

    method: str
    alpha: float
    exposed_events: int
    exposed_person_time: float
    unexposed_events: int
    unexposed_person_time: float
    p_values: Mapping[str, float]
    accounting: Accounting
    warnings: tuple[str, ...] = ()
    raw: Any = None

    @property
    def title(self) -> str:
        return "Rate ratio"

    def evalue(self, **options: Any) -> Any:
        """E-value for unmeasured confounding (:func:`bmecohort.evalue`; a rate ratio is taken as a rare-outcome risk ratio)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, **options)

    def summary(self) -> pd.DataFrame:
        """One row: ``term, estimate, ci_lower, ci_upper, p_value, n, events, person_time``.

        ``n`` is ``None``: the denominators are person-time, not units.
        """
        frame = super().summary()
        frame[N] = None
        frame[EVENTS] = self.exposed_events + self.unexposed_events
        frame["person_time"] = self.exposed_person_time + self.unexposed_person_time
        return frame


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool | np.bool_) and isinstance(value, int | float | np.number)


def _check_inputs(events: dict[str, Any], person_time: dict[str, Any]) -> None:
    # float() first: python ints beyond int64 would make numpy's isfinite raise TypeError
    bad_events = {k: v for k, v in events.items()
                  if not _is_number(v) or not np.isfinite(float(v)) or not 0 <= v <= MAX_COUNT
                  or not float(v).is_integer()}
    bad_time = {k: v for k, v in person_time.items()
                if not _is_number(v) or not np.isfinite(float(v)) or v <= 0}
    problems = []
    if bad_events:
        problems.append("event counts must be whole numbers from 0 to 2**53: " + ", ".join(
            f"{k}={v!r}" for k, v in bad_events.items()))
    if bad_time:
        problems.append("person-time must be positive and finite: " + ", ".join(
            f"{k}={v!r}" for k, v in bad_time.items()))
    if not problems and sum(events.values()) == 0:
        problems.append("there are no events in either group, so no rate ratio exists")
    if problems:
        raise AnalysisInputError("rate_ratio_from_counts: " + "; ".join(problems) + ".")


def _midp_tails(y: int, n: int) -> tuple[Any, Any]:
    """``theta -> P(Y < y) + P(Y = y)/2`` and ``P(Y > y) + P(Y = y)/2``, s = expit(theta)."""

    def lower(theta: float) -> float:
        s = scipy.special.expit(theta)
        return float(scipy.stats.binom.cdf(y - 1, n, s) + 0.5 * scipy.stats.binom.pmf(y, n, s))

    def upper(theta: float) -> float:
        s = scipy.special.expit(theta)
        return float(scipy.stats.binom.sf(y, n, s) + 0.5 * scipy.stats.binom.pmf(y, n, s))

    return lower, upper


def rate_ratio_from_counts(
    *,
    exposed_events: int,
    exposed_person_time: float,
    unexposed_events: int,
    unexposed_person_time: float,
    method: RateRatioMethod = "exact",
    alpha: float = 0.05,
) -> RateRatioResult:
    r"""Incidence rate ratio with an exact, mid-p or Wald interval.

    Parameters
    ----------
    exposed_events, unexposed_events : int
        Events in each group (non-negative whole numbers, not both 0).
    exposed_person_time, unexposed_person_time : float
        Person-time at risk in each group (positive).
    method : {"exact", "midp", "wald"}, default="exact"
        ``"exact"``: rate ratio :math:`(y_1/T_1)/(y_0/T_0)` with the exact conditional
        (Clopper-Pearson binomial) interval, as Stata ``ir`` and R ``poisson.test``.
        ``"midp"``: median-unbiased estimate with the mid-p exact interval, as epitools
        ``rateratio`` (its default). ``"wald"``: log-scale Wald interval with variance
        :math:`1/y_1 + 1/y_0`.
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    RateRatioResult
        ``summary()`` columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events,
        person_time``. ``p_value``: exact conditional binomial test (``"exact"``), mid-p
        (``"midp"``) or conditional score test (``"wald"``, epitools' "wald" p-value).

    Warns
    -----
    SmallCellWarning
        A group without events (the estimate is 0 or infinite; the Wald interval is then
        undefined and reported as ``nan``).

    Notes
    -----
    With :math:`n = y_1 + y_0` and :math:`s = \rho T_1/(\rho T_1 + T_0)`, the exact limits
    are the Clopper-Pearson limits :math:`s_L, s_U` for :math:`y_1` of :math:`n` mapped back
    by :math:`\rho = s/(1-s)\cdot T_0/T_1`. The mid-p limits solve
    :math:`P_s(Y > y_1) + \tfrac12 P_s(Y = y_1) = \alpha/2` (lower) and
    :math:`P_s(Y < y_1) + \tfrac12 P_s(Y = y_1) = \alpha/2` (upper); the median-unbiased
    estimate solves the first with :math:`1/2` (Rothman & Greenland 1998). Wald:

    .. math:: \exp\{\log\hat\rho \pm z_{1-\alpha/2}\sqrt{1/y_1 + 1/y_0}\}

    Examples
    --------
    >>> r = rate_ratio_from_counts(exposed_events=33, exposed_person_time=420.0,
    ...                            unexposed_events=17, unexposed_person_time=512.5)
    >>> round(r.estimate, 4), round(r.ci_lower, 4), round(r.ci_upper, 4)
    (2.3687, 1.282, 4.5341)
    """
    events = {"exposed_events": exposed_events, "unexposed_events": unexposed_events}
    person_time = {"exposed_person_time": exposed_person_time,
                   "unexposed_person_time": unexposed_person_time}
    _check_inputs(events, person_time)
    if method not in RATE_RATIO_METHODS:
        raise AnalysisInputError(
            f"method must be one of {list(RATE_RATIO_METHODS)}, got {method!r}.")
    alpha = check_alpha(alpha)
    y1, y0 = int(exposed_events), int(unexposed_events)
    t1, t0 = float(exposed_person_time), float(unexposed_person_time)
    if y1 + y0 == 0:
        raise AnalysisInputError(
            "rate_ratio_from_counts: no events in either group, so the rate ratio is "
            "undefined; report the two rates (poisson_rate) instead.")
    n, scale = y1 + y0, t0 / t1
    s_null = t1 / (t1 + t0)
    lower_tail, upper_tail = _midp_tails(y1, n)
    theta_null = float(scipy.special.logit(s_null))

    raw = scipy.stats.binomtest(y1, n, s_null)
    p_values = {
        "exact": float(raw.pvalue),
        "midp": float(min(1.0, 2 * min(lower_tail(theta_null), upper_tail(theta_null)))),
    }
    with np.errstate(divide="ignore", invalid="ignore"):
        # statsmodels forms the ratio of rates first; a zero count only makes it inf
        p_values["score"] = float(
            sm.rates.test_poisson_2indep(y1, t1, y0, t0, method="score").pvalue)
    with np.errstate(divide="ignore"):
        # numpy division: a zero count gives 0 or inf, not ZeroDivisionError
        crude = float(np.divide(y1 / t1, y0 / t0))
    caveats: list[tuple[type[Warning], str]] = []
    if method == "exact":
        estimate = crude
        interval = raw.proportion_ci(confidence_level=1 - alpha, method="exact")
        with np.errstate(divide="ignore"):
            lower, upper = (float(np.divide(s, 1 - s)) * scale
                            for s in (interval.low, interval.high))
    elif method == "midp":
        start = float(np.log((y1 + 0.5) / (y0 + 0.5)))  # theta near logit of y1/n

        def to_ratio(theta: float) -> float:
            return float(np.exp(theta) * scale)

        estimate = 0.0 if y1 == 0 else np.inf if y0 == 0 else to_ratio(
            solve_decreasing(lambda x: 0.5 - upper_tail(x), start))
        lower = 0.0 if y1 == 0 else to_ratio(
            solve_decreasing(lambda x: alpha / 2 - upper_tail(x), start))
        upper = np.inf if y0 == 0 else to_ratio(
            solve_decreasing(lambda x: lower_tail(x) - alpha / 2, start))
    else:
        estimate = crude
        if y1 > 0 and y0 > 0:
            lower, upper = sm.rates.confint_poisson_2indep(
                y1, t1, y0, t0, method="wald-log", compare="ratio", alpha=alpha)
        else:
            lower = upper = float("nan")
    if y1 == 0 or y0 == 0:
        group = "exposed" if y1 == 0 else "unexposed"
        message = (f"rate_ratio_from_counts: no events in the {group} group; the rate ratio "
                   f"is {'0' if y1 == 0 else 'infinite'}")
        if method == "wald":
            message += (" and the Wald interval is undefined (reported as nan). Use "
                        "method='exact' or method='midp'")
        caveats.append((SmallCellWarning, message + "."))
    emit(caveats)
    return RateRatioResult(
        term="exposed vs unexposed", estimate=float(estimate), ci_lower=float(lower),
        ci_upper=float(upper), p_value=p_values[_P_VALUE_OF[method]], method=method,
        alpha=alpha, exposed_events=y1, exposed_person_time=t1, unexposed_events=y0,
        unexposed_person_time=t0, p_values=MappingProxyType(p_values),
        accounting=Accounting(unit="group", n_rows=2, n_used=2, events=n),
        warnings=tuple(m for _, m in caveats), raw=raw,
    )
