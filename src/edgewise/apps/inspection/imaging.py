"""Decode camera frames safely and fit them to the detector's square canvas.

Why by hand: Pillow decodes, but the policy (what counts as too big, corrupt or
not an image, and how a variable-size frame is letterboxed) is the station's
contract, shared by the trainer, the ONNX runtime, the CLI and the HTTP route so
that all of them see exactly the same pixels.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, UnidentifiedImageError

from edgewise.apps.inspection.errors import ImageTooLarge, InvalidImage

#: File suffixes the CLI and the drop-folder watcher pick up.
IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
DEFAULT_MAX_PIXELS = 40_000_000


def decode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Bytes of a JPEG/PNG/... -> 8-bit grayscale array ``(H, W)``.

    Raises :class:`InvalidImage` for empty, truncated, corrupt or non-image data and
    :class:`ImageTooLarge` when the header announces more than ``max_pixels`` pixels
    (checked before the pixels are decoded, so a decompression bomb costs nothing).
    """
    if not data:
        raise InvalidImage("The image is empty (0 bytes). Send a JPEG, PNG, BMP or TIFF file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise ImageTooLarge(
                    f"The image is {width}x{height} pixels, more than the {max_pixels} this station accepts; "
                    "crop it to the part or raise inspection.max_pixels."
                )
            img.load()
    except (ImageTooLarge, InvalidImage):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"The image announces too many pixels ({exc}); crop it to the part.") from exc
    except UnidentifiedImageError as exc:
        raise InvalidImage(f"This is not an image Pillow can read ({type(exc).__name__}). Send a JPEG or PNG.") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise InvalidImage(f"The image is corrupt or truncated ({exc}). Re-capture or re-send it.") from exc
    if width < 8 or height < 8:
        raise InvalidImage(f"The image is {width}x{height} pixels; at least 8x8 is needed.")
    return np.asarray(img.convert("L"), dtype=np.uint8)


def load_image(path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read and decode an image file (see :func:`decode_image`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidImage(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        return decode_image(data, max_pixels=max_pixels)
    except InvalidImage as exc:
        raise type(exc)(f"{path}: {exc.message}") from exc


#: How a frame is fitted to the square canvas (see :func:`fit_canvas`).
Fit = Literal["letterbox", "stretch"]


@dataclass(frozen=True)
class Placement:
    """Where a frame sits on the canvas: scaled by (``scale_y``, ``scale_x``) into ``height`` x ``width`` pixels
    at (``top``, ``left``)."""

    scale_y: float
    scale_x: float
    height: int
    width: int
    src_height: int
    src_width: int
    top: int = 0
    left: int = 0


def _inner_side(size: int, pad: int) -> int:
    """Side of the canvas left for the part inside ``pad`` mirrored pixels on every side."""
    if not 0 <= 2 * pad < size:
        raise ValueError(f"pad {pad} leaves no room on a {size}-pixel canvas")
    return size - 2 * pad


def _resized(gray: np.ndarray, height: int, width: int) -> np.ndarray:
    """``gray`` resampled (bilinear) to ``height`` x ``width``, as float32 in [0, 1]."""
    return np.asarray(Image.fromarray(gray).resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0


def letterbox(gray: np.ndarray, size: int, pad: int = 0) -> tuple[np.ndarray, Placement]:
    """Scale ``gray`` (aspect kept) so its longer side is ``size - 2 * pad``; fill the rest of the square by mirroring.

    ``pad`` mirrored pixels on every side keep the backbone's zero padding away
    from the part: without them the convolutions see a synthetic black frame
    around every tile, and its top and left edges scored as the most anomalous
    patches of good parts (measured on the magnetic tiles).

    Mirroring rather than black padding: a black band puts a sharp synthetic edge
    along the part, and patch scores there dominated the image score (measured:
    the maximum sat on the image border for good tiles). Returns the canvas as
    float32 in [0, 1] and the placement that maps the heatmap back onto the
    original pixels; only the image's own area is ever scored.
    """
    src_h, src_w = gray.shape
    inner = _inner_side(size, pad)
    scale = inner / max(src_h, src_w)
    h, w = max(1, round(src_h * scale)), max(1, round(src_w * scale))
    resized = _resized(gray, h, w)
    canvas = np.pad(resized, ((pad, size - h - pad), (pad, size - w - pad)), mode="symmetric")
    placement = Placement(scale_y=scale, scale_x=scale, height=h, width=w, src_height=src_h, src_width=src_w, top=pad, left=pad)
    return canvas.astype(np.float32, copy=False), placement


def stretch(gray: np.ndarray, size: int, pad: int = 0) -> tuple[np.ndarray, Placement]:
    """Scale ``gray`` to fill the ``size - 2 * pad`` inner square (aspect not kept), mirror ``pad`` pixels around it.

    Why stretch rather than letterbox: a station photographs one kind of part,
    cropped to the part, so stretching puts the part's outline at the same place
    on every canvas and the whole canvas is part, not padding. Measured on the
    magnetic tiles (split by tile group, benchmarks/inspection.py): image AUROC
    0.80 against 0.78 for the letterbox at 320, recall at 1% false rejects up on
    every defect class (blowholes 0.04 -> 0.35), and 36% fewer pixels and
    patches to score at 256 (p50 74 -> 49 ms on one core). The cost is that
    textures are squeezed differently in frames of different aspect; the bank
    learns that from the good parts, which come in the same range of aspects.
    """
    src_h, src_w = gray.shape
    inner = _inner_side(size, pad)
    resized = _resized(gray, inner, inner)
    canvas = np.pad(resized, pad, mode="symmetric") if pad else resized
    placement = Placement(
        scale_y=inner / src_h, scale_x=inner / src_w, height=inner, width=inner, src_height=src_h, src_width=src_w, top=pad, left=pad
    )
    return canvas.astype(np.float32, copy=False), placement


#: How a frame's grey levels are set before fitting (see :func:`standardize`).
Exposure = Literal["raw", "standardize"]
#: Grey-level spread of a standardised frame, around mid-grey 0.5: 0.15 keeps three standard deviations in [0, 1].
EXPOSURE_STD = 0.15


def standardize(canvas: np.ndarray, frame: np.ndarray | None = None) -> np.ndarray:
    """``canvas`` (float32 in [0, 1]) with the grey levels of ``frame`` (uint8; the canvas itself if None) moved
    to mean mid-grey and spread :data:`EXPOSURE_STD`.

    Why: a station's lighting and exposure drift, and the same part photographed brighter or darker
    gives other backbone features, which the memory bank then has to hold as "normal" too. Measured on
    the magnetic tiles (six exposures of every tile, split by tile group, benchmarks/inspection.py),
    against raw grey levels (AUROC 0.80, recall 0.31): recall of all defects at 1% false rejects 0.36
    (blowholes 0.35 -> 0.42, cracks 0.07 -> 0.11, breaks 0.48 -> 0.55), image AUROC 0.79, i.e. unchanged
    within this benchmark's run-to-run spread. Two close variants gave 0.44 / 0.81 (statistics and
    mapping on the uint8 frame, before resizing: up to four times the pixels to map) and 0.37 / 0.80
    (statistics of the resized canvas, whose fine texture downscaling averages away, so frames of
    different sizes get different gains). Here the statistics come from the frame (every other pixel)
    and the mapping is applied to the canvas.
    """
    ref = canvas if frame is None else frame[::2, ::2].astype(np.float32) / 255.0
    spread = float(ref.std())
    if spread < 1e-4:  # a flat frame has nothing to stretch
        return np.full_like(canvas, 0.5)
    out = (canvas - float(ref.mean())) * (EXPOSURE_STD / spread) + 0.5
    return np.clip(out, 0.0, 1.0, out=out).astype(np.float32, copy=False)


def fit_canvas(
    gray: np.ndarray, size: int, pad: int = 0, fit: Fit = "letterbox", exposure: Exposure = "raw"
) -> tuple[np.ndarray, Placement]:
    """Fit a frame to the detector's canvas the way the detector was trained (``fit`` and ``exposure`` from its spec)."""
    if exposure not in ("raw", "standardize"):
        raise ValueError(f"unknown exposure {exposure!r}; use 'raw' or 'standardize'")
    if fit == "stretch":
        canvas, placement = stretch(gray, size, pad)
    elif fit == "letterbox":
        canvas, placement = letterbox(gray, size, pad)
    else:
        raise ValueError(f"unknown canvas fit {fit!r}; use 'letterbox' or 'stretch'")
    return (standardize(canvas, gray) if exposure == "standardize" else canvas), placement


def list_images(paths: list[Path]) -> list[Path]:
    """Expand files and folders (recursively) into image files, sorted, masks (``*.png`` next to a ``.jpg``) skipped."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(f for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
        elif p.exists():
            out.append(p)
        else:
            raise InvalidImage(f"No file or folder at {p}.")
    stems_with_jpg = {f.with_suffix("") for f in out if f.suffix.lower() in (".jpg", ".jpeg")}
    return [f for f in out if not (f.suffix.lower() == ".png" and f.with_suffix("") in stems_with_jpg)]


__all__ = [
    "EXPOSURE_STD", "IMAGE_SUFFIXES", "Exposure", "Fit", "Placement", "decode_image", "fit_canvas", "letterbox",
    "list_images", "load_image", "standardize", "stretch",
]
