"""Field helpers: every column declares its *kind*, which drives normalisation.

Kinds:

- ``id``: identifier, stored as string; never missing.
- ``label``: a code from a vocabulary (stored as string, or categorical in lesion_reads).
- ``integer``: whole number stored as int64 (float when the column may be missing).
- ``number``: float64.
- ``boolean``: pandas nullable boolean (accepts True/False, 1/0, "true"/"false").
- ``date``: datetime64.
"""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa

KINDS = ("id", "label", "integer", "number", "boolean", "date")


def field(kind: str, description: str, *, key: bool = False, **checks: Any) -> Any:
    """A pandera Field carrying ``kind`` and ``key`` metadata and a description."""
    if kind not in KINDS:
        raise ValueError(f"unknown column kind {kind!r}")
    nullable = checks.pop("nullable", not key)
    return pa.Field(description=description, nullable=nullable,
                    metadata={"kind": kind, "key": key}, **checks)
