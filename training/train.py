"""``hoverdoc train``: LoRA or full fine-tuning of a seq2seq model with the transformers Seq2SeqTrainer.

Runs unchanged under ``torchrun --nproc-per-node N`` or ``accelerate launch`` (DDP; gloo on CPU).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import typing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.model_input import PARAM_TASK, check_input_format
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.summary import polish

from .checkpoints import CHECKPOINTS, checkpoint_step, last_complete_checkpoint
from .config import (
    ADAPTER_METHODS,
    ALL_LINEAR,
    METHODS,
    TrainOptions,
    apply_overrides,
    from_dict,
    load_toml,
    parse_assignments,
    to_dict,
)
from .data import (
    PARAM_FIELDS,
    PairRecord,
    PairsDataset,
    drop_exemplars,
    param_pairs,
    sample,
    uses_exemplars,
    with_exemplars,
)
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
    best_scores: dict[str, float] = field(default_factory=dict)  # the best checkpoint's evaluation

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
    if options.method not in METHODS:
        raise HoverdocError(f"--method must be one of {', '.join(METHODS)}, not {options.method!r}")
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


def _resolve_settings(options: TrainOptions, base_dir: Path | None) -> ModelSettings:
    """The base's settings (its ``hoverdoc.json``), with what the options set on top."""
    settings = (ModelSettings.load(base_dir) if base_dir else None) or ModelSettings()
    if settings.soft_prompt:
        raise HoverdocError(
            f"{options.base}: its soft prompt is folded into the vocabulary (a prompt-tuned export); "
            "train from the model it was tuned from"
        )
    if options.max_source_tokens is not None:
        settings.max_source_tokens = options.max_source_tokens
    if options.max_target_tokens is not None:
        settings.max_target_tokens = options.max_target_tokens
    if options.input_prefix is not None:
        settings.input_prefix = options.input_prefix
    if options.input_format_version is not None:
        try:
            check_input_format(options.input_format_version)
        except ValueError as error:
            raise HoverdocError(f"input_format_version: {error}") from None
        settings.input_format_version = options.input_format_version
    settings.num_beams = options.num_beams
    settings.no_repeat_ngram_size = options.no_repeat_ngram_size
    settings.repetition_penalty = options.repetition_penalty
    return settings


def _apply_adapter(model, options: TrainOptions):
    """The base wrapped in the method's peft adapter (LoRA, IA3 or a soft prompt), the base frozen."""
    from peft import IA3Config, LoraConfig, PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model

    if options.method == "prompt-tuning":
        config = PromptTuningConfig(
            task_type=TaskType.SEQ_2_SEQ_LM,
            num_virtual_tokens=options.prompt.num_virtual_tokens,
            num_transformer_submodules=1,  # the encoder's input only
            prompt_tuning_init=PromptTuningInit.SAMPLE_VOCAB,  # start from real token vectors
        )
    elif options.method == "ia3":
        ia3 = options.ia3
        config = IA3Config(
            task_type=TaskType.SEQ_2_SEQ_LM,
            target_modules=list(ia3.target_modules) if ia3.target_modules else None,
            feedforward_modules=list(ia3.feedforward_modules) if ia3.feedforward_modules else None,
        )
    else:
        targets = options.lora.target_modules
        if not isinstance(targets, str) and list(targets) == [ALL_LINEAR]:
            # peft's keyword, not a module name, as ``--set lora.target_modules=all-linear`` gives it
            targets = ALL_LINEAR
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
    except (ValueError, KeyError) as error:
        raise HoverdocError(f"{options.method}: {str(error).splitlines()[0]}") from None


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


def best_evaluation(log_history: list[dict], best_checkpoint: str | None) -> dict[str, float]:
    """The scores (``bleu``, ``rougeL``, ``loss``, ``step``...) of the evaluation that picked
    ``best_checkpoint`` (its last one at that step); empty when there is none."""
    step = checkpoint_step(Path(best_checkpoint)) if best_checkpoint else None
    if step is None:
        return {}
    at_step = [e for e in log_history if "eval_loss" in e and e.get("step") == step]
    return {k.removeprefix("eval_"): v for k, v in at_step[-1].items()} if at_step else {}


def _write_metrics(run_dir: Path, log_history: list[dict], best_metric, best_checkpoint) -> None:
    history = list(log_history)
    payload = {"history": history, "best": {"metric": best_metric, "checkpoint": best_checkpoint}}
    payload["best"].update(best_evaluation(history, best_checkpoint))
    path = run_dir / "metrics.json"
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


@dataclass
class _Loaded:
    """The base model, its tokenizer and folder, and the settings this run trains with."""

    model: Any
    tokenizer: Any
    base_dir: Path | None
    settings: ModelSettings


def _load_base(options: TrainOptions, base_dir: Path | None, settings: ModelSettings) -> _Loaded:
    """Tokenizer and model of the base; the saved generation settings follow the options."""
    check_seq2seq_config(options.base)  # a clear error before anything heavy is loaded
    tokenizer = load_tokenizer(options.base)
    model = load_seq2seq(options.base)
    if base_dir is None:  # a hub model fetched just now
        base_dir = resolve_base_dir(options.base)
        settings = _resolve_settings(options, base_dir)
    model.generation_config.max_length = settings.max_target_tokens + 1
    model.generation_config.num_beams = settings.num_beams
    model.generation_config.no_repeat_ngram_size = settings.no_repeat_ngram_size
    model.generation_config.repetition_penalty = settings.repetition_penalty
    return _Loaded(model, tokenizer, base_dir, settings)


class _Records(typing.NamedTuple):
    """The records a run reads: summary pairs to train and evaluate on, parameter-description pairs."""

    train: list[PairRecord]
    eval: list[PairRecord]
    params: list[PairRecord]


def _read_records(options: TrainOptions) -> _Records:
    """The records as the files hold them (a bad file is a one-line error)."""
    train_records: list[PairRecord] = read_pairs(options.data)  # type: ignore[assignment]
    eval_records: list[PairRecord] = read_pairs(options.eval_data) if options.eval_data else []  # type: ignore[assignment]
    params = param_pairs(read_pairs(options.param_data, PARAM_FIELDS)) if options.param_data else []
    return _Records(train_records, eval_records, params)


def _prepare_records(
    records: _Records, options: TrainOptions, settings: ModelSettings
) -> tuple[list[PairRecord], list[PairRecord]]:
    """The sampled (training, evaluation) records; for a v2 model each summary pair with its
    exemplars, retrieved within each file separately before sampling, and a fixed share of training
    pairs without them. Parameter-description pairs join the training records; evaluation (and so
    the best checkpoint) stays on summaries."""
    train_records, eval_records = records.train, records.eval
    if uses_exemplars(settings):
        train_records = with_exemplars(train_records)
        eval_records = with_exemplars(eval_records) if eval_records else []
    train_records = sample(train_records, options.max_train_samples, options.seed)
    eval_records = sample(eval_records, options.eval_max_samples, options.seed)
    if uses_exemplars(settings):
        drop_exemplars(train_records, options.no_exemplar_share, options.seed)
    params = sample(records.params, options.max_param_samples, options.seed)
    return train_records + params, eval_records


def _run_info(options: TrainOptions, loaded: _Loaded, model, resume: bool) -> RunInfo:
    """What ``run.json`` records; a resumed run must train on the same data."""
    trainable, total = count_parameters(model)
    info = RunInfo(
        base=options.base,
        base_digest=weights_digest(loaded.base_dir) if loaded.base_dir else None,
        method=options.method,
        settings=asdict(loaded.settings),
        options=to_dict(options),
        data_digest=file_digest(options.data),
        eval_digest=file_digest(options.eval_data) if options.eval_data else None,
        trainable_parameters=trainable,
        total_parameters=total,
    )
    if resume and RunInfo.load(options.out).data_digest != info.data_digest:
        raise HoverdocError(f"--resume: {options.data} changed since the run started; start a new run")
    return info


def _training_arguments(options: TrainOptions, settings: ModelSettings, run_dir: Path, has_eval: bool):
    """The Seq2SeqTrainer's arguments: schedule, evaluation and checkpoints, device."""
    import torch
    from transformers import Seq2SeqTrainingArguments

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if options.device == "cuda" and not torch.cuda.is_available():
        raise HoverdocError("--set device=cuda: no CUDA device is available")
    use_cpu = options.device == "cpu" or (options.device == "auto" and not torch.cuda.is_available())
    return Seq2SeqTrainingArguments(
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
        # transformers 4.57's label smoother cannot name a peft prompt-learning model (it looks for
        # base_model.model): prompt tuning takes the model's own loss, unsmoothed
        label_smoothing_factor=0.0 if options.method == "prompt-tuning" else options.label_smoothing,
        logging_steps=options.logging_steps,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=options.eval_steps if has_eval else None,
        save_strategy="steps",
        save_steps=options.eval_steps,
        save_total_limit=options.save_total_limit,
        load_best_model_at_end=has_eval,
        metric_for_best_model=f"eval_{options.metric_for_best}" if has_eval else None,
        greater_is_better=(options.metric_for_best != "loss") if has_eval else None,
        predict_with_generate=has_eval,
        generation_max_length=settings.max_target_tokens + 1,
        generation_num_beams=settings.num_beams,
        seed=options.seed,
        data_seed=options.seed,
        use_cpu=use_cpu,
        bf16=use_bf16(options.bf16, use_cpu),
        ddp_backend="gloo" if (use_cpu and world_size > 1) else None,
        dataloader_pin_memory=not use_cpu,
        remove_unused_columns=False,
        group_by_length=True,
        save_safetensors=True,
        disable_tqdm=not sys.stderr.isatty(),
    )


def cpu_has_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU computes bf16 natively (avx512_bf16 or AMX), where bf16 autocast pays."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
    flags = set(cpuinfo.split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def use_bf16(setting: str, use_cpu: bool) -> bool:
    """Resolve the ``bf16`` option: "on", "off" or "auto" (the hardware decides)."""
    if setting not in ("on", "off", "auto"):
        raise HoverdocError(f"bf16 must be on, off or auto, not {setting!r}")
    if setting != "auto":
        return setting == "on"
    if use_cpu:
        return cpu_has_bf16()
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def _trainer(
    options: TrainOptions,
    model,
    tokenizer,
    datasets: tuple,
    arguments,
    run_dir: Path,
    extra: list | None = None,
):
    """The Seq2SeqTrainer, with metrics.json written after each evaluation, early stopping and the
    caller's ``extra`` callbacks."""
    from transformers import DataCollatorForSeq2Seq, EarlyStoppingCallback, Seq2SeqTrainer, TrainerCallback

    train_set, eval_set = datasets

    class MetricsFile(TrainerCallback):
        def on_evaluate(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                _write_metrics(run_dir, state.log_history, state.best_metric, state.best_model_checkpoint)

    callbacks = [MetricsFile(), *(extra or [])]
    if eval_set is not None and options.early_stopping_patience > 0:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=options.early_stopping_patience))
    return Seq2SeqTrainer(
        model=model,
        args=arguments,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        compute_metrics=_metrics_function(tokenizer, eval_set.codes) if eval_set is not None else None,
        callbacks=callbacks,
    )


def _announce(options: TrainOptions, info: RunInfo, datasets: tuple, settings: ModelSettings) -> None:
    train_set, eval_set = datasets
    trainable, total = info.trainable_parameters, info.total_parameters
    shown = ""
    if uses_exemplars(settings):
        with_some = sum(1 for r in train_set.records if r.get("exemplars"))
        shown = f"; input format 2, {with_some} of them with exemplars"
    print(
        f"{options.method}: {trainable:,} trainable of {total:,} parameters "
        f"({100 * trainable / max(1, total):.2f}%); {len(train_set)} training pairs{shown}, "
        f"{len(eval_set) if eval_set else 0} eval pairs",
        file=sys.stderr,
    )


def _fit(trainer, run_dir: Path, resume: bool) -> None:
    """Train, from the last complete checkpoint when resuming."""
    checkpoint = last_complete_checkpoint(run_dir) if resume else None
    if resume and checkpoint is None:
        print("--resume: no complete checkpoint yet; starting from the beginning", file=sys.stderr)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)


def _save_outputs(trainer, options: TrainOptions, tokenizer, info: RunInfo, run_dir: Path) -> None:
    """The final (best) weights or adapter, the tokenizer, metrics.json and a finished run.json."""
    state = trainer.state
    folder = "adapter" if options.method in ADAPTER_METHODS else "model"
    trainer.model.save_pretrained(str(run_dir / folder), safe_serialization=True)
    tokenizer.save_pretrained(str(run_dir / "tokenizer"))
    _write_metrics(run_dir, state.log_history, state.best_metric, state.best_model_checkpoint)
    info.finished = True
    info.save(run_dir)


def _leave_process_group() -> None:
    """Under torchrun, wait for every rank (rank 0 is still saving) and tear the process group down.

    A rank that exits with the gloo group alive can abort (SIGABRT) while the interpreter finalizes:
    gloo's worker threads still hold tensors whose release needs the GIL (pytorch/pytorch#179291).
    """
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def train(options: TrainOptions, resume: bool = False, callbacks: list | None = None) -> TrainResult:
    """Fine-tune ``options.base`` on ``options.data`` into ``options.out``; resumable. ``callbacks``
    (transformers ``TrainerCallback``s) watch the run, e.g. a hyperparameter search's pruning."""
    validate(options, resume)
    started = time.perf_counter()
    raw = _read_records(options)
    base_dir = resolve_base_dir(options.base)
    settings = _resolve_settings(options, base_dir)

    import torch
    from transformers import set_seed

    if options.threads > 0:
        torch.set_num_threads(options.threads)
    run_dir = Path(options.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    set_seed(options.seed)
    loaded = _load_base(options, base_dir, settings)
    if raw.params and PARAM_TASK not in loaded.settings.tasks:
        loaded.settings.tasks = [*loaded.settings.tasks, PARAM_TASK]
    records = _prepare_records(raw, options, loaded.settings)
    start_id = decoder_start_id(loaded.model)
    reserved = options.prompt.num_virtual_tokens if options.method == "prompt-tuning" else 0
    train_set = PairsDataset(records[0], loaded.tokenizer, loaded.settings, start_id, reserved)
    eval_set = (
        PairsDataset(records[1], loaded.tokenizer, loaded.settings, start_id, reserved)
        if records[1]
        else None
    )
    model = _apply_adapter(loaded.model, options) if options.method in ADAPTER_METHODS else loaded.model
    info = _run_info(options, loaded, model, resume)
    arguments = _training_arguments(options, loaded.settings, run_dir, eval_set is not None)
    trainer = _trainer(options, model, loaded.tokenizer, (train_set, eval_set), arguments, run_dir, callbacks)
    if trainer.is_world_process_zero():
        info.save(run_dir)
        loaded.settings.save(run_dir)
        _announce(options, info, (train_set, eval_set), loaded.settings)
    _fit(trainer, run_dir, resume)
    if trainer.is_world_process_zero():
        _save_outputs(trainer, options, loaded.tokenizer, info, run_dir)
    _leave_process_group()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    return TrainResult(
        run_dir=str(run_dir),
        method=options.method,
        steps=trainer.state.global_step,
        trainable_parameters=info.trainable_parameters,
        total_parameters=info.total_parameters,
        train_loss_first=losses[0] if losses else None,
        train_loss_last=losses[-1] if losses else None,
        best_metric=trainer.state.best_metric,
        best_checkpoint=trainer.state.best_model_checkpoint,
        seconds=time.perf_counter() - started,
        best_scores=best_evaluation(trainer.state.log_history, trainer.state.best_model_checkpoint),
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
