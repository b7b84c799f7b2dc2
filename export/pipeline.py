"""The export pipeline: a run (or a plain base model) becomes a served model directory.

Everything is written into a temporary folder beside ``out`` and renamed into place at the end, so a
failed export leaves nothing half-written and an existing model untouched. Steps: save the merged
weights, export the ONNX graphs, assemble an fp32 serving folder and check it against PyTorch token
for token, quantize (int8) and measure the change, write the manifest, rename into place.
"""

from __future__ import annotations

import datetime
import shutil
import sys
import tempfile
from pathlib import Path

from hoverdoc.core.errors import HoverdocError
from hoverdoc.core.model_dir import (
    DECODER_FILE,
    ENCODER_FILE,
    MANIFEST,
    MANIFEST_FORMAT_VERSION,
    TOKENIZER_FILE,
    Generation,
    Manifest,
    file_entries,
    load_manifest,
    write_manifest,
)
from hoverdoc.training.modeling import decoder_start_id

from .merge import ExportSource
from .onnx_export import GRAPH_OPTIMIZATION, assemble, export_graphs
from .parity import Sample, bleu_change, compare, draw_sample, formatted, onnx_greedy, pytorch_greedy


def generation_settings(source: ExportSource) -> Generation:
    """The generation settings the served model decodes with (the runtime reads nothing else)."""
    config = source.model.config
    eos = config.eos_token_id
    if isinstance(eos, list):
        eos = eos[0]
    return Generation(
        decoder_start_token_id=decoder_start_id(source.model),
        eos_token_id=int(eos),
        pad_token_id=int(config.pad_token_id),
        max_length=source.settings.max_target_tokens + 1,
        num_beams=source.settings.num_beams,
        no_repeat_ngram_size=source.settings.no_repeat_ngram_size,
        repetition_penalty=source.settings.repetition_penalty,
    )


def _manifest(
    source: ExportSource, name: str, directory: Path, generation: Generation, quantization: str, parity: dict
) -> Manifest:
    return Manifest(
        name=name,
        format_version=MANIFEST_FORMAT_VERSION,
        input_format_version=source.settings.input_format_version,
        input_prefix=source.settings.input_prefix,
        max_source_tokens=source.settings.max_source_tokens,
        max_target_tokens=source.settings.max_target_tokens,
        generation=generation,
        files=file_entries(directory, [ENCODER_FILE, DECODER_FILE, TOKENIZER_FILE]),
        base=source.base,
        method=source.method,
        adapter_digest=source.adapter_digest,
        data_digests=source.data_digests,
        quantization=quantization,
        parity=parity,
        metrics=source.metrics,
        created=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        tasks=list(source.settings.tasks),
        soft_prompt=source.settings.soft_prompt,
        graph_optimization=GRAPH_OPTIMIZATION,
    )


def _write_serving_dir(
    source: ExportSource,
    onnx_dir: Path,
    directory: Path,
    quantize: str,
    name: str,
    generation: Generation,
    parity: dict,
) -> None:
    directory.mkdir(parents=True)
    assemble(onnx_dir, directory, quantize)
    source.tokenizer.backend_tokenizer.save(str(directory / TOKENIZER_FILE))
    write_manifest(_manifest(source, name, directory, generation, quantize, parity), directory)


def save_weights(source: ExportSource, directory: Path, dtype: str) -> None:
    """The merged PyTorch weights as safetensors with tokenizer and settings (a LoRA base)."""
    import torch

    model = source.model.to(torch.float16) if dtype == "fp16" else source.model
    model.save_pretrained(directory, safe_serialization=True)
    source.tokenizer.save_pretrained(directory)
    source.settings.save(directory)
    if dtype == "fp16":
        source.model.to(torch.float32)


def check_out(out: Path) -> None:
    """Refuse to replace a folder that is neither empty nor a model directory."""
    if out.exists() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise HoverdocError(
            f"--out {out}: exists, is not empty and is not a model directory; refusing to replace it"
        )


def _export_graphs(source: ExportSource, scratch: Path) -> Path:
    """The merged weights saved and exported to ONNX with optimum; returns the graphs' folder."""
    merged = scratch / "merged"
    source.model.save_pretrained(merged, safe_serialization=True)
    source.tokenizer.save_pretrained(merged)
    onnx_dir = scratch / "onnx"
    print("exporting ONNX graphs with optimum ...", file=sys.stderr)
    export_graphs(merged, onnx_dir)
    return onnx_dir


def _check_fp32_parity(
    source: ExportSource, fp32, sample: Sample, generation: Generation
) -> tuple[list[str], list[list[int]]]:
    """Greedy outputs of the fp32 ONNX folder must equal PyTorch's; returns the inputs and ONNX ids."""
    settings = source.settings
    texts = formatted(sample.codes, settings.input_prefix, settings.input_format_version, settings.tasks)
    print(f"parity check on {len(texts)} inputs ...", file=sys.stderr)
    torch_ids = pytorch_greedy(
        source.model, source.tokenizer, texts, generation, settings.max_source_tokens, settings.soft_prompt
    )
    fp32_ids = onnx_greedy(fp32, texts)
    identical = compare(torch_ids, fp32_ids)
    if identical < 1.0:
        differing = round((1 - identical) * len(texts))
        raise HoverdocError(
            f"parity check failed: ONNX fp32 greedy output differs from PyTorch on {differing} of {len(texts)} inputs"
        )
    return texts, fp32_ids


def _install(final: Path, out: Path, scratch: Path) -> None:
    """Rename ``final`` to ``out``; a previous model there goes to the scratch folder (removed after)."""
    if out.exists():
        out.rename(scratch / "previous")
    final.rename(out)


def export_model(
    source: ExportSource,
    out: str | Path,
    quantize: str = "int8",
    parity_sample: int = 32,
    parity_data: str | None = None,
    name: str | None = None,
    weights: str = "none",
) -> Manifest:
    """Export ``source`` into the model directory ``out``; returns its manifest."""
    from hoverdoc.core.runtime import Summarizer

    out = Path(out)
    check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    name = name or out.name
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", dir=out.parent))
    try:
        onnx_dir = _export_graphs(source, scratch)
        generation = generation_settings(source)
        final = scratch / "fp32"
        _write_serving_dir(source, onnx_dir, final, "none", name, generation, {})
        fp32 = Summarizer(final)
        sample = draw_sample([parity_data] if parity_data else source.sample_paths, parity_sample)
        texts, fp32_ids = _check_fp32_parity(source, fp32, sample, generation)
        parity = {"sample": len(texts), "fp32_identical": 1.0}
        if quantize == "int8":
            final = scratch / "int8"
            _write_serving_dir(source, onnx_dir, final, "int8", name, generation, parity)
            int8 = Summarizer(final)
            int8_ids = onnx_greedy(int8, texts)
            parity["int8_identical"] = round(compare(fp32_ids, int8_ids), 4)
            parity.update(bleu_change(int8, fp32_ids, int8_ids, sample.codes, sample.references))
        write_manifest(_manifest(source, name, final, generation, quantize, parity), final)
        if weights != "none":
            save_weights(source, final / "weights", weights)
        _install(final, out, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return load_manifest(out)
