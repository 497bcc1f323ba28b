"""Small-cell protection for every number the report prints that may count persons or units.

Two tools, used everywhere in the report:

- :func:`count_text` formats a count the report computes itself (table cells, notes): a count
  from 1 to ``k - 1`` becomes ``"<k"``.
- :func:`redact` cleans free text the report did not write: reasons an analysis could not
  run, warnings of the estimators (model messages), design notes, exclusion reasons and data-
  quality warnings. Any whole number from 1 to ``k - 1`` in it becomes ``"<k"``, except where
  it is plainly not a count: a threshold (``>= 1``), a visit or month (``month 4``), a term
  label (``bml_size[2]``), part of a decimal, an identifier or a percentage. Over-suppression
  of such text is the safe error.

:func:`active` makes the threshold of the report being built available to
:func:`~bmecohort.report._context.attempt`, which redacts every reason and caveat it
collects, so no section can forget to.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar

from .._format import format_count

__all__ = ["active", "count_text", "current", "redact"]

_ACTIVE: ContextVar[int | None] = ContextVar("bmecohort_report_suppress_below", default=None)

#: A whole number standing alone: not part of a word, decimal, term label or percentage.
_NUMBER = re.compile(r"(?<![\w.\[\-+])\d+(?![\w.%\]])")
#: Text just before a number that says the number is not a count.
_NOT_A_COUNT = re.compile(
    r"(?:\b(?:months?|visits?)(?: of)?[\s(]*(?:[\d.]+,\s*)*|\bgrades?|\bscores?|\blevels?"
    r"|\bcategor(?:y|ies)|\bTable|\(0 and|[<>]=?|==|!=)\s*$",
    re.IGNORECASE)


def count_text(value: object, suppress_below: int | None) -> str:
    """A count as text, ``"<k"`` when ``0 < value < k`` (see :func:`format_count`).

    Examples
    --------
    >>> count_text(3, 5), count_text(0, 5), count_text(7, 5), count_text(3, None)
    ('<5', '0', '7', '3')
    """
    return format_count(value, suppress_below)


def redact(text: str, suppress_below: int | None) -> str:
    """``text`` with every whole number from 1 to ``suppress_below - 1`` shown as ``"<k"``.

    Parameters
    ----------
    text : str
        Free text from an analysis or the data (a reason, a warning, a note).
    suppress_below : int or None
        The threshold ``k``; None returns ``text`` unchanged.

    Returns
    -------
    str
        The text with small counts replaced; thresholds (``>= 1``), visits and months
        (``month 4``), term labels (``x[2]``), decimals, identifiers and percentages are
        kept.

    Examples
    --------
    >>> redact("progression: 2 events among 2 complete rows", 5)
    'progression: <5 events among <5 complete rows'
    >>> redact("got events=3, n=4", 5)
    'got events=<5, n=<5'
    >>> redact("{'unexposed_cases': 1, 'unexposed_noncases': 12} at month 4", 5)
    "{'unexposed_cases': <5, 'unexposed_noncases': 12} at month 4"
    >>> redact("score >= 1 in bml_size[3]; 0.5; 2x2; 3%; P003", 5)
    'score >= 1 in bml_size[3]; 0.5; 2x2; 3%; P003'
    >>> redact("present at every visit of (0, 4, 12); 3 bones", 5)
    'present at every visit of (0, 4, 12); <5 bones'
    """
    if suppress_below is None or not text:
        return text

    def replace(match: re.Match[str]) -> str:
        value = int(match.group())
        if not 0 < value < suppress_below:
            return match.group()
        if _NOT_A_COUNT.search(text[max(0, match.start() - 24):match.start()]):
            return match.group()
        return f"<{suppress_below}"

    return _NUMBER.sub(replace, text)


def current() -> int | None:
    """The threshold of the report being built (None outside :func:`active`)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def active(suppress_below: int | None) -> Iterator[None]:
    """Make ``suppress_below`` the threshold of :func:`current` inside the block."""
    token = _ACTIVE.set(suppress_below)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
