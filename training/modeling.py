"""Loading base models and run directories: the one place training and export get a model from."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.model_input import (
    DEFAULT_MAX_SOURCE_TOKENS,
    DEFAULT_MAX_TARGET_TOKENS,
    INPUT_FORMAT_VERSION,
    SUMMARY_TASK,
    check_input_format,
)
from hoverdoc.core.version import package_version

if TYPE_CHECKING:
    import torch
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerFast

# Written beside a model's weights: how inputs were formatted when it was trained.
SETTINGS_FILE = "hoverdoc.json"


@dataclass
class ModelSettings:
    """How a model expects its inputs and how it should generate."""

    input_format_version: int = INPUT_FORMAT_VERSION
    input_prefix: str = ""
    max_source_tokens: int = DEFAULT_MAX_SOURCE_TOKENS
    max_target_tokens: int = DEFAULT_MAX_TARGET_TOKENS
    num_beams: int = 1
    no_repeat_ngram_size: int = 3
    repetition_penalty: float = 1.0
    tasks: list[str] = field(default_factory=lambda: [SUMMARY_TASK])
    soft_prompt: dict[str, int] | None = None  # set at export when a prompt-tuning run is folded in
    extra: dict[str, Any] = field(default_factory=dict)

    def override_decoding(
        self, num_beams: int | None = None, repetition_penalty: float | None = None
    ) -> None:
        """Replace the decoding settings that are given (an export may serve other ones than training used)."""
        if num_beams is not None:
            self.num_beams = num_beams
        if repetition_penalty is not None:
            self.repetition_penalty = repetition_penalty

    def save(self, directory: str | Path) -> None:
        """Write ``hoverdoc.json`` into ``directory``."""
        Path(directory, SETTINGS_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> ModelSettings | None:
        """Settings from ``directory/hoverdoc.json``, or None when the model has none."""
        path = Path(directory, SETTINGS_FILE)
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        settings = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        check_input_format(settings.input_format_version)
        return settings


def is_local(base: str) -> bool:
    """Whether ``base`` names a local directory rather than a hub id."""
    return Path(base).expanduser().is_dir()


def resolve_base_dir(base: str) -> Path | None:
    """The local directory holding ``base``'s files: the directory itself, or the hub cache snapshot."""
    if is_local(base):
        return Path(base).expanduser().resolve()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(base, local_files_only=True))
    except (ImportError, OSError, ValueError):  # not cached (LocalEntryNotFoundError), or not a hub id
        return None


def digest_files(paths: list[Path]) -> str:
    """sha256 over the files' names and contents, in name order."""
    hasher = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        hasher.update(path.name.encode())
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(chunk)
    return hasher.hexdigest()


def file_digest(path: str | Path) -> str:
    """sha256 of one file."""
    return digest_files([Path(path)])


def weights_digest(directory: Path) -> str | None:
    """Digest of a model directory's weight files."""
    weights = [p for p in directory.iterdir() if p.suffix in (".safetensors", ".bin") and p.is_file()]
    return digest_files(weights) if weights else None


def check_seq2seq_config(base: str) -> PretrainedConfig:
    """The base's transformers config, or a clear error when it can't be had or isn't seq2seq."""
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES

    try:
        config = AutoConfig.from_pretrained(base)
    except OSError as error:
        if is_local(base):
            raise HoverdocError(f"{base}: not a model directory (no usable config.json)") from None
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        raise HoverdocError(
            f"cannot load base model {base!r}: not a local directory, and the Hugging Face hub "
            + (
                "is switched off (HF_HUB_OFFLINE=1)"
                if offline
                else "could not be reached or has no such model"
            )
            + f" ({str(error).splitlines()[0][:120]})"
        ) from None
    except ValueError as error:
        raise HoverdocError(f"cannot load base model {base!r}: {str(error).splitlines()[0]}") from None
    if config.model_type not in MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES or not getattr(
        config, "is_encoder_decoder", False
    ):
        raise HoverdocError(
            f"base model {base!r} is a {config.model_type!r} model, not a sequence-to-sequence "
            "(encoder-decoder) model such as T5 or BART"
        )
    return config


def load_tokenizer(source: str | Path) -> PreTrainedTokenizerFast:
    """The fast (``tokenizers``-backed) tokenizer of a model; slow-only tokenizers are refused."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), use_fast=True)
    except Exception as error:  # noqa: BLE001 - transformers raises many kinds for unusable folders
        raise HoverdocError(f"cannot load a tokenizer from {source}: {str(error).splitlines()[0]}") from None
    if not getattr(tokenizer, "is_fast", False):
        raise HoverdocError(f"{source}: has no fast tokenizer (tokenizer.json); hoverdoc serves only those")
    return tokenizer


def load_seq2seq(source: str | Path, dtype: torch.dtype | None = None) -> PreTrainedModel:
    """A seq2seq model from a hub id or directory, preferring safetensors."""
    from transformers import AutoModelForSeq2SeqLM

    check_seq2seq_config(str(source))
    import torch

    try:
        return AutoModelForSeq2SeqLM.from_pretrained(str(source), dtype=dtype or torch.float32)
    except (OSError, ValueError) as error:
        raise HoverdocError(
            f"cannot load model weights from {source}: {str(error).splitlines()[0]}"
        ) from None


def decoder_start_id(model: PreTrainedModel) -> int:
    """The token the decoder starts from."""
    config = model.config
    start = getattr(config, "decoder_start_token_id", None)
    if start is None:
        start = getattr(model.generation_config, "decoder_start_token_id", None)
    if start is None:
        start = config.pad_token_id
    return int(start)


def count_parameters(model: torch.nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts; shared tensors counted once."""
    seen: set[int] = set()
    trainable = total = 0
    for parameter in model.parameters():
        if id(parameter) in seen:
            continue
        seen.add(id(parameter))
        total += parameter.numel()
        if parameter.requires_grad:
            trainable += parameter.numel()
    return trainable, total


@dataclass
class RunInfo:
    """What ``run.json`` in a run directory records."""

    base: str
    base_digest: str | None
    method: str
    settings: dict[str, Any]
    options: dict[str, Any]
    data_digest: str | None
    eval_digest: str | None
    trainable_parameters: int = 0
    total_parameters: int = 0
    finished: bool = False
    hoverdoc_version: str = field(default_factory=lambda: package_version())

    def save(self, run_dir: str | Path) -> None:
        """Write ``run.json`` atomically."""
        path = Path(run_dir, "run.json")
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, run_dir: str | Path) -> RunInfo:
        """Read ``run.json``; a missing or broken file is a clear error."""
        path = Path(run_dir, "run.json")
        if not path.is_file():
            raise HoverdocError(f"{run_dir}: not a run directory (no run.json)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (json.JSONDecodeError, TypeError) as error:
            raise HoverdocError(f"{path}: unreadable ({error})") from None
