"""tests/test_fuzz.py's idea through the command line: inputs wrong on purpose give a
`file[:line:col]: message` line and exit 1 (2 for a usage error), never a traceback.

check, show and code read mutated specs (every line end, NUL bytes, deep braces);
import reads mangled Keras configs; predict's reader gets mutated CSV rows.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nnspec.cli import app
from nnspec.errors import NNSpecError

from export_runs import runs  # noqa: F401  (the shared fixture)
from test_fuzz import mutants
from test_import_safety import mangled, write

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.filter_too_much])


def assert_clean(result, path) -> None:
    """Exit 0; 1 with the error's first line naming the file; or 2 (a usage error); never an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        errors = [line for line in result.stderr.splitlines() if not line.startswith(("note:", "warning:", " "))]
        assert errors, result.output
    if result.exit_code == 1:
        assert re.match(rf"{re.escape(str(path))}(:\d+:\d+)?: \S", errors[0]), errors[0]


@pytest.mark.parametrize("command", [["check"], ["show"], ["code", "--backend", "tf1"]])
@FUZZ
@given(text=mutants(), end=st.sampled_from(["\n", "\r\n", "\r"]))
def test_mutated_specs_through_the_cli_give_clean_errors(tmp_path, command, text, end):
    path = tmp_path / "fuzz.nn"
    path.write_bytes(text.replace("\n", end).encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(app, [*command, str(path)])
    assert_clean(result, path)
    assert "Traceback" not in result.output


@FUZZ
@given(case=mangled())
def test_mangled_configs_through_the_cli_give_clean_errors(tmp_path, case):
    config, name = case
    if isinstance(config, str):
        return  # a deep-nesting string: tests/test_import_safety.py covers it
    path = write(tmp_path, config, name)
    result = CliRunner().invoke(app, ["import", path])
    assert_clean(result, path)


CELLS = st.one_of(st.sampled_from(["5.1", "3", "-0.5", "1e3", "nan", "inf", "", " ", "abc", '"2"', '"a,b"', "\r",
                                   "1,2", "0x10", "１"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=4))


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELLS, min_size=3, max_size=5), min_size=0, max_size=4),
       header=st.booleans(), end=st.sampled_from(["\n", "\r\n"]))
def test_predicts_reader_gives_finite_samples_or_a_located_error(iris_run, tmp_path_factory, rows, header, end):
    from nnspec.errors import DataError
    from nnspec.export.predict import read_inputs

    path = tmp_path_factory.mktemp("csv") / "samples.csv"
    lines = (["a,b,c,d"] if header else []) + [",".join(row) for row in rows]
    path.write_bytes((end.join(lines) + end).encode("utf-8", "surrogatepass"))
    try:
        names, x = read_inputs(iris_run, path)
    except DataError as error:
        assert error.render().startswith(f"{path}"), error.render()
        return
    except NNSpecError as error:  # a usage error (the input is unusable as a whole)
        assert str(path) in error.render()
        return
    assert np.isfinite(x).all() and x.shape[1:] == (4,) and len(names) == len(x)


@pytest.fixture(scope="module")
def iris_run(runs):  # noqa: F811  (the shared fixture's run)
    pytest.importorskip("tensorflow")
    from nnspec.export.runfolder import read_run

    return read_run(runs["tf1"])
