"""Write the input tables of tests/reference/effects (run from the repository root).

Strata for the Mantel-Haenszel risk ratio and difference: the association reference's
tables plus many sparse strata (one with no cases, one with only cases) and a near-null set
whose CMH deviation is below 1/2 (R's continuity-correction rule). Cox data with a stratum
column, and the 2x2 tables for Cornfield's corrected interval.
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
    # Cox with strata: the survival reference's data with a site that changes the hazard
    cox = pd.read_csv("tests/reference/survival/inputs/cox.csv")
    cox["site"] = "s" + (cox["id"] % 3).astype(str)
    cox.to_csv(HERE / "cox_strata.csv", index=False)
    # Cornfield: the association reference's tables plus the Stata FAQ table (Gould 1999)
    tables = pd.read_csv("tests/reference/association/inputs/tables_2x2.csv")
    faq = pd.DataFrame([("stata_faq", 11, 106, 3, 223)], columns=tables.columns)
    pd.concat([tables, faq], ignore_index=True).to_csv(HERE / "tables_2x2.csv", index=False)
    standardize_knees(np.random.default_rng(14)).to_csv(HERE / "standardize.csv", index=False)


def standardize_knees(rng: np.random.Generator, persons: int = 300) -> pd.DataFrame:
    """Two knees per person with a shared frailty (real clustering), confounded by age and
    KL grade: exposure (BML) and outcome (progression) both depend on them."""
    pid = np.repeat(np.arange(1, persons + 1), 2)
    age = np.repeat(rng.normal(62, 8, persons), 2).round(1)
    sex = np.repeat(rng.integers(0, 2, persons), 2)
    frailty = np.repeat(rng.normal(0, 1.0, persons), 2)
    kl = np.clip(np.round(rng.normal(2 + 0.4 * frailty, 1.0)), 0, 4).astype(int)
    bml = rng.binomial(1, 1 / (1 + np.exp(-(-2.5 + 0.03 * (age - 62) + 0.6 * kl))))
    logit = -2.2 + 0.8 * bml + 0.04 * (age - 62) + 0.3 * sex + 0.35 * kl + 0.9 * frailty
    progressed = rng.binomial(1, 1 / (1 + np.exp(-logit)))
    frame = pd.DataFrame({"participant_id": pid, "side": np.tile(["R", "L"], persons),
                          "bml": bml, "progressed": progressed, "age": age, "sex": sex,
                          "kl": kl.astype(str)})
    frame.loc[[5, 77], "age"] = np.nan  # two rows excluded for a missing covariate
    return frame


if __name__ == "__main__":
    main()
