# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # bmecohort walkthrough: from table files to odds ratios and figures
#
# A cohort is a folder of table files (`participants.csv`, `visits.csv`, `lesion_reads.csv`,
# `knee_outcomes.csv`, ...). This notebook writes the simulated demo cohort to a temporary
# folder, loads and validates it, follows the bone marrow lesions (BML) of each knee over
# the visits, estimates incidence, resolution and odds ratios (crude, clustered,
# adjusted), runs one of the source documents' designs and draws two figures. Every result
# shows itself as a table in Jupyter. The demo data are simulated: the numbers illustrate
# the package, not any study.

# %%
# %matplotlib inline
import shutil
import tempfile
from pathlib import Path

import pandas as pd

import bmecohort
from bmecohort import (
    CohortValidationError,
    bml_pain_association,
    demo_cohort,
    forest_plot,
    incidence,
    lesion_status,
    load_cohort,
    logistic,
    odds_ratio,
    resolution,
    transition_plot,
    transitions,
    write_cohort,
)

bmecohort.__version__

# %% [markdown]
# ## 1. Load
#
# `demo_cohort()` simulates knee, spine, rheumatoid-arthritis and hip participants with
# known effects. We write it as CSV files, as a study would hand them over, and load the
# folder back: `load_cohort` reads and validates every table.

# %%
workdir = Path(tempfile.mkdtemp(prefix="bmecohort-walkthrough-"))
folder = workdir / "demo"
written = write_cohort(demo_cohort(), folder)
sorted(path.name for path in written.values())

# %%
cohort = load_cohort(folder)
{name: len(table) for name, table in cohort.tables.items()}

# %% [markdown]
# ## 2. Validate
#
# Validation is lazy: every broken rule is reported at once, with the table, column, row
# (and the line of the CSV file) and the rule. Here a copy of the folder gets a negative
# age and a knee read with an impossible MOAKS size.

# %%
broken = workdir / "broken"
shutil.copytree(folder, broken)
participants = pd.read_csv(broken / "participants.csv")
participants.loc[0, "age"] = -4
participants.to_csv(broken / "participants.csv", index=False)
reads = pd.read_csv(broken / "lesion_reads.csv")
reads.loc[reads.index[:2], "score"] = 7
reads.to_csv(broken / "lesion_reads.csv", index=False)

try:
    load_cohort(broken)
except CohortValidationError as error:
    failures = error.failure_cases
failures

# %% [markdown]
# ## 3. Lesion status and transitions
#
# `lesion_status` turns the subregion reads into one status per knee and visit (the
# largest MOAKS size; a lesion is size >= 1). `transitions` pairs two visits and classes
# each knee: none, incident, resolved, progressed, regressed, stable. The knees were also
# read at 12 months: `definition="two-visit"` compares 0 and 24 as the paper did (a lesion
# seen only at 12 is missed; the result counts those knees), `definition="ever"` calls a
# knee incident when a lesion is seen at any visit up to 24. Without a choice, bmecohort
# warns when the visits in between hide changes.

# %%
status = lesion_status(cohort, unit="knee")
status

# %%
change = transitions(status, baseline=0, follow_up=24, definition="two-visit")
change

# %% [markdown]
# ## 4. Incidence and resolution
#
# Among knees without a BML at baseline, the share with one at 24 months (incidence); among
# knees with one, the share without (complete resolution). Both knees of a person are
# correlated, so the interval is cluster-robust by participant.

# %%
incidence(change)

# %%
resolution(change)

# %% [markdown]
# ## 5. Odds ratios: crude and adjusted, clustered by default
#
# The analysis frame of the Davies-Tuck design (knees free of BML and pain at baseline;
# exposure: incident BML; outcome: incident frequent knee pain). Persons contribute two
# knees, so every estimator finds `participant_id` repeating and makes its interval
# cluster-robust (`cluster="auto"`, the default; the header says so). `cluster=None` would
# analyse the knees as independent, with a warning.

# %%
frame = bml_pain_association(cohort).frame
crude = odds_ratio(frame, exposure="incident_bml", outcome="incident_pain")
crude

# %%
crude.method, crude.accounting.clustered, crude.accounting.n_clusters

# %%
adjusted = logistic(frame, outcome="incident_pain", exposures="incident_bml",
                    covariates=["age", "sex", "bmi"], categorical=["sex"], unit="knee")
adjusted

# %% [markdown]
# ## 6. A design of the source documents
#
# `bml_pain_association` runs every analysis of the design at once (crude, stratified by
# sex, adjusted; each cluster-robust when persons contribute two knees, as its `clustered`
# column says) and reports its denominators and exclusions.

# %%
design = bml_pain_association(cohort)
design

# %% [markdown]
# ## 7. Figures
#
# Figures are functions of results: they draw what a result holds and return the Axes.

# %%
transition_plot(change)

# %%
forest_plot(design)

# %%
shutil.rmtree(workdir)
