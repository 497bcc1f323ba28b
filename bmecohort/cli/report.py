"""``bmecohort report``: the reproducible PDF report of a cohort (the demo by default)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Literal

from ._common import UsageError, existing_folder, warnings_to_stderr

__all__ = ["register", "run"]

_DESCRIPTION = """\
Build the PDF report of a cohort: provenance, participant flow, Table 1, lesion course,
time-to-event curves, Table 2 of effect estimates with forest plots, pain course, BMES vs
avascular necrosis, reader reliability (when lesions were read twice), loss to follow-up,
BML score trajectories, the lesions' natural history, and the reproduction table
(reports/reproductions.csv) when it exists.

Without --data the report is built from the simulated demo cohort (--seed). With --data,
counts below 5 are shown as "<5" everywhere in the PDF: tables, notes, the provenance,
reasons an analysis was skipped and model messages (small-cell protection, as cohort data
agreements require); change the threshold with --suppress-below or turn it off with
--no-suppress. The same inputs give a byte-identical PDF.

Nothing is overwritten that the report did not make: --out may not be an input file, and a
--build-dir holding files of its own is refused. Ctrl-C exits with 130, SIGTERM with 143,
leaving any earlier PDF as it was."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report", help="build the PDF report of a cohort (the demo cohort by default)",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", metavar="PATH",
                        help="cohort folder (participants.csv, visits.csv, ...); default: "
                             "the simulated demo cohort")
    parser.add_argument("--out", metavar="FILE", default="reports/bmecohort_report.pdf",
                        help="PDF to write; never one of the input files (default: "
                             "reports/bmecohort_report.pdf)")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="seed of the demo cohort (default: the simulator's; not used "
                             "with --data)")
    suppress = parser.add_mutually_exclusive_group()
    suppress.add_argument("--suppress-below", type=int, default=None, metavar="K",
                          help="show counts from 1 to K-1 as '<K' (default: 5 with --data, "
                               "off for the demo)")
    suppress.add_argument("--no-suppress", action="store_true",
                          help="show every count (no small-cell protection)")
    parser.add_argument("--reproductions", metavar="CSV",
                        default="reports/reproductions.csv",
                        help="reproduction table to include when it exists (default: "
                             "reports/reproductions.csv)")
    parser.add_argument("--build-dir", metavar="DIR", default=None,
                        help="keep the Typst sources and SVG figures in DIR: a new or empty "
                             "folder, or one an earlier report built (its files are "
                             "replaced); a folder holding anything else is refused "
                             "(default: a private temporary folder)")
    parser.add_argument("--tables-dir", metavar="DIR", default=None,
                        help="also write every table (Table 1, Table 2, ...) as DOCX, XLSX "
                             "and LaTeX into DIR, suppressed as in the PDF; DIR must be new, "
                             "empty or an earlier export (needs bmecohort[tables])")
    parser.add_argument("--reader", metavar="POLICY", default=None,
                        help="reader or reader policy of every lesion analysis: a reader's "
                             "label, or first, mean, max, adjudicated (default: the single "
                             "reader; 'adjudicated' when lesion_reads has several: an "
                             "adjudicating or consensus read wins, elsewhere the first "
                             "reader in label order); recorded in the provenance")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="processes the sections run in (default: the cores available, "
                             "at most 4; 1: one process); the PDF is the same either way")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (it is shown only on a terminal anyway)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the report; print the path written; 0 on success."""
    from ..report import build_report
    from ..report.build import DEFAULT_SEED

    if args.suppress_below is not None and args.suppress_below < 2:
        raise UsageError("--suppress-below must be 2 or more (or use --no-suppress)")
    if args.data is not None and args.seed is not None:
        raise UsageError("--seed applies to the demo cohort only; drop it with --data")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    data = existing_folder(args.data) if args.data is not None else None
    if args.no_suppress:
        suppress: int | Literal["auto"] | None = None
    elif args.suppress_below is not None:
        suppress = args.suppress_below
    else:
        suppress = "auto"
    with warnings_to_stderr():
        out = build_report(out=Path(args.out), data=data,
                           seed=args.seed if args.seed is not None else DEFAULT_SEED,
                           suppress_below=suppress, reproductions=args.reproductions,
                           build_dir=args.build_dir, progress=not args.no_progress,
                           reader=args.reader, tables_dir=args.tables_dir, jobs=args.jobs)
    print(f"wrote {out}")
    return 0
