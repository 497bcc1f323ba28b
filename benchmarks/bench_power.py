"""Benchmark: one power curve on one core, on every core and on a Dask cluster.

Runs ``power("knee_pain", effect=2, n_grid=[200, 400, 800], replicates=200, seed=1)``

* with ``n_jobs=1`` (sequential, in this process),
* with ``n_jobs=-1`` (joblib's loky processes on every core),
* inside ``joblib.parallel_config(backend="dask")`` on a ``dask.distributed.LocalCluster``
  of two single-threaded worker processes,

times each (worker start-up included: it is what a user waits for), and checks that the
three give identical replicate tables (issue 8: "a power curve for a knee design comes out of
one call, on one core, on all cores, and on a Dask cluster, with identical numbers").

Writes ``results/power.json`` (the harness format).

Usage::

    python benchmarks/bench_power.py
    python benchmarks/bench_power.py --replicates 50
"""

from __future__ import annotations

import argparse
import time

from _harness import log, recorded, target, write_result

from bmecohort.power_analysis import power

GRID = [200, 400, 800]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=200)
    args = parser.parse_args()
    call = dict(effect=2.0, n_grid=GRID, replicates=args.replicates, seed=1, progress=False)
    runs = {}
    start = time.perf_counter()
    runs["one core"] = power("knee_pain", n_jobs=1, **call)
    times = {"one core": time.perf_counter() - start}
    start = time.perf_counter()
    runs["every core"] = power("knee_pain", n_jobs=-1, **call)
    times["every core"] = time.perf_counter() - start
    try:
        from dask.distributed import Client, LocalCluster
        from joblib import parallel_config

        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster), \
                parallel_config(backend="dask"):
            runs["dask"] = power("knee_pain", **call)
        times["dask"] = time.perf_counter() - start
    except ImportError:
        log("dask.distributed not installed: skipping the Dask run")
    reference = runs["one core"].replicates
    identical = all(r.replicates.equals(reference) for r in runs.values())
    total = len(GRID) * args.replicates
    measurements = [{"backend": name, "seconds": times[name], "replicates": total,
                     "replicates_per_s": total / times[name],
                     "power": runs[name].summary()["power"].tolist()} for name in runs]
    for row in measurements:
        log(f"power on {row['backend']}: {row['seconds']:.1f} s "
            f"({row['replicates_per_s']:.0f} replicates/s)")
    targets = [target("power_identical", "power curve identical on one core, every core and "
                      "a Dask cluster (1 = yes)", 1.0 if identical else 0.0, 1.0, unit="bool",
                      higher_is_better=True,
                      reason="replicate tables differ between backends: a replicate's "
                             "result depends on scheduling")]
    targets += [recorded(f"power_{name.replace(' ', '_')}", f"power curve, knee_pain, "
                         f"{len(GRID)} sizes x {args.replicates} replicates, {name}",
                         times[name], unit="s",
                         note=f"{total / times[name]:.0f} replicates/s; power "
                              + ", ".join(f"{p:.2f}" for p in runs[name].summary()["power"]))
                for name in runs]
    path = write_result("power", measurements, targets, notes=[
        f"power('knee_pain', effect=2, n_grid={GRID}, replicates={args.replicates}, seed=1)",
        "times include starting the workers (loky processes, Dask cluster)",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
