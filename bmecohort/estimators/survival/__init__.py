"""Survival: time to a lesion event from visit data, Kaplan-Meier, Cox (with clustered
errors), interval-censored fits and Aalen-Johansen cumulative incidence."""

from .competing import CumulativeIncidenceResult, aalen_johansen
from .cox import CoxResult, cox
from .event_times import time_to_event
from .interval_fits import IntervalCensoredResult, interval_censored
from .kaplan_meier import KaplanMeierResult, kaplan_meier

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
