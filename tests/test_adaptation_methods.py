"""Each adaptation method `hoverdoc train` offers trains a few steps on the tiny model, exports through
the torch-free runtime's format, and passes the export's PyTorch/ONNX parity check."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ia3", "lora", "full"])
def test_method_trains_merges_and_exports_with_parity(method, tmp_path, tiny_base: Path, pairs_files):
    import json

    from safetensors.numpy import load_file

    from hoverdoc.core.runtime import Summarizer
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model
    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.train import train

    train_file, eval_file = pairs_files
    options = TrainOptions(
        data=str(train_file),
        eval_data=str(eval_file),
        base=str(tiny_base),
        out=str(tmp_path / "run"),
        method=method,
        max_steps=6,
        batch_size=16,
        eval_steps=6,
        eval_max_samples=8,
        threads=2,
    )
    result = train(options)
    share = result.trainable_parameters / result.total_parameters
    expected = {"ia3": (0, 0.02), "lora": (0.001, 0.3), "full": (0.99, 1.0)}[method]
    assert expected[0] < share <= expected[1]
    folder = "model" if method == "full" else "adapter"
    assert (tmp_path / "run" / folder).is_dir()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["method"] == method

    source = from_run(tmp_path / "run")
    base = load_file(str(tiny_base / "model.safetensors"))
    merged = {name: value.detach().numpy() for name, value in source.model.state_dict().items()}
    changed = [name for name, value in base.items() if name in merged and not (merged[name] == value).all()]
    assert changed, "training changed no weight of the merged model"
    manifest = export_model(source, tmp_path / "model", quantize="none", parity_sample=8)
    assert manifest.method == method and manifest.parity["fp32_identical"] == 1.0
    assert len(Summarizer(tmp_path / "model").summarize(["def add(a, b):\n    return a + b"])) == 1
