"""The model directory contract: ``manifest.json``, the ONNX graphs and ``tokenizer.json``.

Export writes it through ``write_manifest``; the server, ``summarize`` and ``eval`` read it through
``load_manifest``, which refuses anything incomplete, corrupt or of an unknown format with one line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import HoverdocError
from .model_input import check_input_format

MANIFEST = "manifest.json"
MANIFEST_FORMAT_VERSION = 1
ENCODER_FILE = "encoder_model.onnx"
DECODER_FILE = "decoder_model_merged.onnx"
TOKENIZER_FILE = "tokenizer.json"
REQUIRED_FILES = (ENCODER_FILE, DECODER_FILE, TOKENIZER_FILE)


class ModelDirError(HoverdocError):
    """A model directory that cannot be served."""


@dataclass
class Generation:
    """Decoding settings and the special token ids the decoder needs."""

    decoder_start_token_id: int
    eos_token_id: int
    pad_token_id: int
    max_length: int = 33  # tokens including the start token
    num_beams: int = 1
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0


@dataclass
class Manifest:
    """What ``manifest.json`` records about a served model."""

    name: str
    format_version: int
    input_format_version: int
    input_prefix: str
    max_source_tokens: int
    max_target_tokens: int
    generation: Generation
    files: dict[str, dict[str, Any]]  # name -> {"sha256": ..., "bytes": ...}
    base: dict[str, Any] = field(default_factory=dict)
    method: str | None = None
    adapter_digest: str | None = None
    data_digests: dict[str, str | None] = field(default_factory=dict)
    quantization: str = "none"
    parity: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    directory: Path | None = None

    @property
    def digest(self) -> str:
        """A digest of the model's files: the key that caches of its outputs are stored under."""
        hasher = hashlib.sha256()
        for name in sorted(self.files):
            hasher.update(name.encode())
            hasher.update(str(self.files[name].get("sha256")).encode())
        hasher.update(self.input_prefix.encode())
        hasher.update(json.dumps(asdict(self.generation), sort_keys=True).encode())
        return hasher.hexdigest()[:32]

    def path(self, name: str) -> Path:
        """Absolute path of one of the model's files."""
        assert self.directory is not None
        return self.directory / name

    def to_json(self) -> str:
        """Serialised form (without the directory)."""
        data = asdict(self)
        data.pop("directory")
        return json.dumps(data, indent=2) + "\n"


def sha256_file(path: Path) -> str:
    """sha256 of a file, read in chunks."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def file_entries(directory: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """The ``files`` table for a manifest."""
    return {
        name: {"sha256": sha256_file(directory / name), "bytes": (directory / name).stat().st_size}
        for name in names
    }


def write_manifest(manifest: Manifest, directory: Path) -> None:
    """Write ``manifest.json`` into ``directory``."""
    (directory / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")


def load_manifest(directory: str | Path, verify: str = "size") -> Manifest:
    """Read and check a model directory. ``verify`` is "size" (fast: every file present with its
    recorded size) or "sha256" (every file's checksum too)."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise ModelDirError(f"{directory}: model directory not found")
    path = directory / MANIFEST
    if not path.is_file():
        raise ModelDirError(f"{directory}: not a hoverdoc model directory (no {MANIFEST})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelDirError(f"{path}: unreadable manifest ({error})") from None
    if not isinstance(data, dict):
        raise ModelDirError(f"{path}: unreadable manifest (not a JSON object)")
    version = data.get("format_version")
    if version != MANIFEST_FORMAT_VERSION:
        raise ModelDirError(
            f"{path}: manifest format version {version!r} is not one this hoverdoc knows "
            f"({MANIFEST_FORMAT_VERSION}); re-export the model or upgrade hoverdoc"
        )
    try:
        check_input_format(data.get("input_format_version"))
    except ValueError as error:
        raise ModelDirError(f"{directory}: {error}") from None
    try:
        raw = data.pop("generation")
        generation = Generation(**{k: v for k, v in raw.items() if k in Generation.__dataclass_fields__})
        fields = {k: v for k, v in data.items() if k in Manifest.__dataclass_fields__}
        manifest = Manifest(generation=generation, **fields)
    except (TypeError, KeyError) as error:
        raise ModelDirError(f"{path}: incomplete manifest ({error})") from None
    manifest.directory = directory
    for name in REQUIRED_FILES:
        if name not in manifest.files:
            raise ModelDirError(f"{path}: lists no {name}")
    for name, entry in manifest.files.items():
        file = directory / name
        if not file.is_file():
            raise ModelDirError(f"{directory}: missing model file {name}")
        if file.stat().st_size != entry.get("bytes"):
            raise ModelDirError(
                f"{directory}: model file {name} is truncated or corrupt "
                f"({file.stat().st_size} bytes, manifest says {entry.get('bytes')})"
            )
        if verify == "sha256" and sha256_file(file) != entry.get("sha256"):
            raise ModelDirError(f"{directory}: model file {name} is corrupt (checksum mismatch)")
    return manifest
