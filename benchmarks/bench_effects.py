"""Benchmark: standardised risks (delta method and cluster bootstrap) and probabilistic bias
analysis, on one core and on every core, with identical numbers.

* ``standardize`` on 600 knees of 300 persons (tests/reference/effects/inputs/
  standardize.csv), delta method, then a 1000-replicate cluster bootstrap with ``n_jobs=1``
  and ``n_jobs=-1`` (worker start-up included);
* ``probabilistic_misclassification`` with 1,000,000 draws, ``n_jobs=1`` and ``-1``.

Writes ``results/effects.json`` (the harness format).

Usage::

    python benchmarks/bench_effects.py
    python benchmarks/bench_effects.py --replicates 200
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from _harness import ROOT, best_time, log, recorded, target, write_result
from scipy import stats

from bmecohort import probabilistic_misclassification, standardize

DATA = ROOT.parent / "tests" / "reference" / "effects" / "inputs" / "standardize.csv"
COUNTS = {"exposed_cases": 120, "exposed_noncases": 80, "unexposed_cases": 60,
          "unexposed_noncases": 140}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1_000_000)
    args = parser.parse_args()
    data = pd.read_csv(DATA).assign(kl=lambda d: d["kl"].astype(str))
    call = dict(outcome="progressed", exposure="bml", covariates=["age", "sex", "kl"])
    delta_s, _ = best_time(lambda: standardize(data, **call))
    times, runs = {}, {}
    for jobs in (1, -1):
        start = time.perf_counter()
        runs[jobs] = standardize(data, **call, ci="bootstrap", replicates=args.replicates,
                                 seed=1, n_jobs=jobs).summary()
        times[jobs] = time.perf_counter() - start
    same_bootstrap = runs[1].equals(runs[-1])
    bias_times, bias_runs = {}, {}
    for jobs in (1, -1):
        start = time.perf_counter()
        bias_runs[jobs] = probabilistic_misclassification(
            COUNTS, sensitivity=stats.beta(88, 12), specificity=stats.beta(93, 7),
            iterations=args.draws, seed=1, n_jobs=jobs).summary()
        bias_times[jobs] = time.perf_counter() - start
    same_bias = bias_runs[1].equals(bias_runs[-1])
    for label, seconds in [("delta", delta_s), ("bootstrap, 1 core", times[1]),
                           ("bootstrap, every core", times[-1]),
                           ("bias analysis, 1 core", bias_times[1]),
                           ("bias analysis, every core", bias_times[-1])]:
        log(f"{label}: {seconds:.2f} s")
    measurements = [
        {"what": "standardize delta", "seconds": delta_s},
        *({"what": f"standardize bootstrap n_jobs={j}", "seconds": t,
           "replicates": args.replicates} for j, t in times.items()),
        *({"what": f"probabilistic bias n_jobs={j}", "seconds": t, "draws": args.draws}
          for j, t in bias_times.items()),
    ]
    targets = [
        target("standardize_bootstrap_identical", "cluster bootstrap identical for n_jobs=1 "
               "and n_jobs=-1 (1 = yes)", 1.0 if same_bootstrap else 0.0, 1.0, unit="bool",
               higher_is_better=True, reason="a replicate depends on scheduling"),
        target("bias_analysis_identical", "probabilistic bias analysis identical for n_jobs=1 "
               "and n_jobs=-1 (1 = yes)", 1.0 if same_bias else 0.0, 1.0, unit="bool",
               higher_is_better=True, reason="a chunk depends on scheduling"),
        recorded("standardize_delta", "standardize, 600 knees, 3 covariates, delta method",
                 delta_s, unit="s"),
        recorded("standardize_bootstrap", f"standardize, {args.replicates}-replicate cluster "
                 f"bootstrap, every core", times[-1], unit="s",
                 note=f"one core {times[1]:.1f} s"),
        recorded("probabilistic_bias", f"probabilistic bias analysis, {args.draws} draws, "
                 f"one core", bias_times[1], unit="s"),
    ]
    path = write_result("effects", measurements, targets, notes=[
        "times include starting the workers (loky processes)"])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
