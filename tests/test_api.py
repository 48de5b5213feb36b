"""The public API: one result type for every run, check's warnings, build's backend, the errors."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import nnspec
import nnspec.errors
from backend_data import tiny_data
from nnspec.results import RunResults

SPECS = Path(__file__).resolve().parents[1] / "specs"
MLP = "input 4\ndense 8 relu\ndense 3 softmax\ntrain adam lr=0.01 epochs=1 batch=8"


def test_every_error_class_is_exported_from_nnspec():
    classes = {name for name, value in vars(nnspec.errors).items()
               if inspect.isclass(value) and issubclass(value, nnspec.errors.NNSpecError)}
    assert classes <= set(nnspec.__all__)
    assert all(getattr(nnspec, name) is getattr(nnspec.errors, name) for name in classes)
    assert nnspec.SpecWarning is nnspec.errors.SpecWarning  # what check's warnings are


def test_check_returns_the_plans_and_the_warnings():
    result = nnspec.check(nnspec.parse("let b = 1 | 2\ninput 4\ndense 8 relu\ndense 3"))
    assert [w.message for w in result.warnings] == ["variable 'b' is never used"]
    assert len(result.plans) == 1 and result.plans[0].param_count == 67


def test_check_result_iterates_over_the_plans_as_a_list_did():
    result = nnspec.check("input 4\ndense 3 softmax init=xavier|he")
    assert len(result) == 2 and list(result) == result.plans and result[1] is result.plans[1]


def test_check_takes_a_path():
    result = nnspec.check(f"{SPECS}/iris.nn")
    assert result.plans[0].dataset == "iris"


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_text_of_several_lines_is_a_spec_whatever_its_line_ends(end):
    result = nnspec.check(f"input 4{end}dense 3 softmax  # as in other.nn")
    assert result.plans[0].layers[-1].output_shape == (3,)


def test_build_follows_the_spec_backend_line():
    pytest.importorskip("tensorflow")
    import keras

    text = "input 4\ndense 3 softmax\nbackend tf1"
    assert type(nnspec.build(text)).__name__ == "TF1Model"
    assert isinstance(nnspec.build(text, "keras"), keras.Model)  # a backend passed wins


def test_run_returns_run_results_for_a_single_variant(tmp_path):
    pytest.importorskip("tensorflow")
    runs = nnspec.run(MLP, data=tiny_data(), out=tmp_path / "run", progress="none", report=False)
    assert isinstance(runs, RunResults) and len(runs) == 1 and not runs.sweep
    assert runs.best is runs[0] and runs.dir == tmp_path / "run" == runs.best.dir
    assert runs.failures == [] and "accuracy" in runs.best.metrics
