"""Input checks shared by the estimators: required columns, binary coding, missing rows.

Every estimator starts with :func:`prepare`, so that each one reports, the same way, how many
rows it was given, how many it used and why the others were excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeGuard

import numpy as np
import pandas as pd

from .exceptions import AnalysisInputError

__all__ = [
    "MAX_COUNT",
    "check_alpha",
    "check_count",
    "check_positive",
    "describe_rows",
    "prepare",
    "require_binary",
    "require_columns",
]

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


#: Largest count accepted: every whole number up to 2**53 is exact as a float.
MAX_COUNT = 2**53


def _is_real(value: object) -> TypeGuard[int | float | np.integer | np.floating]:
    return not isinstance(value, bool | np.bool_) and isinstance(
        value, int | float | np.integer | np.floating)


def check_count(value: object, name: str) -> int:
    """``value`` as an int, or raise unless it is a whole number from 0 to 2**53.

    Rejects booleans, strings, ``None``, ``pd.NA``, arrays, nan and infinities with a
    message naming the argument (never a TypeError from ``float()``).
    """
    if not _is_real(value) or not np.isfinite(float(value)) or not float(value).is_integer() \
            or not 0 <= float(value) <= MAX_COUNT:
        raise AnalysisInputError(
            f"{name} must be a whole number from 0 to 2**53, got {value!r}"
            f"{f' ({type(value).__name__})' if not _is_real(value) else ''}."
        )
    return int(value)


def check_positive(value: object, name: str) -> float:
    """``value`` as a float, or raise unless it is a finite number > 0 (not a bool)."""
    if not _is_real(value) or not np.isfinite(float(value)) or not float(value) > 0:
        raise AnalysisInputError(
            f"{name} must be a finite number > 0, got {value!r}"
            f"{f' ({type(value).__name__})' if not _is_real(value) else ''}."
        )
    return float(value)


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, table: str = "data") -> None:
    """Raise :class:`AnalysisInputError` unless every column of ``columns`` is in ``data`` once.

    Also rejects what would otherwise fail deep inside pandas or a model library: a
    non-DataFrame, hierarchical (MultiIndex) column labels, and a used column whose name
    occurs more than once in ``data`` (``data[name]`` would then be a DataFrame).
    """
    if not isinstance(data, pd.DataFrame):
        raise AnalysisInputError(
            f"{table}: expected a pandas DataFrame, got {type(data).__name__}."
        )
    if isinstance(data.columns, pd.MultiIndex):
        raise AnalysisInputError(
            f"{table}: the columns have {data.columns.nlevels} levels (a MultiIndex, e.g. "
            f"{data.columns[0]!r}); analyses need one plain name per column. Flatten them "
            f"first, e.g. `data.columns = ['_'.join(map(str, c)) for c in data.columns]`."
        )
    wanted = list(dict.fromkeys(columns))
    problems = []
    missing = [c for c in wanted if c not in data.columns]
    if missing:
        problems.append(
            f"column(s) {missing} not found; available columns are "
            f"{list(map(str, data.columns))}. Pass the right names as keyword arguments.")
    repeated = set(data.columns[data.columns.duplicated()])
    clashes = {c: int((data.columns == c).sum()) for c in wanted if c in repeated}
    if clashes:
        problems.append(
            f"column name(s) {', '.join(f'{c!r} ({k} times)' for c, k in clashes.items())}"
            f" occur more than once, so it is ambiguous which to use. Rename or drop the "
            f"duplicates, e.g. `data = data.loc[:, ~data.columns.duplicated()]`.")
    if problems:
        raise AnalysisInputError(f"{table}: " + "\n".join(problems))


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
    columns: Sequence[str | None],
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
    columns : sequence of str or None
        Every column the analysis uses, one per argument (``None`` is ignored); a column
        given twice (for two arguments) is an error.
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

    Raises
    ------
    AnalysisInputError
        A column is absent, duplicated in ``data`` or given twice; the columns are a
        MultiIndex; ``data`` has no rows or no complete row; a binary column holds other
        values.
    """
    given = [c for c in columns if c is not None]
    used = list(dict.fromkeys(given))
    require_columns(data, used, table=table)
    twice = [c for c in used if given.count(c) > 1]
    if twice:
        raise AnalysisInputError(
            f"{table}: column(s) {twice} are passed for more than one argument (e.g. as both "
            f"exposure and outcome, or as a covariate and the cluster); each argument needs "
            f"its own column."
        )
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
    if len(data) == 0:
        raise AnalysisInputError(
            f"{table}: the table has no rows (columns {list(map(str, data.columns))}); an "
            f"analysis needs data. Check the filter or join that produced it."
        )
    if not remaining.any():
        # every row lacks something: say which columns, before a model library fails on 0 rows
        raise AnalysisInputError(
            f"{table}: no complete rows in columns {used}: each of the {len(data)} rows is "
            f"missing at least one of them ({', '.join(f'{r}: {n} rows' for r, n in excluded)})."
            f" Check that the right columns were named and that they were read correctly."
        )
    frame = frame.loc[remaining].copy()
    problems = []
    for column in dict.fromkeys(binary):  # every non-binary column at once, not the first
        try:
            frame[column] = require_binary(frame, column, table=table)
        except AnalysisInputError as error:
            problems.append(str(error).removeprefix(f"{table}: "))
    if problems:
        raise AnalysisInputError(f"{table}: " + "\n".join(problems))
    return frame, tuple(excluded)
