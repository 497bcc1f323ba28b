"""``bmecohort validate PATH``: check a cohort folder and report every problem."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import UsageError, existing_folder, print_json, warnings_to_stderr, write_csv

__all__ = ["register", "run"]

_DESCRIPTION = """\
Read a cohort folder (participants.csv, visits.csv and any optional tables, as CSV,
Parquet, SAS .sas7bdat/.xpt, Stata .dta or SPSS .sav) and check every table and every rule
between tables.

Exit status: 0 when the cohort is valid, 1 when anything fails, 2 on usage errors. The
report goes to standard output; warnings (e.g. files that are not tables) to standard error.
With --format csv, a cell that a spreadsheet would run as a formula (text starting with =, +,
-, @) is written with a leading ' ; --format json writes NaN as null and infinities as
"inf"/"-inf" (valid JSON).
In the report, 'row' is the 0-based data row of a file; in a CSV file the line to edit is
row + 2 (line 1 is the header), shown as 'line'; in a SAS, Stata or SPSS file the
observation number is row + 1."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` command."""
    parser = subparsers.add_parser(
        "validate", help="check a cohort folder and report every problem",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", metavar="PATH", help="folder holding the table files")
    parser.add_argument("--allow-within-grade", action="store_true",
                        help="accept half grades (within-grade change codes) for the items "
                             "that define them, e.g. MOAKS BML size")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                        help="report format (default: text); csv and json list one failure "
                             "per row")
    parser.add_argument("--max-rows", type=int, default=10, metavar="N",
                        help="text format: rows shown per group of failures (default: 10; "
                             "0 shows all)")
    parser.set_defaults(run=run)


def _records(frame: Any) -> list[dict[str, Any]]:
    return frame.astype(object).to_dict(orient="records")


def _text_failures(cases: Any, max_rows: int) -> str:
    from ..validation._failures import render

    # Show each row with its CSV line, so the report points at the line to edit.
    has_line = cases["line"].notna()
    shown = cases.assign(row=[f"{row} (line {line})" if ok else row for row, line, ok in
                              zip(cases["row"], cases["line"], has_line, strict=True)])
    text = render(shown, max_rows=max_rows if max_rows > 0 else len(cases) + 1)
    return text.replace("see CohortValidationError.failure_cases for the full table",
                        "--format csv lists one failure per row")


def run(args: argparse.Namespace) -> int:
    """Validate ``args.path``; print the report; 0 when valid, 1 otherwise."""
    import pandas as pd

    from ..exceptions import CohortValidationError
    from ..io import load_cohort

    if args.max_rows < 0:
        raise UsageError("--max-rows must be 0 (all) or more")
    folder = existing_folder(args.path)
    cohort = None
    cases = None
    with warnings_to_stderr():
        try:
            cohort = load_cohort(folder, allow_within_grade=args.allow_within_grade)
        except CohortValidationError as err:
            cases = err.failure_cases
    columns = ["table", "column", "row", "line", "file", "value", "rule"]
    if cases is None:
        cases = pd.DataFrame(columns=columns)
    cases = cases.reindex(columns=columns)
    valid = cohort is not None
    if args.format == "csv":
        write_csv(cases, sys.stdout)
    elif args.format == "json":
        report = {"path": str(folder), "valid": valid,
                  "allow_within_grade": bool(args.allow_within_grade),
                  "tables": _records(cohort.summary()) if cohort is not None else [],
                  "failures": _records(cases)}
        print_json(report)
    elif cohort is not None:
        summary = cohort.summary()
        print(f"valid: {folder} ({len(cohort.participants)} participants, "
              f"{len(summary)} tables)")
        print(summary.to_string(index=False))
    else:
        print(f"invalid: {folder}")
        print(_text_failures(cases, args.max_rows))
    return 0 if valid else 1
