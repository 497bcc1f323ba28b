"""Build the report: run every section on a cohort, write Typst and SVG, typeset the PDF."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from .._files import check_not_input, write_bytes, write_text
from ..cohort import Cohort
from ..course._memo import memoized
from ..exceptions import BmecohortWarning, OutputPathError
from ..simulate.demo import DEMO_SEED
from ._context import Context
from .document import Figure, ReportTable, Section, render_section, typst_string
from .provenance import Provenance, provenance_section
from .sections_attrition import attrition_section
from .sections_course import course_section, table_one_section, time_to_event_section
from .sections_effects import (
    effects_section,
    hip_section,
    pain_course_section,
    reproduction_section,
)
from .sections_followup import (
    history_section,
    reader_policy,
    readers_of,
    reliability_section,
    trajectory_section,
)
from .smallcells import active
from .tables import flow_table

__all__ = [
    "DEFAULT_REPRODUCTIONS",
    "DEFAULT_SEED",
    "DEFAULT_SUPPRESS_BELOW",
    "SECTIONS",
    "build_report",
    "build_sections",
    "report_source",
]

#: Seed of the demo cohort when none is given (the simulator's own default).
DEFAULT_SEED = DEMO_SEED
#: Small-cell threshold for user data (cohort data agreements commonly require 5).
DEFAULT_SUPPRESS_BELOW = 5
#: Where the reproduction table is looked for (relative to the working directory).
DEFAULT_REPRODUCTIONS = Path("reports") / "reproductions.csv"
#: Template file (package data) the document imports.
TEMPLATE = "report.typ"
#: File that marks a build folder as bmecohort's; it lists the files the build wrote.
BUILD_MARKER = ".bmecohort-build"

#: The analysis sections, in document order (provenance and participant flow come first).
SECTIONS: tuple[tuple[str, Callable[[Context], Section]], ...] = (
    ("Table 1", table_one_section),
    ("lesion course", course_section),
    ("time to event", time_to_event_section),
    ("Table 2", effects_section),
    ("pain course", pain_course_section),
    ("BMES vs AVN", hip_section),
    ("reader reliability", reliability_section),
    ("loss to follow-up", attrition_section),
    ("trajectories", trajectory_section),
    ("natural history", history_section),
    ("reproductions", reproduction_section),
)


#: The slowest tasks on 50,000 participants, longest first: a section, or ``(section, i)``
#: for part ``i`` of a section split into parts (CPU seconds at load ~10 on 2 cores: pain
#: odds ratio under imputation 3.1, bml_progression 2.3, lesion course 2.2,
#: erosive_progression 1.9, syndesmophyte_predictors 1.3, pain course 1.3, ..., provenance
#: 0.6). Handed out in this order, the other tasks after them, so the workers finish
#: together.
LONGEST_FIRST: tuple[str | tuple[str, int], ...] = (
    ("loss to follow-up", 2), ("Table 2", 2), "lesion course", ("Table 2", 5), ("Table 2", 4),
    "pain course", ("Table 2", 1), ("loss to follow-up", 1), ("Table 2", 3),
    ("loss to follow-up", 0), "time to event", "provenance", ("Table 2", 0))


def _demo(seed: int) -> Cohort:
    from ..simulate import demo_cohort

    return demo_cohort(seed=seed)


def _load(data: str | os.PathLike[str]) -> tuple[Cohort, tuple[str, ...]]:
    """Load a cohort folder, keeping its data-quality warnings for the provenance."""
    from ..io import load_cohort

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BmecohortWarning)
        cohort = load_cohort(data)
    messages = tuple(dict.fromkeys(str(w.message) for w in caught
                                   if issubclass(w.category, BmecohortWarning)))
    for item in caught:
        if not issubclass(item.category, BmecohortWarning):
            warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
    return cohort, messages


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="report", unit="section", file=sys.stderr, leave=False,
                disable=not (enabled and sys.stderr.isatty()))


def report_source(sections: Sequence[Section], *, title: str, subtitle: str,
                  suppress_below: int | None) -> str:
    """The Typst document of ``sections``.

    Parameters
    ----------
    sections : sequence of Section
        The sections, in document order.
    title, subtitle : str
        Title block of the first page (set as string literals: no markup is interpreted).
    suppress_below : int or None
        Small-cell threshold applied to the tables' count columns.

    Returns
    -------
    str
        Typst source that imports the template ``report.typ`` (package data) and expects
        each figure's ``<name>.svg`` next to it.
    """
    parts = [f"#import {typst_string(TEMPLATE)}: *\n",
             f"#show: report.with(title: {typst_string(title)}, "
             f"subtitle: {typst_string(subtitle)})\n\n"]
    parts.extend(render_section(s, suppress_below)[0] for s in sections)
    return "".join(parts)


def build_report(
    cohort: Cohort | None = None,
    *,
    out: str | os.PathLike[str],
    seed: int = DEFAULT_SEED,
    data: str | os.PathLike[str] | None = None,
    suppress_below: int | None | Literal["auto"] = "auto",
    reproductions: str | os.PathLike[str] | None = DEFAULT_REPRODUCTIONS,
    build_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    reader: str | None = None,
    tables_dir: str | os.PathLike[str] | None = None,
    jobs: int | None = None,
) -> Path:
    """Build the PDF report of a cohort: provenance, flow, tables, figures, estimates.

    Parameters
    ----------
    cohort : Cohort or None, default=None
        The cohort to report on. None: load ``data``, or when that is None too, simulate
        the demo cohort (:func:`bmecohort.simulate.demo_cohort` with ``seed``).
    out : str or path-like
        The PDF to write (its folder is created), through a temporary file renamed into
        place. It may not be an input (a file of ``data`` or ``reproductions``).
    seed : int, default=20261124
        Seed of the demo cohort (used only when neither ``cohort`` nor ``data`` is given).
    data : str, path-like or None, default=None
        A cohort folder (:func:`bmecohort.io.load_cohort`).
    suppress_below : int, None or "auto", default="auto"
        Small-cell protection: counts from 1 to ``suppress_below - 1`` are shown as
        ``"<k"`` everywhere: table cells and notes, figure labels, the provenance, reasons an
        analysis was skipped, model messages and data warnings
        (:mod:`bmecohort.report.smallcells`); Table 1 withholds means of fewer than ``k``
        persons. None: off. ``"auto"``: 5 for user data (``cohort`` or ``data``), off for
        the demo cohort.
    reproductions : str, path-like or None, default="reports/reproductions.csv"
        The reproduction table of analyses/; the section says so when the file is absent.
    build_dir : str, path-like or None, default=None
        Keep the Typst sources and SVG figures in this folder. It must be new, empty, or a
        build folder of an earlier report (it holds only the files listed in its
        ``.bmecohort-build``), whose files are then replaced; a folder holding anything else
        is refused (:class:`~bmecohort.exceptions.OutputPathError`), never emptied. None: a
        private temporary folder, removed afterwards.
    progress : bool, default=True
        Show a progress bar over the sections on standard error (only when it is a
        terminal).
    reader : str or None, default=None
        The reader or reader policy (:func:`bmecohort.lesion_status`) of every lesion
        analysis. None: the single reader when ``lesion_reads`` has one, else
        ``"adjudicated"`` (an adjudicating or consensus read wins; elsewhere the first
        reader in label order, the primary read, stands). Recorded in the provenance.
    tables_dir : str, path-like or None, default=None
        Also write every table of the report (Table 1 as ``table1``, Table 2 as
        ``table2``, the participant flow as ``flow``, others ``<section>_<i>``) as DOCX,
        XLSX and LaTeX into this folder, with the PDF's small-cell suppression
        (:func:`bmecohort.report.export.export_tables`; needs the ``tables`` extra for
        DOCX and XLSX). The folder is new, empty, or one an earlier export wrote.
    jobs : int or None, default=None
        Processes the sections run in: after Table 1, the sections are independent and run
        in forked worker processes (:func:`build_sections`). None: the cores available to
        this process, at most 4, on Linux (elsewhere 1); 1: all in this process. The PDF
        is the same either way.

    Returns
    -------
    pathlib.Path
        ``out``.

    Notes
    -----
    The PDF depends only on the inputs: Typst's embedded fonts only (no system font), no
    document date, SVG figures without dates and with fixed ids. Two builds of the same
    inputs with the same package versions are byte-identical.

    Examples
    --------
    A report of two simulated persons (most of its sections say why they were skipped;
    ``build_report(out=...)`` reports on the demo cohort instead):

    >>> import tempfile, pathlib
    >>> from bmecohort.simulate import knee_cohort
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     pdf = build_report(knee_cohort(2, seed=1), out=pathlib.Path(folder) /
    ...                        "report.pdf", progress=False)
    ...     pdf.read_bytes()[:5]
    b'%PDF-'
    """
    _check_paths(out, data=data, reproductions=reproductions, build_dir=build_dir)
    if tables_dir is not None:
        _check_paths(out, data=data, reproductions=reproductions, build_dir=tables_dir)
    data_warnings: tuple[str, ...] = ()
    if cohort is not None:
        source = cohort.source or f"cohort {cohort.name!r} (given in Python)"
        used_seed = None
        user_data = True
    elif data is not None:
        cohort, data_warnings = _load(data)
        source = f"folder {Path(data).as_posix()}"
        used_seed = None
        user_data = True
    else:
        cohort = _demo(seed)
        source = cohort.source or f"bmecohort.simulate.demo_cohort(seed={seed})"
        used_seed = seed
        user_data = False
    if suppress_below == "auto":
        suppress_below = DEFAULT_SUPPRESS_BELOW if user_data else None
    if suppress_below is not None and (not isinstance(suppress_below, int)
                                       or suppress_below < 2):
        raise ValueError(f"suppress_below must be an integer >= 2, None or 'auto'; got "
                         f"{suppress_below!r}")
    ctx = Context(cohort=cohort, suppress_below=suppress_below,
                  reproductions=Path(reproductions) if reproductions is not None else None,
                  reader=reader)
    provenance = Provenance(source=source, seed=used_seed, suppress_below=suppress_below,
                            data_warnings=data_warnings,
                            readers=_reader_text(ctx, reader_policy(ctx), readers_of(ctx)))
    with _progress(len(SECTIONS) + 2, progress) as bar, active(suppress_below):
        def shown(label: str, builder: Callable[[Context], Section]
                  ) -> Callable[[Context], Section]:
            def run(ctx: Context) -> Section:
                bar.set_postfix_str(label)
                section = builder(ctx)
                bar.update()
                return section
            return run

        if jobs is None:
            from ._parallel import default_jobs

            jobs = default_jobs()
        # the provenance (hashing every table: 2 s on 50,000 participants) is one more task
        # for the workers; the document puts it first
        describe = ("provenance", lambda ctx: provenance_section(ctx.cohort, provenance))
        if jobs > 1:  # the workers' progress is not seen here: the bar moves once
            *sections, about = build_sections(ctx, [*SECTIONS, describe], jobs=jobs)
            bar.update(len(SECTIONS))
        else:
            *sections, about = build_sections(ctx, [*((label, shown(label, builder))
                                                      for label, builder in SECTIONS),
                                                    describe])
        flow = flow_table(sections)
        flow_section = (Section("flow", "Participant flow", (flow,)) if flow is not None
                        else Section("flow", "Participant flow",
                                     skipped="No analysis could be run on this cohort."))
        document = [about, flow_section, *sections]
        bar.set_postfix_str("typesetting")
        bar.update()
        pdf = _typeset(document, title=f"bmecohort report: {cohort.name}",
                       subtitle=source, suppress_below=suppress_below, build_dir=build_dir)
        bar.update()
    if tables_dir is not None:
        from .export import export_tables

        export_tables(report_tables(document), tables_dir, suppress_below=suppress_below)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(target, pdf)
    return target


def build_sections(ctx: Context,
                   sections: Sequence[tuple[str, Callable[[Context], Section]]] = SECTIONS,
                   *, jobs: int = 1) -> list[Section]:
    """Run the section builders, as the report does: each lesion status is built once for
    all sections (:func:`bmecohort.course._memo.memoized`), the objects alive before each
    section are spared the collector's full passes (:func:`_collector_spared`) and the BLAS
    runs on one thread (:func:`_one_blas_thread`).

    With ``jobs`` above 1 the first section (Table 1, which builds the knee lesion status the
    others reuse) runs here and the others in ``jobs`` forked processes
    (:func:`bmecohort.report._parallel.run_parallel`): the sections are the same, except that
    their ``results`` are reduced to the accountings the participant flow lists.
    """
    with memoized(), _collector_spared() as spare, _one_blas_thread():
        out = []
        for _, builder in sections[:1 if jobs > 1 else len(sections)]:
            spare()
            out.append(builder(ctx))
        if jobs > 1 and len(sections) > 1:
            out.extend(_in_workers(ctx, sections[1:], jobs, spare))
    return out


def _in_workers(ctx: Context, sections: Sequence[tuple[str, Callable[[Context], Section]]],
                jobs: int, spare: Callable[[], None]) -> list[Section]:
    """The sections in forked workers, each part of a :class:`~._parallel.Parts` a task of
    its own, the longest (:data:`LONGEST_FIRST`) handed out first; parts combined here."""
    from ._parallel import Parts, run_parallel

    tasks: list[Callable[[Context], Any]] = []
    spans: list[tuple[int, int]] = []  # each section's tasks
    for _, builder in sections:
        start = len(tasks)
        tasks.extend(builder.parts if isinstance(builder, Parts) else (builder,))
        spans.append((start, len(tasks)))
    labels = [label for label, _ in sections]
    first: list[int] = []
    for task in LONGEST_FIRST:
        label, part = task if isinstance(task, tuple) else (task, None)
        if label in labels:
            start, stop = spans[labels.index(label)]
            first.extend(i for i in (range(start, stop) if part is None else [start + part])
                         if i < stop and i not in first)
    # every worker draws figures and runs designs: import pyplot (0.5-0.6 s) and the designs
    # (0.2 s) once, here, rather than once per worker; forked workers share the modules
    import matplotlib.pyplot  # noqa: F401

    from .. import designs  # noqa: F401

    spare()  # also spares the forked workers' copy-on-write pages the collector
    values = run_parallel(ctx, tasks, jobs,
                          order=first + [i for i in range(len(tasks)) if i not in first])
    out = []
    for (_, builder), (start, stop) in zip(sections, spans, strict=True):
        out.append(builder.combine(ctx, values[start:stop]) if isinstance(builder, Parts)
                   else values[start])
    return out


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Limit the BLAS (OpenBLAS, MKL) to one thread while the sections run.

    The report fits many models whose matrix products are tall and thin (tens of thousands
    of units by one to a dozen columns, in every IRLS iteration, imputation and GEE step):
    there a second BLAS thread costs more in hand-over than it saves. On 50,000 participants
    (2 cores) it took the sections from 30 to 19 s of CPU; an intercept-only product of
    58,000 rows took 3 ms with two threads and 0.03 ms with one. Threads are restored
    afterwards (:func:`threadpoolctl.threadpool_limits`).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@contextmanager
def _collector_spared() -> Iterator[Callable[[], None]]:
    """Spare the objects alive before each section (the cohort, imported modules) from the
    garbage collector's full passes, until the report is built.

    statsmodels' ``multipletests`` runs ``gc.collect()`` on every call (Holm's method, once
    per family of tests: 19 times in Table 2), and a full pass over everything loaded takes
    0.1-0.5 s; frozen objects are skipped. Yields ``gc.freeze``; does nothing when the
    caller already froze objects (``gc.unfreeze`` would release theirs too).
    """
    if gc.get_freeze_count():
        yield lambda: None
        return
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def report_tables(sections: Sequence[Section]) -> list[tuple[str, ReportTable]]:
    """Every table of ``sections`` with a file name: the section's key, numbered when the
    section has several tables. Table 2 is the first table of the effects section (the
    standardised risks that follow it are ``table2_2``, ...)."""
    out = []
    for section in sections:
        tables = [b for b in section.blocks if isinstance(b, ReportTable)]
        for i, table in enumerate(tables, start=1):
            if section.key == "effects":  # Table 1's key is already "table1"
                name = "table2" if i == 1 else f"table2_{i}"
            else:
                name = section.key if len(tables) == 1 else f"{section.key}_{i}"
            out.append((name, table))
    return out


def _reader_text(ctx: Context, policy: str | None, readers: list[str]) -> str | None:
    """The provenance line of the reader policy used by every lesion analysis."""
    if not readers:
        return None
    listed = ", ".join(readers)
    if policy is None:
        return f"one reader ({listed}); every lesion analysis uses its reads"
    why = ("asked for (--reader)" if ctx.reader is not None else
           "the default with several readers: an adjudicating or consensus read wins, "
           "elsewhere the first reader in label order (the primary read) stands")
    return (f"{len(readers)} reader(s) ({listed}); every lesion analysis uses the reader "
            f"policy {policy!r}, {why}")


def _check_paths(out: str | os.PathLike[str], *, data: str | os.PathLike[str] | None,
                 reproductions: str | os.PathLike[str] | None,
                 build_dir: str | os.PathLike[str] | None) -> None:
    """Refuse, before any work, an output that is an input or a build folder not ours."""
    inputs = [data, reproductions]
    check_not_input(out, inputs, what="the report (out)")
    if Path(out).is_dir():
        raise OutputPathError(f"the report (out) {Path(out).as_posix()} is a folder; give "
                              f"a file name such as report.pdf")
    if build_dir is not None:
        check_not_input(build_dir, inputs, what="the build folder")
        folder = Path(build_dir)
        for item in inputs:
            if (item is not None and Path(item).exists()
                    and folder.resolve() in Path(item).resolve().parents):
                raise OutputPathError(f"the build folder {folder.as_posix()} holds the input "
                                      f"{Path(item).as_posix()}; give a separate folder")
        _own_build_files(folder)
        if folder.resolve() in Path(out).resolve().parents:
            raise OutputPathError(f"the report (out) {Path(out).as_posix()} is inside the "
                                  f"build folder {folder.as_posix()}; write it elsewhere")


def _own_build_files(folder: Path) -> list[str]:
    """Files an earlier build wrote in ``folder``; refuse a folder holding anything else."""
    if not folder.exists():
        return []
    if not folder.is_dir():
        raise OutputPathError(f"the build folder {folder.as_posix()} is a file; give a folder")
    marker = folder / BUILD_MARKER
    listed = (marker.read_text(encoding="utf-8").splitlines() if marker.is_file() else [])
    present = sorted(p.name for p in folder.iterdir() if p.name != BUILD_MARKER)
    foreign = [name for name in present if name not in listed
               or not (folder / name).is_file() or (folder / name).is_symlink()]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5
                                          else "")
        raise OutputPathError(
            f"the build folder {folder.as_posix()} holds files bmecohort did not make "
            f"({shown}); nothing was deleted. Give a new or empty folder, or leave "
            f"--build-dir out (a private temporary folder is used).")
    return present


def _typeset(sections: Sequence[Section], *, title: str, subtitle: str,
             suppress_below: int | None, build_dir: str | os.PathLike[str] | None) -> bytes:
    """Write the document, template and figures to a folder and compile them with Typst."""
    import typst

    source = report_source(sections, title=title, subtitle=subtitle,
                           suppress_below=suppress_below)
    template = resources.files("bmecohort.report").joinpath(TEMPLATE).read_bytes()
    figures = [b for s in sections for b in s.blocks if isinstance(b, Figure)]
    names = [f.name for f in figures]
    if len(set(names)) < len(names):
        raise ValueError(f"report figures need unique names; got {sorted(names)}")
    files = {TEMPLATE: template, **{f"{b.name}.svg": b.svg for b in figures},
             "main.typ": source.encode("utf-8")}
    with tempfile.TemporaryDirectory(prefix="bmecohort-report-") as scratch:
        folder = Path(build_dir) if build_dir is not None else Path(scratch)
        if build_dir is not None:
            stale = _own_build_files(folder)  # checked again: the folder may have changed
            folder.mkdir(parents=True, exist_ok=True)
            # the marker first, listing old and new files, so an interrupted build leaves a
            # folder the next build still recognises as its own
            write_text(folder / BUILD_MARKER, "\n".join(sorted({*stale, *files})) + "\n")
            for name in stale:
                if name not in files:
                    (folder / name).unlink()
        for name, content in files.items():
            write_bytes(folder / name, content)
        if build_dir is not None:
            write_text(folder / BUILD_MARKER, "\n".join(sorted(files)) + "\n")
        return typst.compile(str(folder / "main.typ"), root=str(folder), font_paths=[],
                             ignore_system_fonts=True)
