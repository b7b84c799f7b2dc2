"""Builds the tiny random-weight seq2seq models the tests train, export and serve."""

from __future__ import annotations

import json
from pathlib import Path


def _wordpiece(corpus: list[str], vocab_size: int, specials: list[str]):
    """A lower-casing WordPiece tokenizer (BERT's normaliser and pre-tokenizer) fit to ``corpus``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    tokenizer.train_from_iterator(
        corpus, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials)
    )
    return tokenizer


def build_tiny_t5(directory: Path, corpus: list[str], vocab_size: int = 400, d_model: int = 32) -> Path:
    """A T5 with random weights and a WordPiece tokenizer fit to ``corpus``, saved as safetensors."""
    import torch
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = _wordpiece(corpus, vocab_size, ["[PAD]", "[EOS]", "[UNK]"])
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


def build_tiny_bart(directory: Path, corpus: list[str], vocab_size: int = 400, d_model: int = 32) -> Path:
    """A BART with random fp16 weights and a BERT-style tokenizer (``[CLS] ... [SEP]``), shaped like the
    bundled model (whose weights are stored in fp16), saved as safetensors."""
    import torch
    from tokenizers import processors
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = _wordpiece(corpus, vocab_size, specials)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]", sep_token="[SEP]"
    )
    fast.save_pretrained(directory)
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=tokenizer.get_vocab_size(),
        d_model=d_model,
        encoder_layers=2,
        decoder_layers=1,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=128,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=3,
        decoder_start_token_id=2,
        forced_eos_token_id=None,
    )
    BartForConditionalGeneration(config).half().save_pretrained(directory, safe_serialization=True)
    (directory / "hoverdoc.json").write_text(json.dumps({"max_source_tokens": 64, "max_target_tokens": 16}))
    return directory
