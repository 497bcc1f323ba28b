"""Weighted analyses: checking a weight column and fitting the weighted, robust GLM.

Weights given to an estimator (``weights="ipcw"``) are inverse-probability weights: of
being observed (loss to follow-up, :func:`bmecohort.ipcw`) or of being sampled. They are not
frequency weights (a row is one unit, not ``w`` copies), so the model-based variance is
wrong for them and every weighted fit has a robust (sandwich) variance: the plain sandwich
grouped by the cluster when the units cluster (as ``geepack::geeglm(weights = w, id =,
corstr = "independence")`` ``san.se``), and the heteroskedasticity-robust HC0 sandwich (one
cluster per row) when they do not. Neither has a small-sample factor
(:data:`bmecohort._clusters.SANDWICH`); R's ``survey::svyglm`` multiplies the variance by
``n / (n - 1)`` (``ids = ~1``) or ``G / (G - 1)`` (``ids = ~cluster``, G clusters), which
``tests/reference/weights`` checks.

The weighted estimating equations :math:`\\sum_i w_i x_i (y_i - \\mu_i) = 0` are those of
statsmodels' GLM with ``var_weights`` (``freq_weights`` would treat a row as ``w`` rows and
give too small a sandwich); a non-independence working correlation is not offered with
weights, because weighted GEE with one is consistent only under extra conditions
(Tchetgen Tchetgen et al. 2012) and geepack and statsmodels weight it differently.

Rows missing the weight are excluded and counted like any missing value (``prepare``);
weights that are not finite numbers above zero are an error naming the rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ._checks import describe_rows, require_columns
from .exceptions import AnalysisInputError

__all__ = ["check_weights", "effective_n", "fit_weighted_glm", "weight_values"]


def check_weights(frame: pd.DataFrame, column: str, *, table: str = "data") -> np.ndarray:
    """The weights of the rows used as floats, or an error naming the rows that are bad.

    ``frame`` holds the complete rows (missing weights already excluded and counted).
    """
    series = frame[column]
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        values = pd.to_numeric(series, errors="coerce")
        # text is refused even where it reads as a number ("0.8"): weights come from a model,
        # and text means the column was not the one meant (the same on pandas 2 and 3)
        unusable = values.isna().to_numpy()
        if pd.api.types.is_string_dtype(series):
            unusable = unusable | series.notna().to_numpy()  # (pandas 3's arrays are read-only)
        bad = series.index[unusable]
        if pd.api.types.is_bool_dtype(series) or len(bad):
            shown = sorted({repr(v) for v in series.loc[bad].tolist()}, key=str)[:5] \
                if len(bad) else [str(series.dtype)]
            raise AnalysisInputError(
                f"{table}: weights column {column!r} must hold numbers (inverse-probability "
                f"weights), got {', '.join(shown)}"
                f"{f' in rows {describe_rows(bad)}' if len(bad) else ''}. Pass a numeric "
                f"column, e.g. the output of bmecohort.ipcw(...).")
        series = values
    w = series.to_numpy(dtype=float)
    problems = []
    infinite = ~np.isfinite(w)
    if infinite.any():
        problems.append(f"infinite in rows {describe_rows(frame.index[infinite])}")
    nonpositive = np.isfinite(w) & (w <= 0)
    if nonpositive.any():
        shown = sorted(set(w[nonpositive].tolist()))[:5]
        problems.append(f"zero or negative ({shown}) in rows "
                        f"{describe_rows(frame.index[nonpositive])}")
    if problems:
        raise AnalysisInputError(
            f"{table}: weights column {column!r} is " + "; ".join(problems) + ". Weights "
            "must be finite numbers above zero; set a weight to missing to exclude its row "
            "(it is then counted), or truncate extreme weights (ipcw(..., truncate=0.01)).")
    return w


def effective_n(weights: np.ndarray) -> float:
    """Kish's effective sample size, :math:`(\\sum w)^2 / \\sum w^2`."""
    return float(weights.sum() ** 2 / np.square(weights).sum())


def fit_weighted_glm(y: np.ndarray, exog: np.ndarray, weights: np.ndarray,
                     groups: np.ndarray | None, family: Any) -> tuple[Any, bool]:
    """Weighted GLM with the plain cluster sandwich (``groups``) or HC0 (``groups=None``).

    Returns the statsmodels results and whether statsmodels flagged a convergence problem.
    Checked against geepack and survey in ``tests/reference/weights``.
    """
    from . import _statsmodels as sm
    from ._clusters import cluster_cov_kwds

    model = sm.GLM(y, exog, family=family, var_weights=weights)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        # statsmodels warns that robust covariances are "not fully supported" with
        # var_weights; for these families and links they equal geepack's and survey's
        # (tests/reference/weights)
        if groups is None:
            fit = model.fit(cov_type="HC0", tol=1e-10, maxiter=100)
        else:
            fit = model.fit(cov_type="cluster", cov_kwds=cluster_cov_kwds(groups), tol=1e-10,
                            maxiter=100)
    from statsmodels.tools import sm_exceptions as library

    flagged = any(issubclass(w.category, (library.ConvergenceWarning,
                                          library.PerfectSeparationWarning))
                  for w in caught)
    return fit, flagged or not bool(fit.converged)


def weight_values(data: pd.DataFrame, column: str, rows: np.ndarray | None = None, *,
                  table: str = "data") -> np.ndarray:
    """The weights of ``column`` as floats (NaN where missing), checked on ``rows``.

    Parameters
    ----------
    data : pandas.DataFrame
    column : str
        The weight column.
    rows : numpy.ndarray of bool, optional
        The rows whose weights are checked (the rows an analysis would use); all by default.
        Rows outside it may hold anything (e.g. units lost, which :func:`bmecohort.ipcw`
        leaves without a weight).
    table : str, default="data"
        Name of the table for messages.

    Raises
    ------
    AnalysisInputError
        The column is absent or not numeric, or a checked weight is infinite, zero or
        negative.
    """
    if not isinstance(column, str):
        raise AnalysisInputError(
            f"weights must be the name of a column of {table}, got {type(column).__name__}; "
            f"add the weights as a column (e.g. data.assign(w=bmecohort.ipcw(...))).")
    require_columns(data, [column], table=table)
    series = data[column]
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise AnalysisInputError(
            f"{table}: weight column {column!r} must be numeric (dtype {series.dtype}).")
    values = series.to_numpy(dtype=float, na_value=np.nan)
    check = np.ones(len(values), bool) if rows is None else np.asarray(rows, bool)
    checked = check & ~np.isnan(values)
    if checked.any():
        check_weights(data.loc[checked], column, table=table)  # same rule, same message
    return values
