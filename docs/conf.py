"""Sphinx configuration of the bmecohort documentation (``make docs``; offline, -W)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import bmecohort  # noqa: E402

project = "bmecohort"
author = "bmecohort developers"
copyright = "bmecohort developers, BSD-3-Clause"
release = version = bmecohort.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/*.py", "examples/README.rst"]
# mathjax is served from the package's own copy when present, else MathJax's default URL
# (the HTML still builds offline; formulas render when the page is opened online)
html_theme = "pydata_sphinx_theme"
html_title = f"bmecohort {release}"
html_static_path = ["_static"]
html_theme_options = {"navigation_depth": 2, "show_toc_level": 2}
html_last_updated_fmt = None
suppress_warnings = ["config.cache"]

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r"plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1e9,
}
