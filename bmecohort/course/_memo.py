"""Reuse of lesion statuses within one report, where the cohort does not change.

A report builds the status of the same units many times (Table 1, the lesion course, each
design of Table 2, loss to follow-up, ...): on 50,000 participants each build takes about
half a second. Inside :func:`memoized`, :func:`bmecohort.lesion_status` returns the result
already built for the same cohort object and options, and issues again the warnings the
first build issued, so that every analysis still records its caveats. Outside it nothing
is cached (a user may rebuild a status after changing a table's frame).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["lookup", "memoized"]

T = TypeVar("T")
#: (id of the cohort, options) -> (cohort, result, warnings issued) while a memo is active
_MEMO: ContextVar[dict[Any, tuple[Any, Any, tuple[warnings.WarningMessage, ...]]] | None] = (
    ContextVar("bmecohort_status_memo", default=None))


@contextmanager
def memoized() -> Iterator[None]:
    """Within the block, equal lesion-status requests on one cohort are built once."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def active() -> bool:
    """Whether a memo is active (inside :func:`memoized`)."""
    return _MEMO.get() is not None


def lookup(cohort: Any, compute: Callable[..., T], options: dict[str, Any]) -> T:
    """``compute(cohort, **options)``, built once per cohort and options in the active memo
    (built every time when none is active or an option cannot be a key)."""
    memo = _MEMO.get()
    try:
        key = (id(cohort), tuple((k, type(v), v) for k, v in sorted(options.items())))
        hash(key)
    except TypeError:
        key = None
    if memo is None or key is None:
        return compute(cohort, **options)
    hit = memo.get(key)
    if hit is None or hit[0] is not cohort:
        token = _MEMO.set(None)  # the build itself runs uncached
        error: Exception | None = None
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    value = compute(cohort, **options)
                except Exception as err:  # issued with its warnings, outside the recording
                    error = err
        finally:
            _MEMO.reset(token)
        if error is not None:
            _reissue(caught)
            raise error
        hit = (cohort, value, tuple(caught))
        memo[key] = hit
    _reissue(hit[2])
    return hit[1]


def _reissue(caught: Any) -> None:
    for item in caught:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno,
                               source=item.source)
