"""Run report sections in forked worker processes, one section (or part of one) per task.

The sections after Table 1 are independent: each reads the cohort and the results cached
before it (the knee lesion status, the readers) and writes nothing another reads. Forked
workers share the parent's cohort without copying or pickling it; a section comes back
pickled, with the results it ran reduced to their accountings (what the participant flow
reads: statsmodels fits do not pickle) and the warnings it issued, issued again here.

A long section can be a :class:`Parts`: independent parts (Table 2's designs, the
imputation models of loss to follow-up), each a task of its own, whose picklable values a
cheap ``combine`` turns into the section. Called directly it runs the parts one after the
other and combines them the same way, so one process and several build the same section.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from ..results import Accounting
from ._context import Context
from .document import Section

__all__ = ["Parts", "default_jobs", "run_parallel"]

#: What a worker runs: set in the parent before the workers are forked (never pickled).
_TASKS: tuple[Context, Sequence[Callable[[Context], Any]]] | None = None


@dataclass(frozen=True)
class Parts:
    """A section built from independent parts: ``combine(ctx, [part(ctx) for part in parts])``.

    Each part returns a picklable value (no statsmodels fit: reduce results to what the
    section shows and the participant flow reads); ``combine`` only assembles them, as it
    runs in the parent process after the workers.
    """

    parts: tuple[Callable[[Context], Any], ...]
    combine: Callable[[Context, list[Any]], Section]

    def __call__(self, ctx: Context) -> Section:
        return self.combine(ctx, [part(ctx) for part in self.parts])


@dataclass(frozen=True)
class Accounted:
    """What the participant flow reads of a result: its accounting and its analyses'."""

    accounting: Accounting | None
    results: Mapping[str, Accounted] = field(default_factory=dict)


def default_jobs() -> int:
    """Worker processes for the sections: on Linux the cores this process may use (at most
    4); elsewhere 1, as forking is unsafe on macOS and absent on Windows."""
    if not sys.platform.startswith("linux"):  # pragma: no cover - CI runs on Linux
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def _accounted(result: Any) -> Accounted:
    own = getattr(result, "accounting", None)
    inner = getattr(result, "results", None)
    inner = inner if isinstance(inner, Mapping) else {}
    return Accounted(
        accounting=own if isinstance(own, Accounting) else None,
        results={str(name): Accounted(getattr(sub, "accounting", None)
                                      if isinstance(getattr(sub, "accounting", None),
                                                    Accounting) else None)
                 for name, sub in inner.items()})


def _run(index: int) -> tuple[Any, list[tuple[Any, type[Warning], str, int]]]:
    assert _TASKS is not None
    ctx, builders = _TASKS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = builders[index](ctx)
    if isinstance(value, Section):
        value = replace(value, results=tuple((label, _accounted(res))
                                             for label, res in value.results))
    return value, [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def run_parallel(ctx: Context, builders: Sequence[Callable[[Context], Any]], jobs: int,
                 order: Sequence[int] | None = None) -> list[Any]:
    """``[builder(ctx) for builder in builders]`` across ``jobs`` forked processes.

    A builder returns a :class:`~bmecohort.report.document.Section` (its results are
    reduced to their accountings) or a picklable value (a part of a :class:`Parts`).
    ``order``: the order the tasks are handed out (the longest first balances the
    workers); the values are returned in the order of ``builders``. Falls back to this
    process where fork is unavailable.
    """
    global _TASKS
    if jobs < 2 or len(builders) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [builder(ctx) for builder in builders]
    order = list(order) if order is not None else list(range(len(builders)))
    _TASKS = (ctx, builders)
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a process with threads (the BLAS's idle ones)
            # may deadlock; the workers only run the sections' Python and one-thread BLAS
            warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks",
                                    category=DeprecationWarning)
            with ProcessPoolExecutor(max_workers=min(jobs, len(builders)),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                futures = {i: pool.submit(_run, i) for i in order}
                done = {i: future.result() for i, future in futures.items()}
    finally:
        _TASKS = None
    out = []
    for i in range(len(builders)):
        section, caught = done[i]
        for message, category, filename, lineno in caught:
            warnings.warn_explicit(message, category, filename, lineno)
        out.append(section)
    return out
