"""Lazy re-exports for sub-packages: a name's module is imported when the name is first used.

A package ``__init__`` that imports all its modules makes ``bmecohort.odds_ratio`` load the
stratified, standardisation and rate-ratio code too (issue 16: import time). Such a package
lists ``name -> module`` and installs the PEP 562 hooks made here::

    __getattr__, __dir__ = lazy_exports(__name__, {"odds_ratio": "unit_level", ...})

with the same names imported under ``TYPE_CHECKING`` for type checkers and readers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``package`` re-exporting ``exports``.

    ``exports`` maps each public name to the module (relative to ``package``) defining it.
    A resolved name is stored in the package's namespace, so later look-ups are plain.
    """

    def __getattr__(name: str) -> Any:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
