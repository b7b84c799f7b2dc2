"""Loading the model a command or the server should use, with the reason when it can't be used."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.paths import resolve_model_dir

from .runtime import Summarizer


@dataclass
class LoadedModel:
    """A usable summarizer, or None with the reason it could not be loaded."""

    summarizer: Summarizer | None
    directory: Path
    origin: str  # configured, HOVERDOC_MODEL, workspace or bundled
    error: str | None = None

    @property
    def label(self) -> str:
        """Short description for status displays."""
        if self.summarizer is None:
            return "fallback"
        return f"{self.summarizer.name} ({self.origin})"


def load_model(
    explicit: str | Path | None = None, workspace_root: str | Path | None = None, threads: int = 0
) -> LoadedModel:
    """Resolve and load a model; never raises for a missing or broken model directory."""
    directory, origin = resolve_model_dir(explicit, workspace_root)
    try:
        return LoadedModel(Summarizer(directory, threads=threads), directory, origin)
    except HoverdocError as error:
        return LoadedModel(None, directory, origin, str(error))
