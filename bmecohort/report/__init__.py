"""The reproducible PDF report: ``build_report(cohort, out=...)``.

Sections are built from the cohort by the package's own analyses (``course``,
``estimators``, ``designs``), tables are typeset as Typst text and figures as SVG from
:mod:`bmecohort.plots`; Typst (the PyPI ``typst`` package, its embedded fonts only) makes the
PDF, the same bytes for the same inputs. Small counts can be suppressed for data agreements.
"""

from __future__ import annotations

from .build import DEFAULT_SEED, DEFAULT_SUPPRESS_BELOW, SECTIONS, build_report, report_source
from .document import Figure, Paragraph, ReportTable, Section, suppress_counts, typst_string
from .export import export_table
from .figures import svg_bytes
from .provenance import versions
from .table_one import baseline_characteristics, table_one
from .tables import effect_table, estimate_table, flow_table

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_SUPPRESS_BELOW",
    "SECTIONS",
    "Figure",
    "Paragraph",
    "ReportTable",
    "Section",
    "baseline_characteristics",
    "build_report",
    "effect_table",
    "estimate_table",
    "export_table",
    "flow_table",
    "report_source",
    "suppress_counts",
    "svg_bytes",
    "table_one",
    "typst_string",
    "versions",
]
