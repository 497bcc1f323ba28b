"""``bmecohort power``: simulation-based power of a lesion-cohort design, as a table."""

from __future__ import annotations

import argparse
import ast
import sys
from typing import Any

from ._common import UsageError, print_json, warnings_to_stderr, write_csv

__all__ = ["register", "run"]

_DESIGNS = ("knee_pain", "knee_progression", "syndesmophytes", "erosive_progression")

_DESCRIPTION = """\
Simulate cohorts at a true effect (an odds ratio), analyse each replicate as the design does
and print, for every sample size, the power (share of replicates with p < alpha), its 95%
Monte Carlo interval, the coverage of the true effect by the replicates' intervals and the
mean and median estimates. Results are identical for a seed whatever --jobs is.

Designs (n counts participants enrolled):
  knee_pain            incident BML and incident knee pain, knees in persons (pain_or)
  knee_progression     medial BML and medial JSN progression, adjusted for alignment
                       (jsn_adjusted_or)
  syndesmophytes       corner inflammation and fat and new syndesmophytes (both_or)
  erosive_progression  BME and erosive progression of a bone (BME odds ratio)

Example:
  bmecohort power --design knee_pain --effect 2 --n 200 400 800 --replicates 200 --seed 1"""


def _option(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    if not key.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE with KEY an option name, got "
                                         f"{text!r}")
    try:
        parsed: Any = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        parsed = value  # a bare word, e.g. knees=one
    return key.strip(), parsed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``power`` command."""
    parser = subparsers.add_parser(
        "power", help="simulation-based power of a design over sample sizes",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--design", required=True, choices=_DESIGNS, help="built-in design")
    parser.add_argument("--effect", required=True, type=float,
                        help="true effect simulated (odds ratio)")
    parser.add_argument("--n", required=True, type=int, nargs="+", metavar="N",
                        help="sample sizes (participants)")
    parser.add_argument("--replicates", type=int, default=200,
                        help="replicates per sample size (default: 200)")
    parser.add_argument("--seed", type=int, required=True, help="seed of the analysis")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="parallel workers (default: 1; -1: every core)")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="significance level (default: 0.05)")
    parser.add_argument("--set", type=_option, action="append", default=[],
                        metavar="KEY=VALUE", dest="options",
                        help="design option, e.g. --set dropout=0.1 --set knees=one "
                             "(repeatable)")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bar on standard error (default: when a terminal)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the power analysis and print its table."""
    from ..exceptions import BmecohortError
    from ..power_analysis import power

    if args.replicates < 1:
        raise UsageError("--replicates must be at least 1")
    options = dict(args.options)
    try:
        with warnings_to_stderr():
            result = power(args.design, effect=args.effect, n_grid=args.n,
                           replicates=args.replicates, seed=args.seed, n_jobs=args.jobs,
                           alpha=args.alpha, progress=args.progress, **options)
    except BmecohortError:
        raise
    except (TypeError, ValueError) as err:
        if not options:
            raise
        # the simulators check their options with plain ValueError/TypeError
        given = " ".join(f"--set {k}={v!r}" for k, v in options.items())
        raise UsageError(f"a design option was refused ({given}): {err}") from err
    table = result.summary()
    if args.format == "csv":
        write_csv(table, sys.stdout)
    elif args.format == "json":
        print_json({"design": result.design, "effect": result.effect, "alpha": result.alpha,
                    "seed": result.seed, "method": result.method,
                    "options": {k: repr(v) if not isinstance(v, (int, float, str, bool))
                                else v for k, v in (result.options or {}).items()},
                    "rows": table.astype(object).to_dict(orient="records")})
    else:
        print(result.to_text())
        needed = result.required_n(0.8)
        reached = f"first reached at n = {needed}" if needed is not None else \
            "not reached on this grid"
        print(f"\n80% power: {reached}")
    return 0
