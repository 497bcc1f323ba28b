"""Benchmark: the Aalen-Johansen cumulative incidence at 1e3 to 1e6 units, heavily tied.

Times ``aalen_johansen`` (counting-process increments, ties exact) on integer months (so
that events of both types and censorings tie at nearly every time), best of repeats. Before
issue 15 it called lifelines' ``AalenJohansenFitter``, which jitters tied times: 1.6 s at
1e4 units and 28 s at 2e5 on this machine.

Usage::

    python benchmarks/bench_survival.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import warnings

from _harness import best_time, log, profile_text, recorded, target, write_result

SIZES = [1_000, 10_000, 100_000, 1_000_000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    from bmecohort import aalen_johansen

    rng = np.random.default_rng(1)
    rows, targets = [], []
    for n in SIZES:
        data = pd.DataFrame({"months": np.ceil(rng.exponential(30, n)),
                             "cause": rng.integers(0, 3, n)})

        def call(data: pd.DataFrame = data) -> object:
            return aalen_johansen(data, duration="months", event="cause",
                                  event_of_interest=1)

        seconds, out = best_time(call, args.repeats)
        rows.append({"estimator": "aalen_johansen", "units": n, "seconds": seconds,
                     "times": len(out.table)})
        log(f"aalen_johansen n={n:>9,}: {seconds:.3f} s")
        if n == 100_000:
            targets.append(target(
                "aalen_johansen_1e5", "aalen_johansen on 1e5 units with tied times",
                seconds, 1.0, unit="s", profile=profile_text(call),
                reason="a loop over times or units crept in"))
    targets.append(recorded("aalen_johansen_1e6", "aalen_johansen on 1e6 units",
                            rows[-1]["seconds"], unit="s"))
    path = write_result("survival", rows, targets, notes=[
        "integer months, causes 0 (censored), 1, 2 drawn uniformly; seconds: best of repeats",
        "lifelines' AalenJohansenFitter (before issue 15): 1.6 s at 1e4, 28 s at 2e5 units",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
