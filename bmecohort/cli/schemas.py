"""``bmecohort schemas``: write (or check) the data dictionary generated from the models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schemas`` command."""
    parser = subparsers.add_parser(
        "schemas", help="write the data dictionary (data_schemas/) from the table models",
        description="Write the data dictionary generated from bmecohort's table models and "
                    "scoring-system registry: a Markdown page per table, an index README.md "
                    "and machine-readable JSON. With --check, write nothing and exit 1 when "
                    "the folder differs from what the code generates.")
    parser.add_argument("--out", default="data_schemas", metavar="DIR",
                        help="folder to write into (default: data_schemas)")
    parser.add_argument("--check", action="store_true",
                        help="compare DIR with the generated files instead of writing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Write the data dictionary into ``args.out``, or check it with ``args.check``."""
    from ..datadict import REGENERATE, data_dictionary, write_data_dictionary

    out = Path(args.out)
    if not args.check:
        written = write_data_dictionary(out)
        print(f"wrote {len(written)} files to {out}")
        return 0
    stale = [name for name, text in data_dictionary().items()
             if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text]
    if stale:
        print(f"{out} is out of date ({', '.join(stale)}); regenerate it with "
              f"`{REGENERATE}`", file=sys.stderr)
        return 1
    print(f"{out} is up to date")
    return 0
