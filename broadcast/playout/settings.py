"""Parse and validate the `playout:` section of station.yaml (called by config.load_station)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from broadcast.errors import ConfigError
from broadcast.playout.backends import BACKENDS  # light: libmpv loads only when used
from broadcast.playout.models import AmplifierSettings, PlayoutSettings


def _command(r: Any, *path: Any) -> list[str]:
    value = r.get(*path)
    if value in (None, "", []):
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
    ):
        raise r.fail(
            path,
            "phải là danh sách các phần của lệnh (không chạy qua shell).",
            'Ví dụ: on_command: ["/usr/local/bin/relay", "1", "on"]',
        )
    return [str(v) for v in value]


def check_device(device: str, r: Any = None, path: tuple = ("playout", "device")) -> str:
    """`file:FOLDER` must stay inside the station folder; other names are checked by the backend."""
    device = device.strip() or "auto"
    if device.startswith("file:"):
        folder = device[5:]
        bad = (
            not folder
            or PurePosixPath(folder).is_absolute()
            or PureWindowsPath(folder).is_absolute()
            or PureWindowsPath(folder).drive
            or ".." in PurePosixPath(folder.replace("\\", "/")).parts
        )
        if bad:
            msg = f"thư mục ghi âm '{folder}' phải nằm trong thư mục của đài (đường dẫn tương đối, không có '..')."
            hint = 'Ví dụ: device: "file:audio_out/ghi-am"'
            if r is not None:
                raise r.fail(path, msg, hint)
            raise ConfigError(msg, field="--device", hint=hint)
    return device


def parse_playout(r: Any) -> PlayoutSettings:
    """PlayoutSettings from config's located reader `r` (errors name file, line and field)."""

    p = ("playout",)
    backend = r.text(*p, "backend") or "mpv"
    if backend not in BACKENDS:
        raise r.fail(
            (*p, "backend"),
            f"không có bộ phát tên '{backend}'.",
            "Các bộ phát có sẵn: " + ", ".join(BACKENDS) + ".",
        )
    a = (*p, "amplifier")
    return PlayoutSettings(
        backend=backend,
        device=check_device(r.text(*p, "device"), r),
        lead_min=r.number(*p, "lead_min", lo=1, hi=180),
        late_max_min=r.number(*p, "late_max_min", lo=0, hi=120),
        clock_jump_s=r.number(*p, "clock_jump_s", lo=1, hi=3600),
        silence_report_s=r.number(*p, "silence_report_s", lo=1, hi=600),
        amplifier=AmplifierSettings(
            on=_command(r, *a, "on_command"),
            off=_command(r, *a, "off_command"),
            on_before_s=r.number(*a, "on_before_s", lo=0, hi=600),
            off_after_s=r.number(*a, "off_after_s", lo=0, hi=3600),
            timeout_s=r.number(*a, "timeout_s", lo=1, hi=120),
        ),
    )
