"""``hoverdoc export``: the command line's side of the export pipeline (``hoverdoc.export.pipeline``)."""

from __future__ import annotations

import argparse
import sys

from hoverdoc.core.errors import HoverdocError

from .merge import from_base, from_run
from .pipeline import export_model, save_weights

# ``export_model`` and ``save_weights`` are re-exported for tests/conftest.py and tests/test_gpu_pack.py,
# which import them from here; new code imports ``hoverdoc.export.pipeline``.
__all__ = ["export_model", "run", "save_weights"]


def run(args: argparse.Namespace) -> int:
    """The ``hoverdoc export`` command."""
    if bool(args.base) == bool(args.run_dir):
        raise HoverdocError("give either RUN_DIR or --base MODEL")
    source = from_base(args.base) if args.base else from_run(args.run_dir, args.checkpoint)
    source.settings.override_decoding(args.beams, args.repetition_penalty)
    manifest = export_model(
        source, args.out, args.quantize, args.parity_sample, args.parity_data, args.name, args.save_weights
    )
    size = sum(entry["bytes"] for entry in manifest.files.values()) / 1e6
    print(
        f"exported {manifest.name} to {args.out} ({manifest.quantization}, {size:.1f} MB); parity: {manifest.parity}",
        file=sys.stderr,
    )
    return 0
