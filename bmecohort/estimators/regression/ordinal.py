r"""Proportional-odds (cumulative logit) regression for ordered grades, with the Brant test.

:func:`ordinal` fits statsmodels' :class:`~statsmodels.miscmodels.ordinal_model.
OrderedModel` (logit link): :math:`\operatorname{logit} P(Y \le j \mid x) = \zeta_j -
x^\top\beta`, the parametrisation of R ``MASS::polr`` and ``ordinal::clm``, so
:math:`e^{\beta}` is the odds ratio of a higher grade. When units share persons (two knees,
many subregions) the variance is the cluster-robust sandwich of the same likelihood, i.e.
an independence ordinal GEE. The Brant (1990) test compares the slopes of the binary
logits of :math:`Y > j` across cut-points.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.miscmodels.ordinal_model import OrderedModel

from ..._checks import check_alpha, prepare
from ..._clusters import carry, cluster_cov_kwds, cluster_request, plan_clusters
from ..._columns import (
    CI_LOWER,
    CI_UPPER,
    COEF,
    ESTIMATE,
    EVENTS,
    P_VALUE,
    REGRESSION_EXTRA,
    SE,
    TERM,
    N,
)
from ...exceptions import AnalysisInputError, ConvergenceWarning, DataQualityWarning
from ...results import Accounting, Result, result, summary_frame
from ._design import as_names, build_design, wald

__all__ = ["OrdinalResult", "ordinal"]


@result
class OrdinalResult(Result):
    r"""Odds ratios of a higher grade from a proportional-odds model.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per term: ``term, estimate`` (odds ratio), ``ci_lower, ci_upper, p_value,
        n, events`` (units above the lowest grade), ``coef, se``.
    cutpoints : pandas.DataFrame
        ``term`` (``"0|1"``, ...), ``coef`` (:math:`\zeta_j`) and ``se``.
    brant : pandas.DataFrame
        The Brant test: ``term`` (``"omnibus"`` and each term), ``chi2``, ``df``,
        ``p_value``; a small p-value says the odds ratios differ across cut-points.
    levels : tuple
        The outcome's grades, in order.
    outcome : str
    exposures : tuple of str
    method : str
        ``"proportional-odds-logit"`` (+ ``"-cluster-robust"``).
    cov_type : str
        ``"model-based"`` or ``"cluster-robust"``.
    alpha : float
    accounting : Accounting
    converged : bool
    raw : object
        The statsmodels results.
    """

    table: pd.DataFrame
    cutpoints: pd.DataFrame
    brant: pd.DataFrame
    levels: tuple[Any, ...]
    outcome: str
    exposures: tuple[str, ...]
    method: str
    cov_type: str
    alpha: float
    accounting: Accounting
    converged: bool = True
    raw: Any = None

    @property
    def title(self) -> str:
        """Display title."""
        return f"OrdinalResult: {self.outcome} ~ {' + '.join(self.exposures)}"

    def summary(self) -> pd.DataFrame:
        """One row per term (odds ratios of a higher grade)."""
        return self.table.copy()


def _brant(x: np.ndarray, codes: np.ndarray, k: int, names: Sequence[str]) -> pd.DataFrame:
    """Brant's Wald test of equal slopes across the K-1 binary logits of ``Y > j``."""
    n, p = x.shape
    design = np.column_stack([np.ones(n), x])
    fits, probs = [], []
    for j in range(k - 1):
        fit = GLM((codes > j).astype(float), design, family=Binomial()).fit()
        fits.append(np.asarray(fit.params)[1:])
        probs.append(np.asarray(fit.fittedvalues))
    m = k - 1
    inv = [np.linalg.inv(design.T @ (design * (pi * (1 - pi))[:, None])) for pi in probs]
    v = np.zeros((m * p, m * p))
    for j in range(m):
        for s in range(j, m):
            # Cov(1{Y>j}, 1{Y>s}) = pi_s (1 - pi_j) for s >= j (Brant 1990)
            w = probs[s] * (1 - probs[j])
            block = inv[j] @ (design.T @ (design * w[:, None])) @ inv[s]
            v[j * p:(j + 1) * p, s * p:(s + 1) * p] = block[1:, 1:]
            v[s * p:(s + 1) * p, j * p:(j + 1) * p] = block[1:, 1:].T
    beta = np.concatenate(fits)
    # contrasts beta_1 - beta_j, j = 2..m
    d = np.zeros(((m - 1) * p, m * p))
    for j in range(1, m):
        d[(j - 1) * p:j * p, :p] = np.eye(p)
        d[(j - 1) * p:j * p, j * p:(j + 1) * p] = -np.eye(p)

    def test(rows: np.ndarray) -> tuple[float, int]:
        c = d[rows]
        diff = c @ beta
        chi2 = float(diff @ np.linalg.pinv(c @ v @ c.T) @ diff)
        return chi2, len(rows)

    out = [("omnibus", *test(np.arange((m - 1) * p)))]
    for i, name in enumerate(names):
        out.append((name, *test(np.arange(i, (m - 1) * p, p))))
    table = pd.DataFrame(out, columns=[TERM, "chi2", "df"])
    table[P_VALUE] = stats.chi2.sf(table["chi2"], table["df"])
    return table


def ordinal(
    data: pd.DataFrame,
    *,
    outcome: str,
    exposures: str | Sequence[str],
    covariates: str | Sequence[str] = (),
    categorical: Sequence[str] = (),
    reference: Any = None,
    cluster: str | None = "auto",
    alpha: float = 0.05,
) -> OrdinalResult:
    r"""Proportional-odds logistic regression of an ordered grade.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    outcome : str
        Ordered grade (numbers, e.g. MOAKS BML size 0-3, or an ordered Categorical).
    exposures, covariates : str or sequence of str
        Model terms (numeric, or listed in ``categorical``).
    categorical : sequence of str, default=()
        Terms expanded into indicators of their non-reference levels.
    reference : object or mapping, default=None
        Reference level of the categorical terms (``{column: level}``); default the lowest.
    cluster : str, "auto" or None, default="auto"
        Column of clusters of units for a cluster-robust variance, by the package's one
        rule (:mod:`bmecohort._clusters`): ``"auto"`` uses ``participant_id`` when it repeats
        among the rows used; ``None`` treats units as independent (a recorded
        :class:`DataQualityWarning` when ``participant_id`` repeats).
    alpha : float, default=0.05
        One minus the confidence level.

    Returns
    -------
    OrdinalResult
        ``summary()``: ``term, estimate, ci_lower, ci_upper, p_value, n, events, coef,
        se``; ``cutpoints``; ``brant`` (test of proportional odds).

    Notes
    -----
    Estimates and model-based errors agree with R ``MASS::polr`` and ``ordinal::clm``
    (``tests/reference/ordinal``); the cut-points' errors come from the delta method on
    statsmodels' increment parametrisation. With clustering, the sandwich uses statsmodels'
    ``cov_type="cluster"`` without a small-sample factor (the plain sandwich of every
    clustered model here, as ``sandwich::vcovCL(type="HC0", cadjust=FALSE)``). The Brant
    test uses the separate binary logits and their joint covariance (Brant 1990), as R
    ``brant`` and Stata ``brant``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"bmi": rng.normal(27, 4, 300)})
    >>> d["grade"] = np.digitize(0.2 * (d["bmi"] - 27) + rng.logistic(size=300), [0, 1.5, 3])
    >>> r = ordinal(d, outcome="grade", exposures="bmi")
    >>> r.levels, r.cov_type
    ((0, 1, 2, 3), 'model-based')
    """
    alpha = check_alpha(alpha)
    exposures_ = as_names(exposures, argument="exposures")
    covariates_ = as_names(covariates, argument="covariates")
    if not exposures_:
        raise AnalysisInputError("ordinal: pass at least one exposure.")
    terms = [*exposures_, *covariates_]
    if outcome in terms:
        raise AnalysisInputError(f"ordinal: the outcome {outcome!r} is also a model term.")
    column = cluster_request(data, cluster)
    frame, excluded = prepare(data, [outcome, *terms, column], carry=carry(data))
    if frame.empty:
        raise AnalysisInputError(f"ordinal: no complete rows (exclusions: {dict(excluded)}).")
    plan = plan_clusters(frame, cluster, table="ordinal")
    y = frame[outcome]
    if isinstance(y.dtype, pd.CategoricalDtype):
        levels = tuple(c for c in y.dtype.categories if c in set(y))
        codes = pd.Categorical(y, categories=levels, ordered=True).codes
    else:
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise AnalysisInputError(
                f"ordinal: outcome {outcome!r} holds {y.dtype} values; pass numbers (grades) "
                f"or an ordered Categorical.")
        values = np.sort(y.unique())
        levels = tuple(int(v) if float(v).is_integer() else float(v) for v in values)
        codes = np.searchsorted(values, y.to_numpy())
    k = len(levels)
    if k < 3:
        raise AnalysisInputError(
            f"ordinal: outcome {outcome!r} has {k} grade(s) {list(levels)} among the rows "
            f"used; a proportional-odds model needs at least 3 (use logistic for 2).")
    design = build_design(frame, terms, categorical=categorical, reference=reference,
                          intercept=False)
    x = design.exog.to_numpy(float)
    endog = pd.Series(pd.Categorical.from_codes(codes, categories=list(range(k)),
                                                ordered=True), index=frame.index)
    model = OrderedModel(endog, design.exog, distr="logit")
    clustered = plan.clustered
    options: dict[str, Any] = {}
    if clustered and plan.groups is not None:  # a clustered plan has its groups
        options = {"cov_type": "cluster", "cov_kwds": cluster_cov_kwds(plan.groups)}
    elif plan.warning is not None:
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=2)
    # BFGS to the neighbourhood, then Newton steps to the maximum (gradient ~1e-8), so that
    # the estimates agree with polr/clm to 1e-6; convergence is judged from the optimiser's
    # flag and the score, never from warning text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = model.fit(method="bfgs", disp=False, maxiter=2000).params
        fit = model.fit(start_params=start, method="newton", disp=False, maxiter=200,
                        **options)
    score = np.abs(model.score(np.asarray(fit.params))).max()
    converged = bool(fit.mle_retvals.get("converged", False)) and score < 1e-4 * len(frame)
    if not converged:
        warnings.warn(f"ordinal: the fit of {outcome!r} did not converge.", ConvergenceWarning,
                      stacklevel=2)
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    p = x.shape[1]
    coef, se = params[:p], np.sqrt(np.diag(cov)[:p])
    out = wald(coef, se, alpha)
    events = int((codes > 0).sum())
    table = pd.DataFrame({TERM: list(design.terms), ESTIMATE: out["estimate"],
                          CI_LOWER: out["ci_lower"], CI_UPPER: out["ci_upper"],
                          P_VALUE: out["p_value"], N: len(frame), EVENTS: events,
                          COEF: coef, SE: se})
    # cut-points: zeta_1 = t_1, zeta_j = zeta_{j-1} + exp(t_j); delta-method errors
    t = params[p:]
    zeta = np.cumsum(np.concatenate([[t[0]], np.exp(t[1:])]))
    jac = np.tril(np.ones((k - 1, k - 1))) * np.concatenate([[1.0], np.exp(t[1:])])[None, :]
    zse = np.sqrt(np.diag(jac @ cov[p:, p:] @ jac.T))
    labels = [f"{levels[j]}|{levels[j + 1]}" for j in range(k - 1)]
    cutpoints = pd.DataFrame({TERM: labels, COEF: zeta, SE: zse})
    brant = _brant(x, codes, k, list(design.terms))
    accounting = Accounting(
        unit="unit", n_rows=len(data), n_used=len(frame), events=events,
        n_clusters=plan.n_clusters, cluster=plan.column, excluded=excluded,
        clustered=clustered)
    method = "proportional-odds-logit" + ("-cluster-robust" if clustered else "")
    return OrdinalResult(
        table=summary_frame(table.to_dict("records"), extra=REGRESSION_EXTRA),
        cutpoints=cutpoints, brant=brant, levels=levels, outcome=outcome,
        exposures=exposures_, method=method,
        cov_type="cluster-robust" if clustered else "model-based", alpha=alpha,
        accounting=accounting, converged=converged, raw=fit)
