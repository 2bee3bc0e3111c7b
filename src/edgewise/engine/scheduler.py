"""Continuous batching on llama.cpp: many sequences, one decode per step.

One thread owns a ``llama_context`` with ``n_seq_max = parallel`` sequences.
Each step it builds one ``llama_batch`` holding the next token of every
decoding sequence plus a chunk of pending prompt tokens (chunked prefill), calls
``llama_decode`` once, and samples each sequence with its own native sampler
chain. New requests take a free slot between steps, finished or cancelled ones
leave, so no request waits for another to finish (unlike llama-cpp-python's
server, which serialises requests behind a global lock).

Prefix reuse: a finished slot keeps its KV cache and token list; a new request
goes to the free slot sharing the longest prompt prefix, and only the rest of
its prompt is evaluated (the context is built with ``swa_full`` so that a
cached prefix stays valid under Gemma's sliding-window layers).
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgewise.engine.handle import RequestHandle
from edgewise.engine.llama_model import LlamaModel, LoraAdapter
from edgewise.engine.sampling import NativeSampler
from edgewise.engine.textstream import TextStream
from edgewise.engine.types import Chunk, FinishReason, SamplingParams, Usage
from edgewise.errors import ContextLengthExceeded, EngineError, ModelLoadError, Overloaded

log = logging.getLogger("edgewise.engine")


@dataclass
class _Active:
    handle: RequestHandle
    sampler: NativeSampler
    text: TextStream
    prompt: list[int]
    n_fed: int  # prompt tokens already in the KV cache
    n_cached: int
    generated: list[int] = field(default_factory=list)
    pending: int | None = None  # sampled token not yet decoded
    t_first: float | None = None
    logprobs: list[float] = field(default_factory=list)
    emitted: list[str] = field(default_factory=list)  # only kept for stop_at_json_end
    held: list[int] = field(default_factory=list)  # sampled tokens whose text is not emitted yet


def _json_complete(parts: list[str]) -> bool:
    text = "".join(parts).strip()
    if not text or text[-1] not in "}]\"":  # a number could still grow
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@dataclass
class _Slot:
    seq: int
    cache: list[int] = field(default_factory=list)  # tokens whose KV is in the cache
    active: _Active | None = None
    last_used: float = 0.0


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Scheduler:
    """Owns one llama.cpp context (optionally with a LoRA adapter) and its decode thread."""

    def __init__(
        self,
        model: LlamaModel,
        *,
        name: str,
        ctx_per_seq: int,
        parallel: int,
        n_batch: int,
        threads: int,
        max_queue: int = 256,
        adapter: LoraAdapter | None = None,
        metrics: Any | None = None,
    ) -> None:
        lc = model.lc
        self.lc = lc
        self.model = model
        self.name = name
        self.max_queue = max_queue
        ctx_per_seq = min(ctx_per_seq, model.n_ctx_train) if model.n_ctx_train > 0 else ctx_per_seq
        cp = lc.llama_context_default_params()
        cp.n_ctx = ctx_per_seq * parallel
        cp.n_batch = n_batch
        cp.n_ubatch = n_batch
        cp.n_seq_max = parallel
        cp.n_threads = threads
        cp.n_threads_batch = threads
        cp.swa_full = True
        cp.kv_unified = False
        cp.no_perf = True
        ctx = lc.llama_init_from_model(model.ptr, cp)
        if not ctx:
            raise ModelLoadError(f"llama.cpp could not create a context for {name} ({parallel} x {ctx_per_seq} tokens).")
        self.ctx = ctx
        if adapter is not None:
            arr = (lc.llama_adapter_lora_p_ctypes * 1)(adapter.ptr)
            scales = (ctypes.c_float * 1)(adapter.scale)
            if lc.llama_set_adapters_lora(ctx, arr, 1, scales) != 0:
                lc.llama_free(ctx)
                raise ModelLoadError(f"llama.cpp refused the LoRA adapter {adapter.path} for {name}.")
        self.adapter = adapter
        self.n_ctx = int(lc.llama_n_ctx_seq(ctx))
        self.n_batch = n_batch
        self.mem = lc.llama_get_memory(ctx)
        self.batch = lc.llama_batch_init(n_batch, 0, 1)
        self._tok = np.ctypeslib.as_array(self.batch.token, shape=(n_batch,))
        self._pos = np.ctypeslib.as_array(self.batch.pos, shape=(n_batch,))
        self._nseq = np.ctypeslib.as_array(self.batch.n_seq_id, shape=(n_batch,))
        self._logits = np.ctypeslib.as_array(self.batch.logits, shape=(n_batch,))
        self._seq_ptrs = [self.batch.seq_id[i] for i in range(n_batch)]
        self.slots = [_Slot(seq=i) for i in range(parallel)]
        self._waiting: deque[RequestHandle] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._metrics = _SchedulerMetrics(metrics, name) if metrics is not None else None
        self._thread = threading.Thread(target=self._run, name=f"edgewise-scheduler-{name}", daemon=True)
        self._thread.start()

    # --- submission (any thread) ------------------------------------------------
    def check_length(self, n_prompt: int, max_tokens: int | None) -> None:
        if n_prompt >= self.n_ctx:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {self.n_ctx} tokens, but the prompt has {n_prompt} tokens. "
                "Shorten the prompt (or start the node with a larger --ctx).",
                param="messages",
            )
        if max_tokens is not None and n_prompt + max_tokens > self.n_ctx:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {self.n_ctx} tokens. However, you requested "
                f"{n_prompt + max_tokens} tokens ({n_prompt} in the prompt, {max_tokens} for the completion). "
                "Reduce the prompt or max_tokens.",
                param="max_tokens",
            )

    def submit(self, prompt: list[int], params: SamplingParams, loop: asyncio.AbstractEventLoop | None) -> RequestHandle:
        if not prompt:
            prompt = [self.model.bos_id]
        self.check_length(len(prompt), params.max_tokens)
        handle = RequestHandle(prompt, params, loop)
        with self._cond:
            if self._stopping:
                raise EngineError("The engine is shutting down; retry on another node or later.")
            if len(self._waiting) >= self.max_queue:
                raise Overloaded(f"{len(self._waiting)} requests are already waiting; retry shortly.")
            self._waiting.append(handle)
            self._cond.notify()
        return handle

    @property
    def queue_depth(self) -> int:
        return len(self._waiting)

    @property
    def active_count(self) -> int:
        return sum(1 for s in self.slots if s.active is not None)

    # --- the decode thread -----------------------------------------------------
    def _admit(self) -> None:
        while self._waiting:
            free = [s for s in self.slots if s.active is None]
            if not free:
                return
            with self._cond:
                handle = self._waiting.popleft()
            if handle.cancelled:
                handle.push(Chunk(finish_reason="cancelled", usage=Usage(len(handle.prompt_tokens))))
                continue
            prompt = handle.prompt_tokens
            slot, n = self._pick_slot(free, prompt, handle.params.cache_prompt)
            if n <= 0 or not self.lc.llama_memory_seq_rm(self.mem, slot.seq, n, -1):
                self.lc.llama_memory_seq_rm(self.mem, slot.seq, -1, -1)
                n = 0
            slot.cache = prompt[:n]
            try:
                eog = self.model.eog_tokens if handle.params.ignore_eos else ()
                sampler = NativeSampler(self.lc, self.model.vocab, self.model.n_vocab, handle.params, eog)
            except Exception as exc:  # a grammar llama.cpp cannot parse: fail this request only
                handle.push(Chunk(finish_reason="error", text=str(exc)))
                continue
            slot.active = _Active(handle, sampler, TextStream(handle.params.stop), prompt, n_fed=n, n_cached=n)

    @staticmethod
    def _pick_slot(free: list[_Slot], prompt: list[int], reuse: bool) -> tuple[_Slot, int]:
        """The free slot whose cache shares most of ``prompt``, else the least recently used one.

        As llama.cpp's server does, a cache is only worth taking over when it covers a real
        part of the prompt (here 10%); otherwise we keep it for the conversation that made it.
        Returns the slot and how many prompt tokens of its cache to keep.
        """
        if not reuse:
            return min(free, key=lambda s: s.last_used), 0
        best = max(free, key=lambda s: _common_prefix(s.cache, prompt))
        common = _common_prefix(best.cache, prompt)
        if common < max(2, len(prompt) // 10):
            best = min(free, key=lambda s: s.last_used)
            common = _common_prefix(best.cache, prompt)
        return best, min(common, len(prompt) - 1)

    def _build_batch(self) -> list[tuple[_Slot, int]]:
        """Fill the batch; return (slot, row) for every row whose logits we sample."""
        rows: list[tuple[_Slot, int]] = []
        n = 0
        for slot in self.slots:
            a = slot.active
            if a is not None and a.pending is not None and n < self.n_batch:
                self._put(n, a.pending, len(slot.cache), slot.seq, True)
                slot.cache.append(a.pending)
                a.pending = None
                rows.append((slot, n))
                n += 1
        for slot in self.slots:
            a = slot.active
            if a is None or a.n_fed >= len(a.prompt) or n >= self.n_batch:
                continue
            take = min(len(a.prompt) - a.n_fed, self.n_batch - n)
            for tok in a.prompt[a.n_fed : a.n_fed + take]:
                self._put(n, tok, len(slot.cache), slot.seq, False)
                slot.cache.append(tok)
                n += 1
            a.n_fed += take
            if a.n_fed == len(a.prompt):
                self._logits[n - 1] = 1
                rows.append((slot, n - 1))
        self.batch.n_tokens = n
        return rows

    def _put(self, i: int, tok: int, pos: int, seq: int, logits: bool) -> None:
        self._tok[i] = tok
        self._pos[i] = pos
        self._nseq[i] = 1
        self._seq_ptrs[i][0] = seq
        self._logits[i] = 1 if logits else 0

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and not self._waiting and not any(s.active for s in self.slots):
                    self._cond.wait()
                if self._stopping:
                    break
            self._reap_cancelled()
            self._admit()
            if self._metrics:
                self._metrics.observe_state(self)
            rows = self._build_batch()
            if self.batch.n_tokens == 0:
                continue
            rc = self.lc.llama_decode(self.ctx, self.batch)
            if rc != 0:
                self._fail_all(f"llama_decode returned {rc}")
                continue
            for slot, row in rows:
                try:
                    self._sample(slot, row)
                except Exception as exc:  # one request's sampler failed: end that request, keep serving
                    log.exception("sampling failed for request %s", slot.active.handle.id if slot.active else "?")
                    self._abort(slot, str(exc))
        self._drain()

    def _sample(self, slot: _Slot, row: int) -> None:
        a = slot.active
        assert a is not None
        tok = a.sampler.sample(self.ctx, row)
        now = time.perf_counter()
        if a.t_first is None:
            a.t_first = now
        if a.handle.params.logprobs:
            a.logprobs.append(self._logprob(row, tok))
        if self.model.is_eog(tok) and not a.handle.params.ignore_eos:
            self._finish(slot, "stop")
            return
        a.generated.append(tok)
        a.held.append(tok)
        text = a.text.push(self.model.piece(tok))
        if text:
            # tokens whose text was held back (a possible stop string, a split UTF-8 character)
            # travel with the chunk that finally carries their text
            n = len(a.held)
            a.handle.push(Chunk(text=text, token_ids=a.held, logprobs=a.logprobs[-n:] if a.handle.params.logprobs else []))
            a.held = []
            if a.handle.params.stop_at_json_end:
                a.emitted.append(text)
        max_tokens = a.handle.params.max_tokens
        if a.text.stopped or (a.handle.params.stop_at_json_end and text and _json_complete(a.emitted)):
            self._finish(slot, "stop")
        elif (max_tokens is not None and len(a.generated) >= max_tokens) or len(slot.cache) + 1 >= self.n_ctx:
            self._finish(slot, "length")
        else:
            a.pending = tok

    def _logprob(self, row: int, tok: int) -> float:
        ptr = self.lc.llama_get_logits_ith(self.ctx, row)
        logits = np.ctypeslib.as_array(ptr, shape=(self.model.n_vocab,))
        m = float(logits.max())
        return float(logits[tok]) - (m + float(np.log(np.exp(logits - m).sum())))

    def _finish(self, slot: _Slot, reason: FinishReason) -> None:
        a = slot.active
        assert a is not None
        tail = a.text.flush() if reason != "cancelled" else ""
        ids = a.held if tail else []
        lps = a.logprobs[-len(ids):] if ids and a.handle.params.logprobs else []
        usage = Usage(len(a.prompt), len(a.generated), a.n_cached)
        ttft = (a.t_first - a.handle.created) if a.t_first is not None else None
        a.handle.push(Chunk(text=tail, token_ids=ids, logprobs=lps, finish_reason=reason, usage=usage, time_to_first_token=ttft))
        if self._metrics:
            self._metrics.observe_finish(a, reason, time.perf_counter())
        a.sampler.close()
        slot.active = None
        slot.last_used = time.monotonic()

    def _abort(self, slot: _Slot, why: str) -> None:
        if slot.active is not None:
            slot.active.handle.push(Chunk(finish_reason="error", text=why))
            slot.active.sampler.close()
            slot.active = None
        self.lc.llama_memory_seq_rm(self.mem, slot.seq, -1, -1)
        slot.cache = []

    def _reap_cancelled(self) -> None:
        for slot in self.slots:
            if slot.active is not None and slot.active.handle.cancelled:
                # the sequence stops mid-way: its cache tail may lack the pending token, which is fine
                self._finish(slot, "cancelled")

    def _fail_all(self, why: str) -> None:
        log.error("decode failed (%s); failing the %d active requests", why, self.active_count)
        for slot in self.slots:
            self._abort(slot, why)

    def _drain(self) -> None:
        for slot in self.slots:
            if slot.active is not None:
                self._finish(slot, "cancelled")
        while self._waiting:
            self._waiting.popleft().push(Chunk(finish_reason="cancelled"))

    def refresh_metrics(self) -> None:
        """Set the queue and active-sequence gauges now (a scrape may come while the loop sleeps)."""
        if self._metrics:
            self._metrics.observe_state(self)

    # --- lifecycle ---------------------------------------------------------------
    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=30)
        if self.batch is not None:
            self.lc.llama_batch_free(self.batch)
            self.batch = None
        if self.ctx:
            self.lc.llama_free(self.ctx)
            self.ctx = None


class _SchedulerMetrics:
    """Prometheus series of one scheduler, on the node's registry."""

    def __init__(self, metrics: Any, name: str) -> None:
        self.name = name
        self.queue = metrics.gauge("queue_depth", "Requests waiting for a decoding slot.", ["model"]).labels(name)
        self.active = metrics.gauge("active_sequences", "Sequences being decoded.", ["model"]).labels(name)
        self.ttft = metrics.histogram(
            "time_to_first_token_seconds", "Time from submission to the first generated token.", ["model"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        ).labels(name)
        self.tps = metrics.histogram(
            "generation_tokens_per_second", "Per-request generation speed after the first token.", ["model"],
            buckets=(1, 2, 5, 10, 20, 30, 40, 60, 80, 120, 200, 400),
        ).labels(name)
        self.prompt = metrics.counter("prompt_tokens_total", "Prompt tokens processed.", ["model"]).labels(name)
        self.cached = metrics.counter("prompt_tokens_cached_total", "Prompt tokens served from the prefix cache.", ["model"]).labels(name)
        self.completion = metrics.counter("completion_tokens_total", "Tokens generated.", ["model"]).labels(name)
        self.finished = metrics.counter("generations_total", "Finished generations by reason.", ["model", "reason"])

    def observe_state(self, s: Scheduler) -> None:
        self.queue.set(s.queue_depth)
        self.active.set(s.active_count)

    def observe_finish(self, a: _Active, reason: str, now: float) -> None:
        self.finished.labels(self.name, reason).inc()
        self.prompt.inc(len(a.prompt))
        self.cached.inc(a.n_cached)
        self.completion.inc(len(a.generated))
        if a.t_first is not None:
            self.ttft.observe(a.t_first - a.handle.created)
            if len(a.generated) > 1 and now > a.t_first:
                self.tps.observe((len(a.generated) - 1) / (now - a.t_first))


__all__ = ["Scheduler"]
