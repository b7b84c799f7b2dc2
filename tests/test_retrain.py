"""`hoverdoc retrain`: a repository in its own style in, a better workspace model out (or nothing changed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from corpus_gen import write_repository
from train_cli import run_train

from hoverdoc.core.cli import main as cli
from hoverdoc.core.model_dir import load_manifest
from hoverdoc.core.paths import workspace_model_dir

TRAINING = [
    "--set",
    "learning_rate=0.003",
    "--set",
    "lora.r=8",
    "--set",
    "lora.target_modules=q,k,v,o,wi,wo",
    "--set",
    "batch_size=16",
    "--set",
    "threads=2",
]


@pytest.fixture
def repository(tmp_path) -> Path:
    root = tmp_path / "team-repo"
    write_repository(root, count=360, seed=11)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.mark.slow
def test_retrain_raises_the_heldout_score_and_installs(repository: Path, tiny_base: Path, tmp_path, capsys):
    report_file = tmp_path / "report.json"
    code = cli(
        [
            "retrain",
            str(repository),
            "--base",
            str(tiny_base),
            "--epochs",
            "8",
            "--json",
            str(report_file),
            *TRAINING,
        ]
    )
    report = json.loads(report_file.read_text())
    out = capsys.readouterr()
    assert code == 0, out.err[-2000:]
    assert report["after"]["bleu"] > report["before"]["bleu"] + 5
    assert report["after"]["rougeL"] > report["before"]["rougeL"]
    assert report["installed"] and report["n_heldout"] >= 10 and report["n_train"] > 200
    assert 0 < report["trainable_fraction"] < 0.5
    assert set(report) >= {
        "before",
        "after",
        "n_train",
        "n_heldout",
        "seconds",
        "trainable_fraction",
        "installed",
    }
    installed = workspace_model_dir(repository)
    assert installed is not None and load_manifest(installed).method == "lora"
    assert (repository / ".hoverdoc" / ".gitignore").read_text().strip().endswith("*")
    status = subprocess.run(
        ["git", "-C", str(repository), "status", "--porcelain"], capture_output=True, text=True
    )
    assert ".hoverdoc" not in status.stdout  # kept out of git
    assert "BLEU-4" in out.out and "[6/6] installing" in out.err


def test_too_little_data_changes_nothing(tmp_path, capsys):
    small = tmp_path / "small"
    write_repository(small, count=20, seed=1)
    assert cli(["retrain", str(small), "--base", str(tmp_path / "never-read")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        "found 20 documented functions" in err and "needs at least 50" in err and "Nothing was changed" in err
    )
    assert not (small / ".hoverdoc").exists()


@pytest.mark.slow
def test_a_worse_model_is_not_installed_and_the_old_one_stays(
    repository: Path, tiny_base: Path, tiny_model_dir: Path, pairs_files, tmp_path, capsys
):
    import shutil

    from hoverdoc.export.merge import from_run
    from hoverdoc.export.pipeline import save_weights

    full_run = tmp_path / "full-run"  # a base that already knows the house style well
    assert (
        run_train(
            pairs_files[0],
            tiny_base,
            full_run,
            "--method",
            "full",
            sets=("epochs=25", "learning_rate=0.003", "batch_size=16"),
        )
        == 0
    )
    trained_base = tmp_path / "trained-base"
    save_weights(from_run(full_run), trained_base, "fp32")
    destination = repository / ".hoverdoc" / "model"
    destination.parent.mkdir()
    shutil.copytree(tiny_model_dir, destination)
    before = load_manifest(destination).files
    # a learning rate this high wrecks the adapter: the result scores below the base
    code = cli(
        [
            "retrain",
            str(repository),
            "--base",
            str(trained_base),
            "--epochs",
            "2",
            "--set",
            "learning_rate=5.0",
            "--set",
            "lora.target_modules=q,k,v,o,wi,wo",
            "--set",
            "lora.r=16",
            "--set",
            "lora.alpha=256",
            "--json",
            str(tmp_path / "report.json"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 3 and "not installed" in out, out
    assert load_manifest(destination).files == before


def test_heldout_pairs_of_a_v2_model_are_scored_with_the_rest_of_the_repository():
    from hoverdoc.training.retrain import _Pairs, _scores

    def record(name: str, path: str) -> dict:
        return {"code": f"def {name}(text): ...", "summary": f"{name} it.", "name": name, "path": path}

    train = [record("parse_date", "a.py"), record("parse_time", "b.py")]
    heldout = [record("parse_zone", "c.py"), record("parse_month", "c.py")]
    pairs = _Pairs(train + heldout, train, [], heldout)

    class Summarizer:
        def __init__(self, uses_exemplars: bool):
            self.uses_exemplars = uses_exemplars
            self.manifest = SimpleNamespace(name_summary_kinds=[])
            self.seen = None

        def summarize(self, codes, batch_size=16, exemplars=None, definitions=None):
            self.seen = exemplars
            return ["parse_zone it."] * len(codes)

    v2, v1 = Summarizer(True), Summarizer(False)
    scores, predictions = _scores(v2, pairs)
    assert predictions == ["parse_zone it.", "parse_zone it."] and 0 < scores["bleu"] < 100
    names = [{e.name for e in found} for found in v2.seen]
    assert names[0] == {"parse_date", "parse_time", "parse_month"}  # the whole repository, itself left out
    assert "parse_month" not in names[1] and "parse_zone" in names[1]
    _scores(v1, pairs)
    assert v1.seen is None  # a v1 model reads the code alone


@pytest.mark.slow
def test_search_reports_every_trial_scores_on_the_untouched_part_and_resumes(
    repository: Path, tiny_base: Path, tmp_path, capsys
):
    import sqlite3

    work = tmp_path / "work"
    command = ["retrain", str(repository), "--base", str(tiny_base), "--search", "--budget", "25s"]
    command += ["--work-dir", str(work), "--force", "--json", str(tmp_path / "first.json")]
    assert cli(command) == 0, capsys.readouterr().err[-2000:]
    first = json.loads((tmp_path / "first.json").read_text())
    trials = first["trials"]
    assert trials and all(t["method"] in ("lora", "ia3", "prompt-tuning", "full") for t in trials)
    fixed = trials[0]  # plain retrain's settings come first: the search starts from them
    assert fixed["method"] == "lora" and fixed["settings"]["lora.r"] == 8 and fixed["state"] == "COMPLETE"
    assert all(t["state"] != "FAIL" for t in trials)  # every method's settings train
    assert (
        fixed["settings"]["learning_rate"] == 1e-3
        and fixed["settings"]["lora.target_modules"] == "all-linear"
    )
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    assert complete and all(t["trainable_parameters"] and t["seconds"] is not None for t in complete)
    assert first["chosen"]["validation_bleu"] == max(t["validation_bleu"] for t in complete)
    validation = (work / "validation.jsonl").read_text().splitlines()
    assert first["n_heldout"] > 0 and validation  # the report's test part is not the searched part
    heldout_paths = {json.loads(line)["path"] for line in validation}
    assert "trial" in capsys.readouterr().out  # the trials table

    command[command.index(str(tmp_path / "first.json"))] = str(tmp_path / "second.json")
    assert cli(command) == 0
    with sqlite3.connect(work / "search.db") as db:
        (count,) = db.execute("select count(*) from trials").fetchone()
    assert count > len(trials)  # the second run added trials to the same study
    assert {
        json.loads(line)["path"] for line in (work / "validation.jsonl").read_text().splitlines()
    } == heldout_paths


def test_a_resumed_search_runs_the_fixed_settings_again_unless_they_finished(tmp_path):
    import optuna

    from hoverdoc.training.search import _start_from_fixed_settings, fixed_settings_params

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage, fixed = f"sqlite:///{tmp_path / 'search.db'}", fixed_settings_params(500)
    assert fixed["method"] == "lora" and fixed["epochs"] == 3.0 and fixed["train_share"] == 1.0
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    _start_from_fixed_settings(study, fixed)
    _start_from_fixed_settings(study, fixed)  # queued once only
    assert [t.state.name for t in study.get_trials()] == ["WAITING"]

    trial = study.ask()  # the search is killed during its first trial: left RUNNING
    assert trial.params == {} and trial.number == 0
    resumed = optuna.load_study(storage=storage, study_name="s")
    _start_from_fixed_settings(resumed, fixed)
    assert [t.state.name for t in resumed.get_trials()] == ["FAIL", "WAITING"]

    done = resumed.ask()
    for name, value in fixed.items():  # the fixed settings finish this time
        done.suggest_categorical(name, [value])
    resumed.tell(done, 15.0)
    _start_from_fixed_settings(resumed, fixed)
    assert [t.state.name for t in resumed.get_trials()] == ["FAIL", "COMPLETE"]


@pytest.mark.slow
def test_a_search_continues_its_best_sliced_trial_for_the_rest_of_the_budget(
    tiny_base: Path, pairs_files, tmp_path
):
    import shutil

    import optuna

    from hoverdoc.training.search import CONTINUES, SLICED, TRIALS, run_search, study_name

    train, validation = pairs_files
    shutil.copy(train, tmp_path / "train.jsonl")
    shutil.copy(validation, tmp_path / "validation.jsonl")
    n_train = len(train.read_text().splitlines())
    found = run_search(tmp_path, str(tiny_base), n_train, budget_seconds=40, slice_length=1.0)

    study = optuna.load_study(
        study_name=study_name(tmp_path, str(tiny_base)), storage=f"sqlite:///{tmp_path / 'search.db'}"
    )
    continuations = [t for t in study.trials if CONTINUES in t.user_attrs]
    assert len(continuations) == 1, [t.user_attrs for t in study.trials]
    continuation = continuations[0]
    continued = study.trials[continuation.user_attrs[CONTINUES]]
    sliced = [t for t in study.trials if t.user_attrs.get(SLICED) and t.number < continuation.number]
    assert continued.value == max(t.value for t in sliced)  # the best trial a slice cut short
    assert continuation.state.name == "COMPLETE" and continuation.params == continued.params
    assert max(continuation.intermediate_values) > max(continued.intermediate_values)  # trained on
    assert not (tmp_path / TRIALS / str(continuation.number)).exists()  # in the continued run's folder
    assert any(t.settings.get("continues_trial") == continued.number for t in found.trials)
    # the continuation is the pick, not a slice that scored higher on the noisy validation BLEU
    assert found.best.number == continuation.number
    assert found.best_run == tmp_path / TRIALS / str(continued.number)
    # its run keeps the checkpoint with the lowest validation loss, and is scored by that one's BLEU
    metrics = json.loads((found.best_run / "metrics.json").read_text())
    evaluations = [e for e in metrics["history"] if "eval_loss" in e]
    assert metrics["best"]["loss"] == min(e["eval_loss"] for e in evaluations)
    assert metrics["best"]["checkpoint"].endswith(f"checkpoint-{metrics['best']['step']}")
    assert continuation.value == pytest.approx(metrics["best"]["bleu"])


@pytest.mark.slow
@pytest.mark.parametrize("while_recording", [False, True])
def test_an_interrupt_as_a_trial_is_taken_from_the_queue_leaves_no_trial_running(
    tiny_base: Path, tmp_path, monkeypatch, while_recording: bool
):
    import optuna

    from hoverdoc.training.search import run_search, study_name

    def interrupted(study, *args, **kwargs):
        study.ask()  # the queued trial is RUNNING from here, before Optuna's handler is in place
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            if while_recording:  # Optuna's own error when the interrupt comes as it records a trial
                raise UnboundLocalError("cannot access local variable 'updated_state'")  # noqa: B904 (as Optuna raises it)
            raise

    monkeypatch.setattr(optuna.Study, "optimize", interrupted)
    for name in ("train.jsonl", "validation.jsonl"):  # never read: no trial trains
        (tmp_path / name).write_text('{"code": "def f(): pass", "docstring": "Do nothing."}\n')
    with pytest.raises(KeyboardInterrupt):
        run_search(tmp_path, str(tiny_base), n_train=32, budget_seconds=60)
    study = optuna.load_study(
        study_name=study_name(tmp_path, str(tiny_base)), storage=f"sqlite:///{tmp_path / 'search.db'}"
    )
    states = [trial.state.name for trial in study.trials]
    assert states[0] == "FAIL" and "RUNNING" not in states, states


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_an_interrupted_search_keeps_the_installed_model_and_a_rerun_resumes_its_study(
    repository: Path, tiny_base: Path, tmp_path
):
    import signal
    import sqlite3
    import time

    installed = tmp_path / "installed"
    installed.mkdir()
    (installed / "manifest.json").write_text('{"name": "the team model"}\n')
    work, log = tmp_path / "work", tmp_path / "first.log"
    command = [sys.executable, "-m", "hoverdoc.core.cli", "retrain", str(repository)]
    command += ["--base", str(tiny_base), "--search", "--work-dir", str(work), "--out", str(installed)]

    def trials() -> list[str]:
        if not (work / "search.db").exists():
            return []
        try:
            with sqlite3.connect(work / "search.db") as db:
                return [state for (state,) in db.execute("select state from trials order by number")]
        except sqlite3.OperationalError:  # Optuna is still creating its tables
            return []

    with log.open("w") as stderr:  # as VS Code's Cancel does: SIGINT while a trial trains
        process = subprocess.Popen(
            [*command, "--budget", "5m"],
            stderr=stderr,
            stdout=subprocess.DEVNULL,
            # a suite started in the background (`make test &`) runs with SIGINT ignored, which a child
            # inherits, and then Python never raises KeyboardInterrupt: the child gets the default back
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        # at once when a trial runs: the tiny model's first trial can finish within a second or two
        deadline, states = time.time() + 240, []
        while time.time() < deadline and "RUNNING" not in states:
            assert process.poll() is None, log.read_text()[-2000:]
            time.sleep(0.05)
            states = trials()
        assert "RUNNING" in states, log.read_text()[-2000:]
        interrupted = states.index("RUNNING")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 130, log.read_text()[-2000:]
    assert "interrupted" in log.read_text()
    assert sorted(p.name for p in installed.iterdir()) == ["manifest.json"]
    assert (installed / "manifest.json").read_text() == '{"name": "the team model"}\n'
    before = trials()
    # Optuna (or the search, where the interrupt came before Optuna's handler) marked it failed
    assert before[interrupted] == "FAIL" and "RUNNING" not in before, before

    rerun = subprocess.run([*command, "--budget", "20s", "--force"], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = trials()
    assert after[interrupted] == "FAIL" and len(after) > len(before)  # the same study, resumed
    assert "COMPLETE" in after
    assert (installed / "manifest.json").read_text() != '{"name": "the team model"}\n'
