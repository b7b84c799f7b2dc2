"""``hoverdoc train``: LoRA or full fine-tuning of a seq2seq model with the transformers Seq2SeqTrainer.

Runs unchanged under ``torchrun --nproc-per-node N`` or ``accelerate launch`` (DDP; gloo on CPU).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.summary import polish

from .config import TrainOptions, apply_overrides, from_dict, load_toml, parse_assignments, to_dict
from .data import PairsDataset, sample
from .modeling import (
    ModelSettings,
    RunInfo,
    check_seq2seq_config,
    count_parameters,
    decoder_start_id,
    file_digest,
    load_seq2seq,
    load_tokenizer,
    resolve_base_dir,
    weights_digest,
)

CHECKPOINTS = "checkpoints"


@dataclass
class TrainResult:
    """What a finished run reports."""

    run_dir: str
    method: str
    steps: int
    trainable_parameters: int
    total_parameters: int
    train_loss_first: float | None
    train_loss_last: float | None
    best_metric: float | None
    best_checkpoint: str | None
    seconds: float

    @property
    def trainable_fraction(self) -> float:
        """Trainable share of all parameters."""
        return self.trainable_parameters / max(1, self.total_parameters)


def options_from_args(args: argparse.Namespace) -> TrainOptions:
    """Options from a config file, then the flags, then ``--set`` overrides (later wins)."""
    options = TrainOptions()
    if args.resume and args.out and Path(args.out, "run.json").is_file():
        options = from_dict(RunInfo.load(args.out).options)
    if args.config:
        apply_overrides(options, load_toml(args.config), args.config)
    flags = {
        "data": args.data,
        "eval_data": args.eval_data,
        "base": args.base,
        "out": args.out,
        "method": args.method,
    }
    apply_overrides(options, {k: v for k, v in flags.items() if v is not None}, "command line")
    apply_overrides(options, parse_assignments(args.set), "--set")
    return options


def validate(options: TrainOptions, resume: bool) -> None:
    """Refuse incomplete or contradictory options with one clear line."""
    for name in ("data", "base", "out"):
        if not getattr(options, name):
            raise HoverdocError(f"--{name} is required")
    if options.method not in ("lora", "full"):
        raise HoverdocError(f"--method must be lora or full, not {options.method!r}")
    if options.metric_for_best not in ("bleu", "rougeL", "loss"):
        raise HoverdocError("metric_for_best must be bleu, rougeL or loss")
    out = Path(options.out)
    if out.exists() and not out.is_dir():
        raise HoverdocError(f"--out {out}: exists and is not a directory")
    if not resume and out.is_dir() and (out / "run.json").exists():
        raise HoverdocError(
            f"--out {out}: already holds a run; pass --resume to continue it or pick another folder"
        )
    if resume and not (out / "run.json").exists():
        raise HoverdocError(f"--resume: {out} holds no run to continue")


def last_complete_checkpoint(run_dir: Path) -> Path | None:
    """The newest checkpoint whose trainer state was fully written (a kill mid-save leaves none)."""
    folder = run_dir / CHECKPOINTS
    if not folder.is_dir():
        return None
    complete = []
    for candidate in folder.glob("checkpoint-*"):
        suffix = candidate.name.rsplit("-", 1)[-1]
        state = candidate / "trainer_state.json"
        if not suffix.isdigit() or not state.is_file():
            continue
        try:
            json.loads(state.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        complete.append((int(suffix), candidate))
    return max(complete)[1] if complete else None


def _resolve_settings(options: TrainOptions, base_dir: Path | None) -> ModelSettings:
    settings = (ModelSettings.load(base_dir) if base_dir else None) or ModelSettings()
    if options.max_source_tokens is not None:
        settings.max_source_tokens = options.max_source_tokens
    if options.max_target_tokens is not None:
        settings.max_target_tokens = options.max_target_tokens
    if options.input_prefix is not None:
        settings.input_prefix = options.input_prefix
    settings.num_beams = options.num_beams
    settings.no_repeat_ngram_size = options.no_repeat_ngram_size
    settings.repetition_penalty = options.repetition_penalty
    return settings


def _apply_lora(model, options: TrainOptions):
    from peft import LoraConfig, TaskType, get_peft_model

    targets = options.lora.target_modules
    config = LoraConfig(
        task_type=TaskType.SEQ_2_SEQ_LM,
        r=options.lora.r,
        lora_alpha=options.lora.alpha,
        lora_dropout=options.lora.dropout,
        target_modules=targets if isinstance(targets, str) else list(targets),
        bias=options.lora.bias,
    )
    try:
        return get_peft_model(model, config)
    except ValueError as error:
        raise HoverdocError(f"LoRA: {str(error).splitlines()[0]}") from None


def _metrics_function(tokenizer, codes: list[str]):
    import numpy as np

    from hoverdoc.core.metrics import bleu4, rouge_l

    def compute(prediction):
        ids = prediction.predictions
        if isinstance(ids, tuple):
            ids = ids[0]
        ids = np.where(ids < 0, tokenizer.pad_token_id, ids)
        labels = np.where(prediction.label_ids < 0, tokenizer.pad_token_id, prediction.label_ids)
        predictions = tokenizer.batch_decode(ids, skip_special_tokens=True)
        references = tokenizer.batch_decode(labels, skip_special_tokens=True)
        predictions = [polish(p, code) for p, code in zip(predictions, codes)]
        return {"bleu": bleu4(predictions, references), "rougeL": rouge_l(predictions, references)}

    return compute


def _write_metrics(run_dir: Path, log_history: list[dict], best_metric, best_checkpoint) -> None:
    history = [entry for entry in log_history]
    payload = {"history": history, "best": {"metric": best_metric, "checkpoint": best_checkpoint}}
    evals = [e for e in history if "eval_loss" in e]
    if evals:
        key = max(evals, key=lambda e: e.get("eval_bleu", -e["eval_loss"]))
        payload["best"].update({k.removeprefix("eval_"): v for k, v in key.items()})
    path = run_dir / "metrics.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def train(options: TrainOptions, resume: bool = False) -> TrainResult:
    """Fine-tune ``options.base`` on ``options.data`` into ``options.out``; resumable."""
    import time

    validate(options, resume)
    train_records = sample(read_pairs(options.data), options.max_train_samples, options.seed)
    eval_records = read_pairs(options.eval_data) if options.eval_data else []
    eval_records = sample(eval_records, options.eval_max_samples, options.seed)

    import torch
    from transformers import (
        DataCollatorForSeq2Seq,
        EarlyStoppingCallback,
        Seq2SeqTrainer,
        Seq2SeqTrainingArguments,
        TrainerCallback,
        set_seed,
    )

    if options.threads > 0:
        torch.set_num_threads(options.threads)
    run_dir = Path(options.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    set_seed(options.seed)

    check_seq2seq_config(options.base)  # a clear error before anything heavy is loaded
    base_dir = resolve_base_dir(options.base)
    tokenizer = load_tokenizer(options.base)
    model = load_seq2seq(options.base)
    base_dir = base_dir or resolve_base_dir(options.base)
    settings = _resolve_settings(options, base_dir)
    model.generation_config.max_length = settings.max_target_tokens + 1
    model.generation_config.num_beams = settings.num_beams
    model.generation_config.no_repeat_ngram_size = settings.no_repeat_ngram_size
    model.generation_config.repetition_penalty = settings.repetition_penalty
    start_id = decoder_start_id(model)
    train_set = PairsDataset(train_records, tokenizer, settings, start_id)
    eval_set = PairsDataset(eval_records, tokenizer, settings, start_id) if eval_records else None

    if options.method == "lora":
        model = _apply_lora(model, options)
    trainable, total = count_parameters(model)

    info = RunInfo(
        base=options.base,
        base_digest=weights_digest(base_dir) if base_dir else None,
        method=options.method,
        settings=asdict(settings),
        options=to_dict(options),
        data_digest=file_digest(options.data),
        eval_digest=file_digest(options.eval_data) if options.eval_data else None,
        trainable_parameters=trainable,
        total_parameters=total,
    )
    if resume:
        previous = RunInfo.load(run_dir)
        if previous.data_digest != info.data_digest:
            raise HoverdocError(f"--resume: {options.data} changed since the run started; start a new run")

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    use_cpu = options.device == "cpu" or (options.device == "auto" and not torch.cuda.is_available())
    if options.device == "cuda" and not torch.cuda.is_available():
        raise HoverdocError("--set device=cuda: no CUDA device is available")
    has_eval = eval_set is not None
    greater = options.metric_for_best != "loss"
    arguments = Seq2SeqTrainingArguments(
        output_dir=str(run_dir / CHECKPOINTS),
        logging_dir=str(run_dir / "logs"),
        report_to=["tensorboard"],
        num_train_epochs=options.epochs,
        max_steps=options.max_steps,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=max(options.batch_size, 16),
        gradient_accumulation_steps=options.grad_accum,
        learning_rate=options.resolved_learning_rate(),
        lr_scheduler_type=options.lr_scheduler,
        warmup_ratio=options.warmup_ratio,
        weight_decay=options.weight_decay,
        label_smoothing_factor=options.label_smoothing,
        logging_steps=options.logging_steps,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=options.eval_steps if has_eval else None,
        save_strategy="steps",
        save_steps=options.eval_steps,
        save_total_limit=options.save_total_limit,
        load_best_model_at_end=has_eval,
        metric_for_best_model=f"eval_{options.metric_for_best}" if has_eval else None,
        greater_is_better=greater if has_eval else None,
        predict_with_generate=has_eval,
        generation_max_length=settings.max_target_tokens + 1,
        generation_num_beams=settings.num_beams,
        seed=options.seed,
        data_seed=options.seed,
        use_cpu=use_cpu,
        ddp_backend="gloo" if (use_cpu and world_size > 1) else None,
        dataloader_pin_memory=not use_cpu,
        remove_unused_columns=False,
        group_by_length=True,
        save_safetensors=True,
        disable_tqdm=not sys.stderr.isatty(),
    )

    class MetricsFile(TrainerCallback):
        def on_evaluate(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                _write_metrics(run_dir, state.log_history, state.best_metric, state.best_model_checkpoint)

    callbacks = [MetricsFile()]
    if has_eval and options.early_stopping_patience > 0:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=options.early_stopping_patience))
    trainer = Seq2SeqTrainer(
        model=model,
        args=arguments,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        compute_metrics=_metrics_function(tokenizer, eval_set.codes) if has_eval else None,
        callbacks=callbacks,
    )
    if trainer.is_world_process_zero():
        info.save(run_dir)
        settings.save(run_dir)
        print(
            f"{options.method}: {trainable:,} trainable of {total:,} parameters "
            f"({100 * trainable / max(1, total):.2f}%); {len(train_set)} training pairs, "
            f"{len(eval_set) if eval_set else 0} eval pairs",
            file=sys.stderr,
        )
    checkpoint = last_complete_checkpoint(run_dir) if resume else None
    if resume and checkpoint is None:
        print("--resume: no complete checkpoint yet; starting from the beginning", file=sys.stderr)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)

    state = trainer.state
    losses = [e["loss"] for e in state.log_history if "loss" in e]
    if trainer.is_world_process_zero():
        final = trainer.model
        if options.method == "lora":
            final.save_pretrained(str(run_dir / "adapter"), safe_serialization=True)
        else:
            final.save_pretrained(str(run_dir / "model"), safe_serialization=True)
        tokenizer.save_pretrained(str(run_dir / "tokenizer"))
        _write_metrics(run_dir, state.log_history, state.best_metric, state.best_model_checkpoint)
        info.finished = True
        info.save(run_dir)
    return TrainResult(
        run_dir=str(run_dir),
        method=options.method,
        steps=state.global_step,
        trainable_parameters=trainable,
        total_parameters=total,
        train_loss_first=losses[0] if losses else None,
        train_loss_last=losses[-1] if losses else None,
        best_metric=state.best_metric,
        best_checkpoint=state.best_model_checkpoint,
        seconds=time.perf_counter() - started,
    )


def run(args: argparse.Namespace) -> int:
    """The ``hoverdoc train`` command."""
    if getattr(args, "options", False):
        from .config import describe

        print("\n".join(describe()))
        return 0
    options = options_from_args(args)
    result = train(options, resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        best = (
            f", best eval {options.metric_for_best} {result.best_metric:.2f}"
            if result.best_metric is not None and not math.isnan(result.best_metric)
            else ""
        )
        print(
            f"trained {result.steps} steps in {result.seconds:.0f}s; loss {result.train_loss_first} -> "
            f"{result.train_loss_last}{best}; run saved in {result.run_dir}",
            file=sys.stderr,
        )
    return 0
