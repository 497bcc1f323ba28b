"""Weighted incidence and resolution: the weighted share and its robust interval.

Used by :func:`bmecohort.incidence` and :func:`bmecohort.resolution` with ``weights=``
(e.g. :func:`bmecohort.ipcw`); checked against R ``survey`` and ``geepack`` in
``tests/reference/weights_occurrence``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy

from ... import _statsmodels as sm
from ..._clusters import ClusterPlan, cluster_cov_kwds
from ...exceptions import SmallCellWarning

__all__ = ["WEIGHTED_CLUSTER_ROBUST", "WEIGHTED_ROBUST", "weighted_share"]

#: Interval names of weighted estimates: grouped by a cluster column, or one unit a group.
WEIGHTED_CLUSTER_ROBUST = "weighted-logit-wald-cluster-robust"
WEIGHTED_ROBUST = "weighted-logit-wald-robust"


def _weighted_robust(
    y: np.ndarray, w: np.ndarray, groups: np.ndarray, alpha: float
) -> tuple[float, float, float, Any]:
    """Logit-scale Wald interval of an intercept-only binomial GLM with analysis weights.

    The estimate solves :math:`\\sum_i w_i (y_i - p) = 0` (the weighted share); the variance
    is the plain grouped sandwich :math:`\\sum_g (\\sum_{i \\in g} w_i (y_i - \\hat p))^2 /
    (\\sum_i w_i \\hat p (1 - \\hat p))^2` on the logit scale, which is geepack's ``san.se``
    with ``weights`` and survey's linearisation variance without its ``G/(G-1)`` factor.
    """
    model = sm.GLM(y, np.ones((len(y), 1)), family=sm.families.Binomial(), var_weights=w)
    with warnings.catch_warnings():
        # statsmodels warns that robust covariances are "not fully supported" with
        # var_weights; the intercept-only sandwich is checked against geepack and survey
        # (tests/reference/weights_occurrence)
        warnings.filterwarnings("ignore", message="cov_type not fully supported")
        fit = model.fit(cov_type="cluster", cov_kwds=cluster_cov_kwds(groups), tol=1e-12)
    low, high = np.asarray(fit.conf_int(alpha=alpha))[0]
    p = float(scipy.special.expit(fit.params[0]))
    design_effect = float(fit.cov_params()[0, 0]) * len(y) * p * (1 - p)
    return float(scipy.special.expit(low)), float(scipy.special.expit(high)), design_effect, fit


def weighted_share(
    y: np.ndarray, w: np.ndarray, plan: ClusterPlan, *, unit: str, outcome: str,
    alpha: float, method: str, caveats: list[str],
) -> tuple[float, float, float, str, float | None, Any]:
    """The weighted share with its robust interval (grouped by ``plan`` when clustered).

    Returns ``(estimate, lower, upper, interval name, design effect, fitted GLM)``; with
    no or only events, the ``method`` interval at Kish's effective sample size (warned,
    and the message appended to ``caveats``).
    """
    from .proportions import _check_method, _contain

    n, events = len(y), int(y.sum())
    estimate = float(np.sum(w * y) / np.sum(w))
    sm_method, label = _check_method(method)
    if events in (0, n):
        # the logit is infinite: the unweighted method at Kish's effective sample size
        n_eff = float(np.sum(w) ** 2 / np.sum(w ** 2))
        message = (
            f"{outcome}: {events} events among {n} {unit}s at risk, so the logit of the "
            f"weighted proportion is infinite and the robust interval is undefined; the "
            f"{label} interval at Kish's effective sample size ({n_eff:.1f}) was used instead.")
        warnings.warn(message, SmallCellWarning, stacklevel=5)
        caveats.append(message)
        low, high = _contain(estimate, *sm.proportion_confint(estimate * n_eff, n_eff,
                                                                alpha=alpha, method=sm_method))
        return estimate, low, high, f"{label}-kish-effective-n", None, None
    groups = plan.groups if plan.groups is not None else np.arange(n)
    low, high, design_effect, raw = _weighted_robust(y, w, groups, alpha)
    low, high = _contain(estimate, low, high)
    interval = WEIGHTED_CLUSTER_ROBUST if plan.clustered else WEIGHTED_ROBUST
    return estimate, low, high, interval, design_effect, raw
