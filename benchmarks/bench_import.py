"""Benchmark: import time of bmecohort in a fresh interpreter.

Times, each in a new ``python -c`` process (median of repeats, the interpreter's own
start-up subtracted; the cases take turns, so a change of load hits all of them alike):

* ``import bmecohort``: the flat namespace resolves names lazily, so this should load
  nothing heavy (target: under 1 s);
* ``import bmecohort; bmecohort.Cohort``: the first real use, which loads pandas, pandera and
  the schemas;
* ``import bmecohort; bmecohort.odds_ratio`` (issue 16: under 0.5 s) and the other light
  estimators (``mantel_haenszel``, ``incidence``): pandas and bmecohort's own modules only;
  scipy's submodules and statsmodels load when the estimator is first called;
* ``import bmecohort; bmecohort.plots``: matplotlib;
* ``bmecohort --help``: the command line's start-up (issue 16: under 0.3 s);
* ``import pandas``: the floor under any estimator (results are DataFrames), and
  ``import numpy, pandas, scipy.stats``, the floor under any statsmodels estimator; each
  estimator is also recorded as what it adds over ``import pandas`` (wall and CPU), the
  part bmecohort controls.

For each it records the slowest modules from ``python -X importtime`` (self plus imported
children), so that a regression shows what grew.

Usage::

    python benchmarks/bench_import.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

from _harness import ROOT, log, recorded, target, write_result

CASES = {
    "import bmecohort": "import bmecohort",
    "import bmecohort; bmecohort.Cohort": "import bmecohort; bmecohort.Cohort",
    "import bmecohort; bmecohort.odds_ratio": "import bmecohort; bmecohort.odds_ratio",
    "import bmecohort; bmecohort.mantel_haenszel":
        "import bmecohort; bmecohort.mantel_haenszel",
    "import bmecohort; bmecohort.incidence": "import bmecohort; bmecohort.incidence",
    "import bmecohort; bmecohort.plots": "import bmecohort; bmecohort.plots",
    "bmecohort --help": ("import sys; sys.argv = ['bmecohort', '--help']\n"
                         "from bmecohort.cli import main\n"
                         "try:\n    main()\nexcept SystemExit as exit:\n"
                         "    sys.exit(exit.code)"),
    "import pandas": "import pandas",
    "import numpy, pandas, scipy.stats": "import numpy, pandas, scipy.stats",
}
#: Cases recorded as what they add over ``import pandas``.
BEYOND_PANDAS = {"import bmecohort; bmecohort.odds_ratio": "import_odds_ratio_beyond",
                 "import bmecohort; bmecohort.mantel_haenszel": "import_mh_beyond",
                 "import bmecohort; bmecohort.incidence": "import_incidence_beyond",
                 "import bmecohort; bmecohort.Cohort": "import_cohort_beyond"}
#: As a user runs it: bytecode is cached (an installed package is compiled once), so every
#: case is timed after one untimed warm-up run, and PYTHONDONTWRITEBYTECODE (set in some
#: development shells) is dropped; otherwise each run would compile bmecohort's modules.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: Issue 16's targets (seconds beyond the interpreter's start-up).
TARGETS = {"import bmecohort; bmecohort.odds_ratio": ("import_odds_ratio", 0.5),
           "bmecohort --help": ("import_cli_help", 0.3)}


def run_once(code: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of ``python -c code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT.parent, env=ENV,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_cases(codes: dict[str, str], repeats: int) -> dict[str, list[tuple[float, float]]]:
    """``repeats`` (wall, CPU) runs of every case, the cases taking turns."""
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in codes}
    for code in codes.values():
        run_once(code)  # warm-up: writes the bytecode caches
    for _ in range(repeats):
        for label, code in codes.items():
            runs[label].append(run_once(code))
    return runs


def import_profile(code: str, top: int = 8) -> tuple[list[tuple[str, float]], float]:
    """Top-level-ish modules by cumulative import time (``-X importtime``), in seconds, and
    the summed self time of bmecohort's own modules (their cumulative times include the
    libraries they import first, pandas above all)."""
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=True,
                         cwd=ROOT.parent, env=ENV, capture_output=True, text=True)
    rows = []
    for line in res.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            depth = len(match.group(3)) // 2
            rows.append((match.group(4), int(match.group(2)) / 1e6, depth,
                         int(match.group(1)) / 1e6))
    # modules imported directly by the statement or by bmecohort itself (shallow levels)
    shallow = [(name, cum) for name, cum, depth, _ in rows if depth <= 2]
    own = sum(own for name, _, _, own in rows if name.split(".")[0] == "bmecohort")
    return sorted(shallow, key=lambda r: -r[1])[:top], own


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    runs = time_cases({"python -c pass": "pass", **CASES}, args.repeats)
    base = runs.pop("python -c pass")
    baseline = statistics.median(w for w, _ in base)
    baseline_cpu = statistics.median(c for _, c in base)
    rows = []
    for label, code in CASES.items():
        walls, cpus = [w for w, _ in runs[label]], [c for _, c in runs[label]]
        row = {"case": label, "seconds": statistics.median(walls) - baseline,
               "best_seconds": min(walls) - min(w for w, _ in base),
               "with_interpreter_s": statistics.median(walls), "interpreter_s": baseline,
               "cpu_seconds": statistics.median(cpus) - baseline_cpu,
               "best_cpu_seconds": min(cpus) - min(c for _, c in base),
               "runs": runs[label]}
        row["slowest_imports"], row["bmecohort_self_s"] = import_profile(code)
        log(f"{label}: median {row['seconds']:.3f} s, CPU {row['cpu_seconds']:.3f} s "
            f"(best {row['best_seconds']:.3f} s; interpreter {baseline:.3f} s)")
        rows.append(row)
    load = (f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
            f"on {os.cpu_count()} CPUs")
    by_case = {r["case"]: r for r in rows}
    pandas = by_case["import pandas"]
    first = rows[0]
    profile = "\n".join(f"{name}: {sec:.3f} s" for name, sec in first["slowest_imports"])
    targets = [target("import_time",
                      f"`import bmecohort` in a fresh interpreter (median of {args.repeats})",
                      first["seconds"], 1.0, unit="s", profile=profile,
                      reason="a heavy library is imported at module level; see the "
                             "slowest imports.")]
    for row in rows[1:]:
        slowest = ", ".join(f"{name} {sec:.2f} s" for name, sec in row["slowest_imports"][:3])
        description = f"`{row['case']}` in a fresh interpreter (median of {args.repeats})"
        if row["case"] in TARGETS:
            id, threshold = TARGETS[row["case"]]
            targets.append(target(
                id, description, row["seconds"], threshold, unit="s", profile=slowest,
                reason=f"{load}. `import pandas` alone (the floor under every estimator: "
                       f"results are DataFrames) took {pandas['seconds']:.2f} s, "
                       f"{pandas['cpu_seconds']:.2f} s CPU (medians); this case "
                       f"{row['cpu_seconds']:.2f} s CPU, so bmecohort adds "
                       f"{row['seconds'] - pandas['seconds']:+.2f} s wall, "
                       f"{row['cpu_seconds'] - pandas['cpu_seconds']:+.2f} s CPU over "
                       f"pandas; bmecohort's own modules: {row['bmecohort_self_s']:.3f} s "
                       f"(self time, -X importtime; slowest imports, cumulative, so "
                       f"bmecohort modules include the pandas they import first: {slowest})"))
            continue
        targets.append(recorded(f"import_{row['case'].split('.')[-1].lower()}",
                                description, row["seconds"], unit="s",
                                note=f"CPU {row['cpu_seconds']:.2f} s; slowest imports: "
                                     f"{slowest}"))
    # what bmecohort adds to the floor of every estimator (pandas)
    for case, id in BEYOND_PANDAS.items():
        row = by_case[case]
        targets.append(recorded(
            id, f"`{case}` beyond `import pandas` (medians)",
            row["seconds"] - pandas["seconds"], unit="s",
            note=f"CPU: {row['cpu_seconds']:.2f} s vs {pandas['cpu_seconds']:.2f} s for "
                 f"pandas ({row['cpu_seconds'] - pandas['cpu_seconds']:+.2f} s); "
                 f"bmecohort's own modules {row['bmecohort_self_s']:.3f} s (self time); {load}"))
    path = write_result("import", rows, targets, notes=[
        load, f"{args.repeats} runs of each case, the cases taking turns",
        "seconds: median of `python -c CODE` minus the median of `python -c pass`; "
        "best_seconds: best minus best",
        "cpu_seconds: median user + system time minus the interpreter's (best_cpu_seconds: "
        "best minus best); runs: every (wall, CPU) pair, interpreter included",
        "slowest_imports: cumulative import time of shallow modules (python -X importtime); "
        "bmecohort_self_s: summed self time of bmecohort's modules (same run)",
        "bytecode cached (one untimed warm-up run per case; PYTHONDONTWRITEBYTECODE dropped)",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
