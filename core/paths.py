"""Where models live: an explicit path, $HOVERDOC_MODEL, the workspace's model, the bundled one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BUNDLED_MODEL_NAME = "hoverdoc-minilm-bart-22m"
WORKSPACE_MODEL = Path(".hoverdoc") / "model"


def bundled_model_dir() -> Path:
    """The bundled model: ``models/<name>`` of the source tree (editable installs and checkouts),
    else the copy a regular install puts under ``<prefix>/share/hoverdoc/models``."""
    in_tree = Path(__file__).resolve().parents[1] / "models" / BUNDLED_MODEL_NAME
    if in_tree.is_dir():
        return in_tree
    return Path(sys.prefix) / "share" / "hoverdoc" / "models" / BUNDLED_MODEL_NAME


def workspace_model_dir(root: str | Path | None) -> Path | None:
    """The model ``hoverdoc retrain`` installed for a workspace, if there is one."""
    if root is None:
        return None
    candidate = Path(root) / WORKSPACE_MODEL
    return candidate if (candidate / "manifest.json").is_file() else None


def resolve_model_dir(
    explicit: str | Path | None = None, workspace_root: str | Path | None = None
) -> tuple[Path, str]:
    """The model directory to use and where the choice came from."""
    if explicit:
        return Path(explicit).expanduser(), "configured"
    from_env = os.environ.get("HOVERDOC_MODEL")
    if from_env:
        return Path(from_env).expanduser(), "HOVERDOC_MODEL"
    workspace = workspace_model_dir(workspace_root)
    if workspace is not None:
        return workspace, "workspace"
    return bundled_model_dir(), "bundled"
