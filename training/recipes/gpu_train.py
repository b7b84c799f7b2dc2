"""Train the v2 (exemplar) bundled model from a GPU pack, within a wall-clock budget.

    python training/recipes/gpu_train.py --pack work/bundled/gpu-pack --out OUT --device cuda --max-minutes 8

Made for a bare accelerator machine: it imports only torch, transformers, tokenizers, safetensors and
numpy (no hoverdoc install; the scoring code is loaded from ``core/metrics.py`` of the same tree) and
runs under transformers 4.57 and 5.x alike (the model is built from its config and the loss computed
here). Full fine-tuning from the pack's weights; each batch shows a pair with all its exemplars or, for
``--no-exemplar-share`` of pairs, with none (cold starts). When the pack holds the second task
(parameter descriptions), ``--param-share`` of each batch's rows are drawn from it. The learning rate
warms up, then decays linearly with elapsed time to zero at the budget. Every ``--eval-seconds`` the
dev split is decoded greedily with and without exemplars (and its parameter descriptions). The best
weights are written to ``OUT`` as fp16 safetensors shards of at most ``--shard-mib`` MiB, with
``train_log.json``: best by the sum of the two summary BLEU-4 scores and ``--param-weight`` times the
parameter BLEU-4, among the evaluations whose summary scores stay within ``--summary-tolerance`` of
the starting weights' (the second task must not cost the first).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

IGNORE_INDEX = -100


def assemble_source(code: list[int], exemplars: list[list[int]], ids: dict, max_source: int) -> list[int]:
    """Model-input v2 ids from segments: ``[CLS] ex1 | ex2 [SEP] code [SEP]``, cut to ``max_source``."""
    body: list[int] = []
    for number, segment in enumerate(exemplars):
        if number:
            body += ids["joiner"]
        body += segment
    body += [ids["sep"], *code]
    return [ids["cls"], *body[: max_source - 2], ids["sep"]]


class Split:
    """One split of the pack: its segments, read lazily per pair."""

    def __init__(self, data, name: str):
        get = lambda key: data[f"{name}_{key}"]  # noqa: E731
        self.code_tokens, self.code_offsets = get("code_tokens"), get("code_offsets")
        self.ex_tokens, self.ex_offsets = get("exemplar_tokens"), get("exemplar_offsets")
        self.label_tokens, self.label_offsets = get("label_tokens"), get("label_offsets")
        counts = get("exemplar_counts").astype(np.int64)
        self.counts = counts
        self.ex_first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.params = ParamSplit(data, name, self) if f"{name}_param_code" in data else None

    def __len__(self) -> int:
        return len(self.counts)

    def code(self, i: int) -> list[int]:
        return self.code_tokens[self.code_offsets[i] : self.code_offsets[i + 1]].tolist()

    def exemplars(self, i: int) -> list[list[int]]:
        first = int(self.ex_first[i])
        return [
            self.ex_tokens[self.ex_offsets[j] : self.ex_offsets[j + 1]].tolist()
            for j in range(first, first + int(self.counts[i]))
        ]

    def label(self, i: int) -> list[int]:
        return self.label_tokens[self.label_offsets[i] : self.label_offsets[i + 1]].tolist()


class ParamSplit:
    """The parameter-description records of a split: each is its pair's code, a prefix and a target."""

    def __init__(self, data, name: str, pairs: Split):
        get = lambda key: data[f"{name}_param_{key}"]  # noqa: E731
        self.pairs = pairs
        self.code_index = get("code").astype(np.int64)
        self.prefix_tokens, self.prefix_offsets = get("prefix_tokens"), get("prefix_offsets")
        self.label_tokens, self.label_offsets = get("label_tokens"), get("label_offsets")

    def __len__(self) -> int:
        return len(self.code_index)

    def source(self, i: int, ids: dict, max_source: int) -> list[int]:
        """``[CLS] describe <param> : [SEP] code [SEP]``, as ``format_param_input(..., version=2)``."""
        prefix = self.prefix_tokens[self.prefix_offsets[i] : self.prefix_offsets[i + 1]].tolist()
        return assemble_source(self.pairs.code(int(self.code_index[i])), [prefix], ids, max_source)

    def label(self, i: int) -> list[int]:
        return self.label_tokens[self.label_offsets[i] : self.label_offsets[i + 1]].tolist()


def _pad(rows: list[list[int]], value: int):
    import torch

    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)


def make_batch(split: Split, indices, ids, meta, rng, no_exemplar_share: float, device, param_indices=()):
    """Tensors for one training batch: the pairs ``indices`` and the parameter records ``param_indices``."""
    sources, decoder_inputs, labels = [], [], []
    for i in indices:
        shown = [] if rng.random() < no_exemplar_share else split.exemplars(i)
        sources.append(assemble_source(split.code(i), shown, ids, meta["max_source_tokens"]))
        labels.append(split.label(i))
    for i in param_indices:
        sources.append(split.params.source(i, ids, meta["max_source_tokens"]))
        labels.append(split.params.label(i))
    for label in labels:
        decoder_inputs.append([meta["decoder_start_token_id"], *label[:-1]])
    input_ids = _pad(sources, ids["pad"]).to(device)
    return {
        "input_ids": input_ids,
        "attention_mask": (input_ids != ids["pad"]).long(),
        "decoder_input_ids": _pad(decoder_inputs, ids["pad"]).to(device),
        "labels": _pad(labels, IGNORE_INDEX).to(device),
    }


def load_model(weights: Path, device: str):
    """The pack's model in float32, built from its config (no from_pretrained, so any transformers works)."""
    import torch
    from safetensors.torch import load_file
    from transformers import BartConfig, BartForConditionalGeneration

    config = BartConfig.from_pretrained(str(weights))
    model = BartForConditionalGeneration(config)
    state = {k: v.float() for k, v in load_file(str(weights / "model.safetensors")).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    tied = {"lm_head.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight"}
    if unexpected or set(missing) - tied:
        raise SystemExit(f"weights do not fit the config: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    return model.to(device=device, dtype=torch.float32), sorted(state)


def load_metrics():
    """``hoverdoc.core.metrics`` from this tree, without installing hoverdoc."""
    path = Path(__file__).resolve().parents[2] / "core" / "metrics.py"
    spec = importlib.util.spec_from_file_location("hoverdoc_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dev_sources(split: Split, ids, meta, task: str, count: int) -> list[list[int]]:
    """The first ``count`` dev inputs of one evaluation: ``exemplars``, ``alone`` (summaries) or ``param``."""
    limit = meta["max_source_tokens"]
    if task == "param":
        return [split.params.source(i, ids, limit) for i in range(count)]
    shown = task == "exemplars"
    return [
        assemble_source(split.code(i), split.exemplars(i) if shown else [], ids, limit) for i in range(count)
    ]


def evaluate(model, sources: list[list[int]], ids, meta, tokenizer, references, device) -> float:
    """Dev BLEU-4 of greedy decoding (the served repetition settings)."""
    import torch

    model.eval()
    predictions = []
    with torch.no_grad(), _autocast(device):
        for start in range(0, len(sources), 256):
            batch = sources[start : start + 256]
            input_ids = _pad(batch, ids["pad"]).to(device)
            output = model.generate(
                input_ids=input_ids,
                attention_mask=(input_ids != ids["pad"]).long(),
                max_new_tokens=meta["max_target_tokens"],
                num_beams=1,
                do_sample=False,
                no_repeat_ngram_size=3,
                repetition_penalty=1.2,
                decoder_start_token_id=meta["decoder_start_token_id"],
                eos_token_id=meta["eos_token_id"],
                pad_token_id=ids["pad"],
            )
            predictions += tokenizer.decode_batch(output.tolist(), skip_special_tokens=True)
    model.train()
    return float(load_metrics().bleu4(predictions, references))


def _autocast(device: str):
    import torch

    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def save_shards(model, names: list[str], out: Path, shard_mib: float) -> list[str]:
    """The weights under their original names as fp16 safetensors shards of at most ``shard_mib``."""
    from safetensors.torch import save_file

    state = model.state_dict()
    limit = int(shard_mib * 2**20)
    shards, current, size = [], {}, 0
    for name in names:
        tensor = state[name].detach().to("cpu").half().contiguous().clone()
        nbytes = tensor.numel() * 2
        if current and size + nbytes > limit:
            shards.append(current)
            current, size = {}, 0
        current[name] = tensor
        size += nbytes
    shards.append(current)
    files = []
    for number, shard in enumerate(shards, start=1):
        name = f"model-{number:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(out / name), metadata={"format": "pt"})
        files.append(name)
    return files


def _learning_rate(args, step: int, elapsed: float) -> float:
    warm = min(1.0, (step + 1) / max(1, args.warmup_steps))
    if args.max_steps:
        left = 1 - step / args.max_steps
    else:
        left = 1 - elapsed / (args.max_minutes * 60)
    return args.learning_rate * warm * max(0.0, left)


@dataclass
class Run:
    """What the loop works with: the model, the data and the best weights so far."""

    args: argparse.Namespace
    model: object
    names: list[str]
    meta: dict
    train_split: Split
    dev_split: Split
    tokenizer: object
    references: dict[str, list[str]]  # per evaluation task: exemplars, alone, param
    log: dict = field(default_factory=lambda: {"evals": [], "losses": []})
    best: dict = field(default_factory=lambda: {"score": -1.0, "state": None, "step": 0, "scores": None})
    started: float = field(default_factory=time.monotonic)

    def evaluate(self, step: int) -> None:
        """Score the dev split; keep the weights if they are the best eligible so far."""
        ids, meta, device = self.meta["ids"], self.meta, self.args.device
        scores = {"step": step, "minutes": round((time.monotonic() - self.started) / 60, 2)}
        for task, references in self.references.items():
            sources = dev_sources(self.dev_split, ids, meta, task, len(references))
            bleu = evaluate(self.model, sources, ids, meta, self.tokenizer, references, device)
            scores[f"bleu_{task}"] = bleu
        scores["eligible"] = self._eligible(scores)
        self.log["evals"].append(scores)
        print(json.dumps(scores), flush=True)
        score = selection_score(scores, self.args.param_weight)
        if scores["eligible"] and score > self.best["score"]:
            state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            self.best.update(score=score, step=step, state=state, scores=scores)

    def _eligible(self, scores: dict) -> bool:
        """Whether the summary scores stay within the tolerance of the starting weights'."""
        tolerance = self.args.summary_tolerance
        if not self.log["evals"] or tolerance is None:
            return True  # the starting weights, or no guard
        first = self.log["evals"][0]
        return all(scores[f"bleu_{k}"] >= first[f"bleu_{k}"] - tolerance for k in ("exemplars", "alone"))


def selection_score(scores: dict, param_weight: float) -> float:
    """What the best weights maximise: both summary BLEU-4 scores and the weighted parameter BLEU-4."""
    return scores["bleu_exemplars"] + scores["bleu_alone"] + param_weight * scores.get("bleu_param", 0.0)


def prepare(args) -> Run:
    """Load the pack and the model."""
    import torch
    from tokenizers import Tokenizer

    torch.manual_seed(args.seed)
    pack = Path(args.pack)
    meta = json.loads((pack / "meta.json").read_text())
    data = np.load(pack / "data.npz")
    train_split, dev_split = Split(data, "train"), Split(data, "dev")
    if args.param_share > 0 and (train_split.params is None or not len(train_split.params)):
        raise SystemExit("gpu_train: --param-share needs a pack with parameter descriptions")
    if args.param_share > 0 and round(args.batch_size * args.param_share) == 0:
        raise SystemExit("gpu_train: --param-share gives no parameter rows at this --batch-size")
    model, names = load_model(pack / "weights", args.device)
    meta["decoder_start_token_id"] = int(model.config.decoder_start_token_id)
    meta["eos_token_id"] = int(model.config.eos_token_id)
    tokenizer = Tokenizer.from_file(str(pack / "weights" / "tokenizer.json"))
    limit = args.dev_limit or None
    references = {"exemplars": meta["dev_references"][:limit], "alone": meta["dev_references"][:limit]}
    if dev_split.params is not None and args.param_share > 0:
        references["param"] = meta["dev_param_references"][:limit]
    return Run(args, model, names, meta, train_split, dev_split, tokenizer, references)


def _step(run: Run, optimizer, loss_fn, batch: dict) -> float:
    import torch

    with _autocast(run.args.device):
        logits = run.model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            decoder_input_ids=batch["decoder_input_ids"],
        ).logits
    loss = loss_fn(logits.float().reshape(-1, logits.shape[-1]), batch["labels"].reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
    optimizer.step()
    return float(loss.detach())


def _draw(order: list[int], count: int, size: int, rng) -> tuple[list[int], list[int]]:
    """The next ``count`` indices of a shuffled pass over ``size`` items, and what is left of it."""
    if count > 0 and size == 0:
        raise SystemExit("gpu_train: nothing to draw from")
    while len(order) < count:
        order = order + rng.sample(range(size), size)
    return order[:count], order[count:]


def train(args) -> dict:
    """The training loop; writes the best weights and returns the log."""
    import torch

    run = prepare(args)
    rng = random.Random(args.seed)
    optimizer = torch.optim.AdamW(run.model.parameters(), lr=args.learning_rate, weight_decay=0.01)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX, label_smoothing=args.label_smoothing)
    step, order, param_order, last_eval = 0, [], [], run.started
    param_rows = round(args.batch_size * args.param_share)
    run.evaluate(step)
    run.model.train()
    while True:
        elapsed = time.monotonic() - run.started
        if (args.max_steps and step >= args.max_steps) or elapsed >= args.max_minutes * 60:
            break
        indices, order = _draw(order, args.batch_size - param_rows, len(run.train_split), rng)
        param_indices, param_order = (
            _draw(param_order, param_rows, len(run.train_split.params), rng) if param_rows else ([], [])
        )
        batch = make_batch(
            run.train_split,
            indices,
            run.meta["ids"],
            run.meta,
            rng,
            args.no_exemplar_share,
            args.device,
            param_indices,
        )
        for group in optimizer.param_groups:
            group["lr"] = _learning_rate(args, step, elapsed)
        loss = _step(run, optimizer, loss_fn, batch)
        step += 1
        if step % 100 == 0:
            run.log["losses"].append({"step": step, "loss": round(loss, 4)})
            print(f"step {step} loss {loss:.4f} {time.monotonic() - run.started:.0f}s", flush=True)
        if time.monotonic() - last_eval >= args.eval_seconds:
            run.evaluate(step)
            last_eval = time.monotonic()
    if run.log["evals"][-1]["step"] != step:
        run.evaluate(step)
    return _finish(run, step)


def _finish(run: Run, step: int) -> dict:
    run.model.load_state_dict(run.best["state"])
    out = Path(run.args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = {"args": vars(run.args), **run.log, "best_step": run.best["step"], "steps": step}
    log["best"] = run.best["scores"]
    log["seconds"] = round(time.monotonic() - run.started, 1)
    log["files"] = save_shards(run.model, run.names, out, run.args.shard_mib)
    (out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")
    return log


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pack", required=True, help="folder written by the recipe's pack stage")
    parser.add_argument("--out", required=True, help="where the best weights and train_log.json go")
    parser.add_argument("--device", default="cuda", help="cuda or cpu")
    parser.add_argument("--max-minutes", type=float, default=8.0, help="training wall-clock budget")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: time only)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--warmup-steps", type=int, default=300)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument(
        "--no-exemplar-share", type=float, default=0.2, help="share of pairs shown without exemplars"
    )
    parser.add_argument(
        "--param-share",
        type=_share,
        default=0.0,
        help="share of each batch's rows drawn from the parameter descriptions (needs them in the pack)",
    )
    parser.add_argument(
        "--param-weight", type=float, default=1.0, help="weight of parameter BLEU-4 in choosing the best"
    )
    parser.add_argument(
        "--summary-tolerance",
        type=float,
        default=None,
        help="BLEU-4 either summary score may fall below the starting weights' and still be chosen "
        "(default: no limit)",
    )
    parser.add_argument("--eval-seconds", type=float, default=60.0, help="seconds between dev evaluations")
    parser.add_argument(
        "--dev-limit", type=int, default=0, help="evaluate on the first N dev pairs only (0: all)"
    )
    parser.add_argument("--shard-mib", type=float, default=15.0, help="largest weights file written")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Entry point."""
    args = parse_args(argv)
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            print("gpu_train: --device cuda but no CUDA device is available", file=sys.stderr)
            return 2
        torch.backends.cuda.matmul.allow_tf32 = True
    log = train(args)
    best = log["best"]
    print(json.dumps({"best": best, "steps": log["steps"], "files": log["files"]}), flush=True)
    return 0 if math.isfinite(best["bleu_exemplars"]) else 1


if __name__ == "__main__":
    sys.exit(main())
