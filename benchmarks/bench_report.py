"""Benchmark: building the PDF report of the demo cohort (issue 7: under a minute, 2 cores).

Times

* ``build_report()`` in one Python process, from nothing: simulate the demo cohort
  (``demo_cohort()``, default size), run every section, write the SVG figures and typeset the
  PDF with Typst (best of ``--repeats``);
* each stage on its own: the simulation, every section builder, the typesetting;
* ``bmecohort report`` as a fresh process, as ``make report`` runs it (imports included);

and checks that two builds in separate processes give the same bytes (SHA-256).

Writes ``results/report.json`` (the harness format) and ``results/report.md``.

Usage::

    python benchmarks/bench_report.py
    python benchmarks/bench_report.py --repeats 1
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import RESULTS, best_time, log, profile_text, target, write_result

from bmecohort.report import build_report
from bmecohort.report._context import Context
from bmecohort.report.build import SECTIONS, _typeset
from bmecohort.report.provenance import Provenance, provenance_section
from bmecohort.report.tables import flow_table
from bmecohort.simulate import demo_cohort

ROOT = Path(__file__).resolve().parent.parent
# the `report` command's own parser and run(), as `bmecohort report` calls them
CLI = ("import argparse, sys\n"
       "from bmecohort.cli import report\n"
       "p = argparse.ArgumentParser(prog='bmecohort'); s = p.add_subparsers()\n"
       "report.register(s); a = p.parse_args(sys.argv[1:]); sys.exit(a.run(a))\n")


def stages(folder: Path) -> list[dict]:
    """Seconds spent in each stage of one build."""
    rows = []
    start = time.perf_counter()
    cohort = demo_cohort()
    rows.append({"stage": "simulate demo cohort", "seconds": time.perf_counter() - start})
    ctx = Context(cohort=cohort, suppress_below=None, reproductions=None)
    sections = []
    for label, builder in SECTIONS:
        start = time.perf_counter()
        sections.append(builder(ctx))
        rows.append({"stage": f"section: {label}", "seconds": time.perf_counter() - start})
    start = time.perf_counter()
    document = [provenance_section(cohort, Provenance(cohort.source or "", 0, None)),
                *sections]
    flow_table(sections)
    _typeset(document, title="benchmark", subtitle="", suppress_below=None,
             build_dir=folder / "src")
    rows.append({"stage": "provenance, flow and typesetting",
                 "seconds": time.perf_counter() - start})
    return rows


def cli_run(out: Path) -> float:
    """Wall-clock seconds of the report command in a fresh process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, "report", "--out", str(out), "--no-progress",
                    "--reproductions", str(out.parent / "absent.csv")],
                   check=True, cwd=ROOT, capture_output=True)
    return time.perf_counter() - start


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        pdf = folder / "report.pdf"
        # stages first, in a cold process: first imports and the simulator's calibrations
        # are paid where a fresh `make report` pays them
        breakdown = stages(folder)
        log("report: build_report() on the demo cohort")
        seconds, _ = best_time(lambda: build_report(out=pdf, progress=False,
                                                    reproductions=None), args.repeats)
        size = pdf.stat().st_size
        log(f"  {seconds:.2f} s, {size / 1024:.0f} KiB")
        log("report: the command in fresh processes, twice")
        first, second = folder / "cli1.pdf", folder / "cli2.pdf"
        cli_seconds = min(cli_run(first), cli_run(second))
        digest = sha(first)
        identical = digest == sha(second)
        log(f"  {cli_seconds:.2f} s; byte-identical: {identical}")
        profile = profile_text(lambda: build_report(out=pdf, progress=False,
                                                    reproductions=None), top=15)
    measurements = [{"what": "build_report() in-process, demo cohort (default size)",
                     "seconds": seconds, "pdf_bytes": size},
                    {"what": "report command, fresh process (imports included)",
                     "seconds": cli_seconds, "byte_identical_across_processes": identical,
                     "sha256": digest},
                    *breakdown]
    targets = [
        target("report_demo_time", "make report on the demo cohort (fresh process)",
               cli_seconds, 60, unit="s", profile=profile,
               reason="see the stage breakdown: the slowest section dominates"),
        target("report_reproducible", "two builds byte-identical (1 = yes)", float(identical),
               1, unit="bool", higher_is_better=True, profile=profile,
               reason="a date, random id or unordered output reached the PDF"),
    ]
    path = write_result("report", measurements, targets, notes=[
        "build_report: best of repeats, from simulating the demo cohort to the PDF bytes",
        "command: `bmecohort report` in a new Python process (imports, simulation, PDF)",
        "stages: one build in a cold process (first imports and simulator calibrations "
        "included where they happen), each section builder timed on its own",
    ])
    markdown = [
        "# Report benchmark",
        "",
        "Building `reports/bmecohort_report.pdf` from the demo cohort "
        "(`demo_cohort()`, default size) on this machine.",
        "",
        "| measurement | seconds |",
        "|---|---:|",
        f"| `build_report()` in-process (best of {args.repeats}) | {seconds:.2f} |",
        f"| `bmecohort report` in a fresh process | {cli_seconds:.2f} |",
        "| *stages of one build in a cold process:* | |",
        *[f"| {row['stage']} | {row['seconds']:.2f} |" for row in breakdown],
        "",
        f"Target: under 60 s: {'met' if cli_seconds < 60 else 'NOT met'}. "
        f"Two builds in separate processes byte-identical: {'yes' if identical else 'NO'}. "
        f"PDF size {size / 1024:.0f} KiB.",
        "",
    ]
    (RESULTS / "report.md").write_text("\n".join(markdown))
    log(f"wrote {path} and {RESULTS / 'report.md'}")


if __name__ == "__main__":
    main()
