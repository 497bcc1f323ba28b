"""Benchmark: bmecohort's fast logit GEE against statsmodels' GEE and R geepack::geeglm.

Simulates knee cohorts (two knees per person, a person random effect so that the knees are
truly correlated), fits ``pain ~ bml + age + female`` clustered by person with an
exchangeable and an independence working correlation, times

* ``fast``: :func:`bmecohort.estimators.regression.fastgee.fit_logit_gee` (the solver alone),
* ``logistic``: :func:`bmecohort.estimators.regression.logit` end to end (input checks,
  design matrix, separation checks, result object), on the fast path,
* ``statsmodels``: bare ``statsmodels.GEE(...).fit()`` with the same estimators
  (``ddof_scale=0``) and tolerance,
* ``geepack``: ``geeglm`` via Rscript on a CSV, R's own ``system.time`` of the fit alone,
  at the same convergence tolerance (``epsilon = 1e-10``) and at geepack's default (1e-4),

checks that the estimates agree (coefficients 1e-6, robust errors 1e-4, relative) and writes
``benchmarks/results/gee.json`` and ``benchmarks/results/gee.md``.

Usage::

    python benchmarks/bench_gee.py            # 10k and 100k knees
    python benchmarks/bench_gee.py --million  # also 1M knees (statsmodels skipped there)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bmecohort.estimators.regression.fastgee import fit_logit_gee  # noqa: E402
from bmecohort.estimators.regression.logit import logistic  # noqa: E402

TERMS = ("Intercept", "bml", "age", "female")
R_SCRIPT = r"""
suppressPackageStartupMessages(library(geepack))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
out <- NULL
for (corstr in c("exchangeable", "independence")) {
  for (eps in c(1e-10, 1e-4)) {
    best <- Inf
    for (r in seq_len(as.integer(args[3]))) {
      t <- system.time(fit <- geeglm(pain ~ bml + age + female, family = binomial,
                                      data = d, id = person_id, corstr = corstr,
                                      control = geese.control(epsilon = eps, maxit = 200)))
      best <- min(best, t[["elapsed"]])
    }
    s <- summary(fit)$coefficients
    out <- rbind(out, data.frame(cov_struct = corstr, epsilon = eps, elapsed = best,
                                 term = c("Intercept", rownames(s)[-1]),
                                 coef = s[, "Estimate"], se = s[, "Std.err"],
                                 alpha = if (corstr == "exchangeable") fit$geese$alpha else 0))
  }
}
write.csv(out, args[2], row.names = FALSE)
"""


def simulate(persons: int, seed: int = 1) -> pd.DataFrame:
    """``persons`` persons with two knees each; pain depends on BML and a person effect."""
    rng = np.random.default_rng(seed)
    person = np.repeat(np.arange(persons), 2)
    u = rng.normal(0.0, 1.2, persons)[person]  # person random effect: real clustering
    age = rng.normal(62.0, 8.0, persons)[person].round(1)
    female = rng.binomial(1, 0.6, persons)[person]
    bml = rng.binomial(1, 1.0 / (1.0 + np.exp(-(-0.4 + 0.8 * u))))
    eta = -1.0 + 0.6 * bml + 0.02 * (age - 62.0) + 0.3 * female + u
    pain = rng.binomial(1, 1.0 / (1.0 + np.exp(-eta)))
    return pd.DataFrame({"person_id": person, "bml": bml, "age": age, "female": female,
                         "pain": pain})


def best_of(repeats: int, func) -> tuple[float, object]:
    best, value = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def run_r(frame: pd.DataFrame, repeats: int) -> pd.DataFrame | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data, out, script = (Path(tmp) / name for name in ("d.csv", "out.csv", "b.R"))
        frame.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        subprocess.run(["Rscript", str(script), str(data), str(out), str(repeats)],
                       check=True, capture_output=True)
        return pd.read_csv(out)


def r_version() -> str | None:
    if shutil.which("Rscript") is None:
        return None
    res = subprocess.run(["Rscript", "-e", 'cat(R.version.string, "; geepack",'
                          ' format(packageVersion("geepack")))'],
                         capture_output=True, text=True, check=False)
    return res.stdout.strip() or None


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1.0)))


def bench(persons: int, *, repeats: int, with_statsmodels: bool, r_repeats: int) -> list[dict]:
    import statsmodels.api as sm

    frame = simulate(persons)
    y = frame["pain"].to_numpy(dtype=float)
    x = np.column_stack([np.ones(len(frame)), frame[["bml", "age", "female"]].to_numpy(float)])
    groups = frame["person_id"].to_numpy()
    r_out = run_r(frame, r_repeats)
    rows = []
    for cov_struct in ("exchangeable", "independence"):
        row: dict = {"knees": len(frame), "persons": persons, "cov_struct": cov_struct}
        row["fast_s"], fast = best_of(repeats, lambda cs=cov_struct: fit_logit_gee(
            y, x, groups, cov_struct=cs))
        row["fast_iterations"] = fast.n_iter
        row["fast_dep_param"] = fast.dep_param
        row["logistic_s"], _ = best_of(repeats, lambda cs=cov_struct: logistic(
            frame, outcome="pain", exposures="bml", covariates=["age", "female"],
            cluster="person_id", cov_struct=cs))
        if with_statsmodels:
            structure = (sm.cov_struct.Exchangeable() if cov_struct == "exchangeable"
                         else sm.cov_struct.Independence())
            model = sm.GEE(y, x, groups=groups, family=sm.families.Binomial(),
                           cov_struct=structure)
            row["statsmodels_s"], res = best_of(1, lambda m=model: m.fit(
                maxiter=100, ctol=1e-10, ddof_scale=0))
            row["statsmodels_vs_fast_coef"] = rel_diff(res.params, fast.params)
            row["statsmodels_vs_fast_se"] = rel_diff(res.bse, fast.bse)
        if r_out is not None:
            for eps, label in ((1e-10, "geepack_s"), (1e-4, "geepack_default_tol_s")):
                sub = r_out[(r_out.cov_struct == cov_struct) & np.isclose(r_out.epsilon, eps)]
                row[label] = float(sub["elapsed"].iloc[0])
                if eps == 1e-10:
                    row["fast_vs_geepack_coef"] = rel_diff(fast.params, sub["coef"])
                    row["fast_vs_geepack_se"] = rel_diff(fast.bse, sub["se"])
                    row["geepack_dep_param"] = float(sub["alpha"].iloc[0])
            row["speedup_vs_geepack"] = row["geepack_s"] / row["fast_s"]
            row["speedup_vs_geepack_default_tol"] = row["geepack_default_tol_s"] / row["fast_s"]
            row["agrees_with_geepack"] = bool(row["fast_vs_geepack_coef"] < 1e-6
                                              and row["fast_vs_geepack_se"] < 1e-4)
        if with_statsmodels:
            row["speedup_vs_statsmodels"] = row["statsmodels_s"] / row["fast_s"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def environment() -> dict:
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "pandas": pd.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "R": r_version(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    import statsmodels

    info["statsmodels"] = statsmodels.__version__
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = [{k: p.get(k) for k in ("internal_api", "version", "architecture",
                                                "num_threads")} for p in threadpool_info()]
    except ImportError:
        info["blas"] = None
    return info


def markdown(rows: list[dict], env: dict) -> str:
    def fmt(value: object, digits: int = 3) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return "–"
        if isinstance(value, float):
            return f"{value:.{digits}g}"
        return str(value)

    lines = [
        "# GEE benchmark (logit, `pain ~ bml + age + female`, clustered by person)",
        "",
        f"Machine: {env['cpus']} CPUs, Python {env['python']}, numpy {env['numpy']}, "
        f"statsmodels {env['statsmodels']}, {env['R'] or 'no R'}.",
        "Times in seconds (best of repeats; geepack: R's `system.time` of `geeglm` alone). "
        "`geepack` uses the same convergence tolerance as the fast path (1e-10); "
        "`geepack (1e-4)` is geepack's default tolerance. Differences are maximum relative "
        "differences to geepack at 1e-10.",
        "",
        "| knees | persons | working corr. | fast | logistic() | statsmodels | geepack | "
        "geepack (1e-4) | speed-up vs geepack | vs geepack (1e-4) | vs statsmodels | "
        "coef diff | robust SE diff |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['knees']:,} | {r['persons']:,} | {r['cov_struct']} | {fmt(r['fast_s'])} | "
            f"{fmt(r['logistic_s'])} | {fmt(r.get('statsmodels_s'))} | "
            f"{fmt(r.get('geepack_s'))} | {fmt(r.get('geepack_default_tol_s'))} | "
            f"{fmt(r.get('speedup_vs_geepack'))} | "
            f"{fmt(r.get('speedup_vs_geepack_default_tol'))} | "
            f"{fmt(r.get('speedup_vs_statsmodels'))} | "
            f"{fmt(r.get('fast_vs_geepack_coef'), 2)} | {fmt(r.get('fast_vs_geepack_se'), 2)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also run 1M knees")
    parser.add_argument("--repeats", type=int, default=3, help="Python timing repeats")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    args = parser.parse_args()
    sizes = [5_000, 50_000] + ([500_000] if args.million else [])
    rows: list[dict] = []
    for persons in sizes:
        big = persons > 100_000
        rows += bench(persons, repeats=1 if big else args.repeats,
                      with_statsmodels=not big, r_repeats=1 if big else args.repeats)
    env = environment()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gee.json").write_text(json.dumps({"environment": env, "results": rows},
                                                  indent=2) + "\n")
    (args.out / "gee.md").write_text(markdown(rows, env))
    print(markdown(rows, env))


if __name__ == "__main__":
    main()
