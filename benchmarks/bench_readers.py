"""Benchmark: reader policies of lesion_status against one reader's status.

On a simulated MOAKS knee cohort re-read in full by a second reader
(:func:`bmecohort.simulate.add_second_reader`, ``fraction=1``), times
``lesion_status(cohort, unit="knee", reader=...)`` for one reader (half the reads) and for
each policy (``"first"``, ``"mean"``, ``"max"``, ``"adjudicated"``: every read combined per
site, each reader's own knee status computed to count disagreements). For information (no
target): a policy reads twice the rows and builds a second, per-reader status, so a few
times one reader's time is expected.

Usage::

    python benchmarks/bench_readers.py            # 500 and 2,000 participants
    python benchmarks/bench_readers.py --quick    # 500 participants
"""

from __future__ import annotations

import argparse

from _harness import best_time, log, recorded, write_result

from bmecohort.course import lesion_status
from bmecohort.simulate import add_second_reader, knee_cohort

POLICIES = ("first", "mean", "max", "adjudicated")


def bench(participants: int, repeats: int) -> dict[str, object]:
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
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 participants only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = [bench(n, args.repeats) for n in ([500] if args.quick else [500, 2000])]
    big = rows[-1]
    records = [recorded(f"readers_{p}", f"lesion_status(reader={p!r}), {big['reads']} reads",
                        float(big[f"{p}_s"]), unit="s") for p in POLICIES]
    records.append(recorded("readers_one", f"lesion_status(reader='R1'), {big['reads']} "
                            f"reads (half of them R1's)", float(big["one_reader_s"]),
                            unit="s"))
    path = write_result("readers", rows, records, notes=[
        "every knee re-read by a second reader; times: best of repeats"])
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
