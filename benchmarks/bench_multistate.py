"""Benchmark: bmecohort.multistate against R msm on a simulated 20,000-subject panel.

Two states (no lesion <-> lesion), four visits at irregular times, a binary covariate on both
intensities; times, side by side in one run, the fit alone in each (R's ``system.time`` of
``msm``, with its default optimiser, and with ``reltol = 1e-12`` as the references use), and
checks that the intensities agree. Target (issue 12): at least 2 times faster than R msm.

Usage::

    python benchmarks/bench_multistate.py            # 20,000 subjects
    python benchmarks/bench_multistate.py --quick    # 2,000 subjects
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _harness import best_time, log, profile_text, recorded, target, write_result

R_SCRIPT = r"""
suppressPackageStartupMessages(library(msm))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
q <- rbind(c(0, 0.1), c(0.3, 0))
t1 <- system.time(f1 <- msm(state ~ years, subject = id, data = d, qmatrix = q,
                            covariates = ~ x))[["elapsed"]]
t2 <- system.time(f2 <- msm(state ~ years, subject = id, data = d, qmatrix = q,
                            covariates = ~ x, control = list(reltol = 1e-12,
                                                             maxit = 10000)))[["elapsed"]]
qm <- qmatrix.msm(f2, ci = "none")
write.csv(data.frame(seconds_default = t1, seconds_tight = t2, q12 = qm[1, 2], q21 = qm[2, 1],
                     minus2loglik = f2$minus2loglik), args[2], row.names = FALSE)
"""


def simulate(n: int, seed: int = 3) -> pd.DataFrame:
    """A two-state panel: vectorised draws of each interval's transition."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n)
    times = np.column_stack([np.zeros(n), 1 + rng.uniform(-0.2, 0.2, n),
                             2 + rng.uniform(-0.2, 0.2, n), 4 + rng.uniform(-0.3, 0.3, n)])
    q01, q10 = 0.15 * 1.6 ** x, 0.45 * 0.8 ** x
    state = np.zeros((n, 4), dtype=int)
    state[:, 0] = rng.random(n) < 0.25
    total = q01 + q10
    for j in range(1, 4):
        dt = times[:, j] - times[:, j - 1]
        decay = np.exp(-total * dt)
        p_to_1 = np.where(state[:, j - 1] == 0, q01 / total * (1 - decay),
                          q01 / total + q10 / total * decay)
        state[:, j] = rng.random(n) < p_to_1
    return pd.DataFrame({"id": np.repeat(np.arange(n), 4), "years": times.ravel().round(4),
                         "state": state.ravel() + 1, "x": np.repeat(x, 4)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    import bmecohort as bc

    n = 2000 if args.quick else 20_000
    data = simulate(n)

    def ours():
        return bc.multistate(data, subject="id", time="years", state="state",
                             qmatrix=[[0, 0.1], [0.3, 0]], covariates=["x"])

    seconds, fit = best_time(ours, repeats=2)
    log(f"bmecohort.multistate: {seconds:.2f} s on {n:,} subjects")
    measurements = [{"subjects": n, "rows": len(data), "bmecohort_s": seconds,
                     "bmecohort_minus2loglik": -2 * fit.loglik}]
    targets = []
    notes: list[str] = []
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv, out, script = (Path(tmp) / f for f in ("d.csv", "o.csv", "b.R"))
            data.to_csv(csv, index=False)
            script.write_text(R_SCRIPT)
            subprocess.run(["Rscript", str(script), str(csv), str(out)], check=True,
                           capture_output=True)
            ref = pd.read_csv(out).iloc[0]
        q = fit.intensities["estimate"].to_numpy()
        diff = float(np.max(np.abs(q / ref[["q12", "q21"]].to_numpy(float) - 1)))
        log(f"R msm: {ref['seconds_default']:.2f} s (default), {ref['seconds_tight']:.2f} s "
            f"(reltol 1e-12); intensities agree to {diff:.1e} relative")
        measurements[0] |= {"msm_default_s": float(ref["seconds_default"]),
                            "msm_tight_s": float(ref["seconds_tight"]),
                            "max_rel_intensity_diff": diff,
                            "msm_minus2loglik": float(ref["minus2loglik"])}
        targets.append(target(
            "multistate_vs_msm", f"multistate, {n:,} subjects: msm time (default) / ours",
            float(ref["seconds_default"]) / seconds, 2.0, unit="x faster",
            higher_is_better=True, profile=profile_text(ours),
            reason="numerical derivatives of the likelihood dominate"))
        targets.append(recorded("multistate_vs_msm_tight",
                                "msm time (reltol 1e-12) / ours",
                                float(ref["seconds_tight"]) / seconds, unit="x faster"))
        targets.append(target("multistate_agrees_msm", "max relative intensity difference",
                              diff, 1e-4, unit="relative"))
    else:
        notes.append("Rscript not found: msm not measured")
    write_result("multistate", measurements, targets, notes=notes)


if __name__ == "__main__":
    main()
