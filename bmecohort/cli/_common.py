"""Helpers shared by the command modules."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

__all__ = ["UsageError", "existing_folder", "warnings_to_stderr"]


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
