"""Issue #19, defects 3, 4 and 10: every bad command line exits non-zero with one line on stderr and
no traceback, reads nothing it should not (devices, FIFOs) and destroys nothing it was not given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def hoverdoc(
    *args: str, cwd: Path, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the CLI the way users do, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "hoverdoc.core.cli", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_failure(result: subprocess.CompletedProcess) -> None:
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hoverdoc"), lines[0]


@pytest.fixture
def busy_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _fifo(tmp_path: Path) -> str:
    path = tmp_path / "pipe.py"
    os.mkfifo(path)
    return str(path)


def _non_model_folder(tmp_path: Path) -> str:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me\n")
    return str(folder)


def _pairs(tmp_path: Path) -> str:
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"code": "def f(x):\\n    return x", "summary": "Return x."}\n')
    return str(path)


# (id, argv builder(tmp_path) -> list[str], extra environment)
CASES = [
    ("summarize-unusable-model", lambda t: ["summarize", str(DEMO), "--model", str(t)], {}),
    ("summarize-HOVERDOC_MODEL", lambda t: ["summarize", str(DEMO)], {"HOVERDOC_MODEL": "/no/such/model"}),
    ("summarize-dev-zero", lambda t: ["summarize", "/dev/zero", "--fallback"], {}),
    ("summarize-fifo", lambda t: ["summarize", _fifo(t), "--fallback"], {}),
    ("summarize-folder", lambda t: ["summarize", str(t), "--fallback"], {}),
    ("summarize-line-0", lambda t: ["summarize", str(DEMO), "--line", "0", "--fallback"], {}),
    ("mine-out-folder", lambda t: ["mine", str(DEMO), "--out", str(t)], {}),
    ("eval-batch-size-0", lambda t: ["eval", "--data", _pairs(t), "--batch-size", "0"], {}),
    ("eval-limit-negative", lambda t: ["eval", "--data", _pairs(t), "--limit", "-1"], {}),
    (
        "eval-json-missing-folder",
        lambda t: ["eval", "--data", _pairs(t), "--json", str(t / "no" / "m.json")],
        {},
    ),
    ("eval-pairs-fifo", lambda t: ["eval", "--data", _fifo(t), "--baseline", "name"], {}),
    ("serve-port-out-of-range", lambda t: ["serve", "--tcp", "--port", "70000"], {}),
    ("serve-port-not-a-number", lambda t: ["serve", "--tcp", "--port", "http"], {}),
    ("serve-bad-host", lambda t: ["serve", "--tcp", "--host", "no-such-host.invalid", "--port", "0"], {}),
    ("serve-host-not-here", lambda t: ["serve", "--tcp", "--host", "192.0.2.1", "--port", "0"], {}),
    ("serve-log-file-missing-folder", lambda t: ["serve", "--log-file", str(t / "no" / "server.log")], {}),
    ("retrain-out-non-model-folder", lambda t: ["retrain", str(t), "--out", _non_model_folder(t)], {}),
    ("retrain-json-missing-folder", lambda t: ["retrain", str(t), "--json", str(t / "no" / "r.json")], {}),
    ("unknown-command", lambda t: ["frobnicate"], {}),
]


@pytest.mark.parametrize("build, env", [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_bad_command_line_fails_in_one_line(build, env, tmp_path: Path):
    work = tmp_path / "work"
    work.mkdir()
    result = hoverdoc(*build(work), cwd=tmp_path, env=env, timeout=60)
    assert_one_line_failure(result)


def test_serve_on_a_port_in_use(busy_port: int, tmp_path: Path):
    assert_one_line_failure(hoverdoc("serve", "--tcp", "--port", str(busy_port), cwd=tmp_path, timeout=60))


def test_mine_into_a_folder_leaves_no_temporary_file(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    assert_one_line_failure(hoverdoc("mine", str(DEMO), "--out", str(out), cwd=tmp_path))
    assert list(out.iterdir()) == [] and not list(tmp_path.glob("*.tmp"))


def test_retrain_out_dot_keeps_the_working_directory(tmp_path: Path):
    (tmp_path / "main.py").write_text("print('mine')\n")
    assert_one_line_failure(hoverdoc("retrain", ".", "--out", ".", cwd=tmp_path))
    assert (tmp_path / "main.py").read_text() == "print('mine')\n"


def test_retrain_out_precious_folder_is_untouched(tmp_path: Path):
    precious = Path(_non_model_folder(tmp_path))
    result = hoverdoc("retrain", str(tmp_path), "--out", str(precious), cwd=tmp_path)
    assert_one_line_failure(result)
    assert "not a hoverdoc model directory" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me\n"


def test_summarize_dev_zero_is_refused_quickly(tmp_path: Path):
    started = time.monotonic()
    assert_one_line_failure(hoverdoc("summarize", "/dev/zero", "--fallback", cwd=tmp_path, timeout=30))
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_failed_train_leaves_no_empty_run_folder(tmp_path: Path):
    run = tmp_path / "run"
    result = hoverdoc(
        "train", "--data", _pairs(tmp_path), "--base", str(tmp_path / "nope"), "--out", str(run), cwd=tmp_path
    )
    assert_one_line_failure(result)
    assert not run.exists()


@pytest.mark.slow
def test_sigterm_during_retrain_removes_its_temporary_folder(tmp_path: Path):
    from corpus_gen import write_repository

    repository = tmp_path / "repo"
    write_repository(repository, count=200, seed=3)
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hoverdoc.core.cli",
            "retrain",
            str(repository),
            "--out",
            str(tmp_path / "model"),
        ],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(temp)},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line or line.startswith("[2/"):
                break
        assert list(temp.glob("hoverdoc-retrain-*")), "retrain made no temporary folder"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0
    assert not list(temp.glob("hoverdoc-retrain-*"))
