"""Every spec in specs/ checks, and each of the course's teaching specs trains for one epoch on a slice."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

import nnspec
from nnspec.dsl.options import complete_options
from nnspec.dsl.parser import load
from nnspec.dsl.validate import check_spec
from nnspec.plugins import get_registries
from nnspec.types import Data

SPECS = Path(__file__).resolve().parent.parent / "specs"
TEACHING = ("vanishing_gradients", "initializers", "optimizers", "dropout", "batchnorm")
SLICE = 200  # training and test samples of the smoke runs


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.nn")), ids=lambda p: p.name)
def test_every_shipped_spec_checks(path):
    assert check_spec(load(path)).plans


def test_the_teaching_specs_are_shipped():
    assert {name for name in TEACHING} <= {p.stem for p in SPECS.glob("*.nn")}


@functools.lru_cache(maxsize=None)
def _load(name: str, seed: int) -> Data | None:
    """A dataset loaded once for every smoke run that uses it (None when not available offline)."""
    dataset = get_registries().datasets.get(name)
    options = complete_options(dataset.options, {}, name)
    if not dataset.availability(options).startswith(("found", "bundled")):
        return None
    return dataset.load(options, seed)


def _sliced(plan) -> Data:
    assert not any(plan.dataset_options[key] != value for key, value in
                   complete_options(get_registries().datasets.get(plan.dataset).options, {}, plan.dataset).items()
                   if key not in ("test", "seed"))  # the cache below loads with default options
    data = _load(plan.dataset, plan.seed)
    if data is None:
        pytest.skip(f"data {plan.dataset} is not available offline here")
    return Data(data.x_train[:SLICE], data.y_train[:SLICE], data.x_test[:SLICE], data.y_test[:SLICE], data.meta)


@pytest.mark.parametrize("name", TEACHING)
def test_each_teaching_spec_trains_one_epoch_on_a_slice(name, tmp_path):
    pytest.importorskip("tensorflow")
    spec = load(SPECS / f"{name}.nn")
    plans = nnspec.check(spec)
    if isinstance(plans[0].train.val, int) and plans[0].train.val >= SLICE:  # dropout.nn holds out 10,000
        text = re.sub(r"val=\d+", "val=0.25", (SPECS / f"{name}.nn").read_text())
        spec = nnspec.parse(text, str(SPECS / f"{name}.nn"))
        plans = nnspec.check(spec)
    outcome = nnspec.run(spec, epochs=1, data=_sliced(plans[0]), out=tmp_path / name, progress="none",
                         report=False)
    results = list(outcome)
    assert len(results) == len(plans)
    assert all(r.history["loss"] and r.metrics for r in results)
    if plans[0].train.diagnostics:
        assert all(r.diagnostics["rows"] for r in results)
