"""The built-in power designs: simulate a cohort at the true effect, fit the design's model.

Each design is the published analysis of :mod:`bmecohort.designs` reduced to what one power
replicate needs: the simulator's tables (unvalidated: the generators are tested to produce
valid cohorts), the analysis frame built on integer unit keys without merges (the same
inclusion rules as the design function; the tests check that the frames agree), and a
marginal logistic model fitted by GEE with an exchangeable working correlation and robust
errors, clustered by participant (:func:`~bmecohort.power_analysis._fit.gee_odds_ratio`).

========================= ============================== =====================================
design                    effect (simulator parameter)   analysis
========================= ============================== =====================================
``knee_pain``             ``pain_or``                    knees free of BML and frequent pain at
                                                         ``baseline``; pain at ``follow_up`` on
                                                         BML at ``follow_up`` (Davies-Tuck 2009)
``knee_progression``      ``jsn_adjusted_or``            medial JSN progression by
                                                         ``follow_up`` on baseline medial
                                                         tibiofemoral BML, adjusted for
                                                         alignment (Felson 2003)
``syndesmophytes``        ``both_or``                    new syndesmophyte at a corner on
                                                         baseline inflammation and fat (both vs
                                                         neither, saturated in the four groups;
                                                         Chiowchanwisawakit 2011)
``erosive_progression``   ``bme_synovitis_or`` =         erosive progression of a bone on
                          ``bme_no_synovitis_or``        baseline BME and local synovitis
                                                         (Nieuwenhuis 2016)
========================= ============================== =====================================
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._columns import PARTICIPANT, SIDE, VISIT
from ..exceptions import AnalysisInputError
from ..scoring import MSASSS_CORNERS, SYSTEMS
from ._fit import SEPARATED, FitFailure, ReplicateEstimate, gee_odds_ratio

__all__ = ["DESIGNS", "PowerDesign"]

OUTCOME = "outcome"
_COV_STRUCTS = ("exchangeable", "independence")


@dataclass(frozen=True)
class PowerDesign:
    """A built-in power design: which simulator, which effect, which frame and model.

    Calling the design runs one replicate: ``design(seed, n, effect, alpha=..., **options)``
    returns a :class:`~bmecohort.power_analysis._fit.ReplicateEstimate`.

    Attributes
    ----------
    name, description : str
        Registry key and one-line description.
    unit : str
        The analysed unit (a row of the analysis frame), e.g. ``"knee"``.
    effect_parameters : tuple of str
        Simulator effect parameters set to ``effect``.
    truth : str
        What the true effect is, exactly, in the simulated population.
    exposures : tuple of str
        Model columns of the analysis frame (besides the intercept); ``term`` indexes them.
    tables : callable
        The simulator's unvalidated table generator, ``tables(n, seed=, effects=, ...)``.
    effects_class : type
        The simulator's effect parameters (a frozen dataclass).
    build : callable
        ``build(tables, options) -> DataFrame``: the analysis frame (one row per unit:
        ``participant_id``, the unit keys, the ``exposures`` and ``outcome``).
    term : int
        The column whose odds ratio is the estimate.
    binary : tuple of int
        Binary model columns checked for an empty cell with the outcome.
    reference_cell : bool
        Whether the reference group (every binary column 0) must also hold both outcomes
        (saturated group models).
    analysis : mapping of str to object
        Analysis options and their defaults (``baseline``, ``follow_up``, ``cov_struct``).
    derived : callable or None
        ``derived(effect, options) -> dict``: simulator parameters that follow the effect
        unless the user sets them (``jsn_crude_or`` of ``knee_progression``).
    """

    name: str
    description: str
    unit: str
    effect_parameters: tuple[str, ...]
    truth: str
    exposures: tuple[str, ...]
    tables: Callable[..., dict[str, pd.DataFrame]]
    effects_class: type
    build: Callable[[Mapping[str, pd.DataFrame], Mapping[str, Any]], pd.DataFrame]
    term: int = 0
    binary: tuple[int, ...] = (0,)
    reference_cell: bool = False
    analysis: Mapping[str, Any] = field(default_factory=dict)
    derived: Callable[[float, Mapping[str, Any]], dict[str, Any]] | None = None

    # --- options -------------------------------------------------------------------------
    def _names(self) -> tuple[set[str], set[str]]:
        table_options = set(inspect.signature(self.tables).parameters) - {
            "n_participants", "seed", "effects", "id_prefix"}
        effect_options = {f.name for f in dataclasses.fields(self.effects_class)}
        return table_options, effect_options

    def check(self, effect: float, options: Mapping[str, Any]) -> dict[str, Any]:
        """Validate ``options`` for ``effect``; return them complete (defaults filled).

        Raises :class:`AnalysisInputError` naming unknown options, options that would
        overwrite the effect, and values the simulator rejects.
        """
        table_options, effect_options = self._names()
        fixed = set(self.effect_parameters)
        taken = sorted(set(options) & fixed)
        if taken:
            raise AnalysisInputError(
                f"design {self.name!r}: {taken} is set by effect= (the effect under study); "
                f"remove it from the options")
        known = (table_options | effect_options | set(self.analysis)) - fixed
        unknown = sorted(set(options) - known)
        if unknown:
            raise AnalysisInputError(
                f"design {self.name!r}: unknown option(s) {unknown}; options are "
                f"{sorted(known)} (simulator: {self.tables.__name__}; analysis: "
                f"{sorted(self.analysis)})")
        resolved = {**self.analysis, **options}
        if resolved.get("cov_struct", "exchangeable") not in _COV_STRUCTS:
            raise AnalysisInputError(f"cov_struct must be one of {_COV_STRUCTS}, got "
                                     f"{resolved['cov_struct']!r}")
        try:
            # a small simulation surfaces every value the simulator rejects (including
            # effects its calibration cannot reach) before any replicate runs
            trial = {**resolved, "dropout": 0.0} if "dropout" in table_options else resolved
            tables = self.simulate(0, 2, effect, trial)
            self.build(tables, resolved)
        except (TypeError, ValueError) as err:
            raise AnalysisInputError(f"design {self.name!r}: {err}") from err
        scheduled = set(tables["visits"]["visit"].tolist())
        missing = [v for v in (resolved["baseline"], resolved["follow_up"]) if v not in scheduled]
        if missing:
            raise AnalysisInputError(
                f"design {self.name!r}: visit(s) {missing} are not in the simulated schedule "
                f"{sorted(scheduled)}; choose baseline= and follow_up= among them (or pass "
                f"visits=... to the simulator when it takes them)")
        return resolved

    def _effects(self, effect: float, options: Mapping[str, Any]) -> Any:
        _, effect_options = self._names()
        values = {k: v for k, v in options.items() if k in effect_options}
        values.update(dict.fromkeys(self.effect_parameters, float(effect)))
        if self.derived is not None:
            values.update({k: v for k, v in self.derived(effect, options).items()
                           if k not in options})
        return self.effects_class(**values)

    # --- one replicate -------------------------------------------------------------------
    def simulate(self, seed: int, n: int, effect: float, options: Mapping[str, Any]
                 ) -> dict[str, pd.DataFrame]:
        """The simulator's tables for ``n`` participants at the true ``effect``."""
        table_options, _ = self._names()
        kwargs = {k: v for k, v in options.items() if k in table_options}
        return self.tables(n, seed=seed, effects=self._effects(effect, options), **kwargs)

    def frame(self, seed: int, n: int, effect: float, **options: Any) -> pd.DataFrame:
        """The analysis frame of one replicate (one row per analysed unit)."""
        resolved = {**self.analysis, **options}
        return self.build(self.simulate(seed, n, effect, resolved), resolved)

    def __call__(self, seed: int, n: int, effect: float, *, alpha: float = 0.05,
                 **options: Any) -> ReplicateEstimate:
        resolved = {**self.analysis, **options}
        frame = self.build(self.simulate(seed, n, effect, resolved), resolved)
        groups = frame[PARTICIPANT]
        codes = groups.cat.codes.to_numpy() if isinstance(groups.dtype, pd.CategoricalDtype) \
            else pd.factorize(groups)[0]
        exposures = frame[list(self.exposures)].to_numpy(dtype=float)
        if self.reference_cell and len(frame):
            reference = ~(exposures[:, list(self.binary)] > 0).any(axis=1)
            outcome = frame[OUTCOME].to_numpy(dtype=bool)[reference]
            if outcome.all() or not outcome.any():
                raise FitFailure(SEPARATED)
        return gee_odds_ratio(frame[OUTCOME].to_numpy(dtype=float), exposures, codes,
                              term=self.term, binary=self.binary,
                              cov_struct=resolved.get("cov_struct", "exchangeable"),
                              alpha=alpha)


# --- frames ---------------------------------------------------------------------------------
# Frames are built on integer unit keys (mixed-radix codes of the key columns), so that a
# replicate spends microseconds, not milliseconds, joining tables: no merge, no pivot.

class _Keys:
    """Integer codes of units identified by several key columns with known vocabularies."""

    def __init__(self, vocabularies: Mapping[str, pd.Index]) -> None:
        self.columns = list(vocabularies)
        self.vocabularies = dict(vocabularies)
        sizes = [len(v) for v in self.vocabularies.values()]
        self.size = int(np.prod(sizes))
        # radix of each column: the product of the sizes of the columns after it
        self.radix = [int(np.prod(sizes[i + 1:])) for i in range(len(sizes))]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """The unit key of every row (-1 when a key value is missing or unknown)."""
        key = np.zeros(len(frame), dtype=np.int64)
        valid = np.ones(len(frame), dtype=bool)
        for column, radix in zip(self.columns, self.radix, strict=True):
            codes = _codes(frame[column], self.vocabularies[column])
            valid &= codes >= 0
            key += codes * radix
        return np.where(valid, key, -1)

    def decode(self, key: np.ndarray) -> dict[str, np.ndarray]:
        """The key columns of ``key`` (values from the vocabularies)."""
        out = {}
        for column, radix in zip(self.columns, self.radix, strict=True):
            vocabulary = self.vocabularies[column]
            out[column] = np.asarray(vocabulary)[(key // radix) % len(vocabulary)]
        return out


def _codes(values: pd.Series, vocabulary: pd.Index) -> np.ndarray:
    """Position of each value in ``vocabulary`` (-1 when absent); fast on categoricals."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        mapping = vocabulary.get_indexer(values.cat.categories.astype(vocabulary.dtype))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, mapping[np.maximum(codes, 0)], -1).astype(np.int64)
    return vocabulary.get_indexer(values.to_numpy()).astype(np.int64)


def _at(frame: pd.DataFrame, key: np.ndarray, size: int, visit: int, column: str,
        how: str = "first") -> np.ndarray:
    """``column`` of every unit at ``visit`` (NaN when not read); ``how="max"`` over rows."""
    out = np.full(size, np.nan)
    mask = (frame[VISIT].to_numpy() == visit) & (key >= 0)
    values = frame[column].to_numpy(dtype=float, na_value=np.nan)[mask]
    if how == "max":
        np.fmax.at(out, key[mask], values)
    else:
        out[key[mask]] = values
    return out


def _visits(options: Mapping[str, Any]) -> tuple[int, int]:
    baseline, follow_up = int(options["baseline"]), int(options["follow_up"])
    if follow_up <= baseline:
        raise AnalysisInputError(f"follow_up ({follow_up}) must come after baseline "
                                 f"({baseline})")
    return baseline, follow_up


def _participants(tables: Mapping[str, pd.DataFrame]) -> pd.Index:
    return pd.Index(tables["participants"][PARTICIPANT].astype(str).to_numpy(), dtype=object)


def _knee_keys(tables: Mapping[str, pd.DataFrame]) -> _Keys:
    return _Keys({PARTICIPANT: _participants(tables),
                  SIDE: pd.Index(["L", "R"], dtype=object)})


def _frame(keys: _Keys, units: np.ndarray, columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({**keys.decode(units), **columns})


def knee_pain_frame(tables: Mapping[str, pd.DataFrame], options: Mapping[str, Any]
                    ) -> pd.DataFrame:
    """Knees free of BML and frequent pain at baseline, read at follow-up (Davies-Tuck)."""
    baseline, follow_up = _visits(options)
    keys = _knee_keys(tables)
    reads, outcomes = tables["lesion_reads"], tables["knee_outcomes"]
    read_key, outcome_key = keys.encode(reads), keys.encode(outcomes)
    bml0 = _at(reads, read_key, keys.size, baseline, "score", "max")
    bml1 = _at(reads, read_key, keys.size, follow_up, "score", "max")
    pain0 = _at(outcomes, outcome_key, keys.size, baseline, "frequent_knee_pain")
    pain1 = _at(outcomes, outcome_key, keys.size, follow_up, "frequent_knee_pain")
    units = np.flatnonzero((bml0 < 1) & (pain0 == 0) & ~np.isnan(bml1) & ~np.isnan(pain1))
    return _frame(keys, units, {"incident_bml": bml1[units] >= 1,
                                OUTCOME: pain1[units] == 1})


_MEDIAL = [site for site, compartment in SYSTEMS["MOAKS"].compartments.items()
           if compartment == "medial_tf"]


def knee_progression_frame(tables: Mapping[str, pd.DataFrame], options: Mapping[str, Any]
                           ) -> pd.DataFrame:
    """Medial BML at baseline and medial JSN progression, with alignment (Felson 2003)."""
    baseline, follow_up = _visits(options)
    keys = _knee_keys(tables)
    reads, outcomes = tables["lesion_reads"], tables["knee_outcomes"]
    reads = reads.loc[reads["site"].isin(_MEDIAL).to_numpy()]
    read_key, outcome_key = keys.encode(reads), keys.encode(outcomes)
    bml0 = _at(reads, read_key, keys.size, baseline, "score", "max")
    jsn0 = _at(outcomes, outcome_key, keys.size, baseline, "jsn_medial")
    jsn1 = _at(outcomes, outcome_key, keys.size, follow_up, "jsn_medial")
    align = _at(outcomes, outcome_key, keys.size, baseline, "alignment_deg")
    units = np.flatnonzero(~np.isnan(bml0) & ~np.isnan(jsn1) & (jsn0 < 3)
                           & ~np.isnan(align))
    return _frame(keys, units, {"bml": bml0[units] >= 1, "alignment_deg": align[units],
                                OUTCOME: jsn1[units] - jsn0[units] >= 1})


def syndesmophyte_frame(tables: Mapping[str, pd.DataFrame], options: Mapping[str, Any]
                        ) -> pd.DataFrame:
    """At-risk corners (mSASSS 0-1 at baseline) and a new syndesmophyte at follow-up."""
    baseline, follow_up = _visits(options)
    corners = tables["spine_corners"]
    levels = pd.Index(sorted({level for level, _ in MSASSS_CORNERS}), dtype=object)
    sides = pd.Index(sorted({corner for _, corner in MSASSS_CORNERS}), dtype=object)
    keys = _Keys({PARTICIPANT: _participants(tables), "level": levels, "corner": sides})
    # the 24 mSASSS corners among all (level, corner) pairs: others are not scorable
    scorable = np.zeros(len(levels) * len(sides), dtype=bool)
    scorable[[levels.get_loc(lv) * len(sides) + sides.get_loc(c)
               for lv, c in MSASSS_CORNERS]] = True
    key = keys.encode(corners)
    m0 = _at(corners, key, keys.size, baseline, "msasss")
    m1 = _at(corners, key, keys.size, follow_up, "msasss")
    inflamed = _at(corners, key, keys.size, baseline, "mri_inflammation")
    fat = _at(corners, key, keys.size, baseline, "mri_fat")
    units = np.flatnonzero((m0 <= 1) & ~np.isnan(m1) & ~np.isnan(inflamed) & ~np.isnan(fat)
                           & np.tile(scorable, len(keys.vocabularies[PARTICIPANT])))
    i, f = inflamed[units] == 1, fat[units] == 1
    return _frame(keys, units, {"inflammation_only": i & ~f, "fat_only": f & ~i,
                                "inflammation_and_fat": i & f, OUTCOME: m1[units] >= 2})


def erosive_frame(tables: Mapping[str, pd.DataFrame], options: Mapping[str, Any]
                  ) -> pd.DataFrame:
    """Bones read for erosion at baseline and follow-up, with baseline BME and synovitis."""
    from ..scoring import RA_BONES

    baseline, follow_up = _visits(options)
    bones = tables["ra_bones"]
    keys = _Keys({PARTICIPANT: _participants(tables), SIDE: pd.Index(["L", "R"], dtype=object),
                  "bone": pd.Index(list(RA_BONES), dtype=object)})
    key = keys.encode(bones)
    e0 = _at(bones, key, keys.size, baseline, "erosion")
    e1 = _at(bones, key, keys.size, follow_up, "erosion")
    bme = _at(bones, key, keys.size, baseline, "bme")
    synovitis = _at(bones, key, keys.size, baseline, "synovitis")
    units = np.flatnonzero(~np.isnan(e0) & ~np.isnan(e1) & ~np.isnan(bme)
                           & ~np.isnan(synovitis))
    return _frame(keys, units, {"bme": bme[units] >= 1, "synovitis": synovitis[units] >= 1,
                                OUTCOME: e1[units] - e0[units] >= 1})


# --- registry ---------------------------------------------------------------------------------
def _knee_jsn_crude(effect: float, options: Mapping[str, Any]) -> dict[str, Any]:
    # Keep the simulator's default confounding: crude / adjusted = 6.5 / 3.0 (Felson 2003's
    # crude OR over the chosen adjusted one), unless the user sets jsn_crude_or.
    return {"jsn_crude_or": effect * 6.5 / 3.0}


def _registry() -> dict[str, PowerDesign]:
    from ..simulate.knee import KneeEffects, knee_tables
    from ..simulate.ra import RAEffects, ra_tables
    from ..simulate.spine import SpineEffects, spine_tables

    knee_visits = {"baseline": 0, "follow_up": 24, "cov_struct": "exchangeable"}
    return {
        "knee_pain": PowerDesign(
            name="knee_pain", description="Incident BML and incident knee pain, knees in "
            "persons (Davies-Tuck 2009)", unit="knee", effect_parameters=("pain_or",),
            truth="odds ratio of frequent knee pain at follow-up for a BML then, among knees "
                  "free of BML and of frequent pain at baseline (marginal over persons)",
            exposures=("incident_bml",), tables=knee_tables, effects_class=KneeEffects,
            build=knee_pain_frame, analysis=knee_visits),
        "knee_progression": PowerDesign(
            name="knee_progression", description="Medial BML and medial joint space "
            "narrowing, adjusted for alignment (Felson 2003)", unit="knee",
            effect_parameters=("jsn_adjusted_or",),
            truth="odds ratio of medial JSN progression by follow-up for a baseline medial "
                  "tibiofemoral BML, adjusted for alignment (jsn_crude_or defaults to "
                  "effect x 6.5 / 3)",
            exposures=("bml", "alignment_deg"), tables=knee_tables, effects_class=KneeEffects,
            build=knee_progression_frame, analysis=knee_visits, derived=_knee_jsn_crude),
        "syndesmophytes": PowerDesign(
            name="syndesmophytes", description="Corner inflammation and fat and new "
            "syndesmophytes, corners in patients (Chiowchanwisawakit 2011)",
            unit="vertebral corner", effect_parameters=("both_or",),
            truth="odds ratio of a new syndesmophyte at a corner with baseline inflammation "
                  "and fat vs neither (saturated in the four groups)",
            exposures=("inflammation_only", "fat_only", "inflammation_and_fat"), term=2,
            binary=(0, 1, 2), reference_cell=True, tables=spine_tables,
            effects_class=SpineEffects, build=syndesmophyte_frame,
            analysis={"baseline": 0, "follow_up": 24, "cov_struct": "exchangeable"}),
        "erosive_progression": PowerDesign(
            name="erosive_progression", description="Bone marrow edema and erosive "
            "progression, bones in patients (Nieuwenhuis 2016)", unit="bone",
            effect_parameters=("bme_synovitis_or", "bme_no_synovitis_or"),
            truth="odds ratio of erosive progression for baseline BME, common to bones with "
                  "and without local synovitis (adjusted for synovitis)",
            exposures=("bme", "synovitis"), binary=(0, 1), tables=ra_tables,
            effects_class=RAEffects, build=erosive_frame,
            analysis={"baseline": 0, "follow_up": 12, "cov_struct": "exchangeable"}),
    }


class _Designs(Mapping[str, PowerDesign]):
    """The registry, built on first use (the simulators import scipy and statsmodels)."""

    _names = ("knee_pain", "knee_progression", "syndesmophytes", "erosive_progression")

    def __init__(self) -> None:
        self._built: dict[str, PowerDesign] | None = None

    def _get(self) -> dict[str, PowerDesign]:
        if self._built is None:
            self._built = _registry()
        return self._built

    def __getitem__(self, key: str) -> PowerDesign:
        return self._get()[key]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, key: object) -> bool:
        return key in self._names


#: Built-in designs by name.
DESIGNS: Mapping[str, PowerDesign] = _Designs()


def describe_designs() -> pd.DataFrame:
    """One row per built-in design: name, unit, effect parameters, truth, description."""
    return pd.DataFrame([
        {"design": d.name, "unit": d.unit, "effect": " = ".join(d.effect_parameters),
         "truth": d.truth, "description": d.description} for d in DESIGNS.values()])

