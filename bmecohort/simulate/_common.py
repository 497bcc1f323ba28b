"""Pieces every generator shares: identifiers, the visit schedule, dropout, the truth table."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ._random import check_probability

__all__ = [
    "TRUTH_COLUMNS",
    "participant_ids",
    "check_count",
    "check_schedule",
    "attendance",
    "visits_table",
    "truth_frame",
    "source_text",
    "changed",
]

#: Columns of a truth table (index: ``effect``).
TRUTH_COLUMNS: tuple[str, ...] = ("value", "scale", "exact", "model", "source")


def check_count(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def participant_ids(prefix: str, n: int) -> np.ndarray:
    """``prefix`` followed by 1..n zero-padded to a common width (e.g. ``K001 ... K500``)."""
    if not isinstance(prefix, str):
        raise TypeError(f"id_prefix must be a string, got {prefix!r}")
    width = len(str(n))
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def check_schedule(visits: Iterable[int], *, name: str = "visits",
                   required: Sequence[int] = ()) -> np.ndarray:
    """The visit months as a strictly increasing int64 array starting at 0.

    Raises
    ------
    ValueError
        When the schedule does not start at the baseline (0), is not strictly increasing,
        holds non-integers, or lacks a month listed in ``required``.
    """
    values = list(visits)
    try:
        schedule = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be whole months, e.g. (0, 12, 24), got {values!r}") from None
    if schedule.ndim != 1 or len(schedule) == 0 or schedule[0] != 0:
        raise ValueError(f"{name} must start with the baseline visit 0, got {values!r}")
    if np.any(schedule != np.round(schedule)) or np.any(np.diff(schedule) <= 0):
        raise ValueError(f"{name} must be strictly increasing whole months, got {values!r}")
    missing = [m for m in required if m not in schedule]
    if missing:
        raise ValueError(f"{name} must include month(s) {missing} (the design's time points), "
                         f"got {values!r}")
    return schedule.astype(np.int64)


def attendance(rng: np.random.Generator, n: int, n_visits: int, dropout: float) -> np.ndarray:
    """Monotone dropout: ``(n, n_visits)`` booleans, True where the visit was attended.

    Everyone attends the baseline; before each later visit a participant still in the study
    leaves with probability ``dropout`` and misses every later visit.
    """
    dropout = check_probability("dropout", dropout, open_interval=False)
    if dropout >= 1.0:
        raise ValueError("dropout must be below 1 (everyone would leave before the first "
                         "follow-up visit)")
    stay = rng.random((n, max(n_visits - 1, 0))) >= dropout
    return np.concatenate([np.ones((n, 1), dtype=bool), np.cumprod(stay, axis=1, dtype=bool)],
                          axis=1)


def visits_table(rng: np.random.Generator, ids: np.ndarray, schedule: np.ndarray,
                 attended: np.ndarray) -> pd.DataFrame:
    """The visits table: attended visits only, actual months jittered around nominal months.

    The jitter is uniform within a quarter of the shortest gap to a neighbouring visit (at
    most one month either way), so actual times keep the order of the nominal ones.
    """
    gaps = np.diff(schedule).astype(float)
    before = np.concatenate([[np.inf], gaps])
    after = np.concatenate([gaps, [np.inf]])
    half_width = np.minimum(1.0, 0.25 * np.minimum(before, after))
    half_width[0] = 0.0
    jitter = rng.uniform(-1.0, 1.0, attended.shape) * half_width[None, :]
    months = np.round(schedule[None, :] + jitter, 2)
    person, visit = np.nonzero(attended)
    return pd.DataFrame({
        "participant_id": ids[person],
        "visit": schedule[visit].astype(np.int64),
        "months_from_baseline": months[person, visit],
    })


def truth_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """Rows ``{effect, value, scale, exact, model, source}`` as a frame indexed by effect."""
    frame = pd.DataFrame(list(rows), columns=["effect", *TRUTH_COLUMNS])
    frame["value"] = frame["value"].astype(float)
    frame["exact"] = frame["exact"].astype(bool)
    return frame.set_index("effect")


def source_text(generator: str, seed: int, n: int, **options: object) -> str:
    """Provenance text stored in ``Cohort.source``: the generator call that made the data."""
    extra = "".join(f", {k}={v!r}" for k, v in options.items())
    return f"simulated: bmecohort.simulate.{generator}({n}, seed={seed}{extra})"


def changed(effects: object) -> dict[str, object]:
    """The fields of an effects dataclass that differ from their defaults (for provenance)."""
    default = type(effects)()
    return {f.name: getattr(effects, f.name)
            for f in dataclasses.fields(effects)  # type: ignore[arg-type]  # an effects dataclass
            if getattr(effects, f.name) != getattr(default, f.name)}

