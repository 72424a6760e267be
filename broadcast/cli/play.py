"""`broadcast play`: the automatic player (see docs/operators.md, "Phát tự động")."""

from __future__ import annotations

import signal
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.errors import BroadcastError, ConfigError
from broadcast.playout.asrun import open_log
from broadcast.playout.backends import BACKENDS
from broadcast.playout.models import RESULT_VI
from broadcast.playout.player import STALE_AFTER_S, Clock, OffsetClock, Player, read_status
from broadcast.playout.settings import check_device
from broadcast.playout.source import TZ


def parse_when(value: str | None, option: str) -> datetime | None:
    if not value:
        return None

    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"'{value}' không phải thời điểm hợp lệ.",
            field=option,
            hint="Viết dạng 2026-12-20T06:00 (giờ của đài).",
        ) from None
    return t.replace(tzinfo=TZ) if t.tzinfo is None else t


def _devices() -> None:

    for name, cls in BACKENDS.items():
        click.echo(f"Bộ phát '{name}' ({cls.LABEL}):")
        try:
            found = cls.devices()
        except BroadcastError as exc:
            click.echo(f"  (không dùng được trên máy này: {exc.message})")
            continue
        click.echo("  auto  — thiết bị âm thanh mặc định của máy")
        click.echo("  null  — không phát ra loa (chạy thử)")
        click.echo("  file:THƯ_MỤC  — ghi ra tệp WAV trong thư mục của đài (chạy thử, kiểm tra)")
        for d in found:
            if d.name not in ("auto", "null"):
                click.echo(f"  {d.name}  — {d.description}")


def _status(station) -> None:

    st = read_status(station)
    if not st:
        click.echo("Máy phát tự động chưa chạy lần nào ở đài này.")
    else:
        state = "đang chạy" if st.get("running") else "đã dừng"
        beat = str(st.get("heartbeat_at") or "")
        try:
            age = (datetime.now(TZ) - datetime.fromisoformat(beat)).total_seconds()
        except (ValueError, TypeError):
            age = None
        if st.get("running") and (age is None or age > STALE_AFTER_S):
            state = (
                f"KHÔNG CHẠY (mất tín hiệu từ {beat[11:19] or '?'}: máy phát bị tắt, treo hoặc máy tính ngủ)"
            )
        click.echo(
            f"Máy phát tự động: {state} (cập nhật lúc {st.get('updated_at', '?')}, "
            f"bộ phát {st.get('backend')}, thiết bị {st.get('device')})."
        )
        click.echo(f"Đang phát: {st.get('now_playing') or 'không'}")
        nxt = st.get("next")
        if nxt:
            click.echo(
                f"Lần phát tiếp theo: {nxt['name']} {nxt['start'][11:16]} ngày "
                f"{datetime.fromisoformat(nxt['date']):%d/%m/%Y}"
            )
    with open_log(station.store) as log:
        last = log.last(1)
    if last:
        r = last[0]
        click.echo(
            f"Lần phát gần nhất: {r.title} — {r.slot} {r.actual_start[:16].replace('T', ' ')} — "
            f"{RESULT_VI.get(r.result, r.result)} ({r.seconds_aired:.0f} giây){' — ' + r.reason if r.reason else ''}"
        )
    else:
        click.echo("Nhật ký phát sóng chưa có dòng nào.")


@click.command("play")
@station_options
@click.option(
    "--status", "show_status", is_flag=True, help="Xem đang phát gì, lần phát tiếp theo, lần phát gần nhất."
)
@click.option("--devices", "show_devices", is_flag=True, help="Liệt kê các thiết bị âm thanh có thể phát ra.")
@click.option(
    "--device",
    metavar="THIẾT_BỊ",
    help="Thiết bị phát (ghi đè playout.device): auto, null, file:THƯ_MỤC hoặc tên trong --devices.",
)
@click.option("--backend", metavar="BỘ_PHÁT", help="Bộ phát (ghi đè playout.backend): mpv hoặc ffmpeg.")
@click.option("--once", is_flag=True, help="Chỉ phát buổi sắp tới (hoặc đang diễn ra) rồi thoát.")
@click.option(
    "--until",
    "until_text",
    metavar="ISO-DATETIME",
    help="Dừng lúc này (giờ của đài), ví dụ 2026-12-20T18:00.",
)
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Chạy thử: coi như bây giờ là thời điểm này.")
def command(
    station_dir: Path,
    verbose: bool,
    show_status: bool,
    show_devices: bool,
    device: str | None,
    backend: str | None,
    once: bool,
    until_text: str | None,
    now_text: str | None,
) -> None:
    """Phát tự động chuyên mục đúng giờ ra âm ly, ghi nhật ký phát sóng, phát thay thế khi thiếu tệp."""
    if show_devices:
        _devices()
        return
    station = load_station(station_dir)
    if show_status:
        _status(station)
        return

    settings = station.playout
    assert settings is not None  # load_station always parses the playout section
    if device:
        settings = replace(settings, device=check_device(device))
    if backend:
        settings = replace(settings, backend=backend)
    start = parse_when(now_text, "--now")
    until = parse_when(until_text, "--until")
    stop = threading.Event()
    try:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    except (ValueError, AttributeError):  # not the main thread / no SIGTERM on this platform
        pass
    player = Player(
        station,
        clock=OffsetClock(start) if start else Clock(),
        settings=settings,
        say=lambda line: click.echo(line),
        stop=stop,
    )
    player.run(until=until, once=once)
    click.echo("Đã dừng phát tự động.")
