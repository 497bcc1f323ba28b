"""Occurrence: proportions, incidence and resolution of lesions between visits (cluster-robust
when units share persons), and Poisson rates per person-time.

Names are imported from their modules on first use (:mod:`bmecohort._lazy`), so
``bmecohort.incidence`` does not load the rate code (nor, through it, the rate ratio's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._lazy import lazy_exports

if TYPE_CHECKING:
    from .proportions import (
        IncidenceResult,
        ProportionResult,
        incidence,
        proportion,
        resolution,
    )
    from .proportions import share_interval as share_interval
    from .rates import IncidenceRateResult, PoissonRateResult, incidence_rate, poisson_rate

#: name -> module defining it (``share_interval`` is internal: for bmecohort.designs)
_EXPORTS = {
    "IncidenceRateResult": "rates",
    "IncidenceResult": "proportions",
    "PoissonRateResult": "rates",
    "ProportionResult": "proportions",
    "incidence": "proportions",
    "incidence_rate": "rates",
    "poisson_rate": "rates",
    "proportion": "proportions",
    "resolution": "proportions",
    "share_interval": "proportions",
}

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
