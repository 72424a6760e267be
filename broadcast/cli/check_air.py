"""`broadcast check-air`: readiness of the coming airings, with fallback when needed."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from broadcast.calendar import TZ
from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.readiness import check_air


def parse_now(value: str | None) -> datetime:
    """--now ISO-DATETIME (station time if no offset); default: the real time."""
    if not value:
        return datetime.now(TZ)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' không phải thời điểm hợp lệ; viết dạng 2026-12-20T08:00", param_hint="--now"
        ) from None


@click.command("check-air")
@station_options
@click.option(
    "--days",
    default=1,
    show_default=True,
    type=click.IntRange(0, 62),
    metavar="SỐ_NGÀY",
    help="Kiểm tra đến hết ngày thứ N kể từ hôm nay (0: chỉ hôm nay).",
)
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Coi như bây giờ là thời điểm này.")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không sửa thư mục ngày.")
def command(station_dir: Path, verbose: bool, days: int, now_text: str | None, dry_run: bool) -> None:
    """Kiểm tra các lần phát sắp tới: tệp, thời lượng, độ lớn, đã duyệt; thay thế khi thiếu."""
    station = load_station(station_dir)
    report = check_air(station, parse_now(now_text), days=days, apply=not dry_run)
    click.echo(report.render())
    if not report.ready:
        sys.exit(1)
