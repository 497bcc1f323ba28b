"""Benchmark: the Aalen-Johansen cumulative incidence at 1e3 to 1e6 units, heavily tied.

Times ``aalen_johansen`` (counting-process increments, ties exact) on integer months (so
that events of both types and censorings tie at nearly every time), best of repeats. Before
issue 15 it called lifelines' ``AalenJohansenFitter``, which jitters tied times: 1.6 s at
1e4 units and 28 s at 2e5 on this machine.

The R anchor, in the same run on the same data (CSV files): ``survival::survfit`` with a
multi-state factor event, ``survfit(Surv(months, factor(cause, 0:2)) ~ 1)``, which gives the
Aalen-Johansen estimate of each cause (and its standard errors, as ours gives intervals);
R's own ``system.time`` of ``survfit`` alone, best of the same repeats, with the largest
difference between the two cumulative incidences of cause 1 (skipped without R).

Usage::

    python benchmarks/bench_survival.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import warnings

from _harness import (
    best_time,
    log,
    profile_text,
    r_versions,
    recorded,
    rscript,
    target,
    write_result,
)

SIZES = [1_000, 10_000, 100_000, 1_000_000]
R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
repeats <- as.integer(args[length(args)])
out <- NULL
for (path in args[2:(length(args) - 1)]) {
  d <- read.csv(path)
  best <- Inf
  for (r in seq_len(repeats)) {
    t <- system.time(fit <- survfit(Surv(months, factor(cause, 0:2)) ~ 1, data = d))
    best <- min(best, t[["elapsed"]])
  }
  out <- rbind(out, data.frame(units = nrow(d), elapsed = best, time = fit$time,
                               cif = fit$pstate[, which(fit$states == "1")]))
}
write.csv(out, args[1], row.names = FALSE)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import numpy as np
    import pandas as pd

    from bmecohort import aalen_johansen

    rng = np.random.default_rng(1)
    rows, targets, frames, tables = [], [], {}, {}
    for n in SIZES:
        data = pd.DataFrame({"months": np.ceil(rng.exponential(30, n)),
                             "cause": rng.integers(0, 3, n)})
        frames[f"units_{n}"] = data

        def call(data: pd.DataFrame = data) -> object:
            return aalen_johansen(data, duration="months", event="cause",
                                  event_of_interest=1)

        seconds, out = best_time(call, args.repeats)
        tables[n] = out.table
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
    ref = rscript(R_SCRIPT, frames, str(args.repeats), packages=("survival",))
    if ref is None:
        log("Rscript or survival not found: no R anchor")
    else:
        for row in rows:
            r = ref[ref["units"] == row["units"]].set_index("time")["cif"]
            ours = tables[row["units"]].set_index("time")["estimate"]
            diff = float(np.max(np.abs(ours.reindex(r.index).to_numpy() - r.to_numpy())))
            row |= {"survfit_s": float(ref.loc[ref["units"] == row["units"],
                                               "elapsed"].iloc[0]),
                    "max_abs_cif_diff_vs_survfit": diff}
            log(f"survfit n={row['units']:>9,}: {row['survfit_s']:.3f} s (ours "
                f"{row['seconds']:.3f} s); cumulative incidence differs by {diff:.1e}")
        rows[-1]["r_version"] = r_versions("survival")
        targets.append(recorded(
            "aalen_johansen_vs_survfit_1e6", "survival::survfit time / aalen_johansen time, "
            "1e6 units", rows[-1]["survfit_s"] / rows[-1]["seconds"], unit="x faster",
            note="max cumulative incidence difference "
                 f"{max(r['max_abs_cif_diff_vs_survfit'] for r in rows):.1e}"))
    path = write_result("survival", rows, targets, notes=[
        "integer months, causes 0 (censored), 1, 2 drawn uniformly; seconds: best of repeats",
        "lifelines' AalenJohansenFitter (before issue 15): 1.6 s at 1e4, 28 s at 2e5 units",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
