"""Every error and warning class bmecohort raises, in one place.

Errors subclass the built-in they refine (so ``except ValueError`` still works); warnings
subclass :class:`BmecohortWarning`, which the test-suite turns into errors so that none goes
unnoticed. Warnings are always issued with ``stacklevel=2`` or deeper, pointing at user code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "AnalysisInputError",
    "BmecohortError",
    "BmecohortWarning",
    "CohortValidationError",
    "ConvergenceWarning",
    "DataQualityWarning",
    "OutputPathError",
    "SeparationWarning",
    "SmallCellWarning",
]


class BmecohortError(Exception):
    """Base class of bmecohort's errors."""


class CohortValidationError(BmecohortError, ValueError):
    """Cohort tables break one or more rules; every failure is listed at once.

    Attributes
    ----------
    failure_cases : pandas.DataFrame
        One row per failure with the columns ``table, column, row, value, rule``: the table,
        the column, the row label in the user's frame (``None`` for table-level rules), the
        offending value and the rule that was broken.
    """

    def __init__(self, message: str, failure_cases: pd.DataFrame) -> None:
        super().__init__(message)
        self.failure_cases = failure_cases


class AnalysisInputError(BmecohortError, ValueError):
    """An analysis was given data it cannot use (missing column, non-binary exposure, ...)."""


class OutputPathError(BmecohortError, ValueError):
    """An output path would overwrite an input, or a folder holds files bmecohort did not
    make (nothing is written or deleted then)."""


class BmecohortWarning(UserWarning):
    """Base class of bmecohort's warnings."""


class SmallCellWarning(BmecohortWarning, RuntimeWarning):
    """A table has sparse or zero cells; large-sample intervals may be unreliable."""


class SeparationWarning(BmecohortWarning, RuntimeWarning):
    """A regression shows (quasi-)complete separation; estimates are infinite or unstable."""


class ConvergenceWarning(BmecohortWarning, RuntimeWarning):
    """An iterative fit did not converge; its estimates should not be trusted."""


class DataQualityWarning(BmecohortWarning):
    """Valid but suspicious data (a soft rule, e.g. KL grade inconsistent with JSN)."""
