"""Benchmark: vectorised GEE over visits (AR-1, unstructured) against statsmodels' GEE.

Simulates participants seen at up to five yearly visits (a fifth of the visits missed, a
participant random effect), fits ``pain ~ bml`` (binomial, logit) with an exchangeable, AR-1
and unstructured working correlation over the visit numbers, and times

* ``fast``: :func:`bmecohort.estimators.regression.geefit.fit_gee` with ``engine="fast"``
  (the vectorised solvers),
* ``statsmodels``: the same call with ``engine="statsmodels"`` (statsmodels' GEE with
  geepack's correlation estimators plugged in), at the smaller size only,

* ``geepack``: R's ``geepack::geese`` (``waves = visit``, the same ``corstr``, sandwich
  errors, ``epsilon = 1e-8``; ``geeglm`` is a wrapper of it) at the larger size, run by Rscript on the same rows written to
  a CSV; R's own ``system.time`` of ``geese`` alone, best of repeats (skipped without R),

checking that both give the same coefficients (1e-6; geepack to 1e-5). Writes
``results/gee_visits.json`` (recorded measurements, no targets); ``run.py`` puts the fast
solver beside geepack in the table of R anchors.

Usage::

    python benchmarks/bench_gee_visits.py           # 2,000 and 20,000 participants
    python benchmarks/bench_gee_visits.py --quick   # 500 and 5,000
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _harness import best_time, log, r_versions, recorded, rscript, write_result

from bmecohort.estimators.regression.geefit import fit_gee

VISITS = 5
R_SCRIPT = r"""
# geese(), as tests/reference/gee/make_gee.R: for unstructured with missing visits corp must be
# the row's position within its cluster (the default, waves, reads outside the matrix and
# segfaults with geepack 1.3.9)
suppressPackageStartupMessages(library(geepack))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[2])
d$position <- ave(d$visit, d$id, FUN = seq_along)
out <- NULL
for (corstr in strsplit(args[3], ",")[[1]]) {
  call <- list(pain ~ bml, id = quote(id), waves = quote(visit), data = d, family = binomial,
               corstr = corstr, control = geese.control(epsilon = 1e-8, maxit = 200))
  if (corstr == "unstructured") call$corp <- quote(position)
  best <- Inf
  for (r in seq_len(as.integer(args[4]))) {
    t <- system.time(fit <- do.call(geese, call))
    best <- min(best, t[["elapsed"]])
  }
  out <- rbind(out, data.frame(cov_struct = corstr, elapsed = best, term = names(fit$beta),
                               coef = unname(fit$beta), se = sqrt(diag(fit$vbeta))))
}
write.csv(out, args[1], row.names = FALSE)
"""
STRUCTURES = ("exchangeable", "ar1", "unstructured")


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


def geepack(data: tuple[np.ndarray, ...], fits: dict[str, tuple[float, object]],
            persons: int) -> list[dict[str, object]]:
    """R geese on the same rows, timed in R beside our fits (nothing without R)."""
    y, x, groups, visit = data
    frame = pd.DataFrame({"id": groups, "visit": visit, "bml": x[:, 1], "pain": y.astype(int)})
    ref = rscript(R_SCRIPT, {"visits": frame}, ",".join(STRUCTURES), "3",
                  packages=("geepack",))
    if ref is None:
        log("Rscript or geepack not found: no R anchor")
        return []
    rows = []
    for cov_struct, (ours_s, fast) in fits.items():
        r = ref[ref["cov_struct"] == cov_struct]
        coef = float(np.max(np.abs(np.asarray(fast.params) - r["coef"].to_numpy())))
        se = float(np.max(np.abs(np.asarray(fast.bse) / r["se"].to_numpy() - 1)))
        r_s = float(r["elapsed"].iloc[0])
        log(f"geepack {cov_struct}: {r_s:.2f} s (ours {ours_s:.3f} s); coef diff {coef:.1e}, "
            f"se rel. diff {se:.1e}")
        rows.append({"anchor": f"geepack {cov_struct}", "persons": persons, "rows": len(y),
                     f"fast_{cov_struct}_s": ours_s, f"geepack_{cov_struct}_s": r_s,
                     "max_abs_coef_diff": coef, "max_rel_se_diff": se,
                     "r_version": r_versions("geepack")})
    return rows


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

        fits = {}
        for cov_struct in STRUCTURES:
            log(f"{persons} participants, {cov_struct}")
            seconds, fast = best_time(lambda cs=cov_struct: fit(cs, "fast"))
            fits[cov_struct] = (seconds, fast)
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
        if persons == large:
            measurements += geepack(data, fits, persons)
    path = write_result("gee_visits", measurements, [])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
