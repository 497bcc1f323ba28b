"""The documentation lists every public name, and every public name has a runnable example."""

from __future__ import annotations

import doctest
import inspect
import re
from pathlib import Path

import pytest

import bmecohort

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _api_names() -> list[str]:
    text = (DOCS / "api.rst").read_text()
    names: list[str] = []
    for block in re.split(r"\.\. autosummary::", text)[1:]:
        for line in block.splitlines()[1:]:
            if line.startswith("   ") and not line.strip().startswith(":"):
                names.append(line.strip())
            elif line.strip() and not line.startswith(" "):
                break
    return [n for n in names if n]


def test_api_reference_lists_every_public_name_once():
    names = _api_names()
    assert len(names) == len(set(names)), "a name is listed twice in docs/api.rst"
    missing = sorted(set(bmecohort.__all__) - set(names))
    unknown = sorted(set(names) - set(bmecohort.__all__))
    assert not missing, f"public names missing from docs/api.rst: {missing}"
    assert not unknown, f"docs/api.rst lists names that are not public: {unknown}"


def test_gallery_examples_exist_for_every_plot():
    examples = " ".join(p.read_text() for p in (DOCS / "examples").glob("plot_*.py"))
    for call in (".plot(", "bland_altman", "mixed_model", "multistate", "kaplan_meier",
                 "power("):
        assert call in examples, call


def _documented_names() -> list[str]:
    """Public names that need an example: all but the exception and warning classes."""
    return [name for name in bmecohort.__all__
            if not (inspect.isclass(obj := getattr(bmecohort, name))
                    and issubclass(obj, BaseException))]


@pytest.mark.parametrize("name", _documented_names())
def test_public_name_has_a_doctested_examples_section(name):
    doc = inspect.getdoc(getattr(bmecohort, name)) or ""
    assert "Examples\n--------" in doc, f"{name} has no numpydoc Examples section"
    examples = doc.split("Examples\n--------", 1)[1]
    calls = [line for line in examples.splitlines() if line.lstrip().startswith(">>> ")
             and not re.match(r">>> (import|from) ", line.lstrip())]
    assert calls, f"the Examples section of {name} only imports: it must run something"
    # a doctest that shows something: at least one line of expected output
    parsed = doctest.DocTestParser().get_examples(examples)
    assert any(example.want.strip() for example in parsed), \
        f"the Examples section of {name} checks no output"
