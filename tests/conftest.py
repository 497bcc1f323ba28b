"""Shared fixtures: headless matplotlib; the demo report built once for the whole session.

Also what keeps the suite fast: ``make test`` runs it on every core with pytest-xdist
(``-n auto --dist loadfile``: a test file's tests run on one worker, so that its module
fixtures are built once), after collection the imported modules are frozen out of the
cyclic garbage collector's reach, and the report of the small demo cohort, which several
test files read, is built once per run and shared by the workers (:func:`demo_report`).
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze every object alive after collection (imported modules, parameter lists) out of
    the cyclic garbage collector's reach; behaviour is unchanged (frozen objects are still
    freed by reference counting).

    statsmodels' Holm adjustment (``multipletests(method="holm")``, about 20 calls in every
    report build) calls ``gc.collect()``, which walks every tracked object: with the suite's
    imports alive that was 0.2-0.5 s a call. The libraries the report imports lazily are
    imported here first so that they are frozen too (report and export tests: 17% less CPU).
    """
    import lifelines  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import statsmodels.api  # noqa: F401

    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test leaves open, so that figure counts in later tests hold."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")



@dataclass(frozen=True)
class DemoReport:
    """A report built once per test session; tests read its files and never write there."""

    data: Path  #: the cohort folder the report was built from
    pdf: Path
    source: Path  #: the build folder (Typst source ``main.typ`` and the SVG figures)
    tables: Path  #: the manuscript tables (``tables_dir``)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (one xdist worker at a time); without fcntl
    (Windows) each worker has its own folder (:func:`demo_report`), so no lock is needed."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - CI runs on Linux
        yield
        return
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    """The small demo cohort (seed 7) written to a folder, and its report built from that
    folder with the defaults for user data (small-cell suppression at 5), its sections in
    two forked workers (``jobs=2``), keeping its Typst sources (``build_dir``) and its
    tables (``tables_dir``).

    A build takes 5-10 s of CPU, and test_report (suppression, byte-identical rebuilds)
    and test_export (the tables) read the same one: the first xdist worker to ask builds it
    in the run's shared temporary folder under a file lock, the others wait and read it
    (two build workers, so that a waiting test worker's core is not left idle).
    """
    from bmecohort.io import write_cohort
    from bmecohort.report import build_report
    from bmecohort.simulate import demo_cohort

    base = tmp_path_factory.getbasetemp()
    shared = os.environ.get("PYTEST_XDIST_WORKER") is not None and os.name == "posix"
    root = (base.parent if shared else base) / "demo-report"
    root.mkdir(exist_ok=True)
    report = DemoReport(data=root / "data", pdf=root / "report.pdf", source=root / "src",
                        tables=root / "tables")
    done, failed = root / "done", root / "failed"
    with _locked(root / "lock"):
        if failed.is_file():  # not built twice: the first failure is the one to read
            pytest.fail(f"the shared demo report failed in another worker: {failed.read_text()}")
        if not done.is_file():
            try:
                write_cohort(demo_cohort(seed=7, size="small"), report.data)
                build_report(data=report.data, out=report.pdf, progress=False,
                             reproductions=None, build_dir=report.source,
                             tables_dir=report.tables, jobs=2)
            except Exception as err:
                failed.write_text(f"{type(err).__name__}: {err}")
                raise
            done.write_text("built\n")
    return report
