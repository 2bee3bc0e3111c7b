"""Local training and evaluation of the adapter on a node's own records.

The loss is next-token cross-entropy on the *summary* tokens only (the log is
context), which is what the held-out loss and perplexity report too. FedProx's
proximal term (mu/2 * ||w - w_global||^2 over the adapter) is added here, on the
client, as Flower's FedProx expects.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgewise.federated.corpus import Record
from edgewise.federated.model import TrainableModel

IGNORE = -100


@dataclass(frozen=True)
class TrainResult:
    loss: float  # mean training loss over the local steps
    steps: int
    examples: int


def encode(tm: TrainableModel, rec: Record, max_length: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (prompt masked) for one record, the prompt cut from the left if too long."""
    tok = tm.tokenizer
    prompt = tok(rec.prompt, add_special_tokens=True)["input_ids"]
    target = tok(rec.target + "\n", add_special_tokens=False)["input_ids"]
    target = target[: max_length // 2]
    room = max_length - len(target)
    if len(prompt) > room:
        prompt = prompt[:1] + prompt[len(prompt) - room + 1:]
    return prompt + target, [IGNORE] * len(prompt) + target


def _batch(tm: TrainableModel, records: Sequence[Record], max_length: int) -> dict[str, Any]:
    """Left-padded batch: every sequence ends at the last position, so the summaries sit in the
    last ``keep`` positions and the (huge, 262k-token) output head runs on those only."""
    import torch

    pairs = [encode(tm, r, max_length) for r in records]
    width = max(len(ids) for ids, _ in pairs)
    pad = tm.tokenizer.pad_token_id if tm.tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(pairs), width), pad, dtype=torch.long)
    labels = torch.full((len(pairs), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(pairs), width), dtype=torch.long)
    keep = 1
    for i, (x, y) in enumerate(pairs):
        ids[i, width - len(x):] = torch.tensor(x)
        labels[i, width - len(y):] = torch.tensor(y)
        mask[i, width - len(x):] = 1
        keep = max(keep, sum(1 for t in y if t != IGNORE) + 1)
    return {"input_ids": ids.to(tm.device), "labels": labels.to(tm.device), "attention_mask": mask.to(tm.device),
            "keep": min(keep, width)}


def _loss_sum(tm: TrainableModel, batch: dict[str, Any]) -> tuple[Any, int]:
    """Summed next-token cross-entropy over the summary tokens, and how many there were."""
    import torch

    keep = batch["keep"]
    logits = tm.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], logits_to_keep=keep).logits
    labels = batch["labels"][:, -keep:]
    shift_logits, shift_labels = logits[:, :-1].float(), labels[:, 1:]
    loss = torch.nn.functional.cross_entropy(
        shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1), ignore_index=IGNORE, reduction="sum"
    )
    return loss, int((shift_labels != IGNORE).sum())


def train_local(
    tm: TrainableModel,
    records: Sequence[Record],
    *,
    steps: int,
    batch_size: int,
    learning_rate: float,
    max_length: int,
    seed: int = 0,
    proximal_mu: float = 0.0,
) -> TrainResult:
    """Run ``steps`` AdamW steps on batches drawn from ``records``; only the adapter is trainable."""
    import torch

    if not records:
        raise ValueError("a node needs at least one training record")
    params = [p for n, p in tm.model.named_parameters() if "lora_" in n]
    anchor = [p.detach().clone() for p in params] if proximal_mu > 0 else []
    opt = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.0)
    rng = random.Random(seed)
    tm.model.train()
    losses: list[float] = []
    for _ in range(steps):
        batch = _batch(tm, [rng.choice(records) for _ in range(batch_size)], max_length)
        total, count = _loss_sum(tm, batch)
        loss = total / max(count, 1)
        if proximal_mu > 0:
            loss = loss + proximal_mu / 2 * sum(((p - a) ** 2).sum() for p, a in zip(params, anchor, strict=True))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    tm.model.eval()
    return TrainResult(loss=float(np.mean(losses)), steps=steps, examples=steps * batch_size)


def evaluate_loss(tm: TrainableModel, records: Sequence[Record], *, max_length: int, batch_size: int = 8) -> float:
    """Mean cross-entropy per summary token over ``records`` (token-weighted)."""
    import torch

    total, count = 0.0, 0
    tm.model.eval()
    with torch.no_grad():
        for i in range(0, len(records), batch_size):
            loss, n = _loss_sum(tm, _batch(tm, records[i : i + batch_size], max_length))
            total += float(loss)
            count += n
    return total / max(count, 1)


def generate_summary(tm: TrainableModel, rec: Record, *, max_new_tokens: int = 48) -> str:
    """Greedy summary for ``rec`` (stops at the end of the line), for ROUGE-L."""
    import torch

    ids = tm.tokenizer(rec.prompt, return_tensors="pt").to(tm.device)
    with torch.no_grad():
        out = tm.model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                pad_token_id=tm.tokenizer.pad_token_id)
    text: str = tm.tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    return text.strip().split("\n")[0].strip()


def rouge_l(predictions: Sequence[str], references: Sequence[str]) -> float:
    """Mean ROUGE-L F1 (Google's ``rouge-score``, with stemming)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    scores = [scorer.score(ref, pred)["rougeL"].fmeasure for pred, ref in zip(predictions, references, strict=True)]
    return float(np.mean(scores)) if scores else 0.0


def perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0))


__all__ = ["TrainResult", "encode", "evaluate_loss", "generate_summary", "perplexity", "rouge_l", "train_local"]
