"""Loading the model a command or the server should use, with the reason when it can't be used.

A workspace-supplied model (``.hoverdoc/model``, written by ``hoverdoc retrain`` but possibly committed
by someone else) is used only when it lies inside the workspace (symlinks resolved), its manifest
passes the schema, and the client has not said the workspace is untrusted. Every load returns a
one-line ``notice`` naming the model in use and where it came from, for the user to see once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.model_dir import ModelDirError, load_manifest
from hoverdoc.core.paths import resolve_model_dir, workspace_model_candidate

from .runtime import Summarizer

ORIGINS = {
    "configured": "chosen by the modelPath setting or --model",
    "HOVERDOC_MODEL": "chosen by $HOVERDOC_MODEL",
    "workspace": "supplied by this workspace's .hoverdoc/model",
    "bundled": "bundled with hoverdoc",
}
# initialization options (top level or under "hoverdoc") that make the server ignore workspace models
UNTRUSTED_OPTIONS = ("untrustedWorkspace", "ignoreWorkspaceModel")


@dataclass
class LoadedModel:
    """A usable summarizer, or None with the reason it could not be loaded."""

    summarizer: Summarizer | None
    directory: Path
    origin: str  # configured, HOVERDOC_MODEL, workspace or bundled
    error: str | None = None
    ignored: str | None = None  # why a workspace model present was not used

    @property
    def label(self) -> str:
        """Short description for status displays."""
        if self.summarizer is None:
            return "fallback"
        return f"{self.summarizer.name} ({self.origin})"

    @property
    def notice(self) -> str:
        """One line for the user: which model is in use, from where, and any workspace model ignored."""
        where = ORIGINS.get(self.origin, self.origin)
        if self.summarizer is not None:
            text = f"hoverdoc: using model {self.summarizer.name} from {self.directory} ({where})"
        else:
            text = f"hoverdoc: no usable model at {self.directory} ({where}): {self.error}"
        return text + (f"; ignored the workspace model: {self.ignored}" if self.ignored else "")


def workspace_models_allowed(initialization_options: Any) -> bool:
    """False when the client's initialization options mark the workspace untrusted (VS Code's
    restricted mode): the server must then ignore models the workspace supplies."""
    if not isinstance(initialization_options, dict):
        return True
    scopes = [initialization_options, initialization_options.get("hoverdoc")]
    return not any(isinstance(s, dict) and s.get(key) is True for s in scopes for key in UNTRUSTED_OPTIONS)


def _choose(
    explicit: str | Path | None, workspace_root: str | Path | None, allow_workspace: bool
) -> tuple[Path, str, str | None]:
    directory, origin = resolve_model_dir(explicit, workspace_root, allow_workspace=False)
    if origin != "bundled" or workspace_root is None:
        return directory, origin, None
    candidate, problem = workspace_model_candidate(workspace_root)
    if candidate is None:
        return directory, origin, problem
    if not allow_workspace:
        return directory, origin, f"{candidate} (the workspace is not trusted)"
    try:
        load_manifest(candidate)
    except ModelDirError as error:
        return directory, origin, str(error)
    return candidate, "workspace", None


def model_dir_for(
    explicit: str | Path | None, workspace_root: str | Path | None, allow_workspace: bool = True
) -> Path:
    """The model directory that ``load_model`` would load for a workspace (without loading it)."""
    return _choose(explicit, workspace_root, allow_workspace)[0]


def load_model(
    explicit: str | Path | None = None,
    workspace_root: str | Path | None = None,
    threads: int = 0,
    allow_workspace: bool = True,
    decoder_threads: int | None = None,
) -> LoadedModel:
    """Resolve and load a model; never raises for a missing or broken model directory. ``threads``
    and ``decoder_threads`` as ``Summarizer`` takes them."""
    directory, origin, ignored = _choose(explicit, workspace_root, allow_workspace)
    try:
        summarizer = Summarizer(directory, threads=threads, decoder_threads=decoder_threads)
        return LoadedModel(summarizer, directory, origin, ignored=ignored)
    except HoverdocError as error:
        return LoadedModel(None, directory, origin, str(error), ignored=ignored)
