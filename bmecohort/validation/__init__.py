"""Lazy, complete validation of cohort tables: every failure at once, nothing dropped.

:func:`validate_tables` normalises each table to its schema's column kinds, runs pandera's
column checks, the table rules (keys, visit order, scoring-system ranges and vocabularies,
anatomy, the bridging rule) and the cross-table rules, then either returns the normalised
tables or raises one :class:`~bmecohort.exceptions.CohortValidationError` listing every
failure as a tidy DataFrame and as readable text.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..exceptions import CohortValidationError
from ..schemas import REQUIRED_TABLES, TABLES, columns_of
from ._failures import Failures, render
from .links import check_links
from .normalize import normalize_table
from .tables import check_key, check_table

__all__ = ["validate_tables"]

#: Rule of a table without rows: (optional table, required table).
_EMPTY = (
    "empty table: the table has columns but no rows; leave the table out (remove the file) "
    "when there is nothing to put in it",
    "empty table: a cohort needs at least one participant, with a baseline visit (visit 0)",
)


def validate_tables(tables: Mapping[str, pd.DataFrame | None], *,
                    allow_within_grade: bool = False) -> dict[str, pd.DataFrame]:
    """Validate cohort tables; return normalised copies or raise with every failure.

    Parameters
    ----------
    tables : mapping of str to DataFrame or None
        Table name (see :data:`bmecohort.schemas.TABLES`) -> frame; ``None`` for absent
        optional tables.
    allow_within_grade : bool, default=False
        Accept half grades (within-grade change codes) for items that define them.

    Returns
    -------
    dict of str to DataFrame
        The normalised tables (column kinds applied; the inputs are not modified).

    Raises
    ------
    CohortValidationError
        With ``failure_cases`` (table, column, row, value, rule) for every failure.
    """
    failures = Failures()
    unknown = sorted(set(tables) - set(TABLES))
    for name in unknown:
        failures.add_table(name, None, f"unknown table: bmecohort knows {list(TABLES)}")
    for name in REQUIRED_TABLES:
        if tables.get(name) is None:
            failures.add_table(name, None, "required table: the cohort needs this table")
    normalised: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        data = tables.get(name)
        if data is None:
            continue
        if isinstance(data, pd.DataFrame) and len(data) == 0:
            failures.add_table(name, None, _EMPTY[name in REQUIRED_TABLES])
        frame = normalize_table(name, data, failures)
        if frame is None:
            continue
        if "months_from_baseline" not in frame.columns and name == "visits":
            # Documented default: actual time equals the nominal visit month.
            frame["months_from_baseline"] = frame["visit"].astype(float)
        spec = columns_of(name)
        if all(c in frame.columns for c, s in spec.items() if s["required"]):
            check_table(name, frame, failures, allow_within_grade=allow_within_grade)
        else:
            # The table's rules read its required columns; with one missing (reported
            # above) only the key and the links between tables can be checked.
            check_key(name, frame, failures)
        normalised[name] = frame
    check_links(normalised, failures)
    if failures:
        cases = failures.frame()
        raise CohortValidationError(render(cases), cases)
    return normalised
