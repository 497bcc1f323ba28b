"""Benchmark: conditional logistic regression, fast engine vs statsmodels vs R clogit.

The report's Table 2 row "pain fluctuation" (:func:`bmecohort.designs.pain_fluctuation`,
Zhang 2011) compares each knee with itself over the visits: ``conditional_logistic(frame,
outcome="pain", exposure="bml_change", group="knee", categorical=["bml_change"],
reference="0", trend=True)``, clustered by participant. This script builds that design on
the knee share of the 50,000-participant report cohort (29,104 knee participants, the demo's
mix as in ``bench_report_50k.py``), and times, end to end (input checks, design matrix,
separation checks, the categorical and the trend fit, the cluster-robust variance):

* ``fast``: ``engine="fast"``, :mod:`bmecohort.estimators.regression.fastclogit`;
* ``statsmodels``: ``engine="statsmodels"`` (``ConditionalLogit``, the general path);
* ``R clogit``: ``survival::clogit(method = "exact")`` via Rscript on the same informative
  rows, R's own ``system.time`` of the two fits (categorical and trend) alone, with the
  model-based variance: R refuses a robust variance with the exact likelihood, so our side
  of that comparison is ``cluster=None``.

Targets (issue 16 item 2): the fast engine at least 10 times faster than statsmodels, with
the same estimates (1e-8 absolute) and errors (1e-6 relative); agreement with R recorded.
Writes ``results/clogit.json`` (the harness format).

Usage::

    python benchmarks/bench_clogit.py                       # 50,000-participant cohort
    python benchmarks/bench_clogit.py --participants 5000   # smaller
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _harness import best_time, log, profile_text, recorded, target, write_result

from bmecohort.cohort import Cohort
from bmecohort.designs.knee import CHANGE_LABELS, pain_fluctuation
from bmecohort.estimators.regression.conditional import conditional_logistic
from bmecohort.exceptions import DataQualityWarning
from bmecohort.simulate.demo import DEMO_SIZES
from bmecohort.simulate.knee import knee_tables

SEED = 20261124  # bench_report_50k's
ARGS = dict(outcome="pain", exposure="bml_change", group="knee", categorical=["bml_change"],
            reference="0", trend=True, unit="knee-visit")
R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$bml_change <- factor(d$bml_change, levels = strsplit(args[3], ",")[[1]])
ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100)
best <- Inf
for (r in seq_len(as.integer(args[4]))) {
  t <- system.time({
    cat_fit <- clogit(pain ~ bml_change + strata(knee), data = d, method = "exact",
                      control = ctl)
    trend_fit <- clogit(pain ~ score + strata(knee), data = d, method = "exact",
                        control = ctl)
  })
  best <- min(best, t[["elapsed"]])
}
s1 <- summary(cat_fit)$coefficients
s2 <- summary(trend_fit)$coefficients
term <- c(sub("^bml_change(.+)$", "bml_change[\\1]", rownames(s1)), "bml_change (trend)")
write.csv(data.frame(term = term, coef = c(s1[, "coef"], s2[, "coef"]),
                     se = c(s1[, "se(coef)"], s2[, "se(coef)"]), elapsed = best),
          args[2], row.names = FALSE)
"""


def design_frame(participants: int) -> pd.DataFrame:
    """The pain-fluctuation rows of the knee share of a ``participants`` report cohort."""
    mix = DEMO_SIZES["default"]
    knee = max(2, round(participants * mix["knee"] / sum(mix.values())))
    cohort = Cohort(**knee_tables(knee, seed=SEED, id_prefix="K"), name="knee share")
    return pain_fluctuation(cohort).frame


def run_r(frame: pd.DataFrame, repeats: int) -> pd.DataFrame | None:
    """R clogit's estimates, model-based errors and best elapsed seconds (None without R)."""
    if shutil.which("Rscript") is None:
        return None
    informative = frame.groupby("knee")["pain"].transform("nunique") > 1
    rows = frame.loc[informative, ["knee", "pain", "bml_change"]].assign(
        pain=lambda d: d["pain"].astype(int),
        score=lambda d: d["bml_change"].map({lv: i for i, lv in enumerate(CHANGE_LABELS)}))
    with tempfile.TemporaryDirectory() as tmp:
        data, out, script = Path(tmp) / "d.csv", Path(tmp) / "out.csv", Path(tmp) / "c.R"
        rows.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        subprocess.run(["Rscript", str(script), str(data), str(out), ",".join(CHANGE_LABELS),
                        str(repeats)], check=True)
        return pd.read_csv(out).set_index("term")


def r_version() -> str | None:
    if shutil.which("Rscript") is None:
        return None
    res = subprocess.run(["Rscript", "-e", 'cat(R.version.string, "; survival",'
                          ' format(packageVersion("survival")))'],
                         capture_output=True, text=True)
    return res.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    frame = design_frame(args.participants)
    knees = frame["knee"].nunique()
    log(f"clogit: {args.participants:,} participants, {len(frame):,} knee-visits of "
        f"{knees:,} knees")

    fast_s, fast = best_time(lambda: conditional_logistic(frame, engine="fast", **ARGS),
                             args.repeats)
    log(f"  fast engine: {fast_s:.2f} s")
    sm_s, ref = best_time(lambda: conditional_logistic(frame, engine="statsmodels", **ARGS), 1)
    log(f"  statsmodels: {sm_s:.1f} s")
    got, want = fast.summary().set_index("term"), ref.summary().set_index("term")
    coef_diff = float(np.max(np.abs(got["coef"] - want["coef"])))
    se_diff = float(np.max(np.abs(got["se"] / want["se"] - 1.0)))
    auto = conditional_logistic(frame, **ARGS)
    speedup = sm_s / fast_s
    measurements = [{"what": "pain fluctuation design", "participants": args.participants,
                     "knee_visits": len(frame), "knees": knees,
                     "informative_rows": fast.accounting.n_used,
                     "clusters": fast.accounting.n_clusters, "method": fast.method,
                     "auto_engine": auto.engine},
                    {"what": "conditional_logistic end to end", "fast_s": fast_s,
                     "statsmodels_s": sm_s, "speedup": speedup,
                     "max_abs_coef_diff": coef_diff, "max_rel_se_diff": se_diff,
                     "terms": got.index.tolist()}]
    targets = [
        target("clogit_50k_speedup", "conditional logistic (pain fluctuation, clustered, with "
               f"trend) fast engine vs statsmodels, {args.participants:,} participants",
               speedup, 10.0, unit="x", higher_is_better=True,
               profile=profile_text(lambda: conditional_logistic(frame, engine="fast",
                                                                 **ARGS)),
               reason="see the profile"),
        target("clogit_50k_coef", "same estimates as statsmodels (max abs. coef difference; "
               "target 1e-8)", coef_diff, 1e-8, unit="abs. diff"),
        target("clogit_50k_se", "same cluster-robust errors as statsmodels (max rel. "
               "difference; target 1e-6)", se_diff, 1e-6, unit="rel. diff"),
        recorded("clogit_50k_fast_s", f"fast engine end to end, {len(frame):,} knee-visits",
                 fast_s, unit="s"),
        recorded("clogit_50k_statsmodels_s", "statsmodels engine end to end", sm_s, unit="s"),
    ]
    notes = [f"auto chose engine {auto.engine!r}"]
    r = run_r(frame, args.repeats)
    if r is None:
        notes.append("R not found: no clogit comparison")
    else:
        with warnings.catch_warnings():  # the opt-out's warning is expected here
            warnings.simplefilter("ignore", DataQualityWarning)
            naive = conditional_logistic(frame, engine="fast", cluster=None,
                                         **ARGS).summary().set_index("term")
        r_coef = float(np.max(np.abs(naive.loc[r.index, "coef"] - r["coef"])))
        r_se = float(np.max(np.abs(naive.loc[r.index, "se"] / r["se"] - 1.0)))
        r_s = float(r["elapsed"].iloc[0])
        log(f"  R clogit (exact): {r_s:.2f} s; coef diff {r_coef:.1e}, se diff {r_se:.1e}")
        measurements.append({"what": "R survival::clogit(method='exact'), two fits alone",
                             "r_s": r_s, "r_version": r_version(),
                             "max_abs_coef_diff": r_coef, "max_rel_se_diff": r_se})
        targets += [
            target("clogit_50k_vs_r", "same estimates as R clogit exact (max abs. coef "
                   f"difference; model-based se rel. diff {r_se:.1g})", r_coef, 1e-6,
                   unit="abs. diff"),
            recorded("clogit_50k_r_s", "R survival::clogit(method='exact'), categorical and "
                     "trend fits alone (no robust variance: R refuses it for 'exact')",
                     r_s, unit="s")]
    path = write_result("clogit", measurements, targets, notes=notes)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
