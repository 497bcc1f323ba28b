"""Association: odds, risk and rate ratios and risk differences from counts or unit-level
data (crude and cluster-robust), Mantel-Haenszel stratified estimates (odds ratio, risk
ratio, risk difference), standardised risks by g-computation, and the reconstruction of 2x2 tables from published summaries.

Names are imported from their modules on first use (:mod:`bmecohort._lazy`), so
``bmecohort.odds_ratio`` loads neither the stratified, rate-ratio nor reconstruction code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..._lazy import lazy_exports

# eager: importing the submodule ``standardize`` (as bmecohort.standardize does) sets the
# package attribute of that name to the module, shadowing a lazily resolved function
from .standardize import StandardizedRisks, standardize

if TYPE_CHECKING:
    from .rate_ratio import RateRatioResult, rate_ratio_from_counts
    from .reconstruct import ReconstructionResult, reconstruct_2x2
    from .stratified import MantelHaenszelResult, mantel_haenszel, mantel_haenszel_from_counts
    from .twobytwo import (
        OddsRatioResult,
        RiskDifferenceResult,
        RiskRatioResult,
        odds_ratio_from_counts,
        risk_difference_from_counts,
        risk_ratio_from_counts,
    )
    from .unit_level import odds_ratio, risk_difference, risk_ratio

#: public name -> module defining it (besides the eager imports above)
_EXPORTS = {
    "MantelHaenszelResult": "stratified",
    "OddsRatioResult": "twobytwo",
    "RateRatioResult": "rate_ratio",
    "ReconstructionResult": "reconstruct",
    "RiskDifferenceResult": "twobytwo",
    "RiskRatioResult": "twobytwo",
    "mantel_haenszel": "stratified",
    "mantel_haenszel_from_counts": "stratified",
    "odds_ratio": "unit_level",
    "odds_ratio_from_counts": "twobytwo",
    "rate_ratio_from_counts": "rate_ratio",
    "reconstruct_2x2": "reconstruct",
    "risk_difference": "unit_level",
    "risk_difference_from_counts": "twobytwo",
    "risk_ratio": "unit_level",
    "risk_ratio_from_counts": "twobytwo",
}

__all__ = [
    "MantelHaenszelResult",
    "OddsRatioResult",
    "RateRatioResult",
    "ReconstructionResult",
    "StandardizedRisks",
    "RiskDifferenceResult",
    "RiskRatioResult",
    "mantel_haenszel",
    "mantel_haenszel_from_counts",
    "odds_ratio",
    "odds_ratio_from_counts",
    "rate_ratio_from_counts",
    "reconstruct_2x2",
    "risk_difference",
    "risk_difference_from_counts",
    "risk_ratio",
    "risk_ratio_from_counts",
    "standardize",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
