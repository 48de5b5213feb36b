"""`nnspec datasets` and `nnspec data NAME`: what data there is, and what it looks like."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from ...dsl.ast import shape_text
from ...errors import DataError, NNSpecError, UsageError
from ...types import Dataset, DatasetMeta


def parse_options(dataset: Dataset, pairs: list[str]) -> dict:
    """`key=value` strings from the command line, checked and completed like a spec's options.

    Values are read as the language reads them (numbers, true/false, names, quoted
    text); a value the language cannot read, such as an unquoted path, is taken as text.
    """
    from ...dsl.ast import Text
    from ...dsl.options import complete_options
    from ...dsl.parser import parse

    given: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"option '{pair}' is not key=value", hint="e.g. -o test=0.3")
        try:
            (option,) = parse(f"data {dataset.name} {key}={raw}").statements[0].options
            value = option.value
        except (NNSpecError, ValueError):
            value = Text(raw)
        given[key] = value
    return complete_options(dataset.options, given, f"data {dataset.name}")


def _shape(shape) -> str:
    return shape_text(shape) if shape else "?"


def describe_meta(meta: DatasetMeta) -> str:
    """`multiclass (10 classes), input 784, 60000 train / 10000 test`."""
    task = meta.task or "?"
    if meta.classes:
        task += f" ({meta.classes} classes)"
    sizes = f"{meta.train_size} train / {meta.test_size} test"
    if meta.test_is_train:
        sizes = f"{meta.train_size} (evaluated on the training data)"
    text = f"{task}, input {_shape(meta.input_shape)}, {sizes}"
    if meta.vocab:
        text += f", vocabulary {meta.vocab}"
    return text


def _dataset_row(dataset: Dataset) -> tuple[str, str, str]:
    """(name, description of the default metadata, availability) for the listing."""
    from ...dsl.options import complete_options

    try:
        options = complete_options(dataset.options, {}, f"data {dataset.name}")
    except NNSpecError:
        required = [p.name for p in dataset.options if p.required]
        return dataset.name, "depends on the file (needs " + ", ".join(f"{r}=" for r in required) + ")", "give path="
    try:
        meta_text = describe_meta(dataset.meta(options))
    except NNSpecError as error:
        meta_text = f"unknown ({error.message})"
    try:
        where = dataset.availability(options)
    except NNSpecError as error:
        where = f"unknown ({error.message})"
    return dataset.name, meta_text, where


def datasets_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """List the datasets: task, input shape, sizes, and whether the data is here."""
    import json

    from ...plugins import get_registries

    registry = get_registries().datasets
    rows = [_dataset_row(registry.get(name)) for name in registry.names()]
    if as_json:
        keys = ("name", "meta", "availability")
        typer.echo(json.dumps([dict(zip(keys, row)) for row in rows], indent=2))
        return
    width = max(len(name) for name, _, _ in rows)
    for name, meta_text, where in rows:
        doc = registry.get(name).doc
        typer.echo(f"{name:<{width}}  {meta_text}")
        typer.echo(f"{'':<{width}}  {doc}")
        typer.echo(f"{'':<{width}}  data: {where}")


def data_command(
    name: Annotated[str, typer.Argument(help="Dataset name, as in a spec's data statement.", show_default=False)],
    head: Annotated[int, typer.Option("--head", "-n", min=0, help="How many samples to show.")] = 3,
    option: Annotated[
        Optional[list[str]],
        typer.Option("--option", "-o", help="A dataset option as key=value (repeatable), e.g. -o test=0.3."),
    ] = None,
) -> None:
    """Show a dataset: its options, shapes and sizes, where its data is, and the first samples."""
    from ...plugins import get_registries

    dataset = get_registries().datasets.get(name)
    options = parse_options(dataset, option or [])
    typer.echo(f"{dataset.name}: {dataset.doc}")
    typer.echo(f"  {describe_meta(dataset.meta(options))}")
    typer.echo(f"  data: {dataset.availability(options)}")
    from ...dsl.options import describe

    shown = " ".join(f"{key}={describe(value)}" for key, value in options.items() if value is not None)
    if shown:
        typer.echo(f"  options: {shown}")
    if head and dataset.samples is not None:
        try:
            samples = dataset.samples(options, head)
        except NNSpecError:
            raise
        except Exception as exc:  # a plugin's bug (or EOFError, which the CLI would print as "Aborted.")
            raise DataError(f"data {dataset.name} failed to load: {type(exc).__name__}: {exc}") from exc
        for index, sample in enumerate(samples):
            typer.echo(f"[{index}] {sample}")
