"""Write the weighted-analysis reference input: a clustered knee cohort with informative loss.

400 participants, two knees each. A participant effect shared by both knees (sd 1 on the
logit scale) makes the knees' outcomes correlated, so cluster-robust and unclustered
variances differ. Loss to follow-up is per participant and depends on age and on baseline
pain, which shares the participant effect with the outcome: complete cases are biased and
inverse-probability-of-censoring weights from ``seen ~ age + bml + pain`` correct it. A few
pain values are missing, so those knees get no weight. ``lesions`` is a count outcome for the
Poisson fits. Run from this folder: ``python make_inputs.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(2026)
persons = 400
pid = np.repeat(np.arange(1, persons + 1), 2)
side = np.tile([0, 1], persons)  # 0 = right knee, 1 = left knee
u = rng.normal(0, 1, persons)[pid - 1]
age = rng.normal(62, 8, persons).round(1)[pid - 1]
female = rng.integers(0, 2, persons)[pid - 1]
bml = rng.binomial(1, 1 / (1 + np.exp(-(-0.4 + 0.04 * (age - 62)))))
pain = np.round(rng.normal(3 + 1.2 * u + 0.8 * bml, 1.5), 1)
y = rng.binomial(1, 1 / (1 + np.exp(-(-1.2 + 0.9 * bml + 0.03 * (age - 62) + u))))
lesions = rng.poisson(np.exp(0.1 + 0.5 * bml + 0.3 * u))
# per participant: people with more pain (and older) are lost more often
person_pain = pd.Series(pain).groupby(pid).transform("mean").to_numpy()
p_seen = 1 / (1 + np.exp(-(1.6 - 0.05 * (age - 62) - 0.35 * (person_pain - 3))))
seen = np.repeat(rng.random(persons) < p_seen[::2], 2).astype(int)
frame = pd.DataFrame({"participant_id": pid, "side": side, "age": age, "female": female,
                      "bml": bml, "pain": pain, "seen": seen,
                      "progressed": np.where(seen == 1, y, np.nan),
                      "lesions": np.where(seen == 1, lesions, np.nan)})
frame.loc[rng.choice(np.flatnonzero(seen == 1), 6, replace=False), "pain"] = np.nan
frame.to_csv(Path(__file__).parent / "inputs" / "cohort.csv", index=False,
             float_format="%.10g")
