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
from .model_input import KNOWN_TASKS, SUMMARY_TASK, check_input_format
from .sources import atomic_write_text, is_regular_file, read_regular_file

MANIFEST = "manifest.json"
MANIFEST_FORMAT_VERSION = 1
ENCODER_FILE = "encoder_model.onnx"
DECODER_FILE = "decoder_model_merged.onnx"
TOKENIZER_FILE = "tokenizer.json"
REQUIRED_FILES = (ENCODER_FILE, DECODER_FILE, TOKENIZER_FILE)
# how far onnxruntime optimized the graphs before they were saved ("none": the runtime does it all)
GRAPH_OPTIMIZATIONS = ("none", "extended")
DEFINITION_KINDS = ("function", "method", "class")


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
    # v2 models: a workspace neighbour at least this similar (0..1) is quoted instead of generating;
    # chosen on the dev split, where it beats both copying always and generating always
    copy_similarity: float | None = None
    # inputs are cut to this many tokens when served (None: max_source_tokens, the trained length);
    # chosen on the dev split: the shortest length that keeps dev quality, for faster hovers
    served_source_tokens: int | None = None
    # what the model was trained to write: "summary" always, "param" when it also describes
    # parameters and return values (see hoverdoc.core.model_input.format_param_input)
    tasks: list[str] = field(default_factory=lambda: [SUMMARY_TASK])
    # prompt tuning: the learned prompt's vectors are vocabulary rows first_id .. first_id+tokens-1,
    # which the runtime puts before every encoder input and never generates
    soft_prompt: dict[str, int] | None = None
    # "extended": the graphs were saved already optimized by onnxruntime (its extended level: fusions
    # into its own CPU operators, no hardware-specific layouts), so the runtime loads them without
    # optimizing again (the bundled model: 0.27 s instead of 0.73 s)
    graph_optimization: str = "none"
    # definition kinds whose summary is the one built from their name (hoverdoc.core.fallback), not
    # the model's: chosen on the dev split, where the name-based summary scored higher for them (the
    # bundled model's class summaries); a neighbour above copy_similarity is still quoted first
    name_summary_kinds: list[str] = field(default_factory=list)
    directory: Path | None = None

    def knows(self, task: str) -> bool:
        """Whether the model was trained on ``task``."""
        return task in self.tasks

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
    atomic_write_text(directory / MANIFEST, manifest.to_json())


MAX_MANIFEST_BYTES = 1_000_000

_INT = "an integer"
_STR = "a string"
_DICT = "an object"
# field -> (check, what it must be); checked before anything else reads the manifest
_MANIFEST_FIELDS: dict[str, tuple[Any, str]] = {
    "name": (lambda v: isinstance(v, str), _STR),
    "input_prefix": (lambda v: isinstance(v, str), _STR),
    "max_source_tokens": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "max_target_tokens": (lambda v: _is_int(v) and v > 0, "a positive integer"),
    "generation": (lambda v: isinstance(v, dict), _DICT),
    "files": (lambda v: isinstance(v, dict), _DICT),
    "base": (lambda v: isinstance(v, dict), _DICT),
    "method": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "adapter_digest": (lambda v: v is None or isinstance(v, str), "a string or null"),
    "data_digests": (lambda v: isinstance(v, dict), _DICT),
    "quantization": (lambda v: isinstance(v, str), _STR),
    "parity": (lambda v: isinstance(v, dict), _DICT),
    "metrics": (lambda v: isinstance(v, dict), _DICT),
    "created": (lambda v: isinstance(v, str), _STR),
    "copy_similarity": (
        lambda v: v is None or (_is_number(v) and 0 <= v <= 1),
        "a number from 0 to 1 or null",
    ),
    "served_source_tokens": (lambda v: v is None or (_is_int(v) and v > 0), "a positive integer or null"),
    "soft_prompt": (
        lambda v: (
            v is None
            or (isinstance(v, dict) and all(_is_int(v.get(k)) and v[k] >= 0 for k in ("first_id", "tokens")))
        ),
        "null or an object with non-negative integers first_id and tokens",
    ),
    "graph_optimization": (lambda v: v in GRAPH_OPTIMIZATIONS, f"one of {', '.join(GRAPH_OPTIMIZATIONS)}"),
    "name_summary_kinds": (
        lambda v: isinstance(v, list) and all(k in DEFINITION_KINDS for k in v),
        f"a list of definition kinds ({', '.join(DEFINITION_KINDS)})",
    ),
    "tasks": (
        lambda v: isinstance(v, list) and SUMMARY_TASK in v and all(t in KNOWN_TASKS for t in v),
        f"a list of tasks ({', '.join(KNOWN_TASKS)}) that includes {SUMMARY_TASK!r}",
    ),
}
_REQUIRED_FIELDS = ("name", "input_prefix", "max_source_tokens", "max_target_tokens", "generation", "files")
_GENERATION_FIELDS: dict[str, tuple[Any, str]] = {
    "decoder_start_token_id": (lambda v: _is_int(v) and v >= 0, "a non-negative integer"),
    "eos_token_id": (lambda v: _is_int(v) and v >= 0, "a non-negative integer"),
    "pad_token_id": (lambda v: _is_int(v) and v >= 0, "a non-negative integer"),
    "max_length": (lambda v: _is_int(v) and v >= 2, "an integer of at least 2"),
    "num_beams": (lambda v: _is_int(v) and v >= 1, "a positive integer"),
    "no_repeat_ngram_size": (lambda v: _is_int(v) and v >= 0, "a non-negative integer"),
    "repetition_penalty": (lambda v: _is_number(v) and v > 0, "a positive number"),
}
_REQUIRED_GENERATION = ("decoder_start_token_id", "eos_token_id", "pad_token_id")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _check_fields(
    data: dict, spec: dict[str, tuple[Any, str]], required: tuple[str, ...], where: str
) -> None:
    for key in required:
        if key not in data:
            raise ModelDirError(f"{where}: incomplete manifest (no {key!r})")
    for key, (valid, expected) in spec.items():
        if key in data and not valid(data[key]):
            raise ModelDirError(f"{where}: manifest field {key!r} must be {expected}, not {data[key]!r:.60}")


def _check_file_entries(files: dict, where: str) -> None:
    for name, entry in files.items():
        if not is_plain_file_name(name):
            raise ModelDirError(
                f"{where}: manifest file name {name!r} is not a plain name in the model folder"
            )
        if not isinstance(entry, dict):
            raise ModelDirError(f"{where}: manifest entry files[{name!r}] must be an object")
        if not _is_int(entry.get("bytes")) or entry["bytes"] < 0:
            raise ModelDirError(
                f"{where}: manifest field files[{name!r}].bytes must be a non-negative integer"
            )
        if not isinstance(entry.get("sha256"), str):
            raise ModelDirError(f"{where}: manifest field files[{name!r}].sha256 must be a string")


def is_plain_file_name(name: object) -> bool:
    """Whether ``name`` names a file directly inside a folder (no separators, no ``..``)."""
    return (
        isinstance(name, str)
        and name not in ("", ".", "..")
        and not any(character in name for character in "/\\\0")
        and name == name.strip()
    )


def validate_manifest_data(data: Any, where: str = MANIFEST) -> None:
    """Check every field of a parsed ``manifest.json`` for presence and type; one-line
    ``ModelDirError`` naming the first bad field."""
    if not isinstance(data, dict):
        raise ModelDirError(f"{where}: unreadable manifest (not a JSON object)")
    version = data.get("format_version")
    if version != MANIFEST_FORMAT_VERSION or isinstance(version, bool):
        raise ModelDirError(
            f"{where}: manifest format version {version!r:.40} is not one this hoverdoc knows "
            f"({MANIFEST_FORMAT_VERSION}); re-export the model or upgrade hoverdoc"
        )
    if not _is_int(data.get("input_format_version")):
        raise ModelDirError(f"{where}: manifest field 'input_format_version' must be {_INT}")
    try:
        check_input_format(data.get("input_format_version"))
    except ValueError as error:
        raise ModelDirError(f"{where}: {error}") from None
    _check_fields(data, _MANIFEST_FIELDS, _REQUIRED_FIELDS, where)
    _check_fields(data["generation"], _GENERATION_FIELDS, _REQUIRED_GENERATION, f"{where}: generation")
    _check_file_entries(data["files"], where)


def _read_manifest_data(directory: Path) -> Any:
    path = directory / MANIFEST
    if not path.is_file():
        raise ModelDirError(f"{directory}: not a hoverdoc model directory (no {MANIFEST})")
    try:
        text = read_regular_file(path, MAX_MANIFEST_BYTES).decode("utf-8")
        return json.loads(text)
    except HoverdocError as error:
        raise ModelDirError(str(error)) from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ModelDirError(f"{path}: unreadable manifest ({error})") from None


def _check_model_file(directory: Path, name: str, entry: dict, verify: str) -> None:
    file = directory / name
    if file.is_symlink() and file.resolve().parent != directory.resolve():
        raise ModelDirError(f"{directory}: model file {name} is a link out of the model folder")
    if not file.exists():
        raise ModelDirError(f"{directory}: missing model file {name}")
    if not is_regular_file(file):
        raise ModelDirError(f"{directory}: model file {name} is not a regular file")
    size = file.stat().st_size
    if size != entry["bytes"]:
        raise ModelDirError(
            f"{directory}: model file {name} is truncated or corrupt ({size} bytes, manifest says {entry['bytes']})"
        )
    if verify == "sha256" and sha256_file(file) != entry["sha256"]:
        raise ModelDirError(f"{directory}: model file {name} is corrupt (checksum mismatch)")


def load_manifest(directory: str | Path, verify: str = "size") -> Manifest:
    """Read and check a model directory. ``verify`` is "size" (fast: every file present with its
    recorded size) or "sha256" (every file's checksum too). Every field is type-checked; files must
    be regular files named plainly inside the directory."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise ModelDirError(f"{directory}: model directory not found")
    data = _read_manifest_data(directory)
    validate_manifest_data(data, str(directory / MANIFEST))
    raw = data.pop("generation")
    generation = Generation(**{k: v for k, v in raw.items() if k in Generation.__dataclass_fields__})
    fields = {k: v for k, v in data.items() if k in Manifest.__dataclass_fields__ and k != "directory"}
    manifest = Manifest(generation=generation, **fields)
    manifest.directory = directory
    for name in REQUIRED_FILES:
        if name not in manifest.files:
            raise ModelDirError(f"{directory / MANIFEST}: lists no {name}")
    for name, entry in manifest.files.items():
        _check_model_file(directory, name, entry, verify)
    return manifest
