r"""Cohen's kappa (unweighted, linear, quadratic) for two readers, Fleiss' kappa for more.

:func:`kappa` wraps :func:`statsmodels.stats.inter_rater.cohens_kappa`, whose variance is the
large-sample formula of Fleiss, Cohen and Everitt (1969) for unweighted and weighted kappa
(as SAS ``PROC FREQ``); the percentile bootstrap resamples units, or clusters of units, all
replicates at once. :func:`fleiss_kappa` wraps :func:`statsmodels.stats.inter_rater.
fleiss_kappa` and adds the Fleiss, Nee and Landis (1979) test of kappa = 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss_kappa

from ..._checks import check_alpha, require_columns
from ..._clusters import AUTO, carry, cluster_request, plan_clusters
from ...exceptions import AnalysisInputError, DataQualityWarning, SmallCellWarning
from ...results import Accounting, ScalarResult, result
from ._ratings import category_codes, paired_ratings

__all__ = ["FleissKappaResult", "KappaResult", "fleiss_kappa", "kappa"]

KappaWeights = Literal["linear", "quadratic"] | None
KappaInterval = Literal["auto", "asymptotic", "bootstrap"]
_BOOTSTRAP_CHUNK = 200


@result
class KappaResult(ScalarResult):
    """Cohen's kappa of two readers with its interval and the raw agreement.

    Attributes
    ----------
    term : str
        ``"<rater_a> vs <rater_b>"``.
    estimate, ci_lower, ci_upper : float
        Kappa and its ``1 - alpha`` interval (``interval`` says which).
    p_value : float
        Two-sided z-test of kappa = 0 with the variance under the null (Fleiss et al. 1969).
    se : float
        Large-sample standard error of kappa (Fleiss, Cohen and Everitt 1969).
    agreement : float
        Share of units on which the readers give the same category.
    within_one : float
        Share of units on which the readers differ by at most one category.
    weights : str
        ``"unweighted"``, ``"linear"`` or ``"quadratic"``.
    categories : tuple of float
        The scale, in order; weights use these values as scores.
    table : pandas.DataFrame
        The ``K x K`` cross-classification (``rater_a`` in rows).
    method, interval : str
        ``"cohen-kappa-<weights>"``; ``"asymptotic"`` or ``"bootstrap-percentile"``.
    alpha : float
    replicates, seed : int or None
        Bootstrap settings (None for the asymptotic interval).
    accounting : Accounting
        Units in and used, exclusions (missing ratings), clusters for a cluster bootstrap.
    warnings : tuple of str
        Caveats issued while computing it: why kappa is undefined (a reader gave one grade
        only), or that clustered units were analysed as independent.
    """

    se: float
    agreement: float
    within_one: float
    weights: str
    categories: tuple[float, ...]
    table: pd.DataFrame
    method: str
    interval: str
    alpha: float
    replicates: int | None
    seed: int | None
    accounting: Accounting
    warnings: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row: ``term, estimate, ci_lower, ci_upper, p_value, n`` and the agreements."""
        out = super().summary().drop(columns="events")
        out["se"] = self.se
        out["agreement"] = self.agreement
        out["within_one"] = self.within_one
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Kappa with its interval (:func:`bmecohort.plots.forest_plot`), on a linear axis."""
        from ...plots import forest_plot

        kwargs.setdefault("log_scale", False)
        kwargs.setdefault("xlabel", "kappa")
        return forest_plot(self, ax=ax, **kwargs)


def _weight_matrix(levels: np.ndarray, weights: KappaWeights) -> np.ndarray:
    """Disagreement weights (0 on the diagonal), as statsmodels builds them from scores."""
    span = levels[-1] - levels[0]
    distance = np.abs(levels[:, None] - levels[None, :]) / span
    if weights is None:
        return (distance > 0).astype(float)
    return distance if weights == "linear" else distance**2


def _kappas(tables: np.ndarray, disagreement: np.ndarray) -> np.ndarray:
    """Kappa of each ``(B, K, K)`` table: 1 - observed / expected weighted disagreement."""
    n = tables.sum(axis=(1, 2))
    p = tables / n[:, None, None]
    expected = p.sum(axis=2)[:, :, None] * p.sum(axis=1)[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - (disagreement * p).sum(axis=(1, 2)) / (disagreement * expected).sum(
            axis=(1, 2))


def _undefined(table: np.ndarray, levels: np.ndarray, raters: tuple[str, str],
               agreement: float) -> str | None:
    """Why kappa is undefined for ``table`` (a reader used one grade only), or None.

    With one reader's grades all in one category the agreement expected by chance equals the
    observed agreement whatever the other reader does: kappa is 0/0 (both readers on the
    same single grade) or 0 by construction, with zero variance, so it measures nothing.
    """
    n = int(table.sum())
    single = [(rater, levels[used[0]]) for rater, used in zip(
        raters, (np.flatnonzero(table.sum(axis=1)), np.flatnonzero(table.sum(axis=0))),
        strict=True) if len(used) == 1]
    if not single:
        return None
    if len(single) == 2 and single[0][1] == single[1][1]:
        what = f"both readers gave all {n} units grade {single[0][1]:g}"
    else:
        what = " and ".join(f"{rater} gave all {n} units grade {grade:g}"
                            for rater, grade in single)
    return (f"kappa ({raters[0]} vs {raters[1]}): {what}, so chance agreement equals the "
            f"observed one whatever the reads: kappa is undefined (NaN); raw agreement "
            f"{agreement:.0%}.")


def _bootstrap_tables(
    cells: np.ndarray, k: int, groups: np.ndarray, replicates: int, seed: int | None
) -> np.ndarray:
    """``(replicates, K, K)`` tables of a (cluster) bootstrap, all replicates at once."""
    rng = np.random.default_rng(seed)
    n_groups = int(groups.max()) + 1
    out = np.empty((replicates, k * k))
    for start in range(0, replicates, _BOOTSTRAP_CHUNK):
        size = min(_BOOTSTRAP_CHUNK, replicates - start)
        drawn = rng.integers(0, n_groups, size=(size, n_groups))
        # how often each cluster is drawn, per replicate; each unit counts that many times
        times = np.zeros((size, n_groups))
        np.add.at(times, (np.arange(size)[:, None], drawn), 1.0)
        flat = (np.arange(size)[:, None] * k * k + cells[None, :]).ravel()
        out[start:start + size] = np.bincount(
            flat, weights=times[:, groups].ravel(), minlength=size * k * k).reshape(size, -1)
    return out.reshape(replicates, k, k)


def kappa(
    data: pd.DataFrame,
    *,
    rater_a: str,
    rater_b: str,
    weights: KappaWeights = None,
    categories: Sequence[float] | None = None,
    alpha: float = 0.05,
    ci: KappaInterval = "auto",
    replicates: int = 1000,
    seed: int | None = 0,
    cluster: str | None = "auto",
) -> KappaResult:
    r"""Cohen's kappa between two readers' grades, unweighted or weighted.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per rated unit (e.g. subregion at a visit); never modified.
    rater_a, rater_b : str
        Columns holding each reader's grade (numbers on one ordered scale).
    weights : {None, "linear", "quadratic"}, default=None
        ``None``: unweighted kappa; ``"linear"`` (Cicchetti-Allison) or ``"quadratic"``
        (Fleiss-Cohen) weights from the distance between category values.
    categories : sequence of float or None, default=None
        The full scale (e.g. ``[0, 1, 2, 3]``); by default the values seen. Weights and the
        table use it, so unseen grades still count in the weight of a disagreement.
    alpha : float, default=0.05
        One minus the confidence level.
    ci : {"auto", "asymptotic", "bootstrap"}, default="auto"
        Wald interval with the Fleiss-Cohen-Everitt standard error (independent units), or
        the percentile bootstrap (units resampled, or whole clusters). ``"auto"``: the
        cluster bootstrap when units cluster (below), else the asymptotic interval.
    replicates : int, default=1000
        Bootstrap replicates.
    seed : int or None, default=0
        Seed of the bootstrap; the same seed gives the same interval.
    cluster : str, "auto" or None, default="auto"
        Column identifying clusters of units, resampled whole by the bootstrap, by the
        package's one rule (:mod:`bmecohort._clusters`): ``"auto"`` clusters by
        ``participant_id`` when it repeats among the rows used (subregions or knees of one
        person); ``None`` or ``ci="asymptotic"`` on such rows treat them as independent,
        with a recorded :class:`~bmecohort.exceptions.DataQualityWarning`.

    Returns
    -------
    KappaResult
        ``summary()`` columns: ``term, estimate, ci_lower, ci_upper, p_value, n, se,
        agreement, within_one``; ``table`` is the cross-classification.

    Raises
    ------
    AnalysisInputError
        Missing or non-numeric columns, fewer than 2 rated units or categories, grades
        outside ``categories``, a named ``cluster`` with the asymptotic interval.

    Warns
    -----
    SmallCellWarning
        A reader gave every unit the same grade: kappa, its interval and p-value are NaN
        (the reason is recorded in ``warnings``).
    DataQualityWarning
        Units of one person analysed as independent (``cluster=None`` or
        ``ci="asymptotic"``).

    Notes
    -----
    With observed proportions :math:`p_{ij}`, margins :math:`p_{i\cdot}, p_{\cdot j}` and
    disagreement weights :math:`w_{ij}` (0 on the diagonal; 1 off it when unweighted,
    :math:`|x_i-x_j|/(x_K-x_1)` linear, its square quadratic),

    .. math:: \kappa = 1 - \frac{\sum w_{ij} p_{ij}}{\sum w_{ij} p_{i\cdot} p_{\cdot j}}.

    The standard error is the large-sample one of Fleiss, Cohen and Everitt (1969), as
    computed by statsmodels and SAS; R ``psych::cohen.kappa`` 2.2.9 departs from it for
    weighted kappa. The p-value uses the variance under kappa = 0.

    When a reader gives every unit the same grade, the agreement expected by chance equals
    the observed one whatever the other reader does: kappa is 0/0 (both readers on one
    grade) or 0 by construction with zero variance (R ``psych::cohen.kappa`` reports NaN or
    0 with the interval 0 to 0). It then measures nothing, so it is reported as undefined
    (NaN) with a :class:`~bmecohort.exceptions.SmallCellWarning`; ``agreement`` still
    gives the raw agreement.

    Examples
    --------
    >>> import pandas as pd
    >>> reads = pd.DataFrame({"reader_1": [0, 1, 2, 2, 3, 0, 1, 1, 0, 2],
    ...                       "reader_2": [0, 1, 2, 1, 3, 0, 1, 2, 0, 2]})
    >>> k = kappa(reads, rater_a="reader_1", rater_b="reader_2", weights="quadratic")
    >>> round(k.estimate, 3), k.agreement, k.within_one
    (0.896, 0.8, 1.0)
    """
    alpha = check_alpha(alpha)
    if weights not in (None, "linear", "quadratic"):
        raise AnalysisInputError(
            f"weights={weights!r}; use None, 'linear' or 'quadratic'.")
    if ci not in ("auto", "asymptotic", "bootstrap"):
        raise AnalysisInputError(f"ci={ci!r}; use 'auto', 'asymptotic' or 'bootstrap'.")
    named = cluster not in (None, AUTO)
    if named and ci == "asymptotic":
        raise AnalysisInputError(
            f"cluster={cluster!r} needs ci='bootstrap' (or 'auto'): the asymptotic variance "
            f"of kappa assumes independent units.")
    if ci != "asymptotic" and (not isinstance(replicates, int) or replicates < 100):
        raise AnalysisInputError(f"replicates={replicates!r}; use an integer >= 100.")
    column = cluster_request(data, cluster)
    require_columns(data, [rater_a, rater_b] + ([column] if column else []))
    frame, accounting = paired_ratings(data, [rater_a, rater_b], extra=column,
                                       carry=carry(data))
    plan = plan_clusters(frame, cluster, table="kappa", what="units",
                         opt_out="ci='asymptotic'" if ci == "asymptotic" and
                         cluster == AUTO else None)
    caveats: list[str] = []
    if plan.warning is not None:
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=2)
        caveats.append(plan.warning)
    if ci == "auto":
        ci = "bootstrap" if plan.clustered else "asymptotic"
    codes, levels = category_codes(frame, [rater_a, rater_b], categories)
    k = len(levels)
    cells = codes[:, 0] * k + codes[:, 1]
    table = np.bincount(cells, minlength=k * k).reshape(k, k)
    name = "unweighted" if weights is None else weights
    diff = np.abs(codes[:, 0] - codes[:, 1])
    undefined = _undefined(table, levels, (rater_a, rater_b), float(np.mean(diff == 0)))
    interval = "asymptotic" if ci == "asymptotic" else \
        "bootstrap-percentile" + ("-cluster" if plan.clustered else "")
    if undefined is not None:
        # statsmodels would divide 0 by 0 (numpy RuntimeWarnings): say why instead
        warnings.warn(undefined, SmallCellWarning, stacklevel=2)
        caveats.append(undefined)
        estimate = se = p_value = lower = upper = np.nan
    else:
        fit = (cohens_kappa(table) if weights is None
               else cohens_kappa(table, weights=levels, wt=weights))
        estimate = float(fit.kappa)
        se = float(np.sqrt(fit.var_kappa))
        p_value = float(2 * stats.norm.sf(abs(estimate) / np.sqrt(fit.var_kappa0)))
        if ci == "asymptotic":
            z = float(special.ndtri(1 - alpha / 2))
            lower, upper = estimate - z * se, estimate + z * se
        else:
            groups = plan.groups if plan.groups is not None else np.arange(len(frame))
            boot = _kappas(_bootstrap_tables(cells, k, groups, replicates, seed),
                           _weight_matrix(levels, weights))
            lower, upper = np.nanquantile(boot, [alpha / 2, 1 - alpha / 2])
    accounting = Accounting(unit=accounting.unit, n_rows=accounting.n_rows,
                            n_used=accounting.n_used, n_clusters=plan.n_clusters,
                            cluster=plan.column, excluded=accounting.excluded,
                            clustered=plan.clustered)
    labels = [f"{v:g}" for v in levels]
    return KappaResult(
        term=f"{rater_a} vs {rater_b}", estimate=estimate,
        ci_lower=float(max(lower, -1.0)), ci_upper=float(min(upper, 1.0)), p_value=p_value,
        se=se, agreement=float(np.mean(diff == 0)), within_one=float(np.mean(diff <= 1)),
        weights=name, categories=tuple(float(v) for v in levels),
        table=pd.DataFrame(table, index=pd.Index(labels, name=rater_a),
                           columns=pd.Index(labels, name=rater_b)),
        method=f"cohen-kappa-{name}", interval=interval, alpha=alpha,
        replicates=replicates if ci == "bootstrap" else None,
        seed=seed if ci == "bootstrap" else None, accounting=accounting,
        warnings=tuple(caveats))


@result
class FleissKappaResult(ScalarResult):
    """Fleiss' kappa of three or more readers.

    Attributes
    ----------
    term : str
        ``"fleiss kappa (<m> raters)"``.
    estimate, ci_lower, ci_upper : float
        Kappa and its percentile bootstrap interval over units.
    p_value : float
        Two-sided z-test of kappa = 0 (Fleiss, Nee and Landis 1979).
    se0 : float
        Standard error under kappa = 0.
    raters : tuple of str
    method, interval : str
    alpha : float
    replicates, seed : int or None
    accounting : Accounting
    """

    se0: float
    raters: tuple[str, ...]
    method: str
    interval: str
    alpha: float
    replicates: int
    seed: int | None
    accounting: Accounting

    def summary(self) -> pd.DataFrame:
        """One row: ``term, estimate, ci_lower, ci_upper, p_value, n, se0``."""
        out = super().summary().drop(columns="events")
        out["se0"] = self.se0
        return out


def _fleiss(counts: np.ndarray) -> np.ndarray:
    """Fleiss' kappa of each ``(B, n, K)`` stack of per-unit category counts."""
    m = counts.sum(axis=2)[:, :1]  # raters per unit (constant)
    n = counts.shape[1]
    p = counts.sum(axis=1) / (n * m)
    agreement = ((counts * (counts - 1)).sum(axis=2) / (m * (m - 1))).mean(axis=1)
    expected = (p**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (agreement - expected) / (1 - expected)


def fleiss_kappa(
    data: pd.DataFrame,
    *,
    raters: Sequence[str],
    alpha: float = 0.05,
    replicates: int = 1000,
    seed: int | None = 0,
) -> FleissKappaResult:
    r"""Fleiss' kappa for a fixed number of readers grading every unit.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    raters : sequence of str
        One column of grades per reader (at least 2; Fleiss' kappa is meant for 3 or more).
    alpha : float, default=0.05
        One minus the confidence level.
    replicates : int, default=1000
        Bootstrap replicates of the interval.
    seed : int or None, default=0
        Seed of the bootstrap, so that the default interval is reproducible.

    Returns
    -------
    FleissKappaResult
        ``summary()`` columns: ``term, estimate, ci_lower, ci_upper, p_value, n, se0``.

    Notes
    -----
    The estimate is statsmodels' ``fleiss_kappa`` (Fleiss 1971). No closed-form interval
    for kappa away from 0 is in general use, so the interval is the percentile bootstrap
    over units; the p-value is the z-test of Fleiss, Nee and Landis (1979) with

    .. math:: se_0 = \frac{\sqrt{2}}{\sum_j p_j q_j \sqrt{n m (m-1)}}
              \sqrt{\Big(\sum_j p_j q_j\Big)^2 - \sum_j p_j q_j (q_j - p_j)},

    as R ``irr::kappam.fleiss``.

    Examples
    --------
    >>> import pandas as pd
    >>> reads = pd.DataFrame({"r1": [0, 1, 2, 0, 1, 2, 0, 1], "r2": [0, 1, 2, 0, 2, 2, 0, 1],
    ...                       "r3": [0, 1, 1, 0, 1, 2, 1, 1]})
    >>> round(fleiss_kappa(reads, raters=["r1", "r2", "r3"]).estimate, 3)
    0.617
    """
    alpha = check_alpha(alpha)
    raters = list(raters)
    if len(raters) < 2:
        raise AnalysisInputError(f"raters={raters!r}; pass at least two rating columns.")
    if not isinstance(replicates, int) or replicates < 100:
        raise AnalysisInputError(f"replicates={replicates!r}; use an integer >= 100.")
    frame, accounting = paired_ratings(data, raters)
    codes, levels = category_codes(frame, raters, None)
    counts, _ = aggregate_raters(codes, n_cat=len(levels))
    estimate = float(_sm_fleiss_kappa(counts, method="fleiss"))
    n, m = counts.shape[0], len(raters)
    p = counts.sum(axis=0) / (n * m)
    pq = p * (1 - p)
    se0 = float(np.sqrt(2) / (pq.sum() * np.sqrt(n * m * (m - 1)))
                * np.sqrt(pq.sum() ** 2 - (pq * (1 - 2 * p)).sum()))
    p_value = float(2 * stats.norm.sf(abs(estimate) / se0))
    rng = np.random.default_rng(seed)
    boot = np.concatenate([
        _fleiss(counts[rng.integers(0, n, size=(min(_BOOTSTRAP_CHUNK, replicates - s), n))])
        for s in range(0, replicates, _BOOTSTRAP_CHUNK)])
    lower, upper = np.nanquantile(boot, [alpha / 2, 1 - alpha / 2])
    return FleissKappaResult(
        term=f"fleiss kappa ({m} raters)", estimate=estimate, ci_lower=float(lower),
        ci_upper=float(upper), p_value=p_value, se0=se0, raters=tuple(raters),
        method="fleiss-kappa", interval="bootstrap-percentile", alpha=alpha,
        replicates=replicates, seed=seed, accounting=accounting)
