"""One replicate's fit: a logit GEE odds ratio with every way it can fail named.

A power replicate must take milliseconds, so the built-in designs fit the marginal logistic
model with bmecohort's vectorised GEE solver (:func:`bmecohort.estimators.regression.fastgee.
fit_logit_gee`, the solver :func:`bmecohort.logistic` uses for clustered data) on a minimal
design matrix, refitted by statsmodels' GEE when that solver stops unconverged (as
``logistic(engine="auto")`` does, so a replicate fails only when statsmodels fails too), and turn the caveats :func:`bmecohort.logistic` would warn about (no events,
a zero cell, non-convergence) into a :class:`FitFailure` whose reason the power analysis
counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..estimators.regression._design import wald
from ..estimators.regression.geefit import fit_gee

__all__ = ["SEPARATED", "FitFailure", "ReplicateEstimate", "gee_odds_ratio"]

#: The failure reason of a replicate whose outcome is separated (a zero cell).
SEPARATED = "zero cell (separation)"


class FitFailure(Exception):
    """A replicate whose model could not be fitted; ``reason`` is a short fixed label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReplicateEstimate(NamedTuple):
    """What one replicate returns: the estimate, its interval and p-value, and its size.

    ``units``, ``clusters`` and ``events`` describe the analysed frame (NaN when unknown,
    e.g. for a user's design that returns only the first four fields).
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    p_value: float
    units: float = float("nan")
    clusters: float = float("nan")
    events: float = float("nan")


def gee_odds_ratio(outcome: np.ndarray, exposures: np.ndarray, groups: np.ndarray, *,
                   term: int = 0, binary: Sequence[int] = (0,),
                   cov_struct: str = "exchangeable", alpha: float = 0.05
                   ) -> ReplicateEstimate:
    """Odds ratio of column ``term`` of ``exposures`` from a logit GEE with an intercept.

    Parameters
    ----------
    outcome : numpy.ndarray
        0/1 outcome, shape ``(n,)``.
    exposures : numpy.ndarray
        Model columns without the intercept, shape ``(n, p)``.
    groups : numpy.ndarray
        Cluster labels (e.g. participant codes), shape ``(n,)``.
    term : int, default=0
        Column of ``exposures`` whose odds ratio is returned.
    binary : sequence of int, default=(0,)
        Binary columns whose 2x2 table with the outcome must have no empty cell (an empty
        cell separates the outcome: the odds ratio is 0 or infinite).
    cov_struct : {"exchangeable", "independence"}, default="exchangeable"
        Working correlation; independence when every cluster holds one unit.
    alpha : float, default=0.05
        One minus the level of the Wald interval.

    Returns
    -------
    ReplicateEstimate

    Raises
    ------
    FitFailure
        ``"no units"``, ``"outcome does not vary"``, ``"zero cell (separation)"``,
        ``"did not converge"`` or ``"non-finite estimate"``.
    """
    y = np.asarray(outcome, dtype=float)
    if len(y) == 0:
        raise FitFailure("no units")
    x = np.asarray(exposures, dtype=float).reshape(len(y), -1)
    events = float(y.sum())
    if events in (0.0, float(len(y))):
        raise FitFailure("outcome does not vary")
    for column in binary:
        exposed = x[:, column] > 0
        cells = np.bincount(exposed * 2 + (y > 0), minlength=4)
        if (cells == 0).any():
            raise FitFailure(SEPARATED)
    design = np.column_stack([np.ones(len(y)), x])
    n_clusters = np.unique(groups).size
    if cov_struct == "exchangeable" and n_clusters == len(y):
        # every cluster holds one unit (e.g. one knee per person): no within-cluster pair
        # identifies a correlation, and exchangeable GEE reduces to independence
        cov_struct = "independence"
    fit = fit_gee(y, design, groups, cov_struct=cov_struct, engine="auto")
    if not fit.converged:
        raise FitFailure("did not converge")
    coef, se = fit.params[term + 1], fit.bse[term + 1]
    out = wald(np.array([coef]), np.array([se]), alpha)
    estimate, ci_lower, ci_upper, p_value = (
        float(out[k][0]) for k in ("estimate", "ci_lower", "ci_upper", "p_value"))
    if not np.all(np.isfinite([estimate, ci_lower, ci_upper, p_value])):
        raise FitFailure("non-finite estimate")
    return ReplicateEstimate(estimate, ci_lower, ci_upper, p_value, units=float(len(y)),
                             clusters=float(n_clusters), events=events)
