"""`broadcast archive`: keep aired months in archive/YYYY/YYYY-MM/ and remove old day folders."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.config import load_station
from broadcast.report.archive import run, verify


@click.command("archive")
@station_options
@month_option(required=False)
@click.option("--check", "check", is_flag=True, help="Chỉ kiểm tra mã SHA256 của các tháng đã lưu trữ.")
@click.option("--no-prune", "no_prune", is_flag=True, help="Không xóa thư mục phát từng ngày cũ.")
def command(station_dir: Path, verbose: bool, month: str | None, check: bool, no_prune: bool) -> None:
    """Lưu trữ các tháng đã phát xong (chương trình, kịch bản đã duyệt, lịch, nhật ký) kèm mã kiểm tra.

    Sau đó xóa các thư mục phát từng ngày cũ hơn archive.keep_days ngày (chỉ của tháng đã lưu trữ).
    Mã thoát 1: có tháng lưu trữ bị thay đổi hoặc --month chưa lưu trữ được.
    """
    station = load_station(station_dir)
    if check:
        bad = 0
        for m in station.store.archived_months():
            problems = verify(station, m)
            click.echo(f"{m}: " + ("đúng" if not problems else "; ".join(problems)))
            bad += bool(problems)
        sys.exit(1 if bad else 0)
    today = datetime.now(station.tz).date()
    result = run(station, today, months=[month] if month else None, prune=not no_prune)
    for m in result.archived:
        click.echo(f"Đã lưu trữ tháng {m}: {station.store.rel(station.store.archive_month_dir(m))}")
    if result.already:
        click.echo("Đã lưu trữ từ trước: " + ", ".join(result.already) + ".")
    for m, why in result.not_ready.items():
        click.echo(f"Chưa lưu trữ tháng {m}: {why}.")
    if result.removed_days:
        click.echo(
            f"Đã xóa {len(result.removed_days)} thư mục phát từng ngày cũ "
            f"(từ {min(result.removed_days):%d/%m/%Y} đến {max(result.removed_days):%d/%m/%Y})."
        )
    if result.kept_days:
        click.echo(f"Giữ lại {len(result.kept_days)} thư mục ngày cũ vì tháng của chúng chưa được lưu trữ.")
    if month and month in result.not_ready:
        sys.exit(1)
