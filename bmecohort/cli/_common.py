"""Helpers shared by the command modules."""

from __future__ import annotations

import contextlib
import json
import math
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["UsageError", "existing_folder", "json_safe", "print_json", "spreadsheet_safe",
           "warnings_to_stderr", "write_csv"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class UsageError(Exception):
    """A command was called wrongly (exit code 2, like argparse's own errors)."""


def existing_folder(path: str) -> Path:
    """``path`` as a Path, or a :class:`UsageError` when it is not an existing folder."""
    folder = Path(path)
    if not folder.exists():
        raise UsageError(f"no such folder: {path}")
    if not folder.is_dir():
        raise UsageError(f"not a folder: {path} (give the folder that holds the table files)")
    return folder


@contextlib.contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Print bmecohort's warnings raised inside the block to standard error, one a line."""
    from ..exceptions import BmecohortWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BmecohortWarning)
        yield
    for warning in caught:
        if issubclass(warning.category, BmecohortWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'``.

    Numbers, and text that is a number (``"-3"``, ``"-inf"``), are returned unchanged.

    Examples
    --------
    >>> spreadsheet_safe("=1+2"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("-2")
    ("'=1+2", "'@SUM(A1)", '-2')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def write_csv(frame: Any, stream: IO[str]) -> None:
    """Write a DataFrame as CSV with every text cell (and header) :func:`spreadsheet_safe`."""
    safe = frame.astype(object).map(spreadsheet_safe) if len(frame.columns) else frame
    safe.columns = [spreadsheet_safe(str(c)) for c in frame.columns]
    safe.to_csv(stream, index=False)


def json_safe(value: Any) -> Any:
    """``value`` with NaN as None and infinities as the strings ``"inf"``/``"-inf"``, so that
    the JSON written is valid (no bare ``NaN`` or ``Infinity``); numpy scalars as Python's."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    return None if str(value) in ("NaT", "<NA>") else str(value)


def print_json(value: Any) -> None:
    """Print ``value`` as indented, strictly valid JSON (see :func:`json_safe`)."""
    print(json.dumps(json_safe(value), indent=2, allow_nan=False))
