"""The ``hoverdoc`` command line. Each subcommand imports its stage only when it runs, so
``hoverdoc --help`` and ``hoverdoc serve`` never load torch."""

from __future__ import annotations  # a compiler directive; __future__ is loaded at start-up

import os
import sys

if __name__ == "__main__":  # python -m hoverdoc.core.cli: never import from the current directory
    if not getattr(sys.flags, "safe_path", False) and sys.path:
        try:
            _unsafe = sys.path[0] in ("", ".") or os.path.realpath(sys.path[0]) == os.path.realpath(
                os.getcwd()
            )
        except OSError:
            _unsafe = True
        if _unsafe:
            del sys.path[0]

import argparse  # noqa: E402
import importlib  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from .errors import HoverdocError
from .styles import DOCSTRING_STYLES

# bounds the server's settings share: onnxruntime allocates per thread (100,000 took 24 GB)
MAX_THREADS = 256
MAX_BEAMS = 32
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")

# subcommand -> "module:function"; the function takes the parsed arguments and returns an exit code
HANDLERS = {
    "mine": "hoverdoc.training.mine_cli:run",
    "train": "hoverdoc.training.train:run",
    "export": "hoverdoc.export.cli:run",
    "eval": "hoverdoc.core.evaluate:run",
    "summarize": "hoverdoc.server.summarize_cli:run",
    "check": "hoverdoc.core.check_cli:run",
    "eval-params": "hoverdoc.server.param_eval:run",
    "serve": "hoverdoc.server.__main__:run",
    "retrain": "hoverdoc.training.retrain:run",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage stays behind ``--help``)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# training.config.METHODS, which this layer may not import (a test keeps the two equal)
TRAINING_METHODS = ("lora", "ia3", "prompt-tuning", "full")


def _int_at_least(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [minimum, maximum]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            raise argparse.ArgumentTypeError(f"{value} is out of range (must be {bounds})")
        return value

    return parse


def _output_file(text: str) -> str:
    """An argparse type: a file to write, in a folder that exists, that is not itself a folder."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {path.parent} does not exist")
    return text


def _existing_folder(text: str) -> str:
    """An argparse type: a folder that exists."""
    if not Path(text).expanduser().is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a folder")
    return text


def _pairs_out(text: str) -> str:
    """An argparse type: a pairs file to write (its folder is created), not a folder, a device or
    FIFO, nor Python source (mine's own input)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a regular file (a FIFO or device); give a file name")
    if path.suffix in PYTHON_SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text} is Python source; pairs files are JSONL (.jsonl)")
    return text


def _duration(text: str) -> float:
    """``20m``, ``90s``, ``1h`` or plain seconds, as seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 20m, 90s or 1h")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        default=os.environ.get("HOVERDOC_MODEL"),
        help="model directory (default: $HOVERDOC_MODEL, else the workspace model, else the bundled one)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="hoverdoc", description="Local code summaries and docstrings.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    mine = sub.add_parser("mine", help="extract (code, summary) pairs from files, folders or git repos")
    mine.add_argument("paths", nargs="+", metavar="PATH")
    mine.add_argument("--out", required=True, type=_pairs_out, help="pairs file to write (JSONL)")
    mine.add_argument("--dev-fraction", type=float, default=0.0, help="share of files held out for --dev-out")
    mine.add_argument("--dev-out", type=_pairs_out, help="pairs file for the held-out files")
    mine.add_argument("--include-tests", action="store_true", help="also mine test files and folders")
    mine.add_argument("--include-vendored", action="store_true", help="also mine vendored folders")
    mine.add_argument("--no-classes", action="store_true", help="mine functions and methods only")
    mine.add_argument(
        "--exclude", action="append", default=[], metavar="PATTERN", help="gitignore-style pattern"
    )
    mine.add_argument("--workers", type=_int_at_least(1), default=min(4, os.cpu_count() or 1))
    mine.add_argument(
        "--params-out",
        type=_pairs_out,
        help="also write parameter-description records (task param) of the mined functions here",
    )

    train = sub.add_parser("train", help="fine-tune a seq2seq model on a pairs file (LoRA or full)")
    train.add_argument("--data", help="training pairs (JSONL)")
    train.add_argument("--eval", dest="eval_data", help="evaluation pairs (JSONL)")
    train.add_argument("--base", help="hub id or local directory of the base model")
    train.add_argument("--out", help="run directory")
    train.add_argument(
        "--method",
        choices=TRAINING_METHODS,
        help="lora (default), ia3 or prompt-tuning adapters on a frozen base, or full fine-tuning",
    )
    train.add_argument("--config", help="TOML file of training options (command-line flags win)")
    train.add_argument(
        "--resume", action="store_true", help="continue from the run directory's last checkpoint"
    )
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override any option")
    train.add_argument("--options", action="store_true", help="list every option --set and --config accept")

    export = sub.add_parser("export", help="merge + ONNX export + parity check into a model directory")
    export.add_argument("run_dir", nargs="?", metavar="RUN_DIR")
    export.add_argument("--base", help="export a plain base model (hub id or directory) instead of a run")
    export.add_argument("--out", required=True, help="model directory to write")
    export.add_argument("--quantize", choices=["int8", "none"], default="int8")
    export.add_argument(
        "--parity-sample", type=_int_at_least(0), default=32, help="inputs compared PyTorch vs ONNX"
    )
    export.add_argument("--parity-data", help="pairs file to draw the parity sample from")
    export.add_argument("--name", help="model name for the manifest")
    export.add_argument(
        "--beams",
        type=_int_at_least(1, MAX_BEAMS),
        help="beam width the served model decodes with (default: the run's)",
    )
    export.add_argument(
        "--repetition-penalty", type=float, help="penalty on repeated tokens (default: the run's)"
    )
    export.add_argument("--checkpoint", help="export a checkpoint of the run instead: best, last or a folder")
    export.add_argument(
        "--save-weights",
        choices=["none", "fp16", "fp32"],
        default="none",
        help="also write the merged weights as safetensors under OUT/weights (a LoRA base)",
    )

    evaluate = sub.add_parser("eval", help="score a model directory on a pairs file")
    _model_option(evaluate)
    evaluate.add_argument("--data", required=True, help="evaluation pairs (JSONL)")
    evaluate.add_argument("--json", type=_output_file, help="write the metrics as JSON here")
    evaluate.add_argument("--predictions", type=_output_file, help="write one prediction per line here")
    evaluate.add_argument("--limit", type=_int_at_least(0), help="score only the first N pairs")
    evaluate.add_argument("--batch-size", type=_int_at_least(1, 1024), default=16)
    evaluate.add_argument(
        "--beams", type=_int_at_least(1, MAX_BEAMS), help="beam width (default: the model's setting)"
    )
    evaluate.add_argument(
        "--threads", type=_int_at_least(0, MAX_THREADS), default=0, help="inference threads (0: all cores)"
    )
    evaluate.add_argument("--baseline", choices=["name"], help="score the name-as-sentence baseline instead")
    evaluate.add_argument(
        "--task",
        choices=["summary", "params"],
        default="summary",
        help="what to score: summaries, or parameter descriptions (records with code, param, description)",
    )
    evaluate.add_argument(
        "--workspace",
        type=_existing_folder,
        help="summarize each pair with this folder indexed, the pair's own definition (its path and name) left out",
    )

    check = sub.add_parser("check", help="report stale docstrings as path:line: message (exit 1 when any)")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to check")

    summarize = sub.add_parser("summarize", help="print the summary of each function in a file")
    _model_option(summarize)
    summarize.add_argument("file", metavar="FILE")
    summarize.add_argument("--line", type=_int_at_least(1), help="only the definition at this 1-based line")
    summarize.add_argument(
        "--docstring", action="store_true", help="print the docstring that would be inserted"
    )
    summarize.add_argument("--style", default="google", choices=DOCSTRING_STYLES, help="docstring style")
    summarize.add_argument("--fallback", action="store_true", help="use the name-based fallback, no model")
    workspace = summarize.add_mutually_exclusive_group()
    workspace.add_argument(
        "--no-workspace",
        action="store_true",
        help="summarize the function alone (default: with its workspace, the file's git work tree or folder)",
    )
    workspace.add_argument(
        "--workspace",
        type=_existing_folder,
        metavar="DIR",
        help="index this folder, which holds FILE, as its workspace (default: FILE's git work tree or folder)",
    )
    summarize.add_argument(
        "--model-descriptions",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --docstring: let the model describe parameters the workspace does not (default: on)",
    )
    summarize.add_argument("--threads", type=_int_at_least(0, MAX_THREADS), default=0)

    serve = sub.add_parser("serve", help="run the language server")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (default)")
    mode.add_argument("--tcp", action="store_true", help="listen on a TCP port")
    serve.add_argument("--host", help="TCP address to bind, with --tcp (default 127.0.0.1)")
    serve.add_argument("--port", type=_int_at_least(0, 65535), help="TCP port, with --tcp (default 2087)")
    serve.add_argument("--log-file", help="write the server log here")
    _model_option(serve)

    retrain = sub.add_parser("retrain", help="adapt the model to a codebase with LoRA and install it")
    retrain.add_argument("path", nargs="?", default=".", metavar="PATH")
    retrain.add_argument("--base", help="base model (default: the bundled model's weights)")
    retrain.add_argument("--out", help="where to install the model (default: PATH/.hoverdoc/model)")
    retrain.add_argument("--epochs", type=float, default=None)
    retrain.add_argument(
        "--max-train", type=_int_at_least(1), default=None, help="cap on training pairs (random sample)"
    )
    retrain.add_argument("--force", action="store_true", help="install even if it scores worse than the base")
    retrain.add_argument("--json", type=_output_file, help="write the before/after report as JSON here")
    retrain.add_argument("--work-dir", help="keep intermediate files here (default: a temp dir)")
    retrain.add_argument(
        "--search",
        action="store_true",
        help="search adaptation methods and settings (Optuna) on a validation part of the held-out files",
    )
    retrain.add_argument(
        "--budget",
        type=_duration,
        default=20 * 60.0,
        help="the search's wall-clock budget, e.g. 20m, 90s, 1h (default 20m; export and scoring come after)",
    )
    retrain.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a training option"
    )
    return parser


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C, so finally blocks remove temporary folders


def _has_files(folder: Path) -> bool:
    return any(files for _, _, files in os.walk(folder))


def _run_handler(args: argparse.Namespace) -> int:
    command = (
        "eval-params" if args.command == "eval" and getattr(args, "task", "") == "params" else args.command
    )
    module_name, function_name = HANDLERS[command].split(":")
    out = Path(args.out).expanduser() if args.command == "train" and getattr(args, "out", None) else None
    created = out is not None and not out.exists()
    succeeded = False
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        code = int(handler(args) or 0)
        succeeded = code == 0
        return code
    finally:
        if created and not succeeded and out is not None and out.is_dir() and not _has_files(out):
            shutil.rmtree(out, ignore_errors=True)  # a failed run that wrote nothing leaves nothing


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hoverdoc`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = None
    if args.command != "serve" and threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run_handler(args)
    except HoverdocError as error:
        print(f"hoverdoc {args.command}: error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] in (
            "torch",
            "transformers",
            "peft",
            "optimum",
            "rouge_score",
        ):
            print(
                f"hoverdoc {args.command}: error: needs the training extras "
                f"(missing {error.name}); install them with: pip install 'hoverdoc[train]'",
                file=sys.stderr,
            )
            return 2
        raise
    except KeyboardInterrupt:
        print(f"hoverdoc {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into something that stopped reading (| head)
        sys.stderr.close()
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
