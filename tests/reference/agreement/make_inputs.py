"""Write the agreement reference inputs (run once; the CSVs are committed).

- ``double_reads.csv``: 400 simulated subregions graded 0-3 by two readers, the second
  reader misclassifying by one grade with probability 0.25 (a simulated data set);
- ``three_readers.csv``: 150 simulated units graded 0-2 by three readers;
- ``shrout_fleiss.csv``: Shrout and Fleiss (1979) Table 2, 6 targets x 4 judges (long);
- ``scores_long.csv``: 120 simulated knees, continuous scores by 3 readers with reader bias.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent / "inputs"
rng = np.random.default_rng(20261206)

truth = rng.choice(4, size=400, p=[0.45, 0.25, 0.2, 0.1])
shift = rng.choice([-1, 0, 1], size=400, p=[0.125, 0.75, 0.125])
pd.DataFrame({"reader_a": truth, "reader_b": np.clip(truth + shift, 0, 3)}).to_csv(
    HERE / "double_reads.csv", index=False)

base = rng.choice(3, size=150, p=[0.5, 0.3, 0.2])
three = {f"r{i}": np.where(rng.random(150) < 0.2, rng.choice(3, size=150), base)
         for i in (1, 2, 3)}
pd.DataFrame(three).to_csv(HERE / "three_readers.csv", index=False)

sf = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
               [6, 2, 4, 7]])
pd.DataFrame({"target": np.repeat(np.arange(1, 7), 4), "judge": np.tile([1, 2, 3, 4], 6),
              "rating": sf.ravel()}).to_csv(HERE / "shrout_fleiss.csv", index=False)

knee = rng.normal(10, 4, size=120)
reader_bias = np.array([0.0, 0.8, -0.5])
scores = knee[:, None] + reader_bias[None, :] + rng.normal(0, 1.5, size=(120, 3))
pd.DataFrame({"knee": np.repeat(np.arange(1, 121), 3), "reader": np.tile(["A", "B", "C"], 120),
              "score": scores.ravel().round(3)}).to_csv(HERE / "scores_long.csv", index=False)

# degenerate reads (no randomness): a reader who gives every unit one grade, as in a sparse
# subregion; kappa is 0/0 or 0 by construction there
pd.DataFrame({
    "case": ["one_reader_one_grade"] * 160 + ["both_one_grade"] * 40
    + ["each_one_grade"] * 30,
    "reader_a": [0] * 160 + [0] * 40 + [1] * 30,
    "reader_b": [0] * 137 + [1] * 23 + [0] * 40 + [2] * 30,
}).to_csv(HERE / "degenerate_reads.csv", index=False)

# perfect agreement (no randomness): two readers give 16 subregions the same grade, as in a
# sparse subregion of the report's reliability section; the ICC's F statistics are infinite
pd.DataFrame({"target": np.tile(np.arange(1, 17), 2), "reader": np.repeat(["A", "B"], 16),
              "score": np.tile([0] * 14 + [1, 1], 2)}).to_csv(
    HERE / "perfect_agreement.csv", index=False)
