"""``edgewise maintenance ...``: replay recordings through the digital twin, or watch an MQTT stream."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Predictive maintenance: vibration twin, early warnings, remaining life, on-device reports.")


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _reporter(use_llm: bool, model: str | None):  # type: ignore[no-untyped-def]
    """A report writer: the local LLM through the engine if asked (else the deterministic template)."""
    from edgewise.apps.maintenance.reporting import make_reporter

    return make_reporter(use_llm, model)


def _publisher(uplink: str | None) -> tuple[object | None, object | None]:
    """A publisher through the perimeter gateway to destination ``uplink`` (None: dry-run, nothing leaves)."""
    if not uplink:
        return None, None
    from edgewise.apps.publish import Publisher
    from edgewise.config import load_settings
    from edgewise.perimeter.service import Perimeter

    perimeter = Perimeter.from_settings(load_settings())
    return Publisher(perimeter.gateway, uplink, app="maintenance"), perimeter


@app.command()
def replay(
    path: Annotated[Path, typer.Argument(help="Recording: a file or a folder of files.")],
    fmt: Annotated[str, typer.Option("--format", help="femto | ims | cwru | csv | npy")],
    json_out: Annotated[Path, typer.Option("--json", help="Write JSON lines here ('-' for stdout).")],
    fs: Annotated[float | None, typer.Option("--fs", help="Sampling rate in Hz (when the format lacks it).")] = None,
    channels: Annotated[list[str] | None, typer.Option("--channels", help="Channel names (repeat or comma-separate).")] = None,
    healthy_first: Annotated[int | None, typer.Option("--healthy-first", help="The first N files are healthy.")] = None,
    healthy_minutes: Annotated[float | None, typer.Option("--healthy-minutes", help="The first M minutes are healthy.")] = None,
    healthy: Annotated[list[Path] | None, typer.Option("--healthy", help="Healthy recording(s), same format (repeat).")] = None,
    rpm: Annotated[float | None, typer.Option("--rpm", help="Shaft speed, for bearing defect frequencies.")] = None,
    bearing: Annotated[str | None, typer.Option("--bearing", help="6205 | 6203 | ZA-2115 | PRONOSTIA")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a PNG of the health index per channel.")] = None,
    asset: Annotated[str | None, typer.Option("--asset", help="Asset name (default: the recording's name).")] = None,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Write event reports with the local LLM.")] = False,
    uplink: Annotated[str | None, typer.Option("--uplink", help="Send events/reports/summaries to this gateway destination.")] = None,
    realtime: Annotated[bool, typer.Option("--realtime", help="Pace the replay at recorded speed.")] = False,
    failure_peak: Annotated[float | None, typer.Option(
        "--failure-peak", help="End of life as a peak amplitude in the signal's units (e.g. 20 for PRONOSTIA's 20 g).")] = None,
) -> None:
    """Replay a recording as fast as possible; one JSON line per window and channel, per event, and a summary."""
    from edgewise.apps.maintenance.replay import ReplayConfig
    from edgewise.apps.maintenance.replay import replay as run
    from edgewise.config import load_settings

    settings = load_settings().maintenance
    if failure_peak is not None:
        settings = settings.model_copy(update={"failure_peak": failure_peak})
    cfg = ReplayConfig(path, fmt, fs, _split(channels), healthy_first, healthy_minutes, tuple(healthy or ()), rpm, bearing, asset,
                       realtime)
    publisher, perimeter = _publisher(uplink)
    out = sys.stdout if str(json_out) == "-" else json_out.open("w")
    try:
        mon, kept = run(cfg, settings, out, reporter=_reporter(llm, None), publisher=publisher)  # type: ignore[arg-type]
    finally:
        if out is not sys.stdout:
            out.close()
        if perimeter is not None:
            perimeter.close()  # type: ignore[attr-defined]
    summary = kept[-1]
    if plot is not None:
        from edgewise.apps.maintenance.plot import plot_health

        plot_health(json_out, plot, None if settings.failure_peak else settings.failure_level)
    if out is not sys.stdout:
        typer.echo(
            f"{summary['samples']} samples, {summary['events']} events, "
            f"{summary['bytes_seen']} bytes seen -> {summary['bytes_sent']} bytes to send "
            f"({summary['reduction_ratio'] or 0:.0f}x), {summary['samples_per_s'] or 0:.3g} samples/s; wrote {json_out}"
        )


@app.command()
def publish(
    path: Annotated[Path, typer.Argument(help="Recording to stream: a file or a folder of files.")],
    fmt: Annotated[str, typer.Option("--format", help="femto | ims | cwru | csv | npy")],
    mqtt: Annotated[str, typer.Option("--mqtt", help="Broker HOST:PORT.")],
    topic: Annotated[str, typer.Option("--topic", help="Block topic, e.g. edgewise/vib/pump7/blocks.")],
    fs: Annotated[float | None, typer.Option("--fs", help="Sampling rate in Hz (when the format lacks it).")] = None,
    channels: Annotated[list[str] | None, typer.Option("--channels", help="Channel names (repeat or comma-separate).")] = None,
    realtime: Annotated[bool, typer.Option("--realtime", help="Publish at recorded speed.")] = False,
) -> None:
    """Stream a recording to an MQTT broker as binary sample blocks (a stand-in for a sensor gateway)."""
    from edgewise.apps.maintenance.live import parse_hostport, publish_blocks
    from edgewise.apps.maintenance.readers import read_recording

    host, port = parse_hostport(mqtt)
    sent = publish_blocks(host, port, topic, read_recording(path, fmt, fs=fs, channels=_split(channels)), realtime=realtime)
    typer.echo(f"published {sent} blocks to {topic}")


@app.command()
def watch(
    mqtt: Annotated[str, typer.Option("--mqtt", help="Broker HOST:PORT (loopback or plant network).")],
    topic: Annotated[str, typer.Option("--topic", help="Block topic, e.g. edgewise/vib/pump7/blocks (wildcards ok).")],
    healthy_minutes: Annotated[float, typer.Option("--healthy-minutes", help="Learn the twin on the first M minutes.")] = 10.0,
    healthy_blocks: Annotated[int | None, typer.Option("--healthy-blocks", help="...or on the first N blocks.")] = None,
    rpm: Annotated[float | None, typer.Option("--rpm")] = None,
    bearing: Annotated[str | None, typer.Option("--bearing")] = None,
    asset: Annotated[str | None, typer.Option("--asset", help="Asset name (default: from the topic).")] = None,
    llm: Annotated[bool, typer.Option("--llm/--no-llm", help="Write event reports with the local LLM.")] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON lines here.")] = None,
    duration: Annotated[float | None, typer.Option("--duration", help="Stop after this many seconds.")] = None,
    uplink: Annotated[str | None, typer.Option("--uplink", help="Send events/reports/summaries to this gateway destination.")] = None,
) -> None:
    """Run the pipeline live on an MQTT stream of sample blocks; prints a live status table."""
    from edgewise.apps.maintenance.bearings import bearing_by_name
    from edgewise.apps.maintenance.live import watch_stream
    from edgewise.config import load_settings

    settings = load_settings().maintenance
    publisher, perimeter = _publisher(uplink)
    try:
        watch_stream(mqtt, topic, settings, healthy_minutes=healthy_minutes, healthy_blocks=healthy_blocks, rpm=rpm,
                     bearing=bearing_by_name(bearing) if bearing else None, asset=asset, reporter=_reporter(llm, None),
                     json_out=json_out, duration=duration, publisher=publisher)
    finally:
        if perimeter is not None:
            perimeter.close()  # type: ignore[attr-defined]


__all__ = ["app"]
