"""Benchmark: import time of bmecohort in a fresh interpreter.

Times, each in a new ``python -c`` process (best of repeats, the interpreter's own start-up
subtracted):

* ``import bmecohort``: the flat namespace resolves names lazily, so this should load
  nothing heavy (target: under 1 s);
* ``import bmecohort; bmecohort.Cohort``: the first real use, which loads pandas, pandera and
  the schemas;
* ``import bmecohort; bmecohort.odds_ratio`` and ``bmecohort.plots``: statsmodels and
  matplotlib (issue 16: the odds ratio under 0.5 s, loading the statsmodels modules it
  uses rather than ``statsmodels.api``);
* ``bmecohort --help``: the command line's start-up (issue 16: under 0.3 s);
* ``import numpy, pandas, scipy.stats``: the floor under any statsmodels estimator,
  recorded for comparison.

For each it records the slowest modules from ``python -X importtime`` (self plus imported
children), so that a regression shows what grew.

Usage::

    python benchmarks/bench_import.py
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time

from _harness import ROOT, log, recorded, target, write_result

CASES = {
    "import bmecohort": "import bmecohort",
    "import bmecohort; bmecohort.Cohort": "import bmecohort; bmecohort.Cohort",
    "import bmecohort; bmecohort.odds_ratio": "import bmecohort; bmecohort.odds_ratio",
    "import bmecohort; bmecohort.plots": "import bmecohort; bmecohort.plots",
    "bmecohort --help": ("import sys; sys.argv = ['bmecohort', '--help']\n"
                         "from bmecohort.cli import main\n"
                         "try:\n    main()\nexcept SystemExit as exit:\n"
                         "    sys.exit(exit.code)"),
    "import numpy, pandas, scipy.stats": "import numpy, pandas, scipy.stats",
}
#: Issue 16's targets (seconds beyond the interpreter's start-up).
TARGETS = {"import bmecohort; bmecohort.odds_ratio": ("import_odds_ratio", 0.5),
           "bmecohort --help": ("import_cli_help", 0.3)}


def run_once(code: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``python -c code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT.parent,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_of(code: str, repeats: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeats`` runs (the least disturbed ones)."""
    runs = [run_once(code) for _ in range(repeats)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def slowest_imports(code: str, top: int = 8) -> list[tuple[str, float]]:
    """Top-level-ish modules by cumulative import time (``-X importtime``), in seconds."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=True,
                         cwd=ROOT.parent, capture_output=True, text=True)
    rows = []
    for line in res.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            depth = len(match.group(3)) // 2
            rows.append((match.group(4), int(match.group(2)) / 1e6, depth))
    # modules imported directly by the statement or by bmecohort itself (shallow levels)
    shallow = [(name, cum) for name, cum, depth in rows if depth <= 2]
    return sorted(shallow, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    baseline, baseline_cpu = best_of("pass", args.repeats)
    rows = []
    for label, code in CASES.items():
        best, cpu = best_of(code, args.repeats)
        row = {"case": label, "seconds": best - baseline, "with_interpreter_s": best,
               "interpreter_s": baseline, "cpu_seconds": cpu - baseline_cpu,
               "slowest_imports": slowest_imports(code)}
        log(f"{label}: {row['seconds']:.3f} s, CPU {row['cpu_seconds']:.3f} s "
            f"(interpreter {baseline:.3f} s)")
        rows.append(row)
    load = f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    first = rows[0]
    profile = "\n".join(f"{name}: {sec:.3f} s" for name, sec in first["slowest_imports"])
    targets = [target("import_time", "`import bmecohort` in a fresh interpreter",
                      first["seconds"], 1.0, unit="s", profile=profile,
                      reason="a heavy library is imported at module level; see the "
                             "slowest imports.")]
    floor = next(r for r in rows if r["case"] == "import numpy, pandas, scipy.stats")
    for row in rows[1:]:
        slowest = ", ".join(f"{name} {sec:.2f} s" for name, sec in row["slowest_imports"][:3])
        if row["case"] in TARGETS:
            id, threshold = TARGETS[row["case"]]
            targets.append(target(
                id, f"`{row['case']}` in a fresh interpreter", row["seconds"], threshold,
                unit="s", profile=slowest,
                reason=f"{load}. `import numpy, pandas, scipy.stats` alone (the floor under "
                       f"any statsmodels estimator) took {floor['seconds']:.2f} s, "
                       f"{floor['cpu_seconds']:.2f} s CPU; this case "
                       f"{row['cpu_seconds']:.2f} s CPU, so bmecohort and the statsmodels "
                       f"modules it loads add {row['cpu_seconds'] - floor['cpu_seconds']:+.2f}"
                       f" s CPU: the time is the floor's (slowest imports: {slowest})"))
            continue
        targets.append(recorded(f"import_{row['case'].split('.')[-1].lower()}",
                                f"`{row['case']}` in a fresh interpreter", row["seconds"],
                                unit="s", note=f"slowest imports: {slowest}"))
    # what bmecohort adds to the floor of any statsmodels estimator (numpy, pandas, scipy)
    by_case = {r["case"]: r for r in rows}
    floor = by_case["import numpy, pandas, scipy.stats"]
    for case, id in (("import bmecohort; bmecohort.odds_ratio", "import_odds_ratio_beyond"),
                     ("import bmecohort; bmecohort.Cohort", "import_cohort_beyond")):
        row = by_case[case]
        targets.append(recorded(
            id, f"`{case}` beyond `import numpy, pandas, scipy.stats`",
            row["seconds"] - floor["seconds"], unit="s",
            note=f"CPU: {row['cpu_seconds']:.2f} s vs {floor['cpu_seconds']:.2f} s for the "
                 f"floor ({row['cpu_seconds'] - floor['cpu_seconds']:+.2f} s); {load}"))
    path = write_result("import", rows, targets, notes=[
        load, "cpu_seconds: best user + system time of the repeats minus the interpreter's",
        "seconds: best of repeats of `python -c CODE` minus the best of `python -c pass`",
        "slowest_imports: cumulative import time of shallow modules (python -X importtime)",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
