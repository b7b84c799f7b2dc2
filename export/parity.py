"""PyTorch vs ONNX: greedy outputs must agree token for token; int8 is measured, not required equal."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hoverdoc.core.extract import extract
from hoverdoc.core.metrics import bleu4
from hoverdoc.core.model_dir import Generation
from hoverdoc.core.model_input import PARAM_TASK, RETURN_KEY, format_input, format_param_input
from hoverdoc.core.pairs import iter_pairs
from hoverdoc.core.runtime import strip_generated

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerFast

    from hoverdoc.core.runtime import Summarizer


@dataclass
class Sample:
    """Parity inputs: definition codes and, where known, their reference summaries."""

    codes: list[str]
    references: list[str] | None


def draw_sample(paths: list[str], size: int, seed: int = 0) -> Sample:
    """``size`` pairs from the first readable pairs file; else definitions from hoverdoc's own source."""
    for path in paths:
        try:
            records = list(iter_pairs(path))
        except (OSError, ValueError):
            continue
        if records:
            chosen = random.Random(seed).sample(records, min(size, len(records)))
            return Sample([r["code"] for r in chosen], [r["summary"] for r in chosen])
    codes: list[str] = []
    for source in sorted(Path(__file__).resolve().parents[1].glob("*/*.py")):
        codes.extend(d.code for d in extract(source.read_text(encoding="utf-8")) if d.is_function)
        if len(codes) >= size:
            break
    return Sample(codes[:size], None)


def pytorch_greedy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    texts: list[str],
    generation: Generation,
    max_source_tokens: int,
    soft_prompt: dict | None = None,
) -> list[list[int]]:
    """Greedy ids from transformers' ``generate`` with exactly the runtime's settings, one input at a
    time (no padding), start/eos/pad stripped; a folded soft prompt's ids lead each input and are
    never generated, as in the runtime."""
    import torch

    from hoverdoc.core.tokenization import configure_truncation, soft_prompt_ids

    prompt = soft_prompt_ids(soft_prompt)
    encoder = configure_truncation(tokenizer.backend_tokenizer, max(1, max_source_tokens - len(prompt)))
    results = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([prompt + encoder.encode(text).ids])
            output = model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                do_sample=False,
                num_beams=1,
                max_length=generation.max_length,
                min_length=0,
                no_repeat_ngram_size=generation.no_repeat_ngram_size,
                decoder_start_token_id=generation.decoder_start_token_id,
                eos_token_id=generation.eos_token_id,
                pad_token_id=generation.pad_token_id,
                forced_bos_token_id=None,
                forced_eos_token_id=None,
                repetition_penalty=generation.repetition_penalty,
                length_penalty=1.0,
                suppress_tokens=prompt or None,
            )[0].tolist()
            results.append(strip_generated(output, generation))
    return results


def onnx_greedy(summarizer: Summarizer, texts: list[str]) -> list[list[int]]:
    """Greedy ids from the lean runtime, one input at a time."""
    return [summarizer.generate([text], num_beams=1, guard_words=False)[0] for text in texts]


def compare(expected: list[list[int]], actual: list[list[int]]) -> float:
    """Share of identical outputs."""
    if not expected:
        return 1.0
    return sum(a == b for a, b in zip(expected, actual)) / len(expected)


def bleu_change(
    summarizer: Summarizer,
    reference_ids: list[list[int]],
    candidate_ids: list[list[int]],
    codes: list[str],
    references: list[str] | None,
) -> dict:
    """BLEU of both outputs against the references (or, without references, the candidate against
    the reference model's own outputs)."""
    from hoverdoc.core.summary import polish

    base = [polish(summarizer.decode(ids), code) for ids, code in zip(reference_ids, codes)]
    new = [polish(summarizer.decode(ids), code) for ids, code in zip(candidate_ids, codes)]
    if references:
        before, after = bleu4(base, references), bleu4(new, references)
        return {
            "bleu_fp32": round(before, 3),
            "bleu_int8": round(after, 3),
            "bleu_change": round(after - before, 3),
        }
    return {"bleu_int8_vs_fp32": round(bleu4(new, base), 3)}


def formatted(codes: list[str], prefix: str, version: int = 1, tasks: Sequence[str] = ()) -> list[str]:
    """Model inputs for codes (a v2 model's with an empty exemplar section); a model that knows the
    parameter task is also checked on one parameter (or return value) description per code."""
    texts = [format_input(code, prefix, version=version) for code in codes]
    if PARAM_TASK in tasks:
        for code in codes:
            definitions = extract(code)
            names = (
                [p.name for p in definitions[0].params if p.name not in ("self", "cls")]
                if definitions
                else []
            )
            texts.append(format_param_input(code, names[0] if names else RETURN_KEY, prefix, version))
    return texts
