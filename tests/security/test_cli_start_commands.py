"""Issue #19, defects 1 and 4: the documented start commands never import workspace code, and mining
never follows a committed symlink out of the repository.

Editors start ``python -m hoverdoc.server`` with the workspace as the current directory; before the fix
a workspace file named like a dependency (platformdirs.py, jedi.py, ...) ran at start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHADOWS = ("platformdirs", "numpy", "jedi", "pathspec", "parso", "pygls", "onnxruntime", "tokenizers")


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _lsp_session(root: Path) -> bytes:
    return b"".join(
        [
            _message(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
                }
            ),
            _message({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
            _message({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
            _message({"jsonrpc": "2.0", "method": "exit"}),
        ]
    )


@pytest.fixture
def hostile_workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace whose modules shadow the server's dependencies and write a marker when imported."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    marker = tmp_path / "marker"
    for name in SHADOWS:
        (workspace / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\nraise ImportError('workspace code ran')\n"
        )
    (workspace / "main.py").write_text("def add(a, b):\n    return a + b\n")
    return workspace, marker


def test_python_m_server_in_a_hostile_workspace_imports_nothing_from_it(hostile_workspace):
    workspace, marker = hostile_workspace
    result = subprocess.run(
        [sys.executable, "-m", "hoverdoc.server"],
        cwd=workspace,
        input=_lsp_session(workspace),
        capture_output=True,
        timeout=120,
    )
    assert not marker.exists(), marker.read_text()
    assert b'"id": 1' in result.stdout.replace(b'"id":1', b'"id": 1'), result.stderr.decode()[-2000:]


def test_python_m_cli_in_a_hostile_workspace_imports_nothing_from_it(hostile_workspace):
    workspace, marker = hostile_workspace
    result = subprocess.run(
        [sys.executable, "-m", "hoverdoc.core.cli", "summarize", "main.py"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not marker.exists(), marker.read_text()
    assert result.returncode == 0, result.stderr
    assert "add" in result.stdout


@pytest.mark.skipif(sys.version_info < (3, 11), reason="python -P is new in 3.11")
def test_python_P_ignores_a_hoverdoc_folder_in_the_workspace(hostile_workspace):
    workspace, marker = hostile_workspace
    package = workspace / "hoverdoc" / "server"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write('hoverdoc\\n')\n")
    (package / "__main__.py").write_text(f"open({str(marker)!r}, 'a').write('hoverdoc main\\n')\n")
    subprocess.run(
        [sys.executable, "-P", "-m", "hoverdoc.server"],
        cwd=workspace,
        input=_lsp_session(workspace),
        capture_output=True,
        timeout=120,
    )
    assert not marker.exists(), marker.read_text()


def _documented_module(count: int) -> str:
    return "".join(
        f'def secret_{i}(value):\n    """Return the outside secret number {i} from value."""\n'
        f"    value = value + {i}\n    return value\n\n\n"
        for i in range(count)
    )


@pytest.mark.parametrize("git", [False, True], ids=["folder", "git-repo"])
def test_mine_never_follows_a_link_out_of_the_repository(tmp_path: Path, git: bool):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.py").write_text(_documented_module(5))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "own.py").write_text(_documented_module(2).replace("outside secret", "own"))
    (repo / "leak.py").symlink_to(outside / "private.py")
    (repo / "dev_null.py").symlink_to("/dev/zero")
    if git:
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    out = tmp_path / "pairs.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "hoverdoc.core.cli", "mine", str(repo), "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "own" in text and "outside secret" not in text
