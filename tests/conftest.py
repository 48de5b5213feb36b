"""Shared fixtures: plugins registered for one test only, the example plugin installed."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnspec import hookimpl, plugins
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


EXAMPLE_SOURCE = Path(__file__).parent / "plugin_example"


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """The example plugin pip-installed into a private folder (never the shared site-packages)."""
    root = tmp_path_factory.mktemp("example_plugin")
    # pip builds a local project in place (build/, *.egg-info): build a copy, keep the repo clean
    source = shutil.copytree(
        EXAMPLE_SOURCE, root / "source", ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    site = root / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--disable-pip-version-check", "--target", str(site), str(source)],
        capture_output=True, text=True, env={**os.environ, "PIP_ROOT_USER_ACTION": "ignore"},
    )
    assert result.returncode == 0, f"pip could not install the example plugin:\n{result.stderr}"
    return site


@pytest.fixture
def use_plugins(monkeypatch):
    """`use_plugins(folder, ..., only=None)`: plugins installed in these folders, for one test.

    `only` sets NNSPEC_PLUGINS (None leaves it unset: every plugin loads). Afterwards
    sys.path, the environment, the imported plugin modules and nnspec's plugin caches
    are as they were.
    """
    folders: list[Path] = []

    def use(*where: Path, only: str | None = None) -> plugins.PluginManager:
        for folder in where:
            monkeypatch.syspath_prepend(str(folder))
            folders.append(Path(folder))
        if only is None:
            monkeypatch.delenv(plugins.ENV_VAR, raising=False)
        else:
            monkeypatch.setenv(plugins.ENV_VAR, only)
        plugins.reset()
        return plugins.get_plugin_manager()

    monkeypatch.delenv(plugins.ENV_VAR, raising=False)
    yield use
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        if any(Path(location).is_relative_to(folder) for folder in folders):
            del sys.modules[name]
    plugins.reset()


