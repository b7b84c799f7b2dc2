"""Shared fixtures: a generated corpus, a tiny random T5, a LoRA run of it and its exported model."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS / "helpers"))

# Every test process (and server subprocess) uses a throwaway summary cache and no hub.
os.environ.setdefault(
    "HOVERDOC_CACHE_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / f"hoverdoc-test-cache-{os.getpid()}")
)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"


@pytest.fixture(scope="session")
def corpus_records() -> list[dict]:
    """A few hundred generated (code, summary) pairs in one consistent house style."""
    from corpus_gen import generate_records

    return generate_records(count=320, seed=7)


@pytest.fixture(scope="session")
def pairs_files(tmp_path_factory, corpus_records) -> tuple[Path, Path]:
    """Train and eval pairs files split from the generated corpus."""
    folder = tmp_path_factory.mktemp("pairs")
    train, evaluation = folder / "train.jsonl", folder / "eval.jsonl"
    records = list(corpus_records)
    random.Random(0).shuffle(records)
    train.write_text("".join(json.dumps(r) + "\n" for r in records[:260]))
    evaluation.write_text("".join(json.dumps(r) + "\n" for r in records[260:]))
    return train, evaluation


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory, corpus_records) -> Path:
    """A tiny T5 with random weights and a WordPiece tokenizer fit to the corpus."""
    from tiny_model import build_tiny_t5

    texts = [r["code"] for r in corpus_records] + [r["summary"] for r in corpus_records]
    return build_tiny_t5(tmp_path_factory.mktemp("tiny") / "base", texts, vocab_size=600, d_model=64)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, tiny_base, pairs_files) -> Path:
    """A finished LoRA run of the tiny model on the generated corpus."""
    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.train import train

    train_file, eval_file = pairs_files
    out = tmp_path_factory.mktemp("runs") / "lora"
    options = TrainOptions(
        data=str(train_file),
        eval_data=str(eval_file),
        base=str(tiny_base),
        out=str(out),
        method="lora",
        epochs=4,
        batch_size=16,
        learning_rate=3e-3,
        eval_steps=20,
        early_stopping_patience=0,
        eval_max_samples=30,
        logging_steps=5,
        threads=2,
    )
    options.lora.r = 4
    options.lora.target_modules = ["q", "v"]
    train(options)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_run, pairs_files) -> Path:
    """The LoRA run exported as an int8 ONNX model directory."""
    from hoverdoc.export.cli import export_model
    from hoverdoc.export.merge import from_run

    out = tmp_path_factory.mktemp("models") / "tiny-model"
    export_model(from_run(tiny_run), out, quantize="int8", parity_sample=8, parity_data=str(pairs_files[1]))
    return out


@pytest.fixture(scope="session")
def tiny_param_records(tmp_path_factory, pairs_files) -> Path:
    """Parameter-description records for the generated corpus, in one house style:
    ``the <parameter words> to use``."""
    from hoverdoc.core.extract import extract

    records = []
    for line in pairs_files[0].read_text().splitlines():
        pair = json.loads(line)
        definitions = extract(pair["code"])
        for param in definitions[0].params if definitions else []:
            if param.name not in ("self", "cls"):
                description = f"the {param.name.replace('_', ' ')} to use"
                records.append({"code": pair["code"], "param": param.name, "description": description})
    target = tmp_path_factory.mktemp("params") / "params.jsonl"
    target.write_text("".join(json.dumps(r) + "\n" for r in records))
    return target


@pytest.fixture(scope="session")
def tiny_multitask_run(tmp_path_factory, tiny_base, pairs_files, tiny_param_records) -> Path:
    """A full fine-tuning run of the tiny model on summaries and parameter descriptions."""
    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.train import train

    train_file, eval_file = pairs_files
    out = tmp_path_factory.mktemp("runs") / "multitask"
    options = TrainOptions(
        data=str(train_file),
        eval_data=str(eval_file),
        param_data=str(tiny_param_records),
        base=str(tiny_base),
        out=str(out),
        method="full",
        max_steps=60,
        batch_size=16,
        learning_rate=3e-3,
        eval_steps=60,
        eval_max_samples=8,
        threads=2,
    )
    train(options)
    return out


@pytest.fixture(scope="session")
def tiny_multitask_model_dir(tmp_path_factory, tiny_multitask_run) -> Path:
    """The multi-task run exported (fp32) as a model directory that knows both tasks."""
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model

    out = tmp_path_factory.mktemp("models") / "tiny-multitask"
    export_model(from_run(tiny_multitask_run), out, quantize="none", parity_sample=4)
    return out
