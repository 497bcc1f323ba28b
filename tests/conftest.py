"""Shared fixtures: headless matplotlib; tiny hand-computable cohorts.

Also what keeps the suite fast (``make test`` runs it on every core with pytest-xdist,
``-n auto --dist loadgroup``): tests that share a module- or session-scoped fixture run on
one worker, so that the fixture is built once; after collection, the imported modules are
frozen out of the cyclic garbage collector's reach.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import gc

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests that use a module- or session-scoped fixture of their module by
    module (pytest-xdist's ``--dist loadgroup``), so that the fixture is built on one worker
    instead of on each; other tests are spread one by one. Without xdist this is a no-op."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        shared = [defs[-1] for defs in info.name2fixturedefs.values()
                  if defs and defs[-1].scope in ("module", "session")
                  and defs[-1].baseid != ""]  # pytest's and plugins' own are cheap
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


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
