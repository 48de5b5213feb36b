"""Helpers for testing nnspec plugins with pytest.

    from nnspec.testing import verify_plugin

    def test_my_plugin_builds_alike_on_every_backend():
        verify_plugin("my_plugin")

TensorFlow is imported when a helper is called, not when this module is imported.
"""

from __future__ import annotations

from .verify import Verification, verify_plugins


def verify_plugin(*names: str) -> Verification:
    """Run `nnspec verify-plugin` on the named plugins; fail the test with its table if any check fails.

    Returns the `Verification` when every check passes: `.rows`, `.ok`, `.failures`, `.table()`.
    """
    verification = verify_plugins(names)
    if not verification.ok:
        raise AssertionError("nnspec verify-plugin found problems:\n" + verification.table())
    return verification


__all__ = ["verify_plugin", "verify_plugins", "Verification"]
