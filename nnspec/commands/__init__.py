"""The commands that train and report: `nnspec run` and `nnspec report`, registered by nnspec.cli."""
