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


def test_disk_full_or_no_permission_is_an_environment_problem(tmp_path, monkeypatch):
    """A full disk or a read-only folder reaches the user as exit 2 with a Vietnamese hint,
    never as a raw OSError, and leaves nothing half-written."""
    import errno

    from broadcast.errors import EnvironmentProblem

    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(EnvironmentProblem) as err:
        atomic_write_text(tmp_path / "schedules" / "2027-01.yaml", "x")
    assert err.value.exit_code == 2 and "đầy" in str(err.value) and "2027-01.yaml" in str(err.value)
    assert [p.name for p in (tmp_path / "schedules").iterdir()] == []
    monkeypatch.undo()

    target = tmp_path / "2027-01-05"
    with atomic_dir(target) as tmp:
        (tmp / "a.mp3").write_text("old")
    with pytest.raises(EnvironmentProblem) as err:
        with atomic_dir(target) as tmp:
            raise PermissionError(errno.EACCES, "Permission denied", str(tmp / "b.mp3"))
    assert err.value.exit_code == 2 and "quyền" in str(err.value)
    assert (target / "a.mp3").read_text() == "old"
