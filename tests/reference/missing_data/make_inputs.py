"""Write the reference inputs: the IPCW cohort (loss depending on age and BML) and the
imputed knee incidence data sets. ``at_risk_knees`` is also the simulation of
tests/test_imputed_incidence.py."""

from pathlib import Path

import numpy as np
import pandas as pd


def write_attrition() -> None:
    rng = np.random.default_rng(11)
    n = 800
    age = rng.normal(62, 8, n).round(1)
    bml = rng.integers(0, 2, n)
    p_seen = 1 / (1 + np.exp(-(3.0 - 0.04 * (age - 62) * 1.5 - 0.6 * bml)))
    pd.DataFrame({"age": age, "bml": bml, "seen": (rng.random(n) < p_seen).astype(int)}
                 ).to_csv(Path(__file__).parent / "inputs" / "attrition.csv", index=False)


# Multiply imputed knee incidence (tests/test_imputed_incidence.py): knees at risk of a BML,
# two per person, whose follow-up status is lost more often in older, heavier persons;
# completed by bmecohort.impute, so that R pools the same completed data sets.
def at_risk_knees(persons: int, seed: int) -> pd.DataFrame:
    """Knees free of BML at baseline; incidence and loss both depend on age, BMI and sex."""
    rng = np.random.default_rng(seed)
    age = rng.normal(62, 8, persons)
    bmi = rng.normal(28, 4, persons)
    female = (rng.random(persons) < 0.55).astype(float)
    frailty = rng.normal(0, 0.7, persons)  # shared by the knees of a person
    knees = pd.DataFrame({"participant_id": np.repeat(np.arange(persons), 2),
                          "side": np.tile(["left", "right"], persons),
                          "age": np.repeat(age, 2), "bmi": np.repeat(bmi, 2),
                          "female": np.repeat(female, 2)})
    logit = (-1.4 + 0.1 * (knees["age"] - 62) + 0.15 * (knees["bmi"] - 28)
             + 0.4 * knees["female"] + np.repeat(frailty, 2))
    knees["truth"] = (rng.random(len(knees)) < 1 / (1 + np.exp(-logit))).astype(float)
    lost = 1 / (1 + np.exp(-(-1.4 + 0.15 * (age - 62) + 0.2 * (bmi - 28))))
    seen = np.repeat(rng.random(persons) >= lost, 2)  # a person is lost with both knees
    return knees.assign(visit_from=0, visit_to=24, present_from=False,
                        present_to=knees["truth"].where(seen))


def write_incidence_imputed() -> None:
    import bmecohort as bc

    knees = at_risk_knees(150, seed=21)
    one_knee = knees.loc[knees["side"] == "left"]
    out = []
    for case, frame in (("clustered", knees), ("one knee", one_knee)):
        imp = bc.impute(frame, columns=["present_to", "age", "bmi", "female"], m=5, seed=4)
        for i, completed in enumerate(imp.datasets, start=1):
            out.append(completed[["participant_id", "side", "present_to"]].assign(
                case=case, imputation=i))
    pd.concat(out).to_csv(Path(__file__).parent / "inputs" / "incidence_imputed.csv",
                          index=False)


if __name__ == "__main__":
    write_attrition()
    write_incidence_imputed()
