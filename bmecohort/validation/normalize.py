"""Normalise each table's columns to their declared kinds, then run pandera's column checks.

Nothing is coerced silently: a value that cannot be read as its column's kind is reported as a
failure (and set to missing in the normalised copy so later rules can still run). The user's
frame is never modified.
"""

from __future__ import annotations

import difflib
import functools

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..schemas import columns_of, schema_of
from ._dates import parse_dates
from ._failures import Failures

__all__ = ["normalize_table"]

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
#: Tables whose label columns become categorical (large, repetitive).
_CATEGORICAL_TABLES = {"lesion_reads", "spine_corners", "ra_bones"}
#: The largest whole number a float64 holds exactly.
_LARGEST_EXACT = 2 ** 53


def _as_id(series: pd.Series, categorical: bool) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        if pd.api.types.is_object_dtype(categories) or pd.api.types.is_string_dtype(categories):
            return series
        return series.cat.rename_categories(_ids_to_str(categories.to_series()).to_numpy())
    series = _ids_to_str(series)
    # Large tables keep ids as categoricals: grouping by codes is what makes the lesion-course
    # functions fast.
    return series.astype("category") if categorical else series


def _ids_to_str(series: pd.Series) -> pd.Series:
    # Integer-valued floats (an id column read with missing values) would become "1.0".
    if pd.api.types.is_float_dtype(series):
        whole = series.dropna()
        if (whole == np.round(whole)).all():
            return series.astype("Int64").astype(str).where(series.notna())
    if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
        return series.astype(object)
    return series.astype(str).where(series.notna())


def _as_label(series: pd.Series, categorical: bool) -> pd.Series:
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = series.cat.categories
        if not pd.api.types.is_object_dtype(cats) and not pd.api.types.is_string_dtype(cats):
            series = series.cat.rename_categories(cats.astype(str))
        return series if categorical else series.astype(object)
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        series = series.astype(str).where(series.notna())
    if categorical:
        return series.astype("category")
    # One missing marker (NaN, as read_csv gives) whether the input held None, NaN or pd.NA.
    return series.astype(object).where(series.notna(), np.nan)


def _blank(series: pd.Series) -> np.ndarray:
    """Text that is empty or only whitespace (a key that is there but says nothing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        blank = np.asarray(series.cat.categories.astype(str).str.strip() == "")
        codes = series.cat.codes.to_numpy()
        if not blank.any():
            return np.zeros(len(series), dtype=bool)
        return (codes >= 0) & blank[np.where(codes >= 0, codes, 0)]
    # Each distinct value is tested once (ids repeat over visits and knees); only text can
    # be blank, and missing values are not.
    codes, uniques = pd.factorize(series.to_numpy(dtype=object))
    blank = np.fromiter((isinstance(value, str) and value.strip() == "" for value in uniques),
                        dtype=bool, count=len(uniques))
    if not blank.any():
        return np.zeros(len(series), dtype=bool)
    return (codes >= 0) & blank[np.where(codes >= 0, codes, 0)]


def _as_number(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series) and not isinstance(series.dtype,
                                                                pd.CategoricalDtype):
        return series.astype(float), np.zeros(len(series), dtype=bool)
    numeric = pd.to_numeric(series.astype(object), errors="coerce").astype(float)
    bad = (numeric.isna() & series.notna()).to_numpy()
    return numeric, bad


def _as_boolean(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean"), np.zeros(len(series), dtype=bool)
    text = series.astype(str).str.strip().str.lower()
    result = pd.Series(pd.NA, index=series.index, dtype="boolean")
    result[text.isin(_TRUE).to_numpy()] = True
    result[text.isin(_FALSE).to_numpy()] = False
    bad = (result.isna() & series.notna()).to_numpy()
    return result, bad


def _header_checks(name: str, data: pd.DataFrame, failures: Failures) -> set[str]:
    """Duplicated names and names that differ from a schema column only by whitespace/case.

    Returns the schema columns found only under such a near name (treated as missing).
    """
    spec = columns_of(name)
    columns = [str(c) for c in data.columns]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    for column in duplicated:
        failures.add_table(name, column, f"duplicated column: {column!r} is the name of "
                                         f"{columns.count(column)} columns; keep one", column)
    near: set[str] = set()
    for column in columns:
        wanted = column.strip().lower()
        if column in spec or wanted not in spec or wanted in columns:
            continue
        near.add(wanted)
        what = "spaces around it" if column.strip() != column else "other capitals"
        failures.add_table(name, wanted, f"column name: the table has {column!r}, with "
                                         f"{what}; rename it {wanted!r}", column)
    return near


def _missing_required(name: str, data: pd.DataFrame, failures: Failures,
                      near: set[str]) -> list[str]:
    spec = columns_of(name)
    missing = [c for c, s in spec.items() if s["required"] and c not in data.columns]
    others = [str(c) for c in data.columns if str(c) not in spec]
    for column in missing:
        if column in near:
            continue  # reported as a misspelt name
        close = difflib.get_close_matches(column, others, n=1, cutoff=0.75)
        hint = f" (the table has {close[0]!r}: rename it?)" if close else ""
        failures.add_table(name, column, f"required column: {name} has no {column!r} "
                                         f"column{hint}")
    return missing


def normalize_table(name: str, data: pd.DataFrame, failures: Failures) -> pd.DataFrame | None:
    """Return a normalised copy of table ``name`` or ``None`` if it cannot be checked further.

    ``None`` when ``data`` is not a DataFrame, has duplicated column names or lacks a key
    column. Records failures for missing required
    columns, values of the wrong kind, and pandera's column checks (ranges, vocabularies,
    missing values).
    """
    if not isinstance(data, pd.DataFrame):
        failures.add_table(name, None, f"required column: {name} must be a pandas DataFrame, "
                                       f"got {type(data).__name__}")
        return None
    spec = columns_of(name)
    near = _header_checks(name, data, failures)
    missing = _missing_required(name, data, failures, near)
    if data.columns.duplicated().any() or any(spec[c]["key"] for c in missing):
        return None
    frame = data.copy(deep=False)
    categorical = name in _CATEGORICAL_TABLES
    for column, s in spec.items():
        if column not in frame.columns:
            continue
        series = original = frame[column]
        kind = s["kind"]
        bad = np.zeros(len(series), dtype=bool)
        if kind == "id":
            series = _as_id(series, categorical)
        elif kind == "label":
            series = _as_label(series, categorical)
        elif kind in ("number", "integer"):
            series, bad = _as_number(series)
            if bad.any():
                failures.add(name, column, frame.index[bad], data[column][bad],
                             _not_numeric_rule(data[column][bad]))
            if kind == "integer":
                series = _whole(name, column, series, failures)
                if s["key"] and not s["nullable"] and series.notna().all():
                    series = series.astype(np.int64)
        elif kind == "boolean":
            series, bad = _as_boolean(series)
            if bad.any():
                failures.add(name, column, frame.index[bad], data[column][bad],
                             "must be true/false")
        elif kind == "date":
            series, bad = parse_dates(name, column, series, failures)
        if s["key"] and not s["nullable"]:
            missing_key = series.isna().to_numpy() & ~bad
            if kind in ("id", "label"):
                missing_key |= _blank(series)
            if missing_key.any():
                failures.add(name, column, frame.index[missing_key],
                             series[missing_key].astype(object).where(
                                 series[missing_key].notna(), None),
                             "missing key value: key columns may not be empty")
        if series is not original:  # setting a column copies it
            frame[column] = series
    _pandera_checks(name, frame, failures)
    return frame


def _not_numeric_rule(values: pd.Series) -> str:
    rule = "must be numeric: text that is not a number"
    if values.astype(str).str.fullmatch(r"\s*[+-]?\d+,\d+\s*").any():
        rule += " (a decimal comma: write 61.5, not 61,5)"
    return rule


def _whole(name: str, column: str, series: pd.Series, failures: Failures) -> pd.Series:
    """Whole numbers only, and only those a float holds exactly (|x| <= 2**53)."""
    values = series.to_numpy(dtype=float)
    present = ~np.isnan(values)
    frac = present & (values != np.round(values))
    if frac.any():
        failures.add(name, column, series.index[frac], values[frac], "must be a whole number")
    huge = present & ~frac & (np.abs(values) > _LARGEST_EXACT)
    if huge.any():
        failures.add(name, column, series.index[huge], values[huge],
                     f"out of range: whole numbers must lie within +-{_LARGEST_EXACT} (2**53, "
                     f"the largest held exactly)")
    return series.where(~(frac | huge))


@functools.lru_cache(maxsize=256)
def _value_schema(name: str, present: tuple[str, ...]) -> pa.DataFrameSchema:
    """Table ``name``'s schema reduced to the ``present`` columns, without dtypes.

    Presence and dtype are handled by :func:`normalize_table`; pandera checks values only.
    Built once per table and set of columns (copying the schema cost more than checking a
    small table); pandera's validation leaves the schema unchanged.
    """
    schema = schema_of(name)
    schema = schema.remove_columns([c for c in schema.columns if c not in present])
    for column in schema.columns.values():
        column.dtype = None
    return schema


def _pandera_checks(name: str, frame: pd.DataFrame, failures: Failures) -> None:
    """Run the model's column checks lazily and translate the failure cases."""
    schema = _value_schema(name, tuple(c for c in columns_of(name) if c in frame.columns))
    try:
        # inplace: pandera copies the whole frame otherwise (our own normalised copy, which
        # no parser, default or coercion here changes); the shallow copy keeps pandera's
        # schema accessor off the table the cohort keeps
        schema.validate(frame.copy(deep=False), lazy=True, inplace=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["index"].notna()]
        for (column, check), group in cases.groupby(["column", "check"], sort=False):
            failures.add(name, column, group["index"].tolist(), group["failure_case"].tolist(),
                         _describe_check(str(check)))


def _describe_check(check: str) -> str:
    """Turn pandera's check name into a readable rule."""
    replacements = {
        "greater_than_or_equal_to": "must be >=",
        "less_than_or_equal_to": "must be <=",
        "greater_than": "must be >",
        "less_than": "must be <",
        "isin": "must be one of",
        "not_nullable": "missing value: the column may not be empty",
    }
    for key, text in replacements.items():
        if check.startswith(key):
            argument = check[len(key):].strip("()")
            if key == "not_nullable":
                return text
            if key == "isin":
                return f"not in vocabulary: {text} {argument}"
            return f"out of range: {text} {argument}"
    return check
