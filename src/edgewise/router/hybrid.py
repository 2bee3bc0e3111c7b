"""The hybrid router: answer a chat request locally or in the cloud, and say where and why.

Order of the checks (the first that decides wins):

1. ``hint=local``                              -> local  (hint_local)
2. data class may not leave (policy)           -> local  (policy)   -- nothing is sent, whatever else holds
3. no cloud endpoint / cloud failed recently   -> local  (no_cloud / offline)
4. ``hint=cloud``                              -> cloud  (hint_cloud)
5. prompt longer than the local model takes    -> cloud  (context_too_long)
6. local draft; confidence >= threshold        -> local  (confident), else cloud (low_confidence)

Cloud calls leave through the perimeter gateway, which pseudonymizes them; the
answers are re-identified on the device (``router/cloud.py``);
if the cloud call fails the local draft answers (cloud_failed) and the router
stays local for ``offline_retry_s``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from edgewise.engine.types import Completion, SamplingParams
from edgewise.errors import EdgewiseError
from edgewise.metrics import NodeMetrics
from edgewise.perimeter.types import FORBIDDEN, DataClass
from edgewise.router.confidence import load_calibration, mean_logprob
from edgewise.router.settings import RouterSettings
from edgewise.router.types import ChatEngine, CloudChat, Decision, Hint, RoutedAnswer

log = logging.getLogger("edgewise.router")


class HybridRouter:
    def __init__(
        self,
        settings: RouterSettings,
        engine: ChatEngine,
        *,
        cloud: CloudChat | None,
        metrics: NodeMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.cloud = cloud
        self.threshold = (
            settings.confidence_threshold if settings.confidence_threshold is not None else load_calibration().threshold
        )
        self._offline_until = 0.0
        m = metrics or NodeMetrics()
        self._decisions = m.counter("router_decisions_total", "Chat requests routed, by where and why.", ["where", "reason"])
        self._confidence = m.histogram(
            "router_draft_confidence", "Mean token log-probability of local drafts.",
            buckets=(-4, -3, -2, -1.5, -1, -0.75, -0.5, -0.25, 0),
        )  # fmt: skip
        self._cloud_seconds = m.histogram("router_cloud_seconds", "Latency of cloud answers, seconds.")

    # --- public ----------------------------------------------------------------------------
    def route(
        self,
        messages: list[dict[str, Any]],
        params: SamplingParams,
        *,
        hint: Hint = "auto",
        data_class: DataClass | str | None = None,
    ) -> RoutedAnswer:
        dc = self._data_class(data_class)
        early = self._early_decision(hint, dc)
        if early is not None and early.where == "local":
            return self._finish(self._local(messages, params), early)
        if early is not None:  # hint_cloud
            return self._via_cloud(messages, params, early, draft=None)
        n_prompt = self._prompt_tokens(messages)
        if n_prompt > self._local_budget(params):
            return self._via_cloud(messages, params, Decision("cloud", "context_too_long", dc, prompt_tokens=n_prompt), None)
        draft = self._local(messages, params)
        conf = mean_logprob(draft.logprobs, self.settings.draft_max_tokens)
        if conf is not None:
            self._confidence.observe(conf)
        if conf is None or conf >= self.threshold:
            return self._finish(draft, Decision("local", "confident", dc, conf, self.threshold, n_prompt))
        return self._via_cloud(messages, params, Decision("cloud", "low_confidence", dc, conf, self.threshold, n_prompt), draft)

    @property
    def offline(self) -> bool:
        return time.monotonic() < self._offline_until

    # --- decisions ----------------------------------------------------------------------------
    def _data_class(self, requested: DataClass | str | None) -> DataClass:
        """A request may narrow its class (e.g. to raw_text, which never leaves), never widen it past the policy."""
        return DataClass(requested) if requested is not None else self.settings.data_class

    def _early_decision(self, hint: Hint, dc: DataClass) -> Decision | None:
        if hint == "local":
            return Decision("local", "hint_local", dc)
        if dc in FORBIDDEN or (self.cloud is not None and not self.cloud.allowed(dc)):
            return Decision("local", "policy", dc)
        if self.cloud is None:
            return Decision("local", "no_cloud", dc)
        if self.offline:
            return Decision("local", "offline", dc)
        if hint == "cloud":
            return Decision("cloud", "hint_cloud", dc)
        return None

    def _prompt_tokens(self, messages: list[dict[str, Any]]) -> int:
        text = "\n".join(str(m.get("content") or "") for m in messages)
        return len(self.engine.tokenize(text, special=False))

    def _local_budget(self, params: SamplingParams) -> int:
        if self.settings.max_local_prompt_tokens is not None:
            return self.settings.max_local_prompt_tokens
        return self.engine.n_ctx - (params.max_tokens or self.settings.draft_max_tokens)

    # --- answering ------------------------------------------------------------------------------
    def _local(self, messages: list[dict[str, Any]], params: SamplingParams) -> Completion:
        return self.engine.chat(messages, dataclasses.replace(params, logprobs=True))

    def _via_cloud(
        self, messages: list[dict[str, Any]], params: SamplingParams, decision: Decision, draft: Completion | None
    ) -> RoutedAnswer:
        assert self.cloud is not None
        t0 = time.perf_counter()
        try:  # the gateway pseudonymizes on the way out; the reply comes back re-identified
            reply = self.cloud.chat(messages, params, decision.data_class)
        except EdgewiseError as exc:  # refused by the gateway, unreachable, bad answer: answer locally
            self._offline_until = time.monotonic() + self.settings.offline_retry_s
            log.warning("router: cloud call failed (%s: %s); answering locally", type(exc).__name__, exc.message)
            fallback = Decision("local", "cloud_failed", decision.data_class, decision.confidence, decision.threshold)
            return self._finish(draft or self._local(messages, params), fallback)
        self._cloud_seconds.observe(time.perf_counter() - t0)
        answer = RoutedAnswer(reply.text, reply.finish_reason, reply.usage, decision, local_draft=draft)
        self._count(decision)
        return answer

    def _finish(self, completion: Completion, decision: Decision) -> RoutedAnswer:
        self._count(decision)
        return RoutedAnswer(completion.text, completion.finish_reason, completion.usage, decision, local_draft=completion)

    def _count(self, d: Decision) -> None:
        self._decisions.labels(d.where, d.reason).inc()
        log.info(
            "route: %s (%s) class=%s confidence=%s threshold=%s",
            d.where, d.reason, d.data_class.value,
            f"{d.confidence:.3f}" if d.confidence is not None else "-", self.threshold,
        )  # fmt: skip


__all__ = ["HybridRouter"]
