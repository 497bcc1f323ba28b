"""Write the input tables of tests/reference/effects (run from the repository root).

Strata for the Mantel-Haenszel risk ratio and difference: the association reference's
tables plus many sparse strata (one with no cases, one with only cases) and a near-null set
whose CMH deviation is below 1/2 (R's continuity-correction rule).
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path("tests/reference/effects/inputs")
ASSOC = Path("tests/reference/association/inputs/strata.csv")


def main() -> None:
    base = pd.read_csv(ASSOC)
    rng = np.random.default_rng(20261206)
    rows = []
    for k in range(12):
        n1, n0 = rng.integers(3, 9, size=2)
        a = rng.binomial(n1, 0.45)
        c = rng.binomial(n0, 0.25)
        rows.append(("many_sparse", f"s{k + 1}", a, n1 - a, c, n0 - c))
    rows.append(("many_sparse", "no_cases", 0, 6, 0, 5))
    rows.append(("many_sparse", "all_cases", 3, 0, 2, 0))
    rows += [("near_null", "s1", 11, 13, 7, 10), ("near_null", "s2", 11, 11, 11, 8)]
    extra = pd.DataFrame(rows, columns=base.columns)
    pd.concat([base, extra], ignore_index=True).to_csv(HERE / "strata.csv", index=False)


if __name__ == "__main__":
    main()
