"""`broadcast voices`: engines and voices, usable here and now or why not; `install NAME`."""

from __future__ import annotations

import time
from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.store import StationStore
from broadcast.voice import engine_status
from broadcast.voice.piper_engine import KNOWN_VOICES, UPSTREAM, install_voice, voices_dir


def _station_or_none(station_dir: Path):
    if StationStore.is_station(station_dir):
        return load_station(station_dir)
    return None


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


@click.group("voices", invoke_without_command=True)
@station_options
@click.pass_context
def command(ctx: click.Context, station_dir: Path, verbose: bool) -> None:
    """Liệt kê bộ đọc và giọng, cho biết giọng nào dùng được ngay bây giờ."""
    if ctx.invoked_subcommand is not None:
        return
    station = _station_or_none(station_dir)
    start = time.monotonic()
    statuses = engine_status(station, state_dir=StationStore(station_dir).state_dir)
    rows = [["Bộ đọc", "Giọng", "Đài dùng", "Dùng được?", "Ghi chú"]]
    for s in statuses:
        rows.append([s.engine, s.voice, s.role or "-", "có" if s.usable else "KHÔNG", s.reason])
    click.echo(_table(rows))
    configured = [s for s in statuses if s.role]
    if station is not None and configured:
        main = [s for s in configured if s.role.startswith("chính")]
        first_ok = next((s for s in main if s.usable), None)
        if first_ok is None:
            click.echo("\nCảnh báo: không giọng chính nào dùng được lúc này; chương trình sẽ không làm được.")
        elif first_ok is not main[0]:
            click.echo(
                f"\nLúc này đài sẽ đọc bằng giọng dự phòng {first_ok.engine}/{first_ok.voice} "
                f"(chương trình ghi 'degraded: true')."
            )
    click.echo(f"\n(kiểm tra trong {time.monotonic() - start:.1f} giây)")


@command.command("install")
@station_options
@click.argument("name", metavar="TÊN_GIỌNG")
@click.option(
    "--url",
    "base_url",
    default=None,
    metavar="URL",
    help="Địa chỉ gốc để tải (mặc định: kho rhasspy/piper-voices trên Hugging Face).",
)
def install(station_dir: Path, verbose: bool, name: str, base_url: str | None) -> None:
    """Tải một giọng Piper (cần mạng) về thư mục .broadcast/voices của đài."""
    dest = voices_dir(StationStore(station_dir).state_dir)
    known = KNOWN_VOICES.get(name)
    if known is not None:
        click.echo(f"Đang tải giọng {name} (khoảng {known.size_mb} MB)…", err=True)
    model = install_voice(name, dest, base_url=base_url or UPSTREAM)
    click.echo(f"Đã cài giọng {name}: {model}")
    if known is not None:
        click.echo(f"Giấy phép: {known.licence}.")
    click.echo(
        "Để dùng, sửa station.yaml:\n"
        "voice:\n"
        "  main:\n"
        "    - engine: piper\n"
        f"      voice: {name}\n"
        "    - engine: espeak-ng\n"
        "      voice: vi"
    )
