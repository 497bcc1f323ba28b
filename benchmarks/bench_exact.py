"""Benchmark: exact and mid-p odds ratios (and exact rate ratios) at counts of 1e3 to 1e9.

Times ``odds_ratio_from_counts(method="exact" | "midp")`` on the table
``(0.3k, k, 0.2k, k)`` for ``k = 1e3 .. 1e9`` (odds ratio 1.5), best of repeats, and
records the window of the conditional support that was summed (``_odds_ratio_math``). The
target of issue 11.5: every exact and mid-p odds ratio up to counts of 1e9 in under a
second (the machine is shared; best of repeats). ``rate_ratio_from_counts`` with
``method="exact" | "midp"`` is recorded at the same scales, and the normal approximation
used beyond :data:`EXACT_MAX_SD` at ``k = 1e12``.

The R anchors, in the same run on the same tables, at ``k = 1e3 .. 1e5`` (``R_SCALES``:
R sums the whole conditional support, so 1e6 already takes minutes for the mid-p):
``stats::fisher.test`` (conditional maximum likelihood, exact interval and p-value; what
``epitools::oddsratio(method = "fisher")`` calls) for ``"exact"`` and
``epitools::oddsratio.midp`` for ``"midp"``, R's own ``system.time`` of the call alone, best
of the same repeats, with the largest relative difference of estimate and interval (R's
``uniroot`` stops at its default tolerance, ours at 1e-10). Skipped without R.

Usage::

    python benchmarks/bench_exact.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
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

SCALES = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
R_SCALES = [1e3, 1e4, 1e5]
R_SCRIPT = r"""
suppressPackageStartupMessages(library(epitools))
args <- commandArgs(trailingOnly = TRUE)
tables <- read.csv(args[2])
repeats <- as.integer(args[3])
out <- NULL
for (i in seq_len(nrow(tables))) {
  # epitools' layout: rows unexposed, exposed; columns noncases, cases
  x <- with(tables[i, ], matrix(c(unexposed_noncases, unexposed_cases,
                                  exposed_noncases, exposed_cases), 2, byrow = TRUE))
  for (method in c("exact", "midp")) {
    best <- Inf
    for (r in seq_len(repeats)) {
      t <- system.time(
        m <- if (method == "exact") {
          f <- fisher.test(x)
          c(f$estimate, f$conf.int)
        } else oddsratio.midp(x)$measure[2, ])
      best <- min(best, t[["elapsed"]])
    }
    out <- rbind(out, data.frame(k = tables$k[i], method = method, elapsed = best,
                                 estimate = m[1], ci_lower = m[2], ci_upper = m[3]))
  }
}
write.csv(out, args[1], row.names = FALSE)
"""


def table(k: float) -> dict[str, int]:
    return dict(exposed_cases=int(0.3 * k), exposed_noncases=int(k),
                unexposed_cases=int(0.2 * k), unexposed_noncases=int(k))


def r_anchor(rows: list[dict], targets: list[dict], repeats: int) -> None:
    """fisher.test and epitools' mid-p on the same tables, timed in R (nothing without R)."""
    tables = pd.DataFrame([{"k": k, **table(k)} for k in R_SCALES])
    ref = rscript(R_SCRIPT, {"tables": tables}, str(repeats), packages=("epitools",))
    if ref is None:
        log("Rscript or epitools not found: no R anchor")
        return
    version = r_versions("epitools")
    for r in ref.itertuples():
        ours = next(row for row in rows if row["estimator"] == "odds_ratio_from_counts"
                    and row["method"] == r.method and row["k"] == r.k)
        diff = float(np.max(np.abs(np.array([ours["estimate"], ours["ci_lower"],
                                              ours["ci_upper"]])
                                    / np.array([r.estimate, r.ci_lower, r.ci_upper]) - 1)))
        ours |= {"r_s": float(r.elapsed), "r_function": "stats::fisher.test"
                 if r.method == "exact" else "epitools::oddsratio.midp",
                 "max_rel_diff_vs_r": diff, "r_version": version}
        log(f"R {ours['r_function']} k={r.k:8.0e}: {r.elapsed:.3f} s (ours "
            f"{ours['seconds']:.3f} s); estimate and interval differ by {diff:.1e} relative")
    for method in ("exact", "midp"):
        top = max((row for row in rows if row.get("r_s") is not None
                   and row["method"] == method), key=lambda row: row["k"])
        targets.append(recorded(
            f"odds_ratio_{method}_vs_r", f"{top['r_function']} time / odds_ratio_from_counts"
            f"(method={method!r}) time, k = {top['k']:.0e}", top["r_s"] / top["seconds"],
            unit="x faster", note=f"relative difference {top['max_rel_diff_vs_r']:.1e}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from scipy import stats

    from bmecohort import odds_ratio_from_counts, rate_ratio_from_counts
    from bmecohort.estimators.association import _odds_ratio_math as orm

    rows, targets = [], []
    for method in ("exact", "midp"):
        worst, worst_k = 0.0, SCALES[0]
        for k in SCALES + [1e12]:
            cells = table(k)

            def call(cells: dict[str, int] = cells, method: str = method) -> object:
                return odds_ratio_from_counts(**cells, method=method)

            seconds, out = best_time(call, args.repeats)
            a, b, c, d = cells.values()
            half = (stats.norm.ppf(0.975) + orm._WINDOW_EXTRA_SD) * orm._sd_guess(a, b, c, d)
            row = {"estimator": "odds_ratio_from_counts", "method": out.method, "k": k,
                   "seconds": seconds, "estimate": out.estimate, "ci_lower": out.ci_lower,
                   "ci_upper": out.ci_upper,
                   "window_points": 0 if out.method.endswith("approximation")
                   else min(2 * int(half) + 1, min(a + b, a + c) + 1)}
            log(f"odds ratio {out.method:28s} k={k:8.0e}: {seconds:.3f} s "
                f"({row['window_points']} points)")
            rows.append(row)
            if k <= 1e9 and seconds > worst:
                worst, worst_k = seconds, k
        big = table(worst_k)
        targets.append(target(
            f"odds_ratio_{method}_1e9", f"odds_ratio_from_counts(method={method!r}) at every "
            "count scale up to 1e9 (slowest scale, best of repeats)", worst, 1.0, unit="s",
            profile=profile_text(lambda big=big, method=method: odds_ratio_from_counts(
                **big, method=method)),
            reason="the window of the support or the number of root evaluations grew"))
    r_anchor(rows, targets, args.repeats)
    for method in ("exact", "midp"):
        for k in SCALES:
            def call_rate(k: float = k, method: str = method) -> object:
                return rate_ratio_from_counts(
                    exposed_events=int(0.3 * k), exposed_person_time=k,
                    unexposed_events=int(0.2 * k), unexposed_person_time=k, method=method)

            seconds, out = best_time(call_rate, args.repeats)
            rows.append({"estimator": "rate_ratio_from_counts", "method": method, "k": k,
                         "seconds": seconds, "estimate": out.estimate,
                         "ci_lower": out.ci_lower, "ci_upper": out.ci_upper})
        slowest = max(r["seconds"] for r in rows
                      if r["estimator"] == "rate_ratio_from_counts" and r["method"] == method)
        targets.append(recorded(f"rate_ratio_{method}_1e9",
                                f"rate_ratio_from_counts(method={method!r}), slowest scale "
                                "up to 1e9 events", slowest, unit="s"))
        log(f"rate ratio {method}: slowest {slowest:.3f} s")
    path = write_result("exact", rows, targets, notes=[
        "table (0.3k, k, 0.2k, k), odds ratio 1.5; seconds: best of repeats",
        "window_points: support points summed per evaluation (z + 10 SDs either side of a)",
        "k = 1e12 is beyond EXACT_MAX_SD: method ends in -normal-approximation (no window)",
        "before issue 11.5, method='exact' (scipy's conditional odds ratio) took 67 s at k = 1e5",
    ])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
