"""Deprecated import paths, kept working with a :class:`FutureWarning`.

``bmecohort.power`` was the power-analysis package (made callable so that
``bmecohort.power(...)`` ran the analysis); it is now the function, and the package is
:mod:`bmecohort.power_analysis`. ``from bmecohort.power import X`` and
``import bmecohort.power.designs`` still work: the finder below serves the new modules under
the old names, and the old package name is a callable stand-in, so that the attribute
``bmecohort.power``, which the import system rebinds to it, still runs the analysis.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
import warnings
from typing import Any

OLD, NEW = "bmecohort.power", "bmecohort.power_analysis"


class _StandIn(types.ModuleType):
    """``bmecohort.power`` imported as a module: the new package's names, and callable."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module(NEW), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return importlib.import_module(NEW).power(*args, **kwargs)


class _Loader:
    """Loads the new module under the old name (no importlib.abc: it is slow to import)."""

    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        if spec.name != OLD:
            return module
        stand_in = _StandIn(OLD, module.__doc__)
        stand_in.__path__ = list(module.__path__)  # so that old submodule names import
        return stand_in

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module is the new one (or a stand-in for it)."""


class PowerAlias:
    """Serves ``bmecohort.power[.x]`` from ``bmecohort.power_analysis[.x]``, warning once."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname != OLD and not fullname.startswith(OLD + "."):
            return None
        new = NEW + fullname[len(OLD):]
        warnings.warn(f"the module {fullname} is deprecated: import from {new} "
                      f"(bmecohort.power is now the power-analysis function)",
                      FutureWarning, stacklevel=2)
        # a duck-typed loader (importlib.abc.Loader is slow to import)
        return importlib.machinery.ModuleSpec(fullname, _Loader(new),  # type: ignore[arg-type]
                                              is_package=fullname == OLD)


def install() -> None:
    """Put the finder first (a left-over ``power/`` folder must not shadow it)."""
    if not any(isinstance(f, PowerAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, PowerAlias())
