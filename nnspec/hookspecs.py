"""The hooks a plugin implements. Each receives a callback and registers things with it."""

import pluggy

hookspec = pluggy.HookspecMarker("nnspec")
hookimpl = pluggy.HookimplMarker("nnspec")


@hookspec
def register_layers(register):
    """Register layer kinds: `register(LayerKind(...))`."""


@hookspec
def register_layer_builders(register):
    """Register how a backend builds (and writes, and reads back) a layer kind: `register(LayerBuilder(backend, kind, fn))`."""


@hookspec
def register_activations(register):
    """Register activation functions: `register(Named(name, impl={backend: fn}))`."""


@hookspec
def register_initializers(register):
    """Register weight initializers: `register(Named(name, impl={backend: factory}))`."""


@hookspec
def register_optimizers(register):
    """Register optimizers: `register(Named(name, options=(...), impl={backend: factory}))`."""


@hookspec
def register_losses(register):
    """Register loss functions: `register(Named(name, impl={backend: fn}))`."""


@hookspec
def register_metrics(register):
    """Register metrics: `register(Named(name, impl={backend: fn}))`."""


@hookspec
def register_datasets(register):
    """Register datasets: `register(Dataset(name, load=..., meta=..., options=(...)))`."""


@hookspec
def register_backends(register):
    """Register backends: `register(Backend(name, build=..., train=...))`."""


@hookspec
def register_training_callbacks(register):
    """Register code run while training: `register(TrainingCallback(name, on_epoch_end=fn))`."""


@hookspec
def register_report_sections(register):
    """Register parts of a run's report page: `register(ReportSection(name, build=fn))`."""


@hookspec
def register_commands(cli):
    """Add commands to the `nnspec` command line (a typer.Typer app)."""
