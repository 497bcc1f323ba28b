"""Occurrence: proportions, incidence and resolution of lesions between visits (cluster-robust
when units share persons), and Poisson rates per person-time."""

from .proportions import (
    IncidenceResult,
    ProportionResult,
    incidence,
    proportion,
    resolution,
    share_interval,
)
from .rates import IncidenceRateResult, PoissonRateResult, incidence_rate, poisson_rate

__all__ = [
    "IncidenceRateResult",
    "IncidenceResult",
    "PoissonRateResult",
    "ProportionResult",
    "incidence",
    "incidence_rate",
    "poisson_rate",
    "proportion",
    "resolution",
    "share_interval",
]
