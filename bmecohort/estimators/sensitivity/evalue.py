r"""E-values: how strong unmeasured confounding would have to be to explain an effect away.

VanderWeele and Ding (2017): the E-value of a risk ratio :math:`RR > 1` is

.. math:: E = RR + \sqrt{RR\,(RR - 1)}

(for :math:`RR < 1` use :math:`1/RR`), the minimum strength of association, on the risk-ratio
scale, that an unmeasured confounder would need with both exposure and outcome, above and
beyond the measured covariates, to move the estimate to the null. The E-value of the
confidence interval is that of the limit nearer the null, and 1 when the interval contains
the null. Odds and hazard ratios are first put on the risk-ratio scale with the paper's
conversions: unchanged for a rare outcome (below about 15% at the end of follow-up), else
:math:`RR \approx \sqrt{OR}` and
:math:`RR \approx (1 - 0.5^{\sqrt{HR}})/(1 - 0.5^{\sqrt{1/HR}})`. A risk difference is put on
the risk-ratio scale through the baseline risk :math:`p_0` of the unexposed,
:math:`RR = (p_0 + RD)/p_0`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, P_VALUE, TERM
from ...exceptions import AnalysisInputError
from ...results import Result, result, summary_frame

__all__ = ["RARE_OUTCOME_THRESHOLD", "EValueResult", "evalue", "evalue_of", "evalue_rr"]

Measure = Literal["rr", "or", "hr", "rd"]
MEASURES: tuple[str, ...] = ("rr", "or", "hr", "rd")
#: VanderWeele and Ding's rule: an outcome is rare below 15% at the end of follow-up.
RARE_OUTCOME_THRESHOLD = 0.15
#: summary() extra columns.
RR_EQUIVALENT = "rr_equivalent"
EVALUE = "evalue"
EVALUE_CI = "evalue_ci"


def evalue_rr(rr: Any) -> np.ndarray:
    r"""E-value of risk ratios (vectorised): :math:`RR^* + \sqrt{RR^*(RR^* - 1)}`, with
    :math:`RR^* = \max(RR, 1/RR)`; ``nan`` stays ``nan``, 0 and infinity give infinity."""
    rr = np.asarray(rr, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        star = np.where(rr < 1, 1 / rr, rr)
        return star + np.sqrt(star * (star - 1))


def _to_rr(values: np.ndarray, measure: str, rare: bool, baseline_risk: float | None
           ) -> np.ndarray:
    """Estimates (and limits) of ``measure`` on the risk-ratio scale."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "rd":
            assert baseline_risk is not None  # checked by the caller
            return (baseline_risk + values) / baseline_risk
        if measure == "rr" or rare:
            return values
        if measure == "or":
            return np.sqrt(values)
        # hr, common outcome
        return (1 - 0.5 ** np.sqrt(values)) / (1 - 0.5 ** np.sqrt(1 / values))


@result
class EValueResult(Result):
    """E-values of an estimate and of its confidence interval.

    Attributes
    ----------
    term : str
        What the estimate is (e.g. the exposure).
    estimate, ci_lower, ci_upper : float
        The estimate and limits on their own scale (``nan`` limits when not given).
    measure : str
        ``"rr"``, ``"or"``, ``"hr"`` or ``"rd"``.
    rare_outcome : bool or None
        Whether the rare-outcome approximation was used (``None`` for ``"rr"``/``"rd"``).
    baseline_risk : float or None
        Risk in the unexposed (``"rd"``), or the outcome risk that decided rarity.
    rr_equivalent, rr_lower, rr_upper : float
        The estimate and limits on the risk-ratio scale.
    evalue : float
        E-value of the estimate.
    evalue_ci : float
        E-value of the confidence limit nearer the null; 1 when the interval contains the
        null, ``nan`` when no interval was given.
    method : str
        ``"vanderweele-ding-2017"`` plus the conversion, e.g.
        ``"vanderweele-ding-2017 (or, common outcome: sqrt)"``.
    """

    term: str
    estimate: float
    ci_lower: float
    ci_upper: float
    measure: str
    rare_outcome: bool | None
    baseline_risk: float | None
    rr_equivalent: float
    rr_lower: float
    rr_upper: float
    evalue: float
    evalue_ci: float
    method: str

    @property
    def title(self) -> str:
        return "E-value (unmeasured confounding)"

    def header(self) -> dict[str, object]:
        out = super().header()
        out["measure"] = self.measure
        if self.baseline_risk is not None:
            out["baseline risk"] = self.baseline_risk
        return out

    def summary(self) -> pd.DataFrame:
        """One row: ``term, estimate, ci_lower, ci_upper, p_value`` (``None``), then
        ``rr_equivalent, evalue, evalue_ci``."""
        return summary_frame(
            [{TERM: self.term, ESTIMATE: self.estimate, CI_LOWER: self.ci_lower,
              CI_UPPER: self.ci_upper, P_VALUE: None, RR_EQUIVALENT: self.rr_equivalent,
              EVALUE: self.evalue, EVALUE_CI: self.evalue_ci}],
            extra=[RR_EQUIVALENT, EVALUE, EVALUE_CI])

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The bias plot: confounder-exposure vs confounder-outcome risk ratios that would
        explain the estimate away (:func:`bmecohort.plots.evalue_plot`)."""
        from ...plots.sensitivity import evalue_plot

        return evalue_plot(self, ax=ax, **kwargs)


def _number(name: str, value: Any, *, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise AnalysisInputError(f"{name} must be a number, got {value!r}.")
    value = float(value)
    if math.isnan(value):
        return None
    return value


def evalue(
    estimate: float,
    ci_lower: float | None = None,
    ci_upper: float | None = None,
    *,
    measure: Measure = "rr",
    rare_outcome: bool | None = None,
    baseline_risk: float | None = None,
    term: str = "estimate",
) -> EValueResult:
    r"""E-value of an estimate and of its confidence interval (VanderWeele and Ding 2017).

    Parameters
    ----------
    estimate : float
        The risk, odds or hazard ratio (positive), or the risk difference.
    ci_lower, ci_upper : float or None, default=None
        Its confidence limits, if any (``nan`` counts as not given).
    measure : {"rr", "or", "hr", "rd"}, default="rr"
        The scale of ``estimate``.
    rare_outcome : bool or None, default=None
        For ``"or"`` and ``"hr"``: whether the outcome is rare (below 15% at the end of
        follow-up), so that the ratio approximates a risk ratio. ``None``: decided from
        ``baseline_risk`` (rare when below 0.15); an error when that is not given either.
    baseline_risk : float or None, default=None
        For ``"rd"`` (required): the risk in the unexposed, which puts the difference on the
        risk-ratio scale. For ``"or"``/``"hr"``: the outcome risk deciding ``rare_outcome``.
    term : str, default="estimate"
        Label of the estimate in the summary.

    Returns
    -------
    EValueResult
        ``evalue`` (of the estimate) and ``evalue_ci`` (of the limit nearer the null, 1
        when the interval contains the null); ``summary()`` columns ``term, estimate,
        ci_lower, ci_upper, p_value, rr_equivalent, evalue, evalue_ci``.

    Raises
    ------
    AnalysisInputError
        Unknown measure, a ratio that is not positive, limits that do not surround the
        estimate, a missing or impossible baseline risk, or unknown rarity for OR/HR.

    Notes
    -----
    See the module docstring for the formulas. The E-value answers one question (the
    confounding needed to shift the estimate to the null); it is not a bias correction.

    References
    ----------
    VanderWeele TJ, Ding P. Sensitivity analysis in observational research: introducing
    the E-value. Ann Intern Med. 2017;167:268-274.

    Examples
    --------
    The paper's example: breastfeeding and infant respiratory death, RR 3.9 (1.8 to 8.7).

    >>> r = evalue(3.9, 1.8, 8.7)
    >>> round(r.evalue, 2), round(r.evalue_ci, 2)
    (7.26, 3.0)
    """
    if measure not in MEASURES:
        raise AnalysisInputError(f"measure must be one of {list(MEASURES)}, got {measure!r}.")
    point = _number("estimate", estimate, allow_none=False)
    lower, upper = _number("ci_lower", ci_lower), _number("ci_upper", ci_upper)
    assert point is not None
    if (lower is None) != (upper is None):
        raise AnalysisInputError(
            f"pass both confidence limits or neither; got ci_lower={ci_lower!r}, "
            f"ci_upper={ci_upper!r}.")
    values = [v for v in (lower, point, upper) if v is not None]
    if measure != "rd" and min(values) < 0:
        raise AnalysisInputError(
            f"a {measure} and its limits must be non-negative; got estimate={estimate!r}, "
            f"ci_lower={ci_lower!r}, ci_upper={ci_upper!r}.")
    if lower is not None and not lower <= point <= upper:  # type: ignore[operator]
        raise AnalysisInputError(
            f"the limits must surround the estimate; got {ci_lower!r} <= {estimate!r} <= "
            f"{ci_upper!r} false.")
    risk = _number("baseline_risk", baseline_risk)
    if risk is not None and not 0 < risk < 1:
        raise AnalysisInputError(f"baseline_risk must be strictly between 0 and 1, got "
                                 f"{baseline_risk!r}.")
    rare: bool | None = None
    conversion: str = measure
    if measure == "rd":
        if risk is None:
            raise AnalysisInputError(
                "measure='rd' needs baseline_risk, the risk in the unexposed, to put the risk "
                "difference on the risk-ratio scale.")
        if not (0 <= risk + min(values) and risk + max(values) <= 1):
            raise AnalysisInputError(
                f"baseline_risk {risk} plus the risk difference (and its limits) must be a "
                f"risk in [0, 1]; got {values}.")
        conversion = "rd, via baseline risk"
    elif measure in ("or", "hr"):
        if rare_outcome is None:
            if risk is None:
                raise AnalysisInputError(
                    f"measure={measure!r}: say whether the outcome is rare (rare_outcome=True "
                    f"below about 15% at the end of follow-up, else False) or give "
                    f"baseline_risk; the conversion to a risk ratio depends on it.")
            rare_outcome = risk < RARE_OUTCOME_THRESHOLD
        rare = bool(rare_outcome)
        how = "rare outcome: unchanged" if rare else (
            "common outcome: sqrt" if measure == "or" else "common outcome: 0.5^sqrt(HR)")
        conversion = f"{measure}, {how}"
    nan = float("nan")
    rr_point, rr_lower, rr_upper = (float(x) for x in _to_rr(
        np.array([point, nan if lower is None else lower, nan if upper is None else upper]),
        measure, bool(rare), risk))
    e_point = float(evalue_rr(rr_point))
    if lower is None:
        e_ci = nan
    elif rr_lower <= 1 <= rr_upper:
        e_ci = 1.0
    else:
        e_ci = float(evalue_rr(rr_lower if rr_lower > 1 else rr_upper))
    return EValueResult(
        term=term, estimate=point, ci_lower=nan if lower is None else lower,
        ci_upper=nan if upper is None else upper, measure=measure, rare_outcome=rare,
        baseline_risk=risk, rr_equivalent=rr_point, rr_lower=rr_lower, rr_upper=rr_upper,
        evalue=e_point, evalue_ci=e_ci, method=f"vanderweele-ding-2017 ({conversion})")


# --- .evalue() on results ----------------------------------------------------------------------

#: measure of a result by its ``measure`` attribute, else by its class.
_RESULT_MEASURES: dict[str, Measure] = {
    "odds ratio": "or", "risk ratio": "rr", "rate ratio": "rr", "hazard ratio": "hr",
    "risk difference": "rd", "or": "or", "rr": "rr", "rd": "rd"}
_CLASS_MEASURES: dict[str, Measure | Literal["rate"]] = {
    "RateRatioResult": "rate", "CoxResult": "hr", "RegressionResult": "or",
    "OddsRatioTerm": "or", "MantelHaenszelResult": "or"}


_COUNTS = ("exposed_cases", "exposed_noncases", "unexposed_cases", "unexposed_noncases")


@dataclass(frozen=True)
class _Totals:
    """Crude totals of stratified counts (the attributes evalue_of reads)."""

    exposed_cases: float
    exposed_noncases: float
    unexposed_cases: float
    unexposed_noncases: float

    @property
    def n_unexposed(self) -> float:
        return self.unexposed_cases + self.unexposed_noncases

    @property
    def cases(self) -> float:
        return self.exposed_cases + self.unexposed_cases

    @property
    def total(self) -> float:
        return self.cases + self.exposed_noncases + self.unexposed_noncases


def evalue_of(res: Any, *, term: str | None = None, rare_outcome: bool | None = None,
              baseline_risk: float | None = None, measure: Measure | None = None
              ) -> EValueResult:
    """E-value of a result's ratio estimate (the ``.evalue()`` behind every ratio result).

    For 2x2 results the outcome risk comes from the counts (weighted results: the table of
    summed weights): the risk in the unexposed for a risk difference, the overall risk (rare
    below 0.15) for an odds ratio. Results with
    several terms (regression, Cox) need ``term``; their ``rare_outcome`` comes from the
    result's events and units when it records them. A rate ratio is treated as a risk
    ratio (rare outcome).
    """
    kind = measure or _RESULT_MEASURES.get(str(getattr(res, "measure", "")), None) or (
        _CLASS_MEASURES.get(type(res).__name__))
    if kind == "rate":  # incidence rates: a rare-outcome risk ratio
        kind, rare_outcome = "rr", True
    frame = res.summary()
    if term is None:
        pooled = frame[frame[TERM] == getattr(res, "term", None)]
        if len(pooled) != 1 and len(frame) != 1:
            raise AnalysisInputError(
                f"this result has the terms {frame[TERM].tolist()}; pass term= to say which "
                f"estimate the E-value is for.")
        row = (pooled if len(pooled) == 1 else frame).iloc[0]
    else:
        rows = frame[frame[TERM] == term]
        if len(rows) != 1:
            raise AnalysisInputError(
                f"term {term!r} not in this result; its terms are {frame[TERM].tolist()}.")
        row = rows.iloc[0]
    counts = getattr(res, "counts", None)
    weighting = getattr(getattr(res, "accounting", None), "weights", None)
    if weighting is not None and getattr(res, "counts_used", None) is not None:
        counts = res.counts_used  # weighted: the risks of the table of summed weights
    strata = getattr(res, "strata", None)
    if counts is None and isinstance(strata, pd.DataFrame) and set(_COUNTS) <= set(strata):
        # pooled over strata: the crude totals give the risks
        counts = _Totals(*(float(strata[k].sum()) for k in _COUNTS))
    if baseline_risk is None and counts is not None and hasattr(counts, "n_unexposed"):
        if kind == "rd":
            baseline_risk = counts.unexposed_cases / counts.n_unexposed
        elif rare_outcome is None:
            baseline_risk = counts.cases / counts.total
    accounting = getattr(res, "accounting", None)
    if (baseline_risk is None and rare_outcome is None and accounting is not None
            and accounting.events is not None and accounting.n_used):
        baseline_risk = accounting.events / accounting.n_used
    if kind is None:
        raise AnalysisInputError(
            f"{type(res).__name__}: cannot tell whether the estimate is a risk, odds or hazard "
            f"ratio; pass measure=.")
    return evalue(float(row[ESTIMATE]), row[CI_LOWER], row[CI_UPPER], measure=kind,
                  rare_outcome=rare_outcome, baseline_risk=baseline_risk,
                  term=str(row[TERM]))
