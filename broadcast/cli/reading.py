"""`broadcast reading`: a person's reading of a segment, used instead of the synthetic voice."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.config import load_station
from broadcast.services import readings as svc


@click.group("reading")
def command() -> None:
    """Giọng người đọc: bản ghi của cán bộ đọc một đoạn, dùng thay giọng máy."""


@command.command("add")
@station_options
@month_option()
@click.option("--segment", "position", type=click.IntRange(min=1), required=True, metavar="SỐ",
              help="Đoạn thứ mấy của kịch bản (đếm từ 1, theo các tiêu đề '## …').")  # fmt: skip
@click.option("--by", "by", default=None, metavar="TÊN", help="Người đọc (mặc định: tài khoản máy).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), metavar="TỆP")
def add(station_dir: Path, verbose: bool, month: str, position: int, by: str | None, file: Path) -> None:
    """Lưu TỆP (MP3, WAV, M4A, OGG…) làm bản đọc của một đoạn; thay bản cũ nếu có."""
    station = load_station(station_dir)
    reading = svc.add_reading(station, month, position, file, by=by or getpass.getuser(), source="cli")
    folder = station.store.readings_month_dir(month)
    click.echo(
        f"Đã lưu giọng người đọc cho đoạn {position} ({reading.segment_title}) tháng {month}: "
        f"{reading.duration_s:.1f} giây, {station.store.rel(folder / reading.file)}"
    )
    click.echo("  Lần dựng sau, đoạn này dùng bản ghi thay giọng máy (manifest ghi engine: human).")


@command.command("list")
@station_options
@month_option()
def list_(station_dir: Path, verbose: bool, month: str) -> None:
    """Các đoạn của kịch bản và bản ghi của từng đoạn (chưa có / đang dùng / đã cũ)."""
    station = load_station(station_dir)
    for row in svc.month_readings(station, month):
        extra = ""
        if row.reading is not None:
            extra = f" — {row.reading.duration_s:.0f} giây, {row.reading.recorded_by}, {row.reading.recorded_label}"
        click.echo(f"  {row.position:>2}. {row.segment.title}: {row.label}{extra}")


@command.command("remove")
@station_options
@month_option()
@click.option("--segment", "position", type=click.IntRange(min=1), required=True, metavar="SỐ",
              help="Đoạn thứ mấy của kịch bản (đếm từ 1).")  # fmt: skip
def remove(station_dir: Path, verbose: bool, month: str, position: int) -> None:
    """Xóa bản đọc của một đoạn (đoạn đó lại đọc bằng giọng máy)."""
    station = load_station(station_dir)
    reading = svc.delete_reading(station, month, position)
    click.echo(f"Đã xóa giọng người đọc của đoạn {position} ({reading.segment_title}) tháng {month}.")
