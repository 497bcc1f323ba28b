"""Collecting validation failures and rendering them as a readable message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .._columns import FAILURE_COLUMNS

__all__ = ["Failures", "render"]

#: Rules that a failed conversion triggers again on the same cell (the value became missing).
_MISSING_RULES = ("missing value", "missing key value")

#: What to do about a broken rule, shown under each group of failures.
HINTS: dict[str, str] = {
    "required column": "add the column (see data_schemas/ for its meaning and allowed values)",
    "missing key value": "every key column must be filled; drop or complete these rows",
    "must be numeric": "OAI-style coded strings ('2: Moderate') must be mapped to numbers "
                       "first (bmecohort.io.read_oai_moaks does this for MOAKS files)",
    "must be a whole number": "these columns hold integers (visit months, slices, lesion "
                              "numbers)",
    "must be true/false": "use True/False or 1/0",
    "must be a date": "use ISO dates, e.g. 2024-03-31",
    "numeric date": "dates are ISO 8601 text, YYYY-MM-DD (data_schemas/README.md#reading-files)",
    "date format": "dates are ISO 8601 text, YYYY-MM-DD (data_schemas/README.md#reading-files)",
    "empty table": "a cohort needs rows in participants and visits; leave out optional tables "
                   "that have none",
    "duplicate key": "each key may appear once; de-duplicate reads (e.g. keep one reading "
                     "project or reader) before building the cohort",
    "visit exists": "add the visit to the visits table or correct participant_id/visit",
    "participant exists": "add the participant to participants or correct participant_id",
    "one baseline": "every participant needs exactly one baseline visit, visit 0",
    "baseline at month 0": "months_from_baseline is 0 at visit 0 and positive afterwards",
    "visits ordered": "later visits must come later in time",
    "score on step": "scores are whole grades of the item's scale; half grades are "
                     "within-grade change codes, accepted only for items that define them "
                     "and only with allow_within_grade=True (see data_schemas/README.md)",
    "bridging rule": "a bridge joins two corners across one disc space: score both 3",
}


class Failures:
    """Accumulates failures as tidy rows: table, column, row, value, rule."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, table: str, column: str | None, rows: Sequence | pd.Index | np.ndarray,
            values: Iterable, rule: str | Iterable[str]) -> None:
        """Record one failure per row label in ``rows`` with its offending value."""
        rows = list(rows)
        if not rows:
            return
        values = [v.item() if isinstance(v, np.generic) else v for v in values]
        rules = [rule] * len(rows) if isinstance(rule, str) else list(rule)
        self._parts.append(pd.DataFrame({
            "table": table, "column": column, "row": pd.Series(rows, dtype=object),
            "value": pd.Series(values, dtype=object), "rule": rules,
        }))

    def add_table(self, table: str, column: str | None, rule: str,
                  value: object = None) -> None:
        """Record a table-level failure (no row), e.g. a missing required column."""
        self._parts.append(pd.DataFrame({"table": [table], "column": [column], "row": [None],
                                         "value": [value], "rule": [rule]}, dtype=object))

    def extend(self, frame: pd.DataFrame) -> None:
        """Append failures already in tidy form."""
        if len(frame):
            self._parts.append(frame.loc[:, list(FAILURE_COLUMNS)])

    def __bool__(self) -> bool:
        return any(len(p) for p in self._parts)

    def frame(self) -> pd.DataFrame:
        """All failures, one row each.

        A cell that already failed is not reported again as *missing*: a value that could
        not be converted becomes missing in the normalised copy, and the not-nullable check
        would otherwise report it twice. Other rules broken by the same cell (e.g. a negative
        month that is also out of order) are all reported.
        """
        if not self._parts:
            return pd.DataFrame(columns=list(FAILURE_COLUMNS), dtype=object)
        frame = pd.concat(self._parts, ignore_index=True)
        cell = frame.loc[:, ["table", "column", "row"]].astype(str)
        consequence = (frame["row"].notna() & frame["rule"].astype(str).str.startswith(
            _MISSING_RULES)).to_numpy()
        failed = pd.MultiIndex.from_frame(cell.loc[~consequence])
        repeated = pd.MultiIndex.from_frame(cell.loc[consequence]).isin(failed)
        # ... nor twice as missing (a missing key is also a not-nullable failure).
        repeated |= cell.loc[consequence].duplicated().to_numpy()
        keep = np.ones(len(frame), dtype=bool)
        keep[np.flatnonzero(consequence)[repeated]] = False
        return frame.loc[keep].reset_index(drop=True)


def _rule_name(rule: str) -> str:
    return rule.split(":", 1)[0].strip()


def render(failures: pd.DataFrame, *, max_rows: int = 8) -> str:
    """A readable, grouped account of ``failures`` (from :meth:`Failures.frame`)."""
    n = len(failures)
    tables = failures["table"].nunique()
    lines = [f"{n} validation failure{'s' * (n != 1)} in {tables} "
             f"table{'s' * (tables != 1)} (every problem is listed; see "
             f"CohortValidationError.failure_cases for the full table):"]
    groups = failures.assign(_column=failures["column"].fillna("")).groupby(
        ["table", "_column", "rule"], sort=False, dropna=False)
    for (table, column, rule), group in groups:
        where = f"{table}.{column}" if column else table
        rows = group["row"].dropna().tolist()
        row_text = ""
        if rows:
            shown = ", ".join(str(r) for r in rows[:max_rows])
            more = f" and {len(rows) - max_rows} more" if len(rows) > max_rows else ""
            row_text = f" row{'s' * (len(rows) != 1)} {shown}{more}:"
        values = [v for v in group["value"].tolist() if v is not None
                  and not (isinstance(v, float) and np.isnan(v))]
        unique_values = list(dict.fromkeys(repr(v) for v in values))
        value_text = ""
        if unique_values:
            value_text = " values " + ", ".join(unique_values[:max_rows])
            if len(unique_values) > max_rows:
                value_text += ", ..."
        detail = f" --{row_text}{value_text}" if row_text or value_text else ""
        lines.append(f"  - {where}: {rule}{detail}")
        hint = HINTS.get(_rule_name(rule))
        if hint:
            lines.append(f"      fix: {hint}")
    return "\n".join(lines)
