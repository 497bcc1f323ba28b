"""What every section builder gets: the cohort, the options, shared results and caveats."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..cohort import Cohort
from ..exceptions import AnalysisInputError, BmecohortWarning

__all__ = ["Context", "attempt", "figure"]

T = TypeVar("T")


@dataclass
class Context:
    """Inputs of the section builders and the results they share.

    Parameters
    ----------
    cohort : Cohort
        The validated cohort.
    suppress_below : int or None
        Small-cell threshold for counts (None: off).
    reproductions : Path or None
        The reproduction table (CSV), when one is looked for.
    reader : str or None
        The reader or reader policy asked for (``bmecohort report --reader``); None: the
        default rule of :func:`~bmecohort.report.sections_followup.reader_policy`.
    cache : dict
        Results computed once and used by several sections (e.g. the knee lesion status).
    """

    cohort: Cohort
    suppress_below: int | None
    reproductions: Path | None = None
    reader: str | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def redact(self, text: object) -> str:
        """Free text from an analysis (a design note, a message) with small counts hidden."""
        from .smallcells import redact

        return redact(str(text), self.suppress_below)

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per report, by ``key``."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


def attempt(function: Callable[..., T], *args: Any, caveats: list[str], **kwargs: Any
            ) -> tuple[T | None, str | None]:
    """Run an analysis; return ``(result, None)`` or ``(None, reason)`` when the data cannot
    support it (an :class:`~bmecohort.exceptions.AnalysisInputError`).

    bmecohort warnings (sparse cells, separation, non-convergence, ...) are appended to
    ``caveats`` for the report to list instead of being printed; other warnings are issued
    again unchanged. Reasons and caveats quote counts, so both are passed through
    :func:`~bmecohort.report.smallcells.redact` under the report's threshold.

    An unexpected error of the analysis (a bug: it should have raised
    AnalysisInputError) does not stop the report: the analysis is reported as failed with
    the error, and a :class:`RuntimeWarning` says so, so the rest of the report is built.
    """
    from .smallcells import current, redact

    threshold = current()
    reason: str | None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = function(*args, **kwargs)
        except AnalysisInputError as err:
            value, reason = None, redact(str(err), threshold)
        except (ArithmeticError, LookupError, TypeError, ValueError) as err:
            name = getattr(function, "__name__", "the analysis")
            value, reason = None, redact(
                f"{name} failed unexpectedly ({type(err).__name__}: {err}); please report "
                f"this to bmecohort's issue tracker with the cohort's shape", threshold)
            warnings.warn(f"report: {reason}", RuntimeWarning, stacklevel=2)
        else:
            reason = None
    for item in caught:
        if issubclass(item.category, BmecohortWarning):
            message = redact(str(item.message), threshold)
            if message not in caveats:
                caveats.append(message)
        else:
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    return value, reason


def figure(name: str, draw: Callable[[], Any], caption: str, width: str = "100%") -> Any:
    """A report :class:`~bmecohort.report.document.Figure` from a plot call returning Axes."""
    from .document import Figure
    from .figures import svg_bytes

    ax = draw()
    return Figure(name=name, svg=svg_bytes(ax.figure), caption=caption, width=width)


def no_table(table: str, what: str) -> str:
    """The sentence a section shows when ``table`` is absent from the cohort."""
    return (f"The cohort has no {table} table, so {what} cannot be computed. Add "
            f"{table}.csv (or .parquet) to the data folder to include this section.")
