"""Federated LoRA fine-tuning vs local-only vs centralized, on each node's held-out maintenance logs.

Conditions (same number of optimizer steps per node budget):
  (a) base model, no adapter;
  (b) local-only: each node trains alone for ROUNDS x STEPS steps on its own data;
  (c) federated: Flower simulation, FedAvg, NODES nodes x ROUNDS rounds x STEPS local steps;
  (d) centralized: one model on the pooled data for ROUNDS x STEPS x NODES steps (the upper bound);
  (e) federated with DP (client-side adaptive clipping + Gaussian noise), epsilon at DELTA.
Per condition: held-out loss / perplexity on every node (PyTorch), and ROUGE-L of summaries generated
by the *edge runtime* (llama.cpp, base GGUF + the exported GGUF LoRA adapter, greedy).
Writes benchmarks/results/federated.{json,md,png}. Sized for ~20-30 minutes on 2 CPU cores.

    .venv/bin/python benchmarks/federated.py [--rounds 3] [--steps 2] [--noise 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO / "benchmarks"))


def setup_home(home: Path) -> None:
    """An isolated data dir: the embedded model linked in, a policy letting updates go to the federation."""
    from edgewise.federated.gate import federation_policy
    from edgewise.models.embedded import embedded_model_path

    model = embedded_model_path(REPO / ".cache" / "test-models")
    (home / "models").mkdir(parents=True, exist_ok=True)
    for f in (model, model.with_suffix(".verified")):
        link = home / "models" / f.name
        if not link.exists():
            link.symlink_to(f)
    (home / "perimeter").mkdir(exist_ok=True)
    (home / "perimeter" / "policy.toml").write_text("version = 1\n" + federation_policy("http://127.0.0.1:9"))
    os.environ.update({
        "EDGEWISE_DATA_DIR": str(home), "EDGEWISE_CONFIG": str(home / "none.toml"),
        "EDGEWISE_FEDERATED__MODEL_CACHE": str(REPO / ".cache" / "federated" / "torch"),
        "EDGEWISE_PERIMETER__NER": "false",
    })


def mean_loss(tm: Any, parts: list[Any], max_length: int) -> list[float]:
    from edgewise.federated.training import evaluate_loss

    return [evaluate_loss(tm, p.heldout, max_length=max_length) for p in parts]


def train_curve(tm: Any, init: dict[str, np.ndarray], train: list[Any], evals: list[Any], args: Any,
                steps_per_round: int) -> tuple[list[float], dict[str, np.ndarray]]:
    """Train from ``init`` on ``train``; after each round the mean held-out loss over ``evals``."""
    from edgewise.federated.model import adapter_arrays, set_adapter_arrays
    from edgewise.federated.training import train_local

    set_adapter_arrays(tm.model, init)
    curve = []
    for r in range(1, args.rounds + 1):
        train_local(tm, train, steps=steps_per_round, batch_size=args.batch, learning_rate=args.lr,
                    max_length=args.max_length, seed=r)
        curve.append(float(np.mean(mean_loss(tm, evals, args.max_length))))
    return curve, adapter_arrays(tm.model)


def rouge_on_engine(settings: Any, model: str, parts: list[Any]) -> list[float]:
    """ROUGE-L of greedy summaries from the edge runtime (llama.cpp), per node."""
    from edgewise.engine import SamplingParams, open_engine
    from edgewise.federated.training import rouge_l

    params = SamplingParams(temperature=0, max_tokens=48, stop=("\n",), seed=0)
    with open_engine(settings, model=model) as eng:
        out = []
        for p in parts:
            preds = [eng.complete(r.prompt, params).text.strip() for r in p.heldout]
            out.append(rouge_l(preds, [r.summary for r in p.heldout]))
    return out


def run_federated(settings: Any, args: Any, dp: bool, tag: str) -> dict[str, Any]:
    from edgewise.federated.simulate import simulate
    from edgewise.federated.spec import RunSpec

    spec = RunSpec.from_settings(
        settings.federated, nodes=args.nodes, rounds=args.rounds, local_steps=args.steps, batch_size=args.batch,
        lr=args.lr, max_length=args.max_length, server_eval_records=1, dp=dp, noise_multiplier=args.noise,
        initial_clip=args.clip, summary_path=settings.data_dir / "federated" / f"{tag}.json",
    )
    return simulate(spec, settings, progress=lambda s: print(f"  [{tag}] round {s.round} server loss {s.server_loss:.4f}",
                                                             flush=True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=2, help="local steps per round")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--n-train", type=int, default=16)
    ap.add_argument("--n-heldout", type=int, default=4)
    ap.add_argument("--noise", type=float, default=0.5, help="DP noise multiplier")
    ap.add_argument("--clip", type=float, default=0.1, help="DP initial clipping norm")
    ap.add_argument("--delta", type=float, default=1e-5)
    ap.add_argument("--home", type=Path, default=REPO / "benchmarks" / ".cache" / "federated-home")
    args = ap.parse_args()
    setup_home(args.home)
    os.environ["EDGEWISE_FEDERATED__CORPUS_TRAIN"] = str(args.n_train)
    os.environ["EDGEWISE_FEDERATED__CORPUS_HELDOUT"] = str(args.n_heldout)

    from edgewise.config import load_settings
    from edgewise.federated.corpus import make_partition, plant_for_node
    from edgewise.federated.export import export_and_register
    from edgewise.federated.model import adapter_arrays, load_trainable, set_adapter_arrays

    t0 = time.time()
    settings = load_settings()
    parts = [make_partition(plant_for_node(i), n_train=args.n_train, n_heldout=args.n_heldout) for i in range(args.nodes)]
    tm = load_trainable(settings)
    init = adapter_arrays(tm.model)
    res: dict[str, Any] = {"config": vars(args) | {"home": str(args.home)}, "plants": [p.plant for p in parts]}
    timings: dict[str, float] = {}

    def timed(name: str, t: float) -> None:
        timings[name] = round(time.time() - t, 1)
        print(f"{name}: {timings[name]} s", flush=True)

    done: dict[str, Any] = {}

    def partial(stage: str, **values: Any) -> None:
        """Write what is measured so far, so a run cut short still reports its numbers."""
        done.update(values)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "federated.partial.json").write_text(json.dumps(
            {"complete": False, "last_stage": stage, "config": res["config"], "timings_s": timings,
             **{k: v for k, v in done.items() if k != "fed"},
             "fed": {k: {"node_loss": v["node_loss"], "rounds": v["summary"]["rounds"], "epsilon": v["summary"]["epsilon"],
                         "bytes_up": v["summary"]["bytes_up"]} for k, v in done.get("fed", {}).items()}},
            indent=2, default=float))

    t = time.time()
    base = mean_loss(tm, parts, args.max_length)
    timed("base", t)
    partial("base", base=base)

    fed: dict[str, Any] = {}

    def federate(tag: str, dp: bool) -> None:
        t = time.time()
        summary = run_federated(settings, args, dp, tag)
        final = dict(np.load(settings.data_dir / "federated" / f"{tag}.npz"))
        set_adapter_arrays(tm.model, final)
        export_and_register(final, settings, f"bench-{tag}")
        fed[tag] = {"summary": summary, "node_loss": mean_loss(tm, parts, args.max_length)}
        timed(tag, t)
        partial(tag, fed=fed)

    federate("federated", dp=False)

    t = time.time()
    local_curves, local_node_loss = [], []
    for i, p in enumerate(parts):
        curve, arrays = train_curve(tm, init, p.train, [p], args, args.steps)
        local_curves.append(curve)
        local_node_loss.append(curve[-1])
        export_and_register(arrays, settings, f"bench-local-{i}")
    timed("local-only", t)
    partial("local-only", local=local_node_loss, local_curves=local_curves)

    t = time.time()
    pooled = [r for p in parts for r in p.train]
    central_curve, central_arrays = train_curve(tm, init, pooled, parts, args, args.steps * args.nodes)
    central_node_loss = mean_loss(tm, parts, args.max_length)
    export_and_register(central_arrays, settings, "bench-central")
    timed("centralized", t)
    partial("centralized", central=central_node_loss, central_curve=central_curve)

    federate("federated-dp", dp=True)

    t = time.time()
    rouge = {
        "base": rouge_on_engine(settings, "gemma-3-270m", parts),
        "local-only": [rouge_on_engine(settings, f"gemma-3-270m+bench-local-{i}", [p])[0] for i, p in enumerate(parts)],
        "federated": rouge_on_engine(settings, "gemma-3-270m+bench-federated", parts),
        "federated-dp": rouge_on_engine(settings, "gemma-3-270m+bench-federated-dp", parts),
        "centralized": rouge_on_engine(settings, "gemma-3-270m+bench-central", parts),
    }
    timed("rouge (llama.cpp)", t)

    losses = {"base": base, "local-only": local_node_loss, "federated": fed["federated"]["node_loss"],
              "federated-dp": fed["federated-dp"]["node_loss"], "centralized": central_node_loss}
    curves = {
        "local-only": [float(np.mean(base))] + [float(np.mean([c[r] for c in local_curves])) for r in range(args.rounds)],
        "federated": [float(np.mean(base))] + [r["client_eval_loss"] for r in fed["federated"]["summary"]["rounds"][1:]],
        "federated-dp": [float(np.mean(base))] + [r["client_eval_loss"] for r in fed["federated-dp"]["summary"]["rounds"][1:]],
        "centralized": [float(np.mean(base))] + central_curve,
    }
    res.update(losses=losses, rouge_l=rouge, curves=curves, timings_s=timings, total_s=round(time.time() - t0, 1))
    res["traffic"] = {k: {"bytes_up_per_round": [r["bytes_up"] for r in fed[k]["summary"]["rounds"][1:]],
                          "bytes_up_total": fed[k]["summary"]["bytes_up"],
                          "bytes_down_total": fed[k]["summary"]["bytes_down"],
                          "adapter_params": fed[k]["summary"]["adapter_params"]} for k in fed}
    res["epsilon"] = {"value": fed["federated-dp"]["summary"]["epsilon"], "delta": args.delta,
                      "noise_multiplier": args.noise, "per_round": [r["epsilon"] for r in fed["federated-dp"]["summary"]["rounds"]]}
    res["goals"] = goals(losses, rouge)
    write_results(res)


def goals(losses: dict[str, list[float]], rouge: dict[str, list[float]]) -> dict[str, Any]:
    m = {k: float(np.mean(v)) for k, v in losses.items()}
    gap = m["base"] - m["centralized"]
    closed = (m["base"] - m["federated"]) / gap if gap > 0 else None
    r = {k: float(np.mean(v)) for k, v in rouge.items()}
    return {
        "mean_loss": m, "mean_rouge_l": r,
        "federated_beats_local_only_loss": m["federated"] < m["local-only"],
        "federated_beats_local_only_rouge": r["federated"] > r["local-only"],
        "gap_closed_fraction_loss": closed,
        "closes_half_the_gap": closed is not None and closed >= 0.5,
        "dp_cost_loss": m["federated-dp"] - m["federated"], "dp_cost_rouge_l": r["federated"] - r["federated-dp"],
        "federated_vs_local_loss_ratio": m["federated"] / m["local-only"],
    }


def write_results(res: dict[str, Any]) -> None:
    from machine import describe, markdown_header

    res["machine"] = describe(("torch", "transformers", "peft", "flwr", "llama-cpp-python", "dp-accounting", "rouge-score"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "federated.json").write_text(json.dumps(res, indent=2, default=float))
    plot(res["curves"], RESULTS / "federated.png")
    g = res["goals"]
    lines = [markdown_header("Federated LoRA fine-tuning (Flower) on plant maintenance logs", res["machine"]),
             f"Config: {json.dumps({k: v for k, v in res['config'].items() if k != 'home'})}; plants {res['plants']}.\n",
             "| condition | held-out loss (mean) | perplexity | ROUGE-L (llama.cpp + GGUF adapter) |", "|---|---|---|---|"]
    for k in ("base", "local-only", "federated", "federated-dp", "centralized"):
        loss = g["mean_loss"][k]
        lines.append(f"| {k} | {loss:.4f} | {np.exp(loss):.2f} | {g['mean_rouge_l'][k]:.3f} |")
    tr = res["traffic"]["federated"]
    closed = "n/a" if g["gap_closed_fraction_loss"] is None else f"{g['gap_closed_fraction_loss']:.2f}"
    lines += [
        "", f"- federated / local-only loss ratio: {g['federated_vs_local_loss_ratio']:.3f}; "
        f"federated beats local-only: loss {g['federated_beats_local_only_loss']}, ROUGE-L {g['federated_beats_local_only_rouge']}",
        f"- share of the base->centralized loss gap closed by federated: {closed} (goal >= 0.5: {g['closes_half_the_gap']})",
        f"- bytes sent by the nodes per round: {tr['bytes_up_per_round']} (total {tr['bytes_up_total']:,}; "
        f"adapter {tr['adapter_params']:,} float32 parameters)",
        f"- DP: epsilon {res['epsilon']['value']} at delta {res['epsilon']['delta']} (noise multiplier "
        f"{res['epsilon']['noise_multiplier']}); cost vs federated: loss +{g['dp_cost_loss']:.4f}, ROUGE-L -{g['dp_cost_rouge_l']:.3f}",
        f"- wall time: {res['total_s']} s ({res['timings_s']})", "", "![held-out loss per round](federated.png)", "",
    ]
    (RESULTS / "federated.md").write_text("\n".join(lines))
    print("\n".join(lines))


def plot(curves: dict[str, list[float]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, ys in curves.items():
        ax.plot(range(len(ys)), ys, marker="o", label=name)
    ax.set_xlabel("round (local-only / centralized: same number of steps)")
    ax.set_ylabel("held-out loss per summary token (mean over nodes)")
    ax.set_title("Federated LoRA on Gemma 3 270M: held-out loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
