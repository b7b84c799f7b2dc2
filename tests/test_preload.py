"""The model preload: loaded in a thread from process start, given to the server only when it wants
that very model (directory and threads), and only once."""

from __future__ import annotations

from pathlib import Path

from hoverdoc.core.model_loading import load_model
from hoverdoc.core.paths import bundled_model_dir
from hoverdoc.core.preload import ModelPreload


def test_the_server_takes_the_preloaded_model_when_it_wants_that_one(tmp_path):
    preload = ModelPreload()
    loaded = load_model(None, tmp_path, preload=preload)  # a workspace without its own model
    assert loaded.summarizer is not None and loaded.origin == "bundled"
    assert loaded.directory.resolve() == bundled_model_dir().resolve()
    assert preload.take(bundled_model_dir(), 0) is None  # given out once


def test_another_model_or_thread_count_loads_afresh(tiny_model_dir: Path):
    preload = ModelPreload()
    assert preload.take(tiny_model_dir, 0) is None
    other = ModelPreload()
    loaded = load_model(None, None, threads=1, preload=other)  # the bundled model, other threads
    assert loaded.summarizer is not None and other.take(bundled_model_dir(), 0) is None
    configured = load_model(str(tiny_model_dir), None, preload=ModelPreload())
    assert configured.summarizer is not None and configured.summarizer.name == "tiny-model"
