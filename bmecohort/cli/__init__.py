"""The ``bmecohort`` command line: a thin shell over the library.

Each command lives in its own module of this package, exposing ``register(subparsers)``,
which adds its parser and sets ``run=`` to a function ``run(args) -> int``. Adding a command
is one line: its module name in :data:`COMMANDS`.

Exit codes: 0 success; 1 the command ran and found problems (e.g. an invalid cohort) or an
expected error occurred (message on standard error, no traceback); 2 usage errors
(argparse's convention); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), each with one
line on standard error (files being written are left as they were: every writer renames a
finished temporary file into place). Reports go to standard output, errors and warnings to standard
error. Modules import the heavy libraries inside ``run`` so that ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from ._common import UsageError

__all__ = ["COMMANDS", "build_parser", "main"]

#: Command modules, in the order ``bmecohort --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "simulate",
    "validate",
    "report",
    "reproduce",
    "power",
    "schemas",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with one subcommand per module in :data:`COMMANDS`."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="bmecohort",
        description="Longitudinal cohort analytics of MRI bone marrow lesions.",
        epilog="Run 'bmecohort COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"bmecohort {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM, so that ``finally`` blocks and the atomic
    writers clean up as they do for Ctrl-C."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` inside the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (the console script exits with it).

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name; ``sys.argv[1:]`` when ``None``.
    """
    command = "bmecohort"
    try:
        with _sigterm_raises():
            parser = build_parser()
            args = parser.parse_args(argv)
            if getattr(args, "run", None) is None:
                parser.print_help(sys.stderr)
                return 2
            command = f"bmecohort {args.command}"
            return _run(args)
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"{command}: terminated", file=sys.stderr)
        return 143


def _run(args: argparse.Namespace) -> int:
    """Run the command; expected errors become one line on standard error."""
    from ..exceptions import BmecohortError

    try:
        return int(args.run(args))
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): stop quietly.
        sys.stdout = open(os.devnull, "w")  # silences the failing flush at exit
        return 1
    except UsageError as err:
        print(f"bmecohort {args.command}: error: {err}", file=sys.stderr)
        return 2
    except (BmecohortError, OSError) as err:
        print(f"bmecohort {args.command}: error: {err}", file=sys.stderr)
        return 1
