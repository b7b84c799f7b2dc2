"""A pytest plugin (loaded from pyproject's addopts) for the fast tier, ``pytest -m "not slow"``.

Marked ``slow`` here, wherever they live: tests that need a trained or exported model (the ``tiny_run``
and ``tiny_model_dir`` fixtures train and export one per session) and end-to-end tests that start a
language-server process (the ``client``, ``server`` and ``ready`` fixtures; about a second each). Tests
that train or export inline carry ``@pytest.mark.slow`` themselves.
"""

from __future__ import annotations

import pytest

SLOW_FIXTURES = frozenset({"tiny_run", "tiny_model_dir", "client", "server", "ready"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
