"""``hoverdoc retrain``: from a repository to an installed, LoRA-adapted workspace model, in one command.

Every intermediate file lives in a work folder; the installed model is replaced only at the very end,
by a rename, so an interrupted or refused run leaves the previous model in place.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.model_dir import MANIFEST
from hoverdoc.core.model_input import Exemplar
from hoverdoc.core.pairs import write_pairs
from hoverdoc.core.paths import WORKSPACE_MODEL, bundled_model_dir
from hoverdoc.core.sources import atomic_write_text

from .data import PairRecord, with_exemplars
from .mine import MineOptions, git_toplevel, in_dev_split, mine

MIN_PAIRS = 50
HELDOUT_FRACTION = 0.15
DEV_FRACTION = 0.10
STAGES = 6


@dataclass
class RetrainReport:
    """What ``--json`` writes."""

    before: dict
    after: dict
    n_train: int
    n_heldout: int
    seconds: float
    trainable_fraction: float
    installed: bool
    installed_at: str | None = None
    examples: list[dict] = field(default_factory=list)
    # --search: every trial (method, settings, trainable parameters, seconds, validation BLEU) and
    # the chosen one; before/after are then scored on the held-out test part only
    trials: list[dict] = field(default_factory=list)
    chosen: dict | None = None


def stage(number: int, text: str) -> None:
    """A progress line that the VS Code extension turns into its notification text."""
    print(f"[{number}/{STAGES}] {text}", file=sys.stderr, flush=True)


def default_base() -> Path:
    """The bundled model's merged weights: the base teams adapt when they can't reach a hub."""
    weights = bundled_model_dir() / "weights"
    if not (weights / "config.json").is_file():
        raise HoverdocError(f"the bundled model's weights are missing ({weights}); pass --base MODEL")
    return weights


def split_by_file(records: list[dict], seed: int = 0) -> tuple[list[dict], list[dict], list[dict]]:
    """(train, dev, heldout): whole files on each side; small codebases get no dev part."""
    heldout, dev, train = [], [], []
    use_dev = len(records) >= 400
    for record in records:
        key = f"{record.get('repo', '')}/{record.get('path', '')}"
        if in_dev_split(f"heldout:{key}", HELDOUT_FRACTION):
            heldout.append(record)
        elif use_dev and in_dev_split(f"dev:{key}", DEV_FRACTION / (1 - HELDOUT_FRACTION)):
            dev.append(record)
        else:
            train.append(record)
    if not heldout or len(heldout) < 10:  # tiny codebases: take whole files until there are some
        files = sorted({r.get("path", "") for r in records})
        random.Random(seed).shuffle(files)
        chosen: set[str] = set()
        for path in files:
            chosen.add(path)
            if sum(r.get("path", "") in chosen for r in records) >= max(
                10, int(len(records) * HELDOUT_FRACTION)
            ):
                break
        heldout = [r for r in records if r.get("path", "") in chosen]
        train = [r for r in records if r.get("path", "") not in chosen and r not in dev]
        dev = [r for r in dev if r.get("path", "") not in chosen]
    return train, dev, heldout


def _scores(summarizer, pairs: _Pairs) -> tuple[dict, list[str]]:
    """BLEU-4 and ROUGE-L of ``summarizer`` on the held-out pairs; a v2 model reads each pair's
    exemplars, found with the whole repository indexed and the pair itself left out (as a workspace
    model serves: every other documented definition of the workspace is in its index), and the kinds
    it does not write are summarized from their names, as served."""
    from hoverdoc.core.evaluate import pair_definitions
    from hoverdoc.core.metrics import score_all

    shown = pairs.heldout_exemplars() if summarizer.uses_exemplars else None
    codes = [r["code"] for r in pairs.heldout]
    named = pair_definitions(pairs.heldout) if summarizer.manifest.name_summary_kinds else None
    predictions = summarizer.summarize(codes, batch_size=16, exemplars=shown, definitions=named)
    scores = score_all(predictions, [r["summary"] for r in pairs.heldout])
    return {"bleu": round(scores["bleu"], 2), "rougeL": round(scores["rougeL"], 2)}, predictions


def _base_model_dir(base: str, work: Path) -> Path:
    """A served (ONNX int8) copy of the base, to score it the same way as the new model."""
    if (
        Path(base).resolve() == (bundled_model_dir() / "weights").resolve()
        and (bundled_model_dir() / "manifest.json").is_file()
    ):
        return bundled_model_dir()
    from hoverdoc.export.merge import from_base
    from hoverdoc.export.pipeline import export_model

    target = work / "base-model"
    if not (target / "manifest.json").is_file():
        export_model(from_base(base), target, quantize="int8", parity_sample=8)
    return target


def _remove(path: Path) -> None:
    """Remove a model folder, or only the link when ``path`` is a symlink (never what it points to)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def check_destination(destination: Path) -> None:
    """Refuse to install over anything but nothing, an empty folder or a hoverdoc model directory:
    installing replaces the folder, and ``--out .`` must not take the working tree with it."""
    if destination.is_symlink() and not destination.exists():
        raise HoverdocError(f"{destination}: a broken link; remove it or choose another --out")
    if not destination.exists():
        return
    if not destination.is_dir():
        raise HoverdocError(f"{destination}: exists and is not a folder; choose another --out")
    if any(destination.iterdir()) and not (destination / MANIFEST).is_file():
        raise HoverdocError(
            f"{destination}: a folder that is not empty and not a hoverdoc model directory "
            f"(no {MANIFEST}); installing would replace it, so choose another --out"
        )


def install(model_dir: Path, destination: Path) -> None:
    """Put ``model_dir`` at ``destination`` by renames, keeping git out of it. A symlinked
    destination is replaced by the new folder; the folder it pointed to is left alone."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    ignore = destination.parent / ".gitignore"
    if destination.parent.name == ".hoverdoc" and not ignore.exists():
        ignore.write_text("# hoverdoc's workspace model: local, not for version control\n*\n")
    staging = destination.with_name(destination.name + ".new")
    _remove(staging)
    shutil.copytree(model_dir, staging)
    previous = destination.with_name(destination.name + ".old")
    _remove(previous)  # a leftover of an interrupted install (a folder or a link)
    if destination.is_symlink() or destination.exists():
        destination.rename(previous)  # renames the link itself when it is one
    staging.rename(destination)
    _remove(previous)


def _destination(out: str | Path | None, workspace: Path) -> Path:
    if out:
        destination = Path(out).expanduser().absolute()
    else:
        destination = workspace / WORKSPACE_MODEL
        parent = destination.parent
        if parent.is_symlink() and workspace.resolve() not in parent.resolve().parents:
            raise HoverdocError(f"{parent} is a link out of the workspace; remove it or pass --out")
    check_destination(destination)
    return destination


@dataclass
class _Pairs:
    """The repository's pairs, split by file."""

    all: list[PairRecord]
    train: list[PairRecord]
    dev: list[PairRecord]
    heldout: list[PairRecord]
    _exemplars: list[list[Exemplar]] | None = None

    def heldout_exemplars(self) -> list[list[Exemplar]]:
        """Each held-out pair's exemplars from the whole repository, the pair itself left out."""
        if self._exemplars is None:
            found = with_exemplars(self.all)
            position = {id(record): i for i, record in enumerate(self.all)}
            self._exemplars = [found[position[id(r)]]["exemplars"] for r in self.heldout]
        return self._exemplars


def _mine_pairs(root: Path, max_train: int | None) -> _Pairs:
    """Mine ``root`` (its workspace model folder left out) and split by file; too few pairs is an error."""
    records, _, report = mine(
        [root], MineOptions(progress=False, exclude=(f"{WORKSPACE_MODEL.parent.as_posix()}/",))
    )
    if len(records) < MIN_PAIRS:
        raise HoverdocError(
            f"found {len(records)} documented functions in {root} ({report.definitions} definitions in "
            f"{report.files_parsed} files); retraining needs at least {MIN_PAIRS}. Nothing was changed."
        )
    train_records, dev_records, heldout = split_by_file(records)
    if max_train and len(train_records) > max_train:
        train_records = random.Random(0).sample(train_records, max_train)
    print(
        f"    {len(records)} pairs: {len(train_records)} train, {len(dev_records)} dev, {len(heldout)} held out "
        f"(split by file)",
        file=sys.stderr,
    )
    return _Pairs(records, train_records, dev_records, heldout)


@contextmanager
def _work_folder(work_dir: str | Path | None) -> Iterator[Path]:
    """``work_dir`` (kept), or a temporary folder removed at the end."""
    if work_dir is not None:
        work = Path(work_dir)
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    with tempfile.TemporaryDirectory(prefix="hoverdoc-retrain-") as temporary:
        yield Path(temporary)


def _write_pairs_files(work: Path, pairs: _Pairs) -> None:
    write_pairs(work / "train.jsonl", pairs.train)
    write_pairs(work / "heldout.jsonl", pairs.heldout)
    if pairs.dev:
        write_pairs(work / "dev.jsonl", pairs.dev)


def _train_adapter(work: Path, base_id: str, pairs: _Pairs, epochs: float | None, overrides: dict | None):
    """LoRA training on the training split (``hoverdoc train``; a v2 base trains with exemplars)."""
    from .config import TrainOptions, apply_overrides, retrain_epochs
    from .train import train

    n_train = len(pairs.train)
    options = TrainOptions(
        data=str(work / "train.jsonl"),
        eval_data=str(work / "dev.jsonl") if pairs.dev else None,
        base=base_id,
        out=str(work / "run"),
        method="lora",
        epochs=epochs if epochs is not None else retrain_epochs(n_train),
        batch_size=16,
        eval_steps=max(20, n_train // 32),
        early_stopping_patience=3,
        eval_max_samples=200,
    )
    if overrides:
        apply_overrides(options, overrides, "--set")
    if (work / "run").exists():
        shutil.rmtree(work / "run")
    return train(options)


def _export_adapted(work: Path, name: str, run_dir: Path | None = None) -> Path:
    """The trained run (``work/run`` unless told) as an int8 ONNX model directory under ``work``."""
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model

    export_model(
        from_run(run_dir or work / "run"),
        work / "model",
        quantize="int8",
        parity_sample=16,
        parity_data=str(work / "heldout.jsonl"),
        name=name,
    )
    return work / "model"


def inherit_serving_choices(model_dir: Path, base_model: Path) -> None:
    """Serve the adapted model as its base was chosen on dev to be served: at its served input length
    (both were trained on the same length, and hovers stay as fast) and with the same kinds of
    definition summarized from their names (a short adaptation does not remake what the base was
    weak at)."""
    from hoverdoc.core.model_dir import load_manifest, write_manifest

    base = load_manifest(base_model)
    manifest = load_manifest(model_dir)
    if base.served_source_tokens is not None:
        manifest.served_source_tokens = min(base.served_source_tokens, manifest.max_source_tokens)
    manifest.name_summary_kinds = list(base.name_summary_kinds)
    write_manifest(manifest, model_dir)


def _changed_examples(heldout: list[PairRecord], before: list[str], after: list[str]) -> list[dict]:
    """Up to five held-out functions whose summary changed."""
    return [
        {"name": r.get("name"), "reference": r["summary"], "before": b, "after": a}
        for r, b, a in zip(heldout, before, after)
        if a != b
    ][:5]


def retrain(
    path: str | Path = ".",
    base: str | None = None,
    out: str | Path | None = None,
    epochs: float | None = None,
    max_train: int | None = None,
    force: bool = False,
    work_dir: str | Path | None = None,
    overrides: dict | None = None,
    search_budget: float | None = None,
) -> RetrainReport:
    """Mine, adapt, export, evaluate and (when it is no worse) install a model for ``path``; with
    ``search_budget`` (seconds) the adaptation is the best trial of a search (``training.search``)."""
    started = time.perf_counter()
    root = Path(path).expanduser().resolve()
    if not root.is_dir():
        raise HoverdocError(f"{path}: not a folder")
    workspace = git_toplevel(root) or root
    destination = _destination(out, workspace)  # checked before anything slow happens
    if search_budget and (overrides or epochs is not None):
        raise HoverdocError("--search chooses the training settings itself; drop --set and --epochs")
    base_id = str(base) if base else str(default_base())

    from hoverdoc.core.runtime import Summarizer

    stage(1, f"mining {root}")
    pairs = _mine_pairs(root, max_train)
    with _work_folder(work_dir) as work:
        scored = _prepare_search(work, pairs) if search_budget else pairs
        _write_pairs_files(work, pairs)
        stage(2, f"scoring the base model ({Path(base_id).name}) on {len(scored.heldout)} held-out functions")
        base_model = _base_model_dir(base_id, work)
        before, before_predictions = _scores(Summarizer(base_model), scored)
        run_dir, trials, chosen, fraction = _adapt(work, base_id, pairs, (epochs, overrides), search_budget)
        stage(4, "exporting the adapted model to ONNX int8")
        model_dir = _export_adapted(
            work, f"{workspace.name}-{chosen['method'] if chosen else 'lora'}", run_dir
        )
        inherit_serving_choices(model_dir, base_model)
        stage(5, "scoring the adapted model on the held-out functions")
        after, after_predictions = _scores(Summarizer(model_dir), scored)
        installed = after["bleu"] >= before["bleu"] or force
        stage(6, ("installing" if installed else "not installing") + f" the model ({destination})")
        if installed:
            install(model_dir, destination)
    return RetrainReport(
        before=before,
        after=after,
        n_train=len(pairs.train),
        n_heldout=len(scored.heldout),
        seconds=round(time.perf_counter() - started, 1),
        trainable_fraction=round(fraction, 4),
        installed=installed,
        installed_at=str(destination) if installed else None,
        examples=_changed_examples(scored.heldout, before_predictions, after_predictions),
        trials=trials,
        chosen=chosen,
    )


def _adapt(
    work: Path, base_id: str, pairs: _Pairs, settings: tuple[float | None, dict | None], budget: float | None
) -> tuple[Path, list[dict], dict | None, float]:
    """Train the adapted model: the best trial of a search within ``budget`` seconds, else LoRA with
    the fixed ``settings`` (epochs, overrides). Returns its run folder, the trials, the chosen trial
    and the share of parameters trained."""
    if budget:
        from .search import run_search

        stage(3, f"searching how to adapt on {len(pairs.train)} functions for {budget / 60:.0f} min")
        found = run_search(work, base_id, len(pairs.train), budget)
        fraction = (found.best.trainable_parameters or 0) / max(1, _total_parameters(found.best_run))
        return found.best_run, [t.__dict__ for t in found.trials], found.best.__dict__, fraction
    stage(3, f"training LoRA adapters on {len(pairs.train)} functions")
    result = _train_adapter(work, base_id, pairs, *settings)
    return work / "run", [], None, result.trainable_fraction


def _prepare_search(work: Path, pairs: _Pairs) -> _Pairs:
    """Split the held-out files into the search's validation part (written for it) and the test
    part; returns the pairs whose held-out part is the test part, scored once for the report."""
    from .search import split_validation

    validation, test = split_validation(pairs.heldout)
    write_pairs(work / "validation.jsonl", validation)
    print(f"    held-out: {len(validation)} for the search, {len(test)} for the final test", file=sys.stderr)
    return _Pairs(pairs.all, pairs.train, pairs.dev, test)


def _total_parameters(run_dir: Path) -> int:
    """The model's parameter count, as the run recorded it."""
    from .modeling import RunInfo

    return RunInfo.load(run_dir).total_parameters or 1


def print_trials(report: RetrainReport) -> None:
    """The search's trials, one line each, the chosen one marked."""
    print(
        f"{'trial':>5}  {'method':6} {'state':8} {'val BLEU':>8} {'trainable':>11} {'seconds':>8}  settings"
    )
    chosen = (report.chosen or {}).get("number")
    for trial in report.trials:
        score = f"{trial['validation_bleu']:.2f}" if trial["validation_bleu"] is not None else "-"
        trainable = f"{trial['trainable_parameters']:,}" if trial["trainable_parameters"] else "-"
        seconds = f"{trial['seconds']:.0f}" if trial["seconds"] is not None else "-"
        mark = "*" if trial["number"] == chosen else " "
        print(
            f"{trial['number']:>4}{mark}  {trial['method']:6} {trial['state']:8} {score:>8} {trainable:>11} "
            f"{seconds:>8}  {trial['settings']}"
        )
    print()


def print_report(report: RetrainReport) -> None:
    """The before/after table and a few summaries that changed."""
    if report.trials:
        print_trials(report)
    print(f"{'':10} {'BLEU-4':>8} {'ROUGE-L':>8}")
    print(f"{'base':10} {report.before['bleu']:8.2f} {report.before['rougeL']:8.2f}")
    print(f"{'retrained':10} {report.after['bleu']:8.2f} {report.after['rougeL']:8.2f}")
    print(
        f"{report.n_train} training / {report.n_heldout} held-out functions, {report.seconds:.0f}s, "
        f"{100 * report.trainable_fraction:.2f}% of parameters trained"
    )
    for example in report.examples:
        print(
            f"\n  {example['name']}\n    reference: {example['reference']}\n    before:    {example['before']}\n"
            f"    after:     {example['after']}"
        )
    if report.installed:
        print(
            f"\ninstalled at {report.installed_at}; the server switches to it (or run hoverdoc: Reload Model)"
        )
        print(
            "it is kept out of git by .hoverdoc/.gitignore; add .hoverdoc/ to your own .gitignore if you prefer"
        )
    else:
        print(
            "\nnot installed: the retrained model scores worse than the base on the held-out files "
            "(pass --force to install it anyway)"
        )


def run(args: argparse.Namespace) -> int:
    """The ``hoverdoc retrain`` command."""
    from .config import parse_assignments

    report = retrain(
        args.path,
        base=args.base,
        out=args.out,
        epochs=args.epochs,
        max_train=args.max_train,
        force=args.force,
        work_dir=args.work_dir,
        overrides=parse_assignments(args.set),
        search_budget=args.budget if args.search else None,
    )
    print_report(report)
    if args.json:
        atomic_write_text(args.json, json.dumps(report.__dict__, indent=2) + "\n")
    return 0 if report.installed else 3
