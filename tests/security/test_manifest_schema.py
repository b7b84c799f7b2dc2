"""Issue #19, defects 4 and 6: one typed schema check of ``manifest.json``; file names confined to the
model folder. Each bad manifest is refused by ``load_manifest`` with one line naming the field, and
``hoverdoc summarize --model`` exits non-zero with that line instead of a traceback or a silent
fallback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hoverdoc.core.model_dir import ModelDirError, load_manifest
from hoverdoc.core.paths import bundled_model_dir

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"
BUNDLED = bundled_model_dir()


def _set(data: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[key]
    if value is _DELETE:
        del data[last]
    else:
        data[last] = value


_DELETE = object()
BAD = [
    ("generation", []),
    ("generation", None),
    ("files", []),
    ("max_source_tokens", "128"),
    ("max_source_tokens", 0),
    ("max_target_tokens", True),
    ("generation.max_length", "33"),
    ("generation.num_beams", 0),
    ("generation.eos_token_id", None),
    ("generation.repetition_penalty", "1.2"),
    ("generation.decoder_start_token_id", _DELETE),
    ("input_prefix", None),
    ("input_format_version", "1"),
    ("name", 7),
    ("method", 3),
    ("metrics", []),
    ("format_version", True),
    ("files.tokenizer.json", "present"),
]


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A copy of the bundled model directory whose manifest the test may spoil."""
    target = tmp_path / "model"
    target.mkdir()
    for name in json.loads((BUNDLED / "manifest.json").read_text())["files"]:
        shutil.copyfile(BUNDLED / name, target / name)
    shutil.copyfile(BUNDLED / "manifest.json", target / "manifest.json")
    return target


def _spoil(model: Path, field: str, value) -> None:
    data = json.loads((model / "manifest.json").read_text())
    if field.startswith("files."):
        data["files"][field.removeprefix("files.")] = value
    else:
        _set(data, field, value)
    (model / "manifest.json").write_text(json.dumps(data))


def test_the_bundled_manifest_passes():
    assert load_manifest(BUNDLED).name


@pytest.mark.parametrize("field, value", BAD, ids=[f"{f}={v!r}" for f, v in BAD])
def test_bad_field_is_one_clear_line(model_copy: Path, field: str, value):
    _spoil(model_copy, field, value)
    with pytest.raises(ModelDirError) as caught:
        load_manifest(model_copy)
    message = str(caught.value)
    assert "\n" not in message
    named = message.replace(" ", "_")  # "format version" names format_version
    assert field.split(".")[-1] in named or field.split(".")[0] in named


@pytest.mark.parametrize("field, value", BAD[:8], ids=[f"{f}={v!r}" for f, v in BAD[:8]])
def test_summarize_with_a_bad_manifest_fails_in_one_line(model_copy: Path, field: str, value, tmp_path: Path):
    _spoil(model_copy, field, value)
    result = subprocess.run(
        [sys.executable, "-m", "hoverdoc.core.cli", "summarize", str(DEMO), "--model", str(model_copy)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("name", ["../outside.onnx", "/etc/passwd", "sub/dir.json", "..", "a\\b", ""])
def test_file_names_must_be_plain_names(model_copy: Path, name: str):
    data = json.loads((model_copy / "manifest.json").read_text())
    data["files"][name] = {"sha256": "0" * 64, "bytes": 1}
    (model_copy / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ModelDirError, match="plain name"):
        load_manifest(model_copy)


def test_a_model_file_linking_out_of_the_folder_is_refused(model_copy: Path, tmp_path: Path):
    outside = tmp_path / "outside.json"
    shutil.copyfile(model_copy / "tokenizer.json", outside)
    (model_copy / "tokenizer.json").unlink()
    os.symlink(outside, model_copy / "tokenizer.json")
    with pytest.raises(ModelDirError, match="link out of the model folder"):
        load_manifest(model_copy)


def test_a_model_file_that_is_a_fifo_is_refused(model_copy: Path):
    (model_copy / "tokenizer.json").unlink()
    os.mkfifo(model_copy / "tokenizer.json")
    with pytest.raises(ModelDirError, match="not a regular file"):
        load_manifest(model_copy)


def test_a_manifest_that_is_a_device_is_refused(tmp_path: Path):
    (tmp_path / "manifest.json").symlink_to("/dev/zero")
    with pytest.raises(ModelDirError):
        load_manifest(tmp_path)
