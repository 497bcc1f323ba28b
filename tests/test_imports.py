"""What importing bmecohort loads: never all of statsmodels (issue 16: import time).

``statsmodels.api`` loads time series, graphics and formula code (about 0.8 s); bmecohort
imports the statsmodels modules it uses, and model classes only when first fitted
(bmecohort._statsmodels). The light estimators (2x2 measures, Mantel-Haenszel, incidence)
load no scipy submodule and no statsmodels at all until called: ``scipy.stats`` alone costs
about 0.7 s. Times are in benchmarks/bench_import.py, not here.

One fresh interpreter runs every step in turn and reports, after each, which watched
modules have been loaded so far (a fresh interpreter per estimator cost about 2.5 s of CPU
each). A module present after a step was loaded by that step or an earlier one, and each
step is checked against its own forbidden set: the command line first (it must load
neither pandas nor statsmodels), then the light estimators, then the heavier ones. A
failure names the first step after which a forbidden module was present.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: loaded by nothing below (about 0.8 s: time series, graphics, formulas)
API = ("statsmodels.api",)
#: loaded by none of the light estimators at import (they call these when run)
HEAVY = ("statsmodels", "scipy.stats", "scipy.optimize", "scipy.special",
         "statsmodels.genmod.generalized_linear_model")
LIGHT = ("odds_ratio", "risk_ratio", "risk_difference", "mantel_haenszel", "incidence")
OTHERS = ("logistic", "conditional_logistic")
CLI_HELP = ("import sys; sys.argv = ['bmecohort', '--help']\n"
            "from bmecohort.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")

#: (step, code, modules that must not be loaded after it)
STEPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("bmecohort --help", CLI_HELP, ("pandas", "statsmodels", *API)),
    *[(f"bmecohort.{name}", f"import bmecohort; bmecohort.{name}", (*HEAVY, *API))
      for name in LIGHT],
    *[(f"bmecohort.{name}", f"import bmecohort; bmecohort.{name}", API) for name in OTHERS],
]


@pytest.fixture(scope="module")
def loaded_after_each_step() -> dict[str, list[str]]:
    """Step -> the watched modules loaded once it (and every step before it) has run."""
    watched = sorted({module for _, _, forbidden in STEPS for module in forbidden})
    lines = ["import json, sys", "seen = {}"]
    for step, code, _ in STEPS:
        lines += [code,
                  f"seen[{step!r}] = [m for m in {watched!r} if m in sys.modules]"]
    lines.append("print(json.dumps(seen))")
    out = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("step", "forbidden"), [(step, forbidden)
                                                 for step, _, forbidden in STEPS])
def test_step_loads_no_forbidden_module(loaded_after_each_step, step, forbidden):
    bad = sorted(set(forbidden) & set(loaded_after_each_step[step]))
    assert not bad, f"{step} (or a step before it: {[s for s, _, _ in STEPS]}) loaded {bad}"


def test_steps_are_checked_in_a_fresh_interpreter(loaded_after_each_step):
    # the probe saw the heavy estimators load statsmodels: it watched a real interpreter
    assert list(loaded_after_each_step) == [step for step, _, _ in STEPS]
    assert "statsmodels" in loaded_after_each_step["bmecohort.logistic"]


def test_lazy_statsmodels_names_are_the_statsmodels_objects():
    from statsmodels.genmod import cov_struct, families
    from statsmodels.genmod.generalized_estimating_equations import GEE
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.stats import rates
    from statsmodels.stats.contingency_tables import StratifiedTable, Table2x2
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    from bmecohort import _statsmodels as sm

    assert (sm.GLM, sm.GEE, sm.families, sm.cov_struct) == (GLM, GEE, families, cov_struct)
    assert (sm.Table2x2, sm.StratifiedTable, sm.rates) == (Table2x2, StratifiedTable, rates)
    assert (sm.proportion_confint, sm.confint_proportions_2indep) == (
        proportion_confint, confint_proportions_2indep)
    assert set(sm.__all__) <= set(dir(sm))
    with pytest.raises(AttributeError, match="no attribute 'OLS'"):
        sm.OLS  # noqa: B018


@pytest.mark.parametrize("package", ["bmecohort.estimators.association",
                                     "bmecohort.estimators.occurrence"])
def test_lazy_packages_export_the_defining_modules_objects(package):
    pkg = import_module(package)
    eager = {name for name in pkg.__all__ if name in vars(pkg)}
    assert set(pkg.__all__) <= set(pkg._EXPORTS) | eager
    for module in set(pkg._EXPORTS.values()):
        # a submodule import sets the package attribute of its name: no export may be shadowed
        import_module(f"{package}.{module}")
    for name in eager:
        assert not inspect.ismodule(getattr(pkg, name)), name
    for name, module in pkg._EXPORTS.items():
        value = getattr(pkg, name)
        assert value is getattr(import_module(f"{package}.{module}"), name), name
        assert value.__module__.startswith(f"{package}."), name  # defined there, not elsewhere
        assert name in dir(pkg)
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        pkg.nothing  # noqa: B018
