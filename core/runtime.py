"""The lean inference runtime: ``tokenizers`` + ``onnxruntime`` over a model directory.

No torch, no transformers. Greedy and small-beam decoding with the decoder's KV cache, batched;
greedy output matches transformers' ``generate`` token for token (export checks this) until the
word guard (``hoverdoc.core.lexicon``) steers it away from a made-up word.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from hoverdoc.core.extract import Definition
from hoverdoc.core.fallback import fallback_summary
from hoverdoc.core.lexicon import InputWords, WordGuard
from hoverdoc.core.model_dir import (
    DECODER_FILE,
    ENCODER_FILE,
    TOKENIZER_FILE,
    Generation,
    Manifest,
    ModelDirError,
    load_manifest,
)
from hoverdoc.core.model_input import (
    CODE_TOKEN_RESERVE,
    EXEMPLAR_INPUT_FORMAT_VERSION,
    MAX_EXEMPLARS,
    PARAM_TASK,
    SEPARATOR,
    Exemplar,
    format_input,
    format_param_input,
)
from hoverdoc.core.summary import polish
from hoverdoc.core.tokenization import (
    CHARS_PER_TOKEN_BOUND,
    configure_truncation,
    encode_truncated,
    load_tokenizer,
    soft_prompt_ids,
)
from hoverdoc.core.workspace_index import Context, Hit

# The decoder's threads where summaries are asked for one at a time (the server's hovers): a step of
# one row is too small to share between threads, and waking a sleeping worker for each op costs more
# than it saves (2-core EPYC, 100 dev functions interleaved, three runs: batch-1 p50 23.4-25.7 ms
# against 25.1-27.4 ms, p95 33.4-34.7 against 36.9-38.7, the same tokens), and it leaves the other
# cores to the editor and the index build. Batches of 16 (eval, summarize) are 11% faster with all
# the threads, so elsewhere the decoder takes the encoder's.
INTERACTIVE_DECODER_THREADS = 1


def _session(path: Path, threads: int, preoptimized: bool = False) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # Optimizing at load costs the bundled model 0.46 s of start-up: graphs that export saved optimized
    # need only the basic level again (the same fused graph, token for token the same output).
    level = ort.GraphOptimizationLevel
    options.graph_optimization_level = level.ORT_ENABLE_BASIC if preoptimized else level.ORT_ENABLE_ALL
    options.intra_op_num_threads = max(0, threads)
    options.inter_op_num_threads = 1
    # Worker threads sleep instead of spinning between ops: on a 2-core machine spinning threads starve
    # the decoding loop (batch-1 p50 34 ms spinning vs 23 ms not), and an editor's background server
    # should not burn CPU while it waits.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - onnxruntime raises its own, unexported exception types
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelDirError(f"{path}: not a loadable ONNX graph ({first[:160]})") from None


def banned_ngram_tokens(sequence: Sequence[int], n: int) -> list[int]:
    """Tokens that would repeat an n-gram already in ``sequence`` (transformers' rule)."""
    if n <= 0 or len(sequence) + 1 < n:
        return []
    prefix = tuple(sequence[len(sequence) - n + 1 :]) if n > 1 else ()
    banned = []
    for i in range(len(sequence) - n + 1):
        if tuple(sequence[i : i + n - 1]) == prefix:
            banned.append(sequence[i + n - 1])
    return banned


def penalize_repetitions(scores: np.ndarray, sequence: Sequence[int], penalty: float) -> None:
    """transformers' repetition penalty, in place: scores of tokens already in ``sequence`` shrink
    (divided by ``penalty`` when positive, multiplied when negative)."""
    if penalty == 1.0:
        return
    seen = np.unique(np.asarray(sequence, dtype=np.int64))
    values = scores[seen]
    scores[seen] = np.where(values < 0, values * np.float32(penalty), values / np.float32(penalty))


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def strip_generated(sequence: list[int], generation: Generation) -> list[int]:
    """A generated sequence without its decoder-start token and from its first eos or pad on: the
    ids that are decoded into a summary."""
    stripped = []
    for token in sequence[1:]:
        if token in (generation.eos_token_id, generation.pad_token_id):
            break
        stripped.append(token)
    return stripped


class Summarizer:
    """A loaded model directory that turns code into summaries. ``threads`` are onnxruntime's threads
    (0: all cores); ``decoder_threads`` the decoder's, when they differ (see
    ``INTERACTIVE_DECODER_THREADS``)."""

    def __init__(
        self,
        model_dir: str | Path,
        threads: int = 0,
        verify: str = "size",
        decoder_threads: int | None = None,
    ):
        self.manifest: Manifest = load_manifest(model_dir, verify=verify)
        self.generation = self.manifest.generation
        preoptimized = self.manifest.graph_optimization != "none"
        self._prompt = soft_prompt_ids(self.manifest.soft_prompt)
        self.max_source_tokens = self._source_tokens(None)
        # onnxruntime builds a session without the GIL: the two graphs load side by side while this
        # thread reads the tokenizer and the word guard's lexicon
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="hoverdoc-load") as pool:
            decoding = threads if decoder_threads is None else decoder_threads
            decoder = pool.submit(_session, self.manifest.path(DECODER_FILE), decoding, preoptimized)
            encoder = pool.submit(_session, self.manifest.path(ENCODER_FILE), threads, preoptimized)
            self.tokenizer = self._load_tokenizer()
            self._guard = WordGuard.for_tokenizer(self.tokenizer)
            self.encoder, self.decoder = encoder.result(), decoder.result()
        self._past_names = [
            i.name for i in self.decoder.get_inputs() if i.name.startswith("past_key_values.")
        ]
        if not self._past_names or "use_cache_branch" not in {i.name for i in self.decoder.get_inputs()}:
            raise ModelDirError(f"{self.manifest.path(DECODER_FILE)}: not a merged decoder with a KV cache")
        shape = next(i.shape for i in self.decoder.get_inputs() if i.name == self._past_names[0])
        self._heads, self._head_dim = int(shape[1]), int(shape[3])
        # read once: each is a walk over the graph's inputs or outputs, and a hover takes ~20 steps
        self._feeds_encoder_states = "encoder_hidden_states" in {i.name for i in self.decoder.get_inputs()}
        self._output_names = [o.name for o in self.decoder.get_outputs()]

    def _load_tokenizer(self) -> Tokenizer:
        """The model's tokenizer, cutting inputs to the served length (after the soft prompt)."""
        path = self.manifest.path(TOKENIZER_FILE)
        try:
            return load_tokenizer(path, self.max_source_tokens - len(self._prompt))
        except Exception as error:  # noqa: BLE001 - tokenizers raises plain Exceptions
            raise ModelDirError(f"{path}: unreadable tokenizer ({error})") from None

    def _source_tokens(self, limit: int | None) -> int:
        """The input length for ``limit`` (never more than the model was trained with; None: the length
        its manifest serves), checked to leave room for code after the soft prompt."""
        manifest = self.manifest
        wanted = manifest.served_source_tokens if limit is None else limit
        length = manifest.max_source_tokens if wanted is None else min(wanted, manifest.max_source_tokens)
        if len(self._prompt) >= length:
            raise ModelDirError(
                f"{self.manifest.directory}: its soft prompt ({len(self._prompt)} tokens) leaves no room "
                f"for code in {length} source tokens"
            )
        return length

    def limit_source_tokens(self, limit: int | None) -> None:
        """Cut inputs to ``limit`` tokens (never more than the model was trained with; None: the length
        its manifest serves).
        The tokenizer is replaced by a reconfigured copy, never changed under a running encode."""
        length = self._source_tokens(limit)
        if length == self.max_source_tokens:
            return
        self.tokenizer = configure_truncation(self.tokenizer, length - len(self._prompt))
        self.max_source_tokens = length

    @property
    def name(self) -> str:
        """The model's name from its manifest."""
        return self.manifest.name

    @property
    def digest(self) -> str:
        """Cache key of this model's outputs: its files and settings, and the word guard's rules and
        lexicon when it decodes with one."""
        if self._guard is None:
            return self.manifest.digest
        return hashlib.sha256(f"{self.manifest.digest}:{self._guard.fingerprint}".encode()).hexdigest()[:32]

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, padded to the longest text."""
        rows = [self._prompt + e.ids for e in encode_truncated(self.tokenizer, texts)]
        length = max(1, max(len(row) for row in rows))
        ids = np.full((len(texts), length), self.generation.pad_token_id, dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.int64)
        for index, row in enumerate(rows):
            ids[index, : len(row)] = row
            mask[index, : len(row)] = 1
        return ids, mask

    def _decoder_step(
        self, tokens, encoder_states, encoder_mask, past: dict | None
    ) -> tuple[np.ndarray, dict]:
        batch = tokens.shape[0]
        feed = {"input_ids": tokens, "encoder_attention_mask": encoder_mask}
        if self._feeds_encoder_states:
            feed["encoder_hidden_states"] = encoder_states
        if past is None:
            empty = np.zeros((batch, self._heads, 1, self._head_dim), dtype=np.float32)
            feed.update({name: empty for name in self._past_names})
            feed["use_cache_branch"] = np.array([False])
        else:
            feed.update(past)
            feed["use_cache_branch"] = np.array([True])
        result = dict(zip(self._output_names, self.decoder.run(self._output_names, feed)))
        new_past = {}
        for name in self._past_names:
            present = name.replace("past_key_values.", "present.")
            if ".encoder." in name and past is not None:
                new_past[name] = past[name]  # cross-attention keys/values never change
            else:
                new_past[name] = result[present]
        logits = result["logits"][:, -1, :]
        if self._prompt:  # the soft prompt's rows are inputs only
            logits[:, self._prompt[0] : self._prompt[-1] + 1] = -np.inf
        return logits, new_past

    def generate(
        self, texts: Sequence[str], num_beams: int | None = None, guard_words: bool = True
    ) -> list[list[int]]:
        """Generated token ids (without the start token) for already formatted input texts. Greedy
        decoding keeps to known words (``hoverdoc.core.lexicon``) unless ``guard_words`` is off, as
        for the export's parity check against transformers."""
        if not texts:
            return []
        beams = num_beams or self.generation.num_beams
        input_ids, mask = self.encode(texts)
        (states,) = self.encoder.run(["last_hidden_state"], {"input_ids": input_ids, "attention_mask": mask})
        if beams <= 1:
            known = [InputWords(self._seen(text)) for text in texts] if guard_words and self._guard else None
            return self._greedy(states, mask, known)
        return self._beam(states, mask, beams)

    def _seen(self, text: str) -> str:
        """The start of an input ``text`` that may reach the encoder (a token is rarely over 16
        characters): the word guard needs the words of no more."""
        return text[: self.max_source_tokens * CHARS_PER_TOKEN_BOUND]

    def _greedy(
        self, states: np.ndarray, mask: np.ndarray, known: list[InputWords] | None
    ) -> list[list[int]]:
        g = self.generation
        batch = states.shape[0]
        sequences = [[g.decoder_start_token_id] for _ in range(batch)]
        finished = [False] * batch
        tokens = np.full((batch, 1), g.decoder_start_token_id, dtype=np.int64)
        past = None
        while len(sequences[0]) < g.max_length and not all(finished):
            logits, past = self._decoder_step(tokens, states, mask, past)
            for row in range(batch):
                penalize_repetitions(logits[row], sequences[row], g.repetition_penalty)
                for token in banned_ngram_tokens(sequences[row], g.no_repeat_ngram_size):
                    logits[row, token] = -np.inf
            chosen = logits.argmax(axis=-1)
            for row in range(batch):
                if not finished[row] and known is not None and self._guard is not None:
                    chosen[row] = self._guard.choose(logits[row], sequences[row], known[row])
                token = g.pad_token_id if finished[row] else int(chosen[row])
                sequences[row].append(token)
                if token == g.eos_token_id:
                    finished[row] = True
            tokens = np.array([[s[-1]] for s in sequences], dtype=np.int64)
        return [self._strip(s) for s in sequences]

    def _beam(self, states: np.ndarray, mask: np.ndarray, beams: int) -> list[list[int]]:
        g = self.generation
        batch = states.shape[0]
        states = np.repeat(states, beams, axis=0)
        mask = np.repeat(mask, beams, axis=0)
        sequences = [[g.decoder_start_token_id] for _ in range(batch * beams)]
        scores = np.full((batch, beams), -1e9, dtype=np.float32)
        scores[:, 0] = 0.0  # all beams start identical: only the first may expand at step one
        done: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
        closed = [False] * batch
        tokens = np.full((batch * beams, 1), g.decoder_start_token_id, dtype=np.int64)
        past = None
        while len(sequences[0]) < g.max_length and not all(closed):
            logits, past = self._decoder_step(tokens, states, mask, past)
            log_probs = _log_softmax(logits.astype(np.float32))
            for row in range(batch * beams):
                penalize_repetitions(
                    log_probs[row], sequences[row], g.repetition_penalty
                )  # on log-probs, as transformers
                for token in banned_ngram_tokens(sequences[row], g.no_repeat_ngram_size):
                    log_probs[row, token] = -np.inf
            vocab = log_probs.shape[-1]
            total = (scores.reshape(-1, 1) + log_probs).reshape(batch, beams * vocab)
            order = np.argsort(-total, axis=-1)[:, : 2 * beams]
            new_sequences, new_scores, sources = [], np.full((batch, beams), -1e9, dtype=np.float32), []
            for b in range(batch):
                kept = 0
                for rank, flat in enumerate(order[b]):
                    if closed[b]:
                        break
                    beam, token = divmod(int(flat), vocab)
                    score = float(total[b, flat])
                    parent = sequences[b * beams + beam]
                    if token == g.eos_token_id:
                        if rank < beams:  # transformers finishes a hypothesis only from the top num_beams
                            length = len(parent)  # generated tokens incl. eos, excl. start
                            done[b].append(
                                (score / length, parent + [token])
                            )  # transformers' length penalty 1.0
                            done[b] = sorted(done[b], key=lambda item: -item[0])[:beams]
                        continue
                    new_sequences.append(parent + [token])
                    new_scores[b, kept] = score
                    sources.append(b * beams + beam)
                    kept += 1
                    if kept == beams:
                        break
                while kept < beams:  # a closed or starved batch row: pad with dead beams
                    new_sequences.append(sequences[b * beams] + [g.pad_token_id])
                    sources.append(b * beams)
                    kept += 1
                if len(done[b]) >= beams:
                    closed[b] = True  # early stopping: num_beams finished hypotheses are enough
            index = np.array(sources)
            past = {name: value[index] for name, value in past.items()}
            sequences, scores = new_sequences, new_scores
            tokens = np.array([[s[-1]] for s in sequences], dtype=np.int64)
        results = []
        for b in range(batch):
            candidates = list(done[b])
            if not closed[b]:  # the length limit ended the search: running beams compete too
                for k in range(beams):
                    sequence = sequences[b * beams + k]
                    if scores[b, k] > -1e8:
                        candidates.append((float(scores[b, k]) / (len(sequence) - 1), sequence))
            results.append(self._strip(max(candidates, key=lambda c: c[0])[1]))
        return results

    def _strip(self, sequence: list[int]) -> list[int]:
        return strip_generated(sequence, self.generation)

    def decode(self, ids: Sequence[int]) -> str:
        """Text of generated ids, special tokens dropped."""
        return self.tokenizer.decode(list(ids), skip_special_tokens=True)

    @property
    def uses_exemplars(self) -> bool:
        """Whether the model reads workspace exemplars (input format v2)."""
        return self.manifest.input_format_version >= EXEMPLAR_INPUT_FORMAT_VERSION

    def format(self, code: str, exemplars: Sequence[Exemplar] = (), fit: bool = True) -> str:
        """The model's input for ``code`` with as many of ``exemplars`` as leave the code room (see
        ``fitting_exemplars``; exemplars are ignored by a v1 model). ``fit=False`` shows them all: the
        text a cache key needs, since with the input length and the tokenizer it decides the fitting."""
        manifest = self.manifest
        shown = self.fitting_exemplars(code, exemplars) if fit else exemplars
        return format_input(code, manifest.input_prefix, shown, manifest.input_format_version)

    def fitting_exemplars(self, code: str, exemplars: Sequence[Exemplar]) -> Sequence[Exemplar]:
        """The first of ``exemplars`` that leave ``code`` at least ``CODE_TOKEN_RESERVE`` tokens of the
        input (all of it when it is shorter): whole exemplars are dropped, the least similar first."""
        if not exemplars or not self.uses_exemplars:
            return exemplars
        head = self._head(code)
        counts = range(min(len(exemplars), MAX_EXEMPLARS), -1, -1)
        kept = self._code_kept(head, exemplars, counts)
        if kept[-1] < CODE_TOKEN_RESERVE and len(head) < len(code):  # the head fell short: count it all
            kept = self._code_kept(code, exemplars, counts)
        wanted = min(CODE_TOKEN_RESERVE, kept[-1])
        return next(exemplars[:count] for count, tokens in zip(counts, kept) if tokens >= wanted)

    def _code_kept(self, code: str, exemplars: Sequence[Exemplar], counts: range) -> list[int]:
        """The code tokens an input keeps with each count of the first ``exemplars``."""
        manifest = self.manifest
        texts = [
            format_input(code, manifest.input_prefix, exemplars[:count], manifest.input_format_version)
            for count in counts
        ]
        return [self._code_tokens(encoding.ids) for encoding in encode_truncated(self.tokenizer, texts)]

    @staticmethod
    def _head(code: str) -> str:
        """The start of ``code`` that usually holds ``CODE_TOKEN_RESERVE`` tokens (tokens average far
        under 8 characters), cut at whitespace: counting on it instead of a long function's whole
        source is a fraction of the tokenizer's time (``fitting_exemplars`` counts again on the
        whole code when the head falls short, as a long string literal can make it)."""
        limit = CODE_TOKEN_RESERVE * 8
        if len(code) <= limit:
            return code
        head = code[:limit]
        cut = max(head.rfind(" "), head.rfind("\n"))
        return head[:cut] if cut > 0 else head

    def code_tokens(self, text: str) -> int:
        """How many tokens of the code in the formatted v2 input ``text`` survive the cut to the
        input length (those after the exemplar section's separator)."""
        return self._code_tokens(encode_truncated(self.tokenizer, [text])[0].ids)

    def _code_tokens(self, ids: list[int]) -> int:
        separator = self.tokenizer.token_to_id(SEPARATOR)
        start = ids.index(separator) + 1 if separator in ids else len(ids)
        return max(0, len(ids) - start - 1)  # the last token is the closing [SEP]

    def summarize(
        self,
        codes: Sequence[str],
        batch_size: int = 16,
        num_beams: int | None = None,
        exemplars: Sequence[Sequence[Exemplar]] | None = None,
        definitions: Sequence[Definition | None] | None = None,
    ) -> list[str]:
        """One polished summary sentence per definition ``code``, each with its own ``exemplars``; a
        definition (from ``definitions``) of a kind the model does not write gets ``name_summary``."""
        named = [self.name_summary(d) for d in definitions] if definitions else [None] * len(codes)
        todo = [i for i, text in enumerate(named) if text is None]
        shown = exemplars or [()] * len(codes)
        texts = [self.format(codes[i], shown[i]) for i in todo]
        results = [text or "" for text in named]
        for i, text in zip(todo, self._written(texts, [codes[i] for i in todo], batch_size, num_beams)):
            results[i] = text
        return results

    def writes_summary(self, kind: str | None) -> bool:
        """Whether this model's summaries of ``kind`` definitions are served; for the kinds in its
        manifest's ``name_summary_kinds`` the summary built from the name scored higher on dev."""
        return kind not in self.manifest.name_summary_kinds

    def name_summary(self, definition: Definition | None) -> str | None:
        """The summary built from ``definition``'s name when the model does not write summaries of
        its kind (``writes_summary``), else None: the one home of that rule."""
        if definition is None or self.writes_summary(definition.kind):
            return None
        return fallback_summary(definition)

    def _written(
        self, texts: Sequence[str], codes: Sequence[str], batch_size: int, num_beams: int | None = None
    ) -> list[str]:
        """The polished output for each formatted input, generated ``batch_size`` at a time."""
        results: list[str] = []
        for start in range(0, len(texts), batch_size):
            outputs = self.generate(texts[start : start + batch_size], num_beams)
            for code, ids in zip(codes[start : start + batch_size], outputs):
                results.append(polish(self.decode(ids), code))
        return results

    @property
    def describes_params(self) -> bool:
        """Whether the model also learnt to describe parameters and return values."""
        return self.manifest.knows(PARAM_TASK)

    def format_param(self, code: str, param: str) -> str:
        """The model's input for describing ``param`` of ``code`` (``RETURN_KEY``: its return value)."""
        manifest = self.manifest
        return format_param_input(code, param, manifest.input_prefix, manifest.input_format_version)

    def describe_batch(self, items: Sequence[tuple[str, str]], batch_size: int = 16) -> list[str]:
        """The description of each (code, parameter) item; all "" when the model only knows summaries."""
        if not self.describes_params:
            return [""] * len(items)
        texts = [self.format_param(code, param) for code, param in items]
        return self._written(texts, [code for code, _ in items], batch_size)

    def describe(self, code: str, params: Sequence[str]) -> dict[str, str]:
        """The model's description of each of ``params`` of the definition ``code`` (``RETURN_KEY``
        for its return value); empty when the model only knows summaries."""
        texts = self.describe_batch([(code, param) for param in params])
        return {param: text for param, text in zip(params, texts) if text}

    def summarize_in_context(
        self,
        codes: Sequence[str],
        contexts: Sequence[Context],
        batch_size: int = 16,
        num_beams: int | None = None,
        definitions: Sequence[Definition | None] | None = None,
    ) -> list[tuple[str, Hit | None]]:
        """Summaries that use each definition's workspace ``contexts`` as the server does: a
        neighbour above the manifest's ``copy_similarity`` is quoted, a definition of a kind the
        model does not write gets ``name_summary``, and the rest are generated from the neighbours
        as exemplars. Each result comes with the neighbour quoted, else None."""
        threshold = self.manifest.copy_similarity if self.uses_exemplars else None
        quoted = [context.quoted(threshold) for context in contexts]
        todo = [i for i, hit in enumerate(quoted) if hit is None]
        exemplars = [contexts[i].exemplars() for i in todo]
        shown = [definitions[i] for i in todo] if definitions else None
        generated = self.summarize([codes[i] for i in todo], batch_size, num_beams, exemplars, shown)
        results: list[tuple[str, Hit | None]] = [
            (hit.entry.summary, hit) if hit else ("", None) for hit in quoted
        ]
        for i, text in zip(todo, generated):
            results[i] = (text, None)
        return results
