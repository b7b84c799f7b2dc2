"""Where models live: an explicit path, $HOVERDOC_MODEL, the workspace's model, the bundled one."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
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


def workspace_model_candidate(root: str | Path | None) -> tuple[Path | None, str | None]:
    """(the workspace's ``.hoverdoc/model`` when it lies inside the workspace, None) or, when one is
    present but leads elsewhere (a symlink pointing out), (None, the reason it is ignored)."""
    if root is None:
        return None, None
    candidate = Path(root) / WORKSPACE_MODEL
    manifest = candidate / "manifest.json"
    if not (manifest.is_file() or candidate.is_symlink() or manifest.is_symlink()):
        return None, None
    try:
        real_root = Path(root).resolve(strict=True)
        real_manifest = manifest.resolve(strict=True)
    except (OSError, RuntimeError):
        return None, f"{candidate} is a broken link"
    if real_root not in real_manifest.parents or real_manifest.parent != candidate.resolve():
        return None, f"{candidate} leads outside the workspace (to {real_manifest.parent})"
    return candidate, None


def workspace_model_dir(root: str | Path | None) -> Path | None:
    """The model ``hoverdoc retrain`` installed for a workspace, if there is one inside it."""
    return workspace_model_candidate(root)[0]


def resolve_model_dir(
    explicit: str | Path | None = None,
    workspace_root: str | Path | None = None,
    allow_workspace: bool = True,
) -> tuple[Path, str]:
    """The model directory to use and where the choice came from (no workspace model when
    ``allow_workspace`` is false, as in an untrusted workspace)."""
    if explicit:
        return Path(explicit).expanduser(), "configured"
    from_env = os.environ.get("HOVERDOC_MODEL")
    if from_env:
        return Path(from_env).expanduser(), "HOVERDOC_MODEL"
    workspace = workspace_model_dir(workspace_root) if allow_workspace else None
    if workspace is not None:
        return workspace, "workspace"
    return bundled_model_dir(), "bundled"


def cache_location() -> Path:
    """Where hoverdoc's private cache folder is (``$HOVERDOC_CACHE_DIR``, else the user cache
    directory), whether or not it exists yet."""
    override = os.environ.get("HOVERDOC_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hoverdoc"))


def cache_dir() -> Path:
    """hoverdoc's private cache folder (``cache_location``), created readable by its owner only."""
    folder = cache_location()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def innermost_folder(folders: Iterable[Path], path: str | Path | None) -> Path | None:
    """Of resolved ``folders`` (a multi-root workspace's), the innermost one holding ``path``."""
    if path is None:
        return None
    resolved = Path(path).resolve()
    holding = [f for f in folders if f == resolved or f in resolved.parents]
    return max(holding, key=lambda f: len(f.parts), default=None)
