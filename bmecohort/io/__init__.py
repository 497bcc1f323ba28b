"""Reading and writing cohorts: folders of table files, and the OAI MOAKS importer.

- :func:`load_cohort` reads a folder of ``<table>.csv`` / ``<table>.parquet`` files (or SAS,
  Stata and SPSS files, :mod:`.statfiles`) and
  validates it into a :class:`~bmecohort.Cohort`; :func:`read_tables` reads without
  validating; :func:`write_cohort` writes a cohort back, one file per table.
- :func:`read_oai_moaks` turns OAI-style wide MOAKS files into the long ``lesion_reads``
  table.

In every validation failure raised here, ``row`` is the 0-based data row of the file; in a
CSV file the line to edit is ``row + 2`` (line 1 is the header), given as ``line``.
"""

from __future__ import annotations

from .folder import load_cohort, read_tables, table_files, write_cohort
from .oai import parse_oai_codes, read_oai_moaks

__all__ = [
    "load_cohort",
    "parse_oai_codes",
    "read_oai_moaks",
    "read_tables",
    "table_files",
    "write_cohort",
]
