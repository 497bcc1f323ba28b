"""Simulation-based power analysis for clustered, longitudinal lesion designs.

:func:`power` simulates cohorts with :mod:`bmecohort.simulate` at a true effect, analyses
each replicate as a built-in design (or a function of the user's) does, and reports power,
interval coverage and estimates by sample size, in parallel through joblib (processes, or a
Dask cluster inside ``joblib.parallel_config(backend="dask")``) with results identical for
a seed whatever the number of workers.

``bmecohort.power`` is this package, and calling it calls :func:`power`:
``bmecohort.power("knee_pain", effect=2, n_grid=[200, 400], replicates=200, seed=1)``.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from ._fit import FitFailure, ReplicateEstimate
from .analysis import power, replicate_seeds
from .designs import DESIGNS, PowerDesign, describe_designs
from .result import POWER_COLUMNS, REPLICATE_COLUMNS, PowerResult

__all__ = [
    "DESIGNS",
    "FitFailure",
    "POWER_COLUMNS",
    "PowerDesign",
    "PowerResult",
    "REPLICATE_COLUMNS",
    "ReplicateEstimate",
    "describe_designs",
    "power",
    "replicate_seeds",
]


class _CallableModule(types.ModuleType):
    """The package, callable as :func:`power`.

    Importing ``bmecohort.power`` binds the package to the attribute ``power`` of
    ``bmecohort`` (Python's import system does so for every subpackage), which would hide the
    function of the same name; making the package callable keeps
    ``bmecohort.power(...)`` working whichever was imported first.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> PowerResult:
        return power(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
