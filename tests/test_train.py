"""`hoverdoc train`: LoRA on a tiny T5, resuming after a kill, bad input, config files, DDP on CPU."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from train_cli import run_train

from hoverdoc.core.cli import main as cli
from hoverdoc.training.modeling import RunInfo


def test_lora_run_learns_and_writes_a_loadable_adapter(tiny_run: Path, tiny_base: Path):
    metrics = json.loads((tiny_run / "metrics.json").read_text())
    losses = [entry["loss"] for entry in metrics["history"] if "loss" in entry]
    assert losses[-1] < losses[0] - 0.5  # the training loss went down
    info = RunInfo.load(tiny_run)
    assert info.finished and info.method == "lora"
    assert info.trainable_parameters / info.total_parameters < 0.05
    assert info.data_digest and info.base_digest and info.settings["input_format_version"] == 1
    assert (tiny_run / "adapter" / "adapter_model.safetensors").is_file()
    assert (tiny_run / "tokenizer" / "tokenizer.json").is_file()
    assert list((tiny_run / "logs").glob("events.out.tfevents.*"))  # TensorBoard

    from peft import PeftModel

    from hoverdoc.training.modeling import load_seq2seq

    model = PeftModel.from_pretrained(load_seq2seq(str(tiny_base)), str(tiny_run / "adapter"))
    assert any("lora_" in name for name, _ in model.named_parameters())


def test_default_lora_is_a_small_share_of_a_realistically_shaped_model():
    from peft import get_peft_model
    from transformers import T5Config, T5ForConditionalGeneration

    from hoverdoc.training.config import TrainOptions
    from hoverdoc.training.modeling import count_parameters
    from hoverdoc.training.train import _apply_adapter

    model = T5ForConditionalGeneration(
        T5Config(
            vocab_size=8000, d_model=256, d_kv=32, d_ff=1024, num_layers=2, num_decoder_layers=2, num_heads=8
        )
    )
    adapted = _apply_adapter(model, TrainOptions())
    trainable, total = count_parameters(adapted)
    assert 0 < trainable / total < 0.05
    assert get_peft_model  # peft is what applies the adapters


def train_args(base: Path, train_file: Path, eval_file: Path | None, out: Path, *extra: str) -> list[str]:
    args = [
        "train",
        "--data",
        str(train_file),
        "--base",
        str(base),
        "--out",
        str(out),
        "--set",
        "batch_size=8",
        "--set",
        "threads=1",
        "--set",
        "lora.r=4",
        "--set",
        "lora.target_modules=q,v",
    ]
    if eval_file is not None:
        args += ["--eval", str(eval_file)]
    return args + list(extra)


def final_step(run_dir: Path) -> int:
    states = sorted(
        run_dir.glob("checkpoints/checkpoint-*/trainer_state.json"),
        key=lambda p: int(p.parent.name.split("-")[1]),
    )
    return json.loads(states[-1].read_text())["global_step"]


@pytest.mark.slow
def test_killed_run_resumes_from_last_checkpoint(tmp_path, tiny_base, pairs_files):
    train_file, _ = pairs_files
    options = ["--set", "epochs=6", "--set", "eval_steps=10", "--set", "save_total_limit=50"]
    reference = tmp_path / "uninterrupted"
    assert cli(train_args(tiny_base, train_file, None, reference, *options)) == 0
    expected = final_step(reference)

    killed = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "hoverdoc.core.cli",
        *train_args(tiny_base, train_file, None, killed, *options),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while (
        time.time() < deadline and len(list(killed.glob("checkpoints/checkpoint-*/trainer_state.json"))) < 2
    ):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = final_step(killed)
    assert 0 < done_before < expected

    assert cli(train_args(tiny_base, train_file, None, killed, *options, "--resume")) == 0
    assert final_step(killed) == expected
    assert RunInfo.load(killed).finished


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"code": "def f(): pass", "summary": "Do."}\n{"code": \n', "train.jsonl:2: not valid JSON"),
        ('{"code": "def f(): pass"}\n', "train.jsonl:1: missing or empty field 'summary'"),
        ("", "train.jsonl: no pairs in file"),
    ],
)
def test_bad_data_is_a_one_line_error(tmp_path, capsys, content, message):
    data = tmp_path / "train.jsonl"
    data.write_text(content)
    unused_base = tmp_path  # the data is refused before the base is read
    assert cli(train_args(unused_base, data, None, tmp_path / "run")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("hoverdoc train: error:") and message in err[-1]


def test_bad_bases_are_one_line_errors(tmp_path, pairs_files, capsys):
    from transformers import BertConfig

    train_file, _ = pairs_files
    encoder_only = tmp_path / "bert"
    BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32
    ).save_pretrained(encoder_only)
    assert cli(train_args(encoder_only, train_file, None, tmp_path / "r1")) == 2
    assert "not a sequence-to-sequence" in capsys.readouterr().err
    assert cli(train_args(Path("nobody/no-such-model-anywhere"), train_file, None, tmp_path / "r2")) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot load base model 'nobody/no-such-model-anywhere'" in err[0]
    assert "HF_HUB_OFFLINE" in err[0]


@pytest.mark.slow
def test_existing_run_needs_resume_and_config_file_is_read(tmp_path, tiny_base, pairs_files, capsys):
    train_file, _ = pairs_files
    config = tmp_path / "train.toml"
    config.write_text('max_steps = 3\nlogging_steps = 1\n[lora]\nr = 2\ntarget_modules = ["q"]\n')
    out = tmp_path / "run"
    assert run_train(train_file, tiny_base, out, "--config", str(config), sets=("batch_size=4",)) == 0
    info = RunInfo.load(out)
    assert (
        info.options["max_steps"] == 3 and info.options["lora"]["r"] == 2 and info.options["batch_size"] == 4
    )
    assert final_step(out) == 3
    assert run_train(train_file, tiny_base, out) == 2
    assert "already holds a run" in capsys.readouterr().err
    config.write_text("bogus_option = 1\n")
    assert run_train(train_file, tiny_base, tmp_path / "r3", "--config", str(config)) == 2
    assert "unknown option 'bogus_option'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("torchrun") is None and not (Path(sys.executable).parent / "torchrun").exists(),
    reason="torchrun not installed",
)
def test_two_process_ddp_on_cpu(tmp_path, tiny_base, pairs_files):
    train_file, _ = pairs_files
    torchrun = str(Path(sys.executable).parent / "torchrun")
    single = tmp_path / "single"
    assert cli(train_args(tiny_base, train_file, None, single, "--set", "epochs=1")) == 0
    ddp = tmp_path / "ddp"
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            torchrun,
            "--nproc-per-node",
            "2",
            "--master-port",
            "29517",
            "-m",
            "hoverdoc.core.cli",
            *train_args(tiny_base, train_file, None, ddp, "--set", "epochs=1"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    # the failing rank's own message comes before torchrun's long report
    assert result.returncode == 0, result.stderr[-8000:]
    assert (ddp / "adapter" / "adapter_model.safetensors").is_file()
    # two processes split each epoch: half the optimizer steps of the single-process run
    assert final_step(ddp) == -(-final_step(single) // 2)


@pytest.mark.parametrize("method", ["lora", "ia3", "prompt-tuning", "full"])
def test_train_accepts_every_method_the_trainer_knows_on_the_command_line(method):
    from hoverdoc.core.cli import TRAINING_METHODS, build_parser
    from hoverdoc.training.config import METHODS
    from hoverdoc.training.train import options_from_args

    assert TRAINING_METHODS == METHODS
    args = build_parser().parse_args(
        ["train", "--data", "d.jsonl", "--base", "b", "--out", "o", "--method", method]
    )
    assert options_from_args(args).method == method
