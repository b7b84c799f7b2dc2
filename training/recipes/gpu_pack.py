"""Pack what GPU training of the v2 (exemplar) bundled model needs into one folder under 60 MiB.

    python -m hoverdoc.training.recipes.bundled_model pack --work work/bundled

The folder (``work/bundled/gpu-pack``, git-ignored) holds the warm-start weights as they are installed
(fp16 safetensors, config, tokenizer) and ``data.npz``: every train and dev pair pre-tokenized with the
served tokenizer as segments (the code, each exemplar, the target), so that the GPU side assembles
exactly the ids ``format_input(..., version=2)`` would give without importing hoverdoc. The second
task's records (parameter and return descriptions, ``{split}.params.jsonl``) go with them: each names
its pair's code, its ``describe <param> :`` prefix and its target, as ``format_param_input(...,
version=2)`` gives. Assembly is checked here against the real formatter and tokenizer for every pair
and record before anything is written.
``gpu_train.py`` (beside this file) trains from it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from hoverdoc.core.model_input import (
    EXEMPLAR_INPUT_FORMAT_VERSION,
    EXEMPLAR_JOINER,
    PARAM_TASK,
    SEPARATOR,
    format_exemplar,
    format_input,
    format_param_input,
)
from hoverdoc.core.pairs import read_pairs
from hoverdoc.core.tokenization import configure_truncation, load_tokenizer
from hoverdoc.training.data import PARAM_FIELDS, encode_labels
from hoverdoc.training.exemplars import attach_exemplars

from .gpu_train import assemble_source

PACK_LIMIT_BYTES = 60 * 1024 * 1024
WEIGHT_FILES = (
    "model.safetensors",
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "hoverdoc.json",
)


def _segments(tokenizer, texts: list[str]) -> list[list[int]]:
    return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


def _flat(sequences: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(sequences) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in sequences])
    tokens = np.fromiter((t for s in sequences for t in s), dtype=np.int16, count=int(offsets[-1]))
    return tokens, offsets


def _flat_arrays(**sequences: list[list[int]]) -> dict[str, np.ndarray]:
    """Each named list of sequences as ``<name>_tokens`` and ``<name>_offsets`` arrays."""
    arrays = {}
    for name, rows in sequences.items():
        arrays[f"{name}_tokens"], arrays[f"{name}_offsets"] = _flat(rows)
    return arrays


def encode_split(records: list[dict], tokenizer, ids: dict, max_source: int, max_target: int) -> dict:
    """Segments of one split as flat arrays, checked against the real formatter."""
    codes = _segments(tokenizer, [format_input(r["code"]) for r in records])
    codes = [c[:max_source] for c in codes]  # more can never be seen
    exemplar_texts = [format_exemplar(e) for r in records for e in r["exemplars"]]
    exemplars = _segments(tokenizer, exemplar_texts)
    counts = np.array([len(r["exemplars"]) for r in records], dtype=np.int8)
    labels = encode_labels(tokenizer, [r["summary"] for r in records], max_target, ids["cls"])
    _check_assembly(records, codes, exemplars, counts, tokenizer, ids, max_source)
    return {**_flat_arrays(code=codes, exemplar=exemplars, label=labels), "exemplar_counts": counts}


def _check_assembly(records, codes, exemplars, counts, tokenizer, ids, max_source) -> None:
    truncating = configure_truncation(tokenizer, max_source)
    start = 0
    texts, assembled = [], []
    for record, code, count in zip(records, codes, counts):
        shown = exemplars[start : start + int(count)]
        start += int(count)
        for k in sorted({0, int(count)}):
            texts.append(format_input(record["code"], exemplars=record["exemplars"][:k], version=2))
            assembled.append(assemble_source(code, shown[:k], ids, max_source))
    for number, (encoding, mine) in enumerate(zip(truncating.encode_batch(texts), assembled)):
        if list(encoding.ids) != mine:
            raise SystemExit(
                f"pack: assembled ids differ from the tokenizer's for input {number}: {texts[number]!r}"
            )


def encode_params(
    records: list[dict],
    pairs: list[dict],
    split: dict,
    tokenizer,
    ids: dict,
    max_source: int,
    max_target: int,
) -> dict:
    """The parameter-description records of a split as flat arrays: each names its pair's code segment
    (``param_code``; ``split`` is the pairs' ``encode_split``), its prefix (``describe <param> :``) and
    its target; checked against the real formatter. The code is the pair's, so it is neither stored
    nor tokenized twice."""
    by_code = {pair["code"]: number for number, pair in enumerate(pairs)}
    missing = [r["param"] for r in records if r["code"] not in by_code]
    if missing:
        raise SystemExit(f"pack: {len(missing)} parameter records have no pair with their code")
    prefixes = _segments(tokenizer, [format_param_input("", r["param"]).strip() for r in records])
    labels = encode_labels(tokenizer, [r["description"] for r in records], max_target, ids["cls"])
    code_index = np.array([by_code[r["code"]] for r in records], dtype=np.int32)
    tokens, offsets = split["code_tokens"], split["code_offsets"]
    truncating = configure_truncation(tokenizer, max_source)
    texts = [format_param_input(r["code"], r["param"], version=2) for r in records]
    for number, encoding in enumerate(truncating.encode_batch(texts)):
        pair = code_index[number]
        code = tokens[offsets[pair] : offsets[pair + 1]].tolist()
        if list(encoding.ids) != assemble_source(code, [prefixes[number]], ids, max_source):
            raise SystemExit(f"pack: assembled ids differ for parameter input {number}: {texts[number]!r}")
    return {"param_code": code_index, **_flat_arrays(param_prefix=prefixes, param_label=labels)}


def special_ids(tokenizer) -> dict:
    """The ids the GPU side needs to assemble inputs."""
    joiner = tokenizer.encode(EXEMPLAR_JOINER.strip(), add_special_tokens=False).ids
    return {
        "cls": tokenizer.token_to_id("[CLS]"),
        "sep": tokenizer.token_to_id(SEPARATOR),
        "pad": tokenizer.token_to_id("[PAD]"),
        "joiner": joiner,
    }


def stage_pack(
    work: Path, weights: Path, max_source: int, max_target: int = 32, with_params: bool = False
) -> Path:
    """Write ``work/gpu-pack`` from ``work/{train,dev}.jsonl`` (and, ``with_params``, the parameter
    descriptions ``work/{train,dev}.params.jsonl``) and the warm-start ``weights``."""
    out = work / "gpu-pack"
    tokenizer = load_tokenizer(weights / "tokenizer.json")
    ids = special_ids(tokenizer)
    arrays = {}
    meta = {"max_source_tokens": max_source, "max_target_tokens": max_target, "ids": ids, "splits": {}}
    for split in ("train", "dev"):
        records = read_pairs(work / f"{split}.jsonl")
        attach_exemplars(records)
        encoded = encode_split(records, tokenizer, ids, max_source, max_target)
        arrays.update({f"{split}_{key}": value for key, value in encoded.items()})
        meta["splits"][split] = len(records)
        if split == "dev":
            meta["dev_references"] = [r["summary"] for r in records]
        print(f"pack: {split}: {len(records)} pairs, exemplars checked", file=sys.stderr)
        if with_params:
            params = read_pairs(work / f"{split}.params.jsonl", PARAM_FIELDS)
            described = encode_params(params, records, encoded, tokenizer, ids, max_source, max_target)
            arrays.update({f"{split}_{key}": value for key, value in described.items()})
            meta["splits"][f"{split}_params"] = len(params)
            if split == "dev":
                meta["dev_param_references"] = [r["description"] for r in params]
            print(f"pack: {split}: {len(params)} parameter descriptions checked", file=sys.stderr)
    meta["input_format_version"] = EXEMPLAR_INPUT_FORMAT_VERSION
    _write(out, weights, arrays, meta)
    return out


def _write(out: Path, weights: Path, arrays: dict, meta: dict) -> None:
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / "weights").mkdir(parents=True)
    for name in WEIGHT_FILES:
        if (weights / name).is_file():
            shutil.copy2(weights / name, partial / "weights" / name)
    np.savez_compressed(partial / "data.npz", **arrays)
    (partial / "meta.json").write_text(json.dumps(meta) + "\n")
    size = sum(f.stat().st_size for f in partial.rglob("*") if f.is_file())
    if size > PACK_LIMIT_BYTES:
        raise SystemExit(f"pack: {size / 2**20:.1f} MiB is over the 60 MiB a GPU machine is sent")
    shutil.rmtree(out, ignore_errors=True)
    partial.replace(out)
    print(f"pack: {out} ({size / 2**20:.1f} MiB)", file=sys.stderr)


def stage_unpack(work: Path, returned: Path, pack: Path | None = None) -> Path:
    """Join the weights a GPU run returned (``gpu_train.py``'s shards) into ``work/gpu-model``: the
    pack's config and tokenizer, one fp16 ``model.safetensors`` and v2 settings; ready to export."""
    from safetensors.torch import load_file, save_file

    from hoverdoc.training.modeling import ModelSettings

    pack = pack or work / "gpu-pack"
    log = json.loads((returned / "train_log.json").read_text())
    state = {}
    for name in log["files"]:
        state.update(load_file(str(returned / name)))
    out = work / "gpu-model"
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(pack / "weights", partial)
    save_file(state, str(partial / "model.safetensors"), metadata={"format": "pt"})
    meta = json.loads((pack / "meta.json").read_text())
    settings = ModelSettings.load(pack / "weights") or ModelSettings()
    settings.input_format_version = meta["input_format_version"]
    settings.max_source_tokens = meta["max_source_tokens"]
    settings.max_target_tokens = meta["max_target_tokens"]
    if log["args"].get("param_share", 0) > 0 and PARAM_TASK not in settings.tasks:
        settings.tasks = [*settings.tasks, PARAM_TASK]  # a run that trained the second task knows it
    settings.save(partial)
    (partial / "gpu_train_log.json").write_text(json.dumps(log, indent=1) + "\n")
    shutil.rmtree(out, ignore_errors=True)
    partial.replace(out)
    return out
