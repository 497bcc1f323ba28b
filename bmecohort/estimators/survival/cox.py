"""Cox proportional-hazards regression of right-censored time to event.

A thin wrapper of lifelines' ``CoxPHFitter`` (Efron ties; Breslow ties and strata go to
statsmodels ``PHReg`` in :mod:`.cox_options`): hazard ratios with Wald intervals, the
accounting (units, events, clusters, exclusions) and the fitted object as ``.raw``. The
cluster-robust variance is R ``coxph``'s Efron-consistent sandwich (:mod:`._efron`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from scipy import stats

from ..._checks import check_alpha, prepare
from ..._clusters import AUTO, carry, cluster_request, plan_clusters
from ..._columns import CI_LOWER, CI_UPPER, COEF, ESTIMATE, P_VALUE, PARTICIPANT, SE, TERM
from ...exceptions import AnalysisInputError, DataQualityWarning
from ...results import Accounting, Result, result, summary_frame
from ._efron import efron_cluster_covariance
from ._lifelines import check_numeric, check_rank, check_times, run_lifelines, unit_of

__all__ = ["CoxResult", "cox"]


@result
class CoxResult(Result):
    """Hazard ratios from a Cox proportional-hazards model (Efron ties).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per covariate: ``term, estimate`` (hazard ratio), ``ci_lower, ci_upper``,
        ``p_value`` (Wald), ``coef`` (log hazard ratio), ``se``.
    method : str
        ``"cox-efron"``.
    cov_type : str
        ``"model"`` or ``"robust-cluster"`` (Efron-consistent sandwich clustered on
        ``cluster``, as R ``coxph(..., cluster = id)``).
    cluster : str or None
        Cluster column of the robust variance.
    log_likelihood : float
        Partial log-likelihood at the estimate.
    concordance : float
        Harrell's concordance index.
    alpha : float
        One minus the confidence level.
    accounting : Accounting
        Rows in, units used, events, clusters, exclusions.
    censored : int
        Units without an observed event.
    raw : lifelines.CoxPHFitter
        The fitted lifelines object (``check_assumptions``, baseline hazard, ...), fitted
        without ``cluster_col``: its standard errors are model-based.
    warnings : tuple of str
        lifelines' convergence and collinearity warnings.
    """

    table: pd.DataFrame
    method: str
    cov_type: str
    cluster: str | None
    log_likelihood: float
    concordance: float
    censored: int
    alpha: float
    accounting: Accounting
    raw: Any
    warnings: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """``term, estimate, ci_lower, ci_upper, p_value, coef, se`` per covariate."""
        return summary_frame(self.table.to_dict("records"), extra=(COEF, SE))

    def evalue(self, term: str | None = None, **options: Any) -> Any:
        """E-value for unmeasured confounding of one hazard ratio (:func:`bmecohort.evalue`)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, term=term, **options)


def cox(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str],
    cluster: str | None = "auto",
    alpha: float = 0.05,
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
) -> CoxResult:
    r"""Cox proportional-hazards regression: hazard ratios with Wald intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per unit; never modified.
    duration : str
        Time to event or censoring, ``>= 0`` and finite.
    event : str
        Binary event indicator (1/True observed, 0/False censored).
    covariates : sequence of str
        Numeric (or boolean) covariate columns; dummy-code categories first.
    cluster : "auto", str or None, default="auto"
        ``"auto"``: the robust sandwich clustered on ``participant_id`` (R ``coxph(...,
        cluster = id)``) when a person contributes several units among the rows used (two
        knees), else the model-based variance; rows missing ``participant_id`` are then
        excluded and counted. A column name: always clustered on it. ``None``: the recorded
        opt-out, model-based variance, with a
        :class:`~bmecohort.exceptions.DataQualityWarning` when persons hold several units.
        See :mod:`bmecohort._clusters`.
    alpha : float, default=0.05
        One minus the confidence level.
    ties : {"efron", "breslow"}, default="efron"
        Handling of tied event times in the partial likelihood (R ``coxph(ties=)``; Stata
        ``stcox`` uses Breslow).
    strata : str or list of str or None, default=None
        Columns whose combinations get their own baseline hazard (R ``+ strata(x)``); no
        hazard ratio is estimated for them. With ``"breslow"`` or ``strata`` the model is
        fitted by statsmodels ``PHReg`` (``raw``), and ``cluster`` keeps the tie-aware
        robust variance.

    Returns
    -------
    CoxResult
        ``summary()``: ``term, estimate`` (hazard ratio), ``ci_lower, ci_upper, p_value,
        coef, se``.

    Notes
    -----
    The partial likelihood uses Efron's handling of tied event times (lifelines'
    only option, R ``coxph``'s default; Stata ``stcox`` defaults to Breslow). The interval
    is :math:`\exp(\hat\beta \pm z_{1-\alpha/2}\,\widehat{se})`. Proportional hazards are
    assumed; check them with ``result.raw.check_assumptions(...)``.

    The cluster-robust variance is the grouped sandwich of R ``coxph(..., cluster = id)``
    with Efron score residuals, without small-sample factor. It is computed here
    (``bmecohort.estimators.survival._efron``), not by lifelines' ``cluster_col``, whose score
    residuals ignore ties (tied rows get order-dependent risk sets; about 1% off on visit
    data). ``raw`` is therefore fitted without ``cluster_col`` and holds the model-based
    errors.

    Examples
    --------
    >>> import pandas as pd
    >>> from bmecohort.estimators.survival.cox import cox
    >>> knees = pd.DataFrame({"months": [6, 12, 12, 18, 24, 24, 30, 36],
    ...                       "event": [1, 1, 0, 1, 0, 1, 0, 0],
    ...                       "kl": [3, 2, 1, 3, 2, 2, 1, 3]})
    >>> fit = cox(knees, duration="months", event="event", covariates=["kl"])
    >>> list(fit.summary()["term"])
    ['kl']
    """
    alpha = check_alpha(alpha)
    covariates = list(covariates)
    if not covariates:
        raise AnalysisInputError("cox: give at least one covariate.")
    if cluster not in (None, AUTO) and cluster in covariates:
        raise AnalysisInputError(f"cox: the cluster column {cluster!r} is also a covariate.")
    strata_list = [strata] if isinstance(strata, str) else list(strata or [])
    column, robust, opt_out = _cox_clusters(data, duration, event, covariates, strata_list,
                                            cluster)
    if ties != "efron" or strata is not None:
        from .cox_options import cox_with_options

        return cox_with_options(
            data, duration=duration, event=event, covariates=covariates, cluster=robust,
            alpha=alpha, ties=ties, strata=strata_list, cluster_column=column,
            opt_out=opt_out)
    cluster = robust
    frame, excluded = prepare(data, [duration, event, *covariates, column], binary=[event],
                              carry=[c for c in carry(data)
                                     if c not in (duration, event, *covariates, column)])
    check_times(frame, duration)
    check_numeric(frame, covariates)
    frame[covariates] = frame[covariates].astype(float)
    check_rank(frame, covariates)
    n_events = int(frame[event].sum())
    if n_events == 0:
        raise AnalysisInputError(
            f"data: no events ({event!r} is 0 on all {len(frame)} rows used), so the partial "
            "likelihood is flat and no hazard ratio exists. Check the event coding (1 = "
            "event, 0 = censored)."
        )
    if cluster is not None and frame[cluster].nunique() < 2:
        raise AnalysisInputError(
            f"data: column {cluster!r} has one cluster among the {len(frame)} rows used; a "
            "cluster-robust variance needs at least 2 (and is reliable only with many). Drop "
            "cluster= or check the column."
        )
    fitter = CoxPHFitter(alpha=alpha)
    # lifelines' default precision (1e-7 on the Newton decrement) leaves ~1e-6 in the estimates
    fitter, fit_caveats = run_lifelines(lambda: fitter.fit(
        frame[[duration, event, *covariates]], duration_col=duration, event_col=event,
        fit_options={"precision": 1e-12, "r_precision": 1e-14},
    ))
    coef = fitter.params_.to_numpy()
    if cluster is None:
        se = fitter.standard_errors_.to_numpy()
    else:
        # lifelines' own cluster_col sandwich ignores ties (see _efron); use R's
        covariance = efron_cluster_covariance(
            frame[duration].to_numpy(float), frame[event].to_numpy(), frame[covariates].to_numpy(),
            coef, fitter.variance_matrix_.to_numpy(), frame[cluster].to_numpy(),
        )
        se = np.sqrt(np.diag(covariance))
    table = hazard_ratio_table([str(c) for c in fitter.params_.index], coef, se, alpha)
    events = int(frame[event].sum())
    return CoxResult(
        table=table,
        method="cox-efron",
        cov_type="model" if cluster is None else "robust-cluster",
        cluster=cluster,
        log_likelihood=float(fitter.log_likelihood_),
        concordance=float(fitter.concordance_index_),
        censored=len(frame) - events,
        alpha=alpha,
        accounting=cox_accounting(data, frame, events, excluded, cluster, column),
        raw=fitter,
        warnings=(*opt_out, *fit_caveats),
    )


def hazard_ratio_table(terms: Sequence[str], coef: np.ndarray, se: np.ndarray,
                       alpha: float) -> pd.DataFrame:
    """One row per covariate: the hazard ratio with its Wald interval and p-value, ``coef``
    (the log hazard ratio) and ``se``."""
    z = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame({
        TERM: list(terms),
        ESTIMATE: np.exp(coef),
        CI_LOWER: np.exp(coef - z * se),
        CI_UPPER: np.exp(coef + z * se),
        P_VALUE: 2 * stats.norm.sf(np.abs(coef / se)),
        COEF: coef,
        SE: se,
    })


def _cox_clusters(data: pd.DataFrame, duration: str, event: str, covariates: list[str],
                  strata: list[str], cluster: str | None
                  ) -> tuple[str | None, str | None, tuple[str, ...]]:
    """Resolve ``cluster=`` of :func:`cox` on the rows it will use.

    Returns the column to read (rows missing it are excluded), the column the robust
    variance groups by (``None``: model-based) and the opt-out warning, if any (warned here).
    """
    model = (duration, event, *covariates, *strata)
    column = cluster_request(data, cluster)
    if cluster == AUTO and column in model:
        column = None  # participant_id modelled as a covariate or stratum: nothing to group
    carried = [c for c in carry(data) if c not in (*model, column)]
    if column is None and not (cluster is None and carried):
        return None, None, ()  # nothing to group by, nor an opt-out to check
    frame, _ = prepare(data, [*model, column], binary=[event], carry=carried)
    plan = plan_clusters(frame, cluster, what="units")
    if plan.warning is not None:
        warnings.warn(plan.warning, DataQualityWarning, stacklevel=3)
        return column, None, (plan.warning,)
    return column, plan.column if plan.clustered else None, ()


def cox_accounting(data: pd.DataFrame, frame: pd.DataFrame, events: int,
                   excluded: tuple[tuple[str, int], ...], robust: str | None,
                   column: str | None) -> Accounting:
    """Accounting of a Cox fit: clusters of ``column`` (the person) when known."""
    grouping = robust or column
    if grouping is None and PARTICIPANT in frame:
        grouping = PARTICIPANT  # the opt-out: the persons are still counted
    return Accounting(
        unit=unit_of(data), n_rows=len(data), n_used=len(frame), events=events,
        n_clusters=None if grouping is None else int(frame[grouping].nunique()),
        cluster=grouping, excluded=excluded,
        clustered=None if grouping is None else robust is not None)
