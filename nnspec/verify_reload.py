"""verify-plugin's `save and reload` check: each saved model.keras loaded in a fresh process, as a user loads it.

A model that reloads in the process that built it proves little: that process has the
plugin's Keras classes and functions registered already. So every model verify-plugin
saves is loaded back in one new Python process (TensorFlow imported once for all of
them) that starts as a user's does: it imports the plugins (their modules, then the
modules their keras references name, as `nnspec.plugins.import_keras_objects()`
does), calls `keras.models.load_model(path)` with its defaults, and predicts the
sample inputs; the outputs must equal the building process's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

KERAS_OBJECTS = "docs/plugins.md, Keras objects"
TIMEOUT = 900  # seconds for the whole fresh process (TensorFlow's import included)

# Run in the fresh process: argv[1] is the JSON list of jobs and modules, argv[2] where the answers go.
LOADER = """
import importlib, json, re, sys
import numpy as np
task = json.load(open(sys.argv[1]))
from nnspec.training.environment import import_tensorflow_quietly
import_tensorflow_quietly()
import keras
from nnspec.plugins import import_keras_objects
for module in task["modules"]:
    try:
        importlib.import_module(module)
    except Exception:
        pass  # a plugin registered from code that a new process cannot import; loading says what is missing
import_keras_objects()
answers = []
for job in task["jobs"]:
    try:
        model = keras.models.load_model(job["model"])
        np.save(job["out"], np.asarray(model(np.load(job["x"]), training=False)))
        answers.append(None)
    except Exception as exc:
        text = " ".join(str(exc).split())
        found = re.search(r"Could not (locate|deserialize) (class|function) '?[^' ]+'?", text)
        answers.append(f"{type(exc).__name__}: {found.group(0) if found else text[:300]}")
json.dump(answers, open(sys.argv[2], "w"))
"""


@dataclass
class FreshReloads:
    """The models to load in a fresh process, each with what to do with its answer."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="nnspec-verify-")))
    jobs: list[dict] = field(default_factory=list)
    answers: list[Callable[[bool, str], None]] = field(default_factory=list)

    def add(self, save: Callable[[Path], Path], x: np.ndarray, expected: np.ndarray,
            answer: Callable[[bool, str], None]) -> None:
        """`save(folder)` writes the model as a run does; `answer(ok, detail)` once a fresh process has loaded it."""
        n = len(self.jobs)
        folder = self.folder / f"model_{n}"
        folder.mkdir()
        path = save(folder)
        np.save(self.folder / f"x_{n}.npy", x)
        self.jobs.append({"model": str(path), "x": str(self.folder / f"x_{n}.npy"),
                          "out": str(self.folder / f"out_{n}.npy"), "expected": expected})
        self.answers.append(answer)

    def run(self, modules: list[str], compare: Callable[[np.ndarray, np.ndarray], tuple[bool, str]]) -> None:
        """Load every model in one new process after importing `modules`; answer each."""
        import shutil

        try:
            if not self.jobs:
                return
            task = self.folder / "task.json"
            task.write_text(json.dumps({"modules": modules,
                                        "jobs": [{k: v for k, v in j.items() if k != "expected"} for j in self.jobs]}))
            answers_file = self.folder / "answers.json"
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            try:
                done = subprocess.run([sys.executable, "-c", LOADER, str(task), str(answers_file)],
                                      capture_output=True, text=True, env=env, timeout=TIMEOUT)
                failure = None if answers_file.is_file() else (done.stderr.strip().splitlines() or ["no answer"])[-1]
            except subprocess.TimeoutExpired:
                failure = f"the fresh process did not finish in {TIMEOUT} s"
            answers = json.loads(answers_file.read_text()) if failure is None else [failure] * len(self.jobs)
            for job, error, answer in zip(self.jobs, answers, self.answers):
                if error:
                    answer(False, f"in a fresh process: {error} (make the plugin's Keras objects serializable: "
                                  f"{KERAS_OBJECTS})")
                else:
                    answer(*compare(np.load(job["out"]), job["expected"]))
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def plugin_modules(names: list[str]) -> list[str]:
    """What a user's process imports to use these plugins: their own modules, then their Keras objects' modules."""
    from .plugins import get_plugin_manager, keras_modules

    pm = get_plugin_manager()
    modules = []
    for name in names:
        plugin = pm.get_plugin(name)
        module = getattr(plugin, "__name__", None) if isinstance(plugin, type(sys)) else type(plugin).__module__
        if module and module != "__main__":
            modules.append(module)
    return list(dict.fromkeys(modules + keras_modules()))
