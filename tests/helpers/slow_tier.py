"""A pytest plugin (loaded from pyproject's addopts) for the fast tier, ``pytest -m "not slow"``.

Tests that need a trained or exported model (the ``tiny_run`` and ``tiny_model_dir`` fixtures, which
train and export one per session) are marked ``slow`` here, wherever they live; tests that train or
export inline carry ``@pytest.mark.slow`` themselves.
"""

from __future__ import annotations

import pytest

TRAINING_FIXTURES = frozenset({"tiny_run", "tiny_model_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
