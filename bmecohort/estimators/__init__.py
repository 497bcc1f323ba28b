"""Estimators, one sub-package per stage of the data flow.

- :mod:`~bmecohort.estimators.occurrence`: proportions, incidence, resolution, rates;
- :mod:`~bmecohort.estimators.association`: odds, risk and rate ratios, risk differences,
  Mantel-Haenszel, 2x2 reconstruction;
- :mod:`~bmecohort.estimators.regression`: logistic (GLM, GEE, Firth), conditional logistic;
- :mod:`~bmecohort.estimators.survival`: time to event, Kaplan-Meier, Cox, interval-censored
  fits, Aalen-Johansen;
- :mod:`~bmecohort.estimators.sensitivity`: E-values, misclassification bias analysis,
  multiplicity-adjusted p-values.

Each module wraps the field's libraries (statsmodels, scipy, lifelines) and returns frozen
result objects from :mod:`bmecohort.results`. Sub-packages are imported on first use.
"""
