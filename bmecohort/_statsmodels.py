"""The statsmodels models bmecohort fits, each imported from its own module on first use.

``import statsmodels.api`` loads all of statsmodels (time series, graphics, formulas, mixed
models): about a second before the first odds ratio. Modules import this one as ``sm``
(``from .. import _statsmodels as sm``) and write ``sm.GLM``, ``sm.GEE``, ``sm.families``,
``sm.cov_struct`` as with ``statsmodels.api``; each name is imported from its statsmodels
module when first used (PEP 562 module ``__getattr__``), so importing bmecohort's estimators
loads no model code.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers and readers see them
    from statsmodels.genmod import cov_struct, families
    from statsmodels.genmod.generalized_estimating_equations import GEE
    from statsmodels.genmod.generalized_linear_model import GLM

__all__ = ["GEE", "GLM", "cov_struct", "families"]

#: name -> (statsmodels module, attribute or None for the module itself)
_WHERE = {
    "GLM": ("statsmodels.genmod.generalized_linear_model", "GLM"),
    "GEE": ("statsmodels.genmod.generalized_estimating_equations", "GEE"),
    "families": ("statsmodels.genmod.families", None),
    "cov_struct": ("statsmodels.genmod.cov_struct", None),
}


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = import_module(module)
    value = value if attribute is None else getattr(value, attribute)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
