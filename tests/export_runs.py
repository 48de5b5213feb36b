"""Short runs shared by the export and predict tests (session scope: each trains once)."""

from __future__ import annotations

import pytest

IRIS = "data iris test=0.3 seed=1234\ndense 16 relu init=he\ndense 3 softmax\ntrain adam lr=0.01 epochs=2 batch=16\n"


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """One short iris run per backend: backend -> run folder."""
    import nnspec

    root = tmp_path_factory.mktemp("runs")
    return {
        backend: nnspec.run(IRIS, backend, out=root / backend, progress="none", report=False).dir
        for backend in ("keras", "tf1")
    }
