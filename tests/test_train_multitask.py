"""The second task: a model that learns parameter and return descriptions beside summaries, exports
both (the manifest says so, the parity check covers them) and serves them through the runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoverdoc.core.extract import extract
from hoverdoc.core.model_input import RETURN_KEY, SEPARATOR, format_input, format_param_input
from hoverdoc.training.data import model_inputs, param_pairs


class _Settings:
    input_format_version = 2
    input_prefix = ""


def test_param_inputs_name_the_parameter_before_the_code():
    code = "def load(path):\n    return open(path)"
    text = format_param_input(code, "path", version=2)
    assert text == f"describe path : {SEPARATOR} {format_input(code, version=1)}"
    assert format_param_input(code, RETURN_KEY, version=1).startswith("describe return : def load")
    record = {"task": "param", "code": code, "param": "path", "description": "The file read.", "repo": "r"}
    pairs = param_pairs([record])
    assert pairs == [
        {"code": code, "summary": "The file read.", "task": "param", "param": "path", "repo": "r"}
    ]
    assert model_inputs(pairs, _Settings()) == [text]


def test_mined_records_describe_return_values_under_the_return_key():
    from hoverdoc.training.mine import param_records

    docstring = "Load it.\n\nArgs:\n    path: The file read.\n\nReturns:\n    The parsed rows.\n"
    pair = {"code": "def load(path):\n    return rows(path)", "docstring": docstring, "name": "load"}
    found = {r["param"]: r["description"] for r in param_records([pair])}
    assert found == {"path": "The file read.", RETURN_KEY: "The parsed rows."}
    assert [r["param"] for r in param_records([pair], returns=False)] == ["path"]


def _param_file(train_file: Path, target: Path) -> Path:
    """Parameter records for the generated corpus: a description that names the parameter's role."""
    records = []
    for line in train_file.read_text().splitlines():
        pair = json.loads(line)
        definitions = extract(pair["code"])
        for param in definitions[0].params if definitions else []:
            if param.name not in ("self", "cls"):
                description = f"the {param.name.replace('_', ' ')} to use"
                records.append({"code": pair["code"], "param": param.name, "description": description})
    target.write_text("".join(json.dumps(r) + "\n" for r in records))
    return target


@pytest.mark.slow
def test_tiny_run_learns_both_tasks_and_serves_parameter_descriptions(tmp_path, tiny_base, pairs_files):
    from hoverdoc.core.model_dir import load_manifest
    from hoverdoc.core.runtime import Summarizer
    from hoverdoc.core.summary import polish
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.parity import pytorch_greedy
    from hoverdoc.export.pipeline import export_model
    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.modeling import ModelSettings
    from hoverdoc.training.train import train

    train_file, eval_file = pairs_files
    options = TrainOptions(
        data=str(train_file),
        eval_data=str(eval_file),
        param_data=str(_param_file(train_file, tmp_path / "params.jsonl")),
        base=str(tiny_base),
        out=str(tmp_path / "run"),
        method="full",
        max_steps=60,
        batch_size=16,
        learning_rate=3e-3,
        eval_steps=60,
        eval_max_samples=8,
        threads=2,
    )
    train(options)
    assert ModelSettings.load(tmp_path / "run").tasks == ["summary", "param"]
    manifest = export_model(from_run(tmp_path / "run"), tmp_path / "model", quantize="none", parity_sample=4)
    assert manifest.tasks == ["summary", "param"]
    assert manifest.parity["sample"] == 8  # four summaries and four parameter inputs, all identical
    assert load_manifest(tmp_path / "model").knows("param")

    summarizer = Summarizer(tmp_path / "model")
    source = from_run(tmp_path / "run")
    for line in train_file.read_text().splitlines()[:3]:
        code = json.loads(line)["code"]
        names = [p.name for p in extract(code)[0].params if p.name not in ("self", "cls")]
        described = summarizer.describe(code, [*names, RETURN_KEY])
        texts = [format_param_input(code, name, version=1) for name in [*names, RETURN_KEY]]
        expected = pytorch_greedy(source.model, source.tokenizer, texts, summarizer.generation, 192)
        assert list(described) == [*names, RETURN_KEY]  # the same as PyTorch, in the runtime's polish
        assert list(described.values()) == [polish(summarizer.decode(ids), code) for ids in expected]
        assert all(text.lower().startswith("the ") for text in described.values())  # the house style


def test_a_summary_only_model_describes_nothing(tiny_model_dir):
    from hoverdoc.core.runtime import Summarizer

    summarizer = Summarizer(tiny_model_dir)
    assert summarizer.manifest.tasks == ["summary"] and not summarizer.describes_params
    assert summarizer.describe("def f(x):\n    return x", ["x"]) == {}
