"""Shared fixtures: plugins registered for one test only."""

from __future__ import annotations

import contextlib

import pytest

from nnspec import hookimpl
from nnspec.plugins import get_plugin_manager, get_registries
from nnspec.types import Dataset, DatasetMeta, Param


@contextlib.contextmanager
def registered(plugin, name: str):
    """Register a plugin object with the live manager for the duration of a block."""
    pm = get_plugin_manager()
    pm.register(plugin, name=name)
    get_registries.cache_clear()
    try:
        yield
    finally:
        pm.unregister(name=name)
        get_registries.cache_clear()


class FakeDatasets:
    """Datasets with known metadata, for checks that need a task and a class count."""

    @hookimpl
    def register_datasets(self, register):
        register(Dataset("toy3", load=None, meta=lambda o: DatasetMeta((4,), "multiclass", classes=3,
                                                                       train_size=100, test_size=50)))
        register(Dataset("toyreg", load=None, meta=lambda o: DatasetMeta((13,), "regression", train_size=400)))
        register(Dataset("toybin", load=None, meta=lambda o: DatasetMeta((8,), "binary", classes=2)))
        register(Dataset("toyimg", load=None, options=(Param("flatten", "bool", default=True),),
                         meta=lambda o: DatasetMeta((784,) if o["flatten"] else (28, 28, 1), "multiclass", classes=10)))
        register(Dataset("toyseq", load=None, meta=lambda o: DatasetMeta((100,), "binary", classes=2, vocab=5000)))
        register(Dataset("broken", load=None, meta=lambda o: 1 / 0))


@pytest.fixture
def fake_datasets():
    with registered(FakeDatasets(), "fake-datasets"):
        yield
