"""The 2x2 table, its validation and caveats, and the result classes of its measures.

Shared by :mod:`bmecohort.estimators.association.twobytwo` (count level),
:mod:`bmecohort.estimators.association.unit_level` (data level), :mod:`bmecohort.estimators.association.stratified`
and :mod:`bmecohort.estimators.association.reconstruct`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._checks import MAX_COUNT
from ...exceptions import AnalysisInputError
from ...results import Accounting, ScalarResult, result

__all__ = [
    "COUNT_NAMES",
    "MAX_COUNT",
    "OddsRatioResult",
    "RiskDifferenceResult",
    "RiskRatioResult",
    "TwoByTwoCounts",
    "TwoByTwoResult",
    "emit",
    "make_counts",
    "small_expected_message",
    "zero_cells",
]

#: The four cells, in table order (a, b, c, d).
COUNT_NAMES: tuple[str, ...] = (
    "exposed_cases",
    "exposed_noncases",
    "unexposed_cases",
    "unexposed_noncases",
)
#: Expected cell count below which large-sample methods get a caveat.
SMALL_EXPECTED = 5.0


@dataclass(frozen=True)
class TwoByTwoCounts:
    """The four cells of a 2x2 table (floats after a zero-cell correction).

    Parameters
    ----------
    exposed_cases, exposed_noncases, unexposed_cases, unexposed_noncases : float
        The cells ``a, b, c, d``.
    """

    exposed_cases: float
    exposed_noncases: float
    unexposed_cases: float
    unexposed_noncases: float

    @property
    def n_exposed(self) -> float:
        """Exposed units, ``a + b``."""
        return self.exposed_cases + self.exposed_noncases

    @property
    def n_unexposed(self) -> float:
        """Unexposed units, ``c + d``."""
        return self.unexposed_cases + self.unexposed_noncases

    @property
    def cases(self) -> float:
        """Cases, ``a + c``."""
        return self.exposed_cases + self.unexposed_cases

    @property
    def noncases(self) -> float:
        """Non-cases, ``b + d``."""
        return self.exposed_noncases + self.unexposed_noncases

    @property
    def total(self) -> float:
        """All units."""
        return self.n_exposed + self.n_unexposed

    def cells(self) -> tuple[float, float, float, float]:
        """``(a, b, c, d)``."""
        return (self.exposed_cases, self.exposed_noncases, self.unexposed_cases,
                self.unexposed_noncases)

    def to_array(self) -> np.ndarray:
        """The table as a 2x2 array ``[[a, b], [c, d]]``."""
        return np.array(self.cells(), dtype=float).reshape(2, 2)

    def expected(self) -> np.ndarray:
        """Expected cells under independence, ``row total * column total / total``."""
        # floats: products of margins overflow int64 beyond counts of about 3e9
        rows = np.array([self.n_exposed, self.n_unexposed], dtype=float)
        return np.outer(rows, np.array([self.cases, self.noncases], dtype=float)) / self.total

    def to_dict(self) -> dict[str, float]:
        """``{cell name: count}`` in table order."""
        return dict(zip(COUNT_NAMES, self.cells(), strict=True))

    def shifted(self, amount: float) -> TwoByTwoCounts:
        """The table with ``amount`` added to all four cells."""
        return TwoByTwoCounts(*(x + amount for x in self.cells()))


@result
class TwoByTwoResult(ScalarResult):
    """A measure of association from one 2x2 table.

    Attributes
    ----------
    term : str
        Label of the comparison (the exposure column, or ``"exposed vs unexposed"``).
    estimate, ci_lower, ci_upper : float
        Point estimate and confidence limits (``nan`` where the method is undefined, e.g.
        the Woolf interval with a zero cell).
    p_value : float
        The p-value that belongs to ``method`` (see ``p_values``).
    method : str
        How the interval was computed, e.g. ``"woolf"``, ``"katz-cluster-robust"``.
    alpha : float
        One minus the confidence level.
    zero_correction : str
        ``"none"`` or ``"haldane"`` (0.5 added to all four cells when a cell is 0).
    counts : TwoByTwoCounts
        The observed table.
    counts_used : TwoByTwoCounts
        The table the estimate was computed from (``counts`` plus any correction).
    p_values : mapping of str to float
        Every test computed: ``chi_square`` (Pearson, no continuity correction),
        ``fisher`` (two-sided), ``midp`` (two-sided mid-p exact).
    accounting : Accounting
        Rows in and used, events (cases), clusters, exclusions.
    warnings : tuple of str
        Statistical caveats (zero cells, small expected counts, ...).
    raw : object
        The library object: statsmodels ``Table2x2`` (also for ``exact`` and ``midp``, which
        are computed here) or the statsmodels GLM results (cluster-robust).
    """

    method: str
    alpha: float
    zero_correction: str
    counts: TwoByTwoCounts
    counts_used: TwoByTwoCounts
    p_values: Mapping[str, float]
    accounting: Accounting
    warnings: tuple[str, ...] = ()
    raw: Any = None

    #: Display name of the measure; subclasses override it.
    measure = "measure"

    def evalue(self, **options: Any) -> Any:
        """E-value for unmeasured confounding (:func:`bmecohort.evalue`; a risk difference uses the risk in the unexposed, an odds ratio the outcome's risk for the 15% rule)."""
        from ..sensitivity.evalue import evalue_of

        return evalue_of(self, **options)

    @property
    def title(self) -> str:
        return f"{self.measure[0].upper()}{self.measure[1:]}"


@result
class OddsRatioResult(TwoByTwoResult):
    """Odds ratio from a 2x2 table (see :class:`TwoByTwoResult` for the attributes)."""

    measure = "odds ratio"


@result
class RiskRatioResult(TwoByTwoResult):
    """Risk ratio from a 2x2 table (see :class:`TwoByTwoResult` for the attributes)."""

    measure = "risk ratio"


@result
class RiskDifferenceResult(TwoByTwoResult):
    """Risk difference from a 2x2 table (see :class:`TwoByTwoResult` for the attributes)."""

    measure = "risk difference"


# --- validation and caveats ------------------------------------------------------------------


def _is_count(value: Any) -> bool:
    """A whole number in ``[0, MAX_COUNT]`` (not a bool, a string or nan)."""
    if isinstance(value, bool | np.bool_) or not isinstance(
            value, int | float | np.integer | np.floating):
        return False
    number = float(value)  # python ints of any size convert (to inf beyond 1e308)
    return bool(np.isfinite(number) and 0 <= number <= MAX_COUNT and number.is_integer())


def make_counts(values: Mapping[str, Any], *, table: str = "counts") -> TwoByTwoCounts:
    """Validate four named counts (non-negative integers, no empty margin)."""
    bad = {name: values[name] for name in COUNT_NAMES if not _is_count(values[name])}
    if bad:
        raise AnalysisInputError(
            f"{table}: counts must be whole numbers from 0 to 2**53 (beyond it floating "
            f"point cannot hold them exactly); got "
            f"{', '.join(f'{k}={v!r}' for k, v in bad.items())}. Pass the observed counts "
            f"(use zero_correction='haldane' rather than adding 0.5 yourself)."
        )
    counts = TwoByTwoCounts(*(int(values[name]) for name in COUNT_NAMES))
    empty = [label for label, size in (("exposed", counts.n_exposed),
                                       ("unexposed", counts.n_unexposed),
                                       ("cases", counts.cases),
                                       ("non-cases", counts.noncases)) if size == 0]
    if empty:
        raise AnalysisInputError(
            f"{table}: the 2x2 table {counts.to_dict()} has no {' and no '.join(empty)}; "
            f"a measure of association needs both exposure groups and both outcomes. Check "
            f"the exposure and outcome coding and the rows selected."
        )
    return counts


def zero_cells(counts: TwoByTwoCounts) -> list[str]:
    """Names of the cells that are 0."""
    return [name for name, value in counts.to_dict().items() if value == 0]


def small_expected_message(counts: TwoByTwoCounts, table: str, advice: str) -> str | None:
    """A caveat when any expected cell is below 5 (chi-square and Wald-type intervals)."""
    expected = counts.expected().ravel()
    small = [f"{name} ({e:.2f})" for name, e in zip(COUNT_NAMES, expected, strict=True)
             if e < SMALL_EXPECTED]
    if not small:
        return None
    return (f"{table}: expected count below {SMALL_EXPECTED:g} in {', '.join(small)}; the "
            f"chi-square p-value and large-sample intervals are unreliable. {advice}")


def emit(messages: list[tuple[type[Warning], str]], stacklevel: int = 3) -> None:
    """Issue collected caveats; the default stacklevel points past the public function."""
    for category, message in messages:
        warnings.warn(message, category, stacklevel=stacklevel)
