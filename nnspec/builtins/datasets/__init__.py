"""The built-in dataset plugin: the course's data sets, their offline copies, and two commands.

Datasets: mnist, fashion_mnist, imdb, boston_housing, pima, csv, iris, digits (see
docs/datasets.md). Commands: `nnspec datasets` and `nnspec data NAME [--head N]`.
Importing this module reads no data and imports neither TensorFlow nor scikit-learn.
"""

from __future__ import annotations

from ...hookspecs import hookimpl
from .bundled import DIGITS, IRIS
from .csv_file import CSV
from .imdb import IMDB
from .images import FASHION_MNIST, MNIST
from .tables import BOSTON_HOUSING, PIMA

DATASETS = (MNIST, FASHION_MNIST, IMDB, BOSTON_HOUSING, PIMA, CSV, IRIS, DIGITS)


@hookimpl
def register_datasets(register):
    """Register every built-in dataset."""
    for dataset in DATASETS:
        register(dataset)


@hookimpl
def register_commands(cli):
    """Add `nnspec datasets` and `nnspec data`."""
    from .commands import data_command, datasets_command

    cli.command("datasets")(datasets_command)
    cli.command("data")(data_command)
