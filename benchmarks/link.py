"""Edge-to-cloud link benchmark: local vs cloud-routed answers over an emulated WAN, uplink throughput.

    sudo .venv/bin/python benchmarks/link.py            # writes benchmarks/results/link.{json,md}

WAN emulation: the script creates a network namespace of its own, brings up its
loopback and re-runs itself inside it; there ``tc netem`` on ``lo`` adds the
one-way delay and the rate limit to every packet, so a request/response pair
sees the configured round trip. The "cloud" is a second Edgewise node
(``edgewise serve``, same model) on 127.0.0.1 inside that namespace; the node
side (router, perimeter gateway, uplink) runs in this process and does not touch
the network for local answers. Without ``ip netns`` (no CAP_NET_ADMIN) it runs
on plain loopback and says so in the results.

Peers compared in the same run: local answer vs cloud-routed answer for the
same prompts; uplink batching (500 per batch) vs one message per request;
zstd-compressed batches vs the raw JSON they carry; durable enqueue with
synchronous=FULL vs NORMAL vs FULL with 100 messages per transaction.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.link_machine import machine  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
MODE, WHY = "none", ""
CONDITIONS = [  # (name, one-way delay ms, rate) -> round trip = 2 x delay on loopback
    ("lan-loopback", 0, None),
    ("wan-50ms-10mbit", 25, "10mbit"),
    ("wan-150ms-2mbit", 75, "2mbit"),
]
PROMPTS = [
    "What is the capital of France?",
    "Explain in one sentence what a bearing outer-race fault is.",
    "Write a short status line for pump P-7: vibration high, temperature normal.",
    "What is 17 times 23?",
]
MAX_TOKENS = 16


# --- outside: namespace set-up --------------------------------------------------------------------
def run_outside() -> int:
    """Use tc netem inside a namespace of our own if the kernel has it, else the loopback delay proxy."""
    ns = f"ewlink{os.getpid()}"
    mode, why = "proxy", "ip/tc not installed"
    if shutil.which("ip") and shutil.which("tc"):
        probe = subprocess.run(f"ip netns add {ns} && ip netns exec {ns} ip link set lo up && "
                               f"ip netns exec {ns} tc qdisc add dev lo root netem delay 1ms", shell=True,
                               capture_output=True, text=True)  # fmt: skip
        if probe.returncode == 0:
            mode, why = "netem", ""
        else:
            why = f"tc netem unavailable here: {probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else probe.returncode}"
            print(why + "; using the loopback delay proxy", file=sys.stderr)
    try:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--inside", mode, why]
        if mode == "netem":
            subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True)
            cmd = ["ip", "netns", "exec", ns, *cmd]
        return subprocess.run(cmd, cwd=REPO).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


# --- inside ------------------------------------------------------------------------------------------
PROXIES: list[Any] = []  # proxy mode: every DelayProxy in use follows the current condition


def set_condition(delay_ms: int, rate: str | None, emulated: bool) -> None:
    if not emulated:
        return
    if PROXIES:
        for p in PROXIES:
            p.set(2 * delay_ms, float(rate.removesuffix("mbit")) if rate else None)
        return
    subprocess.run(["tc", "qdisc", "del", "dev", "lo", "root"], capture_output=True)
    if delay_ms or rate:
        args = ["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", f"{delay_ms}ms"]
        if rate:
            args += ["rate", rate]
        subprocess.run(args, check=True, capture_output=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} never became healthy")


def seed_models(data: Path, model: Path) -> None:
    (data / "models").mkdir(parents=True, exist_ok=True)
    for f in (model, model.with_suffix(".verified")):
        if f.exists():
            (data / "models" / f.name).symlink_to(f)


def ping_rtt(url: str, n: int = 5) -> float:
    """Median round trip of a tiny keep-alive HTTP request (what the link adds per call)."""
    import httpx

    with httpx.Client(trust_env=False) as c:
        c.get(url)
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            c.get(url)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_routing(root: Path, model: Path, emulated: bool) -> list[dict[str, Any]]:
    from edgewise.config import load_settings
    from edgewise.engine import SamplingParams, open_engine
    from edgewise.perimeter.service import Perimeter
    from edgewise.router.cloud import GatewayCloudChat
    from edgewise.router.hybrid import HybridRouter
    from edgewise.router.settings import RouterSettings

    cloud_data, node_data = root / "cloud", root / "node"
    seed_models(cloud_data, model)
    seed_models(node_data, model)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEWISE_")}
    env.update(EDGEWISE_DATA_DIR=str(cloud_data), EDGEWISE_CONFIG=str(cloud_data / "none.toml"))
    log = open(root / "cloud.log", "wb")  # noqa: SIM115
    cloud = subprocess.Popen([sys.executable, "-m", "edgewise.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                             env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)  # fmt: skip
    far = port
    if MODE == "proxy":
        from benchmarks.link_wan import DelayProxy

        proxy = DelayProxy("127.0.0.1", port).start()
        PROXIES.append(proxy)
        far = proxy.port
    (node_data / "perimeter").mkdir(parents=True)
    (node_data / "perimeter" / "policy.toml").write_text(
        f'version = 1\n[[destination]]\nname = "cloud-llm"\nurl = "http://127.0.0.1:{far}/v1"\nclasses = ["redacted_prompt"]\n'
    )
    # a long send timeout: on a shared, loaded machine the far node can take many seconds to answer
    settings = load_settings(data_dir=node_data, parallel=1, perimeter={"ner": False, "send_timeout_s": 600})
    rows: list[dict[str, Any]] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
        perimeter = Perimeter(settings)
        rs = RouterSettings(enabled=True, offline_retry_s=0)
        with open_engine(settings, model="gemma-3-270m") as eng:
            router = HybridRouter(rs, eng, cloud=GatewayCloudChat(perimeter.gateway, rs))
            params = SamplingParams(temperature=0, max_tokens=MAX_TOKENS)
            router.route([{"role": "user", "content": "warm up"}], params, hint="local")
            router.route([{"role": "user", "content": "warm up"}], params, hint="cloud")
            for name, delay, rate in CONDITIONS:
                if not emulated and delay:
                    continue
                set_condition(delay, rate, emulated)
                rtt = ping_rtt(f"http://127.0.0.1:{far}/health")
                for prompt in PROMPTS:
                    msgs = [{"role": "user", "content": prompt}]
                    for hint in ("local", "cloud"):
                        t0 = time.perf_counter()
                        ans = router.route(msgs, params, hint=hint)  # type: ignore[arg-type]
                        rows.append({"condition": name, "rtt_s": rtt, "prompt": prompt, "route": ans.decision.where,
                                     "reason": ans.decision.reason, "seconds": time.perf_counter() - t0,
                                     "completion_tokens": ans.usage.completion_tokens})  # fmt: skip
                        print(f"{name:16} {hint:5} -> {ans.decision.where:5} {rows[-1]['seconds']:.2f}s  {prompt[:40]}", flush=True)
            set_condition(0, None, emulated)
        perimeter.close()
    finally:
        cloud.terminate()
        cloud.wait(30)
        while PROXIES:
            PROXIES.pop().stop()
    return rows


def bench_enqueue(root: Path) -> list[dict[str, Any]]:
    from edgewise.uplink.settings import StreamLimits
    from edgewise.uplink.sqlite_store import SqliteOutbox

    payload = json.dumps({"asset": "pump-7", "kind": "vibration_alarm", "rms": 3.21, "note": "x" * 150}).encode()
    out = []
    for label, durability, per_tx in (("FULL, 1 per transaction", "full", 1), ("NORMAL, 1 per transaction", "normal", 1),
                                      ("FULL, 100 per transaction", "full", 100)):  # fmt: skip
        store = SqliteOutbox(root / f"enq-{durability}-{per_tx}.db", lambda _s: StreamLimits(max_bytes=10**10), durability=durability)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 4.0:
            if per_tx == 1:
                store.enqueue("bench", payload, "event", content_type="application/json")
            else:
                store.enqueue_many("bench", [payload] * per_tx, "event", content_type="application/json")
            n += per_tx
        dt = time.perf_counter() - t0
        store.close()
        out.append({"mode": label, "messages": n, "seconds": dt, "messages_per_s": n / dt})
        print(f"enqueue {label:28} {n / dt:9.0f} msg/s", flush=True)
    return out


def bench_delivery(root: Path, emulated: bool) -> list[dict[str, Any]]:
    from edgewise.cloud.store import CollectorStore
    from edgewise.config import load_settings
    from edgewise.perimeter.service import Perimeter
    from edgewise.uplink.forwarder import Forwarder
    from edgewise.uplink.service import Uplink
    from edgewise.uplink.transport import GatewayTransport

    port = free_port()
    cdir = root / "collector"
    cdir.mkdir()
    db = f"sqlite:///{cdir / 'c.db'}"
    token = CollectorStore(db).add_node("bench-node")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGEWISE_")}
    env.update(EDGEWISE_DATA_DIR=str(cdir), EDGEWISE_CONFIG=str(cdir / "none.toml"))
    proc = subprocess.Popen([sys.executable, "-m", "edgewise.cli", "cloud", "serve", "--port", str(port), "--database-url", db],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)  # fmt: skip
    rng = random.Random(7)
    rows = []
    far = port
    if MODE == "proxy":
        from benchmarks.link_wan import DelayProxy

        proxy = DelayProxy("127.0.0.1", port).start()
        PROXIES.append(proxy)
        far = proxy.port
    try:
        wait_http(f"http://127.0.0.1:{port}/health")
        for name, delay, rate in CONDITIONS[:2]:
            if not emulated and delay:
                continue
            for batch in (500, 1):
                n = 3000 if batch > 1 else 300
                data = root / f"node-{name}-{batch}"
                (data / "perimeter").mkdir(parents=True)
                (data / "perimeter" / "policy.toml").write_text(
                    f'version = 1\n[[destination]]\nname = "collector"\nurl = "http://127.0.0.1:{far}"\n'
                    f'classes = ["event"]\nredact = false\nmax_bytes = 8388608\n'
                )
                settings = load_settings(data_dir=data, perimeter={"ner": False}, uplink={
                    "node_id": "bench-node", "token": token, "batch_max_messages": batch, "durability": "normal"})  # fmt: skip
                up = Uplink.open(settings)
                events = [{"asset": f"pump-{rng.randint(1, 40)}", "kind": "vibration_alarm", "rms": round(rng.uniform(1, 9), 3),
                           "window": [round(rng.gauss(0, 1), 3) for _ in range(8)]} for _ in range(n)]  # fmt: skip
                for e in events:
                    up.enqueue(f"s-{name}-{batch}", e, "event", raw_bytes=12_000 * 8)  # one 1 s window of 12 kHz float64
                perimeter = Perimeter(settings)
                fwd = Forwarder(up.store, GatewayTransport(perimeter.gateway, settings.uplink), settings.uplink)
                set_condition(delay, rate, emulated)
                t0 = time.perf_counter()
                done = fwd.flush(600)
                dt = time.perf_counter() - t0
                set_condition(0, None, emulated)
                st = up.store.stats()[0]
                rows.append({"condition": name, "batch_max_messages": batch, "messages": n, "flushed": done, "seconds": dt,
                             "delivered_per_s": st.delivered / dt, "payload_bytes": st.payload_bytes,
                             "wire_bytes": st.sent_wire_bytes, "raw_bytes": st.raw_bytes,
                             "compression": st.sent_wire_bytes / max(st.sent_payload_bytes, 1), "wire_over_raw": st.ratio})  # fmt: skip
                print(f"deliver {name:16} batch={batch:3} {st.delivered / dt:8.0f} msg/s  wire/payload="
                      f"{rows[-1]['compression']:.3f}", flush=True)
                up.close()
                perimeter.close()
    finally:
        proc.terminate()
        proc.wait(30)
        while PROXIES:
            PROXIES.pop().stop()
    return rows


def run_inside(mode: str) -> int:
    from edgewise.config import load_settings
    from edgewise.models import ModelRegistry

    emulated = mode in ("netem", "proxy")
    global MODE, WHY
    MODE, WHY = mode, (sys.argv[sys.argv.index("--inside") + 2] if len(sys.argv) > sys.argv.index("--inside") + 2 else "")
    model = ModelRegistry(load_settings().models_dir).resolve_path("gemma-3-270m")
    root = Path(tempfile.mkdtemp(prefix="ew-link-bench-"))
    try:
        enqueue = bench_enqueue(root)
        delivery = bench_delivery(root, emulated)
        routing = bench_routing(root, Path(model), emulated)
    finally:
        set_condition(0, None, emulated)
        shutil.rmtree(root, ignore_errors=True)
    write_results(emulated, routing, enqueue, delivery)
    return 0


# --- results -----------------------------------------------------------------------------------------
def summarize_routing(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for name, _, _ in CONDITIONS:
        local = [r["seconds"] for r in rows if r["condition"] == name and r["route"] == "local"]
        cloud = [r["seconds"] for r in rows if r["condition"] == name and r["route"] == "cloud"]
        if not local:
            continue
        rtt = next(r["rtt_s"] for r in rows if r["condition"] == name)
        fell_back = sum(1 for r in rows if r["condition"] == name and r["reason"] == "cloud_failed")
        out.append({"condition": name, "http_rtt_ms": rtt * 1000, "local_median_s": statistics.median(local),
                    "cloud_median_s": statistics.median(cloud) if cloud else None,
                    "cloud_over_local": statistics.median(cloud) / statistics.median(local) if cloud else None,
                    "n": len(local), "cloud_calls_failed": fell_back})  # fmt: skip
    return out


def write_results(emulated: bool, routing: list[dict[str, Any]], enqueue: list[dict[str, Any]], delivery: list[dict[str, Any]],
                  m: dict[str, Any] | None = None, wan: str | None = None) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    m = m or machine()
    summary = summarize_routing(routing)
    wan = wan or {
        "netem": "tc netem on the loopback of a network namespace created by the benchmark (one-way delay = RTT/2, rate limit)",
        "proxy": f"a delay proxy on loopback (benchmarks/link_wan.py: one-way delay = RTT/2 per direction, rate limit, "
                 f"one RTT per new connection), because {WHY or 'tc netem is unavailable'}",
    }.get(MODE, "NOT emulated: plain loopback; WAN rows are missing")  # fmt: skip
    data = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": m, "wan_emulation": wan,
            "routing_summary": summary, "routing": routing, "enqueue": enqueue, "delivery": delivery,
            "max_tokens": MAX_TOKENS}  # fmt: skip
    (RESULTS / "link.json").write_text(json.dumps(data, indent=2))
    md = [f"# Edge-to-cloud link benchmark ({data['generated_at']})", "", f"Machine: {m['summary']}", "",
          f"WAN emulation: {wan}. The cloud is a second Edgewise node (same Gemma 3 270M, same shared CPU) on the far side "
          "of the emulated link; cloud-routed calls go through the perimeter gateway (pseudonymization, ledger).", "",
          "## Local vs cloud-routed answers (median seconds per request, greedy, "
          f"max {MAX_TOKENS} tokens, {len(PROMPTS)} prompts)", "",
          "| link | measured HTTP RTT | local | cloud-routed | cloud / local |", "|---|---|---|---|---|"]  # fmt: skip
    for s in summary:
        cloud = f"{s['cloud_median_s']:.2f}" if s["cloud_median_s"] is not None else "-"
        ratio = f"{s['cloud_over_local']:.2f}x" if s["cloud_over_local"] is not None else "-"
        md.append(f"| {s['condition']} | {s['http_rtt_ms']:.1f} ms | {s['local_median_s']:.2f} | {cloud} | {ratio} |")
    md += ["", "## Durable enqueue (SQLite WAL, one stream, 4 s each)", "", "| mode | messages/s |", "|---|---|"]
    md += [f"| {e['mode']} | {e['messages_per_s']:.0f} |" for e in enqueue]
    md += ["", "## End-to-end delivery to the collector (through the gateway, zstd batches)", "",
           "| link | batch | messages | seconds | delivered/s | wire / payload bytes | wire / raw bytes seen |",
           "|---|---|---|---|---|---|---|"]  # fmt: skip
    for d in delivery:
        md.append(f"| {d['condition']} | {d['batch_max_messages']} | {d['messages']} | {d['seconds']:.1f} | {d['delivered_per_s']:.0f} | "
                  f"{d['compression']:.3f} | {d['wire_over_raw']:.5f} |")  # fmt: skip
    by = {(d["condition"], d["batch_max_messages"]): d["delivered_per_s"] for d in delivery}
    md += ["", "Batching vs one message per request (same link): " + ", ".join(
        f"{c}: {by[(c, 500)] / by[(c, 1)]:.0f}x" for c, _, _ in CONDITIONS if (c, 500) in by and (c, 1) in by)]
    slower = [x["condition"] for x in summary if x["cloud_over_local"] is not None and x["cloud_over_local"] < 1]
    md += ["", "Reading the latency table: both nodes run the same model on the same CPU cores, so the cloud-routed "
           "time is the far node's generation plus the link (the measured HTTP RTT per call, plus one extra round trip "
           "per new connection) plus pseudonymization. "
           + (f"Where cloud-routed is faster than local ({', '.join(slower)}), that is CPU contention on the shared "
              f"machine ({'load average ' + str(m['load_average_1_5_15']) if m.get('load_average_1_5_15') else 'other jobs running'} "
              f"on {m.get('cores_usable')} cores), "
              "not the link: the comparison is inconclusive in this run." if slower else
              "The link adds the RTT per call; generation time dominates.")]  # fmt: skip
    md += ["", "Raw bytes seen are what producers declared (here: one 1 s window of 12 kHz float64 per event, 96 kB).",
           "All figures are from this one run on a machine shared with other jobs; expect noise."]
    (RESULTS / "link.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


def rerender() -> int:
    """Rewrite link.md from link.json (same measured figures, e.g. after a wording change)."""
    d = json.loads((RESULTS / "link.json").read_text())
    write_results(True, d["routing"], d["enqueue"], d["delivery"], m=d["machine"], wan=d["wan_emulation"])
    return 0


def main() -> int:
    if "--rerender" in sys.argv:
        return rerender()
    if "--inside" in sys.argv:
        return run_inside(sys.argv[sys.argv.index("--inside") + 1])
    return run_outside()


if __name__ == "__main__":
    sys.exit(main())
