"""Issue 11 #5: engine settings are validated: ranges, and no arbitrary program from a file.

`binary:` may only name the engine's own program (found on PATH) unless the machine's admin
allows another in $BROADCAST_ENGINE_BINARIES; out-of-range options are errors naming
station.yaml, the line and the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _safety import cli
from conftest import make_station

from broadcast.config import load_station
from broadcast.errors import ConfigError


def _station(tmp_path: Path, engine: dict) -> Path:
    return make_station(tmp_path, voice={"main": [engine], "second": [], "fallback": True})


def _line_of(path: Path, text: str) -> int:
    """Line of the first `text` key inside the voice chain (after `main:`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "main:")
    return next(i + 1 for i in range(start, len(lines)) if lines[i].strip().lstrip("- ").startswith(text))


@pytest.mark.parametrize(
    "binary", ["/bin/sh", "sh", "../../tmp/evil", "C:\\Windows\\System32\\cmd.exe", "python3"]
)
def test_binary_must_be_a_known_engine_program(tmp_path, capsys, binary):
    d = _station(tmp_path, {"engine": "espeak-ng", "voice": "vi", "binary": binary})
    code, out, err = cli(["check", "--station", str(d), "--month", "2026-12"], capsys)
    assert code == 1
    assert "station.yaml" in err and "voice.main.0.binary" in err
    assert f"dòng {_line_of(d / 'station.yaml', 'binary:')}" in err
    assert "BROADCAST_ENGINE_BINARIES" in err


def test_known_binary_names_and_admin_allowed_programs_are_accepted(tmp_path, monkeypatch):
    d = _station(tmp_path, {"engine": "espeak-ng", "voice": "vi", "binary": "espeak-ng"})
    assert load_station(d).voice.main[0].options["binary"] == "espeak-ng"
    (tmp_path / "b").mkdir()
    d2 = _station(
        tmp_path / "b", {"engine": "espeak-ng", "voice": "vi", "binary": "/opt/espeak/bin/espeak-ng"}
    )
    with pytest.raises(ConfigError):
        load_station(d2)
    monkeypatch.setenv("BROADCAST_ENGINE_BINARIES", "/opt/espeak/bin/espeak-ng")
    assert load_station(d2).voice.main[0].options["binary"] == "/opt/espeak/bin/espeak-ng"


@pytest.mark.parametrize(
    "engine, words",
    [
        ({"engine": "espeak-ng", "speed": -5}, "80–450"),
        ({"engine": "espeak-ng", "speed": 10_000}, "80–450"),
        ({"engine": "espeak-ng", "speed": "nhanh"}, "phải là một số"),
        ({"engine": "espeak-ng", "pitch": 150}, "0–99"),
        ({"engine": "espeak-ng", "voice": "vi; rm -rf /"}, "không hợp lệ"),
        ({"engine": "gtts", "retries": 1_000_000}, "0–10"),
        ({"engine": "gtts", "backoff_s": -1}, "0–60"),
        ({"engine": "gtts", "url": "file:///etc/passwd"}, "không hợp lệ"),
        ({"engine": "edge-tts", "rate": "-500%"}, "không hợp lệ"),
        ({"engine": "piper", "length_scale": 0}, "0.25–4"),
        ({"engine": "piper", "model": "/etc/passwd"}, "ngoài thư mục"),
        ({"engine": "silent", "syllable_s": -1}, "0.01–5"),
    ],
)
def test_engine_options_out_of_range_name_file_line_and_field(tmp_path, engine, words):
    d = _station(tmp_path, engine)
    key = next(k for k in engine if k != "engine")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert err.value.file.endswith("station.yaml") and err.value.field == f"voice.main.0.{key}"
    assert err.value.line == _line_of(d / "station.yaml", f"{key}:")
    assert words in str(err.value)


def test_script_front_matter_voice_cannot_choose_a_program(tmp_path, capsys):
    d = _station(tmp_path, {"engine": "silent"})
    (d / "scripts").mkdir()
    meta = {
        "month": "2026-12",
        "topic": "x",
        "title": "T",
        "status": "draft",
        "voice": [{"engine": "espeak-ng", "binary": "/bin/sh"}],
    }
    (d / "scripts" / "2026-12.md").write_text(
        "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n## A\nMột câu.\n", encoding="utf-8"
    )
    code, out, err = cli(["produce", "--station", str(d), "--month", "2026-12"], capsys)
    assert code == 1 and "2026-12.md" in err and "binary" in err
