"""The cloud model, reached only through the perimeter gateway.

The request goes to the policy destination ``[router] destination`` (default
``cloud-llm``) as data class ``redacted_prompt``: the gateway pseudonymizes it
(``keep_mapping=True`` keeps the placeholder mapping in the local vault), records
it in the ledger and sends it; the answer is re-identified here, on the device.
A destination that does not redact is treated as not allowed: a prompt is only
``redacted_prompt`` once pseudonymized (fail closed).
"""

from __future__ import annotations

import json
from typing import Any

from edgewise.engine.types import SamplingParams, Usage
from edgewise.errors import EdgewiseError
from edgewise.perimeter.types import FORBIDDEN, DataClass
from edgewise.router.settings import RouterSettings
from edgewise.router.types import CloudReply


class CloudError(EdgewiseError):
    """The cloud answered with an error or something that is not a chat completion."""

    status_code = 502
    code = "cloud_error"
    type = "server_error"


class GatewayCloudChat:
    def __init__(self, gateway: Any, settings: RouterSettings) -> None:
        self.gateway = gateway
        self.settings = settings

    def allowed(self, data_class: DataClass) -> bool:
        """May a prompt of this class go to the cloud destination (which must redact)?"""
        if data_class in FORBIDDEN:
            return False
        dest = self.gateway.policy.find(self.settings.destination)
        return bool(dest is not None and data_class in dest.classes and dest.redact)

    def chat(self, messages: list[dict[str, Any]], params: SamplingParams, data_class: DataClass) -> CloudReply:
        body: dict[str, Any] = {"model": self.settings.cloud_model, "messages": messages, "temperature": params.temperature}
        if params.max_tokens is not None:
            body["max_tokens"] = params.max_tokens
        if params.stop:
            body["stop"] = list(params.stop)[:4]
        headers = {}
        if self.settings.cloud_api_key is not None:
            headers["authorization"] = f"Bearer {self.settings.cloud_api_key.get_secret_value()}"
        receipt = self.gateway.send(self.settings.destination, data_class, body, path="/chat/completions",
                                    headers=headers, keep_mapping=True)  # fmt: skip
        if receipt.status_code != 200:
            raise CloudError(f"The cloud model answered {receipt.status_code}: {receipt.response_body[:200]!r}")
        try:
            data = json.loads(receipt.response_body)
            choice = data["choices"][0]
            text = str(choice["message"]["content"] or "")
            u = data.get("usage") or {}
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise CloudError(f"The cloud answer is not a chat completion: {receipt.response_body[:200]!r}") from exc
        if receipt.session_id:
            text = self.gateway.reidentify(text, receipt.session_id)
        usage = Usage(prompt_tokens=int(u.get("prompt_tokens", 0)), completion_tokens=int(u.get("completion_tokens", 0)))
        return CloudReply(text=text, finish_reason=str(choice.get("finish_reason") or "stop"), usage=usage)


__all__ = ["CloudError", "GatewayCloudChat"]
