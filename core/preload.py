"""Loading the model before the server knows its settings.

A language server learns which model to serve only after ``initialize``, yet the default one (``--model``,
``$HOVERDOC_MODEL``, else the bundled model) is what it serves almost always. ``ModelPreload`` starts
loading that one in a thread as the process starts: onnxruntime builds its sessions without holding the
GIL, so the load runs beside the server's own imports instead of after them. The server takes the
result when it wants the same directory with the same thread count, and loads afresh otherwise.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model_loading import LoadedModel

logger = logging.getLogger(__name__)


class ModelPreload:
    """The default model, loading in a background thread from construction."""

    def __init__(self, explicit: str | None = None, threads: int = 0):
        from .paths import resolve_model_dir  # light: no numpy or onnxruntime in this thread

        self.explicit = explicit
        self.threads = threads
        self.directory = resolve_model_dir(explicit, None, allow_workspace=False)[0].resolve()
        self._result: LoadedModel | None = None
        self._done = threading.Event()
        self._taken = False
        threading.Thread(target=self._load, name="hoverdoc-preload", daemon=True).start()

    def _load(self) -> None:
        try:
            from .model_loading import load_model  # numpy, onnxruntime, tokenizers: in this thread too

            self._result = load_model(self.explicit, None, self.threads)
        except Exception:  # noqa: BLE001 - the server loads the model itself and reports any failure
            logger.warning("preloading the model failed", exc_info=True)
        finally:
            self._done.set()

    def take(self, directory: str | Path, threads: int) -> LoadedModel | None:
        """The preloaded model if it is the one wanted (same directory and thread count) and loaded
        fine, waiting for it; else None at once. Either way it is given out once, then dropped."""
        if self._taken:
            return None
        self._taken = True
        if threads != self.threads or Path(directory).resolve() != self.directory:
            self._discard()
            return None
        self._done.wait()
        result, self._result = self._result, None
        return result if result is not None and result.summarizer is not None else None

    def _discard(self) -> None:
        """Drop the preloaded model (now, or as soon as its thread is done)."""
        self._result = None
        if not self._done.is_set():
            threading.Thread(target=self._drop_when_done, name="hoverdoc-preload-drop", daemon=True).start()

    def _drop_when_done(self) -> None:
        self._done.wait()
        self._result = None
