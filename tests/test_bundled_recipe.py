"""The bundled-model recipe's bookkeeping: where the refine stage starts and what the model card records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoverdoc.core.paths import bundled_model_dir
from hoverdoc.training.recipes.bundled_export import shortest_within_tolerance, training_phases
from hoverdoc.training.recipes.bundled_model import MODEL_NAME, refine_base


def _weights(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"")
    return folder


def test_refine_starts_from_the_first_run_when_it_finished(tmp_path: Path) -> None:
    trained = _weights(tmp_path / "work" / "run" / "model")
    _weights(tmp_path / "models" / MODEL_NAME / "weights")
    assert refine_base(tmp_path / "work", tmp_path / "models") == trained


def test_refine_falls_back_to_the_installed_weights(tmp_path: Path) -> None:
    installed = _weights(tmp_path / "models" / MODEL_NAME / "weights")
    assert refine_base(tmp_path / "work", tmp_path / "models") == installed


def test_refine_without_any_model_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="run the train stage"):
        refine_base(tmp_path / "work", tmp_path / "models")


def _refine_run(work: Path) -> None:
    run = work / "refine"
    data = work / "train.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text('{"code": "def f(): pass", "summary": "F."}\n' * 3)
    checkpoint = run / "checkpoints" / "checkpoint-20"
    checkpoint.mkdir(parents=True)
    options = {
        "base": "models/x/weights",
        "data": str(data),
        "batch_size": 4,
        "learning_rate": 1e-4,
        "lr_scheduler": "linear",
        "label_smoothing": 0.1,
        "device": "cpu",
    }
    (run / "run.json").write_text(
        json.dumps({"options": options, "settings": {"max_source_tokens": 128}, "total_parameters": 1000})
    )
    log = [
        {"step": 10, "epoch": 0.5, "loss": 3.0},
        {"step": 10, "epoch": 0.5, "eval_bleu": 11.234},
        {"step": 20, "epoch": 1.0, "eval_bleu": 12.5},
    ]
    (checkpoint / "trainer_state.json").write_text(json.dumps({"log_history": log}))


def test_phases_of_a_model_refined_from_installed_weights(tmp_path: Path) -> None:
    work = tmp_path / "work"
    _refine_run(work)
    earlier = {"warm_start": {}, "phases": [{"stage": "train", "steps": 6016}]}
    (work / "refine" / "earlier_phases.json").write_text(json.dumps(earlier))
    phases = training_phases(work)
    assert [p["stage"] for p in phases] == ["train", "refine"]
    assert phases[0]["steps"] == 6016
    refine = phases[1]
    assert (refine["steps"], refine["epochs"], refine["train_pairs"]) == (20, 1.0, 3)
    assert refine["max_source_tokens"] == 128
    assert refine["history"] == [{"step": 10, "eval_bleu": 11.23}, {"step": 20, "eval_bleu": 12.5}]


def test_bundled_model_record_matches_its_manifest() -> None:
    model_dir = bundled_model_dir()
    record = json.loads((model_dir / "training.json").read_text())
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert record["phases"], "training.json records no training phase"
    assert record["phases"][-1]["max_source_tokens"] == manifest["max_source_tokens"]
    assert (
        record["warm_start"]["vocab_size"]
        == json.loads((model_dir / "weights" / "config.json").read_text())["vocab_size"]
    )


def test_the_served_length_is_the_shortest_that_keeps_every_dev_score() -> None:
    scores = {
        64: {"summary": 19.0, "param": 12.5},  # summaries fall more than 0.3
        96: {"summary": 19.5, "param": 12.3},  # both within 0.3
        128: {"summary": 19.6, "param": 12.6},
        192: {"summary": 19.6, "param": 12.5},
    }
    assert shortest_within_tolerance(scores) == 96
    scores[96]["param"] = 12.1  # parameter descriptions count as much as summaries
    assert shortest_within_tolerance(scores) == 128
    scores[96]["code_kept"] = 0.93  # too many inputs would lose their own code to the exemplars
    scores[128]["code_kept"] = 0.99
    scores[96]["param"] = 12.3
    assert shortest_within_tolerance(scores) == 128
    scores[96]["code_kept"] = 1.0
    scores[64] = {"summary": 19.5, "summary_rougeL": 30.5, "param": 12.5}
    scores[96]["summary_rougeL"] = 30.9
    scores[128]["summary_rougeL"] = 31.1
    scores[192]["summary_rougeL"] = 31.3
    assert shortest_within_tolerance(scores) == 128  # ROUGE-L counts as much as BLEU-4 (64 and 96 fall)
    scores[96]["summary_rougeL"] = 31.2
    assert shortest_within_tolerance(scores) == 96
    assert shortest_within_tolerance({128: {"summary": 18.0}, 192: {"summary": 19.6}}) is None
    assert shortest_within_tolerance({96: {"summary": 20.0}, 192: {"summary": 19.6, "param": 12.0}}) is None
