"""``bmecohort simulate KIND OUT`` (or ``--kind KIND --out OUT``): write a seeded synthetic cohort as a folder of tables."""

from __future__ import annotations

import argparse

from ._common import UsageError

__all__ = ["register", "run", "KINDS"]

#: kind -> (generator name in bmecohort.simulate, true_effects kind or None, default size)
KINDS: dict[str, tuple[str, str | None, int | None]] = {
    "demo": ("demo_cohort", None, None),
    "knee": ("knee_cohort", "knee", 500),
    "spine": ("spine_cohort", "spine", 100),
    "ra": ("ra_bone_cohort", "ra", 59),
    "hip": ("hip_cohort", "hip", 200),
    "hand": ("hand_oa_joints", "hand", 70),
}
_DEMO_PARTS = ("knee", "spine", "ra", "hip")

_DESCRIPTION = """\
Generate a synthetic cohort with known truth (bmecohort.simulate) and write its tables to
OUT as CSV or Parquet files that 'bmecohort validate' and bmecohort.io.load_cohort read.

KIND is demo (knee, spine, RA and hip participants in one cohort), knee, spine, ra, hip or
hand (a joint-level frame, written as hand_oa_joints.csv: there is no hand table). Every
generator runs with its published default effects; --truth FILE also writes the parameters
the data were drawn from (bmecohort.simulate.true_effects) to FILE, a CSV file (keep it
outside OUT: load_cohort warns about files in OUT that are not tables)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` command."""
    parser = subparsers.add_parser(
        "simulate", help="write a seeded synthetic cohort with known truth",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", nargs="?", choices=tuple(KINDS), metavar="KIND",
                        help=f"what to simulate: {', '.join(KINDS)} (or --kind)")
    parser.add_argument("out", nargs="?", metavar="OUT",
                        help="folder to write the tables into (or --out)")
    parser.add_argument("--kind", dest="kind_option", choices=tuple(KINDS), default=None,
                        help="the same as KIND")
    parser.add_argument("--out", dest="out_option", metavar="OUT", default=None,
                        help="the same as OUT")
    parser.add_argument("--seed", type=int, default=20261124,
                        help="random seed (default: 20261124, the demo's)")
    parser.add_argument("--n", type=int, default=None, metavar="N",
                        help="participants (default: the imitated study's size: knee 500, "
                             "spine 100, ra 59, hip 200, hand 70); not for demo")
    parser.add_argument("--size", choices=("default", "small"), default="default",
                        help="demo only: default sizes or a few dozen participants each")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv",
                        help="file format (default: csv)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace table files already in OUT")
    parser.add_argument("--truth", metavar="FILE", default=None,
                        help="also write the true parameters to this CSV file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Simulate ``args.kind`` and write it to ``args.out``; 0 on success."""
    from pathlib import Path

    import pandas as pd

    from .. import simulate
    from .._files import atomic_write
    from ..io import write_cohort
    from ..io.folder import FORMATS, require_parquet
    from ..schemas import TABLES

    for name in ("kind", "out"):
        given, option = getattr(args, name), getattr(args, f"{name}_option")
        if given is not None and option is not None and given != option:
            raise UsageError(f"{name.upper()} given twice with different values")
        if given is None and option is None:
            raise UsageError(f"give {name.upper()} (or --{name})")
        setattr(args, name, given if given is not None else option)
    generator, truth_kind, default_n = KINDS[args.kind]
    if args.seed < 0:
        raise UsageError("--seed must be a non-negative integer")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"OUT {out} is a file; give a folder")
    # everything is checked before anything is simulated or written
    names = ["hand_oa_joints"] if args.kind == "hand" else list(TABLES)
    existing = [out / f"{t}{s}" for t in names for s in FORMATS.values()
                if (out / f"{t}{s}").exists()]
    if existing and not args.overwrite:
        raise FileExistsError(f"{out} already holds table files "
                              f"({', '.join(p.name for p in existing)}); pass --overwrite "
                              f"to replace them")
    if args.truth:
        truth_path = Path(args.truth).resolve()
        if out.resolve() == truth_path or out.resolve() in truth_path.parents:
            raise UsageError(f"--truth {args.truth} is inside OUT {out}; keep it outside "
                             f"(the folder is read as tables)")
        if Path(args.truth).exists() and not args.overwrite:
            raise FileExistsError(f"{args.truth} exists; pass --overwrite to replace it")
    if args.kind == "demo":
        if args.n is not None:
            raise UsageError("--n does not apply to demo; use --size small|default")
        data = simulate.demo_cohort(args.seed, size=args.size)
    else:
        n = default_n if args.n is None else args.n
        if n < 1:  # type: ignore[operator]  # only demo has no default n (handled above)
            raise UsageError("--n must be at least 1")
        data = getattr(simulate, generator)(n, seed=args.seed)
    if isinstance(data, pd.DataFrame):
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"hand_oa_joints.{args.format}"
        for stale in existing:
            if stale != target:
                stale.unlink()
        if args.format == "csv":
            with atomic_write(target, "w", newline="") as handle:
                data.to_csv(handle, index=False)
        else:
            require_parquet(target)
            with atomic_write(target) as handle:
                data.to_parquet(handle, index=False)
        written = [target]
        summary = f"{data['participant_id'].nunique()} patients, {len(data)} joints"
    else:
        written = list(write_cohort(data, out, format=args.format,
                                    overwrite=args.overwrite).values())
        summary = f"{len(data.participants)} participants, {len(data.tables)} tables"
    if args.truth:
        kinds = _DEMO_PARTS if truth_kind is None else (truth_kind,)
        truth = pd.concat({k: simulate.true_effects(k) for k in kinds}, names=["kind"])
        target = Path(args.truth)
        with atomic_write(target, "w", newline="") as handle:
            truth.reset_index().to_csv(handle, index=False)
        written.append(target)
    print(f"wrote {len(written)} files to {out} ({args.kind}, seed {args.seed}: {summary})")
    return 0
