"""Training options as dataclasses with help text, read from TOML and ``--set key=value`` overrides."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from hoverdoc.core.errors import HoverdocError


def _opt(default, help: str, **kwargs):
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help}, **kwargs)
    return field(default=default, metadata={"help": help}, **kwargs)


ALL_LINEAR = "all-linear"  # peft's keyword for every linear layer but the output head


@dataclass
class LoraOptions:
    """LoRA adapter settings (peft ``LoraConfig``)."""

    r: int = _opt(8, "rank of the update matrices")
    alpha: int = _opt(16, "scaling numerator: updates are scaled by alpha / r")
    dropout: float = _opt(0.05, "dropout on the LoRA input")
    target_modules: list[str] | str = _opt(
        ALL_LINEAR, "module names to adapt, or 'all-linear' for every linear layer but the output head"
    )
    bias: str = _opt("none", "which biases to train: none, all or lora_only")


@dataclass
class Ia3Options:
    """IA3 settings (peft ``IA3Config``): learned vectors that rescale keys, values and feed-forward
    activations, about 0.01% of the model's parameters; merged into the weights at export."""

    target_modules: list[str] | None = _opt(
        None, "modules whose activations are rescaled (default: peft's choice for the architecture)"
    )
    feedforward_modules: list[str] | None = _opt(
        None, "the feed-forward ones among them, rescaled on their input (default: peft's choice)"
    )


@dataclass
class PromptTuningOptions:
    """Prompt tuning settings (peft ``PromptTuningConfig``): a learned soft prompt before the
    encoder's input, the model frozen; exported as vocabulary rows the runtime prepends."""

    num_virtual_tokens: int = _opt(20, "length of the soft prompt in tokens")


ADAPTER_METHODS = ("lora", "ia3", "prompt-tuning")
METHODS = (*ADAPTER_METHODS, "full")


@dataclass
class TrainOptions:
    """Everything ``hoverdoc train`` needs; defaults suit LoRA on a laptop CPU."""

    data: str | None = _opt(None, "training pairs file (JSONL)")
    eval_data: str | None = _opt(
        None, "evaluation pairs file (JSONL); without it no metrics or early stopping"
    )
    param_data: str | None = _opt(
        None,
        "parameter-description records (JSONL from hoverdoc mine --params-out): the model learns to "
        "describe parameters and return values too, and its manifest lists both tasks",
    )
    max_param_samples: int | None = _opt(
        None, "use at most this many parameter-description records (a fixed random subset)"
    )
    base: str | None = _opt(None, "base model: Hugging Face hub id or local directory")
    out: str | None = _opt(None, "run directory")
    method: str = _opt(
        "lora",
        "lora (low-rank adapters on a frozen base), ia3 (learned activation scales on a frozen base), "
        "prompt-tuning (a learned soft prompt before the encoder input) or full (every weight trains)",
    )
    epochs: float = _opt(3.0, "passes over the training data")
    max_steps: int = _opt(-1, "stop after this many optimizer steps (overrides epochs when > 0)")
    batch_size: int = _opt(16, "examples per device per step")
    grad_accum: int = _opt(1, "steps to accumulate before each optimizer update")
    learning_rate: float | None = _opt(
        None, "peak learning rate (default: 1e-3 LoRA, 3e-3 IA3, 1e-2 prompt tuning, 2e-4 full)"
    )
    lr_scheduler: str = _opt(
        "linear", "learning-rate schedule (transformers name: linear, cosine, constant_with_warmup)"
    )
    warmup_ratio: float = _opt(0.05, "share of steps spent warming the learning rate up")
    weight_decay: float = _opt(0.01, "AdamW weight decay")
    label_smoothing: float = _opt(0.1, "label smoothing of the cross-entropy loss")
    max_source_tokens: int | None = _opt(
        None, "source length in tokens (default: the base's setting, else 128)"
    )
    max_target_tokens: int | None = _opt(
        None, "summary length in tokens (default: the base's setting, else 32)"
    )
    input_prefix: str | None = _opt(
        None, "text put before every input (default: the base's setting, else none)"
    )
    input_format_version: int | None = _opt(
        None,
        "model input format: 1 (the code alone) or 2 (the code after up to 3 exemplars, documented "
        "neighbours from the pair's own project); default: the base's setting, else 1",
    )
    no_exemplar_share: float = _opt(
        0.2, "input format 2: share of training pairs shown with no exemplars (fixed per seed; cold starts)"
    )
    bf16: str = _opt(
        "off",
        "bf16 mixed precision: on, off, or auto (on where the CPU has avx512_bf16 or AMX, or the GPU supports it)",
    )
    eval_steps: int = _opt(200, "evaluate (and checkpoint) every this many steps")
    save_total_limit: int = _opt(3, "checkpoints to keep (the best one is always kept)")
    eval_max_samples: int = _opt(500, "evaluate on at most this many pairs (a fixed random subset)")
    early_stopping_patience: int = _opt(5, "stop after this many evaluations without improvement (0: never)")
    metric_for_best: str = _opt("bleu", "eval metric that picks the best checkpoint: bleu, rougeL or loss")
    num_beams: int = _opt(1, "beam width for evaluation and the saved generation settings")
    no_repeat_ngram_size: int = _opt(3, "block repeated n-grams of this size when generating (0: off)")
    repetition_penalty: float = _opt(1.0, "penalise tokens already generated (transformers' rule; 1.0: off)")
    seed: int = _opt(42, "random seed for initialisation, data order and sampling")
    threads: int = _opt(0, "CPU threads for torch (0: the default)")
    logging_steps: int = _opt(20, "log the training loss every this many steps")
    max_train_samples: int | None = _opt(None, "use at most this many training pairs (a fixed random subset)")
    device: str = _opt("auto", "auto, cpu or cuda")
    lora: LoraOptions = field(default_factory=LoraOptions, metadata={"help": "LoRA settings"})
    ia3: Ia3Options = field(default_factory=Ia3Options, metadata={"help": "IA3 settings"})
    prompt: PromptTuningOptions = field(
        default_factory=PromptTuningOptions, metadata={"help": "prompt tuning settings"}
    )

    def resolved_learning_rate(self) -> float:
        """The learning rate, with the per-method default filled in."""
        if self.learning_rate is not None:
            return self.learning_rate
        return {"lora": 1e-3, "ia3": 3e-3, "prompt-tuning": 1e-2}.get(self.method, 2e-4)


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    """Convert a TOML or command-line value to the field's type."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if value is None or (isinstance(value, str) and value.lower() in ("none", "null") and type(None) in args):
        return None
    candidates = [a for a in args if a is not type(None)] if args else [annotation]
    if origin is list:
        candidates = [annotation]
    for candidate in candidates:
        try:
            if candidate is bool:
                if isinstance(value, bool):
                    return value
                if str(value).lower() in ("1", "true", "yes", "on"):
                    return True
                if str(value).lower() in ("0", "false", "no", "off"):
                    return False
                continue
            if typing.get_origin(candidate) is list:
                if isinstance(value, list):
                    return [str(v) for v in value]
                if isinstance(value, str):
                    return [v.strip() for v in value.split(",") if v.strip()]
                continue
            if candidate in (int, float):
                if isinstance(value, bool):
                    continue
                return candidate(value)
            if candidate is str:
                if isinstance(value, (list, dict)):
                    continue
                return str(value)
        except (TypeError, ValueError):
            continue
    raise HoverdocError(f"option {key}: {value!r} is not a valid {annotation}")


def apply_overrides(options: Any, values: dict[str, Any], where: str) -> None:
    """Set dataclass fields from a mapping (nested tables for nested dataclasses)."""
    names = {f.name: f for f in dataclasses.fields(options)}
    hints = typing.get_type_hints(type(options))
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in names:
            known = ", ".join(sorted(names))
            raise HoverdocError(f"{where}: unknown option {key!r} (known: {known})")
        current = getattr(options, name)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise HoverdocError(f"{where}: option {key!r} takes a table of settings")
            apply_overrides(current, value, f"{where} [{key}]")
        else:
            setattr(options, name, _coerce(value, hints[name], key))


def load_toml(path: str | Path) -> dict[str, Any]:
    """The options table of a TOML config file (a top-level [train] table is accepted too)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HoverdocError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as error:
        raise HoverdocError(f"{path}: not valid TOML ({error})") from None
    return data.get("train", data)


def nest_dotted(values: dict[str, Any]) -> dict[str, Any]:
    """``{"lora.r": 8, "epochs": 2}`` -> ``{"lora": {"r": 8}, "epochs": 2}`` (for ``apply_overrides``)."""
    result: dict[str, Any] = {}
    for key, value in values.items():
        target = result
        parts = key.strip().split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """``["lora.r=8", "epochs=2"]`` -> nested mapping."""
    for assignment in assignments:
        if "=" not in assignment:
            raise HoverdocError(f"--set {assignment!r}: expected KEY=VALUE")
    return nest_dotted(dict(assignment.split("=", 1) for assignment in assignments))


def to_dict(options: Any) -> dict[str, Any]:
    """The options as plain data (for run.json)."""
    return dataclasses.asdict(options)


def from_dict(data: dict[str, Any]) -> TrainOptions:
    """Options back from ``to_dict`` output."""
    options = TrainOptions()
    apply_overrides(options, data, "run.json")
    return options


def describe(options_type: type = TrainOptions, prefix: str = "") -> list[str]:
    """One help line per option, nested ones dotted (for ``--set`` documentation)."""
    lines = []
    for f in dataclasses.fields(options_type):
        if f.default_factory is not dataclasses.MISSING and dataclasses.is_dataclass(f.default_factory):
            lines.extend(describe(f.default_factory, prefix=f"{prefix}{f.name}."))
        else:
            lines.append(f"{prefix}{f.name}: {f.metadata.get('help', '')}")
    return lines


def retrain_epochs(n_train: int) -> float:
    """Epochs of ``retrain``'s fixed settings: three for a small codebase, two from 2,000 pairs."""
    return 3.0 if n_train < 2000 else 2.0
