"""Getting the PyTorch model to export: a LoRA run merged into its base, a full run, or a plain base."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoverdoc.core.errors import HoverdocError
from hoverdoc.training.checkpoints import pick_checkpoint
from hoverdoc.training.config import ADAPTER_METHODS
from hoverdoc.training.modeling import (
    ModelSettings,
    RunInfo,
    digest_files,
    load_seq2seq,
    load_tokenizer,
    resolve_base_dir,
    weights_digest,
)


@dataclass
class ExportSource:
    """A merged model ready to export, with what the manifest should say about it."""

    model: Any
    tokenizer: Any
    settings: ModelSettings
    base: dict[str, Any]
    method: str | None
    adapter_digest: str | None = None
    data_digests: dict[str, str | None] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    sample_paths: list[str] = field(default_factory=list)  # pairs files to draw parity inputs from


def fold_soft_prompt(adapted) -> tuple[Any, dict[str, int]]:
    """The base model of a prompt-tuning run with its soft prompt folded into the vocabulary: the
    prompt's vectors become new rows of the input embedding (divided by the model's embedding scale,
    which the lookup multiplies back), which the runtime puts before every encoder input. Returns the
    model and the manifest's ``soft_prompt``."""
    import torch

    prompt = adapted.get_prompt_embedding_to_save(adapter_name="default").detach()
    model = adapted.get_base_model()
    first = model.get_input_embeddings().weight.shape[0]
    scale = float(getattr(model.get_input_embeddings(), "embed_scale", 1.0) or 1.0)
    model.resize_token_embeddings(first + prompt.shape[0])
    with torch.no_grad():
        model.get_input_embeddings().weight[first:] = prompt.to(model.dtype) / scale
    return model, {"first_id": first, "tokens": int(prompt.shape[0])}


def from_run(run_dir: str | Path, checkpoint: str | None = None) -> ExportSource:
    """Load a run directory (final weights, or a checkpoint) and merge any adapter (LoRA, IA3)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise HoverdocError(f"{run_dir}: run directory not found")
    info = RunInfo.load(run_dir)
    chosen = pick_checkpoint(run_dir, checkpoint)
    settings = ModelSettings.load(run_dir)
    if settings is None:
        raise HoverdocError(
            f"{run_dir}: missing hoverdoc.json (input settings); was the run started by hoverdoc train?"
        )
    tokenizer_dir = run_dir / "tokenizer"
    if not (tokenizer_dir / "tokenizer.json").is_file():
        tokenizer_dir = chosen if chosen and (chosen / "tokenizer.json").is_file() else None
        if tokenizer_dir is None:
            raise HoverdocError(f"{run_dir}: missing tokenizer/tokenizer.json (did training finish?)")
    tokenizer = load_tokenizer(tokenizer_dir)
    if info.method in ADAPTER_METHODS:
        adapter_dir = chosen or run_dir / "adapter"
        weights = adapter_dir / "adapter_model.safetensors"
        if not weights.is_file():
            raise HoverdocError(f"{run_dir}: missing {weights.relative_to(run_dir)} (did training finish?)")
        from peft import PeftModel

        base_model = load_seq2seq(info.base)
        adapted = PeftModel.from_pretrained(base_model, str(adapter_dir))
        if info.method == "prompt-tuning":
            model, settings.soft_prompt = fold_soft_prompt(adapted)
        else:
            model = adapted.merge_and_unload()
        adapter_digest = digest_files([weights])
    else:
        model_dir = chosen or run_dir / "model"
        if not (model_dir / "model.safetensors").is_file():
            raise HoverdocError(
                f"{run_dir}: missing {model_dir.name}/model.safetensors (did training finish?)"
            )
        model = load_seq2seq(model_dir)
        adapter_digest = None
    metrics = {}
    metrics_file = run_dir / "metrics.json"
    if metrics_file.is_file():
        best = json.loads(metrics_file.read_text()).get("best", {})
        metrics = {k: best[k] for k in ("bleu", "rougeL", "loss") if k in best}
    samples = [p for p in (info.options.get("eval_data"), info.options.get("data")) if p]
    return ExportSource(
        model=model.eval(),
        tokenizer=tokenizer,
        settings=settings,
        base={"id": info.base, "digest": info.base_digest},
        method=info.method,
        adapter_digest=adapter_digest,
        data_digests={"train": info.data_digest, "eval": info.eval_digest},
        metrics=metrics,
        sample_paths=samples,
    )


def from_base(base: str) -> ExportSource:
    """A plain base model (hub id or directory), served as it is."""
    model = load_seq2seq(base)
    tokenizer = load_tokenizer(base)
    base_dir = resolve_base_dir(base)
    settings = (ModelSettings.load(base_dir) if base_dir else None) or ModelSettings()
    return ExportSource(
        model=model.eval(),
        tokenizer=tokenizer,
        settings=settings,
        base={"id": base, "digest": weights_digest(base_dir) if base_dir else None},
        method=None,
    )
