"""The source documents' analyses as functions of a Cohort.

Each design builds its analysis frame from the cohort's tables (lesion status, transitions,
outcomes, covariates), chooses the unit and clustering of the published design, calls the
estimators, and returns a :class:`DesignResult`: one tidy table of every analysis (crude,
stratified, adjusted, clustered), the estimator results, the frame, and the accounting.
"""

from __future__ import annotations

from ._result import DesignResult
from .attrition import AttritionBounds, AttritionResult, attrition, attrition_bounds
from .continuous import bml_score_trajectory, cartilage_volume_change
from .hip import bmes_vs_avn
from .knee import (
    bml_incidence_resolution,
    bml_pain_association,
    bml_pain_prevalence,
    bml_progression,
    cartilage_progression,
    pain_fluctuation,
)
from .natural_history import lesion_natural_history
from .ra import bme_course, erosive_progression
from .reliability import ReliabilityResult, reliability
from .spine import syndesmophyte_predictors

__all__ = [
    "AttritionBounds",
    "AttritionResult",
    "DesignResult",
    "ReliabilityResult",
    "attrition",
    "attrition_bounds",
    "bme_course",
    "bmes_vs_avn",
    "bml_incidence_resolution",
    "bml_pain_association",
    "bml_pain_prevalence",
    "bml_progression",
    "bml_score_trajectory",
    "cartilage_progression",
    "cartilage_volume_change",
    "erosive_progression",
    "lesion_natural_history",
    "pain_fluctuation",
    "reliability",
    "syndesmophyte_predictors",
]
