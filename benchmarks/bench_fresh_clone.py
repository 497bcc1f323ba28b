"""Benchmark: README's two commands on a fresh clone (issue 16 part 1).

Clones the committed ``HEAD`` of this repository into a temporary folder (uncommitted
changes are not included) and runs there, one after the other, as a new user would:

1. ``make .venv/.installed``: the virtual environment from ``pyproject.toml`` (recorded: the
   install time, which depends on the package index and its caches, is stated apart);
2. ``make report``: the first PDF, from the embedded demo cohort (target: under 90 s once
   the environment exists);
3. ``make test``: ruff, then mypy (cold: a fresh clone has no ``.mypy_cache``) beside the
   test-suite on every core (target: under 3 minutes). Skipped with ``--quick``.

Each step's wall time and CPU time (user + system of the step's processes) are recorded with
the load average before and after; a missed target carries the slowest tests as its profile
(``--durations``, passed through ``PYTEST_ADDOPTS``).

Writes ``results/fresh_clone.json`` (the harness format).

Usage::

    python benchmarks/bench_fresh_clone.py
    python benchmarks/bench_fresh_clone.py --quick    # environment and report only
    python benchmarks/bench_fresh_clone.py --keep     # keep the clone (path printed)
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from _harness import log, recorded, target, write_result

ROOT = Path(__file__).resolve().parent.parent
REPORT_TARGET_S = 90.0
TEST_TARGET_S = 180.0


def _load() -> float:
    return os.getloadavg()[0]


def run_step(label: str, command: list[str], cwd: Path, *,
             env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one command; its wall time, CPU time (children), exit code and output."""
    log(f"== {label}: {' '.join(command)}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = _load()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    log(f"   {label}: {wall:.1f} s wall, {cpu:.1f} s CPU, exit {done.returncode}")
    return {"step": label, "command": " ".join(command), "wall_s": wall, "cpu_s": cpu,
            "returncode": done.returncode, "load_before": load_before,
            "load_after": _load(), "output_tail": (done.stdout + done.stderr)[-8000:]}


def slowest_tests(output: str, top: int = 12) -> str:
    """The ``top`` slowest lines of pytest's ``--durations`` table."""
    lines = [line for line in output.splitlines()
             if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)]
    return "\n".join(lines[:top])


def summary_line(output: str) -> str:
    found = re.findall(r"^=*\s*(\d+ passed.*?)\s*=*$", output, flags=re.M)
    return found[-1] if found else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip make test")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    args = parser.parse_args()

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
    workdir = Path(tempfile.mkdtemp(prefix="bmecohort-fresh-"))
    clone = workdir / "bmecohort"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items()
           if k not in {"VIRTUAL_ENV", "PYTHONPATH", "MPLBACKEND"}}
    steps = [run_step("environment (make .venv/.installed)", ["make", ".venv/.installed"],
                      clone, env=env),
             run_step("make report", ["make", "report"], clone, env=env)]
    if not args.quick:
        test_env = dict(env, PYTEST_ADDOPTS="--durations=25")
        steps.append(run_step("make test", ["make", "test"], clone, env=test_env))
    pdf = clone / "reports" / "bmecohort_report.pdf"
    pdf_bytes = pdf.stat().st_size if pdf.exists() else 0

    env_step, report_step = steps[0], steps[1]
    note = f"commit {commit}; load average {{:.1f}} before, {{:.1f}} after; CPU {{:.0f}} s"
    measurements = [{k: v for k, v in s.items() if k != "output_tail"} | {"commit": commit}
                    for s in steps]
    targets = [
        recorded("fresh_clone_environment", "fresh clone: creating the environment "
                 "(python -m venv + pip install -e '.[dev]')", env_step["wall_s"], unit="s",
                 note=note.format(env_step["load_before"], env_step["load_after"],
                                  env_step["cpu_s"])),
        target("fresh_clone_first_report", "fresh clone: `make report` once the environment "
               "exists (first PDF)", report_step["wall_s"] if report_step["returncode"] == 0
               and pdf_bytes else float("inf"), REPORT_TARGET_S, unit="s",
               profile=report_step["output_tail"][-1500:],
               reason=note.format(report_step["load_before"], report_step["load_after"],
                                  report_step["cpu_s"])),
    ]
    if not args.quick:
        test_step = steps[2]
        ok = test_step["returncode"] == 0
        targets.append(target(
            "fresh_clone_make_test", "fresh clone: `make test` (ruff, cold mypy beside the "
            "tests on every core)", test_step["wall_s"] if ok else float("inf"),
            TEST_TARGET_S, unit="s", profile=slowest_tests(test_step["output_tail"]),
            reason=note.format(test_step["load_before"], test_step["load_after"],
                               test_step["cpu_s"])
            + f"; {summary_line(test_step['output_tail'])}"))
        targets.append(recorded("fresh_clone_make_test_cpu", "fresh clone: CPU time of "
                                "`make test` (all processes)", test_step["cpu_s"], unit="s",
                                note=summary_line(test_step["output_tail"])))
    write_result("fresh_clone", measurements, targets,
                 notes=[f"clone of committed HEAD {commit}; {os.cpu_count()} CPUs"])
    if args.keep:
        log(f"clone kept at {clone}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
