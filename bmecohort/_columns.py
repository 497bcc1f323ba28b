"""Canonical column names, defined once.

Output columns of every ``.summary()`` and the key columns of the cohort tables live here so
that no module re-types them by hand (statsmodels' ``"Cont. Int. Hi."`` typo is the warning).
"""

from __future__ import annotations

# --- summary() output columns -------------------------------------------------------------
TERM = "term"
ESTIMATE = "estimate"
CI_LOWER = "ci_lower"
CI_UPPER = "ci_upper"
P_VALUE = "p_value"
N = "n"
EVENTS = "events"

#: Whether a row's interval accounts for clustering, and over how many clusters (designs).
CLUSTERED = "clustered"
N_CLUSTERS = "n_clusters"

#: The canonical columns of a tidy summary, in display order.
SUMMARY_COLUMNS: tuple[str, ...] = (TERM, ESTIMATE, CI_LOWER, CI_UPPER, P_VALUE)
#: The canonical columns plus the denominators, where they apply.
SUMMARY_COLUMNS_WITH_COUNTS: tuple[str, ...] = (*SUMMARY_COLUMNS, N, EVENTS)
#: Extra columns of a regression summary: the coefficient (log scale for ratio measures)
#: and its standard error.
COEF = "coef"
SE = "se"
#: The extra columns of a regression summary, in display order.
REGRESSION_EXTRA: tuple[str, ...] = (N, EVENTS, COEF, SE)

# --- cohort table keys --------------------------------------------------------------------
PARTICIPANT = "participant_id"
VISIT = "visit"
MONTHS = "months_from_baseline"
SIDE = "side"
JOINT = "joint"
SYSTEM = "system"
ITEM = "item"
SITE = "site"
READER = "reader"
SCORE = "score"

# --- validation failure table -------------------------------------------------------------
FAILURE_COLUMNS: tuple[str, ...] = ("table", "column", "row", "value", "rule")

# --- lesion course (bmecohort.course) ---------------------------------------------------------
#: Columns of a lesion_status frame besides the unit keys.
STATUS_SCORE = "score"
PRESENT = "present"
N_SITES = "n_sites"
#: Columns of a transitions table besides the unit keys (participant_id is always a key).
VISIT_FROM = "visit_from"
VISIT_TO = "visit_to"
SCORE_FROM = "score_from"
SCORE_TO = "score_to"
PRESENT_FROM = "present_from"
PRESENT_TO = "present_to"
CHANGE = "change"
#: Transition classes (domain.md section 1.4).
CHANGE_CLASSES: tuple[str, ...] = (
    "none",
    "incident",
    "resolved",
    "progressed",
    "regressed",
    "stable",
)
