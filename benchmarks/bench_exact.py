"""Benchmark: exact and mid-p odds ratios (and exact rate ratios) at counts of 1e3 to 1e9.

Times ``odds_ratio_from_counts(method="exact" | "midp")`` on the table
``(0.3k, k, 0.2k, k)`` for ``k = 1e3 .. 1e9`` (odds ratio 1.5), best of repeats, and
records the window of the conditional support that was summed (``_odds_ratio_math``). The
target of issue 11.5: every exact and mid-p odds ratio up to counts of 1e9 in under a
second (the machine is shared; best of repeats). ``rate_ratio_from_counts`` with
``method="exact" | "midp"`` is recorded at the same scales, and the normal approximation
used beyond :data:`EXACT_MAX_SD` at ``k = 1e12``.

Usage::

    python benchmarks/bench_exact.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import warnings

from _harness import best_time, log, profile_text, recorded, target, write_result

SCALES = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]


def table(k: float) -> dict[str, int]:
    return dict(exposed_cases=int(0.3 * k), exposed_noncases=int(k),
                unexposed_cases=int(0.2 * k), unexposed_noncases=int(k))


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
