"""Readers of every replay format, on real files, and clear errors (file and line) on bad ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgewise.apps.maintenance.errors import RecordingError
from edgewise.apps.maintenance.readers import read_recording


def test_femto_folder(femto_head: Path) -> None:
    blocks = list(read_recording(femto_head, "femto"))
    assert len(blocks) == 20
    b = blocks[0]
    assert b.channels == ("H", "V") and b.fs == 25600 and b.data.shape == (2560, 2) and b.t == 0.0
    assert blocks[1].t == 50.0  # acc_00006 is 5 files later, 10 s apart
    assert 0.05 < float(b.data[:, 0].std()) < 5  # acceleration in g


def test_ims_snapshots_lf_and_crlf(shared_data: Path, tmp_path: Path) -> None:
    src = sorted((shared_data / "ims" / "1st_test").iterdir())
    blocks = list(read_recording(shared_data / "ims" / "1st_test", "ims"))
    assert len(blocks) == 4 and blocks[0].channels == tuple("12345678") and blocks[0].data.shape == (10240, 8)
    assert blocks[1].t == pytest.approx(77 * 60 + 49)  # 12:06:24 -> 13:24:13
    crlf = tmp_path / src[0].name
    crlf.write_bytes(src[0].read_bytes().replace(b"\n", b"\r\n"))
    (b,) = read_recording(crlf, "ims")
    np.testing.assert_array_equal(b.data, blocks[0].data)


def test_ims_four_columns(tmp_path: Path) -> None:
    f = tmp_path / "2004.02.12.10.32.39"
    f.write_text("\n".join("\t".join(f"{(i * 7 + j) % 5 * 0.01:.3f}" for j in range(4)) for i in range(100)))
    (b,) = read_recording(f, "ims")
    assert b.channels == ("1", "2", "3", "4")


def test_cwru_rates_channels_and_rpm(cwru: Path) -> None:
    (normal,) = read_recording(cwru / "97.mat", "cwru")
    (fault,) = read_recording(cwru / "105.mat", "cwru")
    assert normal.fs == 48000 and normal.channels == ("DE", "FE") and normal.n == 243938
    assert fault.fs == 12000 and fault.channels == ("DE", "FE", "BA") and fault.meta["rpm"] == 1797


def test_cwru_channel_pick_and_fs_override(cwru: Path) -> None:
    (b,) = read_recording(cwru / "105.mat", "cwru", channels=["DE"], fs=12000)
    assert b.channels == ("DE",) and b.data.shape[1] == 1


def test_csv_with_header_and_npy_npz(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(500, 3))
    (tmp_path / "a.csv").write_text("x,y,z\n" + "\n".join(",".join(f"{v:.6f}" for v in row) for row in x))
    (b,) = read_recording(tmp_path / "a.csv", "csv", fs=1000)
    assert b.channels == ("x", "y", "z") and np.allclose(b.data, x, atol=1e-6)
    np.save(tmp_path / "a.npy", x)
    (b,) = read_recording(tmp_path / "a.npy", "npy", fs=1000, channels=["p", "q", "r"])
    assert b.channels == ("p", "q", "r")
    np.savez(tmp_path / "b.npz", data=x.T, fs=2000.0)  # channels-first is recognised
    (b,) = read_recording(tmp_path / "b.npz", "npy")
    assert b.fs == 2000 and b.data.shape == (500, 3)


def test_semicolon_files_are_read(tmp_path: Path) -> None:
    """Some PRONOSTIA bearings ship ';'-separated files: a consistent separator is accepted."""
    d = tmp_path / "B"
    d.mkdir()
    (d / "acc_00001.csv").write_text("\n".join(f"9;39;39;{i};0.1;-0.2" for i in range(300)))
    (b,) = read_recording(d, "femto")
    assert b.data.shape == (300, 2)


def _bad(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "B"
    d.mkdir(exist_ok=True)
    (d / "acc_00001.csv").write_text("9,39,39,1,0.1,0.2\n" * 5 + text)
    return d


@pytest.mark.parametrize(
    ("tail", "needle"),
    [
        ("9,39,39,1,0.1\n", ":6: expected 6 columns"),  # wrong column count
        ("9,39,39,1,abc,0.2\n", ":6: column 5 is not a number: 'abc'"),  # text in numbers
        ("9,39,39,1,0.1,0.2\n9,39,3", ":7: expected 6 columns"),  # truncated file
        ("9;39;39;1;0.1;0.2\n", "';'-separated"),  # another separator mid-file
        ("9,39,39,1,nan,0.2\n", ":6: NaN"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, tail: str, needle: str) -> None:
    d = _bad(tmp_path, tail)
    with pytest.raises(RecordingError) as err:
        list(read_recording(d, "femto"))
    assert "acc_00001.csv" in err.value.message and needle in err.value.message


def test_missing_rate_and_unknown_cwru_record(tmp_path: Path, cwru: Path) -> None:
    np.save(tmp_path / "x.npy", np.zeros((10, 2)))
    with pytest.raises(RecordingError, match="--fs"):
        list(read_recording(tmp_path / "x.npy", "npy"))
    (tmp_path / "999.mat").write_bytes((cwru / "105.mat").read_bytes())  # record 105 inside, file name ignored
    (b,) = read_recording(tmp_path / "999.mat", "cwru")
    assert b.fs == 12000
    with pytest.raises(RecordingError, match="not a readable MATLAB"):
        (tmp_path / "5.mat").write_bytes(b"MATLAB 5.0 garbage")
        list(read_recording(tmp_path / "5.mat", "cwru"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_any_bytes_give_a_clear_error_or_data(tmp_path: Path, data: bytes) -> None:
    for fmt, name in (("csv", "x.csv"), ("npy", "x.npy"), ("ims", "2003.10.22.12.06.24"), ("cwru", "105.mat")):
        f = tmp_path / name
        f.write_bytes(data)
        try:
            blocks = list(read_recording(f, fmt, fs=1000.0))
        except RecordingError as exc:
            assert str(f) in exc.message
        else:
            assert all(np.isfinite(b.data).all() for b in blocks)
