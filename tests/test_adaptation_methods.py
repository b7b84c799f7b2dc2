"""Each adaptation method `hoverdoc train` offers trains a few steps on the tiny model, exports through
the torch-free runtime's format, and passes the export's PyTorch/ONNX parity check."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.parametrize("method", ["ia3", "lora", "prompt-tuning", "full"])
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
    expected = {"ia3": (0, 0.02), "lora": (0.001, 0.3), "prompt-tuning": (0, 0.05), "full": (0.99, 1.0)}[
        method
    ]
    assert expected[0] < share <= expected[1]
    folder = "model" if method == "full" else "adapter"
    assert (tmp_path / "run" / folder).is_dir()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["method"] == method

    source = from_run(tmp_path / "run")
    base = load_file(str(tiny_base / "model.safetensors"))
    merged = {name: value.detach().numpy() for name, value in source.model.state_dict().items()}
    changed = [
        name
        for name, value in base.items()
        if name in merged and (merged[name].shape != value.shape or not (merged[name] == value).all())
    ]
    assert changed, "training changed no weight of the merged model"
    manifest = export_model(source, tmp_path / "model", quantize="none", parity_sample=8)
    assert manifest.method == method and manifest.parity["fp32_identical"] == 1.0
    assert (manifest.soft_prompt is not None) == (method == "prompt-tuning")
    assert len(Summarizer(tmp_path / "model").summarize(["def add(a, b):\n    return a + b"])) == 1


@pytest.mark.slow
def test_the_runtime_serves_a_soft_prompt_as_the_prompt_tuned_model_does(
    tmp_path, tiny_base: Path, pairs_files
):
    """The exported soft prompt (vocabulary rows the runtime prepends) gives what peft's own
    prompt-tuned model generates from the raw input."""
    import json

    import torch
    from peft import PeftModel

    from hoverdoc.core.model_input import format_input
    from hoverdoc.core.runtime import Summarizer
    from hoverdoc.core.tokenization import configure_truncation
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model
    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.modeling import load_seq2seq, load_tokenizer
    from hoverdoc.training.train import train

    train_file, eval_file = pairs_files
    options = TrainOptions(
        data=str(train_file),
        base=str(tiny_base),
        out=str(tmp_path / "run"),
        method="prompt-tuning",
        max_steps=30,
        batch_size=16,
        learning_rate=3e-2,
        threads=2,
    )
    options.prompt.num_virtual_tokens = 6
    train(options)
    manifest = export_model(from_run(tmp_path / "run"), tmp_path / "model", quantize="none", parity_sample=8)
    assert manifest.soft_prompt == {"first_id": manifest.soft_prompt["first_id"], "tokens": 6}
    summarizer = Summarizer(tmp_path / "model")

    peft_model = PeftModel.from_pretrained(load_seq2seq(tiny_base), str(tmp_path / "run" / "adapter")).eval()
    tokenizer = configure_truncation(
        load_tokenizer(tiny_base).backend_tokenizer, summarizer.max_source_tokens - 6
    )
    g = summarizer.generation
    codes = [json.loads(line)["code"] for line in eval_file.read_text().splitlines()[:6]]
    for code in codes:
        text = format_input(code)
        ids = torch.tensor([tokenizer.encode(text).ids])
        with torch.no_grad():
            output = peft_model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                do_sample=False,
                num_beams=1,
                max_length=g.max_length,
                no_repeat_ngram_size=g.no_repeat_ngram_size,
                decoder_start_token_id=g.decoder_start_token_id,
                eos_token_id=g.eos_token_id,
                pad_token_id=g.pad_token_id,
                repetition_penalty=g.repetition_penalty,
            )[0].tolist()
        expected = [t for t in output[1:]]
        expected = expected[
            : next(
                (i for i, t in enumerate(expected) if t in (g.eos_token_id, g.pad_token_id)), len(expected)
            )
        ]
        assert summarizer.generate([text])[0] == expected
