"""hoverdoc's version, from one place: the installed distribution's metadata (pyproject.toml holds the
number; ``tests/test_packaging.py`` checks that the VS Code extension's package.json agrees)."""

from __future__ import annotations


def package_version() -> str:
    """The installed hoverdoc's version ("unknown" in a source tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("hoverdoc")
    except PackageNotFoundError:
        return "unknown"
