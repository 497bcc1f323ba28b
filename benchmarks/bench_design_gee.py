"""Benchmark: where the CPU of the GEE design checks goes, and what batching their fits saves.

The design checks of analyses 03 (3d, 3e), 04 (4b), 05 (5a-5c) and 06 (6a-6c) simulate a
cohort per replicate and analyse it as published, one replicate at a time. This script runs
``--replicates`` replicates of each (after one warm-up replicate), in this process, and
times (CPU: user + system of this process) the stages of a replicate:

* the simulator (``knee_cohort``, ``spine_cohort``, ``ra_bone_cohort``), and within it the
  validation of the simulated tables (``Cohort`` construction),
* the design functions (frames, exclusions and every estimate), and within them
  ``logistic`` and, within that, the vectorised GEE solver, statsmodels' refits of fits it
  could not converge, statsmodels' GLM (no clustering) and the separation checks.

Every clustered model's inputs are recorded; each model's fits over the replicates are then
timed again, one replicate at a time (``fit_fast_gee``, as the analyses run them) and all at
once (``fit_fast_gee_batch``, exchangeable working correlation), and compared bit for bit.

Writes ``results/design_gee.json`` (the harness format).

Usage::

    python benchmarks/bench_design_gee.py
    python benchmarks/bench_design_gee.py --replicates 200
    python benchmarks/bench_design_gee.py --quick     # 5 replicates per design check
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from _harness import log, recorded, write_result

import bmecohort.cohort as cohort_module
import bmecohort.designs.knee as knee_design
import bmecohort.designs.ra as ra_design
import bmecohort.designs.spine as spine_design
import bmecohort.estimators.regression._logit_fit as logit_fit
import bmecohort.estimators.regression.geefit as geefit
import bmecohort.estimators.regression.logit as logit
from bmecohort._design_check import replicate
from bmecohort.estimators.regression.fastgee import fit_fast_gee
from bmecohort.estimators.regression.fastgee_batch import fit_fast_gee_batch

ANALYSES = Path(__file__).resolve().parent.parent / "analyses"


def _module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ANALYSES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def checks() -> list[tuple[str, Any, Callable[[int], Any], int]]:
    """(rows, analysis module, one replicate's fit, first seed) of each design check."""
    felson, wluka = _module("03_felson_2003"), _module("04_wluka_2009")
    chiow, nieuw = _module("05_chiowchanwisawakit_2011"), _module("06_nieuwenhuis_2016")
    prevalence = felson.baseline_prevalence()
    with_bml = wluka.prevalence_row()[1]
    return [
        ("3d-3e", felson, lambda s: felson.simulate_and_fit(s, prevalence), 2003),
        ("4b", wluka, lambda s: wluka.simulate_and_fit(s, with_bml), 850),
        ("5a-5c", chiow, chiow.simulate_and_fit, 2215),
        ("6a-6b", nieuw, nieuw.baseline_model, 1080),
        ("6c", nieuw, nieuw.course_model, 1080),
    ]


@contextlib.contextmanager
def timed(stages: dict[str, float], fast_inputs: list[list[tuple[Any, ...]]],
          analysis: Any) -> Iterator[None]:
    """Patch the stage functions where they are looked up; CPU time adds up per stage."""
    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, attr: str, label: str, record: bool = False) -> None:
        original = getattr(owner, attr)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if record:  # the replicate's n-th fit: one model of the design
                fast_inputs[-1].append((args, kwargs))
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                stages[label] += time.process_time() - start

        patched.append((owner, attr, original))
        setattr(owner, attr, wrapper)

    for attr in ("knee_cohort", "spine_cohort", "ra_bone_cohort"):
        if hasattr(analysis, attr):
            wrap(analysis, attr, "simulate (all)")
    wrap(cohort_module, "validate_tables", "simulate: validate the tables")
    for attr in ("bml_progression", "cartilage_progression", "syndesmophyte_predictors",
                 "erosive_progression", "bme_course"):
        if hasattr(analysis, attr):
            wrap(analysis, attr, "design functions (all)")
    for owner in (knee_design, spine_design, ra_design):
        wrap(owner, "logistic", "design: logistic (all)")
        wrap(owner, "odds_ratio", "design: odds_ratio")
    wrap(geefit, "fit_fast_gee", "logistic: vectorised GEE solver", record=True)
    wrap(geefit, "_fit_statsmodels", "logistic: statsmodels GEE refits")
    wrap(logit_fit, "_fit_glm", "logistic: statsmodels GLM")
    wrap(logit, "separation", "logistic: separation checks")
    try:
        yield
    finally:
        for owner, attr, original in reversed(patched):
            setattr(owner, attr, original)


def batch_comparison(fast_inputs: list[list[tuple[Any, ...]]]) -> list[dict[str, Any]]:
    """Each exchangeable model's fits: one at a time vs all at once, and bit identity."""
    per_model: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for calls in fast_inputs:  # one list per replicate
        for i, call in enumerate(calls):
            per_model[i].append(call)
    out = []
    for model, calls in per_model.items():
        kinds = {(c[1].get("cov_struct"), c[1].get("family"), c[1].get("scale_fixed"))
                 for c in calls}
        if len(kinds) != 1 or next(iter(kinds))[0] != "exchangeable":
            out.append({"model": model, "fits": len(calls), "kind": sorted(map(str, kinds))})
            continue
        _, family, scale_fixed = next(iter(kinds))
        arrays = [tuple(np.asarray(a) for a in c[0][:3]) for c in calls]
        start = time.process_time()
        with np.errstate(all="ignore"):
            ones = [fit_fast_gee(y, x, g, family=family, cov_struct="exchangeable",
                                 scale_fixed=scale_fixed) for y, x, g in arrays]
        one_at_a_time = time.process_time() - start
        y = np.concatenate([a[0] for a in arrays])
        x = np.vstack([a[1] for a in arrays])
        g = np.concatenate([a[2] for a in arrays])
        batch = np.repeat(np.arange(len(arrays)), [len(a[0]) for a in arrays])
        start = time.process_time()
        fit = fit_fast_gee_batch(y, x, g, batch, family=family, cov_struct="exchangeable",
                                 scale_fixed=scale_fixed)
        at_once = time.process_time() - start
        same = all(np.array_equal(o.params, fit.params[b], equal_nan=True)
                   and np.array_equal(o.cov_robust, fit.cov_robust[b], equal_nan=True)
                   and o.converged == fit.converged[b] and o.stop_reason == fit.stop_reason[b]
                   for b, o in enumerate(ones))
        out.append({"model": model, "fits": len(calls), "kind": "exchangeable",
                    "terms": int(x.shape[1]), "rows": int(len(y)),
                    "unconverged": int((~fit.converged).sum()),
                    "one_at_a_time_s": one_at_a_time, "at_once_s": at_once,
                    "bit_identical": bool(same)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="5 replicates per check")
    args = parser.parse_args()
    if args.quick:
        args.replicates = 5
    measurements, targets = [], []
    for rows, analysis, fit, seed in checks():
        replicate(fit, seed=seed - 1, replicates=1)  # warm-up: imports, caches
        stages: dict[str, float] = defaultdict(float)
        fast_inputs: list[list[tuple[Any, ...]]] = []

        def counted(s: int, fit: Callable[[int], Any] = fit,
                    calls: list[list[tuple[Any, ...]]] = fast_inputs) -> Any:
            calls.append([])
            return fit(s)

        with timed(stages, fast_inputs, analysis):
            start = time.process_time()
            replicate(counted, seed=seed, replicates=args.replicates)
            total = time.process_time() - start
        per = {k: v / args.replicates for k, v in stages.items()}
        batches = batch_comparison(fast_inputs)
        saved = sum(b["one_at_a_time_s"] - b["at_once_s"] for b in batches
                    if "at_once_s" in b) / args.replicates
        measurements.append({"rows": rows, "replicates": args.replicates,
                             "cpu_per_replicate_s": total / args.replicates,
                             "stages_per_replicate_s": per, "fits": batches})
        log(f"{rows}: {total / args.replicates:.3f} s CPU per replicate; "
            + ", ".join(f"{k} {v:.4f}" for k, v in sorted(per.items())))
        for b in batches:
            log(f"  model {b}")
        if batches:
            fits = (f"vectorised GEE solver {per.get('logistic: vectorised GEE solver', 0):.4f}"
                    f" s, statsmodels GEE refits "
                    f"{per.get('logistic: statsmodels GEE refits', 0):.4f} s; fitting every "
                    f"replicate's GEE at once saves {saved:.4f} s per replicate")
        else:
            fits = (f"no GEE (statsmodels GLM "
                    f"{per.get('logistic: statsmodels GLM', 0):.4f} s)")
        targets.append(recorded(
            f"design_gee_{rows}", f"design check {rows}: CPU per replicate", total
            / args.replicates, unit="s",
            note=f"simulate {per.get('simulate (all)', 0):.3f} s (validation "
                 f"{per.get('simulate: validate the tables', 0):.3f} s); {fits}"))
    path = write_result("design_gee", measurements, targets, notes=[
        f"{args.replicates} replicates per design check after one warm-up replicate, one "
        "process, CPU time (time.process_time); stage times are inclusive (a stage's "
        "time contains the stages called from it)",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
