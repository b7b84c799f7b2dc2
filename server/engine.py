"""Summaries for the server: cache, fallback, and model inference off the event loop.

One worker thread runs the model (onnxruntime spreads each run over the configured threads), taking
queued requests in small batches. Identical requests share one computation; a request whose every
waiter was cancelled is dropped before it runs, so a cancelled hover keeps no core busy.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from hoverdoc.core.extract import Definition
from hoverdoc.core.fallback import fallback_summary
from hoverdoc.core.model_input import Exemplar
from hoverdoc.core.model_loading import LoadedModel
from hoverdoc.core.runtime import Summarizer
from hoverdoc.core.workspace_index import Context, Hit

from .cache import SummaryCache, input_digest

logger = logging.getLogger(__name__)
MAX_BATCH = 16


Origin = Literal["model", "cache", "workspace", "name", "fallback"]


@dataclass(frozen=True)
class Summary:
    """A summary and where it came from: the model, the cache, a workspace neighbour quoted as it is,
    the definition's name (a kind the model does not write, ``Summarizer.writes_summary``), or the
    fallback; ``neighbour`` is the workspace definition that weighed in, if one did."""

    text: str
    origin: Origin
    model: str | None = None
    neighbour: Hit | None = None

    @property
    def is_fallback(self) -> bool:
        """Whether no model produced this summary."""
        return self.origin == "fallback"


_Serving = tuple[str, int]  # a model's digest and the input length it cuts to: what a key is taken for


def _serving(summarizer: Summarizer) -> _Serving:
    return summarizer.digest, summarizer.max_source_tokens


@dataclass
class _Job:
    key: str
    code: str
    keyed_for: _Serving  # whose output the key names: only that output may be stored under it
    exemplars: tuple[Exemplar, ...] = ()
    summarizer: Summarizer | None = None  # a workspace folder's own model; None: the default one
    param: str | None = None  # a parameter (or RETURN_KEY) to describe; None: summarize the code
    waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = field(default_factory=list)


class SummaryEngine:
    """Owns the loaded model, the cache and the inference worker."""

    def __init__(self, cache: SummaryCache | None = None):
        self.cache = cache or SummaryCache()
        self.model: LoadedModel | None = None
        self._lock = threading.Lock()
        self._queue: deque[_Job] = deque()
        self._jobs: dict[str, _Job] = {}
        self._storing: dict[str, str] = {}  # answered, on its way to the cache: key -> text
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self.runs = 0  # model batches executed (tests and benchmarks read it)
        self._worker = threading.Thread(target=self._work, name="hoverdoc-inference", daemon=True)
        self._worker.start()

    # --- model ------------------------------------------------------------------------------------

    def set_model(self, loaded: LoadedModel | None) -> None:
        """Swap the model (None: fallback only). Queued work of the old model is answered by the new."""
        with self._lock:
            self.model = loaded

    @property
    def summarizer(self) -> Summarizer | None:
        """The loaded runtime, or None while there is no usable model."""
        model = self.model
        return model.summarizer if model is not None else None

    def _key(self, summarizer: Summarizer, text: str) -> str:
        digest, length = _serving(summarizer)
        return f"{digest}:{length}:{input_digest(text)}"

    # --- requests ---------------------------------------------------------------------------------

    async def summarize(
        self, definition: Definition, context: Context | None = None, model: LoadedModel | None = None
    ) -> Summary:
        """The summary of one definition, with its workspace ``context`` when the model reads one,
        by ``model`` (a workspace folder's own) or the default model; cancellable while it waits."""
        own = model.summarizer if model is not None else None
        summarizer = own or self.summarizer
        if summarizer is None:
            return Summary(fallback_summary(definition), "fallback")
        context = context if (context is not None and summarizer.uses_exemplars) else Context()
        quoted = context.quoted(summarizer.manifest.copy_similarity)
        if quoted is not None:
            return Summary(quoted.entry.summary, "workspace", summarizer.name, quoted)
        named = summarizer.name_summary(definition)
        if named is not None:
            return Summary(named, "name", summarizer.name)
        exemplars = context.exemplars()
        # keyed on the input before the exemplars are fitted to the length: no tokenizer work here
        key = self._key(summarizer, summarizer.format(definition.code, exemplars, fit=False))
        neighbour = context.explaining()
        cached = self._cached(summarizer, key)
        if cached is not None:
            return Summary(cached, "cache", summarizer.name, neighbour)
        text_out = await self._queued(key, _serving(summarizer), definition.code, exemplars, own)
        if not text_out:
            return Summary(fallback_summary(definition), "fallback")
        return Summary(text_out, "model", summarizer.name, neighbour)

    async def describe(
        self, definition: Definition, names: list[str], model: LoadedModel | None = None
    ) -> dict[str, str]:
        """The model's descriptions of ``names`` (parameters of ``definition``, ``RETURN_KEY`` for its
        return value), by ``model`` or the default one; empty when the model does not know the task."""
        own = model.summarizer if model is not None else None
        summarizer = own or self.summarizer
        if summarizer is None or not summarizer.describes_params or not names:
            return {}

        async def one(name: str) -> str:
            key = self._key(summarizer, summarizer.format_param(definition.code, name))
            cached = self._cached(summarizer, key)
            if cached is not None:
                return cached
            return await self._queued(key, _serving(summarizer), definition.code, (), own, param=name)

        texts = await asyncio.gather(*(one(name) for name in names))
        return {name: text for name, text in zip(names, texts) if text}

    def _cached(self, summarizer: Summarizer, key: str) -> str | None:
        """A stored output: one just answered and not yet written, else the cache's."""
        with self._lock:
            storing = self._storing.get(key)
        return storing if storing is not None else self.cache.get(summarizer.digest, key)

    async def _queued(
        self,
        key: str,
        keyed_for: _Serving,
        code: str,
        exemplars: tuple[Exemplar, ...],
        summarizer: Summarizer | None = None,
        param: str | None = None,
    ) -> str:
        """Run one input through the worker (identical inputs share a run); "" when the model failed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future = loop.create_future()
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = _Job(key, code, keyed_for, exemplars, summarizer, param)
                self._jobs[key] = job
                self._queue.append(job)
                self._wake.notify()
            job.waiters.append((loop, waiter))
        try:
            return await waiter
        except asyncio.CancelledError:
            with self._lock:
                job.waiters = [(lp, w) for lp, w in job.waiters if w is not waiter]
            raise

    def pending(self) -> int:
        """Jobs waiting, running, or answered and not yet stored."""
        with self._lock:
            return len(self._jobs) + len(self._storing)

    # --- worker -----------------------------------------------------------------------------------

    def _take_batch(self) -> list[_Job]:
        batch: list[_Job] = []
        while self._queue and len(batch) < MAX_BATCH:
            job = self._queue.popleft()
            if not job.waiters:  # everybody gave up: don't spend a core on it
                self._jobs.pop(job.key, None)
                continue
            batch.append(job)
        return batch

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                batch = self._take_batch()
                default = self.summarizer
            groups: dict[int, tuple[Summarizer | None, list[_Job]]] = {}
            for job in batch:  # one run per model: a folder's own, or the default
                chosen = job.summarizer or default
                groups.setdefault(id(chosen), (chosen, []))[1].append(job)
            for summarizer, jobs in groups.values():
                self._run(summarizer, jobs)

    def _run(self, summarizer: Summarizer | None, batch: list[_Job]) -> None:
        """Summarize one group of jobs with one model and answer their waiters."""
        results = [""] * len(batch)
        served: _Serving | None = None
        if summarizer is not None:
            served = _serving(summarizer)
            try:
                results = _outputs(summarizer, batch)
                self.runs += 1
            except Exception:  # noqa: BLE001 - a model failure must not kill the worker
                logger.exception("inference failed; answering with the fallback")
                results = [""] * len(batch)
            if _serving(summarizer) != served:
                served = None  # maxSourceTokens changed during the run: no length is sure
        # answered all the same, but stored only under a key taken for this model at this length: a
        # model swap or a maxSourceTokens change after the request must not cache under another's key
        stored = [(job.key, text) for job, text in zip(batch, results) if text and job.keyed_for == served]
        with self._lock:  # answer first, then store: the editor does not wait for the disk
            self._storing.update(stored)  # meanwhile the same input is answered from here
            for job, text in zip(batch, results):
                self._jobs.pop(job.key, None)
                for loop, waiter in job.waiters:
                    loop.call_soon_threadsafe(_resolve, waiter, text)
                job.waiters = []
        for key, text in stored:
            self.cache.put(summarizer.digest, key, text)
        with self._lock:
            for key, _ in stored:
                self._storing.pop(key, None)

    def close(self) -> None:
        """Stop the worker and close the cache."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
        self._worker.join(timeout=5)
        self.cache.close()


def _outputs(summarizer: Summarizer, batch: list[_Job]) -> list[str]:
    """The model's output for each job, in order: summaries in one run, descriptions in another."""
    outputs = [""] * len(batch)
    summaries = [i for i, job in enumerate(batch) if job.param is None]
    described = [i for i, job in enumerate(batch) if job.param is not None]
    if summaries:
        texts = summarizer.summarize(
            [batch[i].code for i in summaries],
            batch_size=MAX_BATCH,
            exemplars=[batch[i].exemplars for i in summaries],
        )
        for i, text in zip(summaries, texts):
            outputs[i] = text
    if described:
        texts = summarizer.describe_batch(
            [(batch[i].code, batch[i].param or "") for i in described], MAX_BATCH
        )
        for i, text in zip(described, texts):
            outputs[i] = text
    return outputs


def _resolve(future: asyncio.Future, value: str) -> None:
    if not future.done():
        future.set_result(value)
