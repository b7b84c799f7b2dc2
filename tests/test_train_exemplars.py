"""``hoverdoc train`` of an input-format-2 model on CPU: inputs carry each pair's exemplars from its own
project (itself left out), a fixed share carries none, and the export is a v2 model directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hoverdoc.core.model_input import SEPARATOR, Exemplar, format_input
from hoverdoc.training.config import TrainOptions
from hoverdoc.training.data import PairsDataset, drop_exemplars, model_inputs, with_exemplars


class _Settings:
    input_format_version = 2
    input_prefix = ""


def test_exemplars_come_from_the_own_project_without_the_pair_itself():
    records = [
        {
            "code": "def parse_date(text): ...",
            "summary": "Parse a date.",
            "name": "parse_date",
            "path": "a.py",
        },
        {
            "code": "def parse_time(text): ...",
            "summary": "Parse a time.",
            "name": "parse_time",
            "path": "b.py",
        },
        {
            "code": "def parse_zone(text): ...",
            "summary": "Parse a zone.",
            "name": "parse_zone",
            "path": "c.py",
        },
        {
            "code": "def parse_month(text): ...",
            "summary": "Parse a month.",
            "name": "parse_month",
            "path": "d.py",
            "repo": "other",
        },
    ]
    found = with_exemplars(records)
    assert "exemplars" not in records[0]  # the caller's records are left alone
    names = [{e.name for e in r["exemplars"]} for r in found]
    assert names[0] == {"parse_time", "parse_zone"}  # records without repo: one project; itself left out
    assert names[3] == set()  # the only pair of its project
    text = model_inputs(found[:1], _Settings())[0]
    assert text == format_input(records[0]["code"], exemplars=found[0]["exemplars"], version=2)
    assert (
        f"parse_time : Parse a time. {SEPARATOR}" in text or f"parse_zone : Parse a zone. {SEPARATOR}" in text
    )


def test_the_share_without_exemplars_is_fixed_per_seed():
    def records():
        return [{"code": "", "summary": "", "exemplars": [Exemplar("f", "Do.", 0.5)]} for _ in range(200)]

    first, again, other = records(), records(), records()
    emptied = drop_exemplars(first, 0.2, seed=1)
    drop_exemplars(again, 0.2, seed=1)
    drop_exemplars(other, 0.2, seed=2)
    assert 20 <= emptied <= 60
    assert [bool(r["exemplars"]) for r in first] == [bool(r["exemplars"]) for r in again]
    assert [bool(r["exemplars"]) for r in first] != [bool(r["exemplars"]) for r in other]


@pytest.mark.slow
def test_tiny_v2_run_trains_on_exemplar_inputs_and_exports_v2(tmp_path, tiny_base: Path, pairs_files):
    from hoverdoc.core.model_dir import load_manifest
    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import export_model
    from hoverdoc.training import train as train_module
    from hoverdoc.training.modeling import ModelSettings

    train_file, eval_file = pairs_files
    options = TrainOptions(
        data=str(train_file),
        eval_data=str(eval_file),
        base=str(tiny_base),  # its hoverdoc.json says nothing of the format: v1
        out=str(tmp_path / "run"),
        method="full",
        input_format_version=2,
        max_steps=4,
        batch_size=16,
        eval_steps=4,
        eval_max_samples=8,
        threads=2,
    )
    seen: list[PairsDataset] = []
    original = train_module.PairsDataset

    def recording(*args, **kwargs):
        dataset = original(*args, **kwargs)
        seen.append(dataset)
        return dataset

    train_module.PairsDataset = recording
    try:
        train_module.train(options)
    finally:
        train_module.PairsDataset = original
    training, evaluation = seen
    with_some = [s for s in training.sources if not s.startswith(SEPARATOR)]
    assert all(f" {SEPARATOR} " in s or s.startswith(f"{SEPARATOR} ") for s in training.sources)
    assert 0.6 * len(training) <= len(with_some) < len(training)  # about 20% shown without exemplars
    assert " : " in with_some[0].split(SEPARATOR)[0]  # "<bucket> <name> : <summary>"
    assert all(not s.startswith(SEPARATOR) for s in evaluation.sources)  # eval pairs: all with exemplars
    assert ModelSettings.load(tmp_path / "run").input_format_version == 2
    assert json.loads((tmp_path / "run" / "run.json").read_text())["settings"]["input_format_version"] == 2

    export_model(from_run(tmp_path / "run"), tmp_path / "model", quantize="none", parity_sample=4)
    assert load_manifest(tmp_path / "model").input_format_version == 2


def test_unknown_input_format_is_a_one_line_error(tmp_path, pairs_files, capsys):
    from hoverdoc.core.cli import main as cli

    train_file, _ = pairs_files
    base = tmp_path / "base"  # refused before the base is loaded
    base.mkdir()
    args = ["train", "--data", str(train_file), "--base", str(base), "--out", str(tmp_path / "run")]
    assert cli([*args, "--set", "input_format_version=7"]) != 0
    assert "input_format_version" in capsys.readouterr().err
    assert not (tmp_path / "run" / "run.json").exists()


def test_bf16_follows_the_setting_and_the_cpu_flags():
    import pytest

    from hoverdoc.core.errors import HoverdocError
    from hoverdoc.training.train import cpu_has_bf16, use_bf16

    assert cpu_has_bf16("flags : fpu avx512f avx512_bf16 sse") is True
    assert cpu_has_bf16("flags : fpu amx_bf16 amx_tile") is True
    assert cpu_has_bf16("flags : fpu avx2 avx512f") is False
    assert use_bf16("on", True) is True and use_bf16("off", True) is False
    assert use_bf16("auto", True) is cpu_has_bf16()
    with pytest.raises(HoverdocError):
        use_bf16("maybe", True)
