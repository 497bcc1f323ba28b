"""Benchmark: standardised risks (delta method and cluster bootstrap) and probabilistic bias
analysis, on one core and on every core, with identical numbers.

* ``standardize`` on 600 knees of 300 persons (tests/reference/effects/inputs/
  standardize.csv), delta method, then a 1000-replicate cluster bootstrap with ``n_jobs=1``
  and ``n_jobs=-1`` (worker start-up included);
* ``probabilistic_misclassification`` with 1,000,000 draws, ``n_jobs=1`` and ``-1``.

The R anchors, in the same run on the same CSV (R's own ``system.time`` around the
computation alone, skipped without R):

* delta method: ``glm`` then g-computation in base R, predictions on the two counterfactual
  model matrices and the same influence-function variance summed within participants
  (``tests/reference/effects/make_standardize.R``, the reference the tests use), best of
  repeats of 10 calls (our delta is a few milliseconds, R's timer counts milliseconds);
* cluster bootstrap: ``boot::boot`` over the participants (whole clusters resampled, each
  replicate refitting ``glm`` and predicting both counterfactuals), the same number of
  replicates, one core, percentile intervals with ``quantile`` as ours; the intervals differ
  by Monte Carlo error only (different random streams), recorded, not compared.

Writes ``results/effects.json`` (the harness format).

Usage::

    python benchmarks/bench_effects.py
    python benchmarks/bench_effects.py --replicates 200
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from _harness import ROOT, best_time, log, r_versions, recorded, rscript, target, write_result
from scipy import stats

from bmecohort import probabilistic_misclassification, standardize

DATA = ROOT.parent / "tests" / "reference" / "effects" / "inputs" / "standardize.csv"
COUNTS = {"exposed_cases": 120, "exposed_noncases": 80, "unexposed_cases": 60,
          "unexposed_noncases": 140}

R_SCRIPT = r"""
suppressPackageStartupMessages(library(boot))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[2])
replicates <- as.integer(args[3])
d <- d[complete.cases(d[, c("progressed", "bml", "age", "sex", "kl")]), ]
d$kl <- factor(d$kl)
f <- progressed ~ bml + age + sex + kl

delta <- function(d) {  # make_standardize.R, clustered, study population and exposed
  fit <- glm(f, family = binomial, data = d)
  X <- model.matrix(fit); b <- coef(fit); y <- d$progressed; n <- nrow(d)
  X1 <- X; X1[, "bml"] <- 1; X0 <- X; X0[, "bml"] <- 0
  p <- plogis(drop(X %*% b)); p1 <- plogis(drop(X1 %*% b)); p0 <- plogis(drop(X0 %*% b))
  ifb <- t(solve(crossprod(X * (p * (1 - p)), X), t(X * (y - p))))
  E <- d$bml == 1
  risk_if <- function(pa, Xa, w) {
    w <- w / sum(w); r <- sum(w * pa)
    list(r = r, if_ = w * (pa - r) + drop(ifb %*% colSums(Xa * (w * pa * (1 - pa)))))
  }
  pieces <- list(risk_if(p1, X1, rep(1, n)), risk_if(p0, X0, rep(1, n)),
                 risk_if(p1, X1, as.numeric(E)), risk_if(p0, X0, as.numeric(E)))
  R <- sapply(pieces, `[[`, "r")
  S <- rowsum(sapply(pieces, `[[`, "if_"), d$participant_id)
  V <- crossprod(S)
  c(rd = R[1] - R[2], rd_se = sqrt(V[1, 1] + V[2, 2] - 2 * V[1, 2]))
}
best <- Inf
for (r in 1:5) {
  t <- system.time(for (i in 1:10) est <- delta(d))
  best <- min(best, t[["elapsed"]] / 10)
}

clusters <- split(seq_len(nrow(d)), d$participant_id)
risks <- function(ids, i) {
  b <- d[unlist(clusters[i], use.names = FALSE), ]
  fit <- glm(f, family = binomial, data = b)
  e1 <- b; e1$bml <- 1; e0 <- b; e0$bml <- 0
  mean(predict(fit, e1, type = "response")) - mean(predict(fit, e0, type = "response"))
}
set.seed(1)
t_boot <- system.time({
  bt <- boot(seq_along(clusters), risks, R = replicates)
  ci <- quantile(bt$t[, 1], c(0.025, 0.975), na.rm = TRUE)
})[["elapsed"]]
write.csv(data.frame(delta_s = best, rd = est[["rd"]], rd_se = est[["rd_se"]],
                     bootstrap_s = t_boot, boot_ci_lower = ci[[1]], boot_ci_upper = ci[[2]]),
          args[1], row.names = FALSE)
"""


def r_anchor(data: pd.DataFrame, replicates: int, delta: pd.DataFrame,
             bootstrap: pd.DataFrame) -> dict[str, object] | None:
    """Base-R g-computation (delta) and boot::boot over clusters, timed in R."""
    ref = rscript(R_SCRIPT, {"standardize": data}, str(replicates), packages=("boot",))
    if ref is None:
        log("Rscript or boot not found: no R anchor")
        return None
    r = ref.iloc[0]
    def rd(summary: pd.DataFrame) -> pd.Series:  # over the study population
        rows = summary[summary["population"] == "study population"]
        return rows.set_index("term").loc["risk_difference"]

    ours, boot_ci = rd(delta), rd(bootstrap)
    return {"what": "R anchors", "r_delta_s": float(r["delta_s"]),
            "r_bootstrap_s": float(r["bootstrap_s"]), "replicates": replicates,
            "rd_abs_diff_vs_r": abs(float(ours["estimate"]) - float(r["rd"])),
            "rd_se_rel_diff_vs_r": abs(float(ours["se"]) / float(r["rd_se"]) - 1),
            "r_boot_rd_ci": [float(r["boot_ci_lower"]), float(r["boot_ci_upper"])],
            "ours_boot_rd_ci": [float(boot_ci["ci_lower"]), float(boot_ci["ci_upper"])],
            "r_version": r_versions("boot")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1_000_000)
    args = parser.parse_args()
    data = pd.read_csv(DATA).assign(kl=lambda d: d["kl"].astype(str))
    call = dict(outcome="progressed", exposure="bml", covariates=["age", "sex", "kl"])
    delta_s, delta = best_time(lambda: standardize(data, **call), 5)
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
    anchor = r_anchor(data, args.replicates, delta.summary(), runs[1])
    if anchor is not None:
        anchor |= {"ours_delta_s": delta_s, "ours_bootstrap_s": times[1], "units": len(data),
                   "clusters": int(data["participant_id"].nunique())}
        measurements.append(anchor)
        log(f"R delta (glm + g-computation): {anchor['r_delta_s']:.4f} s, risk difference "
            f"differs by {anchor['rd_abs_diff_vs_r']:.1e}, its se by "
            f"{anchor['rd_se_rel_diff_vs_r']:.1e} relative; R boot: "
            f"{anchor['r_bootstrap_s']:.2f} s, RD interval {anchor['r_boot_rd_ci']} (ours "
            f"{anchor['ours_boot_rd_ci']})")
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
