"""The PDF report: reproducible bytes, user folders, small-cell suppression, skipped sections."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from bmecohort import Cohort
from bmecohort.cli import report as report_command
from bmecohort.cli._common import UsageError
from bmecohort.io import write_cohort
from bmecohort.report import (
    ReportTable,
    baseline_characteristics,
    build_report,
    effect_table,
    flow_table,
    suppress_counts,
    table_one,
    typst_string,
)
from bmecohort.report._context import Context
from bmecohort.report.document import Paragraph, Section, render_table
from bmecohort.results import Accounting
from bmecohort.simulate import demo_cohort

#: Places in the report's text where a number from 1 to 4 is not a count of persons or units.
ALLOWED = [re.compile(p) for p in (
    r"^\d+(?:\.\d+)*\.\s",                      # section numbers
    r"(?:\s\.)+\s*\d+$",                        # table of contents: page numbers
    r"^\d+ / \d+$",                             # page footer
    r"\b(?:Table|Figure) \d+",                  # captions and "(Table 1)"
    r"[Cc]ounts from 1 to \d+",                 # the suppression rule itself
    r"small-cell protection; \d+ cell\(s\)",    # cells, not persons
    r"[<>]=? ?\d+",                             # thresholds
    r"at least \d+",
    r"ratios above 1",
    r"\(0 and 1\)",
    r"\b(?:months?|visits?)(?: of)?[\s(]*\d+(?:(?:, | and | to )\d+)*",
    r"\d+ at month \d+",                        # the score matrix's headers
    r"\d+% \(\d+ to \d+\)",                     # a percentage and its interval
    r"\d+-\d+",                                 # ranges of scores (mSASSS 0-1)
    r"\bgrades? \d+",                           # a score grade
    r"\d+(?:, \d+)*(?: and \d+)? years",          # times of the multi-state probabilities
    r"nearer 1 \(1: the interval includes 1\)",    # the E-value note: the null value 1
)]
TABLES = ("participants", "visits", "lesion_reads", "knee_outcomes", "spine_corners",
          "ra_bones", "hip_cases")
SMALL = re.compile(r"(?<![\w.<\-+\[/])[1-4](?![\w.%\]/])")


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def small_counts(text: str) -> list[str]:
    """Numbers from 1 to 4 in the PDF's text outside the places where they are no count."""
    found = []
    matrix = False
    for line in text.replace("\xa0", " ").splitlines():
        if line.startswith("Score at month"):
            matrix = True
            continue
        if line.startswith("Rows: score at the first visit"):
            matrix = False
        if matrix:  # the score matrix: each row starts with its score
            line = re.sub(r"^\d+", " ", line)
        if line.split(" ")[0] in TABLES:  # the tables table: Columns counts no one
            line = re.sub(r"\d+$", " ", line)
        stripped = line
        for pattern in ALLOWED:
            stripped = pattern.sub(" ", stripped)
        found.extend(f"{m.group()} in {line!r}" for m in SMALL.finditer(stripped))
    return found


@pytest.fixture(scope="module")
def small():
    return demo_cohort(seed=7, size="small")


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bare() -> Cohort:
    participants = pd.DataFrame({"participant_id": ["a", "b"], "sex": ["F", "M"],
                                 "age": [50.0, 60.0]})
    visits = pd.DataFrame({"participant_id": ["a", "b"], "visit": [0, 0]})
    return Cohort(participants, visits, name='bare "#1" $x$')


def _command(argv: list[str]) -> int:
    """``bmecohort report ...`` through the command's own parser and run()."""
    parser = argparse.ArgumentParser(prog="bmecohort")
    report_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", *argv])
    return args.run(args)


def _knees(scores: dict[tuple[str, str], float | None], **participant_columns) -> Cohort:
    """One baseline visit; knee BML score per (person, side); None = not assessable."""
    ids = sorted({p for p, _ in scores})
    participants = pd.DataFrame({"participant_id": ids, **participant_columns})
    reads = pd.DataFrame([
        {"participant_id": p, "visit": 0, "joint": "knee", "side": s, "system": "MOAKS",
         "item": "bml_size", "site": "TMC", "reader": "R1",
         "score": np.nan if score is None else score}
        for (p, s), score in scores.items()])
    visits = pd.DataFrame({"participant_id": ids, "visit": 0})
    return Cohort(participants, visits, lesion_reads=reads)


def test_typst_string_escapes_markup():
    assert typst_string('a "b" \\ #c $d$') == '"a \\"b\\" \\\\ #c $d$"'
    assert typst_string("line\nbreak") == '"line\\nbreak"'


def test_suppress_counts_replaces_small_counts_only():
    frame = pd.DataFrame({"n": [0, 1, 4, 5, None], "estimate": [0.1, 0.2, 0.3, 0.4, 0.5]})
    out, hidden = suppress_counts(frame, ["n"], suppress_below=5)
    assert out["n"].tolist() == ["0", "<5", "<5", "5", ""]
    assert out["estimate"].tolist() == frame["estimate"].tolist()  # estimates remain
    assert hidden == 2
    same, none = suppress_counts(frame, ["n"], suppress_below=None)
    assert same["n"].tolist() == ["0", "1", "4", "5", ""] and none == 0


def test_rendered_table_says_what_was_suppressed():
    table = ReportTable(pd.DataFrame({"Group": ["a", "b"], "n": [3, 40], "p_value": [0.0004,
                                                                                    0.2]}),
                        "Counts", counts=("n",))
    source, hidden = render_table(table, suppress_below=5)
    assert hidden == 1
    assert '"<5"' in source and '"3"' not in source and '"40"' in source
    assert '"<0.001"' in source  # p-values formatted, not suppressed
    assert "small-cell protection" in source
    plain, none = render_table(table, suppress_below=None)
    assert none == 0 and '"3"' in plain and "small-cell" not in plain


def test_table_one_counts_persons_not_knees():
    cohort = _knees({("p1", "L"): 2, ("p1", "R"): 1, ("p2", "L"): 1, ("p2", "R"): 0,
                     ("p3", "L"): 0, ("p3", "R"): 0, ("p4", "L"): None},
                    sex=["F", "M", "F", "M"], age=[50.0, 60.0, 70.0, 80.0],
                    bmi=[25.0, 30.0, np.nan, 22.0])
    frame, accounting = baseline_characteristics(cohort)
    cell = frame.set_index(["characteristic", "group"])
    assert cell.loc[("Persons", "BML in any knee"), "count"] == 2
    assert cell.loc[("Persons", "No BML"), "count"] == 1
    assert cell.loc[("Persons", "All"), "count"] == 3
    assert cell.loc[("Knees read at baseline", "BML in any knee"), "count"] == 4
    assert cell.loc[("Age, years", "BML in any knee"), "mean"] == pytest.approx(55.0)
    assert cell.loc[("Age, years", "BML in any knee"), "sd"] == pytest.approx(np.std([50, 60],
                                                                                     ddof=1))
    assert cell.loc[("Female", "All"), "count"] == 2
    assert cell.loc[("Female", "All"), "percent"] == pytest.approx(200 / 3)
    assert cell.loc[("BMI, kg/m²", "No BML"), "count"] == 0  # p3's BMI is missing
    assert accounting.n_used == 3 and accounting.events == 2
    assert accounting.excluded == (("no assessable knee read at visit 0", 1),)
    table, _ = table_one(cohort, suppress_below=5)
    shown = table.frame.set_index("Characteristic")
    assert shown.loc["Persons, n", "All"] == "<5"
    assert shown.loc["Female, n (%)", "All"] == "<5"  # the percentage would reveal it
    assert table.suppressed > 0


def test_flow_table_lists_every_exclusion():
    class Done:
        accounting = Accounting(unit="knee", n_rows=10, n_used=6, events=2,
                                excluded=(("BML at baseline", 3), ("no follow-up MRI", 1)))

    table = flow_table([Section("s", "Course", results=(("incidence", Done()),))])
    frame = table.frame
    assert frame["Excluded because"].tolist() == ["BML at baseline", "no follow-up MRI"]
    assert frame["Excluded"].tolist() == [3, 1]
    assert frame["In"].iloc[0] == 10 and frame["Used"].iloc[0] == 6
    assert flow_table([Section("s", "Empty")]) is None

    class Design:  # a design built its frame without exclusions; one analysis excluded more
        accounting = Accounting(unit="knee", n_rows=10, n_used=10, events=4)
        results = {"crude": Done(), "adjusted": type("R", (), {"accounting": Accounting(
            unit="knee", n_rows=10, n_used=10, events=4)})()}

    rows = flow_table([Section("s", "Effects", results=(("pain", Design()),))]).frame
    assert rows["Analysis"].tolist() == ["pain: crude", ""]  # crude's exclusions only


def test_report_builds_twice_byte_identical(demo_report, small, tmp_path):
    # the shared build ran the sections in two forked workers; this one runs them all in
    # this process: the same bytes (the same folder, so the same source line, is read again)
    second = build_report(data=demo_report.data, out=tmp_path / "b" / "b.pdf",
                          progress=False, reproductions=None, build_dir=tmp_path / "src",
                          jobs=1)
    assert demo_report.pdf.read_bytes()[:5] == b"%PDF-"
    assert _sha(demo_report.pdf) == _sha(second)
    source = (tmp_path / "src" / "main.typ").read_text()
    for title in ("Provenance", "Participant flow", "Baseline characteristics (Table 1)",
                  "Lesion course", "Time to event", "Effect estimates (Table 2)",
                  "Pain course by BML course", "Bone marrow edema syndrome vs avascular necrosis",
                  "Reader reliability", "Loss to follow-up", "Trajectories",
                  "Lesion natural history", "Reproduction of published results"):
        assert f'= #"{title}"' in source
    assert small.content_hash() in source
    assert len(list((tmp_path / "src").glob("*.svg"))) >= 5
    assert "Clustered" in source and "Clusters" in source  # Table 2's clustering marker


def test_report_from_a_data_folder_suppresses_by_default(demo_report):
    # the shared build: the demo cohort written to a folder, built with the defaults
    assert demo_report.pdf.is_file()
    source = (demo_report.source / "main.typ").read_text()
    assert f'"folder {demo_report.data.as_posix()}"' in source
    assert "small-cell protection" in source and '"<5"' in source
    assert "not applicable (user data)" in source
    assert small_counts(pdf_text(demo_report.pdf)) == []


def test_pdf_of_a_tiny_user_cohort_shows_no_count_below_5(tmp_path):
    """Skipped-analysis reasons, model messages, provenance, Table 1 means: no count 1-4."""
    from bmecohort.simulate import knee_cohort

    folder = tmp_path / "two"
    write_cohort(knee_cohort(2, seed=1), folder)
    protected = build_report(data=folder, out=tmp_path / "on.pdf", progress=False,
                             reproductions=None)
    text = pdf_text(protected)
    assert "<5 events among <5 complete rows" in text or "not estimable" in text
    assert small_counts(text) == []
    # the scan finds them when suppression is off: it is not blind
    bare = build_report(data=folder, out=tmp_path / "off.pdf", progress=False,
                        reproductions=None, suppress_below=None)
    assert len(small_counts(pdf_text(bare))) > 5


def test_sections_without_their_tables_are_skipped_with_a_reason(tmp_path, capsys):
    pdf = build_report(_bare(), out=tmp_path / "bare.pdf", progress=True,
                       reproductions=tmp_path / "absent.csv", build_dir=tmp_path / "src")
    assert pdf.is_file()
    source = (tmp_path / "src" / "main.typ").read_text()
    assert source.count("#skipped(") == 12  # flow + the eleven analysis sections
    assert "The cohort has no lesion_reads table" in source
    assert "The cohort has no hip_cases table" in source
    assert "absent.csv does not exist" in source
    assert typst_string('bmecohort report: bare "#1" $x$') in source
    assert capsys.readouterr().err == ""  # no progress bar when stderr is not a terminal


def test_report_command(tmp_path, capsys):
    folder = tmp_path / "tables"
    write_cohort(_bare(), folder)
    out = tmp_path / "cli.pdf"
    code = _command(["--data", str(folder), "--out", str(out), "--suppress-below", "3",
                     "--reproductions", str(tmp_path / "none.csv"),
                     "--build-dir", str(tmp_path / "src")])
    assert code == 0 and out.is_file()
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    assert 'counts from 1 to 2 shown as \\"<3\\"' in (tmp_path / "src" / "main.typ").read_text()
    with pytest.raises(UsageError, match="--seed"):
        _command(["--data", str(folder), "--seed", "3"])
    with pytest.raises(UsageError, match="2 or more"):
        _command(["--suppress-below", "1"])


def test_reproduction_table_is_included_when_it_exists(tmp_path):
    participants = pd.DataFrame({"participant_id": ["a"], "sex": ["F"], "age": [50.0]})
    cohort = Cohort(participants, pd.DataFrame({"participant_id": ["a"], "visit": [0]}))
    csv = tmp_path / "reproductions.csv"
    pd.DataFrame({"id": ["felson2003_pct", "felson2003_gee"], "paper": ["Felson 2003"] * 2,
                  "statistic": ["%", "OR"], "published": ["36.0%", "6.5 (3.0-14.0)"],
                  "reproduced": ["36.0", "median 6.6"],
                  "basis": ["recomputed from published counts", "design check on simulated data"],
                  "matched": ["True", ""], "independent": ["True", ""],
                  "coverage": ["", "0.9512"], "width_ratio": ["", "1.0"]}).to_csv(csv, index=False)
    # the design check comes from the store, built before a change to the code
    (tmp_path / "reproductions.json").write_text(json.dumps({
        "stored_rows": ["felson2003_gee"], "computed_rows": [], "source": "stored",
        "built": "2026-12-06T10:00:00Z", "code_version": "abc123def456", "settings": "full",
        "inputs_sha256": "0123456789abcdef", "changed_inputs": ["analyses/03_felson_2003.py"]}))
    build_report(cohort, out=tmp_path / "r.pdf", progress=False, reproductions=csv,
                 build_dir=tmp_path / "src")
    source = (tmp_path / "src" / "main.typ").read_text()
    assert '"felson2003_gee"' in source and '"0.95"' in source
    assert "built 2026-12-06 10:00:00 UTC from code version abc123def456" in source
    assert "changed since they were built (analyses/03_felson_2003.py)" in source
    assert "`make reproduce` rebuilds them" in source
    # the design check is never counted as a match
    assert "1 of 1 independent comparisons matched" in source
    assert "Design checks on simulated data: 1 rows" in source


def test_bad_suppression_threshold_is_refused(small, tmp_path):
    with pytest.raises(ValueError, match="suppress_below"):
        build_report(small, out=tmp_path / "x.pdf", suppress_below=1, progress=False)


@pytest.mark.filterwarnings("ignore::bmecohort.exceptions.SmallCellWarning")
def test_table_two_says_whether_each_row_is_clustered():
    from bmecohort import bml_pain_association, bml_pain_prevalence
    from bmecohort.simulate import knee_cohort

    two = knee_cohort(300, seed=11)
    one = knee_cohort(300, seed=11, knees="one")
    designs = [("two knees", bml_pain_association(two)),
               ("prevalence", bml_pain_prevalence(two)),
               ("one knee", bml_pain_association(one))]
    table = effect_table(designs)
    frame = table.frame
    assert list(frame.columns[-2:]) == ["Clustered", "Clusters"]
    assert "Clusters" in table.counts  # small cluster counts are suppressed like n
    two_knees = frame[frame["section"] != "one knee"]
    assert set(two_knees["Clustered"]) == {"yes"}
    persons = designs[0][1].frame["participant_id"].nunique()
    assert persons in set(two_knees["Clusters"])
    one_knee = frame[frame["section"] == "one knee"]
    assert set(one_knee["Clustered"]) == {"no"} and one_knee["Clusters"].isna().all()


@pytest.fixture(scope="module")
def doubled():
    from bmecohort.simulate import add_second_reader, knee_cohort

    return add_second_reader(knee_cohort(80, seed=3, dropout=0.2), seed=4, fraction=0.4)


def test_followup_sections_with_two_readers(doubled):
    """Several readers: reliability per site, the 'adjudicated' default recorded, the knee
    sections run under it; loss to follow-up, trajectories and natural history built."""
    from bmecohort.report._context import Context
    from bmecohort.report.build import _reader_text
    from bmecohort.report.sections_attrition import attrition_section
    from bmecohort.report.sections_course import course_section, table_one_section
    from bmecohort.report.sections_followup import (
        history_section,
        reader_policy,
        readers_of,
        reliability_section,
        trajectory_section,
    )

    ctx = Context(cohort=doubled, suppress_below=5)
    assert reader_policy(ctx) == "adjudicated"
    assert "'adjudicated'" in _reader_text(ctx, "adjudicated", readers_of(ctx))
    assert course_section(ctx).skipped is None  # was skipped for several readers before
    assert table_one_section(ctx).skipped is None
    rel = reliability_section(ctx)
    assert rel.skipped is None
    tables = [b for b in rel.blocks if isinstance(b, ReportTable)]
    assert {"icc2", "sdc", "kappa"} <= set(tables[0].frame["Statistic"])
    assert set(tables[1].frame["Statistic"]) == {"icc2", "sdc"}  # the knee's summed score
    assert tables[0].counts == ("n",)
    chosen = Context(cohort=doubled, suppress_below=5, reader="R2")
    assert reader_policy(chosen) == "R2"
    lost = attrition_section(ctx)
    assert lost.skipped is None
    frames = [b.frame for b in lost.blocks if isinstance(b, ReportTable)]
    assert list(frames[0].columns) == ["Characteristic", "Completers n", "Completers",
                                       "Lost n", "Lost", "Std. difference"]
    incidence_rows = frames[1]
    assert incidence_rows["Analysis"].tolist() == [
        "Complete case", "IPCW-weighted", "Multiple imputation (m=5)",
        "Lost: none with the event", "Lost: all with the event"]
    # IPCW beside complete case: same knees (no covariate missing), a finite estimate
    complete, weighted = incidence_rows.iloc[0], incidence_rows.iloc[1]
    assert weighted["n"] == complete["n"] and weighted["Events"] == complete["Events"]
    assert 0 < weighted["Estimate"] < 1 and weighted["Estimate"] != complete["Estimate"]
    # imputed: every knee at risk (as the bounds), an estimate within the bounds
    imputed, best, worst = (incidence_rows.iloc[i] for i in (2, 3, 4))
    assert imputed["n"] == best["n"] > complete["n"] and np.isnan(imputed["Events"])
    assert best["Estimate"] <= imputed["Estimate"] <= worst["Estimate"]
    assert any(label.startswith("incidence multiply imputed") for label, _ in lost.results)
    pain = frames[2]
    assert pain["Analysis"].tolist()[0] == "complete case"
    assert pain["Analysis"].str.startswith("multiple imputation").any()
    ipcw_row = pain.loc[pain["Analysis"] == "IPCW-weighted"].iloc[0]
    assert ipcw_row["Exposure"] == "incident BML" and np.isfinite(ipcw_row["Estimate"])
    assert ipcw_row["n"] == pain["n"].iloc[0]  # the complete cases, weighted
    assert not any("not yet available" in getattr(b, "text", "") for b in lost.blocks)
    assert any(label.startswith("incidence IPCW-weighted") for label, _ in lost.results)
    # the small-cell rule: counts below the threshold never reach the rendered table
    table = [b for b in lost.blocks if isinstance(b, ReportTable)][1]
    rendered, suppressed = render_table(table, 100)
    assert suppressed >= 4 and f'"{int(complete["n"])}"' not in rendered
    trajectories = trajectory_section(ctx)
    assert trajectories.skipped is None
    assert any(getattr(b, "name", "") == "trajectories" for b in trajectories.blocks)
    history = history_section(ctx)
    assert history.skipped is None
    quantities = [b for b in history.blocks if isinstance(b, ReportTable)][0].frame["Quantity"]
    assert quantities.str.contains("lesion at 5 years").any()


def test_attrition_counts_in_n_percent_cells_are_suppressed():
    from bmecohort.report.sections_attrition import _attrition_table

    table = pd.DataFrame({
        "characteristic": ["sex = F", "age"], "statistic": ["n (%)", "mean (SD)"],
        "completers_n": [40, 40], "completers_value": [3.0, 55.0],
        "completers_spread": [7.5, 8.0], "lost_n": [3, 3], "lost_value": [2.0, 60.0],
        "lost_spread": [66.7, 5.0], "standardized_difference": [0.5, 0.6]})
    shown = _attrition_table(table, 24, 5)
    assert shown.frame["Completers"].tolist() == ["<5", "55.00 (8.00)"]
    assert shown.frame["Lost"].tolist()[0] == "<5" and shown.suppressed == 2
    rendered, n = render_table(shown, 5)
    assert n == 4 and '"3"' not in rendered  # the small "Lost n" counts too
    open_ = _attrition_table(table, 24, None)
    assert open_.frame["Lost"].tolist()[0] == "2 (66.7%)"


def test_report_command_reader_and_tables_dir(tmp_path):
    """--reader is recorded in the provenance; --tables-dir writes every table thrice."""
    from bmecohort.simulate import add_second_reader, knee_cohort

    # four persons (not `doubled`'s 80): Table 2, reliability and the flow are still built,
    # the sections with figures mostly skipped, so the command runs in half the time
    folder = tmp_path / "tables"
    write_cohort(add_second_reader(knee_cohort(4, seed=3, dropout=0.2), seed=4, fraction=0.4),
                 folder)
    code = _command(["--data", str(folder), "--out", str(tmp_path / "r.pdf"),
                     "--reader", "R1", "--tables-dir", str(tmp_path / "manuscript"),
                     "--reproductions", str(tmp_path / "none.csv"),
                     "--build-dir", str(tmp_path / "src"), "--no-progress"])
    assert code == 0
    source = (tmp_path / "src" / "main.typ").read_text()
    assert "reader policy 'R1', asked for (--reader)" in source
    written = {p.name for p in (tmp_path / "manuscript").iterdir()}
    assert {"table1.docx", "table2.xlsx", "reliability_1.tex", "flow.docx"} <= written


def test_reliability_section_shows_an_undefined_kappa_cleanly(doubled):
    """A site where one reader gives a single grade: no numpy 0/0, a blank kappa explained
    by a table note and a caveat naming the site (small counts in it redacted)."""
    import warnings

    from bmecohort.report._context import Context
    from bmecohort.report.sections_followup import reliability_section

    tables = doubled.tables
    reads = tables["lesion_reads"].copy()
    at_site = (reads["site"].astype(str) == "TLA") & (reads["reader"].astype(str) == "R1")
    reads.loc[at_site & reads["score"].notna(), "score"] = 0
    cohort = Cohort.from_tables({**tables, "lesion_reads": reads})
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error", RuntimeWarning)
        section = reliability_section(Context(cohort=cohort, suppress_below=5))
    frame = [b for b in section.blocks if isinstance(b, ReportTable)][0]
    rows = frame.frame.set_index(["Site", "Statistic"])
    assert np.isnan(rows.loc[("TLA", "kappa"), "Estimate"])
    assert rows.loc[("TLA", "kappa"), "95% CI"] == ""
    assert any(note.startswith("Blank kappa: undefined") for note in frame.notes)
    assert [c for c in section.caveats if "site TLA: kappa" in c]
    source, _ = render_table(frame, 5)
    assert '"TLA", "kappa", ' in source


def test_ipcw_needs_baseline_covariates_and_says_so():
    """Without age, BMI or sex to model being followed, the IPCW row is 'not estimable'."""
    from bmecohort.exceptions import AnalysisInputError
    from bmecohort.report.sections_attrition import _ipcw_logistic

    frame = pd.DataFrame({"participant_id": [1, 2, 3, 4], "incident_bml": [1.0, 0.0, None, 1.0],
                          "incident_pain": [1.0, 0.0, 1.0, None]})
    with pytest.raises(AnalysisInputError, match="no baseline age, BMI or sex"):
        _ipcw_logistic(frame, ["incident_bml", "incident_pain"])


def test_parallel_sections_keep_order_accountings_and_warnings(small):
    from bmecohort.report._parallel import run_parallel

    accounting = Accounting(unit="knee", n_rows=10, n_used=8, events=3,
                            excluded=(("missing follow-up", 2),))

    class Fit:  # a result that cannot be pickled, as statsmodels fits are not
        def __init__(self):
            self.accounting = accounting
            self.results = {"inner": self}
            self.unpicklable = lambda: None

    def section(key):
        def build(ctx):
            warnings.warn(f"from {key}", RuntimeWarning, stacklevel=1)
            text = f"{key} {len(ctx.cohort.participants)}"
            return Section(key, key.title(), (Paragraph(text),), results=((key, Fit()),))
        return build

    ctx = Context(cohort=small, suppress_below=None)
    with pytest.warns(RuntimeWarning) as caught:
        out = run_parallel(ctx, [section("a"), section("b"), section("c")], jobs=2,
                           order=[2, 0, 1])
    assert [s.key for s in out] == ["a", "b", "c"]
    assert {str(w.message) for w in caught} == {"from a", "from b", "from c"}
    n = len(small.participants)
    assert out[1].blocks == (Paragraph(f"b {n}"),)
    label, result = out[0].results[0]
    assert label == "a" and result.accounting == accounting
    assert result.results["inner"].accounting == accounting
    assert flow_table(out) is not None
