"""The checkpoints of a run directory: the one place that finds them (training resumes from the last
complete one, export picks the best, last or a named one, the recipe reads the newest log)."""

from __future__ import annotations

import json
from pathlib import Path

from hoverdoc.core.errors import HoverdocError

CHECKPOINTS = "checkpoints"
TRAINER_STATE = "trainer_state.json"


def checkpoint_step(folder: Path) -> int | None:
    """The training step a ``checkpoint-N`` folder was saved at; None for any other name."""
    suffix = folder.name.rsplit("-", 1)[-1]
    return int(suffix) if folder.name.startswith("checkpoint-") and suffix.isdigit() else None


def complete_checkpoints(run_dir: str | Path) -> list[Path]:
    """The run's checkpoint folders whose trainer state was fully written (a kill mid-save leaves
    none), oldest first."""
    folder = Path(run_dir) / CHECKPOINTS
    if not folder.is_dir():
        return []
    complete = []
    for candidate in folder.glob("checkpoint-*"):
        step, state = checkpoint_step(candidate), candidate / TRAINER_STATE
        if step is None or not state.is_file():
            continue
        try:
            json.loads(state.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        complete.append((step, candidate))
    return [path for _, path in sorted(complete)]


def last_complete_checkpoint(run_dir: str | Path) -> Path | None:
    """The newest complete checkpoint, or None."""
    found = complete_checkpoints(run_dir)
    return found[-1] if found else None


def trainer_state(checkpoint: Path) -> dict:
    """A checkpoint's ``trainer_state.json``."""
    return json.loads((checkpoint / TRAINER_STATE).read_text(encoding="utf-8"))


def pick_checkpoint(run_dir: str | Path, which: str | None) -> Path | None:
    """None for the final weights; else the ``best``, ``last`` or named checkpoint folder."""
    if which is None:
        return None
    if which in ("best", "last"):
        last = last_complete_checkpoint(run_dir)
        if last is None:
            raise HoverdocError(f"{run_dir}: has no complete checkpoint")
        if which == "last":
            return last
        best = trainer_state(last).get("best_model_checkpoint")
        return Path(best) if best and Path(best).is_dir() else last
    path = Path(which)
    if not path.is_dir():
        raise HoverdocError(f"--checkpoint {which}: no such folder")
    return path
