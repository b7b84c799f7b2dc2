"""The GPU training path, end to end on CPU with a tiny model: pack, train from the pack, weights back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pack_work(tmp_path_factory, corpus_records) -> tuple[Path, Path]:
    from tiny_model import build_tiny_bart

    texts = [r["code"] for r in corpus_records] + [r["summary"] for r in corpus_records]
    weights = build_tiny_bart(tmp_path_factory.mktemp("bart") / "weights", texts, vocab_size=500)
    work = tmp_path_factory.mktemp("work")
    records = [{**r, "repo": f"project{n % 3}", "lineno": n + 1} for n, r in enumerate(corpus_records)]
    for split, chosen in (("train", records[:240]), ("dev", records[240:])):
        (work / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in chosen))
    return work, weights


def test_pack_holds_weights_and_segments_checked_against_the_formatter(pack_work):
    from hoverdoc.training.recipes.gpu_pack import stage_pack

    work, weights = pack_work
    pack = stage_pack(work, weights, max_source=48)
    meta = json.loads((pack / "meta.json").read_text())
    assert meta["splits"] == {"train": 240, "dev": 80}
    assert meta["input_format_version"] == 2
    assert (pack / "weights" / "model.safetensors").is_file()
    import numpy as np

    data = np.load(pack / "data.npz")
    # every pair of a 3-project corpus has neighbours in its own project
    assert data["train_exemplar_counts"].min() == 3


def test_pack_targets_end_like_hoverdoc_train_targets(pack_work, tmp_path):
    import shutil

    import numpy as np

    from hoverdoc.training.recipes.gpu_pack import stage_pack

    work, weights = pack_work
    short = tmp_path / "short"
    short.mkdir()
    for split in ("train", "dev"):
        shutil.copy(work / f"{split}.jsonl", short / f"{split}.jsonl")
    pack = stage_pack(short, weights, max_source=48, max_target=6)  # long summaries get cut
    meta = json.loads((pack / "meta.json").read_text())
    data = np.load(pack / "data.npz")
    ends = data["train_label_tokens"][data["train_label_offsets"][1:] - 1]
    assert (ends == meta["ids"]["sep"]).all()  # each target still ends in the end-of-sequence token


def test_gpu_train_on_cpu_writes_best_weights_in_small_shards(pack_work, tmp_path):
    from safetensors.torch import load_file

    from hoverdoc.training.recipes.gpu_pack import stage_pack
    from hoverdoc.training.recipes.gpu_train import main

    work, weights = pack_work
    pack = work / "gpu-pack"
    if not pack.is_dir():
        stage_pack(work, weights, max_source=48)
    out = tmp_path / "out"
    args = [
        "--pack",
        str(pack),
        "--out",
        str(out),
        "--device",
        "cpu",
        "--max-steps",
        "6",
        "--batch-size",
        "8",
    ]
    args += ["--eval-seconds", "1000", "--dev-limit", "8", "--shard-mib", "0.05", "--warmup-steps", "2"]
    assert main(args) == 0
    log = json.loads((out / "train_log.json").read_text())
    assert log["steps"] == 6 and len(log["evals"]) == 2
    assert len(log["files"]) > 1  # split to respect the size limit
    restored = {}
    for name in log["files"]:
        assert (out / name).stat().st_size <= 0.05 * 2**20 + 64 * 1024  # header slack
        restored.update(load_file(str(out / name)))
    original = load_file(str(weights / "model.safetensors"))
    assert set(restored) == set(original)
    changed = [k for k in original if not (restored[k].float() == original[k].float()).all()]
    assert changed  # six steps moved some weights


def test_unpacked_gpu_weights_export_as_a_v2_model(pack_work, tmp_path):
    from hoverdoc.core.model_dir import load_manifest
    from hoverdoc.export.cli import export_model
    from hoverdoc.export.merge import from_base
    from hoverdoc.training.recipes.gpu_pack import stage_pack, stage_unpack
    from hoverdoc.training.recipes.gpu_train import main

    work, weights = pack_work
    if not (work / "gpu-pack").is_dir():
        stage_pack(work, weights, max_source=48)
    returned = tmp_path / "returned"
    args = ["--pack", str(work / "gpu-pack"), "--out", str(returned), "--device", "cpu", "--max-steps", "2"]
    assert main([*args, "--batch-size", "4", "--eval-seconds", "1000", "--dev-limit", "4"]) == 0
    model = stage_unpack(work, returned)
    exported = tmp_path / "served"
    export_model(
        from_base(str(model)), exported, quantize="none", parity_sample=4, parity_data=str(work / "dev.jsonl")
    )
    manifest = load_manifest(exported)
    assert manifest.input_format_version == 2
    assert manifest.max_source_tokens == 48


def _with_param_records(work: Path, target: Path) -> Path:
    """A copy of ``work``'s pairs with one parameter-description record per pair that has a parameter."""
    from hoverdoc.core.extract import extract

    target.mkdir()
    for split in ("train", "dev"):
        lines = (work / f"{split}.jsonl").read_text()
        (target / f"{split}.jsonl").write_text(lines)
        params = []
        for line in lines.splitlines():
            pair = json.loads(line)
            names = [p.name for p in extract(pair["code"])[0].params if p.name not in ("self", "cls")]
            if names:
                description = f"the {names[0].replace('_', ' ')} to use"
                params.append({"code": pair["code"], "param": names[0], "description": description})
        (target / f"{split}.params.jsonl").write_text("".join(json.dumps(r) + "\n" for r in params))
    return target


def test_pack_with_parameter_descriptions_trains_both_tasks(pack_work, tmp_path):
    import numpy as np
    from safetensors.torch import load_file

    from hoverdoc.training.recipes.gpu_pack import stage_pack
    from hoverdoc.training.recipes.gpu_train import main

    work, weights = pack_work
    work = _with_param_records(work, tmp_path / "work")
    pack = stage_pack(work, weights, max_source=48, with_params=True)  # assembly checked per record
    meta = json.loads((pack / "meta.json").read_text())
    dev_params = len((work / "dev.params.jsonl").read_text().splitlines())
    assert meta["splits"]["dev_params"] == dev_params > 0 and len(meta["dev_param_references"]) == dev_params
    data = np.load(pack / "data.npz")
    assert data["train_param_code"].max() < 240  # each record points at its pair's code

    def run(out: Path, *extra: str) -> dict:
        args = ["--pack", str(pack), "--out", str(out), "--device", "cpu", "--max-steps", "4"]
        args += ["--batch-size", "8", "--param-share", "0.5", "--eval-seconds", "0", "--dev-limit", "6"]
        assert main([*args, "--warmup-steps", "1", "--learning-rate", "1e-2", *extra]) == 0
        return json.loads((out / "train_log.json").read_text())

    log = run(tmp_path / "both")
    assert all("bleu_param" in e and "bleu_alone" in e for e in log["evals"])
    assert [e["step"] for e in log["evals"]] == [0, 1, 2, 3, 4]  # the start, then after each step
    assert log["best"] == next(e for e in log["evals"] if e["step"] == log["best_step"])

    # Summaries may not fall at all, and must rise by 100 BLEU: only the starting weights qualify.
    guarded = run(tmp_path / "guarded", "--summary-tolerance", "-100")
    assert [e["eligible"] for e in guarded["evals"]] == [True] + [False] * 4
    assert guarded["best_step"] == 0 and guarded["best"] == guarded["evals"][0]
    restored = {}
    for name in guarded["files"]:
        restored.update(load_file(str(tmp_path / "guarded" / name)))
    original = load_file(str(weights / "model.safetensors"))
    assert all((restored[k].float() == original[k].half().float()).all() for k in original)


def test_param_share_needs_parameter_descriptions_in_the_pack(pack_work, tmp_path):
    from hoverdoc.training.recipes.gpu_pack import stage_pack
    from hoverdoc.training.recipes.gpu_train import main

    work, weights = pack_work
    if not (work / "gpu-pack").is_dir():
        stage_pack(work, weights, max_source=48)
    args = ["--pack", str(work / "gpu-pack"), "--out", str(tmp_path), "--device", "cpu"]
    with pytest.raises(SystemExit, match="parameter descriptions"):
        main([*args, "--param-share", "0.5"])


def test_an_unpacked_run_that_trained_the_second_task_says_it_knows_it(pack_work, tmp_path):
    from hoverdoc.training.modeling import ModelSettings
    from hoverdoc.training.recipes.gpu_pack import stage_pack, stage_unpack
    from hoverdoc.training.recipes.gpu_train import main

    work, weights = pack_work
    assert ModelSettings.load(weights).tasks == ["summary"]  # a base that knows summaries only
    work = _with_param_records(work, tmp_path / "work")
    stage_pack(work, weights, max_source=48, with_params=True)
    returned = tmp_path / "returned"
    args = ["--pack", str(work / "gpu-pack"), "--out", str(returned), "--device", "cpu", "--max-steps", "1"]
    assert main([*args, "--batch-size", "4", "--param-share", "0.5", "--eval-seconds", "1000"]) == 0
    assert ModelSettings.load(stage_unpack(work, returned)).tasks == ["summary", "param"]


@pytest.mark.parametrize("share", ["1.5", "-0.1"])
def test_param_share_outside_zero_to_one_is_refused(share, capsys):
    from hoverdoc.training.recipes.gpu_train import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--pack", "p", "--out", "o", "--param-share", share])
    assert "between 0 and 1" in capsys.readouterr().err
