"""`hoverdoc export` and the lean runtime: round trip, parity, full runs, plain bases, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from train_cli import run_train

from hoverdoc.core.cli import main as cli
from hoverdoc.core.model_dir import ModelDirError, load_manifest
from hoverdoc.core.model_input import format_input
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.runtime import Summarizer
from hoverdoc.core.summary import polish


@pytest.mark.slow
def test_round_trip_eval_matches_merged_pytorch(
    tiny_model_dir: Path, tiny_run: Path, pairs_files, tmp_path, capsys
):
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.parity import pytorch_greedy

    _, eval_file = pairs_files
    predictions_file = tmp_path / "predictions.txt"
    metrics_file = tmp_path / "metrics.json"
    assert (
        cli(
            [
                "eval",
                "--model",
                str(tiny_model_dir),
                "--data",
                str(eval_file),
                "--json",
                str(metrics_file),
                "--predictions",
                str(predictions_file),
            ]
        )
        == 0
    )
    metrics = json.loads(metrics_file.read_text())
    assert {"bleu", "rougeL", "em", "n", "latency_ms_p50", "latency_ms_p95"} <= set(metrics)
    assert metrics["n"] == len(read_pairs(eval_file))

    # the same inputs through the merged PyTorch model, with fp32 ONNX as the reference for int8 drift
    source = from_run(tiny_run)
    fp32_dir = tmp_path / "fp32"
    from hoverdoc.export.pipeline import export_model

    export_model(source, fp32_dir, quantize="none", parity_sample=4, parity_data=str(eval_file))
    fp32 = Summarizer(fp32_dir)
    records = read_pairs(eval_file)
    texts = [format_input(r["code"], fp32.manifest.input_prefix) for r in records]
    torch_ids = pytorch_greedy(
        source.model, source.tokenizer, texts, fp32.generation, fp32.manifest.max_source_tokens
    )
    torch_predictions = [polish(fp32.decode(ids), r["code"]) for ids, r in zip(torch_ids, records)]
    assert (
        cli(
            [
                "eval",
                "--model",
                str(fp32_dir),
                "--data",
                str(eval_file),
                "--predictions",
                str(predictions_file),
            ]
        )
        == 0
    )
    assert predictions_file.read_text().splitlines() == torch_predictions


def test_manifest_records_parity_digests_and_settings(tiny_model_dir: Path):
    manifest = load_manifest(tiny_model_dir, verify="sha256")
    assert manifest.quantization == "int8" and manifest.method == "lora"
    assert manifest.parity["fp32_identical"] == 1.0 and 0.0 <= manifest.parity["int8_identical"] <= 1.0
    assert "bleu_change" in manifest.parity
    assert manifest.base["digest"] and manifest.adapter_digest and manifest.data_digests["train"]
    assert manifest.input_format_version == 1 and manifest.max_source_tokens == 64
    assert set(manifest.files) == {"encoder_model.onnx", "decoder_model_merged.onnx", "tokenizer.json"}


def test_graphs_are_saved_optimized_and_serve_as_if_optimized_at_load(
    tiny_model_dir: Path, corpus_records, tmp_path
):
    import onnx

    assert load_manifest(tiny_model_dir).graph_optimization == "extended"
    encoder = onnx.load(str(tiny_model_dir / "encoder_model.onnx"), load_external_data=False)
    assert any(node.domain == "com.microsoft" for node in encoder.graph.node)  # onnxruntime's fused ops
    plain = tmp_path / "plain"
    shutil.copytree(tiny_model_dir, plain)
    manifest = json.loads((plain / "manifest.json").read_text())
    manifest["graph_optimization"] = "none"  # the runtime then optimizes fully at load, as before
    (plain / "manifest.json").write_text(json.dumps(manifest))
    codes = [r["code"] for r in corpus_records[:12]]
    assert Summarizer(tiny_model_dir).summarize(codes) == Summarizer(plain).summarize(codes)


def test_the_servers_decoder_runs_on_one_thread_and_a_batch_runs_on_the_threads_asked(tiny_model_dir: Path):
    from hoverdoc.server.server import load_model_safely
    from hoverdoc.server.settings import Settings

    def threads(summarizer: Summarizer) -> tuple[int, int]:
        sessions = (summarizer.encoder, summarizer.decoder)
        return tuple(s.get_session_options().intra_op_num_threads for s in sessions)

    assert threads(Summarizer(tiny_model_dir, threads=2)) == (2, 2)  # eval, summarize: batches
    served = load_model_safely(str(tiny_model_dir), None, Settings(threads=2)).summarizer
    assert threads(served) == (2, 1)  # hovers, one at a time


def test_greedy_batch_and_beam_decoding(tiny_run: Path, corpus_records, tmp_path):
    # fp32: batching with padding must not change greedy output (int8's dynamic activation scales,
    # computed over the whole batch, can move near-tied logits, so it is measured, not asserted)
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model

    export_model(from_run(tiny_run), tmp_path / "fp32", quantize="none", parity_sample=2)
    summarizer = Summarizer(tmp_path / "fp32", threads=1)
    codes = [r["code"] for r in corpus_records[:24]]
    one_by_one = [summarizer.summarize([code])[0] for code in codes]
    assert summarizer.summarize(codes, batch_size=4) == one_by_one
    beams = summarizer.summarize(codes[:2], num_beams=3)
    assert len(beams) == 2 and all(isinstance(b, str) for b in beams)


@pytest.mark.slow
def test_export_full_run_and_plain_base(tmp_path, tiny_base: Path, pairs_files):
    train_file, eval_file = pairs_files
    run = tmp_path / "full-run"
    assert (
        run_train(train_file, tiny_base, run, "--method", "full", sets=("max_steps=4", "batch_size=8")) == 0
    )
    assert (
        cli(
            [
                "export",
                str(run),
                "--out",
                str(tmp_path / "full-model"),
                "--quantize",
                "none",
                "--parity-sample",
                "4",
            ]
        )
        == 0
    )
    assert load_manifest(tmp_path / "full-model").method == "full"
    assert (
        cli(
            [
                "export",
                "--base",
                str(tiny_base),
                "--out",
                str(tmp_path / "base-model"),
                "--parity-sample",
                "4",
                "--parity-data",
                str(eval_file),
                "--save-weights",
                "fp16",
            ]
        )
        == 0
    )
    base_manifest = load_manifest(tmp_path / "base-model")
    assert base_manifest.method is None and base_manifest.base["id"] == str(tiny_base)
    assert (tmp_path / "base-model" / "weights" / "model.safetensors").is_file()
    assert Summarizer(tmp_path / "base-model").summarize(["def f(x):\n    return x"])  # it serves


def test_bad_run_dirs_and_failed_export_leave_nothing(tmp_path, tiny_run: Path, tiny_model_dir: Path, capsys):
    broken_run = tmp_path / "run"
    shutil.copytree(tiny_run, broken_run)
    (broken_run / "adapter" / "adapter_model.safetensors").unlink()
    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    before = sorted(p.name for p in target.iterdir())
    assert cli(["export", str(broken_run), "--out", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        err[-1]
        == f"hoverdoc export: error: {broken_run}: missing adapter/adapter_model.safetensors (did training finish?)"
    )
    assert sorted(p.name for p in target.iterdir()) == before  # the existing model is untouched
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".model.export-")]
    assert cli(["export", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")]) == 2
    assert "run directory not found" in capsys.readouterr().err
    (broken_run / "run.json").unlink()
    assert cli(["export", str(broken_run), "--out", str(tmp_path / "x")]) == 2
    assert "not a run directory (no run.json)" in capsys.readouterr().err


def corrupt_copy(source: Path, target: Path, change) -> Path:
    shutil.copytree(source, target)
    change(target)
    return target


def test_corrupt_truncated_and_unknown_model_dirs(tmp_path, tiny_model_dir: Path, pairs_files, capsys):
    _, eval_file = pairs_files

    def truncate(d: Path) -> None:
        data = (d / "decoder_model_merged.onnx").read_bytes()
        (d / "decoder_model_merged.onnx").write_bytes(data[: len(data) // 2])

    def garble(d: Path) -> None:
        size = (d / "encoder_model.onnx").stat().st_size
        (d / "encoder_model.onnx").write_bytes(b"\x00" * size)  # same size, not a graph

    def future(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["format_version"] = 99
        (d / "manifest.json").write_text(json.dumps(manifest))

    def unknown_input(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["input_format_version"] = 7
        (d / "manifest.json").write_text(json.dumps(manifest))

    def unknown_optimization(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["graph_optimization"] = "all"  # hardware-specific layouts: never saved
        (d / "manifest.json").write_text(json.dumps(manifest))

    def unservable_length(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["served_source_tokens"] = 0
        (d / "manifest.json").write_text(json.dumps(manifest))

    cases = [
        (truncate, "truncated or corrupt"),
        (unknown_optimization, "'graph_optimization' must be one of none, extended"),
        (garble, "not a loadable ONNX graph"),
        (future, "manifest format version 99"),
        (unknown_input, "input format version 7"),
        (lambda d: (d / "manifest.json").write_text("{"), "unreadable manifest"),
        (lambda d: (d / "tokenizer.json").unlink(), "missing model file tokenizer.json"),
        (unservable_length, "'served_source_tokens' must be a positive integer or null"),
    ]
    for number, (change, message) in enumerate(cases):
        broken = corrupt_copy(tiny_model_dir, tmp_path / f"m{number}", change)
        with pytest.raises(ModelDirError, match=message):
            Summarizer(broken)
        assert cli(["eval", "--model", str(broken), "--data", str(eval_file)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err
    garbled = tmp_path / "m2"
    with pytest.raises(ModelDirError, match="checksum mismatch"):
        load_manifest(garbled, verify="sha256")


@pytest.mark.slow
def test_beam_search_matches_transformers(tiny_base: Path, pairs_files, corpus_records, tmp_path):
    import torch

    from hoverdoc.core.tokenization import configure_truncation
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model

    # a briefly trained model: a random one has near-uniform log-probs whose ties float rounding decides
    run = tmp_path / "run"
    assert (
        run_train(
            pairs_files[0],
            tiny_base,
            run,
            "--method",
            "full",
            sets=("epochs=6", "learning_rate=0.003", "batch_size=16"),
        )
        == 0
    )
    source = from_run(run)
    source.settings.override_decoding(repetition_penalty=1.3)
    export_model(
        source, tmp_path / "fp32", quantize="none", parity_sample=8
    )  # greedy parity holds with the penalty
    summarizer = Summarizer(tmp_path / "fp32")
    g = summarizer.generation
    assert g.repetition_penalty == 1.3
    encoder = configure_truncation(source.tokenizer.backend_tokenizer, summarizer.manifest.max_source_tokens)
    for penalty in (1.0, 1.3):
        g.repetition_penalty = penalty
        for record in corpus_records[:10]:
            text = format_input(record["code"])
            ids = torch.tensor([encoder.encode(text).ids])
            with torch.no_grad():
                output = source.model.generate(
                    input_ids=ids,
                    attention_mask=torch.ones_like(ids),
                    num_beams=3,
                    do_sample=False,
                    max_length=g.max_length,
                    no_repeat_ngram_size=g.no_repeat_ngram_size,
                    decoder_start_token_id=g.decoder_start_token_id,
                    eos_token_id=g.eos_token_id,
                    pad_token_id=g.pad_token_id,
                    length_penalty=1.0,
                    early_stopping=True,
                    repetition_penalty=penalty,
                )[0].tolist()
            expected = [t for t in output[1:] if t not in (g.eos_token_id, g.pad_token_id)]
            assert summarizer.generate([text], num_beams=3)[0] == expected


def test_the_manifests_served_length_is_the_default_input_length(tmp_path, tiny_model_dir: Path):
    def serve_12_tokens(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["served_source_tokens"] = 12
        (d / "manifest.json").write_text(json.dumps(manifest))

    summarizer = Summarizer(corrupt_copy(tiny_model_dir, tmp_path / "served", serve_12_tokens))
    trained = summarizer.manifest.max_source_tokens
    assert trained > 12
    long_code = "def f():\n    return " + " + ".join(f"x{i}" for i in range(400)) + "\n"
    assert summarizer.encode([long_code])[0].shape[1] == 12
    summarizer.limit_source_tokens(10_000)  # a setting may ask for the whole trained length
    assert summarizer.encode([long_code])[0].shape[1] == trained
    summarizer.limit_source_tokens(None)  # and an empty one is the served length again
    assert summarizer.encode([long_code])[0].shape[1] == 12


def test_a_retrained_model_serves_as_its_base_was_chosen_to_be_served(tmp_path, tiny_model_dir: Path):
    from hoverdoc.training.retrain import inherit_serving_choices

    def serve_12_tokens(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["served_source_tokens"] = 12
        manifest["name_summary_kinds"] = ["class"]
        (d / "manifest.json").write_text(json.dumps(manifest))

    base = corrupt_copy(tiny_model_dir, tmp_path / "base", serve_12_tokens)
    adapted = corrupt_copy(tiny_model_dir, tmp_path / "adapted", lambda d: None)
    inherit_serving_choices(adapted, tiny_model_dir)  # a base served at its whole length: nothing changes
    assert load_manifest(adapted).served_source_tokens is None
    assert load_manifest(adapted).name_summary_kinds == []
    inherit_serving_choices(adapted, base)
    assert load_manifest(adapted).served_source_tokens == 12
    assert Summarizer(adapted).max_source_tokens == 12
    assert not Summarizer(adapted).writes_summary("class") and Summarizer(adapted).writes_summary("method")


def test_the_recipe_records_the_served_length_it_chose_on_dev(
    tmp_path, tiny_multitask_model_dir: Path, pairs_files
):
    from hoverdoc.training.recipes.bundled_export import set_served_source_tokens, shortest_within_tolerance

    model = corrupt_copy(tiny_multitask_model_dir, tmp_path / "model", lambda d: None)
    before = load_manifest(model)
    scores = set_served_source_tokens(model, pairs_files[1])
    after = load_manifest(model)  # still a valid manifest, the rest of it kept
    assert after.served_source_tokens == shortest_within_tolerance(scores)
    assert max(scores) == before.max_source_tokens  # the trained length is always scored
    recorded = after.metrics["dev_scores_by_source_tokens"]
    assert recorded == {str(k): v for k, v in scores.items()}
    assert {k: v for k, v in after.metrics.items() if k != "dev_scores_by_source_tokens"} == before.metrics
    assert after.files == before.files and after.tasks == before.tasks


def test_the_recipe_leaves_to_names_the_kinds_whose_names_score_higher_on_dev(
    tmp_path, tiny_model_dir: Path, corpus_records
):
    from hoverdoc.core.extract import extract
    from hoverdoc.core.fallback import fallback_summary
    from hoverdoc.training.exemplars import project_contexts
    from hoverdoc.training.recipes.bundled_export import set_name_summary_kinds

    model = corrupt_copy(tiny_model_dir, tmp_path / "model", lambda d: None)
    names = [
        "InvoiceStore",
        "LedgerEntry",
        "HTTPClient",
        "ParseError",
        "RetryPolicy",
        "UserCache",
        "TokenBucket",
    ]
    classes = [
        f"class {name}:\n    def __init__(self, value):\n        self.value = value\n" for name in names
    ]
    functions = [r["code"] for r in corpus_records[:7]]
    records = [
        {"code": code, "summary": "", "repo": f"project{i}"} for i, code in enumerate(classes + functions)
    ]
    # the dev file's references: a class's is its name's summary, a function's the model's own output
    served = Summarizer(model).summarize_in_context([r["code"] for r in records], project_contexts(records))
    for record, (text, _) in zip(records, served):
        definition = extract(record["code"])[0]
        record["summary"] = fallback_summary(definition) if definition.kind == "class" else text
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(r) + "\n" for r in records))
    before = load_manifest(model)
    scores = set_name_summary_kinds(model, dev)
    after = load_manifest(model)
    assert after.name_summary_kinds == ["class"]
    assert scores["class"]["name_wins"] == 1.0 and scores["function"]["name_wins"] == 0.0
    assert after.metrics["dev_bleu_by_kind"] == scores
    assert after.files == before.files and after.served_source_tokens == before.served_source_tokens
    assert Summarizer(model).summarize(classes[:1], definitions=extract(classes[0])[:1]) == [
        "An invoice store."
    ]


def test_a_manifest_names_only_known_kinds(tmp_path, tiny_model_dir: Path):
    def unknown_kind(d: Path) -> None:
        manifest = json.loads((d / "manifest.json").read_text())
        manifest["name_summary_kinds"] = ["module"]
        (d / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(ModelDirError, match="name_summary_kinds"):
        load_manifest(corrupt_copy(tiny_model_dir, tmp_path / "bad", unknown_kind))
