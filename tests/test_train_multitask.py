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


@pytest.mark.slow
def test_tiny_run_learns_both_tasks_and_serves_parameter_descriptions(
    tiny_multitask_run: Path, tiny_multitask_model_dir: Path, pairs_files
):
    from hoverdoc.core.model_dir import load_manifest
    from hoverdoc.core.runtime import Summarizer
    from hoverdoc.core.summary import polish
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.parity import pytorch_greedy
    from hoverdoc.training.modeling import ModelSettings

    assert ModelSettings.load(tiny_multitask_run).tasks == ["summary", "param"]
    manifest = load_manifest(tiny_multitask_model_dir)
    assert manifest.tasks == ["summary", "param"] and manifest.knows("param")
    assert manifest.parity["sample"] == 8  # four summaries and four parameter inputs, all identical

    summarizer = Summarizer(tiny_multitask_model_dir)
    source = from_run(tiny_multitask_run)
    for line in pairs_files[0].read_text().splitlines()[:3]:
        code = json.loads(line)["code"]
        names = [p.name for p in extract(code)[0].params if p.name not in ("self", "cls")]
        described = summarizer.describe(code, [*names, RETURN_KEY])
        texts = [format_param_input(code, name, version=1) for name in [*names, RETURN_KEY]]
        expected = pytorch_greedy(source.model, source.tokenizer, texts, summarizer.generation, 192)
        assert list(described) == [*names, RETURN_KEY]  # the same as PyTorch, in the runtime's polish
        assert list(described.values()) == [polish(summarizer.decode(ids), code) for ids in expected]
        assert all(text.lower().startswith("the ") for text in described.values())  # the house style


@pytest.mark.slow
def test_eval_params_uses_the_model_where_the_workspace_has_nothing(
    tiny_multitask_model_dir, tmp_path, pairs_files
):
    import subprocess
    import sys

    from hoverdoc.core.runtime import Summarizer

    code = json.loads(pairs_files[0].read_text().splitlines()[0])["code"]
    name = next(p.name for p in extract(code)[0].params if p.name not in ("self", "cls"))
    record = {"code": code, "param": name, "description": f"the {name.replace('_', ' ')} to use"}
    data = tmp_path / "params.jsonl"
    data.write_text(json.dumps(record) + "\n")
    command = [
        sys.executable,
        "-P",
        "-m",
        "hoverdoc.core.cli",
        "eval",
        "--task",
        "params",
        "--data",
        str(data),
    ]
    scores, predicted = {}, {}
    for label, extra in {
        "model": ["--model", str(tiny_multitask_model_dir)],
        "name": ["--baseline", "name"],
    }.items():
        outputs = [*extra, "--json", str(tmp_path / f"{label}.json"), "--predictions", str(tmp_path / label)]
        done = subprocess.run([*command, *outputs], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        scores[label] = json.loads((tmp_path / f"{label}.json").read_text())
        predicted[label] = (tmp_path / label).read_text().strip()
    assert scores["model"]["from_model"] == 1 and scores["name"]["from_placeholder"] == 1
    assert predicted["model"] == Summarizer(tiny_multitask_model_dir).describe(code, [name])[name]
    assert predicted["name"] == f"The {name.replace('_', ' ')}."


def test_a_summary_only_model_describes_nothing(tiny_model_dir):
    from hoverdoc.core.runtime import Summarizer

    summarizer = Summarizer(tiny_model_dir)
    assert summarizer.manifest.tasks == ["summary"] and not summarizer.describes_params
    assert summarizer.describe("def f(x):\n    return x", ["x"]) == {}


@pytest.mark.slow
def test_summarize_docstring_fills_what_the_workspace_lacks_from_the_model(
    tiny_multitask_model_dir, tmp_path
):
    import subprocess
    import sys

    from hoverdoc.core.runtime import Summarizer

    (tmp_path / "docs.py").write_text(
        'def load(path):\n    """Load it.\n\n    Args:\n        path: The JSON file the rows are read from.\n    """\n'
        "    return open(path)\n"
    )
    code = "def save(path, rows):\n    with open(path, 'w') as handle:\n        handle.write(rows)\n"
    (tmp_path / "target.py").write_text(code)
    command = [
        sys.executable,
        "-P",
        "-m",
        "hoverdoc.core.cli",
        "summarize",
        str(tmp_path / "target.py"),
        "--docstring",
        "--model",
        str(tiny_multitask_model_dir),
    ]
    expected = Summarizer(tiny_multitask_model_dir).describe(code.rstrip("\n"), ["rows"])["rows"]
    for flags in ([], ["--model-descriptions"]):  # on by default
        done = subprocess.run([*command, *flags], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "        path: The JSON file the rows are read from.\n" in done.stdout  # the workspace first
        assert f"        rows: {expected}\n" in done.stdout  # then the model
    done = subprocess.run([*command, "--no-model-descriptions"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "        path: The JSON file the rows are read from.\n" in done.stdout
    assert f"        rows: {expected}\n" not in done.stdout and "        rows: The rows.\n" in done.stdout
