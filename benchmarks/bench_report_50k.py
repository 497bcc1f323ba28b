"""Benchmark: the report end to end on a cohort of 50,000 participants.

``bench_report.py`` times ``make report`` on the demo cohort (859 participants). This script
scales the demo's mix (500 knee, 100 spine, 59 RA and 200 hip participants) to 50,000
participants, about 29,000 of them knee participants with two knees (3.2 million MOAKS
reads), writes the cohort folder as Parquet with :func:`bmecohort.io.write_cohort`, and times
what ``make report DATA=folder`` runs::

    python -m bmecohort.cli report --data FOLDER --out report.pdf

(through the report command's own ``register``/``run``) in a fresh process: imports,
reading and validating the folder, every section, the figures and typesetting. Each report section is then
built on its own in-process (as ``bench_report.py`` does for the demo) and the slowest one
is profiled (cProfile), so that the results say where the time goes.

Writes ``results/report_50k.json`` (the harness format).

Usage::

    python benchmarks/bench_report_50k.py                 # 50,000 participants
    python benchmarks/bench_report_50k.py --participants 5000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _harness import ROOT, log, profile_text, recorded, target, write_result

from bmecohort.cohort import Cohort
from bmecohort.io import write_cohort
from bmecohort.report._context import Context
from bmecohort.report.build import SECTIONS
from bmecohort.schemas import TABLES
from bmecohort.simulate.demo import DEMO_SIZES
from bmecohort.simulate.hip import hip_tables
from bmecohort.simulate.knee import knee_tables
from bmecohort.simulate.ra import ra_tables
from bmecohort.simulate.spine import spine_tables

SEED = 20261124
# what `python -m bmecohort.cli report` runs, through the report command's own parser and
# run() (so that the benchmark works whether or not the command is registered yet)
CLI = ("import argparse, sys\n"
       "from bmecohort.cli import report\n"
       "p = argparse.ArgumentParser(prog='bmecohort'); s = p.add_subparsers()\n"
       "report.register(s); a = p.parse_args(sys.argv[1:]); sys.exit(a.run(a))\n")


def scaled_cohort(participants: int) -> Cohort:
    """The demo's mix of knee, spine, RA and hip participants scaled to ``participants``."""
    mix = DEMO_SIZES["default"]
    total = sum(mix.values())
    sizes = {kind: max(2, round(participants * share / total)) for kind, share in mix.items()}
    parts = [knee_tables(sizes["knee"], seed=SEED, id_prefix="K"),
             spine_tables(sizes["spine"], seed=SEED, id_prefix="S"),
             ra_tables(sizes["ra"], seed=SEED, id_prefix="R"),
             hip_tables(sizes["hip"], seed=SEED, id_prefix="H")]

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype({c: object for c in frame.columns
                             if isinstance(frame[c].dtype, pd.CategoricalDtype)})

    tables = {name: pd.concat([plain(p[name]) for p in parts if name in p],
                              ignore_index=True)
              for name in TABLES if any(name in p for p in parts)}
    return Cohort(**tables, name=f"scaled demo ({participants} participants)")


def section_times(cohort: Cohort) -> list[dict]:
    """Seconds of each report section built on its own (as bench_report.py does)."""
    ctx = Context(cohort=cohort, suppress_below=5, reproductions=None)
    rows = []
    for label, builder in SECTIONS:
        start = time.perf_counter()
        builder(ctx)
        rows.append({"stage": f"section: {label}", "seconds": time.perf_counter() - start})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before the report command is stopped")
    parser.add_argument("--no-profile", action="store_true",
                        help="skip the in-process section timings and profile")
    args = parser.parse_args()
    start = time.perf_counter()
    cohort = scaled_cohort(args.participants)
    simulate_s = time.perf_counter() - start
    counts = {name: len(frame) for name, frame in cohort.tables.items()}
    log(f"report_50k: {len(cohort.participants):,} participants, "
        f"{counts.get('lesion_reads', 0):,} lesion reads ({simulate_s:.1f} s to simulate)")
    measurements: list[dict] = [{"what": "simulate and validate the scaled cohort",
                                 "seconds": simulate_s, "participants": len(cohort.participants),
                                 **{f"rows_{k}": v for k, v in counts.items()}}]
    profile = None
    with tempfile.TemporaryDirectory() as tmp:
        folder, pdf = Path(tmp) / "cohort", Path(tmp) / "report.pdf"
        write_cohort(cohort, folder, format="parquet")
        command = [sys.executable, "-c", CLI, "report", "--data", str(folder),
                   "--out", str(pdf), "--no-progress"]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, cwd=ROOT.parent, capture_output=True, text=True,
                                  timeout=args.timeout)
            seconds, code = time.perf_counter() - start, done.returncode
            error = done.stderr.strip().splitlines()[-5:] if code else []
        except subprocess.TimeoutExpired:
            seconds, code, error = time.perf_counter() - start, None, ["timed out"]
        measurements.append({"what": "make report DATA=folder (fresh process, Parquet)",
                             "seconds": seconds, "returncode": code, "error": error,
                             "pdf_bytes": pdf.stat().st_size if pdf.exists() else None})
        log(f"  report command: {seconds:.1f} s (exit {code})")
        if not args.no_profile:
            sections = section_times(cohort)
            measurements += sections
            slowest = max(sections, key=lambda r: r["seconds"])
            builder = dict(SECTIONS)[slowest["stage"].removeprefix("section: ")]
            profile = profile_text(lambda: builder(Context(
                cohort=cohort, suppress_below=5, reproductions=None)), top=20)
    ok = code == 0
    targets = [target(
        "report_50k_runs", f"report end to end on {args.participants:,} participants "
        "(completes; 1 = yes)", 1.0 if ok else 0.0, 1.0, unit="bool", higher_is_better=True,
        profile=profile, reason="; ".join(error) if error else None),
        recorded("report_50k_time", f"report end to end on {args.participants:,} "
                 "participants (make report DATA=folder, fresh process)", seconds, unit="s",
                 note="no time target for this size; the demo's is in report.json")]
    notes = ["no time target is set for 50,000 participants (issue 8 asks for the "
             "measurement); the demo's target (under 60 s) is in report.json",
             f"report command time: {seconds:.1f} s"]
    staged = [r for r in measurements if "stage" in r]
    if staged:
        top = sorted(staged, key=lambda r: -r["seconds"])[:3]
        where = ", ".join(f"{r['stage']} {r['seconds']:.1f} s" for r in top)
        targets[1]["reason"] = f"slowest sections (each built alone): {where}"
    if profile:
        notes.append("profile of the slowest section (cProfile, cumulative):\n" + profile)
    path = write_result("report_50k", measurements, targets, notes=notes)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
