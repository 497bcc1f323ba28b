"""Benchmark: reader policies of lesion_status against one reader's status.

On a simulated MOAKS knee cohort re-read in full by a second reader
(:func:`bmecohort.simulate.add_second_reader`, ``fraction=1``), times
``lesion_status(cohort, unit="knee", reader=...)`` for one reader (half the reads) and for
each policy (``"first"``, ``"mean"``, ``"max"``, ``"adjudicated"``: every read combined per
site, each reader's own knee status computed to count disagreements). For information (no
target): a policy reads twice the rows and builds a second, per-reader status, so a few
times one reader's time is expected.

R has no counterpart of ``lesion_status`` (it is data wrangling, not a model), so the R
anchor is the same reduction written by hand on the same reads (a CSV) at the larger size:
policy ``"max"`` (the largest of the readers' MOAKS BML grades per subregion and visit),
then the knee's largest grade per visit, a lesion where it is at least 1, with ``dplyr``
(``group_by`` + ``summarise``) and with ``data.table``, R's own ``system.time`` of the
aggregation alone, best of the same repeats; the knee scores are compared with ours. What
ours does besides (so the ratio flatters R): checks of the reads, each reader's own knee
status to count and list disagreements, the visit months joined in. Skipped without R.

Usage::

    python benchmarks/bench_readers.py            # 500 and 2,000 participants
    python benchmarks/bench_readers.py --quick    # 500 participants
"""

from __future__ import annotations

import argparse

import numpy as np
from _harness import best_time, log, r_versions, recorded, rscript, write_result

from bmecohort.course import lesion_status
from bmecohort.simulate import add_second_reader, knee_cohort

POLICIES = ("first", "mean", "max", "adjudicated")
R_SCRIPT = r"""
suppressPackageStartupMessages({library(dplyr); library(data.table)})
args <- commandArgs(trailingOnly = TRUE)
reads <- read.csv(args[2], stringsAsFactors = FALSE)
reads <- reads[reads$item == "bml_size", c("participant_id", "side", "visit", "site",
                                           "reader", "score")]
repeats <- as.integer(args[3])
with_dplyr <- function(d) d |>
  group_by(participant_id, side, visit, site) |>
  summarise(score = max(score, na.rm = TRUE), .groups = "drop") |>
  group_by(participant_id, side, visit) |>
  summarise(score = max(score), .groups = "drop") |>
  mutate(present = score >= 1)
dt <- as.data.table(reads)
with_dt <- function(d) {
  s <- d[, .(score = max(score, na.rm = TRUE)), by = .(participant_id, side, visit, site)]
  k <- s[, .(score = max(score)), by = .(participant_id, side, visit)]
  k[, present := score >= 1][]
}
best <- c(dplyr = Inf, data.table = Inf)
for (r in seq_len(repeats)) {
  best[["dplyr"]] <- min(best[["dplyr"]], system.time(a <- with_dplyr(reads))[["elapsed"]])
  best[["data.table"]] <- min(best[["data.table"]], system.time(b <- with_dt(dt))[["elapsed"]])
}
a <- as.data.frame(a)
a$dplyr_s <- best[["dplyr"]]; a$data_table_s <- best[["data.table"]]
a$same_as_data_table <- isTRUE(all.equal(a$score, as.data.frame(b[order(participant_id, side,
                                                                       visit)])$score))
write.csv(a, args[1], row.names = FALSE)
"""


def bench(participants: int, repeats: int, with_r: bool = False) -> dict[str, object]:
    cohort = add_second_reader(knee_cohort(participants, seed=1), seed=2, fraction=1.0)
    row: dict[str, object] = {"participants": participants,
                              "reads": len(cohort.lesion_reads)}
    row["one_reader_s"], _ = best_time(
        lambda: lesion_status(cohort, unit="knee", reader="R1"), repeats)
    for policy in POLICIES:
        seconds, status = best_time(
            lambda policy=policy: lesion_status(cohort, unit="knee", reader=policy), repeats)
        row[f"{policy}_s"] = seconds
        row["knee_visits_read_twice"] = status.reading.n_multiple
    log(str(row))
    if with_r:
        row |= r_anchor(cohort, row, repeats)
    return row


def r_anchor(cohort: object, row: dict[str, object], repeats: int) -> dict[str, object]:
    """The "max" reduction by hand in dplyr and data.table, timed in R (nothing without R)."""
    reads = cohort.lesion_reads  # type: ignore[attr-defined]
    ref = rscript(R_SCRIPT, {"reads": reads}, str(repeats), packages=("dplyr", "data.table"))
    if ref is None:
        log("Rscript, dplyr or data.table not found: no R anchor")
        return {}
    ours = lesion_status(cohort, unit="knee", reader="max").table  # type: ignore[arg-type]
    keys = ["participant_id", "side", "visit"]
    both = ours.astype({k: str for k in keys[:2]}).merge(
        ref.astype({k: str for k in keys[:2]}), on=keys, how="outer", suffixes=("", "_r"),
        indicator=True)
    matched = bool((both["_merge"] == "both").all())
    diff = float(np.nanmax(np.abs(both["score"] - both["score_r"]))) if matched else np.nan
    same_present = matched and bool((both["present"] == both["present_r"]).all())
    out = {"dplyr_max_s": float(ref["dplyr_s"].iloc[0]),
           "data_table_max_s": float(ref["data_table_s"].iloc[0]),
           "knee_visits": len(ours), "same_knee_visits_as_r": matched,
           "max_abs_score_diff_vs_r": diff, "same_presence_as_r": same_present,
           "dplyr_same_as_data_table": bool(ref["same_as_data_table"].iloc[0]),
           "r_version": r_versions("dplyr", "data.table")}
    log(f"R: dplyr {out['dplyr_max_s']:.3f} s, data.table {out['data_table_max_s']:.3f} s "
        f"(ours, max policy: {row['max_s']:.3f} s); same knee-visits {matched}, score diff "
        f"{diff}, same presence {same_present}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 participants only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = [500] if args.quick else [500, 2000]
    rows = [bench(n, args.repeats, with_r=n == sizes[-1]) for n in sizes]
    big = rows[-1]
    records = [recorded(f"readers_{p}", f"lesion_status(reader={p!r}), {big['reads']} reads",
                        float(big[f"{p}_s"]), unit="s") for p in POLICIES]
    records.append(recorded("readers_one", f"lesion_status(reader='R1'), {big['reads']} "
                            f"reads (half of them R1's)", float(big["one_reader_s"]),
                            unit="s"))
    if big.get("dplyr_max_s") is not None:
        records.append(recorded(
            "readers_max_vs_dplyr", "dplyr time / lesion_status(reader='max') time, "
            f"{big['reads']} reads", float(big["dplyr_max_s"]) / float(big["max_s"]),
            unit="x faster", note=f"data.table {big['data_table_max_s']:.3f} s; same knee "
            f"scores: {big['max_abs_score_diff_vs_r'] == 0}"))
    path = write_result("readers", rows, records, notes=[
        "every knee re-read by a second reader; times: best of repeats"])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
