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


def test_a_documented_return_value_that_is_gone_is_reported_but_never_removed_by_update():
    definition = extract(RETURNS_NOTHING)[0]
    assert [f.kind.value for f in find_stale(RETURNS_NOTHING)] == ["return-without-value"]
    assert not needs_update(definition)  # no quick fix: removing it could take the user's text
    result = compose_docstring(RETURNS_NOTHING, definition, "Log a message.")
    assert "The message." in result.text
