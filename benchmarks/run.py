"""Run every benchmark and write the results table (``make bench``).

Runs each ``benchmarks/bench_*.py`` in its own process (one after another: the machine has
two cores and every benchmark times something), keeps its output in
``results/logs/<name>.log``, then reads every ``results/*.json`` and writes

* ``results/summary.json``: the environment, each script's run (seconds, exit code) and every
  target: ``{id, target, measured, unit, threshold, met, profile, reason, source}``;
* ``results/README.md``: a Markdown table of the targets (measured value, met or not), the
  recorded measurements without a target, and, for every missed target, its profile and
  the reason.

Scripts in the harness format (``_harness.write_result``) give their targets directly; the
GEE benchmark (``gee.json``) and the simulation benchmark (``simulate.json``) are read
through the adapters below. Targets are issue 8's, measured on this 2-core machine as a user
would run it (``OPENBLAS_CORETYPE`` left as the machine sets it).

Usage::

    python benchmarks/run.py                 # run everything, then write the table
    python benchmarks/run.py --quick         # smaller sizes where a script offers --quick
    python benchmarks/run.py --only course validate
    python benchmarks/run.py --collect-only  # rebuild the table from existing results
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _harness import RESULTS, ROOT, environment, log

#: Scripts that accept ``--quick``.
QUICK = {"course", "validate", "report_50k", "gee_visits", "readers", "design_gee"}
#: Extra arguments per script in a full run (1M-knee GEE fits are part of issue 8).
FULL_ARGS = {"gee": ["--million"], "simulate": ["--both"]}
#: Hand-written analysis shown next to a missed target when the script gives no reason.
EXPLAINED: dict[str, str] = {}


def scripts() -> dict[str, Path]:
    """``name -> path`` of every benchmark script (``bench_<name>.py``)."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(ROOT.glob("bench_*.py"))}


def run_script(name: str, path: Path, *, quick: bool, timeout: float) -> dict[str, Any]:
    """Run one script; its output goes to ``results/logs/<name>.log``."""
    args = ["--quick"] if quick and name in QUICK else ([] if quick else FULL_ARGS.get(name,
                                                                                      []))
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = logs / f"{name}.log"
    log(f"== {name}: {' '.join([path.name, *args])}")
    started, load_before = _now(), os.getloadavg()[0]
    start = time.perf_counter()
    with log_file.open("w") as out:
        try:
            code = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.perf_counter() - start
    log(f"   {name}: {seconds:.0f} s, exit {code}")
    return {"script": path.name, "args": args, "seconds": seconds, "returncode": code,
            "log": str(log_file.relative_to(ROOT)), "started": started, "finished": _now(),
            "load_before": load_before, "load_after": os.getloadavg()[0]}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- adapters for results not in the harness format ------------------------------------------
def gee_targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 8's GEE target from ``gee.json``: 100,000 knees in 50,000 persons."""
    rows = [r for r in data.get("results", []) if r.get("knees") == 100_000
            and r.get("cov_struct") == "exchangeable"]
    if not rows:
        return []
    row = rows[0]
    out = []
    speedup = row.get("speedup_vs_geepack")
    if speedup is not None:
        out.append({
            "id": "gee_100k_speedup", "unit": "x", "threshold": 2.0, "higher_is_better": True,
            "target": "clustered logistic regression (GEE, exchangeable) vs R geepack, "
                      "100,000 knees in 50,000 persons",
            "measured": float(speedup), "met": bool(speedup >= 2.0), "profile": None,
            "reason": None if speedup >= 2.0 else "see gee.md"})
    if "fast_vs_geepack_coef" in row:
        coef, se = row["fast_vs_geepack_coef"], row["fast_vs_geepack_se"]
        out.append({
            "id": "gee_100k_agreement", "unit": "rel. diff", "threshold": 1e-6,
            "higher_is_better": False,
            "target": "same estimates as geepack (1e-6) and robust errors (1e-4), 100,000 "
                      f"knees (robust SE diff {se:.1g})",
            "measured": float(coef), "met": bool(coef < 1e-6 and se < 1e-4), "profile": None,
            "reason": None})
    for r in data.get("results", []):
        for key, label in (("fast_s", "fast GEE"), ("statsmodels_s", "bare statsmodels GEE"),
                           ("geepack_s", "R geepack")):
            if r.get(key) is not None:
                out.append(_recorded(f"gee_{r['knees']}_{r['cov_struct']}_{key}",
                                     f"{label}, {r['cov_struct']}, {r['knees']:,} knees",
                                     r[key], "s"))
    return out


def simulate_targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 3's simulation benchmark, recorded (no threshold)."""
    out = []
    for r in data.get("results", []):
        label = (f"generate {r['participants']:,} knee participants ({r['knees']} knees, "
                 f"{r['lesion_reads']:,} reads)")
        out.append(_recorded(f"simulate_{r['participants']}_{r['knees']}", label,
                             r["cohort_s"], "s",
                             note=f"tables only {r['generate_s']:.2f} s; peak "
                                  f"{r['cohort_peak_mb']:.0f} MB (tracemalloc), tables "
                                  f"{r['tables_mb']:.0f} MB"))
    return out


ADAPTERS = {"gee": gee_targets, "simulate": simulate_targets}


def _recorded(id: str, description: str, value: float, unit: str,
              note: str | None = None) -> dict[str, Any]:
    return {"id": id, "target": description, "measured": float(value), "unit": unit,
            "threshold": None, "higher_is_better": None, "met": None, "profile": None,
            "reason": note}


def collect() -> list[dict[str, Any]]:
    """Every target of every result file, tagged with its source file."""
    rows = []
    for path in sorted(RESULTS.glob("*.json")):
        if path.name == "summary.json":
            continue
        data = json.loads(path.read_text())
        name = path.stem
        targets = data.get("targets") if "targets" in data else ADAPTERS.get(
            name, lambda d: [])(data)
        for row in targets or []:
            row = dict(row)
            row["source"] = path.name
            if not row.get("met", True) and not row.get("reason"):
                row["reason"] = EXPLAINED.get(row["id"])
            rows.append(row)
    return rows


# --- the models against their R anchors (issue 16 part 5) -------------------------------------
def _measurement(data: dict[str, Any], *keys: str) -> dict[str, Any] | None:
    """The measurements of a result file (one run) merged, the first value of each key
    winning; None unless every key has a value."""
    merged: dict[str, Any] = {}
    for m in data.get("measurements") or data.get("results") or []:
        for key, value in m.items():
            if value is not None:
                merged.setdefault(key, value)
    return merged if all(k in merged for k in keys) else None


def _anchor_gee(data: dict[str, Any]) -> tuple[str, float, float] | None:
    rows = [r for r in data.get("results", []) if r.get("geepack_s") is not None
            and r.get("cov_struct") == "exchangeable"]
    if not rows:
        return None
    r = max(rows, key=lambda r: r["knees"])
    return f"{r['knees']:,} knees in {r['persons']:,} persons", r["fast_s"], r["geepack_s"]


def _anchor(size: Callable[[dict[str, Any]], str], ours: str, r: str
            ) -> Callable[[dict[str, Any]], tuple[str, float, float] | None]:
    def extract(data: dict[str, Any]) -> tuple[str, float, float] | None:
        m = _measurement(data, ours, r)
        return None if m is None else (size(m), m[ours], m[r])
    return extract


def _last(ours: str, r: str, size: Callable[[dict[str, Any]], str],
          where: Callable[[dict[str, Any]], bool] = lambda m: True
          ) -> Callable[[dict[str, Any]], tuple[str, float, float] | None]:
    """The last measurement (the largest size) holding both times, for scripts whose
    measurements are one row per size or method."""
    def extract(data: dict[str, Any]) -> tuple[str, float, float] | None:
        rows = [m for m in data.get("measurements") or [] if m.get(ours) is not None
                and m.get(r) is not None and where(m)]
        return None if not rows else (size(rows[-1]), rows[-1][ours], rows[-1][r])
    return extract


#: Model -> (result file, R function timed beside it, extractor of (size, ours s, R s)); None
#: where the benchmark times no R anchor yet.
R_ANCHORS: dict[str, tuple[str, str, Any]] = {
    "clustered logistic regression (GEE, exchangeable)": (
        "gee", "geepack::geeglm", _anchor_gee),
    "mixed model, random slope": (
        "mixed", "lme4::lmer", _anchor(lambda m: f"{m['persons']:,} persons x "
                                       f"{m['rows'] // m['persons']} visits",
                                       "bmecohort_slope_s", "lme4_slope_s")),
    "mixed model, random intercept": (
        "mixed", "lme4::lmer", _anchor(lambda m: f"{m['persons']:,} persons",
                                       "bmecohort_intercept_s", "lme4_intercept_s")),
    "conditional logistic regression": (
        "clogit", "survival::clogit (exact, no robust variance)",
        _anchor(lambda m: f"pain design, {m['participants']:,} participants", "fast_s",
                "r_s")),
    "multistate (panel data, Markov)": (
        "multistate", "msm::msm", _anchor(lambda m: f"{m['subjects']:,} subjects",
                                          "bmecohort_s", "msm_default_s")),
    "GEE over visits, AR-1": (
        "gee_visits", "geepack::geese (waves = visit)",
        _last("fast_ar1_s", "geepack_ar1_s", lambda m: f"{m['persons']:,} participants, "
              f"{m['rows']:,} visits")),
    "GEE over visits, unstructured": (
        "gee_visits", "geepack::geese (waves = visit)",
        _last("fast_unstructured_s", "geepack_unstructured_s",
              lambda m: f"{m['persons']:,} participants, {m['rows']:,} visits")),
    "exact odds ratio (conditional MLE, exact interval)": (
        "exact", "stats::fisher.test",
        _last("seconds", "r_s", lambda m: f"counts of {m['k']:.0e}",
              where=lambda m: m.get("method") == "exact")),
    "mid-p odds ratio": (
        "exact", "epitools::oddsratio.midp",
        _last("seconds", "r_s", lambda m: f"counts of {m['k']:.0e}",
              where=lambda m: m.get("method") == "midp")),
    "standardised risks (delta method)": (
        "effects", "glm + g-computation in base R, same influence functions",
        _last("ours_delta_s", "r_delta_s",
              lambda m: f"{m['units']} knees of {m['clusters']} persons")),
    "cluster bootstrap of standardised risks (one core)": (
        "effects", "boot::boot over persons, glm refitted",
        _last("ours_bootstrap_s", "r_bootstrap_s",
              lambda m: f"{m['replicates']} replicates, {m['units']} knees of "
                        f"{m['clusters']} persons")),
    "survival (Aalen-Johansen)": (
        "survival", "survival::survfit (multi-state)",
        _last("seconds", "survfit_s", lambda m: f"{m['units']:,} units, tied times")),
    "reader policy 'max' (lesion_status)": (
        "readers", "no R counterpart (data wrangling): the same reduction in dplyr",
        _last("max_s", "dplyr_max_s", lambda m: f"{m['reads']:,} reads of 2 readers")),
    "reader policy 'max' (lesion_status), against data.table": (
        "readers", "the same reduction in data.table",
        _last("max_s", "data_table_max_s", lambda m: f"{m['reads']:,} reads of 2 readers")),
}


def anchor_rows() -> list[dict[str, Any]]:
    """One row per model: our time, its R anchor's and the ratio, from each result file."""
    rows = []
    for model, (name, r_name, extract) in R_ANCHORS.items():
        path = RESULTS / f"{name}.json"
        found = None
        if extract is not None and path.exists():
            found = extract(json.loads(path.read_text()))
        row = {"model": model, "r": r_name, "source": f"{name}.json", "size": None,
               "ours_s": None, "r_s": None, "ratio": None}
        if found is not None:
            row.update(size=found[0], ours_s=found[1], r_s=found[2],
                       ratio=found[2] / found[1] if found[1] else None)
        rows.append(row)
    return rows


def anchor_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["", "## The models against their R anchors (issue 16 part 5)", "",
             "Each script times our estimator and its R anchor one after the other in the "
             "same run, on the same data, and checks that they agree (see the source file). "
             "Ratio: R's time over ours (above 1: we are faster).", "",
             "| model | size | ours | R anchor | R | ratio | source |",
             "|---|---|---:|---|---:|---:|---|"]
    for r in rows:
        if r["ratio"] is None:
            lines.append(f"| {r['model']} | – | – | {r['r']} | – | not measured (no R in "
                         f"this run) | {r['source']} |")
            continue
        lines.append(f"| {r['model']} | {r['size']} | {_value(r['ours_s'], 's')} | "
                     f"{r['r']} | {_value(r['r_s'], 's')} | {r['ratio']:.3g}x | "
                     f"{r['source']} |")
    return lines


# --- the table --------------------------------------------------------------------------------
def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "bool":
        return "yes" if value >= 1 else "no"
    if unit == "s":
        return f"{value:.3g} s"
    if unit == "x":
        return f"{value:.3g}x"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.2g} {unit}"


def _threshold(row: dict[str, Any]) -> str:
    if row["threshold"] is None:
        return "–"
    sign = ">=" if row.get("higher_is_better") else "<"
    return f"{sign} {_value(row['threshold'], row['unit'])}"


def _met(row: dict[str, Any]) -> str:
    if row["met"] is None:
        return "recorded"
    return "met" if row["met"] else "**missed**"


def one_run(runs: dict[str, Any]) -> list[str]:
    """Whether every script's results come from one invocation of this runner, and which do
    not (issue 16 asks for the ratios measured side by side in one run)."""
    if not runs:
        return []
    ids = {r.get("run_id") for r in runs.values()}
    seconds = sum(r["seconds"] for r in runs.values())
    if len(ids) == 1 and None not in ids and set(runs) == set(scripts()):
        return [f"Every row below comes from one run of all {len(runs)} scripts "
                f"(`{next(iter(ids))}`), one script after another: {seconds / 60:.0f} min "
                "in all.", ""]
    latest = max((r.get("run_id") or "" for r in runs.values()), default="")
    older = sorted(n for n, r in runs.items() if r.get("run_id") != latest)
    missing = sorted(set(scripts()) - set(runs))
    return [f"Not one run: the latest run (`{latest or 'unknown'}`) did not include "
            f"{', '.join(older + missing)}; their rows come from earlier runs.", ""]


def markdown(targets: list[dict[str, Any]], runs: dict[str, Any], env: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `make bench` (`benchmarks/run.py`) on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}: "
        f"{env['cpus']} CPUs, Python {env['python']}, numpy {env['numpy']}, pandas "
        f"{env['pandas']}, pandera {env.get('pandera')}, BLAS "
        f"{', '.join(env.get('blas') or [])}, OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}.",
        "Times are the best of several runs unless stated; the machine is shared, so single "
        "runs vary by 10-30%. Each source file holds every measurement behind its rows.",
        f"Load average (1 min) when this table was written: {os.getloadavg()[0]:.1f} on "
        f"{env['cpus']} CPUs; above the CPU count wall times stretch (CPU times, where "
        "recorded, much less).",
        "",
        *one_run(runs),
        "## Targets (issues 8 and 16)",
        "",
        "| target | measured | target value | status | source |",
        "|---|---:|---:|---|---|",
    ]
    goals = [t for t in targets if t["threshold"] is not None]
    for t in goals:
        lines.append(f"| {t['target']} | {_value(t['measured'], t['unit'])} | "
                     f"{_threshold(t)} | {_met(t)} | {t['source']} |")
    info = [t for t in targets if t["threshold"] is None]
    if info:
        lines += ["", "## Recorded measurements (no target)", "",
                  "| measurement | value | note | source |", "|---|---:|---|---|"]
        for t in info:
            lines.append(f"| {t['target']} | {_value(t['measured'], t['unit'])} | "
                         f"{t.get('reason') or ''} | {t['source']} |")
    lines += anchor_table(anchor_rows())
    missed = [t for t in goals if t["met"] is False]
    if missed:
        lines += ["", "## Missed targets: why", ""]
        for t in missed:
            lines += [f"### {t['target']}", "",
                      f"Measured {_value(t['measured'], t['unit'])} against "
                      f"{_threshold(t)}.", "", t.get("reason") or "No reason recorded.", ""]
            if t.get("profile"):
                lines += ["Profile:", "", "```", t["profile"], "```", ""]
    if runs:
        lines += ["", "## Scripts run", "",
                  "| script | arguments | started | seconds | load before / after | exit |",
                  "|---|---|---|---:|---|---:|"]
        for run in runs.values():
            load = (f"{run['load_before']:.1f} / {run['load_after']:.1f}"
                    if "load_before" in run else "–")
            lines.append(f"| {run['script']} | {' '.join(run['args'])} | "
                         f"{run.get('started', '–')} | {run['seconds']:.0f} | {load} | "
                         f"{run['returncode']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes where a script offers --quick; no extra sizes")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these scripts")
    parser.add_argument("--skip", nargs="+", metavar="NAME", default=[],
                        help="do not run these scripts (their old results still count)")
    parser.add_argument("--collect-only", action="store_true",
                        help="run nothing; rebuild summary.json and README.md")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds before a script is stopped (default: 3600)")
    args = parser.parse_args()
    available = scripts()
    unknown = sorted((set(args.only or []) | set(args.skip)) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {sorted(available)}")
    runs: dict[str, Any] = {}
    if not args.collect_only:
        chosen = [n for n in available if (not args.only or n in args.only)
                  and n not in args.skip]
        run_id = f"run started {_now()}" + (" (--quick)" if args.quick else "")
        for name in chosen:
            runs[name] = run_script(name, available[name], quick=args.quick,
                                    timeout=args.timeout) | {"run_id": run_id}
    summary_path = RESULTS / "summary.json"
    if summary_path.exists() and not runs:
        runs = json.loads(summary_path.read_text()).get("scripts", {})
    elif summary_path.exists():
        previous = json.loads(summary_path.read_text()).get("scripts", {})
        runs = {**previous, **runs}
    targets = collect()
    env = environment()
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps({"environment": env, "scripts": runs,
                                        "targets": targets}, indent=2) + "\n")
    (RESULTS / "README.md").write_text(markdown(targets, runs, env))
    failed = [n for n, r in runs.items() if r["returncode"] != 0]
    missed = [t["id"] for t in targets if t["met"] is False]
    log(f"wrote {summary_path} and README.md: {len(targets)} rows, missed {missed or 'none'}"
        + (f"; scripts failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
