"""The recipe that rebuilds hoverdoc's bundled model, stage by stage.

    python -m hoverdoc.training.recipes.bundled_model all --work work/bundled

Stages (each skipped when its output exists, so a stopped recipe picks up where it was):
  corpus   mine the standard library and permissively licensed installed packages; split by package
  init     warm-start a BART-shaped model from the MiniLM encoder, vocabulary pruned to the corpus
  train    full fine-tuning (``hoverdoc train``'s ``train``) on the corpus (resumes from its last checkpoint)
  refine   a second, shorter full fine-tuning at a lower learning rate from the trained model (or, when
           the first run's folder is gone, from the installed model's weights) on the current corpus
  exemplars  (not part of ``all``) CPU training of the installed weights on v2 (workspace exemplar) inputs
  export   merge/export the best checkpoint to ONNX int8 and install it under models/<name>/
  card     score the exported model and the name baseline on the test split, write the model card
  pack     (not part of ``all``) pack the v2 exemplar training data, the parameter descriptions and the
           installed weights for a GPU machine; train there with ``gpu_train.py`` (see DEVELOPERS.md)
  unpack   join the weights a GPU run returned (``--returned DIR``) into work/gpu-model
  gpu-export  export work/gpu-model as the v2 bundled model (``--export-to DIR`` to try it first)
"""

from __future__ import annotations

import argparse
import json
import random
import site
import subprocess
import sys
import time
from pathlib import Path

from hoverdoc.core.pairs import read_pairs, write_pairs
from hoverdoc.training.config import TrainOptions, apply_overrides, from_dict, parse_assignments
from hoverdoc.training.mine import MineOptions, mine
from hoverdoc.training.modeling import RunInfo

from .corpus import installed_packages, stdlib_package

MODEL_NAME = "hoverdoc-minilm-bart-22m"
# Split by package: these never reach training. Utility and web libraries, as a proxy for the kind of
# code the product is used on.
TEST_PACKAGES = (
    "click",
    "jinja2",
    "werkzeug",
    "flask",
    "rich",
    "pyparsing",
    "packaging",
    "attrs",
    "python-dateutil",
    "jsonschema",
    "itsdangerous",
    "markdown",
    "cattrs",
    "platformdirs",
)
DEV_PACKAGES = (
    "requests",
    "urllib3",
    "idna",
    "charset-normalizer",
    "pluggy",
    "iniconfig",
    "filelock",
    "markdown-it-py",
    "mdurl",
    "python-dotenv",
)
# Installed without their dependencies (and never imported) purely as extra corpus; rich,
# python-dateutil, jsonschema, itsdangerous, markdown-it-py, mdurl and python-dotenv complete the test and
# dev splits on a machine that lacks them. Pinned so that a rebuild mines the same code.
CORPUS_PACKAGES = (
    "aiohttp==3.14.5",
    "astropy==8.0.2",
    "babel==2.19.0",
    "bokeh==3.9.2",
    "celery==5.7.0",
    "dask==2026.8.0",
    "django==5.2.19",
    "funcy==2.1",
    "inflect==7.6.0",
    "itsdangerous==2.2.0",
    "jsonschema==4.26.0",
    "kombu==5.7.0",
    "lxml==6.1.3",
    "markdown-it-py==4.3.0",
    "mdurl==0.1.2",
    "narwhals==2.29.0",
    "pandas==3.1.1",
    "portalocker==4.4.2",
    "pydantic==2.14.4",
    "python-dateutil==4.0.0",
    "python-dotenv==1.2.4",
    "rich==15.0.0",
    "sacrebleu==2.6.0",
    "scikit-learn==1.9.1",
    "scipy==1.17.1",
    "sentence-transformers==6.2.0",
    "sphinx==9.0.4",
    "sqlalchemy==2.1.9",
    "statsmodels==0.15.0",
    "sympy==1.14.0",
    "tabulate==0.10.0",
    "tornado==6.6.1",
    "xarray==2026.9.0",
)
MAX_PAIRS_PER_PACKAGE = 3500
STDLIB_EXCLUDES = ("site-packages/", "idlelib/", "lib2to3/", "turtledemo/", "ensurepip/", "pydoc_data/")


def _site_dirs(extra: list[str]) -> list[Path]:
    dirs = [Path(p) for p in site.getsitepackages()] + [Path(p) for p in extra]
    return [d for d in dirs if d.is_dir()]


def install_corpus_packages(target: Path) -> None:
    """pip-install CORPUS_PACKAGES into ``target`` (skipped when that was done before)."""
    done = target / "hoverdoc-corpus.txt"
    wanted = "\n".join(CORPUS_PACKAGES) + "\n"
    if done.is_file() and done.read_text() == wanted:
        return
    print(f"installing {len(CORPUS_PACKAGES)} packages into {target} as extra corpus ...", file=sys.stderr)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", "--upgrade"]
    subprocess.run([*pip, "--target", str(target), *CORPUS_PACKAGES], check=True)
    done.write_text(wanted)


def stage_corpus(work: Path, extra_sites: list[str], seed: int = 0) -> None:
    """Mine, cap per package, split by package; write train/dev/test JSONL and corpus.json."""
    packages, skipped = installed_packages(_site_dirs(extra_sites))
    packages = [stdlib_package(), *packages]
    split_of = {**{p: "test" for p in TEST_PACKAGES}, **{p: "dev" for p in DEV_PACKAGES}}
    rng = random.Random(seed)
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    table = []
    seen_code: set[str] = set()
    for package in packages:
        excludes = STDLIB_EXCLUDES if package.name == "stdlib" else ()
        started = time.perf_counter()
        train, _, report = mine(package.roots, MineOptions(exclude=excludes, workers=2, progress=False))
        unique = []
        for record in train:
            key = " ".join(record["code"].split())
            if key not in seen_code:  # the same function shipped by two packages counts once
                seen_code.add(key)
                record["repo"] = package.name
                unique.append(record)
        mined = len(unique)
        if len(unique) > MAX_PAIRS_PER_PACKAGE:
            unique = rng.sample(unique, MAX_PAIRS_PER_PACKAGE)
        split = split_of.get(package.name.lower(), "train")
        splits[split].extend(unique)
        table.append(
            {
                "package": package.name,
                "license": package.license,
                "split": split,
                "mined": mined,
                "used": len(unique),
                "files": report.files_parsed,
            }
        )
        print(
            f"{package.name:28} {package.license[:30]:30} {split:5} {mined:6} pairs "
            f"({time.perf_counter() - started:.1f}s)",
            file=sys.stderr,
        )
    work.mkdir(parents=True, exist_ok=True)
    for split, records in splits.items():
        rng.shuffle(records)
        write_pairs(work / f"{split}.jsonl", records)
    summary = {
        "packages": table,
        "skipped": [{"package": n, "reason": r} for n, r in skipped],
        "counts": {k: len(v) for k, v in splits.items()},
    }
    (work / "corpus.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"corpus: {summary['counts']}; {len(skipped)} packages skipped", file=sys.stderr)


def stage_init(work: Path, max_source_tokens: int, decoder_layers: int) -> None:
    """Build the warm-started base model under work/init."""
    from hoverdoc.core.model_input import format_input

    from .warm_start import build, encoder_agreement

    records = read_pairs(work / "train.jsonl")
    texts = [format_input(r["code"]) for r in records] + [r["summary"] for r in records]
    info = build(work / "init", texts, decoder_layers=decoder_layers, max_source_tokens=max_source_tokens)
    info["encoder_max_abs_diff"] = encoder_agreement(
        work / "init", ["return the user name", "def f(x): pass"]
    )
    (work / "init" / "warm_start.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"warm start: {info}", file=sys.stderr)


TRAIN_SETTINGS: dict[str, object] = {
    "method": "full",
    "epochs": 4.0,
    "batch_size": 32,
    "learning_rate": 3e-4,
    "warmup_ratio": 0.02,
    "label_smoothing": 0.1,
    "eval_steps": 750,
    "eval_max_samples": 400,
    "early_stopping_patience": 4,
    "save_total_limit": 3,
    "no_repeat_ngram_size": 3,
    "logging_steps": 50,
}


# The second phase: twice the source length (87% of functions do not fit in 64 tokens), fresh data
# (the corpus may have grown since the first run), a lower peak learning rate and a schedule that
# decays to zero within the steps a CPU session can afford.
REFINE_SETTINGS: dict[str, object] = {
    **TRAIN_SETTINGS,
    "max_source_tokens": 128,
    "max_steps": 2400,
    "learning_rate": 1e-4,
    "warmup_ratio": 0.03,
    "eval_steps": 300,
    "early_stopping_patience": 0,
    "save_total_limit": 2,
}


# Version 2 on CPU: the installed (v1 or v2) weights learn to read workspace exemplars; bf16 autocast
# where the CPU has it (measured on an AMX Xeon, batch 32 x 192 tokens: 4.7 s/step vs 5.1 fp32).
# A GPU session does the same far faster: see the pack stage and DEVELOPERS.md.
EXEMPLAR_SETTINGS: dict[str, object] = {
    **REFINE_SETTINGS,
    "input_format_version": 2,
    "no_exemplar_share": 0.2,
    "max_source_tokens": 192,
    "learning_rate": 2e-4,
    "max_steps": 3000,
    "bf16": "auto",
}


# The second task on CPU: the installed weights also learn to describe parameters and return values
# (param records mined from the same training pairs) at a lower learning rate, so that summaries keep
# their quality. Version 2.1 (the bundled model) saw 20,000 records for 150 steps. These settings are
# the continuation from it that was tried next: every record (about half the steps), each checkpoint
# kept, the one to export chosen on both tasks' dev scores (benchmarks/multitask_checkpoints.py), since
# the run's own evaluation scores summaries only. Stopped at step 680 of 1,400 on 2 CPU cores: dev
# parameter BLEU-4 10.14 -> 10.61 (step 200) -> 10.70 (step 600) while summaries read without quoting
# fell 16.50 -> 15.80, so it was not exported.
MULTITASK_SETTINGS: dict[str, object] = {
    **EXEMPLAR_SETTINGS,
    "learning_rate": 1e-4,
    "max_steps": 1400,
    "warmup_ratio": 0.05,
    "eval_steps": 200,
    "eval_max_samples": 300,
    "save_total_limit": 8,
    "logging_steps": 20,
    "max_param_samples": None,
}


def write_param_records(work: Path) -> Path:
    """``train.params.jsonl`` and ``dev.params.jsonl``: the parameter and return descriptions of
    the train and dev pairs (``hoverdoc mine --params-out`` records)."""
    from hoverdoc.training.mine import param_records

    for split in ("train", "dev", "test"):
        target = work / f"{split}.params.jsonl"
        if not target.exists():
            write_pairs(target, param_records(read_pairs(work / f"{split}.jsonl")))
    return work / "train.params.jsonl"


def stage_multitask(work: Path, models_dir: Path, device: str, overrides: list[str]) -> None:
    """Full fine-tuning of the installed weights on summaries (v2) and parameter descriptions."""
    params = write_param_records(work)
    base = models_dir / MODEL_NAME / "weights"
    settings = {**MULTITASK_SETTINGS, "param_data": str(params)}
    _train(work, base, work / "multitask", settings, device, overrides)


def stage_exemplars(work: Path, models_dir: Path, device: str, overrides: list[str]) -> None:
    """Full fine-tuning of the installed weights on exemplar (v2) inputs (resumable)."""
    base = models_dir / MODEL_NAME / "weights"
    _train(work, base, work / "exemplars", EXEMPLAR_SETTINGS, device, overrides)


def train_options(
    work: Path, base: Path, run_dir: Path, settings: dict[str, object], device: str, overrides: list[str]
) -> tuple[TrainOptions, bool]:
    """The options of a recipe training run and whether it resumes (its run folder holds a run): a
    resumed run starts from the options it recorded, as ``hoverdoc train --resume`` does."""
    resume = (run_dir / "run.json").exists()
    options = from_dict(RunInfo.load(run_dir).options) if resume else TrainOptions()
    paths = {"data": str(work / "train.jsonl"), "eval_data": str(work / "dev.jsonl")}
    apply_overrides(options, {**paths, "base": str(base), "out": str(run_dir)}, "recipe")
    apply_overrides(options, {**settings, "device": device}, "recipe")
    apply_overrides(options, parse_assignments(overrides), "--set")
    return options, resume


def _train(
    work: Path, base: Path, run_dir: Path, settings: dict[str, object], device: str, overrides: list[str]
) -> None:
    """Train on the corpus from ``base`` into ``run_dir``, resuming when it was started before."""
    from hoverdoc.core.errors import HoverdocError
    from hoverdoc.training.train import train

    try:
        options, resume = train_options(work, base, run_dir, settings, device, overrides)
        result = train(options, resume=resume)
    except HoverdocError as error:
        raise SystemExit(f"{run_dir.name}: {error}") from None
    print(f"trained {result.steps} steps in {result.seconds:.0f}s; run saved in {run_dir}", file=sys.stderr)


def stage_train(work: Path, device: str, overrides: list[str]) -> None:
    """Full fine-tuning of the warm start on the corpus (resumable)."""
    _train(work, work / "init", work / "run", TRAIN_SETTINGS, device, overrides)


def refine_base(work: Path, models_dir: Path) -> Path:
    """The model the refine stage starts from: the first run's final model, else the installed weights."""
    trained = work / "run" / "model"
    if (trained / "model.safetensors").is_file():
        return trained
    installed = models_dir / MODEL_NAME / "weights"
    if (installed / "model.safetensors").is_file():
        return installed
    raise SystemExit(
        f"refine: no trained model to start from ({trained} or {installed}); run the train stage"
    )


def stage_refine(work: Path, models_dir: Path, device: str, overrides: list[str]) -> None:
    """Continue full fine-tuning at a lower learning rate (resumable)."""
    base = refine_base(work, models_dir)
    print(f"refine: starting from {base}", file=sys.stderr)
    earlier = base.parent / "training.json"
    kept = work / "refine" / "earlier_phases.json"
    if earlier.is_file() and not kept.exists():
        # the export replaces the model folder; keep the card's record of how these weights were trained
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(earlier.read_text())
    _train(work, base, work / "refine", REFINE_SETTINGS, device, overrides)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "stage",
        choices=[
            "corpus",
            "init",
            "train",
            "refine",
            "exemplars",
            "multitask",
            "export",
            "lexicon",
            "card",
            "pack",
            "unpack",
            "gpu-export",
            "all",
        ],
    )
    parser.add_argument("--work", default="work/bundled", help="folder for data, runs and exports")
    parser.add_argument("--site-packages", action="append", default=[], help="another site-packages to mine")
    parser.add_argument(
        "--corpus-site",
        default="work/corpus-site",
        help="folder the extra corpus packages are installed into and mined from ('' to skip them)",
    )
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--max-source-tokens", type=int, default=64)
    parser.add_argument("--decoder-layers", type=int, default=2)
    parser.add_argument("--returned", default="work/gpu-returned", help="what a GPU run returned (unpack)")
    parser.add_argument(
        "--export-to", default="", help="export, gpu-export: folder to export to (default: install)"
    )
    parser.add_argument("--pack-source-tokens", type=int, default=192, help="v2 source length (pack stage)")
    parser.add_argument("--set", action="append", default=[], help="training option override KEY=VALUE")
    parser.add_argument("--models-dir", default="models", help="where the serving model is installed")
    parser.add_argument(
        "--repetition-penalty", type=float, default=1.2, help="decoding: penalty on repeated tokens"
    )
    parser.add_argument("--beams", type=int, default=1, help="decoding: beam width of the served model")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one stage or all of them."""
    args = _parser().parse_args(argv)
    everything = ["corpus", "init", "train", "refine", "lexicon", "export", "card"]
    stages = everything if args.stage == "all" else [args.stage]
    for stage in stages:
        _run_stage(stage, args, Path(args.work))
    return 0


def _run_stage(stage: str, args: argparse.Namespace, work: Path) -> None:
    """One stage; under ``all``, corpus and init are skipped when their output exists."""
    if stage == "corpus" and (args.stage == "corpus" or not (work / "train.jsonl").exists()):
        sites = list(args.site_packages)
        if args.corpus_site:
            install_corpus_packages(Path(args.corpus_site))
            sites.append(args.corpus_site)
        stage_corpus(work, sites)
    elif stage == "init" and (args.stage == "init" or not (work / "init" / "config.json").exists()):
        stage_init(work, args.max_source_tokens, args.decoder_layers)
    elif stage == "train":
        stage_train(work, args.device, args.set)
    elif stage == "refine":
        stage_refine(work, Path(args.models_dir), args.device, args.set)
    elif stage == "exemplars":
        stage_exemplars(work, Path(args.models_dir), args.device, args.set)
    elif stage == "multitask":
        stage_multitask(work, Path(args.models_dir), args.device, args.set)
    elif stage == "export":
        from .bundled_export import stage_export

        target = Path(args.export_to) if args.export_to else None
        stage_export(work, Path(args.models_dir), MODEL_NAME, args.repetition_penalty, args.beams, target)
    elif stage == "lexicon":
        from hoverdoc.training.lexicon import write_lexicon

        print(f"lexicon: {write_lexicon(read_pairs(work / 'train.jsonl'))} words", file=sys.stderr)
    elif stage == "pack":
        from .gpu_pack import stage_pack

        write_param_records(work)
        weights = Path(args.models_dir) / MODEL_NAME / "weights"
        stage_pack(work, weights, args.pack_source_tokens, with_params=True)
    elif stage == "unpack":
        from .gpu_pack import stage_unpack

        print(stage_unpack(work, Path(args.returned)), file=sys.stderr)
    elif stage == "gpu-export":
        from .bundled_export import stage_export_gpu

        stage_export_gpu(work, Path(args.export_to or Path(args.models_dir) / MODEL_NAME), MODEL_NAME)
    elif stage == "card":
        from .bundled_export import stage_card

        stage_card(work, Path(args.models_dir), MODEL_NAME)


if __name__ == "__main__":
    sys.exit(main())
