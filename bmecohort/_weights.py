"""Analysis weights (e.g. inverse-probability-of-censoring weights): one check for all.

An estimator's ``weights=`` names a column of positive, finite numbers. A missing weight
(NaN; :func:`bmecohort.ipcw` leaves units lost, or missing a covariate, without one) is not
an error: the row is excluded and counted as ``"missing weight"``. Anything else that is not
a positive finite number is an error naming the rows and values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import describe_rows, require_columns
from .exceptions import AnalysisInputError

__all__ = ["MISSING_WEIGHT", "weight_values"]

#: Exclusion reason of rows whose weight is missing.
MISSING_WEIGHT = "missing weight"


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
    bad = check & ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
    if bad.any():
        raise AnalysisInputError(
            f"{table}: weight column {column!r} must hold positive finite numbers (or be "
            f"missing, to exclude the row); rows {describe_rows(data.index[bad])} hold "
            f"{sorted({repr(float(v)) for v in values[bad]})[:10]}.")
    return values
