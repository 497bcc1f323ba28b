"""Design matrices for the regression estimators, and their per-term Wald tables.

A design is built from the complete-case frame returned by :func:`bmecohort._checks.prepare`:
numeric columns enter as they are, categorical columns expand to one 0/1 indicator per
non-reference level, named ``"column[level]"`` (``"bml_size[2]"``). For a trend test the
indicators of one categorical column are replaced by its level scores, in one term named
``"column (trend)"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ..._checks import describe_rows
from ..._columns import EVENTS, TERM, N
from ...exceptions import AnalysisInputError

__all__ = [
    "INTERCEPT",
    "Design",
    "as_names",
    "build_design",
    "term_rows",
    "trend_design",
    "wald",
]

#: Name of the intercept term.
INTERCEPT = "Intercept"


def as_names(value: str | Sequence[str] | None, *, argument: str) -> tuple[str, ...]:
    """A column name or a sequence of names as a tuple of unique names."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    names = tuple(value)
    bad = [v for v in names if not isinstance(v, str)]
    if bad:
        raise AnalysisInputError(
            f"{argument}: expected column names (str), got {bad!r}. Pass e.g. "
            f"{argument}=('age', 'female')."
        )
    return tuple(dict.fromkeys(names))


def _level_label(level: object) -> str:
    """``2.0 -> "2"``, ``"large" -> "large"``: how a level appears in a term name."""
    if isinstance(level, float | np.floating) and float(level).is_integer():
        return str(int(level))
    return str(level)


def _sorted_levels(series: pd.Series) -> list[object]:
    if isinstance(series.dtype, pd.CategoricalDtype):  # keep the categories' own order
        present = set(series.unique())
        return [c for c in series.dtype.categories if c in present]
    levels = pd.unique(series)
    try:
        return sorted(levels)
    except TypeError:  # mixed types: order by their text
        return sorted(levels, key=str)


@dataclass(frozen=True)
class Design:
    """A model matrix and how its terms map back to the analysis columns.

    Attributes
    ----------
    exog : pandas.DataFrame
        Float model matrix, one column per term (``"Intercept"`` first when present), with the
        index of the frame it was built from.
    groups : mapping of str to tuple of str
        Analysis column -> the term names it expands to.
    levels : mapping of str to tuple
        Categorical column -> its levels, reference first.
    """

    exog: pd.DataFrame
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    levels: Mapping[str, tuple[object, ...]] = field(default_factory=dict)

    @property
    def terms(self) -> tuple[str, ...]:
        """Every term name, in model-matrix order."""
        return tuple(self.exog.columns)


def _reference_for(column: str, levels: list[object], reference: Any) -> object:
    if reference is None:
        return levels[0]
    wanted = reference.get(column, levels[0]) if isinstance(reference, Mapping) else reference
    matches = [lv for lv in levels if lv == wanted or _level_label(lv) == str(wanted)]
    if not matches:
        raise AnalysisInputError(
            f"reference: level {wanted!r} of column {column!r} does not occur in the rows "
            f"used; its levels are {[_level_label(lv) for lv in levels]}. Pass one of them, "
            f"e.g. reference={{{column!r}: {_level_label(levels[0])!r}}}."
        )
    return matches[0]


def build_design(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    categorical: Sequence[str] = (),
    reference: Any = None,
    intercept: bool = True,
    table: str = "data",
) -> Design:
    """Build the model matrix of ``columns`` (numeric, or expanded when categorical).

    Parameters
    ----------
    frame : pandas.DataFrame
        Complete rows (no missing values in ``columns``).
    columns : sequence of str
        The model's columns, exposures first.
    categorical : sequence of str, default=()
        Columns to expand into indicators of their non-reference levels.
    reference : object or mapping, default=None
        Reference level: one value for every categorical column, or ``{column: level}``;
        ``None`` takes the lowest level.
    intercept : bool, default=True
        Whether to put an ``"Intercept"`` column first.
    table : str, default="data"
        Name used in error messages.

    Returns
    -------
    Design
    """
    unknown = [c for c in categorical if c not in columns]
    if unknown:
        raise AnalysisInputError(
            f"categorical: {unknown} are not among the model's columns {list(columns)}. "
            "List only exposures or covariates there."
        )
    if intercept and INTERCEPT in columns:
        raise AnalysisInputError(
            f"{table}: a column named {INTERCEPT!r} would be confused with the model's "
            f"intercept term of that name; rename it, e.g. "
            f"`data.rename(columns={{{INTERCEPT!r}: 'intercept_value'}})`."
        )
    parts: dict[str, pd.Series] = {}
    if intercept:
        parts[INTERCEPT] = pd.Series(1.0, index=frame.index)
    groups: dict[str, tuple[str, ...]] = {}
    levels_of: dict[str, tuple[object, ...]] = {}
    for column in columns:
        series = frame[column]
        if column in categorical:
            levels = _sorted_levels(series)
            ref = _reference_for(column, levels, reference)
            ordered = (ref, *[lv for lv in levels if lv is not ref])
            names = []
            for level in ordered[1:]:
                name = f"{column}[{_level_label(level)}]"
                parts[name] = (series == level).astype(float)
                names.append(name)
            groups[column] = tuple(names)
            levels_of[column] = ordered
            continue
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
            parts[column] = series.astype(float)
        elif isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
                series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
            # every value is "non-numeric" here, so name the dtype rather than list them
            raise AnalysisInputError(
                f"{table}: column {column!r} has dtype {series.dtype}, not numbers. Pass it in "
                f"categorical=({column!r},) to expand it into indicator terms, or convert it, "
                f"e.g. `data[{column!r}] = pd.to_numeric(data[{column!r}].astype(str))`."
            )
        else:
            bad = series[pd.to_numeric(series, errors="coerce").isna()]
            values = sorted({repr(v) for v in bad.tolist()}, key=str)[:5]
            raise AnalysisInputError(
                f"{table}: column {column!r} holds non-numeric values ({', '.join(values)}) "
                f"in rows {describe_rows(bad.index)}. Pass it in categorical=({column!r},) to "
                "expand it into indicator terms, or recode it as numbers."
            )
        infinite = ~np.isfinite(parts[column].to_numpy())
        if infinite.any():
            raise AnalysisInputError(
                f"{table}: column {column!r} is infinite on rows "
                f"{describe_rows(series.index[infinite])}; replace those values or set them "
                "to missing (they are then excluded and counted)."
            )
        groups[column] = (column,)
    exog = pd.DataFrame(parts, index=frame.index)
    _check_rank(exog, table=table)
    return Design(exog=exog, groups=groups, levels=levels_of)


def _check_rank(exog: pd.DataFrame, *, table: str) -> None:
    values = exog.to_numpy()
    if len(values) == 0:
        return
    if len(values) < values.shape[1] or np.linalg.matrix_rank(values) < values.shape[1]:
        constant = [c for c in exog.columns if c != INTERCEPT and np.ptp(exog[c].to_numpy()) == 0]
        detail = (f"term(s) {constant} are constant in the rows used" if constant
                  else f"the terms {list(exog.columns)} are collinear")
        raise AnalysisInputError(
            f"{table}: the model cannot be estimated because {detail} ({len(values)} rows). "
            "Drop or merge the offending terms (e.g. an exposure level nobody has), or use "
            "more data."
        )


def trend_design(design: Design, frame: pd.DataFrame, column: str) -> Design:
    """Replace the indicators of categorical ``column`` by its level scores (one term).

    Numeric levels score as their values; other levels (text, or a pandas Categorical) as
    0, 1, 2, ... in level order (the categories' order for a Categorical). The new term is
    named ``"column (trend)"`` and keeps the indicators' position.
    """
    levels = design.levels[column]
    ordered = _sorted_levels(frame[column])
    numeric = all(isinstance(lv, int | float | np.integer | np.floating)
                  and not isinstance(lv, bool) for lv in levels)
    if numeric:
        score = frame[column].astype(float)
    else:
        score = frame[column].map({lv: float(i) for i, lv in enumerate(ordered)})
        score = score.astype(float)
    name = f"{column} (trend)"
    replaced = design.groups[column]
    if not replaced:
        raise AnalysisInputError(
            f"{column}: only one level occurs among the complete rows ("
            f"{', '.join(map(str, _sorted_levels(frame[column])))}), so no trend over its "
            f"levels can be "
            f"estimated. Check the column or drop trend=True.")
    parts: dict[str, pd.Series] = {}
    for term in design.exog.columns:
        if term == replaced[0]:
            parts[name] = score
        if term not in replaced:
            parts[term] = design.exog[term]
    groups = {k: ((name,) if k == column else v) for k, v in design.groups.items()}
    return Design(exog=pd.DataFrame(parts, index=design.exog.index), groups=groups,
                  levels={k: v for k, v in design.levels.items() if k != column})


def wald(coef: np.ndarray, se: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Wald odds ratios: ``exp(coef)``, ``exp(coef -/+ z se)`` and two-sided p-values.

    .. math::

        \\widehat{OR} = e^{\\hat\\beta}, \\quad
        e^{\\hat\\beta \\pm z_{1-\\alpha/2} \\, \\widehat{se}}, \\quad
        p = 2\\,\\{1 - \\Phi(|\\hat\\beta| / \\widehat{se})\\}
    """
    z = ndtri(1.0 - alpha / 2.0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return {
            "estimate": np.exp(coef),
            "ci_lower": np.exp(coef - z * se),
            "ci_upper": np.exp(coef + z * se),
            "p_value": 2.0 * ndtr(-np.abs(coef / se)),
        }


def term_rows(design: Design, rows: Mapping[str, Mapping[str, float]],
              trend: Mapping[str, float], *, n: int, events: int | None
              ) -> list[dict[str, Any]]:
    """Summary rows in model order: each column's terms, then its trend row if tested.

    ``rows`` maps a term to its ``estimate, ci_lower, ...`` values; every row gets the
    model's ``n`` and ``events`` (None for a Gaussian model).
    """
    out: list[dict[str, Any]] = []
    for column, terms in design.groups.items():
        names = list(terms) + ([f"{column} (trend)"] if column in trend else [])
        out += [{TERM: t, **rows[t], N: n, EVENTS: events} for t in names]
    return out
