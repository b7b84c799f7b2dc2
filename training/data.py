"""Pairs files as tokenized datasets, through the shared input format and tokenizer settings.

A v2 model (input format 2) reads each pair with its exemplars: the documented neighbours that the
workspace index finds for it in its own project (``repo``; records without one all count as one
project), the pair itself left out (``hoverdoc.training.exemplars``). A fixed share of training pairs is
shown with none, so that a workspace with nothing documented still gets good summaries.

A model that learns the second task too (``param_data``) reads parameter-description records
(``hoverdoc mine --params-out``) as pairs whose ``task`` is ``param``: the input names the parameter
(``hoverdoc.core.model_input.format_param_input``) and the target is its description.
"""

from __future__ import annotations

import random
from typing import TypedDict

from hoverdoc.core.model_input import (
    EXEMPLAR_INPUT_FORMAT_VERSION,
    PARAM_TASK,
    Exemplar,
    Task,
    format_input,
    format_param_input,
)
from hoverdoc.core.tokenization import configure_truncation


class _PairFields(TypedDict):
    code: str
    summary: str


class PairRecord(_PairFields, total=False):
    """One training or evaluation pair: a line of a pairs file (see DESIGN.md), plus the exemplars
    retrieved for it when a v2 model trains."""

    docstring: str
    name: str
    path: str
    repo: str
    lineno: int
    language: str
    exemplars: list[Exemplar]
    task: Task  # absent: "summary"
    param: str  # task "param": the parameter described (RETURN_KEY for the return value)


PARAM_FIELDS = ("code", "param", "description")


def param_pairs(records: list[dict]) -> list[PairRecord]:
    """Parameter-description records (``code``, ``param``, ``description``, ...) as training pairs of
    the ``param`` task, the description as the target."""
    pairs: list[PairRecord] = []
    for record in records:
        pair: PairRecord = {"code": record["code"], "summary": record["description"]}
        pair.update({"task": PARAM_TASK, "param": record["param"]})
        for key in ("name", "path", "repo"):
            if key in record:
                pair[key] = record[key]  # type: ignore[literal-required]
        pairs.append(pair)
    return pairs


def is_param_pair(record: PairRecord) -> bool:
    """Whether a pair belongs to the parameter-description task."""
    return record.get("task") == PARAM_TASK


def uses_exemplars(settings) -> bool:
    """Whether a model with these ``ModelSettings`` reads exemplars (input format v2)."""
    return settings.input_format_version >= EXEMPLAR_INPUT_FORMAT_VERSION


def with_exemplars(records: list[PairRecord]) -> list[PairRecord]:
    """Copies of ``records``, each with the ``exemplars`` found for it among ``records`` (its own
    project's, itself left out)."""
    from .exemplars import attach_exemplars

    copies: list[PairRecord] = [dict(record) for record in records]  # type: ignore[misc]
    attach_exemplars(copies)  # type: ignore[arg-type]
    return copies


def drop_exemplars(records: list[PairRecord], share: float, seed: int) -> int:
    """Remove the exemplars of a fixed random ``share`` of ``records`` (the same ones for the same
    seed); returns how many were emptied."""
    rng = random.Random(f"no-exemplars:{seed}")
    chosen = [record for record in records if rng.random() < share]
    for record in chosen:
        record["exemplars"] = []
    return len(chosen)


def model_input(record: PairRecord, settings) -> str:
    """The text the model reads for one record, in its input format and for its task."""
    version = settings.input_format_version
    if is_param_pair(record):
        return format_param_input(record["code"], record["param"], settings.input_prefix, version)
    return format_input(record["code"], settings.input_prefix, record.get("exemplars") or (), version=version)


def model_inputs(records: list[PairRecord], settings) -> list[str]:
    """The text the model reads for each record, in its input format."""
    return [model_input(record, settings) for record in records]


def encode_labels(tokenizer, summaries: list[str], max_target: int, decoder_start: int) -> list[list[int]]:
    """Target ids for summaries with a ``tokenizers.Tokenizer``: at most ``max_target`` tokens ending
    in the end-of-sequence token, without a leading decoder-start token (the decoder starts from it)."""
    encoder = configure_truncation(tokenizer, max_target + 1)
    labels = []
    for encoding in encoder.encode_batch(summaries):
        ids = list(encoding.ids)
        if ids and ids[0] == decoder_start:  # BERT-style [CLS]
            ids = ids[1:]
        labels.append(ids[:max_target])
    return labels


class PairsDataset:
    """(code, summary) pairs encoded for a seq2seq model; a torch map-style dataset."""

    def __init__(
        self, records: list[PairRecord], tokenizer, settings, decoder_start: int, reserved_tokens: int = 0
    ):
        """``reserved_tokens`` of the source length are left for what goes before the text (a soft
        prompt's tokens), so that the model sees as much code in training as when served."""
        self.records = records
        self.codes = [r["code"] for r in records]
        self.summaries = [r["summary"] for r in records]
        self.sources = model_inputs(records, settings)
        length = max(1, settings.max_source_tokens - reserved_tokens)
        source_encoder = configure_truncation(tokenizer.backend_tokenizer, length)
        self.input_ids = [e.ids for e in source_encoder.encode_batch(self.sources)]
        self.labels = encode_labels(
            tokenizer.backend_tokenizer, self.summaries, settings.max_target_tokens, decoder_start
        )

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict:
        return {
            "input_ids": self.input_ids[index],
            "attention_mask": [1] * len(self.input_ids[index]),
            "labels": self.labels[index],
        }


def sample(records: list[PairRecord], limit: int | None, seed: int) -> list[PairRecord]:
    """A fixed random subset of at most ``limit`` records (all of them, in order, when under it)."""
    if limit is None or len(records) <= limit:
        return records
    chosen = sorted(random.Random(seed).sample(range(len(records)), limit))
    return [records[i] for i in chosen]
