"""Simulation-based power analysis for clustered, longitudinal lesion designs.

:func:`power` simulates cohorts with :mod:`bmecohort.simulate` at a true effect, analyses
each replicate as a built-in design (or a function of the user's) does, and reports power,
interval coverage and estimates by sample size, in parallel through joblib (processes, or a
Dask cluster inside ``joblib.parallel_config(backend="dask")``) with results identical for
a seed whatever the number of workers.

The function is ``bmecohort.power``:
``bmecohort.power("knee_pain", effect=2, n_grid=[200, 400], replicates=200, seed=1)``. This
package was ``bmecohort.power`` up to 0.1.0; importing from that name still works but warns
(:mod:`bmecohort._deprecated`).
"""

from __future__ import annotations

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

