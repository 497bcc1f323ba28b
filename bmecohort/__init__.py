"""bmecohort: longitudinal cohort analytics of MRI bone marrow lesions (BML / BME).

The public API is flat: ``from bmecohort import Cohort, odds_ratio, transitions``. Names are
resolved lazily on first use, so ``import bmecohort`` stays fast and does no I/O; the heavy
libraries (pandas, pandera, statsmodels, lifelines, matplotlib) load only when needed.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# ``bmecohort.power`` is the function; its old package name still imports, with a warning
from . import _deprecated

_deprecated.install()

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # the validated container and the registry
    "Cohort": "bmecohort.cohort",
    "get_system": "bmecohort.scoring",
    "demo_cohort": "bmecohort.simulate",
    "load_cohort": "bmecohort.io",
    "write_cohort": "bmecohort.io",
    "read_oai_moaks": "bmecohort.io",
    # lesion course
    "lesion_status": "bmecohort.course",
    "transitions": "bmecohort.course",
    "lesion_course": "bmecohort.course",
    "lesion_states": "bmecohort.course",
    "classify_change": "bmecohort.course",
    "LesionStatus": "bmecohort.course",
    "Transitions": "bmecohort.course",
    "LesionCourse": "bmecohort.course",
    "Reading": "bmecohort.course",
    # occurrence, rates, time to event
    "proportion": "bmecohort.estimators.occurrence.proportions",
    "incidence": "bmecohort.estimators.occurrence.proportions",
    "resolution": "bmecohort.estimators.occurrence.proportions",
    "poisson_rate": "bmecohort.estimators.occurrence.rates",
    "incidence_rate": "bmecohort.estimators.occurrence.rates",
    "time_to_event": "bmecohort.estimators.survival.event_times",
    "kaplan_meier": "bmecohort.estimators.survival.kaplan_meier",
    "cox": "bmecohort.estimators.survival.cox",
    "aalen_johansen": "bmecohort.estimators.survival.competing",
    "interval_censored": "bmecohort.estimators.survival.interval_fits",
    # association
    "odds_ratio": "bmecohort.estimators.association.unit_level",
    "risk_ratio": "bmecohort.estimators.association.unit_level",
    "risk_difference": "bmecohort.estimators.association.unit_level",
    "odds_ratio_from_counts": "bmecohort.estimators.association.twobytwo",
    "risk_ratio_from_counts": "bmecohort.estimators.association.twobytwo",
    "risk_difference_from_counts": "bmecohort.estimators.association.twobytwo",
    "rate_ratio_from_counts": "bmecohort.estimators.association.rate_ratio",
    "mantel_haenszel": "bmecohort.estimators.association.stratified",
    "mantel_haenszel_from_counts": "bmecohort.estimators.association.stratified",
    "reconstruct_2x2": "bmecohort.estimators.association.reconstruct",
    "standardize": "bmecohort.estimators.association.standardize",
    "logistic": "bmecohort.estimators.regression.logit",
    "conditional_logistic": "bmecohort.estimators.regression.conditional",
    "ordinal": "bmecohort.estimators.regression.ordinal",
    "mixed_model": "bmecohort.estimators.longitudinal",
    "likelihood_ratio": "bmecohort.estimators.longitudinal",
    "multistate": "bmecohort.estimators.longitudinal",
    "RegressionResult": "bmecohort.estimators.regression.logit_result",
    # agreement between readers
    "kappa": "bmecohort.estimators.agreement",
    "fleiss_kappa": "bmecohort.estimators.agreement",
    "icc": "bmecohort.estimators.agreement",
    "bland_altman": "bmecohort.estimators.agreement",
    "reliability": "bmecohort.designs",
    # missing data and loss to follow-up
    "ipcw": "bmecohort.estimators.missing_data",
    "pool": "bmecohort.estimators.missing_data",
    "impute": "bmecohort.estimators.missing_data",
    "attrition": "bmecohort.designs",
    "attrition_bounds": "bmecohort.designs",
    "gee": "bmecohort.estimators.regression.gee",
    "GEEResult": "bmecohort.estimators.regression.gee",
    # sensitivity analyses
    "evalue": "bmecohort.estimators.sensitivity.evalue",
    "adjust_pvalues": "bmecohort.estimators.sensitivity.multiplicity",
    "correct_misclassification": "bmecohort.estimators.sensitivity.misclassification",
    "probabilistic_misclassification": "bmecohort.estimators.sensitivity.misclassification",
    "validation_distributions": "bmecohort.estimators.sensitivity.misclassification",
    # document designs
    "DesignResult": "bmecohort.designs",
    "bml_incidence_resolution": "bmecohort.designs",
    "bml_pain_prevalence": "bmecohort.designs",
    "bml_pain_association": "bmecohort.designs",
    "bml_progression": "bmecohort.designs",
    "cartilage_progression": "bmecohort.designs",
    "cartilage_volume_change": "bmecohort.designs",
    "bml_score_trajectory": "bmecohort.designs",
    "pain_fluctuation": "bmecohort.designs",
    "syndesmophyte_predictors": "bmecohort.designs",
    "erosive_progression": "bmecohort.designs",
    "bme_course": "bmecohort.designs",
    "lesion_natural_history": "bmecohort.designs",
    "bmes_vs_avn": "bmecohort.designs",
    # figures and the report
    "forest_plot": "bmecohort.plots",
    "bland_altman_plot": "bmecohort.plots",
    "transition_plot": "bmecohort.plots",
    "course_plot": "bmecohort.plots",
    "prevalence_plot": "bmecohort.plots",
    "survival_plot": "bmecohort.plots",
    "power_plot": "bmecohort.plots",
    "evalue_plot": "bmecohort.plots.sensitivity",
    "standardized_risk_plot": "bmecohort.plots.risks",
    "plot_style": "bmecohort.plots",
    "build_report": "bmecohort.report",
    "table_one": "bmecohort.report",
    "export_table": "bmecohort.report",
    # power
    "power": "bmecohort.power_analysis",
    "PowerResult": "bmecohort.power_analysis",
    # results and errors
    "Accounting": "bmecohort.results",
    "CohortValidationError": "bmecohort.exceptions",
    "AnalysisInputError": "bmecohort.exceptions",
    "OutputPathError": "bmecohort.exceptions",
    "SmallCellWarning": "bmecohort.exceptions",
    "SeparationWarning": "bmecohort.exceptions",
    "ConvergenceWarning": "bmecohort.exceptions",
    "DataQualityWarning": "bmecohort.exceptions",
}

# subpackages reachable as attributes (bmecohort.simulate.knee_cohort, ...)
_SUBMODULES: tuple[str, ...] = (
    "scoring",
    "schemas",
    "simulate",
    "plots",
    "estimators",
    "designs",
    "course",
    "io",
    "report",
    "reproduce",
    "power_analysis",
)

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'bmecohort' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
