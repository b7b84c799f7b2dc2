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
        self.explicit = explicit
        self.threads = threads
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
        fine, waiting for it; else None. Either way it is given out once, then forgotten."""
        if self._taken:
            return None
        self._taken = True
        if threads != self.threads:
            return None
        self._done.wait()
        result, self._result = self._result, None
        if result is None or result.summarizer is None:
            return None
        return result if result.directory.resolve() == Path(directory).resolve() else None
