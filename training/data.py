"""Pairs files as tokenized datasets, through the shared input format and tokenizer settings."""

from __future__ import annotations

import random

from hoverdoc.core.model_input import format_input
from hoverdoc.core.tokenization import configure_truncation


class PairsDataset:
    """(code, summary) pairs encoded for a seq2seq model; a torch map-style dataset."""

    def __init__(self, records: list[dict], tokenizer, settings, decoder_start: int):
        self.records = records
        self.codes = [r["code"] for r in records]
        self.summaries = [r["summary"] for r in records]
        source_encoder = configure_truncation(tokenizer.backend_tokenizer, settings.max_source_tokens)
        target_encoder = configure_truncation(tokenizer.backend_tokenizer, settings.max_target_tokens + 1)
        sources = [format_input(code, settings.input_prefix) for code in self.codes]
        self.input_ids = [e.ids for e in source_encoder.encode_batch(sources)]
        labels = []
        for encoding in target_encoder.encode_batch(self.summaries):
            ids = list(encoding.ids)
            if ids and ids[0] == decoder_start:  # BERT-style [CLS]: the decoder starts from it already
                ids = ids[1:]
            labels.append(ids[: settings.max_target_tokens])
        self.labels = labels

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict:
        return {
            "input_ids": self.input_ids[index],
            "attention_mask": [1] * len(self.input_ids[index]),
            "labels": self.labels[index],
        }


def sample(records: list[dict], limit: int | None, seed: int) -> list[dict]:
    """A fixed random subset of at most ``limit`` records (all of them, in order, when under it)."""
    if limit is None or len(records) <= limit:
        return records
    chosen = sorted(random.Random(seed).sample(range(len(records)), limit))
    return [records[i] for i in chosen]
