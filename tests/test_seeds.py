"""Repeated seeds: one run per seed, and a summary by variant with mean, sd and n."""

from __future__ import annotations

import json
import statistics

import pandas as pd
import pytest

import nnspec
from backend_data import tiny_data
from nnspec.dsl.sweep import parse_seeds, seed_axes, with_seeds
from nnspec.errors import UsageError
from nnspec.summary import group_runs, rank_groups, summary_rows

SWEEP = "input 4\nlet w = 4|8\ndense $w relu\ndense 3 softmax\ntrain adam lr=0.01 epochs=2 batch=8"


def test_seeds_text_is_a_count_or_a_list():
    assert parse_seeds("5") == (0, 1, 2, 3, 4)
    assert parse_seeds("3,7,11") == (3, 7, 11)
    for bad in ("0", "a", "1,1", "-1,2"):
        with pytest.raises(UsageError):
            parse_seeds(bad)


def test_the_seed_axis_is_found_inline_or_through_a_variable():
    assert seed_axes(nnspec.parse(SWEEP + "\nseed 0|1")) == {"seed"}
    assert seed_axes(nnspec.parse(SWEEP + "\nlet s = 0|1\nseed $s")) == {"s"}
    assert seed_axes(nnspec.parse(SWEEP + "\nseed 3")) == set()
    repeated = with_seeds(nnspec.parse(SWEEP + "\nlet s = 0|1\nseed $s"), (4, 5, 6))
    assert [plan.seed for plan in nnspec.check(repeated)] == [4, 5, 6, 4, 5, 6]


def test_summary_gives_mean_sd_and_n_per_metric_and_ranks_by_the_mean():
    entries = [
        {"label": f"w={w} seed={s}", "variant": {"w": w, "seed": s}, "group": {"w": w}, "seed": s,
         "metrics": {"loss": loss, "accuracy": acc}}
        for w, s, loss, acc in [(4, 0, 1.0, 0.5), (4, 1, 0.8, 0.7), (8, 0, 0.4, 0.9), (8, 1, 0.6, 0.6),
                                (8, 2, 0.5, 0.6)]
    ]
    entries.append({"label": "w=4 seed=2", "variant": {"w": 4, "seed": 2}, "group": {"w": 4}, "seed": 2,
                    "metrics": {}, "error": "loss became NaN"})
    rows = summary_rows(rank_groups(group_runs(entries)))
    assert [row["variant"] for row in rows] == ["w=8", "w=4"]  # mean accuracy 0.7 beats 0.6
    assert rows[0]["accuracy_mean"] == pytest.approx(0.7)
    assert rows[0]["accuracy_sd"] == pytest.approx(statistics.stdev([0.9, 0.6, 0.6]))
    assert rows[0]["n"] == 3 and rows[1]["n"] == 2  # the failed run is not counted...
    assert rows[1]["failed_seeds"] == "2"  # ...but named


def test_a_sweep_over_seeds_summarises_each_variant_in_the_result_and_comparison_csv(tmp_path):
    data = tiny_data()
    result = nnspec.run(SWEEP, data=data, out=tmp_path / "sweep", seeds=[0, 1], progress="none")
    assert len(result) == 4
    groups = {group.label: group for group in result.groups}
    assert set(groups) == {"w=4", "w=8"}
    accuracies = [r.metrics["accuracy"] for r in result if r.group == {"w": 8}]
    assert groups["w=8"].n == 2 and groups["w=8"].mean("accuracy") == pytest.approx(statistics.fmean(accuracies))
    assert result.groups[0].mean("accuracy") >= result.groups[1].mean("accuracy")
    table = pd.read_csv(tmp_path / "sweep" / "comparison.csv")
    assert {"accuracy_mean", "accuracy_sd", "loss_mean", "loss_sd", "n"} <= set(table.columns)
    assert list(table["n"]) == [2, 2]
    assert table.loc[table["variant"] == "w=8", "accuracy_sd"].item() == pytest.approx(statistics.stdev(accuracies))
    assert len(pd.read_csv(tmp_path / "sweep" / "comparison_runs.csv")) == 4
    saved = json.loads((tmp_path / "sweep" / "sweep.json").read_text())
    assert {entry["seed"] for entry in saved} == {0, 1}


def test_a_single_variant_spec_with_several_seeds_gets_the_summary(tmp_path):
    text = "input 4\ndense 3 softmax\ntrain adam lr=0.01 epochs=2 batch=8\nseed 0|1|2"
    result = nnspec.run(text, data=tiny_data(), out=tmp_path / "seeds", progress="none", report=False)
    (group,) = result.groups
    assert group.label == "default" and group.n == 3 and group.seeds == [0, 1, 2]
    assert len(set(r.metrics["loss"] for r in result)) == 3  # the seeds differ


def test_run_command_takes_seeds_and_prints_the_summary(tmp_path):
    from typer.testing import CliRunner

    from nnspec.cli import app

    spec = tmp_path / "iris.nn"
    spec.write_text("data iris\ndense 3 softmax\ntrain adam epochs=1\n")
    output = CliRunner().invoke(app, ["run", str(spec), "--seeds", "2", "--out", str(tmp_path / "out"), "-q"])
    assert output.exit_code == 0, output.output
    assert "mean ± sd" in output.output and "default" in output.output
    assert f"saved in {tmp_path / 'out'}" in output.output  # as single runs and sweeps say it
    both = CliRunner().invoke(app, ["run", str(spec), "--seeds", "2", "--seed", "1"])
    assert both.exit_code == 2


def test_show_and_the_results_say_which_seed_is_the_datas_split_and_which_trains(tmp_path):
    from nnspec.dsl.show import render_plan
    from nnspec.dsl.validate import check

    own = check(nnspec.parse("data iris seed=1234\ndense 3 softmax\ntrain adam epochs=1\nseed 7"))[0]
    assert own.data_seed == 1234 and own.seed == 7
    assert render_plan(own).endswith("training seed 7 (weights, shuffling); data seed 1234 (seed= on the data line)")
    spec_seed = check(nnspec.parse("data iris\ndense 3 softmax\ntrain adam epochs=1\nseed 7"))[0]
    assert render_plan(spec_seed).endswith("training seed 7 (weights, shuffling); data seed 7 (the spec's seed)")
    no_split = check(nnspec.parse("input 4\ndense 3 softmax\ntrain adam epochs=1"))[0]
    assert no_split.data_seed is None and render_plan(no_split).endswith("; training seed 0 (weights, shuffling)")
    (result,) = nnspec.run("data iris seed=1234\ndense 3 softmax\ntrain adam epochs=1\nseed 7",
                           out=tmp_path / "run", progress="none")
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert (saved["seed"], saved["data_seed"]) == (7, 1234)
    page = (tmp_path / "run" / "index.html").read_text()
    assert "training seed (weights, shuffling)" in page and "data seed (the split)" in page
