"""Issue #19, defects 2b and 9: a workspace-supplied model is used only from inside the workspace,
with a valid manifest, in a trusted workspace, and the user is told which model is in use; installing
over a symlinked ``.hoverdoc/model`` replaces the link, never what it points to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hoverdoc.core.model_loading import load_model, workspace_models_allowed
from hoverdoc.core.paths import WORKSPACE_MODEL, bundled_model_dir
from hoverdoc.training.retrain import install

BUNDLED = bundled_model_dir()


def _copy_model(target: Path, name: str = "team-model") -> Path:
    shutil.copytree(BUNDLED, target, ignore=shutil.ignore_patterns("weights", "README.md"))
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["name"] = name
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.fixture(scope="module")
def outside_model(tmp_path_factory) -> Path:
    return _copy_model(tmp_path_factory.mktemp("elsewhere") / "model", "outside-model")


def test_a_workspace_model_inside_the_workspace_is_used_and_announced(tmp_path: Path):
    _copy_model(tmp_path / WORKSPACE_MODEL)
    loaded = load_model(workspace_root=tmp_path)
    assert loaded.origin == "workspace" and loaded.summarizer is not None
    assert "team-model" in loaded.notice and "workspace" in loaded.notice
    assert str(tmp_path / WORKSPACE_MODEL) in loaded.notice


def test_a_symlinked_workspace_model_pointing_out_is_ignored(tmp_path: Path, outside_model: Path):
    (tmp_path / ".hoverdoc").mkdir()
    (tmp_path / WORKSPACE_MODEL).symlink_to(outside_model, target_is_directory=True)
    loaded = load_model(workspace_root=tmp_path)
    assert loaded.origin == "bundled" and loaded.summarizer.name != "outside-model"
    assert "outside the workspace" in (loaded.ignored or "")
    assert "ignored the workspace model" in loaded.notice


def test_a_symlinked_hoverdoc_folder_pointing_out_is_ignored(tmp_path: Path, outside_model: Path):
    (tmp_path / ".hoverdoc").symlink_to(outside_model.parent, target_is_directory=True)
    loaded = load_model(workspace_root=tmp_path)
    assert loaded.origin == "bundled"


def test_a_workspace_model_with_a_bad_manifest_is_ignored(tmp_path: Path):
    model = _copy_model(tmp_path / WORKSPACE_MODEL)
    data = json.loads((model / "manifest.json").read_text())
    data["generation"]["max_length"] = "33"
    (model / "manifest.json").write_text(json.dumps(data))
    loaded = load_model(workspace_root=tmp_path)
    assert loaded.origin == "bundled" and loaded.summarizer is not None
    assert "max_length" in (loaded.ignored or "")


def test_an_untrusted_workspace_model_is_ignored(tmp_path: Path):
    _copy_model(tmp_path / WORKSPACE_MODEL)
    loaded = load_model(workspace_root=tmp_path, allow_workspace=False)
    assert loaded.origin == "bundled"
    assert "not trusted" in (loaded.ignored or "")


@pytest.mark.parametrize(
    "options, allowed",
    [
        (None, True),
        ({}, True),
        ({"docstringStyle": "google"}, True),
        ({"untrustedWorkspace": True}, False),
        ({"hoverdoc": {"untrustedWorkspace": True}}, False),
        ({"hoverdoc": {"ignoreWorkspaceModel": True}}, False),
        ({"untrustedWorkspace": "yes"}, True),
    ],
)
def test_initialization_options_mark_the_workspace_untrusted(options, allowed: bool):
    assert workspace_models_allowed(options) is allowed


def test_install_over_a_symlinked_model_replaces_the_link_only(tmp_path: Path, outside_model: Path):
    workspace = tmp_path / "ws"
    (workspace / ".hoverdoc").mkdir(parents=True)
    destination = workspace / WORKSPACE_MODEL
    destination.symlink_to(outside_model, target_is_directory=True)
    before = sorted(p.name for p in outside_model.iterdir())
    new_model = _copy_model(tmp_path / "new", "new-model")
    install(new_model, destination)
    assert (
        not destination.is_symlink()
        and json.loads((destination / "manifest.json").read_text())["name"] == "new-model"
    )
    assert sorted(p.name for p in outside_model.iterdir()) == before  # the link's target is untouched
    assert not (workspace / ".hoverdoc" / "model.old").exists()
    install(new_model, destination)  # and installing again works
    assert not (workspace / ".hoverdoc" / "model.old").exists()


def test_install_recovers_from_a_leftover_old_link(tmp_path: Path, outside_model: Path):
    destination = tmp_path / ".hoverdoc" / "model"
    destination.parent.mkdir()
    (destination.parent / "model.old").symlink_to(outside_model, target_is_directory=True)
    install(_copy_model(tmp_path / "new"), destination)
    assert (destination / "manifest.json").is_file() and (outside_model / "manifest.json").is_file()
    assert not (destination.parent / "model.old").exists()
