"""Stored design checks: the rows of the last full run, their provenance, and their reuse.

Design checks (basis b of :mod:`bmecohort.reproduce`) simulate and fit hundreds of
replicates; rows recomputed from published counts take a moment. A full run
(``bmecohort reproduce``, ``make reproduce``) writes the design-check rows to
``design_checks.csv`` with a manifest, ``design_checks.json``: when they were built
(UTC), from which git commit, and the SHA-256 of every input that shaped them (the
analysis files and the package modules the analyses loaded). Both are committed, so a
fresh clone has them.

The fast path (``bmecohort reproduce --stored``, what ``make report`` uses) reruns every
analysis inside :func:`session` with the stored rows: :func:`bmecohort.reproduce.replicate`
then defers its replicates and :func:`bmecohort.reproduce.design_row` returns the stored
row of its id, so the replicates are never run unless a design row is missing from the
store (a new check), which is then computed and named. Every row recomputed from
published counts is computed afresh. The provenance written beside the table
(``reproductions.json``) says when and from which code version the stored rows were built,
and whether the inputs differ now (then ``make reproduce`` rebuilds them).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import math
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._files import atomic_write, write_text
from .exceptions import AnalysisInputError

__all__ = [
    "PROVENANCE_NAME",
    "STORE_CSV",
    "STORE_MANIFEST",
    "loaded_modules",
    "provenance",
    "provenance_text",
    "read_provenance",
    "read_store",
    "session",
    "stored_row",
    "write_store",
]

STORE_CSV = "design_checks.csv"
STORE_MANIFEST = "design_checks.json"
#: The provenance of a reproduction table's design rows, written beside it.
PROVENANCE_NAME = "reproductions.json"
#: Numeric columns of a reproduction row (``replicates`` is an integer).
_NUMERIC = ("published_estimate", "published_ci_lower", "published_ci_upper",
            "reproduced_estimate", "reproduced_ci_lower", "reproduced_ci_upper", "dropped",
            "coverage", "coverage_usable", "truth", "bias", "median_p", "width_ratio")
_PACKAGE = Path(__file__).resolve().parent
#: Modules that do not shape the numbers (the command-line shell, the report).
_NOT_INPUTS = ("bmecohort.cli", "bmecohort.report")


@dataclass
class _Session:
    stored: Mapping[str, dict[str, Any]] | None
    taken: list[str] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)


_ACTIVE: contextvars.ContextVar[_Session | None] = contextvars.ContextVar(
    "bmecohort_design_store", default=None)


@contextlib.contextmanager
def session(stored: Mapping[str, dict[str, Any]] | None) -> Iterator[_Session]:
    """Run analyses with ``stored`` design rows (id -> row), or with none (compute all).

    The yielded session lists the ids taken from the store (``taken``) and the design rows
    computed (``computed``).
    """
    token = _ACTIVE.set(_Session(stored))
    try:
        yield _ACTIVE.get()  # type: ignore[misc]
    finally:
        _ACTIVE.reset(token)


def deferring() -> bool:
    """Whether replicates should be deferred: a store of design rows is in use."""
    active = _ACTIVE.get()
    return active is not None and active.stored is not None


def stored_row(id: str) -> dict[str, Any] | None:
    """The stored design row ``id`` when a store is in use and holds it (a copy), else None."""
    active = _ACTIVE.get()
    if active is None or active.stored is None or id not in active.stored:
        return None
    active.taken.append(id)
    return dict(active.stored[id])


def computed(id: str) -> None:
    """Record that the design row ``id`` was computed in this session."""
    active = _ACTIVE.get()
    if active is not None:
        active.computed.append(id)


# --- inputs and versions ---------------------------------------------------------------------


def loaded_modules() -> list[str]:
    """The package modules loaded in this process (paths relative to the package's parent),
    except the command-line shell and the report."""
    names = []
    for name, module in list(sys.modules.items()):
        if not (name == "bmecohort" or name.startswith("bmecohort.")) or name.startswith(
                _NOT_INPUTS):
            continue
        path = getattr(module, "__file__", None)
        if path and Path(path).resolve().is_relative_to(_PACKAGE):
            names.append(Path(path).resolve().relative_to(_PACKAGE.parent).as_posix())
    return sorted(set(names))


def _sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _resolve(name: str, analyses: Path) -> Path:
    """The file of an input name: ``analyses/<file>`` or ``bmecohort/<module path>``."""
    head, _, rest = name.partition("/")
    return analyses / rest if head == "analyses" else _PACKAGE.parent / name


def input_hashes(names: Iterable[str], analyses: Path) -> dict[str, str | None]:
    """SHA-256 of every input (None when the file is gone), by name."""
    return {name: _sha256(_resolve(name, analyses)) for name in sorted(set(names))}


def combined(hashes: Mapping[str, str | None]) -> str:
    """One SHA-256 over the inputs' names and hashes."""
    text = "".join(f"{name} {digest}\n" for name, digest in sorted(hashes.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def git_version(root: Path = _PACKAGE.parent) -> str:
    """The checkout's commit (12 hex digits), ``+changes`` when the package or analyses
    differ from it, or ``unknown`` outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              text=True, check=True, timeout=20).stdout.strip()
    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--", "bmecohort", "analyses")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


# --- the store -------------------------------------------------------------------------------


def write_store(folder: Path, table: pd.DataFrame, *, analyses: Path,
                modules: Iterable[str], quick: bool, design_basis: str) -> dict[str, Any]:
    """Write the design rows of ``table`` and their manifest into ``folder``; return it."""
    from .reproduce import COLUMNS

    rows = table[table["basis"] == design_basis]
    names = [f"analyses/{p.name}" for p in sorted(analyses.glob("[0-9][0-9]_*.py"))]
    hashes = input_hashes([*names, *modules], analyses)
    with atomic_write(folder / STORE_CSV, "w", newline="") as handle:
        rows[list(COLUMNS)].to_csv(handle, index=False, float_format="%.17g",
                                   lineterminator="\n")
    manifest = {
        "built": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "code_version": git_version(),
        "settings": "quick" if quick else "full",
        "rows": len(rows),
        "inputs_sha256": combined(hashes),
        "inputs": hashes,
    }
    write_text(folder / STORE_MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_store(folder: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]] | None:
    """The stored design rows by id and their manifest, or None when there are none."""
    from .reproduce import COLUMNS

    csv, manifest_path = folder / STORE_CSV, folder / STORE_MANIFEST
    if not (csv.is_file() and manifest_path.is_file()):
        return None
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    if tuple(frame.columns) != COLUMNS or frame["id"].duplicated().any():
        raise AnalysisInputError(f"{csv}: the stored design checks must have the columns "
                                 f"{COLUMNS} and one row per id; run `make reproduce` to "
                                 f"write them again")
    rows = {}
    for record in frame.to_dict("records"):
        row: dict[str, Any] = dict(record)
        for column in _NUMERIC:
            row[column] = float(record[column]) if record[column] else math.nan
        row["replicates"] = int(record["replicates"]) if record["replicates"] else math.nan
        row["matched"] = row["independent"] = None
        rows[record["id"]] = row
    return rows, manifest


def provenance(manifest: Mapping[str, Any] | None, *, analyses: Path, taken: Iterable[str],
               computed: Iterable[str]) -> dict[str, Any]:
    """Where a table's design rows come from: the store (built when, from which code, and
    which inputs changed since) and the rows computed in this run."""
    out: dict[str, Any] = {"stored_rows": sorted(set(taken)),
                           "computed_rows": sorted(set(computed))}
    if manifest is None:
        return {**out, "source": "computed"}
    recorded = manifest["inputs"]
    names = {*recorded, *(f"analyses/{p.name}" for p in analyses.glob("[0-9][0-9]_*.py"))}
    current = input_hashes(names, analyses)
    changed = sorted(n for n in names if current.get(n) != recorded.get(n))
    return {**out, "source": "stored", "built": manifest["built"],
            "code_version": manifest["code_version"], "settings": manifest["settings"],
            "inputs_sha256": manifest["inputs_sha256"], "changed_inputs": changed}


def write_provenance(path: Path, record: Mapping[str, Any]) -> None:
    write_text(path, json.dumps(record, indent=1) + "\n")


def read_provenance(table_path: Path) -> dict[str, Any] | None:
    """The provenance beside a reproduction table, or None (absent or unreadable)."""
    path = table_path.with_name(PROVENANCE_NAME)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def provenance_text(record: Mapping[str, Any]) -> str:
    """The provenance of the design rows as a sentence for the report and the Markdown."""
    now = record.get("computed_rows", [])
    if record.get("source") != "stored":
        return ("Design checks: computed in this run" + (f" ({len(now)} rows)." if now
                                                         else "."))
    built = str(record["built"]).replace("T", " ").replace("Z", " UTC")
    text = (f"Design checks: {len(record['stored_rows'])} rows from the stored table of the "
            f"last full `make reproduce`, built {built} from code version "
            f"{record['code_version']} (inputs SHA-256 {record['inputs_sha256'][:12]}; "
            f"{record['settings']} settings); the rows recomputed from published counts "
            f"are computed now.")
    changed = record.get("changed_inputs", [])
    if changed:
        shown = ", ".join(changed[:6]) + (f" and {len(changed) - 6} more"
                                          if len(changed) > 6 else "")
        text += (f" The code has changed since they were built ({shown}): the stored "
                 f"design checks may be stale; `make reproduce` rebuilds them.")
    else:
        text += " The analyses and the package modules they use are unchanged since."
    if now:
        text += f" Design rows not in the store, computed now: {', '.join(now)}."
    return text
