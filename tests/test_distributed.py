"""One keras model on several local worker processes (tf.distribute.MultiWorkerMirroredStrategy)."""

from __future__ import annotations

import json
import os

import pytest

import nnspec
from backend_data import tiny_data
from nnspec.errors import UsageError
from nnspec.training.distributed import cluster_config, joined_cluster

pytest.importorskip("tensorflow")

# sgd without dropout: the only randomness is the shuffle, which every worker repeats
SPEC = "input 4\ndense 16 relu\ndense 3 softmax\ntrain sgd lr=0.1 epochs=4 batch=12\nseed 3"


def test_two_workers_train_the_loss_curve_of_one_and_the_chief_writes_the_run_folder(tmp_path):
    data = tiny_data(n_train=48)
    one = nnspec.run(SPEC, data=data, out=tmp_path / "one", progress="none", workers=1).best
    two = nnspec.run(SPEC, data=data, out=tmp_path / "two", progress="none", workers=2).best
    # Each global batch of 12 is split 6 + 6; the strategy sums the two halves' gradients,
    # which is the whole batch's gradient: the same update in exact arithmetic. Only the
    # float32 summation order differs (about 1e-7 relative per step), so after 16 steps
    # the losses agree to 1e-5 relative; a wrong split or scale would be off by percents.
    assert two.history["loss"] == pytest.approx(one.history["loss"], rel=1e-5)
    assert two.history["loss"][-1] < two.history["loss"][0]  # it did train
    assert two.metrics["loss"] == pytest.approx(one.metrics["loss"], rel=1e-5)
    saved = json.loads((tmp_path / "two" / "results.json").read_text())
    assert saved["history"]["loss"] == pytest.approx(two.history["loss"])
    assert saved["distribution"] == {"strategy": "MultiWorkerMirroredStrategy", "workers": 2}
    assert json.loads((tmp_path / "one" / "results.json").read_text())["distribution"]["workers"] == 1
    assert (tmp_path / "two" / "model.keras").is_file() and (tmp_path / "two" / "index.html").is_file()


def test_workers_need_the_keras_backend_and_one_variant(tmp_path):
    with pytest.raises(UsageError, match="keras backend only"):
        nnspec.run(SPEC + "\nbackend tf1", data=tiny_data(), out=tmp_path / "a", workers=2)
    with pytest.raises(UsageError, match="use --jobs or --ray|train a sweep's variants in parallel"):
        nnspec.run(SPEC.replace("lr=0.1", "lr=0.1|0.2"), data=tiny_data(), out=tmp_path / "b", workers=2)


def test_a_cluster_list_and_task_become_tf_config(monkeypatch):
    config = cluster_config(["h1:2222", "h2:2222"], 1)
    assert config == {"cluster": {"worker": ["h1:2222", "h2:2222"]}, "task": {"type": "worker", "index": 1}}
    with pytest.raises(UsageError):
        cluster_config(["h1:2222", "h2:2222"], 2)
    with pytest.raises(UsageError):
        cluster_config(["h1"], 0)
    monkeypatch.setenv("TF_CONFIG", json.dumps(config))
    assert joined_cluster() == (1, 2)
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(UsageError):
        joined_cluster()
    monkeypatch.delenv("TF_CONFIG")
    assert joined_cluster() is None and "TF_CONFIG" not in os.environ
