"""Benchmark: generating synthetic knee cohorts with bmecohort.simulate.

For each size, in a fresh Python process (so that peak resident memory belongs to that size
alone), times

* ``generate``: :func:`bmecohort.simulate.knee.knee_tables`, the random draws and the tables
  (no validation),
* ``cohort``: :func:`bmecohort.simulate.knee_cohort` end to end (generation plus
  :class:`bmecohort.Cohort` validation of every table and rule),

as the best of ``--repeats`` runs, then measures the peak of Python-tracked memory
(``tracemalloc``, which numpy and pandas report to) during one more ``knee_cohort`` call, the
process's peak resident set size (``resource.getrusage``), and the in-memory size of the
returned tables. Every repeat must produce the same ``content_hash`` (determinism).

Writes ``benchmarks/results/simulate.json`` and ``benchmarks/results/simulate.md``.

Usage::

    python benchmarks/bench_simulate.py             # 5,000 and 50,000 participants, one knee
    python benchmarks/bench_simulate.py --both      # also 50,000 participants, both knees
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

SEED = 20261124


def child(participants: int, knees: str, repeats: int) -> dict:
    """Run one configuration in this process and return its measurements."""
    import numpy as np
    import pandas as pd

    from bmecohort.simulate import knee_cohort
    from bmecohort.simulate.knee import knee_tables

    knee_cohort(50, seed=1)  # warm imports and caches outside the timings
    rss_start_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gen_times, cohort_times, hashes = [], [], set()
    for _ in range(repeats):
        start = time.perf_counter()
        tables = knee_tables(participants, seed=SEED, knees=knees)
        gen_times.append(time.perf_counter() - start)
        del tables
        start = time.perf_counter()
        cohort = knee_cohort(participants, seed=SEED, knees=knees)
        cohort_times.append(time.perf_counter() - start)
        hashes.add(cohort.content_hash())
        reads, sizes = len(cohort.lesion_reads), {
            name: int(frame.memory_usage(deep=True).sum()) for name, frame in
            cohort.tables.items()}
        del cohort
    tracemalloc.start()
    tables = knee_tables(participants, seed=SEED, knees=knees)
    _, generate_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del tables
    tracemalloc.start()
    cohort = knee_cohort(participants, seed=SEED, knees=knees)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "participants": participants, "knees": knees, "seed": SEED,
        "knees_total": int(cohort.knee_outcomes[["participant_id", "side"]]
                           .drop_duplicates().shape[0]),
        "lesion_reads": reads, "visits": len(cohort.visits),
        "generate_s": min(gen_times), "cohort_s": min(cohort_times),
        "validate_s": min(cohort_times) - min(gen_times),
        "reads_per_s": reads / min(cohort_times),
        "generate_peak_mb": generate_peak / 1e6, "cohort_peak_mb": peak / 1e6,
        "peak_rss_mb": rss_kib * 1024 / 1e6, "rss_after_imports_mb": rss_start_kib * 1024 / 1e6,
        "tables_mb": sum(sizes.values()) / 1e6,
        "lesion_reads_mb": sizes["lesion_reads"] / 1e6,
        "repeats": repeats, "deterministic": len(hashes) == 1,
        "content_hash": hashes.pop(), "numpy": np.__version__, "pandas": pd.__version__,
    }


def environment() -> dict:
    import numpy as np
    import pandas as pd
    import pandera

    return {"python": platform.python_version(), "numpy": np.__version__,
            "pandas": pd.__version__, "pandera": pandera.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count()}


def markdown(rows: list[dict], env: dict) -> str:
    lines = [
        "# Simulation benchmark (`bmecohort.simulate.knee_cohort`)",
        "",
        f"Machine: {env['cpus']} CPUs ({env['machine']}), Python {env['python']}, numpy "
        f"{env['numpy']}, pandas {env['pandas']}, pandera {env['pandera']}. Seed {SEED}; "
        "visits 0, 12, 24, 48; dropout 5% per follow-up visit; 15 MOAKS subregions per knee "
        "and visit. Times in seconds, best of the repeats, each size in a fresh process.",
        "`generate` = random draws and tables; `cohort` = generate + validation into a "
        "`Cohort`. Peak memory: `tracemalloc` peaks during one `knee_tables` and one "
        "`knee_cohort` call, and the process's peak resident set size (RSS; "
        f"{rows[0]['rss_after_imports_mb']:.0f} MB of it is the interpreter and libraries "
        "after imports). `tables` = in-memory size of the returned tables.",
        "",
        "| participants | knees | lesion reads | generate (s) | cohort (s) | validation (s) "
        "| reads/s (cohort) | generate peak (MB) | cohort peak (MB) | peak RSS (MB) "
        "| tables (MB) | deterministic |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['participants']:,} | {r['knees']} ({r['knees_total']:,}) | "
            f"{r['lesion_reads']:,} | {r['generate_s']:.2f} | {r['cohort_s']:.2f} | "
            f"{r['validate_s']:.2f} | {r['reads_per_s']:,.0f} | "
            f"{r['generate_peak_mb']:,.0f} | {r['cohort_peak_mb']:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} | "
            f"{r['tables_mb']:,.0f} | {'yes' if r['deterministic'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--both", action="store_true",
                        help="also 50,000 participants with both knees (~6M reads)")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("--child", nargs=2, metavar=("PARTICIPANTS", "KNEES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1], args.repeats)))
        return
    configs = [(5_000, "one"), (50_000, "one")] + ([(50_000, "both")] if args.both else [])
    rows = []
    for participants, knees in configs:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(participants), knees,
             "--repeats", str(args.repeats)],
            capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(row), flush=True)
        rows.append(row)
    env = environment()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "simulate.json").write_text(
        json.dumps({"environment": env, "results": rows}, indent=2) + "\n")
    (args.out / "simulate.md").write_text(markdown(rows, env))


if __name__ == "__main__":
    main()
