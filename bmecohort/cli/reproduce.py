"""``bmecohort reproduce``: recompute every published statistic of the source documents."""

from __future__ import annotations

import argparse
import sys

from ._common import UsageError, existing_folder, warnings_to_stderr

__all__ = ["register", "run"]

_DESCRIPTION = """\
Run every analysis in analyses/ (one per published statistic) and write
OUT/reproductions.csv (full precision) and OUT/reproductions.md. Each row has one basis:
"recomputed from published counts" (matched or not at the printed precision; the headline
counts only these), "design check on simulated data" (the published design simulated with
an assumed truth: coverage of the published value, bias, median p, dropped replicates and
the interval width ratio; never matched, as it checks the estimator, not the paper's data)
or "not reproducible" (with the reason).

The full run stores its design checks in OUT/design_checks.csv with a manifest
(OUT/design_checks.json: when, from which code version and from which inputs they were
built). With --stored the rows from published counts are recomputed and the design checks
are taken from that store, in seconds; OUT/reproductions.json then says when they were
built and whether the analyses or package modules they use have changed since.

Examples:
  bmecohort reproduce --out reports --jobs 2      # full run (minutes)
  bmecohort reproduce --out reports --stored      # stored design checks (seconds)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reproduce`` command."""
    parser = subparsers.add_parser(
        "reproduce", help="recompute the source documents' statistics (published vs "
                          "reproduced table)",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="reports", metavar="DIR",
                        help="folder for reproductions.csv and reproductions.md (default: "
                             "reports)")
    parser.add_argument("--quick", action="store_true",
                        help="small settings (few replicates): seconds instead of minutes")
    parser.add_argument("--analyses", metavar="DIR", default=None,
                        help="folder of the analyses (default: ./analyses, else the source "
                             "checkout's)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="analyses run in parallel (default: 1; -1: every core); the "
                             "table does not depend on it")
    parser.add_argument("--stored", action="store_true",
                        help="take the design checks from OUT/design_checks.csv (the last "
                             "full run) instead of running them; rows from published counts "
                             "are recomputed")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="one line per finished analysis on standard error (default: "
                             "when a terminal)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the analyses, write the two reports and print their paths."""
    from ..reproduce import reproduce

    if args.jobs == 0 or args.jobs < -1:
        raise UsageError("--jobs must be a positive number or -1")
    if args.stored and args.quick:
        raise UsageError("--stored takes the full run's design checks; --quick computes its "
                         "own: give one of them")
    directory = existing_folder(args.analyses) if args.analyses is not None else None
    show = sys.stderr.isatty() if args.progress is None else args.progress

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with warnings_to_stderr():
        csv, md = reproduce(args.out, directory=directory, quick=args.quick,
                            n_jobs=args.jobs, progress=progress if show else None,
                            stored=args.stored)
    print(csv)
    print(md)
    return 0
