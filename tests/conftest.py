"""Shared fixtures: headless matplotlib; tiny hand-computable cohorts."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")


import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test leaves open, so that figure counts in later tests hold."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
