"""Greedy k-center coreset of normal patches (PatchCore's memory-bank subsampling).

Why: a bank of every normal patch is large and slow to search; the k-center
subset keeps the rare-but-normal patches (which random sampling would drop) and
bounds the worst distance from any normal patch to the bank. Distances are
computed on a random projection, as in the PatchCore paper, to keep the greedy
loop cheap on two CPU cores. Written here because no light, maintained library
offers it (anomalib's needs its whole stack).
"""

from __future__ import annotations

import torch


def greedy_coreset(
    x: torch.Tensor, k: int, *, proj_dim: int = 64, max_candidates: int = 100_000, seed: int = 0
) -> torch.Tensor:
    """Indices of ``k`` rows of ``x`` (N, D) chosen by farthest-point sampling; all rows if ``N <= k``."""
    n = x.shape[0]
    if n <= k:
        return torch.arange(n)
    gen = torch.Generator().manual_seed(seed)
    cand = torch.randperm(n, generator=gen)[:max_candidates] if n > max_candidates else torch.arange(n)
    z = x[cand].float()
    if z.shape[1] > proj_dim:
        z = z @ (torch.randn(z.shape[1], proj_dim, generator=gen) / proj_dim**0.5)
    sq = (z * z).sum(1)
    first = int(torch.randint(len(z), (1,), generator=gen))
    chosen = [first]
    mind = (sq - 2 * (z @ z[first]) + sq[first]).clamp_min(0)
    for _ in range(k - 1):
        i = int(torch.argmax(mind))
        chosen.append(i)
        mind = torch.minimum(mind, (sq - 2 * (z @ z[i]) + sq[i]).clamp_min(0))
    return cand[torch.tensor(chosen)]


__all__ = ["greedy_coreset"]
