"""analyses/: every published statistic, row by row (issues 6 and 11).

Every analysis runs once with ``quick=True`` (few replicates) in a module fixture; the tests
check the rows' schema, that rows from published counts are computed (changing the counts
changes them), that they match at the printed precision or say why not, that only they can
be matched (a design check never is), that design checks report coverage with dropped
replicates as misses, bias and a width ratio in 0.8-1.25 or a reason, that the headline
counts only recomputations, that the published numbers typed in the analyses are the ones
literature.md prints, and the rules and the runner of :mod:`bmecohort.reproduce` on
hand-made inputs.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bmecohort import reproduce as rp
from bmecohort.cli import reproduce as cli_reproduce
from bmecohort.exceptions import AnalysisInputError, SeparationWarning

ROOT = Path(__file__).resolve().parents[1]
ANALYSES = ROOT / "analyses"
LITERATURE = Path("/work/shared/research/literature.md")
#: Rows from published counts that are expected not to match, each with its reason.
EXPECTED_UNMATCHED = {"3c"}
#: Rows of basis (a) whose count was read back from a printed percentage, or that repeat a
#: compared estimate: shown, never counted as confirmations.
NOT_INDEPENDENT = {"1a-exact", "1b-exact", "2e", "2f", "4a"}


@pytest.fixture(scope="module")
def modules() -> dict[str, object]:
    return {path.stem: rp.load(path) for path in rp.discover(ANALYSES)}


@pytest.fixture(scope="module")
def runs(modules) -> dict[str, tuple[pd.DataFrame, float]]:
    """Every analysis run once with quick=True: its rows and its CPU time in seconds (CPU,
    not wall time: the machine may be shared)."""
    out = {}
    for name, module in modules.items():
        start = time.process_time()
        rows = module.run(quick=True)
        out[name] = (rp.check_rows(rows, name), time.process_time() - start)
    return out


@pytest.fixture(scope="module")
def table(runs) -> pd.DataFrame:
    return pd.concat([frame for frame, _ in runs.values()], ignore_index=True)


def test_every_statistic_of_the_issue_has_an_analysis(modules):
    numbers = sorted(int(name[:2]) for name in modules)
    assert numbers == list(range(1, 11))


def test_rows_have_the_schema(table):
    assert tuple(table.columns) == rp.COLUMNS
    assert table["id"].is_unique
    assert set(table["basis"]) == {rp.BASIS_COUNTS, rp.BASIS_DESIGN, rp.BASIS_NONE}
    assert table["match_rule"].str.len().gt(0).all()
    assert table["matched"].map(lambda v: v in (True, False, None)).all()
    # a row of basis (a) without a comparison says so; one with a published value is compared
    counts = table[table["basis"] == rp.BASIS_COUNTS]
    compared = counts["matched"].notna()
    assert (counts.loc[~compared, "match_rule"] == rp.RULE_NONE).all()
    assert counts.loc[compared, "published"].str.len().gt(0).all()


def test_only_recomputations_are_matched(table):
    """A design check or a statistic that is not reproducible never carries matched."""
    others = table[table["basis"] != rp.BASIS_COUNTS]
    assert others["matched"].isna().all() and len(others) >= 25
    assert (table.loc[table["basis"] == rp.BASIS_DESIGN, "match_rule"] == rp.RULE_DESIGN).all()
    none = table[table["basis"] == rp.BASIS_NONE]
    assert {"1d", "10-woolf", "10-cornfield"} <= set(none["id"])
    assert none["note"].str.len().gt(30).all()  # the reason
    design = table[table["basis"] == rp.BASIS_DESIGN].iloc[0].to_dict()
    with pytest.raises(AnalysisInputError, match="only basis"):
        rp.check_rows([{**design, "matched": True}], "overclaim.py")


def test_design_checks_report_coverage_bias_and_width(table):
    design = table[(table["basis"] == rp.BASIS_DESIGN) & ~table["published"].str.startswith("P")]
    assert len(design) >= 25
    assert (design["replicates"] >= 20).all()
    assert design["dropped"].between(0, 1).all()
    published = design["published_estimate"].notna() | design["published"].str.contains("-")
    coverage = design.loc[published, "coverage"]
    assert coverage.notna().all() and coverage.between(0, 1).all()
    # dropped replicates are misses: coverage never exceeds the share of usable replicates
    assert (coverage <= 1 - design.loc[published, "dropped"] + 1e-12).all()
    assert design["truth"].notna().all() and design["bias"].notna().all()
    # a printed interval (a printed range such as "70-80%" has no estimate and is not one)
    with_ci = design["published_ci_lower"].notna() & design["published_estimate"].notna()
    assert with_ci.sum() >= 14
    ratios = design.loc[with_ci, "width_ratio"]
    assert ratios.notna().all() and (ratios > 0).all()
    # outside 0.8-1.25 only with a reason
    outside = design.loc[with_ci & ~ratios.between(*rp.WIDTH_BAND)]
    assert outside["note"].str.contains("outside 0.8-1.25: ").all()
    assert not design["note"].str.contains("no reason given").any(), design.loc[
        design["note"].str.contains("no reason given"), ["id", "width_ratio"]]
    # a statistic printed without an interval says so
    no_ci = design[design["published_ci_lower"].isna() & design["published_estimate"].notna()]
    assert no_ci["note"].str.contains("no interval").all() and no_ci["width_ratio"].isna().all()
    p_rows = table[table["id"] == "7g"]
    assert p_rows["median_p"].notna().all() and p_rows["matched"].isna().all()
    counts = table[table["basis"] == rp.BASIS_COUNTS]
    assert counts["replicates"].isna().all() and counts["coverage"].isna().all()


def test_count_rows_match_at_printed_precision_or_say_why(table):
    counts = table[(table["basis"] == rp.BASIS_COUNTS) & table["matched"].notna()]
    unmatched = counts[counts["matched"] == False]  # noqa: E712 (object column)
    assert set(unmatched["id"]) == EXPECTED_UNMATCHED
    assert unmatched["note"].str.len().gt(100).all()
    assert counts["matched"].sum() >= 15
    derived = counts[counts["independent"] == False]  # noqa: E712
    assert set(derived["id"]) == NOT_INDEPENDENT
    assert derived[derived["id"].isin({"2e", "2f", "4a"})]["note"].str.contains(
        "printed percentage").all()


def test_headline_counts_only_recomputations(table):
    counts = rp.headline(table)
    basis_a = table[table["basis"] == rp.BASIS_COUNTS]
    independent = basis_a[basis_a["matched"].notna() & (basis_a["independent"] == True)]  # noqa: E712
    assert counts["compared"] == len(independent)
    assert counts["matched"] == int((independent["matched"] == True).sum())  # noqa: E712
    assert counts["by_construction"] == len(NOT_INDEPENDENT)
    assert counts["design"] == int((table["basis"] == rp.BASIS_DESIGN).sum())
    # a design check that covers its published value adds nothing to the headline
    doubled = pd.concat([table, table[table["basis"] == rp.BASIS_DESIGN]], ignore_index=True)
    assert rp.headline(doubled)["matched"] == counts["matched"]
    text = rp.headline_text(table)
    assert f"{counts['matched']} of {counts['compared']} independent comparisons" in text
    # the same counts from the CSV's text
    as_text = table.astype(str).replace({"<NA>": "", "None": ""})
    assert rp.headline(as_text) == counts


def test_reproduced_numbers_of_published_counts(table):
    rows = table.set_index("id")
    # recomputed from the counts (literature.md DERIVED values, independent arithmetic)
    assert rows.loc["1a", "reproduced_estimate"] == pytest.approx(100 * 33 / 234)
    assert rows.loc["1b", "reproduced_estimate"] == pytest.approx(100 * 17 / 37)
    assert rows.loc["2c-woolf", "reproduced_estimate"] == pytest.approx(
        (272 * 35) / (79 * 15))
    se = math.sqrt(1 / 272 + 1 / 79 + 1 / 15 + 1 / 35)
    assert rows.loc["2c-woolf", "reproduced_ci_lower"] == pytest.approx(
        272 * 35 / (79 * 15) * math.exp(-1.959963984540054 * se))
    assert rows.loc["3c", "reproduced_estimate"] == pytest.approx(6.375)
    assert rows.loc["9d", "reproduced_estimate"] == pytest.approx(0.0021, abs=5e-5)


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d*\.?\d+", text)


def test_published_numbers_come_from_literature(table):
    literature = LITERATURE.read_text(encoding="utf-8") if LITERATURE.exists() else None
    if literature is None:
        pytest.skip("literature.md is not available on this machine")
    rows = table[table["source"].str.startswith("literature.md")
                 & table["published"].str.len().gt(0)]
    assert len(rows) >= 30
    for _, row in rows.iterrows():
        for number in _numbers(row["published"]):
            assert number in literature, (row["id"], number)


def test_changing_the_counts_changes_the_rows(modules):
    felson_2001 = modules["02_felson_2001"]
    cells = {"exposed_cases": 200, "exposed_noncases": 151, "unexposed_cases": 15,
             "unexposed_noncases": 35}
    rows = {r["id"]: r for r in felson_2001.any_bml_rows(cells)}
    assert rows["2a"]["reproduced_estimate"] == pytest.approx(100 * 200 / 351)
    assert rows["2a"]["matched"] is False  # 57.0% is not the printed 77.5%
    assert rows["2c-woolf"]["reproduced_estimate"] == pytest.approx(200 * 35 / (151 * 15))

    felson_2003 = modules["03_felson_2003"]
    rows = {r["id"]: r for r in felson_2003.count_rows(
        {"exposed_cases": 28, "exposed_noncases": 47, "unexposed_cases": 12,
         "unexposed_noncases": 136})}
    assert rows["3a"]["matched"] is False
    assert rows["3c"]["reproduced_estimate"] == pytest.approx(28 * 136 / (47 * 12))

    koo = modules["09_koo_1999"]
    rows = {r["id"]: r for r in koo.count_rows(
        {"exposed_cases": 7, "exposed_noncases": 7, "unexposed_cases": 6,
         "unexposed_noncases": 17})}
    assert rows["9d"]["matched"] is False  # Fisher p far above 0.01 now
    assert rows["9d"]["reproduced_estimate"] > 0.05


def test_davies_tuck_constants_drive_the_rows(modules, monkeypatch):
    module = modules["01_davies_tuck_2009"]
    monkeypatch.setattr(module, "INCIDENT", 40)
    rows = {r["id"]: r for r in module.occurrence_rows()}
    assert rows["1a"]["reproduced_estimate"] == pytest.approx(100 * 40 / 234)
    assert rows["1a"]["matched"] is False


def test_reconstruction_has_no_crude_table(modules):
    """Checked by brute force: the Woolf OR and interval of every table, by hand."""
    exact, near = modules["10_reconstruct_davies_tuck"].reconstructions()
    a, c = (x.ravel().astype(float) for x in np.meshgrid(np.arange(34), np.arange(202)))
    b, d = 33 - a, 201 - c
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = a * d / (b * c)
        half = 1.959963984540054 * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        values = np.column_stack([estimate, estimate * np.exp(-half), estimate * np.exp(half)])
    distance = np.abs(values - [4.2, 1.2, 15.1])
    assert exact.n_candidates == 0
    assert not (distance <= 0.05 + 1e-12).all(axis=1).any()
    assert near.n_candidates == int((distance <= 0.5 + 1e-12).all(axis=1).sum()) > 0


def test_design_replications_are_reproducible(modules, runs):
    # the module fixture's run (default seed) is the first of the two identical runs
    module = modules["08_haugen_2015"]
    first = runs["08_haugen_2015"][0]
    second = rp.check_rows(module.run(quick=True), "08_haugen_2015")
    pd.testing.assert_frame_equal(first, second)
    other = rp.check_rows(module.run(quick=True, seed=12), "08_haugen_2015")
    assert not np.allclose(first["reproduced_estimate"], other["reproduced_estimate"])


# --- the matching rules of bmecohort.reproduce on hand-made inputs ---------------------------


def test_printed_precision_rule():
    published = rp.Published("14", unit="%")
    assert rp.count_row("x", "p", "s", published, estimate=14.49)["matched"] is True
    assert rp.count_row("x", "p", "s", published, estimate=14.51)["matched"] is False
    with_ci = rp.Published("6.5", "3.0", "14.0")
    row = rp.count_row("x", "p", "s", with_ci, estimate=6.46, ci_lower=2.96, ci_upper=13.96)
    assert row["matched"] is True and row["reproduced"] == "6.46 (2.96-14)"
    row = rp.count_row("x", "p", "s", with_ci, estimate=6.46, ci_lower=2.94, ci_upper=13.96)
    assert row["matched"] is False
    assert rp.count_row("x", "p", "s", rp.Published(None), estimate=1.0)["matched"] is None


def test_bound_and_range_rules():
    bound = rp.Published("<.01")
    assert rp.p_value_row("x", "p", "s", bound, 0.009)["matched"] is True
    assert rp.p_value_row("x", "p", "s", bound, 0.011)["matched"] is False
    assert rp.p_value_row("x", "p", "s", bound, 0.009)["published"] == "P<.01"
    above = rp.Published(">50", unit="%")
    assert rp.count_row("x", "p", "s", above, estimate=50.1)["matched"] is True
    span = rp.Published(None, "70", "80", range=True, unit="%")
    assert span.text == "70-80%"
    assert rp.count_row("x", "p", "s", span, estimate=69.9)["matched"] is False
    assert rp.count_row("x", "p", "s", span, estimate=75)["match_rule"] == rp.RULE_RANGE


def test_printed_count():
    assert rp.printed_count("35.9", 351).tolist() == [126]
    assert rp.printed_count("56", 203).tolist() == [113, 114]
    with pytest.raises(AnalysisInputError):
        rp.Published(14).values()  # numbers are typed as printed strings


def test_design_row_coverage_and_width():
    """Replicate i returns the interval (i, i + 2) around estimate i + 1 (log scale)."""
    def fit(seed: int) -> dict[str, tuple[float, ...]]:
        i = seed - 100
        return {"or": (float(np.exp(i + 1)), float(np.exp(i)), float(np.exp(i + 2)),
                       0.5 / (i + 1)),
                "p": (10.0 ** -(i + 1), float("nan"), float("nan"), float("nan"))}

    replication = rp.replicate(fit, seed=100, replicates=5)
    published = rp.Published(f"{np.exp(1.5):.4f}", f"{np.exp(1):.4f}", f"{np.exp(2):.4f}")
    row = rp.design_row("x", "p", "s", published, replication, "or", truth=np.exp(2))
    # intervals (0,2), (1,3): hold log 1.5; (2,4), (3,5), (4,6) do not
    assert row["coverage"] == pytest.approx(2 / 5)
    assert row["width_ratio"] == pytest.approx(2.0, rel=1e-4)  # width 2 vs published 1
    assert "width ratio 2.00 outside 0.8-1.25: no reason given" in row["note"]
    assert row["matched"] is None and row["basis"] == rp.BASIS_DESIGN
    assert row["replicates"] == 5 and row["dropped"] == 0
    assert row["reproduced_estimate"] == pytest.approx(np.exp(3))  # the median
    assert row["bias"] == pytest.approx(np.exp(1) - 1)  # median over truth, minus 1
    assert row["median_p"] == pytest.approx(0.5 / 3)
    reasoned = rp.design_row("x", "p", "s", published, replication, "or", truth=np.exp(2),
                             width_reason="one simulation serves two intervals")
    assert "outside 0.8-1.25: one simulation serves two intervals" in reasoned["note"]
    p_row = rp.p_design_row("y", "p", "s", rp.Published("0.001"), replication, "p")
    assert p_row["median_p"] == pytest.approx(0.001)
    assert p_row["matched"] is None and "80% of usable replicates" in p_row["note"]


def test_dropped_replicates_count_as_misses():
    import warnings

    def fit(seed: int) -> dict[str, tuple[float, ...]]:
        if seed % 2:
            warnings.warn("separated", SeparationWarning, stacklevel=2)
        return {"or": (2.0, 1.0, 4.0, 0.05)}

    replication = rp.replicate(fit, seed=0, replicates=4)
    row = rp.design_row("x", "p", "s", rp.Published("2.5", "1.5", "4.0"), replication, "or",
                        truth=2.0)
    assert row["replicates"] == 4 and row["dropped"] == 0.5
    assert row["coverage"] == 0.5 and row["coverage_usable"] == 1.0
    assert "2 of 4 replicates dropped" in row["note"]


def test_batch_replicates_and_woolf_tables():
    """Woolf intervals of many tables at once equal odds_ratio_from_counts'."""
    from bmecohort import odds_ratio_from_counts

    a, b, c, d = (np.array(x) for x in ([27, 30, 0], [48, 90, 5], [12, 40, 2],
                                        [136, 200, 7]))
    out = rp.woolf_tables(a, b, c, d)
    for i in range(2):
        ref = odds_ratio_from_counts(exposed_cases=int(a[i]), exposed_noncases=int(b[i]),
                                     unexposed_cases=int(c[i]), unexposed_noncases=int(d[i]))
        assert out["estimate"][i] == pytest.approx(ref.estimate)
        assert out["ci_lower"][i] == pytest.approx(ref.ci_lower)
        assert out["ci_upper"][i] == pytest.approx(ref.ci_upper)
    assert out["usable"].tolist() == [True, True, False]
    replication = rp.replicate_batch(lambda seeds: {"or": out}, seed=7, replicates=3)
    row = rp.design_row("x", "p", "s", rp.Published("6.5", "3.0", "14.0"), replication, "or",
                        truth=6.5)
    assert row["dropped"] == pytest.approx(1 / 3) and row["coverage"] == pytest.approx(1 / 3)


def test_zhang_batch_fit_equals_conditional_logistic(modules):
    from bmecohort import conditional_logistic

    zhang = modules["07_zhang_2011"]
    category, pain = zhang.simulate_knees(5)
    fit = conditional_logistic(zhang.as_frame(category, pain), outcome="pain",
                               exposure="bml_change", group="knee", categorical=["bml_change"],
                               reference="0", trend=True, unit="knee-visit")
    batch = zhang.simulate_and_fit(np.array([5]))
    for label in zhang.CHANGE_ORS:
        ref = fit.odds_ratio(f"bml_change[{label}]")
        assert batch[label]["estimate"][0] == pytest.approx(ref.estimate, rel=1e-8)
        assert batch[label]["ci_lower"][0] == pytest.approx(ref.ci_lower, rel=1e-6)
        assert batch[label]["p_value"][0] == pytest.approx(ref.p_value, rel=1e-5)
    assert batch["trend"]["estimate"][0] == pytest.approx(fit.p_trend, rel=1e-5)


def test_runner_writes_both_reports(tmp_path):
    folder = tmp_path / "analyses"
    folder.mkdir()
    for name in ("02_felson_2001.py", "10_reconstruct_davies_tuck.py"):
        (folder / name).write_text((ANALYSES / name).read_text(encoding="utf-8"),
                                   encoding="utf-8")
    (folder / "example_notes.py").write_text("raise SystemExit('not an analysis')\n")
    lines: list[str] = []
    csv, md = rp.reproduce(tmp_path / "out", directory=folder, progress=lines.append)
    frame = pd.read_csv(csv)
    assert tuple(frame.columns) == rp.COLUMNS and len(frame) == 12
    assert frame["matched"].isna().sum() == 7  # the four 2c ORs, 2g and the two 10 rows
    assert set(frame.loc[frame["basis"] == rp.BASIS_NONE, "id"]) == {"10-woolf",
                                                                     "10-cornfield"}
    text = md.read_text(encoding="utf-8")
    assert "| 10-woolf |" in text and rp.BASIS_DESIGN in text
    assert "Recomputed from published counts: 3 of 3 independent comparisons" in text
    assert [line.split(":")[0] for line in lines] == ["02_felson_2001",
                                                      "10_reconstruct_davies_tuck"]
    again, _ = rp.reproduce(tmp_path / "again", directory=folder)
    assert again.read_bytes() == csv.read_bytes()  # deterministic output


def test_bad_rows_are_refused():
    with pytest.raises(AnalysisInputError, match="columns"):
        rp.check_rows([{"id": "1"}], "bad.py")
    row = rp.count_row("x", "p", "s", rp.Published("1"), estimate=1.0)
    with pytest.raises(AnalysisInputError, match="basis"):
        rp.check_rows([{**row, "basis": "guess"}], "bad.py")
    with pytest.raises(AnalysisInputError, match="reason"):
        rp.not_reproducible_row("x", "p", "s", rp.Published("1"), "")


def test_cli_command(tmp_path, capsys):
    folder = tmp_path / "analyses"
    folder.mkdir()
    (folder / "10_reconstruct_davies_tuck.py").write_text(
        (ANALYSES / "10_reconstruct_davies_tuck.py").read_text(encoding="utf-8"),
        encoding="utf-8")
    parser = argparse.ArgumentParser(prog="bmecohort")
    cli_reproduce.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reproduce", "--analyses", str(folder), "--out",
                              str(tmp_path / "out"), "--quick", "--progress"])
    assert args.run(args) == 0
    out, err = capsys.readouterr()
    assert out.split() == [str(tmp_path / "out" / "reproductions.csv"),
                           str(tmp_path / "out" / "reproductions.md")]
    assert "10_reconstruct_davies_tuck: 2 rows" in err


# --- stored design checks (issue 16): the report's table in seconds --------------------------

TOY = '''
import math
from pathlib import Path

import numpy as np

from bmecohort.reproduce import Published, count_row, design_row, replicate

CALLS = Path(__file__).with_name("calls.txt")


def fit(seed):
    with CALLS.open("a") as handle:  # every replicate run leaves a line
        handle.write(f"{seed}\\n")
    x = np.random.default_rng(seed).normal(1.0, 1.0, 50)
    se = x.std(ddof=1) / math.sqrt(50)
    return {"mean": (x.mean(), x.mean() - 1.96 * se, x.mean() + 1.96 * se, math.nan)}


def run(quick=False, seed=1):
    replication = replicate(fit, seed=seed, replicates=5 if quick else 20)
    return [count_row("t1", "toy", "share, %", Published("50", unit="%"), estimate=0.5,
                      scale=100),
            design_row("t2", "toy", "mean", Published("1.0", "0.7", "1.3"), replication,
                       "mean", truth=1.0, scale="linear",
                       note=lambda r: f"{len(r.of('mean'))} replicates")]
'''


def _calls(folder: Path) -> int:
    path = folder / "calls.txt"
    return len(path.read_text().split()) if path.exists() else 0


def test_stored_design_checks_give_the_full_runs_table_without_running_them(tmp_path):
    folder = tmp_path / "analyses"
    folder.mkdir()
    (folder / "01_toy.py").write_text(TOY, encoding="utf-8")
    out = tmp_path / "reports"
    csv, md = rp.reproduce(out, directory=folder)
    assert _calls(folder) == 20
    full_csv, full_md = csv.read_bytes(), md.read_text(encoding="utf-8")
    manifest = json.loads((out / "design_checks.json").read_text())
    assert manifest["rows"] == 1 and manifest["settings"] == "full"
    assert {"analyses/01_toy.py", "bmecohort/reproduce.py"} <= set(manifest["inputs"])
    stored = pd.read_csv(out / "design_checks.csv")
    assert stored["id"].tolist() == ["t2"] and stored.loc[0, "replicates"] == 20

    (folder / "calls.txt").unlink()
    csv, md = rp.reproduce(out, directory=folder, stored=True)
    assert _calls(folder) == 0  # no replicate ran
    assert csv.read_bytes() == full_csv and md.read_text(encoding="utf-8") == full_md
    record = json.loads((out / "reproductions.json").read_text())
    assert record["stored_rows"] == ["t2"] and record["computed_rows"] == []
    assert record["changed_inputs"] == [] and record["built"] == manifest["built"]
    assert "unchanged since" in full_md

    # the analysis changes: the stored row stays, with a note that it may be stale
    (folder / "01_toy.py").write_text(TOY + "# edited\n", encoding="utf-8")
    _, md = rp.reproduce(out, directory=folder, stored=True)
    assert _calls(folder) == 0
    assert json.loads((out / "reproductions.json").read_text())["changed_inputs"] == [
        "analyses/01_toy.py"]
    assert "may be stale; `make reproduce` rebuilds them" in md.read_text(encoding="utf-8")

    # a design row the store lacks is computed, and named
    (folder / "01_toy.py").write_text(TOY.replace('"t2"', '"t3"'), encoding="utf-8")
    csv, _ = rp.reproduce(out, directory=folder, stored=True)
    assert _calls(folder) == 20
    assert json.loads((out / "reproductions.json").read_text())["computed_rows"] == ["t3"]
    assert pd.read_csv(csv)["id"].tolist() == ["t1", "t3"]


def test_stored_needs_the_full_settings(tmp_path):
    with pytest.raises(AnalysisInputError, match="quick"):
        rp.reproduce(tmp_path, directory=ANALYSES, stored=True, quick=True)
    parser = argparse.ArgumentParser(prog="bmecohort")
    cli_reproduce.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["reproduce", "--out", str(tmp_path), "--stored", "--quick"])
    with pytest.raises(Exception, match="--stored"):
        args.run(args)


def test_committed_design_checks_cover_every_design_row(table):
    """reports/design_checks.csv (the last full run) has one row per design check, with at
    least 200 replicates each, and its manifest names the code it came from."""
    stored = pd.read_csv(ROOT / "reports" / "design_checks.csv")
    manifest = json.loads((ROOT / "reports" / "design_checks.json").read_text())
    design = table.loc[table["basis"] == rp.BASIS_DESIGN, "id"]
    assert set(stored["id"]) == set(design) and manifest["rows"] == len(stored)
    assert (stored["replicates"] >= 200).all() and manifest["settings"] == "full"
    assert set(stored["basis"]) == {rp.BASIS_DESIGN}


def test_gee_batch_equals_gee_on_each_replicate():
    """The stacked volume design checks (analyses 01 and 04): each block of persons fitted
    at once gives what `gee` gives on that block alone (1e-8)."""
    from bmecohort import cartilage_volume_change, gee
    from bmecohort.simulate import knee_cohort

    persons, replicates = 120, 3
    cohort = knee_cohort(persons * replicates, seed=5, knees="one", visits=(0, 24),
                         dropout=0.0, baseline_prevalence=0.3, resolution=0.5)
    frame = cartilage_volume_change(cohort).frame
    frame = frame[frame["bml0"].astype(bool)].assign(
        resolved=lambda d: (d["course"] == "resolved").astype(float))
    position = pd.Series(np.arange(persons * replicates),
                         index=cohort.participants["participant_id"].astype(str))
    block = position.reindex(frame["participant_id"].astype(str)).to_numpy() // persons
    batch = rp.gee_batch(frame, outcome="annual_loss", exposure="resolved",
                         covariates=("age", "bmi"), batch=block, replicates=replicates + 1)
    assert batch["usable"].tolist() == [True, True, True, False]  # block 3 has no rows
    for i in range(replicates):
        one = gee(frame[block == i], outcome="annual_loss", exposures="resolved",
                  covariates=["age", "bmi"], family="gaussian", cov_struct="independence")
        row = one.summary().set_index("term").loc["resolved"]
        for column in ("estimate", "ci_lower", "ci_upper", "p_value"):
            assert batch[column][i] == pytest.approx(row[column], rel=1e-8, abs=1e-12)
