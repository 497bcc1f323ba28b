"""Benchmark: vectorised GEE over visits (AR-1, unstructured) against statsmodels' GEE.

Simulates participants seen at up to five yearly visits (a fifth of the visits missed, a
participant random effect), fits ``pain ~ bml`` (binomial, logit) with an exchangeable, AR-1
and unstructured working correlation over the visit numbers, and times

* ``fast``: :func:`bmecohort.estimators.regression.geefit.fit_gee` with ``engine="fast"``
  (the vectorised solvers),
* ``statsmodels``: the same call with ``engine="statsmodels"`` (statsmodels' GEE with
  geepack's correlation estimators plugged in), at the smaller size only,

checking that both give the same coefficients (1e-6). Writes ``results/gee_visits.json``
(recorded measurements, no targets).

Usage::

    python benchmarks/bench_gee_visits.py           # 2,000 and 20,000 participants
    python benchmarks/bench_gee_visits.py --quick   # 500 and 5,000
"""

from __future__ import annotations

import argparse

import numpy as np
from _harness import best_time, log, recorded, write_result

from bmecohort.estimators.regression.geefit import fit_gee

VISITS = 5


def simulate(persons: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    cluster = np.repeat(np.arange(persons), VISITS)
    visit = np.tile(np.arange(1, VISITS + 1), persons)
    shared = rng.normal(size=persons)[cluster]
    bml = (rng.random(len(cluster)) < 0.4).astype(float)
    pain = (rng.random(len(cluster)) < 1 / (1 + np.exp(-(-0.5 + 0.6 * bml + shared))))
    keep = rng.random(len(cluster)) > 0.2
    exog = np.column_stack([np.ones(keep.sum()), bml[keep]])
    return pain[keep].astype(float), exog, cluster[keep], visit[keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    small, large = (500, 5_000) if args.quick else (2_000, 20_000)
    measurements = []
    for persons in (small, large):
        data = simulate(persons)

        def fit(cov_struct: str, engine: str, d: tuple = data) -> object:
            y, x, groups, visit = d
            return fit_gee(y, x, groups, cov_struct=cov_struct, time=visit, engine=engine)

        for cov_struct in ("exchangeable", "ar1", "unstructured"):
            log(f"{persons} participants, {cov_struct}")
            seconds, fast = best_time(lambda cs=cov_struct: fit(cs, "fast"))
            measurements.append(recorded(
                f"gee_visits.fast.{cov_struct}.{persons}",
                f"vectorised GEE, {cov_struct}, {persons} participants x {VISITS} visits",
                seconds, unit="s"))
            if persons == small:
                seconds, general = best_time(lambda cs=cov_struct: fit(cs, "statsmodels"),
                                             repeats=1)
                agree = bool(np.allclose(fast.params, general.params, rtol=1e-6, atol=1e-9))
                measurements.append(recorded(
                    f"gee_visits.statsmodels.{cov_struct}.{persons}",
                    f"statsmodels GEE, {cov_struct}, {persons} participants x {VISITS} visits",
                    seconds, unit="s", note=f"coefficients agree with the fast solver: {agree}"))
    path = write_result("gee_visits", measurements, [])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
