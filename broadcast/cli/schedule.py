"""`broadcast schedule`: airings of a month, its calendar file and the daily folders."""

from __future__ import annotations

from pathlib import Path

import click

from broadcast.cli.common import month_option, station_options
from broadcast.config import load_station
from broadcast.schedule import schedule_month


@click.command("schedule")
@station_options
@month_option()
def command(station_dir: Path, verbose: bool, month: str) -> None:
    """Xếp lịch phát chương trình đã duyệt của tháng và chuẩn bị thư mục từng ngày."""
    station = load_station(station_dir)
    sched = schedule_month(station, month)
    click.echo(f"Đã xếp lịch tháng {month}: {len(sched.airings)} lần phát trong {len(sched.days)} ngày.")
    for a in sched.airings:
        click.echo(
            f"  {a.date:%d/%m/%Y} {a.start} ({a.slot})  {Path(a.items[0].file).name if a.items else ''}"
        )
    for d, why in sorted(sched.skipped.items()):
        click.echo(f"  Không phát {d:%d/%m/%Y}: {why}")
    store = station.store
    click.echo(
        f"Lịch: {store.rel(store.schedule_path(month))}, lịch nhập vào điện thoại: {store.rel(store.ics_path(month))}"
    )
    click.echo(f"Thư mục từng ngày: {store.rel(store.days_dir)}/NĂM-THÁNG-NGÀY/ (xem 'broadcast day NGÀY').")
