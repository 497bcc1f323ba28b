"""Simulated ordinal reference input: MOAKS-like grades 0-3 of knees (two per person)."""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(42)
persons = 400
pid = np.repeat(np.arange(persons), 2)
person_effect = np.repeat(rng.normal(0, 0.8, persons), 2)
bmi = np.repeat(rng.normal(27, 4, persons), 2).round(2)
female = np.repeat(rng.integers(0, 2, persons), 2)
malalign = rng.integers(0, 2, 2 * persons)
latent = 0.12 * (bmi - 27) + 0.5 * female + 0.9 * malalign + person_effect + rng.logistic(
    size=2 * persons)
grade = np.digitize(latent, [0.0, 1.5, 3.0])
pd.DataFrame({"participant_id": pid, "grade": grade, "bmi": bmi, "female": female,
              "malalign": malalign}).to_csv(Path(__file__).parent / "inputs" / "knees.csv",
                                           index=False)
