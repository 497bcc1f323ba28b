"""``bmecohort simulate``: writes a folder that load_cohort reads back as the same cohort."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from bmecohort.cli import simulate as simulate_command
from bmecohort.cli._common import UsageError
from bmecohort.io import load_cohort
from bmecohort.simulate import demo_cohort, hand_oa_joints, spine_cohort, true_effects


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bmecohort")
    simulate_command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", *argv])
    return args.run(args)


def test_demo_folder_round_trips_through_load_cohort(tmp_path, capsys) -> None:
    folder, truth_file = tmp_path / "demo", tmp_path / "truth.csv"
    assert run(["demo", str(folder), "--size", "small", "--seed", "3",
                "--truth", str(truth_file)]) == 0
    assert "wrote 8 files" in capsys.readouterr().out
    loaded = load_cohort(folder)
    expected = demo_cohort(3, size="small")
    pd.testing.assert_frame_equal(loaded.summary(), expected.summary())
    pd.testing.assert_frame_equal(loaded.participants, expected.participants)
    truth = pd.read_csv(truth_file)
    assert set(truth["kind"]) == {"knee", "spine", "ra", "hip"}
    assert truth.set_index(["kind", "effect"]).loc[("knee", "pain_or"), "value"] == 4.2


def test_single_generator_and_hand_frame(tmp_path) -> None:
    assert run(["spine", str(tmp_path / "s"), "--n", "12", "--seed", "9",
                "--format", "parquet"]) == 0
    loaded = load_cohort(tmp_path / "s")
    assert loaded.content_hash() == spine_cohort(12, seed=9).content_hash()
    assert run(["hand", str(tmp_path / "h"), "--n", "6", "--seed", "2",
                "--truth", str(tmp_path / "hand_truth.csv")]) == 0
    frame = pd.read_csv(tmp_path / "h" / "hand_oa_joints.csv")
    assert frame.shape == hand_oa_joints(6, seed=2).shape
    truth = pd.read_csv(tmp_path / "hand_truth.csv")
    assert truth["effect"].tolist() == true_effects("hand").index.tolist()


def test_refuses_to_overwrite_and_bad_options(tmp_path) -> None:
    assert run(["hip", str(tmp_path), "--n", "5"]) == 0
    with pytest.raises(FileExistsError):
        run(["hip", str(tmp_path), "--n", "5"])
    assert run(["hip", str(tmp_path), "--n", "5", "--overwrite"]) == 0
    with pytest.raises(UsageError, match="--n does not apply"):
        run(["demo", str(tmp_path / "d"), "--n", "5"])
    with pytest.raises(UsageError, match="--n must be at least 1"):
        run(["knee", str(tmp_path / "k"), "--n", "0"])


def test_kind_and_out_as_options_as_in_issue_3(tmp_path):
    from bmecohort.cli import main
    from bmecohort.io import load_cohort

    out = tmp_path / "knee"
    assert main(["simulate", "--kind", "knee", "--n", "20", "--seed", "1", "--out",
                 str(out)]) == 0
    assert len(load_cohort(out).participants) == 20
    assert main(["simulate", "knee"]) == 2
