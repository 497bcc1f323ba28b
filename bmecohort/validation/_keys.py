"""Row keys as one integer per row: what the key rules compare, without hashing text.

``DataFrame.duplicated`` factorizes every key column by hashing its values (for a
categorical column, its codes), then combines the codes. The large tables hold their ids and
labels as categoricals, whose codes already are such a factorization: reusing them, and
hashing only the other columns, finds the same duplicates for a fraction of the time (the
key of ``lesion_reads`` has eleven columns over millions of rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["duplicated", "first_rows", "row_groups"]

#: Keep the combined code below this, so that it never overflows int64.
_LIMIT = 1 << 62


def _column_codes(series: pd.Series) -> tuple[np.ndarray, int]:
    """Codes from 0 (missing) to ``n - 1``, equal exactly where the values are."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        # kept in the codes' own small integer type (+1 cannot overflow it: codes < n - 1)
        return series.cat.codes.to_numpy() + 1, len(series.cat.categories) + 1
    if series.dtype.kind == "i" and len(series):
        # Whole numbers over a short range (visit months) are their own codes: no hashing.
        values = series.to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low <= len(values):
            return (values.astype(np.int64) - low) + 1, high - low + 2
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64) + 1, len(uniques) + 1


def row_groups(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One int64 per row, equal exactly where the rows agree on ``columns``.

    Missing values count as equal to each other (None and NaN too), as in
    :meth:`pandas.DataFrame.duplicated` over several columns.
    """
    group = np.zeros(len(frame), dtype=np.int64)
    size = 1
    for column in columns:
        codes, n = _column_codes(frame[column])
        if size * n >= _LIMIT:
            # Renumber the combinations seen so far (fewer than the rows) before adding more.
            group, uniques = pd.factorize(group)
            group, size = group.astype(np.int64), len(uniques)
        group *= n  # in place: the key of lesion_reads has eleven columns
        group += codes
        size *= n
    return group


def duplicated(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Rows whose values on ``columns`` another row shares (``keep=False``).

    Sorting the codes finds repeats faster than a hash table when nearly every key is
    distinct (the usual case: a valid table has none); only repeated codes are then looked
    up row by row.
    """
    if len(columns) == 1:
        # pandas' own one-column path (it tells None from NaN, unlike its many-column one)
        return frame[columns[0]].duplicated(keep=False).to_numpy()
    group = row_groups(frame, columns)
    ordered = np.sort(group)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return np.zeros(len(group), dtype=bool)
    return np.isin(group, ordered[1:][same])


def first_rows(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Positions of the first row of each distinct combination of ``columns``, in order."""
    if len(columns) == 1:
        seen = frame[columns[0]].duplicated(keep="first")
    else:
        seen = pd.Series(row_groups(frame, columns), copy=False).duplicated(keep="first")
    return np.flatnonzero(~seen.to_numpy())
