"""Cox regression with Breslow ties or stratified baseline hazards (statsmodels ``PHReg``).

The engine behind ``cox(..., ties="breslow")`` and ``cox(..., strata=...)``: lifelines fits
only Efron's likelihood and its strata give no tie-aware robust variance, so these options
are fitted with statsmodels' ``PHReg`` (both tie methods, stratified risk sets), tightened to
R's precision, and the cluster-robust variance is the grouped sandwich of
:mod:`bmecohort.estimators.survival._efron` computed within strata for either tie method
(R ``coxph(Surv(t, d) ~ x + strata(s), ties = ..., cluster = id)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines.utils import concordance_index
from statsmodels.duration.hazard_regression import PHReg

from ..._checks import prepare
from ..._clusters import carry
from ...exceptions import AnalysisInputError, ConvergenceWarning
from ._efron import efron_cluster_covariance
from ._lifelines import check_numeric, check_times

__all__ = ["TIES", "cox_with_options"]

TIES: tuple[str, ...] = ("efron", "breslow")


def cox_with_options(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: list[str],
    cluster: str | None,
    alpha: float,
    ties: str,
    strata: Sequence[str],
    cluster_column: str | None = None,
    opt_out: tuple[str, ...] = (),
) -> Any:
    """Fit and package a :class:`~bmecohort.estimators.survival.cox.CoxResult`.

    ``cluster`` groups the robust variance (``None``: model-based); ``cluster_column`` is
    the column read besides it (``participant_id`` under ``cluster="auto"``, rows missing
    it excluded); ``opt_out`` the warning of ``cluster=None`` on units sharing persons.
    """
    from .cox import CoxResult, cox_accounting, hazard_ratio_table

    if ties not in TIES:
        raise AnalysisInputError(f"cox: ties must be one of {list(TIES)}, got {ties!r}.")
    clash = [s for s in strata if s in (*covariates, duration, event, cluster)]
    if clash:
        raise AnalysisInputError(
            f"cox: strata column(s) {clash} are also a covariate, the duration, the event or "
            f"the cluster; a stratum variable gets its own baseline hazard, not a hazard "
            f"ratio.")
    column = cluster or cluster_column
    frame, excluded = prepare(data, [duration, event, *covariates, column, *strata],
                              binary=[event], carry=[c for c in carry(data) if c not in
                                                     (duration, event, *covariates, column,
                                                      *strata)])
    check_times(frame, duration)
    check_numeric(frame, covariates)
    time = frame[duration].to_numpy(float)
    status = frame[event].to_numpy(int)
    x = frame[covariates].to_numpy(float)
    if status.sum() == 0:
        raise AnalysisInputError(
            f"data: no events ({event!r} is 0 on all {len(frame)} rows used), so the partial "
            f"likelihood is flat and no hazard ratio exists. Check the event coding.")
    if cluster is not None and frame[cluster].nunique() < 2:
        raise AnalysisInputError(
            f"data: column {cluster!r} has one cluster among the {len(frame)} rows used; a "
            f"cluster-robust variance needs at least 2. Drop cluster= or check the column.")
    labels = (frame[strata].astype(str).agg("|".join, axis=1).to_numpy() if strata
              else None)
    model = PHReg(time, x, status=status, strata=labels, ties=ties)
    fit = model.fit(method="newton", maxiter=200, tol=1e-13)
    caveats: list[str] = []
    coef = np.asarray(fit.params, dtype=float)
    if not np.all(np.isfinite(coef)):
        raise AnalysisInputError(
            "cox: the partial likelihood has no finite maximum (check for a covariate that "
            "separates events from non-events within strata).")
    score = model.score(coef)
    if np.max(np.abs(score)) > 1e-6:
        caveats.append(f"cox: Newton iterations stopped with score {score.tolist()}; the "
                       f"estimates may not have converged.")
    variance = np.asarray(fit.cov_params(), dtype=float)
    if cluster is None:
        se = np.sqrt(np.diag(variance))
    else:
        covariance = efron_cluster_covariance(time, status, x, coef, variance,
                                              frame[cluster].to_numpy(), ties=ties,
                                              strata=labels)
        se = np.sqrt(np.diag(covariance))
    table = hazard_ratio_table(covariates, coef, se, alpha)
    if caveats:
        import warnings

        for message in caveats:
            warnings.warn(message, ConvergenceWarning, stacklevel=3)
    events = int(status.sum())
    return CoxResult(
        table=table,
        method=f"cox-{ties}" + ("-stratified" if strata else ""),
        cov_type="model" if cluster is None else "robust-cluster",
        cluster=cluster,
        log_likelihood=float(model.loglike(coef)),
        # Harrell's C over all pairs (R computes it within strata)
        concordance=float(concordance_index(time, -(x @ coef), status)),
        censored=len(frame) - events,
        alpha=alpha,
        accounting=cox_accounting(data, frame, events, excluded, cluster, column),
        raw=fit,
        warnings=(*opt_out, *caveats),
    )
