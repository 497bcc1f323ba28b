"""
Trajectories and lesion natural history
=======================================

A linear mixed model of the knee's summed BML score over visits by baseline BML, and a
two-state Markov model (no lesion <-> lesion) of the knees' BML status.
"""

import matplotlib.pyplot as plt

import bmecohort as bc
from bmecohort.simulate import knee_cohort

cohort = knee_cohort(300, seed=3)
status = bc.lesion_status(cohort, unit="knee", aggregate="sum").table
status["years"] = status["months_from_baseline"] / 12
baseline = status.loc[status["visit"] == 0].set_index(["participant_id", "side"])["present"]
status["bml_baseline"] = status.set_index(["participant_id", "side"]).index.map(baseline)
frame = status.dropna(subset=["score", "bml_baseline"])
model = bc.mixed_model(frame, outcome="score", exposures="bml_baseline", covariates="years",
                       interactions=[("bml_baseline", "years")], nested="side",
                       random_slope="years")
model.plot(units="summed grade")
plt.show()

knees = bc.lesion_status(cohort, unit="knee").table.dropna(subset=["present"])
knees["knee"] = knees["participant_id"].astype(str) + knees["side"].astype(str)
knees["years"] = knees["months_from_baseline"] / 12
knees["state"] = knees["present"].astype(int) + 1
chain = bc.multistate(knees, subject="knee", time="years", state="state",
                      qmatrix=[[0, 0.1], [0.3, 0]])
chain.plot()
plt.show()
