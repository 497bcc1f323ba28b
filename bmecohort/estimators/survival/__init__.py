"""Survival: time to a lesion event from visit data, Kaplan-Meier, Cox (with clustered
errors), interval-censored fits and Aalen-Johansen cumulative incidence."""

from .curves import (
    CoxResult,
    CumulativeIncidenceResult,
    KaplanMeierResult,
    aalen_johansen,
    cox,
    kaplan_meier,
)
from .event_times import time_to_event
from .interval_fits import IntervalCensoredResult, interval_censored

__all__ = [
    "CoxResult",
    "CumulativeIncidenceResult",
    "IntervalCensoredResult",
    "KaplanMeierResult",
    "aalen_johansen",
    "cox",
    "interval_censored",
    "kaplan_meier",
    "time_to_event",
]
