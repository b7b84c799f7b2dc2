"""Builds the tiny random-weight seq2seq models the tests train, export and serve."""

from __future__ import annotations

import json
from pathlib import Path


def build_tiny_t5(directory: Path, corpus: list[str], vocab_size: int = 400, d_model: int = 32) -> Path:
    """A T5 with random weights and a WordPiece tokenizer fit to ``corpus``, saved as safetensors."""
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[EOS]", "[UNK]"])
    tokenizer.train_from_iterator(corpus, trainer)
    eos = tokenizer.token_to_id("[EOS]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A [EOS]", special_tokens=[("[EOS]", eos)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", eos_token="[EOS]", unk_token="[UNK]"
    )
    fast.save_pretrained(directory)
    torch.manual_seed(0)
    config = T5Config(
        vocab_size=tokenizer.get_vocab_size(),
        d_model=d_model,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        pad_token_id=0,
        eos_token_id=eos,
        decoder_start_token_id=0,
        relative_attention_num_buckets=8,
        tie_word_embeddings=True,
    )
    model = T5ForConditionalGeneration(config)
    model.save_pretrained(directory, safe_serialization=True)
    (directory / "hoverdoc.json").write_text(json.dumps({"max_source_tokens": 64, "max_target_tokens": 16}))
    return directory
