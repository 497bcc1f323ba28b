"""Shared fixtures: headless matplotlib; tiny hand-computable cohorts."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
