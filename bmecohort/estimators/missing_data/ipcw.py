r"""Inverse-probability-of-censoring weights for loss to follow-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.genmod.families import Binomial
from statsmodels.genmod.generalized_linear_model import GLM

from ..._checks import describe_rows, prepare
from ...exceptions import (
    AnalysisInputError,
    ConvergenceWarning,
    DataQualityWarning,
    SeparationWarning,
)

__all__ = ["IPCW", "ipcw"]

#: Name of the returned weight Series.
IPCW = "ipcw"


def _truncation(truncate: float | tuple[float, float] | None) -> tuple[float, float] | None:
    if truncate is None:
        return None
    value: Any = truncate  # a number or a pair (numpy's isscalar would narrow it to str too)
    scalar = bool(np.isscalar(value))
    lower, upper = (value, 1 - value) if scalar else value
    if not 0 <= lower < upper <= 1:
        raise AnalysisInputError(
            f"truncate={truncate!r}; give a quantile q in [0, 0.5) (weights cut at the q and "
            f"1 - q quantiles) or a pair (lower, upper) with 0 <= lower < upper <= 1.")
    return float(lower), float(upper)


def ipcw(
    frame: pd.DataFrame,
    *,
    observed: str,
    covariates: Sequence[str],
    stabilized: bool = True,
    truncate: float | tuple[float, float] | None = None,
) -> pd.Series:
    r"""Inverse-probability-of-censoring weights from a logistic model of being observed.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per unit enrolled at baseline (completers and those lost); never modified.
    observed : str
        Binary column: 1 = the outcome was observed at follow-up, 0 = lost.
    covariates : sequence of str
        Baseline columns that predict loss (numeric; code categories as indicators).
    stabilized : bool, default=True
        Multiply by the marginal probability of being observed, so weights average about 1
        among completers.
    truncate : float or (float, float) or None, default=None
        Cut weights at these quantiles among completers (``0.01``: the 1st and 99th
        percentiles).

    Returns
    -------
    pandas.Series
        Named ``"ipcw"``, aligned with ``frame.index``: the weight of each completer and
        NaN for units lost (or missing a covariate, so that no weight can be estimated).
        ``attrs`` records the method, how many units were weighted, excluded and truncated,
        and the model's coefficients.

    Warns
    -----
    DataQualityWarning
        Rows with a missing covariate (left without a weight) or extreme weights (> 20).
    ConvergenceWarning
        The model of being observed did not converge.

    Notes
    -----
    With :math:`\hat\pi_i = P(\text{observed} \mid x_i)` from a binomial GLM with logit link,
    the weight of a completer is :math:`1/\hat\pi_i`, stabilised
    :math:`\bar R/\hat\pi_i` where :math:`\bar R` is the share observed (Robins et al. 2000).
    Analyses weighted by these need a robust (sandwich) variance: pass them as weights to a
    GEE or a cluster-robust fit. Checked against R ``glm`` in
    ``tests/reference/missing_data``.

    Examples
    --------
    >>> import pandas as pd
    >>> enrolled = pd.DataFrame({"seen": [1, 1, 0, 1, 1, 0, 1, 1, 1, 0],
    ...                          "age": [50, 61, 72, 55, 58, 69, 47, 66, 52, 60]})
    >>> w = ipcw(enrolled, observed="seen", covariates=["age"])
    >>> int(w.notna().sum()), w.attrs["method"]
    (7, 'ipcw-logistic-stabilized')
    """
    covariates = list(covariates)
    if observed in covariates:
        raise AnalysisInputError(
            f"ipcw: {observed!r} is both the indicator of being observed and a covariate.")
    if not covariates:
        raise AnalysisInputError("ipcw: pass at least one covariate that predicts loss.")
    limits = _truncation(truncate)
    used, excluded = prepare(frame, [observed, *covariates], binary=[observed])
    bad = [c for c in covariates if not pd.api.types.is_numeric_dtype(used[c])]
    if bad:
        raise AnalysisInputError(
            f"ipcw: covariate(s) {bad} are not numeric; code categories as 0/1 indicators.")
    r = used[observed].to_numpy(float)
    if r.min() == r.max():
        raise AnalysisInputError(
            f"ipcw: every unit has {observed}={int(r[0])}; weights need both completers and "
            f"units lost.")
    design = np.column_stack([np.ones(len(used)), used[covariates].to_numpy(float)])
    import warnings

    from statsmodels.tools import sm_exceptions as library

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = GLM(r, design, family=Binomial()).fit()
    # the library's warnings by class (never by text), said as ours with what to do
    separated = rank_deficient = False
    for item in caught:
        if issubclass(item.category, library.PerfectSeparationWarning):
            separated = True
        elif issubclass(item.category, library.SingularMatrixWarning):
            rank_deficient = True
        elif not issubclass(item.category, library.ConvergenceWarning):
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    if separated:
        warnings.warn(f"ipcw: the covariates {list(covariates)} predict {observed!r} "
                      f"perfectly for some units (separation): their weights are extreme; "
                      f"use fewer or coarser covariates.", SeparationWarning, stacklevel=2)
    if rank_deficient:
        warnings.warn(f"ipcw: the covariates {list(covariates)} are collinear among the "
                      f"{len(used)} units used (the model's design is rank-deficient); drop "
                      f"one of them.", DataQualityWarning, stacklevel=2)
    if not fit.converged:
        warnings.warn(f"ipcw: the model of {observed!r} did not converge; check for "
                      f"separation by the covariates.", ConvergenceWarning, stacklevel=2)
    p = np.asarray(fit.fittedvalues, float)
    weights = 1 / p
    method = "ipcw-logistic"
    if stabilized:
        weights = weights * r.mean()
        method += "-stabilized"
    weights = np.where(r == 1, weights, np.nan)
    n_truncated = 0
    if limits is not None:
        done = weights[r == 1]
        low, high = np.quantile(done, limits)
        n_truncated = int(((done < low) | (done > high)).sum())
        weights = np.where(r == 1, np.clip(weights, low, high), np.nan)
        method += f"-truncated-{limits[0]:g}-{limits[1]:g}"
    out = pd.Series(np.nan, index=frame.index, name=IPCW)
    out.loc[used.index] = weights
    if excluded:
        warnings.warn(
            f"ipcw: {sum(c for _, c in excluded)} row(s) have no weight ({dict(excluded)}); "
            f"they are excluded from weighted analyses.", DataQualityWarning, stacklevel=2)
    extreme = np.flatnonzero(weights > 20)
    if extreme.size:
        warnings.warn(
            f"ipcw: {extreme.size} weight(s) above 20 at rows "
            f"{describe_rows(used.index[extreme])}; consider truncate=0.01.",
            DataQualityWarning, stacklevel=2)
    out.attrs.update({
        "method": method, "n_rows": len(frame), "n_weighted": int((r == 1).sum()),
        "n_lost": int((r == 0).sum()), "excluded": tuple(excluded),
        "n_truncated": n_truncated,
        "coefficients": dict(zip(["intercept", *covariates], map(float, fit.params),
                                 strict=True)),
    })
    return out
