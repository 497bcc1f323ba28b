r"""Mantel-Haenszel risk ratio and risk difference, their tests and homogeneity tests.

The stratified measures statsmodels' ``StratifiedTable`` lacks (it pools only the odds
ratio), and the continuity-corrected CMH test with R's rule. Cells are K x 4 arrays in the
package's table order (``a`` exposed cases, ``b`` exposed non-cases, ``c`` unexposed cases,
``d`` unexposed non-cases), one row per stratum; with :math:`n_1 = a + b`,
:math:`n_0 = c + d`, :math:`m_1 = a + c` and :math:`N = n_1 + n_0` per stratum:

.. math::

    \widehat{RR}_{MH} = \frac{\sum a n_0 / N}{\sum c n_1 / N}, \qquad
    \widehat{\mathrm{Var}}(\log\widehat{RR}_{MH}) =
    \frac{\sum (m_1 n_1 n_0 / N^2 - a c / N)}{(\sum a n_0 / N)(\sum c n_1 / N)}

    \widehat{RD}_{MH} = \frac{\sum (a n_0 - c n_1) / N}{\sum n_1 n_0 / N}, \qquad
    \widehat{\mathrm{Var}}(\widehat{RD}_{MH}) =
    \frac{\sum (a b n_0^3 + c d n_1^3) / (n_1 n_0 N^2)}{(\sum n_1 n_0 / N)^2}

(Greenland and Robins 1985; epiR ``epi.2by2`` ``RR.mh.wald`` and ``ARisk.mh.green``; epiR
2.0.57's ``ARisk.mh.wald`` uses ``a*d`` and ``c*b`` where ``a*b`` and ``c*d`` belong, so its
intervals are not these). Both variances are dually consistent: valid for many small strata
and for few large ones. For these two measures every stratum with both exposure groups is
used (a stratum with one outcome still informs them), and homogeneity is a Woolf-type test.

:func:`mantel_haenszel_measure` and :func:`pool_measure` are the engines behind
``mantel_haenszel(..., measure=, correction=, tarone=)``; they return a
:class:`MantelHaenszelMeasureResult` (a ``MantelHaenszelResult`` that records the measure,
the CMH continuity correction and the homogeneity test). These estimators assume independent
units: on rows where ``participant_id`` repeats a
:class:`~bmecohort.exceptions.DataQualityWarning` says so (and points to
:func:`~bmecohort.estimators.association.standardize.standardize`, which gives cluster-robust
risk ratios and differences adjusted for the strata).
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pandas as pd
import scipy

from ..._checks import check_alpha, prepare
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, PARTICIPANT, N
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Accounting, result
from ._table import COUNT_NAMES, emit
from .stratified import (
    POOLED_TERM,
    STRATUM,
    MantelHaenszelResult,
    _pool,
    drop_uninformative,
    stratum_cells,
)

__all__ = [
    "MEASURES",
    "MantelHaenszelMeasureResult",
    "cmh_test",
    "homogeneity_test",
    "mantel_haenszel_measure",
    "pool_measure",
    "pooled",
    "stratum_estimates",
]

#: Measures pooled by Mantel-Haenszel, with their display names.
MEASURES: dict[str, str] = {"or": "odds ratio", "rr": "risk ratio", "rd": "risk difference"}


def _columns(cells: np.ndarray) -> tuple[np.ndarray, ...]:
    a, b, c, d = (np.asarray(cells, dtype=float)[:, i] for i in range(4))
    return a, b, c, d, a + b, c + d, a + b + c + d


def pooled(cells: np.ndarray, measure: str, alpha: float) -> tuple[float, float, float]:
    """Mantel-Haenszel risk ratio (log-scale) or risk difference with Greenland-Robins limits.

    Returns ``(estimate, lower, upper)``; limits are ``nan`` when the variance is undefined
    (a risk ratio of 0 or infinity).
    """
    a, b, c, d, n1, n0, total = _columns(cells)
    z = scipy.special.ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "rr":
            r, s = np.sum(a * n0 / total), np.sum(c * n1 / total)
            estimate = r / s
            variance = np.sum((a + c) * n1 * n0 / total ** 2 - a * c / total) / (r * s)
            half = z * np.sqrt(variance)
            if not (np.isfinite(half) and 0 < estimate < np.inf):
                return float(estimate), float("nan"), float("nan")
            return (float(estimate), float(estimate * np.exp(-half)),
                    float(estimate * np.exp(half)))
        if measure == "rd":
            weight = np.sum(n1 * n0 / total)
            estimate = np.sum((a * n0 - c * n1) / total) / weight
            variance = np.sum((a * b * n0 ** 3 + c * d * n1 ** 3)
                              / (n1 * n0 * total ** 2)) / weight ** 2
            half = z * np.sqrt(variance)
            return float(estimate), float(estimate - half), float(estimate + half)
    raise ValueError(f"measure {measure!r} is not pooled here")


def stratum_estimates(
    cells: np.ndarray, measure: str, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each stratum's risk ratio (Katz) or risk difference (Wald), limits and variance.

    The variance is of the log risk ratio or of the difference; ``nan`` limits where it is
    undefined (no cases in a group for the risk ratio).
    """
    a, b, c, d, n1, n0, _ = _columns(cells)
    z = scipy.special.ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p0 = a / n1, c / n0
        if measure == "rr":
            estimate = p1 / p0
            variance = np.where((a > 0) & (c > 0), b / (a * n1) + d / (c * n0), np.nan)
            half = z * np.sqrt(variance)
            return estimate, estimate * np.exp(-half), estimate * np.exp(half), variance
        estimate = p1 - p0
        variance = p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0
        half = z * np.sqrt(variance)
        return estimate, estimate - half, estimate + half, variance


def homogeneity_test(cells: np.ndarray, measure: str) -> tuple[float, float]:
    r"""Woolf-type test that the stratum risk ratios (or differences) are equal.

    :math:`\sum_k w_k (\hat\theta_k - \bar\theta)^2` on ``K - 1`` df, with
    :math:`\hat\theta_k` the log risk ratio (or risk difference), :math:`w_k` its inverse
    Katz (Wald) variance and :math:`\bar\theta` their inverse-variance mean (epiR
    ``wRR.homog`` for the risk ratio). ``nan`` when a stratum's variance is 0 or undefined.
    """
    estimate, _, _, variance = stratum_estimates(cells, measure, 0.05)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(estimate) if measure == "rr" else estimate
        weight = 1 / variance
        if not np.all(np.isfinite(weight) & np.isfinite(theta)) or len(theta) < 2:
            return float("nan"), float("nan")
        mean = np.sum(weight * theta) / np.sum(weight)
        statistic = float(np.sum(weight * (theta - mean) ** 2))
    return statistic, float(scipy.stats.chi2.sf(statistic, len(theta) - 1))


def cmh_test(cells: np.ndarray, correction: bool) -> tuple[float, float]:
    r"""Cochran-Mantel-Haenszel test of no association, as R ``mantelhaen.test``.

    :math:`(|\sum_k a_k - E a_k| - \delta)^2 / \sum_k \mathrm{Var}(a_k)` with the
    hypergeometric mean and variance; :math:`\delta = 1/2` with ``correction`` when
    :math:`|\sum_k a_k - E a_k| \ge 1/2`, else 0 (R's rule; statsmodels subtracts 1/2
    always).
    """
    a, b, c, d, n1, n0, total = _columns(cells)
    m1, m0 = a + c, b + d
    delta = np.sum(a - n1 * m1 / total)
    variance = np.sum(n1 * n0 * m1 * m0 / (total ** 2 * (total - 1)))
    yates = 0.5 if correction and abs(delta) >= 0.5 else 0.0
    statistic = float((abs(delta) - yates) ** 2 / variance)
    return statistic, float(scipy.stats.chi2.sf(statistic, 1))


# --- results --------------------------------------------------------------------------------


@result
class MantelHaenszelMeasureResult(MantelHaenszelResult):
    """A Mantel-Haenszel result that records its measure and test options.

    Attributes (besides those of ``MantelHaenszelResult``)
    -------------------------------------------------------
    measure : str
        ``"odds ratio"``, ``"risk ratio"`` or ``"risk difference"``.
    correction : bool
        Whether the CMH test is continuity-corrected.
    homogeneity_test : str
        ``"breslow-day"``, ``"breslow-day-tarone"`` or ``"woolf"``.
    """

    measure: str = "odds ratio"
    correction: bool = False
    homogeneity_test: str = "breslow-day"

    @property
    def title(self) -> str:
        return f"Mantel-Haenszel {self.measure}"

    def header(self) -> dict[str, object]:
        out = super().header()
        out.pop("homogeneity (Breslow-Day) p", None)
        out[f"homogeneity ({self.homogeneity_test}) p"] = self.homogeneity_p_value
        out["CMH continuity correction"] = self.correction
        return out


def _stratum_rows(labels: pd.Index, cells: np.ndarray, measure: str, alpha: float
                  ) -> pd.DataFrame:
    """Per-stratum counts, risk ratio (Katz) or difference (Wald), Pearson chi-square p
    (``nan`` for a stratum with one outcome)."""
    a, b, c, d = cells.T
    estimate, lower, upper, _ = stratum_estimates(cells, measure, alpha)
    p_values = [float(scipy.stats.chi2_contingency(row.reshape(2, 2), correction=False).pvalue)
                if row[0] + row[2] > 0 and row[1] + row[3] > 0 else float("nan")
                for row in cells]  # one call per stratum, not per unit
    frame = pd.DataFrame(cells, columns=list(COUNT_NAMES))
    frame.insert(0, STRATUM, labels)
    frame[ESTIMATE], frame[CI_LOWER], frame[CI_UPPER] = estimate, lower, upper
    frame[P_VALUE] = p_values
    frame[N] = cells.sum(axis=1)
    frame[EVENTS] = a + c
    return frame


def pool_measure(
    labels: pd.Index,
    cells: np.ndarray,
    *,
    alpha: float,
    stratum_name: str,
    n_rows: int,
    excluded: tuple[tuple[str, int], ...],
    table: str,
    measure: str,
    correction: bool,
    tarone: bool,
    stacklevel: int = 4,
) -> MantelHaenszelMeasureResult:
    """Pool ``cells`` (K x 4) by Mantel-Haenszel for ``measure`` with the chosen tests.

    ``raw`` of a risk ratio or difference result is the K x 4 array of the strata used.
    """
    alpha = check_alpha(alpha)
    if measure not in MEASURES:
        raise AnalysisInputError(f"measure must be one of {list(MEASURES)}, got {measure!r}.")
    if tarone and measure != "or":
        raise AnalysisInputError(
            f"tarone=True adjusts the Breslow-Day test of equal odds ratios; with "
            f"measure={measure!r} homogeneity is tested by the Woolf-type test. Drop tarone.")
    if measure == "or":
        base = _pool(labels, cells, alpha=alpha, stratum_name=stratum_name, n_rows=n_rows,
                     excluded=excluded, table=table)
        used = base.strata.loc[:, list(COUNT_NAMES)].to_numpy(np.int64)
        statistic, p_value = cmh_test(used, correction)
        values = {f.name: getattr(base, f.name) for f in fields(base)}
        values.update(statistic=statistic, p_value=p_value, measure=MEASURES[measure],
                      correction=bool(correction))
        if tarone:
            test = base.raw.test_equal_odds(adjust=True)
            values.update(homogeneity_statistic=float(test.statistic),
                          homogeneity_p_value=float(test.pvalue),
                          homogeneity_test="breslow-day-tarone")
        return MantelHaenszelMeasureResult(**values)
    a, b, c, d = cells.T
    caveats: list[tuple[type[Warning], str]] = []
    labels, cells, excluded = drop_uninformative(
        labels, cells, (a + b > 0) & (c + d > 0), excluded, caveats, table=table,
        stratum_name=stratum_name, lacking="one exposure group",
        needed="both exposure groups", measure=MEASURES[measure])
    estimate, lower, upper = pooled(cells, measure, alpha)
    statistic, p_value = cmh_test(cells, correction)
    h_statistic, h_p = homogeneity_test(cells, measure)
    emit(caveats, stacklevel=stacklevel)
    return MantelHaenszelMeasureResult(
        term=POOLED_TERM, estimate=estimate, ci_lower=lower, ci_upper=upper, p_value=p_value,
        statistic=statistic, homogeneity_p_value=h_p, homogeneity_statistic=h_statistic,
        method="mantel-haenszel", interval="greenland-robins", alpha=alpha,
        strata=_stratum_rows(labels, cells, measure, alpha), stratum_name=stratum_name,
        accounting=Accounting(unit="row", n_rows=n_rows, n_used=int(cells.sum()),
                              events=int((cells[:, 0] + cells[:, 2]).sum()),
                              excluded=excluded),
        warnings=tuple(m for _, m in caveats), raw=cells, measure=MEASURES[measure],
        correction=bool(correction), homogeneity_test="woolf")


def mantel_haenszel_measure(
    data: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    strata: str,
    alpha: float,
    measure: str,
    correction: bool,
    tarone: bool,
) -> MantelHaenszelMeasureResult:
    """Data-level entry of :func:`pool_measure` (one row per unit, never modified)."""
    frame, excluded = prepare(data, [exposure, outcome, strata], binary=[exposure, outcome])
    labels, cells = stratum_cells(frame, data, excluded, exposure=exposure, outcome=outcome,
                                  strata=strata)
    out = pool_measure(labels, cells, alpha=alpha,
                       stratum_name=strata, n_rows=len(data), excluded=excluded,
                       table="data", measure=measure, correction=correction, tarone=tarone,
                       stacklevel=5)
    if PARTICIPANT in data.columns:
        ids = data.loc[frame.index, PARTICIPANT]
        if ids.notna().all() and ids.nunique() < len(ids):
            message = (
                f"data: {len(ids)} rows of {ids.nunique()} {PARTICIPANT} values: persons "
                f"contribute several units, but the Mantel-Haenszel {MEASURES[measure]} and "
                f"its tests assume independent units, so the interval is too narrow. For a "
                f"cluster-robust stratified risk ratio or difference use "
                f"standardize(data, outcome={outcome!r}, exposure={exposure!r}, "
                f"covariates=[{strata!r}]).")
            emit([(DataQualityWarning, message)], stacklevel=4)
            out = replace(out, warnings=(*out.warnings, message))
    return out
