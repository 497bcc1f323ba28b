"""Shared helpers of the benchmark scripts: timing, peak memory, profiles, result files.

Each ``bench_*.py`` script owned here writes ``results/<name>.json`` with::

    {"name": ..., "environment": {...}, "measurements": [...], "targets": [...]}

where every target is ``{"id", "target", "measured", "unit", "threshold", "met", "profile",
"reason"}``; ``benchmarks/run.py`` collects the targets of every script into
``results/summary.json`` and ``results/README.md``.

Timings are the best of several repeats (the machine is shared; the minimum is the least
disturbed run). Peak memory is measured with :mod:`tracemalloc` in a separate run (tracing
slows Python-level allocation, not numpy's): the largest amount allocated during the call
beyond what was allocated before it, which numpy and pandas buffers report to tracemalloc.
"""

from __future__ import annotations

import cProfile
import gc
import io
import json
import os
import platform
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
sys.path.insert(0, str(ROOT.parent))


def best_time(func: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Best wall-clock time of ``repeats`` calls, and the last value returned."""
    best, value = float("inf"), None
    for _ in range(max(1, repeats)):
        gc.collect()
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def peak_memory(func: Callable[[], Any]) -> int:
    """Bytes allocated at the peak of ``func()`` beyond those allocated before the call."""
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        value = func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del value
    return int(peak - before)


def frame_bytes(*frames: Any) -> int:
    """Deep memory of pandas frames (object strings counted)."""
    return int(sum(f.memory_usage(deep=True).sum() for f in frames))


def profile_text(func: Callable[[], Any], *, top: int = 12) -> str:
    """cProfile of one call: the ``top`` functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(lines[start:])


def target(id: str, description: str, measured: float, threshold: float, *, unit: str,
           higher_is_better: bool = False, profile: str | None = None,
           reason: str | None = None) -> dict[str, Any]:
    """A target record; ``met`` compares ``measured`` with ``threshold``."""
    met = measured >= threshold if higher_is_better else measured < threshold
    return {"id": id, "target": description, "measured": float(measured), "unit": unit,
            "threshold": float(threshold), "higher_is_better": higher_is_better,
            "met": bool(met), "profile": None if met else profile,
            "reason": None if met else reason}


def recorded(id: str, description: str, measured: float, *, unit: str,
             note: str | None = None) -> dict[str, Any]:
    """A measurement without a target (shown as "recorded" in the results table)."""
    return {"id": id, "target": description, "measured": float(measured), "unit": unit,
            "threshold": None, "higher_is_better": None, "met": None, "profile": None,
            "reason": note}


def environment() -> dict[str, Any]:
    """Versions, cores and BLAS of this machine (OPENBLAS_CORETYPE left as the user has it)."""
    import numpy as np
    import pandas as pd

    info: dict[str, Any] = {
        "python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
        "machine": platform.machine(), "cpus": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }
    try:
        import pandera

        info["pandera"] = pandera.__version__
    except ImportError:  # pragma: no cover
        info["pandera"] = None
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = sorted({f"{p.get('internal_api')} {p.get('version')} "
                               f"({p.get('architecture')})" for p in threadpool_info()})
    except ImportError:  # pragma: no cover
        info["blas"] = None
    return info


def write_result(name: str, measurements: list[dict[str, Any]], targets: list[dict[str, Any]],
                 *, out: Path = RESULTS, notes: list[str] | None = None) -> Path:
    """Write ``<out>/<name>.json`` and return its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    payload = {"name": name, "environment": environment(), "measurements": measurements,
               "targets": targets, "notes": notes or []}
    path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n")
    return path


def _jsonable(value: Any) -> Any:
    try:
        return value.item()  # numpy scalars
    except AttributeError:
        return str(value)


def log(message: str) -> None:
    """Progress on stderr (stdout stays clean for the runner)."""
    print(message, file=sys.stderr, flush=True)


def knee_tables_with_reads(reads: int, *, seed: int = 1) -> dict[str, Any]:
    """Simulated knee tables holding about ``reads`` MOAKS lesion reads.

    The knee generator scores 15 subregions per knee and attended visit, two knees per
    participant, four visits with dropout: about 111.5 reads per participant.
    """
    from bmecohort.simulate.knee import knee_tables

    persons = max(10, int(round(reads / 111.5)))
    return knee_tables(persons, seed=seed)


def rscript(script: str, inputs: dict[str, Any], *args: str,
            packages: tuple[str, ...] = ()) -> Any:
    """Run an R script on CSV copies of ``inputs`` and read the CSV it writes.

    The script gets ``commandArgs(trailingOnly = TRUE)``: the output CSV path, then one path
    per input (in order), then ``args``. It times its own fits (``system.time`` around the
    fit only), so R's start-up, package loading and CSV reading are never counted. Returns
    a DataFrame, or ``None`` when Rscript or one of ``packages`` is missing (CI has no R).
    """
    import shutil
    import subprocess
    import tempfile

    import pandas as pd

    if shutil.which("Rscript") is None:
        return None
    if packages:
        check = "q(status = !all(sapply(c({}), requireNamespace, quietly = TRUE)))".format(
            ", ".join(f'"{p}"' for p in packages))
        if subprocess.run(["Rscript", "-e", check], capture_output=True).returncode != 0:
            return None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        for name, frame in inputs.items():
            paths.append(folder / f"{name}.csv")
            frame.to_csv(paths[-1], index=False)
        (folder / "bench.R").write_text(script)
        out = folder / "out.csv"
        subprocess.run(["Rscript", str(folder / "bench.R"), str(out), *map(str, paths),
                        *args], check=True)
        return pd.read_csv(out)


def r_versions(*packages: str) -> str | None:
    """``R x.y.z; pkg version; ...`` for the record (None without R)."""
    import shutil
    import subprocess

    if shutil.which("Rscript") is None:
        return None
    pieces = " ".join(f'"; {p}", format(packageVersion("{p}")),' for p in packages)
    res = subprocess.run(["Rscript", "-e", f"cat(R.version.string, {pieces} '')"],
                         capture_output=True, text=True)
    return res.stdout.strip() or None
