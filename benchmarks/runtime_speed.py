"""PyTorch ``generate`` vs ONNX fp32 vs ONNX int8 on the same model and inputs, on this CPU.

    python benchmarks/runtime_speed.py [--model models/hoverdoc-minilm-bart-22m] [--data pairs.jsonl] [-n 100]

The model directory must hold the int8 serving model and, under ``weights/``, the merged safetensors
weights (the bundled model does); the fp32 ONNX graphs are exported from those weights on the fly.
Each backend runs in its own process so its memory is its own. Prints a markdown table: p50/p95 latency
per function at batch 1 (greedy), functions/second at batch 16, process RSS, size on disk, BLEU-4 on the
sample, and the time ``hoverdoc summarize`` takes to print its first line. Each backend runs ``--repeat``
times, interleaved with the others, and its least disturbed round (lowest p50) is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sample(data: str | None, n: int) -> list[dict]:
    from hoverdoc.core.pairs import read_pairs

    if data:
        records = read_pairs(data)
    else:  # functions of this repository's own code, with their docstrings as references
        from hoverdoc.training.mine import MineOptions, mine

        records, _, _ = mine([ROOT / "core", ROOT / "server", ROOT / "training"], MineOptions(progress=False))
    return records[:n]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q))


def worker(backend: str, model: Path, data_file: Path, threads: int) -> dict:
    """Run one backend and return its measurements (called in a fresh process)."""
    from hoverdoc.core.metrics import bleu4

    records = [json.loads(line) for line in data_file.read_text().splitlines()]
    codes = [r["code"] for r in records]
    references = [r["summary"] for r in records]
    if backend == "pytorch":
        import torch

        from hoverdoc.core.model_input import format_input
        from hoverdoc.core.runtime import Summarizer
        from hoverdoc.core.summary import polish
        from hoverdoc.core.tokenization import configure_truncation
        from hoverdoc.export.merge import from_base
        from hoverdoc.export.parity import pytorch_greedy

        torch.set_num_threads(threads or os.cpu_count() or 1)
        source = from_base(str(model / "weights"))
        source.model.float()
        generation = Summarizer(model).generation  # the same decoding settings as served
        prefix = source.settings.input_prefix
        encoder = configure_truncation(source.tokenizer.backend_tokenizer, source.settings.max_source_tokens)

        def run_one(code: str) -> str:
            ids = pytorch_greedy(
                source.model,
                source.tokenizer,
                [format_input(code, prefix)],
                generation,
                source.settings.max_source_tokens,
            )[0]
            return polish(source.tokenizer.decode(ids, skip_special_tokens=True), code)

        def run_batch(batch: list[str]) -> list[str]:
            texts = [format_input(c, prefix) for c in batch]
            encoded = encoder.encode_batch(texts)
            length = max(len(e.ids) for e in encoded)
            ids = torch.full((len(texts), length), generation.pad_token_id)
            mask = torch.zeros((len(texts), length), dtype=torch.long)
            for row, e in enumerate(encoded):
                ids[row, : len(e.ids)] = torch.tensor(e.ids)
                mask[row, : len(e.ids)] = 1
            with torch.no_grad():
                out = source.model.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    do_sample=False,
                    num_beams=1,
                    max_length=generation.max_length,
                    no_repeat_ngram_size=generation.no_repeat_ngram_size,
                    decoder_start_token_id=generation.decoder_start_token_id,
                    eos_token_id=generation.eos_token_id,
                    pad_token_id=generation.pad_token_id,
                    repetition_penalty=generation.repetition_penalty,
                )
            return source.tokenizer.batch_decode(out, skip_special_tokens=True)

        size = sum(p.stat().st_size for p in (model / "weights").glob("*.safetensors"))
    else:
        from hoverdoc.core.runtime import Summarizer

        summarizer = Summarizer(model, threads=threads)
        # the trained length, as the PyTorch backend reads: like with like (served may be shorter)
        summarizer.limit_source_tokens(summarizer.manifest.max_source_tokens)

        def run_one(code: str) -> str:
            return summarizer.summarize([code], batch_size=1)[0]

        def run_batch(batch: list[str]) -> list[str]:
            return summarizer.summarize(batch, batch_size=len(batch))

        size = sum(entry["bytes"] for entry in summarizer.manifest.files.values())
    run_one(codes[0])  # warm-up
    latencies, predictions = [], []
    for code in codes:
        started = time.perf_counter()
        predictions.append(run_one(code))
        latencies.append(1000 * (time.perf_counter() - started))
    started = time.perf_counter()
    for start in range(0, len(codes), 16):
        run_batch(codes[start : start + 16])
    throughput = len(codes) / (time.perf_counter() - started)
    return {
        "backend": backend,
        "p50_ms": _percentile(latencies, 50),
        "p95_ms": _percentile(latencies, 95),
        "throughput": throughput,
        "rss_mb": _rss_mb(),
        "size_mb": size / 1e6,
        "bleu": bleu4(predictions, references),
    }


def startup_seconds(model: Path, example: Path) -> float:
    """Wall time of ``hoverdoc summarize FILE --line N`` until its first line of output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hoverdoc.core.cli",
            "summarize",
            str(example),
            "--model",
            str(model),
            "--line",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait()
    return elapsed


def main() -> int:
    """Run every backend and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default=str(ROOT / "models" / "hoverdoc-minilm-bart-22m"))
    parser.add_argument(
        "--data", help="pairs file to draw the functions from (default: this repository's code)"
    )
    parser.add_argument("-n", type=int, default=100, help="functions to time")
    parser.add_argument("--threads", type=int, default=0, help="inference threads (0: all cores)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per backend; the best one is reported")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sample-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    model = Path(args.model)
    if args.worker:
        print(json.dumps(worker(args.worker, model, Path(args.sample_file), args.threads)))
        return 0
    if not (model / "weights" / "config.json").is_file():
        print(f"{model}: needs the int8 model and its merged weights under weights/", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="hoverdoc-bench-"))
    try:
        sample = scratch / "sample.jsonl"
        sample.write_text("".join(json.dumps(r) + "\n" for r in _sample(args.data, args.n)))
        fp32 = scratch / "fp32"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "hoverdoc.core.cli",
                "export",
                "--base",
                str(model / "weights"),
                "--out",
                str(fp32),
                "--quantize",
                "none",
                "--parity-sample",
                "8",
            ],
            check=True,
            capture_output=True,
        )
        shutil.copytree(model / "weights", fp32 / "weights")
        rounds: dict[str, list[dict]] = {}
        for _ in range(args.repeat):  # rounds interleave the backends, so a burst of load hits all alike
            for backend, directory in (("pytorch", model), ("onnx-fp32", fp32), ("onnx-int8", model)):
                result = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        backend,
                        "--model",
                        str(directory),
                        "--sample-file",
                        str(sample),
                        "--threads",
                        str(args.threads),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rounds.setdefault(backend, []).append(json.loads(result.stdout.strip().splitlines()[-1]))
        # best of the rounds, as timeit reports: the least disturbed run
        rows = [
            {**min(runs, key=lambda r: r["p50_ms"]), "throughput": max(r["throughput"] for r in runs)}
            for runs in rounds.values()
        ]
        startup = startup_seconds(model, ROOT / "examples" / "demo.py")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    base = rows[0]["p50_ms"]
    print(
        f"model: {model.name}; {args.n} functions; CPU threads: {args.threads or os.cpu_count()};"
        f" best of {args.repeat} interleaved rounds\n"
    )
    print(
        "| backend | p50 ms/function (batch 1) | p95 ms | speed-up vs PyTorch (p50) | functions/s (batch 16) "
        "| RSS MB | size on disk MB | BLEU-4 on sample |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['backend']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {base / row['p50_ms']:.1f}x | "
            f"{row['throughput']:.1f} | {row['rss_mb']:.0f} | {row['size_mb']:.1f} | {row['bleu']:.2f} |"
        )
    print(f"\n`hoverdoc summarize` start-up to first output (int8): {startup:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
