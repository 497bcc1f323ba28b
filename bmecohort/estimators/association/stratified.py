"""Mantel-Haenszel pooled odds ratio over strata, with the CMH and Breslow-Day tests, and its
clustered counterpart.

Wraps statsmodels :class:`~statsmodels.stats.contingency_tables.StratifiedTable`: the
Mantel-Haenszel odds ratio with the Robins-Breslow-Greenland (1986) interval, the
Cochran-Mantel-Haenszel test without continuity correction (R
``mantelhaen.test(correct=FALSE)``) and the Breslow-Day test of homogeneity without Tarone's
adjustment (epiR ``epi.2by2``). Each stratum's own odds ratio (Woolf interval) is a row of
the summary. When units cluster in persons (``cluster="auto"``, see
:mod:`bmecohort._clusters`), the pooled odds ratio is that of an independence GEE with
stratum terms and the intervals are cluster-robust (:func:`stratified_cluster_fit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import scipy

from ... import _statsmodels as sm
from ..._checks import check_alpha, prepare, require_columns
from ..._clusters import (
    AUTO,
    ClusterPlan,
    carry,
    cluster_cov_kwds,
    cluster_request,
    plan_clusters,
)
from ..._columns import CI_LOWER, CI_UPPER, ESTIMATE, EVENTS, P_VALUE, TERM, N
from ...exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SmallCellWarning,
)
from ...results import Accounting, ScalarResult, result, summary_frame
from ._odds_ratio_math import woolf_limits
from ._table import COUNT_NAMES, MAX_COUNT, emit

__all__ = ["MantelHaenszelResult", "mantel_haenszel", "mantel_haenszel_from_counts",
           "stratified_cluster_fit"]

STRATUM = "stratum"
POOLED_TERM = "pooled (Mantel-Haenszel)"
POOLED_CLUSTERED_TERM = "pooled (stratified GEE)"
CLUSTERED_METHOD = "gee-independence-strata-cluster-robust"


@result
class MantelHaenszelResult(ScalarResult):
    """Mantel-Haenszel odds ratio pooled over strata.

    Attributes
    ----------
    term : str
        ``"pooled (Mantel-Haenszel)"``, or ``"pooled (stratified GEE)"`` when clustered.
    estimate, ci_lower, ci_upper : float
        Pooled odds ratio and its Robins-Breslow-Greenland interval; when clustered, the
        odds ratio of the independence GEE with stratum terms and its cluster-robust Wald
        interval.
    p_value : float
        Cochran-Mantel-Haenszel test of odds ratio 1, no continuity correction; when
        clustered, the cluster-robust Wald test.
    statistic : float
        The CMH chi-square statistic (1 df); when clustered, the robust Wald chi-square.
    homogeneity_p_value : float
        Breslow-Day test that the stratum odds ratios are equal (no Tarone adjustment);
        when clustered, the cluster-robust Wald test of the same hypothesis (``nan`` when a
        stratum has a zero cell).
    homogeneity_statistic : float
        The chi-square statistic (``n_strata - 1`` df).
    method : str
        ``"mantel-haenszel"``, or ``"gee-independence-strata-cluster-robust"``.
    interval : str
        ``"robins-breslow-greenland"``, or ``"wald-cluster-robust"``.
    alpha : float
        One minus the confidence level.
    strata : pandas.DataFrame
        One row per stratum used: ``stratum``, the four counts, the stratum's sample odds
        ratio with its Woolf interval (``nan`` with a zero cell) and its Pearson chi-square
        p-value; when clustered, the interval and p-value are cluster-robust (Wald).
    stratum_name : str
        What the strata are (the strata column, or ``"stratum"``).
    accounting : Accounting
        Rows in and used, events, exclusions (missing values, uninformative strata), the
        cluster column, ``n_clusters`` and ``clustered``.
    unclustered : mapping of str to float
        The Mantel-Haenszel ``estimate, ci_lower, ci_upper``, CMH ``p_value`` and
        Breslow-Day ``homogeneity_p_value``, which assume independent units (for reference
        when clustered).
    warnings : tuple of str
        Statistical caveats (and an opt-out of clustering on clustered rows).
    raw : statsmodels.stats.contingency_tables.StratifiedTable or GLM results
        The statsmodels object (the GLM fit when clustered).
    """

    statistic: float
    homogeneity_p_value: float
    homogeneity_statistic: float
    method: str
    interval: str
    alpha: float
    strata: pd.DataFrame
    stratum_name: str
    accounting: Accounting
    unclustered: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    raw: Any = None

    @property
    def title(self) -> str:
        if self.accounting.clustered:
            return "Stratified odds ratio (cluster-robust)"
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
        test = "cluster-robust Wald" if self.accounting.clustered else "Breslow-Day"
        out[f"homogeneity ({test}) p"] = self.homogeneity_p_value
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
    p_values = [float(scipy.stats.chi2_contingency(row.reshape(2, 2), correction=False).pvalue)
                for row in cells]  # one call per stratum, not per unit
    frame = pd.DataFrame(cells, columns=list(COUNT_NAMES))
    frame.insert(0, STRATUM, labels)
    frame[ESTIMATE], frame[CI_LOWER], frame[CI_UPPER] = estimate, lower, upper
    frame[P_VALUE] = p_values
    frame[N] = cells.sum(axis=1)
    frame[EVENTS] = a + c
    return frame


def _informative(cells: np.ndarray) -> np.ndarray:
    """Strata with both exposure groups and both outcomes (cells: K x 4)."""
    a, b, c, d = cells.T
    return (a + b > 0) & (c + d > 0) & (a + c > 0) & (b + d > 0)


@dataclass(frozen=True)
class StratifiedClusterFit:
    """Cluster-robust pooled and per-stratum log odds ratios (see :func:`stratified_cluster_fit`)."""

    coef: float
    se: float
    stratum_coef: np.ndarray
    stratum_se: np.ndarray
    homogeneity_statistic: float
    homogeneity_p_value: float
    converged: bool
    raw: Any = None


def stratified_cluster_fit(
    y: np.ndarray, x: np.ndarray, stratum: np.ndarray, groups: np.ndarray, *,
    pooled: bool = True,
) -> StratifiedClusterFit:
    r"""Pooled odds ratio over strata for clustered units: independence GEE with strata terms.

    Parameters
    ----------
    y, x : numpy.ndarray
        0/1 outcome and exposure of each unit.
    stratum : numpy.ndarray
        Stratum code of each unit, ``0 .. K-1`` (every stratum informative).
    groups : numpy.ndarray
        Integer cluster code of each unit, ``0 .. G-1``.
    pooled : bool, default=True
        Fit the pooled model; ``False`` when it has no finite estimate (every stratum with a
        zero in the same diagonal): ``coef`` and ``se`` are then ``nan``.

    Returns
    -------
    StratifiedClusterFit
        ``coef, se``: the exposure's log odds ratio in
        :math:`\operatorname{logit} P(Y=1) = \alpha_k + \beta x` and its plain sandwich
        standard error (statsmodels GLM, ``cov_type="cluster"`` without small-sample
        factor: geepack's ``geeglm(y ~ x + factor(stratum), corstr = "independence")``);
        ``stratum_coef, stratum_se``: each stratum's own log odds ratio and its
        cluster-robust standard error (``nan`` with a zero cell);
        ``homogeneity_statistic, homogeneity_p_value``: the cluster-robust Wald test that
        the stratum log odds ratios are equal (``K - 1`` df; ``nan`` with a zero cell), the
        interaction test of geepack's ``anova(geeglm(y ~ factor(stratum) * x))``.

    Notes
    -----
    A stratum's saturated logistic model has :math:`\hat\beta_k = \operatorname{logit}
    \hat p_{1k} - \operatorname{logit}\hat p_{0k}`, whose influence function for unit
    :math:`i` is :math:`x_i (y_i - \hat p_{1k}) / (n_{1k} \hat p_{1k}(1-\hat p_{1k})) -
    (1-x_i)(y_i - \hat p_{0k}) / (n_{0k} \hat p_{0k}(1-\hat p_{0k}))`; the sandwich is the
    sum over clusters of the squared cluster sums of these (the GLM's plain cluster
    sandwich, in closed form and vectorised over strata). Clusters cross strata, so the
    stratum estimates covary: :math:`\\widehat{V} = S S^\\top` with :math:`S` the stratum by
    cluster matrix of those sums, which gives the homogeneity test
    :math:`(C\\hat\\beta)^\\top (C \\widehat V C^\\top)^{-1} C\\hat\\beta` (:math:`C` the
    differences from the first stratum).
    """

    n_strata = int(stratum.max()) + 1
    fit = None
    if pooled:
        dummies = (stratum[:, None] == np.arange(1, n_strata)[None, :]).astype(float)
        design = np.column_stack([np.ones(len(y)), x, dummies])
        model = sm.GLM(y, design, family=sm.families.Binomial())
        with np.errstate(all="ignore"):
            fit = model.fit(cov_type="cluster", cov_kwds=cluster_cov_kwds(groups), tol=1e-12,
                            maxiter=100)
    # per stratum, in closed form
    n1 = np.bincount(stratum, weights=x, minlength=n_strata)
    n0 = np.bincount(stratum, weights=1 - x, minlength=n_strata)
    p1 = np.bincount(stratum, weights=x * y, minlength=n_strata) / n1
    p0 = np.bincount(stratum, weights=(1 - x) * y, minlength=n_strata) / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        coef_k = scipy.special.logit(p1) - scipy.special.logit(p0)
        influence = (x * (y - p1[stratum]) / (n1 * p1 * (1 - p1))[stratum]
                     - (1 - x) * (y - p0[stratum]) / (n0 * p0 * (1 - p0))[stratum])
    n_groups = int(groups.max()) + 1
    sums = np.bincount(stratum * n_groups + groups, weights=influence,
                       minlength=n_strata * n_groups).reshape(n_strata, n_groups)
    se_k = np.sqrt((sums ** 2).sum(axis=1))
    defined = np.isfinite(coef_k) & np.isfinite(se_k)
    statistic = p_value = float("nan")
    if n_strata > 1 and defined.all():
        contrast = np.column_stack([-np.ones(n_strata - 1), np.eye(n_strata - 1)])
        diff = contrast @ coef_k
        cov = contrast @ (sums @ sums.T) @ contrast.T
        statistic = float(diff @ np.linalg.solve(cov, diff))
        p_value = float(scipy.stats.chi2.sf(statistic, n_strata - 1))
    return StratifiedClusterFit(
        coef=float(fit.params[1]) if fit is not None else float("nan"),
        se=float(fit.bse[1]) if fit is not None else float("nan"),
        stratum_coef=np.where(defined, coef_k, np.nan),
        stratum_se=np.where(defined, se_k, np.nan),
        homogeneity_statistic=statistic, homogeneity_p_value=p_value,
        converged=bool(fit.converged) if fit is not None else True, raw=fit)


def _with_clusters(
    pooled: MantelHaenszelResult,
    frame: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    strata: str,
    plan: ClusterPlan,
) -> tuple[MantelHaenszelResult, list[tuple[type[Warning], str]]]:
    """The clustered counterpart of a Mantel-Haenszel result, or it with an opt-out note."""
    accounting = replace(pooled.accounting, cluster=plan.column, n_clusters=plan.n_clusters,
                         clustered=plan.clustered)
    if not plan.clustered or plan.groups is None:  # (a clustered plan has its groups)
        if plan.warning is None:
            return replace(pooled, accounting=accounting), []
        return (replace(pooled, accounting=accounting,
                        warnings=pooled.warnings + (plan.warning,)),
                [(DataQualityWarning, plan.warning)])
    kept = frame[strata].isin(pooled.strata[STRATUM]).to_numpy()
    labels = pd.Index(pooled.strata[STRATUM])
    stratum = labels.get_indexer(frame.loc[kept, strata])
    groups = pd.factorize(plan.groups[kept])[0]
    y = frame.loc[kept, outcome].to_numpy(float)
    x = frame.loc[kept, exposure].to_numpy(float)
    caveats: list[tuple[type[Warning], str]] = []
    z = float(scipy.special.ndtri(1 - pooled.alpha / 2))
    degenerate = not 0 < pooled.estimate < np.inf
    fit = stratified_cluster_fit(y, x, stratum, groups, pooled=not degenerate)
    if degenerate:
        coef, se, p, statistic = float(np.log(pooled.estimate)), np.nan, np.nan, np.nan
    else:
        coef, se = fit.coef, fit.se
        statistic = (coef / se) ** 2
        p = float(scipy.stats.chi2.sf(statistic, 1))
        if not fit.converged:
            caveats.append((ConvergenceWarning,
                            "data: the stratified GEE behind the cluster-robust pooled odds "
                            "ratio did not converge; do not trust it."))
    table = pooled.strata.copy()
    table[CI_LOWER] = np.exp(fit.stratum_coef - z * fit.stratum_se)
    table[CI_UPPER] = np.exp(fit.stratum_coef + z * fit.stratum_se)
    table[P_VALUE] = 2 * scipy.stats.norm.sf(np.abs(fit.stratum_coef / fit.stratum_se))
    result = replace(
        pooled, term=POOLED_CLUSTERED_TERM, estimate=float(np.exp(coef)),
        ci_lower=float(np.exp(coef - z * se)), ci_upper=float(np.exp(coef + z * se)),
        p_value=p, statistic=float(statistic), method=CLUSTERED_METHOD,
        homogeneity_statistic=fit.homogeneity_statistic,
        homogeneity_p_value=fit.homogeneity_p_value,
        interval="wald-cluster-robust", strata=table, accounting=accounting, raw=fit.raw,
        warnings=pooled.warnings + tuple(m for _, m in caveats))
    return result, caveats



def drop_uninformative(
    labels: np.ndarray, cells: np.ndarray, informative: np.ndarray,
    excluded: tuple[tuple[str, int], ...], caveats: list[tuple[type[Warning], str]], *,
    table: str, stratum_name: str, lacking: str, needed: str, measure: str,
) -> tuple[np.ndarray, np.ndarray, tuple[tuple[str, int], ...]]:
    """Leave out the strata that carry no information (counted, and a caveat), or raise
    when none is left; ``lacking``/``needed`` word the rule in the messages."""
    if not informative.all():
        dropped = [str(x) for x in labels[~informative]]
        rows = int(cells[~informative].sum())
        excluded = (*excluded, (f"stratum with {lacking}", rows))
        caveats.append((SmallCellWarning,
                        f"{table}: {stratum_name} {dropped} ({rows} rows) have only "
                        f"{lacking} and carry no information on the {measure}; they were "
                        f"left out."))
    if not informative.any():
        raise AnalysisInputError(
            f"{table}: no stratum of {stratum_name!r} has {needed}, so no pooled {measure} "
            f"exists. Check the coding and the strata.")
    return labels[informative], cells[informative], excluded

def stratum_cells(frame: pd.DataFrame, data: pd.DataFrame,
                  excluded: list[tuple[str, int]] | tuple[tuple[str, int], ...], *,
                  exposure: str, outcome: str, strata: str) -> tuple[pd.Index, np.ndarray]:
    """The sorted stratum labels and each stratum's ``a, b, c, d`` counts of ``frame``
    (the complete 0/1 rows of ``data``); an error when no row is complete."""
    if frame.empty:
        raise AnalysisInputError(
            f"data: no complete rows in columns {[exposure, outcome, strata]} (of {len(data)} "
            f"rows); exclusions: {dict(excluded) or 'none'}.")
    index, labels = pd.factorize(frame[strata], sort=True)
    codes = 2 * frame[exposure].to_numpy(np.int64) + frame[outcome].to_numpy(np.int64)
    # columns in code order 0..3 = d, c, b, a; reversed to the table order a, b, c, d
    cells = np.bincount(index * 4 + codes, minlength=4 * len(labels)).reshape(-1, 4)[:, ::-1]
    return pd.Index(labels), np.ascontiguousarray(cells)


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
    caveats: list[tuple[type[Warning], str]] = []
    labels, cells, excluded = drop_uninformative(
        labels, cells, _informative(cells), excluded, caveats, table=table,
        stratum_name=stratum_name, lacking="one exposure group or one outcome",
        needed="both exposure groups and both outcomes", measure="odds ratio")
    a, b, c, d = cells.T
    if not ((a * d) > 0).any() or not ((b * c) > 0).any():
        caveats.append((SmallCellWarning,
                        f"{table}: every stratum has a zero in the same diagonal of its table; "
                        f"the pooled odds ratio is 0 or infinite and its interval undefined."))
    raw = sm.StratifiedTable(np.stack([row.reshape(2, 2) for row in cells], axis=2))
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
        unclustered=MappingProxyType({ESTIMATE: estimate, CI_LOWER: lower, CI_UPPER: upper,
                                      P_VALUE: float(null.pvalue),
                                      "homogeneity_p_value": float(homogeneity.pvalue)}),
        warnings=tuple(m for _, m in caveats), raw=raw,
    )


def mantel_haenszel(
    data: pd.DataFrame,
    *,
    exposure: str,
    outcome: str,
    strata: str,
    alpha: float = 0.05,
    cluster: str | None = AUTO,
    measure: str = "or",
    correction: bool = False,
    tarone: bool = False,
    weights: str | None = None,
) -> MantelHaenszelResult:
    r"""Mantel-Haenszel odds ratio of ``outcome`` for ``exposure`` pooled over ``strata``,
    cluster-robust when units cluster in persons.

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
    cluster : "auto", str or None, default="auto"
        ``"auto"``: when ``participant_id`` repeats among the rows used (two knees, many
        bones of one person), the pooled odds ratio is that of an independence GEE with
        stratum terms, with cluster-robust intervals and tests (method
        ``"gee-independence-strata-cluster-robust"``); else Mantel-Haenszel. A column name:
        always clustered by it. ``None``: Mantel-Haenszel, which assumes independent units
        (a :class:`~bmecohort.exceptions.DataQualityWarning` when ``participant_id``
        repeats).
    measure : {"or", "rr", "rd"}, default="or"
        Pool the odds ratio, the risk ratio or the risk difference (Greenland-Robins
        intervals, as epiR ``epi.2by2`` ``RR.mh.wald`` and ``ARisk.mh.green``; see
        :mod:`~bmecohort.estimators.association.mh_measures`).
    correction : bool, default=False
        Continuity-corrected CMH test (R ``mantelhaen.test``'s default).
    tarone : bool, default=False
        Tarone's adjustment of Breslow-Day (``DescTools::BreslowDayTest(correct=TRUE)``).
        ``measure`` other than ``"or"``, ``correction`` and ``tarone`` have no clustered
        form: under ``cluster="auto"`` they warn (and record) when units cluster; with a
        named cluster column they are an error.
    weights : None, default=None
        Not supported: the Mantel-Haenszel estimator and its tests are closed forms of
        counts, and inverse-probability weights need a weighted model with a robust
        variance. Passing a column is an error that points to :func:`~bmecohort.logistic`
        with the strata as a categorical covariate (``weights=``,
        ``cov_struct="independence"``), the weighted form of the clustered estimator here.

    Returns
    -------
    MantelHaenszelResult
        ``estimate, ci_lower, ci_upper`` (pooled), ``p_value`` (CMH, or robust Wald),
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
    DataQualityWarning
        Clustered rows analysed as independent (``cluster=None``).

    Notes
    -----
    With :math:`n_k` the size of stratum :math:`k`,

    .. math:: \hat\psi_{MH} = \frac{\sum_k a_k d_k / n_k}{\sum_k b_k c_k / n_k}

    The interval uses the Robins-Breslow-Greenland (1986) variance of
    :math:`\log\hat\psi_{MH}`; the CMH statistic is
    :math:`(\sum_k a_k - E[a_k])^2 / \sum_k \mathrm{Var}(a_k)` under the hypergeometric
    null, without continuity correction; Breslow-Day compares each :math:`a_k` with its
    expectation under the common odds ratio :math:`\hat\psi_{MH}` (Breslow & Day 1980).
    These assume independent units.

    Clustered, the common odds ratio :math:`e^{\beta}` is estimated by
    :math:`\operatorname{logit} P(Y=1) = \alpha_k + \beta x` (one intercept per stratum)
    with the plain cluster-robust sandwich, the same as R
    ``geepack::geeglm(y ~ x + factor(stratum), id = cluster, corstr = "independence")``
    (:func:`stratified_cluster_fit`); with a few large strata it is close to
    :math:`\hat\psi_{MH}` (kept in ``unclustered``). With many sparse strata (e.g. matched
    sets) the stratum intercepts bias :math:`\hat\beta`; use
    :func:`~bmecohort.conditional_logistic` instead. Homogeneity is then tested by the
    cluster-robust Wald test of equal stratum odds ratios.

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
    if weights is not None:
        raise AnalysisInputError(
            f"mantel_haenszel: weights={weights!r} are not supported: the Mantel-Haenszel "
            f"estimator is a closed form of counts with no weighted variance. Fit the "
            f"stratified odds ratio as a weighted logistic model with stratum terms, "
            f"logistic(data, outcome={outcome!r}, exposures={exposure!r}, "
            f"covariates=[{strata!r}], categorical=[{strata!r}], weights={weights!r}, "
            f"cov_struct='independence'), which has a robust (cluster) variance.")
    if measure != "or" or correction or tarone:  # see mh_measures
        if cluster not in (None, AUTO):
            raise AnalysisInputError(
                f"mantel_haenszel: measure={measure!r}, correction={correction!r} and "
                f"tarone={tarone!r} have no cluster-robust form; use cluster='auto' or None, "
                f"or standardize(covariates=[strata]) for cluster-robust risk ratios and "
                f"differences.")
        from .mh_measures import mantel_haenszel_measure

        return mantel_haenszel_measure(data, exposure=exposure, outcome=outcome,
                                       strata=strata, alpha=alpha, measure=measure,
                                       correction=correction, tarone=tarone)
    column = cluster_request(data, cluster)
    if column is not None and column in (exposure, outcome, strata):
        raise AnalysisInputError(
            f"data: cluster {column!r} is also the exposure, outcome or strata; pass the "
            f"column that identifies the clusters, e.g. cluster='participant_id'.")
    frame, excluded = prepare(data, [exposure, outcome, strata, column],
                              binary=[exposure, outcome], carry=carry(data))
    labels, cells = stratum_cells(frame, data, excluded, exposure=exposure, outcome=outcome,
                                  strata=strata)
    pooled = _pool(labels, cells, alpha=alpha,
                   stratum_name=strata, n_rows=len(data), excluded=excluded, table="data")
    kept = frame[frame[strata].isin(pooled.strata[STRATUM])]
    plan = plan_clusters(kept, cluster)
    out, caveats = _with_clusters(pooled, kept, exposure=exposure, outcome=outcome,
                                  strata=strata, plan=plan)
    emit(caveats)
    return out


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
    bad = ~np.isfinite(array) | (array < 0) | (np.floor(array) != array) | (array > MAX_COUNT)
    if bad.any():
        rows, cols = np.nonzero(bad)
        original = tables.loc[:, list(COUNT_NAMES)]
        shown = ", ".join(f"{tables.index[r]!r}/{COUNT_NAMES[c]}={original.iat[r, c]}"
                          for r, c in list(zip(rows, cols, strict=True))[:10])
        raise AnalysisInputError(
            f"tables: counts must be whole numbers from 0 to 2**53, not missing; offending "
            f"cells (stratum/column=value): {shown}. Fix or drop those strata.")
    cells = array.astype(np.int64)
    if measure != "or" or correction or tarone:  # see mh_measures
        from .mh_measures import pool_measure

        return pool_measure(pd.Index(tables.index), cells, alpha=alpha, stratum_name=STRATUM,
                            n_rows=int(cells.sum()), excluded=(), table="tables",
                            measure=measure, correction=correction, tarone=tarone)
    return _pool(pd.Index(tables.index), cells, alpha=alpha, stratum_name=STRATUM,
                 n_rows=int(cells.sum()), excluded=(), table="tables")
