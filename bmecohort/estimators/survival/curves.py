"""Former home of the right-censored curves and Cox model, kept so old imports still work.

:func:`kaplan_meier` now lives in :mod:`.kaplan_meier`, :func:`cox` in :mod:`.cox` and
:func:`aalen_johansen` in :mod:`.competing`; import them from there or from ``bmecohort``.
"""

from .competing import CumulativeIncidenceResult, aalen_johansen
from .cox import CoxResult, cox
from .kaplan_meier import KaplanMeierResult, kaplan_meier

__all__ = [
    "CoxResult",
    "CumulativeIncidenceResult",
    "KaplanMeierResult",
    "aalen_johansen",
    "cox",
    "kaplan_meier",
]
