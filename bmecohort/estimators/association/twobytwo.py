"""Odds ratio, risk ratio and risk difference from the four counts of a 2x2 table.

The count-level engine behind :mod:`bmecohort.estimators.association.unit_level`. Layout, as in Stata
and epiR (epitools uses the reverse)::

                  cases             non-cases
    exposed       exposed_cases     exposed_noncases       (a, b)
    unexposed     unexposed_cases   unexposed_noncases     (c, d)

Odds-ratio intervals: ``"woolf"`` (sample odds ratio, log/Wald interval; statsmodels
``Table2x2``), ``"exact"`` (conditional MLE with Fisher's exact interval, as R
``fisher.test``), ``"midp"`` (median-unbiased estimate with mid-p exact interval, as epitools
``oddsratio.midp``) and ``"cornfield"`` (sample odds ratio with Cornfield's interval, as Stata
``cc, cornfield``). Exact and mid-p are computed in log space on a certified window of the
support (``_odds_ratio_math``), in well under a second up to counts of 1e9.
Risk ratio: Katz log interval (Stata ``cs``); risk difference: Wald (Stata ``cs``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha
from ...exceptions import AnalysisInputError, SmallCellWarning
from ...results import Accounting
from ._odds_ratio_math import (
    conditional_odds_ratio,
    cornfield_limits,
    fisher_p_value,
    midp_odds_ratio,
    midp_p_value,
    needs_normal_approximation,
)
from ._table import (
    COUNT_NAMES,
    OddsRatioResult,
    RiskDifferenceResult,
    RiskRatioResult,
    TwoByTwoCounts,
    TwoByTwoResult,
    emit,
    make_counts,
    small_expected_message,
    zero_cells,
)

__all__ = [
    "COUNT_NAMES",
    "OddsRatioResult",
    "RiskDifferenceResult",
    "RiskRatioResult",
    "TwoByTwoCounts",
    "TwoByTwoResult",
    "odds_ratio_from_counts",
    "risk_difference_from_counts",
    "risk_ratio_from_counts",
]

OddsRatioMethod = Literal["woolf", "exact", "midp", "cornfield"]
ZeroCorrection = Literal["haldane"] | None
ODDS_RATIO_METHODS: tuple[str, ...] = ("woolf", "exact", "midp", "cornfield")
#: Which recorded p-value is ``.p_value`` for each odds-ratio method.
_P_VALUE_OF = {"woolf": "chi_square", "cornfield": "chi_square", "exact": "fisher",
               "midp": "midp"}


def _p_values(counts: TwoByTwoCounts) -> dict[str, float]:
    a, b, c, d = (int(x) for x in counts.cells())
    return {
        "chi_square": float(scipy.stats.chi2_contingency(counts.to_array(),
                                                         correction=False).pvalue),
        "fisher": fisher_p_value(a, b, c, d),  # scipy's, or the same rule past int64 margins
        "midp": midp_p_value(a, b, c, d),
    }


def _accounting(counts: TwoByTwoCounts) -> Accounting:
    total = int(counts.total)
    return Accounting(unit="row", n_rows=total, n_used=total, events=int(counts.cases))


def _check_correction(zero_correction: str | None) -> str:
    if zero_correction in (None, "none"):
        return "none"
    if zero_correction == "haldane":
        return "haldane"
    raise AnalysisInputError(
        f"zero_correction must be None or 'haldane', got {zero_correction!r}."
    )


def _ratio_at_zero(numerator: float, denominator: float) -> float:
    """A ratio whose numerator or denominator may be 0 (never both here)."""
    return numerator / denominator if denominator > 0 else np.inf


# --- engines (no warnings issued: callers emit the returned caveats) -------------------------


def compute_odds_ratio(
    counts: TwoByTwoCounts,
    *,
    method: str,
    alpha: float,
    zero_correction: str | None,
    term: str,
    accounting: Accounting,
    table: str = "counts",
    continuity: bool = False,
) -> tuple[OddsRatioResult, list[tuple[type[Warning], str]]]:
    """Odds ratio of a validated table; returns the result and the caveats to issue."""
    if continuity and method != "cornfield":
        raise AnalysisInputError(
            f"correction=True is the continuity correction of Cornfield's interval; it does "
            f"not apply to method={method!r}. Use method='cornfield' or drop correction.")
    if method not in ODDS_RATIO_METHODS:
        raise AnalysisInputError(
            f"method must be one of {list(ODDS_RATIO_METHODS)}, got {method!r}."
        )
    alpha = check_alpha(alpha)
    correction = _check_correction(zero_correction)
    if correction == "haldane" and method in ("exact", "midp"):
        raise AnalysisInputError(
            f"zero_correction='haldane' cannot be combined with method={method!r}: exact "
            f"methods need the observed whole counts and handle zero cells themselves (the "
            f"interval becomes one-sided). Drop zero_correction."
        )
    caveats: list[tuple[type[Warning], str]] = []
    zeros = zero_cells(counts)
    used = counts.shifted(0.5) if zeros and correction == "haldane" else counts
    a, b, c, d = used.cells()
    raw: Any = sm.Table2x2(used.to_array(), shift_zeros=False)
    label = method
    if method in ("exact", "midp"):
        wa, wb, wc, wd = (int(x) for x in counts.cells())
        solver = conditional_odds_ratio if method == "exact" else midp_odds_ratio
        estimate, lower, upper = solver(wa, wb, wc, wd, alpha)
        if needs_normal_approximation(wa, wb, wc, wd):
            label = f"{method}-normal-approximation"
    else:
        estimate = _ratio_at_zero(a * d, b * c)
        if method == "cornfield":
            lower, upper = (float(x) for x in cornfield_limits(
                a, b, c, d, alpha, correction=0.5 if continuity else 0.0))
        elif min(a, b, c, d) > 0:
            estimate = float(raw.oddsratio)
            lower, upper = (float(x) for x in raw.oddsratio_confint(alpha=alpha))
        else:
            lower = upper = float("nan")
    if zeros:
        shown = ", ".join(zeros)
        if used is not counts:
            consequence = ("0.5 was added to all four cells (Haldane-Anscombe) before "
                           "estimating; the p-values use the observed counts.")
        elif method == "woolf":
            consequence = ("the sample odds ratio is 0 or infinite and the Woolf interval is "
                           "undefined (reported as nan). Use method='exact' or 'midp', or "
                           "zero_correction='haldane'.")
        elif method == "cornfield":
            consequence = ("the sample odds ratio is 0 or infinite and one Cornfield limit is "
                           "0 or infinite. Consider method='exact' or 'midp'.")
        else:
            consequence = ("the conditional estimate is 0 or infinite and the exact interval "
                           "is one-sided (one limit is 0 or infinite).")
        caveats.append((SmallCellWarning, f"{table}: zero cell(s) {shown}; {consequence}"))
    if method in ("woolf", "cornfield"):
        message = small_expected_message(
            counts, table, "Use method='exact' or method='midp' for sparse tables.")
        if message:
            caveats.append((SmallCellWarning, message))
    p_values = _p_values(counts)
    return OddsRatioResult(
        term=term, estimate=float(estimate), ci_lower=float(lower), ci_upper=float(upper),
        p_value=p_values[_P_VALUE_OF[method]],
        method=f"{label}-corrected" if continuity else label, alpha=alpha,
        zero_correction=correction, counts=counts, counts_used=used,
        p_values=MappingProxyType(p_values), accounting=accounting,
        warnings=tuple(m for _, m in caveats), raw=raw,
    ), caveats


def compute_risk_ratio(
    counts: TwoByTwoCounts,
    *,
    alpha: float,
    zero_correction: str | None,
    term: str,
    accounting: Accounting,
    table: str = "counts",
) -> tuple[RiskRatioResult, list[tuple[type[Warning], str]]]:
    """Risk ratio (Katz log interval) of a validated table, and the caveats to issue."""
    alpha = check_alpha(alpha)
    correction = _check_correction(zero_correction)
    caveats: list[tuple[type[Warning], str]] = []
    zeros = zero_cells(counts)
    used = counts.shifted(0.5) if zeros and correction == "haldane" else counts
    raw = sm.Table2x2(used.to_array(), shift_zeros=False)
    risk_exposed = used.exposed_cases / used.n_exposed
    risk_unexposed = used.unexposed_cases / used.n_unexposed
    if used.exposed_cases > 0 and used.unexposed_cases > 0:
        estimate = float(raw.riskratio)
        lower, upper = (float(x) for x in raw.riskratio_confint(alpha=alpha))
    else:
        estimate = _ratio_at_zero(risk_exposed, risk_unexposed)
        lower = upper = float("nan")
        group = "exposed" if risk_exposed == 0 else "unexposed"
        caveats.append((SmallCellWarning,
                        f"{table}: no cases in the {group} group; the risk ratio is 0 or infinite and the Katz interval is "
                        f"undefined (reported as nan). Use zero_correction='haldane' or report "
                        f"an exact odds ratio."))
    if zeros and used is not counts:
        caveats.append((SmallCellWarning,
                        f"{table}: zero cell(s) {', '.join(zeros)}; 0.5 was added to all four "
                        f"cells (Haldane-Anscombe) before estimating."))
    message = small_expected_message(
        counts, table, "Interpret the Katz interval with caution; odds_ratio(method='exact' "
        "or 'midp') gives an exact alternative.")
    if message:
        caveats.append((SmallCellWarning, message))
    p_values = _p_values(counts)
    return RiskRatioResult(
        term=term, estimate=estimate, ci_lower=lower, ci_upper=upper,
        p_value=p_values["chi_square"], method="katz", alpha=alpha, zero_correction=correction,
        counts=counts, counts_used=used, p_values=MappingProxyType(p_values),
        accounting=accounting, warnings=tuple(m for _, m in caveats), raw=raw,
    ), caveats


def compute_risk_difference(
    counts: TwoByTwoCounts,
    *,
    alpha: float,
    term: str,
    accounting: Accounting,
    table: str = "counts",
) -> tuple[RiskDifferenceResult, list[tuple[type[Warning], str]]]:
    """Risk difference (Wald interval) of a validated table, and the caveats to issue."""
    alpha = check_alpha(alpha)
    caveats: list[tuple[type[Warning], str]] = []
    a, b, c, d = counts.cells()
    estimate = a / counts.n_exposed - c / counts.n_unexposed
    lower, upper = (float(x) for x in sm.confint_proportions_2indep(
        a, counts.n_exposed, c, counts.n_unexposed, method="wald", compare="diff",
        alpha=alpha))
    zeros = zero_cells(counts)
    if zeros:
        caveats.append((SmallCellWarning,
                        f"{table}: zero cell(s) {', '.join(zeros)}; a risk of 0 or 1 has Wald "
                        f"variance 0, so the interval understates the uncertainty."))
    message = small_expected_message(
        counts, table, "Interpret the Wald interval with caution.")
    if message:
        caveats.append((SmallCellWarning, message))
    p_values = _p_values(counts)
    return RiskDifferenceResult(
        term=term, estimate=float(estimate), ci_lower=lower, ci_upper=upper,
        p_value=p_values["chi_square"], method="wald", alpha=alpha, zero_correction="none",
        counts=counts, counts_used=counts, p_values=MappingProxyType(p_values),
        accounting=accounting, warnings=tuple(m for _, m in caveats),
        raw=sm.Table2x2(counts.to_array(), shift_zeros=False),
    ), caveats


# --- public count-level functions ------------------------------------------------------------


def odds_ratio_from_counts(
    *,
    exposed_cases: int,
    exposed_noncases: int,
    unexposed_cases: int,
    unexposed_noncases: int,
    method: OddsRatioMethod = "woolf",
    alpha: float = 0.05,
    zero_correction: ZeroCorrection = None,
    correction: bool = False,
) -> OddsRatioResult:
    r"""Odds ratio of a 2x2 table, with the interval named by ``method``.

    Parameters
    ----------
    exposed_cases, exposed_noncases, unexposed_cases, unexposed_noncases : int
        The cells ``a, b, c, d`` (non-negative whole numbers; no empty row or column).
    method : {"woolf", "exact", "midp", "cornfield"}, default="woolf"
        ``"woolf"``: sample odds ratio :math:`ad/bc` with the logit (Wald) interval.
        ``"exact"``: conditional maximum-likelihood estimate with Fisher's exact interval
        (R ``fisher.test``). ``"midp"``: median-unbiased estimate with the mid-p exact
        interval (epitools ``oddsratio.midp``). ``"cornfield"``: sample odds ratio with
        Cornfield's interval, no continuity correction (Stata ``cc, cornfield``).
    alpha : float, default=0.05
        One minus the confidence level.
    zero_correction : {None, "haldane"}, default=None
        ``None``: no correction (stated on the result as ``"none"``). ``"haldane"``: when
        any cell is 0, add 0.5 to all four cells before estimating (``"woolf"`` and
        ``"cornfield"`` only; p-values always use the observed counts).
    correction : bool, default=False
        ``method="cornfield"`` only: Cornfield's interval with the continuity correction
        (Schlesselman 1982, p. 177; Epi Info), method label ``"cornfield-corrected"``.
        Stata's ``cc``/``cci`` report the uncorrected limits (the default).

    Returns
    -------
    OddsRatioResult
        ``estimate, ci_lower, ci_upper``; ``p_value`` is the Pearson chi-square test
        without continuity correction for ``"woolf"`` and ``"cornfield"``, Fisher's
        two-sided test for ``"exact"`` and the two-sided mid-p test for ``"midp"``; all
        three are in ``p_values``. ``summary()`` columns: ``term, estimate, ci_lower,
        ci_upper, p_value, n, events``.

    Warns
    -----
    SmallCellWarning
        When a cell is 0, and (``"woolf"``, ``"cornfield"``) when an expected count is
        below 5; the messages are also in ``warnings``.

    Notes
    -----
    Woolf:

    .. math:: \exp\{\log(ad/bc) \pm z_{1-\alpha/2}\sqrt{1/a + 1/b + 1/c + 1/d}\}

    Conditional on the margins, ``a`` follows Fisher's noncentral hypergeometric
    distribution with noncentrality :math:`\psi` (the odds ratio). Exact limits solve
    :math:`P_\psi(X \ge a) = \alpha/2` and :math:`P_\psi(X \le a) = \alpha/2`; mid-p
    limits count half of :math:`P_\psi(X = a)` in each tail, and the median-unbiased
    estimate solves :math:`P_\psi(X < a) + \tfrac12 P_\psi(X = a) = \tfrac12`
    (Rothman & Greenland, *Modern Epidemiology*, 2nd ed., 1998, p. 251). Cornfield's
    limits (Cornfield 1956) solve :math:`(a - A)^2(1/A + 1/B + 1/C + 1/D) = z^2` for the
    fitted cells with fixed margins.

    Exact and mid-p results are exact (to a certified 1e-16 of the probability mass) as long
    as the conditional standard deviation of ``a`` is at most 2e4, which holds for every
    table whose cells are all at most 1e9 (computed in well under a second). Beyond that,
    ``method`` reads ``"exact-normal-approximation"`` or ``"midp-normal-approximation"``:
    the estimate is the sample odds ratio and the interval Cornfield's, with continuity
    correction 1/2 (exact) or none (mid-p), the normal limits of the exact ones. With a
    zero cell the sample and conditional estimates are 0 or infinite; exact, mid-p and Cornfield intervals remain defined (one-sided),
    the Woolf interval does not (``nan``).

    Examples
    --------
    Felson et al. 2003: 27 of 75 knees with medial BML progressed vs 12 of 148 without.

    >>> r = odds_ratio_from_counts(exposed_cases=27, exposed_noncases=48,
    ...                            unexposed_cases=12, unexposed_noncases=136)
    >>> round(r.estimate, 3), round(r.ci_lower, 3), round(r.ci_upper, 2)
    (6.375, 2.995, 13.57)
    """
    counts = make_counts(dict(exposed_cases=exposed_cases, exposed_noncases=exposed_noncases,
                              unexposed_cases=unexposed_cases,
                              unexposed_noncases=unexposed_noncases))
    out, caveats = compute_odds_ratio(
        counts, method=method, alpha=alpha, zero_correction=zero_correction,
        term="exposed vs unexposed", accounting=_accounting(counts), continuity=correction)
    emit(caveats)
    return out


def risk_ratio_from_counts(
    *,
    exposed_cases: int,
    exposed_noncases: int,
    unexposed_cases: int,
    unexposed_noncases: int,
    alpha: float = 0.05,
    zero_correction: ZeroCorrection = None,
) -> RiskRatioResult:
    r"""Risk ratio of a 2x2 table with the Katz log interval (Stata ``cs``).

    Parameters
    ----------
    exposed_cases, exposed_noncases, unexposed_cases, unexposed_noncases : int
        The cells ``a, b, c, d``.
    alpha : float, default=0.05
        One minus the confidence level.
    zero_correction : {None, "haldane"}, default=None
        ``"haldane"`` adds 0.5 to all four cells when any cell is 0.

    Returns
    -------
    RiskRatioResult
        ``p_value`` is the Pearson chi-square test without continuity correction; Fisher's
        and the mid-p test are in ``p_values``. ``summary()`` columns: ``term, estimate,
        ci_lower, ci_upper, p_value, n, events``.

    Warns
    -----
    SmallCellWarning
        No cases in a group (interval undefined), a zero cell corrected, or an expected
        count below 5.

    Notes
    -----
    With :math:`n_1 = a + b` and :math:`n_0 = c + d` (statsmodels ``Table2x2``):

    .. math:: \frac{a/n_1}{c/n_0}\,\exp\{\pm z_{1-\alpha/2}
              \sqrt{1/a - 1/n_1 + 1/c - 1/n_0}\}

    Examples
    --------
    >>> r = risk_ratio_from_counts(exposed_cases=27, exposed_noncases=48,
    ...                            unexposed_cases=12, unexposed_noncases=136)
    >>> round(r.estimate, 2), round(r.ci_lower, 3), round(r.ci_upper, 3)
    (4.44, 2.387, 8.259)
    """
    counts = make_counts(dict(exposed_cases=exposed_cases, exposed_noncases=exposed_noncases,
                              unexposed_cases=unexposed_cases,
                              unexposed_noncases=unexposed_noncases))
    out, caveats = compute_risk_ratio(
        counts, alpha=alpha, zero_correction=zero_correction, term="exposed vs unexposed",
        accounting=_accounting(counts))
    emit(caveats)
    return out


def risk_difference_from_counts(
    *,
    exposed_cases: int,
    exposed_noncases: int,
    unexposed_cases: int,
    unexposed_noncases: int,
    alpha: float = 0.05,
) -> RiskDifferenceResult:
    r"""Risk difference of a 2x2 table with the Wald interval (Stata ``cs``).

    Parameters
    ----------
    exposed_cases, exposed_noncases, unexposed_cases, unexposed_noncases : int
        The cells ``a, b, c, d``.
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    RiskDifferenceResult
        ``p_value`` is the Pearson chi-square test without continuity correction.
        ``summary()`` columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events``.

    Warns
    -----
    SmallCellWarning
        A zero cell (a risk of 0 or 1 has Wald variance 0) or an expected count below 5.

    Notes
    -----
    With :math:`p_1 = a/n_1` and :math:`p_0 = c/n_0` (statsmodels
    ``confint_proportions_2indep(method="wald")``):

    .. math:: p_1 - p_0 \pm z_{1-\alpha/2}\sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0}

    Examples
    --------
    >>> r = risk_difference_from_counts(exposed_cases=27, exposed_noncases=48,
    ...                                 unexposed_cases=12, unexposed_noncases=136)
    >>> round(r.estimate, 4), round(r.ci_lower, 4), round(r.ci_upper, 4)
    (0.2789, 0.1617, 0.3961)
    """
    counts = make_counts(dict(exposed_cases=exposed_cases, exposed_noncases=exposed_noncases,
                              unexposed_cases=unexposed_cases,
                              unexposed_noncases=unexposed_noncases))
    out, caveats = compute_risk_difference(
        counts, alpha=alpha, term="exposed vs unexposed", accounting=_accounting(counts))
    emit(caveats)
    return out
