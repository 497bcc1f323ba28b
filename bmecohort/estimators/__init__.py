"""Estimators: occurrence (proportions, incidence, resolution, rates), association (odds,
risk and rate ratios; stratified; logistic, GEE and conditional logistic regression) and
survival (Kaplan-Meier, Cox, interval-censored, Aalen-Johansen).

Each module wraps the field's libraries (statsmodels, scipy, lifelines) and returns frozen
result objects from :mod:`bmecohort.results`.
"""
