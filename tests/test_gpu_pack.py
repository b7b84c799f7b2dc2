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
