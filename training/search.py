"""``hoverdoc retrain --search``: an Optuna study of how to adapt the model to one codebase.

Each trial picks an adaptation method (LoRA, IA3, prompt tuning or full fine-tuning) and its settings
(LoRA rank and target modules, soft prompt length, learning rate, epochs, share of the training
pairs), trains on the training files and is scored, at each evaluation, on a validation part of the
held-out files.

Multi-fidelity, because a full-size trial can take a whole budget on a laptop: during the first half
of the budget every trial trains for one slice of it (a sixth of the budget, 2 to 10 minutes) and is
scored where the slice ends; the trials start from a portfolio (plain ``retrain``'s fixed settings
first, then a faster-learning LoRA and IA3), then TPE proposes the next ones and a median pruner stops
trials that trail the others at the same step. The best trial that a slice cut short then continues
from its last checkpoint, on its own schedule, for the rest of the budget, and that continuation is
the search's pick. Within a run the checkpoint kept is the one with the lowest validation loss, and
a trial scores that checkpoint's validation BLEU-4. The study lives in SQLite in the work folder, so
a killed search resumes where it stopped. The held-out files' other part, the test part, is scored
once at the end for the before/after report, so the reported gain is not tuned on.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hoverdoc.core.errors import HoverdocError

from .config import ALL_LINEAR

STUDY_NAME = "retrain-search-v2"  # v2: trials score their lowest-loss checkpoint
SCREENING_SHARE = 0.5  # of the budget, for sliced trials; then the best one continues
SLICES_PER_BUDGET = 6
SLICE_LIMITS = (120.0, 600.0)  # seconds
CONTINUES = "continues"  # user attribute: the trial number whose run a trial continues
SLICED = "sliced"  # user attribute: the trial stopped at the end of its slice, not of its schedule
BATCH_SIZE = 16
MIN_PART = 5
EVALUATIONS_PER_TRIAL = 4
TRIALS = "trials"
# Attention-only LoRA per architecture (the other choice is every linear layer).
ATTENTION_MODULES = {"bart": ["q_proj", "v_proj"], "t5": ["q", "v"]}


@dataclass
class TrialRecord:
    """One trial of the report: what it tried, what it cost, how it scored on the validation part."""

    number: int
    state: str  # COMPLETE, PRUNED, FAIL, RUNNING
    method: str
    settings: dict[str, Any]
    trainable_parameters: int | None = None
    seconds: float | None = None
    validation_bleu: float | None = None


@dataclass
class SearchResult:
    """The best trial's run folder and every trial."""

    best_run: Path
    best: TrialRecord
    trials: list[TrialRecord] = field(default_factory=list)


def split_validation(heldout: list[dict]) -> tuple[list[dict], list[dict]]:
    """(validation, test): the held-out pairs split by file, about half each (fixed per path)."""
    validation, test = [], []
    for record in heldout:
        key = f"{record.get('repo', '')}/{record.get('path', '')}"
        digest = int(hashlib.sha256(f"validation:{key}".encode()).hexdigest()[:8], 16)
        (validation if digest % 2 == 0 else test).append(record)
    if not validation or not test:  # one held-out file: split its pairs instead
        half = len(heldout) // 2
        validation, test = heldout[:half], heldout[half:]
    if len(validation) < MIN_PART or len(test) < MIN_PART:
        raise HoverdocError(
            f"{len(heldout)} held-out functions are too few to split into a search part and a test "
            f"part of at least {MIN_PART} each; retrain without --search"
        )
    return validation, test


def evaluation_interval(pairs: int, epochs: float) -> int:
    """Steps between evaluations: about EVALUATIONS_PER_TRIAL per trial, so that even a small
    codebase's short trials are scored (and pruned) several times."""
    steps = max(1, int(-(-pairs // BATCH_SIZE) * epochs))
    return max(1, steps // EVALUATIONS_PER_TRIAL)


def suggest(trial, model_type: str, n_train: int) -> dict[str, Any]:
    """A trial's ``hoverdoc train`` settings, drawn from the search space."""
    method = trial.suggest_categorical("method", ["lora", "ia3", "prompt-tuning", "full"])
    settings: dict[str, Any] = {"method": method}
    if method == "lora":
        settings["lora.r"] = trial.suggest_categorical("lora.r", [4, 8, 16, 32])
        settings["lora.alpha"] = 2 * settings["lora.r"]
        targets = trial.suggest_categorical("lora.targets", [ALL_LINEAR, "attention"])
        attention = ATTENTION_MODULES.get(model_type)
        settings["lora.target_modules"] = attention if targets == "attention" and attention else ALL_LINEAR
        low, high = 2e-4, 3e-3
    elif method == "ia3":
        low, high = 1e-3, 1e-2
    elif method == "prompt-tuning":
        settings["prompt.num_virtual_tokens"] = trial.suggest_categorical("prompt.tokens", [10, 20, 40])
        low, high = 3e-3, 3e-2
    else:
        low, high = 2e-5, 3e-4
    settings["learning_rate"] = trial.suggest_float(f"{method}.learning_rate", low, high, log=True)
    settings["epochs"] = trial.suggest_float("epochs", 1.0, 4.0, step=0.5)
    share = trial.suggest_categorical("train_share", [0.5, 1.0])
    settings["max_train_samples"] = max(16, int(n_train * share))
    return settings


def fixed_settings_params(n_train: int) -> dict[str, Any]:
    """The search-space parameters of ``retrain`` without ``--search`` (LoRA rank 8 on every linear
    layer, learning rate 1e-3, ``retrain_epochs``, all the training pairs)."""
    from .config import LoraOptions, TrainOptions, retrain_epochs

    return {
        "method": "lora",
        "lora.r": LoraOptions().r,
        "lora.targets": ALL_LINEAR,
        "lora.learning_rate": TrainOptions(method="lora").resolved_learning_rate(),
        "epochs": retrain_epochs(n_train),
        "train_share": 1.0,
    }


def portfolio_params(n_train: int) -> list[dict[str, Any]]:
    """The first trials of every search: plain ``retrain``'s fixed settings, then two that learn
    faster in a short slice (LoRA rank 16 at twice the learning rate; IA3, the cheapest per step)."""
    fixed = fixed_settings_params(n_train)
    faster_lora = {**fixed, "lora.r": 16, "lora.learning_rate": 2e-3}
    ia3 = {"method": "ia3", "ia3.learning_rate": 5e-3, "epochs": fixed["epochs"], "train_share": 1.0}
    return [fixed, faster_lora, ia3]


def _start_from_fixed_settings(study, fixed: dict[str, Any]) -> None:
    """Queue plain retrain's settings first, so the search starts from them, unless a trial of them
    already finished; a trial a killed search left running is marked failed, so it runs again."""
    from optuna.trial import TrialState

    # One search runs per work folder, so a trial still RUNNING here is left over (Optuna's own
    # stale-trial check needs heartbeats and a grace period; this is that check, at once).
    _fail_running(study)
    # A continuation belongs to the search that queued it: one left waiting would take a whole new
    # budget before any screening.
    for trial in study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        if CONTINUES in trial.user_attrs:
            study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
    _queue_unless_tried(study, fixed)


def _fail_running(study) -> None:
    """Mark every trial still RUNNING failed: left over by a killed search, or interrupted before
    Optuna's own handler could mark it (a cancel just as the trial was taken from the queue)."""
    from optuna.trial import TrialState

    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)


def _queue_unless_tried(study, params: dict[str, Any]) -> None:
    """Queue a trial of ``params`` unless one finished, was pruned or waits already."""
    from optuna.trial import TrialState

    kept = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.WAITING)
    trials = study.get_trials(deepcopy=False, states=kept)
    if not any(params in (t.params, t.system_attrs.get("fixed_params")) for t in trials):
        study.enqueue_trial(params)


def slice_seconds(budget_seconds: float) -> float:
    """How long one screening trial trains: a sixth of the budget, within SLICE_LIMITS."""
    low, high = SLICE_LIMITS
    return min(high, max(low, budget_seconds / SLICES_PER_BUDGET))


def finished_run(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a run that trained to its end (or its deadline) and saved its weights."""
    from .modeling import RunInfo

    try:
        return RunInfo.load(run_dir).finished
    except HoverdocError:
        return False


def _queue_continuation(work: Path, study) -> bool:
    """Queue the continuation of the best trial a slice cut short whose run can be resumed; whether
    one was."""
    from optuna.trial import TrialState

    from .checkpoints import last_complete_checkpoint

    if study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
        # screening trials still queued run first (Optuna takes them in order): a continuation queued
        # now would continue the best so far, not the best of them (a loaded machine showed it)
        return False
    cut = [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.user_attrs.get(SLICED)  # never a continuation: it runs to the budget's end
    ]
    if not cut:
        return False
    best = max(cut, key=lambda t: t.value)
    run_dir = run_dir_of(work, best)
    if not finished_run(run_dir) or last_complete_checkpoint(run_dir) is None:
        return False
    study.enqueue_trial(best.params, user_attrs={CONTINUES: best.number}, skip_if_exists=False)
    return True


def _callback(trial, deadline: float, prunable: bool = True):
    """Reports each validation BLEU to the trial, stops a pruned trial (unless not ``prunable``) and any
    trial at the deadline (its slice's end, or the budget's)."""
    from transformers import TrainerCallback

    class SearchCallback(TrainerCallback):
        pruned = False
        stopped_at_deadline = False

        def on_evaluate(self, args, state, control, metrics=None, **kwargs):
            value = (metrics or {}).get("eval_bleu")
            if value is not None:
                trial.report(float(value), state.global_step)
                if prunable and trial.should_prune():
                    self.pruned = True
                    control.should_training_stop = True

        def on_step_end(self, args, state, control, **kwargs):
            if time.monotonic() >= deadline:
                control.should_evaluate = True  # score what it has, keep it, then stop
                control.should_save = True
                control.should_training_stop = True
                self.stopped_at_deadline = True

    return SearchCallback()


@dataclass
class _Clock:
    """The search's deadlines: the budget's end, and until when trials train for one slice only."""

    deadline: float
    screening_until: float
    slice: float

    def trial_deadline(self, continuing: bool) -> float:
        """When a trial starting now must stop."""
        now = time.monotonic()
        if continuing or now >= self.screening_until:
            return self.deadline
        return min(self.deadline, now + self.slice)


def _trial_options(work: Path, base: str, seed: int, settings: dict[str, Any], run_dir: Path):
    """The ``hoverdoc train`` options of one trial (``seed`` also draws its share of the pairs)."""
    from .config import TrainOptions, apply_overrides, nest_dotted

    options = TrainOptions(
        data=str(work / "train.jsonl"),
        eval_data=str(work / "validation.jsonl"),
        base=base,
        out=str(run_dir),
        batch_size=BATCH_SIZE,
        early_stopping_patience=3,
        eval_max_samples=200,
        # The checkpoint a run keeps is the one with the lowest validation loss: BLEU-4 on ~100
        # functions moves by half a point between neighbouring checkpoints of one run, while the loss
        # averages over every reference token (on Twisted, BLEU kept a quarter-trained slice that
        # lost 1.5 BLEU on test to the full run).
        metric_for_best="loss",
        seed=seed,
    )
    apply_overrides(options, nest_dotted(settings), "search")
    options.eval_steps = evaluation_interval(settings["max_train_samples"], options.epochs)
    return options


def _objective(work: Path, base: str, model_type: str, n_train: int, clock: _Clock):
    import optuna

    from .train import train

    def objective(trial) -> float:
        settings = suggest(trial, model_type, n_train)
        continued = trial.user_attrs.get(CONTINUES)
        owner = trial.number if continued is None else continued  # the same seed: the same pairs
        run_dir = work / TRIALS / str(owner)
        if continued is None:
            shutil.rmtree(run_dir, ignore_errors=True)
        options = _trial_options(work, base, owner, settings, run_dir)
        # a continuation is never pruned: its folder holds the trial it continues
        callback = _callback(trial, clock.trial_deadline(continued is not None), continued is None)
        started = time.perf_counter()
        result = train(options, resume=continued is not None, callbacks=[callback])
        trial.set_user_attr("settings", settings)
        trial.set_user_attr("trainable_parameters", result.trainable_parameters)
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 1))
        trial.set_user_attr(SLICED, callback.stopped_at_deadline and continued is None)
        if callback.pruned:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise optuna.TrialPruned()
        if "bleu" not in result.best_scores:
            raise HoverdocError("the trial was never evaluated")
        return float(result.best_scores["bleu"])  # of the checkpoint the run keeps

    return objective


def run_dir_of(work: Path, frozen) -> Path:
    """The run folder of a trial (a continuation trains on in the run it continues)."""
    return work / TRIALS / str(frozen.user_attrs.get(CONTINUES, frozen.number))


def _record(frozen) -> TrialRecord:
    settings = frozen.user_attrs.get("settings") or {"method": frozen.params.get("method", "?")}
    shown = {k: v for k, v in settings.items() if k != "method"}
    if CONTINUES in frozen.user_attrs:
        shown["continues_trial"] = frozen.user_attrs[CONTINUES]
    return TrialRecord(
        number=frozen.number,
        state=frozen.state.name,
        method=str(settings.get("method")),
        settings=shown,
        trainable_parameters=frozen.user_attrs.get("trainable_parameters"),
        seconds=frozen.user_attrs.get("seconds"),
        validation_bleu=round(frozen.value, 2) if frozen.value is not None else None,
    )


def study_name(work: Path, base: str) -> str:
    """The study's name: a re-run resumes it only for the same training and validation data and base."""
    hasher = hashlib.sha256(base.encode())
    for name in ("train.jsonl", "validation.jsonl"):
        hasher.update((work / name).read_bytes())
    return f"{STUDY_NAME}-{hasher.hexdigest()[:12]}"


def run_search(
    work: Path,
    base: str,
    n_train: int,
    budget_seconds: float,
    seed: int = 0,
    slice_length: float | None = None,
) -> SearchResult:
    """Search within ``budget_seconds`` of wall clock (a trial running at the end is stopped and
    scored); ``work`` holds train.jsonl and validation.jsonl, the study and the trials' runs.
    ``slice_length``: seconds per screening trial (default: ``slice_seconds`` of the budget)."""
    import optuna

    from .modeling import check_seq2seq_config

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=f"sqlite:///{work / 'search.db'}",
        study_name=study_name(work, base),
        load_if_exists=True,  # a re-run resumes the study
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=3),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
    )
    first, *others = portfolio_params(n_train)
    _start_from_fixed_settings(study, first)
    for params in others:
        _queue_unless_tried(study, params)
    now = time.monotonic()
    clock = _Clock(
        now + budget_seconds,
        now + SCREENING_SHARE * budget_seconds,
        slice_length or slice_seconds(budget_seconds),
    )

    continuing = False  # at most one continuation per search

    def announce(study, frozen) -> None:
        nonlocal continuing
        record = _record(frozen)
        score = f"{record.validation_bleu:.2f}" if record.validation_bleu is not None else "-"
        print(
            f"    trial {record.number}: {record.method} {record.settings} {record.state} {score}",
            file=sys.stderr,
        )
        now = time.monotonic()
        worth_it = clock.deadline - now >= clock.slice / 2
        if not continuing and now >= clock.screening_until and worth_it:
            continuing = _queue_continuation(work, study)
            if continuing:
                print("    continuing the best trial for the rest of the budget", file=sys.stderr)

    objective = _objective(work, base, check_seq2seq_config(base).model_type, n_train, clock)
    try:
        study.optimize(
            objective,
            timeout=budget_seconds,
            catch=(HoverdocError,),
            callbacks=[announce],
            gc_after_trial=True,
        )
    except BaseException as error:
        _fail_running(study)
        # an interrupt while Optuna records a trial surfaces as Optuna's own error: still a cancel
        if not isinstance(error, KeyboardInterrupt) and isinstance(error.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from error
        raise
    return _result(work, study)


def _result(work: Path, study) -> SearchResult:
    """The search's pick, and every trial: the continuation, when one finished (the screening's
    winner trained on; slices and continuation are not compared by validation BLEU, whose noise on
    ~100 functions is as large as their differences), else the best complete trial whose run folder
    holds a finished run."""
    from optuna.trial import TrialState

    # a trial still queued when the budget ran out never ran: not one of the search's trials
    trials = [_record(t) for t in study.trials if t.state != TrialState.WAITING]
    complete = [
        t for t in study.trials if t.state == TrialState.COMPLETE and finished_run(run_dir_of(work, t))
    ]
    continued = [t for t in complete if CONTINUES in t.user_attrs]
    # a trial whose continuation started no longer stands for itself: its folder holds what the
    # continuation made of it (finished or not)
    started = [t for t in study.trials if CONTINUES in t.user_attrs and t.state != TrialState.WAITING]
    continued_numbers = {t.user_attrs[CONTINUES] for t in started}
    alone = [t for t in complete if t.number not in continued_numbers]
    if not continued and not alone:
        raise HoverdocError("no trial finished within the budget; give the search more time (--budget)")
    best = continued[-1] if continued else max(alone, key=lambda t: t.value)
    return SearchResult(run_dir_of(work, best), _record(best), trials)
