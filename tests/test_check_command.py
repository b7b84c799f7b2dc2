"""`hoverdoc check` as installed, and the update action's fix for a documented return that is gone."""

from __future__ import annotations

import subprocess
import sys

from hoverdoc.core.extract import extract
from hoverdoc.core.staleness import find_stale
from hoverdoc.server.docstrings import compose_docstring, needs_update

RETURNS_NOTHING = '''def log(message):
    """Log a message.

    Args:
        message: What to log.

    Returns:
        str: The message.
    """
    print(message)
'''


def test_the_check_command_reports_like_a_linter(tmp_path):
    (tmp_path / "a.py").write_text(RETURNS_NOTHING)
    (tmp_path / "b.py").write_text(
        'def ok(x):\n    """Fine.\n\n    Args:\n        x: A value.\n    """\n    return x\n'
    )
    run = subprocess.run(
        [sys.executable, "-P", "-m", "hoverdoc.core.cli", "check", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{tmp_path / 'a.py'}:1: docstring documents a return value, but log() returns nothing"
    ]
    clean = subprocess.run(
        [sys.executable, "-P", "-m", "hoverdoc.core.cli", "check", str(tmp_path / "b.py")],
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0 and clean.stdout == ""


def test_update_drops_a_documented_return_the_function_no_longer_has():
    definition = extract(RETURNS_NOTHING)[0]
    assert needs_update(definition)
    result = compose_docstring(RETURNS_NOTHING, definition, "Log a message.")
    assert result.action == "update"
    assert "Returns" not in result.text and "message: What to log." in result.text
    from hoverdoc.server.docstrings import apply_edit

    fixed = apply_edit(RETURNS_NOTHING, result.edit)
    assert find_stale(fixed) == []
