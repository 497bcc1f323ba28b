"""Input checks shared by the estimators: required columns, binary coding, missing rows.

Every estimator starts with :func:`prepare`, so that each one reports, the same way, how many
rows it was given, how many it used and why the others were excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .exceptions import AnalysisInputError

__all__ = ["check_alpha", "describe_rows", "prepare", "require_binary", "require_columns"]

_MAX_SHOWN = 10


def describe_rows(index: Iterable[object], limit: int = _MAX_SHOWN) -> str:
    """Render row labels for an error message, eliding after ``limit``."""
    labels = list(index)
    shown = ", ".join(repr(x) for x in labels[:limit])
    if len(labels) > limit:
        shown += f", ... ({len(labels)} rows in all)"
    return shown


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` as float or raise if it is not strictly between 0 and 1."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise AnalysisInputError(
            f"alpha must be a number strictly between 0 and 1, got {alpha!r}; e.g. "
            f"alpha=0.05 for a 95% confidence interval."
        )
    return float(alpha)


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, table: str = "data") -> None:
    """Raise :class:`AnalysisInputError` naming every column of ``columns`` not in ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise AnalysisInputError(
            f"{table}: expected a pandas DataFrame, got {type(data).__name__}."
        )
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if missing:
        raise AnalysisInputError(
            f"{table}: column(s) {missing} not found; available columns are "
            f"{list(map(str, data.columns))}. Pass the right names as keyword arguments."
        )


def require_binary(data: pd.DataFrame, column: str, *, table: str = "data") -> pd.Series:
    """Return ``data[column]`` as int8 0/1, or raise naming the rows with other values.

    Accepts booleans and the numbers 0 and 1 (missing values must have been removed first).
    """
    series = data[column]
    if pd.api.types.is_bool_dtype(series):
        return series.astype(np.int8)
    numeric = pd.to_numeric(series, errors="coerce")
    bad = ~numeric.isin([0, 1])
    if bad.any():
        values = sorted({repr(v) for v in series[bad].tolist()})[:_MAX_SHOWN]
        raise AnalysisInputError(
            f"{table}: column {column!r} must be binary (0/1 or True/False); rows "
            f"{describe_rows(series.index[bad])} hold {', '.join(values)}. Recode it, e.g. "
            f"`data[{column!r}] = data[{column!r}] >= threshold`."
        )
    return numeric.astype(np.int8)


def prepare(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    binary: Iterable[str] = (),
    table: str = "data",
    carry: Sequence[str] = (),
) -> tuple[pd.DataFrame, tuple[tuple[str, int], ...]]:
    """Select ``columns``, drop rows missing any of them, check binary columns.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis frame; never modified.
    columns : sequence of str
        Every column the analysis uses (duplicates and ``None`` are ignored).
    binary : iterable of str, default=()
        Columns that must be 0/1 or boolean; returned as int8.
    table : str, default="data"
        Name used in error messages.
    carry : sequence of str, default=()
        Columns of ``data`` carried along in ``frame`` without excluding rows on them (e.g.
        ``participant_id``, to check whether units cluster).

    Returns
    -------
    frame : pandas.DataFrame
        A copy holding the complete rows (original index kept).
    excluded : tuple of (str, int)
        ``("missing <column>", count)`` for each column, each dropped row counted once, at
        the first listed column it is missing.
    """
    used = [c for c in dict.fromkeys(columns) if c is not None]
    require_columns(data, used, table=table)
    extra = [c for c in dict.fromkeys(carry) if c not in used and c in data.columns]
    frame = data.loc[:, used + extra]
    remaining = np.ones(len(frame), dtype=bool)
    excluded: list[tuple[str, int]] = []
    for column in used:
        missing = frame[column].isna().to_numpy() & remaining
        count = int(missing.sum())
        if count:
            excluded.append((f"missing {column}", count))
            remaining &= ~missing
    frame = frame.loc[remaining].copy()
    for column in dict.fromkeys(binary):
        frame[column] = require_binary(frame, column, table=table)
    return frame, tuple(excluded)
