"""What valid cohort data is: one pandera DataFrameModel per table.

Each column declares a *kind* (id, label, integer, number, boolean, date; see
``_fields.py``) and whether it is part of the table's key; each model's ``Config.metadata``
lists the key and the table-level and cross-table rules that :class:`bmecohort.Cohort`
enforces beyond pandera's column checks. ``data_schemas/`` is generated from these models.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Iterator
from types import MappingProxyType

import pandera.api.pandas.model as _pandera_model
import pandera.pandas as pa
from pandera.typing import Index, Series

from .hip_cases import HipCases
from .knee_outcomes import KneeOutcomes
from .lesion_reads import LesionReads
from .participants import Participants
from .ra_bones import RABones
from .spine_corners import SpineCorners
from .visits import Visits

__all__ = [
    "TABLES",
    "REQUIRED_TABLES",
    "HipCases",
    "KneeOutcomes",
    "LesionReads",
    "Participants",
    "RABones",
    "SpineCorners",
    "Visits",
    "columns_of",
    "schema_of",
    "table_key",
    "table_rules",
]

#: Table name -> model, in the order data flows (participants first).
TABLES: MappingProxyType[str, type[pa.DataFrameModel]] = MappingProxyType({
    "participants": Participants,
    "visits": Visits,
    "lesion_reads": LesionReads,
    "knee_outcomes": KneeOutcomes,
    "spine_corners": SpineCorners,
    "ra_bones": RABones,
    "hip_cases": HipCases,
})
#: Tables every cohort must have.
REQUIRED_TABLES: tuple[str, ...] = ("participants", "visits")


def table_key(table: str) -> list[str]:
    """The columns that identify a row of ``table`` (optional ones only when present)."""
    return list(TABLES[table].Config.metadata["key"])  # type: ignore[index]  # every schema declares it


def table_rules(table: str) -> list[tuple[str, str]]:
    """``(rule, description)`` for the table-level and cross-table rules of ``table``."""
    return list(TABLES[table].Config.metadata["rules"])  # type: ignore[index]  # every schema declares it


@contextlib.contextmanager
def _pandas_types_only(model: type[pa.DataFrameModel]) -> Iterator[None]:
    """Build ``model``'s schema without importing pandera's other backends.

    pandera's schema builder sorts each field by asking which annotations are Series or
    Index types of any backend it finds installed, which imports dask.dataframe when dask is
    installed (1 s, more than every other step of building the schemas). Every field of our
    models is annotated ``pandera.typing.Series[...]`` (checked here; otherwise nothing is
    changed), so the pandas types alone sort them exactly as the full sets would: no field
    is an Index of any backend, and each is the pandas Series.
    """
    fields = getattr(model, "__fields__", None)
    plain = isinstance(fields, dict) and all(
        annotation.origin is Series for annotation, _ in fields.values())
    names = ("get_index_types", "get_series_types")
    if not plain or not all(hasattr(_pandera_model, name) for name in names):
        yield
        return
    saved = {name: getattr(_pandera_model, name) for name in names}
    setattr(_pandera_model, "get_index_types", lambda: {Index})  # noqa: B010
    setattr(_pandera_model, "get_series_types", lambda: {Series})  # noqa: B010
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(_pandera_model, name, function)


@functools.cache
def _schema(table: str) -> pa.DataFrameSchema:
    model = TABLES[table]
    with _pandas_types_only(model):
        return model.to_schema()


def schema_of(table: str) -> pa.DataFrameSchema:
    """The pandera DataFrameSchema of ``table`` (a fresh copy, safe to modify)."""
    return copy.deepcopy(_schema(table))


@functools.cache
def columns_of(table: str) -> dict[str, dict]:
    """Column name -> {kind, key, required, nullable, description} for ``table``."""
    schema = _schema(table)
    return {
        name: {
            "kind": column.metadata["kind"],
            "key": column.metadata["key"],
            "required": column.required,
            "nullable": column.nullable,
            "description": column.description,
        }
        for name, column in schema.columns.items()
    }
