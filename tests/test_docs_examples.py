"""The Python examples in docs/cli.md run and print what the page says they print."""

import contextlib
import io
import re
from pathlib import Path

DOC = (Path(__file__).parent.parent / "docs" / "cli.md").read_text()


def example_after(marker: str) -> tuple[str, str]:
    """The python block after `marker` and the text block that follows it."""
    rest = DOC[DOC.index(marker):]
    code = re.search(r"```python\n(.*?)```", rest, re.S).group(1)
    printed = re.search(r"```text\n(.*?)```", rest, re.S).group(1)
    return code, printed


def test_the_build_a_spec_in_code_example_prints_what_the_docs_say():
    code, printed = example_after("tests/test_docs_examples.py runs this example")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/cli.md", "exec"), {})
    assert out.getvalue() == printed


def test_the_diagnose_example_prints_what_the_docs_say():
    rest = DOC[DOC.index("### Diagnostics for editors and notebooks"):]
    code = re.search(r"```python\n(.*?)```", rest, re.S).group(1)
    expected = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("import nnspec\n" + code, "docs/cli.md", "exec"), {})
    assert out.getvalue().splitlines() == expected
