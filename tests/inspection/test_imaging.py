"""Decoding and letterboxing: bad input always becomes a clear InvalidImage / ImageTooLarge."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from edgewise.apps.inspection.errors import ImageTooLarge, InvalidImage
from edgewise.apps.inspection.imaging import Placement, decode_image, fit_canvas, letterbox, list_images, stretch


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces width x height but which holds no pixel data (a decompression bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_bytes(w: int = 64, h: int = 48) -> bytes:
    buf = io.BytesIO()
    Image.fromarray((np.arange(w * h) % 251).astype(np.uint8).reshape(h, w)).save(buf, format="JPEG")
    return buf.getvalue()


def test_decodes_a_real_tile_to_grayscale(tiles) -> None:  # type: ignore[no-untyped-def]
    gray = decode_image(tiles.good[0].read_bytes())
    assert gray.dtype == np.uint8 and gray.ndim == 2
    assert gray.shape == Image.open(tiles.good[0]).size[::-1]


def test_colour_images_become_grayscale() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (255, 0, 0)).save(buf, format="PNG")
    assert decode_image(buf.getvalue()).shape == (30, 40)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"%PDF-1.7\n", jpeg_bytes()[:200], b"\x89PNG\r\n\x1a\n" + b"\0" * 40],
    ids=["empty", "text", "pdf", "truncated-jpeg", "broken-png"],
)
def test_bad_bytes_are_invalid_image(data: bytes) -> None:
    with pytest.raises(InvalidImage) as info:
        decode_image(data)
    assert info.value.status_code == 400 and info.value.message


def test_tiny_images_are_refused() -> None:
    with pytest.raises(InvalidImage, match="at least 8x8"):
        decode_image(jpeg_bytes(4, 4))


def test_huge_header_is_refused_before_decoding() -> None:
    with pytest.raises(ImageTooLarge) as info:
        decode_image(png_header_only(100_000, 100_000), max_pixels=40_000_000)
    assert info.value.status_code == 413


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        gray = decode_image(data)
    except InvalidImage:
        return
    assert gray.ndim == 2 and gray.dtype == np.uint8


@settings(max_examples=40, deadline=None)
@given(st.integers(8, 700), st.integers(8, 700), st.sampled_from([64, 128, 256]))
def test_letterbox_keeps_aspect_and_fits(h: int, w: int, size: int) -> None:
    canvas, pl = letterbox(np.full((h, w), 200, np.uint8), size)
    assert canvas.shape == (size, size)
    assert max(pl.height, pl.width) == size
    assert abs(pl.height / pl.width - h / w) <= 1.0 / min(pl.height, pl.width) * (h / w) + 0.02 * (h / w) + 1e-9 or min(pl.height, pl.width) <= 2
    assert np.allclose(canvas, 200 / 255, atol=1e-3)  # the image, then its mirror image: no synthetic edge


def test_letterbox_mirrors_the_part_into_the_padding() -> None:
    gray = np.tile(np.arange(0, 250, 10, dtype=np.uint8), (100, 1))  # 100 x 25, a horizontal ramp
    canvas, pl = letterbox(gray, 100)
    assert (pl.height, pl.width) == (100, 25)
    assert np.allclose(canvas[:, pl.width : 2 * pl.width], canvas[:, : pl.width][:, ::-1])


def test_list_images_skips_masks_next_to_images(tiles, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tiles.root / "MT_Crack" / "Imgs"
    files = list_images([folder])
    assert files and all(f.suffix == ".jpg" for f in files)
    with pytest.raises(InvalidImage):
        list_images([tmp_path / "missing"])


@settings(max_examples=30, deadline=None)
@given(st.integers(8, 700), st.integers(8, 700), st.sampled_from([(64, 6), (320, 32), (128, 0)]))
def test_letterbox_pads_the_part_with_its_own_mirror_image_on_every_side(h: int, w: int, size_pad: tuple[int, int]) -> None:
    size, pad = size_pad
    canvas, pl = letterbox(_texture(h, w), size, pad)
    assert canvas.shape == (size, size) and (pl.top, pl.left) == (pad, pad)
    assert max(pl.height, pl.width) == size - 2 * pad
    _assert_mirrored_above_and_left(canvas, pl)


def _texture(h: int, w: int) -> np.ndarray:
    return (np.arange(h * w, dtype=np.uint32).reshape(h, w) % 251).astype(np.uint8)


def _assert_mirrored_above_and_left(canvas: np.ndarray, pl: Placement) -> None:
    """The band above / left of the part mirrors its first rows / columns."""
    pad = pl.top
    part = canvas[pad : pad + pl.height, pad : pad + pl.width]
    if pad and pl.height >= pad and pl.width >= pad:
        assert np.array_equal(canvas[:pad, pad : pad + pl.width], part[:pad][::-1])
        assert np.array_equal(canvas[pad : pad + pl.height, :pad], part[:, :pad][:, ::-1])


def test_letterbox_rejects_a_pad_that_leaves_no_room() -> None:
    with pytest.raises(ValueError, match="no room"):
        letterbox(np.zeros((10, 10), np.uint8), 64, 32)


@settings(max_examples=30, deadline=None)
@given(st.integers(8, 700), st.integers(8, 700), st.sampled_from([(256, 16), (128, 0), (64, 6)]))
def test_stretch_fills_the_inner_square_and_mirrors_it(h: int, w: int, size_pad: tuple[int, int]) -> None:
    size, pad = size_pad
    canvas, pl = stretch(_texture(h, w), size, pad)
    inner = size - 2 * pad
    assert canvas.shape == (size, size) and canvas.dtype == np.float32
    assert (pl.top, pl.left, pl.height, pl.width) == (pad, pad, inner, inner)
    assert np.isclose(pl.scale_y * h, inner) and np.isclose(pl.scale_x * w, inner)  # maps back onto the source pixels
    _assert_mirrored_above_and_left(canvas, pl)
    if pad:  # and the band right of the part mirrors its last columns
        assert np.array_equal(canvas[pad : pad + inner, -pad:], canvas[pad : pad + inner, pad + inner - pad : pad + inner][:, ::-1])


def test_fit_canvas_follows_the_detectors_fit() -> None:
    gray = np.full((50, 200), 120, np.uint8)
    _, boxed = fit_canvas(gray, 128, 0, "letterbox")
    _, filled = fit_canvas(gray, 128, 0, "stretch")
    assert (boxed.height, boxed.width) == (32, 128) and boxed.scale_y == boxed.scale_x
    assert (filled.height, filled.width) == (128, 128) and filled.scale_y == 4 * filled.scale_x
    with pytest.raises(ValueError, match="unknown canvas fit"):
        fit_canvas(gray, 128, 0, "crop")  # type: ignore[arg-type]


def test_standardised_exposure_removes_brightness_and_contrast_but_keeps_the_pattern() -> None:
    from edgewise.apps.inspection.imaging import EXPOSURE_STD, standardize

    rng = np.random.default_rng(3)
    tile = rng.normal(120, 20, (60, 80)).clip(0, 255)
    bright = np.rint(tile).astype(np.uint8)
    dim = np.rint(tile * 0.5 + 10).astype(np.uint8)  # a darker, flatter capture of the same tile
    (a, _), (b, _) = fit_canvas(bright, 64, 4, "stretch", "standardize"), fit_canvas(dim, 64, 4, "stretch", "standardize")
    raw, _ = fit_canvas(bright, 64, 4, "stretch", "raw")
    assert a.dtype == np.float32 and abs(a.mean() - 0.5) < 0.01  # the frame's statistics, applied to its canvas
    alone = standardize(raw)  # the canvas's own statistics
    assert abs(alone.mean() - 0.5) < 1e-3 and abs(alone.std() - EXPOSURE_STD) < 1e-3
    assert np.abs(a - b).mean() < 0.01 and np.abs(a - b).max() < 0.06  # the dim capture's coarser grey levels only
    assert abs(raw.mean() - 0.5) > 0.02 and np.corrcoef(a.ravel(), raw.ravel())[0, 1] > 0.99
    assert (standardize(np.full((5, 5), 0.3, np.float32)) == 0.5).all()  # a flat frame has no contrast to stretch
    with pytest.raises(ValueError, match="exposure"):
        fit_canvas(bright, 64, 0, "stretch", "auto")  # type: ignore[arg-type]
