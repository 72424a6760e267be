"""`broadcast day`: the running order of one day, as the operator needs it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from broadcast.cli.common import station_options
from broadcast.config import load_station
from broadcast.schedule import TZ, day_running_order, render_day


@click.command("day")
@station_options
@click.argument("day", required=False, metavar="[YYYY-MM-DD]")
def command(station_dir: Path, verbose: bool, day: str | None) -> None:
    """In lịch phát của một ngày (mặc định: hôm nay)."""
    station = load_station(station_dir)
    if day:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"'{day}' không phải ngày hợp lệ; viết dạng 2026-12-05", param_hint="NGÀY") from None
    else:
        when = datetime.now(TZ).date()
    click.echo(render_day(station, when, day_running_order(station, when)))
