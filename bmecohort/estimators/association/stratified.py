"""Mantel-Haenszel pooled odds ratio over strata, with the CMH and Breslow-Day tests.

Wraps statsmodels :class:`~statsmodels.stats.contingency_tables.StratifiedTable`: the
Mantel-Haenszel odds ratio with the Robins-Breslow-Greenland (1986) interval, the
Cochran-Mantel-Haenszel test without continuity correction (R
``mantelhaen.test(correct=FALSE)``) and the Breslow-Day test of homogeneity without Tarone's
adjustment (epiR ``epi.2by2``). Each stratum's own odds ratio (Woolf interval) is a row of
the summary.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from ..._checks import check_alpha, prepare, require_columns
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, TERM, N
from ...exceptions import AnalysisInputError, SmallCellWarning
from ...results import Accounting, Result, result, summary_frame
from ._odds_ratio_math import woolf_limits
from ._table import COUNT_NAMES, emit

__all__ = ["MantelHaenszelResult", "mantel_haenszel", "mantel_haenszel_from_counts"]

STRATUM = "stratum"
POOLED_TERM = "pooled (Mantel-Haenszel)"


@result
class MantelHaenszelResult(Result):
    """Mantel-Haenszel odds ratio pooled over strata.

    Attributes
    ----------
    term : str
        ``"pooled (Mantel-Haenszel)"``.
    estimate, ci_lower, ci_upper : float
        Pooled odds ratio and its Robins-Breslow-Greenland interval.
    p_value : float
        Cochran-Mantel-Haenszel test of odds ratio 1, no continuity correction.
    statistic : float
        The CMH chi-square statistic (1 df).
    homogeneity_p_value : float
        Breslow-Day test that the stratum odds ratios are equal (no Tarone adjustment).
    homogeneity_statistic : float
        The Breslow-Day chi-square statistic (``n_strata - 1`` df).
    method : str
        ``"mantel-haenszel"``.
    interval : str
        ``"robins-breslow-greenland"``.
    alpha : float
        One minus the confidence level.
    strata : pandas.DataFrame
        One row per stratum used: ``stratum``, the four counts, the stratum's sample odds
        ratio with its Woolf interval (``nan`` with a zero cell) and its Pearson chi-square
        p-value.
    stratum_name : str
        What the strata are (the strata column, or ``"stratum"``).
    accounting : Accounting
        Rows in and used, events, exclusions (missing values, uninformative strata).
    warnings : tuple of str
        Statistical caveats.
    raw : statsmodels.stats.contingency_tables.StratifiedTable
        The statsmodels object.
    """

    term: str
    estimate: float
    ci_lower: float
    ci_upper: float
    p_value: float
    statistic: float
    homogeneity_p_value: float
    homogeneity_statistic: float
    method: str
    interval: str
    alpha: float
    strata: pd.DataFrame
    stratum_name: str
    accounting: Accounting
    warnings: tuple[str, ...] = ()
    raw: Any = None

    @property
    def title(self) -> str:
        return "Mantel-Haenszel odds ratio"

    @property
    def n_strata(self) -> int:
        """Strata used."""
        return len(self.strata)

    def evalue(self, **options: Any) -> Any:
        """E-value of the pooled estimate (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, **options)

    def header(self) -> dict[str, object]:
        out = super().header()
        out["strata used"] = self.n_strata
        out["homogeneity (Breslow-Day) p"] = self.homogeneity_p_value
        return out

    def summary(self) -> pd.DataFrame:
        """One row per stratum (its own odds ratio) and a last row with the pooled estimate.

        Columns: ``term, estimate, ci_lower, ci_upper, p_value, n, events, stratum``;
        ``term`` is ``"<strata>=<label>"`` for the strata and ``"pooled (Mantel-Haenszel)"``.
        """
        rows = [
            {TERM: f"{self.stratum_name}={row[STRATUM]}", ESTIMATE: row[ESTIMATE],
             CI_LOWER: row[CI_LOWER], CI_UPPER: row[CI_UPPER], P_VALUE: row[P_VALUE],
             N: int(row[N]), EVENTS: int(row[EVENTS]), STRATUM: row[STRATUM]}
            for row in self.strata.to_dict("records")
        ]
        rows.append({TERM: self.term, ESTIMATE: self.estimate, CI_LOWER: self.ci_lower,
                     CI_UPPER: self.ci_upper, P_VALUE: self.p_value,
                     N: self.accounting.n_used, EVENTS: self.accounting.events,
                     STRATUM: None})
        return summary_frame(rows, extra=[N, EVENTS, STRATUM])


def _stratum_table(labels: pd.Index, cells: np.ndarray, alpha: float) -> pd.DataFrame:
    """Per-stratum counts, Woolf odds ratio and Pearson chi-square p (cells: K x 4)."""
    a, b, c, d = cells.T
    estimate, lower, upper = woolf_limits(a, b, c, d, alpha)
    p_values = [float(stats.chi2_contingency(row.reshape(2, 2), correction=False).pvalue)
                for row in cells]  # one call per stratum, not per unit
    frame = pd.DataFrame(cells, columns=list(COUNT_NAMES))
    frame.insert(0, STRATUM, labels)
    frame[ESTIMATE], frame[CI_LOWER], frame[CI_UPPER] = estimate, lower, upper
    frame[P_VALUE] = p_values
    frame[N] = cells.sum(axis=1)
    frame[EVENTS] = a + c
    return frame


def _pool(
    labels: pd.Index,
    cells: np.ndarray,
    *,
    alpha: float,
    stratum_name: str,
    n_rows: int,
    excluded: tuple[tuple[str, int], ...],
    table: str,
) -> MantelHaenszelResult:
    """Drop uninformative strata, pool the rest; cells is K x 4 (a, b, c, d)."""
    alpha = check_alpha(alpha)
    a, b, c, d = cells.T
    informative = (a + b > 0) & (c + d > 0) & (a + c > 0) & (b + d > 0)
    caveats: list[tuple[type[Warning], str]] = []
    if not informative.all():
        dropped = [str(x) for x in labels[~informative]]
        rows = int(cells[~informative].sum())
        excluded = (*excluded, ("stratum with one exposure group or one outcome", rows))
        caveats.append((SmallCellWarning,
                        f"{table}: {stratum_name} {dropped} ({rows} rows) have only one "
                        f"exposure group or one outcome and carry no information on the odds "
                        f"ratio; they were left out."))
    labels, cells = labels[informative], cells[informative]
    if len(cells) == 0:
        raise AnalysisInputError(
            f"{table}: no stratum of {stratum_name!r} has both exposure groups and both "
            f"outcomes, so no pooled odds ratio exists. Check the coding and the strata.")
    a, b, c, d = cells.T
    if not ((a * d) > 0).any() or not ((b * c) > 0).any():
        caveats.append((SmallCellWarning,
                        f"{table}: every stratum has a zero in the same diagonal of its table; "
                        f"the pooled odds ratio is 0 or infinite and its interval undefined."))
    raw = StratifiedTable(np.stack([row.reshape(2, 2) for row in cells], axis=2))
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = float(raw.oddsratio_pooled)
        lower, upper = (float(x) for x in raw.oddsratio_pooled_confint(alpha=alpha))
    null = raw.test_null_odds(correction=False)
    homogeneity = raw.test_equal_odds(adjust=False)
    strata = _stratum_table(labels, cells, alpha)
    used = int(cells.sum())
    emit(caveats, stacklevel=4)
    return MantelHaenszelResult(
        term=POOLED_TERM, estimate=estimate, ci_lower=lower, ci_upper=upper,
        p_value=float(null.pvalue), statistic=float(null.statistic),
        homogeneity_p_value=float(homogeneity.pvalue),
        homogeneity_statistic=float(homogeneity.statistic), method="mantel-haenszel",
        interval="robins-breslow-greenland", alpha=alpha, strata=strata,
        stratum_name=stratum_name,
        accounting=Accounting(unit="row", n_rows=n_rows, n_used=used,
                              events=int((a + c).sum()), excluded=excluded),
        warnings=tuple(m for _, m in caveats), raw=raw,
    )


def mantel_haenszel(
    data: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    strata: str,
    alpha: float = 0.05,
    measure: str = "or",
    correction: bool = False,
    tarone: bool = False,
) -> MantelHaenszelResult:
    r"""Mantel-Haenszel odds ratio of ``outcome`` for ``exposure`` pooled over ``strata``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    exposure : str
        Binary column (0/1 or boolean); 1 = exposed.
    outcome : str
        Binary column; 1 = case.
    strata : str
        Column whose values define the strata (e.g. site, sex, KL grade).
    alpha : float, default=0.05
        One minus the confidence level.
    measure : {"or", "rr", "rd"}, default="or"
        Pool the odds ratio, the risk ratio or the risk difference (Greenland-Robins
        intervals, as epiR ``epi.2by2`` ``RR.mh.wald`` and ``ARisk.mh.green``; see
        :mod:`~bmecohort.estimators.association.mh_measures`).
    correction : bool, default=False
        Continuity-corrected CMH test (R ``mantelhaen.test``'s default).
    tarone : bool, default=False
        Tarone's adjustment of Breslow-Day (``DescTools::BreslowDayTest(correct=TRUE)``).

    Returns
    -------
    MantelHaenszelResult
        ``estimate, ci_lower, ci_upper`` (pooled), ``p_value`` (CMH),
        ``homogeneity_p_value`` (Breslow-Day); ``summary()`` has one row per stratum (its
        own Woolf odds ratio) and the pooled row; columns ``term, estimate, ci_lower,
        ci_upper, p_value, n, events, stratum``.

    Raises
    ------
    AnalysisInputError
        Missing columns, non-binary exposure or outcome, or no informative stratum.

    Warns
    -----
    SmallCellWarning
        Strata with one exposure group or one outcome (left out), or a degenerate pooled
        estimate.

    Notes
    -----
    With :math:`n_k` the size of stratum :math:`k`,

    .. math:: \hat\psi_{MH} = \frac{\sum_k a_k d_k / n_k}{\sum_k b_k c_k / n_k}

    The interval uses the Robins-Breslow-Greenland (1986) variance of
    :math:`\log\hat\psi_{MH}`; the CMH statistic is
    :math:`(\sum_k a_k - E[a_k])^2 / \sum_k \mathrm{Var}(a_k)` under the hypergeometric
    null, without continuity correction; Breslow-Day compares each :math:`a_k` with its
    expectation under the common odds ratio :math:`\hat\psi_{MH}` (Breslow & Day 1980).
    Units are assumed independent within strata (no clustering).

    Examples
    --------
    >>> import pandas as pd
    >>> knees = pd.DataFrame({"site": ["A"] * 8 + ["B"] * 8,
    ...                       "bml": [1, 1, 1, 0, 0, 0, 1, 0] * 2,
    ...                       "pain": [1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1]})
    >>> r = mantel_haenszel(knees, exposure="bml", outcome="pain", strata="site")
    >>> r.n_strata, round(r.estimate, 3)
    (2, 9.0)
    """
    if measure != "or" or correction or tarone:  # see mh_measures
        from .mh_measures import mantel_haenszel_measure

        return mantel_haenszel_measure(data, exposure=exposure, outcome=outcome,
                                       strata=strata, alpha=alpha, measure=measure,
                                       correction=correction, tarone=tarone)
    frame, excluded = prepare(data, [exposure, outcome, strata], binary=[exposure, outcome])
    if frame.empty:
        raise AnalysisInputError(
            f"data: no complete rows in columns {[exposure, outcome, strata]} (of {len(data)} "
            f"rows); exclusions: {dict(excluded) or 'none'}.")
    index, labels = pd.factorize(frame[strata], sort=True)
    codes = 2 * frame[exposure].to_numpy(np.int64) + frame[outcome].to_numpy(np.int64)
    # columns in code order 0..3 = d, c, b, a; reversed to the table order a, b, c, d
    cells = np.bincount(index * 4 + codes, minlength=4 * len(labels)).reshape(-1, 4)[:, ::-1]
    return _pool(pd.Index(labels), np.ascontiguousarray(cells), alpha=alpha,
                 stratum_name=strata, n_rows=len(data), excluded=excluded, table="data")


def mantel_haenszel_from_counts(
    tables: pd.DataFrame, *, alpha: float = 0.05, measure: str = "or",
    correction: bool = False, tarone: bool = False,
) -> MantelHaenszelResult:
    """Mantel-Haenszel odds ratio from one 2x2 table per stratum.

    Parameters
    ----------
    tables : pandas.DataFrame
        One row per stratum with the columns ``exposed_cases, exposed_noncases,
        unexposed_cases, unexposed_noncases`` (non-negative whole numbers); the index
        labels the strata. Never modified.
    alpha : float, default=0.05
        One minus the confidence level.
    measure, correction, tarone
        As :func:`mantel_haenszel`.

    Returns
    -------
    MantelHaenszelResult
        As :func:`mantel_haenszel`.

    Raises
    ------
    AnalysisInputError
        Missing count columns, counts that are missing, negative or not whole, or no
        informative stratum.

    Warns
    -----
    SmallCellWarning
        As :func:`mantel_haenszel`.

    Examples
    --------
    >>> import pandas as pd
    >>> tables = pd.DataFrame({"exposed_cases": [20, 12], "exposed_noncases": [15, 10],
    ...                        "unexposed_cases": [10, 8], "unexposed_noncases": [30, 25]},
    ...                       index=["site A", "site B"])
    >>> round(mantel_haenszel_from_counts(tables).estimate, 4)
    3.8947
    """
    require_columns(tables, COUNT_NAMES, table="tables")
    values = tables.loc[:, list(COUNT_NAMES)].apply(pd.to_numeric, errors="coerce")
    array = values.to_numpy(float)
    bad = ~np.isfinite(array) | (array < 0) | (np.floor(array) != array)
    if bad.any():
        rows, cols = np.nonzero(bad)
        original = tables.loc[:, list(COUNT_NAMES)]
        shown = ", ".join(f"{tables.index[r]!r}/{COUNT_NAMES[c]}={original.iat[r, c]}"
                          for r, c in list(zip(rows, cols, strict=True))[:10])
        raise AnalysisInputError(
            f"tables: counts must be non-negative whole numbers, not missing; offending "
            f"cells (stratum/column=value): {shown}. Fix or drop those strata.")
    cells = array.astype(np.int64)
    if measure != "or" or correction or tarone:  # see mh_measures
        from .mh_measures import pool_measure

        return pool_measure(pd.Index(tables.index), cells, alpha=alpha, stratum_name=STRATUM,
                            n_rows=int(cells.sum()), excluded=(), table="tables",
                            measure=measure, correction=correction, tarone=tarone)
    return _pool(pd.Index(tables.index), cells, alpha=alpha, stratum_name=STRATUM,
                 n_rows=int(cells.sum()), excluded=(), table="tables")
