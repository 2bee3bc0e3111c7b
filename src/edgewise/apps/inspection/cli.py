"""``edgewise inspect``: train a detector on good parts, inspect images, watch a camera's drop folder.

Heavy libraries load inside the commands (torch only for ``train``;
onnxruntime for the others), so ``edgewise --help`` stays instant.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from edgewise.config import Settings, load_settings

if TYPE_CHECKING:
    from edgewise.apps.inspection.spec import DetectorSpec
    from edgewise.models import ModelRegistry

app = typer.Typer(help="Quality-control vision: learn good parts, flag and locate defects, report on the device.",
                  no_args_is_help=True)
console = Console(stderr=True)


def detectors_dir(settings: Settings) -> Path:
    return settings.data_dir / "inspection" / "detectors"


def _labelled(folder: Path | None) -> dict[str, list[Path]]:
    """``--defects DIR``: one sub-folder per defect class (its name is the label)."""
    from edgewise.apps.inspection.imaging import list_images

    if folder is None:
        return {}
    return {d.name: list_images([d]) for d in sorted(folder.iterdir()) if d.is_dir()}


@app.command("train")
def train(
    normal: Annotated[list[Path], typer.Option("--normal", help="Folder or file of GOOD parts (repeatable).")],
    name: Annotated[str, typer.Option("--name", help="Name to register the detector under.")],
    calibrate: Annotated[list[Path] | None, typer.Option("--calibrate", help="Held-out GOOD images for the threshold (default: 20% of --normal).")] = None,
    defects: Annotated[Path | None, typer.Option("--defects", help="Labelled defect examples, one sub-folder per class (for 'likely class').")] = None,
    false_reject_rate: Annotated[float | None, typer.Option(
        "--false-reject-rate", help="Share of good parts the threshold may reject, above 0 and below 0.5.")] = None,
    image_size: Annotated[int | None, typer.Option("--image-size", min=64, max=1024, help="Canvas side in pixels.")] = None,
    bank_size: Annotated[int | None, typer.Option("--bank-size", min=16, help="Memory bank size (patches).")] = None,
    adapt_steps: Annotated[int | None, typer.Option(
        "--adapt-steps", min=0, help="Fine-tune the backbone on synthetic anomalies for this many steps first "
        "(slower training; see the README for what it buys).")] = None,
    int8: Annotated[bool, typer.Option("--int8", help="Also write an int8-quantised ONNX variant.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a detector of the same name.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the detector spec as JSON.")] = False,
) -> None:
    """Train a detector on good parts only, calibrate its threshold, export to ONNX and register it."""
    from edgewise.apps.inspection.errors import TrainingError
    from edgewise.apps.inspection.imaging import list_images
    from edgewise.models import ModelRegistry

    try:
        from edgewise.apps.inspection.training import train_detector
    except ImportError as exc:
        raise TrainingError(f"Training needs the 'inspection-train' extra ({exc.name} is missing): "
                            "pip install 'edgewise[inspection-train]'.") from exc
    settings = load_settings()
    cfg = settings.inspection
    registry = ModelRegistry(settings.models_dir)
    if not replace and name in {e.name for e in registry.list()}:
        raise TrainingError(f"A model named '{name}' exists already; pass --replace or pick another --name.")
    out = detectors_dir(settings) / name
    adapt = cfg.adapt_steps if adapt_steps is None else adapt_steps
    steps = {} if adapt is None else {"adapt_steps": adapt}  # unset: the trainer's default
    with console.status("training") as status:
        det = train_detector(
            list_images(normal), out, name, calibration=list_images(calibrate) if calibrate else None,
            false_reject_rate=cfg.false_reject_rate if false_reject_rate is None else false_reject_rate,
            image_size=cfg.image_size if image_size is None else image_size,
            fit=cfg.fit, exposure=cfg.exposure, edge_margin=cfg.edge_margin,
            bank_size=cfg.bank_size if bank_size is None else bank_size,
            labelled=_labelled(defects), int8=int8, threads=cfg.threads,
            progress=lambda m: status.update(m), **steps,
        )
    spec = det.spec
    _register(registry, out, spec)
    if as_json:
        typer.echo(spec.model_dump_json(indent=2))
        return
    _show_calibration(spec)
    console.print(f"[green]detector '{name}'[/] trained on {spec.train_images} good images, bank {spec.bank_size} patches, "
                  f"threshold {spec.threshold:.3f} ({spec.calibration.rejected_good} of {spec.calibration.images} held-out "
                  f"good images rejected) -> {out}")


def _show_calibration(spec: DetectorSpec) -> None:
    """The held-out good parts that scored highest (they set the threshold, so the operator should look at them),
    and a warning when there were too few of them for the false-reject rate asked for."""
    cal = spec.calibration
    table = Table("good image", "score", "share of threshold", title="highest-scoring good parts (they set the threshold)")
    for img in cal.highest:
        table.add_row(img.image, f"{img.score:.3f}", f"{img.score / spec.threshold:.0%}")
    console.print(table)
    if cal.images * cal.false_reject_rate < 1:
        console.print(f"[yellow]only {cal.images} good images: a {cal.false_reject_rate:.1%} threshold needs at least "
                      f"{math.ceil(1 / cal.false_reject_rate)}; with fewer it is just their highest score, and the line's "
                      "false-reject rate will be higher. Recalibrate on more parts: `edgewise inspect calibrate`.[/]")


def _register(registry: ModelRegistry, folder: Path, spec: DetectorSpec) -> None:
    registry.add(folder, spec.name, kind="detector", replace=True,
                 meta={"threshold": spec.threshold, "image_size": spec.image_size, "classes": spec.classes, "int8": spec.int8})


@app.command("calibrate")
def calibrate(
    paths: Annotated[list[Path], typer.Argument(help="Images or folders of parts confirmed GOOD (not used in training).")],
    model: Annotated[str, typer.Option("--model", help="Registered detector name.")],
    false_reject_rate: Annotated[float | None, typer.Option(
        "--false-reject-rate", help="Share of good parts the threshold may reject (default: the detector's current one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the new calibration as JSON.")] = False,
) -> None:
    """Reset a detector's threshold on new good parts, without retraining (ONNX runtime only, seconds).

    Use it after the first shift, on hundreds of confirmed-good parts from the line.

    A node or watcher using the detector picks the new threshold up at its next image.

    The table lists the good parts that score highest (they set the threshold): look at them.
    """
    from edgewise.apps.inspection.calibration import recalibrate
    from edgewise.apps.inspection.errors import DetectorNotFound
    from edgewise.apps.inspection.imaging import list_images
    from edgewise.models import ModelRegistry

    settings = load_settings()
    registry = ModelRegistry(settings.models_dir)
    entry = registry.get(model)
    if entry.kind != "detector":
        raise DetectorNotFound(f"'{model}' is a {entry.kind} model, not a detector; `edgewise models list` shows them.")
    with console.status("calibrating") as status:
        change = recalibrate(Path(entry.path), list_images(paths), false_reject_rate=false_reject_rate,
                             threads=settings.inspection.threads, progress=lambda m: status.update(m))
    new, old = change.after, change.before
    _register(registry, Path(entry.path), new)
    cal = new.calibration
    if as_json:
        typer.echo(json.dumps({"detector": model, "threshold_before": old.threshold, "threshold": new.threshold,
                               "int8_threshold": new.int8_threshold, "calibration": cal.model_dump(mode="json"),
                               "left_out_trained": list(change.left_out)}))
        return
    if change.left_out:
        n = len(change.left_out)
        console.print(f"[yellow]left out {n} image{'s' * (n != 1)} the detector was trained on (they score low by "
                      f"construction): {', '.join(change.left_out[:5])}{' ...' if len(change.left_out) > 5 else ''}[/]")
    _show_calibration(new)
    console.print(f"[green]detector '{model}'[/]: threshold {old.threshold:.3f} -> {new.threshold:.3f} on {cal.images} good "
                  f"images ({cal.rejected_good} rejected, {cal.false_reject_rate:.1%} allowed)")


def _station(settings: Settings, model: str | None, *, int8: bool, llm: bool, station: str | None) -> Any:
    from edgewise.apps.inspection.errors import DetectorNotFound
    from edgewise.apps.inspection.runtime import Detector
    from edgewise.apps.inspection.station import Station

    cfg = settings.inspection if station is None else settings.inspection.model_copy(update={"station": station})
    name = model or cfg.detector
    if not name:
        raise DetectorNotFound("Name the detector with --model (or set inspection.detector in the config).")
    engine = None
    if llm:
        from edgewise.engine import open_engine

        engine = open_engine(settings)
    return Station(Detector.from_registry(settings.models_dir, name, threads=cfg.threads, int8=int8), cfg, engine=engine)


def _table(rows: list[dict[str, Any]], title: str, caption_errors: bool = True) -> Table:
    """The last 30 verdicts. An unreadable image is an ``error`` row; the latest error's message is the caption
    (a column for it would squeeze the numbers out of an 80-column terminal)."""
    shown = rows[-30:]
    errors = [r for r in shown if "error" in r] if caption_errors else []
    caption = f"{errors[-1].get('image')}: {errors[-1]['error']}" if errors else None
    table = Table("image", "verdict", "score", "threshold", "area px", "boxes", "class", "ms", title=title,
                  caption=caption, caption_justify="left")
    for r in shown:
        if "error" in r:
            table.add_row(str(r.get("image")), "[yellow]error[/]", "", "", "", "", "", "")
            continue
        colour = "red" if r["verdict"] == "reject" else "green"
        table.add_row(str(r["image"]), f"[{colour}]{r['verdict']}[/]", f"{r['score']:.3f}", f"{r['threshold']:.3f}",
                      str(r["defect_area_px"]), str(len(r["boxes"])), r.get("likely_class") or "", f"{r['latency_ms']:.1f}")
    return table


@app.command("run")
def run(
    paths: Annotated[list[Path], typer.Argument(help="Images or folders to inspect.")],
    model: Annotated[str | None, typer.Option("--model", help="Registered detector name.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write one JSON line per image to this file ('-' = stdout).")] = None,
    overlays: Annotated[Path | None, typer.Option("--overlays", help="Write <stem>.overlay.png files here.")] = None,
    int8: Annotated[bool, typer.Option("--int8", help="Use the int8 variant.")] = False,
    llm: Annotated[bool, typer.Option("--llm", help="Write reports with the local LLM (default: template).")] = False,
    station: Annotated[str | None, typer.Option("--station", help="Station name in events.")] = None,
) -> None:
    """Inspect images: verdict, score, defect area and boxes per image; exit 1 if any image could not be read."""
    from edgewise.apps.inspection.imaging import list_images
    from edgewise.apps.inspection.watch import inspect_path

    st = _station(load_settings(), model, int8=int8, llm=llm, station=station)
    files = list_images(paths)
    rows = []
    sink = None if json_out is None else (None if str(json_out) == "-" else json_out.open("w"))
    try:
        for f in files:
            row = inspect_path(st, f, overlays)
            rows.append(row)
            line = json.dumps(row)
            if json_out is not None:
                typer.echo(line) if sink is None else sink.write(line + "\n")
    finally:
        if sink is not None:
            sink.close()
    s = st.summary()
    console.print(_table(rows, f"{s.inspected} inspected, {s.rejected} rejected ({s.reject_rate:.1%})", caption_errors=False))
    failed = [r for r in rows if "error" in r]
    for r in failed:  # every one, whole (the table shows only the last 30 rows)
        console.print(f"[yellow]{r.get('path', r.get('image'))}[/]: {r['error']}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("watch")
def watch(
    folder: Annotated[Path, typer.Argument(help="Drop folder a line camera writes images into.")],
    model: Annotated[str | None, typer.Option("--model", help="Registered detector name.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Append one JSON line per image here.")] = None,
    overlays: Annotated[Path | None, typer.Option("--overlays", help="Write overlay PNGs here.")] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between folder scans.")] = 0.2,
    max_images: Annotated[int | None, typer.Option("--max-images", help="Stop after this many images.")] = None,
    idle_exit: Annotated[float | None, typer.Option("--idle-exit", help="Stop after this many seconds without a new image.")] = None,
    existing: Annotated[bool, typer.Option("--existing", help="Also inspect images already in the folder.")] = False,
    llm: Annotated[bool, typer.Option("--llm", help="Write reports with the local LLM.")] = False,
    station: Annotated[str | None, typer.Option("--station")] = None,
) -> None:
    """Inspect new images as they arrive in FOLDER, with a live status table (Ctrl-C stops)."""
    from edgewise.apps.inspection.watch import DropFolder, watch_loop

    st = _station(load_settings(), model, int8=False, llm=llm, station=station)
    drop = DropFolder(folder, include_existing=existing)
    watch_loop(st, drop, table=_table, json_out=json_out, overlays=overlays, interval=interval,
               max_images=max_images, idle_exit=idle_exit)


__all__ = ["app", "detectors_dir"]
