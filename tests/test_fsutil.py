"""Atomic writes: complete or absent, old outputs kept on failure, readable by others."""

from __future__ import annotations

import os
import stat

import pytest

from broadcast.fsutil import atomic_dir, atomic_path, atomic_write_text


def test_failed_folder_build_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "2027-01-05"
    with atomic_dir(target) as tmp:
        (tmp / "0600-01-a.mp3").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            (tmp / "0600-01-b.mp3").write_text("half")
            raise RuntimeError("killed")
    assert sorted(p.name for p in target.iterdir()) == ["0600-01-a.mp3"]
    assert [p.name for p in tmp_path.iterdir()] == ["2027-01-05"]


def test_outputs_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "day") as tmp:
            (tmp / "x").write_text("1")
        atomic_write_text(tmp_path / "a.txt", "xin chào")
        with atomic_path(tmp_path / "b.mp3") as p:
            p.write_bytes(b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "day").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.mp3").stat().st_mode) == 0o644
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "xin chào"


def test_failed_file_write_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with atomic_path(tmp_path / "out.mp3") as p:
            p.write_bytes(b"half")
            raise ValueError("encoder failed")
    assert list(tmp_path.iterdir()) == []
