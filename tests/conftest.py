"""Shared fixtures and helpers: throw-away copies of the example station, small fake programmes."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def make_station(tmp_path: Path, **overrides) -> Path:
    """Copy the example station.yaml into tmp_path, apply top-level section overrides."""
    data = yaml.safe_load((REPO / "station.yaml").read_text(encoding="utf-8"))
    for section, values in overrides.items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section].update(values)
        else:
            data[section] = values
    (tmp_path / "station.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    if (REPO / "facts").is_dir():
        shutil.copytree(REPO / "facts", tmp_path / "facts", dirs_exist_ok=True)
    return tmp_path


@pytest.fixture
def example_station(tmp_path: Path) -> Path:
    """A copy of the example station in a temp folder (real voice chain)."""
    return make_station(tmp_path)


@pytest.fixture
def silent_station(tmp_path: Path) -> Path:
    """A copy of the example station that voices with the `silent` engine."""
    return make_station(
        tmp_path,
        voice={"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True},
    )


# --- small produced programmes (schedule and automation tests) ---------------------------

_TONE_CACHE: dict[float, bytes] = {}


def tone_mp3(path: Path, seconds: float = 4.0, freq: int = 440) -> Path:
    """A short real MP3 (mono 44.1 kHz, 128 kb/s) made by ffmpeg."""
    key = (seconds, freq)
    path.parent.mkdir(parents=True, exist_ok=True)
    if key not in _TONE_CACHE:
        tmp = path.with_suffix(".tmp.mp3")
        subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency={freq}:duration={seconds}",
                "-ar",
                "44100",
                "-ac",
                "1",
                "-b:a",
                "128k",
                str(tmp),
            ],
            check=True,
        )
        _TONE_CACHE[key] = tmp.read_bytes()
        tmp.unlink()
    # Written by rename, as production writes (day folders hard-link the programme).
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(_TONE_CACHE[key])
    tmp.replace(path)
    return path


def station_dir(tmp_path: Path, **overrides) -> Path:
    """The example station, voiced offline (espeak-ng) so the standing notice is real speech."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    overrides.setdefault(
        "voice", {"main": [{"engine": "espeak-ng", "voice": "vi"}], "second": [], "fallback": True}
    )
    return make_station(tmp_path, **overrides)


def write_script(st, month: str, *, approved: bool = True, title: str | None = None) -> Path:
    """scripts/YYYY-MM.md with a body; approval recorded with the body's real hash."""
    from broadcast.script import body_hash

    title = title or f"Đăng ký đất đai trực tuyến tháng {month[5:]}"
    body = f"\n## Mở đầu\nKính chào bà con, đây là chuyên mục tháng {month}.\n"
    meta = {
        "month": month,
        "topic": "dat-dai",
        "title": title,
        "status": "approved" if approved else "draft",
        "approved_by": "Nguyễn Văn A" if approved else None,
        "approved_at": "2026-01-01T08:00:00" if approved else None,
        "approved_sha256": body_hash(body) if approved else None,
    }
    path = st.store.script_path(month)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body, encoding="utf-8"
    )
    return path


def write_programme(
    st,
    month: str,
    *,
    seconds: float = 4.0,
    duration_s: float | None = None,
    lufs: float | None = None,
    approved: bool = True,
    freq: int = 440,
    script: bool = True,
) -> Path:
    """A produced programme: MP3 + manifest.json (DESIGN §5) + its script."""
    from broadcast.script import read_script

    if script:
        write_script(st, month, approved=approved)
    sc = read_script(st.store.script_path(month))
    folder = st.store.programme_dir(month)
    name = f"{st.slug}-{month}.mp3"
    tone_mp3(folder / name, seconds, freq)
    manifest = {
        "month": month,
        "title": sc.title,
        "file": name,
        "duration_s": duration_s if duration_s is not None else seconds,
        "loudness_lufs": st.audio.target_lufs if lufs is None else lufs,
        "true_peak_dbtp": -1.5,
        "sample_rate": 44100,
        "channels": 1,
        "bitrate_kbps": 128,
        "script_sha256": sc.body_sha256,
        "degraded": False,
        "engines": {"silent": 1},
        "clips_synthesized": 1,
        "clips_cached": 0,
        "segments": [
            {
                "title": "Mở đầu",
                "kind": "speech",
                "start_s": 0.0,
                "end_s": seconds,
                "engine": "silent",
                "voice": "silent",
            }
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder / name


def free_port() -> int:
    """A free TCP port on loopback (for a server a test or benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli_captured(capsys, *args: str) -> tuple[int, str, str]:
    """Run `broadcast ARGS` in process; return (exit code, stdout, stderr)."""
    from broadcast.cli import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(args: list[str]) -> int:
    """Run `broadcast ARGS` in process; return its exit code."""
    from broadcast.cli import main

    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
